"""The emergency screen: when unsure, ask the emergency questions first.

A message that may carry an emergency the red-flag rules cannot confirm gets,
as its first reply, one short set of yes/no questions (knowledge/screen.yml).
One reply answers them all; any "yes" or "not sure" escalates.

:func:`decide` says whether a message needs the screen and why;
:func:`readings_agree` whether the screen's doubt and a confident detector
agree, so that the reply escalates at once instead of asking;
:func:`answer_kind` reads a reply to it; :func:`answer_screen` is the whole
second turn for callers that only have the two texts (the benchmark's
simulated person, the CLI).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from .knowledge import Knowledge, Rule, Screen
from .reading.findings import Findings
from .reading.normalize import normalize_text
from .triage import rule_fires

YES, NO, UNSURE, UNCLEAR = "yes", "no", "unsure", "unclear"


@dataclass
class ScreenDecision:
    needed: bool
    reasons: List[str] = field(default_factory=list)
    rules: List[str] = field(default_factory=list)

    def to_dict(self, screen: Optional[Screen]) -> Dict[str, Any]:
        out: Dict[str, Any] = {"needed": self.needed, "reasons": self.reasons, "rules": self.rules}
        if self.needed and screen is not None:
            out["questions"] = [{"id": q.id, "ask": q.ask} for q in screen.questions]
        return out


def decide(kb: Knowledge, f: Findings, level: Optional[str],
           possible_flags: Optional[List[str]] = None) -> ScreenDecision:
    """Does this message need the emergency screen before anything else?

    Never for an emergency (it escalates at once). Otherwise when a screen
    rule holds, when the detector saw a possible red flag the rules did not
    confirm, when the message speaks of the body but no symptom was
    understood (unless it is a general question), or when it is not in
    English.
    """
    if level == "emergency" or kb.screen is None:
        return ScreenDecision(False)
    fired = [r for r in kb.screen.rules if rule_fires(r, f)]
    reasons = [r.reason for r in fired]
    rules = [r.id for r in fired]
    # (not silenced for long-standing problems: "neuropathy for years... tonight was different")
    if possible_flags and f.about_body and not f.general_question:
        # the detector's word counts for messages about the body, not for small talk or general questions
        reasons.append("The wording is close to how people describe an emergency.")
        rules.append("detector:" + ",".join(possible_flags))
    if f.about_body and not f.symptoms and not f.general_question:
        reasons.append("You wrote about your body, and I could not tell what is happening.")
        rules.append("not_understood")
    if f.language in ("other", "none"):
        reasons.append("I could not read the message well in English.")
        rules.append("language")
    if asks_about_a_red_flag(kb, f):
        reasons.append("You asked about signs that can be an emergency when they happen.")
        rules.append("asked_about_red_flag")
    return ScreenDecision(bool(reasons), list(dict.fromkeys(reasons)), rules)


def asks_about_a_red_flag(kb: Knowledge, f: Findings) -> bool:
    """Would what the message asks about ("what does it mean if your wee looks like coke after a hard
    session and your thighs are too sore to squat?") be an emergency if it were happening? People often
    ask in general about what is happening to them, so such a question gets the screen first."""
    asked = [c["symptom"] for c in f.context if c.get("kind") == "hypothetical"]
    if not asked:
        return False
    as_if_told = replace(f, symptoms=list(dict.fromkeys(list(f.symptoms) + asked)),
                         risk_factors=list(dict.fromkeys(list(f.risk_factors) + list(f.asked_risk_factors))))
    return any(r.level == "emergency" and rule_fires(r, as_if_told) for r in kb.red_flags)


def readings_agree(kb: Knowledge, f: Findings, decision: ScreenDecision, probability: Optional[float],
                   words: int) -> bool:
    """Two independent readings agree on a possible emergency told as a story (knowledge/screen.yml `agreement`).

    A screen rule holds (the rules saw something that can be an emergency:
    weakness of unknown onset, bladder words, breathing or speech words...),
    the detector is at least `at_least` sure the message describes an
    emergency, and the message has at least `min_words` words (`words`): a
    bare complaint gets the questions. Neither reading alone escalates: the
    detector alone only calls for the screen, and so does a screen rule alone.
    """
    screen = kb.screen
    if screen is None or screen.agreement_at_least is None or probability is None:
        return False
    if words < screen.agreement_min_words:
        return False
    if not decision.needed or f.general_question or probability < screen.agreement_at_least:
        return False
    return bool(rules_held(kb, decision))


def rules_held(kb: Knowledge, decision: ScreenDecision) -> List[Rule]:
    """The screen's own `when` rules behind a decision (not the detector's, language or not-understood reasons)."""
    return [r for r in kb.screen.rules if r.id in decision.rules] if kb.screen is not None else []


@lru_cache(maxsize=8)
def _patterns(answers: Tuple[Tuple[str, Tuple[str, ...]], ...]) -> Dict[str, re.Pattern]:
    """One whole-word pattern per kind of answer (keyed by the answer lists themselves)."""
    out = {}
    for kind, phrases in answers:
        alts = sorted({re.escape(p.lower()) for p in phrases}, key=len, reverse=True)
        out[kind] = re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")(?![\w'])")
    return out


def answer_kind(screen: Screen, reply: str) -> str:
    """'yes', 'no', 'unsure' or 'unclear' for a reply to the whole screen.

    "Not sure" wins over everything (unsure counts as yes); a "yes" anywhere
    wins over a "no" ("no to most, yes to the face one"); "no" alone is no.
    """
    pats = _patterns(tuple(sorted(screen.answers.items())))
    text = normalize_text(reply).lower()
    if pats["unsure"].search(text):
        return UNSURE
    if pats["yes"].search(text):
        return YES
    if pats["no"].search(text):
        return NO
    return UNCLEAR


def answer_screen(engine, first_text: str, reply: str) -> Dict[str, Any]:
    """The outcome of a reply to the screen, given the message that raised it.

    Escalates on a yes or not-sure answer, and on anything the reply adds that
    makes a red flag fire with the first message ("no, but it came on all at
    once"). An unclear reply keeps the first level and asks again.
    """
    kb = engine.kb
    kind = answer_kind(kb.screen, reply)
    # the screen has been answered: the answer decides, not the detector's agreement
    combined = engine.assess(f"{first_text}\n{reply}", agreement=False)
    if kind in (YES, UNSURE):
        return {"level": "emergency", "answer": kind, "red_flags": combined["red_flags"], "ask_again": False}
    if combined["triage"]["level"] == "emergency":
        return {"level": "emergency", "answer": kind, "red_flags": combined["red_flags"], "ask_again": False}
    first = engine.assess(first_text)
    return {"level": first["triage"]["level"], "answer": kind, "red_flags": [], "ask_again": kind == UNCLEAR}
