"""Rough English from another language, so that the reader finds the signs.

Someone writing in Spanish or Polish about a father whose mouth droops must
be escalated as surely as someone writing in English. The reader only knows
English, so a message that is mostly not English is turned into plain
English word by word and phrase by phrase from the glossary in
``knowledge/translations.yml`` (longest phrase first; case and accents
ignored), and the English reader reads the result. Words the glossary does
not know stay as they are.

Only one language's glossary is used for a message: the one whose phrases
cover most of its words, and only when it covers enough of them. Many
glossary words are also words in other languages (and some in English), so
mixing glossaries would misread.

People who speak two languages at home mix them: "Mummy ka muh ek taraf
tedha ho gaya hai and her words are not coming out right". Such a message
is mostly English, so it is not translated as a whole; `translate_mixed`
turns into English only the glossary phrases that hold a word English does
not have ("muh", "tedha"), again from the one glossary that knows most of
them, and leaves every English word as it is ("pie", "son", "no").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
MIN_WORDS = 2        # a glossary must know at least this many words of the message
MIN_SHARE = 0.2      # ... and at least this share of its words


def fold(text: str) -> str:
    """Lower case without accents: "Pierna Izquierda" and "pierna izquierda" are one key."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class Translation:
    language: str      # the glossary used ("es", "pl", ...)
    text: str          # the rough English
    known: int         # how many of the message's words the glossary knew
    words: int         # how many words the message has


class Translator:
    """One phrase table per language, built once from the knowledge base."""

    def __init__(self, glossaries: Dict[str, Dict[str, str]]):
        self.tables: Dict[str, Dict[Tuple[str, ...], str]] = {}
        self.longest: Dict[str, int] = {}
        for lang, phrases in glossaries.items():
            table = {}
            for source, english in phrases.items():
                key = tuple(TOKEN.findall(fold(source)))
                if key:
                    table[key] = english
            self.tables[lang] = table
            self.longest[lang] = max((len(k) for k in table), default=0)

    def translate(self, text: str) -> Optional[Translation]:
        """The best glossary's rough English, or None when no glossary knows enough of the words."""
        tokens = TOKEN.findall(text)
        folded = [fold(t) for t in tokens]
        words = sum(1 for t in tokens if t[0].isalnum() or t[0] == "_")
        if not words:
            return None
        best: Optional[Translation] = None
        for lang in self.tables:
            english, known = self._apply(lang, tokens, folded)
            if best is None or known > best.known:
                best = Translation(lang, english, known, words)
        if best is None or best.known < MIN_WORDS or best.known < MIN_SHARE * words:
            return None
        return best

    def translate_mixed(self, text: str, is_english: Callable[[str], bool]) -> Optional[Translation]:
        """Rough English for a message that mixes English with another language: only phrases that hold
        a word `is_english` does not know are translated, in place, so that the English around them
        keeps its own spacing ("couldn't"). None when no glossary knows at least two such words."""
        found = list(TOKEN.finditer(text))
        tokens = [m.group(0) for m in found]
        folded = [fold(t) for t in tokens]
        foreign = [_foreign(tokens, k, is_english) for k in range(len(tokens))]
        if not any(foreign):
            return None
        best: Optional[Tuple[int, str, List[Tuple[int, int, str]]]] = None
        for lang in self.tables:
            spans = self._phrases(lang, folded, foreign)
            known = sum(1 for s, e, _ in spans for k in range(s, e) if foreign[k])
            if known and (best is None or known > best[0]):
                best = (known, lang, spans)
        if best is None or best[0] < MIN_WORDS:  # one odd word is more often a typo or a name than a language
            return None
        known, lang, spans = best
        out, at = [], 0
        for s, e, english in spans:
            out += [text[at:found[s].start()], english]
            at = found[e - 1].end()
        out.append(text[at:])
        return Translation(lang, "".join(out), known, sum(1 for t in tokens if t[0].isalnum()))

    def _phrases(self, lang: str, folded: Sequence[str], foreign: Optional[Sequence[bool]] = None
                 ) -> List[Tuple[int, int, str]]:
        """The glossary's phrases in the text, longest first from left to right, as (start, end, English)
        token spans (with `foreign`, only phrases that hold a foreign word)."""
        table, longest = self.tables[lang], self.longest[lang]
        spans: List[Tuple[int, int, str]] = []
        i = 0
        while i < len(folded):
            for n in range(min(longest, len(folded) - i), 0, -1):
                english = table.get(tuple(folded[i:i + n]))
                if english is not None and (foreign is None or any(foreign[i:i + n])):
                    spans.append((i, i + n, english))
                    i += n
                    break
            else:
                i += 1
        return spans

    def _apply(self, lang: str, tokens: Sequence[str], folded: Sequence[str]) -> Tuple[str, int]:
        """The text with the glossary's phrases in English, and how many words they covered."""
        out: List[str] = []
        known = i = 0
        for s, e, english in self._phrases(lang, folded):
            out += tokens[i:s]
            out.append(english)
            known += sum(1 for t in tokens[s:e] if t[0].isalnum())
            i = e
        out += tokens[i:]
        return _join(out), known


CONTRACTED = {"s", "t", "d", "m", "ve", "ll", "re"}  # "I've", "couldn't": the tail of an English word
MIN_FOREIGN = 3  # shorter words ("pe", "ka", "je") are too often something else


def _foreign(tokens: Sequence[str], k: int, is_english: Callable[[str], bool]) -> bool:
    """Is token k a word of another language: a word English does not have, not the tail of an English
    contraction, not an abbreviation in capitals ("PE", "GP", "MS")."""
    word = tokens[k]
    if len(word) < MIN_FOREIGN or not word.isalpha() or is_english(word.lower()):
        return False
    if word.isupper() and len(word) <= 4:
        return False
    return not (k >= 2 and tokens[k - 1] in ("'", "’") and word.lower() in CONTRACTED)


def _join(parts: Sequence[str]) -> str:
    """Words with spaces, punctuation attached to the word before."""
    text = ""
    for part in parts:
        if text and not (len(part) == 1 and not part.isalnum() and part not in "(\"'¿¡"):
            text += " "
        text += part
    return text
