"""The website chat widget for other patients: on a phone, by keyboard only,
and while the Rasa server is down (the offline notice, the queue, reconnecting).
The servers and helpers: tests/webchat_support.py and conftest.py."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import ARTIFACTS
from tests.servers import restart_rasa, stop
from tests.webchat_support import (
    CLINIC,
    LAUNCHER,
    NOTICE,
    OFFLINE,
    Site,
    bot,
    conversation,
    count,
    focused,
    session_id,
    user,
    user_texts,
    wait_for_more,
)


def test_phone_size(open_tab) -> None:
    tab = open_tab("/services.html", 375, 740)
    page = tab.page
    page.get_by_role("button", name=LAUNCHER).click()
    expect(bot(page, NOTICE)).to_be_visible()
    expect(page.get_by_role("button", name="Does it hurt?")).to_be_visible()
    box = page.get_by_role("dialog", name=CLINIC.branding["title"]).bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 740}  # full screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Does it hurt?").click()
    expect(bot(page, "numbing")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
    page.screenshot(path=ARTIFACTS / "webchat-phone.png")
    # full screen, it is a modal dialog: Tab never reaches the page hidden behind it
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_have_attribute(
        "aria-modal", "true"
    )
    outside = (
        "() => { const a = document.activeElement; "
        "return a && a !== document.body && a.tagName !== 'CLINIC-CHAT'; }"
    )
    for _ in range(15):
        page.keyboard.press("Tab")
        assert not page.evaluate(outside), page.evaluate(
            "document.activeElement.outerHTML.slice(0, 80)"
        )
    page.get_by_role("button", name="Close chat").click()
    assert page.evaluate("[...document.body.children].every(n => !n.inert)")  # the page is back
    assert tab.errors == [] and tab.dialogs == []


def test_keyboard_only_conversation(open_tab) -> None:
    tab = open_tab()
    page = tab.page
    for _ in range(12):  # skip link, site links, then the widget's launcher
        page.keyboard.press("Tab")
        if focused(page) == "launcher":
            break
    assert focused(page) == "launcher"
    outline = page.evaluate(
        "getComputedStyle(document.querySelector('clinic-chat').shadowRoot.activeElement).outlineStyle"
    )
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_be_visible()
    assert focused(page) == "cc-input"
    expect(bot(page, NOTICE)).to_be_visible()
    before = count(page, ".msg.bot")
    page.keyboard.type("is there much downtime?")
    page.keyboard.press("Enter")
    expect(user(page, "is there much downtime?")).to_be_visible()
    wait_for_more(page, ".msg.bot", before)
    expect(page.locator("clinic-chat .replies button").first).to_be_visible()
    assert focused(page) == "cc-input"
    page.keyboard.press("Tab")
    assert focused(page) == "send"
    # Shift+Tab from the input reaches the suggested replies; Enter sends one.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    title = page.evaluate(
        "document.querySelector('clinic-chat').shadowRoot.activeElement.closest('.replies') && "
        "document.querySelector('clinic-chat').shadowRoot.activeElement.textContent"
    )
    assert title, focused(page)
    before = count(page, ".msg.bot")
    page.keyboard.press("Enter")
    expect(user(page, title)).to_be_visible()
    assert focused(page) == "cc-input"
    wait_for_more(page, ".msg.bot", before)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_be_hidden()
    assert focused(page) == "launcher"
    assert tab.errors == []


def test_offline_notice_queue_and_reconnect(open_tab, site: Site) -> None:
    """Rasa stops: the patient sees the clinic's number, and nothing typed is lost."""
    tab = open_tab()
    page = tab.page
    page.get_by_role("button", name=LAUNCHER).click()
    expect(bot(page, NOTICE)).to_be_visible()
    sender = session_id(page)
    notice = page.locator("clinic-chat .notice")

    stop(site.servers.procs[-1])  # the Rasa server only; the action server and SQLite stay
    expect(notice).to_be_visible()
    expect(notice).to_have_text(OFFLINE)
    expect(notice.get_by_role("link", name=CLINIC.phone)).to_have_attribute(
        "href", re.compile(r"^tel:")
    )
    question = "how many sessions will I need?"
    field_ = page.get_by_label("Your question")
    field_.fill(question)
    field_.press("Enter")
    pending = page.locator("clinic-chat .msg.user.pending").filter(has_text=question)
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("Waiting to send")
    bubble = pending.element_handle()  # updated in place once sent: a screen reader hears it once
    page.screenshot(path=ARTIFACTS / "webchat-offline.png")

    restart_rasa(site.servers)
    expect(notice).to_be_hidden()
    expect(pending).to_have_count(0)
    expect(user(page, question)).to_be_visible()
    assert bubble.evaluate("node => node.isConnected && !node.querySelector('.status')")
    expect(bot(page, "three to five")).to_be_visible()
    assert conversation(session_id(page)) == conversation(sender)
    assert user_texts(site, sender) == ["/greet", question]  # same conversation, sent once
    assert tab.dialogs == []
