"""Which web origins may use the widget: one setting for the socket and the widget's files."""

from __future__ import annotations

import os
from typing import Any, List

LOCAL_ORIGINS = "http://localhost:8000,http://127.0.0.1:8000"


def allowed_origins(configured: Any = None) -> List[str]:
    """Origins allowed to open the socket: credentials, else `WEBCHAT_ALLOWED_ORIGINS`.

    The local default is the demo page only; "*" must be asked for explicitly.
    """
    value = configured or os.environ.get("WEBCHAT_ALLOWED_ORIGINS") or LOCAL_ORIGINS
    if isinstance(value, str):
        value = value.split(",")
    return [origin.strip().rstrip("/") for origin in value if origin and origin.strip()]
