"""The engine as it was gated: a knowledge snapshot, the engine's code and the trained detector.

`make train` writes one bundle beside each Rasa model
(``models/<model>.engine/``): ``knowledge/`` (a copy of the YAML the safety
gate checked), ``legcare/`` (a copy of this package's code), ``detector/``
(the red-flag detector trained on the development corpus) and
``manifest.json`` (the fingerprint and a SHA-256 of every file). The servers
run with the bundle first on PYTHONPATH and LEGCARE_KNOWLEDGE_DIR /
LEGCARE_DETECTOR_DIR pointing into it, so they answer with exactly what was
gated, whatever is edited in the working tree afterwards.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Dict, Optional

SUFFIX = ".engine"
MANIFEST = "manifest.json"


def bundle_for(model: Path) -> Path:
    """models/legcare-<fp>.tar.gz -> models/legcare-<fp>.engine"""
    name = model.name[:-len(".tar.gz")] if model.name.endswith(".tar.gz") else model.stem
    return model.parent / (name + SUFFIX)


def _hashes(root: Path) -> Dict[str, str]:
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(root.rglob("*")) if f.is_file() and f.name != MANIFEST and "__pycache__" not in f.parts}


def make(dest: Path, knowledge: Path, engine_code: Path, corpus: Path, fingerprint: str) -> Path:
    """Write a bundle: copy knowledge and code, train the detector, record hashes."""
    from .reading.detector import Detector, load_corpus

    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copytree(knowledge, tmp / "knowledge")
    shutil.copytree(engine_code, tmp / "legcare", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    rows = load_corpus(corpus)
    if not rows:
        raise RuntimeError(f"no labelled messages in {corpus} to train the red-flag detector on")
    Detector.train(rows).save(tmp / "detector")
    manifest = {"fingerprint": fingerprint, "files": _hashes(tmp), "detector_messages": len(rows)}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.replace(dest)
    return dest


def verify(bundle: Path) -> Optional[str]:
    """None when every file is as recorded; otherwise what is wrong."""
    path = bundle / MANIFEST
    if not path.is_file():
        return f"{bundle} has no {MANIFEST}"
    recorded = json.loads(path.read_text())["files"]
    now = _hashes(bundle)
    if now != recorded:
        changed = sorted(set(now.items()) ^ set(recorded.items()))
        return f"{bundle} was changed after it was gated ({len(changed)} file entries differ)"
    return None


def same_engine(a: Path, b: Path) -> bool:
    """Do two bundles hold the same knowledge, engine code and detector?"""
    try:
        return (json.loads((a / MANIFEST).read_text())["files"]
                == json.loads((b / MANIFEST).read_text())["files"])
    except (OSError, ValueError, KeyError):
        return False


def environment(bundle: Path, env: Dict[str, str]) -> Dict[str, str]:
    """`env` for a server that must run this bundle's engine."""
    out = dict(env)
    out["LEGCARE_KNOWLEDGE_DIR"] = str(bundle / "knowledge")
    out["LEGCARE_DETECTOR_DIR"] = str(bundle / "detector")
    out["LEGCARE_BUNDLE"] = str(bundle)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(bundle), out.get("PYTHONPATH", "")) if p)
    return out
