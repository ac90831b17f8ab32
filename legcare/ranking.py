"""Score possible causes from the evidence, each with the reasons that raised it.

The output names *possible* causes to discuss with a clinician; it is never a
diagnosis. Scores are relative (0-1) and only order the list.
"""
from __future__ import annotations

from typing import Dict, List

from .extract import Findings
from .knowledge import Condition, Knowledge, Rule

PRIOR = {"common": 1.0, "uncommon": 0.5, "rare": 0.0}
ONSET_WORDS = {"sudden": "it came on suddenly", "rapid": "it is getting worse quickly",
               "gradual": "it came on gradually"}


def rank(kb: Knowledge, f: Findings, flags: List[Rule], limit: int = 5) -> List[Dict[str, object]]:
    present = set(f.symptoms)
    negated = set(f.negated)
    risks = set(f.risk_factors)
    mentioned = {c["id"] for c in f.conditions_mentioned if c["status"] == "present"}
    suggested: Dict[str, List[str]] = {}
    for flag in flags:
        for cid in flag.suggests:
            suggested.setdefault(cid, []).append(flag.reason)

    scored = []
    for cond in kb.conditions.values():
        why: List[str] = []
        matched = [s for s in cond.symptoms if s in present]
        symptom_score = sum(cond.symptoms[s] for s in matched)
        if not matched and cond.id not in mentioned:
            continue
        score = symptom_score
        if matched:
            names = ", ".join(kb.symptoms[s].name for s in sorted(matched, key=lambda s: -cond.symptoms[s]))
            why.append(f"you mentioned {names}")
        # a key symptom the person said they do not have counts against
        for s in cond.symptoms:
            if s in negated and cond.symptoms[s] >= 3:
                score -= 1.5
                why.append(f"less likely as you have no {kb.symptoms[s].name}")
        hallmarks = [s for s, w in cond.symptoms.items() if w >= 3]
        if hallmarks and not present.intersection(hallmarks):
            score -= 1.0  # none of its hallmark symptoms
        score += _onset_fit(cond, f.onset, why)
        score += _duration_fit(cond, f.duration_days)
        score += _side_fit(cond, f.side, why)
        risk_hits = [r for r in cond.risk_factors if r in risks]
        if risk_hits:
            score += sum(cond.risk_factors[r] for r in risk_hits)
            why.append("risk factor: " + ", ".join(kb.risk_factors[r].name for r in risk_hits))
        if cond.id in suggested:
            score += 4
            why.append("matches a warning sign: " + suggested[cond.id][0].rstrip("."))
        if cond.id in mentioned:
            score += 3
            why.append("you mentioned it by name")
        # how much of the condition's picture is covered, so specific matches win
        coverage = symptom_score / sum(cond.symptoms.values())
        score += 2 * coverage + PRIOR[cond.prevalence]
        if score <= 0:
            continue
        scored.append((score, coverage, cond, why))

    scored.sort(key=lambda x: (-x[0], -x[1], x[2].id))
    top = scored[0][0] if scored else 1.0
    return [{"id": c.id, "name": c.name, "score": round(s / top, 3), "why": why, "sources": list(c.sources),
             "category": c.category, "care": {"level": c.care_level, "timeframe": c.care_timeframe}}
            for s, _, c, why in scored[:limit]]


def _onset_fit(cond: Condition, onset, why: List[str]) -> float:
    if onset is None or cond.onset == "any":
        return 0.0
    if cond.onset == onset:
        why.append(ONSET_WORDS[onset])
        return 1.5
    if {cond.onset, onset} == {"sudden", "rapid"}:
        return 0.5
    if {cond.onset, onset} == {"sudden", "gradual"}:
        return -2.0
    return -1.0


def _duration_fit(cond: Condition, days) -> float:
    if days is None or cond.onset == "any":
        return 0.0
    if days >= 14:
        return 1.0 if cond.onset == "gradual" else -1.5
    if days <= 2:
        return -1.0 if cond.onset == "gradual" else 0.5
    return 0.0


def _side_fit(cond: Condition, side, why: List[str]) -> float:
    if side is None or cond.side == "any":
        return 0.0
    one_sided = side in ("left", "right", "one")
    if cond.side == "one" and one_sided:
        why.append("it affects one side")
        return 1.0
    if cond.side == "both" and side == "both":
        why.append("it affects both sides")
        return 0.5
    # a body-wide cause rarely affects one side only
    return -2.0 if cond.side == "both" else -1.0
