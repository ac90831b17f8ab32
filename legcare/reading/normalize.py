"""Unicode clean-up before anything reads the text.

Invisible characters must never hide a word: every character Unicode calls a
*format* character (category Cf: soft hyphen, zero-width space and joiners,
bidirectional marks, word joiner, byte-order mark, tag characters...) is
removed outright, so "sud\\u200bdenly" reads "suddenly". Other control
characters become spaces; variation selectors (emoji presentation) go.
A message typed in capitals ("LEFT LEG ICE COLD CANT WALK") reads as lower
case: the tokenizer splits "can't"/"cant" only in lower case, and the
lexicon is written that way.
"""
from __future__ import annotations

import re
import sys
import unicodedata

MAX_CHARS = 20_000  # longer text is cut here; the rest is reported as ignored


def _char_class(chars) -> str:
    """A regex character class from code points, merged into ranges."""
    ranges, start, prev = [], None, None
    for cp in chars:
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            ranges.append((start, prev))
            start = prev = cp
    if start is not None:
        ranges.append((start, prev))
    return "[" + "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                         for a, b in ranges) + "]"


_FORMAT = [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf"]
_SELECTORS = list(range(0xFE00, 0xFE10)) + list(range(0xE0100, 0xE01F0))
FORMAT_RE = re.compile(_char_class(sorted(set(_FORMAT) | set(_SELECTORS))))
# C0/C1 controls other than tab and newline, plus the line and paragraph separators
CONTROL_RE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]")
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'",
                        "\u201c": '"', "\u201d": '"', "\u201e": '"'})


def normalize_text(text: object) -> str:
    """NFKC, no format characters, plain quotes, no control characters, single spaces."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = FORMAT_RE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = FORMAT_RE.sub("", text)  # NFKC never makes them, but cheap to be sure
    text = text.translate(QUOTES).replace("\r\n", "\n").replace("\r", "\n")
    text = CONTROL_RE.sub(" ", text)
    # surrogate halves cannot be encoded and would break logging/JSON
    text = text.encode("utf-8", "replace").decode("utf-8")
    return re.sub(r"[ \t]+", " ", text).strip()


# Words someone quotes ("his leg 'gave up'", "a \"bad head\"") are read as words: the marks would
# split a phrase. An apostrophe inside a word ("it's", "can't") stays; a lone one ("the Jones' dog") too.
QUOTED_RE = re.compile(r"(?<![\w'])'((?:[^'\n]|(?<=\w)'(?=\w)){1,80}?)'(?!\w)" + r'|"([^"\n]{1,80})"')


def unquote(text: str) -> str:
    """The text without the quotation marks around quoted words (their words stay)."""
    return QUOTED_RE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


SHOUTED = 0.7  # share of capital letters above which a message is read in lower case


def calm_shouting(text: str) -> str:
    """Lower-case a message written mostly in capitals (same length, so offsets still hold)."""
    cased = [c for c in text if c.isalpha() and c.lower() != c.upper()]
    if len(cased) < 8 or sum(c.isupper() for c in cased) < SHOUTED * len(cased):
        return text
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
