"""Security middleware: default-deny sign-in, the second factor an account
needs, and the headers every response gets."""

from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve, reverse

from review import audit, drafts, two_factor

CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SESSION_COOKIES = ("console_session", "console_csrftoken")


class LoginRequired(LoginRequiredMiddleware):
    """Every view needs a session unless marked `login_not_required` (login,
    health): a forgotten decorator cannot expose a page. Pages redirect to the
    login form; the JSON API answers 401."""

    def handle_no_permission(self, request: HttpRequest, view_func: Callable) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"error": "authentication required"}, status=401)
        if request.method not in ("GET", "HEAD"):
            # After sign-in the browser GETs `next`: a form's URL there would
            # answer 405 and lose what was typed. Go back to the page instead.
            return redirect_to_login(self.return_to(request), resolve_url(settings.LOGIN_URL))
        return super().handle_no_permission(request, view_func)

    @staticmethod
    def return_to(request: HttpRequest) -> str:
        """Where a form posted after the session expired should land after sign-in:
        its conversation's transcript (with the follow-up note kept), else the
        page the form was on, else the home page."""
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if match and "label" in match.kwargs:
            if match.view_name == "review:followup_done" and _csrf_accepted(request):
                drafts.keep(request, match.kwargs["label"], request.POST)
                messages.warning(request, "You were signed out after a while without activity. "
                                          "Sign in again: your note is kept.")
            return reverse("review:transcript", args=[match.kwargs["label"]]) + "#case"
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        if referer.netloc == request.get_host() and referer.path:
            return referer.path + (f"?{referer.query}" if referer.query else "")
        return resolve_url(settings.LOGIN_REDIRECT_URL)


def _csrf_accepted(request: HttpRequest) -> bool:
    """Django's CSRF check, run early: a forged post must not plant a draft."""
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {}) is None


class SecondFactorRequired:
    """Signs out a session without the second factor its account needs (after
    django_otp's OTPMiddleware, which tells): one from before an admin had to
    have it, from before a promotion to admin, or from before their
    authenticator was reset or replaced. Sign-in itself asks for the code
    before the session belongs to anyone (review/signin.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified() and two_factor.required(user):
            audit.record("logout", request, reason="two-step sign-in required")
            logout(request)  # what follows sees an anonymous request: LoginRequired answers
        return self.get_response(request)


class SecurityHeaders:
    """Content-Security-Policy ('self' only: templates have no inline scripts
    or styles), no caching of pages with patient data, and Secure cookies
    whenever the request came over HTTPS (request.is_secure() honours
    X-Forwarded-Proto only with CONSOLE_BEHIND_HTTPS_PROXY=1)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure():
            for name in SESSION_COOKIES:
                if name in response.cookies:
                    response.cookies[name]["secure"] = True
        return response
