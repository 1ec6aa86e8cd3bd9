"""What a client may send: words, or exactly a payload one of the assistant's buttons offers.

Rasa reads a message that starts with "/" as an intent payload and skips NLU,
the red-flag gate included: `/urgent_symptom` would flag a conversation as
urgent without a word of symptoms, and `/ask_conditions_treated{"condition":
"..."}` sets an entity to any text. Every channel (REST, the web chat, SMS)
passes what its client sent through `as_patient_text`, so a client can send a
payload only if a button of the assistant offers it (`clinic/buttons.py`),
and never with entities. Anything else that starts with "/" is read as words,
its leading slashes dropped, like any other message.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import FrozenSet

from clinic.buttons import offered_payloads
from clinic.domain import load_domain
from clinic.kb import KnowledgeBase

# Rasa strips a message before it looks for the "/", so " / /x" is a payload too.
LEADING_SLASHES = re.compile(r"^[\s/]+")


@lru_cache(maxsize=1)
def allowed_payloads() -> FrozenSet[str]:
    """The payloads of the assistant's buttons (read once: the server's lifetime)."""
    return offered_payloads(KnowledgeBase.load(), load_domain())


def as_patient_text(text: str) -> str:
    """`text` as the assistant should read it: unchanged, unless it starts with
    "/" and is not exactly a button's payload; then without its leading slashes."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped in allowed_payloads():
        return text
    return LEADING_SLASHES.sub("", stripped)
