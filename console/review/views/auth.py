"""Sign-in's password step (throttled), sign-out, changing one's own password,
and the health URL. The second step is in views/two_factor.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from review import audit, signin, throttle
from review.forms import LoginForm
from review.models import User

WRONG = "Wrong username or password."
THROTTLED = "Too many failed sign-ins. Try again in {wait}."


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def keep_alive(request: HttpRequest) -> HttpResponse:
    """"Stay signed in" before the idle timeout: any signed-in request renews the session."""
    return HttpResponse(status=204)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def known_account(username: str) -> str:
    """The account's name for the audit log, or "unknown": what was typed may
    be a password, so it is stored only when it names an account."""
    found = User.objects.filter(username__iexact=username.strip()).values_list(
        "username", flat=True
    )
    return found.first() or "unknown"


def throttled(request: HttpRequest, template: str, context: dict, attempt: throttle.Attempt,
              actor: str) -> HttpResponse:
    """429 with Retry-After and the wait in words; audited once per burst."""
    audit.record_repeated("login_throttled", request, actor=actor)
    context["error"] = THROTTLED.format(wait=throttle.in_words(attempt.retry_after))
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(attempt.retry_after)
    return response


@login_not_required
@sensitive_post_parameters("username", "password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    # the page to return to, kept through a failed attempt
    context = {
        "form": form,
        "error": "",
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    if request.method == "GET":
        return render(request, "review/login.html", context)
    if not form.is_valid():
        return render(request, "review/login.html", {**context, "error": WRONG}, status=401)
    username, password = form.cleaned_data["username"], form.cleaned_data["password"]
    attempt = throttle.begin(username, audit.client_ip(request))  # before the hash
    if attempt.refused:
        return throttled(request, "review/login.html", context, attempt, known_account(username))
    user = authenticate(request, username=username, password=password)
    if user is None:
        audit.record_repeated("login_failed", request, actor=known_account(username))
        return render(request, "review/login.html", {**context, "error": WRONG}, status=401)
    throttle.succeeded(attempt)
    return redirect(signin.password_accepted(request, user, _next_url(request)))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audit.record("logout", request)
    logout(request)
    return redirect("review:login")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Staff change their own password. Wrong current passwords count as failed
    sign-ins, so a borrowed session cannot guess its way to a new one."""
    form = PasswordChangeForm(request.user, request.POST or None)
    context = {"form": form, "error": ""}
    if request.method == "POST":
        username = request.user.get_username()
        attempt = throttle.begin(username, audit.client_ip(request))  # before the hash
        if attempt.refused:
            return throttled(request, "review/password.html", context, attempt, username)
        if form.is_valid():
            throttle.succeeded(attempt)
            form.save()
            update_session_auth_hash(request, form.user)  # keeps this session; signs out the others
            audit.record("password_changed", request)
            messages.success(request, "Your password was changed.")
            return redirect(settings.LOGIN_REDIRECT_URL)
        if "old_password" in form.errors:
            audit.record_repeated("password_change_failed", request, actor=username)
        else:
            throttle.succeeded(
                attempt
            )  # the current password was right; the new one was not accepted
        return render(request, "review/password.html", context, status=400)
    return render(request, "review/password.html", context)
