"""The evaluation harness: its metric functions, its typo copy, and a run on a tiny dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu_eval import metrics
from nlu_eval.harness import main, read_examples
from nlu_eval.typos import perturb

PAIRS = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b"), ("c", "a")]


def test_accuracy_and_confusion() -> None:
    assert metrics.accuracy(PAIRS) == pytest.approx(3 / 5)
    assert metrics.confusion(PAIRS) == {("a", "a"): 1, ("a", "b"): 1, ("b", "b"): 2, ("c", "a"): 1}


def test_f1_per_label_and_macro() -> None:
    # a: tp 1, fp 1 (c->a), fn 1 -> F1 0.5; b: tp 2, fp 1, fn 0 -> 0.8; c: never right -> 0
    assert metrics.f1_by_label(PAIRS, ["a", "b", "c"]) == pytest.approx(
        {"a": 0.5, "b": 0.8, "c": 0.0}
    )
    assert metrics.macro_f1(PAIRS, ["a", "b", "c"]) == pytest.approx(1.3 / 3)


def test_worst_confusions_most_frequent_first() -> None:
    pairs = PAIRS + [("c", "a"), ("c", "a")]
    assert metrics.worst_confusions(pairs, 2) == [(("c", "a"), 3), (("a", "b"), 1)]


def test_safety_rates() -> None:
    assert (
        metrics.routed_away_share(["out_of_scope", "nlu_fallback", "ask_pain", "out_of_scope"])
        == 0.75
    )
    assert (
        metrics.urgent_recall(
            [
                ("urgent_symptom", "urgent_symptom"),
                ("urgent_symptom", "ask_pain"),
                ("x", "urgent_symptom"),
            ]
        )
        == 0.5
    )
    assert metrics.false_urgent_rate(["ask_pain"] * 49 + ["urgent_symptom"]) == pytest.approx(0.02)


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert metrics.percentile(values, 50) == 50
    assert metrics.percentile(values, 95) == 95
    assert metrics.percentile([7.0], 95) == 7.0


def test_typo_copy_is_reproducible_and_changes_words() -> None:
    text = "how long does the redness usually last after microneedling"
    once, again = perturb(text, seed=1), perturb(text, seed=1)
    assert once == again and once != text
    assert perturb(text, seed=2) != once
    assert [w[0] for w in once.split()] == [w[0] for w in text.split()]
    assert perturb("ok", seed=1) == "ok"  # nothing long enough to perturb


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_harness_runs_on_a_tiny_dataset(tmp_path: Path, capsys) -> None:
    train = write(tmp_path / "train.yml", """version: "3.1"
nlu:
- intent: ask_pain
  examples: |
    - does it hurt
    - is it painful
    - will it hurt a lot
    - how much pain is there
    - is the needling sore
    - does the treatment hurt much
- intent: ask_sessions
  examples: |
    - how many sessions
    - how many treatments do i need
    - how often do i come back
    - number of sessions needed
    - how many visits
    - is one session enough
- intent: out_of_scope
  examples: |
    - what is the weather
    - how much does it cost
    - tell me a joke
    - do you take insurance
    - where do i park
    - who won the game
""")
    test = write(tmp_path / "test.yml", """version: "3.1"
nlu:
- intent: ask_pain
  examples: |
    - does it hurt
    - is it painful
- intent: ask_sessions
  examples: |
    - how many sessions
    - how many visits
- intent: out_of_scope
  examples: |
    - tell me a joke
""")
    not_urgent = write(tmp_path / "not_urgent.txt", "is it painful\n")
    configs = tmp_path / "configs"
    configs.mkdir()
    write(configs / "tiny.yml", """recipe: default.v1
language: en
assistant_id: tiny  # else Rasa writes one into the file, changing its fingerprint
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
    random_state: 1
""")
    assert len(read_examples(test)) == 5
    args = ["--config-dir", str(configs), "--train-data", str(train), "--test", str(test),
            "--not-urgent", str(not_urgent), "--models", str(tmp_path / "models"),
            "--out", str(tmp_path / "out")]
    main(args)
    printed = capsys.readouterr().out
    row = next(line for line in printed.splitlines() if line.startswith("| tiny |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "100.0%"  # in-scope accuracy on sentences it was trained on
    assert cells[3] == "100.0%"  # out-of-scope routed away
    assert cells[5] == "0.0% / 0.0%"  # nothing called urgent
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| tiny |" in report and "confusion-tiny.png" in report
    assert (tmp_path / "out" / "confusion-tiny.png").stat().st_size > 1000
    # a second run reuses the trained model
    main(args)
    assert "cached |" in capsys.readouterr().out
