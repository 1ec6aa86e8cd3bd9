"""The review inbox: patient messages the assistant did not understand
(Rasa's fallback or a top intent below 0.5), answered with "only English", or
reported as a wrong answer from a transcript (confident mistakes), newest
first, each with the turn before it and the assistant's reply. Staff pick the right topic (one
click on a suggestion, or from the list; stored and audited, and `make
corrections` writes them out as training data) or dismiss a message that is
no example of anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clinic.contract import Intent
from review import audit, labels, topics
from review.forms import CorrectionForm
from review.models import ConversationSummary, Correction, MessageSummary, WrongAnswer
from review.redaction import redact
from review.tracker_store import default_store
from review.training_export import clean_example
from review.views.access import paginate, with_fresh_index


@dataclass
class Item:
    message: MessageSummary
    text: str
    suggestions: List[Tuple[str, str]]  # (intent, its plain topic name)
    conversation: str  # its label; "" when the conversation is not indexed
    before: List[Tuple[str, str]] = field(default_factory=list)  # (who, text) of the turn before
    reply: str = ""  # what the assistant answered

    @property
    def reason(self) -> str:
        return reason(self.message)


def reason(message: MessageSummary) -> str:
    """Why the message is in the inbox, in staff's words."""
    if getattr(message, "reported_by", None):
        return f"reported as a wrong answer by {message.reported_by}"
    if message.review_reason == MessageSummary.OTHER_LANGUAGE:
        return "not in English (answered that the assistant only answers in English)"
    if message.intent == Intent.NLU_FALLBACK:
        return "not understood"
    return f"unsure, maybe “{topics.topic(message.intent)}”"


def _line(event: dict) -> Tuple[str, str]:
    if event.get("event") == "user":
        return "Patient", redact(event.get("text") or "")
    return "Assistant", event.get("text") or ""


@require_GET
@with_fresh_index
def inbox(request: HttpRequest) -> HttpResponse:
    page = paginate(request, MessageSummary.objects.unreviewed())
    store = default_store()
    events = store.events_by_id([m.event_id for m in page])
    found = ConversationSummary.objects.labels_by_sender(m.sender_id for m in page)
    items = []
    for message in page:
        event = events.get(message.event_id, {})
        ranking = ((event.get("parse_data") or {}).get("intent_ranking")) or []
        wrong = {None, Intent.NLU_FALLBACK} | ({message.intent} if message.reported_by else set())
        names = [r.get("name") for r in ranking if r.get("name") not in wrong][:3]
        before, reply = store.turns_around(message.sender_id, message.event_id)
        items.append(
            Item(
                message,
                redact(event.get("text") or ""),
                [(n, topics.topic(n)) for n in names],
                found.get(message.sender_id, ""),
                [_line(e) for e in before],
                (reply or {}).get("text") or "",
            )
        )
    return render(
        request, "review/inbox.html", {"page": page, "items": items, "form": CorrectionForm()}
    )


@require_POST
def correct(request: HttpRequest, event_id: int) -> HttpResponse:
    message = get_object_or_404(MessageSummary, event_id=event_id)
    form = CorrectionForm(request.POST)
    page = request.POST.get("page", "")
    back = redirect(reverse("review:inbox") + (f"?page={page}" if page.isdigit() else ""))
    if not form.is_valid():
        messages.error(request, "Choose a topic, or dismiss the message.")
        return back
    dismissed = form.cleaned_data["dismiss"]
    intent = "" if dismissed else form.cleaned_data["intent"]
    text = default_store().events_by_id([event_id]).get(event_id, {}).get("text") or ""
    Correction.objects.update_or_create(event_id=event_id, defaults={
        "sender_id": message.sender_id, "original_intent": message.intent,
        "original_confidence": message.confidence, "intent": intent,
        "example": "" if dismissed else clean_example(text), "reviewed_by": request.user,
    })
    audit.record(
        "correction",
        request,
        conversation=labels.label_of(message.sender_id),
        event_id=event_id,
        original_intent=message.intent,
        intent=intent or None,
        dismissed=dismissed or None,
    )
    messages.success(request, "Dismissed." if dismissed else f"Saved as “{topics.topic(intent)}”.")
    return back


@require_POST
@with_fresh_index  # the message may be newer than the index
def report_wrong_answer(request: HttpRequest, label: str, event_id: int) -> HttpResponse:
    """Sends one patient message of a transcript to the review inbox, however
    confident the classifier was (audited); then back to that message
    (POST-redirect-GET)."""
    summary = get_object_or_404(ConversationSummary, label=label)
    message = get_object_or_404(MessageSummary, event_id=event_id, sender_id=summary.sender_id)
    back = redirect(reverse("review:transcript", args=[label]) + f"#m{event_id}")
    correction = Correction.objects.filter(event_id=event_id).first()
    if correction is not None:
        messages.info(request, "This message was already reviewed"
                      + (f" as “{topics.topic(correction.intent)}”." if correction.intent else "."))
        return back
    _, created = WrongAnswer.objects.get_or_create(
        event_id=event_id, defaults={"sender_id": summary.sender_id, "reported_by": request.user}
    )
    if created:
        audit.record("report_wrong_answer", request, conversation=label, event_id=event_id,
                     intent=message.intent, confidence=round(message.confidence, 2))
    messages.success(request, "Sent to the review inbox as a wrong answer.")
    return back
