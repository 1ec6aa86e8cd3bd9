"""The summary index: Rasa's events folded into one row per conversation and
one per patient message, in the console's own database.

Why: the list, the follow-up queue, the review inbox and the insights filter
and count conversations; doing that from the events table (200,000 rows of
JSON for 10,000 conversations) on every request takes seconds. The index is
updated incrementally from the events whose id is above the last one indexed,
at the start of each list/queue/inbox/insights request and by
`manage.py index_conversations`; when nothing is new that costs one indexed
MAX(id) query.

Correctness notes:
- Two updaters (two threads, or the server and the command) must not fold the
  same events twice: each batch first moves IndexState.last_event_id from the
  value it read to the new one in the same transaction, and gives up the batch
  if another updater moved it first.
- Deleting conversations removes their summary rows (review/retention.py) and
  lowers last_event_id to the highest id left, because SQLite reuses the ids
  of deleted last rows.
- On PostgreSQL, ids come from a sequence and a transaction can commit after
  a later id is visible; a gap followed by a very recent event is therefore
  left for the next update instead of being skipped for good.
- A different tracker store URL, time zone (days are counted in the
  console's TIME_ZONE) or label key (review/labels.py) rebuilds the index.
- Each new conversation gets its label here; one taken by another
  conversation (a 60-bit collision) is passed over for a longer one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Set

from django.conf import settings
from django.db import transaction
from django.utils import timezone as dj_timezone

from review import labels, sms_records
from review.folding import fold, new_summary
from review.models import ConversationSummary, IndexState, MessageSummary
from review.tracker_store import EventRow, TrackerStore, chunks, default_store

logger = logging.getLogger(__name__)

BATCH = 5000
# An id gap (PostgreSQL) may be a transaction still committing: wait this long
# after first seeing it, unless the events after it are older than any turn lasts.
GAP_GRACE_SECONDS = 10.0
HISTORIC_GAP_SECONDS = 600.0
_GAPS_SEEN: Dict[int, float] = {}  # missing id -> when this process first saw it missing
SUMMARY_FIELDS = [
    "channel", "started_at", "started_day", "last_event_at", "last_event_id",
    "patient_messages", "assistant_messages", "urgent", "callback", "low_confidence",
    "first_flagged_at", "last_flagged_at", "preview", "search_text",
    "last_patient_event_id", "flag_event_id",
]
# Raised when the index holds something new, so an existing index is rebuilt
# once to fill it (2: the message that raised a flag; 3: messages answered "only English").
INDEX_VERSION = 3
_LOCK = threading.Lock()


@dataclass
class Progress:
    """What one update did."""

    events: int = 0
    conversations: int = 0
    rebuilt: bool = False
    seconds: float = 0.0


def source_fingerprint(url: str) -> str:
    key = f"{url}|{settings.TIME_ZONE}|{labels.key_fingerprint()}|{INDEX_VERSION}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def refresh(store: Optional[TrackerStore] = None, rebuild: bool = False) -> Progress:
    """Brings the index up to date with the tracker store."""
    store = store or default_store()
    started = time.perf_counter()
    progress = Progress()
    with _LOCK:
        state = _state(store, rebuild, progress)
        top = store.max_event_id()
        if top < state.last_event_id:  # the store was emptied or replaced
            state = _reset(state, state.source, progress)
        while state.last_event_id < top:
            rows = _settled(
                store.events_after(state.last_event_id, BATCH), state.last_event_id, store.dialect
            )
            if not rows:
                break
            if not _apply(state, rows, progress):
                state.refresh_from_db()  # another updater indexed these; carry on from there
        _sync_opt_outs()
    progress.seconds = time.perf_counter() - started
    if progress.events:
        logger.info("index: %d events, %d new conversations in %.2f s",
                    progress.events, progress.conversations, progress.seconds)
    return progress


def lower_watermark(top: int) -> None:
    """After a deletion: new events may reuse ids above `top` (SQLite)."""
    IndexState.objects.filter(last_event_id__gt=top).update(last_event_id=top)


def lock() -> threading.Lock:
    """Held by deletions too, so an update in this process does not re-add rows."""
    return _LOCK


# ---- internals ---------------------------------------------------------------------------------

def _state(store: TrackerStore, rebuild: bool, progress: Progress) -> IndexState:
    source = source_fingerprint(store.url)
    state = IndexState.objects.order_by("pk").first()
    if state is None:
        state = IndexState.objects.create(source=source, last_event_id=0)
        progress.rebuilt = True
    if rebuild or state.source != source:
        state = _reset(state, source, progress)
    return state


def _reset(state: IndexState, source: str, progress: Progress) -> IndexState:
    with transaction.atomic():
        ConversationSummary.objects.all().delete()
        MessageSummary.objects.all().delete()
        state.source, state.last_event_id, state.updated_at = source, 0, dj_timezone.now()
        state.save()
    progress.rebuilt = True
    return state


def _settled(rows: List[EventRow], after: int, dialect: str) -> List[EventRow]:
    """The rows up to the first id gap that may still be filling (not SQLite).

    Rasa stamps events when they happen, not when they commit, so a slow turn
    can commit ids below ones already visible with old timestamps: a gap is
    waited for from when it was first seen here, not from its neighbours' age.
    """
    if dialect == "sqlite":
        return rows  # one writer at a time: ids are committed in order
    now, historic = time.monotonic(), time.time() - HISTORIC_GAP_SECONDS
    for stale in [gap for gap in _GAPS_SEEN if gap <= after]:
        del _GAPS_SEEN[stale]
    expected = after + 1
    for row in rows:  # note every gap of the batch at once, so they wait together
        if row.id != expected:
            _GAPS_SEEN.setdefault(expected, now)
        expected = row.id + 1
    expected = after + 1
    for position, row in enumerate(rows):
        if (
            row.id != expected
            and row.timestamp > historic
            and now - _GAPS_SEEN[expected] < GAP_GRACE_SECONDS
        ):
            return rows[:position]
        expected = row.id + 1
    return rows


def _apply(state: IndexState, rows: List[EventRow], progress: Progress) -> bool:
    first, last = state.last_event_id, rows[-1].id
    created: Dict[str, ConversationSummary] = {}
    messages: List[MessageSummary] = []
    late: Set[int] = set()  # messages of an earlier batch that the replies show need a review
    with transaction.atomic():
        claimed = IndexState.objects.filter(pk=state.pk, last_event_id=first).update(
            last_event_id=last, updated_at=dj_timezone.now()
        )
        if not claimed:
            return False
        senders = list({row.sender_id for row in rows})
        existing: Dict[str, ConversationSummary] = {}
        for part in chunks(senders):
            existing.update(
                {s.sender_id: s for s in ConversationSummary.objects.filter(sender_id__in=part)}
            )
        for row in rows:
            summary = existing.get(row.sender_id) or created.get(row.sender_id)
            if summary is None:
                summary = created[row.sender_id] = new_summary(row)
            fold(summary, row, messages, late)
        _label(created)
        ConversationSummary.objects.bulk_create(created.values(), batch_size=500)
        ConversationSummary.objects.bulk_update(existing.values(), SUMMARY_FIELDS, batch_size=500)
        MessageSummary.objects.bulk_create(messages, batch_size=1000, ignore_conflicts=True)
        for part in chunks(sorted(late)):
            MessageSummary.objects.filter(event_id__in=part).update(
                needs_review=True, review_reason=MessageSummary.OTHER_LANGUAGE
            )
    state.last_event_id = last
    progress.events += len(rows)
    progress.conversations += len(created)
    return True


def _label(created: Dict[str, ConversationSummary]) -> None:
    """Gives each new conversation the first of its labels no other one has."""
    first = {sender: labels.label(sender) for sender in created}
    taken = set()
    for part in chunks(list(first.values())):
        taken.update(
            ConversationSummary.objects.filter(label__in=part).values_list("label", flat=True)
        )
    for sender, summary in created.items():
        for candidate in labels.candidates(sender):
            if candidate not in taken and (
                candidate == first[sender]
                or not ConversationSummary.objects.filter(label=candidate).exists()
            ):
                break
            logger.warning(
                "index: two conversations share the label %s; the later one gets a longer label",
                candidate,
            )
        summary.label = candidate
        taken.add(candidate)


def _sync_opt_outs() -> None:
    """Opt-outs change without any Rasa event (STOP never reaches Rasa)."""
    opted = sms_records.opted_out_ids()
    current = set(
        ConversationSummary.objects.filter(opted_out=True).values_list("sender_id", flat=True)
    )
    for ids, value in ((opted - current, True), (current - opted, False)):
        for part in chunks(sorted(ids)):
            ConversationSummary.objects.filter(sender_id__in=part).update(opted_out=value)
