"""The shipped model meets the understanding targets on the held-out file.

The held-out messages (tests/nlu/) are never trained on. Floors are the
issue's targets; `make eval` prints the same figures for every candidate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu_eval.harness import HeldOutSet, evaluate_model
from tests.servers import ROOT

HELD_OUT = ROOT / "tests" / "nlu"


@pytest.fixture(scope="module")
def scores(model_path: Path):
    return evaluate_model("shipped", model_path, HeldOutSet.load(HELD_OUT / "heldout.yml", HELD_OUT / "not_urgent.txt"))


def test_in_scope_accuracy(scores) -> None:
    assert scores.in_scope_accuracy >= 0.95, scores.worst


def test_out_of_scope_is_routed_away(scores) -> None:
    assert scores.out_of_scope_routed >= 0.90


def test_every_urgent_message_is_caught(scores) -> None:
    assert scores.urgent_recall == 1.0


def test_ordinary_messages_are_not_called_urgent(scores) -> None:
    assert scores.false_urgent_ordinary <= 0.02
    assert scores.false_urgent_all <= 0.02


def test_typos_cost_at_most_five_points(scores) -> None:
    assert scores.typo_accuracy >= scores.in_scope_accuracy - 0.05
