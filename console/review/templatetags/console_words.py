"""Template filters that put what the console knows into staff's words."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from django import template
from django.utils import timezone

from review import topics

register = template.Library()
register.filter("topic", topics.topic)
register.filter("reply_name", topics.reply)


@register.filter
def waited(since: Optional[datetime], now: Optional[datetime] = None) -> str:
    """How long since `since`: "5 min", "2 h", "3 days"."""
    if since is None:
        return ""
    minutes = int(max((now or timezone.now()) - since, timedelta(0)).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"
