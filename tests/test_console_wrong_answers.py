"""Confident mistakes reach the review inbox (issue 15): a "Wrong answer" action
on each patient message of a transcript (a POST, audited, back to that
message), and messages answered with the "only English" reply, found by the
indexer on its own. Against the real console in Debian's Chromium."""

from __future__ import annotations

import re
import time
from typing import Iterator

import pytest
from playwright.sync_api import Browser, expect

from clinic.contract import Response
from tests.browser import watched
from tests.console_support import PASSWORD, Console, sqlite_rows, start_console
from tests.tracker_events import TrackerWriter, session_start, turn

HOUR = 3600.0
ONLY_ENGLISH = "Sorry, I can only answer in English."

expect.set_options(timeout=20_000)

CONVERSATIONS = {
    # makeup asked, downtime answered, at 0.91: the classifier was sure, and wrong
    "confident": lambda t: (
        session_start(t, "socketio")
        + turn(t + 1, "hello", "greet", 0.99, channel="socketio", reply="Hi! Ask me anything.")
        + turn(t + 20, "when can I wear makeup again", "ask_downtime", 0.91, channel="socketio",
               kb_entry="downtime", reply="Most people are back at work the next day.",
               ranking=["ask_aftercare", "ask_pain"])
    ),
    "spanish": lambda t: (
        session_start(t)
        + turn(t + 1, "me duele mucho la cara", "ask_pain", 0.88, action=Response.ONLY_ENGLISH,
               utter_action=Response.ONLY_ENGLISH, reply=ONLY_ENGLISH)
    ),
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    workdir = tmp_path_factory.mktemp("console-wrong-answers")
    tracker = workdir / "tracker.db"
    writer = TrackerWriter(f"sqlite:///{tracker}")
    for name, events in CONVERSATIONS.items():
        writer.add(f"wrong-{name}", events(time.time() - HOUR))
    running = start_console(workdir, tracker, {"maria": "staff"})
    yield running
    running.stop()


def test_a_message_answered_only_english_is_in_the_inbox_with_its_reply(
    console: Console, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(f"{console.url}/review/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    item = page.locator("article.item").filter(has_text="me duele mucho la cara")
    expect(item.locator(".reason")).to_contain_text("not in English")
    expect(item.locator(".reply")).to_have_text(f"Assistant answered: {ONLY_ENGLISH}")
    # the confident mistake nobody reported yet is not there
    expect(page.locator("article.item").filter(has_text="wear makeup")).to_have_count(0)
    page.close()


def test_wrong_answer_on_a_transcript_sends_a_confident_message_to_the_inbox(
    console: Console, browser: Browser
) -> None:
    tab = watched(browser.new_page(viewport={"width": 1366, "height": 900}))
    page = tab.page
    conversation = console.label("wrong-confident")
    page.goto(f"{console.url}/conversations/{conversation}/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    message = page.locator(".msg.patient").filter(has_text="when can I wear makeup again")
    message.get_by_role("button", name="Wrong answer").click()
    # POST, then redirect, then GET back to the transcript at that message
    expect(page).to_have_url(re.compile(rf"/conversations/{conversation}/#m\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Sent to the review inbox")
    expect(message.locator(".reported")).to_contain_text("sent to the review inbox")
    expect(message.get_by_role("button", name="Wrong answer")).to_have_count(0)
    page.reload()  # a reload posts nothing again
    assert sqlite_rows(console.database, "SELECT count(*) FROM review_wronganswer") == [(1,)]
    entries = sqlite_rows(
        console.database,
        "SELECT actor, detail FROM review_auditentry WHERE action = 'report_wrong_answer' "
        "AND conversation = ?",
        (conversation,),
    )
    assert len(entries) == 1 and entries[0][0] == "maria"
    assert "makeup" not in entries[0][1]  # no patient text in the audit log

    page.goto(f"{console.url}/review/")
    item = page.locator("article.item").filter(has_text="when can I wear makeup again")
    expect(item.locator(".reason")).to_have_text("reported as a wrong answer by maria")
    expect(item.locator(".context")).to_contain_text("Patient: hello")
    expect(item.locator(".context")).to_contain_text("Assistant: Hi! Ask me anything.")
    expect(item.locator(".reply")).to_contain_text("Most people are back at work the next day.")
    # the intent it wrongly had is no suggestion
    expect(item.locator(".suggestions")).not_to_contain_text("downtime", ignore_case=True)
    assert tab.errors == [] and tab.dialogs == []
    page.close()


def test_a_wrong_answer_needs_a_csrf_token(console: Console) -> None:
    session = console.sign_in("maria")
    answer = session.post(
        f"{console.url}/conversations/{console.label('wrong-confident')}/messages/1/wrong-answer",
        allow_redirects=False, timeout=30,
    )
    assert answer.status_code == 403
