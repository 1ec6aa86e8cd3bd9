"""Full dates (with a year: a date of birth or a treatment date, both
identifying), and a year said to be the birth year."""

from __future__ import annotations

import re
from typing import List

from review.redaction.spans import Span, regex_spans

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATES = [
    # 12/05/1990, 12.05.90, 5-12-1990 (one separator throughout)
    re.compile(r"(?<![\d.,/-])\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/.-]?\d)"),
    # 1990-05-12
    re.compile(r"(?<![\d.,/-])(?:19|20)\d{2}([/.-])\d{1,2}\1\d{1,2}(?![\d/.-]?\d)"),
    # 12 May 1990, 12th of May, 1990, 12-May-1990, 5 March 82
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?[\s-]+{MONTH}\.?,?[\s-]+(?:(?:19|20)\d{{2}}|\d{{2}})\b",
        re.I,
    ),
    # May 12, 1990 / May 12th 1990
    re.compile(rf"\b{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b", re.I),
    # born in 1990, DOB: 1990 (the year alone, when said to be the birth)
    re.compile(
        r"\b(?:born(?:\s+in)?|dob|d\.o\.b\.?|date of birth)"
        r"\s*(?::|is|was)?\s*(?P<pii>(?:19|20)\d{2})\b",
        re.I,
    ),
]


def date_spans(text: str) -> List[Span]:
    return [span for pattern in DATES for span in regex_spans(pattern, text, "date")]
