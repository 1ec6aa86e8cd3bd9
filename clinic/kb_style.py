"""The knowledge base's editorial rules, applied to every answer text by the
validator (clinic/kb_validator.py): the caveats that must accompany a claim and
wording a clinician would not sign (caveats.yml), jargon that needs plain words
and British spellings (language.yml), and the reading grade (textstat)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Pattern, Tuple

import textstat
import yaml

from clinic.kb import CAVEATS_FILE, KB_DIR, LANGUAGE_FILE, AnswerText

# Flesch-Kincaid grade (textstat) a patient should be able to read.
SHORT_MAX_GRADE = 8.0
FULL_MAX_GRADE = 9.0


@dataclass(frozen=True)
class CaveatRule:
    """Wherever `claim` matches a text of `entries` (all when empty), `caveat` must too."""

    name: str
    caveat: Pattern[str]
    claim: Optional[Pattern[str]] = None
    entries: Tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Style:
    """The editorial rules of caveats.yml and language.yml."""

    caveats: Tuple[CaveatRule, ...] = ()
    forbidden: Tuple[Tuple[Pattern[str], str], ...] = ()
    jargon: Tuple[Tuple[Pattern[str], Pattern[str]], ...] = ()
    british: Dict[str, str] = field(default_factory=dict)


def _regex(pattern: str) -> Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def load_style(kb_dir: Path = KB_DIR) -> Style:
    """Reads the caveat rules and the plain-language lists (absent files: no rules)."""
    def read(name: str) -> dict:
        path = kb_dir / name
        return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}

    caveats, language = read(CAVEATS_FILE), read(LANGUAGE_FILE)
    rules = tuple(
        CaveatRule(
            name=str(rule["name"]),
            caveat=_regex(rule["caveat"]),
            claim=_regex(rule["claim"]) if rule.get("claim") else None,
            entries=tuple(rule.get("entries") or ()),
            source=str(rule.get("source") or ""),
        )
        for rule in caveats.get("caveats") or []
    )
    forbidden = tuple(
        (_regex(f["pattern"]), str(f.get("why", ""))) for f in caveats.get("forbidden") or []
    )
    jargon = tuple((_regex(j["term"]), _regex(j["plain"])) for j in language.get("jargon") or [])
    british = {str(k): str(v) for k, v in (language.get("british") or {}).items()}
    return Style(rules, forbidden, jargon, british)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of a text (textstat, syllables by pyphen)."""
    return float(textstat.flesch_kincaid_grade(text)) if text.strip() else 0.0


def check_style(
    where: str, entry_id: str, text: AnswerText, style: Style, fill_values: Iterable[str]
) -> List[str]:
    """Caveats, absolutes, attribution, plain words, US spelling and reading grade
    of one answer text, full and short, in every filled-in form."""
    problems: List[str] = []
    values = list(fill_values) or [""]
    for kind, raw, max_grade in (
        ("answer", text.answer, FULL_MAX_GRADE), ("short", text.short, SHORT_MAX_GRADE)
    ):
        forms = {raw.replace("{value}", v) for v in values} if "{value}" in raw else {raw}
        grade = max(reading_grade(f) for f in forms)
        if grade > max_grade:
            problems.append(f"{where}: {kind} reads at grade {grade:.1f} (max {max_grade:g})")
        for rule in style.caveats:
            if rule.entries and entry_id not in rule.entries:
                continue
            if (rule.claim is None or rule.claim.search(raw)) and not rule.caveat.search(raw):
                problems.append(f"{where}: {kind} lacks the caveat {rule.name!r}")
        for pattern, why in style.forbidden:
            found = pattern.search(raw)
            if found:
                problems.append(f"{where}: {kind} says {found.group(0)!r}: {why}")
        for term, plain in style.jargon:
            found = term.search(raw)
            if found and not plain.search(raw):
                problems.append(
                    f"{where}: {kind} uses {found.group(0)!r} without explaining it in plain words"
                )
        for british, us in style.british.items():
            if re.search(rf"\b{re.escape(british)}\b", raw, re.IGNORECASE):
                problems.append(f"{where}: {kind} spells {british!r}: use the US {us!r}")
    return problems
