"""E-mail addresses, also written "jane(at)gmail.com", "jane [at] gmail
[dot] com" or "jane at gmail dot com"."""

from __future__ import annotations

import re
from typing import List

from review.redaction.spans import Span, regex_spans

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# "at" and "dot" in brackets of any kind, or "@" and "." with spaces round them.
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
BRACKET_AT = rf"\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*"
WORD_DOT = rf"(?:\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*|\s+dot\s+)"
ANY_DOT = rf"(?:\s*\.\s*|{WORD_DOT})"
LOCAL = rf"[\w+-]+(?:(?:\.|{WORD_DOT})[\w+-]+)*"
LABEL = r"[A-Za-z0-9][A-Za-z0-9-]*"
# Top-level domains people write in full: "at" followed by a domain needs one
# ("see you at noon.thanks" is no address).
TLDS = (
    "com|org|net|edu|gov|info|biz|io|co|me|uk|us|ca|au|nz|ie|za|in|de|fr|es|it|nl|be|ch|at|se|no|dk|fi"
    "|pl|pt|gr|br|mx|ar|jp|cn|kr|sg|hk|ph|ng|ae|sa|ru|tr|il|eu|online|email|mail|net"
)
PROVIDERS = (
    "gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|mac|aol|proton|protonmail|pm|gmx"
    "|yandex|zoho|fastmail|btinternet|sky|virginmedia|talktalk|comcast|verizon|att|sbcglobal|bigpond|optusnet"
)
OBFUSCATED_EMAILS = [
    # jane(at)gmail.com, jane [at] gmail [dot] com, jane(at)gmail
    re.compile(rf"(?<![\w.+-]){LOCAL}{BRACKET_AT}{LABEL}(?:{ANY_DOT}{LABEL})*", re.I),
    # jane @ gmail . com, jane@gmail (no top-level domain)
    re.compile(rf"(?<![\w.+-]){LOCAL}\s*@\s*{LABEL}(?:{ANY_DOT}{LABEL})*", re.I),
    # jane at gmail dot com, jane at gmail, jane.doe at gmail.com, jane at example.co.uk
    re.compile(
        rf"(?<![\w.+-]){LOCAL}\s+at\s+(?:(?:{PROVIDERS})\b(?:{ANY_DOT}{LABEL})*"
        rf"|{LABEL}(?:{ANY_DOT}{LABEL})*{ANY_DOT}(?:{TLDS})\b)",
        re.I,
    ),
]


def email_spans(text: str) -> List[Span]:
    found = regex_spans(EMAIL, text, "email")
    for pattern in OBFUSCATED_EMAILS:
        found += regex_spans(pattern, text, "email")
    return found
