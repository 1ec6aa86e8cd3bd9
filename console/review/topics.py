"""Plain names for what the assistant understood and answered, for staff
screens: a question's topic is its knowledge-base entry's title ("Does it
hurt?"), other intents and replies get a short name here. Intent and
response ids stay behind the transcript's "Details" toggle."""

from __future__ import annotations

import functools
import re
from typing import Dict

from clinic.kb import KnowledgeBase

# Intents with no knowledge-base entry.
OTHER_TOPICS = {
    "greet": "Hello",
    "goodbye": "Goodbye",
    "thank": "Thanks",
    "affirm": "Yes",
    "deny": "No",
    "bot_challenge": "Asked if it is a person",
    "request_human": "Asked for a person",
    "book_appointment": "Booking or changing an appointment",
    "urgent_symptom": "Urgent symptom",
    "ask_reassurance": "Is this normal?",
    "ask_clinic_hours": "Opening hours",
    "ask_clinic_contact": "Clinic address and phone",
    "ask_callback_time": "When will they call?",
    "express_worry": "Worried",
    "complain": "Complaint",
    "confused": "Confused by an answer",
    "ask_help": "What can you do?",
    "out_of_scope": "Not about microneedling",
    "nlu_fallback": "Not understood",
}
# Replies that are not an intent's own answer (`utter_<intent>` replies are named by their intent).
REPLIES = {
    "utter_first_turn_notice": "Welcome notice",
    "utter_urgent_call_today": "Urgent: call the clinic today",
    "utter_urgent_reminder": "Urgent reminder",
    "utter_urgent_reminder_today": "Urgent reminder",
    "utter_decline_reassure": "Cannot say if it is normal",
    "utter_no_more_detail": "No more detail on the page",
    "utter_beyond_normal": "Beyond what the page calls normal",
    "utter_reschedule": "Moving or cancelling",
    "utter_fallback_handoff": "Offered the clinic's team",
    "utter_personal_caveat": "Personal advice caveat",
    "utter_only_english": "Only English notice",
}


@functools.lru_cache(maxsize=1)
def _titles() -> Dict[str, str]:
    """Intent -> knowledge-base title, and entry id -> title."""
    try:
        kb = KnowledgeBase.load()
    except Exception:  # the console still works without the knowledge base
        return {}
    titles = {entry_id: entry.title for entry_id, entry in kb.entries.items()}
    titles.update({intent: entry.title for intent, entry in kb.by_intent.items()})
    return titles


def topic(intent: str) -> str:
    """The plain name of an intent: "Does it hurt?" for ask_pain."""
    if not intent:
        return "Not understood"
    return _titles().get(intent) or OTHER_TOPICS.get(intent) or intent.replace("_", " ").capitalize()


def reply(source: str) -> str:
    """The plain name of where a reply came from: a knowledge-base entry (with
    its variant, "pain (short)") or a response (`utter_<name>`)."""
    if not source:
        return "Reply"
    entry = re.sub(r"\s*\(.*\)$", "", source)
    if entry in _titles():
        return _titles()[entry]
    if source in REPLIES:
        return REPLIES[source]
    return topic(source.removeprefix("utter_"))
