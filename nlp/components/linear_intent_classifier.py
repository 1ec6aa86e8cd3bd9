"""Intent classifier: logistic regression over weighted feature groups.

Evaluated against DIET on the held-out file (docs/nlu-evaluation.md), a
regularised linear model over
- Rasa's word and character n-gram counts (CountVectorsFeaturizer), turned
  into sublinear TF-IDF per group, and
- the all-MiniLM-L6-v2 sentence embedding (SentenceEmbeddingFeaturizer),
  weighted up so meaning counts as much as wording,
generalises far better to how patients write than DIET on the same features
(DIET fits the ~1,800 training sentences perfectly and then trusts single
words: "peeling" pulls towards chemical peels). It also trains in seconds.

Feature groups are named by the featurizers' `alias`, with their weight:
    feature_groups: {words: 1.0, chars: 1.0, sentence_embedding: 2.5}
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlp.components.feature_groups import FeatureGroups

logger = logging.getLogger(__name__)
MODEL_FILE = "linear_intent_classifier.joblib"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Predicts the intent and a ranking from TF-IDF n-grams and embeddings."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "feature_groups": {"words": 1.0, "chars": 1.0, "sentence_embedding": 2.5},
            "C": 10.0,  # inverse regularisation strength, chosen by the harness
            # "balanced" gained in-scope accuracy but answered an out-of-scope
            # question as a topic (docs/nlu-evaluation.md): not worth it.
            "class_weight": None,
            "max_iter": 4000,
            "random_state": 42,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        fitted: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._groups: Dict[str, float] = dict(config["feature_groups"])
        fitted = fitted or {}
        self._features = FeatureGroups(self._groups, fitted)
        self._clf: Optional[LogisticRegression] = fitted.get("clf")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                fitted = joblib.load(directory / MODEL_FILE)
        except ValueError:  # trained without intent examples
            fitted = None
        return cls(config, model_storage, resource, fitted)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if not examples:
            logger.debug("no intent examples: nothing to train")
            return self._resource
        X, _ = self._features.matrix(examples, fit=True)
        y = [m.get(INTENT) for m in examples]
        self._clf = LogisticRegression(
            C=self._config["C"],
            class_weight=self._config["class_weight"],
            max_iter=self._config["max_iter"],
            random_state=self._config["random_state"],
        ).fit(X, y)
        with self._storage.write_to(self._resource) as directory:
            joblib.dump({**self._features.fitted(), "clf": self._clf}, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._clf is None:
            return messages
        X, evidence = self._features.matrix(messages)
        probabilities = self._clf.predict_proba(X)
        labels = self._clf.classes_
        for message, row, known in zip(messages, probabilities, evidence):
            order = np.argsort(-row)[: self._config["ranking_length"]]
            scale = 1.0 if known else 0.0
            ranking = [
                {INTENT_NAME_KEY: str(labels[i]), "confidence": float(row[i]) * scale}
                for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
