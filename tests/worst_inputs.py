"""The costliest messages a client can send within the length limit, for the
parse-cost test and `make bench-worst` (both use the same ones).

Each is as long as a message may be (MAX_MESSAGE_CHARS, 2,000 by default) and
aimed at a different part of the pipeline: one long word at the typo
normalizer's per-word work, many unknown words at its per-message work,
words one letter longer than the longest vocabulary word at its candidate
search, and mixed scripts at the tokenizers and the embedding.
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Dict

SEED = 11
# Latin with diacritics, Cyrillic, Greek, Arabic, Hebrew, Devanagari, CJK,
# Hangul, combining marks, emoji with modifiers and joiners, and punctuation.
SCRIPTS = (
    "microneedling naïve café Ärger",
    "Микронидлинг больно ли",
    "μικροβελόνες πόνος",
    "هل الوخز بالإبر مؤلم",
    "האם זה כואב",
    "क्या यह दर्दनाक है",
    "微针治疗疼吗痛不痛",
    "マイクロニードリング",
    "미세침 치료 아파요",
    "e\u0301\u0302\u0303\u0304",
    "👩🏽‍⚕️🧴💉🙏🏿",
    "¿¡«»…—",
)


def random_letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def worst_inputs(limit: int = 2000) -> Dict[str, str]:
    """Name -> message, every message at most `limit` characters."""
    rng = random.Random(SEED)
    mixed, i = "", 0
    while len(mixed) < limit:
        mixed += SCRIPTS[i % len(SCRIPTS)] + " "
        i += 1
    per_7 = limit // 8  # "300 random 7-letter words" is 2,400 characters: as many as fit
    return {
        f"one {limit}-letter word": random_letters(rng, limit),
        f"{per_7} random 7-letter words": " ".join(random_letters(rng, 7) for _ in range(per_7)),
        f"{limit // 20} random 19-letter words": " ".join(
            random_letters(rng, 19) for _ in range(limit // 20)
        ),
        f"{limit} characters of mixed scripts": mixed[:limit],
    }


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (VmRSS) or its peak since the last reset (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no {field} for process {pid}")


def reset_peak(pid: int) -> None:
    """Sets the process's VmHWM to its current VmRSS (Linux clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
