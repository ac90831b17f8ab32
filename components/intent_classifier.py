"""A light intent classifier: word and character n-grams into a logistic regression.

Chosen by measurement (bench/rasa_bench.py, README "Speed"): it does what
the pipeline WhitespaceTokenizer + LexicalSyntacticFeaturizer + two
CountVectorsFeaturizers + LogisticRegressionClassifier did, in one step, so
each message goes through one component instead of five, without Rasa's
sparse feature objects in between.

Features: counts of lowercased words and of character 2-4 grams inside word
boundaries (robust to typos and word endings), as the featurizers it
replaces counted them; the model is a multinomial logistic regression with
balanced class weights. (TF-IDF and word pairs scored no better in 5-fold
cross-validation on data/nlu.) It is
stored without pickle: vocabularies as JSON, numbers as a NumPy archive
(`allow_pickle=False`), so loading a model never runs code from it.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

TOKEN_PATTERN = r"(?u)\b\w[\w']*\b"


def _vectorizers(config: Dict[Text, Any]) -> List[CountVectorizer]:
    return [
        CountVectorizer(analyzer="word", ngram_range=tuple(config["word_ngrams"]), lowercase=True,
                        token_pattern=TOKEN_PATTERN),
        CountVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"]), lowercase=True),
    ]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LegcareIntentClassifier(IntentClassifier, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"word_ngrams": [1, 1], "char_ngrams": [2, 4], "C": 1.0, "max_iter": 1000, "random_state": 42,
                "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers: List[CountVectorizer] = []
        self.classes: List[Text] = []
        self.coef: Optional[np.ndarray] = None  # (features, classes)
        self.intercept: Optional[np.ndarray] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LegcareIntentClassifier":
        return cls(config, model_storage, resource)

    # training

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("LegcareIntentClassifier needs examples of at least two intents; it was not trained.")
            return self._resource
        texts = [e.get(TEXT) for e in examples]
        labels = [e.get(INTENT) for e in examples]
        self.vectorizers = _vectorizers(self.config)
        x = hstack([v.fit_transform(texts) for v in self.vectorizers]).tocsr()
        model = LogisticRegression(C=float(self.config["C"]), max_iter=int(self.config["max_iter"]),
                                   class_weight="balanced", random_state=self.config["random_state"],
                                   multi_class="multinomial", solver="lbfgs")
        model.fit(x, labels)
        self.classes = [str(c) for c in model.classes_]
        self.coef = np.ascontiguousarray(model.coef_.T)
        self.intercept = model.intercept_.copy()
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            vocabularies = [{term: int(i) for term, i in v.vocabulary_.items()} for v in self.vectorizers]
            (directory / "vocabularies.json").write_text(json.dumps({"classes": self.classes,
                                                                      "vocabularies": vocabularies}))
            np.savez(directory / "weights.npz", coef=self.coef, intercept=self.intercept)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LegcareIntentClassifier":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / "vocabularies.json").read_text())
                with np.load(directory / "weights.npz", allow_pickle=False) as weights:
                    component.coef = weights["coef"]
                    component.intercept = weights["intercept"]
        except (ValueError, FileNotFoundError):
            logger.warning("LegcareIntentClassifier has no trained model; messages will get no intent from it.")
            return component
        component.classes = meta["classes"]
        component.vectorizers = _vectorizers(component.config)
        for vectorizer, vocabulary in zip(component.vectorizers, meta["vocabularies"]):
            vectorizer.vocabulary_ = vocabulary
        return component

    # prediction

    def probabilities(self, texts: List[Text]) -> np.ndarray:
        x = hstack([v.transform(texts) for v in self.vectorizers]).tocsr()
        scores = np.asarray(x @ self.coef) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.coef is None or not messages:
            return messages
        probs = self.probabilities([m.get(TEXT) or "" for m in messages])
        limit = int(self.config["ranking_length"]) or len(self.classes)
        for message, row in zip(messages, probs):
            order = np.argsort(-row, kind="stable")[:limit]
            ranking = [{INTENT_NAME_KEY: self.classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
