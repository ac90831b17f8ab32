"""Who it happens to: the person's age."""
from __future__ import annotations

import re
from typing import Optional

AGE_PATTERNS = [
    re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:years?|yrs?|yr)[\s-]*old\b"),
    re.compile(r"\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)\b"),
    re.compile(r"\b(?:i am|i'm|im|aged|age|age:)\s+(\d{1,3})\b(?!\s*(?:%|kg|lb|lbs|cm|percent|minutes|hours|days|weeks|months|times))"),
    re.compile(r"\bin (?:my|his|her) (\d)0s\b"),
    # "my son (8)", "grandad, 84,": a number in brackets or commas right after a person word
    re.compile(r"\b(?:son|daughter|boy|girl|child|kid|grandson|granddaughter|grandchild|nephew|niece|lad|lass|baby|"
               r"toddler|brother|sister|mum|mom|mother|dad|father|husband|wife|partner|grandad|grandpa|granddad|"
               r"grandma|granny|gran|nan|nanna|aunt|uncle|neighbour|neighbor|friend)\s*[(,]\s*(\d{1,3})\s*[),]"),
    # "my son is 7", "my daughter's 15": a person word, then is and a bare number
    re.compile(r"\b(?:son|daughter|boy|girl|child|kid|grandson|granddaughter|nephew|niece|lad|lass|brother|sister|"
               r"mum|mom|dad|husband|wife|partner|grandad|grandma|gran|nan)(?:'s| is| who is)\s+(\d{1,3})\b"
               r"(?!\s*(?:%|kg|lb|lbs|cm|percent|minutes|mins|hours|hrs|days|weeks|months|times|miles|km|stone|st\b|foot|feet|ft|inch|:|\.\d))"),
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
