"""Folding one Rasa event into its conversation's summary row (and a patient
message into its own row): what the index (review/indexer.py) stores."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import List, Optional, Set
from zoneinfo import ZoneInfo

from django.conf import settings

from clinic.contract import Intent, Response, Slot
from review.models import ChannelKind, ConversationSummary, MessageSummary
from review.redaction import redact
from review.tracker_store import EventRow
from review.training_export import has_letters

SEARCH_TEXT_LIMIT = 4000
PREVIEW_CHARS = 140


def is_low_confidence(intent: str, confidence: float) -> bool:
    """The console's definition of a misunderstanding: Rasa's fallback, or a
    top intent below LOW_CONFIDENCE (0.5)."""
    return intent == Intent.NLU_FALLBACK or confidence < settings.LOW_CONFIDENCE


def moment_of(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def day_of(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def new_summary(row: EventRow) -> ConversationSummary:
    moment = moment_of(row.timestamp)
    return ConversationSummary(
        sender_id=row.sender_id, started_at=moment, started_day=day_of(moment),
        last_event_at=moment, last_event_id=row.id,
    )


def fold(
    summary: ConversationSummary, row: EventRow, messages: List[MessageSummary],
    late: Optional[Set[int]] = None,
) -> None:
    """Adds one event to its conversation's summary. A patient message found to
    need a review after its batch was stored goes into `late` (its event id)."""
    moment = moment_of(row.timestamp)
    if moment < summary.started_at:
        summary.started_at, summary.started_day = moment, day_of(moment)
    summary.last_event_at = max(summary.last_event_at, moment)
    summary.last_event_id = row.id
    if row.type_name == "user":
        fold_patient_message(summary, row, moment, messages)
    elif row.type_name == "bot":
        summary.assistant_messages += 1
        if answered_only_english(row) and summary.last_patient_event_id:
            _needs_review(summary.last_patient_event_id, messages, late)
    elif row.type_name == "slot" and row.data and row.data.get("value") is True:
        if row.action_name == Slot.URGENT_FLAGGED:
            summary.urgent = True
        elif row.action_name == Slot.CALLBACK_REQUESTED:
            summary.callback = True
        summary.first_flagged_at = summary.first_flagged_at or moment
        summary.last_flagged_at = max(summary.last_flagged_at or moment, moment)
        summary.flag_event_id = summary.last_patient_event_id or None


def answered_only_english(row: EventRow) -> bool:
    """Whether this bot event is the "only English" reply: the classifier may have
    been sure of an intent, but the patient wrote in another language."""
    metadata = (row.data or {}).get("metadata") or {}
    return metadata.get("utter_action") == Response.ONLY_ENGLISH


def _needs_review(event_id: int, messages: List[MessageSummary], late: Optional[Set[int]]) -> None:
    """Sends the patient message `event_id` to the review inbox, as written in another language."""
    for message in reversed(messages):  # the message is a few events back, in this batch
        if message.event_id == event_id:
            message.needs_review, message.review_reason = True, MessageSummary.OTHER_LANGUAGE
            return
    if late is not None:
        late.add(event_id)


def fold_patient_message(
    summary: ConversationSummary, row: EventRow, moment: datetime, messages: List[MessageSummary]
) -> None:
    data = row.data or {}
    text = data.get("text") or ""
    intent = (data.get("parse_data") or {}).get("intent") or {}
    name = intent.get("name") or ""
    confidence = float(intent.get("confidence") or 0.0)
    summary.patient_messages += 1
    channel = data.get("input_channel")
    if not summary.channel and channel:
        summary.channel = ChannelKind.of(channel)
    low = is_low_confidence(name, confidence)
    summary.low_confidence = summary.low_confidence or low
    typed = bool(text) and not text.startswith("/")  # "/ask_pain" is a button press
    if typed:  # a button press ("/request_human") says less than what the patient last wrote
        summary.last_patient_event_id = row.id
        if not summary.preview:
            summary.preview = redact(text)[:PREVIEW_CHARS]
        if len(summary.search_text) < SEARCH_TEXT_LIMIT:
            joined = (
                f"{summary.search_text}\n{text.lower()}" if summary.search_text else text.lower()
            )
            summary.search_text = joined[:SEARCH_TEXT_LIMIT]
    messages.append(MessageSummary(
        event_id=row.id, sender_id=row.sender_id, at=moment, day=day_of(moment),
        intent=name[:100], confidence=confidence, low_confidence=low,
        needs_review=low and typed and has_letters(text),  # could become a training example
    ))
