"""A typo-perturbed copy of a test set, the same for the same seed."""

from __future__ import annotations

import random
import re

OPERATIONS = ("swap", "drop", "double")


# The typo copy of the held-out set is generated with this seed (reproducible).
TYPO_SEED = 2026


def perturb_word(word: str, rng: random.Random) -> str:
    """One typo: swap two neighbouring letters, drop one, or double one."""
    i = rng.randrange(1, len(word) - 1)  # keep the first letter, as people mostly do
    op = rng.choice(OPERATIONS)
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def perturb(text: str, seed: int, rate: float = 0.25) -> str:
    """`text` with typos in about `rate` of its words of 4+ letters (at least one)."""
    rng = random.Random(f"{seed}:{text}")
    words = re.split(r"(\W+)", text)
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    count = max(1, round(rate * len(candidates)))
    for i in rng.sample(candidates, min(count, len(candidates))):
        words[i] = perturb_word(words[i], rng)
    return "".join(words)
