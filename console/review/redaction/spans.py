"""What the finders of personal data return (a Span of a kind in
PLACEHOLDERS), and how overlapping finds become one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence


@dataclass(frozen=True)
class Span:
    """Personal data at text[start:end] of a kind in PLACEHOLDERS."""

    start: int
    end: int
    kind: str


def regex_spans(pattern: re.Pattern, text: str, kind: str) -> List[Span]:
    """Each match, or its `pii` group when the pattern has one (the rest is context)."""
    group = "pii" if "pii" in pattern.groupindex else 0
    return [Span(m.start(group), m.end(group), kind) for m in pattern.finditer(text)]


def merge(candidates: Sequence[Span]) -> List[Span]:
    """Overlapping spans become their union, of the kind listed first: no
    digit of a phone number survives because a date overlapped it."""
    merged: List[list] = []  # [start, end, rank, kind]
    for rank, span in sorted(enumerate(candidates), key=lambda pair: pair[1].start):
        if merged and span.start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], span.end)
            if rank < last[2]:
                last[2], last[3] = rank, span.kind
        else:
            merged.append([span.start, span.end, rank, span.kind])
    return [Span(start, end, kind) for start, end, _, kind in merged]
