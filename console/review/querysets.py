"""The console's queries, as methods of its models' query sets, so views
read `ConversationSummary.objects.not_done()` and build no ORM query inline
(the managers are in review/models.py)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Dict, Iterable, Optional

from django.apps import apps
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.utils import timezone

from review.choices import Status

if TYPE_CHECKING:
    from review.models import ConversationSummary, User

# What the conversation list and the API show of each conversation.
LIST_FIELDS = [
    "id", "label", "channel", "started_at", "patient_messages", "assistant_messages",
    "urgent", "callback", "low_confidence", "opted_out", "preview",
    "first_flagged_at", "last_flagged_at",
]


def _model(name: str) -> type:
    """A model of this app, looked up when a query runs (the models import this module)."""
    return apps.get_model("review", name)


def _followed_up() -> Exists:
    """Whether a follow-up covers the conversation's latest flag (a newer flag reopens it).
    A condition of its own, not the `status` annotation, so that PostgreSQL filters on it
    with an anti-join instead of computing every flagged conversation's status."""
    return Exists(_model("FollowUp").objects.filter(
        sender_id=OuterRef("sender_id"), covers_until__gte=OuterRef("last_flagged_at")))


class ConversationQuerySet(models.QuerySet):
    def with_messages(self) -> ConversationQuerySet:
        """Conversations in which the patient wrote (not only a session start)."""
        return self.filter(patient_messages__gt=0)

    def newest_first(self) -> ConversationQuerySet:
        return self.order_by("-started_at", "-id")

    def for_list(self) -> ConversationQuerySet:
        return self.only(*LIST_FIELDS)

    def started_between(self, start: date, end: date) -> ConversationQuerySet:
        """Conversations with patient messages that started on these days (both included)."""
        return self.with_messages().filter(started_day__gte=start, started_day__lte=end)

    def labelled(self, labels: Iterable[str]) -> ConversationQuerySet:
        return self.filter(label__in=list(labels))

    def label_of(self, sender_id: str) -> str:
        """The label of the conversation with this exact id, or ""."""
        return self.filter(sender_id=sender_id).values_list("label", flat=True).first() or ""

    def labels_by_sender(self, sender_ids: Iterable[str]) -> Dict[str, str]:
        return dict(self.filter(sender_id__in=set(sender_ids)).values_list("sender_id", "label"))

    def flagged(self) -> ConversationQuerySet:
        return self.filter(Q(urgent=True) | Q(callback=True))

    def with_status(self) -> ConversationQuerySet:
        """Annotates `status`, `assignee_name`, `case_version` and `waiting_since`.

        Done means a follow-up covers the latest flag (a newer flag reopens
        it); assigned means someone took the case and has not closed it.
        """
        any_follow_up = Exists(_model("FollowUp").objects.filter(sender_id=OuterRef("sender_id")))
        case = _model("Case").objects.filter(sender_id=OuterRef("sender_id"))
        return self.annotate(
            assignee_name=Subquery(case.values("assignee__username")[:1]),
            assigned_at=Subquery(case.values("assigned_at")[:1]),
            case_version=Subquery(case.values("version")[:1]),
        ).annotate(
            status=models.Case(  # the SQL CASE, not the Case model
                models.When(_followed_up(), then=Value(Status.DONE)),
                models.When(assignee_name__isnull=False, then=Value(Status.ASSIGNED)),
                default=Value(Status.OPEN),
            ),
            # since the first flag, or since the one that reopened a done case
            waiting_since=models.Case(models.When(~any_follow_up, then=F("first_flagged_at")),
                                      default=F("last_flagged_at")),
        )

    def cases(self) -> ConversationQuerySet:
        """Flagged conversations with their follow-up state (done ones too)."""
        return self.flagged().with_status()

    def not_done(self) -> ConversationQuerySet:
        """Flagged conversations still waiting for someone, urgent first, then longest waiting."""
        return (self.flagged().exclude(_followed_up()).with_status()
                .defer("search_text").order_by("-urgent", "waiting_since", "id"))

    def in_tab(self, tab: str, username: str) -> ConversationQuerySet:
        """The open cases of one of the queue's tabs (views/followups.py); `username` for "mine"."""
        waiting = self.not_done()
        if tab == "urgent":
            return waiting.filter(urgent=True)
        if tab == "callback":
            return waiting.filter(callback=True)
        if tab == "mine":
            return waiting.filter(assignee_name=username)
        return waiting

    def next_for(self, user: User, after: ConversationSummary) -> Optional[ConversationSummary]:
        """The first item of the queue, other than `after`, that nobody else has taken."""
        return (self.not_done().exclude(pk=after.pk)
                .filter(Q(status=Status.OPEN) | Q(assignee_name=user.get_username())).first())


class MessageQuerySet(models.QuerySet):
    def between(self, start: date, end: date) -> MessageQuerySet:
        """Patient messages written on these days (both included)."""
        return self.filter(day__gte=start, day__lte=end)

    def unreviewed(self) -> MessageQuerySet:
        """The review inbox, newest first: messages that need a look (not understood,
        answered "only English", or reported by staff as a wrong answer) and have no
        correction yet; each with `reported_by`, the name of whoever reported it."""
        reviewed = _model("Correction").objects.filter(event_id__isnull=False).values("event_id")
        reports = _model("WrongAnswer").objects
        reporter = reports.filter(event_id=OuterRef("event_id")).values("reported_by__username")
        return (self.filter(Q(needs_review=True) | Q(event_id__in=reports.values("event_id")))
                .exclude(event_id__in=reviewed)
                .annotate(reported_by=Subquery(reporter[:1]))
                .order_by("-at", "-event_id"))


class WrongAnswerQuerySet(models.QuerySet):
    def event_ids_of(self, sender_id: str) -> set:
        """The patient messages of one conversation that staff reported as answered wrongly."""
        return set(self.filter(sender_id=sender_id).values_list("event_id", flat=True))


class FollowUpQuerySet(models.QuerySet):
    def of(self, sender_id: str) -> FollowUpQuerySet:
        """One conversation's follow-ups, newest first."""
        return self.filter(sender_id=sender_id).select_related("done_by").order_by("-done_at")

    def done_today(self) -> FollowUpQuerySet:
        """Today's follow-ups (the console's time zone), newest first, with their
        conversation's label."""
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        label = (_model("ConversationSummary").objects.filter(sender_id=OuterRef("sender_id"))
                 .values("label")[:1])
        return (self.filter(done_at__gte=start).select_related("done_by")
                .annotate(label=Subquery(label)).order_by("-done_at"))


class AuditQuerySet(models.QuerySet):
    def matching(self, action: str = "", conversation: str = "") -> AuditQuerySet:
        """Entries of one action and of one conversation (its label), when given."""
        entries = self
        if action:
            entries = entries.filter(action=action)
        if conversation:
            entries = entries.filter(conversation=conversation)
        return entries
