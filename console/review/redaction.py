"""Finds and replaces personal data in patient messages.

Staff see transcripts redacted unless they deliberately reveal them, and
reviewed messages become training examples only after redaction. What counts
here: e-mail addresses, phone numbers, full dates (a date with a year in a
patient's message is most often a date of birth, so every one goes), and
names a patient introduces ("my name is ...", "I'm called ...", "this is
...").

Formats with a fixed shape (e-mails, phones, dates) are regular expressions;
names need tokens (is the next word a name or "not", "so", "pregnant"?), so
they are spaCy Matcher patterns on `spacy.blank("en")`: its tokenizer and
stop-word list, no trained model. Over-redaction is preferred to a leak.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable, List, Mapping, Optional

PLACEHOLDERS: Mapping[str, str] = {
    "email": "[email]",
    "phone": "[phone]",
    "date": "[date]",
    "name": "[name]",
}
# Obviously fictional values of the same shape: what training examples get
# instead of personal data, so they still read like real messages.
SURROGATES: Mapping[str, str] = {
    "email": "name@example.org",
    "phone": "555-0100",
    "date": "1 January 1990",
    "name": "Alex",
}

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATES = [
    # 12/05/1990, 12.05.90, 5-12-1990 (one separator throughout)
    re.compile(r"(?<![\d.,/-])\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/.-]?\d)"),
    # 1990-05-12
    re.compile(r"(?<![\d.,/-])(?:19|20)\d{2}([/.-])\d{1,2}\1\d{1,2}(?![\d/.-]?\d)"),
    # 12 May 1990, 12th of May, 1990, 12-May-1990, 5 March 82
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?[\s-]+{MONTH}\.?,?[\s-]+(?:(?:19|20)\d{{2}}|\d{{2}})\b", re.I),
    # May 12, 1990 / May 12th 1990
    re.compile(rf"\b{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b", re.I),
    # born in 1990, DOB: 1990 (the year alone, when said to be the birth)
    re.compile(r"\b(?:born(?:\s+in)?|dob|d\.o\.b\.?|date of birth)\s*(?::|is|was)?\s*(?P<pii>(?:19|20)\d{2})\b", re.I),
]
# Digits with the separators phone numbers use; counted below (7 to 15 digits).
# (Spaces and dashes include the no-break and typographic ones a contact card pastes.)
PHONE = re.compile(r"(?<![\w+])(?:\+|\(\s*)?\d[\d \t().\-\u00a0\u2009\u202f\u2010-\u2015]{4,}\d(?![\w])")
PHONE_DIGITS = (7, 15)
# A decimal or a range ("0.5-2.5", "3-5") is not a phone number.
NOT_PHONE = re.compile(r"^\d{1,3}(?:\.\d+)?(?:\s*-\s*\d{1,3}(?:\.\d+)?)?$")

# Words that introduce a name. Tokens as spaCy's English tokenizer splits them:
# "I'm" -> "I", "'m"; "im" -> "i", "m".
INTRODUCTIONS = {
    "intro_any": [
        [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s", "’s", "s"]}}],
        [{"LOWER": "my"}, {"LOWER": "names"}],
        [{"LOWER": "i"}, {"LOWER": {"IN": ["'m", "’m", "m", "am"]}}, {"LOWER": "called"}],
        [{"LOWER": "i"}, {"LOWER": {"IN": ["'m", "’m", "m", "am"]}}, {"LOWER": "named"}],
    ],
    # "this is ..." and "call me ..." are often not names ("this is normal?",
    # "call me tomorrow"): only capitalised words count after them.
    "intro_title": [
        [{"LOWER": "this"}, {"LOWER": "is"}],
        [{"LOWER": "call"}, {"LOWER": "me"}],
    ],
}
NAME_SHAPE = r"^[^\W\d_](?:[^\W\d_]|['’-])*[^\W\d_]$"  # Sarah, O'Neil, Mary-Jane, Łukasz, Nguyễn
# Right after "my name is" a stop word is taken too ("May Lee", "Will Smith"):
# hiding a non-name costs less than showing a name. Later words must not be
# stop words ("Sarah Jones and I ...").
FIRST_NAME_WORD = {"TEXT": {"REGEX": NAME_SHAPE}}
NAME_WORD = {"TEXT": {"REGEX": NAME_SHAPE}, "IS_STOP": False}
TITLE_WORD = {"TEXT": {"REGEX": NAME_SHAPE}, "IS_STOP": False, "IS_TITLE": True}
# Words that follow "this is"/"call me" capitalised but are not names.
NOT_NAMES = {"back", "microneedling", "urgent", "normal", "ok", "okay", "fine", "please", "asap"}
NAME_TAIL = re.compile(r"(?:[-'’][^\W\d_]+)+")  # the "-Jane" of Mary-Jane
NEXT_WORD = re.compile(r"[ \t]+([^\W\d_]+)\b")
NEXT_TITLE_WORD = re.compile(r"[ \t]+([A-ZÀ-Þ][a-zß-ÿ]+)\b")
TRIGGER_HINT = re.compile(r"\b(?:name|names|called|named|this is|call me)\b", re.I)


@dataclass(frozen=True)
class Span:
    """Personal data at text[start:end] of a kind in PLACEHOLDERS."""

    start: int
    end: int
    kind: str


class _NameFinder:
    """spaCy's blank English tokenizer and a Matcher, built on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nlp = None
        self._matcher = None

    def _load(self) -> None:
        import spacy
        from spacy.matcher import Matcher

        nlp = spacy.blank("en")
        matcher = Matcher(nlp.vocab)
        for label, triggers in INTRODUCTIONS.items():
            word = TITLE_WORD if label == "intro_title" else NAME_WORD
            first = TITLE_WORD if label == "intro_title" else FIRST_NAME_WORD
            for trigger in triggers:
                # The trigger, then one to three name words (Sarah, Sarah Jane Smith).
                matcher.add(
                    label,
                    [trigger + [first] + [dict(word, OP="?"), dict(word, OP="?")]],
                    greedy="LONGEST",  # "Sarah Jane Smith", not "Sarah" and then a leak
                )
        self._nlp, self._matcher = nlp, matcher

    def spans(self, text: str) -> List[Span]:
        if not TRIGGER_HINT.search(text):
            return []  # most messages: no tokenizing at all
        with self._lock:
            if self._nlp is None:
                self._load()
            doc = self._nlp(text)
            matches = self._matcher(doc)
        found: List[Span] = []
        for match_id, start, end in matches:
            title_only = self._nlp.vocab.strings[match_id] == "intro_title"
            # the trigger's own words ("name", "called", "call") are not part of the name
            first = self._first_name_index(doc, start, end)
            words = [
                t for t in doc[first:end]
                if re.match(NAME_SHAPE, t.text) and not (t.is_stop and (title_only or t.i > first))
            ]
            words = [t for t in words if t.lower_ not in NOT_NAMES]
            if not words:
                continue
            begin, finish = words[0].idx, words[-1].idx + len(words[-1].text)
            found.append(Span(begin, self._extend(text, finish, len(words), title_only), "name"))
        return found

    def _extend(self, text: str, end: int, words: int, title_only: bool) -> int:
        """Past a hyphenated or apostrophe part the tokenizer split off
        ("Mary-Jane", then "Watson"), up to three name words in all."""
        tail = NAME_TAIL.match(text, end)
        if not tail:
            return end
        end = tail.end()
        while words < 3:
            following = (NEXT_TITLE_WORD if title_only else NEXT_WORD).match(text, end)
            if not following or following.group(1).lower() in self._nlp.Defaults.stop_words:
                break
            end, words = following.end(), words + 1
            tail = NAME_TAIL.match(text, end)
            end = tail.end() if tail else end
        return end

    @staticmethod
    def _first_name_index(doc, start: int, end: int) -> int:
        """Index of the first token after the introduction words."""
        for i in range(start, end):
            if doc[i].lower_ in {"is", "'s", "’s", "s", "names", "called", "named", "me"}:
                return i + 1
        return start


_NAMES = _NameFinder()


def _regex_spans(pattern: re.Pattern, text: str, kind: str) -> List[Span]:
    """Each match, or its `pii` group when the pattern has one (the rest is context)."""
    group = "pii" if "pii" in pattern.groupindex else 0
    return [Span(m.start(group), m.end(group), kind) for m in pattern.finditer(text)]


def _phone_spans(text: str) -> List[Span]:
    spans = []
    for match in PHONE.finditer(text):
        candidate = match.group().strip()
        digits = sum(ch.isdigit() for ch in candidate)
        if not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1] or NOT_PHONE.match(candidate):
            continue
        start = match.start() + (len(match.group()) - len(match.group().lstrip()))
        spans.append(Span(start, start + len(candidate), "phone"))
    return spans


def find_personal_data(text: str) -> List[Span]:
    """The personal data in `text`, in order, without overlaps.

    E-mails first (they contain dots and digits), then dates (which look like
    phone numbers), then phones, then names; a later span that overlaps an
    earlier one is dropped.
    """
    candidates: List[Span] = _regex_spans(EMAIL, text, "email")
    for pattern in DATES:
        candidates += _regex_spans(pattern, text, "date")
    candidates += _phone_spans(text)
    candidates += _NAMES.spans(text)
    kept: List[Span] = []
    for span in candidates:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def redact(text: Optional[str], replacements: Mapping[str, str] = PLACEHOLDERS) -> str:
    """`text` with each piece of personal data replaced by its kind's replacement."""
    if not text:
        return text or ""
    out, position = [], 0
    for span in find_personal_data(text):
        out.append(text[position:span.start])
        out.append(replacements[span.kind])
        position = span.end
    out.append(text[position:])
    return "".join(out)


def for_training(text: str) -> str:
    """A training example's text: personal data swapped for fictional values."""
    return redact(text, SURROGATES)


def redactor(reveal: bool) -> Callable[[str], str]:
    """What the views apply to patient text: redaction, or nothing after a reveal."""
    return (lambda text: text or "") if reveal else redact

