"""Questions about another treatment are out of scope, whatever words they share.

"Is Morpheus 8 painful?", "How long do lips swell after fillers?", "Laser
resurfacing vs microdermabrasion, which is better?" share words with the
pain, side-effect and comparison answers; the page says nothing about those
treatments, so the honest reply is out_of_scope. The `treatment` entities come
from data/kb/terms.yml (TermEntityExtractor). After the classifier:

- a message naming another treatment and not microneedling (or a device name
  of it) becomes `out_of_scope`, unless it compares one other treatment with
  "it" ("is it safer than laser?" asks about microneedling) or tells the
  patient's own history with it ("a peel left me with dark patches");
- a message naming two other treatments and not microneedling ("laser
  resurfacing vs microdermabrasion") becomes `out_of_scope` whatever else.
Messages naming microneedling are left to the classifier ("can I get Botox
after microneedling?"). Urgent messages are never touched: a reaction after
a peel or a laser is the clinic's business (the red-flag gate runs after).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.contract import EntityType, Intent
from nlp.components.intent_override import put_first

TREATMENT = EntityType.TREATMENT
MICRONEEDLING = "microneedling"
COMPARISON = Intent.ASK_VS_OTHER_TREATMENTS
# Intents left alone: they are about the patient or the conversation, not a treatment.
KEPT = {Intent.URGENT_SYMPTOM, *Intent.MISSED, *Intent.SOCIAL, *Intent.CALLBACK}


def treatments(message: Message) -> Set[str]:
    return {
        str(e.get("value")) for e in message.get(ENTITIES) or [] if e.get("entity") == TREATMENT
    }


# "is it safer than laser?", "better than a peel": a comparison with microneedling
# even when "it" stands for it.
COMPARING = re.compile(r"\b(than|vs\.?|versus|compared|instead of|or)\b", re.IGNORECASE)
# "a chemical peel left me with dark patches, ...": the patient's history, told
# to ask about microneedling.
OWN_HISTORY = re.compile(
    r"\b(left me|gave me|i had|i've had|ive had|i got|i tried|last (year|time)|years? ago)\b",
    re.IGNORECASE,
)


def about_another_treatment(named: Set[str], intent: str, text: str) -> bool:
    others = named - {MICRONEEDLING}
    if not others or MICRONEEDLING in named:
        return False
    if (
        len(others) > 1
    ):  # "laser resurfacing vs microdermabrasion": two others, microneedling in neither
        return True
    return intent != COMPARISON and not COMPARING.search(text) and not OWN_HISTORY.search(text)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ScopeGate(GraphComponent):
    """Sends questions about other treatments to out_of_scope (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"out_of_scope_intent": Intent.OUT_OF_SCOPE}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._out = config["out_of_scope_intent"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ScopeGate:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
            text = message.get(TEXT) or ""
            if intent in KEPT or not about_another_treatment(treatments(message), intent, text):
                continue
            put_first(message, self._out)
        return messages
