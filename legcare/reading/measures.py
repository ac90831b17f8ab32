"""Numbers people give about their body: a temperature reading is a fever or not.

"temp 38.4", "temperature of 39", "a 101 fever", "102F": a reading at or
above 38.0 °C (100.4 °F), the usual clinical definition of fever, counts as
the symptom `fever`. Readings in the normal range, and numbers that are not
temperatures, do not.
"""
from __future__ import annotations

import re
from typing import Optional

FEVER_C, FEVER_F = 38.0, 100.4
TEMPERATURE = re.compile(
    r"\b(?:temp(?:erature)?|fever|pyrexia)\b[^0-9.\n]{0,16}?(\d{2,3}(?:[.,]\d)?)\s*(?:°|degrees?|deg)?\s*([cf])?\b"
    r"|\b(\d{2,3}(?:[.,]\d)?)\s*(?:°\s*|degrees?\s*)?([cf])\b(?:[^.\n]{0,12}\b(?:temp|temperature|fever))?"
    r"|\b(\d{2,3}(?:[.,]\d)?)\s*(?:°|degrees?)?\s*(?:temp(?:erature)?|fever)\b", re.I)


def temperature(text: str) -> Optional[float]:
    """The highest body temperature in the text, in °C (None when there is none)."""
    best: Optional[float] = None
    for m in TEMPERATURE.finditer(text):
        raw = m.group(1) or m.group(3) or m.group(5)
        unit = (m.group(2) or m.group(4) or "").lower()
        value = float(raw.replace(",", "."))
        if unit == "f" or (not unit and 95 <= value <= 110):
            value = (value - 32) * 5 / 9
        if 34 <= value <= 44 and (best is None or value > best):
            best = value
    return best


def has_fever(text: str) -> bool:
    t = temperature(text)
    return t is not None and t >= FEVER_C
