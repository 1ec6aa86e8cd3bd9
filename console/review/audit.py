"""Writes the audit log: logins, transcript views, reveals, exports,
corrections, follow-ups, deletions and purges. Entries name conversations by
their id and never hold patient text or phone numbers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Optional

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

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


def record_repeated(action: str, request: HttpRequest, *, actor: str, **detail: Any) -> AuditEntry:
    """Like record, but a repeat of the same action by the same actor from the
    same address within AUDIT_REPEAT_MINUTES adds to that entry's count: a
    script guessing passwords must not flood the log. The entry keeps the
    first time (`at`) and the last (`last_at`)."""
    now, ip = timezone.now(), client_ip(request)
    since = now - timedelta(minutes=settings.AUDIT_REPEAT_MINUTES)
    entry = (AuditEntry.objects.filter(action=action, actor=actor, ip=ip, at__gte=since)
             .order_by("-at", "-id").first())
    if entry is None:
        return record(action, request, actor=actor, **detail)
    # One UPDATE with F(): parallel repeats each add one.
    AuditEntry.objects.filter(pk=entry.pk).update(count=F("count") + 1, last_at=now)
    return entry
