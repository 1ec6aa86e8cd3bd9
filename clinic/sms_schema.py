"""The SMS channel's tables, beside Rasa's in the tracker store's database.

The channel writes them (channels/sms_store.py); the staff console reads the
call-back numbers and opt-outs and deletes a patient's rows
(console/review/sms_records.py). Numbers are never stored in plain text: rows
are keyed by a keyed hash of the number, and a number kept (for a call-back,
or until a queued message is answered) is encrypted.
"""

from __future__ import annotations

import sqlalchemy as sa

METADATA = sa.MetaData()

CALLBACK_PRIORITY = ("urgent", "call-back", "booking")  # most serious first
# Inbound messages, in arrival order (`id`): the MessageSid is unique, so a
# gateway's retry is never queued twice. Number and text are kept encrypted
# only until the message's turn is done (channels/sms_queue.py).
QUEUE = sa.Table(
    "sms_queue", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_sid", sa.String(64), nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
    sa.Column("number_encrypted", sa.Text, nullable=True),
    sa.Column("body_encrypted", sa.Text, nullable=True),
    sa.Column("has_media", sa.Boolean, nullable=False, default=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("leased_until", sa.Float, nullable=False, default=0.0),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("claims", sa.Integer, nullable=False, default=0),  # >1: taken again after a failure
    sa.Column("done_at", sa.Float, nullable=True),
)
# Replies to send, in order (`id`), written with their turn's "done" in one
# transaction; any server sends them, retrying with back-off.
OUTBOX = sa.Table(
    "sms_outbox", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_sid", sa.String(64), nullable=False, index=True),  # what it answers
    sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
    sa.Column("number_encrypted", sa.Text, nullable=True),  # cleared once finished
    sa.Column("body_encrypted", sa.Text, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("leased_until", sa.Float, nullable=False, default=0.0),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("gateway_sid", sa.String(64), nullable=True),
    sa.Column("finished_at", sa.Float, nullable=True),
)
OPT_OUTS = sa.Table(
    "sms_opt_outs", METADATA,
    sa.Column("conversation_id", sa.String(64), primary_key=True),
    sa.Column("opted_out_at", sa.Float, nullable=False),
)
STATE = sa.Table(
    "sms_state", METADATA,
    sa.Column("conversation_id", sa.String(64), primary_key=True),
    sa.Column("more_text", sa.Text, nullable=True),
    sa.Column("options", sa.Text, nullable=True),  # JSON list of {title, payload}
    sa.Column("window_start", sa.Float, nullable=False, default=0.0),
    sa.Column("window_count", sa.Integer, nullable=False, default=0),
    sa.Column("limit_notified", sa.Boolean, nullable=False, default=False),
)
CALLBACKS = sa.Table(
    "sms_callbacks", METADATA,
    sa.Column("conversation_id", sa.String(64), primary_key=True),
    sa.Column("number_encrypted", sa.Text, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("flagged_at", sa.Float, nullable=False),
)
