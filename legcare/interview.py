"""What the interview still needs to ask, and how to read short answers.

The conversation keeps its findings in slots; these helpers turn slots into
:class:`Findings`, pick the most useful next yes/no question, and read
answers such as "the left one", "slowly" or "about two weeks".
"""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .engine import Engine
from .extract import Findings, normalize_text
from .triage import red_flags

YES = {"yes", "yeah", "yep", "yup", "y", "ya", "yes please", "correct", "i do", "it is", "true", "sure", "definitely",
       "absolutely", "uh huh", "mhm", "affirmative", "i have", "i think so", "probably", "a bit", "a little",
       "sometimes", "slightly"}
NO = {"no", "nope", "nah", "n", "none", "never", "not really", "not at all", "i don't", "i dont", "no i don't",
      "negative", "it isn't", "i haven't", "no it isn't", "neither", "nothing like that", "no none"}
UNSURE = {"not sure", "unsure", "i don't know", "i dont know", "dont know", "don't know", "no idea", "maybe",
          "dunno", "idk", "can't tell", "cant tell", "hard to say", "i'm not sure", "im not sure", "possibly",
          "not certain", "perhaps"}
UNKNOWN = "unknown"
MAX_FOLLOWUPS = 3
FOLLOWUPS = [f"followup_{i}" for i in range(1, MAX_FOLLOWUPS + 1)]
YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
                  {"title": "Not sure", "payload": "/dont_know"}]


def findings_from_slots(slots: Dict[str, Any]) -> Findings:
    f = Findings()
    f.symptoms = list(slots.get("symptoms") or [])
    f.negated = [s for s in (slots.get("negated") or []) if s not in f.symptoms]
    side, onset = slots.get("side"), slots.get("onset")
    f.side = side if side not in (None, UNKNOWN) else None
    f.onset = onset if onset not in (None, UNKNOWN) else None
    days = slots.get("duration_days")
    if isinstance(days, (int, float)) and not isinstance(days, bool):
        f.duration = {"text": "", "days": float(days)}
    f.risk_factors = list(slots.get("risk_factors") or [])
    return f


def merge_lists(old: Optional[Iterable[str]], add: Iterable[str] = (), remove: Iterable[str] = ()) -> List[str]:
    out = [x for x in (old or []) if x not in set(remove)]
    for x in add:
        if x not in out:
            out.append(x)
    return out


def read_yes_no(text: str) -> Optional[str]:
    """'yes', 'no', 'unsure' or None for a short answer."""
    t = re.sub(r"[^a-z' ]+", " ", normalize_text(text).lower()).strip()
    t = re.sub(r"\s+", " ", t)
    if not t:
        return None
    for options, value in ((UNSURE, "unsure"), (NO, "no"), (YES, "yes")):
        if t in options:
            return value
    first = t.split(" ")[0]
    if t.startswith(("not sure", "i'm not sure", "im not sure", "i don't know", "i dont know", "no idea")):
        return "unsure"
    if first in ("yes", "yeah", "yep", "yup"):
        return "yes"
    if first in ("no", "nope", "nah"):
        return "no"
    return None


SIDE_WORDS = [
    (re.compile(r"\b(both|either|two|each|all of them|both of them|bilateral)\b"), "both"),
    (re.compile(r"\bleft\b"), "left"),
    (re.compile(r"\bright\b(?! now| away)"), "right"),
    (re.compile(r"\b(one|just one|only one|single|one side|one of them)\b"), "one"),
]
ONSET_WORDS = [
    (re.compile(r"\b(sudden|suddenly|all at once|out of nowhere|instantly|quick(ly)?|fast|within minutes|abrupt)"), "sudden"),
    (re.compile(r"\b(getting worse (fast|quickly)|worse (by|every) (the )?(hour|day)|rapid|over (a|one|two|a couple of) days?)"), "rapid"),
    (re.compile(r"\b(gradual|gradually|slow|slowly|over (weeks|months|years|time)|bit by bit|little by little|crept|creeping)"), "gradual"),
]


def read_side(text: str) -> Optional[str]:
    t = normalize_text(text).lower()
    for rx, value in SIDE_WORDS:
        if rx.search(t):
            return value
    return None


def read_onset(text: str) -> Optional[str]:
    t = normalize_text(text).lower()
    if re.search(r"\bnot (so )?(sudden|suddenly)\b|\bwasn'?t sudden", t):
        return "gradual"
    for rx, value in ONSET_WORDS:
        if rx.search(t):
            return value
    return None


def read_duration_days(engine: Engine, text: str) -> Optional[float]:
    """Days from an answer like 'about two weeks', 'since monday' or '3 days'."""
    f = engine.extract(text)
    if f.duration:
        return float(f.duration["days"])
    t = normalize_text(text).lower()
    m = re.search(r"\b(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|a couple of|couple of|several)\s+"
                  r"(minute|hour|day|week|month|year)s?\b", t)
    if m:
        f = engine.extract("for " + m.group(0))
        if f.duration:
            return float(f.duration["days"])
    if re.search(r"\b(today|this morning|just now|an hour|tonight)\b", t):
        return 0.3
    if re.search(r"\byesterday|last night\b", t):
        return 1.0
    return None


def is_dont_know(text: str, intent: Optional[str] = None) -> bool:
    return intent == "dont_know" or read_yes_no(text) == "unsure"


FINDING_SLOTS = ("symptoms", "negated", "side", "onset", "duration_days", "risk_factors")
BODY_SIDE = re.compile(r"\b(leg|legs|side|foot|feet|thigh|knee|calf|one)\b", re.I)


def message_findings(engine: Engine, text: str, parsed: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The engine's reading of a message: the NLU's (`parsed`, the parse data's `legcare`) or computed now.

    Intent payloads such as "/affirm" (buttons) and empty messages read as nothing.
    """
    if parsed is not None:
        return parsed
    return engine.assess(text) if text and not text.startswith("/") else {}


# intents of a message that describes the body ("emergency_screen": one the engine wanted screened)
DESCRIBING = ("inform", "describe_symptoms", "emergency_screen")


def findings_updates(engine: Engine, slots: Dict[str, Any], text: str, intent: Optional[str],
                     now: Optional[Dict[str, Any]], requested_slot: Optional[str] = None) -> Dict[str, Any]:
    """The findings slots that change with one user message, and their new values.

    `slots` holds the current values of FINDING_SLOTS; `now` is the engine's
    reading of the message (None: read it here). Findings accumulate over the
    conversation; a negation removes what was said before ("actually no
    numbness"); a short answer to the question being asked ("the left one",
    "slowly", "about two weeks", "I don't know") fills that slot; a
    correction ("actually it's the left leg") replaces the side.
    """
    now = message_findings(engine, text, now)
    out: Dict[str, Any] = {}

    def changed(slot: str, value: Any) -> None:
        old = slots.get(slot)
        if value != (old if old is not None or not isinstance(value, list) else []):
            out[slot] = value

    changed("symptoms", merge_lists(slots.get("symptoms"), now.get("symptoms", []), remove=now.get("negated", [])))
    changed("negated", merge_lists(slots.get("negated"), now.get("negated", []), remove=now.get("symptoms", [])))
    changed("risk_factors", merge_lists(slots.get("risk_factors"), now.get("risk_factors", []),
                                        remove=now.get("negated_risk_factors", [])))
    unknown = UNKNOWN if is_dont_know(text, intent) else None

    side = now.get("side")
    if side is None and requested_slot == "side":
        side = read_side(text) or unknown
    elif side is None and intent in DESCRIBING and BODY_SIDE.search(text):
        side = read_side(text)
    if side:
        changed("side", side)

    onset = now.get("onset")
    if onset is None and requested_slot == "onset":
        onset = read_onset(text) or unknown
    if onset:
        changed("onset", onset)

    duration = now.get("duration")
    days: Any = duration["days"] if duration else None
    if days is None and requested_slot == "duration_days":
        days = read_duration_days(engine, text)
        if days is None:
            days = unknown
    if days is not None:
        changed("duration_days", days)
    return out


def _key(f: Findings) -> Tuple:
    """The findings as a hashable value (the interview asks the same thing several times a turn)."""
    return (tuple(f.symptoms), tuple(f.negated), f.side, f.onset, f.duration_days, tuple(f.risk_factors),
            tuple(f.negated_risk_factors))


def _from_key(key: Tuple) -> Findings:
    symptoms, negated, side, onset, days, risks, neg_risks = key
    return Findings(symptoms=list(symptoms), negated=list(negated), side=side, onset=onset,
                    duration=None if days is None else {"text": "", "days": days}, risk_factors=list(risks),
                    negated_risk_factors=list(neg_risks))


def next_questions(engine: Engine, f: Findings, asked: Sequence[str] = (), limit: int = MAX_FOLLOWUPS) -> List[str]:
    return list(_next_questions(engine, _key(f), tuple(asked), limit))


def relevant_risk_factors(engine: Engine, f: Findings, limit: int = 4) -> List[str]:
    """Risk factors that would most change the ranking, not already known."""
    return list(_relevant_risk_factors(engine, _key(f), limit))


@functools.lru_cache(maxsize=2048)
def _next_questions(engine: Engine, key: Tuple, asked: Tuple[str, ...], limit: int) -> Tuple[str, ...]:
    """Symptom ids worth asking about, most useful first.

    A symptom scores for how much it weighs in the likeliest causes, and
    more when a "yes" would complete an emergency red flag together with what
    is already known (for example bladder trouble with back pain and weak
    legs), so a hidden emergency is not missed. Only symptoms with an `ask`
    question that are not known yet are asked.
    """
    kb = engine.kb
    f = _from_key(key)
    known = set(f.symptoms) | set(f.negated) | set(asked)
    candidates = [sid for sid, t in kb.symptoms.items() if t.ask and sid not in known]
    result = engine.assess_findings(f)
    score: Dict[str, float] = {}
    for cause in result["causes"]:
        for sid, w in kb.conditions[cause["id"]].symptoms.items():
            if sid in candidates:
                score[sid] = score.get(sid, 0.0) + cause["score"] * w
    already = {r.id for r in red_flags(kb, f)}
    for sid in candidates:
        trial = Findings(**{**f.__dict__, "symptoms": f.symptoms + [sid]})
        for rule in red_flags(kb, trial):
            if rule.id in already or rule.level != "emergency":
                continue
            # a rule that needs more than this one symptom links it to what we know
            linked = len(rule.when) > 1
            score[sid] = score.get(sid, 0.0) + (3.0 if linked else 0.5)
    ranked = sorted((s for s in score if score[s] > 0), key=lambda s: (-score[s], s))
    return tuple(ranked[:limit])


@functools.lru_cache(maxsize=2048)
def _relevant_risk_factors(engine: Engine, key: Tuple, limit: int) -> Tuple[str, ...]:
    kb = engine.kb
    f = _from_key(key)
    known = set(f.risk_factors) | set(f.negated_risk_factors)
    weights: Dict[str, float] = {}
    for cause in engine.assess_findings(f)["causes"]:
        for rid, w in kb.conditions[cause["id"]].risk_factors.items():
            if rid not in known and rid not in ("family_history", "older_age"):
                weights[rid] = weights.get(rid, 0.0) + cause["score"] * w
    return tuple(sorted(weights, key=lambda r: -weights[r])[:limit])


def question_for(engine: Engine, slot: str, slots: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The question (text and buttons) that asks for an interview slot, from knowledge/.

    onset, side and duration_days: knowledge/interview.yml; risk_check: the
    same file, naming the risk factors relevant to the findings so far;
    followup_N: the `ask` of the symptom chosen for it (slot followup_N_target).
    None when there is nothing to ask.
    """
    kb = engine.kb
    if slot in FOLLOWUPS:
        target = slots.get(f"{slot}_target")
        if not target or target not in kb.symptoms:
            return None
        return {"text": kb.symptoms[target].ask, "buttons": [dict(b) for b in YES_NO_BUTTONS]}
    question = kb.questions.get(slot)
    if question is None:
        return None
    text = question["text"]
    if slot == "risk_check":
        risks = relevant_risk_factors(engine, findings_from_slots(slots))
        if not risks:
            return None
        text = text.format(risks=", ".join(kb.risk_factors[r].name for r in risks))
    return {"text": text, "buttons": [dict(b) for b in question["buttons"]]}
