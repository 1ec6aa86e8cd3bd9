"""Safety triage after the classifier: when a message is urgent, and how urgent.

Placed last in the NLU pipeline (after the FallbackClassifier), so the REST,
web and SMS channels and the parse API all see the same decision:

- a red-flag sign (`nlp.red_flags`) makes the message `urgent_symptom` with
  urgency `now` (the "call now" reply), whatever the classifier said;
- a message the classifier or the complication detector (trained on
  first-person stories of unexpected reactions) calls `urgent_symptom`
  without a red-flag sign keeps that intent with urgency `today` ("please
  call the clinic today") if the writer speaks of themselves; a heading or a
  general question ("Warning signs of a bad reaction") gets the next intent;
- but a condition named before a treatment ("got a cold sore atm, can I still
  be treated?", `nlp.timing`) is a question about having the treatment, not a
  complication: it becomes `ask_contraindications`, marked `triage:
  before_treatment` so the answer adds "call to reschedule". Danger signs
  (`DANGER`: fever, breathing, swelling of the face, spreading redness) stay
  urgent whatever the timing.

The urgency is added as an `urgency` entity, which fills the slot the rules
choose the reply by (data/rules/safety.yml), on the Rasa server itself, so
urgent replies need no action server. The signs found are in the parse
output as `red_flags` for staff.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.contract import EntityType, Intent, ParseKey, Urgency
from nlp.components.intent_override import put_first
from nlp.person import reports_on_self
from nlp.red_flags import DANGER, find_red_flags
from nlp.timing import Timing, treatment_timing

RED_FLAGS = "red_flags"
# A report the clinic can act on is about the skin or a treatment of it.
SKIN_ENTITIES = {EntityType.BODY_AREA, EntityType.CONDITION, EntityType.TREATMENT}
SKIN_WORDS = re.compile(
    r"\b(skin|face|facial|cheeks?|forehead|chin|jaw|nose|lips?|mouth|eyes?|eyelids?|neck|scalp|rash|bumps?|spots?|"
    r"pores?|dots?|marks?|redness|red|swollen|swelling|burn(ing|t|ed|s)?|itch(y|ing)?|raw|peel(ing|ed)?|"
    r"treatment|session|needl\w*|roller|pen|serum|cream|reaction|clinic|procedure)\b",
    re.IGNORECASE,
)
# A report of a complication says what the skin or body is doing; "I had
# microneedling on my face last week" says nothing yet and is no emergency.
REACTION_WORDS = re.compile(
    r"\b(red\w*|swell\w*|swollen|puff\w*|burn\w*|scald\w*|sting\w*|itch\w*|rash\w*|bumps?|bumpy|spots?|spotty|"
    r"pimples?|pustules?|blister\w*|crust\w*|scab\w*|ooz\w*|weep\w*|pus|raw|sore\w*|pain\w*|hurt\w*|ach\w*|"
    r"throb\w*|tender|bleed\w*|blood\w*|bruis\w*|dark\w*|patch\w*|marks?|dots?|scar\w*|sunken|lumps?|lumpy|hives?|"
    r"welts?|peel\w*|flak\w*|hot|warm|heat|fever\w*|temp\w*|shak\w*|shiver\w*|chills?|unwell|sick|ill|dizzy|"
    r"faint\w*|nause\w*|wrong|worse\w*|bad|badly|infect\w*|impetigo|react\w*|allerg\w*|tight\w*|tingl\w*|numb\w*|"
    r"angry|inflam\w*|irritat\w*|discolou?r\w*|pigment\w*|grey|gray|white\w*|yellow\w*|green\w*|purple\w*|"
    r"black|brown|shiny|weird|strange|awful|terrible|horrible|spread\w*|moving|growing|bigger|crack\w*|split\w*|"
    r"shut|closed|breath\w*|throat|tongue|swallow\w*|vision|blurr\w*|rough|holes?|pits?|dents?|ridges?|lines?|"
    r"tracks?|cuts?|wounds?|open|leak\w*|drip\w*|fluid|sticky|wet|smell\w*|fading|settling|healing|"
    r"not right)\b",
    re.IGNORECASE,
)
# A patient asking whether what they see is normal, read as urgent by the
# classifier alone and unsure (the detector, at its threshold of 0.87 or more,
# sets a higher confidence): "had it 3 days ago and my face is still red, is
# that normal?" gets the page's facts on what is normal instead, and the
# answer action flags a call-back when it goes beyond that.
LEARNED_MIN_CONFIDENCE = 0.5
ASKS_IF_NORMAL = re.compile(
    r"\b(is (this|that|it) (normal|ok|okay|expected|usual)|normal\?|should i (be )?worr(y|ied))",
    re.I,
)
TRIAGE = ParseKey.TRIAGE
URGENCY = EntityType.URGENCY
NOW, TODAY = Urgency.NOW, Urgency.TODAY


def about_skin(message: Message) -> bool:
    """Whether the message is about the skin or a treatment of it (its entities or its words)."""
    if any(e.get("entity") in SKIN_ENTITIES for e in message.get(ENTITIES) or []):
        return True
    return bool(SKIN_WORDS.search(message.get(TEXT) or ""))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class RedFlagGate(GraphComponent):
    """Sets the intent and urgency of messages about symptoms (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "urgent_intent": Intent.URGENT_SYMPTOM,
            "before_treatment_intent": Intent.ASK_CONTRAINDICATIONS,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._urgent = config["urgent_intent"]
        self._before = config["before_treatment_intent"]

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
            self._triage(message)
        return messages

    def _triage(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        flags = find_red_flags(text)
        if flags:
            message.set(RED_FLAGS, sorted({f.sign for f in flags}), add_to_output=True)
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        predicted_urgent = intent == self._urgent
        if not flags and not predicted_urgent:
            if intent == self._before and self._names_condition(message) and (
                treatment_timing(text) is Timing.BEFORE
            ):  # "cold sore, can you move my appointment?": wait, and move it
                message.set(TRIAGE, Timing.BEFORE.value, add_to_output=True)
            return
        danger = any(f.sign in DANGER for f in flags)
        if not danger and treatment_timing(text) is Timing.BEFORE:
            put_first(message, self._before)
            message.set(TRIAGE, Timing.BEFORE.value, add_to_output=True)
            return
        confidence = (message.get(INTENT) or {}).get("confidence") or 0.0
        if not flags and confidence < LEARNED_MIN_CONFIDENCE and ASKS_IF_NORMAL.search(text):
            self._drop_urgent(message)
            return
        if not flags and not (
            reports_on_self(text) and about_skin(message) and REACTION_WORDS.search(text)
        ):
            # The learned models call it urgent, but nobody says something is
            # happening to their skin ("What are the warning signs of a bad
            # reaction?", "I think I have a UTI", "I had microneedling last
            # week"): answered as the next likeliest intent.
            self._drop_urgent(message)
            return
        if flags and not predicted_urgent:
            put_first(message, self._urgent)
        self._add_urgency(message, NOW if flags else TODAY)

    @staticmethod
    def _names_condition(message: Message) -> bool:
        return any(e.get("entity") == EntityType.CONDITION for e in message.get(ENTITIES) or [])

    def _drop_urgent(self, message: Message) -> None:
        """The next likeliest intent instead of a learned urgent guess."""
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) != self._urgent
        ]
        fallback = {INTENT_NAME_KEY: Intent.NLU_FALLBACK, "confidence": 1.0}
        message.set(INTENT, ranking[0] if ranking else fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    @staticmethod
    def _add_urgency(message: Message, value: str) -> None:
        text = message.get(TEXT) or ""
        entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != URGENCY]
        entities.append({"entity": URGENCY, "value": value, "start": 0, "end": len(text),
                         "confidence": 1.0, "extractor": "RedFlagGate"})
        message.set(ENTITIES, entities, add_to_output=True)
