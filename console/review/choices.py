"""The console's enumerations, shared by its models (review/models.py) and
their query sets (review/querysets.py); import them from review.models."""

from __future__ import annotations

from typing import Optional

from django.db import models

from clinic.contract import Channel


class Status(models.TextChoices):
    """Where a flagged conversation is in the follow-up queue."""

    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    DONE = "done", "Done"


class ChannelKind(models.TextChoices):
    """Where a conversation came from, in staff's words: "rest" is an app the
    clinic connected (Rasa's REST channel), "web" the website's socket.io widget."""

    WEB = "web", "Website chat"
    SMS = Channel.SMS, "Text message"
    REST = Channel.REST, "Other app"
    OTHER = "other", "Other"

    @classmethod
    def of(cls, input_channel: Optional[str], default: Optional[str] = None) -> str:
        """The kind of Rasa's input channel (`UserUttered.input_channel`);
        `default` (else OTHER) for a channel the console does not know."""
        known = {Channel.SOCKETIO: cls.WEB, Channel.SMS: cls.SMS, Channel.REST: cls.REST}
        return known.get(input_channel or "", cls.OTHER if default is None else default)
