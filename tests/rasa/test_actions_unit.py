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
    assert "Source:" in body and events == [{"event": "slot", "timestamp": None, "name": "triage_level", "value": "emergency"}]


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


import yaml  # noqa: E402

from ops.settings import ROOT  # noqa: E402

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def form_tracker(slots, text, intent, legcare=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    if legcare is not None:
        latest["legcare"] = legcare
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text, "parse_data": latest}]
    return Tracker("unit", slots, latest, events, False, None, {"name": "triage_form"}, "action_listen")


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_form_records_a_no_answer_as_negated():
    slots = {"symptoms": ["leg_weakness"], "side": "both", "onset": "gradual", "duration_days": 30.0,
             "requested_slot": "followup_1", "followup_1_target": "numbness"}
    d = CollectingDispatcher()
    ev = slot_events(asyncio.run(A.ValidateTriageForm().run(d, form_tracker(slots, "no", "deny"), DOMAIN)))
    assert ev["followup_1"] == "no" and ev["negated"] == ["numbness"] and d.messages == []


def test_form_yes_that_completes_a_red_flag_escalates_and_ends():
    slots = {"symptoms": ["leg_weakness", "back_pain"], "side": "both", "onset": "gradual", "duration_days": 90.0,
             "requested_slot": "followup_1", "followup_1_target": "saddle_numbness"}
    d = CollectingDispatcher()
    ev = slot_events(asyncio.run(A.ValidateTriageForm().run(d, form_tracker(slots, "yes", "affirm"), DOMAIN)))
    assert d.messages[0]["response"] == "utter_emergency"
    assert [f["id"] for f in d.messages[0]["red_flags"]] == ["saddle_numbness"]
    assert ev["emergency_seen"] is True and ev["requested_slot"] is None  # the interview ends


def test_ask_actions_use_the_knowledge_questions_and_buttons(kb):
    d = CollectingDispatcher()
    asyncio.run(A.ActionAskOnset().run(d, make_tracker(), DOMAIN))
    assert d.messages[0]["text"] == kb.questions["onset"]["text"]
    assert [b["title"] for b in d.messages[0]["buttons"]] == ["Suddenly", "Gradually", "Not sure"]
    d = CollectingDispatcher()
    slots = {"symptoms": ["leg_weakness", "back_pain"], "side": "both"}
    ev = asyncio.run(A.ActionAskFollowup1().run(d, form_tracker(slots, "", "describe_symptoms"), DOMAIN))
    target = slot_events(ev)["followup_1_target"]
    assert d.messages[0]["text"] == kb.symptoms[target].ask
    assert [b["payload"] for b in d.messages[0]["buttons"]] == ["/affirm", "/deny", "/dont_know"]


def test_summary_payload_and_slots():
    slots = {"symptoms": ["leg_weakness", "numbness", "burning_sensation"], "side": "both", "onset": "gradual",
             "duration_days": 120.0, "risk_factors": ["diabetes"]}
    d = CollectingDispatcher()
    ev = slot_events(asyncio.run(A.ActionTriageSummary().run(d, form_tracker(slots, "none", "deny"), DOMAIN)))
    msg = d.messages[0]
    assert msg["text"].startswith("Here's my summary. Suggested care: See a doctor")
    triage = msg["custom"]["triage"]
    assert triage["level"] == "routine" and triage["causes"][0]["id"] in ("peripheral_neuropathy", "diabetes")
    assert ev["triage_level"] == "routine" and ev["causes"][0] == triage["causes"][0]["id"]
    assert ev["followup_1"] is None  # ready for another interview


def test_condition_info_by_alias_and_from_the_last_summary():
    d = CollectingDispatcher()
    asyncio.run(A.ActionConditionInfo().run(d, make_tracker("what is a TIA?", {}, "ask_condition_info"), DOMAIN))
    assert d.messages[0]["text"].startswith("Transient ischaemic attack")
    d = CollectingDispatcher()
    t = make_tracker("tell me more about that", {}, "ask_condition_info", slots={"causes": ["sciatica"]})
    asyncio.run(A.ActionConditionInfo().run(d, t, DOMAIN))
    assert d.messages[0]["text"].startswith("Sciatica")
