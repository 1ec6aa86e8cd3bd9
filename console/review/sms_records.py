"""The SMS channel's tables as the console needs them: opt-outs, the encrypted
call-back numbers, and deleting a conversation's rows.

The tables belong to the channel (channels/sms_store.py, beside Rasa's events
at SMS_STORE_URL, else TRACKER_STORE_URL); they exist only once the channel has
run, so every read copes with their absence. Numbers are decrypted only for a
deliberate, audited reveal, with the channel's Fernet key (SMS_ENCRYPTION_KEY,
else, in local mode only, the key file the channel generated into VAR_DIR).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Optional, Sequence, Set

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from clinic import keys
from clinic.sms_schema import CALLBACKS, OPT_OUTS, OUTBOX, QUEUE, STATE
from review.tracker_store import chunks

logger = logging.getLogger(__name__)
# Deleted with a conversation. Opt-outs stay: a patient who texted STOP must
# not start receiving messages because their conversation was purged or
# deleted (the row holds only the keyed hash of the number).
DELETED_WITH_A_CONVERSATION = (QUEUE, OUTBOX, STATE, CALLBACKS)


@functools.lru_cache(maxsize=4)
def _engine(url: str) -> sa.engine.Engine:
    return sa.create_engine(url, future=True)


def engine() -> sa.engine.Engine:
    return _engine(settings.SMS_STORE_URL)


def _present(names: Sequence[str]) -> Set[str]:
    database = engine().url.database
    if engine().dialect.name == "sqlite" and database and not Path(database).exists():
        return set()  # the assistant has not run yet; do not create its database file
    inspector = sa.inspect(engine())
    return {name for name in names if inspector.has_table(name)}


def opted_out_ids() -> Set[str]:
    """Conversation ids of the numbers that texted STOP."""
    if not _present([OPT_OUTS.name]):
        return set()
    with engine().connect() as db:
        return set(db.execute(sa.select(OPT_OUTS.c.conversation_id)).scalars())


def encryption_key() -> Optional[bytes]:
    return keys.existing_key("SMS_ENCRYPTION_KEY", settings.SMS_ENCRYPTION_KEY_FILE)


def callback_number(conversation: str) -> Optional[str]:
    """The patient's number kept for a call-back, decrypted; None if there is none."""
    if not _present([CALLBACKS.name]):
        return None
    with engine().connect() as db:
        token = db.execute(
            sa.select(CALLBACKS.c.number_encrypted).where(
                CALLBACKS.c.conversation_id == conversation
            )
        ).scalar()
    key = encryption_key()
    if token is None or key is None:
        return None
    try:
        return Fernet(key).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        logger.error(
            "sms: the call-back number of a conversation cannot be decrypted "
            "with the configured key"
        )
        return None


def delete_conversations(conversations: Sequence[str]) -> int:
    """Deletes these conversations' SMS rows (not their opt-outs); returns how many."""
    present = _present([table.name for table in DELETED_WITH_A_CONVERSATION])
    deleted = 0
    with engine().begin() as db:
        for table in DELETED_WITH_A_CONVERSATION:
            if table.name not in present:
                continue
            for part in chunks(list(conversations)):
                deleted += db.execute(
                    table.delete().where(table.c.conversation_id.in_(part))
                ).rowcount
    return deleted


def delete_older_than(cutoff: float) -> int:
    """Deletes the replay-detection and rate-window rows last touched before `cutoff`.

    A conversation's rows go with it, but a number that only ever texted
    STOP, HELP or a picture, or was rate-limited, has no conversation to
    purge; and a conversation kept for years would keep every message id.
    Replay detection needs only the gateway's retry window (hours).
    """
    present = _present([QUEUE.name, OUTBOX.name, STATE.name])
    deleted = 0
    with engine().begin() as db:
        if QUEUE.name in present:
            deleted += db.execute(QUEUE.delete().where(QUEUE.c.received_at < cutoff)).rowcount
        if OUTBOX.name in present:
            deleted += db.execute(OUTBOX.delete().where(OUTBOX.c.created_at < cutoff)).rowcount
        if STATE.name in present:
            deleted += db.execute(STATE.delete().where(STATE.c.window_start < cutoff)).rowcount
    return deleted
