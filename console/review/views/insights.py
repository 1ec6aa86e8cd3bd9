"""Insights: conversations per day by channel, top intents, the fallback rate,
urgent and call-back counts over time; counted by review/insights_data.py
from the summary index, drawn as server-side SVG (review/charts.py)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from review import charts, insights_data, topics
from review.models import ChannelKind
from review.views.access import with_fresh_index

CHANNEL_SERIES = {kind.label: f"bar-{kind.value}" for kind in ChannelKind}  # in staff's words


class RangeForm(forms.Form):
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )


def list_link(start, end, flag: str = "") -> str:
    """The conversation list filtered to what a total counts: conversations
    with patient messages started in the range (with the flag, if any)."""
    query = {"start": start.isoformat(), "end": end.isoformat(), **({"flag": flag} if flag else {})}
    return f"{reverse('review:conversations')}?{urlencode(query)}"


@require_GET
@with_fresh_index
def insights(request: HttpRequest) -> HttpResponse:
    form = RangeForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    found = insights_data.count(*insights_data.date_range(data.get("start"), data.get("end")))
    unit, buckets = found.unit, found.buckets
    per_channel = {ChannelKind(kind).label: series for kind, series in found.per_channel.items()
                   if series or kind != ChannelKind.OTHER}
    context = {
        "form": form, "start": found.start, "end": found.end, "unit": unit,
        "conversations_total": found.conversations_total,
        "urgent_total": found.urgent_total,
        "callback_total": found.callback_total,
        "messages_total": found.messages_total,
        "fallback_rate": found.fallback_share,
        "links": {
            name: list_link(found.start, found.end, flag)
            for name, flag in (("all", ""), ("urgent", "urgent"), ("callback", "callback"),
                               ("fallback", "fallback"))
        },
        "charts": [
            charts.columns(f"Conversations per {unit} by channel", buckets, per_channel,
                           CHANNEL_SERIES),
            charts.horizontal("Top topics (patient messages)",
                              [(topics.topic(intent), n) for intent, n in found.top_intents]),
            charts.columns(f"Not understood per {unit} (share of patient messages)", buckets,
                           {"Not understood": found.fallback_rate},
                           {"Not understood": "bar-fallback"}, percent=True),
            charts.columns(f"Urgent and call-back conversations per {unit}", buckets, found.flags,
                           {"Urgent": "bar-urgent", "Call-back": "bar-callback"}, stacked=False),
        ],
    }
    return render(request, "review/insights.html", context)
