"""The website chat widget: one patient's conversation, in one tab (the `chat`
fixture), test by test in file order: the greeting, an over-long message, an
answer, a quick reply, contrast, a reload, another page, HTML typed by the
patient. The servers and helpers: tests/webchat_support.py and conftest.py."""

from __future__ import annotations

import os
import shutil
from typing import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import ARTIFACTS, Tab
from tests.servers import ROOT
from tests.webchat_support import (
    CLINIC,
    LAUNCHER,
    MAX_CHARS,
    NOTICE,
    XSS,
    Site,
    ask,
    bot,
    conversation,
    count,
    last_user_text,
    new_tab,
    session_id,
    stored,
    user,
    user_texts,
    wait_for_more,
)

DOCS_SCREENSHOT = ROOT / "docs" / "webchat.png"


@pytest.fixture(scope="module")
def chat(browser: Browser, site: Site) -> Iterator[Tab]:
    """One patient's tab, shared by the conversation tests below (in file order)."""
    tab = new_tab(browser, f"{site.url}/")
    yield tab
    tab.page.context.close()


def test_first_open_shows_the_notice_and_topic_buttons(chat: Tab) -> None:
    page = chat.page
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_be_visible()
    expect(bot(page, NOTICE)).to_be_visible()
    expect(
        page.get_by_role("group", name="Suggested replies").get_by_role(
            "button", name="Does it hurt?"
        )
    ).to_be_visible()
    assert count(page, ".msg.user") == 0  # the /greet that started it is not shown
    log = page.locator("clinic-chat [role=log]")
    expect(log).to_have_attribute("aria-live", "polite")


def test_an_over_long_message_is_explained_and_kept_not_cut(chat: Tab) -> None:
    page = chat.page
    box = page.get_by_label("Your question")
    long_text = "my question is " + "x" * MAX_CHARS
    box.fill(long_text)
    box.press("Enter")
    alert = page.locator("clinic-chat .too-long")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(f"{len(long_text)} characters")
    expect(alert).to_contain_text(f"{MAX_CHARS} or fewer")
    assert box.input_value() == long_text  # nothing lost, nothing sent
    assert count(page, ".msg.user") == 0
    box.fill("")
    expect(alert).to_be_hidden()


def test_a_question_gets_the_answer(chat: Tab) -> None:
    ask(chat.page, "does microneedling hurt?")
    expect(bot(chat.page, "numbing")).to_be_visible()


def test_a_quick_reply_sends_its_payload_and_shows_its_title(chat: Tab, site: Site) -> None:
    page = chat.page
    before = count(page, ".msg.bot")
    page.get_by_role("button", name="How much downtime?").click()
    expect(user(page, "How much downtime?")).to_be_visible()
    wait_for_more(page, ".msg.bot", before)
    expect(bot(page, "Downtime is usually short")).to_be_visible()
    expect(page.locator("clinic-chat .typing")).to_be_hidden()
    assert user_texts(site, session_id(page))[-1] == "/ask_downtime"
    page.mouse.move(10, 10)  # no hover effect in the picture
    page.screenshot(path=ARTIFACTS / "webchat-desktop.png")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):  # the README's picture, refreshed on request
        shutil.copyfile(ARTIFACTS / "webchat-desktop.png", DOCS_SCREENSHOT)


CONTRAST = """(selectors) => {
  const root = document.querySelector('clinic-chat').shadowRoot;
  const parse = (c) => {
    const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {rgb: p.slice(0, 3), alpha: p.length > 3 ? p[3] : 1};
  };
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (let n = el; n;
         n = n.parentElement || (n.getRootNode() !== document && n.getRootNode().host)) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.alpha > 0.99) return c.rgb;
    }
    return [255, 255, 255];
  };
  const out = {};
  for (const [selector, pseudo] of selectors) {
    const el = root.querySelector(selector);
    const [a, b] = [lum(parse(getComputedStyle(el, pseudo).color).rgb), lum(background(el))]
      .sort((x, y) => y - x);
    out[selector + (pseudo || '')] = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
  }
  return out;
}"""


def test_text_contrast_is_wcag_aa(chat: Tab) -> None:
    if count(chat.page, ".msg.user") == 0:  # run alone: a patient message to measure
        ask(chat.page, "does microneedling hurt?")
    selectors = [
        [".bot .bubble", None],
        [".user .bubble", None],
        [".replies button", None],
        ["h2", None],
        [".subtitle", None],
        [".close", None],
        ["input", None],
        ["input", "::placeholder"],
        [".send", None],
        [".launcher", None],
        [".notice", None],
    ]
    ratios = chat.page.evaluate(CONTRAST, selectors)
    assert len(ratios) == len(selectors)
    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios


def test_reload_restores_the_conversation(chat: Tab, site: Site) -> None:
    page = chat.page
    messages = page.locator("clinic-chat .msg").all_inner_texts()
    sender = session_id(page)
    page.reload()
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_be_visible()
    expect(page.locator("clinic-chat .msg")).to_have_count(len(messages))
    assert page.locator("clinic-chat .msg").all_inner_texts() == messages
    assert conversation(session_id(page)) == conversation(sender)
    assert stored(page)["local"] == 0  # nothing in localStorage
    ask(page, "how many sessions will I need?")
    expect(bot(page, "three to five")).to_be_visible()
    # the same conversation on the server, not a new one
    texts = user_texts(site, sender)
    assert texts[:1] == ["/greet"] and "does microneedling hurt?" in texts
    assert texts[-1] == "how many sessions will I need?"


def test_another_page_of_the_site_continues_the_conversation(chat: Tab, site: Site) -> None:
    page = chat.page
    sender = session_id(page)
    messages = count(page, ".msg")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Microneedling").click()
    expect(page).to_have_url(f"{site.url}/services.html")
    expect(bot(page, "numbing")).to_be_visible()
    assert count(page, ".msg") == messages
    question = "can I book an appointment?"
    ask(page, question)
    # the booking URL in this answer is a link (an earlier reply may hold one too)
    booking = page.locator("clinic-chat .msg.bot").last.locator(f"a[href='{CLINIC.booking_url}']")
    expect(booking).to_be_visible()
    expect(booking).to_have_attribute("target", "_blank")
    expect(booking).to_have_attribute("rel", "noopener noreferrer")
    assert conversation(session_id(page)) == conversation(sender)
    assert last_user_text(site, sender, question) == question


def test_html_from_the_patient_is_shown_as_text(chat: Tab) -> None:
    page = chat.page
    ask(page, XSS)
    bubble = page.locator("clinic-chat .msg.user .bubble").last
    expect(bubble).to_contain_text(XSS)
    assert count(page, "img") == 0 and count(page, "[onerror]") == 0
    assert chat.dialogs == []
    assert chat.errors == [], chat.errors  # no CSP violations, no script errors
