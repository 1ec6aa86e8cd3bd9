"""Error pages."""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults

from clinic.disk_full import disk_full
from review.context import clinic_name

logger = logging.getLogger(__name__)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A state-changing request without a valid CSRF token (Django's check)."""
    return render(request, "review/csrf_failure.html", status=403)


def disk_full_page(request: HttpRequest, error: BaseException) -> HttpResponse | None:
    """503 and a page that says so when `error` is a database's full disk, else None.

    Rendered without the request: no query, no session (which Django saves
    on no 5xx response), so it shows whatever else the disk refuses."""
    full = disk_full(error)
    if full is None:
        return None
    logger.error(
        "console: a database's disk is full (%s): nothing of %s %s was saved; staff see "
        "'disk full' until space is freed", full, request.method, request.path,
    )
    page = render_to_string("review/disk_full.html", {"clinic_name": clinic_name()})
    return HttpResponse(page, status=503)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400; but a session that could not be saved for a full disk is no bad request."""
    return disk_full_page(request, exception) or defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500, or the full-disk page (Django calls this while handling the error)."""
    return disk_full_page(request, sys.exc_info()[1]) or defaults.server_error(request)
