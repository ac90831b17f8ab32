"""Typo correction: a misspelt word is rewritten to the lexicon word it most likely means.

A word is only ever rewritten when it is not an English word: the test is
the English frequency dictionary shipped with SymSpell (82,765 words with
their counts, from ``symspellpy``), plus every word of the lexicon. So
"weekness" becomes "weakness" and "numbess" "numbness", but "walker",
"sitting" or "raising" stay as they are. Among several lexicon words one edit
away, the one the lexicon uses most wins; a tie is left alone.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Dict, Iterable, Set

from spacy.tokens import Doc

MIN_LENGTH = 5           # shorter words are too easy to turn into another word
DICTIONARY = "frequency_dictionary_en_82_765.txt"


@lru_cache(maxsize=1)
def english_words() -> Dict[str, int]:
    """English word -> frequency count (SymSpell's dictionary)."""
    text = resources.files("symspellpy").joinpath(DICTIONARY).read_text(encoding="utf-8")
    out: Dict[str, int] = {}
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        if word and count.isdigit():
            out[word] = int(count)
    return out


def is_english(word: str) -> bool:
    return word in english_words()


def language_of(words, known_extra=()) -> str:
    """'en' when most words are English, 'other' when most are not, 'none' without words (emoji, digits)."""
    words = [w for w in words if w.isalpha()]
    if not words:
        return "none"
    english = english_words()
    known = sum(1 for w in words if w in english or w in known_extra)
    return "en" if known >= 0.6 * len(words) else "other"


def _osa_distance_le1(a: str, b: str) -> bool:
    """True when a and b differ by at most one edit (incl. a swap of neighbours)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]



class Speller:
    """Fixes single-edit typos of lexicon words. Build once per lexicon."""

    def __init__(self) -> None:
        self.vocab: Dict[str, int] = {}      # lexicon word -> how often the lexicon uses it
        self.index: Dict[str, Set[str]] = {}  # word with one letter removed -> lexicon words
        self.english = english_words()

    def learn(self, words: Iterable[str], weight: int = 1) -> None:
        for w in words:
            if w.isalpha() and len(w) >= 4:
                self.vocab[w] = self.vocab.get(w, 0) + weight

    def build(self) -> None:
        self.index = {}
        for w in self.vocab:
            for key in {w} | {w[:i] + w[i + 1:] for i in range(len(w))}:
                self.index.setdefault(key, set()).add(w)

    def fix(self, word: str) -> str:
        if len(word) < MIN_LENGTH or not word.isalpha() or word in self.vocab or word in self.english:
            return word
        keys = {word} | {word[:i] + word[i + 1:] for i in range(len(word))}
        found = set()
        for k in keys:
            for cand in self.index.get(k, ()):
                if cand[0] == word[0] and _osa_distance_le1(word, cand):
                    found.add(cand)
        if not found:
            return word
        ranked = sorted(found, key=lambda w: -self.vocab[w])
        if len(ranked) > 1 and self.vocab[ranked[0]] == self.vocab[ranked[1]]:
            return word
        return ranked[0]

    def correct(self, nlp, doc: Doc) -> Doc:
        """A copy of `doc` with typos fixed, or `doc` itself when nothing changed."""
        words, changed = [], False
        for tok in doc:
            low = tok.lower_
            fixed = self.fix(low)
            if low == "week" and _looks_like_weak(doc, tok.i):
                fixed = "weak"
            if fixed != low:
                changed = True
                words.append(fixed)
            else:
                words.append(tok.text)
        if not changed:
            return doc
        return Doc(nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])


def _looks_like_weak(doc: Doc, i: int) -> bool:
    """'my legs feel week' -> weak; 'for a week' stays a week."""
    prev = doc[i - 1].lower_ if i > 0 else ""
    if prev in {"a", "one", "per", "last", "this", "next", "that", "the", "each", "every", "whole", "a+"} or prev.isdigit():
        return False
    return prev in {"feel", "feels", "felt", "feeling", "so", "very", "really", "are", "is", "was", "were",
                    "been", "go", "goes", "went", "gone", "getting", "bit", "quite", "too", "super", "and", "&"}

