"""Phone numbers, by Google's libphonenumber (the `phonenumbers` port),
read the way the clinic's region and a few common ones write them."""

from __future__ import annotations

import functools
import re
from typing import List, Sequence

from review.redaction.spans import Span

# libphonenumber reads national formats by region: the clinic's (clinic.yml
# `region`) first, then common ones. International (+44 ...) numbers are
# found whatever the region.
# (Between them these read every format of tests/data/redaction_corpus.yml:
# numbers of some 20 countries.)
COMMON_REGIONS = ("US", "GB", "AU", "IN", "DE", "FR", "BR")
MIN_PHONE_DIGITS = 7
ENOUGH_DIGITS = re.compile(r"(?:\d\D{0,3}){7}")  # cheap test before any matching


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


@functools.lru_cache(maxsize=1)
def _phone_regions() -> Sequence[str]:
    """The clinic's region (clinic.yml `region`), then the common ones."""
    try:
        from clinic.config import load_clinic

        own = load_clinic().region
    except Exception:  # redaction goes on without the clinic file
        own = ""
    return tuple(dict.fromkeys(([own] if own else []) + list(COMMON_REGIONS)))


def clinic_region() -> str:
    """The region phone numbers are read in first (clinic.yml, else US)."""
    return _phone_regions()[0]


def phone_spans(text: str) -> List[Span]:
    if not ENOUGH_DIGITS.search(text):
        return []
    import phonenumbers

    return [
        Span(match.start, match.end, "phone")
        for region in _phone_regions()
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE
        )
        if _digits(match.raw_string) >= MIN_PHONE_DIGITS
    ]
