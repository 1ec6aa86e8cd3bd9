"""The product on PostgreSQL, as a clinic would deploy it: Rasa's tracker
store, the SMS channel's tables and the staff console's own database all in a
real PostgreSQL server (Debian's package, a throwaway cluster on loopback),
with the real Rasa, action and console servers. SQLite stays the local default.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

from clinic.kb import KnowledgeBase
from tests.console_support import Console, csrf_token, start_console
from tests.fake_twilio import FakeTwilio
from tests.postgres import Postgres, start_postgres
from tests.servers import Servers, restart_rasa, start_servers, stop
from tests.sms_support import sms_settings, text_in

KB = KnowledgeBase.load()
NUMBER = "+15550107788"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    server = start_postgres()
    server.create_database("rasa")
    server.create_database("console")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def assistant(
    model_path: Path, postgres: Postgres, twilio: FakeTwilio, tmp_path_factory
) -> Iterator[Servers]:
    servers, procs = start_servers(
        model_path, tmp_path_factory.mktemp("assistant-pg"),
        TRACKER_STORE_URL=postgres.url("rasa"), **sms_settings(twilio),
    )
    yield servers
    for proc in reversed(procs):
        stop(proc)


@pytest.fixture(scope="module")
def web_sender() -> str:
    return f"pg-web-{uuid.uuid4().hex[:8]}"


def stored_events(postgres: Postgres, sender: str) -> List[dict]:
    rows = postgres.query(
        "rasa", "SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,)
    )
    return [json.loads(data) for (data,) in rows]


def test_conversations_live_in_postgresql_and_survive_a_restart(
    assistant: Servers, postgres: Postgres, web_sender: str
) -> None:
    assistant.send(web_sender, "how deep do the needles go?")
    texts = [e.get("text") for e in stored_events(postgres, web_sender) if e["event"] == "user"]
    assert texts == ["how deep do the needles go?"]
    assert not assistant.tracker_db.exists(), "nothing may fall back to the SQLite default"
    restart_rasa(assistant)
    # The follow-up is understood only if Rasa reloaded the conversation from PostgreSQL.
    forehead = assistant.send(web_sender, "what about my forehead?")
    assert (
        forehead[-1]["text"] == KB.entries["needle_depth"].variants["body_area"]["forehead"].answer
    )
    assistant.send(web_sender, "can I speak to a real person please")


def test_sms_keeps_its_state_in_postgresql(
    assistant: Servers, postgres: Postgres, twilio: FakeTwilio
) -> None:
    text_in(assistant, NUMBER, "2 days after microneedling I have a fever and pus on my cheek")
    [urgent] = twilio.wait_for(NUMBER, 1)
    assert urgent.startswith("What you describe could be a complication")
    text_in(assistant, NUMBER, "STOP")
    text_in(assistant, NUMBER, "does it hurt?")
    time.sleep(2)
    assert twilio.messages_to(NUMBER) == [urgent]  # nothing after STOP
    [(opt_outs,)] = postgres.query("rasa", "SELECT COUNT(*) FROM sms_opt_outs")
    [(callbacks,)] = postgres.query(
        "rasa", "SELECT COUNT(*) FROM sms_callbacks WHERE reason = 'urgent'"
    )
    assert opt_outs == 1 and callbacks == 1
    digits = NUMBER.lstrip("+")
    for table in ("events", "sms_queue", "sms_outbox", "sms_opt_outs", "sms_callbacks"):
        [(hits,)] = postgres.query(
            "rasa",
            f"SELECT COUNT(*) FROM {table} WHERE CAST({table} AS TEXT) LIKE %s",
            (f"%{digits}%",),
        )
        assert hits == 0, f"the phone number is stored in plain text in {table}"


@pytest.fixture(scope="module")
def console(assistant: Servers, postgres: Postgres, tmp_path_factory) -> Iterator[Console]:
    running = start_console(
        tmp_path_factory.mktemp("console-pg"), assistant.tracker_db, {"admin": "admin"},
        TRACKER_STORE_URL=postgres.url("rasa"), CONSOLE_DATABASE_URL=postgres.url("console"),
        SMS_ENCRYPTION_KEY=assistant.env["SMS_ENCRYPTION_KEY"],
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def staff(console: Console) -> requests.Session:
    return console.sign_in("admin")  # password, then setting up two-step sign-in


def listed(staff: requests.Session, console: Console, **filters: str) -> Dict[str, dict]:
    page = staff.get(f"{console.url}/api/conversations", params=filters, timeout=30)
    assert page.status_code == 200, page.text
    return {row["label"]: row for row in page.json()["results"]}


def test_the_console_reads_postgresql_and_keeps_its_own_data_there(
    staff: requests.Session, console: Console, postgres: Postgres, web_sender: str
) -> None:
    web = listed(staff, console)[console.label(web_sender)]
    said = [e for e in stored_events(postgres, web_sender) if e["event"] in ("user", "bot")]
    assert web["flags"] == ["callback"] and web["messages"] == len(said)
    [sms] = listed(staff, console, channel="sms").values()
    assert set(sms["flags"]) == {"urgent", "opted_out"}
    detail = staff.get(f"{console.url}/api/conversations/{web['label']}", timeout=30).json()
    patient = [m for s in detail["sessions"] for m in s["messages"] if m["role"] == "patient"]
    assert [m["intent"] for m in patient][0] == "ask_needle_depth"
    # users, the index and the audit log are in the console's PostgreSQL database
    [(users,)] = postgres.query(
        "console", "SELECT COUNT(*) FROM review_user WHERE username = 'admin'"
    )
    [(views,)] = postgres.query(
        "console", "SELECT COUNT(*) FROM review_auditentry WHERE action = 'view_transcript'")
    assert users == 1 and views >= 1


def test_reveal_decrypts_the_sms_call_back_number(
    staff: requests.Session, console: Console
) -> None:
    [sms] = listed(staff, console, channel="sms").values()
    transcript = f"{console.url}/conversations/{sms['label']}/"
    assert NUMBER not in staff.get(transcript, timeout=30).text
    revealed = staff.post(f"{transcript}reveal", timeout=30, data={
        "csrfmiddlewaretoken": csrf_token(staff, transcript), "reason": "calling back"})
    assert (
        revealed.status_code == 200
        and revealed.url == f"{transcript}revealed"
        and NUMBER in revealed.text
    )


def test_deletion_and_purge_remove_rows_from_postgresql(
    staff: requests.Session, console: Console, postgres: Postgres, assistant: Servers
) -> None:
    # a conversation from 200 days ago, written as Rasa writes its events
    old = f"pg-old-{uuid.uuid4().hex[:8]}"
    then = time.time() - 200 * 86400
    event = {"event": "user", "timestamp": then, "text": "does it hurt?",
             "parse_data": {"intent": {"name": "ask_pain", "confidence": 0.99}, "entities": []}}
    postgres.query(
        "rasa",
        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) "
        "VALUES (%s, 'user', %s, 'ask_pain', %s)",
        (old, then, json.dumps(event)),
    )
    recent = f"pg-delete-{uuid.uuid4().hex[:8]}"
    assistant.send(recent, "does microneedling hurt?")
    conversations = listed(staff, console)
    assert {console.label(old), console.label(recent)} <= set(conversations)

    transcript = f"{console.url}/conversations/{console.label(recent)}/"
    deleted = staff.post(
        f"{transcript}delete",
        data={"csrfmiddlewaretoken": csrf_token(staff, transcript), "confirm": "on"},
        timeout=30,
    )
    assert deleted.status_code == 200 and console.label(recent) not in listed(staff, console)
    assert stored_events(postgres, recent) == []

    purged = console.manage("purge_conversations").stdout
    assert "deleted 1 conversations" in purged, purged
    assert stored_events(postgres, old) == [] and console.label(old) not in listed(staff, console)
    assert len(listed(staff, console)) == 2  # the web and SMS conversations above are kept
    actions = {a for (a,) in postgres.query("console", "SELECT action FROM review_auditentry")}
    assert {"delete_conversation", "purge"} <= actions
