"""The conversation list's filters: flag, channel, date range, intent, free
text (which also finds a conversation by its label, and for admins by its
exact id), and the audit entry every free-text search leaves."""

from __future__ import annotations

from datetime import timedelta
from typing import Dict

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from review import audit, labels, topics
from review.domain import intents
from review.models import ChannelKind, ConversationSummary, MessageSummary

FLAGS = [
    ("", "Any"),
    ("urgent", "Urgent"),
    ("callback", "Call-back requested"),
    ("fallback", "Not understood"),
    ("opted_out", "Opted out of texts"),
]
FLAG_FIELDS = {
    "urgent": "urgent",
    "callback": "callback",
    "fallback": "low_confidence",
    "opted_out": "opted_out",
}
CHANNELS = [("", "Any")] + [(kind.value, kind.label) for kind in ChannelKind
                            if kind != ChannelKind.OTHER]


PERIODS = [("", "Any time"), ("today", "Today"), ("24h", "Last 24 h")]


class ConversationFilter(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False, label="When")
    flag = forms.ChoiceField(choices=FLAGS, required=False, label="Flag")
    channel = forms.ChoiceField(choices=CHANNELS, required=False, label="Channel")
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    intent = forms.ChoiceField(required=False, label="Topic")
    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"type": "search"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intent"].choices = [("", "Any")] + sorted(
            ((name, topics.topic(name)) for name in intents()), key=lambda choice: choice[1])

    def active(self) -> Dict[str, str]:
        """The filters in use, for links and hidden fields (page excluded)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: str(value) for name, value in self.cleaned_data.items() if value}


def _query(form: ConversationFilter) -> str:
    return ((form.cleaned_data.get("q") if form.is_bound and form.is_valid() else "") or "").strip()


def conversations(form: ConversationFilter, by_id: bool = False) -> QuerySet:
    """Indexed conversations with at least one patient message, filtered, newest first.

    `by_id`: the free text also matches a conversation id exactly, for admins
    finding the conversation of a patient who asks for its deletion (the id is
    never shown, so only someone who was given it can type it).
    """
    qs = ConversationSummary.objects.with_messages()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("flag"):
        qs = qs.filter(**{FLAG_FIELDS[data["flag"]]: True})
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    if data.get("period") == "today":
        qs = qs.filter(started_day=timezone.localdate())
    elif data.get("period") == "24h":
        qs = qs.filter(started_at__gte=timezone.now() - timedelta(hours=24))
    if data.get("start"):
        qs = qs.filter(started_day__gte=data["start"])
    if data.get("end"):
        qs = qs.filter(started_day__lte=data["end"])
    if data.get("intent"):
        qs = qs.filter(
            sender_id__in=MessageSummary.objects.filter(intent=data["intent"]).values("sender_id")
        )
    query = _query(form)
    text = " ".join(query.split()).lower()
    if text:
        # search_text is lower-cased at indexing, so `contains` is a plain LIKE everywhere
        match = Q(search_text__contains=text)
        if labels.is_label(text):
            match |= Q(label=text)
        if by_id:
            match |= Q(sender_id=query)
        qs = qs.filter(match)
    return qs.newest_first()


def record_search(request: HttpRequest, form: ConversationFilter, matches: int, **detail) -> None:
    """Free text searches the patients' own words, unredacted: who looked for
    what is on record, exactly as typed (only admins read the audit log). An
    admin's lookup by id names the conversation it found."""
    query = _query(form)
    if not query:
        return
    found = ""
    if request.user.is_console_admin:
        found = ConversationSummary.objects.label_of(query)
    audit.record("search", request, conversation=found, query=query, matches=matches, **detail)
