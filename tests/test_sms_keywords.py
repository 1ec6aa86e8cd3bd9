"""Which texts are SMS keywords (channels/sms_keywords.py), and which senders are phone numbers."""

from __future__ import annotations

from typing import Optional

import pytest

from channels.sms_keywords import keyword
from channels.sms_store import conversation_id, phone_digits


@pytest.mark.parametrize(
    "text, expected",
    [
        # every opt-out word, as carriers and the FCC list them
        ("STOP", "stop"),
        ("stopall", "stop"),
        ("Unsubscribe", "stop"),
        ("cancel", "stop"),
        ("END", "stop"),
        ("quit", "stop"),
        ("OPTOUT", "stop"),
        ("REVOKE", "stop"),
        ("opt out", "stop"),
        ("Opt-Out", "stop"),
        # punctuation, spacing and a polite word or two
        ("  stop ", "stop"),
        ("Stop.", "stop"),
        ("STOP!!", "stop"),
        ("stop please", "stop"),
        ("Please stop", "stop"),
        ("stop it", "stop"),
        ("STOP NOW", "stop"),
        ("stop texting me", "stop"),
        ("unsubscribe me pls", "stop"),
        ("stop sending me messages, thanks", "stop"),
        ("STOP 🛑", "stop"),
        ("stop\nstop", "stop"),
        ("stop help", "stop"),  # an opt-out wins over anything else
        # questions that merely contain one stay questions
        ("how do I stop the redness?", None),
        ("when can I stop using the cream", None),
        ("should I stop retinol before microneedling", None),
        ("don't stop", None),
        ("stop bleeding", None),
        ("cancel my appointment", None),
        ("the end", None),
        ("at the end of the session?", None),
        ("does it hurt?", None),
        ("", None),
        ("please", None),
        ("stöp", None),
        # the other keywords
        ("START", "start"),
        ("unstop", "start"),
        ("Start please", "start"),
        ("HELP", "help"),
        ("help!", "help"),
        ("info", "help"),
        ("help me please", "help"),
        ("help with redness", None),
        ("MORE", "more"),
        ("more please", "more"),
        ("tell me more", None),
        ("yes", "yes"),
        ("YES please", "yes"),
        ("yes it hurts", None),
    ],
)
def test_keywords(text: str, expected: Optional[str]) -> None:
    assert keyword(text) == expected


@pytest.mark.parametrize("sender, digits", [
    ("+15550100123", "+15550100123"),
    ("+1 (555) 010-0123", "+15550100123"),  # formatting does not matter
    ("whatsapp:+15550100123", "+15550100123"),  # the same phone on another channel
    ("12345", "12345"),  # a short code
    ("Anonymous", None), ("", None), ("unknown-sender", None), ("x1", None), ("+", None),
    ("1+2", None), ("+1234567890123456", None),  # a + inside, 16 digits: no phone number
])
def test_phone_numbers(sender: str, digits: Optional[str]) -> None:
    assert phone_digits(sender) == digits


def test_senders_without_a_number_get_no_shared_conversation() -> None:
    assert conversation_id("+1 (555) 010-0123", b"k") == conversation_id("+15550100123", b"k")
    for sender in ("Anonymous", "Alice", "x1"):
        with pytest.raises(ValueError):
            conversation_id(sender, b"k")
