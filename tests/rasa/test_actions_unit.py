"""Custom actions with rasa_sdk's CollectingDispatcher and real Tracker objects."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as A


def make_tracker(text="", legcare=None, intent="describe_symptoms", slots=None, events=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    if legcare is not None:
        latest["legcare"] = legcare
    return Tracker(sender_id="unit", slots=slots or {}, latest_message=latest, events=events or [],
                   paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")


def run(action, tracker):
    d = CollectingDispatcher()
    events = asyncio.run(action.run(d, tracker, {}))
    return d.messages, events


def test_emergency_details_gives_the_reasons_and_sources(engine):
    text = "my face droops and my speech is slurred"
    legcare = engine.assess(text)
    msgs, events = run(A.ActionEmergencyDetails(), make_tracker(text, legcare, "emergency"))
    body = msgs[0]["text"]
    assert "Why I'm worried" in body and "stroke" in body
    assert "Source:" in body and events == []


def test_causes_without_symptoms_gives_an_overview():
    msgs, _ = run(A.ActionExplainCauses(), make_tracker("what causes leg weakness?", {}, "ask_causes"))
    assert "main groups" in msgs[0]["text"] and "Source:" in msgs[0]["text"]


def test_causes_with_symptoms_names_possible_causes_with_why(engine):
    text = "what causes this? my calves cramp when I walk, I smoke"
    msgs, _ = run(A.ActionExplainCauses(), make_tracker(text, engine.assess(text), "ask_causes"))
    body = msgs[0]["text"]
    assert "Peripheral artery disease" in body and "Why it came up" in body
    assert "not a diagnosis" in body


def test_exercise_list_and_one_exercise_step_by_step():
    msgs, _ = run(A.ActionListExercises(), make_tracker("what exercises can I do?", {}, "ask_exercises"))
    assert "Seated leg raise" in msgs[0]["text"] and "Safety" in msgs[0]["text"]
    msgs, _ = run(A.ActionListExercises(), make_tracker("how do I do the seated leg raise?", {}, "ask_exercises"))
    body = msgs[0]["text"]
    assert "1. Sit in a firm chair" in body and "How many:" in body and "Safety:" in body


def test_self_care_says_who_should_check_first():
    msgs, _ = run(A.ActionSelfCare(), make_tracker("what can I do at home", {}, "ask_self_care"))
    assert "Check with a doctor first if" in msgs[0]["text"]


def test_when_to_see_doctor_uses_the_emergency_number(monkeypatch):
    monkeypatch.setenv("EMERGENCY_NUMBER", "999")
    msgs, _ = run(A.ActionWhenToSeeDoctor(), make_tracker("when should I see a doctor", {}, "ask_when_to_see_doctor"))
    assert msgs[0]["text"].startswith("Call 999 straight away")
