"""First NLU step: clean the text every channel sends before anything reads it.

Unicode is normalised (NFKC), control and invisible characters are removed,
quotes are unified, and very long text is cut for the classifier (the engine
reads the same cleaned text). The tracker keeps what the person wrote.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from legcare.extract import MAX_CHARS, normalize_text


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MessageGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"max_chars": MAX_CHARS}

    def __init__(self, config: Dict[str, Any]):
        self.max_chars = int(config.get("max_chars", MAX_CHARS))

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MessageGuard":
        return cls(config)

    def _clean(self, message: Message) -> None:
        text: Optional[str] = message.get(TEXT)
        if text is None:
            return
        cleaned = normalize_text(text)[: self.max_chars]
        if cleaned != text:
            message.set(TEXT, cleaned)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._clean(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._clean(message)
        return training_data
