"""Train a model only when its inputs changed, and publish it only if it is safe.

    python -m ops.train          # prints the active model's path

A new model is trained into models/candidates/ together with its engine
bundle (legcare/bundle.py: the knowledge snapshot, the engine's code and the
red-flag detector trained on the development corpus), then must pass the
safety gate (ops/gate.py: tests/safety/cases.yml and the corpus checks). If
it passes, both move to models/ and become active (models/active.json); the
servers then run that bundle, so they answer with exactly what was gated. If
it fails, both are kept in models/rejected/ with a report of the failed
cases, and the previous model stays active.

What is fingerprinted: Rasa's data, domain, config and components, the
pinned packages, the knowledge base, the engine's code and the development
corpus. An edit to any of them means a new model and a new gate run.
"""
from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional

from legcare import bundle

from .settings import ROOT, VENV_BIN, resolved

MODELS = ROOT / "models"
TRAINING_INPUTS = ["config.yml", "domain.yml", "data", "components", "requirements.lock",
                   "knowledge", "legcare", "bench/corpus/dev"]


def _files(paths: Iterable[str], root: Path) -> List[Path]:
    out: List[Path] = []
    for p in paths:
        path = root / p
        if path.is_dir():
            out += sorted(f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts
                          and f.suffix != ".pyc")
        elif path.is_file():
            out.append(path)
    return out


def fingerprint(root: Path = ROOT, config: str = "config.yml") -> str:
    """A hash of everything that changes the trained model."""
    h = hashlib.sha256()
    inputs = [config if p == "config.yml" else p for p in TRAINING_INPUTS]
    for f in _files(inputs, root):
        h.update(str(f.relative_to(root)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


class GateFailed(RuntimeError):
    def __init__(self, message: str, report_path: Path):
        super().__init__(message)
        self.report_path = report_path


def active_model(out_dir: Optional[Path] = None) -> Optional[Path]:
    marker = (out_dir or MODELS) / "active.json"
    if not marker.exists():
        return None
    path = (out_dir or MODELS) / json.loads(marker.read_text())["model"]
    return path if path.exists() else None


def set_active(model: Path, gate_summary: str, out_dir: Optional[Path] = None) -> None:
    marker = (out_dir or MODELS) / "active.json"
    data = {"model": model.name, "published_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "gate": gate_summary}
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(marker)  # atomic: readers see the old or the new model, never half
    history = (out_dir or MODELS) / "history.json"
    past = json.loads(history.read_text()) if history.exists() else []
    if not past or past[-1]["model"] != model.name:
        past.append(data)
        history.write_text(json.dumps(past[-50:], indent=2))


def _train(config: str, out_dir: Path, name: str, quiet: bool) -> Path:
    start = time.time()
    cmd = [str(VENV_BIN / "rasa"), "train", "--config", config, "--domain", "domain.yml",
           "--data", "data", "--out", str(out_dir), "--fixed-model-name", name, "--force"]
    proc = subprocess.run(cmd, cwd=ROOT, env=resolved(), capture_output=True, text=True)
    target = out_dir / f"{name}.tar.gz"
    if proc.returncode != 0 or not target.exists():
        raise RuntimeError("rasa train failed:\n" + explain_training_error(proc.stdout + proc.stderr))
    if not quiet:
        print(f"Trained {target.name} in {time.time() - start:.0f} s")
    return target


def explain_training_error(output: str) -> str:
    """The useful part of Rasa's training output for an educator."""
    lines = [ln for ln in output.splitlines() if "Processed" not in ln and "Epochs" not in ln]
    for marker in ("InvalidRule", "Contradicting rules", "YamlSyntaxException", "InvalidDomain", "Error"):
        idx = next((i for i, ln in enumerate(lines) if marker in ln), None)
        if idx is not None:
            return "\n".join(lines[idx: idx + 15])
    return "\n".join(lines[-30:])


def ensure_model(config: str = "config.yml", prefix: str = "legcare", quiet: bool = False,
                 out_dir: Optional[Path] = None) -> Path:
    """Return the active model, training and gating a new one if the inputs changed.

    Only a model that passed the safety gate is ever moved into `out_dir`, so a
    model found there has passed it.
    """
    out_dir = out_dir or MODELS
    out_dir.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(config=config)
    name = f"{prefix}-{fp}"
    target = out_dir / f"{name}.tar.gz"
    with open(out_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one training at a time
        if target.exists() and bundle.verify(bundle.bundle_for(target)) is None:
            if active_model(out_dir) != target:
                set_active(target, "passed earlier", out_dir)
            if not quiet:
                print(f"Model up to date: {target.name} (active)")
            return target
        rejected = out_dir / "rejected" / f"{name}.tar.gz"
        report_path = out_dir / "rejected" / f"{name}.md"
        if rejected.exists():
            raise GateFailed(f"{name} failed the safety gate; see {report_path}", report_path)
        if not quiet:
            print(f"Training a new model ({name}) and its engine bundle; this takes about a minute...", flush=True)
        candidates = out_dir / "candidates"
        candidates.mkdir(exist_ok=True)
        candidate = _train(config, candidates, name, quiet)
        engine_bundle = bundle.make(bundle.bundle_for(candidate), ROOT / "knowledge", ROOT / "legcare",
                                    ROOT / "bench" / "corpus" / "dev", fp)
        if not quiet:
            print("Running the safety gate on the new model...", flush=True)
        from .gate import run_gate
        report = run_gate(candidate)
        if report.passed:
            _replace(engine_bundle, bundle.bundle_for(target))
            shutil.move(str(candidate), target)
            set_active(target, report.summary(), out_dir)
            if not quiet:
                print(f"Safety gate passed ({report.summary()}). Active model: {target.name}")
            return target
        (out_dir / "rejected").mkdir(exist_ok=True)
        _replace(engine_bundle, bundle.bundle_for(rejected))
        shutil.move(str(candidate), rejected)
        report_path.write_text(report.markdown())
        previous = active_model(out_dir)
        raise GateFailed(f"The new model failed the safety gate ({report.summary()}); it was NOT "
                         f"published. Report: {report_path}. Active model is still "
                         f"{previous.name if previous else 'none'}.\n" + report.markdown(), report_path)


def _replace(src: Path, dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.move(str(src), dest)


def main(argv: Optional[List[str]] = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config.yml")
    ap.add_argument("--prefix", default="legcare")
    args = ap.parse_args(argv)
    try:
        print(ensure_model(args.config, args.prefix))
    except RuntimeError as exc:  # includes GateFailed
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
