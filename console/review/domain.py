"""The assistant's intents, from domain.yml (read by clinic.domain): the
choices when staff correct a message."""

from __future__ import annotations

from typing import List

from clinic.contract import Intent
from clinic.domain import intent_names, load_domain

# Rasa's fallback is a classifier outcome, not an intent to teach.
NOT_TRAINABLE = {Intent.NLU_FALLBACK}


def intents() -> List[str]:
    return intent_names(load_domain())


def correctable_intents() -> List[str]:
    """Every intent of the domain a message can be labelled with (out_of_scope included)."""
    names = [name for name in intents() if name not in NOT_TRAINABLE]
    return names if Intent.OUT_OF_SCOPE in names else names + [Intent.OUT_OF_SCOPE]
