"""Runs the triage engine on every message inside the Rasa server.

Adds the findings as entities (symptom, negated_symptom, side, onset,
duration, risk_factor, red_flag) and as ``legcare`` in the parse data, and
makes the engine the only judge of emergencies: a red flag sets the intent
``emergency`` with confidence 1.0; a message the engine wants screened first
(knowledge/screen.yml) sets ``emergency_screen`` unless it is small talk; a classifier guess of either without the engine's word is
replaced by the next best intent. Place it last in the pipeline.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from legcare.engine import get_engine

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "emergency"
SCREEN_INTENT = "emergency_screen"
# small talk never gets the screen; anything else does when the engine asks for it
# (the engine itself tells a general question from a report)
NOT_SCREENED = {"greet", "goodbye", "thank", "bot_challenge", "called_for_help"}
# a question ("what exercises help my weak knees?") is screened for a strong reason only, not merely
# because weakness of unknown speed or an unclear body word came up in it
QUESTIONS = {"ask_causes", "ask_exercises", "ask_self_care", "ask_when_to_see_doctor", "ask_condition_info",
             "ask_why"}
WEAK_REASONS = {"weakness_unknown_onset", "not_understood"}
SYMPTOM_INTENT = "describe_symptoms"
FALLBACK_INTENT = "nlu_fallback"
EXTRACTOR = "LegcareExtractor"


def _entity(name: str, value: Any, start: int = 0, end: int = 0) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": start, "end": end,
            "confidence_entity": 1.0, "extractor": EXTRACTOR}


def findings_entities(result: Dict[str, Any], text: str) -> List[Dict[str, Any]]:
    """Entities for the engine's findings, placed on the words that gave them."""
    spans = result.get("spans", {})
    out: List[Dict[str, Any]] = []
    for sid in result["symptoms"]:
        start, end = (spans.get(sid) or [(0, len(text))])[0]
        out.append(_entity("symptom", sid, start, end))
    for sid in result["negated"]:
        out.append(_entity("negated_symptom", sid, 0, len(text)))
    for key in ("side", "onset"):
        if result[key]:
            out.append(_entity(key, result[key], 0, len(text)))
    if result["duration"]:
        out.append(_entity("duration", str(result["duration"]["days"]), 0, len(text)))
    for rid in result["risk_factors"]:
        out.append(_entity("risk_factor", rid, 0, len(text)))
    for flag in result["red_flags"]:
        out.append(_entity("red_flag", flag["id"], 0, len(text)))
    return out


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LegcareExtractor(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"symptom_intent_confidence": 0.9}

    def __init__(self, config: Dict[str, Any]):
        self.symptom_confidence = float(config.get("symptom_intent_confidence", 0.9))
        self.engine = get_engine()

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LegcareExtractor":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        findings = self.engine.extract(text)
        result = self.engine.assess_findings(findings, text)
        result["spans"] = findings.spans
        message.set(ENTITIES, list(message.get(ENTITIES, [])) + findings_entities(result, text), add_to_output=True)
        summary = {k: result[k] for k in ("symptoms", "negated", "side", "onset", "duration", "risk_factors",
                                          "red_flags", "triage", "context", "negated_risk_factors", "age",
                                          "conditions_mentioned", "screen", "language", "timeline", "detector")}
        message.set("legcare", summary, add_to_output=True)
        self._decide_intent(message, result)

    @staticmethod
    def _screen_first(screen: Dict[str, Any], intent: Any, language: Any = None) -> bool:
        if not screen.get("needed"):
            return False
        # the intent classifier reads English: its guess of small talk for words in another language
        # ("hirtelen nem érzem a bal lábam") is no reason to skip the screen
        if intent in NOT_SCREENED and language != "other":
            return False
        return intent not in QUESTIONS or not set(screen.get("rules") or []) <= WEAK_REASONS

    def _decide_intent(self, message: Message, result: Dict[str, Any]) -> None:
        intent = message.get(INTENT) or {}
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        name = intent.get(INTENT_NAME_KEY)
        if result["triage"]["level"] == "emergency":
            new = {INTENT_NAME_KEY: EMERGENCY_INTENT, "confidence": 1.0}
        elif self._screen_first(result.get("screen") or {}, name, result.get("language")):
            new = {INTENT_NAME_KEY: SCREEN_INTENT, "confidence": 1.0}
        elif name in (EMERGENCY_INTENT, SCREEN_INTENT):
            # the classifier alone never raises an emergency
            others = [r for r in ranking
                      if r.get(INTENT_NAME_KEY) not in (EMERGENCY_INTENT, SCREEN_INTENT, FALLBACK_INTENT)]
            if result["symptoms"]:
                new = {INTENT_NAME_KEY: SYMPTOM_INTENT, "confidence": self.symptom_confidence}
            elif others:
                new = dict(others[0])
            else:
                new = {INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": 1.0}
        elif name == FALLBACK_INTENT and result["symptoms"]:
            new = {INTENT_NAME_KEY: SYMPTOM_INTENT, "confidence": self.symptom_confidence}
        else:
            return
        ranking = [new] + [r for r in ranking if r.get(INTENT_NAME_KEY) != new[INTENT_NAME_KEY]]
        message.set(INTENT, new, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        logger.debug("legcare intent decision: %s", new[INTENT_NAME_KEY])
