"""The SMS channel's tables, beside Rasa's in the tracker store's database.

The channel writes them (channels/sms_store.py); the staff console reads the
call-back numbers and opt-outs and deletes a patient's rows
(console/review/sms_records.py). Numbers are never stored in plain text: rows
are keyed by a keyed hash of the number, and the one number kept is encrypted.
"""

from __future__ import annotations

import sqlalchemy as sa

METADATA = sa.MetaData()

CALLBACK_PRIORITY = ("urgent", "call-back", "booking")  # most serious first
INBOUND = sa.Table(
    "sms_inbound", METADATA,
    sa.Column("message_sid", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(64), nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
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
