"""Metric functions of the harness: plain Python over (true, predicted) pairs."""

from __future__ import annotations

import math
from collections import Counter
from typing import Dict, Iterable, List, Sequence, Tuple

from clinic.contract import Intent

Pair = Tuple[str, str]  # (true intent, predicted intent)

URGENT = Intent.URGENT_SYMPTOM
ROUTED_AWAY = Intent.MISSED


def confusion(pairs: Iterable[Pair]) -> Dict[Pair, int]:
    """Counts of each (true, predicted) pair."""
    return dict(Counter(pairs))


def accuracy(pairs: Sequence[Pair]) -> float:
    return sum(1 for t, p in pairs if t == p) / len(pairs) if pairs else 0.0


def f1_by_label(pairs: Sequence[Pair], labels: Iterable[str]) -> Dict[str, float]:
    """F1 of each label, with predictions of other labels counting as misses."""
    scores = {}
    for label in labels:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


def macro_f1(pairs: Sequence[Pair], labels: Iterable[str]) -> float:
    """Unweighted mean F1 over `labels` (the in-scope intents)."""
    scores = f1_by_label(pairs, labels)
    return sum(scores.values()) / len(scores) if scores else 0.0


def worst_confusions(pairs: Sequence[Pair], n: int = 5) -> List[Tuple[Pair, int]]:
    """The `n` most frequent (true, predicted) mistakes."""
    mistakes = Counter((t, p) for t, p in pairs if t != p)
    return sorted(mistakes.items(), key=lambda item: (-item[1], item[0]))[:n]


def routed_away_share(predictions: Sequence[str]) -> float:
    """Share of out-of-scope messages sent to out_of_scope or the fallback."""
    return (
        sum(1 for p in predictions if p in ROUTED_AWAY) / len(predictions) if predictions else 0.0
    )


def urgent_recall(pairs: Sequence[Pair]) -> float:
    urgent = [p for t, p in pairs if t == URGENT]
    return sum(1 for p in urgent if p == URGENT) / len(urgent) if urgent else 0.0


def false_urgent_rate(predictions: Sequence[str]) -> float:
    """Share of ordinary (not urgent) messages predicted urgent."""
    return sum(1 for p in predictions if p == URGENT) / len(predictions) if predictions else 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
