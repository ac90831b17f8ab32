"""Custom actions: thin adapters from the tracker to legcare and back.

- the findings slots (symptoms, negated, side, onset, duration, risk
  factors) are kept up to date inside the Rasa server
  (components/findings_policy.py), so no action runs for that;
- validate_triage_form runs the interview: it reads the answers and asks the
  next question (worded in knowledge/, legcare.interview.question_for);
- action_triage_summary, action_condition_info, action_explain_reasoning and
  the knowledge actions answer from knowledge/.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from legcare import answers
from legcare.engine import get_engine
from legcare.interview import (FINDING_SLOTS, FOLLOWUPS, findings_from_slots, merge_lists, message_findings,
                               next_questions, question_for, read_yes_no, relevant_risk_factors)

logger = logging.getLogger(__name__)

# load the knowledge base when the action server starts, not on the first message
get_engine()


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _findings_now(tracker: Tracker) -> Dict[str, Any]:
    """The engine's reading of the latest message (from the NLU, or computed here)."""
    return message_findings(get_engine(), _text(tracker), (tracker.latest_message or {}).get("legcare"))


def _asked(tracker: Tracker) -> List[Text]:
    """The symptoms the interview's yes/no questions have been about so far."""
    return [tracker.get_slot(f"{s}_target") for s in FOLLOWUPS if tracker.get_slot(f"{s}_target")]


CONFIDENT = 0.6  # below this, "affirm"/"deny" from the classifier is not taken as an answer


def _confidence(tracker: Tracker) -> float:
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


def _slots(tracker: Tracker) -> Dict[str, Any]:
    return {k: tracker.get_slot(k) for k in FINDING_SLOTS}


def assessment(tracker: Tracker, override: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    slots = _slots(tracker)
    slots.update(override or {})
    return get_engine().assess_findings(findings_from_slots(slots))


def _emergency_messages(dispatcher: CollectingDispatcher, result: Dict[str, Any]) -> None:
    flags = [f for f in result["red_flags"] if f["level"] == "emergency"]
    dispatcher.utter_message(response="utter_emergency", red_flags=flags)
    dispatcher.utter_message(text=answers.emergency_details(get_engine().kb, flags))


class ValidateTriageForm(FormValidationAction):
    """The interview: asks only what is still missing, reads yes/no/not sure answers."""

    def name(self) -> Text:
        return "validate_triage_form"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        events = await super().run(dispatcher, tracker, domain)  # the slots in `tracker` now include them
        # The interview's next question is asked here, in the same call (the domain has no ask actions or
        # responses, so Rasa's form asks nothing itself): one round trip per answer instead of two.
        engine = get_engine()
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        for slot in required:
            if tracker.get_slot(slot) is not None:
                continue
            if slot in FOLLOWUPS and not tracker.get_slot(f"{slot}_target"):
                # a yes/no question: choose its symptom now; the answer is read against it next turn
                options = next_questions(engine, findings_from_slots(_slots(tracker)), asked=_asked(tracker), limit=1)
                chosen = SlotSet(f"{slot}_target", options[0]) if options else SlotSet(slot, "skipped")
                events.append(chosen)
                tracker.slots[chosen["name"]] = chosen["value"]
                if not options:
                    continue  # nothing left worth asking here: the next slot
            question = question_for(engine, slot, tracker.slots)
            if question is None:
                events.append(SlotSet(slot, "skipped"))
                tracker.slots[slot] = "skipped"
                continue
            dispatcher.utter_message(text=question["text"], buttons=question["buttons"])
            break
        return events

    async def required_slots(self, domain_slots: List[Text], dispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        if tracker.get_slot("emergency_seen"):
            # the emergency advice ends the interview: keep only what is answered, so the form completes
            return [s for s in domain_slots if tracker.get_slot(s) is not None]
        engine = get_engine()
        f = findings_from_slots(_slots(tracker))
        if not f.symptoms:
            return [s for s in domain_slots if s in ("onset", "side", "duration_days")]
        asked = _asked(tracker)
        still = next_questions(engine, f, asked=asked)
        wanted: List[Text] = []
        for slot in domain_slots:
            if slot in FOLLOWUPS:
                idx = FOLLOWUPS.index(slot)
                answered_or_asked = tracker.get_slot(slot) is not None or tracker.get_slot(f"{slot}_target")
                if answered_or_asked or idx < len(asked) + len(still):
                    wanted.append(slot)
            elif slot == "risk_check":
                if tracker.get_slot("risk_check") is not None or relevant_risk_factors(engine, f):
                    wanted.append(slot)
            else:
                wanted.append(slot)
        return wanted

    def _read_answer(self, slot: str, tracker: Tracker) -> Dict[Text, Any]:
        """yes / no / unsure for the yes/no question this slot asked."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        target = tracker.get_slot(f"{slot}_target")
        if not target:
            return {}
        now = _findings_now(tracker)
        if target in now.get("symptoms", []):
            answer = "yes"
        elif target in now.get("negated", []):
            answer = "no"
        else:
            answer = read_yes_no(_text(tracker))
        if answer is None and _confidence(tracker) >= CONFIDENT:
            # a button (/affirm, confidence 1.0) or a clearly classified answer
            answer = {"affirm": "yes", "deny": "no", "dont_know": "unsure"}.get(_intent(tracker) or "")
        return {slot: answer} if answer else {}

    def _apply_answer(self, slot: str, answer: Any, dispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """Record the answer as a symptom (or its absence); escalate if it completes a red flag."""
        out: Dict[Text, Any] = {slot: answer}
        target = tracker.get_slot(f"{slot}_target")
        if not target or answer not in ("yes", "no"):
            return out
        symptoms = tracker.get_slot("symptoms") or []
        negated = tracker.get_slot("negated") or []
        if answer == "yes":
            out["symptoms"] = merge_lists(symptoms, [target])
            out["negated"] = merge_lists(negated, remove=[target])
        else:
            out["negated"] = merge_lists(negated, [target])
            out["symptoms"] = merge_lists(symptoms, remove=[target])
        if answer == "yes" and not tracker.get_slot("emergency_seen"):
            result = assessment(tracker, {"symptoms": out["symptoms"], "negated": out["negated"]})
            if result["triage"]["level"] == "emergency":
                _emergency_messages(dispatcher, result)
                out.update({"emergency_seen": True, "triage_level": "emergency"})
        return out

    async def extract_followup_1(self, dispatcher, tracker, domain):
        return self._read_answer("followup_1", tracker)

    async def extract_followup_2(self, dispatcher, tracker, domain):
        return self._read_answer("followup_2", tracker)

    async def extract_followup_3(self, dispatcher, tracker, domain):
        return self._read_answer("followup_3", tracker)

    async def validate_followup_1(self, value, dispatcher, tracker, domain):
        return self._apply_answer("followup_1", value, dispatcher, tracker)

    async def validate_followup_2(self, value, dispatcher, tracker, domain):
        return self._apply_answer("followup_2", value, dispatcher, tracker)

    async def validate_followup_3(self, value, dispatcher, tracker, domain):
        return self._apply_answer("followup_3", value, dispatcher, tracker)

    async def extract_risk_check(self, dispatcher, tracker, domain):
        if tracker.get_slot("requested_slot") != "risk_check":
            return {}
        now = _findings_now(tracker)
        if now.get("risk_factors"):
            return {"risk_check": "answered"}
        intent = _intent(tracker)
        answer = read_yes_no(_text(tracker))
        if intent == "deny" or answer == "no":
            return {"risk_check": "none"}
        if intent == "dont_know" or answer == "unsure":
            return {"risk_check": "unsure"}
        if intent in ("affirm", "inform", "describe_symptoms") or answer == "yes":
            return {"risk_check": "answered"}
        return {}

    async def _check_emergency(self, dispatcher, tracker, slot, value) -> Dict[Text, Any]:
        out: Dict[Text, Any] = {slot: value}
        if tracker.get_slot("emergency_seen") or tracker.get_slot("requested_slot") != slot:
            return out
        result = assessment(tracker, {slot: value})
        intent = _intent(tracker)
        if result["triage"]["level"] == "emergency" and intent != "emergency":
            # the answer completes a red flag ("it came on suddenly" after "my left leg is weak")
            _emergency_messages(dispatcher, result)
            out.update({"emergency_seen": True, "triage_level": "emergency"})
        return out

    async def validate_onset(self, value, dispatcher, tracker, domain):
        return await self._check_emergency(dispatcher, tracker, "onset", value)

    async def validate_side(self, value, dispatcher, tracker, domain):
        return await self._check_emergency(dispatcher, tracker, "side", value)

    async def validate_duration_days(self, value, dispatcher, tracker, domain):
        return await self._check_emergency(dispatcher, tracker, "duration_days", value)


class ActionTriageSummary(Action):
    def name(self) -> Text:
        return "action_triage_summary"

    async def run(self, dispatcher, tracker, domain):
        kb = get_engine().kb
        result = assessment(tracker)
        level = result["triage"]["level"]
        reset = [SlotSet(s, None) for s in FOLLOWUPS + [f"{s}_target" for s in FOLLOWUPS] + ["risk_check"]]
        if tracker.get_slot("emergency_seen"):
            # the emergency advice was already given this turn or earlier
            return reset + [SlotSet("emergency_seen", None), SlotSet("triage_level", "emergency")]
        if level == "emergency":
            _emergency_messages(dispatcher, result)
        else:
            payload = {"triage": {"level": level, "timeframe": result["triage"]["timeframe"],
                                  "symptoms": result["symptoms"],
                                  "causes": [{"id": c["id"], "name": c["name"], "score": c["score"]}
                                             for c in result["causes"][:3]]}}
            dispatcher.utter_message(text=answers.triage_summary(kb, result), json_message=payload)
        return reset + [SlotSet("triage_level", level), SlotSet("causes", [c["id"] for c in result["causes"][:3]])]


class ActionEmergencyDetails(Action):
    def name(self) -> Text:
        return "action_emergency_details"

    async def run(self, dispatcher, tracker, domain):
        kb = get_engine().kb
        flags = _findings_now(tracker).get("red_flags") or []
        dispatcher.utter_message(text=answers.emergency_details(kb, flags))
        return [SlotSet("triage_level", "emergency")]


class ActionExplainCauses(Action):
    def name(self) -> Text:
        return "action_explain_causes"

    async def run(self, dispatcher, tracker, domain):
        engine = get_engine()
        result = assessment(tracker)
        now = _findings_now(tracker)
        if not result["symptoms"] and now.get("symptoms"):
            result = engine.assess(_text(tracker))
        dispatcher.utter_message(text=answers.causes_overview(engine.kb, result["causes"] or None))
        return []


class ActionConditionInfo(Action):
    def name(self) -> Text:
        return "action_condition_info"

    async def run(self, dispatcher, tracker, domain):
        kb = get_engine().kb
        cond = answers.find_condition(kb, _text(tracker))
        if cond is None and tracker.get_slot("causes"):
            cond = kb.conditions.get(tracker.get_slot("causes")[0])
        if cond is None:
            dispatcher.utter_message(text="Which condition would you like to know about? For example sciatica, "
                                          "peripheral artery disease (PAD) or vitamin D deficiency.")
            return []
        dispatcher.utter_message(text=answers.condition_info(kb, cond))
        return []


class ActionExplainReasoning(Action):
    def name(self) -> Text:
        return "action_explain_reasoning"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=answers.explain_reasoning(get_engine().kb, assessment(tracker)))
        return []


class ActionListExercises(Action):
    def name(self) -> Text:
        return "action_list_exercises"

    async def run(self, dispatcher, tracker, domain):
        kb = get_engine().kb
        ex = answers.find_exercise(kb, _text(tracker))
        dispatcher.utter_message(text=answers.exercise_detail(kb, ex) if ex else answers.exercises_overview(kb))
        return []


class ActionSelfCare(Action):
    def name(self) -> Text:
        return "action_self_care"

    async def run(self, dispatcher, tracker, domain):
        kb = get_engine().kb
        dispatcher.utter_message(text=answers.self_care_overview(kb, tracker.get_slot("causes") or []))
        return []


class ActionWhenToSeeDoctor(Action):
    def name(self) -> Text:
        return "action_when_to_see_doctor"

    async def run(self, dispatcher, tracker, domain):
        result = assessment(tracker)
        dispatcher.utter_message(text=answers.personal_when_to_see_doctor(get_engine().kb, result))
        return []
