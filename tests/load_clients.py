"""Patients for the load test: conversations over REST, the widget's socket.io
and SMS (through the faked Twilio API), each sending its messages one after
another and timing every answer.

The socket.io patients long-poll (the engine.io client here cannot upgrade
with this aiohttp); the widget's websocket through the proxy is driven in
Chromium by tests/test_cluster.py. A patient waits for the answer before the
next message, as people do; the answer's end is the REST response,
socket.io's `session_renewed` (sent after each turn), or the reply SMS
reaching the gateway. A webhook the proxy refuses (503 while the database
restarts) is posted again with the same MessageSid, as Twilio does when the
webhook URL asks for retries (its `#rc=` connection override).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import List, Optional, Set

import aiohttp
import socketio
from twilio.request_validator import RequestValidator

from channels.sms_store import conversation_id
from clinic.config import load_clinic
from tests import sms_support
from tests.cluster import ORIGIN, REST_TOKEN
from tests.fake_twilio import FakeTwilio

# Questions in patients' own styles, written for this test (each conversation
# sends 20 of them, starting at its own place in the list, none twice).
QUESTIONS = [
    "does microneedling hurt?", "how long is the downtime", "can i wear makeup after",
    "how many sessions will i need?", "is it safe for dark skin", "does it help acne scars",
    "what about melasma", "do the home rollers work", "how much does it cost",
    "when will i see results", "who shouldn't have it done", "is it ok if im pregnant",
    "what are the side effects", "can it help with wrinkles", "how deep do the needles go",
    "can i go in the sun afterwards", "what is microneedling exactly", "do you numb the skin first",
    "how long does a session take", "what should i do to prepare", "is redness normal after",
    "can it help stretch marks", "will it make my pores smaller", "what are your opening hours",
]
TURN_TIMEOUT = 90.0
UNAVAILABLE = load_clinic().unavailable_message()  # a failed turn's reply


@dataclass
class Conversation:
    channel: str
    index: int
    messages: List[str]
    pause: bool = False  # read the answer for 1-3 s before the next message, as patients do
    conversation_id: str = ""
    latencies: List[float] = field(default_factory=list)
    answered: Set[str] = field(default_factory=set)  # messages the client got an answer to
    refused: Set[str] = field(default_factory=set)  # the proxy said so (502/503): not taken
    number: Optional[str] = None
    finished: float = 0.0  # time.monotonic() of its last answer
    error: str = ""  # why the client stopped early, if it did


async def think(convo: Conversation, message: str) -> None:
    if convo.pause and message != convo.messages[0]:
        await asyncio.sleep(random.uniform(1.0, 3.0))


def script(index: int, length: int) -> List[str]:
    return [QUESTIONS[(index + k) % len(QUESTIONS)] for k in range(length)]


async def rest(base: str, convo: Conversation, session: aiohttp.ClientSession) -> None:
    convo.conversation_id = f"load-{uuid.uuid4().hex[:12]}"
    for message in convo.messages:
        await think(convo, message)
        started = time.monotonic()
        try:
            async with session.post(f"{base}/webhooks/rest/webhook",
                                    json={"sender": convo.conversation_id, "message": message},
                                    headers={"Authorization": f"Bearer {REST_TOKEN}"},
                                    ) as response:
                replies = await response.json() if response.status == 200 else []
                if replies:
                    convo.answered.add(message)
                if any(UNAVAILABLE in (r.get("text") or "") for r in replies):
                    convo.refused.add(message)  # the turn failed and the patient was told
                elif response.status in (502, 503, 504):
                    convo.refused.add(message)  # a server died with it: the client may retry
        except aiohttp.ClientError:
            convo.refused.add(message)
        convo.latencies.append(time.monotonic() - started)


async def socket(base: str, convo: Conversation) -> None:
    # Long-polling requests wait behind a busy server; engine.io gives up after 5 s.
    client = socketio.AsyncClient(reconnection=False, request_timeout=TURN_TIMEOUT)
    confirmed: asyncio.Queue = asyncio.Queue()
    turns: asyncio.Queue = asyncio.Queue()
    answers = 0

    @client.on("session_confirm")
    async def _confirm(token: str) -> None:
        await confirmed.put(token)

    @client.on("bot_uttered")
    async def _answer(_: dict) -> None:
        nonlocal answers
        answers += 1

    @client.on("session_renewed")
    async def _renewed(_: str) -> None:
        await turns.put(answers)

    await client.connect(f"{base}?affinity={uuid.uuid4().hex}", headers={"Origin": ORIGIN},
                         transports=["polling"], socketio_path="socket.io",
                         wait_timeout=TURN_TIMEOUT)
    try:
        await client.emit("session_request", {"session_id": None})
        token = await asyncio.wait_for(confirmed.get(), TURN_TIMEOUT)
        convo.conversation_id = token.split(".")[0]
        for message in convo.messages:
            await think(convo, message)
            before, started = answers, time.monotonic()
            await client.emit("user_uttered", {"message": message, "session_id": token})
            after = await asyncio.wait_for(turns.get(), TURN_TIMEOUT)
            convo.latencies.append(time.monotonic() - started)
            if after > before:
                convo.answered.add(message)
        convo.finished = time.monotonic()
    finally:
        await client.disconnect()


async def sms(base: str, convo: Conversation, session: aiohttp.ClientSession,
              twilio: FakeTwilio, id_secret: str) -> None:
    convo.number = f"+1555{7000000 + convo.index:07d}"
    convo.conversation_id = conversation_id(convo.number, id_secret.encode())
    validator = RequestValidator(sms_support.TOKEN)
    for n, message in enumerate(convo.messages):
        await think(convo, message)
        form = {"From": convo.number, "To": sms_support.CLINIC_NUMBER, "Body": message,
                "MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": sms_support.ACCOUNT_SID}
        signature = validator.compute_signature(sms_support.PUBLIC_URL, form)
        started = time.monotonic()
        deadline = started + TURN_TIMEOUT
        accepted = False
        while not accepted and time.monotonic() < deadline:  # as the gateway retries
            try:
                async with session.post(f"{base}/webhooks/sms/webhook", data=form,
                                        headers={"X-Twilio-Signature": signature}) as response:
                    accepted = response.status == 200
            except aiohttp.ClientError:
                pass
            if not accepted:
                await asyncio.sleep(1.0)
        while accepted and len(twilio.messages_to(convo.number)) <= n:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        convo.latencies.append(time.monotonic() - started)
        if len(twilio.messages_to(convo.number)) > n:
            convo.answered.add(message)


CHANNELS = ("rest", "socketio", "sms")


async def run_conversations(base: str, conversations: List[Conversation], twilio: FakeTwilio,
                            id_secret: str) -> float:
    """Runs them all at once; the wall time it took."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT)) as session:
        async def one(convo: Conversation) -> None:
            try:
                if convo.channel == "rest":
                    await rest(base, convo, session)
                elif convo.channel == "socketio":
                    await socket(base, convo)
                else:
                    await sms(base, convo, session, twilio, id_secret)
            except (aiohttp.ClientError, asyncio.TimeoutError,
                    socketio.exceptions.SocketIOError) as error:
                convo.error = repr(error)  # what it got no answer to is counted as lost
            convo.finished = convo.finished or time.monotonic()

        started = time.monotonic()
        await asyncio.gather(*(one(c) for c in conversations))
        # Until the last answer: closing long-polling sockets takes a poll cycle.
        return max(c.finished for c in conversations) - started


def make_conversations(count: int, length: int, start: int = 0,
                       channels: tuple = CHANNELS, pause: bool = False) -> List[Conversation]:
    # The same mix of channels in every phase, whatever `start` is.
    return [Conversation(channels[i % len(channels)], start + i, script(start + i, length),
                         pause) for i in range(count)]
