"""Checks that tie the knowledge base to the clinic page and to the domain.

Run at action-server start (the actions module refuses to load otherwise), in
the tests, and by `make validate` (`python -m actions.kb_validator`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Iterable, List, Set

import yaml

from actions.gsm7 import is_gsm7
from actions.kb import KB_DIR, PROJECT_ROOT, AnswerText, Entry, KnowledgeBase

PAGE_FILE = PROJECT_ROOT / "data" / "source" / "microneedling-patient-page.txt"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
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
        problems.append(f"{where}: short answer is {len(longest)} characters (max {SHORT_MAX_CHARS})")
    if not is_gsm7(longest):
        bad = sorted({ch for ch in longest if not is_gsm7(ch)})
        problems.append(f"{where}: short answer has non-GSM-7 characters {bad}")
    backed = _numbers(" ".join(text.sources))
    for figure in sorted(_numbers(text.answer) | _numbers(text.short)):
        if figure not in backed:
            problems.append(f"{where}: states the figure {figure}, which its sources don't")
    return problems


def check_entry(entry: Entry, kb: KnowledgeBase, page: str) -> List[str]:
    """Problems of one entry (empty when it is sound)."""
    where = f"entry {entry.id!r}"
    problems = []
    if not entry.intents:
        problems.append(f"{where}: answers no intent")
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
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", [])]
    responses = set(domain.get("responses", {}))
    problems = []
    for intent in intents:
        if intent not in kb.by_intent and f"utter_{intent}" not in responses:
            problems.append(f"intent {intent!r} has neither a knowledge-base entry nor a response utter_{intent}")
    for intent, entry in kb.by_intent.items():
        if intent not in intents:
            problems.append(f"entry {entry.id!r} answers {intent!r}, which the domain does not list")
    claimed = [i for e in kb.entries.values() for i in e.intents]
    for intent in sorted({i for i in claimed if claimed.count(i) > 1}):
        problems.append(f"intent {intent!r} is answered by more than one entry")
    return problems


def validate(
    kb_dir: Path = KB_DIR, page_file: Path = PAGE_FILE, domain_file: Path = DOMAIN_FILE
) -> KnowledgeBase:
    """Loads the knowledge base and checks it.

    Raises:
        KnowledgeBaseError: listing every problem found.
    """
    kb = KnowledgeBase.load(kb_dir)
    page = _squash(page_file.read_text(encoding="utf-8"))
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    problems = []
    if not kb.entries:
        problems.append(f"no entries in {kb_dir}")
    for entry in kb.entries.values():
        problems += check_entry(entry, kb, page)
    problems += check_domain(kb, domain)
    if problems:
        raise KnowledgeBaseError(problems)
    return kb


def main() -> int:
    try:
        kb = validate()
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"knowledge base OK: {len(kb.entries)} entries, all sources found in {PAGE_FILE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
