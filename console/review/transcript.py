"""A conversation's events turned into what staff read: sessions of patient
messages (intent, confidence, entities) and assistant replies (the
knowledge-base entry or response they came from), plus the moments the
assistant flagged the conversation for staff.

Sessions start at each `action_session_start`: the custom action sends its
first-turn notice before it returns `session_started`, so splitting at
`session_started` would put the notice at the end of the previous session.
Text is kept as stored; redaction is the caller's choice (review/redaction/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, List, Optional, Tuple

from clinic.contract import ActionName, ReplyMeta, Slot
from review.folding import is_low_confidence
from review.models import ChannelKind

FLAG_LABELS = {
    Slot.URGENT_FLAGGED: "Flagged: urgent symptoms",
    Slot.CALLBACK_REQUESTED: "Flagged: call-back requested",
}


@dataclass
class Message:
    """One line of a transcript."""

    event_id: int
    at: datetime
    role: str  # patient, assistant or flag
    text: str
    intent: str = ""
    confidence: Optional[float] = None
    entities: List[Tuple[str, str]] = field(default_factory=list)
    source: str = ""  # kb entry (with its variant) or the response's name
    buttons: List[str] = field(default_factory=list)
    channel: str = ""

    @property
    def typed(self) -> bool:
        """A patient message typed in words, not a button press ("/affirm")."""
        return self.role == "patient" and bool(self.text) and not self.text.startswith("/")

    @property
    def low_confidence(self) -> bool:
        return self.role == "patient" and is_low_confidence(self.intent, self.confidence or 0.0)


@dataclass
class Session:
    started_at: Optional[datetime]
    messages: List[Message] = field(default_factory=list)


def _moment(event: dict) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0.0), tz=timezone.utc)


def reply_source(metadata: dict) -> str:
    """Where a reply came from: `kb_entry` (and variant), else the response's name."""
    entry = metadata.get(ReplyMeta.KB_ENTRY)
    if entry:
        variant = metadata.get(ReplyMeta.KB_VARIANT)
        return f"{entry} ({variant})" if variant else entry
    return metadata.get("utter_action") or metadata.get("template") or ""


def _patient(event: dict) -> Message:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    entities = [
        (str(e.get("entity", "")), str(e.get("value", "")))
        for e in parse.get("entities") or [] if isinstance(e, dict)
    ]
    channel = event.get("input_channel") or ""
    return Message(
        event_id=event["_id"], at=_moment(event), role="patient", text=event.get("text") or "",
        intent=intent.get("name") or "", confidence=float(intent.get("confidence") or 0.0),
        entities=entities, channel=ChannelKind.of(channel, default=channel),
    )


def _assistant(event: dict) -> Message:
    buttons = ((event.get("data") or {}).get("buttons")) or []
    return Message(
        event_id=event["_id"], at=_moment(event), role="assistant", text=event.get("text") or "",
        source=reply_source(event.get("metadata") or {}),
        buttons=[str(b.get("title", "")) for b in buttons if isinstance(b, dict)],
    )


def build(events: List[dict]) -> List[Session]:
    """The sessions of one conversation, from its events in id order."""
    sessions: List[Session] = []
    for event in events:
        kind = event.get("event")
        if kind == "action" and event.get("name") == ActionName.SESSION_START:
            sessions.append(Session(started_at=_moment(event)))
            continue
        if not sessions:
            sessions.append(Session(started_at=_moment(event)))
        current = sessions[-1]
        if kind == "user":
            current.messages.append(_patient(event))
        elif kind == "bot":
            current.messages.append(_assistant(event))
        elif kind == "slot" and event.get("name") in FLAG_LABELS and event.get("value") is True:
            current.messages.append(
                Message(
                    event_id=event["_id"],
                    at=_moment(event),
                    role="flag",
                    text=FLAG_LABELS[event["name"]],
                )
            )
    return [s for s in sessions if s.messages]


def redacted(sessions: List[Session], redact: Callable[[str], str]) -> List[Session]:
    """The same sessions with `redact` applied to the patient's text."""
    for session in sessions:
        for message in session.messages:
            if message.role == "patient":
                message.text = redact(message.text)
    return sessions
