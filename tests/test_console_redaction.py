"""Redaction of personal data in patient messages (console/review/redaction/),
on the examples below and on the corpus of tricky messages in
tests/data/redaction_corpus.yml (tests/test_console_privacy.py takes some of
them through every page and export that shows patient text)."""

from __future__ import annotations

import sys

import pytest
import yaml

from tests.servers import ROOT

sys.path.insert(0, str(ROOT / "console"))

from review import redaction  # noqa: E402
from review.redaction import SURROGATES, find_personal_data, for_training, redact  # noqa: E402

CORPUS = yaml.safe_load(
    (ROOT / "tests" / "data" / "redaction_corpus.yml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("phone", [
    "555-0142",
    "(555) 010-0199",
    "555.010.0199",
    "5550100199",
    "+1 555 010 0199",
    "+44 7700 900123",
    "07700 900123",
    "+15550100142",
    "+44\u00a07700\u00a0900123",  # no-break spaces, as a contact card pastes them
    "555\u2011010\u20130199",  # non-breaking hyphen and en dash
    "020 7946 0958",
])
def test_phone_numbers_in_several_formats(phone: str) -> None:
    text = f"please call me on {phone} tomorrow"
    assert redact(text) == "please call me on [phone] tomorrow"


@pytest.mark.parametrize("email", [
    "sarah.jones@example.com",
    "s_jones+clinic@mail.example.co.uk",
    "SARAH@EXAMPLE.ORG",
])
def test_email_addresses(email: str) -> None:
    assert redact(f"email me at {email}, thanks") == "email me at [email], thanks"


@pytest.mark.parametrize("text, expected", [
    ("I was born 12/05/1990 and", "I was born [date] and"),
    ("dob 1985-03-04", "dob [date]"),
    ("DOB: 3 March 1985", "DOB: [date]"),
    ("born on March 3rd, 1985.", "born on [date]."),
    ("my birthday is 4.7.92", "my birthday is [date]"),
    ("I was born in 1979", "I was born in [date]"),
    ("date of birth 1979", "date of birth [date]"),
    ("12th of May 2001 is my date of birth", "[date] is my date of birth"),
    ("born 12-May-1990", "born [date]"),
    ("dob 5 March 82", "dob [date]"),
    ("my DOB is 1990", "my DOB is [date]"),
])
def test_dates_of_birth(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("my name is Sarah Jones and I have acne scars", "my name is [name] and I have acne scars"),
    ("my name is sarah, does it hurt?", "my name is [name], does it hurt?"),
    ("My name's Priya. How many sessions?", "My name's [name]. How many sessions?"),
    ("I'm called Bob", "I'm called [name]"),
    ("im called mary-jane watson", "im called [name]"),
    ("Hi, this is Sarah O'Neil from the office", "Hi, this is [name] from the office"),
    ("This is Anne-Marie Smith, call me back", "This is [name], call me back"),
    ("my name is May Lee, does it hurt", "my name is [name], does it hurt"),
    ("My name is Will Smith.", "My name is [name]."),
    ("my name is Łukasz Nowak", "my name is [name]"),
    ("i'm called Nguyễn Thị Hoa", "i'm called [name]"),
])
def test_names_introduced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "does microneedling hurt?",
    "is this normal? my face is red",
    "this is so painful",
    "I'm pregnant, can I have it?",
    "I am 34 and have melasma",
    "3-5 sessions a month apart?",
    "needles of 0.5-2.5 mm, or 0.25-2.50 mm",
    "it cost $300 in 2020 for 1.5mm",
    "10,000 units of something",
    "can you call me back please",
    "/ask_pain",
    "<script>alert(1)</script> <img src=x onerror=alert(1)>",
])
def test_ordinary_messages_are_left_alone(text: str) -> None:
    assert redact(text) == text
    assert find_personal_data(text) == []


def test_everything_at_once_and_spans_do_not_overlap() -> None:
    text = "My name is Sarah Jones, born 12/05/1990, call 555-0142 or sarah.jones@example.com"
    spans = find_personal_data(text)
    assert [s.kind for s in spans] == ["name", "date", "phone", "email"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert redact(text) == "My name is [name], born [date], call [phone] or [email]"


def test_training_examples_get_fictional_values_of_the_same_shape() -> None:
    text = "my name is Sarah Jones, call 07700 900123 or sarah@example.com"
    assert for_training(text) == "my name is Alex, call 555-0100 or name@example.org"
    assert for_training(for_training(text)) == for_training(text)  # stable when applied again


def test_empty_text() -> None:
    assert redact("") == "" and redact(None) == ""


def test_the_corpus_has_over_a_hundred_tricky_messages_of_both_kinds() -> None:
    assert len(CORPUS["redact"]) >= 100 and len(CORPUS["keep"]) >= 100
    kinds = " ".join(expected for _, expected in CORPUS["redact"])
    assert all(kinds.count(placeholder) >= 10 for placeholder in ("[phone]", "[email]", "[name]"))
    assert kinds.count("[date]") >= 5


@pytest.mark.parametrize("text, expected", CORPUS["redact"])
def test_corpus_personal_data_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", CORPUS["keep"])
def test_corpus_ordinary_messages_are_kept(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize("text, expected", CORPUS["redact"])
def test_corpus_training_examples_get_fictional_values(text: str, expected: str) -> None:
    example = for_training(text)
    for kind, placeholder in redaction.PLACEHOLDERS.items():
        expected = expected.replace(placeholder, SURROGATES[kind])
    assert example == expected
    assert for_training(example) == example  # the fictional values are stable


def test_the_word_frequencies_behind_names_are_loaded() -> None:
    """If spacy-lookups-data changed its table's layout, every word after "I'm"
    would look like a name."""
    redact("I'm Sarah")
    words = redaction._NAMES.words
    assert len(words.common) > 50_000 and len(words.very_common) > 50_000
    assert {"pregnant", "sore", "worried"} <= words.very_common and "sarah" not in words.common
