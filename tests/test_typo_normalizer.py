"""The typo normalizer: misspellings fixed towards the training vocabulary, English left alone."""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest

from nlp.components.typo_normalizer import Corrector, vocabulary

TRAINING = [
    "does microneedling hurt", "does microneedling hurt a lot", "is the numbing cream strong",
    "numbing cream before treatment", "how deep on my forehead", "my forehead is red",
    "can I wear makeup after", "makeup the next day", "how many sessions", "sessions needed",
    "is it painful", "painful or not", "the needles are tiny", "needles scare me",
    "i have a fever", "fever after treatment", "pianful",  # a typo seen once in training
]


@pytest.fixture(scope="module")
def corrector() -> Corrector:
    return Corrector(vocabulary(TRAINING))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("does microneedlign hurt", "does microneedling hurt"),
        ("numbign cream on my forhead", "numbing cream on my forehead"),
        ("how long til i can wear makup", "how long til i can wear makeup"),
        ("is it pianful", "is it painful"),  # a once-seen training typo is not a target
        ("how many sesions", "how many sessions"),
        ("the needels", "the needles"),
    ],
)
def test_misspellings_are_corrected(corrector: Corrector, text: str, expected: str) -> None:
    assert corrector.correct(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "do i need to keep coming back forever",  # "forever" must not become "fever"
        "my cheeks are dry",
        "Is it OK for rosacea?",
        "hw r u",  # too short to guess
    ],
)
def test_english_and_short_words_are_left_alone(corrector: Corrector, text: str) -> None:
    assert corrector.correct(text) == text


def test_vocabulary_keeps_repeated_or_english_words() -> None:
    counts = vocabulary(TRAINING)
    assert "microneedling" in counts and "pianful" not in counts and "fever" in counts


def test_long_words_cost_no_memory(corrector: Corrector) -> None:
    """A 2,000-letter word made the old hand-written index build every string
    with two letters deleted (4 GB, 11 s: issue 11). It can't be
    within two edits of any vocabulary word, so it costs next to nothing."""
    rng = random.Random(3)
    word = "".join(rng.choice(string.ascii_lowercase) for _ in range(2000))
    tracemalloc.start()
    try:
        assert corrector.correct(f"is {word} normal") == f"is {word} normal"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024, f"{peak / 1e6:.1f} MB to correct one word"


def test_at_most_max_lookups_words_are_corrected_per_message() -> None:
    corrector = Corrector(vocabulary(TRAINING), max_lookups=5)
    corrected = corrector.correct(" ".join(["sesions"] * 8)).split()
    assert corrected == ["sessions"] * 5 + ["sesions"] * 3


def test_entity_terms_are_never_corrected_into_other_words() -> None:
    """'cellulite', rare in training, was corrected into 'cellulitis' (a red flag)."""
    counts = vocabulary(
        TRAINING + ["cellulitis after my peel", "it was cellulitis"], terms=["cellulite"]
    )
    assert (
        Corrector(counts).correct("is it any good for cellulite") == "is it any good for cellulite"
    )
    assert (
        Corrector(vocabulary(TRAINING + ["cellulitis after my peel", "it was cellulitis"])).correct(
            "is it any good for cellulite"
        )
        == "is it any good for cellulitis"
    )
