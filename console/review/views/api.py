"""A small JSON API over the same data (redacted), for scripts and checks.
Without a session it answers 401 (review.middleware.LoginRequired).
Conversations are named by their label; searches are audited as on the list page."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from review import audit, exports
from review.filters import ConversationFilter, conversations, record_search
from review.models import ConversationSummary
from review.redaction import redact
from review.tracker_store import default_store
from review.transcript import build, redacted
from review.views.access import paginate, with_fresh_index


@require_GET
@with_fresh_index
def conversation_list(request: HttpRequest) -> JsonResponse:
    form = ConversationFilter(request.GET or None)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"error": "invalid filter", "fields": form.errors}, status=400)
    page = paginate(request, conversations(form, by_id=request.user.is_console_admin).for_list())
    record_search(request, form, page.paginator.count, via="api")
    return JsonResponse({
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [
            {
                "label": s.label, "channel": s.channel,
                "started_at": s.started_at.isoformat(timespec="seconds"),
                "messages": s.messages, "flags": exports.flags_of(s), "preview": s.preview,
            }
            for s in page
        ],
    })


@require_GET
def conversation_detail(request: HttpRequest, label: str) -> JsonResponse:
    summary = get_object_or_404(ConversationSummary, label=label)
    sessions = redacted(build(default_store().conversation(summary.sender_id)), redact)
    audit.record("view_transcript", request, conversation=summary.label, via="api")
    return JsonResponse({
        "label": summary.label, "channel": summary.channel,
        "flags": exports.flags_of(summary), "sessions": exports.sessions_json(sessions),
    })
