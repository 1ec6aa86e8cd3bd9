"""What a conversation has already established overrides the single-turn rules.

Two states outlast the turn that set them, and rules (one intent, one next
action) cannot carry them for every intent a patient may send next:

- **urgent**: once the conversation is flagged urgent (slot `urgent_flagged`),
  every later message, whatever it asks ("should I wait?", "what's the number
  again?", "is this normal?", "thanks"), gets the call-now reminder with the
  number (`utter_urgent_reminder`, or `..._today` for a reaction graded
  "call today"), never an FAQ paragraph that could reassure. A new urgent
  message still goes to the urgent rules (and is flagged again).
- **another language**: every message in another language gets the notice
  in English and Spanish with the number (`utter_only_english`), not only the
  first one; the classifier would otherwise guess an English intent.
- **declined**: after the assistant said a personal situation is the
  dermatologist's decision (slot `declined`, set by the answer actions), a
  reassurance-seeking turn ("so it's fine then?", "so I can go ahead?", "no?",
  and plain yes/no) gets that decision repeated kindly with the consultation
  (`utter_decline_reassure`), never "Great" or "No problem".

The policy has a higher priority than the RulePolicy, so its prediction wins
a tie; otherwise it abstains (all zeros) and the rules decide. Its own
replies are followed by listening. Everything runs on the Rasa server: the
replies are domain responses, so they need no action server.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.contract import Intent, Response, Slot, Urgency
from nlp.language import looks_non_english

URGENT_INTENT = Intent.URGENT_SYMPTOM
URGENT_REMINDER = {
    Urgency.NOW: Response.URGENT_REMINDER,
    Urgency.TODAY: Response.URGENT_REMINDER_TODAY,
}
DECLINE_REPLY = Response.DECLINE_REASSURE
OTHER_LANGUAGE_REPLY = Response.ONLY_ENGLISH
# Turns that ask, or could be read as, "so it's fine for me?"
REASSURANCE_INTENTS = {Intent.AFFIRM, Intent.DENY, Intent.ASK_REASSURANCE}


def declined_last_turn(tracker: DialogueStateTracker) -> bool:
    """Whether the assistant's reply to the previous message declined to judge
    a personal situation: the decline holds for the next turn only, so a "yes"
    much later (to another question) is read as a yes."""
    users_seen = 0
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            users_seen += 1
            if users_seen == 2:
                return False
        elif users_seen == 1:
            if isinstance(event, SlotSet) and event.key == Slot.DECLINED and event.value:
                return True
            if isinstance(event, ActionExecuted) and event.action_name == DECLINE_REPLY:
                return True
    return False


def next_action(tracker: DialogueStateTracker) -> Optional[str]:
    """The action the conversation's state calls for now, or None to let the rules decide."""
    if tracker.latest_action_name != ACTION_LISTEN_NAME:
        own = {*URGENT_REMINDER.values(), DECLINE_REPLY, OTHER_LANGUAGE_REPLY}
        return ACTION_LISTEN_NAME if tracker.latest_action_name in own else None
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if intent is None:
        return None
    if tracker.get_slot(Slot.URGENT_FLAGGED) and intent != URGENT_INTENT:
        return URGENT_REMINDER.get(
            tracker.get_slot(Slot.URGENCY) or Urgency.NOW, URGENT_REMINDER[Urgency.NOW]
        )
    if intent != URGENT_INTENT and looks_non_english(tracker.latest_message.text or ""):
        return OTHER_LANGUAGE_REPLY
    if intent in REASSURANCE_INTENTS and declined_last_turn(tracker):
        return DECLINE_REPLY
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class ConversationStatePolicy(Policy):
    """Urgency and a declined personal question carry over to the next turns."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Above the RulePolicy (6): on a tie the state wins.
        return {"priority": 7}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context)

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource  # nothing to learn: the states are the project's rules

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = next_action(tracker)
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ConversationStatePolicy:
        return cls(config, model_storage, resource, execution_context)
