"""Checks that tie the knowledge base to the clinic page and to the domain.

Run at action-server start (the actions module refuses to load otherwise), in
the tests, and by `make validate` (`python -m clinic.kb_validator`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Iterable, List, Optional, Set, Tuple

from clinic.domain import DOMAIN_FILE, intent_names, load_domain
from clinic.gsm7 import is_gsm7
from clinic.kb import (
    KB_DIR,
    PROJECT_ROOT,
    AnswerText,
    Entry,
    KnowledgeBase,
)
from clinic.kb_review import REVIEWED, review_problems, review_states, strict_mode
from clinic.kb_style import (
    FULL_MAX_GRADE,
    SHORT_MAX_GRADE,
    Style,
    check_style,
    load_style,
    reading_grade,
)

PAGE_FILE = PROJECT_ROOT / "data" / "source" / "microneedling-patient-page.txt"
# An SMS reply is two segments (306 GSM-7 characters) and the first one of a
# conversation also carries the short notice, so short answers keep to 240.
SHORT_MAX_CHARS = 240
NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}


class KnowledgeBaseError(ValueError):
    """The knowledge base is not backed by the page, or does not fit the domain."""

    def __init__(self, problems: List[str]):
        super().__init__("knowledge base check failed:\n  - " + "\n  - ".join(problems))
        self.problems = problems


def _squash(text: str) -> str:
    return " ".join(text.split())


def _numbers(text: str) -> Set[str]:
    """Figures stated in a text, number words (one..ten) as digits."""
    found = set(re.findall(r"\d+(?:\.\d+)?", text))
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in NUMBER_WORDS:
            found.add(NUMBER_WORDS[word])
    return found


def _check_text(where: str, text: AnswerText, page: str, fill_values: Iterable[str]) -> List[str]:
    problems = []
    if not text.answer:
        problems.append(f"{where}: no answer")
    if not text.short:
        problems.append(f"{where}: no short answer")
    if not text.sources:
        problems.append(f"{where}: no sources")
    for quote in text.sources:
        if _squash(quote) not in page:
            problems.append(f"{where}: source not found verbatim in the page: {quote!r}")
    # Longest filled-in form, so "{value}" answers stay within SMS limits too.
    shorts = [text.short.replace("{value}", v) for v in fill_values] or [text.short]
    longest = max(shorts, key=len)
    if len(longest) > SHORT_MAX_CHARS:
        problems.append(
            f"{where}: short answer is {len(longest)} characters (max {SHORT_MAX_CHARS})"
        )
    if not is_gsm7(longest):
        bad = sorted({ch for ch in longest if not is_gsm7(ch)})
        problems.append(f"{where}: short answer has non-GSM-7 characters {bad}")
    backed = _numbers(" ".join(text.sources))
    for figure in sorted(_numbers(text.answer) | _numbers(text.short)):
        if figure not in backed:
            problems.append(f"{where}: states the figure {figure}, which its sources don't")
    return problems


def texts_of(entry: Entry, kb: KnowledgeBase) -> List[Tuple[str, AnswerText, List[str]]]:
    """Every answer text of an entry: (label, text, values "{value}" can take)."""
    found: List[Tuple[str, AnswerText, List[str]]] = []
    for label, text in entry.texts():
        etype = label.split()[1] if label.startswith("unlisted ") else ""
        fill = (
            [v for v in kb.terms.get(etype, {}) if v not in entry.variants.get(etype, {})]
            if etype else []
        )
        found.append((label, text, fill))
    return found


def check_entry(
    entry: Entry, kb: KnowledgeBase, page: str, style: Optional[Style] = None
) -> List[str]:
    """Problems of one entry (empty when it is sound)."""
    where = f"entry {entry.id!r}"
    problems = []
    if not entry.intents:
        problems.append(f"{where}: answers no intent")
    if style is not None:
        for label, text, fill in texts_of(entry, kb):
            problems += check_style(
                where if label == "main" else f"{where} {label}", entry.id, text, style, fill
            )
    problems += _check_text(where, entry.main, page, ())
    for etype, values in entry.variants.items():
        known = kb.terms.get(etype)
        if known is None:
            problems.append(f"{where}: variants for unknown entity type {etype!r}")
            continue
        for value, text in values.items():
            if value not in known:
                problems.append(f"{where}: variant {value!r} is not a {etype} value in terms.yml")
            problems += _check_text(f"{where} variant {etype}={value}", text, page, ())
    for etype, text in entry.unlisted.items():
        values = [v for v in kb.terms.get(etype, {}) if v not in entry.variants.get(etype, {})]
        if etype not in kb.terms:
            problems.append(f"{where}: unlisted reply for unknown entity type {etype!r}")
        problems += _check_text(f"{where} unlisted {etype}", text, page, values)
    related = [r for r in entry.related if r not in kb.entries or r == entry.id]
    if related:
        problems.append(f"{where}: related topics that are not other entries: {related}")
    if not 2 <= len(entry.related) <= 3:
        problems.append(f"{where}: offer 2-3 related topics, not {len(entry.related)}")
    return problems


def check_domain(kb: KnowledgeBase, domain: dict) -> List[str]:
    """Every domain intent has an entry or an `utter_<intent>` response, and back."""
    intents = intent_names(domain)
    responses = set(domain.get("responses", {}))
    problems = []
    for intent in intents:
        if intent not in kb.by_intent and f"utter_{intent}" not in responses:
            problems.append(
                f"intent {intent!r} has neither a knowledge-base entry "
                f"nor a response utter_{intent}"
            )
    for intent, entry in kb.by_intent.items():
        if intent not in intents:
            problems.append(
                f"entry {entry.id!r} answers {intent!r}, which the domain does not list"
            )
    claimed = [i for e in kb.entries.values() for i in e.intents]
    for intent in sorted({i for i in claimed if claimed.count(i) > 1}):
        problems.append(f"intent {intent!r} is answered by more than one entry")
    return problems


def validate(
    kb_dir: Path = KB_DIR, page_file: Path = PAGE_FILE, domain_file: Path = DOMAIN_FILE,
    strict: Optional[bool] = None,
) -> KnowledgeBase:
    """Loads the knowledge base and checks it; in strict mode (default:
    KB_REVIEW_STRICT) an entry not signed off as it stands is a problem too.

    Raises:
        KnowledgeBaseError: listing every problem found.
    """
    kb = KnowledgeBase.load(kb_dir)
    page_text = page_file.read_text(encoding="utf-8")
    page = _squash(page_text)
    domain = load_domain(domain_file)
    style = load_style(kb_dir)
    problems = []
    if not kb.entries:
        problems.append(f"no entries in {kb_dir}")
    for rule in style.caveats:
        if rule.source and _squash(rule.source) not in page:
            problems.append(
                f"caveat {rule.name!r}: source not found verbatim in the page: {rule.source!r}"
            )
    for entry in kb.entries.values():
        problems += check_entry(entry, kb, page, style)
    problems += check_domain(kb, domain)
    if strict_mode() if strict is None else strict:
        problems += [f"{line} (strict mode: every entry needs a clinician's sign-off)"
                     for line in review_problems(kb, page_text, kb_dir)]
    if problems:
        raise KnowledgeBaseError(problems)
    return kb


def main() -> int:
    try:
        kb = validate()
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"reading grade (Flesch-Kincaid; full max {FULL_MAX_GRADE:g}, "
        f"short max {SHORT_MAX_GRADE:g}):"
    )
    for line in grade_report(kb):
        print("  " + line)
    states = review_states(kb, PAGE_FILE.read_text(encoding="utf-8"))
    print("clinical review:")
    for entry_id, state in states.items():
        print(f"  {entry_id:24} {state.describe()}")
    due = [entry_id for entry_id, state in states.items() if state.status != REVIEWED]
    if due:
        print(f"warning: {len(due)} of {len(states)} entries need a clinician's review "
              "(staff console, Answers; KB_REVIEW_STRICT=1 makes this an error)",
              file=sys.stderr)
    print(f"knowledge base OK: {len(kb.entries)} entries, all sources found in {PAGE_FILE.name}")
    return 0


def grade_report(kb: KnowledgeBase) -> List[str]:
    """One line per answer text: its reading grade, full and short."""
    lines = []
    for entry in kb.entries.values():
        for label, text, fill in texts_of(entry, kb):
            full = max(reading_grade(text.answer.replace("{value}", v)) for v in fill or [""])
            short = max(reading_grade(text.short.replace("{value}", v)) for v in fill or [""])
            lines.append(f"{entry.id + ' ' + label:56} full {full:4.1f}  short {short:4.1f}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
