"""The conversation list, transcripts (redacted; a reveal is an audited POST
with a reason), deletion on a patient's request, and exports. Conversations
are named by their label (review/labels.py), never by their id."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from review import audit, callback_numbers, drafts, exports, retention, sms_records
from review.filters import PERIODS, ConversationFilter, conversations, record_search
from review.forms import DeleteForm, ExportForm, FollowUpForm, RevealForm
from review.models import ConversationSummary, FollowUp, WrongAnswer
from review.redaction import redactor
from review.tracker_store import default_store
from review.transcript import build, redacted
from review.views.access import admin_required, paginate, query_without_page, with_fresh_index

# A reveal lasts this long in the session that asked for it, so reloading the
# revealed page or going Back to it works without asking again.
REVEAL_SECONDS = 600
REVEALED = "revealed"  # session key: {label: until (epoch seconds)}
NUMBER_SHOWN = "number_shown"  # the same, for the call-back number alone


@require_GET
@with_fresh_index
def conversation_list(request: HttpRequest) -> HttpResponse:
    form = ConversationFilter(request.GET or None)
    page = paginate(request, conversations(form, by_id=request.user.is_console_admin).for_list()
                    .with_status())
    record_search(request, form, page.paginator.count)
    return render(request, "review/conversations.html", {
        "form": form,
        "page": page,
        "query": query_without_page(form.active()),
        "active": form.active(),
        "export_form": ExportForm(initial={"scope": "selected"}),
        "periods": PERIODS,
        "period": form.active().get("period", ""),
    })


def _granted(request: HttpRequest, key: str, label: str) -> bool:
    return request.session.get(key, {}).get(label, 0) > time.time()


def _grant(request: HttpRequest, key: str, label: str) -> None:
    now = time.time()
    grants = {k: until for k, until in request.session.get(key, {}).items() if until > now}
    grants[label] = now + REVEAL_SECONDS
    request.session[key] = grants


def _render_transcript(
    request: HttpRequest, summary: ConversationSummary, reveal: bool
) -> HttpResponse:
    sessions = build(default_store().conversation(summary.sender_id))
    number = callback_numbers.callback_number(summary.sender_id, summary.channel, sessions)
    number_shown = bool(number) and (reveal or _granted(request, NUMBER_SHOWN, summary.label))
    sessions = redacted(sessions, redactor(reveal))
    audit.record("view_transcript", request, conversation=summary.label, revealed=reveal or None)
    case = ConversationSummary.objects.cases().filter(pk=summary.pk).first()
    draft = drafts.take(request, summary.label)
    return render(request, "review/transcript.html", {
        "summary": summary,
        "case": case,
        "sessions": sessions,
        "revealed": reveal,
        "has_number": bool(number),
        "number": number if number_shown else None,
        "tel": callback_numbers.tel_uri(number) if number_shown else "",
        "follow_ups": FollowUp.objects.of(summary.sender_id),
        "reported": WrongAnswer.objects.event_ids_of(summary.sender_id),
        "done_form": FollowUpForm(initial=draft) if draft else FollowUpForm(),
        "draft_kept": bool(draft),
        "reveal_form": RevealForm(),
        "delete_form": DeleteForm(),
        "now": timezone.now(),
    })


@require_GET
def transcript(request: HttpRequest, label: str) -> HttpResponse:
    return _render_transcript(
        request, get_object_or_404(ConversationSummary, label=label), reveal=False
    )


@require_POST
def show_number(request: HttpRequest, label: str) -> HttpResponse:
    """Shows the call-back number alone (not the rest of the personal data),
    audited, to this session for REVEAL_SECONDS; then redirects to the
    transcript (POST-redirect-GET: Back and reload post nothing again)."""
    get_object_or_404(ConversationSummary, label=label)
    audit.record(
        "reveal_callback_number", request, conversation=label, reason="call-back number shown alone"
    )
    _grant(request, NUMBER_SHOWN, label)
    return redirect(reverse("review:transcript", args=[label]) + "#call-back")


@require_POST
def reveal(request: HttpRequest, label: str) -> HttpResponse:
    """Reveals the transcript's personal data, for a reason that goes in the
    audit log, to this session for REVEAL_SECONDS; then redirects to the
    revealed page (POST-redirect-GET: reload and Back do not post again)."""
    summary = get_object_or_404(ConversationSummary, label=label)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason (up to 200 characters) to reveal personal data.")
        return redirect("review:transcript", label=label)
    reason = form.cleaned_data["reason"]
    audit.record("reveal", request, conversation=label, reason=reason)
    if sms_records.callback_number(summary.sender_id):
        audit.record("reveal_callback_number", request, conversation=label, reason=reason)
    _grant(request, REVEALED, label)
    return redirect("review:revealed", label=label)


@require_GET
def revealed(request: HttpRequest, label: str) -> HttpResponse:
    summary = get_object_or_404(ConversationSummary, label=label)
    if not _granted(request, REVEALED, label):
        messages.info(request, "Personal data is hidden again. Give a reason to reveal it.")
        return redirect("review:transcript", label=label)
    return _render_transcript(request, summary, reveal=True)


@require_POST
def hide(request: HttpRequest, label: str) -> HttpResponse:
    """Ends a reveal (and a shown number) before its time."""
    for key in (REVEALED, NUMBER_SHOWN):
        request.session[key] = {k: v for k, v in request.session.get(key, {}).items() if k != label}
    return redirect("review:transcript", label=label)


@require_POST
@admin_required
def delete(request: HttpRequest, label: str) -> HttpResponse:
    summary = get_object_or_404(ConversationSummary, label=label)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the box to confirm the deletion.")
        return redirect("review:transcript", label=label)
    deleted = retention.delete_conversation(summary.sender_id, request)
    messages.success(request, f"Deleted conversation {label} ({deleted.events} events).")
    return redirect("review:conversations")


@require_POST
@admin_required
@with_fresh_index  # for an export of every conversation the filter matches
def export(request: HttpRequest) -> HttpResponse:
    form, filters = ExportForm(request.POST), ConversationFilter(request.POST)
    if not form.is_valid() or not filters.is_valid():
        messages.error(request, "The export options were not valid.")
        return redirect("review:conversations")
    if form.cleaned_data["scope"] == "selected":
        chosen = (ConversationSummary.objects.labelled(request.POST.getlist("conversation"))
                  .newest_first())
    else:
        chosen = conversations(filters, by_id=True)
    chosen = list(chosen.defer("search_text"))
    if not chosen:
        messages.error(request, "Select at least one conversation to export.")
        return redirect("review:conversations")
    unredacted = form.cleaned_data["include_personal_data"]
    kind = form.cleaned_data["format"]
    active = filters.active()
    audit.record(
        "export", request, format=kind, conversations=len(chosen), redacted=not unredacted,
        labels=[summary.label for summary in chosen],  # whose data left, for a patient who asks
        scope=form.cleaned_data["scope"],
        filter={k: v for k, v in active.items() if k != "q"} or None,
        query=active.get("q"),  # a search too, as typed (see record_search)
    )
    lines = (exports.csv_lines if kind == "csv" else exports.jsonl_lines)(
        chosen, redactor(unredacted)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        lines, content_type="text/csv; charset=utf-8" if kind == "csv" else "application/x-ndjson",
    )
    suffix = "" if not unredacted else "-unredacted"
    response["Content-Disposition"] = f'attachment; filename="conversations-{stamp}{suffix}.{kind}"'
    return response
