"""Finds and replaces personal data in patient messages: the public API.

Staff see transcripts redacted unless they deliberately reveal them, and
reviewed messages become training examples only after redaction. What counts
here: e-mail addresses (obfuscated ones too: "jane(at)gmail.com", "jane at
gmail dot com"), phone numbers, full dates (a date with a year in a patient's
message is most often a date of birth, and a treatment date is no less
identifying, so every one goes), and names a patient introduces or signs with
("my name is ...", "I'm Sarah", "Sarah here", "Thanks, Sarah Jones").

- Phone numbers: Google's libphonenumber (the `phonenumbers` port) finds them
  in free text, read the way the clinic's region and a few common ones
  write them, at its most lenient ("possible" numbers: fictional 555 ones
  too), national and international, with extensions, glued to words
  ("07700900123pls"). Fewer than 7 digits is never a phone number here: that
  keeps "3-6 sessions", "10/10 pain" and "2020".
- Names need tokens (is the word after "I'm" a name or "pregnant"?): spaCy
  Matcher patterns on `spacy.blank("en")` find the introductions, and
  spaCy's English word frequencies (spacy-lookups-data) tell a name from a
  word: a name is more often written capitalised ("Sarah") than not
  ("sore"). No trained model.

Over-redaction is preferred to a leak: where spans overlap, their union goes.

The finders are modules of this package, one per concern: `emails`,
`dates`, `phones`, `names` (with the patterns and word lists of
`name_triggers`); `spans` holds what they return and how overlaps merge.
"""

from __future__ import annotations

from typing import Callable, List, Mapping, Optional

from review.redaction.dates import date_spans
from review.redaction.emails import email_spans
from review.redaction.names import FINDER as _NAMES  # the tests read its word lists
from review.redaction.phones import clinic_region, phone_spans
from review.redaction.spans import Span, merge

__all__ = [
    "PLACEHOLDERS", "SURROGATES", "Span", "clinic_region", "find_personal_data", "for_training",
    "redact", "redactor",
]

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


def find_personal_data(text: str) -> List[Span]:
    """The personal data in `text`, in order, without overlaps.

    E-mails first (they contain dots and digits), then dates (which look like
    phone numbers), then phones, then names; overlapping spans are merged
    into one of the earlier kind.
    """
    candidates: List[Span] = email_spans(text) + date_spans(text)
    # Phone numbers are looked for around the dates and addresses found, so
    # "born 12/05/1990 555 0142" is a date and a number, not one long number.
    masked = list(text)
    for span in candidates:
        masked[span.start:span.end] = "#" * (span.end - span.start)
    candidates += phone_spans("".join(masked))
    candidates += _NAMES.spans(text)
    return merge(candidates)


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
