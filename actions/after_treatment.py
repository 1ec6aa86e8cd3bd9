"""A worry about the patient's own skin after a treatment that goes beyond
what the page calls normal ("short-term swelling, redness, and skin flaking,
which can last for a few days").

"Day 5, redness hasn't gone, bumps like whiteheads" or "3 weeks after
microneedling I have new dark patches" get the page's facts and then
"please call the clinic" with the number, and the conversation is flagged
for a call-back. Rules over the words, kept small and tested: a duration
past a few days with an effect still there, or something new or worsening.
"""

from __future__ import annotations

import re

from nlp.person import reports_on_self
from nlp.timing import Timing, treatment_timing

NUMBERS = {
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "several": 5,
    "few": 3,
}
NORMAL_DAYS = 4  # "a few days": longer than this is past what the page calls normal
EFFECT = (
    r"(red|redness|pink|swell\w*|swollen|puffy|flak\w*|peel\w*|bumps?|spots?|whiteheads?|pimples?|"
    r"breakouts?|patch(es)?|marks?|dots?|lines?|dark\w*|brown|sore|itch\w*|raw)"
)
DAYS = re.compile(
    r"\bday\s*(\d+)\b|\b(\d+|four|five|six|seven|eight|nine|ten|several)\s*(days?|d)\b",
    re.IGNORECASE,
)
WEEKS = re.compile(
    r"\b(\d+|a|one|two|three|few|several)\s*(weeks?|wks?|months?)\b|\bweek later\b|\ba week\b",
    re.IGNORECASE,
)
LINGERING = re.compile(
    r"\b(still|hasn'?t gone|not gone|won'?t go|isn'?t going|not going|hasn'?t faded|not fading|"
    r"no better)\b",
    re.IGNORECASE,
)
NEW_OR_WORSE = re.compile(
    rf"\b(new|newly|worse|worsening|darker|darkening|getting bigger|more and more)\b"
    rf"[^.?!]{{0,40}}?\b{EFFECT}\b"
    rf"|\b{EFFECT}\b[^.?!]{{0,40}}?"
    rf"\b(worse|worsening|darker|darkening|getting bigger|keeps? (spreading|growing))\b",
    re.IGNORECASE,
)


def days_since(text: str) -> int:
    """The longest time after the treatment the message names, in days (0 if none)."""
    longest = 0
    for match in DAYS.finditer(text):
        number = match.group(1) or match.group(2)
        longest = max(longest, int(number) if number.isdigit() else NUMBERS.get(number.lower(), 0))
    for match in WEEKS.finditer(text):
        number = (match.group(1) or "a").lower()
        count = int(number) if number.isdigit() else NUMBERS.get(number, 1)
        unit = (match.group(2) or "week").lower()
        longest = max(longest, count * (30 if unit.startswith("month") else 7))
    return longest


# A question about what may happen ("will I get dark patches after?") is not a report.
HYPOTHETICAL = re.compile(
    r"\b(will|would|could|might|can)\s+(i|my|it|there|you)\b|\bwhat if\b|\bin case\b", re.IGNORECASE
)
# A diary-style report without "I": "Day 5, redness hasn't gone".
DIARY = re.compile(
    r"^\W*(day\s*\d+|\d+\s*(days?|weeks?|wks?)\s+(after|post|since|out|in)\b)"
    r"|\b(treatment|session|procedure|microneedling) was \w+ (days?|weeks?) ago\b",
    re.IGNORECASE,
)


def reports_own_skin(text: str) -> bool:
    """The patient tells what their skin is doing, rather than asking in general."""
    if HYPOTHETICAL.search(text) and not re.search(
        r"\b(i have|i've got|i got|i am|i'm|im|my (skin|face))\b", text, re.I
    ):
        return False
    return reports_on_self(text) or bool(DIARY.search(text))


def says_treated(text: str) -> bool:
    """The patient says they have had the treatment ("had it done on Monday", "day 5")."""
    return treatment_timing(text) is Timing.AFTER or bool(DIARY.search(text))


def beyond_normal(text: str, treated_before: bool = False) -> bool:
    """Whether the patient describes their own skin after a treatment in a way
    the page does not call normal: lasting past a few days, new, or worse.
    `treated_before`: an earlier message of the conversation said they were treated."""
    if not reports_own_skin(text) or not re.search(rf"\b{EFFECT}\b", text, re.IGNORECASE):
        return False
    after = treated_before or says_treated(text) or bool(DAYS.search(text) or WEEKS.search(text))
    if NEW_OR_WORSE.search(text):
        return after
    return days_since(text) > NORMAL_DAYS and (after or bool(LINGERING.search(text)))
