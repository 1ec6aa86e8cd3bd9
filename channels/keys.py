"""Secrets the channels need, from the environment, with a local fallback."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)


def local_key(env_name: str, file_name: str, make: Callable[[], bytes]) -> bytes:
    """A key from the environment, else one generated once into VAR_DIR (local use)."""
    value = os.environ.get(env_name)
    if value:
        return value.encode()
    path = Path(os.environ.get("VAR_DIR") or "var") / file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        path.chmod(0o600)
    logger.warning("%s is not set; using the local key in %s (set it in production)", env_name, path)
    return path.read_bytes().strip()
