"""The number to call a patient back on: for a text-message conversation the
number the SMS channel kept (encrypted), for a website or app chat the last
phone number the patient typed, as the redaction's detector finds it
(libphonenumber, review/redaction/phones.py). Shown only on an audited request."""

from __future__ import annotations

import re
from typing import Iterable, Optional

from review import sms_records
from review.models import ChannelKind
from review.redaction import clinic_region, find_personal_data
from review.transcript import Session


def typed_number(sessions: Iterable[Session]) -> Optional[str]:
    """The last phone number in the patient's own (unredacted) messages."""
    found = None
    for session in sessions:
        for message in session.messages:
            if message.role != "patient":
                continue
            for span in find_personal_data(message.text):
                if span.kind == "phone":
                    found = message.text[span.start:span.end].strip()
    return found


def callback_number(sender_id: str, channel: str, sessions: Iterable[Session]) -> Optional[str]:
    if channel == ChannelKind.SMS:
        return sms_records.callback_number(sender_id)
    return typed_number(sessions)


def tel_uri(number: str) -> str:
    """A `tel:` link for the number, in international form when it parses."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, clinic_region())
        return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return "tel:" + re.sub(r"[^\d+]", "", number)
