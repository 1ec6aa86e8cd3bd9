"""A generated tracker store for the console's benchmark (bench/console_bench.py).

Conversations shaped like the assistant's (sessions opened by
action_session_start and the notice, user / bot / action / slot events, web,
SMS and REST, urgent, call-back and fallback turns, timestamps over six
months), written in Rasa's `events` columns, plus SMS opt-outs and encrypted
call-back numbers. Conversations are made and written one after another, so
memory stays flat at any size; on PostgreSQL the rows go in with COPY, since
2,000,000 INSERTed rows take minutes.
"""

from __future__ import annotations

import io
import random
import time
import uuid
from typing import Callable, Dict, List, Tuple

import sqlalchemy as sa
from cryptography.fernet import Fernet

from clinic.sms_schema import CALLBACKS, METADATA, OPT_OUTS
from tests.tracker_events import TrackerWriter, rows, session_start, turn

DAY = 86400.0
SPAN_DAYS = 182
CHANNELS = [("socketio", 0.60), ("sms", 0.25), ("rest", 0.15)]
FAQ = [
    ("does microneedling hurt?", "ask_pain", "pain"),
    ("is it painful", "ask_pain", "pain"),
    ("how long is the downtime", "ask_downtime", "downtime"),
    ("how red will my face be after", "ask_downtime", "downtime"),
    ("what are the side effects", "ask_side_effects", "side_effects"),
    ("how many sessions will I need?", "ask_sessions", "sessions"),
    ("does it work for acne scars", "ask_conditions_treated", "conditions_treated"),
    ("is it safe for dark skin", "ask_pigmentation_risk", "pigmentation_risk"),
    ("do home rollers work", "ask_at_home_rollers", "at_home_rollers"),
    ("what should I do after the treatment", "ask_aftercare", "aftercare"),
    ("how deep do the needles go on my forehead", "ask_needle_depth", "needle_depth"),
    ("when will I see results", "ask_results", "results"),
    ("who should not have microneedling", "ask_contraindications", "contraindications"),
    ("is it better than a chemical peel", "ask_vs_other_treatments", "vs_other_treatments"),
    ("can it help hair loss", "ask_hair_loss", "hair_loss"),
    ("who does the treatment", "ask_provider", "provider"),
    ("what is microneedling", "ask_what_is", "what_is"),
    ("how does it work", "ask_how_it_works", "how_it_works"),
]
SMALL_TALK = [("hi", "greet", "utter_greet"), ("thanks", "thank", "utter_thank"),
              ("bye", "goodbye", "utter_goodbye")]
URGENT = ["my face is swollen and oozing pus", "I have a fever since the treatment",
          "the redness is spreading and it really hurts"]
CALLBACK = ["can someone call me back", "I want to speak to a person", "can I book an appointment"]
MISSED = ["kazoo", "tell me about it", "asdf", "what about the thing", "banana bread recipe"]
PERSONAL = ["my name is Alex Smith, call me on 555-01{n:02d}",
            "email me at alex{n}@example.org please"]
COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def pick(rng: random.Random, weighted: List[Tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def conversation_turns(rng: random.Random, channel: str, start: float, budget: int) -> List[dict]:
    """One conversation's events, about `budget` of them."""
    events = session_start(start, channel)
    moment = start + 1
    kind = rng.random()
    special = ("urgent" if kind < 0.05 else "callback" if kind < 0.13
               else "missed" if kind < 0.28 else "")
    while len(events) < budget - 4:
        moment += rng.uniform(5, 90)
        roll = rng.random()
        if special and (roll < 0.35 or len(events) > budget - 12):
            what, special = special, ""
        else:
            what = ("faq" if roll < 0.8 else "small" if roll < 0.9
                    else "personal" if roll < 0.93 else "unsure")
        if what == "urgent":
            events += turn(moment, rng.choice(URGENT), "urgent_symptom", rng.uniform(0.9, 1.0),
                           channel, action="utter_urgent_symptom",
                           utter_action="utter_urgent_symptom",
                           slots={"urgent_flagged": True})
        elif what == "callback":
            events += turn(moment, rng.choice(CALLBACK), "request_human", rng.uniform(0.8, 1.0),
                           channel, action="utter_request_human",
                           utter_action="utter_request_human",
                           slots={"callback_requested": True})
        elif what == "missed":
            events += turn(moment, rng.choice(MISSED), "nlu_fallback", 0.3, channel,
                           action="action_fallback", utter_action="utter_nlu_fallback",
                           ranking=["ask_pain", "ask_what_is"])
        elif what == "small":
            text, intent, action = rng.choice(SMALL_TALK)
            events += turn(moment, text, intent, rng.uniform(0.85, 1.0), channel, action=action,
                           utter_action=action)
        else:
            text, intent, entry = rng.choice(FAQ)
            if what == "personal":
                text = rng.choice(PERSONAL).format(n=rng.randrange(100)) + ", " + text
            confidence = rng.uniform(0.3, 0.49) if what == "unsure" else rng.uniform(0.8, 1.0)
            events += turn(moment, text, intent, confidence, channel, kb_entry=entry,
                           slots={"last_topic": entry})
    return events


def _copy_field(value: object) -> str:
    """One field in COPY's text format: NULL as \\N, backslash, tab and newlines escaped."""
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def inserter(writer: TrackerWriter) -> Tuple[Callable[[List[dict]], None], int]:
    """How to write a batch of rows to this store, and how many rows a batch holds."""
    if writer.engine.dialect.name != "postgresql":
        return writer.insert, 5_000

    def copy(batch: List[dict]) -> None:
        text = io.StringIO("".join(
            "\t".join(_copy_field(row[c]) for c in COLUMNS) + "\n" for row in batch))
        raw = writer.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                cursor.copy_expert(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN", text)
            raw.commit()
        finally:
            raw.close()

    return copy, 50_000


def generate(url: str, conversations: int, total_events: int, seed: int = 7) -> Dict[str, int]:
    """Writes the store; returns counts of what it holds."""
    rng = random.Random(seed)
    now = time.time()
    writer = TrackerWriter(url)
    write, batch_size = inserter(writer)
    starts = sorted(now - rng.uniform(0, SPAN_DAYS * DAY) for _ in range(conversations))
    produced, sms_senders, batch = 0, [], []
    for i, start in enumerate(starts):  # in order of start, as the store would have them
        channel = pick(rng, CHANNELS)
        sender = ("sms-" + uuid.UUID(int=rng.getrandbits(128)).hex if channel == "sms"
                  else uuid.UUID(int=rng.getrandbits(128)).hex)
        if channel == "sms":
            sms_senders.append(sender)
        budget = round((total_events - produced) / (conversations - i))
        budget = max(9, min(60, int(rng.gauss(budget, budget / 3))))
        if i == conversations - 1:
            budget = total_events - produced
        events = conversation_turns(rng, channel, start, budget)
        if i == conversations - 1:
            events = events[:budget] + [
                {**events[-1], "timestamp": events[-1]["timestamp"] + n}
                for n in range(budget - len(events))]
        produced += len(events)
        batch += rows(sender, events)
        if len(batch) >= batch_size:
            write(batch)
            batch = []
    write(batch)
    # the SMS channel's tables: some numbers opted out, flagged ones kept encrypted
    fernet = Fernet(Fernet.generate_key())
    METADATA.create_all(writer.engine)
    opted = rng.sample(sms_senders, k=max(1, len(sms_senders) // 30))
    flagged = rng.sample(sms_senders, k=max(1, len(sms_senders) // 10))
    with writer.engine.begin() as db:
        db.execute(OPT_OUTS.insert(), [{"conversation_id": s, "opted_out_at": now} for s in opted])
        db.execute(CALLBACKS.insert(), [{
            "conversation_id": s, "number_encrypted": fernet.encrypt(b"+15550100100").decode(),
            "reason": "call-back", "flagged_at": now} for s in flagged])
    with writer.engine.connect() as db:
        stored = db.execute(sa.text("SELECT COUNT(*), COUNT(DISTINCT sender_id) FROM events")).one()
    return {"events": stored[0], "conversations": stored[1], "sms_opt_outs": len(opted)}
