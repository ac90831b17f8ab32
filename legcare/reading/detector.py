"""A second, independent opinion on possible red flags: a statistical text classifier.

The rules read concepts they were written for; people write in endless other
ways. This model is trained on the labelled development corpus
(bench/corpus/dev/) and knows nothing of the rules: from the words and the
character n-grams of a message it estimates the chance that the message
describes an emergency, and which red-flag groups. It never escalates on its
own: when it flags a message the rules did not confirm, the assistant asks
the emergency screen first (legcare/screen.py).

Features: TF-IDF of word 1-2-grams and of character 2-5-grams inside words;
one logistic regression for "any emergency" and one per red-flag group.
Chosen by 5-fold cross-validation on the development corpus against other
variants (``python -m bench.detector_select``). Saved as JSON (vocabularies,
settings) and NumPy arrays (idf weights, coefficients): no pickle.

    python -m legcare.reading.detector train OUT_DIR [--corpus DIR]
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np

from .normalize import normalize_text

ANY = "emergency"
FILES = ("detector.json", "detector.npz")

# The variant chosen by bench/detector_select.py (see the README); kept here as data.
VARIANT = {"word_ngrams": [1, 2], "char_ngrams": [2, 5], "C": 4.0, "threshold": 0.3, "group_threshold": 0.3,
           "min_df": 2}


def _vectorizers(settings: Dict[str, Any]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(analyzer="word", ngram_range=tuple(settings["word_ngrams"]), min_df=settings["min_df"],
                           sublinear_tf=True, token_pattern=r"(?u)\b\w[\w']*\b", dtype=np.float32)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(settings["char_ngrams"]),
                           min_df=settings["min_df"], sublinear_tf=True, dtype=np.float32)
    return word, char


def _tfidf(vectorizer, idf: np.ndarray, texts: List[str]):
    """``vectorizer.transform(texts)`` (sublinear tf times idf, rows of unit length), computed on the
    sparse matrix's arrays in place: scikit-learn's own transform re-checks the fitted state and
    rebuilds the idf matrix on every call, which costs more than the counting for one message.
    `idf`: the vectorizer's idf weights, read once (its ``idf_`` is recomputed at each access)."""
    from sklearn.feature_extraction.text import CountVectorizer

    x = CountVectorizer.transform(vectorizer, texts).astype(np.float64)
    x.data = (np.log(x.data) + 1.0) * idf[x.indices]
    row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    lengths = np.sqrt(np.bincount(row, weights=x.data ** 2, minlength=x.shape[0]))
    lengths[lengths == 0] = 1.0
    x.data /= lengths[row]
    return x


def prepare(text: object) -> str:
    return normalize_text(text).lower()


def load_corpus(directory: Optional[Path] = None) -> List[Dict[str, Any]]:
    from ..corpus import DEV, load

    return load(directory or DEV)


@dataclass
class Detection:
    probability: float                 # chance of "any emergency"
    groups: Dict[str, float]           # red-flag group -> chance
    flagged: bool                      # probability >= threshold
    group_threshold: float = 0.3       # a group is named from this chance on

    @property
    def possible_flags(self) -> List[str]:
        if not self.flagged:
            return []
        named = [g for g, p in sorted(self.groups.items(), key=lambda kv: -kv[1]) if p >= self.group_threshold]
        return named or ["unspecified"]

    def to_dict(self) -> Dict[str, Any]:
        return {"probability": round(self.probability, 3), "flagged": self.flagged,
                "possible_flags": self.possible_flags}


class Detector:
    """Train with :meth:`train`, save with :meth:`save`, load with :meth:`load`, use :meth:`detect`."""

    def __init__(self, settings: Dict[str, Any], labels: List[str], word_vocab: Dict[str, int],
                 char_vocab: Dict[str, int], word_idf: np.ndarray, char_idf: np.ndarray,
                 coef: np.ndarray, intercept: np.ndarray, fingerprint: str = ""):
        self.settings, self.labels, self.fingerprint = settings, labels, fingerprint
        self.word, self.char = _vectorizers(settings)
        self.word.vocabulary_, self.char.vocabulary_ = word_vocab, char_vocab
        self.word.idf_, self.char.idf_ = word_idf, char_idf
        self._idf = (np.asarray(word_idf, dtype=np.float64), np.asarray(char_idf, dtype=np.float64))
        self.coef, self.intercept = coef, intercept  # (labels, features), (labels,)

    # ---------------------------------------------------------------- use
    def features(self, texts: Sequence[str]):
        from scipy.sparse import hstack

        texts = [prepare(t) for t in texts]
        return hstack([_tfidf(self.word, self._idf[0], texts), _tfidf(self.char, self._idf[1], texts)]).tocsr()

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        if getattr(self, "_coef_of", None) is not self.coef:  # (re)built when the weights are replaced
            self._coef_t, self._coef_of = np.ascontiguousarray(self.coef.T), self.coef
        scores = self.features(texts) @ self._coef_t + self.intercept
        return 1.0 / (1.0 + np.exp(-np.asarray(scores)))

    def detect(self, text: object) -> Detection:
        probs = self.probabilities([str(text or "")])[0]
        by_label = dict(zip(self.labels, (float(p) for p in probs)))
        p_any = by_label.pop(ANY)
        return Detection(p_any, by_label, p_any >= self.settings["threshold"],
                         group_threshold=self.settings["group_threshold"])

    # -------------------------------------------------------------- train
    @classmethod
    def train(cls, rows: Iterable[Dict[str, Any]], settings: Optional[Dict[str, Any]] = None) -> "Detector":
        from scipy.sparse import hstack
        from sklearn.linear_model import LogisticRegression

        settings = dict(VARIANT, **(settings or {}))
        rows = list(rows)
        texts = [prepare(r["text"]) for r in rows]
        groups = sorted({g for r in rows for g in r.get("red_flags") or []})
        labels = [ANY] + groups
        y = np.array([[r["level"] == "emergency"] + [g in (r.get("red_flags") or []) for g in groups]
                      for r in rows], dtype=int)
        word, char = _vectorizers(settings)
        x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
        coefs, intercepts = [], []
        for j in range(len(labels)):
            model = LogisticRegression(C=settings["C"], max_iter=2000, class_weight="balanced",
                                       solver="liblinear", random_state=0)
            model.fit(x, y[:, j])
            coefs.append(model.coef_[0].astype(np.float32))
            intercepts.append(float(model.intercept_[0]))
        digest = hashlib.sha256("\n".join(texts).encode() + json.dumps(settings, sort_keys=True).encode())
        return cls(settings, labels, {k: int(v) for k, v in word.vocabulary_.items()},
                   {k: int(v) for k, v in char.vocabulary_.items()}, word.idf_.astype(np.float32),
                   char.idf_.astype(np.float32), np.vstack(coefs), np.array(intercepts, dtype=np.float32),
                   digest.hexdigest()[:16])

    # ---------------------------------------------------------- save/load
    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"settings": self.settings, "labels": self.labels, "word_vocabulary": self.word.vocabulary_,
                "char_vocabulary": self.char.vocabulary_, "fingerprint": self.fingerprint}
        (directory / FILES[0]).write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")
        with open(directory / FILES[1], "wb") as fh:
            np.savez_compressed(fh, word_idf=self.word.idf_, char_idf=self.char.idf_, coef=self.coef,
                                intercept=self.intercept)
        return directory

    @classmethod
    def load(cls, directory: Path) -> "Detector":
        directory = Path(directory)
        meta = json.loads((directory / FILES[0]).read_text(encoding="utf-8"))
        with np.load(directory / FILES[1], allow_pickle=False) as arrays:
            return cls(meta["settings"], meta["labels"], meta["word_vocabulary"], meta["char_vocabulary"],
                       arrays["word_idf"], arrays["char_idf"], arrays["coef"], arrays["intercept"],
                       meta.get("fingerprint", ""))


def for_tools() -> Optional["Detector"]:
    """The detector for command-line tools and benchmarks: LEGCARE_DETECTOR_DIR's, else one
    trained now on the development corpus (deterministic: the same model `make train` bundles)."""
    import os

    directory = os.environ.get("LEGCARE_DETECTOR_DIR")
    if directory and exists(Path(directory)):
        return Detector.load(Path(directory))
    rows = load_corpus()
    return Detector.train(rows) if rows else None


def exists(directory: Optional[Path]) -> bool:
    return directory is not None and all((Path(directory) / f).is_file() for f in FILES)


def main(argv: Optional[List[str]] = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Train the red-flag detector on the development corpus.")
    ap.add_argument("command", choices=["train"])
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpus", type=Path, default=None, help="default: bench/corpus/dev")
    args = ap.parse_args(argv)
    rows = load_corpus(args.corpus)
    if not rows:
        print(f"error: no labelled messages in {args.corpus}", file=sys.stderr)
        return 1
    detector = Detector.train(rows)
    detector.save(args.out)
    print(f"Detector trained on {len(rows)} messages ({len(detector.labels) - 1} red-flag groups) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
