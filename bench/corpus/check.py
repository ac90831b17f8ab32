"""Check corpus files against the label vocabulary (labels.yml beside this file).

    python3 bench/corpus/check.py FILE.jsonl [FILE.jsonl ...]

Checks fields, ids, duplicate ids and texts, and that `level` is among
`acceptable` and that an emergency has a red-flag group. It says nothing about
whether a label is clinically right. Exit 0 when every line is well formed.
Needs only Python 3 and PyYAML.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import yaml

LABELS = Path(__file__).resolve().parent / "labels.yml"
LIST_FIELDS = {"acceptable": "levels", "red_flags": "red_flag_groups", "symptoms": "symptoms",
               "denied": "symptoms", "causes": "causes", "tags": "tags"}
ONE_FIELDS = {"level": "levels", "onset": "onset", "side": "side", "speaker": "speaker"}
REQUIRED = ("id", "text", *ONE_FIELDS, *LIST_FIELDS)


def vocabulary(path: Path = LABELS) -> Dict[str, set]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: set(values) for name, values in data.items()}


def check_record(rec: object, vocab: Dict[str, set]) -> List[str]:
    """Problems with one parsed record (empty when it is well formed)."""
    if not isinstance(rec, dict):
        return ["not a JSON object"]
    problems = [f"missing field '{f}'" for f in REQUIRED if f not in rec]
    problems += [f"unknown field '{f}'" for f in rec if f not in REQUIRED]
    if not isinstance(rec.get("text"), str) or not rec.get("text", "").strip():
        problems.append("'text' must be a non-empty string")
    if not isinstance(rec.get("id"), str) or not rec.get("id"):
        problems.append("'id' must be a non-empty string")
    for field, kind in ONE_FIELDS.items():
        if field in rec and rec[field] not in vocab[kind]:
            problems.append(f"'{field}' is {rec[field]!r}, not one of {sorted(vocab[kind])}")
    for field, kind in LIST_FIELDS.items():
        value = rec.get(field)
        if field in rec and not isinstance(value, list):
            problems.append(f"'{field}' must be a list")
            continue
        for item in value or []:
            if item not in vocab[kind]:
                problems.append(f"'{field}' has unknown id {item!r}")
    if isinstance(rec.get("acceptable"), list) and rec.get("level") not in rec["acceptable"]:
        problems.append("'level' must be one of 'acceptable'")
    if rec.get("level") == "emergency" and not rec.get("red_flags"):
        problems.append("an emergency needs at least one red-flag group")
    if rec.get("red_flags") and rec.get("level") != "emergency":
        problems.append("a message with a red-flag group is an emergency")
    overlap = set(rec.get("symptoms") or []) & set(rec.get("denied") or [])
    if overlap:
        problems.append(f"present and denied at once: {sorted(overlap)}")
    return problems


def read_jsonl(path: Path) -> Iterable[Tuple[int, object, str]]:
    """(line number, parsed record or None, error) for each non-blank line."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), ""
        except json.JSONDecodeError as exc:
            yield number, None, f"not valid JSON: {exc.msg} at column {exc.colno}"


def check_files(paths: List[Path], vocab: Dict[str, set]) -> List[str]:
    problems: List[str] = []
    seen_ids: Dict[str, str] = {}
    seen_texts: Dict[str, str] = {}
    for path in paths:
        for number, rec, error in read_jsonl(path):
            where = f"{path}:{number}"
            if error:
                problems.append(f"{where}: {error}")
                continue
            problems += [f"{where}: {p}" for p in check_record(rec, vocab)]
            if isinstance(rec, dict):
                rid, text = rec.get("id"), " ".join(str(rec.get("text", "")).lower().split())
                if rid in seen_ids:
                    problems.append(f"{where}: id {rid!r} already used at {seen_ids[rid]}")
                if text in seen_texts:
                    problems.append(f"{where}: same text as {seen_texts[text]}")
                seen_ids.setdefault(rid, where)
                seen_texts.setdefault(text, where)
    return problems


def main(argv: List[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    paths = [Path(a) for a in argv]
    problems = check_files(paths, vocabulary())
    for p in problems:
        print(p)
    count = sum(1 for path in paths for _ in read_jsonl(path))
    print(f"{count} records, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
