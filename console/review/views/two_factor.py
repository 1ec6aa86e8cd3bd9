"""Two-step sign-in pages: the code after the password, setting up an
authenticator (an admin's first sign-in, or from the account menu), and the
QR code the app scans, served as an SVG image (the Content-Security-Policy
allows images from 'self' only, and templates output nothing unescaped)."""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from review import audit, signin, two_factor
from review.forms import CodeForm
from review.models import User
from review.throttle import in_words

WRONG_CODE = "That code was not accepted. Check the time on your phone, or use a recovery code."
WAIT = "Too many wrong codes. Try again in {wait}."


def _refused(request: HttpRequest, template: str, context: dict, wait: int) -> HttpResponse:
    response = render(
        request, template, {**context, "error": WAIT.format(wait=in_words(wait))}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


@login_not_required
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator, or a recovery code."""
    user = signin.pending_user(request)
    if user is None or not two_factor.enabled(user):
        return redirect("review:login")
    form = CodeForm(request.POST or None)
    context = {"form": form, "error": ""}
    if request.method == "GET":
        return render(request, "review/login_code.html", context)
    if not form.is_valid():
        return render(
            request, "review/login_code.html", {**context, "error": WRONG_CODE}, status=400
        )
    device, wait = two_factor.check(user, form.cleaned_data["code"])
    if wait:
        return _refused(request, "review/login_code.html", context, wait)
    if device is None:
        audit.record_repeated("login_code_failed", request, actor=user.username)
        return render(
            request, "review/login_code.html", {**context, "error": WRONG_CODE}, status=401
        )
    next_url = signin.second_factor_passed(request, user, device)
    if isinstance(device, StaticDevice):
        messages.warning(
            request,
            f"You signed in with a recovery code: {two_factor.recovery_codes_left(user)} "
            "left. If you lost your phone, set up two-step sign-in again.",
        )
    return redirect(next_url)


@login_not_required
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_setup(request: HttpRequest) -> HttpResponse:
    """An admin's first sign-in: setting up the authenticator is the only way in."""
    user = signin.pending_user(request)
    if user is None or two_factor.enabled(user):
        return redirect("review:login")
    return _setup(request, user, during_sign_in=True)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's two-step sign-in: its state, or setting it up
    (again, for a new phone: ?new)."""
    user = request.user
    if two_factor.enabled(user) and request.method == "GET" and "new" not in request.GET:
        return render(
            request, "review/two_factor.html", {"codes_left": two_factor.recovery_codes_left(user)}
        )
    return _setup(request, user, during_sign_in=False)


@login_not_required
@never_cache
@require_GET
def login_setup_qr(request: HttpRequest) -> HttpResponse:
    user = signin.pending_user(request)
    if user is None or two_factor.enabled(user):
        raise Http404("no authenticator being set up")
    return _qr(user)


@never_cache
@require_GET
def account_qr(request: HttpRequest) -> HttpResponse:
    return _qr(request.user)


def _qr(user: User) -> HttpResponse:
    return HttpResponse(
        two_factor.qr_svg(two_factor.new_device(user)), content_type="image/svg+xml"
    )


def _setup(request: HttpRequest, user: User, during_sign_in: bool) -> HttpResponse:
    device = two_factor.new_device(user)
    form = CodeForm(request.POST or None)
    context = {
        "form": form,
        "error": "",
        "secret": two_factor.secret(device),
        "during_sign_in": during_sign_in,
        "action": reverse("review:login_setup" if during_sign_in else "review:two_factor"),
        "qr_url": reverse("review:login_setup_qr" if during_sign_in else "review:two_factor_qr"),
    }
    template = "review/two_factor_setup.html"
    if request.method == "GET":
        return render(request, template, context)
    wait = two_factor.wait_seconds(device)
    if wait:
        return _refused(request, template, context, wait)
    codes = two_factor.confirm(device, form.cleaned_data["code"]) if form.is_valid() else None
    if codes is None:
        return render(request, template, {**context, "error": WRONG_CODE}, status=400)
    if during_sign_in:
        next_url = signin.second_factor_passed(request, user, device)
    else:
        django_otp.login(request, device)  # this session stays signed in; the others must use it
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    audit.record("two_factor_enabled", request)
    return render(request, "review/recovery_codes.html", {"codes": codes, "next": next_url})
