"""Whether a message speaks of the writer: shared by the red-flag gate (Rasa
server) and the after-treatment check (action server). Kept free of spaCy so
the action server does not load it (about 350 MB) for a word list."""

from __future__ import annotations

import re

FIRST_PERSON = {"i", "i'm", "im", "i've", "ive", "my", "me", "mine", "myself", "we", "our", "us"}


def reports_on_self(text: str) -> bool:
    """Whether the writer speaks of themselves (I, my, me, we...)."""
    return bool(FIRST_PERSON & {w.lower() for w in re.findall(r"[A-Za-z']+", text)})
