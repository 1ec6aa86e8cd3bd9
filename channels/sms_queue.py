"""The SMS channel's durable work: inbound messages waiting for their turn, and
replies waiting to be sent, in tables (clinic/sms_schema.py), not in memory.

With several Rasa servers behind a load balancer any of them takes the next
piece of work, and one that dies loses none:
- the webhook queues each message (a retried MessageSid is not queued twice),
  number and text encrypted, and answers the gateway at once;
- a server takes the oldest waiting message of a conversation whose earlier
  messages are all done, under a lease it renews while it works: one
  conversation's messages are handled one at a time, in arrival order,
  whichever server received them; when a server dies its lease runs out and
  another takes the message again;
- a turn's replies and its message's "done" are written in one transaction,
  and the texts leave the queue;
- replies are taken the same way, a conversation's in order, and marked sent;
  a failed attempt waits in the table for its next try, with back-off.
Claims are conditional UPDATEs (the row changes only while still free), which
PostgreSQL and SQLite both apply atomically, so two servers never both win.
"""

from __future__ import annotations

import time
import uuid
from typing import List, NamedTuple, Optional, Sequence

import sqlalchemy as sa
from cryptography.fernet import Fernet

from clinic.sms_schema import OUTBOX, QUEUE

LEASE_SECONDS = 30.0  # renewed every third of this while a server works on a row
BATCH = 16  # rows looked at per claim


class TryAgainLater(Exception):
    """A turn failed and stored nothing: take its message again shortly."""


class Inbound(NamedTuple):
    id: int
    claims: int  # more than 1: a server took it before and did not finish
    message_sid: str
    conversation: str
    number: str
    body: str
    has_media: bool


class Outbound(NamedTuple):
    id: int
    conversation: str
    number: str
    body: str
    attempts: int
    created_at: float


class SmsQueue:
    """The queue and the outbox of one SMS store database."""

    def __init__(self, engine: sa.engine.Engine, fernet: Fernet) -> None:
        self.engine = engine
        self.fernet = fernet
        self.owner = uuid.uuid4().hex  # this server, in its leases

    def _seal(self, text: str) -> str:
        return self.fernet.encrypt(text.encode()).decode()

    def _open(self, token: Optional[str]) -> str:
        return self.fernet.decrypt(token.encode()).decode() if token else ""

    # -- inbound -----------------------------------------------------------
    def enqueue(self, message_sid: str, conversation: str, number: str, body: str,
                has_media: bool) -> bool:
        """Queues a message; False when its MessageSid was queued before (a retry)."""
        try:
            with self.engine.begin() as db:
                db.execute(QUEUE.insert().values(
                    message_sid=message_sid, conversation_id=conversation,
                    number_encrypted=self._seal(number), body_encrypted=self._seal(body),
                    has_media=has_media, received_at=time.time(), leased_until=0.0, claims=0))
            return True
        except sa.exc.IntegrityError:
            return False

    def claim_messages(self, limit: int = BATCH) -> List[Inbound]:
        """Takes up to `limit` messages, each the next of its conversation."""
        rows = self._claim(QUEUE, QUEUE.c.done_at.is_(None), limit)
        return [Inbound(r.id, r.claims, r.message_sid, r.conversation_id,
                        self._open(r.number_encrypted), self._open(r.body_encrypted),
                        bool(r.has_media)) for r in rows]

    def finish_turn(self, message: Inbound, replies: Sequence[str]) -> bool:
        """Queues the replies and marks the message done, in one transaction;
        False (and nothing written) when this server no longer holds its lease."""
        now = time.time()
        with self.engine.begin() as db:
            done = db.execute(
                QUEUE.update()
                .where(QUEUE.c.id == message.id, QUEUE.c.lease_owner == self.owner,
                       QUEUE.c.done_at.is_(None))
                .values(done_at=now, number_encrypted=None, body_encrypted=None))
            if done.rowcount != 1:
                db.rollback()
                return False
            for text in replies:
                db.execute(OUTBOX.insert().values(
                    message_sid=message.message_sid, conversation_id=message.conversation,
                    number_encrypted=self._seal(message.number), body_encrypted=self._seal(text),
                    created_at=now, status="pending", attempts=0, next_attempt_at=now,
                    leased_until=0.0))
        return True

    def retry_later(self, message: Inbound, delay: float) -> None:
        """Gives the message back, to be taken again after `delay` seconds."""
        with self.engine.begin() as db:
            db.execute(QUEUE.update()
                       .where(QUEUE.c.id == message.id, QUEUE.c.lease_owner == self.owner)
                       .values(leased_until=time.time() + delay, lease_owner=None))

    # -- outbound ----------------------------------------------------------
    def claim_replies(self, limit: int = BATCH) -> List[Outbound]:
        """Takes up to `limit` replies that are due, each the next of its conversation."""
        pending = OUTBOX.c.status == "pending"
        due = OUTBOX.c.next_attempt_at <= time.time()
        rows = self._claim(OUTBOX, pending, limit, due=due)
        return [Outbound(r.id, r.conversation_id, self._open(r.number_encrypted),
                         self._open(r.body_encrypted), r.attempts, r.created_at) for r in rows]

    def sent(self, reply: Outbound, gateway_sid: str) -> None:
        self._finish(reply, "sent", gateway_sid=gateway_sid)

    def gave_up(self, reply: Outbound, status: str) -> None:
        """`dropped` (opted out meanwhile) or `failed` (refused, or too late)."""
        self._finish(reply, status)

    def send_later(self, reply: Outbound, delay: float) -> None:
        with self.engine.begin() as db:
            db.execute(OUTBOX.update().where(OUTBOX.c.id == reply.id).values(
                attempts=reply.attempts + 1, next_attempt_at=time.time() + delay,
                leased_until=0.0, lease_owner=None))

    def _finish(self, reply: Outbound, status: str, gateway_sid: Optional[str] = None) -> None:
        with self.engine.begin() as db:
            db.execute(OUTBOX.update().where(OUTBOX.c.id == reply.id).values(
                status=status, attempts=reply.attempts + 1, gateway_sid=gateway_sid,
                finished_at=time.time(), number_encrypted=None, body_encrypted=None,
                leased_until=0.0))

    # -- leases ------------------------------------------------------------
    def renew(self, table: sa.Table, ids: Sequence[int]) -> None:
        """Keeps this server's leases on rows it is still working on."""
        if not ids:
            return
        with self.engine.begin() as db:
            db.execute(table.update()
                       .where(table.c.id.in_(list(ids)), table.c.lease_owner == self.owner)
                       .values(leased_until=time.time() + LEASE_SECONDS))

    def _claim(self, table: sa.Table, pending: sa.sql.ColumnElement, limit: int,
               due: Optional[sa.sql.ColumnElement] = None) -> List[sa.engine.Row]:
        now = time.time()
        earlier = table.alias("earlier")
        earlier_pending = (
            (earlier.c.done_at.is_(None)) if table is QUEUE else (earlier.c.status == "pending")
        )
        blocked = sa.exists().where(earlier.c.conversation_id == table.c.conversation_id,
                                    earlier.c.id < table.c.id, earlier_pending)
        conditions = [pending, table.c.leased_until < now, ~blocked]
        if due is not None:
            conditions.append(due)
        claimed = []
        with self.engine.begin() as db:
            candidates = db.execute(
                sa.select(table.c.id).where(*conditions).order_by(table.c.id).limit(limit)
            ).scalars().all()
        for row_id in candidates:
            with self.engine.begin() as db:
                won = db.execute(
                    table.update()
                    .where(table.c.id == row_id, table.c.leased_until < now, pending)
                    .values(leased_until=now + LEASE_SECONDS, lease_owner=self.owner,
                            **({"claims": table.c.claims + 1} if table is QUEUE else {})))
                if won.rowcount == 1:
                    claimed.append(db.execute(sa.select(table).where(table.c.id == row_id)).one())
        return claimed
