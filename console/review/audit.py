"""Writes the audit log: logins, transcript views, reveals, exports,
corrections, follow-ups, deletions and purges. Entries name conversations by
their id and never hold patient text or phone numbers."""

from __future__ import annotations

from typing import Any, Dict, Optional

from django.http import HttpRequest

from review.models import AuditEntry


def client_ip(request: HttpRequest) -> str:
    """The client's address (behind a trusted proxy, waitress has already
    taken it from X-Forwarded-For: console/serve.py)."""
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45]


def record(
    action: str,
    request: Optional[HttpRequest] = None,
    *,
    actor: str = "",
    conversation: str = "",
    **detail: Any,
) -> AuditEntry:
    """Adds one entry; the actor is the signed-in user unless given."""
    if not actor and request is not None and request.user.is_authenticated:
        actor = request.user.get_username()
    clean: Dict[str, Any] = {key: value for key, value in detail.items() if value is not None}
    return AuditEntry.objects.create(
        actor=actor or "anonymous",
        action=action,
        conversation=conversation,
        detail=clean,
        ip=client_ip(request) if request is not None else "",
    )
