"""Safety gate, publishing without downtime, conversation review, evaluation report."""
import json
import shutil
import subprocess
import sys
import threading
import time

import pytest
import yaml

from ops import gate as gate_mod
from ops import train as train_mod
from ops.settings import ROOT, VENV_BIN, resolved
from tests.conftest import TEST_TOKEN

CASES = yaml.safe_load((ROOT / "tests" / "safety" / "cases.yml").read_text())["cases"]


def test_every_emergency_red_flag_has_a_safety_case(kb):
    covered = {f for c in CASES for f in c.get("flags") or []}
    assert [r.id for r in kb.red_flags if r.level == "emergency" and r.id not in covered] == []
    assert any(t["expect"] == "no_emergency" for c in CASES for t in c["turns"])


def test_active_model_passed_the_gate(trained_model):
    active = json.loads((train_mod.MODELS / "active.json").read_text())
    assert active["model"] == trained_model.name
    assert "safety cases passed" in active["gate"] or active["gate"] == "passed earlier"


@pytest.mark.servers
def test_gate_checks_the_first_reply_of_every_turn(stack):
    results = gate_mod.check_cases(stack.rasa_url, CASES)
    assert all(r.ok for r in results), [r for r in results if not r.ok]


class FakeRasa:
    """A stand-in REST channel on 127.0.0.1 whose replies come from `answer(message) -> list`."""

    def __init__(self, answer):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                said = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["message"]
                body = json.dumps(answer(said)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()


def test_gate_fails_a_model_that_misses_an_emergency(tmp_path, monkeypatch):
    """A model that answers an emergency with a question is refused; the previous model stays active."""
    with FakeRasa(lambda said: [{"text": "How long has this been going on?"}]) as unsafe:
        results = gate_mod.check_cases(unsafe.url, CASES)
    report = gate_mod.GateReport("unsafe.tar.gz", results)
    assert not report.passed
    failed = {r.id for r in report.failures}
    assert "befast_face_arm" in failed and "negated_face" not in failed
    assert "| befast_face_arm | 1 | my face is drooping" in report.markdown()

    # and ensure_model keeps it aside, with the report, and the previous model stays active
    models = tmp_path / "models"
    models.mkdir()
    previous = models / "legcare-previous.tar.gz"
    previous.write_bytes(b"old")
    train_mod.set_active(previous, "passed", models)

    def fake_train(config, out_dir, name, quiet):
        path = out_dir / f"{name}.tar.gz"
        path.write_bytes(b"new")
        return path

    monkeypatch.setattr(train_mod, "_train", fake_train)
    monkeypatch.setattr(gate_mod, "run_gate", lambda model: gate_mod.GateReport(model.name, results))
    with pytest.raises(train_mod.GateFailed) as err:
        train_mod.ensure_model(out_dir=models, quiet=True)
    assert "was NOT published" in str(err.value) and "legcare-previous" in str(err.value)
    rejected = list((models / "rejected").glob("*.tar.gz"))
    assert len(rejected) == 1 and err.value.report_path.exists()
    assert "befast_face_arm" in err.value.report_path.read_text()
    assert train_mod.active_model(models) == previous


def test_gate_replays_the_corpus_and_counts_screen_answers():
    """Emergencies must escalate within two replies (a truthful answer to the screen); calm ones must not."""
    screen = {"text": "Before anything else...", "custom": {"screen": {"questions": []}}}
    emergency = {"text": "Call 112 now", "custom": {"triage": {"level": "emergency"}}}

    rows = [
        {"id": "e1", "text": "my face dropped", "level": "emergency", "acceptable": ["emergency"],
         "symptoms": ["facial_droop"], "onset": "sudden"},
        {"id": "e2", "text": "urine like cola after a marathon", "level": "emergency", "acceptable": ["emergency"],
         "symptoms": ["dark_urine"], "onset": "unknown"},  # no screen question covers it: a truthful "no"
        {"id": "c1", "text": "sore calves after a run", "level": "self_care", "acceptable": ["self_care"]},
    ]
    # screens every first message; escalates on a reply that starts with yes
    with FakeRasa(lambda said: [emergency] if said.startswith("yes") else [screen]) as screening:
        result = gate_mod.check_corpus(screening.url, rows)
    assert [m["id"] for m in result.missed] == ["e2"] and result.calm == 1 and not result.false_alarms
    report = gate_mod.GateReport("m.tar.gz", [gate_mod.CaseResult("x", True)], result)
    assert not report.passed and "| e2 |" in report.markdown() and "1 of 2 emergencies" in report.summary()


@pytest.mark.servers
def test_publish_switches_model_without_dropping_conversations(stack, chat, trained_model):
    from ops.publish import publish, running_model
    copy = trained_model.with_name("legcare-publish-test.tar.gz")
    shutil.copy(trained_model, copy)
    errors, replies = [], []
    sender = "publish-" + str(int(time.time()))
    chat.say(sender, "my left leg has been weak for 10 days")

    def keep_talking():
        for text in ["what exercises can I do?", "thanks", "what causes leg weakness?", "hello"] * 4:
            try:
                replies.append(chat.say(sender, text))
            except AssertionError as exc:
                errors.append(exc)
            time.sleep(0.3)

    talker = threading.Thread(target=keep_talking)
    talker.start()
    try:
        assert publish(copy, stack.rasa_url, TEST_TOKEN) == copy.name
        talker.join()
        assert errors == [] and all(replies)  # nobody got an error while the model changed
        slots = chat.tracker(sender)["slots"]
        assert slots["symptoms"] == ["leg_weakness"] and slots["side"] == "left"  # the conversation went on
        assert running_model(stack.rasa_url, TEST_TOKEN) == copy.name
    finally:
        talker.join()
        publish(trained_model, stack.rasa_url, TEST_TOKEN)
        copy.unlink()


@pytest.mark.servers
def test_review_export_redacts_and_drafts_validate(stack, chat, tmp_path):
    sender = "review-" + str(int(time.time()))
    chat.say(sender, "qwzx plorf blargh")  # not understood: screened, and kept for review
    chat.say(sender, "my name is Alice Brown, call 07700 900123 or alice@example.com, my face is drooping")
    out = tmp_path / "review"
    p = subprocess.run([sys.executable, "-m", "legcare", "review", "export", "--db", stack.env["TRACKER_STORE_URL"],
                        "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    nlu = (out / "nlu_drafts.yml").read_text()
    assert "qwzx plorf blargh" in nlu and "TODO_was_emergency" in nlu and "TODO_was_emergency_screen" in nlu
    assert "Alice" not in nlu and "07700" not in nlu and "alice@example.com" not in nlu
    assert "[NAME]" in nlu and "[NUMBER]" in nlu and "[EMAIL]" in nlu
    stories = (out / "stories_drafts.yml").read_text()
    assert "action: utter_emergency" in stories

    # an educator keeps this conversation's drafts, fills in the ids, and moves them into data/
    from legcare.review import conversation_tag
    project = tmp_path / "project"
    for item in ("data", "domain.yml", "config.yml"):
        (shutil.copytree if (ROOT / item).is_dir() else shutil.copy)(ROOT / item, project / item)
    def fill(todo: str, examples: str = "") -> str:
        return "emergency" if todo == "TODO_was_emergency" else "out_of_scope"

    kept = []
    for b in yaml.safe_load(nlu)["nlu"]:
        lines = [l for l in b["examples"].splitlines() if "qwzx" in l or "Alice" in l or "[NAME], call" in l]
        if lines:
            kept.append({"intent": fill(b["intent"]), "examples": "".join(l + "\n" for l in lines)})
    assert {b["intent"] for b in kept} == {"emergency", "out_of_scope"}
    (project / "data" / "nlu" / "review.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": kept},
                                                                         sort_keys=False))
    story_doc = yaml.safe_load(stories)
    mine = [st for st in story_doc["stories"] if conversation_tag(sender) in st["story"]]
    assert len(mine) == 1
    for step in mine[0]["steps"]:
        if str(step.get("intent", "")).startswith("TODO_"):
            step["intent"] = fill(step["intent"])
        if step.get("action") in ("utter_default", "action_default_fallback", "utter_screen"):
            step["action"] = "utter_out_of_scope"
    (project / "data" / "stories" / "review.yml").write_text(yaml.safe_dump({"version": "3.1", "stories": mine},
                                                                            sort_keys=False))
    v = subprocess.run([str(VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings"], cwd=project,
                       env=resolved(), capture_output=True, text=True, timeout=300)
    assert v.returncode == 0, v.stdout[-3000:] + v.stderr[-3000:]
    assert "UserWarning" not in v.stderr


def test_evaluate_writes_a_readable_report(trained_model):
    p = subprocess.run([sys.executable, "-m", "ops.evaluate"], cwd=ROOT, env=resolved(), capture_output=True,
                       text=True, timeout=1200)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    folder = ROOT / "reports" / "eval" / trained_model.name.replace(".tar.gz", "")
    report = (folder / "report.md").read_text()
    for heading in ("## Intents", "## Symptoms read by the engine", "## Safety gate", "## Compared with the previous"):
        assert heading in report
    assert "**PASSED**" in report
    assert (folder / "nlu" / "intent_confusion_matrix.png").stat().st_size > 1000
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["intents"]["accuracy"] > 0.7 and summary["gate"]["passed"]
