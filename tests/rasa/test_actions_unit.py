"""Custom actions with rasa_sdk's CollectingDispatcher and real Tracker objects."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as A
from legcare.interview import question_for


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
    assert ev["followup_1"] == "no" and ev["negated"] == ["numbness"]
    # no warning, only the next question (about another symptom)
    assert len(d.messages) == 1 and d.messages[0].get("response") is None
    assert ev["followup_2_target"] != "numbness" and d.messages[0]["buttons"]


def test_form_yes_that_completes_a_red_flag_escalates_and_ends():
    slots = {"symptoms": ["leg_weakness", "back_pain"], "side": "both", "onset": "gradual", "duration_days": 90.0,
             "requested_slot": "followup_1", "followup_1_target": "saddle_numbness"}
    d = CollectingDispatcher()
    ev = slot_events(asyncio.run(A.ValidateTriageForm().run(d, form_tracker(slots, "yes", "affirm"), DOMAIN)))
    assert d.messages[0]["response"] == "utter_emergency"
    assert [f["id"] for f in d.messages[0]["red_flags"]] == ["saddle_numbness"]
    assert ev["emergency_seen"] is True and ev["requested_slot"] is None  # the interview ends


def run_form(slots, text, intent):
    d = CollectingDispatcher()
    events = asyncio.run(A.ValidateTriageForm().run(d, form_tracker(slots, text, intent, {}), DOMAIN))
    return d.messages, slot_events(events)


def test_form_asks_its_next_question_from_the_knowledge(kb):
    """The form's validation asks the next question itself, worded and buttoned as in knowledge/."""
    msgs, ev = run_form({"symptoms": ["leg_weakness"], "requested_slot": "side"}, "both", "inform")
    assert msgs[0]["text"] == kb.questions["onset"]["text"]  # onset is the first slot still missing
    assert [b["payload"] for b in msgs[0]["buttons"]] == [b["payload"] for b in kb.questions["onset"]["buttons"]]
    assert not any(k.endswith("_target") for k in ev)


def test_form_chooses_and_asks_the_next_yes_no_question(kb):
    # duration_days was just filled from "about a month" (components/findings_policy.py)
    slots = {"symptoms": ["leg_weakness", "back_pain"], "side": "both", "onset": "gradual",
             "duration_days": 30.0, "requested_slot": "duration_days"}
    msgs, ev = run_form(slots, "about a month", "inform")
    target = ev["followup_1_target"]
    assert target in kb.symptoms and target not in slots["symptoms"]
    assert msgs[-1]["text"] == kb.symptoms[target].ask
    assert [b["payload"] for b in msgs[-1]["buttons"]] == ["/affirm", "/deny", "/dont_know"]


def test_form_asks_about_the_relevant_risk_factors_last(engine, kb):
    slots = {"symptoms": ["leg_weakness", "calf_pain_walking"], "side": "both", "onset": "gradual",
             "duration_days": 60.0, "followup_1": "no", "followup_1_target": "numbness", "followup_2": "no",
             "followup_2_target": "back_pain", "followup_3": "unsure", "followup_3_target": "foot_drop",
             "requested_slot": "followup_3"}
    msgs, ev = run_form(slots, "not sure", "dont_know")
    expected = question_for(engine, "risk_check", slots)["text"]
    assert "{risks}" not in expected and msgs[-1]["text"] == expected
    assert any(rf.name in expected for rf in kb.risk_factors.values())


def test_a_finished_form_asks_nothing():
    slots = {"symptoms": ["leg_weakness"], "side": "both", "onset": "gradual", "duration_days": 60.0,
             "followup_1": "no", "followup_1_target": "numbness", "followup_2": "no", "followup_2_target": "back_pain",
             "followup_3": "no", "followup_3_target": "foot_drop", "risk_check": "none", "requested_slot": "risk_check"}
    msgs, _ = run_form(slots, "none", "deny")
    assert msgs == []


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
