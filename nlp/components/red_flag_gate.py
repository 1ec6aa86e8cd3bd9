"""Deterministic safety gate after the classifier: red flags make a message urgent.

Placed last in the NLU pipeline (after the FallbackClassifier), it sets the
intent to `urgent_symptom` whenever `nlp.red_flags` finds a red-flag sign, so
the REST, web and SMS channels and the parse API all see an urgent message as
urgent even when the classifier did not. It never lowers an urgent prediction.
The signs found are added to the parse output as `red_flags` for staff.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlp.red_flags import find_red_flags

RED_FLAGS = "red_flags"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class RedFlagGate(GraphComponent):
    """Overrides the intent with the urgent intent when a red-flag sign is present."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"urgent_intent": "urgent_symptom"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._urgent = config["urgent_intent"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagGate:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            flags = find_red_flags(message.get(TEXT) or "")
            if not flags:
                continue
            message.set(RED_FLAGS, sorted({f.sign for f in flags}), add_to_output=True)
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == self._urgent:
                continue
            urgent = {INTENT_NAME_KEY: self._urgent, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self._urgent]
            message.set(INTENT, urgent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [urgent, *ranking], add_to_output=True)
        return messages
