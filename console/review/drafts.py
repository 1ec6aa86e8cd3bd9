"""Follow-up notes kept in the session when they could not be saved (a
colleague changed the case meanwhile, or the session had expired), so the
transcript's form offers them again instead of losing the nurse's words.

Kept server-side, in the session row, for one hour at most, and taken (read
once) by the next transcript page of that conversation.

While she types, the browser keeps the draft too (static/review/drafts.js, in
the tab's sessionStorage), so leaving the transcript before saving loses
nothing; `saved` tells the next page which of those to forget.
"""

from __future__ import annotations

import time
from typing import Dict, List, Optional

from django.http import HttpRequest

KEY = "follow_up_drafts"
SAVED_KEY = "follow_up_notes_saved"  # labels whose browser drafts the next page clears
KEEP_SECONDS = 3600
FIELDS = ("note", "reason")


def keep(request: HttpRequest, label: str, data) -> None:
    """Keeps the note and outcome posted for the conversation `label`."""
    draft = {name: str(data.get(name, ""))[:2000] for name in FIELDS}
    if not draft["note"].strip():
        return
    now = time.time()
    drafts = {
        k: v for k, v in request.session.get(KEY, {}).items() if v.get("at", 0) > now - KEEP_SECONDS
    }
    drafts[label] = {**draft, "at": now}
    request.session[KEY] = drafts


def take(request: HttpRequest, label: str) -> Optional[Dict[str, str]]:
    """The kept draft for `label`, removed from the session; None if there is none."""
    drafts = request.session.get(KEY) or {}
    draft = drafts.pop(label, None)
    if draft is None:
        return None
    request.session[KEY] = drafts
    if draft.get("at", 0) <= time.time() - KEEP_SECONDS:
        return None
    return {name: draft.get(name, "") for name in FIELDS}


def saved(request: HttpRequest, label: str) -> None:
    """The note for `label` was saved: the next page tells the browser to drop its draft."""
    labels = request.session.get(SAVED_KEY, [])
    if label not in labels:
        request.session[SAVED_KEY] = [*labels, label][-20:]


def take_saved(request: HttpRequest) -> List[str]:
    """The labels `saved` named since the last page, removed from the session."""
    if not request.session.get(SAVED_KEY):
        return []
    return request.session.pop(SAVED_KEY)
