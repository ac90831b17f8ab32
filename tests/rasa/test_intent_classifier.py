"""The one-step intent classifier: trains, persists without pickle, reloads to the same answers."""
import json

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.intent_classifier import LegcareIntentClassifier

EXAMPLES = {
    "greet": ["hello", "hi there", "good morning", "hey", "hello, good evening"],
    "ask_exercises": ["what exercises can I do", "which exercises help my legs", "show me some exercises",
                      "exercises to strengthen my legs", "any exercise ideas"],
    "thank": ["thanks", "thank you so much", "cheers, thanks", "many thanks", "thank you"],
}
CONTEXT = ExecutionContext(GraphSchema({}), "test")


def training_data(examples=EXAMPLES):
    return TrainingData([Message.build(text=t, intent=i) for i, texts in examples.items() for t in texts])


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def classify(component, *texts):
    return component.process([Message.build(text=t) for t in texts])


def test_trains_ranks_and_reloads_to_the_same_answers(storage):
    resource = Resource("intents")
    trained = LegcareIntentClassifier.create({}, storage, resource, CONTEXT)
    trained.train(training_data())
    texts = ["hello there", "what exercise should I do", "thank you very much", "", "🦵 ??"]
    before = classify(trained, *texts)
    assert [m.get("intent")["name"] for m in before[:3]] == ["greet", "ask_exercises", "thank"]
    ranking = before[1].get("intent_ranking")
    assert [r["name"] for r in ranking][0] == "ask_exercises" and len(ranking) == 3
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
    assert all(m.get("intent")["name"] in EXAMPLES for m in before[3:])  # empty or odd text still gets an answer

    loaded = LegcareIntentClassifier.load({}, storage, resource, CONTEXT)
    after = classify(loaded, *texts)
    for a, b in zip(before, after):
        assert a.get("intent")["name"] == b.get("intent")["name"]
        assert np.isclose(a.get("intent")["confidence"], b.get("intent")["confidence"])

    with storage.read_from(resource) as directory:  # stored as JSON and plain arrays, never pickle
        assert sorted(p.name for p in directory.iterdir()) == ["vocabularies.json", "weights.npz"]
        assert json.loads((directory / "vocabularies.json").read_text())["classes"] == sorted(EXAMPLES)
        np.load(directory / "weights.npz", allow_pickle=False)["coef"]


def test_without_enough_intents_or_a_model_messages_pass_unchanged(storage, caplog):
    lonely = LegcareIntentClassifier.create({}, storage, Resource("one"), CONTEXT)
    lonely.train(training_data({"greet": ["hi", "hello"]}))
    assert "at least two intents" in caplog.text
    assert classify(lonely, "hello")[0].get("intent") is None
    missing = LegcareIntentClassifier.load({}, storage, Resource("never_trained"), CONTEXT)
    assert classify(missing, "hello")[0].get("intent") is None
