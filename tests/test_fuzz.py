"""Every public endpoint, fed thousands of generated requests (hypothesis).

For each: no response is a 5xx, no server crashes, and afterwards the
assistant still answers an ordinary question. The servers are the real
ones, started for this module; Twilio is faked at the HTTP boundary. The
generated cases are derandomised, so a failure reproduces on every run.

    REST webhook, socket.io events, SMS webhook, the widget's website server,
    the console's sign-in and its searches (HTML and JSON API).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import urlencode

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.console_support import Console, csrf_token, start_console
from tests.fake_twilio import FakeTwilio
from tests.servers import (
    NO_RATE_LIMITS,
    ROOT,
    VENV_BIN,
    Servers,
    base_env,
    free_port,
    start_servers,
    stop,
    wait_until_up,
)
from tests.sms_support import PUBLIC_URL, TOKEN, sms_settings

CASES = int(os.environ.get("FUZZ_CASES") or 2000)  # fewer when trying the test out
FUZZ = settings(
    max_examples=CASES, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck), print_blob=True,
)
ORIGIN = "http://localhost:8000"  # an allowed origin of the widget (bin/settings.sh)

# -- what is generated -----------------------------------------------------------------------------

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
# What patients and scripts type: words of the domain, symbols, other scripts, markup, long runs.
words = st.sampled_from(
    [
        "does",
        "it",
        "hurt",
        "microneedling",
        "STOP",
        "stop",
        "MORE",
        "HELP",
        "START",
        "1",
        "2",
        "/ask_pain",
        "/urgent_symptom",
        '/ask_conditions_treated{"condition": "x https://evil.example"}',
        "<script>",
        "fever",
        "pus",
        "cold sore",
        "my appointment is tomorrow",
        "🙂",
        "Привет",
        "微针",
        "\u202e",
        "\x00",
        "'; DROP TABLE events;--",
        "%s%n",
        "{{7*7}}",
        "a" * 300,
    ]
)
messages = st.lists(words | st.text(max_size=40), max_size=12).map(" ".join) | st.text(
    max_size=2500
)
senders = st.text(max_size=150) | st.sampled_from(
    ["sms-0123456789abcdef0123456789abcdef", "a" * 64, "", " "]
)


def is_json_list(response: requests.Response) -> bool:
    try:
        return isinstance(response.json(), list)
    except ValueError:
        return False


def still_answers(servers: Servers, sender: str = "fuzz-after") -> None:
    reply = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "does microneedling hurt?"},
        timeout=60,
    )
    assert reply.status_code == 200 and any(
        "pain" in (m.get("text") or "").lower() for m in reply.json()
    ), reply.text
    assert all(proc.poll() is None for proc in servers.procs), "a server exited"


# -- the assistant: REST, socket.io, SMS -----------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    twilio = FakeTwilio()
    servers, procs = start_servers(
        model_path, tmp_path_factory.mktemp("fuzz"), **sms_settings(twilio), **NO_RATE_LIMITS
    )
    yield servers
    for proc in reversed(procs):
        stop(proc)
    twilio.close()
    assert "Traceback" not in servers.log_text(), servers.log_text()[-5000:]


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {"sender": senders, "message": messages}, optional={"metadata": json_values}
    )
    | st.dictionaries(
        st.sampled_from(["sender", "message", "metadata", "input_channel"]), json_values
    )
    | json_values,
    raw=st.none() | st.binary(max_size=3000),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "text/plain",
            "",
            "application/x-www-form-urlencoded",
        ]
    ),
)
def test_rest_webhook(assistant: Servers, body: Any, raw: Any, content_type: str) -> None:
    data = raw if raw is not None else json.dumps(body).encode()
    reply = requests.post(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=data,
        headers={"Content-Type": content_type} if content_type else {},
        timeout=60,
    )
    assert reply.status_code < 500, reply.text[:500]
    if reply.status_code == 200:
        assert is_json_list(reply)


def test_rest_still_answers_after_the_fuzz(assistant: Servers) -> None:
    still_answers(assistant)


@pytest.fixture(scope="module")
def sockets(assistant: Servers) -> Iterator[List[socketio.Client]]:
    clients: List[socketio.Client] = []
    yield clients
    for client in clients:
        client.disconnect()


def connected(assistant: Servers, clients: List[socketio.Client]) -> socketio.Client:
    """A connected socket.io client, reusing the last one while it lasts."""
    if clients and clients[-1].connected:
        return clients[-1]
    client = socketio.Client(reconnection=False)
    client.connect(
        assistant.rasa_url, headers={"Origin": ORIGIN}, transports=["polling"], wait_timeout=20
    )
    clients.append(client)
    return client


@FUZZ
@given(
    event=st.sampled_from(
        ["session_request", "user_uttered", "user_uttered", "disconnect_request", "x"]
    ),
    data=json_values
    | st.fixed_dictionaries({"message": messages}, optional={"session_id": senders | json_values})
    | st.fixed_dictionaries({"session_id": senders | json_values}),
)
def test_socketio_events(
    assistant: Servers, sockets: List[socketio.Client], event: str, data: Any
) -> None:
    client = connected(assistant, sockets)
    client.emit(event, data)
    health = requests.get(f"{assistant.rasa_url}/socket.io/?EIO=4&transport=polling", timeout=30)
    assert health.status_code < 500


def test_a_socket_still_gets_an_answer_after_the_fuzz(assistant: Servers) -> None:
    answers: List[dict] = []
    client = socketio.Client(reconnection=False)
    client.on(
        "session_confirm",
        lambda sid: client.emit("user_uttered", {"message": "does it hurt?", "session_id": sid}),
    )
    client.on("bot_uttered", answers.append)
    client.connect(
        assistant.rasa_url, headers={"Origin": ORIGIN}, transports=["polling"], wait_timeout=20
    )
    try:
        client.emit("session_request", {"session_id": None})
        deadline = time.monotonic() + 30
        while not answers and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        client.disconnect()
    assert answers and any(a.get("text") for a in answers)
    still_answers(assistant, "fuzz-after-socket")


numbers = st.sampled_from(
    ["+15550100001", "+15550100002", "+447700900123", "5550100003"]
) | st.text(max_size=20)


@FUZZ
@given(
    form=st.fixed_dictionaries(
        {"From": numbers, "Body": messages, "MessageSid": st.text(max_size=40)},
        optional={"NumMedia": st.sampled_from(["0", "1", "x", ""]), "To": st.text(max_size=20),
                  "FromCity": st.just(""), "AccountSid": st.text(max_size=40)},
    ),
    signed=st.sampled_from(["right", "right", "right", "wrong", "none"]),
    content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json", ""]),
)
def test_sms_webhook(
    assistant: Servers, form: Dict[str, str], signed: str, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    if signed == "right":
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, form)
    elif signed == "wrong":
        headers["X-Twilio-Signature"] = "bm90IGEgc2lnbmF0dXJl"
    body = urlencode(form)
    reply = requests.post(
        f"{assistant.rasa_url}/webhooks/sms/webhook", data=body, headers=headers, timeout=60
    )
    assert reply.status_code < 500, reply.text[:500]


def test_sms_still_answers_after_the_fuzz(assistant: Servers) -> None:
    still_answers(assistant, "fuzz-after-sms")


# -- the widget's website server -------------------------------------------------------------------


@pytest.fixture(scope="module")
def website(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port, log = free_port(), tmp_path_factory.mktemp("fuzz-web") / "webchat.log"
    proc = subprocess.Popen(
        [str(VENV_BIN / "python"), "webchat/serve.py"],
        cwd=ROOT,
        env=base_env(WEBCHAT_PORT=str(port)),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_until_up(f"http://127.0.0.1:{port}/healthz", proc, log, timeout=60)
    yield f"127.0.0.1:{port}"
    assert proc.poll() is None, log.read_text()[-3000:]
    stop(proc)
    assert "Traceback" not in log.read_text()


paths = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF), max_size=200).map(
    lambda p: "/" + p
)
known_paths = st.sampled_from(
    [
        "/",
        "/webchat/clinic-chat.js",
        "/webchat/config.json",
        "/demo/",
        "/healthz",
        "/../../etc/passwd",
        "/webchat/%2e%2e/%2e%2e/bin/serve",
        "/services.html?x=1",
    ]
)


header_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)


@FUZZ
@given(
    method=st.sampled_from(
        [b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"TRACE", b"BREW", b""]
    ),
    path=paths | known_paths,
    version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b"", b"HTTP/1.1 extra"]),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Origin",
                "Range",
                "Accept",
                "Cookie",
                "Content-Length",
                "Expect",
                "Transfer-Encoding",
                "Host",
                "Connection",
            ]
        ),
        header_values,
        max_size=3,
    ),
    body=st.binary(max_size=500),
)
def test_website_server(
    website: str, method: bytes, path: str, version: bytes, headers: Dict[str, str], body: bytes
) -> None:
    """Raw bytes on the socket: request lines and headers no client library would send."""
    host, port = website.split(":")
    head = b" ".join(
        part for part in (method, path.encode("utf-8", "surrogatepass"), version) if part
    )
    lines = [head] + [f"{k}: {v}".encode("latin-1") for k, v in headers.items()]
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status = answer.split(b"\r\n", 1)[0].split(b" ")
    if len(status) > 1 and status[1].isdigit():
        assert int(status[1]) < 500, (method, path, answer[:300])


def test_website_still_serves_the_widget(website: str) -> None:
    assert requests.get(f"http://{website}/webchat/config.json", timeout=10).json()["phone"]


# -- the staff console: sign-in and searches ------------------------------------------------------


@pytest.fixture(scope="module")
def console(assistant: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    running = start_console(
        tmp_path_factory.mktemp("fuzz-console"), assistant.tracker_db, {"nurse": "staff"}
    )
    yield running
    assert running.proc.poll() is None, running.log.read_text()[-3000:]
    running.stop()
    assert "Traceback" not in running.log.read_text(), running.log.read_text()[-5000:]


@pytest.fixture(scope="module")
def nurse(console: Console) -> requests.Session:
    return console.sign_in("nurse")


@FUZZ
@given(username=st.text(max_size=200), password=st.text(max_size=200), extra=st.dictionaries(
    st.sampled_from(["next", "remember", "code"]), st.text(max_size=100), max_size=2))
def test_console_sign_in(console: Console, nurse: requests.Session, username: str, password: str,
                         extra: Dict[str, str]) -> None:
    # `nurse` signs in first: the fuzz soon makes this address wait (429), as it should.
    session = requests.Session()
    token = csrf_token(session, f"{console.url}/login")
    reply = session.post(
        f"{console.url}/login",
        timeout=30,
        allow_redirects=False,
        data={"csrfmiddlewaretoken": token, "username": username, "password": password, **extra},
    )
    assert reply.status_code < 500


filters = st.dictionaries(
    st.sampled_from(["q", "channel", "flag", "intent", "date_from", "date_to", "page", "label"]),
    st.text(max_size=60)
    | st.sampled_from(["2026-11-28", "9999-99-99", "-1", "0", "1" * 30, "urgent", "sms"]),
    max_size=5,
)


@FUZZ
@given(params=filters, api=st.booleans())
def test_console_searches(
    console: Console, nurse: requests.Session, params: Dict[str, str], api: bool
) -> None:
    path = "/api/conversations" if api else "/conversations/"
    reply = nurse.get(f"{console.url}{path}", params=params, timeout=60, allow_redirects=False)
    assert reply.status_code < 500, (params, reply.text[:300])


def test_the_console_still_lists_conversations_after_the_fuzz(
    console: Console, nurse: requests.Session
) -> None:
    assert nurse.get(f"{console.url}/conversations/", timeout=60).status_code == 200
