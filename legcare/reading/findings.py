"""What the reader produces: mentions in the text and the findings of a message."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


@dataclass
class Mention:
    kind: str          # "S" symptom, "R" risk factor, "C" condition
    id: str
    start: int         # token index
    end: int           # token index (exclusive)
    parts: Tuple[Tuple[int, int], ...]  # word spans that make the mention
    status: str = "present"  # present | negated | family | past | hypothetical
    well: bool = False       # a part said to be well ("her arms and legs are fine"): a denial
    via_side: bool = False   # read from a whole side ("the left side won't go up"), not a named part


@dataclass
class Findings:
    symptoms: List[str] = field(default_factory=list)
    negated: List[str] = field(default_factory=list)
    context: List[Dict[str, str]] = field(default_factory=list)
    side: Optional[str] = None
    onset: Optional[str] = None
    duration: Optional[Dict[str, object]] = None
    risk_factors: List[str] = field(default_factory=list)
    negated_risk_factors: List[str] = field(default_factory=list)
    asked_risk_factors: List[str] = field(default_factory=list)  # named only in a question or a fear
    age: Optional[int] = None
    conditions_mentioned: List[Dict[str, str]] = field(default_factory=list)
    evidence: Dict[str, List[str]] = field(default_factory=dict)
    spans: Dict[str, List[Tuple[int, int]]] = field(default_factory=dict)
    truncated: bool = False
    about_body: bool = False         # the message speaks of the body or how it feels
    general_question: bool = False   # a general question ("what exercises help weak knees?"), no report
    language: str = "en"             # "en", "other" (mostly not English) or "none" (no words, e.g. emoji)
    translated_from: Optional[str] = None  # the glossary the message was read through (knowledge/translations.yml)
    timeline: List[str] = field(default_factory=list)  # what the timeline reader told (knowledge.STORIES ids)

    @property
    def duration_days(self) -> Optional[float]:
        return None if self.duration is None else float(self.duration["days"])

