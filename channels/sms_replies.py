"""The SMS channel's own replies (HELP, opting back in, a pause over the rate
limit, a picture), worded in domain.yml like every other reply and sent in
GSM-7."""

from __future__ import annotations

from typing import Optional

from channels import replies
from channels.sms_text import to_gsm7
from clinic.contract import Response
from clinic.domain import response_text


def _text(name: str, **values: object) -> str:
    return to_gsm7(response_text(name, replies.clinic(), **values))


def paused(minutes: int) -> str:
    return _text(Response.SMS_PAUSED, minutes=minutes)


def keyword_reply(
    word: Optional[str], opting_in: bool, text: str, has_media: bool
) -> Optional[str]:
    """The reply to a text that is a keyword or a picture alone, or None for a
    text the assistant answers (MORE and numbered options included)."""
    if opting_in:
        return _text(Response.SMS_OPTED_IN)
    if word == "help":
        return _text(Response.SMS_HELP)
    if not text and has_media:
        return _text(Response.SMS_PHOTO)
    return None
