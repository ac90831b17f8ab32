"""Choose the red-flag detector by measurement: 5-fold cross-validation on the development corpus.

    .venv/bin/python -m bench.detector_select [--folds 5]

Each variant is trained on four fifths of bench/corpus/dev and scored on the
fifth it did not see, in turn. Printed per variant: ROC AUC for "any
emergency"; at its threshold, the share of emergencies flagged, of calm
(self-care and routine) messages flagged, and of the emergencies that the
rules miss on the first message that it flags (what it adds to the rules),
and that last share again at the threshold that flags 10% of calm messages
(so that variants are compared at the same cost); training time. The held-out corpus is not used.
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args(argv)
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
