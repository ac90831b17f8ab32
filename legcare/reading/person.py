"""Who it happens to: the person's age."""
from __future__ import annotations

import re
from typing import Optional

AGE_PATTERNS = [
    re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:years?|yrs?|yr)[\s-]*old\b"),
    re.compile(r"\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)\b"),
    re.compile(r"\b(?:i am|i'm|im|aged|age|age:)\s+(\d{1,3})\b(?!\s*(?:%|kg|lb|lbs|cm|percent|minutes|hours|days|weeks|months|times))"),
    re.compile(r"\bin (?:my|his|her) (\d)0s\b"),
]


def age(text: str) -> Optional[int]:
    for pat in AGE_PATTERNS:
        m = pat.search(text)
        if m:
            value = int(m.group(1))
            if pat.pattern.startswith(r"\bin (?:my"):
                value *= 10
            if 1 <= value <= 115:
                return value
    return None
