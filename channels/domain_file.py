"""What the channels read from domain.yml (read once, the server's lifetime)."""

from __future__ import annotations

from functools import lru_cache

import yaml

from clinic.config import Clinic
from clinic.kb_validator import DOMAIN_FILE


@lru_cache(maxsize=1)
def domain() -> dict:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}


def session_expiration_seconds() -> float:
    """How long a conversation may be silent before Rasa starts a new session."""
    return float(domain()["session_config"]["session_expiration_time"]) * 60


def response_text(name: str, clinic: Clinic) -> str:
    """A response's first text, with the clinic's details filled in as ClinicNLG does."""
    text = domain()["responses"][name][0]["text"]
    return text.format(**clinic.template_vars())
