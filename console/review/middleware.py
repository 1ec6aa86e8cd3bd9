"""Security middleware: default-deny sign-in, the second factor an account
needs, and the headers every response gets."""

from __future__ import annotations

from typing import Callable

from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse

from review import audit, two_factor

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
        return super().handle_no_permission(request, view_func)


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
