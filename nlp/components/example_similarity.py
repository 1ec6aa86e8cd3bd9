"""How close a message is to each intent's training examples, as features.

For every intent, the mean cosine similarity of the message's sentence
embedding to its `k` nearest training examples of that intent: an
example-similarity classifier's evidence (a paraphrase of one training
sentence scores high for its intent even when its words are new), handed to
the linear intent classifier beside the n-grams and the embedding.

During training each example is compared with the others only (leave one
out), so the classifier learns how much a near neighbour is worth for a
message it has not seen.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MODEL_FILE = "example_similarity.joblib"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class ExampleSimilarityFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one feature per intent: similarity to its nearest training examples."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "embedding_alias": "sentence_embedding",
            "k": 3,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        execution_context: ExecutionContext,
        model_storage: ModelStorage,
        resource: Resource,
        fitted: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._storage = model_storage
        self._resource = resource
        fitted = fitted or {}
        self._vectors: np.ndarray = fitted.get("vectors", np.zeros((0, 0), dtype=np.float32))
        self._labels: np.ndarray = fitted.get("labels", np.array([]))
        self._intents: List[str] = fitted.get("intents", [])

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Any `k` of 1 or more and the alias of an earlier sentence-embedding featurizer."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ExampleSimilarityFeaturizer:
        return cls(config, execution_context, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ExampleSimilarityFeaturizer:
        try:
            with model_storage.read_from(resource) as directory:
                fitted = joblib.load(directory / MODEL_FILE)
        except ValueError:
            fitted = None
        return cls(config, execution_context, model_storage, resource, fitted)

    def _embedding(self, message: Message) -> Optional[np.ndarray]:
        _, dense = message.get_dense_features(TEXT, [self._config["embedding_alias"]])
        return None if dense is None else np.asarray(dense.features, dtype=np.float32).reshape(-1)

    def _scores(self, similarities: np.ndarray) -> np.ndarray:
        """(messages x examples) similarities -> (messages x intents) mean of the top k."""
        k = self._config["k"]
        out = np.zeros((similarities.shape[0], len(self._intents)), dtype=np.float32)
        for j, intent in enumerate(self._intents):
            columns = similarities[:, self._labels == intent]
            top = (
                np.sort(columns, axis=1)[:, -k:]
                if columns.shape[1]
                else np.zeros((len(columns), 1))
            )
            out[:, j] = np.where(np.isfinite(top), top, 0.0).mean(axis=1)
        return out

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        vectors = [self._embedding(m) for m in examples]
        kept = [(v, m.get(INTENT)) for v, m in zip(vectors, examples) if v is not None]
        self._vectors = (
            np.stack([v for v, _ in kept]) if kept else np.zeros((0, 0), dtype=np.float32)
        )
        self._labels = np.array([label for _, label in kept])
        self._intents = sorted(set(self._labels))
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(
                {"vectors": self._vectors, "labels": self._labels, "intents": self._intents},
                directory / MODEL_FILE,
            )
        return self._resource

    def _add(self, messages: List[Message], leave_one_out: bool) -> None:
        if not len(self._intents):
            return
        with_vectors = [(m, self._embedding(m)) for m in messages]
        with_vectors = [(m, v) for m, v in with_vectors if v is not None]
        if not with_vectors:
            return
        matrix = np.stack([v for _, v in with_vectors])
        similarities = matrix @ self._vectors.T
        if leave_one_out:  # each training example against the others only
            similarities[similarities > 0.9999] = -np.inf
        for (message, _), row in zip(with_vectors, self._scores(similarities)):
            self.add_features_to_message(
                sequence=None, sentence=row.reshape(1, -1), attribute=TEXT, message=message
            )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._add(training_data.training_examples, leave_one_out=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._add(messages, leave_one_out=False)
        return messages
