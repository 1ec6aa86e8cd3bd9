"""Sign-in throttling: exponential back-off, never a lock.

Two counts, each of failures in the last THROTTLE_FORGET_HOURS (24) since the
last success it covers:

- per account at one address: after THROTTLE_FREE_FAILURES (5) failures the
  next attempt waits THROTTLE_BASE_SECONDS (1), then 2, 4, 8 ... seconds,
  at most THROTTLE_MAX_SECONDS (900). Someone guessing elsewhere slows only
  themselves: the nurse at her own address is never kept out.
- per address, whatever the accounts: the same back-off after
  THROTTLE_ADDRESS_FREE_FAILURES (20), against password spraying; higher
  because a clinic's staff often share one address.

There is no count per account across addresses, on purpose: it is what lets
anyone keep a person out. Distributed guessing meets Argon2, 12-character
passwords and the second factor instead.

Each attempt is written before the password is hashed and counts as a
failure until it proves right, so guesses sent in parallel see each other.
A refused attempt is deleted: it checked nothing, and waiting it out is
enough. Rows hold a keyed hash of the typed name (which may be a password
typed into the wrong field), never the name, the same for unknown names as
for real ones; IPv6 addresses count by their /64.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from review.models import LoginAttempt


@dataclass(frozen=True)
class Attempt:
    """A recorded attempt (`id`), or a refused one with the seconds to wait."""

    id: Optional[int]
    retry_after: int = 0

    @property
    def refused(self) -> bool:
        return self.id is None


def account_key(username: str) -> str:
    """The keyed hash that stands for a typed username (any case) in the table."""
    typed = username.strip().lower()
    return salted_hmac("review.throttle.account", typed, algorithm="sha256").hexdigest()


def network(ip: str) -> str:
    """IPv4 addresses as they are; IPv6 by the /64 one subscriber usually gets
    whole (counting its 2^64 addresses apart would void the per-address count)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:45]
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def begin(username: str, ip: str) -> Attempt:
    """Records an attempt before its password is checked; refuses it (and
    forgets it) while the account at this address, or the address, must wait."""
    account, address, now = account_key(username), network(ip), timezone.now()
    attempt = LoginAttempt.objects.create(account=account, ip=address, at=now)
    forget = now - timedelta(hours=settings.THROTTLE_FORGET_HOURS)
    others = LoginAttempt.objects.filter(at__gte=forget).exclude(pk=attempt.pk)
    wait = max(
        _wait(others.filter(account=account, ip=address), settings.THROTTLE_FREE_FAILURES, now),
        _wait(others.filter(ip=address), settings.THROTTLE_ADDRESS_FREE_FAILURES, now),
    )
    if wait:
        attempt.delete()
        return Attempt(None, wait)
    LoginAttempt.objects.filter(at__lt=forget).delete()
    return Attempt(attempt.pk)


def succeeded(attempt: Attempt) -> None:
    """The password was right: earlier failures of this account here, and of
    this address, no longer count."""
    LoginAttempt.objects.filter(pk=attempt.id).update(succeeded=True)


def clear(username: str) -> None:
    """Forgets an account's failures everywhere (an admin set a new password)."""
    LoginAttempt.objects.filter(account=account_key(username), succeeded=False).delete()


def backoff(failures: int, free: int) -> int:
    """Seconds to wait after `failures` failures, `free` of them without a wait."""
    if failures < free:
        return 0
    doublings = min(failures - free, 30)  # the cap is reached long before
    return min(settings.THROTTLE_BASE_SECONDS * 2 ** doublings, settings.THROTTLE_MAX_SECONDS)


def _wait(attempts: QuerySet, free: int, now: datetime) -> int:
    last_success = attempts.filter(succeeded=True).aggregate(at=Max("at"))["at"]
    failures = attempts.filter(succeeded=False)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    found = failures.aggregate(count=Count("id"), last=Max("at"))
    seconds = backoff(found["count"], free)
    if not seconds:
        return 0
    return max(0, math.ceil((found["last"] - now).total_seconds() + seconds))


def in_words(seconds: int) -> str:
    """'1 second', '40 seconds', '3 minutes': how long to wait, for people."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
