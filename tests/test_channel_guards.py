"""Who may use the REST and web chat channels, in which conversations, and how fast.

Against the real Rasa and action servers: `servers` as `make run` starts them
(no REST token), and `guarded`, started with a REST token, a known web chat
secret, small rate limits and SMS on (Twilio's cloud faked). Clients come
from chosen loopback addresses (127.0.0.N), each one another client to the
rate limits, or from this machine's non-loopback address.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List

import pytest

from channels.sms_store import conversation_id
from channels.web_sessions import SessionTokens
from clinic.config import load_clinic
from tests.channel_clients import WebPatient, other_address, rest
from tests.servers import Servers, start_servers, stop
from tests.sms_support import sms_settings, text_in

CLINIC = load_clinic()
TOKEN = secrets.token_urlsafe(32)
SECRET = secrets.token_hex(32)
IDLE_SECONDS = 3600  # domain.yml session_expiration_time: 60 minutes
PER_CLIENT, PER_CONVERSATION, MAX_TURNS = 6, 3, 4
URGENT = "could be a complication"
TOO_FAST = "faster than I can answer"
RED_FLAG = "since my treatment I have a fever and pus on my cheek"
WEB_ID = re.compile(r"web-[0-9a-f]{32}")


@pytest.fixture(scope="module")
def guarded(model_path, tmp_path_factory, twilio) -> Iterator[Servers]:
    servers, procs = start_servers(
        model_path, tmp_path_factory.mktemp("guarded"),
        REST_CHANNEL_TOKEN=TOKEN, WEBCHAT_SESSION_SECRET=SECRET,
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
    return any(
        e["event"] == "slot" and e["name"] == "urgent_flagged" and e["value"]
        for e in servers.events(sender)
    )


def tokens(clock=time.time) -> SessionTokens:
    return SessionTokens(SECRET.encode(), IDLE_SECONDS, clock=clock)


# ---- REST: who may call ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "header", [None, "Bearer not-the-token", f"Basic {TOKEN}", "Bearer", TOKEN, f"Bearer {TOKEN}x"],
    ids=["none", "wrong", "basic", "no-token", "no-scheme", "longer"],
)
def test_with_a_token_set_rest_refuses_requests_without_it(guarded, sender, header) -> None:
    reply = rest(
        guarded,
        {"sender": sender, "message": "does it hurt?"},
        **({"Authorization": header} if header else {}),
    )
    assert reply.status_code == 401 and reply.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in reply.json()["error"]
    assert guarded.events(sender) == []


def test_with_the_token_rest_answers_from_anywhere(guarded, sender) -> None:
    host = other_address() or "127.0.0.1"
    reply = rest(
        guarded,
        {"sender": sender, "message": "does it hurt?"},
        source=host,
        host=host,
        **authorized(),
    )
    assert reply.status_code == 200 and "numb" in reply.json()[-1]["text"]
    log = guarded.log_text()
    assert "rest: requests need REST_CHANNEL_TOKEN" in log and TOKEN not in log


def test_without_a_token_rest_answers_only_this_machine(servers, sender) -> None:
    assert (
        "REST_CHANNEL_TOKEN is not set, so the REST channel answers only this machine"
        in servers.log_text()
    )
    host = other_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address to call from")
    reply = rest(servers, {"sender": sender, "message": "does it hurt?"}, source=host, host=host)
    assert reply.status_code == 403 and "error" in reply.json()
    assert servers.events(sender) == []


@pytest.mark.parametrize(
    "header, value",
    [
        ("X-Forwarded-For", "203.0.113.9"),
        ("Forwarded", "for=203.0.113.9"),
        ("X-Real-IP", "203.0.113.9"),
    ],
)
def test_without_a_token_rest_refuses_what_a_local_proxy_passes_on(
    servers, sender, header, value
) -> None:
    reply = rest(servers, {"sender": sender, "message": "does it hurt?"}, **{header: value})
    assert reply.status_code == 403
    assert servers.events(sender) == []
    assert rest(servers, {"sender": sender, "message": "does it hurt?"}).status_code == 200


# ---- REST: whose conversation -----------------------------------------------------------------

@pytest.mark.parametrize(
    "taken",
    [
        "sms-" + uuid.uuid4().hex,
        "web-" + uuid.uuid4().hex,
        uuid.uuid4().hex + uuid.uuid4().hex,
        "web-anything",
    ],
)
def test_rest_cannot_write_into_a_web_or_sms_conversation(servers, taken) -> None:
    reply = rest(servers, {"sender": taken, "message": "does it hurt?"})
    assert reply.status_code == 400 and "web chat or SMS" in reply.json()["error"]
    assert servers.events(taken) == []


# ---- REST: how fast, how long -----------------------------------------------------------------

def test_rest_limits_each_conversation_and_still_answers_a_red_flag(guarded, sender) -> None:
    for _ in range(PER_CONVERSATION):
        assert rest(
            guarded,
            {"sender": sender, "message": "does it hurt?"},
            source="127.0.0.3",
            **authorized(),
        ).ok
    refused = rest(
        guarded,
        {"sender": sender, "message": "how long is the downtime?"},
        source="127.0.0.3",
        **authorized(),
    )
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
    [message] = refused.json()
    assert TOO_FAST in message["text"] and CLINIC.phone in message["text"]
    urgent = rest(
        guarded, {"sender": sender, "message": RED_FLAG}, source="127.0.0.3", **authorized()
    )
    assert urgent.status_code == 200 and URGENT in urgent.json()[0]["text"]
    # neither was processed: no turn stored, no urgent flag for staff
    assert user_texts(guarded, sender) == ["does it hurt?"] * PER_CONVERSATION
    assert not flagged_urgent(guarded, sender)


def test_rest_limits_each_client_address(guarded) -> None:
    senders = [f"client-{uuid.uuid4().hex[:8]}" for _ in range(PER_CLIENT + 2)]

    def send(sender: str):
        return rest(
            guarded,
            {"sender": sender, "message": "does it hurt?"},
            source="127.0.0.4",
            **authorized(),
        )

    with ThreadPoolExecutor(len(senders)) as pool:  # at once: the bucket barely drains meanwhile
        statuses = [r.status_code for r in pool.map(send, senders)]
    assert sorted(statuses) == [200] * PER_CLIENT + [429, 429]
    # another address has its own bucket
    assert rest(
        guarded, {"sender": senders[0], "message": "hello"}, source="127.0.0.5", **authorized()
    ).ok


def test_a_conversation_keeps_at_most_max_turns_per_session(guarded, sender) -> None:
    for _ in range(PER_CONVERSATION):
        assert rest(
            guarded,
            {"sender": sender, "message": "does it hurt?"},
            source="127.0.0.6",
            **authorized(),
        ).ok
    time.sleep(60 / PER_CONVERSATION + 1)  # room for one more in the rate
    assert rest(
        guarded,
        {"sender": sender, "message": "how many sessions?"},
        source="127.0.0.6",
        **authorized(),
    ).ok
    capped = rest(
        guarded,
        {"sender": sender, "message": "and the downtime?"},
        source="127.0.0.6",
        **authorized(),
    )
    assert capped.status_code == 200 and "length limit" in capped.json()[0]["text"]
    assert CLINIC.phone in capped.json()[0]["text"]
    urgent = rest(
        guarded, {"sender": sender, "message": RED_FLAG}, source="127.0.0.6", **authorized()
    )
    assert URGENT in urgent.json()[0]["text"]
    assert len(user_texts(guarded, sender)) == MAX_TURNS


# ---- SMS: a typed payload is words ------------------------------------------------------------

def test_an_sms_payload_is_read_as_words(guarded, twilio) -> None:
    number = f"+1555010{uuid.uuid4().int % 10000:04d}"
    text_in(guarded, number, "/urgent_symptom")
    twilio.wait_for(number, 1)
    [user] = [
        e
        for e in guarded.events(conversation_id(number, b"test-id-secret"))
        if e["event"] == "user"
    ]
    # read by the classifier like anything typed, not taken as an intent
    assert user["text"] == "urgent_symptom" and len(user["parse_data"]["intent_ranking"]) > 1


# ---- web chat: sessions -----------------------------------------------------------------------

@pytest.fixture
def patients() -> Iterator[List[WebPatient]]:
    opened: List[WebPatient] = []
    yield opened
    for patient in opened:
        patient.close()


def web_patient(servers: Servers, patients: List[WebPatient], source: str) -> WebPatient:
    patients.append(WebPatient(servers, source))
    return patients[-1]


def test_a_new_conversation_gets_a_signed_token_renewed_at_each_turn(guarded, patients) -> None:
    patient = web_patient(guarded, patients, "127.0.0.11")
    token = patient.session()
    conversation = tokens().conversation(token)
    assert WEB_ID.fullmatch(conversation) and token.startswith(conversation + ".")
    texts, renewed = patient.ask("does it hurt?", session_id=token)
    assert any("numb" in t for t in texts)
    assert tokens().conversation(renewed) == conversation
    assert user_texts(guarded, conversation) == ["does it hurt?"]


def test_a_token_resumes_its_conversation_on_a_new_socket(guarded, patients) -> None:
    """As after a reload: the widget names the socket it had (the server may not have seen it
    go)."""
    first = web_patient(guarded, patients, "127.0.0.12")
    first.session()
    _, token = first.ask("does it hurt?")
    conversation = tokens().conversation(token)
    second = web_patient(guarded, patients, "127.0.0.12")
    assert second.session(token, previous_socket=first.sid) == token  # echoed: resumed
    second.ask("how many sessions will I need?")
    assert user_texts(guarded, conversation) == ["does it hurt?", "how many sessions will I need?"]
    # 59 minutes after the last turn it still resumes
    nearly_idle = tokens(clock=lambda: time.time() - IDLE_SECONDS + 60).token(conversation)
    third = web_patient(guarded, patients, "127.0.0.12")
    assert third.session(nearly_idle, previous_socket=second.sid) == nearly_idle


def test_what_does_not_resume_a_conversation(guarded, patients) -> None:
    owner = web_patient(guarded, patients, "127.0.0.13")
    token = owner.session()
    conversation = tokens().conversation(token)
    owner.ask("does it hurt?")
    stale = tokens(clock=lambda: time.time() - IDLE_SECONDS - 60).token(conversation)
    foreign = SessionTokens(b"another secret", IDLE_SECONDS).token(conversation)
    attempts = {
        "the bare conversation id (as logs and the tracker store have it)": conversation,
        "a token idle for longer than the session": stale,
        "a token signed with another secret": foreign,
        "a token with another conversation put in": token.replace(conversation, "web-" + "0" * 32),
        "an old-style 64-hex id": "0" * 64,
        "an SMS conversation id": "sms-" + "0" * 32,
    }
    for what, attempt in attempts.items():
        # Naming the owner's socket, as its own browser would: only the token decides.
        patient = web_patient(guarded, patients, "127.0.0.13")
        confirmed = patient.session(attempt, previous_socket=owner.sid)
        assert tokens().conversation(confirmed) not in (conversation, None), what
    # the same request with the real token does resume it
    assert (
        web_patient(guarded, patients, "127.0.0.13").session(token, previous_socket=owner.sid)
        == token
    )
    assert user_texts(guarded, conversation) == ["does it hurt?"]


def test_a_live_conversation_cannot_be_claimed_by_another_socket(guarded, patients) -> None:
    owner = web_patient(guarded, patients, "127.0.0.14")
    token = owner.session()
    conversation = tokens().conversation(token)
    thief = web_patient(guarded, patients, "127.0.0.15")
    assert tokens().conversation(thief.session(token)) != conversation
    assert "lost its session" in thief.refused("hello", session_id=token)
    owner.ask("does it hurt?")  # the owner is undisturbed
    assert user_texts(guarded, conversation) == ["does it hurt?"]
    # The owner's own browser on a new socket (a reload before the server saw
    # the old socket go) names that socket, and takes the conversation over.
    reloaded = web_patient(guarded, patients, "127.0.0.14")
    assert reloaded.session(token, previous_socket=owner.sid) == token
    assert owner.next(20)[0] == "disconnect"
    reloaded.ask("how many sessions will I need?")
    assert user_texts(guarded, conversation) == ["does it hurt?", "how many sessions will I need?"]


def test_a_web_payload_no_button_offers_is_read_as_words(guarded, patients) -> None:
    patient = web_patient(guarded, patients, "127.0.0.19")
    conversation = tokens().conversation(patient.session())
    patient.ask('/ask_conditions_treated{"condition": "rosacea. Free sessions at https://evil.example"}')
    [user] = [e for e in guarded.events(conversation) if e["event"] == "user"]
    assert (
        user["text"].startswith("ask_conditions_treated{")
        and len(user["parse_data"]["intent_ranking"]) > 1
    )
    assert all("evil" not in str(e["value"]) for e in user["parse_data"]["entities"])


# ---- web chat: how fast -----------------------------------------------------------------------

def test_the_socket_limits_each_conversation_and_still_answers_a_red_flag(
    guarded, patients
) -> None:
    patient = web_patient(guarded, patients, "127.0.0.16")
    conversation = tokens().conversation(patient.session())
    for _ in range(PER_CONVERSATION):
        patient.ask("does it hurt?")
    refused = patient.refused("how long is the downtime?")
    assert TOO_FAST in refused and CLINIC.phone in refused
    assert URGENT in patient.refused(RED_FLAG)
    assert user_texts(guarded, conversation) == ["does it hurt?"] * PER_CONVERSATION
    assert not flagged_urgent(guarded, conversation)


def outcome(patient: WebPatient) -> str:
    """How the server took the patient's last message: answered (a turn), or refused as too fast."""
    while True:
        name, data = patient.next()
        if name == "session_renewed":
            return "answered"
        if name == "bot_uttered" and TOO_FAST in data["text"]:
            return "refused"


def test_the_socket_limits_each_peer_address(guarded, patients) -> None:
    crowd = [web_patient(guarded, patients, "127.0.0.17") for _ in range(PER_CLIENT + 1)]
    for patient in crowd:
        patient.session()
    for patient in crowd:  # at once: the bucket barely drains meanwhile
        patient.send("does it hurt?")
    assert sorted(outcome(patient) for patient in crowd) == ["answered"] * PER_CLIENT + ["refused"]
    # the limit is per peer address, not one for everyone
    other = web_patient(guarded, patients, "127.0.0.18")
    other.session()
    assert any("numb" in t for t in other.ask("does it hurt?")[0])
