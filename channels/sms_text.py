"""Shaping a turn's replies into one SMS: GSM-7 text, at most two segments.

A GSM-7 segment holds 160 characters, or 153 when the message has several
segments, so two segments hold 306 (extension characters such as [ ] € take
two). A text needing any other character goes as UCS-2: 70 a segment, 67
when split, 134 for two. Emoji and smart punctuation are replaced so answers
stay in GSM-7.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from clinic.gsm7 import is_gsm7, septets

GSM7_TWO_SEGMENTS = 306
UCS2_TWO_SEGMENTS = 134
# MORE sends at most this many messages of two segments (six segments, about
# 900 characters; the longest answer takes two): a longer text is cut.
MORE_MESSAGES = 3
MORE_HINT = "Reply MORE for details."
MORE_HINT_SHORT = "Reply MORE."

REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u2022": "-", "\u00b7": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}


def to_gsm7(text: str) -> str:
    """`text` with typographic characters replaced and emoji dropped.

    Letters with accents GSM-7 lacks keep their base letter ("ó" -> "o");
    anything else outside GSM-7 is left for the UCS-2 fallback.
    """
    out = []
    for ch in text:
        ch = REPLACEMENTS.get(ch, ch)
        if is_gsm7(ch):
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch)
        stripped = "".join(c for c in base if not unicodedata.combining(c))
        if stripped and is_gsm7(stripped):
            out.append(stripped)
        elif unicodedata.category(ch) in ("So", "Sk", "Cs", "Mn", "Cf"):
            continue  # emoji, symbols, joiners: nothing a phone must show
        else:
            out.append(ch)
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()


def limit(text: str) -> int:
    """Characters that fit two segments in the encoding `text` needs."""
    return GSM7_TWO_SEGMENTS if is_gsm7(text) else UCS2_TWO_SEGMENTS


def length(text: str) -> int:
    """Length as the limit counts it (GSM-7 septets, or UCS-2 code units)."""
    return septets(text) if is_gsm7(text) else len(text.encode("utf-16-le")) // 2


def fits(text: str) -> bool:
    return length(text) <= limit(text)


def prefix_within(text: str, room: int) -> str:
    """The longest start of `text` whose length, as the limit counts it, is at most `room`
    (an extension character such as € or [ takes two GSM-7 septets, an emoji two UCS-2 units)."""
    gsm = is_gsm7(text)
    used = 0
    for index, ch in enumerate(text):
        used += septets(ch) if gsm else len(ch.encode("utf-16-le")) // 2
        if used > room:
            return text[:index]
    return text


def shorten(text: str, room: int) -> str:
    """`text` cut at the last sentence end within `room`, or at a word."""
    if length(text) <= room:
        return text
    cut = prefix_within(text, max(0, room - 3))
    sentence_end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if sentence_end > room // 2:
        return cut[: sentence_end + 1]
    return cut.rsplit(" ", 1)[0].rstrip(",;:") + "..."


def split_for_sms(text: str, parts: int = MORE_MESSAGES) -> List[str]:
    """`text` in at most `parts` messages of two segments each (sentence-aligned)."""
    text = to_gsm7(text)
    room = limit(text)
    chunks: List[str] = []
    rest = text
    while rest and len(chunks) < parts:
        if length(rest) <= room:
            chunks.append(rest)
            rest = ""
            break
        piece = shorten(rest, room)
        if piece.endswith("..."):
            piece = piece[:-3]
        chunks.append(piece.strip())
        rest = rest[len(piece):].lstrip(" ,;:")  # the next part starts with a word
    if rest and chunks:
        chunks[-1] = shorten(chunks[-1] + " " + rest, room)
    return chunks


@dataclass
class Turn:
    """The bot messages of one turn, as the SMS output channel received them."""

    texts: List[str] = field(default_factory=list)
    buttons: List[Dict[str, str]] = field(default_factory=list)
    full_text: Optional[str] = None  # the web answer behind a short SMS answer
    urgent_text: Optional[str] = None
    notice: Optional[str] = None


@dataclass
class Reply:
    """The SMS to send for a turn, and what later replies may refer to."""

    body: str
    more: Optional[str] = None  # full answer sent on MORE
    options: List[Dict[str, str]] = field(default_factory=list)  # "Reply 1 for ..."


def options_line(buttons: List[Dict[str, str]]) -> str:
    items = [f"{i} for {b['title'].rstrip('?').lower()}" for i, b in enumerate(buttons, 1)]
    return "Reply " + ", ".join(items) + "."


def compose(turn: Turn) -> Reply:
    """One SMS for the turn, within two segments.

    The urgent reply goes alone and whole, whatever its length. Otherwise the
    answer comes first, then, while they fit: the first-turn notice before it,
    "Reply MORE for details." when the full answer says more, and as many
    numbered options as fit.
    """
    if turn.urgent_text:
        return Reply(to_gsm7(turn.urgent_text))
    answer = to_gsm7(" ".join(t for t in turn.texts if t))
    if not answer:
        return Reply("")
    has_more = bool(turn.full_text) and to_gsm7(turn.full_text) != answer
    body = answer if fits(answer) else shorten(answer, limit(answer) - len(MORE_HINT) - 1)
    has_more = has_more or body != answer
    if turn.notice:
        with_notice = to_gsm7(turn.notice) + " " + body
        if fits(with_notice):
            body = with_notice
    more_text = to_gsm7(turn.full_text or answer) if has_more else None
    if has_more:
        hint = next((h for h in (MORE_HINT, MORE_HINT_SHORT) if fits(body + " " + h)), None)
        if hint:
            body += " " + hint
    options: List[Dict[str, str]] = []
    for count in range(len(turn.buttons), 0, -1):
        line = options_line(turn.buttons[:count])
        if fits(body + " " + line):
            body += " " + line
            options = turn.buttons[:count]
            break
    return Reply(body, more_text, options)
