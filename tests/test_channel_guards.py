"""Who may use the REST and web chat channels, in which conversations, and how fast.

Against the real Rasa and action servers: `servers` as `make run` starts them
(no REST token), and `guarded`, started with a REST token, small rate limits
and SMS on (Twilio's cloud faked). Clients come from chosen loopback addresses
(127.0.0.N), each one another client to the rate limits, or from this
machine's non-loopback address.
"""

from __future__ import annotations

import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List

import pytest

from actions.clinic import load_clinic
from channels.sms_store import conversation_id
from tests.channel_clients import other_address, rest
from tests.servers import Servers, start_servers, stop
from tests.sms_support import sms_settings, text_in

CLINIC = load_clinic()
TOKEN = secrets.token_urlsafe(32)
PER_CLIENT, PER_CONVERSATION, MAX_TURNS = 6, 3, 4
URGENT = "could be a complication"
TOO_FAST = "faster than I can answer"
RED_FLAG = "since my treatment I have a fever and pus on my cheek"


@pytest.fixture(scope="module")
def guarded(model_path, tmp_path_factory, twilio) -> Iterator[Servers]:
    servers, procs = start_servers(
        model_path, tmp_path_factory.mktemp("guarded"),
        REST_CHANNEL_TOKEN=TOKEN,
        REST_RATE_LIMIT=str(PER_CLIENT), WEBCHAT_RATE_LIMIT=str(PER_CLIENT),
        CONVERSATION_RATE_LIMIT=str(PER_CONVERSATION), MAX_TURNS_PER_SESSION=str(MAX_TURNS),
        **sms_settings(twilio),
    )
    yield servers
    for proc in reversed(procs):
        stop(proc)


def authorized(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


def user_texts(servers: Servers, sender: str) -> List[str]:
    return [e["text"] for e in servers.events(sender) if e["event"] == "user"]


def flagged_urgent(servers: Servers, sender: str) -> bool:
    return any(e["event"] == "slot" and e["name"] == "urgent_flagged" and e["value"] for e in servers.events(sender))


# ---- REST: who may call ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "header", [None, "Bearer not-the-token", f"Basic {TOKEN}", "Bearer", TOKEN, f"Bearer {TOKEN}x"],
    ids=["none", "wrong", "basic", "no-token", "no-scheme", "longer"],
)
def test_with_a_token_set_rest_refuses_requests_without_it(guarded, sender, header) -> None:
    reply = rest(guarded, {"sender": sender, "message": "does it hurt?"}, **({"Authorization": header} if header else {}))
    assert reply.status_code == 401 and reply.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in reply.json()["error"]
    assert guarded.events(sender) == []


def test_with_the_token_rest_answers_from_anywhere(guarded, sender) -> None:
    host = other_address() or "127.0.0.1"
    reply = rest(guarded, {"sender": sender, "message": "does it hurt?"}, source=host, host=host, **authorized())
    assert reply.status_code == 200 and "numb" in reply.json()[-1]["text"]
    log = guarded.log_text()
    assert "rest: requests need REST_CHANNEL_TOKEN" in log and TOKEN not in log


def test_without_a_token_rest_answers_only_this_machine(servers, sender) -> None:
    assert "REST_CHANNEL_TOKEN is not set, so the REST channel answers only this machine" in servers.log_text()
    host = other_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address to call from")
    reply = rest(servers, {"sender": sender, "message": "does it hurt?"}, source=host, host=host)
    assert reply.status_code == 403 and "error" in reply.json()
    assert servers.events(sender) == []


@pytest.mark.parametrize("header, value", [
    ("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9"), ("X-Real-IP", "203.0.113.9"),
])
def test_without_a_token_rest_refuses_what_a_local_proxy_passes_on(servers, sender, header, value) -> None:
    reply = rest(servers, {"sender": sender, "message": "does it hurt?"}, **{header: value})
    assert reply.status_code == 403
    assert servers.events(sender) == []
    assert rest(servers, {"sender": sender, "message": "does it hurt?"}).status_code == 200


# ---- REST: whose conversation -----------------------------------------------------------------

@pytest.mark.parametrize("taken", [
    "sms-" + uuid.uuid4().hex, "web-" + uuid.uuid4().hex, uuid.uuid4().hex + uuid.uuid4().hex, "web-anything",
])
def test_rest_cannot_write_into_a_web_or_sms_conversation(servers, taken) -> None:
    reply = rest(servers, {"sender": taken, "message": "does it hurt?"})
    assert reply.status_code == 400 and "web chat or SMS" in reply.json()["error"]
    assert servers.events(taken) == []


# ---- REST: how fast, how long -----------------------------------------------------------------

def test_rest_limits_each_conversation_and_still_answers_a_red_flag(guarded, sender) -> None:
    for _ in range(PER_CONVERSATION):
        assert rest(guarded, {"sender": sender, "message": "does it hurt?"}, source="127.0.0.3", **authorized()).ok
    refused = rest(guarded, {"sender": sender, "message": "how long is the downtime?"}, source="127.0.0.3", **authorized())
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
    [message] = refused.json()
    assert TOO_FAST in message["text"] and CLINIC.phone in message["text"]
    urgent = rest(guarded, {"sender": sender, "message": RED_FLAG}, source="127.0.0.3", **authorized())
    assert urgent.status_code == 200 and URGENT in urgent.json()[0]["text"]
    # neither was processed: no turn stored, no urgent flag for staff
    assert user_texts(guarded, sender) == ["does it hurt?"] * PER_CONVERSATION
    assert not flagged_urgent(guarded, sender)


def test_rest_limits_each_client_address(guarded) -> None:
    senders = [f"client-{uuid.uuid4().hex[:8]}" for _ in range(PER_CLIENT + 2)]

    def send(sender: str):
        return rest(guarded, {"sender": sender, "message": "does it hurt?"}, source="127.0.0.4", **authorized())

    with ThreadPoolExecutor(len(senders)) as pool:  # at once: the bucket barely drains meanwhile
        statuses = [r.status_code for r in pool.map(send, senders)]
    assert sorted(statuses) == [200] * PER_CLIENT + [429, 429]
    # another address has its own bucket
    assert rest(guarded, {"sender": senders[0], "message": "hello"}, source="127.0.0.5", **authorized()).ok


def test_a_conversation_keeps_at_most_max_turns_per_session(guarded, sender) -> None:
    for _ in range(PER_CONVERSATION):
        assert rest(guarded, {"sender": sender, "message": "does it hurt?"}, source="127.0.0.6", **authorized()).ok
    time.sleep(60 / PER_CONVERSATION + 1)  # room for one more in the rate
    assert rest(guarded, {"sender": sender, "message": "how many sessions?"}, source="127.0.0.6", **authorized()).ok
    capped = rest(guarded, {"sender": sender, "message": "and the downtime?"}, source="127.0.0.6", **authorized())
    assert capped.status_code == 200 and "length limit" in capped.json()[0]["text"]
    assert CLINIC.phone in capped.json()[0]["text"]
    urgent = rest(guarded, {"sender": sender, "message": RED_FLAG}, source="127.0.0.6", **authorized())
    assert URGENT in urgent.json()[0]["text"]
    assert len(user_texts(guarded, sender)) == MAX_TURNS


# ---- SMS: a typed payload is words ------------------------------------------------------------

def test_an_sms_payload_is_read_as_words(guarded, twilio) -> None:
    number = f"+1555010{uuid.uuid4().int % 10000:04d}"
    text_in(guarded, number, "/urgent_symptom")
    twilio.wait_for(number, 1)
    [user] = [e for e in guarded.events(conversation_id(number, b"test-id-secret")) if e["event"] == "user"]
    # read by the classifier like anything typed, not taken as an intent
    assert user["text"] == "urgent_symptom" and len(user["parse_data"]["intent_ranking"]) > 1
