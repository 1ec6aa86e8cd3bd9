"""The steps of a sign-in: the password, then (when the account needs one)
the second factor, or setting one up for an admin who has none yet.

Between the steps the session holds only who is signing in: request.user
stays anonymous, so every page but the sign-in steps stays closed to an admin
who has not set up two-step sign-in yet, and the session key changes when
the password proves right and again at login().
"""

from __future__ import annotations

from typing import Optional

import django_otp
from django.contrib.auth import login
from django.http import HttpRequest
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from review import audit, two_factor
from review.models import User

PENDING = "signin_pending"


def password_accepted(request: HttpRequest, user: User, next_url: str) -> str:
    """Signs the user in, or keeps them for the second step. Returns where to go."""
    if not two_factor.required(user):
        _login(request, user, user.backend, None)
        return next_url
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "next": next_url}
    return reverse("review:login_code" if two_factor.enabled(user) else "review:login_setup")


def pending_user(request: HttpRequest) -> Optional[User]:
    """Whoever gave the right password in this session and has a step to go."""
    state = request.session.get(PENDING) or {}
    return User.objects.filter(pk=state.get("user"), is_active=True).first() if state else None


def second_factor_passed(request: HttpRequest, user: User, device: Device) -> str:
    """Signs in the pending user, with the device that verified them. Returns where to go."""
    state = request.session.pop(PENDING)
    _login(request, user, state["backend"], device)
    return state["next"]


def _login(request: HttpRequest, user: User, backend: str, device: Optional[Device]) -> None:
    login(request, user, backend=backend)  # a new session key: no fixation
    second_factor = None
    if device is not None:
        django_otp.login(request, device)  # the session is verified (django_otp's middleware)
        second_factor = "recovery code" if isinstance(device, StaticDevice) else "authenticator"
    audit.record("login", request, second_factor=second_factor)
