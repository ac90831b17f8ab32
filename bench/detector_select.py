"""Choose the red-flag detector by measurement: 5-fold cross-validation on the development corpus.

    .venv/bin/python -m bench.detector_select [--folds 5]
    .venv/bin/python -m bench.detector_select --policy   # the agreement threshold, leaving one writer out

Each variant is trained on four fifths of bench/corpus/dev and scored on the
fifth it did not see, in turn. Printed per variant: ROC AUC for "any
emergency"; at its threshold, the share of emergencies flagged, of calm
(self-care and routine) messages flagged, and of the emergencies that the
rules miss on the first message that it flags (what it adds to the rules),
and that last share again at the threshold that flags 10% of calm messages
(so that variants are compared at the same cost); training time. The held-out corpus is not used.

`--policy` chooses knowledge/screen.yml's `agreement` threshold (a screen
rule holds and the detector is at least that sure: escalate at once). The
detector in use is trained once per development writer on all the other
writers and scored on that writer's messages (a voice it never saw), and
the rules and the engine's screen decide the rest, as in use. Printed per
threshold: first-message emergency sensitivity, false alarms on calm
messages, under- and over-triage, exact triage accuracy.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Dict, List

import numpy as np

VARIANTS: Dict[str, Dict[str, Any]] = {
    "words 1-2": {"char_ngrams": [2, 2], "word_ngrams": [1, 2], "use": "word"},
    "chars 2-5": {"char_ngrams": [2, 5], "use": "char"},
    "words 1-2 + chars 2-5, C=1": {"C": 1.0},
    "words 1-2 + chars 2-5, C=4": {"C": 4.0},
    "words 1-2 + chars 2-5, C=16": {"C": 16.0},
    "words 1-3 + chars 3-6, C=4": {"word_ngrams": [1, 3], "char_ngrams": [3, 6], "C": 4.0},
}


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def cross_validate(rows: List[Dict[str, Any]], settings: Dict[str, Any], folds: int) -> np.ndarray:
    """Out-of-fold probability of 'any emergency' for every row."""
    from sklearn.model_selection import StratifiedKFold

    from legcare.reading.detector import Detector

    use = settings.pop("use", "both")
    y = np.array([r["level"] == "emergency" for r in rows])
    out = np.zeros(len(rows))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=0).split(rows, y):
        det = Detector.train([rows[i] for i in train_idx], settings)
        texts = [rows[i]["text"] for i in test_idx]
        if use == "both":
            out[test_idx] = det.probabilities(texts)[:, 0]
            continue
        # one feature family only: zero the other family's weights
        n_word = len(det.word.vocabulary_)
        keep = np.zeros(det.coef.shape[1], dtype=bool)
        keep[:n_word] = use == "word"
        keep[n_word:] = use == "char"
        det.coef = det.coef * keep
        out[test_idx] = det.probabilities(texts)[:, 0]
    return out


def leave_one_writer_out(rows: List[Dict[str, Any]]) -> np.ndarray:
    """Chance of 'any emergency' for every row, from a detector that never saw that row's writer."""
    from legcare.reading.detector import Detector

    writers = np.array([r["id"].split("-")[0] for r in rows])
    out = np.zeros(len(rows))
    for writer in sorted(set(writers)):
        test = np.flatnonzero(writers == writer)
        det = Detector.train([r for r, w in zip(rows, writers) if w != writer])
        out[test] = det.probabilities([rows[i]["text"] for i in test])[:, 0]
    return out


POLICY_THRESHOLDS = (None, 0.7, 0.8, 0.85, 0.9, 0.95)
POLICY_MIN_WORDS = (12, 8)  # the story minimum; the table shows each threshold at each minimum


def policy_table(rows: List[Dict[str, Any]]) -> None:
    from legcare.engine import Engine
    from legcare.screen import ScreenDecision, readings_agree
    from legcare.triage import LEVEL_ORDER

    engine = Engine(detector=None)
    kb = engine.kb
    p = leave_one_writer_out(rows)
    base = []
    for row in rows:
        f = engine.extract(row["text"])
        out = engine.assess_findings(f)  # without the text: the rules alone, as the engine decides them
        screen = out["screen"]
        base.append((f, out["triage"]["level"], ScreenDecision(screen["needed"], screen["reasons"], screen["rules"]),
                     len(row["text"].split())))
    rank = {**LEVEL_ORDER, None: -1}
    y = np.array([r["level"] == "emergency" for r in rows])
    calm = np.array([r["level"] in ("self_care", "routine") and "emergency" not in r["acceptable"] for r in rows])
    low = np.array([min(rank[a] for a in r["acceptable"]) for r in rows])
    high = np.array([max(rank[a] for a in r["acceptable"]) for r in rows])
    gold = np.array([r["level"] for r in rows])
    print(f"{len(rows)} development messages, {int(y.sum())} emergencies, {int(calm.sum())} calm; "
          f"detector trained without the writer it scores ({len({r['id'].split('-')[0] for r in rows})} writers)\n")
    print(f"{'at least':>9} {'min words':>9} {'first message':>14} {'false alarms':>13} {'under':>7} {'over':>7} "
          f"{'accuracy':>9}")
    for t, n in [(None, None)] + [(t, n) for n in POLICY_MIN_WORDS for t in POLICY_THRESHOLDS if t is not None]:
        levels = []
        policy = replace_threshold(kb, t, n) if t is not None else None
        for (f, level, decision, words), prob in zip(base, p):
            agree = policy is not None and level != "emergency" and readings_agree(policy, f, decision, float(prob),
                                                                                    words)
            levels.append("emergency" if agree else level)
        levels = np.array(levels, dtype=object)
        got = np.array([rank[x] for x in levels])
        emergency = levels == "emergency"
        print(f"{'off' if t is None else t:>9} {'-' if n is None else n:>9} {emergency[y].mean():>14.4f} "
              f"{emergency[calm].mean():>13.4f} "
              f"{(got < low).mean():>7.4f} {(got > high).mean():>7.4f} {(levels == gold).mean():>9.4f}")


def replace_threshold(kb, threshold: float, min_words: int):
    """The knowledge base with another agreement threshold and story minimum (the rest shared)."""
    from dataclasses import replace

    return replace(kb, screen=replace(kb.screen, agreement_at_least=threshold, agreement_min_words=min_words))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--policy", action="store_true", help="choose the agreement threshold (leave one writer out)")
    args = ap.parse_args(argv)
    if args.policy:
        from legcare.reading.detector import load_corpus

        policy_table(load_corpus())
        return 0
    from legcare.engine import Engine
    from legcare.reading.detector import VARIANT, load_corpus

    rows = load_corpus()
    engine = Engine()
    rule_hit = np.array([engine.assess(r["text"])["triage"]["level"] == "emergency" for r in rows])
    y = np.array([r["level"] == "emergency" for r in rows])
    calm = np.array([r["level"] in ("self_care", "routine") and "emergency" not in r["acceptable"] for r in rows])
    missed = y & ~rule_hit
    print(f"{len(rows)} development messages, {int(y.sum())} emergencies, {int(missed.sum())} missed by the rules "
          f"on the first message, {int(calm.sum())} calm; {args.folds}-fold cross-validation\n")
    print(f"{'variant':<30} {'AUC':>6} {'emerg. flagged':>15} {'calm flagged':>13} {'rule misses flagged':>20} "
          f"{'misses at 10% calm':>19} {'train s':>8}")
    threshold = VARIANT["threshold"]
    for name, extra in VARIANTS.items():
        settings = dict(VARIANT, **extra)
        t0 = time.perf_counter()
        p = cross_validate(rows, settings, args.folds)
        seconds = (time.perf_counter() - t0) / args.folds
        flag = p >= threshold
        at10 = p >= np.quantile(p[calm], 0.90)  # the threshold that flags 10% of calm messages
        print(f"{name:<30} {_auc(y, p):>6.3f} {flag[y].mean():>15.3f} {flag[calm].mean():>13.3f} "
              f"{flag[missed].mean():>20.3f} {at10[missed].mean():>19.3f} {seconds:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
