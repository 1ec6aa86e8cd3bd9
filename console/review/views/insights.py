"""Insights: conversations per day by channel, top intents, the fallback rate,
urgent and call-back counts over time; all from the summary index, drawn as
server-side SVG (review/charts.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable, Dict, List, Tuple

from django import forms
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from review import charts, indexer, topics
from review.models import ChannelKind, ConversationSummary, MessageSummary

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
DAILY_UP_TO = 62  # longer ranges are drawn by week
CHANNEL_LABELS = dict(ChannelKind.choices)  # in staff's words ("Website chat")
CHANNEL_SERIES = {kind.label: f"bar-{kind.value}" for kind in ChannelKind}


class RangeForm(forms.Form):
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))


def _range(form: RangeForm) -> Tuple[date, date]:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
    start, end = (start, end) if start <= end else (end, start)
    # Charts of more than a few years are unreadable, and years 1-9999 would
    # make a 2-core server count millions of empty buckets.
    return max(start, end - timedelta(days=MAX_DAYS - 1)), end


def _bucketing(start: date, end: date) -> Tuple[Callable[[date], str], List[str]]:
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


def _add(series: Dict[str, Dict[str, float]], name: str, label: str, value: float) -> None:
    series.setdefault(name, {})
    series[name][label] = series[name].get(label, 0) + value


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    indexer.refresh()
    form = RangeForm(request.GET or None)
    start, end = _range(form)
    bucket, labels = _bucketing(start, end)
    unit = "day" if (end - start).days < DAILY_UP_TO else "week"
    conversations = ConversationSummary.objects.filter(
        patient_messages__gt=0, started_day__gte=start, started_day__lte=end)
    patient = MessageSummary.objects.filter(day__gte=start, day__lte=end)

    per_channel: Dict[str, Dict[str, float]] = {name: {} for name in CHANNEL_SERIES}
    for row in conversations.values("started_day", "channel").annotate(n=Count("id")):
        _add(per_channel, CHANNEL_LABELS.get(row["channel"], ChannelKind.OTHER.label), bucket(row["started_day"]),
             row["n"])
    flags: Dict[str, Dict[str, float]] = {"Urgent": {}, "Call-back": {}}
    for row in conversations.values("started_day").annotate(
            urgent=Count("id", filter=Q(urgent=True)), callback=Count("id", filter=Q(callback=True))):
        _add(flags, "Urgent", bucket(row["started_day"]), row["urgent"])
        _add(flags, "Call-back", bucket(row["started_day"]), row["callback"])
    totals: Dict[str, Dict[str, float]] = {"all": {}, "low": {}}
    for row in patient.values("day").annotate(n=Count("event_id"), low=Count("event_id", filter=Q(low_confidence=True))):
        _add(totals, "all", bucket(row["day"]), row["n"])
        _add(totals, "low", bucket(row["day"]), row["low"])
    rate = {label: 100.0 * totals["low"].get(label, 0) / n for label, n in totals["all"].items() if n}
    all_messages, low_messages = sum(totals["all"].values()), sum(totals["low"].values())
    top = list(patient.exclude(intent="").values("intent").annotate(n=Count("event_id")).order_by("-n", "intent")[:15])

    context = {
        "form": form, "start": start, "end": end, "unit": unit,
        "conversations_total": conversations.count(),
        "urgent_total": conversations.filter(urgent=True).count(),
        "callback_total": conversations.filter(callback=True).count(),
        "messages_total": int(all_messages),
        "fallback_rate": (100.0 * low_messages / all_messages) if all_messages else None,
        "charts": [
            charts.columns(f"Conversations per {unit} by channel", labels,
                           {k: v for k, v in per_channel.items() if v or k != ChannelKind.OTHER.label}, CHANNEL_SERIES),
            charts.horizontal("Top topics (patient messages)", [(topics.topic(r["intent"]), r["n"]) for r in top]),
            charts.columns(f"Not understood per {unit} (share of patient messages)", labels,
                           {"Not understood": rate}, {"Not understood": "bar-fallback"},
                           percent=True),
            charts.columns(f"Urgent and call-back conversations per {unit}", labels, flags,
                           {"Urgent": "bar-urgent", "Call-back": "bar-callback"}, stacked=False),
        ],
    }
    return render(request, "review/insights.html", context)
