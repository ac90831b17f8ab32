"""Text-message shorthand: the words people mean ("cant fel my rite leg. wrds hard").

Whole words only, rewritten in the person's text before anything else reads
it, so that cues, sides and symptoms all see the same words:

- the table in knowledge/shorthand.yml ("fel": feel, "rite": right), which
  educators edit;
- a dropped final g ("walkin", "tinglin", "nothin"): a word ending in "in"
  that is not English becomes its "-ing" form when that is an English word;
- a lone "n" or "&" between two words is "and" ("pins n needles", "back &
  legs"); a lone "n" elsewhere may be a "no" and stays.

Typos one letter away from a lexicon word are the speller's job
(spelling.py), not this module's.
"""
from __future__ import annotations

import re
from typing import Container, Dict, Mapping

from .spelling import english_words

WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
AND = re.compile(r"(?<=[A-Za-z]) +(?:n|N|&) +(?=[A-Za-z])")


class Shorthand:
    """`table`: shorthand -> the word meant; `known`: words never rewritten (the lexicon's own: "statin"
    is not a dropped-g "stating")."""

    def __init__(self, table: Mapping[str, str], known: Container[str] = ()):
        self.table: Dict[str, str] = {k.lower(): v for k, v in table.items()}
        self.known = known
        self.english = english_words()

    def word(self, word: str) -> str:
        """The word meant by `word` (lower case), or `word` itself."""
        meant = self.table.get(word)
        if meant is not None:
            return meant
        if (len(word) >= 5 and word.endswith("in") and word.isalpha() and word not in self.english
                and word not in self.known and word + "g" in self.english):
            return word + "g"
        return word

    def expand(self, text: str) -> str:
        """`text` with every shorthand word replaced (a capital first letter is kept)."""
        def replace(m: "re.Match[str]") -> str:
            found = m.group(0)
            meant = self.word(found.lower())
            if meant == found.lower():
                return found
            return meant[:1].upper() + meant[1:] if found[:1].isupper() else meant

        return AND.sub(" and ", WORD.sub(replace, text))
