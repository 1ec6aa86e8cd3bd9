"""The follow-up queue: urgent and call-back conversations, oldest first,
each marked done by the signed-in staff member with a note."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from django.contrib import messages
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from review import audit, indexer
from review.forms import FollowUpForm
from review.models import ConversationSummary, FollowUp
from review.views.access import paginate


def open_follow_ups() -> QuerySet:
    """Flagged conversations with no follow-up since their latest flag."""
    covered = (
        FollowUp.objects.filter(sender_id=OuterRef("sender_id"))
        .order_by("-covers_until").values("covers_until")[:1]
    )
    return (
        ConversationSummary.objects.filter(Q(urgent=True) | Q(callback=True))
        .annotate(covered=Subquery(covered))
        .filter(Q(covered__isnull=True) | Q(last_flagged_at__gt=F("covered")))
        .defer("search_text")
        .order_by("first_flagged_at", "id")
    )


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    indexer.refresh()
    label = ConversationSummary.objects.filter(sender_id=OuterRef("sender_id")).values("label")[:1]
    return render(request, "review/followups.html", {
        "page": paginate(request, open_follow_ups()),
        "form": FollowUpForm(),
        "done": FollowUp.objects.select_related("done_by").annotate(label=Subquery(label))
                                .order_by("-done_at")[:20],
    })


def _seen(value: str) -> Optional[datetime]:
    try:
        seen = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return seen if seen.tzinfo else None


@require_POST
def mark_done(request: HttpRequest, label: str) -> HttpResponse:
    indexer.refresh()  # a flag raised since the page loaded must be known here
    summary = get_object_or_404(ConversationSummary, label=label)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a note saying what was done.")
        return redirect("followups")
    # Done covers what the staff member saw: the latest flag when the page loaded.
    seen = _seen(request.POST.get("seen", ""))
    latest = summary.last_flagged_at or timezone.now()
    if seen is None:
        messages.error(request, "The queue was out of date. Reload it and try again.")
        return redirect("followups")
    FollowUp.objects.create(
        sender_id=summary.sender_id, done_by=request.user, note=form.cleaned_data["note"],
        covers_until=min(seen, latest),
    )
    flagged_again = latest > seen
    audit.record("follow_up_done", request, conversation=summary.label,
                 urgent=summary.urgent or None, callback=summary.callback or None,
                 flagged_again=flagged_again or None)
    if flagged_again:
        messages.warning(request, f"{summary.label} was flagged again after you opened the queue: "
                                  "it stays in the queue. Read the new messages.")
    else:
        messages.success(request, f"Marked {summary.label} as done.")
    return redirect("followups")
