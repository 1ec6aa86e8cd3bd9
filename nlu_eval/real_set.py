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

from clinic.contract import Intent
from nlu_eval.metrics import URGENT

# An out-of-scope message is handled well when it goes to the honest reply,
# the fallback or a person.
ROUTED_AWAY = {*Intent.MISSED, Intent.REQUEST_HUMAN}
# The real set's kinds of message (../shared/nlu/README.md).
IN_SCOPE, OUT_OF_SCOPE, URGENT_KIND = "in_scope", Intent.OUT_OF_SCOPE, "urgent"


@dataclass(frozen=True)
class RealMessage:
    text: str
    kind: str
    accept: Tuple[str, ...]

    def right(self, predicted: str) -> bool:
        if self.kind == OUT_OF_SCOPE:
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
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [RealMessage(r["text"], r["kind"], tuple(r["accept"])) for r in rows]


def share(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def score(messages: Sequence[RealMessage], predicted: Sequence[str]) -> RealScores:
    pairs = list(zip(messages, predicted))

    def of(kind: str) -> List[Tuple[RealMessage, str]]:
        return [(m, p) for m, p in pairs if m.kind == kind]

    return RealScores(
        in_scope=share([m.right(p) for m, p in of(IN_SCOPE)]),
        out_of_scope_routed=share([m.right(p) for m, p in of(OUT_OF_SCOPE)]),
        urgent_recall=share([p == URGENT for _, p in of(URGENT_KIND)]),
        false_urgent=share([p == URGENT for m, p in pairs if m.kind != URGENT_KIND]),
        counts={kind: len(of(kind)) for kind in (IN_SCOPE, OUT_OF_SCOPE, URGENT_KIND)},
        misses=[(m, p) for m, p in pairs if not m.right(p)],
    )
