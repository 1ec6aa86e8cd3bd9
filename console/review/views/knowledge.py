"""The knowledge base, read-only: every answer, its SMS answer and the page
sentences behind it, with its clinical review state. Staff read it to know what
patients are told; an admin signs an entry off (audited), which reaches the
assistant when its action server next starts (no retraining)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clinic.contract import EntityType
from clinic.kb import KB_DIR, AnswerText, Entry, KnowledgeBase
from clinic.kb_review import (
    NEVER,
    REVIEWED,
    Fingerprint,
    StaleReview,
    fingerprint,
    load_reviews,
    page_paragraphs,
    paragraph_of,
    record_review,
    state_of,
    strict_mode,
)
from clinic.kb_style import reading_grade
from clinic.kb_validator import PAGE_FILE
from review import audit
from review.forms import KnowledgeReviewForm
from review.views.access import admin_required

# An entity type in staff words ("body_area" -> "body area").
ENTITY_WORDS = {kind: kind.replace("_", " ")
                for kind in (EntityType.CONDITION, EntityType.BODY_AREA, EntityType.HEALTH_FACTOR)}


@dataclass(frozen=True)
class Piece:
    """Part of a page paragraph; `quoted` when an answer rests on it."""

    text: str
    quoted: bool


@dataclass(frozen=True)
class ShownText:
    heading: str
    answer: str
    short: str
    grade: float
    short_grade: float
    # The page paragraphs the sources sit in, each once, with the sources marked.
    paragraphs: Tuple[Tuple[Piece, ...], ...]


def _load() -> Tuple[KnowledgeBase, str]:
    """Read on every request: an edit shows at once, as the validator sees it."""
    return KnowledgeBase.load(KB_DIR), PAGE_FILE.read_text(encoding="utf-8")


def heading(label: str) -> str:
    """A text's label in staff words: "variant condition=melasma" -> "If the
    patient mentions melasma"."""
    if label == "main":
        return "Answer"
    kind, _, rest = label.partition(" ")
    etype, _, value = rest.partition("=")
    if kind == "variant":
        return f"If the patient mentions {value} ({ENTITY_WORDS.get(etype, etype)})"
    return f"If the patient names any other {ENTITY_WORDS.get(etype, etype)}"


def in_context(sources: Tuple[str, ...], paragraphs: List[str]) -> Tuple[Tuple[Piece, ...], ...]:
    """Each paragraph holding a source, in the sources' order, cut into pieces
    so every source sentence in it can be marked."""
    quotes = [" ".join(s.split()) for s in sources]
    shown: List[Tuple[Piece, ...]] = []
    for paragraph in dict.fromkeys(paragraph_of(q, paragraphs) for q in quotes):
        marks = sorted(
            {(paragraph.find(q), paragraph.find(q) + len(q)) for q in quotes if q in paragraph}
        )
        pieces, at = [], 0
        for start, end in marks:
            if start < at:  # overlaps the previous quote: extend it
                start = at
            if start > at:
                pieces.append(Piece(paragraph[at:start], False))
            if end > start:
                pieces.append(Piece(paragraph[start:end], True))
            at = max(at, end)
        if at < len(paragraph):
            pieces.append(Piece(paragraph[at:], False))
        shown.append(tuple(pieces))
    return tuple(shown)


def _shown(label: str, text: AnswerText, paragraphs: List[str], fill: str) -> ShownText:
    return ShownText(
        heading(label), text.answer.replace("{value}", fill), text.short.replace("{value}", fill),
        reading_grade(text.answer), reading_grade(text.short),
        in_context(text.sources, paragraphs),
    )


def _entry(kb: KnowledgeBase, entry_id: str) -> Entry:
    entry = kb.entries.get(entry_id)
    if entry is None:
        raise Http404("no such entry")
    return entry


@require_GET
def entries(request: HttpRequest) -> HttpResponse:
    kb, page = _load()
    paragraphs, reviews = page_paragraphs(page), load_reviews(KB_DIR)
    rows = [
        (entry, state_of(entry, reviews.get(entry.id), paragraphs)) for entry in kb.entries.values()
    ]
    return render(request, "review/knowledge.html", {
        "rows": rows,
        "strict": strict_mode(),
        "due": sum(state.status != REVIEWED for _, state in rows),
    })


@require_GET
def entry(request: HttpRequest, entry_id: str) -> HttpResponse:
    kb, page = _load()
    found = _entry(kb, entry_id)
    paragraphs = page_paragraphs(page)
    seen = fingerprint(found, paragraphs)
    return render(
        request,
        "review/knowledge_entry.html",
        {
            "entry": found,
            "related": [kb.entries[r] for r in found.related if r in kb.entries],
            "texts": [
                _shown(
                    label,
                    text,
                    paragraphs,
                    f"[the {ENTITY_WORDS.get(label.split()[-1], 'value')} named]",
                )
                for label, text in found.texts()
            ],
            "state": state_of(found, load_reviews(KB_DIR).get(found.id), paragraphs),
            "never": NEVER,
            "form": KnowledgeReviewForm(initial={"answers": seen.answers, "sources": seen.sources}),
        },
    )


def _next_due(kb: KnowledgeBase, page: str, after: str) -> Optional[str]:
    """The next entry (in order, wrapping) still awaiting review."""
    paragraphs, reviews = page_paragraphs(page), load_reviews(KB_DIR)
    ids = list(kb.entries)
    start = ids.index(after) + 1 if after in ids else 0
    for entry_id in ids[start:] + ids[:start]:
        if state_of(kb.entries[entry_id], reviews.get(entry_id), paragraphs).status != REVIEWED:
            return entry_id
    return None


@require_POST
@admin_required
def sign_off(request: HttpRequest, entry_id: str) -> HttpResponse:
    kb, page = _load()
    found = _entry(kb, entry_id)
    form = KnowledgeReviewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Tick the box to confirm you read every answer against its page sentences."
        )
        return redirect("review:knowledge_entry", entry_id=found.id)
    seen = Fingerprint(form.cleaned_data["answers"], form.cleaned_data["sources"])
    reviewer = request.user.get_full_name() or request.user.get_username()
    try:
        review = record_review(found, reviewer, page, seen, KB_DIR)
    except StaleReview:
        messages.error(
            request,
            "This entry changed while you were reading it. Read it again before signing it off.",
        )
        return redirect("review:knowledge_entry", entry_id=found.id)
    audit.record("knowledge_reviewed", request, entry=found.id,
                 answers=review.answers[:12], sources=review.sources[:12])
    messages.success(
        request, f"Signed off “{found.title}”. Patients get it when the assistant next restarts."
    )
    following = _next_due(kb, page, found.id)
    if following:
        return redirect("review:knowledge_entry", entry_id=following)
    return redirect("review:knowledge")
