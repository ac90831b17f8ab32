"""The labelled corpus (bench/corpus/): well formed, in step with knowledge/, and the held-out part frozen."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "corpus"


def test_every_file_passes_the_checker():
    files = sorted(str(p) for p in CORPUS.glob("*/*.jsonl"))
    p = subprocess.run([sys.executable, str(CORPUS / "check.py"), *files], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-2000:]
    assert "0 problems" in p.stdout


def test_size_and_strata():
    from legcare.corpus import load

    dev, held = load(CORPUS / "dev"), load(CORPUS / "heldout")
    assert len(dev) + len(held) >= 2000 and len(held) >= 500
    for part in (dev, held):
        levels = {lvl: sum(r["level"] == lvl for r in part) for lvl in ("emergency", "urgent", "routine", "self_care")}
        assert min(levels.values()) >= 0.1 * len(part), levels
        groups = {g for r in part for g in r["red_flags"]}
        assert len(groups) == 14


def test_heldout_is_frozen():
    """bench/corpus/heldout.sha256 records the held-out files as they were written, before any tuning."""
    h = hashlib.sha256()
    for path in sorted((CORPUS / "heldout").glob("*.jsonl")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    assert h.hexdigest() == (CORPUS / "heldout.sha256").read_text().strip()


def test_dev_and_heldout_share_no_message():
    from legcare.corpus import load

    norm = lambda t: " ".join(t.lower().split())  # noqa: E731
    assert not {norm(r["text"]) for r in load(CORPUS / "dev")} & {norm(r["text"]) for r in load(CORPUS / "heldout")}


def test_label_vocabulary_is_in_step_with_the_knowledge_base(kb):
    labels = yaml.safe_load((CORPUS / "labels.yml").read_text())
    assert set(labels["symptoms"]) == set(kb.symptoms)
    assert set(labels["causes"]) == set(kb.conditions)
    assert set(labels["red_flag_groups"]) <= set(kb.red_flag_groups)
    emergency_groups = {r.group for r in kb.red_flags if r.level == "emergency"}
    assert set(labels["red_flag_groups"]) <= emergency_groups


def test_the_blind_first_run_is_recorded():
    run = json.loads((CORPUS / "runs" / "blind_first_run_5a7cac4.json").read_text())
    assert run["heldout_sha256"] == (CORPUS / "heldout.sha256").read_text().strip()
    assert run["messages"] == 600 and "errors" not in run
