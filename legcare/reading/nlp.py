"""The spaCy pipeline every reader shares: blank English with lookup lemmas.

No model is downloaded: the tokenizer is spaCy's English rules, and lemmas
come from the lookup table in ``spacy-lookups-data`` (installed from PyPI).
"""
from __future__ import annotations

from functools import lru_cache


def _import_spacy():
    """Import spaCy without letting thinc pull in TensorFlow (5 s, unused here).

    Only when TensorFlow is not loaded yet; inside Rasa it already is, and
    then nothing changes.
    """
    import sys
    blocked = "tensorflow" not in sys.modules
    if blocked:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy as _spacy
    finally:
        if blocked and sys.modules.get("tensorflow", 0) is None:
            del sys.modules["tensorflow"]
    return _spacy


spacy = _import_spacy()


# Lookup lemmas that are wrong for how people write about symptoms.
LEMMA_FIXES = {"worse": "worse", "worst": "worst", "better": "better", "best": "best", "left": "left",
               "felt": "feel", "numb": "numb", "numbness": "numbness", "dizzy": "dizzy", "legs": "leg",
               "weights": "weights", "ca": "can", "wo": "will", "sha": "shall"}
# Who it happens to does not change what it is: the lexicon is written in the first person
# ("I wet myself", "can't feel my legs"), and these read the same for anyone.
PERSON = {"myself": ("yourself", "himself", "herself", "themselves", "themself", "ourselves"),
          "my": ("your", "his", "her", "their", "our"),
          "i": ("you", "he", "she", "they", "we"),
          "me": ("him", "them", "us")}
LEMMA_FIXES.update({other: first for first, others in PERSON.items() for other in others})


@lru_cache(maxsize=1)
def lemma_table():
    """spaCy's English lemma lookup table (from spacy-lookups-data; keys are hashed)."""
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The lemma of a lower-case word (the word itself when the table has none)."""
    if word in LEMMA_FIXES:
        return LEMMA_FIXES[word]
    found = lemma_table().get(word)
    return found.lower() if isinstance(found, str) else word


def lemmatize(doc):
    """Set each token's NORM to the lemma of its lower-case form (matchers use attr="NORM")."""
    for tok in doc:
        tok.norm_ = lemma(tok.lower_)
    return doc


def blank_english():
    return spacy.blank("en")
