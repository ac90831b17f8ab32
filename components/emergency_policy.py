"""A dialogue policy that puts the emergency reply before everything, forms included.

Rasa lets an active form run first and applies rules to it only when the form
rejects the message; a message such as "my face is drooping and my LEFT arm is
weak" during the interview also answers the side question, so the form would
carry on. This policy outranks the form (it predicts in Rasa's "no user
prediction" class, like a form's happy path, with priority 7 above
RulePolicy's 6):
when the latest message's intent is `emergency` (set only by the engine), or
when it answers the emergency screen (utter_screen) with any wording of yes
or "not sure" (legcare.screen.answer_kind), the turn is: utter_emergency,
then action_deactivate_loop if a form is active, then
action_emergency_details, then listen. It needs no training and runs in the
Rasa server, so it works with the action server down.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

EMERGENCY_INTENT = "emergency"
REPLY, DEACTIVATE, DETAILS, LISTEN = ("utter_emergency", "action_deactivate_loop", "action_emergency_details",
                                      "action_listen")
SCREEN = "utter_screen"
IGNORED = {"action_extract_slots", LISTEN}


def screen_exchange(tracker: DialogueStateTracker, user: UserUttered) -> Optional[Tuple[Text, Text]]:
    """(the message that raised the screen, the reply) when `user` replies to the emergency screen."""
    asked, before_user = False, False
    for event in reversed(tracker.events):
        if event is user:
            before_user = True  # look only at what came before the reply
            continue
        if not before_user:
            continue
        if isinstance(event, ActionExecuted) and event.action_name not in IGNORED:
            if event.action_name != SCREEN or asked:
                return None
            asked = True
        elif isinstance(event, UserUttered):
            return (event.text or "", user.text or "") if asked else None
    return None


@lru_cache(maxsize=256)
def _answer(first: Text, reply: Text) -> Dict[Text, Any]:
    """The screen's outcome for one exchange (Rasa predicts several times a turn: read it once)."""
    from legcare.engine import get_engine
    from legcare.screen import answer_screen

    return answer_screen(get_engine(), first, reply)


def screen_outcome(tracker: DialogueStateTracker) -> Optional[Dict[Text, Any]]:
    """legcare.screen.answer_screen for the latest message, when it replies to the screen."""
    from legcare.engine import get_engine

    user = tracker.latest_message
    exchange = screen_exchange(tracker, user) if isinstance(user, UserUttered) else None
    if exchange is None or get_engine().kb.screen is None:
        return None
    return _answer(*exchange)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class EmergencyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    @staticmethod
    def next_action(tracker: DialogueStateTracker) -> Optional[Text]:
        done: List[Text] = []
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                user = event
                break
            if isinstance(event, ActionExecuted) and event.action_name not in IGNORED:
                done.insert(0, event.action_name)
        else:
            return None
        if (user.intent or {}).get("name") != EMERGENCY_INTENT and \
                (screen_outcome(tracker) or {}).get("level") != "emergency":
            return None
        if not done:
            return REPLY
        if done[-1] == REPLY:
            return DEACTIVATE if tracker.active_loop_name else DETAILS
        if done[-1] == DEACTIVATE:
            return DETAILS
        if done[-1] == DETAILS:
            return LISTEN
        return None

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.next_action(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # Rasa lets "no user" predictions (an active form's happy path) overrule all
        # others; competing in that class, this policy's higher priority wins
        return self._prediction(probabilities, is_no_user_prediction=True)
