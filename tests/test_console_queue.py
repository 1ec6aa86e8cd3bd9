"""The follow-up queue's model (issue 15): each flagged conversation's status
and owner, the queue's order, the message that raised the flag, optimistic
concurrency on cases, and the number a web chat patient typed.

The console's Django runs inside this process with its own SQLite database
(tests/console_support.py); each test gets a fresh tracker store file.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.console_support import fresh_tracker
from tests.tracker_events import TrackerWriter, session_start, turn

NOW = time.time()
HOUR = 3600.0


@pytest.fixture
def tracker(console_db: Path, tmp_path: Path) -> Iterator[TrackerWriter]:
    """A fresh tracker store, and the console pointed at it with an empty index and no cases."""
    from review.models import (
        Case,
        ConversationSummary,
        FollowUp,
        IndexState,
        MessageSummary,
        WrongAnswer,
    )

    tables = (ConversationSummary, MessageSummary, IndexState, FollowUp, Case, WrongAnswer)
    with fresh_tracker(tmp_path, *tables) as writer:
        yield writer


@pytest.fixture
def nurse(console_db: Path):
    from review.models import User

    return User.objects.get_or_create(username="queue-nurse")[0]


def urgent(
    at: float, text: str = "my cheek is oozing pus and I have a fever", channel: str = "rest"
) -> list:
    return turn(at, text, "urgent_symptom", 0.98, channel=channel, action="utter_urgent_symptom",
                utter_action="utter_urgent_symptom", slots={"urgent_flagged": True})


def callback(at: float, text: str = "can someone call me back", channel: str = "rest") -> list:
    return turn(at, text, "request_human", 0.95, channel=channel, action="utter_request_human",
                utter_action="utter_request_human", slots={"callback_requested": True})


def case(sender: str):
    from review.models import ConversationSummary

    return ConversationSummary.objects.flagged().with_status().get(sender_id=sender)


def done(sender: str, user, covers_until=None) -> None:
    from review.models import FollowUp

    FollowUp.objects.create(
        sender_id=sender,
        done_by=user,
        note="Called back",
        reason="called_back",
        covers_until=covers_until or case(sender).last_flagged_at,
    )


def test_the_queue_is_urgent_first_then_longest_waiting(tracker: TrackerWriter) -> None:
    from review import indexer
    from review.models import ConversationSummary

    tracker.add("callback-oldest", session_start(NOW - 50 * HOUR) + callback(NOW - 50 * HOUR + 1))
    tracker.add("urgent-new", session_start(NOW - 1 * HOUR) + urgent(NOW - 1 * HOUR + 1))
    tracker.add("urgent-old", session_start(NOW - 5 * HOUR) + urgent(NOW - 5 * HOUR + 1))
    tracker.add("callback-new", session_start(NOW - 2 * HOUR) + callback(NOW - 2 * HOUR + 1))
    tracker.add(
        "no-flag",
        session_start(NOW - 9 * HOUR) + turn(NOW - 9 * HOUR + 1, "does it hurt", "ask_pain", 0.99),
    )
    indexer.refresh()
    order = list(ConversationSummary.objects.not_done().values_list("sender_id", flat=True))
    assert order == ["urgent-old", "urgent-new", "callback-oldest", "callback-new"]


def test_each_flag_names_the_message_that_raised_it(tracker: TrackerWriter) -> None:
    from review import indexer
    from review.flag_messages import with_flag_messages

    tracker.add(
        "web-1",
        session_start(NOW - 60, "socketio")
        + turn(NOW - 59, "hello", "greet", 0.99, channel="socketio")
        + urgent(NOW - 50, "my name is Sarah Jones and my cheek is oozing pus", channel="socketio")
        + turn(NOW - 40, "/affirm", "affirm", 1.0, channel="socketio"),
    )
    indexer.refresh()
    row = with_flag_messages([case("web-1")])[0]
    assert row.preview == "hello"  # the first message says nothing about the flag
    assert row.flag_message == "my name is [name] and my cheek is oozing pus"  # redacted


def test_open_then_assigned_then_done_and_a_new_flag_reopens(tracker: TrackerWriter, nurse) -> None:
    from review import indexer
    from review.models import Case, Status

    tracker.add("rest-1", session_start(NOW - 600) + callback(NOW - 599))
    indexer.refresh()
    assert (case("rest-1").status, case("rest-1").assignee_name) == (Status.OPEN, None)
    assert Case.change("rest-1", 0, nurse, at=None)
    assert (case("rest-1").status, case("rest-1").assignee_name) == (Status.ASSIGNED, "queue-nurse")
    done("rest-1", nurse)
    assert Case.change("rest-1", 1, None)
    assert case("rest-1").status == Status.DONE
    tracker.add("rest-1", urgent(NOW - 10))
    indexer.refresh()
    assert case("rest-1").status == Status.OPEN  # flagged again after it was done


def test_of_two_changes_from_the_same_version_only_one_wins(tracker: TrackerWriter, nurse) -> None:
    from review.models import Case, User

    colleague = User.objects.get_or_create(username="queue-colleague")[0]
    results = []
    barrier = threading.Barrier(2)

    def take(user) -> None:
        from django.db import connection

        barrier.wait()
        results.append(Case.change("rest-3", 0, user))
        connection.close()

    threads = [threading.Thread(target=take, args=(user,)) for user in (nurse, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert Case.objects.get(sender_id="rest-3").version == 1


def test_the_number_a_web_chat_patient_typed_is_found(console_db: Path) -> None:
    from review.callback_numbers import tel_uri, typed_number
    from review.transcript import build

    events = [{**event, "_id": n} for n, event in enumerate(
        session_start(NOW, "socketio")
        + turn(NOW + 1, "I need 3-6 sessions?", "ask_sessions", 0.9, channel="socketio")
        + callback(NOW + 2, "pls call me on (202) 555-0143 after 5", channel="socketio")
        + turn(NOW + 3, "thanks", "thank", 0.99, channel="socketio"))]
    number = typed_number(build(events))
    assert number == "(202) 555-0143"
    assert tel_uri(number) == "tel:+12025550143"


def test_deleting_a_conversation_deletes_its_case_and_follow_ups(
    tracker: TrackerWriter, nurse
) -> None:
    from review import indexer, retention
    from review.models import Case, FollowUp, WrongAnswer

    tracker.add("rest-4", session_start(NOW - 600) + callback(NOW - 599))
    indexer.refresh()
    assert Case.change("rest-4", 0, nurse)
    done("rest-4", nurse)
    WrongAnswer.objects.create(event_id=tracker.ids("rest-4")[4], sender_id="rest-4",
                               reported_by=nurse)
    retention.delete_conversation("rest-4", None)
    assert not Case.objects.filter(sender_id="rest-4").exists()
    assert not FollowUp.objects.filter(sender_id="rest-4").exists()
    assert not WrongAnswer.objects.filter(sender_id="rest-4").exists()


def test_a_message_answered_only_english_needs_a_review_even_across_batches(
    tracker: TrackerWriter, monkeypatch
) -> None:
    from clinic.contract import Response
    from review import indexer
    from review.models import MessageSummary

    spanish = turn(NOW - 30, "me duele mucho", "ask_pain", 0.9, action=Response.ONLY_ENGLISH,
                   utter_action=Response.ONLY_ENGLISH)
    tracker.add("spanish", session_start(NOW - 60) + spanish)
    english = turn(NOW - 30, "does it hurt", "ask_pain", 0.9)
    tracker.add("english", session_start(NOW - 60) + english)
    monkeypatch.setattr(indexer, "BATCH", 5)  # the reply is folded a batch after the message
    indexer.refresh()
    unreviewed = MessageSummary.objects.unreviewed()
    assert [(m.sender_id, m.review_reason) for m in unreviewed] == [
        ("spanish", MessageSummary.OTHER_LANGUAGE)
    ]
