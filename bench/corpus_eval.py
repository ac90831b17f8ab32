"""Measure the engine on the labelled corpus (bench/corpus/, see its GUIDE.md).

    .venv/bin/python -m bench.corpus_eval                 # dev and held-out, side by side
    .venv/bin/python -m bench.corpus_eval --set dev --errors   # every miss on the development part
    .venv/bin/python -m bench.corpus_eval --json          # machine-readable
    .venv/bin/python -m bench.corpus_eval --record NAME   # also save the held-out figures as bench/corpus/runs/NAME.json
    .venv/bin/python -m bench.corpus_eval --file NEW.jsonl     # a new writer's file, on arrival (figures and SHA-256)

The engine runs with the red-flag detector `make train` bundles (trained on
the development part, so the development figures are in-sample for it; see
bench/detector_select.py for its cross-validated figures).

Figures: emergency sensitivity on the first message and within the first two
replies (a simulated person answers the emergency screen truthfully from the
labels), per red-flag group; triage accuracy (exact, and within the levels a
clinician could defend); under- and over-triage; false alarms on self-care and
routine messages; messages screened; symptom precision and recall; negation
errors; cause in the top 3; messages without a care level; engine messages
per second on one core.

The held-out part is never listed message by message: only its figures are
printed, so that it can stay held out. `--errors` works on the development
part only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

CORPUS = Path(__file__).resolve().parent / "corpus"
PARTS = {"dev": CORPUS / "dev", "heldout": CORPUS / "heldout"}
HASH_FILE = CORPUS / "heldout.sha256"
RUNS = CORPUS / "runs"
RANK = {None: -1, "self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}
TARGETS = {
    "emergency_sensitivity_first": ">= 0.98", "emergency_sensitivity_two_replies": "1.0",
    "under_triage": "<= 0.03", "false_alarms": "<= 0.05", "triage_accuracy": ">= 0.85",
    "negation_errors": "0", "no_level": "0", "messages_per_second": ">= 300",
}


from bench.engine_eval import throughput  # noqa: E402
from legcare.corpus import is_calm, load as load_dir, truthful_screen_reply  # noqa: E402


def files(part: str) -> List[Path]:
    return sorted(PARTS[part].glob("*.jsonl"))


def load(part: str) -> List[Dict[str, Any]]:
    return load_dir(PARTS[part])


def load_file(path: Path) -> List[Dict[str, Any]]:
    """One writer's JSONL file, read as the corpus loader reads a part."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def heldout_sha256() -> str:
    """SHA-256 over the held-out files, in name order (name, NUL, bytes, NUL each)."""
    h = hashlib.sha256()
    for path in files("heldout"):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def evaluate(engine, cases: List[Dict[str, Any]]) -> Dict[str, Any]:
    n = len(cases)
    tp = fp = fn = 0
    exact = defensible = over = under = no_level = 0
    emerg = emerg_first = emerg_two = 0
    calm = false_alarm = calm_screened = screened = 0
    neg_errors = 0
    cause_total = cause_hit = 0
    per_group: Dict[str, List[int]] = defaultdict(lambda: [0, 0])  # group -> [hit, total]
    per_tag: Dict[str, List[int]] = defaultdict(lambda: [0, 0])    # tag -> [right level, total]
    errors: List[Dict[str, Any]] = []
    for case in cases:
        out = engine.assess(case["text"])
        level = out["triage"]["level"]
        screen = (out.get("screen") or {}).get("needed", False)
        gold, ok_levels = case["level"], case.get("acceptable") or [case["level"]]
        sym, gold_sym = set(out["symptoms"]), set(case.get("symptoms") or [])
        tp += len(sym & gold_sym)
        fp += len(sym - gold_sym)
        fn += len(gold_sym - sym)
        no_level += level is None
        exact += level == gold
        defensible += level in ok_levels
        low, high = min(RANK[x] for x in ok_levels), max(RANK[x] for x in ok_levels)
        under += RANK[level] < low
        over += RANK[level] > high
        screened += screen
        second = None
        if gold == "emergency":
            emerg += 1
            first_hit = level == "emergency"
            emerg_first += first_hit
            two = first_hit
            if not first_hit and screen:
                from legcare.screen import answer_screen

                second = truthful_screen_reply(case)
                two = answer_screen(engine, case["text"], second)["level"] == "emergency"
            emerg_two += two
            for g in case.get("red_flags") or []:
                per_group[g][0] += first_hit
                per_group[g][1] += 1
        if is_calm(case):
            calm += 1
            false_alarm += level == "emergency"
            calm_screened += screen
        bad = (set(case.get("denied") or []) & sym) | (gold_sym & set(out["negated"]))
        neg_errors += bool(bad)
        top3 = [c["id"] for c in out["causes"][:3]]
        if case.get("causes"):
            cause_total += 1
            cause_hit += bool(set(case["causes"]) & set(top3))
        for tag in case.get("tags") or []:
            per_tag[tag][0] += level in ok_levels
            per_tag[tag][1] += 1
        if level not in ok_levels or sym != gold_sym or bad:
            errors.append({"id": case["id"], "text": case["text"], "gold": gold, "acceptable": ok_levels,
                           "level": level, "screen": screen, "second_reply": second,
                           "red_flags": case.get("red_flags"), "fired": [f["id"] for f in out["red_flags"]],
                           "missing": sorted(gold_sym - sym), "extra": sorted(sym - gold_sym),
                           "negation_errors": sorted(bad)})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0

    def ratio(a: int, b: int) -> Optional[float]:
        return round(a / b, 4) if b else None

    return {
        "messages": n,
        "emergencies": emerg,
        "emergency_sensitivity_first": ratio(emerg_first, emerg),
        "emergency_sensitivity_two_replies": ratio(emerg_two, emerg),
        "triage_accuracy": ratio(exact, n),
        "triage_defensible": ratio(defensible, n),
        "under_triage": ratio(under, n),
        "over_triage": ratio(over, n),
        "false_alarms": ratio(false_alarm, calm),
        "calm_messages": calm,
        "calm_screened": ratio(calm_screened, calm),
        "screened": ratio(screened, n),
        "symptom_precision": round(precision, 4),
        "symptom_recall": round(recall, 4),
        "negation_errors": neg_errors,
        "cause_top3": ratio(cause_hit, cause_total),
        "no_level": no_level,
        "per_red_flag": {g: {"sensitivity": ratio(h, t), "cases": t} for g, (h, t) in sorted(per_group.items())},
        "per_tag": {t: {"defensible": ratio(h, c), "cases": c} for t, (h, c) in sorted(per_tag.items())},
        "errors": errors,
    }


def long_story_ms(engine, chars: int, repeats: int = 5) -> float:
    """Milliseconds to read one story of `chars` characters (best of `repeats`): stays linear up to 20,000."""
    unit = ("On Monday my toes tingled and I thought my boots were tight. Tuesday my feet felt numb. "
            "My sister says I should rest, and I walked the dog as usual. ")
    text = (unit * (chars // len(unit) + 1))[:chars]
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        engine.assess(text)
        best = min(best, time.perf_counter() - t0)
    return round(best * 1000, 1)


ROWS = [
    ("messages", "messages"), ("emergencies", "emergencies"),
    ("emergency sensitivity, first message", "emergency_sensitivity_first"),
    ("emergency sensitivity, within two replies", "emergency_sensitivity_two_replies"),
    ("triage accuracy (exact level)", "triage_accuracy"),
    ("triage within defensible levels", "triage_defensible"),
    ("under-triage", "under_triage"), ("over-triage", "over_triage"),
    ("false alarms (self-care/routine -> emergency)", "false_alarms"),
    ("self-care/routine messages screened", "calm_screened"),
    ("messages screened", "screened"),
    ("symptom precision", "symptom_precision"), ("symptom recall", "symptom_recall"),
    ("negation errors", "negation_errors"), ("cause in top 3", "cause_top3"),
    ("messages without a care level", "no_level"),
    ("messages per second (1 core)", "messages_per_second"),
]


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=CORPUS).stdout.strip()
    except OSError:
        return ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["dev", "heldout", "both"], default="both")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--errors", action="store_true", help="list misses (development part only)")
    ap.add_argument("--seconds", type=float, default=3.0, help="how long to measure throughput")
    ap.add_argument("--record", metavar="NAME", help="save the held-out figures under bench/corpus/runs/")
    ap.add_argument("--no-detector", action="store_true", help="rules only, without the statistical detector")
    ap.add_argument("--file", action="append", default=[], type=Path, metavar="JSONL",
                    help="score a new writer's file instead of the parts (repeatable); --errors lists its misses")
    args = ap.parse_args(argv)
    from legcare.engine import Engine

    if args.no_detector:
        engine = Engine(detector=None)
    else:
        from legcare.reading.detector import for_tools
        engine = Engine(detector=for_tools())
    names = ["dev", "heldout"] if args.set == "both" else [args.set]
    if args.file:
        names = [str(path) for path in args.file]
    reports = {}
    for name in names:
        cases = load_file(Path(name)) if args.file else load(name)
        report = evaluate(engine, cases)
        if args.file:
            report["sha256"] = hashlib.sha256(Path(name).read_bytes()).hexdigest()
        report["messages_per_second"] = round(throughput(engine, [c["text"] for c in cases], args.seconds))
        if name == "heldout":
            report["heldout_sha256"] = heldout_sha256()
            report.pop("errors")
        reports[name] = report
    stories = {n: long_story_ms(engine, n) for n in (2_000, 20_000)}
    if args.record and "heldout" in reports:
        RUNS.mkdir(exist_ok=True)
        record = dict(reports["heldout"], run=args.record, commit=_commit(),
                      at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        (RUNS / f"{args.record}.json").write_text(json.dumps(record, indent=2) + "\n")
    if args.json:
        out = {n: {k: v for k, v in r.items() if k != "errors" or args.errors} for n, r in reports.items()}
        out["long_story_ms"] = stories
        print(json.dumps(out, indent=2))
        return 0
    width = max(len(label) for label, _ in ROWS)
    if args.file:
        for n in names:
            print(f"{n}: SHA-256 {reports[n]['sha256']}")
        labels = {n: Path(n).stem[-9:] for n in names}
    else:
        labels = {n: n for n in names}
    print(f"{'':<{width}}  " + "  ".join(f"{labels[n]:>9}" for n in names) + "  target")
    for label, key in ROWS:
        print(f"{label:<{width}}  " + "  ".join(f"{reports[n][key]!s:>9}" for n in names)
              + f"  {TARGETS.get(key, '')}")
    groups = sorted({g for r in reports.values() for g in r["per_red_flag"]})
    print("\nsensitivity per red-flag group (first message; cases)")
    for g in groups:
        cells = []
        for n in names:
            v = reports[n]["per_red_flag"].get(g)
            cells.append(f"{v['sensitivity']!s:>6} ({v['cases']:>3})" if v else f"{'-':>12}")
        print(f"  {g:<22}" + "  ".join(cells))
    print(f"\nreading one story: 2,000 characters {stories[2_000]} ms, 20,000 characters {stories[20_000]} ms "
          f"({stories[20_000] / max(stories[2_000], 0.001):.1f}x for 10x the text)")
    for n in (names if args.file else ["dev"]):
        if args.errors and n in reports:
            for e in reports[n]["errors"]:
                print(json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
