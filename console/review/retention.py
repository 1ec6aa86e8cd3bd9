"""Deleting conversations: the retention purge and a patient's deletion request.

Rasa 3.6 has no deletion, so the console deletes from its events table
directly (the only writes it ever makes there), plus the SMS channel's rows
for the conversation (inbound ids, pending reply, encrypted call-back
number; not the opt-out), plus the console's own rows about it (summary
index, follow-ups). The purge also deletes the SMS channel's message ids and
rate windows older than the retention period, conversation or not. Reviewed
examples are redacted training data: the purge keeps them but unlinks them
from the conversation; a patient's deletion request removes them too (the
next `make corrections` drops them from the file).
Both are written to the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Sequence

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from review import audit, indexer, labels, sms_records, training_export
from review.models import (
    Case,
    ConversationSummary,
    Correction,
    FollowUp,
    MessageSummary,
    WrongAnswer,
)
from review.tracker_store import chunks, default_store


@dataclass
class Deleted:
    conversations: int
    events: int
    sms_rows: int


def _delete(sender_ids: Sequence[str], keep_corrections: bool) -> Deleted:
    store = default_store()
    with indexer.lock():
        events, top = store.delete_conversations(sender_ids)
        sms_rows = sms_records.delete_conversations(sender_ids)
        with transaction.atomic():
            for part in chunks(list(sender_ids)):
                ConversationSummary.objects.filter(sender_id__in=part).delete()
                MessageSummary.objects.filter(sender_id__in=part).delete()
                FollowUp.objects.filter(sender_id__in=part).delete()
                Case.objects.filter(sender_id__in=part).delete()
                WrongAnswer.objects.filter(sender_id__in=part).delete()
                corrections = Correction.objects.filter(sender_id__in=part)
                if keep_corrections:
                    corrections.update(sender_id="", event_id=None)
                else:
                    corrections.delete()
            indexer.lower_watermark(top)
    return Deleted(len(sender_ids), events, sms_rows)


def delete_conversation(sender_id: str, request: Optional[HttpRequest]) -> Deleted:
    """Deletes one conversation at a patient's request (an admin's action).

    Their words go from the training file too, if a correction had put them
    there (the next `make train` drops them from the model); a failure half
    way is on record as well.
    """
    corrected = Correction.objects.filter(sender_id=sender_id).exists()
    label = labels.label_of(sender_id)  # before its summary row goes
    try:
        deleted = _delete([sender_id], keep_corrections=False)
    except Exception:
        audit.record("delete_conversation", request, conversation=label, failed=True)
        raise
    rewritten = corrected and Path(settings.REVIEWED_NLU_FILE).exists()
    if rewritten:
        training_export.export()
    audit.record(
        "delete_conversation", request, conversation=label,
        events=deleted.events, sms_rows=deleted.sms_rows, training_file_rewritten=rewritten or None,
    )
    return deleted


@dataclass
class Purge:
    cutoff: datetime
    conversations: List[str]
    deleted: Optional[Deleted]


def purge(days: int, actor: str, dry_run: bool = False, now: Optional[float] = None) -> Purge:
    """Deletes every conversation whose last event is older than `days` days."""
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = (now if now is not None else time.time()) - days * 86400
    senders = default_store().idle_since(cutoff)
    moment = datetime.fromtimestamp(cutoff, tz=timezone.utc)
    if dry_run:
        return Purge(moment, senders, None)
    deleted = _delete(senders, keep_corrections=True) if senders else Deleted(0, 0, 0)
    # SMS rows of no conversation (a number that only texted STOP or HELP) go by age.
    deleted.sms_rows += sms_records.delete_older_than(cutoff)
    audit.record(
        "purge", actor=actor, retention_days=days, cutoff=moment.isoformat(timespec="seconds"),
        conversations=deleted.conversations, events=deleted.events, sms_rows=deleted.sms_rows,
    )
    return Purge(moment, senders, deleted)
