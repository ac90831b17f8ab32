"""Keeps the findings slots up to date from every user message, inside the Rasa server.

After each user message the conversation's findings (symptoms, negated,
side, onset, duration_days, risk_factors) are updated from what the engine
read in it (`legcare.interview.findings_updates`): findings accumulate, a
negation removes an earlier finding, a short answer fills the question being
asked, a correction replaces the side.

Doing this here rather than in a custom slot-mapping action on the action
server saves a round trip per message (Rasa sends the whole conversation
each time) and keeps the findings when the action server is down. It is a
policy because Rasa gives policies a documented way to add events to the
conversation: `PolicyPrediction.events` are applied whichever policy's
action wins, before that action runs, so the interview form and its
validation see the updated slots. This policy never predicts an action (all
its probabilities are 0) and adds its events only at the first prediction
after a user message.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from legcare.engine import get_engine
from legcare.interview import FINDING_SLOTS, findings_updates

EXTRACT_SLOTS = "action_extract_slots"


def first_prediction_after(tracker: DialogueStateTracker) -> Optional[UserUttered]:
    """The latest user message, if no action other than slot extraction has run since it."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return event
        if isinstance(event, ActionExecuted) and event.action_name != EXTRACT_SLOTS:
            return None
    return None


def slot_events(tracker: DialogueStateTracker) -> List[SlotSet]:
    message = first_prediction_after(tracker)
    if message is None or not message.text:
        return []
    parse = message.parse_data or {}
    if any(name not in tracker.slots for name in FINDING_SLOTS):
        return []  # a domain without the findings slots (not this assistant's)
    slots = {name: tracker.get_slot(name) for name in FINDING_SLOTS}
    intent = (message.intent or {}).get("name")
    updates = findings_updates(get_engine(), slots, message.text, intent, parse.get("legcare"),
                               tracker.get_slot("requested_slot"))
    return [SlotSet(name, value) for name, value in updates.items()]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class FindingsPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 0}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        return self._prediction(self._default_predictions(domain), events=slot_events(tracker))
