"""What the SMS channel must remember, in its own tables beside Rasa's.

- the messages waiting for their turn and the replies waiting to be sent
  (channels/sms_queue.py; a retried message id is not queued twice);
- which numbers opted out (STOP), surviving restarts;
- per conversation: the full answer MORE would send, the numbered options, and
  the rate-limit window;
- for conversations flagged for a call-back: the phone number, encrypted.

Numbers never appear in plain text: rows are keyed by the conversation id,
a keyed hash of the number (`conversation_id`), and the one number kept is
encrypted with Fernet under a key from the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Dict, List, Optional

import sqlalchemy as sa
from cryptography.fernet import Fernet

from channels.conversation_ids import SMS_PREFIX
from channels.sms_queue import SmsQueue
from clinic.sms_schema import CALLBACK_PRIORITY, CALLBACKS, METADATA, OPT_OUTS, STATE

PHONE_DIGITS = re.compile(
    r"\+?[0-9]{3,15}"
)  # E.164 has at most 15 digits; short codes have 3 or more


def phone_digits(number: str) -> Optional[str]:
    """The number's digits (and leading +), whatever its formatting; None if it is no phone number.

    The gateway sends "+15550100123", or "whatsapp:+15550100123" for another
    channel of the same phone; a sender with no digits ("Anonymous") is none.
    """
    digits = "".join(ch for ch in number if ch.isascii() and (ch.isdigit() or ch == "+"))
    return digits if PHONE_DIGITS.fullmatch(digits) else None


def conversation_id(number: str, secret: bytes) -> str:
    """The conversation id of a phone number: HMAC-SHA256, hex, 32 characters.

    Keyed by the digits only, so ids (and opt-outs) stay the same for any
    formatting; anything that is not a phone number raises ValueError rather
    than share one conversation with every other such sender.
    """
    digits = phone_digits(number)
    if digits is None:
        raise ValueError("not a phone number")
    return SMS_PREFIX + hmac.new(secret, digits.encode(), hashlib.sha256).hexdigest()[:32]


class SmsStore:
    """The SMS channel's tables, on any SQLAlchemy URL (SQLite by default)."""

    def __init__(self, url: str, encryption_key: bytes) -> None:
        # pre_ping: a connection left from before a database restart is
        # replaced, not handed to the next query to fail on.
        self.engine = sa.create_engine(url, future=True, pool_pre_ping=True)
        try:
            METADATA.create_all(self.engine)
        except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
            # Several servers starting at once: another created a table
            # between this one's check and its CREATE. Once more sees them all.
            METADATA.create_all(self.engine)
        self.fernet = Fernet(encryption_key)
        self.queue = SmsQueue(self.engine, self.fernet)

    # -- opt-out ---------------------------------------------------------
    def opt_out(self, conversation: str) -> None:
        with self.engine.begin() as db:
            if not db.execute(sa.select(OPT_OUTS.c.conversation_id).where(
                OPT_OUTS.c.conversation_id == conversation)).first():
                db.execute(
                    OPT_OUTS.insert().values(conversation_id=conversation, opted_out_at=time.time())
                )

    def opt_in(self, conversation: str) -> None:
        with self.engine.begin() as db:
            db.execute(OPT_OUTS.delete().where(OPT_OUTS.c.conversation_id == conversation))

    def opted_out(self, conversation: str) -> bool:
        with self.engine.connect() as db:
            return db.execute(sa.select(OPT_OUTS.c.conversation_id).where(
                OPT_OUTS.c.conversation_id == conversation)).first() is not None

    # -- per-conversation state -------------------------------------------
    def _state(self, db: sa.engine.Connection, conversation: str) -> Optional[sa.engine.Row]:
        return db.execute(sa.select(STATE).where(STATE.c.conversation_id == conversation)).first()

    def _upsert(self, conversation: str, **values: object) -> None:
        with self.engine.begin() as db:
            if self._state(db, conversation) is None:
                db.execute(STATE.insert().values(conversation_id=conversation, **{
                    "window_start": 0.0, "window_count": 0, "limit_notified": False, **values}))
            else:
                db.execute(
                    STATE.update().where(STATE.c.conversation_id == conversation).values(**values)
                )

    def remember_reply(
        self, conversation: str, more_text: Optional[str], options: List[Dict[str, str]]
    ) -> None:
        self._upsert(conversation, more_text=more_text, options=json.dumps(options))

    def pending_more(self, conversation: str) -> Optional[str]:
        with self.engine.connect() as db:
            row = self._state(db, conversation)
        return row.more_text if row else None

    def options(self, conversation: str) -> List[Dict[str, str]]:
        with self.engine.connect() as db:
            row = self._state(db, conversation)
        return json.loads(row.options) if row and row.options else []

    def count_message(
        self, conversation: str, window_seconds: float, now: Optional[float] = None
    ) -> Dict[str, object]:
        """Counts an inbound message; returns the window's count and whether
        the over-limit notice was already sent."""
        now = time.time() if now is None else now
        with self.engine.begin() as db:
            row = self._state(db, conversation)
            if row is None:
                db.execute(
                    STATE.insert().values(
                        conversation_id=conversation,
                        window_start=now,
                        window_count=1,
                        limit_notified=False,
                    )
                )
                return {"count": 1, "notified": False}
            if now - row.window_start >= window_seconds:
                db.execute(STATE.update().where(STATE.c.conversation_id == conversation).values(
                    window_start=now, window_count=1, limit_notified=False))
                return {"count": 1, "notified": False}
            count = row.window_count + 1
            db.execute(
                STATE.update()
                .where(STATE.c.conversation_id == conversation)
                .values(window_count=count)
            )
            return {"count": count, "notified": bool(row.limit_notified)}

    def mark_limit_notified(self, conversation: str) -> None:
        self._upsert(conversation, limit_notified=True)

    # -- call-backs ------------------------------------------------------
    def keep_number_for_callback(self, conversation: str, number: str, reason: str) -> None:
        """Keeps the number (encrypted) with the most serious reason so far:
        a later booking request must not turn an urgent flag into a booking."""
        token = self.fernet.encrypt(number.encode()).decode()
        with self.engine.begin() as db:
            current = db.execute(
                sa.select(CALLBACKS.c.reason).where(CALLBACKS.c.conversation_id == conversation)
            ).scalar()
            if current and CALLBACK_PRIORITY.index(current) < CALLBACK_PRIORITY.index(reason):
                reason = current
            db.execute(CALLBACKS.delete().where(CALLBACKS.c.conversation_id == conversation))
            db.execute(
                CALLBACKS.insert().values(
                    conversation_id=conversation,
                    number_encrypted=token,
                    reason=reason,
                    flagged_at=time.time(),
                )
            )

    def callback_number(self, conversation: str) -> Optional[str]:
        """The decrypted number (for the staff console's deliberate reveal)."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(CALLBACKS.c.number_encrypted).where(
                CALLBACKS.c.conversation_id == conversation)).first()
        return self.fernet.decrypt(row.number_encrypted.encode()).decode() if row else None
