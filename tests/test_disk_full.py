"""The default profile's disk full: the tracker store (SQLite in VAR_DIR) on a
small tmpfs this test mounts, filled while patients talk.

Patients get the clinic's number (not a 500, not a hang, not an answer the
store never kept: "I've flagged this conversation" with no flag), one clear
log line says the disk is full, the server keeps serving and restarts on the
full disk, and once space is freed the conversation goes on from where it was
stored, the SQLite file intact and every stored turn whole.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator, List

import pytest
import requests
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from channels.replies import unavailable
from channels.tracker_store_errors import describe, store_name
from tests.channel_clients import WebPatient
from tests.disk_support import disk_full, small_disk
from tests.servers import NO_RATE_LIMITS, Servers, restart_rasa, start_servers, stop

FLAGGED = "I've flagged this conversation"


@pytest.fixture(scope="module")
def var_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with small_disk(tmp_path_factory.mktemp("small-disk")) as disk:
        yield disk


@pytest.fixture(scope="module")
def assistant(
    model_path: Path, var_disk: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    """`make run`'s servers with VAR_DIR (tracker.db, keys) on the small disk; their
    logs elsewhere, as a service's journal is."""
    database = var_disk / "tracker.db"
    servers, procs = start_servers(
        model_path, tmp_path_factory.mktemp("disk-full-logs"), VAR_DIR=str(var_disk),
        TRACKER_STORE_URL=f"sqlite:///{database}", **NO_RATE_LIMITS,
    )
    servers.tracker_db = database
    say(servers, "warm-up", "hello", within=60)  # the first turn loads the models
    yield servers
    for proc in reversed(procs):
        stop(proc)


def say(servers: Servers, sender: str, message: str, within: float = 5) -> List[str]:
    """The texts of the reply to a REST message, which must come soon."""
    started = time.monotonic()
    reply = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message}, timeout=60,
    )
    assert reply.status_code == 200, reply.text
    assert time.monotonic() - started < within
    return [m.get("text", "") for m in reply.json()]


def stored(database: Path, sender: str) -> List[dict]:
    db = sqlite3.connect(database)
    try:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    finally:
        db.close()
    return [json.loads(data) for (data,) in rows]


def turns(events: List[dict]) -> List[List[dict]]:
    """The events of each turn: from a user event up to the next one."""
    starts = [i for i, e in enumerate(events) if e["event"] == "user"]
    return [events[a:b] for a, b in zip(starts, starts[1:] + [len(events)])]


def alive(servers: Servers) -> bool:
    up = requests.get(f"{servers.rasa_url}/", timeout=10).status_code == 200
    return up and all(proc.poll() is None for proc in servers.procs)


def test_a_full_disk_gets_patients_the_clinics_number_and_loses_nothing_stored(
    assistant: Servers, var_disk: Path, sender: str
) -> None:
    before = ["how deep are the needles?"]
    assert "needle depth" in " ".join(say(assistant, sender, before[0]))
    kept = stored(assistant.tracker_db, sender)
    during = ["what about my forehead?", "can someone from the clinic call me?"]
    web = WebPatient(assistant)
    try:
        web.session()
        with disk_full(var_disk):
            for message in during:
                assert say(assistant, sender, message) == [unavailable()]
            assert say(assistant, f"{sender}-new", "does it hurt?") == [unavailable()]
            # The widget has already shown what Rasa sent; the number comes last.
            texts, _ = web.ask("is it safe for darker skin?")
            assert texts[-1] == unavailable()
            assert alive(assistant)
            assert stored(assistant.tracker_db, sender) == kept  # nothing half-written
    finally:
        web.close()

    # Space freed: the conversation goes on from its last stored turn.
    after = ["what about my forehead?", "can someone from the clinic call me?"]
    forehead = " ".join(say(assistant, sender, after[0]))
    assert "forehead" in forehead and "needle depth" in forehead
    assert FLAGGED in " ".join(say(assistant, sender, after[1]))

    events = stored(assistant.tracker_db, sender)
    assert events[: len(kept)] == kept
    assert [t[0]["text"] for t in turns(events)] == before + after
    for turn in turns(events):  # each whole: an answer, and listening again
        assert any(e["event"] == "bot" for e in turn)
        assert (turn[-1]["event"], turn[-1].get("name")) == ("action", "action_listen")
    assert {"event": "slot", "name": "callback_requested", "value": True} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    db = sqlite3.connect(assistant.tracker_db)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        db.close()

    log = assistant.log_text()
    full = [line for line in log.splitlines() if "the tracker store's disk is full" in line]
    assert len(full) == 4, full  # one line for each failed turn
    assert all(str(var_disk) in line and "database or disk is full" in line for line in full)
    for message in during + ["is it safe for darker skin?"]:
        assert message not in log
    assert "Traceback" not in log and "InMemoryTrackerStore" not in log


def test_a_restart_on_the_full_disk_comes_up_and_answers(
    assistant: Servers, var_disk: Path, sender: str
) -> None:
    """No crash loop: a server restarted (by hand or by a supervisor) while the
    disk is still full comes up, and patients still get the number."""
    with disk_full(var_disk):
        restart_rasa(assistant)
        assert alive(assistant)
        assert say(assistant, sender, "does it hurt?", within=60) == [unavailable()]
    assert "numbing" in " ".join(say(assistant, sender, "does it hurt?"))
    assert [e["text"] for e in stored(assistant.tracker_db, sender) if e["event"] == "user"] == [
        "does it hurt?"
    ]


def test_the_log_line_of_another_store_failure_has_no_patient_words_and_no_password(
    tmp_path: Path,
) -> None:
    database = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), host=f"sqlite:///{database}")
    db = sqlite3.connect(database)
    db.execute(  # a failure that is not the disk
        "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    db.close()
    words = "my lips are swelling since the treatment"
    tracker = DialogueStateTracker.from_events("patient-1", [UserUttered(words)])
    with pytest.raises(SQLAlchemyError) as failed:
        asyncio.run(store.save(tracker))
    assert words in str(failed.value)  # SQLAlchemy's message carries the row
    line = describe(failed.value, store)
    assert line == (
        "the turn was not stored: the tracker store failed; SQLTrackerStore at "
        f"sqlite:///{database}: IntegrityError: refused"
    )
    postgres = create_engine("postgresql://rasa:s3cret@db.clinic.internal/rasa")
    assert "s3cret" not in store_name(SimpleNamespace(engine=postgres))
