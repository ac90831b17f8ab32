"""Measure the triage engine on the held-out evaluation set.

    .venv/bin/python -m bench.engine_eval                  # both sets, side by side
    .venv/bin/python -m bench.engine_eval --set holdout    # one set
    .venv/bin/python -m bench.engine_eval --json           # machine-readable
    .venv/bin/python -m bench.engine_eval --errors         # list every miss

Two sets: `dev` (bench/eval/messages.yml, used to find and fix problems) and
`holdout` (bench/eval/holdout.yml, written afterwards and never tuned on).

Prints emergency sensitivity, triage accuracy, over/under-triage, symptom
precision/recall/F1, negation errors, cause-in-top-3 and messages per second
on one core after loading.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import yaml

EVAL_DIR = Path(__file__).resolve().parent / "eval"
EVAL_FILE = EVAL_DIR / "messages.yml"
SETS = {"dev": EVAL_DIR / "messages.yml", "holdout": EVAL_DIR / "holdout.yml"}
RANK = {None: -1, "self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}
TARGETS = {"emergency_sensitivity": 1.0, "triage_accuracy": 0.9, "symptom_f1": 0.9,
           "negation_errors": 0, "messages_per_second": 500}


def load_cases(path: Path = EVAL_FILE) -> List[Dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]


def evaluate(engine, cases: List[Dict[str, Any]]) -> Dict[str, Any]:
    tp = fp = fn = 0
    emerg_total = emerg_hit = 0
    correct = over = under = 0
    neg_errors: List[Dict[str, Any]] = []
    cause_total = cause_hit = 0
    errors: List[Dict[str, Any]] = []
    for case in cases:
        out = engine.assess(case["text"])
        gold_level, level = case.get("level"), out["triage"]["level"]
        gold_sym, sym = set(case.get("symptoms") or []), set(out["symptoms"])
        gold_neg = set(case.get("negated") or [])
        tp += len(gold_sym & sym)
        fp += len(sym - gold_sym)
        fn += len(gold_sym - sym)
        if gold_level == "emergency":
            emerg_total += 1
            emerg_hit += level == "emergency"
        if level == gold_level or (gold_level is None and not out["symptoms"]):
            correct += 1  # nothing described: any level, as long as no symptom was read
        elif RANK[level] > RANK[gold_level]:
            over += 1
        else:
            under += 1
        # a negated symptom reported as present, or a present one as negated
        bad = sorted((gold_neg & sym) | (gold_sym & set(out["negated"])))
        if bad:
            neg_errors.append({"text": case["text"], "symptoms": bad})
        top3 = [c["id"] for c in out["causes"][:3]]
        if case.get("causes"):
            cause_total += 1
            cause_hit += bool(set(case["causes"]) & set(top3))
        wrong_level = level != gold_level and not (gold_level is None and not out["symptoms"])
        if wrong_level or sym != gold_sym or bad or (case.get("causes") and not set(case["causes"]) & set(top3)):
            errors.append({"text": case["text"], "gold_level": gold_level, "level": level,
                           "missing": sorted(gold_sym - sym), "extra": sorted(sym - gold_sym),
                           "negation_errors": bad, "gold_causes": case.get("causes"), "top3": top3})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(cases)
    return {
        "messages": n,
        "emergency_cases": emerg_total,
        "emergency_sensitivity": round(emerg_hit / emerg_total, 4) if emerg_total else 1.0,
        "triage_accuracy": round(correct / n, 4),
        "over_triage": round(over / n, 4),
        "under_triage": round(under / n, 4),
        "symptom_precision": round(precision, 4),
        "symptom_recall": round(recall, 4),
        "symptom_f1": round(f1, 4),
        "negation_errors": len(neg_errors),
        "cause_top3": round(cause_hit / cause_total, 4) if cause_total else None,
        "cause_cases": cause_total,
        "errors": errors,
        "negation_error_cases": neg_errors,
    }


def throughput(engine, texts: List[str], seconds: float = 3.0) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for t in texts:
            engine.assess(t)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["dev", "holdout", "both"], default="both")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--errors", action="store_true", help="list every message the engine got wrong")
    ap.add_argument("--seconds", type=float, default=3.0, help="how long to measure throughput")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from legcare.engine import Engine
    engine = Engine()
    load_s = time.perf_counter() - t0
    names = ["dev", "holdout"] if args.set == "both" else [args.set]
    reports = {}
    for name in names:
        cases = load_cases(SETS[name])
        report = evaluate(engine, cases)
        report["messages_per_second"] = round(throughput(engine, [c["text"] for c in cases], args.seconds))
        report["load_seconds"] = round(load_s, 2)
        reports[name] = report
    if args.json:
        print(json.dumps({n: {k: v for k, v in r.items() if args.errors or k != "errors"}
                          for n, r in reports.items()}, indent=2))
        return 0
    rows = [
        ("messages", "messages", ""),
        ("emergency sensitivity", "emergency_sensitivity", f"target {TARGETS['emergency_sensitivity']}"),
        ("triage accuracy", "triage_accuracy", f"target >= {TARGETS['triage_accuracy']}"),
        ("over-triage rate", "over_triage", ""),
        ("under-triage rate", "under_triage", ""),
        ("symptom precision", "symptom_precision", ""),
        ("symptom recall", "symptom_recall", ""),
        ("symptom F1", "symptom_f1", f"target >= {TARGETS['symptom_f1']}"),
        ("negation errors", "negation_errors", "target 0"),
        ("cause in top 3", "cause_top3", ""),
        ("messages per second (1 core)", "messages_per_second", f"target >= {TARGETS['messages_per_second']}"),
        ("engine load time (s)", "load_seconds", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  " + "  ".join(f"{n:>8}" for n in names))
    for label, key, note in rows:
        print(f"{label:<{width}}  " + "  ".join(f"{reports[n][key]!s:>8}" for n in names) + f"  {note}")
    if args.errors:
        for n in names:
            for e in reports[n]["errors"]:
                print(n, json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
