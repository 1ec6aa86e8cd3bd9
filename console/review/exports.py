"""Conversations exported as CSV (one row per message) or JSONL (one
conversation per line), streamed so a large export holds little in memory.

Redacted unless the admin explicitly asked otherwise (the view audits both).
Conversations are named by their label (review/labels.py), never their id,
in a column or key that says so.
CSV cells that a spreadsheet would run as a formula (=, +, -, @) get a leading
apostrophe: patient text must never execute anywhere.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Callable, Dict, Iterator, List, Sequence

from review.models import ConversationSummary
from review.tracker_store import default_store
from review.transcript import Session, build, redacted

CSV_COLUMNS = [
    "conversation_label", "channel", "session_started", "time", "role", "text",
    "intent", "confidence", "entities", "source",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GROUP = 200  # conversations read from the tracker store at a time


def spreadsheet_safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _transcripts(
    summaries: Sequence[ConversationSummary], redact: Callable[[str], str]
) -> Iterator[tuple]:
    store = default_store()
    for start in range(0, len(summaries), GROUP):
        group = summaries[start:start + GROUP]
        events = store.conversations([s.sender_id for s in group])
        for summary in group:
            yield summary, redacted(build(events.get(summary.sender_id, [])), redact)


def _message_dict(message) -> Dict[str, object]:
    return {
        "time": message.at.isoformat(timespec="seconds"),
        "role": message.role,
        "text": message.text,
        "intent": message.intent or None,
        "confidence": round(message.confidence, 4) if message.confidence is not None else None,
        "entities": [{"entity": e, "value": v} for e, v in message.entities],
        "source": message.source or None,
    }


def csv_lines(
    summaries: Sequence[ConversationSummary], redact: Callable[[str], str]
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for summary, sessions in _transcripts(summaries, redact):
        for session in sessions:
            started = session.started_at.isoformat(timespec="seconds") if session.started_at else ""
            for message in session.messages:
                writer.writerow([
                    summary.label, summary.channel, started,
                    message.at.isoformat(timespec="seconds"), message.role,
                    spreadsheet_safe(message.text), message.intent,
                    f"{message.confidence:.4f}" if message.confidence is not None else "",
                    spreadsheet_safe(";".join(f"{e}={v}" for e, v in message.entities)),
                    message.source,
                ])
        yield flush()


def jsonl_lines(
    summaries: Sequence[ConversationSummary], redact: Callable[[str], str]
) -> Iterator[str]:
    for summary, sessions in _transcripts(summaries, redact):
        record = {
            "conversation_label": summary.label,
            "channel": summary.channel,
            "started_at": summary.started_at.isoformat(timespec="seconds"),
            "flags": flags_of(summary),
            "sessions": [
                {
                    "started_at": s.started_at.isoformat(timespec="seconds")
                    if s.started_at
                    else None,
                    "messages": [_message_dict(m) for m in s.messages],
                }
                for s in sessions
            ],
        }
        yield json.dumps(record, ensure_ascii=False) + "\n"


def flags_of(summary: ConversationSummary) -> List[str]:
    names = [("urgent", summary.urgent), ("callback", summary.callback),
             ("fallback", summary.low_confidence), ("opted_out", summary.opted_out)]
    return [name for name, on in names if on]


def sessions_json(sessions: List[Session]) -> List[Dict[str, object]]:
    """A transcript for the JSON API."""
    return [
        {"started_at": s.started_at.isoformat(timespec="seconds") if s.started_at else None,
         "messages": [_message_dict(m) for m in s.messages]}
        for s in sessions
    ]
