"""The assistant's intents, from domain.yml: the choices when staff correct a message."""

from __future__ import annotations

import functools
from typing import List

import yaml
from django.conf import settings

NOT_TRAINABLE = {"nlu_fallback"}  # Rasa's fallback is a classifier outcome, not an intent to teach


@functools.lru_cache(maxsize=1)
def intents() -> List[str]:
    domain = yaml.safe_load(settings.DOMAIN_FILE.read_text()) or {}
    names = []
    for item in domain.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return names


def correctable_intents() -> List[str]:
    """Every intent of the domain a message can be labelled with (out_of_scope included)."""
    names = [name for name in intents() if name not in NOT_TRAINABLE]
    return names if "out_of_scope" in names else names + ["out_of_scope"]
