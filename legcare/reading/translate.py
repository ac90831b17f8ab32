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
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

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

    def _apply(self, lang: str, tokens: Sequence[str], folded: Sequence[str]) -> Tuple[str, int]:
        table, longest = self.tables[lang], self.longest[lang]
        out: List[str] = []
        known = i = 0
        while i < len(tokens):
            for n in range(min(longest, len(tokens) - i), 0, -1):
                english = table.get(tuple(folded[i:i + n]))
                if english is not None:
                    out.append(english)
                    known += sum(1 for t in tokens[i:i + n] if t[0].isalnum())
                    i += n
                    break
            else:
                out.append(tokens[i])
                i += 1
        return _join(out), known


def _join(parts: Sequence[str]) -> str:
    """Words with spaces, punctuation attached to the word before."""
    text = ""
    for part in parts:
        if text and not (len(part) == 1 and not part.isalnum() and part not in "(\"'¿¡"):
            text += " "
        text += part
    return text
