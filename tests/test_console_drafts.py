"""A follow-up note kept while it is typed (issue 15): a nurse who leaves the
transcript before saving finds her note and outcome there when she comes back
(the tab's sessionStorage, by static/review/drafts.js under the console's
CSP); a saved note is forgotten, and so is every draft at sign-out. In
Debian's Chromium against the real console."""

from __future__ import annotations

import re
import time
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import watched
from tests.console_support import PASSWORD, Console, sqlite_rows, start_console
from tests.tracker_events import TrackerWriter, session_start, turn

NOTE = "Rang twice, no answer; will try again after lunch."

expect.set_options(timeout=20_000)


def callback(at: float, text: str) -> list:
    return session_start(at) + turn(at + 1, text, "request_human", 0.95,
                                    slots={"callback_requested": True})


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    workdir = tmp_path_factory.mktemp("console-drafts")
    tracker = workdir / "tracker.db"
    writer = TrackerWriter(f"sqlite:///{tracker}")
    now = time.time()
    for name in ("first", "second", "third"):
        writer.add(f"draft-{name}", callback(now - 3600, f"please call me back ({name})"))
    running = start_console(workdir, tracker, {"maria": "staff", "jo": "staff"})
    yield running
    running.stop()


def open_transcript(page: Page, console: Console, name: str):
    page.goto(f"{console.url}/conversations/{console.label(f'draft-{name}')}/")
    return page.get_by_role("complementary", name="Follow-up")


def sign_in(page: Page, username: str = "maria") -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_note_typed_and_left_is_there_on_return_and_gone_once_saved(
    console: Console, browser: Browser
) -> None:
    tab = watched(browser.new_page(viewport={"width": 1366, "height": 900}))
    page = tab.page
    page.goto(f"{console.url}/")
    sign_in(page)
    panel = open_transcript(page, console, "first")
    panel.get_by_label("No answer, left a message").check()
    panel.get_by_label("Note").fill(NOTE)
    # away before saving: to the list by its link (a new page load, not the back cache)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Conversations").click()
    expect(page).to_have_url(re.compile(r"/conversations/$"))
    panel = open_transcript(page, console, "second")  # another case: its own, empty form
    expect(panel.get_by_label("Note")).to_have_value("")
    panel = open_transcript(page, console, "first")
    expect(panel.get_by_label("Note")).to_have_value(NOTE)
    expect(panel.get_by_label("No answer, left a message")).to_be_checked()
    expect(panel.locator(".draft-restored")).to_contain_text("Your unsaved note is back")

    panel.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status").filter(has_text="as done")).to_be_visible()
    assert sqlite_rows(
        console.database, "SELECT note FROM review_followup WHERE sender_id = 'draft-first'"
    ) == [(NOTE,)]
    assert page.evaluate("Object.keys(sessionStorage)") == []  # the saved note is forgotten
    panel = open_transcript(page, console, "first")
    expect(panel.get_by_label("Note")).to_have_value("")
    assert tab.errors == [] and tab.dialogs == []
    page.close()


def test_signing_out_forgets_every_draft_and_a_colleague_never_sees_one(
    console: Console, browser: Browser
) -> None:
    tab = watched(browser.new_page(viewport={"width": 1366, "height": 900}))
    page = tab.page
    page.goto(f"{console.url}/")
    sign_in(page)
    panel = open_transcript(page, console, "third")
    panel.get_by_label("Note").fill("Patient's daughter answered.")
    page.goto(f"{console.url}/followups/")
    assert len(page.evaluate("Object.keys(sessionStorage)")) == 1
    page.locator("details.account summary").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "jo")  # the same tab, another nurse
    assert page.evaluate("Object.keys(sessionStorage)") == []
    panel = open_transcript(page, console, "third")
    expect(panel.get_by_label("Note")).to_have_value("")
    assert tab.errors == [] and tab.dialogs == []
    page.close()
