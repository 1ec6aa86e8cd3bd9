"""The conversation list, transcripts (redacted; a reveal is an audited POST
with a reason), deletion on a patient's request, and exports. Conversations
are named by their label (review/labels.py), never by their id."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from review import audit, exports, indexer, retention, sms_records
from review.filters import ConversationFilter, conversations, record_search
from review.forms import DeleteForm, ExportForm, RevealForm
from review.models import ConversationSummary, FollowUp
from review.redaction import redactor
from review.tracker_store import default_store
from review.transcript import build, redacted
from review.views.access import admin_required, paginate, query_without_page

LIST_FIELDS = [
    "id", "label", "channel", "started_at", "patient_messages", "assistant_messages",
    "urgent", "callback", "low_confidence", "opted_out", "preview",
]
# A reveal lasts this long in the session that asked for it, so reloading the
# revealed page or going Back to it works without asking again.
REVEAL_SECONDS = 600
REVEALED = "revealed"  # session key: {label: until (epoch seconds)}


@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    indexer.refresh()
    form = ConversationFilter(request.GET or None)
    page = paginate(request, conversations(form, by_id=request.user.is_console_admin).only(*LIST_FIELDS))
    record_search(request, form, page.paginator.count)
    return render(request, "review/conversations.html", {
        "form": form,
        "page": page,
        "query": query_without_page(form.active()),
        "active": form.active(),
        "export_form": ExportForm(initial={"scope": "selected"}),
    })


def _render_transcript(request: HttpRequest, summary: ConversationSummary, reveal: bool) -> HttpResponse:
    sessions = redacted(build(default_store().conversation(summary.sender_id)), redactor(reveal))
    audit.record("view_transcript", request, conversation=summary.label, revealed=reveal or None)
    return render(request, "review/transcript.html", {
        "summary": summary,
        "sessions": sessions,
        "revealed": reveal,
        "callback_number": sms_records.callback_number(summary.sender_id) if reveal else None,
        "follow_ups": FollowUp.objects.filter(sender_id=summary.sender_id).select_related("done_by")
                                      .order_by("-done_at"),
        "reveal_form": RevealForm(),
        "delete_form": DeleteForm(),
    })


@require_GET
def transcript(request: HttpRequest, label: str) -> HttpResponse:
    return _render_transcript(request, get_object_or_404(ConversationSummary, label=label), reveal=False)


@require_POST
def reveal(request: HttpRequest, label: str) -> HttpResponse:
    """Reveals the transcript's personal data, for a reason that goes in the
    audit log, to this session for REVEAL_SECONDS; then redirects to the
    revealed page (POST-redirect-GET: reload and Back do not post again)."""
    summary = get_object_or_404(ConversationSummary, label=label)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason (up to 200 characters) to reveal personal data.")
        return redirect("transcript", label=label)
    reason = form.cleaned_data["reason"]
    audit.record("reveal", request, conversation=label, reason=reason)
    if sms_records.callback_number(summary.sender_id):
        audit.record("reveal_callback_number", request, conversation=label, reason=reason)
    now = time.time()
    grants = {k: until for k, until in request.session.get(REVEALED, {}).items() if until > now}
    grants[label] = now + REVEAL_SECONDS
    request.session[REVEALED] = grants
    return redirect("revealed", label=label)


@require_GET
def revealed(request: HttpRequest, label: str) -> HttpResponse:
    summary = get_object_or_404(ConversationSummary, label=label)
    if request.session.get(REVEALED, {}).get(label, 0) <= time.time():
        messages.info(request, "Personal data is hidden again. Give a reason to reveal it.")
        return redirect("transcript", label=label)
    return _render_transcript(request, summary, reveal=True)


@require_POST
def hide(request: HttpRequest, label: str) -> HttpResponse:
    """Ends a reveal before its time."""
    request.session[REVEALED] = {k: v for k, v in request.session.get(REVEALED, {}).items() if k != label}
    return redirect("transcript", label=label)


@require_POST
@admin_required
def delete(request: HttpRequest, label: str) -> HttpResponse:
    summary = get_object_or_404(ConversationSummary, label=label)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the box to confirm the deletion.")
        return redirect("transcript", label=label)
    deleted = retention.delete_conversation(summary.sender_id, request)
    messages.success(request, f"Deleted conversation {label} ({deleted.events} events).")
    return redirect("conversations")


@require_POST
@admin_required
def export(request: HttpRequest) -> HttpResponse:
    form, filters = ExportForm(request.POST), ConversationFilter(request.POST)
    if not form.is_valid() or not filters.is_valid():
        messages.error(request, "The export options were not valid.")
        return redirect("conversations")
    if form.cleaned_data["scope"] == "selected":
        chosen = ConversationSummary.objects.filter(label__in=request.POST.getlist("conversation"))
        chosen = chosen.order_by("-started_at", "-id")
    else:
        indexer.refresh()
        chosen = conversations(filters, by_id=True)
    chosen = list(chosen.defer("search_text"))
    if not chosen:
        messages.error(request, "Select at least one conversation to export.")
        return redirect("conversations")
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
    lines = (exports.csv_lines if kind == "csv" else exports.jsonl_lines)(chosen, redactor(unredacted))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        lines, content_type="text/csv; charset=utf-8" if kind == "csv" else "application/x-ndjson",
    )
    suffix = "" if not unredacted else "-unredacted"
    response["Content-Disposition"] = f'attachment; filename="conversations-{stamp}{suffix}.{kind}"'
    return response
