"""What code reads from domain.yml besides Rasa: its intents, a response's text
(channels send some replies without a turn), and the session length."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import List

import yaml

from clinic import PROJECT_ROOT
from clinic.config import Clinic

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"


@lru_cache(maxsize=4)
def load_domain(path: Path = DOMAIN_FILE) -> dict:
    """The domain as YAML (read once per file, the process's lifetime)."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def intent_names(domain: dict) -> List[str]:
    """The domain's intents, in its order (an intent may carry options as a mapping)."""
    return [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []]


def session_expiration_seconds() -> float:
    """How long a conversation may be silent before Rasa starts a new session."""
    return float(load_domain()["session_config"]["session_expiration_time"]) * 60


def response_text(name: str, clinic: Clinic, **values: object) -> str:
    """A response's first text, with the clinic's details (and `values`) filled
    in as the assistant's NLG fills them."""
    text = load_domain()["responses"][name][0]["text"]
    return text.format(**clinic.template_vars(), **values)
