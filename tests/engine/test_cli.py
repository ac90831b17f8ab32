"""The command-line contract other tools rely on."""
import json
import subprocess
import sys


from ops.settings import ROOT

KEYS = {"symptoms", "negated", "side", "onset", "duration", "risk_factors", "red_flags", "triage", "causes"}


def run(args, stdin=None):
    return subprocess.run([sys.executable, "-m", "legcare", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_assess_json():
    p = run(["assess", "--json", "my left leg suddenly went weak and my face droops"])
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert KEYS <= set(out)
    assert set(out["triage"]) >= {"level", "timeframe", "reasons"}
    assert out["triage"]["level"] == "emergency"
    assert out["side"] == "left" and out["onset"] == "sudden"
    assert "facial_droop" in out["symptoms"]
    assert {"id", "name", "score", "why", "sources"} <= set(out["causes"][0])


def test_assess_jsonl_reads_every_line():
    lines = ["weak legs for 2 weeks", "", "no numbness", "x" * 20000, "sore legs after the gym"]
    p = run(["assess", "--jsonl"], stdin="\n".join(lines) + "\n")
    assert p.returncode == 0, p.stderr
    outs = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(outs) == len(lines)
    assert outs[0]["duration"]["days"] == 14
    # an empty line: nothing found, yet a care level (the engine always gives one), and no screen
    assert outs[1]["symptoms"] == [] and outs[1]["triage"]["level"] == "routine"
    assert outs[1]["screen"]["needed"] is False
    assert outs[2]["negated"] == ["numbness"]
    assert outs[4]["triage"]["level"] == "self_care"


def test_human_output():
    p = run(["assess", "numb feet and I'm diabetic"])
    assert p.returncode == 0 and "Possible causes (not a diagnosis)" in p.stdout


def test_broken_knowledge_gives_a_clear_message(tmp_path, monkeypatch):
    import shutil
    d = tmp_path / "k"
    shutil.copytree(ROOT / "knowledge", d)
    (d / "symptoms.yml").write_text("symptoms: [unclosed\n")
    monkeypatch.setenv("LEGCARE_KNOWLEDGE_DIR", str(d))
    p = subprocess.run([sys.executable, "-m", "legcare", "assess", "--json", "hi"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "knowledge error: symptoms.yml:" in p.stderr and "broken YAML" in p.stderr
    assert "Traceback" not in p.stderr


def test_check_command():
    p = run(["check"])
    assert p.returncode == 0 and "knowledge OK" in p.stdout
