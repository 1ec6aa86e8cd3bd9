"""Role checks, the index refresh and pagination shared by the views."""

from __future__ import annotations

import functools
from typing import Callable, Dict
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from review import indexer


def admin_required(view: Callable) -> Callable:
    """Admins only: staff get 403 (sign-in itself is checked by the middleware)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_console_admin:
            raise PermissionDenied("admins only")
        return view(request, *args, **kwargs)

    return wrapped


def with_fresh_index(view: Callable) -> Callable:
    """Brings the summary index up to date (review/indexer.py) before the view
    runs: lists, the queue, the inbox and insights show what happened up to
    this request, and a POST that acts on a flag must know a flag raised since
    its page loaded. When nothing is new this costs one MAX(id) query."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        indexer.refresh()
        return view(request, *args, **kwargs)

    return wrapped


def paginate(request: HttpRequest, items, per_page: int = 0) -> Page:
    return Paginator(items, per_page or settings.PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(params: Dict[str, str]) -> str:
    """The query string for page links: the filters, then `&page=`."""
    return urlencode(params)
