"""Plain names for what the assistant understood and answered, for staff
screens: a question's topic is its knowledge-base entry's title ("Does it
hurt?"), other intents and replies get a short name here. Intent and
response ids stay behind the transcript's "Details" toggle."""

from __future__ import annotations

import functools
import re
from typing import Dict

from clinic.contract import Intent, Response
from clinic.kb import KnowledgeBase

# Intents with no knowledge-base entry.
OTHER_TOPICS = {
    Intent.GREET: "Hello",
    Intent.GOODBYE: "Goodbye",
    Intent.THANK: "Thanks",
    Intent.AFFIRM: "Yes",
    Intent.DENY: "No",
    Intent.BOT_CHALLENGE: "Asked if it is a person",
    Intent.REQUEST_HUMAN: "Asked for a person",
    Intent.BOOK_APPOINTMENT: "Booking or changing an appointment",
    Intent.URGENT_SYMPTOM: "Urgent symptom",
    Intent.ASK_REASSURANCE: "Is this normal?",
    Intent.ASK_CLINIC_HOURS: "Opening hours",
    Intent.ASK_CLINIC_CONTACT: "Clinic address and phone",
    Intent.ASK_CALLBACK_TIME: "When will they call?",
    Intent.EXPRESS_WORRY: "Worried",
    Intent.COMPLAIN: "Complaint",
    Intent.CONFUSED: "Confused by an answer",
    Intent.ASK_HELP: "What can you do?",
    Intent.OUT_OF_SCOPE: "Not about microneedling",
    Intent.NLU_FALLBACK: "Not understood",
}
# Replies that are not an intent's own answer (`utter_<intent>` replies are named by their intent).
REPLIES = {
    Response.FIRST_TURN_NOTICE: "Welcome notice",
    Response.URGENT_CALL_TODAY: "Urgent: call the clinic today",
    Response.URGENT_REMINDER: "Urgent reminder",
    Response.URGENT_REMINDER_TODAY: "Urgent reminder",
    Response.DECLINE_REASSURE: "Cannot say if it is normal",
    Response.NO_MORE_DETAIL: "No more detail on the page",
    Response.BEYOND_NORMAL: "Beyond what the page calls normal",
    Response.RESCHEDULE: "Moving or cancelling",
    Response.FALLBACK_HANDOFF: "Offered the clinic's team",
    Response.PERSONAL_CAVEAT: "Personal advice caveat",
    Response.ONLY_ENGLISH: "Only English notice",
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
    return (
        _titles().get(intent) or OTHER_TOPICS.get(intent) or intent.replace("_", " ").capitalize()
    )


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
