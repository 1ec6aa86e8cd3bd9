"""Clinical sign-off of the knowledge base: who reviewed each entry, when, and
what exactly they read.

A review records two fingerprints of its entry: of the answers (title, every
full and SMS text) and of the page sentences behind them, each with the page
paragraph it sits in, so an edit of the page around a quoted sentence counts
too. An entry is "reviewed" while both still match, "changed" when either
differs, and "not reviewed" without a record. The validator lists the last two
(a warning, or an error in strict mode: KB_REVIEW_STRICT); the staff console
shows them and lets an admin record a review.

The records live in `reviews.yml` beside the entries, so a sign-off travels
with the content it approves (commit them together). Reviews are read when the
action server starts: no retraining.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from clinic.kb import KB_DIR, REVIEWS_FILE, Entry, KnowledgeBase

REVIEWED, CHANGED, NEVER = "reviewed", "changed", "not reviewed"
HEADER = (
    "# Clinical sign-off of each entry, written by the staff console when an admin\n"
    "# records a review (clinic/kb_review.py). Do not edit by hand: the fingerprints\n"
    "# say what the reviewer read, and any edit to an entry makes it due again.\n"
)


def strict_mode() -> bool:
    """Whether the clinic requires every entry reviewed before patients see it."""
    return os.environ.get("KB_REVIEW_STRICT", "").strip().lower() in {"1", "true", "yes", "on"}


def _digest(value: object) -> str:
    return hashlib.sha256(
        json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def page_paragraphs(page_text: str) -> List[str]:
    """The page's paragraphs (blank-line separated), whitespace squashed."""
    return [" ".join(p.split()) for p in page_text.split("\n\n") if p.strip()]


def paragraph_of(sentence: str, paragraphs: List[str]) -> str:
    """The paragraph a quoted sentence sits in ("" when it is not on the page)."""
    quote = " ".join(sentence.split())
    return next((p for p in paragraphs if quote in p), "")


@dataclass(frozen=True)
class Fingerprint:
    answers: str
    sources: str


def fingerprint(entry: Entry, paragraphs: List[str]) -> Fingerprint:
    """What a reviewer of this entry reads: its answers and its page sentences."""
    # By label and sorted: reordering variants or quotes in the file is no change.
    texts = entry.texts()
    answers = {"title": entry.title, "texts": {label: [t.answer, t.short] for label, t in texts}}
    sources = {
        label: sorted([s, paragraph_of(s, paragraphs)] for s in t.sources) for label, t in texts
    }
    return Fingerprint(_digest(answers), _digest(sources))


@dataclass(frozen=True)
class Review:
    """One entry's latest sign-off, as recorded."""

    by: str
    on: datetime
    answers: str
    sources: str


@dataclass(frozen=True)
class ReviewState:
    """Where an entry stands: REVIEWED, CHANGED (with what changed) or NEVER."""

    status: str
    review: Optional[Review] = None
    changed: Tuple[str, ...] = ()  # "answers", "page sentences"

    def describe(self) -> str:
        if self.review is None:
            return NEVER
        when = f"{self.review.by}, {self.review.on:%Y-%m-%d}"
        if self.status == REVIEWED:
            return f"reviewed ({when})"
        return f"changed since review ({when}): {' and '.join(self.changed)}"


def reviews_file(kb_dir: Path = KB_DIR) -> Path:
    return kb_dir / REVIEWS_FILE


def load_reviews(kb_dir: Path = KB_DIR) -> Dict[str, Review]:
    """Entry id -> its latest review (no file: none reviewed)."""
    path = reviews_file(kb_dir)
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    reviews = {}
    for entry_id, record in (raw.get("reviews") or {}).items():
        on = datetime.fromisoformat(str(record["on"]))
        reviews[str(entry_id)] = Review(
            by=str(record["by"]),
            on=on if on.tzinfo else on.replace(tzinfo=timezone.utc),
            answers=str(record["answers"]),
            sources=str(record["sources"]),
        )
    return reviews


def state_of(entry: Entry, review: Optional[Review], paragraphs: List[str]) -> ReviewState:
    if review is None:
        return ReviewState(NEVER)
    now = fingerprint(entry, paragraphs)
    changed = tuple(
        what for what, same in (("answers", now.answers == review.answers),
                                ("page sentences", now.sources == review.sources))
        if not same
    )
    return ReviewState(CHANGED if changed else REVIEWED, review, changed)


def review_states(
    kb: KnowledgeBase, page_text: str, kb_dir: Path = KB_DIR
) -> Dict[str, ReviewState]:
    """Every entry's review state, in the knowledge base's order."""
    paragraphs = page_paragraphs(page_text)
    reviews = load_reviews(kb_dir)
    return {
        entry_id: state_of(entry, reviews.get(entry_id), paragraphs)
        for entry_id, entry in kb.entries.items()
    }


def review_problems(kb: KnowledgeBase, page_text: str, kb_dir: Path = KB_DIR) -> List[str]:
    """One line per entry a clinician has not signed off as it stands."""
    return [
        f"entry {entry_id!r}: {state.describe()}"
        for entry_id, state in review_states(kb, page_text, kb_dir).items()
        if state.status != REVIEWED
    ]


def record_review(
    entry: Entry, reviewer: str, page_text: str, seen: Fingerprint, kb_dir: Path = KB_DIR,
    now: Optional[datetime] = None,
) -> Review:
    """Signs off `entry` as `reviewer` read it.

    `seen` is the fingerprint of what the reviewer had in front of them: an
    entry edited since they opened it is not signed off (StaleReview).
    The file is rewritten whole under a lock, through a temp file renamed into
    place, so two admins signing off at once both land and a crash leaves the
    old file.
    """
    path = reviews_file(kb_dir)
    with open(path.parent / f".{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = fingerprint(entry, page_paragraphs(page_text))
        if current != seen:
            raise StaleReview(entry.id)
        raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
        reviews = dict(raw.get("reviews") or {})
        review = Review(reviewer, (now or datetime.now(timezone.utc)).replace(microsecond=0),
                        current.answers, current.sources)
        reviews[entry.id] = {"by": review.by, "on": review.on.isoformat(),
                             "answers": review.answers, "sources": review.sources}
        body = HEADER + yaml.safe_dump({"reviews": dict(sorted(reviews.items()))},
                                       sort_keys=False, allow_unicode=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".reviews-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            # Content, not patient data: keep the file's mode (new: readable by every server).
            os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    return review


class StaleReview(RuntimeError):
    """The entry changed between the reviewer opening it and signing it off."""
