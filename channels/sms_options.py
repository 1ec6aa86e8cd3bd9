"""Numbered options: "Reply 1 for ..." in the last reply, and "1" in answer."""

from __future__ import annotations

import re
from typing import Dict, List

OPTION = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def chosen(text: str, options: List[Dict[str, str]]) -> str:
    """The option's payload when `text` picks one of `options` ("1", "2."), else the text."""
    choice = OPTION.match(text)
    if choice and 1 <= int(choice.group(1)) <= len(options):
        return options[int(choice.group(1)) - 1]["payload"]
    return text
