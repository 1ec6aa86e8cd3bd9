"""What the insights page charts, counted from the summary index: plain
numbers per day or ISO week, no chart geometry (review/charts.py) and no
HTTP (views/insights.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Dict, List, Optional, Tuple

from django.db.models import Count, Q
from django.utils import timezone

from review.models import ChannelKind, ConversationSummary, MessageSummary

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
DAILY_UP_TO = 62  # longer ranges are counted by week
TOP_TOPICS = 15

Series = Dict[str, Dict[str, float]]  # series name -> bucket -> value


@dataclass
class Insights:
    start: date
    end: date
    unit: str  # "day" or "week"
    buckets: List[str]  # the first day of each bucket, ISO
    per_channel: Series  # by ChannelKind value, in its order
    flags: Series  # "Urgent" and "Call-back" conversations
    fallback_rate: Dict[str, float]  # bucket -> percent of patient messages not understood
    top_intents: List[Tuple[str, int]]  # (intent, patient messages), most first
    conversations_total: int
    urgent_total: int
    callback_total: int
    messages_total: int
    fallback_share: Optional[float]  # percent over the range; None without messages


def date_range(start: Optional[date], end: Optional[date]) -> Tuple[date, date]:
    """The range asked for: to today and DEFAULT_DAYS back unless given, in
    order, at most MAX_DAYS long."""
    end = end or timezone.localdate()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    start, end = (start, end) if start <= end else (end, start)
    # Charts of more than a few years are unreadable, and years 1-9999 would
    # make a 2-core server count millions of empty buckets.
    return max(start, end - timedelta(days=MAX_DAYS - 1)), end


def bucketing(start: date, end: date) -> Tuple[Callable[[date], str], List[str]]:
    """Day or ISO-week buckets covering the range, and a function to find one."""
    if (end - start).days < DAILY_UP_TO:
        def bucket(day: date) -> str:
            return day.isoformat()
    else:
        def bucket(day: date) -> str:
            return (day - timedelta(days=day.weekday())).isoformat()
    labels, day = [], start
    while day <= end:
        if not labels or labels[-1] != bucket(day):
            labels.append(bucket(day))
        day += timedelta(days=1)
    return bucket, labels


def _add(series: Series, name: str, label: str, value: float) -> None:
    series.setdefault(name, {})
    series[name][label] = series[name].get(label, 0) + value


def count(start: date, end: date) -> Insights:
    """Everything the insights page shows for the days from `start` to `end`."""
    bucket, buckets = bucketing(start, end)
    conversations = ConversationSummary.objects.started_between(start, end)
    patient = MessageSummary.objects.between(start, end)

    per_channel: Series = {kind.value: {} for kind in ChannelKind}
    for row in conversations.values("started_day", "channel").annotate(n=Count("id")):
        kind = row["channel"] if row["channel"] in per_channel else ChannelKind.OTHER.value
        _add(per_channel, kind, bucket(row["started_day"]), row["n"])
    flags: Series = {"Urgent": {}, "Call-back": {}}
    for row in conversations.values("started_day").annotate(
        urgent=Count("id", filter=Q(urgent=True)), callback=Count("id", filter=Q(callback=True))
    ):
        _add(flags, "Urgent", bucket(row["started_day"]), row["urgent"])
        _add(flags, "Call-back", bucket(row["started_day"]), row["callback"])
    totals: Series = {"all": {}, "low": {}}
    for row in patient.values("day").annotate(
            n=Count("event_id"), low=Count("event_id", filter=Q(low_confidence=True))):
        _add(totals, "all", bucket(row["day"]), row["n"])
        _add(totals, "low", bucket(row["day"]), row["low"])
    rate = {
        label: 100.0 * totals["low"].get(label, 0) / n for label, n in totals["all"].items() if n
    }
    all_messages, low_messages = sum(totals["all"].values()), sum(totals["low"].values())
    top = (patient.exclude(intent="").values("intent").annotate(n=Count("event_id"))
           .order_by("-n", "intent")[:TOP_TOPICS])
    return Insights(
        start=start, end=end, unit="day" if (end - start).days < DAILY_UP_TO else "week",
        buckets=buckets, per_channel=per_channel, flags=flags, fallback_rate=rate,
        top_intents=[(row["intent"], row["n"]) for row in top],
        conversations_total=conversations.count(),
        urgent_total=conversations.filter(urgent=True).count(),
        callback_total=conversations.filter(callback=True).count(),
        messages_total=int(all_messages),
        fallback_share=(100.0 * low_messages / all_messages) if all_messages else None,
    )
