"""What the load test checks afterwards, from the database, not from what the
clients saw: every message stored once and answered, in the order it was
sent, and every SMS reply in the outbox sent exactly once, in order.

- lost: a message the client got no answer to, or that Rasa did not store,
  or an SMS turn without a sent reply, or a sent reply the gateway never
  received (a message the proxy refused, its server dying, is not lost: the
  client was told);
- duplicated: a message stored more than once, an event row stored twice,
  or a reply the gateway received more often than the outbox sent it;
- reordered: a conversation whose stored messages (or received replies) are
  not in the order they were sent.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import List

import sqlalchemy as sa

from clinic.sms_schema import OUTBOX
from tests.cluster import Cluster
from tests.load_clients import Conversation


@dataclass
class Counts:
    messages: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    refused: int = 0  # refused out loud (a fault's doing): must be 0 in a load without faults
    details: List[str] = field(default_factory=list, compare=False)

    def add(self, other: Counts) -> None:
        self.messages += other.messages
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.reordered += other.reordered
        self.refused += other.refused
        self.details += other.details

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.reordered)


def check_conversation(cluster: Cluster, convo: Conversation) -> Counts:
    counts = Counts(messages=len(convo.messages), refused=len(convo.refused))
    sql = "SELECT data FROM events WHERE sender_id = %s ORDER BY id"
    rows = cluster.postgres.query("rasa", sql, (convo.conversation_id,))
    counts.duplicated += sum(n - 1 for n in Counter(data for (data,) in rows).values())
    texts = [e.get("text") or "" for e in map(json.loads, (d for (d,) in rows))
             if e["event"] == "user"]
    stored = Counter(texts)
    counts.duplicated += sum(n - 1 for n in stored.values() if n > 1)
    for message in convo.messages:
        # Refused by the proxy (its server died with it): stored once or not
        # at all is right, the client knows. Otherwise the client had its
        # answer (for a failed turn, the channel's reply with the clinic's
        # number, which is not a stored bot event) and Rasa stored the message.
        if message not in convo.refused and (stored[message] == 0
                                             or message not in convo.answered):
            counts.lost += 1
    first_seen = list(dict.fromkeys(texts))
    expected = [m for m in convo.messages if m in stored]
    counts.reordered += first_seen != expected
    if first_seen != expected or sum(stored.values()) > len(stored):
        counts.details.append(f"{convo.channel} {convo.conversation_id}: stored {texts}")
    if convo.channel == "sms":
        _check_sms(cluster, convo, counts)
    return counts


def _check_sms(cluster: Cluster, convo: Conversation, counts: Counts) -> None:
    """Every turn has a reply, and the gateway got each sent reply once, in order."""
    engine = sa.create_engine(cluster.tracker_url, future=True)
    try:
        with engine.connect() as db:
            replies = db.execute(
                sa.select(OUTBOX.c.message_sid, OUTBOX.c.status, OUTBOX.c.gateway_sid)
                .where(OUTBOX.c.conversation_id == convo.conversation_id).order_by(OUTBOX.c.id)
            ).all()
    finally:
        engine.dispose()
    answered_turns = {r.message_sid for r in replies if r.status == "sent"}
    counts.lost += max(0, len(convo.messages) - len(answered_turns))
    sent_sids = [r.gateway_sid for r in replies if r.status == "sent"]
    received = [m["sid"] for m in cluster.twilio.received_to(convo.number or "")]
    # The gateway took it but the outbox does not say so: a server died between
    # the two and the reply went out again.
    unrecorded = [sid for sid in received if sid not in sent_sids]
    counts.duplicated += len(unrecorded)
    counts.lost += len(set(sent_sids) - set(received))
    in_order = [sid for sid in received if sid in sent_sids] == sent_sids
    counts.reordered += not in_order
    if unrecorded or not in_order:
        counts.details.append(f"sms {convo.conversation_id}: outbox {replies}, gateway {received}")


def check_all(cluster: Cluster, conversations: List[Conversation]) -> Counts:
    total = Counts()
    for convo in conversations:
        total.add(check_conversation(cluster, convo))
    return total
