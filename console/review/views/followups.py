"""The follow-up queue and acting on a case: take it ("assign to me"), and
mark it done with an outcome and a note, from the transcript's side panel.

Two people must not handle one case without knowing: each form carries the
case's version and the latest flag its page showed. If a colleague took or
closed the case meanwhile, or has it, nothing is saved: the page comes back
with a warning and the note kept, and acting on a colleague's case needs a
tick to confirm.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from review import audit, drafts
from review.flag_messages import with_flag_messages
from review.forms import CaseForm, FollowUpForm
from review.models import Case, ConversationSummary, FollowUp, Status
from review.views.access import paginate, with_fresh_index

TABS = {
    "open": "All open",
    "urgent": "Urgent",
    "callback": "Call-back",
    "mine": "Mine",
    "done": "Done today",
}


@require_GET
@with_fresh_index
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "open"
    context = {"tab": tab, "tabs": TABS, "query": f"tab={tab}", "now": timezone.now()}
    if tab == "done":
        context["page"] = paginate(request, FollowUp.objects.done_today())
    else:
        cases = ConversationSummary.objects.in_tab(tab, request.user.get_username())
        page = paginate(request, cases)
        context["page"], context["rows"] = page, with_flag_messages(list(page))
    return render(request, "review/followups.html", context)


def _case(label: str) -> ConversationSummary:
    return get_object_or_404(ConversationSummary.objects.cases(), label=label)


def _conflict(request: HttpRequest, case: ConversationSummary, form: CaseForm) -> str:
    """Why acting now could undo or double a colleague's work; "" when it cannot."""
    me = request.user.get_username()
    if form.cleaned_data["version"] != (case.case_version or 0):
        if case.status == Status.DONE:
            return ("Someone marked this case done while you had it open. "
                    "Read their note before adding yours.")
        if case.assignee_name and case.assignee_name != me:
            return f"{case.assignee_name} took this case while you had it open."
        return "This case changed while you had it open. Check it and try again."
    if case.assignee_name and case.assignee_name != me and not form.cleaned_data["confirm"]:
        return f"{case.assignee_name} is handling this case. Tick the box to act on it anyway."
    return ""


def _back(case: ConversationSummary) -> HttpResponse:
    return redirect(reverse("review:transcript", args=[case.label]) + "#case")


@require_POST
def assign(request: HttpRequest, label: str) -> HttpResponse:
    """Takes the case ("assign to me"); taking a colleague's needs confirming."""
    case = _case(label)
    form = CaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date. Try again.")
        return _back(case)
    conflict = _conflict(request, case, form)
    if conflict or not Case.change(
        case.sender_id, form.cleaned_data["version"], request.user, timezone.now()
    ):
        messages.warning(
            request, conflict or "This case changed while you had it open. Check it and try again."
        )
        return _back(case)
    previous = case.assignee_name if case.assignee_name != request.user.get_username() else None
    audit.record("follow_up_assigned", request, conversation=case.label, took_over_from=previous)
    messages.success(request, "You are handling this case.")
    return _back(case)


@require_POST
@with_fresh_index  # a flag raised since the page loaded must be known here
def mark_done(request: HttpRequest, label: str) -> HttpResponse:
    case = _case(label)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        drafts.keep(request, case.label, request.POST)
        messages.error(request, "Choose the outcome and write a note saying what was done.")
        return _back(case)
    seen = form.seen_flag()
    conflict = (
        _conflict(request, case, form)
        if seen
        else "The page was out of date. Check it and try again."
    )
    latest = case.last_flagged_at or timezone.now()
    with transaction.atomic():
        if not conflict and not Case.change(case.sender_id, form.cleaned_data["version"], None):
            conflict = "This case changed while you had it open. Check it and try again."
        if conflict:
            transaction.set_rollback(True)
        else:
            # Done covers what the staff member saw: the latest flag when the page loaded.
            FollowUp.objects.create(
                sender_id=case.sender_id, done_by=request.user, note=form.cleaned_data["note"],
                reason=form.cleaned_data["reason"], covers_until=min(seen, latest),
            )
    if conflict:
        drafts.keep(request, case.label, request.POST)
        messages.warning(request, conflict + " Your note is kept below.")
        return _back(case)
    drafts.saved(request, case.label)
    flagged_again = latest > seen
    me = request.user.get_username()
    audit.record(
        "follow_up_done",
        request,
        conversation=case.label,
        reason=form.cleaned_data["reason"],
        urgent=case.urgent or None,
        callback=case.callback or None,
        flagged_again=flagged_again or None,
        took_over_from=case.assignee_name if case.assignee_name not in (None, me) else None,
    )
    if flagged_again:
        messages.warning(
            request,
            f"{case.label} was flagged again after you opened it: it stays open. "
            "Read the new messages.",
        )
        return _back(case)
    messages.success(request, f"Marked {case.label} as done.")
    following = ConversationSummary.objects.next_for(request.user, case)
    if following is None:
        return redirect("review:followups")
    return redirect(reverse("review:transcript", args=[following.label]) + "#case")

