"""Reads Rasa's SQL tracker store (the `events` table) with SQLAlchemy.

One row per event: id, sender_id, type_name, timestamp, intent_name,
action_name (the slot's name for slot events) and data (the event's JSON).
Events are read in `id` order, never by timestamp: timestamps are not unique
and the custom action_session_start stores its notice just before the
`session_started` event of the session it opens.

The console writes here only to delete whole conversations: the audited
retention purge and a patient's deletion request (review/retention.py).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from django.conf import settings

from clinic.contract import Response, Slot

METADATA = sa.MetaData()
# The columns of Rasa 3.6's SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py).
EVENTS = sa.Table(
    "events", METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
FLAG_SLOTS = (Slot.URGENT_FLAGGED, Slot.CALLBACK_REQUESTED)
CHUNK = 500  # ids per IN (...) clause, well under every database's limit


@dataclass(frozen=True)
class EventRow:
    """An event as the indexer needs it; `data` only for user and flag-slot events, and
    bot events that may be the "only English" reply."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    action_name: Optional[str]
    data: Optional[dict]


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class TrackerStore:
    """Rasa's events table at one SQLAlchemy URL (SQLite or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url, future=True)
        self.dialect = self.engine.dialect.name
        self._has_events = False

    def has_events(self) -> bool:
        """Whether Rasa has created its table yet (it does at its first start)."""
        if not self._has_events:
            database = self.engine.url.database
            if self.dialect == "sqlite" and database and not Path(database).exists():
                return False  # connecting would create an empty file where Rasa's should be
            self._has_events = sa.inspect(self.engine).has_table("events")
        return self._has_events

    def max_event_id(self) -> int:
        if not self.has_events():
            return 0
        with self.engine.connect() as db:
            return db.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar() or 0

    def events_after(self, after_id: int, limit: int) -> List[EventRow]:
        """The next `limit` events after `after_id`, parsing only the JSON the index needs."""
        wanted = sa.or_(
            EVENTS.c.type_name == "user",
            sa.and_(EVENTS.c.type_name == "slot", EVENTS.c.action_name.in_(FLAG_SLOTS)),
            # a cheap text test; review/folding.py reads the reply's metadata to be sure
            sa.and_(EVENTS.c.type_name == "bot", EVENTS.c.data.contains(Response.ONLY_ENGLISH)),
        )
        query = (
            sa.select(
                EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
                EVENTS.c.action_name, sa.case((wanted, EVENTS.c.data), else_=sa.null()),
            )
            .where(EVENTS.c.id > after_id)
            .order_by(EVENTS.c.id)
            .limit(limit)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            EventRow(r[0], r[1], r[2], r[3] or 0.0, r[4], json.loads(r[5]) if r[5] else None)
            for r in rows
        ]

    def conversation(self, sender_id: str) -> List[dict]:
        """Every event of one conversation, in order; each dict also has `_id`."""
        return self.conversations([sender_id]).get(sender_id, [])

    def conversations(self, sender_ids: Sequence[str]) -> Dict[str, List[dict]]:
        """The events of several conversations, in order, by sender id."""
        out: Dict[str, List[dict]] = {}
        if not self.has_events():
            return out
        with self.engine.connect() as db:
            for part in chunks(list(sender_ids)):
                rows = db.execute(
                    sa.select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.data)
                    .where(EVENTS.c.sender_id.in_(part))
                    .order_by(EVENTS.c.id)
                )
                for event_id, sender, data in rows:
                    event = json.loads(data) if data else {}
                    event["_id"] = event_id
                    out.setdefault(sender, []).append(event)
        return out

    def turns_around(
        self, sender_id: str, event_id: int, before: int = 2
    ) -> Tuple[List[dict], Optional[dict]]:
        """The `before` messages (patient's or assistant's) before event `event_id`
        of this conversation, in order, and the assistant's reply after it (or None)."""
        if not self.has_events():
            return [], None
        messages = sa.and_(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name.in_(("user", "bot")))
        with self.engine.connect() as db:
            earlier = db.execute(sa.select(EVENTS.c.data).where(messages, EVENTS.c.id < event_id)
                                 .order_by(EVENTS.c.id.desc()).limit(before)).scalars().all()
            later = db.execute(sa.select(EVENTS.c.data).where(messages, EVENTS.c.id > event_id)
                               .order_by(EVENTS.c.id).limit(1)).scalar()
        reply = json.loads(later) if later else None
        return [json.loads(d) for d in reversed(earlier) if d], reply if reply and reply.get(
            "event"
        ) == "bot" else None

    def events_by_id(self, ids: Sequence[int]) -> Dict[int, dict]:
        out: Dict[int, dict] = {}
        if not ids or not self.has_events():
            return out
        with self.engine.connect() as db:
            for part in chunks(list(ids)):
                for event_id, data in db.execute(
                    sa.select(EVENTS.c.id, EVENTS.c.data).where(EVENTS.c.id.in_(part))
                ):
                    out[event_id] = json.loads(data) if data else {}
        return out

    def idle_since(self, before: float) -> List[str]:
        """Conversations whose last event is older than `before` (epoch seconds)."""
        if not self.has_events():
            return []
        last = sa.func.max(EVENTS.c.timestamp)
        with self.engine.connect() as db:
            return list(db.execute(
                sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(last < before)
            ).scalars())

    def delete_conversations(self, sender_ids: Sequence[str]) -> Tuple[int, int]:
        """Deletes every event of these conversations, in one transaction.

        Returns:
            The number of events deleted, and the highest event id left: SQLite
            reuses the ids of deleted last rows, so the indexer must not skip them.
        """
        if not self.has_events():
            return 0, 0
        deleted = 0
        with self.engine.begin() as db:
            for part in chunks(list(sender_ids)):
                deleted += db.execute(EVENTS.delete().where(EVENTS.c.sender_id.in_(part))).rowcount
            top = db.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar() or 0
        return deleted, top


@functools.lru_cache(maxsize=4)
def store_at(url: str) -> TrackerStore:
    return TrackerStore(url)


def default_store() -> TrackerStore:
    """The tracker store the console is configured for (TRACKER_STORE_URL)."""
    return store_at(settings.TRACKER_STORE_URL)
