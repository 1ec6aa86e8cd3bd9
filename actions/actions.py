"""Dialogue actions: answers from the knowledge base, flags for staff, fallbacks.

The knowledge base is loaded and validated when rasa_sdk imports this module,
i.e. when the action server starts: a source quote missing from the clinic
page stops the server instead of reaching a patient, and so does, in strict
mode, an entry no clinician has signed off as it stands (clinic/kb_review.py).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answering
from actions.after_treatment import beyond_normal, says_treated
from actions.answering import plan_turn, remember, send_turn
from actions.understanding import (
    SITUATION_TYPES,
    entities_of,
    is_personal_question,
)
from clinic.buttons import STAFF_BUTTON
from clinic.contract import ActionName, Channel, EntityType, Intent, ParseKey, Response, Slot
from clinic.kb import Answer, Entity, KnowledgeBase
from clinic.kb_review import review_problems
from clinic.kb_validator import PAGE_FILE, validate

logger = logging.getLogger(__name__)
KB: KnowledgeBase = validate()  # strict mode (KB_REVIEW_STRICT): refuses entries not signed off
_DUE = review_problems(KB, PAGE_FILE.read_text(encoding="utf-8"))
if _DUE:
    logger.warning(
        "%d of %d knowledge-base entries await a clinician's review (make validate lists them)",
        len(_DUE),
        len(KB.entries),
    )

# Knowledge-base entries the actions name.
CONTRAINDICATIONS, SIDE_EFFECTS = "contraindications", "side_effects"
# Offered when the classifier's ranking gives nothing better.
DEFAULT_SUGGESTIONS = ["pain", "downtime", SIDE_EFFECTS]
SUGGESTION_COUNT = 3


def topic_button(entry_id: str) -> Dict[str, str]:
    return answering.topic_button(KB, entry_id)


def send_answer(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer) -> None:
    """Sends a knowledge-base answer: the short form on SMS, else the full one."""
    entry = KB.entries[answer.entry_id]
    on_sms = tracker.get_latest_input_channel() == Channel.SMS
    dispatcher.utter_message(
        text=answer.short if on_sms else answer.text,
        buttons=[topic_button(r) for r in entry.related],
        full_text=answer.text if on_sms else None,  # SMS sends it on MORE
        **answering.reply_meta(answer),
    )


def personal_caveat(
    dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer, entities: List[Entity]
) -> Optional[str]:
    """For a question about the patient's own case: no personal "yes", a pointer
    to the dermatologist, and what the page lacks for a named medicine or state.

    Returns the situation the reply left to the dermatologist ("keloids"), or
    None when it made no such point."""
    factors = [e for e in entities if e.type == EntityType.HEALTH_FACTOR]
    situation = next(
        (e.value for e in entities if e.type in SITUATION_TYPES), "something about your health"
    )
    # "I'm pregnant and have melasma": the melasma variant of contraindications
    # says nothing of pregnancy, so the factor's own reply follows it.
    answered_factor = (answer.entry_id == CONTRAINDICATIONS
                       and (answer.variant or ("",))[0] != EntityType.CONDITION)
    if factors and not answered_factor:
        send_answer(dispatcher, tracker, KB.answer(CONTRAINDICATIONS, factors))
        return factors[0].value
    text = tracker.latest_message.get("text") or ""
    personal = is_personal_question(text, entities)
    if "depends on your" in answer.text:
        return situation if personal or factors else None  # the answer already says so
    if personal:
        dispatcher.utter_message(response=Response.PERSONAL_CAVEAT)
        return situation
    return None


def declined(situation: Optional[str]) -> List[EventType]:
    """Marks this reply as a decline, so that "so it's fine?" next gets the
    decision repeated (policies/conversation_state.py reads this turn's events)."""
    if situation is None:
        return []
    return [SlotSet(Slot.DECLINED, True), SlotSet(Slot.LAST_SITUATION, situation)]


def after_treatment(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Remembers that the patient was treated; a worry about their skin that goes
    beyond what the page calls normal gets the clinic's number and a call-back flag."""
    text = tracker.latest_message.get("text") or ""
    events: List[EventType] = []
    treated = bool(tracker.get_slot(Slot.TREATED))
    if not treated and says_treated(text):
        events.append(SlotSet(Slot.TREATED, True))
    if beyond_normal(text, treated_before=treated):
        dispatcher.utter_message(response=Response.BEYOND_NORMAL)
        events.append(SlotSet(Slot.CALLBACK_REQUESTED, True))
    return events


def answer_worry(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """A worry after treatment the classifier did not place: the page's side effects, then the
    clinic."""
    send_answer(dispatcher, tracker, KB.answer(SIDE_EFFECTS, []))
    return [SlotSet(Slot.LAST_TOPIC, SIDE_EFFECTS), *after_treatment(dispatcher, tracker)]


def answer_health_factor(
    dispatcher: CollectingDispatcher, tracker: Tracker, entities: List[Entity]
) -> List[EventType]:
    """"Can I have it while pregnant?": the page is silent, so say that, name
    what it does say about who should wait, and send to the doctor. Returns
    the events, none when the message names no health factor."""
    factors = [e for e in entities if e.type == EntityType.HEALTH_FACTOR]
    if not factors:
        return []
    answer = KB.answer(CONTRAINDICATIONS, factors)
    send_answer(dispatcher, tracker, answer)
    return [SlotSet(Slot.LAST_TOPIC, answer.entry_id), *declined(factors[0].value)]


def worry_beyond_normal(tracker: Tracker) -> bool:
    text = tracker.latest_message.get("text") or ""
    return beyond_normal(text, treated_before=bool(tracker.get_slot(Slot.TREATED)))


def answer_in_context(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> Optional[List[EventType]]:
    """What a message the classifier did not place as a question may still be:
    a worry after treatment, a follow-up or several topics at once, or a health
    factor ("accutane??"). Returns the events, or None when it is none of these."""
    if worry_beyond_normal(tracker):
        return answer_worry(dispatcher, tracker)
    entities = entities_of(tracker.latest_message)
    turn = plan_turn(KB, tracker, None, entities)
    if turn:
        send_turn(dispatcher, tracker, KB, turn)
        return remember(turn)
    return answer_health_factor(dispatcher, tracker, entities) or None


class ActionSessionStart(Action):
    """Starts each conversation with the notice that this is general information."""

    def name(self) -> str:
        return ActionName.SESSION_START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response=Response.FIRST_TURN_NOTICE)
        return [SessionStarted(), ActionExecuted(ActionName.LISTEN)]


class ActionAnswerQuestion(Action):
    """Answers an FAQ intent from the knowledge base, entity- and context-aware."""

    def name(self) -> str:
        return ActionName.ANSWER_QUESTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        entities = entities_of(tracker.latest_message)
        entry = KB.entry_for_intent(intent)
        # Follow-ups, repeats and several questions at once: actions/answering.py.
        turn = plan_turn(KB, tracker, entry.id if entry else None, entities)
        if turn is None:  # an intent the rules should not have sent here
            return fallback(dispatcher, tracker)
        answer = turn.answers[0]
        send_turn(dispatcher, tracker, KB, turn)
        situation = personal_caveat(dispatcher, tracker, answer, turn.entities)
        if tracker.latest_message.get(ParseKey.TRIAGE) == ParseKey.BEFORE_TREATMENT:
            # A condition named before a treatment (the red-flag gate): wait, and move it.
            dispatcher.utter_message(response=Response.RESCHEDULE)
        return [*remember(turn), *declined(situation), *after_treatment(dispatcher, tracker)]


class ActionFlagForStaff(Action):
    """Records why staff should look at this conversation (read by the console)."""

    def name(self) -> str:
        return ActionName.FLAG_FOR_STAFF

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == Intent.URGENT_SYMPTOM:
            return [SlotSet(Slot.URGENT_FLAGGED, True)]
        if intent in Intent.CALLBACK:
            return [SlotSet(Slot.CALLBACK_REQUESTED, True)]
        return []


def suggested_topics(tracker: Tracker, exclude: Optional[str] = None) -> List[str]:
    """The FAQ entries the classifier found likeliest for the last message."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    topics: List[str] = []
    for ranked in ranking:
        entry = KB.entry_for_intent(ranked.get("name"))
        if entry and entry.id not in topics and entry.id != exclude:
            topics.append(entry.id)
    for default in DEFAULT_SUGGESTIONS:
        if default not in topics:
            topics.append(default)
    return topics[:SUGGESTION_COUNT]


def has_words(text: str) -> bool:
    """Whether the patient wrote something: a letter or a digit, not only emoji or signs."""
    return any(ch.isalnum() for ch in text)


def previous_message_missed(tracker: Tracker) -> bool:
    """Whether the patient's message before this one was not understood either."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return False
    previous = users[-2]
    intent = ((previous.get("parse_data") or {}).get("intent") or {}).get("name")
    return intent in Intent.MISSED and has_words(previous.get("text") or "")


class ActionOutOfScope(Action):
    """Says honestly that the page doesn't cover it, and what it does cover."""

    def name(self) -> str:
        return ActionName.OUT_OF_SCOPE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        in_context = answer_in_context(dispatcher, tracker)
        if in_context is not None:
            return in_context
        dispatcher.utter_message(
            response=Response.OUT_OF_SCOPE,
            buttons=[topic_button(t) for t in suggested_topics(tracker)] + [STAFF_BUTTON],
        )
        return []


class ActionFallback(Action):
    """Low-confidence input: a follow-up in context, else suggestions, then staff.

    The two stages: the first miss offers the likeliest topics as buttons; a
    second miss in a row offers the clinic's team instead of guessing again.
    """

    def name(self) -> str:
        return ActionName.FALLBACK

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return fallback(dispatcher, tracker)


def fallback(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The fallback's turn (also for an intent the rules should not have sent to an answer)."""
    text = tracker.latest_message.get("text") or ""
    if not has_words(text):  # empty, blank, emoji only: offer the topics
        dispatcher.utter_message(response=Response.GREET)
        return []
    in_context = answer_in_context(dispatcher, tracker)
    if in_context is not None:
        return in_context
    if previous_message_missed(tracker):
        dispatcher.utter_message(response=Response.FALLBACK_HANDOFF, buttons=[STAFF_BUTTON])
        return []
    dispatcher.utter_message(
        response=Response.NLU_FALLBACK,
        buttons=[topic_button(t) for t in suggested_topics(tracker)] + [STAFF_BUTTON],
    )
    return []
