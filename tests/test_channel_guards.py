"""Who may use the REST and web chat channels, in which conversations, and how fast.

Against the real Rasa and action servers: `servers` as `make run` starts them
(no REST token), and `guarded`, started with a REST token and SMS on (Twilio's
cloud faked). Clients come from chosen loopback addresses (127.0.0.N) or from
this machine's non-loopback address.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Iterator

import pytest

from channels.sms_store import conversation_id
from tests.channel_clients import other_address, rest
from tests.servers import Servers, start_servers, stop
from tests.sms_support import sms_settings, text_in

TOKEN = secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def guarded(model_path, tmp_path_factory, twilio) -> Iterator[Servers]:
    servers, procs = start_servers(
        model_path, tmp_path_factory.mktemp("guarded"),
        REST_CHANNEL_TOKEN=TOKEN, **sms_settings(twilio),
    )
    yield servers
    for proc in reversed(procs):
        stop(proc)


def authorized(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


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


# ---- SMS: a typed payload is words ------------------------------------------------------------

def test_an_sms_payload_is_read_as_words(guarded, twilio) -> None:
    number = f"+1555010{uuid.uuid4().int % 10000:04d}"
    text_in(guarded, number, "/urgent_symptom")
    twilio.wait_for(number, 1)
    [user] = [e for e in guarded.events(conversation_id(number, b"test-id-secret")) if e["event"] == "user"]
    # read by the classifier like anything typed, not taken as an intent
    assert user["text"] == "urgent_symptom" and len(user["parse_data"]["intent_ranking"]) > 1
