"""What one answering turn says: the topic(s), in context, and how they are sent.

The actions call `plan_turn` (which entries and variants: a follow-up in the
current topic, several questions in one message, or the classifier's one
topic), `send_turn` (full or short text, "As I mentioned" on a repeat, extra
topics in short on the web and as numbered options on SMS) and `remember`
(the `last_topic` and `last_entity` slots). The rules themselves are in
`actions.topics` (follow-ups, repeats) and `actions.multi_topic` (clauses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.multi_topic import topics_asked
from actions.topics import (
    REPEAT_PREFIX,
    entity_slot,
    follow_up,
    is_repeat,
    repeat_text,
    unspecific_text,
)
from clinic.buttons import STAFF_BUTTON, topic_payload
from clinic.contract import Channel, EntityType, ReplyMeta, Response, Slot
from clinic.kb import Answer, Entity, KnowledgeBase


@dataclass
class Turn:
    """The answers of one turn: the first in full (or as a repeat), the others short."""

    answers: List[Answer]
    entities: List[Entity] = field(default_factory=list)
    repeat: bool = False
    unspecific: Optional[Entity] = None  # a body area the topic says nothing specific about


def about_another_treatment(parse: Dict[str, Any]) -> bool:
    """The scope gate's evidence: a treatment other than microneedling is named."""
    return any(
        e.get("entity") == EntityType.TREATMENT and e.get("value") != "microneedling"
        for e in parse.get("entities") or []
    )


def plan_turn(
    kb: KnowledgeBase, tracker: Tracker, entry_id: Optional[str], entities: List[Entity]
) -> Optional[Turn]:
    """The answers for the latest message; None when there is nothing to answer.

    `entry_id` is the classifier's FAQ topic (None for out_of_scope or a low
    confidence): without it, only a follow-up or two asked topics are answered.
    """
    parse = tracker.latest_message or {}
    last_topic, last_entity = tracker.get_slot(Slot.LAST_TOPIC), tracker.get_slot(Slot.LAST_ENTITY)
    found = follow_up(kb, parse, last_topic, last_entity)
    if found:
        answer = kb.answer(found.entry_id, found.entities)
        return Turn(
            [answer], list(found.entities),
            repeat=is_repeat(answer, last_topic, last_entity),
            unspecific=found.unspecific,
        )
    topics: List[str] = []
    if not about_another_treatment(parse):
        topics = topics_asked(parse.get("text") or "", entry_id, list(kb.entries))
    if not topics and entry_id:
        topics = [entry_id]
    if not topics:
        return None
    answers = [kb.answer(topic, entities) for topic in topics]
    return Turn(answers, list(entities), repeat=is_repeat(answers[0], last_topic, last_entity))


def topic_button(kb: KnowledgeBase, entry_id: str) -> Dict[str, str]:
    """A quick reply that asks the entry's question (the payload skips NLU)."""
    return {"title": kb.entries[entry_id].title, "payload": topic_payload(kb, entry_id)}


def reply_meta(answer: Answer) -> Dict[str, Any]:
    """Stored with the BotUttered event: the staff console shows which entry
    each reply came from, and the tests read it."""
    return {ReplyMeta.KB_ENTRY: answer.entry_id, ReplyMeta.KB_VARIANT: entity_slot(answer.variant)}


def repeated_just_now(tracker: Tracker) -> bool:
    """Whether the assistant's last reply was already the short "As I mentioned" form."""
    said = [e for e in tracker.events if e.get("event") == "bot"]
    return bool(said) and (said[-1].get("text") or "").startswith(REPEAT_PREFIX)


def send_turn(
    dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase, turn: Turn
) -> None:
    """Sends the turn: on SMS one short answer with the other topics as options
    (the channel keeps a reply within two segments), else one message per topic.
    Asked a third time, the page has nothing more to say: the team is offered."""
    on_sms = tracker.get_latest_input_channel() == Channel.SMS
    first, extras = turn.answers[0], turn.answers[1:]
    if turn.repeat and not extras and not turn.unspecific and repeated_just_now(tracker):
        related = [topic_button(kb, r) for r in kb.entries[first.entry_id].related]
        dispatcher.utter_message(response=Response.NO_MORE_DETAIL, buttons=related + [STAFF_BUTTON],
                                 **reply_meta(first))
        return
    if turn.unspecific:
        text = unspecific_text(first, turn.unspecific, on_sms)
    elif turn.repeat:
        text = repeat_text(first, on_sms)
    else:
        text = first.short if on_sms else first.text
    answered = {a.entry_id for a in turn.answers}
    related = [topic_button(kb, r) for r in kb.entries[first.entry_id].related if r not in answered]
    if on_sms:
        dispatcher.utter_message(
            text=text, buttons=[topic_button(kb, a.entry_id) for a in extras] + related,
            full_text=first.text, **reply_meta(first),
        )
        return
    dispatcher.utter_message(text=text, buttons=[] if extras else related, **reply_meta(first))
    for i, extra in enumerate(extras, 1):
        dispatcher.utter_message(
            text=extra.short, buttons=related if i == len(extras) else [], **reply_meta(extra)
        )


def remember(turn: Turn) -> List[SlotSet]:
    """The slots the next turn reads: the topic answered and its entity."""
    first = turn.answers[0]
    return [
        SlotSet(Slot.LAST_TOPIC, first.entry_id),
        SlotSet(Slot.LAST_ENTITY, entity_slot(first.variant)),
    ]
