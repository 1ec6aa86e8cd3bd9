"""Rasa-shaped events written straight into a tracker store's `events` table,
for the console's unit tests and its benchmark (bench/console_bench.py).

The shapes copy what Rasa 3.6 and this project's actions store: a session
opens with action_session_start, then the first-turn notice (a bot event),
then session_started and action_listen; each turn is a user event (parse data
with intent, confidence, ranking and entities, and the input channel),
user_featurization, the action, its bot reply (with kb_entry or utter_action
metadata), any slots it set, and action_listen.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa

NOTICE = ("Hi, I'm the Example Dermatology Clinic virtual assistant. I give general information "
          "about microneedling from a patient information page, not personal medical advice.")
META = {"model_id": "bench", "assistant_id": "clinic-microneedling"}


def events_table() -> sa.Table:
    """The console's copy of Rasa's SQLTrackerStore table definition."""
    from review.tracker_store import EVENTS

    return EVENTS


def _event(kind: str, timestamp: float, **fields: Any) -> Dict[str, Any]:
    return {"event": kind, "timestamp": timestamp, "metadata": dict(META), **fields}


def session_start(timestamp: float, channel: str = "rest") -> List[Dict[str, Any]]:
    """A new session, with this project's quirk: the notice before session_started."""
    text = (
        "Example Dermatology Clinic: general info, not medical advice."
        if channel == "sms"
        else NOTICE
    )
    return [
        _event("action", timestamp, name="action_session_start", policy=None, confidence=1.0),
        _event("bot", timestamp + 0.0001, text=text,
               metadata={**META, "utter_action": "utter_first_turn_notice"}, data={}),
        _event("session_started", timestamp + 0.0002),
        _event("action", timestamp + 0.0003, name="action_listen", policy=None, confidence=None),
    ]


def turn(
    timestamp: float,
    text: str,
    intent: str,
    confidence: float,
    channel: str = "rest",
    reply: str = "A reply.",
    kb_entry: Optional[str] = None,
    action: str = "action_answer_question",
    utter_action: Optional[str] = None,
    slots: Optional[Dict[str, Any]] = None,
    entities: Sequence[Dict[str, Any]] = (),
    ranking: Sequence[str] = (),
) -> List[Dict[str, Any]]:
    """One patient message and the assistant's answer to it."""
    parse = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities),
        "text": text,
        "intent_ranking": [{"name": intent, "confidence": confidence}]
        + [
            {"name": n, "confidence": round((1 - confidence) / (i + 2), 4)}
            for i, n in enumerate(ranking)
        ],
    }
    metadata = {**META, **({"kb_entry": kb_entry} if kb_entry else {}),
                **({"utter_action": utter_action} if utter_action else {})}
    events = [
        _event(
            "user", timestamp, text=text, parse_data=parse, input_channel=channel, message_id="m"
        ),
        _event("user_featurization", timestamp + 0.001, use_text_for_featurization=False),
        _event("action", timestamp + 0.002, name=action, policy="RulePolicy", confidence=1.0),
        _event("bot", timestamp + 0.003, text=reply, metadata=metadata, data={"buttons": None}),
    ]
    for name, value in (slots or {}).items():
        events.append(_event("slot", timestamp + 0.004, name=name, value=value))
    events.append(
        _event(
            "action", timestamp + 0.005, name="action_listen", policy="RulePolicy", confidence=1.0
        )
    )
    return events


def rows(sender_id: str, events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events as rows of Rasa's table (intent_name and action_name as Rasa fills them)."""
    out = []
    for event in events:
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        out.append({
            "sender_id": sender_id, "type_name": event["event"], "timestamp": event["timestamp"],
            "intent_name": intent, "action_name": event.get("name"), "data": json.dumps(event),
        })
    return out


class TrackerWriter:
    """Writes events into a tracker store's `events` table (created if missing)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url, future=True)
        self.table = events_table()
        self.table.metadata.create_all(self.engine, tables=[self.table])

    def add(self, sender_id: str, events: Iterable[Dict[str, Any]]) -> None:
        self.insert(rows(sender_id, events))

    def insert(self, batch: List[Dict[str, Any]]) -> None:
        if batch:
            with self.engine.begin() as db:
                db.execute(self.table.insert(), batch)

    def ids(self, sender_id: str) -> List[int]:
        with self.engine.connect() as db:
            return list(
                db.execute(
                    sa.select(self.table.c.id)
                    .where(self.table.c.sender_id == sender_id)
                    .order_by(self.table.c.id)
                ).scalars()
            )
