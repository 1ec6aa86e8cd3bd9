"""Putting an intent first in a parse: the one way the project's gates and the
complication detector overrule the classifier, keeping its ranking below."""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def put_first(message: Message, name: str, confidence: float = 1.0) -> None:
    """Makes `name` the message's intent, ahead of the rest of the ranking."""
    chosen = {INTENT_NAME_KEY: name, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
