"""Train a model only when its inputs changed (config, domain, data, components).

    python -m ops.train          # prints the model path
"""
from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional

from .settings import ROOT, VENV_BIN, resolved

MODELS = ROOT / "models"
TRAINING_INPUTS = ["config.yml", "domain.yml", "data", "components", "requirements.lock"]


def _files(paths: Iterable[str], root: Path) -> List[Path]:
    out: List[Path] = []
    for p in paths:
        path = root / p
        if path.is_dir():
            out += sorted(f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
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


def model_path(fp: str, prefix: str = "legcare") -> Path:
    return MODELS / f"{prefix}-{fp}.tar.gz"


def ensure_model(config: str = "config.yml", prefix: str = "legcare", quiet: bool = False,
                 out_dir: Optional[Path] = None) -> Path:
    """Return a model trained on the current inputs, training only if needed."""
    out_dir = out_dir or MODELS
    out_dir.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(config=config)
    target = out_dir / f"{prefix}-{fp}.tar.gz"
    with open(out_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one training at a time
        if target.exists():
            if not quiet:
                print(f"Model up to date: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            return target
        if not quiet:
            print(f"Training a new model ({prefix}, inputs {fp}); this takes about a minute...", flush=True)
        start = time.time()
        cmd = [str(VENV_BIN / "rasa"), "train", "--config", config, "--domain", "domain.yml",
               "--data", "data", "--out", str(out_dir), "--fixed-model-name", f"{prefix}-{fp}", "--force"]
        proc = subprocess.run(cmd, cwd=ROOT, env=resolved(), capture_output=True, text=True)
        if proc.returncode != 0 or not target.exists():
            sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
            raise RuntimeError(f"rasa train failed (exit {proc.returncode})")
        if not quiet:
            print(f"Trained {target.name} in {time.time() - start:.0f} s")
        return target


def main(argv: Optional[List[str]] = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config.yml")
    ap.add_argument("--prefix", default="legcare")
    args = ap.parse_args(argv)
    try:
        print(ensure_model(args.config, args.prefix))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
