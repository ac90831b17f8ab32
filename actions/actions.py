"""Custom actions. Each one reads the tracker, asks legcare, and says the answer."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from legcare import answers
from legcare.engine import get_engine

logger = logging.getLogger(__name__)

# load the knowledge base when the action server starts, not on the first message
get_engine()


def _legcare(tracker: Tracker) -> Dict[str, Any]:
    return (tracker.latest_message or {}).get("legcare") or {}


class ActionEmergencyDetails(Action):
    def name(self) -> Text:
        return "action_emergency_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = get_engine().kb
        dispatcher.utter_message(text=answers.emergency_details(kb, _legcare(tracker).get("red_flags") or []))
        return []


class ActionExplainCauses(Action):
    def name(self) -> Text:
        return "action_explain_causes"

    async def run(self, dispatcher, tracker, domain):
        engine = get_engine()
        latest = _legcare(tracker)
        causes = None
        if latest.get("symptoms"):
            causes = engine.assess(tracker.latest_message.get("text"))["causes"]
        dispatcher.utter_message(text=answers.causes_overview(engine.kb, causes))
        return []


class ActionListExercises(Action):
    def name(self) -> Text:
        return "action_list_exercises"

    async def run(self, dispatcher, tracker, domain):
        kb = get_engine().kb
        ex = answers.find_exercise(kb, tracker.latest_message.get("text") or "")
        text = answers.exercise_detail(kb, ex) if ex else answers.exercises_overview(kb)
        dispatcher.utter_message(text=text)
        return []


class ActionSelfCare(Action):
    def name(self) -> Text:
        return "action_self_care"

    async def run(self, dispatcher, tracker, domain):
        kb = get_engine().kb
        dispatcher.utter_message(text=answers.self_care_overview(kb))
        return []


class ActionWhenToSeeDoctor(Action):
    def name(self) -> Text:
        return "action_when_to_see_doctor"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=answers.when_to_see_doctor(get_engine().kb))
        return []
