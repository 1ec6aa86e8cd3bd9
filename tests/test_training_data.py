"""Measurement sets are never trained on: no training example is a copy or a
near-copy of a real patient message (tests/nlu/real-messages.jsonl), of the
held-out file or of the pre-treatment set. The model must learn the kinds of wording, not the
sentences."""

from __future__ import annotations

import re
from typing import List

import pytest
from rapidfuzz import fuzz, process

from nlu_eval import real_set
from nlu_eval.harness import read_examples
from tests.servers import ROOT

# Two sentences this similar (rapidfuzz's normalised Indel similarity, 0-100)
# share most of their characters in order: a reworded copy, not a new example.
NEAR_COPY = 85
MEASURED = ROOT / "tests" / "nlu"
SHARED_REAL = ROOT.parent / "shared" / "nlu" / "real-messages.jsonl"


def normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def training_texts() -> List[str]:
    return [
        normal(t)
        for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))
        for t, _ in read_examples(path)
    ]


def measured_texts() -> List[str]:
    real = [normal(m.text) for m in real_set.load(MEASURED / "real-messages.jsonl")]
    held_out = [
        normal(t)
        for name in ("heldout.yml", "pre_treatment.yml")
        for t, _ in read_examples(MEASURED / name)
    ]
    return [t for t in real + held_out if t]


def test_no_training_example_copies_a_measured_message() -> None:
    measured = set(measured_texts())
    copies = sorted(t for t in training_texts() if t in measured)
    assert not copies, copies


def test_no_training_example_nearly_copies_a_measured_message() -> None:
    measured = measured_texts()
    near = []
    for text in training_texts():
        match = process.extractOne(text, measured, scorer=fuzz.ratio, score_cutoff=NEAR_COPY)
        if match:
            near.append((text, match[0], round(match[1])))
    assert not near, near


def test_the_similarity_test_catches_a_reworded_copy() -> None:
    # The guard itself: a lightly edited real message is caught.
    original = normal(real_set.load(MEASURED / "real-messages.jsonl")[0].text)
    edited = original.replace("microneedling", "microneedlin") + " pls"
    assert fuzz.ratio(edited, original) >= NEAR_COPY


@pytest.mark.skipif(
    not SHARED_REAL.exists(), reason="the shared real-message set is not beside this checkout"
)
def test_the_real_set_is_the_shared_one() -> None:
    assert (MEASURED / "real-messages.jsonl").read_bytes() == SHARED_REAL.read_bytes()
