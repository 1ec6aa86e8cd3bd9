"""Bad input gets a polite reply or a clear 4xx, never a crash, a 500 or lost data."""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests

from clinic.config import load_clinic

CLINIC = load_clinic()


def post(servers, body, content_type: str = "application/json") -> requests.Response:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        data=data, headers={"Content-Type": content_type}, timeout=60,
    )


@pytest.mark.parametrize(
    "body, content_type, status, says",
    [
        ('{"sender": "x", "message": ', "application/json", 400, "not valid JSON"),
        ("sender=x&message=hi", "application/x-www-form-urlencoded", 415, "application/json"),
        ("hello", "text/plain", 415, "application/json"),
        ('["hi"]', "application/json", 400, "JSON object"),
        ('{"message": "hi"}', "application/json", 400, "'sender'"),
        ('{"sender": "", "message": "hi"}', "application/json", 400, "'sender'"),
        ('{"sender": "x"}', "application/json", 400, "'message'"),
        ('{"sender": "x", "message": 42}', "application/json", 400, "'message'"),
        (
            '{"sender": "x", "message": "hi", "metadata": "yes"}',
            "application/json",
            400,
            "'metadata'",
        ),
        (b"\xff\xfe\x00", "application/json", 400, "not valid JSON"),
    ],
)
def test_malformed_requests_get_a_clear_4xx(servers, body, content_type, status, says) -> None:
    reply = post(servers, body, content_type)
    assert reply.status_code == status
    assert says in reply.json()["error"]


@pytest.mark.parametrize("message", ["", "   \n\t ", "😀😀😀", "👍"])
def test_empty_or_wordless_messages_get_the_topics(servers, sender, message) -> None:
    replies = servers.send(sender, message)
    last = replies[-1]
    assert "would you like to know" in last["text"]
    assert len(last["buttons"]) >= 3


def test_a_10000_character_message_is_refused_politely_and_not_processed(servers, sender) -> None:
    replies = servers.send(sender, "does it hurt? " * 715)
    assert (
        len(replies) == 1
        and "too long" in replies[0]["text"]
        and CLINIC.phone in replies[0]["text"]
    )
    assert servers.events(sender) == []
    # the conversation continues normally afterwards
    assert "numb" in servers.send(sender, "does it hurt?")[-1]["text"]


def test_other_languages_are_told_politely(servers, sender) -> None:
    reply = servers.send(sender, "¿El microneedling duele mucho? ¿Cuántas sesiones necesito?")[-1][
        "text"
    ]
    assert "only answer in English" in reply and CLINIC.phone in reply


def test_html_and_script_are_stored_as_text_and_not_echoed(servers, sender) -> None:
    attack = '<img src=x onerror=alert(1)><script>alert("x")</script>'
    replies = servers.send(sender, attack)
    assert replies and all(
        "<script" not in r.get("text", "") and "onerror" not in r.get("text", "") for r in replies
    )
    users = [e for e in servers.events(sender) if e["event"] == "user"]
    assert users[-1]["text"] == attack


def test_sql_fragments_are_just_text(servers, sender) -> None:
    with sqlite3.connect(servers.tracker_db) as db:
        before = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    replies = servers.send(sender, "'; DROP TABLE events; -- does it hurt?")
    assert replies
    with sqlite3.connect(servers.tracker_db) as db:
        after = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert after > before


def test_a_client_cannot_pose_as_another_channel(servers, sender) -> None:
    reply = post(servers, {"sender": sender, "message": "hi", "input_channel": "sms"})
    assert reply.status_code == 200
    users = [e for e in servers.events(sender) if e["event"] == "user"]
    assert users[-1]["input_channel"] == "rest"


def test_patient_text_is_not_written_to_the_logs(servers, sender) -> None:
    marker = "Zebulon Quimby 07700 900123"
    servers.send(sender, f"my name is {marker}, does it hurt?")
    assert marker not in servers.log_text()
