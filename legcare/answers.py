"""Plain-language answers composed from the knowledge base.

Used by the Rasa actions and the CLI; every answer names its sources and
never words a possible cause as a diagnosis.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from .knowledge import Condition, Exercise, Knowledge
from .triage import emergency_number

NOT_A_DIAGNOSIS = "This is general information, not a diagnosis."
CATEGORY_LABELS = {
    "neurological": "Nerves, brain and spinal cord",
    "spinal": "The spine",
    "vascular": "Blood flow",
    "muscular": "Muscles and joints",
    "metabolic/nutritional": "Body chemistry and nutrition",
    "systemic": "Whole-body conditions",
    "medication": "Medicines",
    "lifestyle": "Everyday causes",
}


def sources_line(kb: Knowledge, sources: Iterable[str]) -> str:
    labels = list(dict.fromkeys(kb.source_label(s) for s in sources))
    return "Source: " + "; ".join(labels) + "." if labels else ""


def emergency_details(kb: Knowledge, red_flags: List[Dict[str, Any]]) -> str:
    reasons = [f["reason"] for f in red_flags if f.get("level") == "emergency"] or \
              [f["reason"] for f in red_flags]
    lines = []
    if reasons:
        lines.append("Why I'm worried: " + " ".join(dict.fromkeys(reasons)))
    lines.append("If you have already called for help, stay where you are and keep your phone close. "
                 "If the symptoms get worse while you wait, call " + emergency_number() + " again.")
    lines.append("You can keep talking to me, for example to tell me you've called.")
    srcs = [s for f in red_flags for r in kb.red_flags if r.id == f.get("id") for s in r.sources]
    line = sources_line(kb, srcs)
    if line:
        lines.append(line)
    return "\n".join(lines)


def causes_overview(kb: Knowledge, causes: Optional[List[Dict[str, Any]]] = None) -> str:
    """Either the ranked causes of this conversation, or an overview by category."""
    if causes:
        lines = ["Based on what you've told me, some possible causes to discuss with a clinician are:"]
        srcs: List[str] = []
        for i, c in enumerate(causes[:3], 1):
            cond = kb.conditions[c["id"]]
            why = "; ".join(c.get("why") or []) or "it fits your symptoms"
            lines.append(f"{i}. {cond.name}: {cond.description} Why it came up: {why}.")
            srcs.extend(cond.sources)
        lines.append(NOT_A_DIAGNOSIS + " Only a clinician who examines you can find the cause.")
        lines.append(sources_line(kb, srcs))
        return "\n".join(lines)
    by_cat: Dict[str, List[Condition]] = {}
    for cond in kb.conditions.values():
        by_cat.setdefault(cond.category, []).append(cond)
    lines = ["Leg weakness has many possible causes. The main groups are:"]
    srcs = []
    for cat, label in CATEGORY_LABELS.items():
        conds = by_cat.get(cat, [])
        if not conds:
            continue
        common = [c for c in conds if c.prevalence == "common"] + [c for c in conds if c.prevalence != "common"]
        lines.append(f"- {label}: " + ", ".join(c.name for c in common[:5]) + ".")
        for c in common[:5]:
            srcs.extend(c.sources)
    lines.append("Tell me about your symptoms and I can say which of these fit best and how soon to get checked. "
                 "Sudden weakness, especially on one side, is an emergency.")
    lines.append(sources_line(kb, srcs))
    return "\n".join(lines)


def condition_info(kb: Knowledge, cond: Condition) -> str:
    lines = [f"{cond.name}: {cond.description}"]
    typical = sorted(cond.symptoms, key=lambda s: -cond.symptoms[s])[:5]
    lines.append("Typical signs: " + ", ".join(kb.symptoms[s].name for s in typical) + ".")
    lines.append(f"Usual care: {cond.care_timeframe}.")
    lines.append(f"When to get help: {cond.seek_help}")
    care = [kb.education(i).name for i in cond.self_care if kb.education(i)]
    if care:
        lines.append("Things that can help: " + ", ".join(care) + ".")
    lines.append(NOT_A_DIAGNOSIS)
    lines.append(sources_line(kb, cond.sources))
    return "\n".join(lines)


def exercises_overview(kb: Knowledge) -> str:
    lines = ["Here are some gentle exercises to strengthen your legs at home:"]
    for ex in kb.exercises.values():
        lines.append(f"- {ex.name}: {ex.purpose}")
    lines.append("Ask me \"how do I do the " + next(iter(kb.exercises.values())).name.lower() +
                 "?\" for step-by-step instructions.")
    lines.append("Safety: " + kb.general_safety)
    lines.append(sources_line(kb, [s for ex in kb.exercises.values() for s in ex.sources]))
    return "\n".join(lines)


def exercise_detail(kb: Knowledge, ex: Exercise) -> str:
    lines = [f"{ex.name}. {ex.purpose}"]
    lines += [f"{i}. {step}" for i, step in enumerate(ex.steps, 1)]
    lines.append(f"How many: {ex.repetitions}")
    lines.append(f"Safety: {ex.safety}")
    lines.append(sources_line(kb, ex.sources))
    return "\n".join(lines)


def self_care_overview(kb: Knowledge, condition_ids: Iterable[str] = ()) -> str:
    wanted: List[str] = []
    for cid in condition_ids:
        cond = kb.conditions.get(cid)
        if cond:
            wanted += [i for i in cond.self_care if i in kb.home_measures]
    if not wanted:
        wanted = ["walking", "hydration", "healthy_diet", "vitamin_d", "rest_and_sleep", "massage"]
    wanted = list(dict.fromkeys(wanted))[:6]
    lines = ["Some things you can do at home:"]
    srcs: List[str] = []
    for mid in wanted:
        m = kb.home_measures[mid]
        lines.append(f"- {m.name}: {m.advice} Check with a doctor first if: {m.check_first}")
        srcs.extend(m.sources)
    lines.append("Self-care helps with mild weakness; it does not replace seeing a doctor when something is wrong.")
    lines.append(sources_line(kb, srcs))
    return "\n".join(lines)


def when_to_see_doctor(kb: Knowledge) -> str:
    number = emergency_number()
    lines = [
        f"Call {number} straight away for: sudden weakness or numbness (especially on one side), a drooping face, "
        "slurred speech, sudden loss of sight or balance, a sudden severe headache, new loss of bladder or bowel "
        "control or numbness around the bottom, weakness that climbs up the legs or comes with trouble breathing "
        "or swallowing, or a leg that turns cold, pale and painful.",
        "See a doctor the same day for: weakness that is getting worse over days, weakness with a fever, falls, "
        "a swollen painful calf, or new weakness after cancer.",
        "Book a GP appointment within 1 to 2 weeks for: weakness lasting more than two weeks, numbness or "
        "tingling, leg pain when walking, or weakness that is slowly getting worse.",
        "Mild, short-lived weakness after hard exercise, heat or a tummy bug usually settles with rest and fluids, "
        "but see a GP if it is not better within 1 to 2 weeks.",
    ]
    srcs = [s for r in kb.red_flags for s in r.sources]
    lines.append(sources_line(kb, srcs))
    return "\n".join(lines)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", (text or "").lower()).strip()


def _find_named(items, names_of, text: str):
    """The item whose name or alias appears in the text (the longest match wins)."""
    t = f" {_norm(text)} "
    best = None
    for item in items:
        for name in names_of(item):
            n = _norm(name)
            if n and f" {n} " in t and (best is None or len(n) > best[0]):
                best = (len(n), item)
    return best[1] if best else None


def find_condition(kb: Knowledge, text: str) -> Optional[Condition]:
    """The condition a question names ("what is PAD?"), by id, name or alias."""
    return _find_named(kb.conditions.values(), lambda c: (c.name, c.id.replace("_", " "), *c.aliases), text)


def find_exercise(kb: Knowledge, text: str) -> Optional[Exercise]:
    return _find_named(kb.exercises.values(), lambda ex: (ex.name, *ex.aliases), text)


SAFETY_NET = ("Get help at once (call {number}) if you notice: sudden weakness or numbness, especially on one side; "
              "a drooping face or slurred speech; new trouble controlling your bladder or bowels or numbness around "
              "your bottom; weakness that spreads upwards or trouble breathing or swallowing; or a leg that turns "
              "cold, pale and painful.")


def triage_summary(kb: Knowledge, result: Dict[str, Any]) -> str:
    """The end-of-interview summary: care level, why, possible causes, self-care, safety-netting."""
    tri = result["triage"]
    level = tri["level"] or "routine"
    label = kb.levels[level]["label"]
    timeframe = tri["timeframe"] or kb.levels[level]["timeframe"].format(emergency_number=emergency_number())
    lines = [f"Here's my summary. Suggested care: {label}. {timeframe}"]
    if tri["reasons"]:
        lines.append("Why: " + " ".join(tri["reasons"]))
    srcs: List[str] = [s for f in result.get("red_flags", []) for r in kb.red_flags if r.id == f["id"] for s in r.sources]
    causes = result.get("causes") or []
    if causes:
        lines.append("Possible causes to discuss with a clinician (not a diagnosis):")
        for i, c in enumerate(causes[:3], 1):
            why = "; ".join(c["why"][:3])
            lines.append(f"{i}. {c['name']}: {why}.")
            srcs.extend(c["sources"])
    care_ids: List[str] = []
    if level in ("self_care", "routine"):
        for c in causes[:3]:
            care_ids += [i for i in kb.conditions[c["id"]].self_care if i in kb.home_measures]
    care_ids = list(dict.fromkeys(care_ids))[:3]
    if care_ids:
        lines.append("What may help meanwhile: " + "; ".join(
            f"{kb.home_measures[i].name.lower()} ({kb.home_measures[i].advice.split('.')[0].lower()})" for i in care_ids) + ".")
        srcs += [s for i in care_ids for s in kb.home_measures[i].sources]
    lines.append(SAFETY_NET.format(number=emergency_number()))
    lines.append("Ask me \"why?\", about any of these causes, or about exercises.")
    lines.append(sources_line(kb, srcs))
    return "\n".join(line for line in lines if line)


def explain_reasoning(kb: Knowledge, result: Dict[str, Any]) -> str:
    tri = result["triage"]
    if not result["symptoms"]:
        return "I don't have enough to go on yet. Tell me what you've noticed in your legs and I'll explain my reasoning."
    lines = ["Here's how I got there, from what you told me:"]
    names = ", ".join(kb.symptoms[s].name for s in result["symptoms"])
    lines.append(f"- Symptoms: {names}.")
    if result.get("negated"):
        lines.append("- You don't have: " + ", ".join(kb.symptoms[s].name for s in result["negated"]) + ".")
    details = [x for x in (f"side: {result['side']}" if result.get("side") else "",
                           f"onset: {result['onset']}" if result.get("onset") else "",
                           f"duration: about {result['duration']['days']:g} days" if result.get("duration") else "") if x]
    if details:
        lines.append("- " + ", ".join(details) + ".")
    if result.get("risk_factors"):
        lines.append("- Risk factors: " + ", ".join(kb.risk_factors[r].name for r in result["risk_factors"]) + ".")
    if tri["level"]:
        lines.append(f"- Care level {kb.levels[tri['level']]['label']} because: " + " ".join(tri["reasons"]))
    for c in (result.get("causes") or [])[:3]:
        lines.append(f"- {c['name']} came up because {'; '.join(c['why'])}.")
    lines.append(NOT_A_DIAGNOSIS)
    return "\n".join(lines)


def personal_when_to_see_doctor(kb: Knowledge, result: Optional[Dict[str, Any]]) -> str:
    general = when_to_see_doctor(kb)
    if not result or not result["symptoms"]:  # nothing described yet: the general advice only
        return general
    tri = result["triage"]
    return (f"For what you've described: {kb.levels[tri['level']]['label']}. {tri['timeframe']}\n" + general)
