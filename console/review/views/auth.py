"""Sign-in (with lock-out), sign-out, changing one's own password, and the health URL."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from review import audit, lockout
from review.forms import LoginForm

WRONG = "Wrong username or password."
LOCKED = "Too many failed sign-ins. Try again in {minutes} minutes."


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_not_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        ip = audit.client_ip(request)
        if lockout.is_locked(username, ip):
            audit.record("login_locked", request, actor=lockout.normal(username))
            error, status = LOCKED.format(minutes=settings.LOCKOUT_MINUTES), 429
        else:
            user = authenticate(request, username=username, password=password)
            lockout.record_attempt(username, ip, succeeded=user is not None)
            if user is not None:
                login(request, user)  # a new session key: no fixation
                audit.record("login", request)
                return redirect(_next_url(request))
            audit.record("login_failed", request, actor=lockout.normal(username))
            error, status = WRONG, 401
            if lockout.is_locked(username, ip):
                audit.record("lockout", request, actor=lockout.normal(username),
                             minutes=settings.LOCKOUT_MINUTES)
                error, status = LOCKED.format(minutes=settings.LOCKOUT_MINUTES), 429
    elif request.method == "POST":
        error, status = WRONG, 401
    return render(request, "review/login.html",
                  {"form": form, "error": error, "next": request.GET.get("next", "")}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audit.record("logout", request)
    logout(request)
    return redirect("login")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Staff change their own password. Wrong current passwords count towards
    the sign-in lock-out, so a borrowed session cannot guess its way to a new one."""
    form = PasswordChangeForm(request.user, request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        username, ip = request.user.get_username(), audit.client_ip(request)
        if lockout.is_locked(username, ip):
            error, status = LOCKED.format(minutes=settings.LOCKOUT_MINUTES), 429
        elif form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)  # keeps this session; signs out the others
            audit.record("password_changed", request)
            messages.success(request, "Your password was changed.")
            return redirect(settings.LOGIN_REDIRECT_URL)
        else:
            status = 400
            if "old_password" in form.errors:
                lockout.record_attempt(username, ip, succeeded=False)
                audit.record("password_change_failed", request)
                if lockout.is_locked(username, ip):
                    audit.record("lockout", request, minutes=settings.LOCKOUT_MINUTES)
                    error, status = LOCKED.format(minutes=settings.LOCKOUT_MINUTES), 429
    return render(request, "review/password.html", {"form": form, "error": error}, status=status)
