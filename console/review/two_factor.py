"""Two-step sign-in: a code from an authenticator app after the password.

django-otp does the work: a TOTP device per user (RFC 6238, 30-second steps,
one step of clock drift either way, each code accepted once, exponential
back-off after wrong codes) and a static device holding ten one-time
recovery codes. A user has two-step sign-in when they have a confirmed
authenticator; admins must have it, staff may turn it on. Setting one up
makes an unconfirmed device first, which becomes the user's authenticator
(replacing any earlier one) only once a code from it was entered.
"""

from __future__ import annotations

import io
import math
from base64 import b32encode
from typing import List, Optional, Tuple

import django_otp
import segno
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from review.models import User

RECOVERY_CODES = 10


def enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required(user: User) -> bool:
    """Admins need a second factor; so does anyone who turned it on."""
    return user.is_console_admin or enabled(user)


def with_status(users: QuerySet) -> QuerySet:
    """The users, each with `two_step` (has a confirmed authenticator)."""
    return users.annotate(
        two_step=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )


def new_device(user: User) -> TOTPDevice:
    """The authenticator being set up: made once, the same until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> bytes:
    """The otpauth:// URL as a QR code (SVG drawn by segno), for the app to scan."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        out, kind="svg", scale=5, border=4, dark="#000", light="#fff", xmldecl=False,
        title="QR code for your authenticator app",
    )
    return out.getvalue()


def confirm(device: TOTPDevice, code: str) -> Optional[List[str]]:
    """Makes `device` the user's authenticator if `code` is one of its codes;
    any earlier authenticator and recovery codes go. Returns the new recovery
    codes (to be shown once), or None for a wrong code."""
    if django_otp.verify_token(device.user, device.persistent_id, code) is None:
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        StaticDevice.objects.filter(user=device.user).delete()
        recovery = StaticDevice.objects.create(user=device.user, name="recovery codes")
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


def check(user: User, code: str) -> Tuple[Optional[Device], int]:
    """The confirmed device that accepts `code` (six digits: the authenticator;
    else a recovery code), or None and the seconds to wait when wrong codes
    have made that device wait."""
    model = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None, 0
    wait = wait_seconds(device)
    if wait:
        return None, wait
    return django_otp.verify_token(user, device.persistent_id, code), 0


def wait_seconds(device: Device) -> int:
    """Seconds until the device takes another code: wrong codes make it wait
    1, 2, 4 ... seconds (django-otp's throttling)."""
    allowed, why = device.verify_is_allowed()
    if allowed:
        return 0
    return max(1, math.ceil((why["locked_until"] - timezone.now()).total_seconds()))


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset(user: User) -> None:
    """Removes the user's authenticator and recovery codes (a lost phone): an
    admin sets one up again at their next sign-in; staff sign in without."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
