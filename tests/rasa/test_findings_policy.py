"""The findings slots follow each user message inside the Rasa server (components/findings_policy.py)."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.findings_policy import FindingsPolicy
from ops.settings import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    return FindingsPolicy.create(FindingsPolicy.get_default_config(), storage, Resource("findings"),
                                 ExecutionContext(GraphSchema({}), "test"))


def tracker_after(engine, text, intent="describe_symptoms", slots=None, with_nlu=True, domain=DOMAIN):
    events = [ActionExecuted("action_listen")]
    events += [SlotSet(k, v) for k, v in (slots or {}).items()]
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
    if with_nlu:
        parse["legcare"] = engine.assess(text)
    events += [UserUttered(text, parse["intent"], parse_data=parse), ActionExecuted("action_extract_slots")]
    return DialogueStateTracker.from_events("unit", events, slots=domain.slots)


def updates(policy, tracker, domain=DOMAIN):
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert max(prediction.probabilities) == 0.0  # it never chooses an action
    return {e.key: e.value for e in prediction.events}


def test_first_message_fills_the_findings(policy, engine):
    got = updates(policy, tracker_after(engine, "my left leg has been weak for a week and I have diabetes"))
    assert got == {"symptoms": ["leg_weakness"], "side": "left", "duration_days": 7.0,
                   "risk_factors": ["diabetes"]}


def test_findings_accumulate_and_a_negation_removes_an_earlier_one(policy, engine):
    slots = {"symptoms": ["leg_weakness", "numbness"], "side": "left"}
    got = updates(policy, tracker_after(engine, "actually no numbness, but my back hurts", "inform", slots))
    assert got["symptoms"] == ["leg_weakness", "back_pain"] and got["negated"] == ["numbness"]
    assert "side" not in got  # unchanged slots are not set again


def test_short_answers_fill_the_question_being_asked(policy, engine):
    base = {"symptoms": ["leg_weakness"]}
    assert updates(policy, tracker_after(engine, "the left one", "inform",
                                         dict(base, requested_slot="side")))["side"] == "left"
    assert updates(policy, tracker_after(engine, "about two weeks", "inform",
                                         dict(base, requested_slot="duration_days")))["duration_days"] == 14
    assert updates(policy, tracker_after(engine, "slowly", "inform",
                                         dict(base, requested_slot="onset")))["onset"] == "gradual"
    assert updates(policy, tracker_after(engine, "I don't know", "dont_know",
                                         dict(base, requested_slot="onset")))["onset"] == "unknown"
    # the same words when nothing is being asked fill nothing
    assert "onset" not in updates(policy, tracker_after(engine, "I don't know", "dont_know", base))


def test_a_correction_replaces_the_side(policy, engine):
    got = updates(policy, tracker_after(engine, "actually it's the right leg", "inform",
                                        {"symptoms": ["leg_weakness"], "side": "left"}))
    assert got["side"] == "right"


def test_only_the_first_prediction_after_a_message_sets_slots(policy, engine):
    tracker = tracker_after(engine, "my legs feel weak")
    assert updates(policy, tracker)
    tracker.update(SlotSet("symptoms", ["leg_weakness"]))
    tracker.update(ActionExecuted("triage_form"))
    assert updates(policy, tracker) == {}


def test_without_the_nlu_component_the_engine_reads_the_text(policy, engine):
    got = updates(policy, tracker_after(engine, "my legs feel weak", with_nlu=False))
    assert got["symptoms"] == ["leg_weakness"]
    assert updates(policy, tracker_after(engine, "/affirm", "affirm", with_nlu=False)) == {}


def test_a_domain_without_findings_slots_gets_no_events(policy, engine):
    other = Domain.from_yaml('version: "3.1"\nintents: [greet]\n')
    assert updates(policy, tracker_after(engine, "my legs feel weak", domain=other), other) == {}
