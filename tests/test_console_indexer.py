"""The console's summary index (incremental), retention and training export,
on a tracker store written with Rasa's event shapes (tests/tracker_events.py).

The console's Django runs inside this process with its own SQLite database
(tests/console_support.py); each test gets a fresh tracker store file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator, List

import pytest
import yaml
from cryptography.fernet import Fernet

from tests.console_support import fresh_tracker
from tests.tracker_events import TrackerWriter, session_start, turn

NOW = time.time()
DAY = 86400.0


@pytest.fixture
def tracker(console_db: Path, tmp_path: Path) -> Iterator[TrackerWriter]:
    """A fresh tracker store, and the console pointed at it with an empty index."""
    from review.models import (
        AuditEntry,
        ConversationSummary,
        Correction,
        IndexState,
        MessageSummary,
    )

    tables = (ConversationSummary, MessageSummary, IndexState, Correction, AuditEntry)
    with fresh_tracker(tmp_path, *tables) as writer:
        yield writer


class CountingStore:
    """The real tracker-store reader, recording which ids each read started after."""

    def __init__(self, url: str) -> None:
        from review.tracker_store import TrackerStore

        self.inner = TrackerStore(url)
        self.reads: List[int] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def events_after(self, after_id: int, limit: int):
        self.reads.append(after_id)
        return self.inner.events_after(after_id, limit)


def summary(sender: str):
    from review.models import ConversationSummary

    return ConversationSummary.objects.get(sender_id=sender)


def urgent_conversation(start: float) -> list:
    return session_start(start, "socketio") + turn(
        start + 1, "my name is Sarah Jones and my cheek is oozing pus", "urgent_symptom", 0.99,
        channel="socketio", action="utter_urgent_symptom", utter_action="utter_urgent_symptom",
        slots={"urgent_flagged": True},
    )


def test_first_index_folds_each_conversation(tracker: TrackerWriter) -> None:
    from review import indexer
    from review.models import MessageSummary

    tracker.add("web-1", urgent_conversation(NOW - 100))
    tracker.add(
        "sms-abc",
        session_start(NOW - 50, "sms")
        + turn(
            NOW - 49,
            "call me back on 07700 900123",
            "request_human",
            0.97,
            channel="sms",
            action="utter_request_human",
            utter_action="utter_request_human",
            slots={"callback_requested": True},
        )
        + turn(
            NOW - 40,
            "banana",
            "nlu_fallback",
            0.3,
            channel="sms",
            action="action_fallback",
            ranking=["ask_pain", "ask_sessions"],
        ),
    )
    tracker.add(
        "rest-1",
        session_start(NOW - 10)
        + turn(NOW - 9, "/ask_pain", "ask_pain", 1.0, kb_entry="pain")
        + turn(NOW - 8, "hmm how long", "ask_downtime", 0.42, kb_entry="downtime"),
    )

    progress = indexer.refresh()
    # sessions open with 4 events; a turn has 5, plus one per slot set
    assert (
        progress.rebuilt
        and progress.conversations == 3
        and progress.events == (4 + 6) + (4 + 6 + 5) + (4 + 5 + 5)
    )

    web = summary("web-1")
    assert (web.channel, web.patient_messages, web.assistant_messages) == ("web", 1, 2)
    assert web.urgent and not web.callback and not web.low_confidence
    assert web.preview == "my name is [name] and my cheek is oozing pus"  # redacted in the index
    assert "sarah jones" in web.search_text  # searchable as typed
    sms = summary("sms-abc")
    assert (sms.channel, sms.callback, sms.low_confidence, sms.urgent) == ("sms", True, True, False)
    assert sms.preview == "call me back on [phone]"
    rest = summary("rest-1")
    assert rest.channel == "rest" and rest.low_confidence  # 0.42 < 0.5
    assert rest.preview == "hmm how long"  # the button press "/ask_pain" is not a question typed
    review = set(
        MessageSummary.objects.filter(needs_review=True).values_list("sender_id", "intent")
    )
    assert review == {("sms-abc", "nlu_fallback"), ("rest-1", "ask_downtime")}


def test_updates_read_only_new_events_and_cost_nothing_when_there_are_none(
    tracker: TrackerWriter,
) -> None:
    from review import indexer

    tracker.add(
        "rest-1", session_start(NOW - 30) + turn(NOW - 29, "does it hurt", "ask_pain", 0.99)
    )
    store = CountingStore(tracker.url)
    indexer.refresh(store)
    last = tracker.ids("rest-1")[-1]
    assert store.reads == [0]

    store.reads.clear()
    assert indexer.refresh(store).events == 0
    assert store.reads == []  # only MAX(id) was asked

    tracker.add("rest-1", turn(NOW - 5, "how many sessions", "ask_sessions", 0.98))
    tracker.add("rest-2", session_start(NOW - 4) + turn(NOW - 3, "hi", "greet", 0.99))
    progress = indexer.refresh(store)
    assert store.reads == [last]  # started after the last indexed id
    assert progress.events == 5 + 4 + 5 and progress.conversations == 1
    assert summary("rest-1").patient_messages == 2  # added to, not recounted
    assert summary("rest-1").assistant_messages == 3


def test_a_batch_another_updater_indexed_is_not_folded_twice(tracker: TrackerWriter) -> None:
    from review import indexer
    from review.models import IndexState

    tracker.add(
        "rest-1", session_start(NOW - 30) + turn(NOW - 29, "does it hurt", "ask_pain", 0.99)
    )
    indexer.refresh()
    tracker.add("rest-1", turn(NOW - 5, "how many sessions", "ask_sessions", 0.98))
    state = IndexState.objects.get()
    stale = IndexState.objects.get()
    rows = indexer.default_store().events_after(state.last_event_id, 100)
    assert indexer._apply(state, rows, indexer.Progress())  # the first updater
    assert not indexer._apply(stale, rows, indexer.Progress())  # the second one read the old mark
    assert summary("rest-1").patient_messages == 2


def test_deleted_last_rows_reused_ids_are_still_indexed(tracker: TrackerWriter) -> None:
    """SQLite gives new rows the ids of deleted last rows (no AUTOINCREMENT)."""
    from review import indexer, retention
    from review.models import ConversationSummary

    tracker.add("keep", session_start(NOW - 30) + turn(NOW - 29, "does it hurt", "ask_pain", 0.99))
    tracker.add("gone", session_start(NOW - 20) + turn(NOW - 19, "my name is Sarah", "greet", 0.9))
    indexer.refresh()
    gone_ids = tracker.ids("gone")
    retention._delete(["gone"], keep_corrections=False)
    assert not ConversationSummary.objects.filter(sender_id="gone").exists()
    tracker.add(
        "new", session_start(NOW - 2) + turn(NOW - 1, "how many sessions", "ask_sessions", 0.98)
    )
    assert tracker.ids("new")[0] == gone_ids[0]  # the reuse this test is about
    indexer.refresh()
    assert summary("new").patient_messages == 1


def test_another_tracker_store_rebuilds_the_index(tracker: TrackerWriter, tmp_path: Path) -> None:
    from django.conf import settings

    from review import indexer
    from review.models import ConversationSummary

    tracker.add(
        "first-store", session_start(NOW - 30) + turn(NOW - 29, "does it hurt", "ask_pain", 0.99)
    )
    indexer.refresh()
    other = TrackerWriter(f"sqlite:///{tmp_path / 'other.db'}")
    other.add("second-store", session_start(NOW - 3) + turn(NOW - 2, "hi", "greet", 0.99))
    settings.TRACKER_STORE_URL = other.url
    assert indexer.refresh().rebuilt
    assert list(ConversationSummary.objects.values_list("sender_id", flat=True)) == ["second-store"]


def test_sms_opt_outs_follow_the_channel_table(tracker: TrackerWriter) -> None:
    from channels.sms_store import SmsStore
    from review import indexer

    tracker.add(
        "sms-one", session_start(NOW - 3, "sms") + turn(NOW - 2, "hi", "greet", 0.99, channel="sms")
    )
    sms = SmsStore(tracker.url, Fernet.generate_key())
    sms.opt_out("sms-one")
    indexer.refresh()
    assert summary("sms-one").opted_out
    sms.opt_in("sms-one")
    indexer.refresh()
    assert not summary("sms-one").opted_out


def test_purge_deletes_idle_conversations_everywhere_and_is_audited(tracker: TrackerWriter) -> None:
    from channels.sms_store import SmsStore
    from review import indexer, retention
    from review.models import AuditEntry, ConversationSummary, Correction, MessageSummary
    from review.tracker_store import default_store

    tracker.add("sms-old", session_start(NOW - 200 * DAY, "sms") + turn(
        NOW - 200 * DAY + 1, "banana", "nlu_fallback", 0.3, channel="sms"))
    tracker.add(
        "recent", session_start(NOW - 170 * DAY) + turn(NOW - DAY, "does it hurt", "ask_pain", 0.99)
    )
    sms = SmsStore(tracker.url, Fernet.generate_key())
    sms.keep_number_for_callback("sms-old", "+15550100142", "call-back")
    sms.opt_out("sms-old")
    indexer.refresh()
    from review.models import User

    reviewer = User.objects.create(username="reviewer-purge")
    event_id = MessageSummary.objects.get(sender_id="sms-old").event_id
    Correction.objects.create(
        event_id=event_id,
        sender_id="sms-old",
        original_intent="nlu_fallback",
        original_confidence=0.3,
        intent="out_of_scope",
        example="banana",
        reviewed_by=reviewer,
    )

    dry = retention.purge(180, actor="test", dry_run=True)
    assert dry.conversations == ["sms-old"] and default_store().conversation("sms-old")
    result = retention.purge(180, actor="test")
    assert result.deleted.conversations == 1 and result.deleted.events == 4 + 5
    assert result.deleted.sms_rows == 1  # the call-back number
    assert default_store().conversation("sms-old") == [] and default_store().conversation("recent")
    # the opt-out outlives the conversation: a purge must not resume texting someone who said STOP
    assert sms.callback_number("sms-old") is None and sms.opted_out("sms-old")
    assert not ConversationSummary.objects.filter(sender_id="sms-old").exists()
    assert not MessageSummary.objects.filter(sender_id="sms-old").exists()
    kept = Correction.objects.get(example="banana")  # redacted training data stays, unlinked
    assert kept.sender_id == "" and kept.event_id is None
    entry = AuditEntry.objects.get(action="purge")
    assert (
        entry.actor == "test"
        and entry.detail["conversations"] == 1
        and entry.detail["retention_days"] == 180
    )
    indexer.refresh()  # and the index stays consistent
    assert list(ConversationSummary.objects.values_list("sender_id", flat=True)) == ["recent"]


def test_purge_deletes_sms_message_ids_and_rate_windows_older_than_retention(
    tracker: TrackerWriter,
) -> None:
    import sqlalchemy as sa

    from channels.sms_store import SmsStore
    from clinic.sms_schema import QUEUE, STATE
    from review import retention

    tracker.add(
        "sms-active",
        session_start(NOW - 3 * DAY, "sms") + turn(NOW - DAY, "hi", "greet", 0.99, channel="sms"),
    )
    sms = SmsStore(tracker.url, Fernet.generate_key())
    old, recent = NOW - 200 * DAY, NOW - DAY
    with sms.engine.begin() as db:
        db.execute(
            QUEUE.insert(),
            [
                {
                    "message_sid": "SMstop",
                    "conversation_id": "sms-stop-only",
                    "received_at": old,
                },  # no events ever
                {
                    "message_sid": "SMold",
                    "conversation_id": "sms-active",
                    "received_at": old,
                },  # a long-lived conversation
                {"message_sid": "SMnew", "conversation_id": "sms-active", "received_at": recent},
            ],
        )
        db.execute(
            STATE.insert(),
            [
                {
                    "conversation_id": "sms-help-only",
                    "window_start": old,
                    "window_count": 1,
                    "limit_notified": False,
                },
                {
                    "conversation_id": "sms-active",
                    "window_start": recent,
                    "window_count": 1,
                    "limit_notified": False,
                },
            ],
        )
    sms.opt_out("sms-stop-only")

    result = retention.purge(180, actor="test")

    with sms.engine.connect() as db:
        assert set(db.execute(sa.select(QUEUE.c.message_sid)).scalars()) == {"SMnew"}
        assert set(db.execute(sa.select(STATE.c.conversation_id)).scalars()) == {"sms-active"}
    assert result.deleted.sms_rows == 3 and sms.opted_out("sms-stop-only")  # the opt-out stays


def test_training_export_dedups_redacts_and_skips_known_examples(
    console_db: Path, tmp_path: Path
) -> None:
    from django.conf import settings

    from review import training_export
    from review.models import Correction, User

    Correction.objects.all().delete()
    reviewer = User.objects.get_or_create(username="reviewer-export")[0]
    known = "Will it hurt?"  # in data/nlu/ask_pain.yml
    existing = training_export.existing_examples(settings.NLU_DATA_DIR, skip=[])
    assert training_export.key(known) in existing
    for event_id, (intent, text) in enumerate([
        ("ask_pain", "will  it HURT?"),  # in data/nlu already, whatever the case
        ("ask_sessions", "how many goes do I need, my name is Sarah Jones"),
        ("ask_sessions", "How many goes do I need, my name is Sarah Jones"),  # duplicate
        ("ask_pain", "kazoo hurts?"),
        ("out_of_scope", "kazoo hurts?"),  # relabelled later: the latest wins
        ("nlu_fallback", "not an intent to teach"),
        ("ask_aftercare", "[click](javascript:alert(1)) what cream after"),
        ("ask_downtime", "/ask_downtime"),
    ], start=1):
        Correction.objects.create(
            event_id=event_id,
            sender_id="s",
            original_intent="nlu_fallback",
            original_confidence=0.3,
            intent=intent,
            example=text,
            reviewed_by=reviewer,
        )
    out = tmp_path / "reviewed.yml"
    path, count = training_export.export(out)
    data = yaml.safe_load(out.read_text())
    assert path == out and count == 3
    assert data["version"] == "3.1"
    examples = {item["intent"]: item["examples"] for item in data["nlu"]}
    assert examples == {
        "ask_aftercare": "- (click)(javascript:alert(1)) what cream after\n",
        "ask_sessions": "- How many goes do I need, my name is Alex\n",  # the latest wording
        "out_of_scope": "- kazoo hurts?\n",
    }
    Correction.objects.all().delete()
    assert training_export.export(out) == (out, 0) and not out.exists()


def test_database_urls_for_the_console(tmp_path: Path) -> None:
    from clinic_console.dburl import database_config

    sqlite = database_config(f"sqlite:///{tmp_path}/var/console.db")
    assert (
        sqlite["ENGINE"] == "django.db.backends.sqlite3"
        and sqlite["NAME"] == f"{tmp_path}/var/console.db"
    )
    assert (tmp_path / "var").is_dir()  # made for it
    assert sqlite["OPTIONS"]["init_command"].startswith("PRAGMA journal_mode=WAL")
    postgres = database_config("postgresql://staff:p%40ss@db.example.org:5433/console?sslmode=require")
    assert (postgres["ENGINE"], postgres["NAME"], postgres["USER"], postgres["PASSWORD"]) == (
        "django.db.backends.postgresql", "console", "staff", "p@ss")
    assert (postgres["HOST"], postgres["PORT"], postgres["OPTIONS"]) == (
        "db.example.org",
        "5433",
        {"sslmode": "require"},
    )
    for bad in ("mysql://x/y", "sqlite://", "postgresql://host/"):
        with pytest.raises(ValueError):
            database_config(bad)


def test_a_gap_is_waited_for_from_when_it_was_first_seen(console_db: Path, monkeypatch) -> None:
    """PostgreSQL: a slow turn may commit ids below ones already visible, with old timestamps."""
    from review import indexer
    from review.tracker_store import EventRow

    monkeypatch.setattr(indexer, "GAP_GRACE_SECONDS", 0.5)
    half_a_minute_ago = time.time() - 30
    rows = [EventRow(i, "s", "user", half_a_minute_ago, None, None) for i in (1, 2, 4, 5)]
    assert [r.id for r in indexer._settled(rows, 0, "postgresql")] == [
        1,
        2,
    ]  # id 3 may still commit
    assert [r.id for r in indexer._settled(rows, 0, "postgresql")] == [1, 2]
    time.sleep(0.6)
    assert [r.id for r in indexer._settled(rows, 0, "postgresql")] == [
        1,
        2,
        4,
        5,
    ]  # it was rolled back
    long_ago = [EventRow(i, "s", "user", time.time() - 3600, None, None) for i in (7, 9)]
    assert [r.id for r in indexer._settled(long_ago, 6, "postgresql")] == [
        7,
        9,
    ]  # history, not in flight
    assert [r.id for r in indexer._settled(rows, 0, "sqlite")] == [1, 2, 4, 5]


def test_deleting_a_conversation_takes_its_words_out_of_the_training_file(
    tracker: TrackerWriter, tmp_path: Path
) -> None:
    from django.test import override_settings

    from review import indexer, labels, retention, training_export
    from review.models import AuditEntry, Correction, MessageSummary, User

    tracker.add(
        "asked-to-forget",
        session_start(NOW - DAY) + turn(NOW - DAY + 1, "kazoo face?", "nlu_fallback", 0.2),
    )
    tracker.add(
        "another",
        session_start(NOW - DAY) + turn(NOW - DAY + 1, "bassoon face?", "nlu_fallback", 0.2),
    )
    indexer.refresh()
    reviewer = User.objects.get_or_create(username="reviewer-forget")[0]
    for sender, text in (("asked-to-forget", "kazoo face?"), ("another", "bassoon face?")):
        message = MessageSummary.objects.get(sender_id=sender)
        Correction.objects.create(
            event_id=message.event_id,
            sender_id=sender,
            original_intent="nlu_fallback",
            original_confidence=0.2,
            intent="out_of_scope",
            example=text,
            reviewed_by=reviewer,
        )
    out = tmp_path / "reviewed.yml"
    with override_settings(REVIEWED_NLU_FILE=out):
        training_export.export()
        assert "kazoo face?" in out.read_text() and "bassoon face?" in out.read_text()
        retention.delete_conversation("asked-to-forget", None)
    assert "kazoo face?" not in out.read_text() and "bassoon face?" in out.read_text()
    entry = AuditEntry.objects.filter(
        action="delete_conversation", conversation=labels.label("asked-to-forget")
    ).get()
    assert entry.detail["training_file_rewritten"] is True


def test_each_conversation_gets_a_keyed_label(tracker: TrackerWriter) -> None:
    from django.conf import settings

    from review import indexer, labels

    senders = ["sarah.jones@example.com", "+447700900123", "a3f1c2" * 8]
    for n, sender in enumerate(senders):
        tracker.add(
            sender,
            session_start(NOW - 30 + n) + turn(NOW - 29 + n, "does it hurt", "ask_pain", 0.99),
        )
    indexer.refresh()
    for sender in senders:
        label = summary(sender).label
        assert labels.is_label(label) and len(label) == 14  # "k3f9-x2m4-qa7p"
        assert label == labels.label(sender, settings.LABEL_KEY)
        assert label != labels.label(
            sender, "another key"
        )  # keyed: no key, no way from an id to its label
        assert not any(part in sender.lower() for part in label.split("-"))


def test_a_label_another_conversation_has_is_passed_over_for_a_longer_one(
    tracker: TrackerWriter,
) -> None:
    """A 60-bit collision will not happen in practice; here one is made by
    giving another conversation the label first."""
    from review import indexer, labels
    from review.models import ConversationSummary

    tracker.add("first", session_start(NOW - 30) + turn(NOW - 29, "does it hurt", "ask_pain", 0.99))
    indexer.refresh()
    taken = labels.label("second")
    ConversationSummary.objects.filter(sender_id="first").update(label=taken)
    tracker.add(
        "second",
        session_start(NOW - 20) + turn(NOW - 19, "how many sessions", "ask_sessions", 0.98),
    )
    tracker.add("third", session_start(NOW - 10) + turn(NOW - 9, "hi", "greet", 0.99))
    indexer.refresh()
    longer = summary("second").label
    assert longer == labels.label("second", groups=labels.GROUPS + 1) and longer.startswith(
        taken + "-"
    )
    assert summary("third").label == labels.label("third")
    assert ConversationSummary.objects.filter(label=taken).get().sender_id == "first"


def test_a_new_label_key_rebuilds_the_index_with_new_labels(tracker: TrackerWriter) -> None:
    from django.test import override_settings

    from review import indexer, labels

    tracker.add(
        "rest-1", session_start(NOW - 30) + turn(NOW - 29, "does it hurt", "ask_pain", 0.99)
    )
    indexer.refresh()
    before = summary("rest-1").label
    with override_settings(LABEL_KEY="a-new-key"):
        assert indexer.refresh().rebuilt
        assert summary("rest-1").label == labels.label("rest-1", "a-new-key") != before


def test_the_migration_names_old_audit_entries_by_label(console_db: Path) -> None:
    import importlib

    from django.apps import apps

    from review import labels
    from review.models import AuditEntry

    migration = importlib.import_module("review.migrations.0002_conversation_labels")
    AuditEntry.objects.all().delete()
    AuditEntry.objects.create(
        actor="maria", action="reveal", conversation="sarah.jones@example.com"
    )
    AuditEntry.objects.create(
        actor="maria", action="export", detail={"ids": ["web-1", "+447700900123"]}
    )
    AuditEntry.objects.create(actor="maria", action="purge")
    migration.label_the_audit_log(apps, None)
    reveal, export, purge = AuditEntry.objects.order_by("id")
    assert reveal.conversation == labels.label("sarah.jones@example.com")
    assert export.detail == {"labels": [labels.label("web-1"), labels.label("+447700900123")]}
    assert purge.conversation == ""
    migration.label_the_audit_log(apps, None)  # run twice, labels stay labels
    assert AuditEntry.objects.get(action="reveal").conversation == labels.label(
        "sarah.jones@example.com"
    )
