"""Real patient messages, scored by what a careful labeller accepts.

tests/nlu/real-messages.jsonl is a copy of ../shared/nlu/real-messages.jsonl
(see its README): messages people wrote on public pages, each with `kind`
(in_scope, out_of_scope, urgent) and `accept`, the intents a careful labeller
accepts, likeliest first. It measures; it is never trained on
(tests/test_training_data.py keeps near-copies out of data/nlu/).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from nlu_eval.metrics import URGENT

# An out-of-scope message is handled well when it goes to the honest reply,
# the fallback or a person.
ROUTED_AWAY = {"out_of_scope", "nlu_fallback", "request_human"}


@dataclass(frozen=True)
class RealMessage:
    text: str
    kind: str
    accept: Tuple[str, ...]

    def right(self, predicted: str) -> bool:
        if self.kind == "out_of_scope":
            return predicted in ROUTED_AWAY or predicted in self.accept
        return predicted in self.accept


@dataclass
class RealScores:
    """Figures on the real set, and the messages the model got wrong."""

    in_scope: float
    out_of_scope_routed: float
    urgent_recall: float
    false_urgent: float
    counts: Dict[str, int]
    misses: List[Tuple[RealMessage, str]] = field(default_factory=list, repr=False)


def load(path: Path) -> List[RealMessage]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [RealMessage(r["text"], r["kind"], tuple(r["accept"])) for r in rows]


def share(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def score(messages: Sequence[RealMessage], predicted: Sequence[str]) -> RealScores:
    pairs = list(zip(messages, predicted))

    def of(kind: str) -> List[Tuple[RealMessage, str]]:
        return [(m, p) for m, p in pairs if m.kind == kind]

    return RealScores(
        in_scope=share([m.right(p) for m, p in of("in_scope")]),
        out_of_scope_routed=share([m.right(p) for m, p in of("out_of_scope")]),
        urgent_recall=share([p == URGENT for _, p in of("urgent")]),
        false_urgent=share([p == URGENT for m, p in pairs if m.kind != "urgent"]),
        counts={kind: len(of(kind)) for kind in ("in_scope", "out_of_scope", "urgent")},
        misses=[(m, p) for m, p in pairs if not m.right(p)],
    )
