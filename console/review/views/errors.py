"""Error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A state-changing request without a valid CSRF token (Django's check)."""
    return render(request, "review/csrf_failure.html", status=403)
