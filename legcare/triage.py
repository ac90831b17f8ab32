"""Red flags and the care level, from findings and the rules in knowledge/."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .extract import Findings
from .knowledge import Knowledge, Rule

DEFAULT_EMERGENCY_NUMBER = "your local emergency number (for example 911 in the US, 999 in the UK, 112 in the EU)"
LEVEL_ORDER = {"self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}
DEFAULT_ROUTINE_REASON = ("You described symptoms that a doctor should look at to find the cause; "
                          "when unsure, it is safer to be checked.")


def emergency_number() -> str:
    return os.environ.get("EMERGENCY_NUMBER", "").strip() or DEFAULT_EMERGENCY_NUMBER


def _timeframe(kb: Knowledge, level: str) -> str:
    """The level's timeframe from knowledge/triage.yml, with the emergency number filled in."""
    return kb.levels[level]["timeframe"].format(emergency_number=emergency_number())


def test_holds(test: Dict[str, Any], f: Findings) -> bool:
    """All parts of one `when` test hold for these findings."""
    present = set(f.symptoms)
    for key, value in test.items():
        if key == "symptom" and not present.intersection(value):
            return False
        if key == "all_symptoms" and not present.issuperset(value):
            return False
        if key == "none" and present.intersection(value):
            return False
        if key == "risk" and not set(f.risk_factors).intersection(value):
            return False
        if key == "no_risk" and set(f.risk_factors).intersection(value):
            return False
        if key == "onset" and f.onset not in value:
            return False
        if key == "not_onset" and f.onset in value:
            return False
        if key == "side" and f.side not in value:
            return False
        if key == "not_side" and f.side in value:
            return False
        if key == "story" and not set(f.timeline).intersection(value):
            return False
        if key == "max_days" and (f.duration_days is None or f.duration_days > value):
            return False
        if key == "min_days" and (f.duration_days is None or f.duration_days < value):
            return False
        if key == "unless" and test_holds(value, f):
            return False
    return True


def rule_fires(rule: Rule, f: Findings) -> bool:
    return all(test_holds(t, f) for t in rule.when)


@dataclass
class Triage:
    level: Optional[str]
    timeframe: Optional[str]
    reasons: List[str]
    red_flags: List[Dict[str, str]] = field(default_factory=list)
    rules: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return {"level": self.level, "timeframe": self.timeframe, "reasons": self.reasons}


def red_flags(kb: Knowledge, f: Findings) -> List[Rule]:
    return [r for r in kb.red_flags if rule_fires(r, f)]


def triage(kb: Knowledge, f: Findings, flags: Optional[List[Rule]] = None) -> Triage:
    """Pick the care level. A red flag always wins; unsure means the safer level."""
    flags = red_flags(kb, f) if flags is None else flags

    def done(level: Optional[str], reasons: List[str], fired: List[Rule]) -> Triage:
        timeframe = _timeframe(kb, level) if level else None
        return Triage(level, timeframe, reasons,
                      red_flags=[{"id": r.id, "level": r.level, "reason": r.reason} for r in flags],
                      rules=[r.id for r in fired])

    if flags:
        top = max(LEVEL_ORDER[r.level] for r in flags)
        level = next(lvl for lvl, rank in LEVEL_ORDER.items() if rank == top)
        ordered = sorted(flags, key=lambda r: -LEVEL_ORDER[r.level])
        return done(level, _unique(r.reason for r in ordered), ordered)
    if not f.symptoms:
        return done(None, ["No symptoms were described yet."], [])
    urgent = [r for r in kb.urgent_rules if rule_fires(r, f)]
    if urgent:
        return done("urgent", _unique(r.reason for r in urgent), urgent)
    self_care = [r for r in kb.self_care_rules if rule_fires(r, f)]
    explained = {rid for r in self_care for rid in r.explains}
    routine = [r for r in kb.routine_rules if r.id not in explained and rule_fires(r, f)]
    if self_care and not routine:
        return done("self_care", _unique(r.reason for r in self_care), self_care)
    if routine:
        return done("routine", _unique(r.reason for r in routine), routine)
    return done("routine", [DEFAULT_ROUTINE_REASON], [])


def nothing_found(kb: Knowledge, result: Triage) -> Triage:
    """The level when no symptom was understood: never none (knowledge/screen.yml `nothing_found`)."""
    level = kb.screen.nothing_found_level if kb.screen else "routine"
    reason = kb.screen.nothing_found_reason if kb.screen else DEFAULT_ROUTINE_REASON
    return Triage(level, _timeframe(kb, level), [reason], red_flags=result.red_flags, rules=["nothing_found"])


AGREEMENT_FLAG = "readings_agree"  # the red-flag id of an escalation by agreement (knowledge/screen.yml)


def escalate_on_agreement(kb: Knowledge, result: Triage, doubts: List[str]) -> Triage:
    """The emergency level when the screen's doubt and a confident detector agree (legcare.screen.readings_agree).

    `doubts`: the reasons of the screen rules that held; they are shown after the agreement's reason."""
    reason = kb.screen.agreement_reason
    flag = {"id": AGREEMENT_FLAG, "level": "emergency", "reason": reason}
    return Triage("emergency", _timeframe(kb, "emergency"), _unique([reason, *doubts]),
                  red_flags=result.red_flags + [flag], rules=[AGREEMENT_FLAG])


def _unique(items) -> List[str]:
    return list(dict.fromkeys(items))
