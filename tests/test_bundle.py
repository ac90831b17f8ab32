"""Every change that can alter triage passes the gate, and the servers run exactly what was gated."""
import json
import shutil
from pathlib import Path

import pytest

from legcare import bundle
from ops import train as train_mod
from ops.settings import ROOT


def _tree(root: Path) -> None:
    for rel in train_mod.TRAINING_INPUTS:
        path = root / rel
        if "." in Path(rel).name:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rel)
        else:
            path.mkdir(parents=True, exist_ok=True)
            (path / "a.txt").write_text(rel)


@pytest.mark.parametrize("edited", ["knowledge", "legcare", "bench/corpus/dev", "data", "components"])
def test_fingerprint_covers_knowledge_engine_and_corpus(tmp_path, edited):
    _tree(tmp_path)
    before = train_mod.fingerprint(root=tmp_path)
    (tmp_path / edited / "a.txt").write_text("changed by an educator")
    assert train_mod.fingerprint(root=tmp_path) != before


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    dest = tmp_path_factory.mktemp("models") / "legcare-test.engine"
    return bundle.make(dest, ROOT / "knowledge", ROOT / "legcare", ROOT / "bench" / "corpus" / "dev", "test")


def test_bundle_holds_knowledge_code_and_detector(made):
    assert (made / "knowledge" / "red_flags.yml").is_file()
    assert (made / "legcare" / "engine.py").is_file()
    assert (made / "detector" / "detector.npz").is_file()
    assert bundle.verify(made) is None
    assert json.loads((made / "manifest.json").read_text())["fingerprint"] == "test"


def test_a_bundle_changed_after_gating_is_refused(made, tmp_path):
    copy = tmp_path / "legcare-copy.engine"
    shutil.copytree(made, copy)
    assert bundle.same_engine(made, copy)
    with open(copy / "knowledge" / "red_flags.yml", "a") as fh:
        fh.write("\n# edited after the gate\n")
    assert "changed after it was gated" in bundle.verify(copy)
    from ops.servers import Stack
    model = tmp_path / "legcare-copy.tar.gz"
    model.write_bytes(b"model")
    with pytest.raises(RuntimeError, match="engine bundle cannot be used"):
        Stack(model=model, env={})


def test_servers_run_the_bundle_first(made, tmp_path):
    env = bundle.environment(made, {"PYTHONPATH": str(ROOT)})
    assert env["PYTHONPATH"].split(":")[0] == str(made)
    assert env["LEGCARE_KNOWLEDGE_DIR"] == str(made / "knowledge")
    assert env["LEGCARE_DETECTOR_DIR"] == str(made / "detector")


def test_the_running_assistant_uses_its_bundle(stack, trained_model):
    engine_bundle = bundle.bundle_for(trained_model)
    assert bundle.verify(engine_bundle) is None
    for name in ("rasa", "actions"):
        assert stack.services[name].proc is not None
    assert stack.env["LEGCARE_KNOWLEDGE_DIR"] == str(engine_bundle / "knowledge")


def test_publish_refuses_a_model_whose_engine_differs(tmp_path, monkeypatch, made, capsys):
    from ops import publish

    running, new = tmp_path / "legcare-old.tar.gz", tmp_path / "legcare-new.tar.gz"
    shutil.copytree(made, bundle.bundle_for(running))
    shutil.copytree(made, bundle.bundle_for(new))
    manifest = bundle.bundle_for(new) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["files"]["knowledge/red_flags.yml"] = "0" * 64
    manifest.write_text(json.dumps(data))
    monkeypatch.setattr(publish, "MODELS", tmp_path)
    monkeypatch.setattr(publish, "active_model", lambda: new)
    monkeypatch.setattr(publish, "running_model", lambda url, token: running.name)
    monkeypatch.setenv("RASA_AUTH_TOKEN", "t")
    assert publish.main() == 1
    assert "restart" in capsys.readouterr().err
