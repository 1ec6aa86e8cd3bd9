"""What every page's template gets: the clinic's name, the user's role, the
number of open follow-ups, the idle timeout (for the warning before it) and the
follow-up notes just saved (whose drafts the browser can forget)."""

from __future__ import annotations

import functools
from typing import Dict

from django.conf import settings
from django.http import HttpRequest

from clinic.config import load_clinic
from review import drafts
from review.models import ConversationSummary


@functools.lru_cache(maxsize=1)
def clinic_name() -> str:
    try:
        return load_clinic(settings.CLINIC_CONFIG).name
    except Exception:  # the console still works without the clinic file
        return "Clinic"


def console(request: HttpRequest) -> Dict[str, object]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "clinic_name": clinic_name(),
        "is_admin": signed_in and user.is_console_admin,
        # the number on the Follow-ups item (as of the last index update: counting costs one query)
        "open_follow_ups": ConversationSummary.objects.not_done().count() if signed_in else 0,
        "idle_seconds": settings.SESSION_COOKIE_AGE,
        # follow-up notes just saved: static/review/drafts.js forgets the tab's copies
        "saved_drafts": " ".join(drafts.take_saved(request)) if signed_in else "",
    }
