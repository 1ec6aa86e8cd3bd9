"""The knowledge base: the single source of the assistant's answers.

One YAML file per topic under `data/kb/` (see `data/kb/README.md`), plus
`terms.yml`, the entity values patients use. Loading does no validation; see
`clinic.kb_validator` for the checks that tie every answer to the clinic page.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import yaml

from clinic import PROJECT_ROOT

# The knowledge base folder; KB_DIR in the environment points elsewhere (tests).
KB_DIR = Path(os.environ.get("KB_DIR") or PROJECT_ROOT / "data" / "kb")
TERMS_FILE = "terms.yml"
# Editorial rules the validator applies to every answer (not entries).
CAVEATS_FILE = "caveats.yml"
LANGUAGE_FILE = "language.yml"
# Clinical sign-off of each entry (clinic/kb_review.py); written by the console.
REVIEWS_FILE = "reviews.yml"
NOT_ENTRIES = {TERMS_FILE, CAVEATS_FILE, LANGUAGE_FILE, REVIEWS_FILE}

class Entity(NamedTuple):
    """An entity of a message: its type ("condition") and canonical value ("acne scars")."""

    type: str
    value: str



@dataclass(frozen=True)
class AnswerText:
    """An answer text in both lengths, with the page sentences behind it."""

    answer: str
    short: str
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One topic of the clinic page."""

    id: str
    intents: Tuple[str, ...]
    title: str
    main: AnswerText
    related: Tuple[str, ...]
    # variants[entity_type][canonical value]: the answer for that value
    variants: Dict[str, Dict[str, AnswerText]] = field(default_factory=dict)
    # unlisted[entity_type]: the answer for a value with no variant; "{value}"
    # in it is replaced by the value ("the page doesn't cover ...")
    unlisted: Dict[str, AnswerText] = field(default_factory=dict)

    def texts(self) -> List[Tuple[str, AnswerText]]:
        """Every answer text with its label: "main", "variant <type>=<value>", "unlisted <type>"."""
        found = [("main", self.main)]
        for etype, values in self.variants.items():
            found += [(f"variant {etype}={value}", text) for value, text in values.items()]
        found += [(f"unlisted {etype}", text) for etype, text in self.unlisted.items()]
        return found

    def entity_types(self) -> List[str]:
        """Entity types this entry has something specific to say about."""
        return list(dict.fromkeys([*self.variants, *self.unlisted]))


@dataclass(frozen=True)
class Answer:
    """What to send: the chosen text and where it came from."""

    entry_id: str
    text: str
    short: str
    variant: Optional[Entity] = None  # set when a variant or unlisted text was used
    listed: bool = True  # False when the page does not cover the entity value


def _text(raw: dict) -> AnswerText:
    return AnswerText(
        answer=" ".join(str(raw.get("answer", "")).split()),
        short=" ".join(str(raw.get("short", "")).split()),
        sources=tuple(str(s) for s in raw.get("sources") or ()),
    )


def _entry(raw: dict) -> Entry:
    variants = {
        etype: {str(value): _text(text) for value, text in (values or {}).items()}
        for etype, values in (raw.get("variants") or {}).items()
    }
    unlisted = {etype: _text(text) for etype, text in (raw.get("unlisted") or {}).items()}
    return Entry(
        id=str(raw["id"]),
        intents=tuple(raw.get("intents") or ()),
        title=str(raw.get("title") or raw["id"]),
        main=_text(raw),
        related=tuple(raw.get("related") or ()),
        variants=variants,
        unlisted=unlisted,
    )


class KnowledgeBase:
    """Entries by id and by intent, and the entity terms."""

    def __init__(self, entries: Iterable[Entry], terms: Dict[str, Dict[str, List[str]]]):
        self.entries: Dict[str, Entry] = {}
        self.by_intent: Dict[str, Entry] = {}
        for entry in entries:
            self.entries[entry.id] = entry
            for intent in entry.intents:
                self.by_intent[intent] = entry
        self.terms = terms

    @classmethod
    def load(cls, kb_dir: Path = KB_DIR) -> KnowledgeBase:
        """Reads every entry file and the terms file of `kb_dir`."""
        entries = []
        for path in sorted(kb_dir.glob("*.yml")):
            # a dot file is a temp file (an editor's, or a sign-off being written)
            if path.name in NOT_ENTRIES or path.name.startswith("."):
                continue
            entries.append(_entry(yaml.safe_load(path.read_text(encoding="utf-8"))))
        terms = load_terms(kb_dir / TERMS_FILE)
        return cls(entries, terms)

    def is_term(self, entity_type: str, value: str) -> bool:
        """Whether `value` is a canonical value of `terms.yml` for this entity type."""
        return value in self.terms.get(entity_type, {})

    def entry_for_intent(self, intent: Optional[str]) -> Optional[Entry]:
        return self.by_intent.get(intent or "")

    def first_intent(self, entry_id: str) -> str:
        """The intent a button for this entry triggers."""
        return self.entries[entry_id].intents[0]

    def answer(self, entry_id: str, entities: Sequence[Entity] = ()) -> Answer:
        """Picks the entry's text for the entities of the message.

        A value with its own variant wins over one the page does not cover, and
        entity types are tried in the entry's order (for needle depth the body
        area comes before the condition). Without a matching entity the main
        answer is used.

        Only values of the terms file ever reach the text: the "doesn't cover
        {value}" reply repeats the value, and a value from anywhere else (a
        client's payload such as `/ask_conditions_treated{"condition": "...
        visit https://..."}`) would put a stranger's words, links included, in
        the clinic's mouth. Such a value gets the main answer.
        """
        entry = self.entries[entry_id]
        for etype in entry.variants:
            for found_type, value in entities:
                if found_type == etype and value in entry.variants[etype]:
                    text = entry.variants[etype][value]
                    return Answer(entry.id, text.answer, text.short, (etype, value))
        for etype, text in entry.unlisted.items():
            for found_type, value in entities:
                if (
                    found_type == etype
                    and self.is_term(etype, value)
                    and value not in entry.variants.get(etype, {})
                ):
                    return Answer(
                        entry.id,
                        text.answer.replace("{value}", value),
                        text.short.replace("{value}", value),
                        (etype, value),
                        listed=False,
                    )
        return Answer(entry.id, entry.main.answer, entry.main.short)


def load_terms(path: Path) -> Dict[str, Dict[str, List[str]]]:
    """Entity type -> canonical value -> what patients write for it."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        etype: {str(value): [str(s) for s in synonyms] for value, synonyms in values.items()}
        for etype, values in raw.items()
    }
