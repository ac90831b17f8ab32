"""The cached action-response validator accepts and rejects exactly what Rasa's own does."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from components import perf

perf.install()  # what the Rasa server's entry point does (through ops/rasa_patches.py)

GOOD = [{"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "hi", "buttons": []}]},
        {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "x"}]},
        {"events": [{"event": "slot", "name": "followup_2_target", "value": "back_pain", "timestamp": None},
                    {"event": "bot", "text": "hi", "data": {}, "metadata": {}, "timestamp": 1.5},
                    {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0},
                                                                   "entities": [{"entity": "e", "value": 1}]}},
                    {"event": "action", "name": "x", "policy": None, "confidence": 0.5}],
         "responses": [{"text": "Do you have back pain?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]},
        {}]
BAD = [{"events": "not a list"}, {"events": [{"event": "no_such_event"}]}, {"responses": "x"},
       {"events": [{"event": "slot"}]}, {"events": [{"event": "slot", "name": 3, "value": 1}]},
       {"events": [{"name": "a", "value": 1}]}, {"events": [{"event": 7}]}, {"events": ["slot"]},
       {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "noon"}]},
       {"events": [{"event": "user", "text": "hi", "parse_data": {"entities": [{"entity": "e"}]}}]},
       {"events": [{"event": "action", "name": "x", "confidence": "high"}]}, {"events": None}, []]


@pytest.mark.parametrize("result", GOOD + BAD)
def test_same_verdict_as_rasa(result):
    from jsonschema import validate
    action = RemoteAction("x", EndpointConfig("http://127.0.0.1:1"))
    try:
        validate(result, RemoteAction.action_response_format_spec())
        expected = None
    except ValidationError as e:
        expected = e.message
    if expected is None:
        assert action._validate_action_result(result) is True
    else:
        with pytest.raises(ValidationError) as err:
            action._validate_action_result(result)
        assert err.value.message.startswith(expected)
        assert "Failed to validate Action server response" in err.value.message


@pytest.mark.parametrize("result", GOOD)
def test_valid_responses_take_the_short_check(result):
    assert perf._valid_by_event_name(result) is True


@pytest.mark.parametrize("result", BAD)
def test_the_short_check_never_accepts_what_the_full_schema_rejects(result):
    assert perf._valid_by_event_name(result) is False


def test_patch_is_applied():
    assert RemoteAction._validate_action_result is perf._validate_action_result


def test_event_classes_are_resolved_as_rasa_does():
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses
    names = {cls.type_name for cls in all_subclasses(events.Event)}
    for name in names:
        assert events.Event.resolve_by_type(name) is perf._original_resolve_by_type(name)
    assert events.Event.resolve_by_type("no_such_event", default=events.SlotSet) is events.SlotSet
    assert events.Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        events.Event.resolve_by_type("no_such_event")

    class LateEvent(events.Event):  # an event class defined after the table was built
        type_name = "legcare_test_late_event"

        def __eq__(self, other):
            return isinstance(other, LateEvent)

        def as_story_string(self):
            return None
    assert events.Event.resolve_by_type("legcare_test_late_event") is LateEvent
