"""The patient message that raised each conversation's latest flag, redacted,
for the queue's rows: read from Rasa's store by the event id the index keeps
(review/indexer.py), so the console keeps no copy of the text."""

from __future__ import annotations

from typing import List

from review.models import ConversationSummary
from review.redaction import redact
from review.tracker_store import default_store


def with_flag_messages(rows: List[ConversationSummary]) -> List[ConversationSummary]:
    """Sets `flag_message` on each row (its redacted text, or "" when unknown)."""
    events = default_store().events_by_id([row.flag_event_id for row in rows if row.flag_event_id])
    for row in rows:
        text = (events.get(row.flag_event_id) or {}).get("text") or ""
        row.flag_message = redact(text)
    return rows
