"""What every page's template gets: the clinic's name and the user's role."""

from __future__ import annotations

import functools
from typing import Dict

from django.conf import settings
from django.http import HttpRequest

from clinic.config import load_clinic


@functools.lru_cache(maxsize=1)
def clinic_name() -> str:
    try:
        return load_clinic(settings.CLINIC_CONFIG).name
    except Exception:  # the console still works without the clinic file
        return "Clinic"


def console(request: HttpRequest) -> Dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "clinic_name": clinic_name(),
        "is_admin": bool(user and user.is_authenticated and user.is_console_admin),
    }
