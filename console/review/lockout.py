"""Lock-out after repeated failed sign-ins, per username and per client address.

LOCKOUT_FAILURES (5) failures for a username within LOCKOUT_MINUTES (15)
lock it; a success clears its count. An address is locked after
LOCKOUT_IP_FAILURES (20) failures in the window whatever the usernames: it
stops password spraying, and is higher than the per-user limit because a
clinic's staff often share one address. While locked, even the right password
is refused (it is not even checked), and attempts do not extend the lock.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from review.models import LoginAttempt


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOCKOUT_MINUTES)


def normal(username: str) -> str:
    return username.strip().lower()[:150]


def is_locked(username: str, ip: str) -> bool:
    since = _window_start()
    user = normal(username)
    last_success = (
        LoginAttempt.objects.filter(username=user, succeeded=True, at__gte=since)
        .order_by("-at").values_list("at", flat=True).first()
    )
    user_failures = LoginAttempt.objects.filter(
        username=user, succeeded=False, at__gte=last_success or since
    ).count()
    if user_failures >= settings.LOCKOUT_FAILURES:
        return True
    ip_failures = LoginAttempt.objects.filter(ip=ip, succeeded=False, at__gte=since).count()
    return ip_failures >= settings.LOCKOUT_IP_FAILURES


def clear(username: str) -> None:
    """Lifts a username's lock (an admin set a new password); the address count stays."""
    LoginAttempt.objects.filter(username=normal(username), succeeded=False).delete()


def record_attempt(username: str, ip: str, succeeded: bool) -> None:
    LoginAttempt.objects.create(username=normal(username), ip=ip, succeeded=succeeded)
    # Attempts matter only within the window; the audit log keeps the history.
    LoginAttempt.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
