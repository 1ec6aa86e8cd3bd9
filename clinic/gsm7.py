"""The GSM 03.38 alphabet SMS uses by default (7-bit, 160 characters a segment).

A text with any other character is sent as UCS-2, which cuts a segment to 70
characters, so SMS answers stay inside this alphabet.
"""

from __future__ import annotations

BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters that take two septets (an escape plus the character).
EXTENSION = set("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when every character of `text` is in the GSM-7 alphabet."""
    return all(ch in BASIC or ch in EXTENSION for ch in text)


def septets(text: str) -> int:
    """Length of `text` in GSM-7 septets (extension characters count twice)."""
    return sum(2 if ch in EXTENSION else 1 for ch in text)
