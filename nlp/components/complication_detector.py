"""A recall-first detector of first-person reports of an unexpected reaction.

The red-flag gate's keywords catch "fever", "pus", "blisters"; patients
often tell a complication as a story instead ("I saw my skin, red and raw
and throbbing, and knew something was wrong"). The intent classifier learns
those stories too, but it weighs them against 26 other intents; this
detector answers one question, "is this a report of something going wrong
with the writer's skin?", over the same features (nlp/components/
feature_groups.py), with the classes balanced.

Its threshold is chosen at training time for recall: the highest threshold
that still catches `target_recall` of the urgent training examples when each
is scored by a model that did not see it (stratified cross-validation). A
message at or above it becomes `urgent_symptom`; the red-flag gate after it
then grades the urgency and sends conditions named before a treatment to
the contraindication answer. The probability and threshold are in the parse
output as `complication` for staff and the evaluation.
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
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from clinic.contract import Intent
from nlp.components.feature_groups import FeatureGroups
from nlp.components.intent_override import put_first

logger = logging.getLogger(__name__)
MODEL_FILE = "complication_detector.joblib"
COMPLICATION = "complication"


def recall_threshold(scores: np.ndarray, positive: np.ndarray, target_recall: float) -> float:
    """The highest threshold at which at least `target_recall` of the positives
    score at or above it."""
    ranked = np.sort(scores[positive])[::-1]
    if not len(ranked):
        return 1.0
    keep = max(1, int(np.ceil(target_recall * len(ranked))))
    return float(ranked[keep - 1])


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class ComplicationDetector(GraphComponent):
    """Marks first-person reports of an unexpected reaction as `urgent_symptom`."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "feature_groups": {"words": 1.0, "chars": 1.0, "sentence_embedding": 2.5},
            "urgent_intent": Intent.URGENT_SYMPTOM,
            "C": 10.0,
            "target_recall": 0.97,
            "folds": 5,
            "max_iter": 4000,
            "random_state": 42,
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
        fitted = fitted or {}
        self._features = FeatureGroups(config["feature_groups"], fitted)
        self._clf: Optional[LogisticRegression] = fitted.get("clf")
        self._threshold: float = fitted.get("threshold", 1.0)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ComplicationDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ComplicationDetector:
        try:
            with model_storage.read_from(resource) as directory:
                fitted = joblib.load(directory / MODEL_FILE)
        except ValueError:  # trained without intent examples
            fitted = None
        return cls(config, model_storage, resource, fitted)

    def _model(self) -> LogisticRegression:
        return LogisticRegression(
            C=self._config["C"], class_weight="balanced",
            max_iter=self._config["max_iter"], random_state=self._config["random_state"],
        )

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        y = np.array([m.get(INTENT) == self._config["urgent_intent"] for m in examples])
        if not y.any() or y.all():
            logger.debug("the detector needs urgent and other examples: not trained")
            return self._resource
        X, _ = self._features.matrix(examples, fit=True)
        folds = StratifiedKFold(
            self._config["folds"], shuffle=True, random_state=self._config["random_state"]
        )
        unseen = cross_val_predict(self._model(), X, y, cv=folds, method="predict_proba")[:, 1]
        self._threshold = recall_threshold(unseen, y, self._config["target_recall"])
        self._clf = self._model().fit(X, y)
        logger.info(
            "complication detector: threshold %.3f catches %.1f%% of unseen urgent examples, "
            "flags %.1f%% of the others",
            self._threshold,
            100 * (unseen[y] >= self._threshold).mean(),
            100 * (unseen[~y] >= self._threshold).mean(),
        )
        with self._storage.write_to(self._resource) as directory:
            joblib.dump({**self._features.fitted(), "clf": self._clf, "threshold": self._threshold},
                        directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._clf is None:
            return messages
        X, evidence = self._features.matrix(messages)
        probabilities = self._clf.predict_proba(X)[:, 1] * evidence
        urgent = self._config["urgent_intent"]
        for message, probability in zip(messages, probabilities):
            p = float(probability)
            message.set(
                COMPLICATION,
                {"probability": round(p, 4), "threshold": round(self._threshold, 4)},
                add_to_output=True,
            )
            if p < self._threshold or (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == urgent:
                continue
            put_first(message, urgent, p)
        return messages
