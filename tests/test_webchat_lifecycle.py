"""The <clinic-chat> element's lifecycle: attributes changed after load, the
open and close events for the host page, and teardown when it is removed.
The servers and helpers: tests/webchat_support.py and conftest.py."""

from __future__ import annotations

import time
from typing import Callable

from playwright.sync_api import Page, expect

from tests.webchat_support import CLINIC, LAUNCHER, NOTICE, Site, ask, bot


def replace_widget(page: Page, attributes: dict) -> None:
    """Removes the page's widget and adds one with `attributes`, as a host page's script would."""
    page.evaluate(
        """async (attributes) => {
          await customElements.whenDefined('clinic-chat');
          for (const old of document.querySelectorAll('clinic-chat')) old.remove();
          const widget = document.createElement('clinic-chat');
          for (const [name, value] of Object.entries(attributes)) widget.setAttribute(name, value);
          document.body.append(widget);
        }""",
        attributes,
    )


def set_attribute(page: Page, name: str, value: str) -> None:
    page.evaluate(
        "([n, v]) => document.querySelector('clinic-chat').setAttribute(n, v)", [name, value]
    )


def test_attributes_changed_after_load_take_effect(open_tab, site: Site) -> None:
    tab = open_tab()
    page = tab.page
    replace_widget(page, {"name": "Clinic A", "phone": "555 0100"})  # no config, no server
    expect(page.get_by_role("button", name="Open chat with Clinic A")).to_be_visible()
    set_attribute(page, "name", "Clinic B")
    page.get_by_role("button", name="Open chat with Clinic B").click()
    notice = page.locator("clinic-chat .notice")
    expect(notice).to_have_text("Can't connect right now. Please call Clinic B at 555 0100.")
    set_attribute(page, "title", "Ask Clinic B")
    expect(page.get_by_role("dialog", name="Ask Clinic B")).to_be_visible()
    set_attribute(page, "server", site.servers.rasa_url)  # now it can connect
    expect(bot(page, NOTICE)).to_be_visible()
    expect(notice).to_be_hidden()
    set_attribute(
        page, "config", "/webchat/config.json"
    )  # the clinic's config wins over name= and title=
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_be_visible()
    expect(page.locator("clinic-chat .subtitle")).to_have_text(CLINIC.name)
    ask(page, "does microneedling hurt?")
    expect(bot(page, "numbing")).to_be_visible()
    assert tab.errors == [], tab.errors


EVENTS = """() => {
  window.seen = [];
  window.refuse = false;
  for (const type of ['clinic-chat-open', 'clinic-chat-close']) {
    document.addEventListener(type, (event) => {
      window.seen.push([event.type, event.bubbles, event.composed, event.cancelable,
                        event.target.tagName]);
      if (window.refuse) event.preventDefault();
    });
  }
}"""


def test_the_host_page_hears_open_and_close_and_can_refuse_them(open_tab) -> None:
    tab = open_tab()
    page = tab.page
    sockets: list = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.evaluate(EVENTS)
    dialog = page.get_by_role("dialog", name=CLINIC.branding["title"])
    launcher = page.get_by_role("button", name=LAUNCHER)
    page.evaluate("window.refuse = true")
    launcher.click()
    assert page.evaluate("window.seen") == [["clinic-chat-open", True, True, True, "CLINIC-CHAT"]]
    page.wait_for_timeout(1000)
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_visible()
    assert sockets == []  # a panel that stayed closed greets nobody
    page.evaluate("window.refuse = false")
    launcher.click()
    expect(dialog).to_be_visible()
    expect(bot(page, NOTICE)).to_be_visible()
    page.evaluate("window.refuse = true")
    page.get_by_role("button", name="Close chat").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    page.evaluate("window.refuse = false")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    seen = page.evaluate("window.seen")
    assert [event[0] for event in seen] == ["clinic-chat-open"] * 2 + ["clinic-chat-close"] * 3
    assert all(event[1:] == [True, True, True, "CLINIC-CHAT"] for event in seen)
    assert tab.errors == [], tab.errors


def wait_for(test: Callable[[], bool], page: Page, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def test_a_removed_widget_closes_its_socket_and_added_back_resumes_with_one(open_tab) -> None:
    tab = open_tab()
    page = tab.page
    sockets: list = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.get_by_role("button", name=LAUNCHER).click()
    expect(bot(page, NOTICE)).to_be_visible()
    assert len(sockets) == 1
    page.evaluate(
        "() => { window.widget = document.querySelector('clinic-chat'); window.widget.remove(); }"
    )
    wait_for(sockets[0].is_closed, page)
    page.wait_for_timeout(3000)  # socket.io would have reconnected within 1-5 s
    assert len(sockets) == 1
    page.evaluate("() => document.body.append(window.widget)")
    wait_for(lambda: len(sockets) == 2, page)  # the panel was open: it reconnects at once
    expect(bot(page, NOTICE)).to_have_count(1)  # the conversation, restored once
    ask(page, "does microneedling hurt?")
    expect(bot(page, "numbing")).to_be_visible()
    assert len(sockets) == 2 and [s.is_closed() for s in sockets] == [True, False]
    assert tab.errors == [], tab.errors


def test_a_removed_widget_gives_the_page_back_on_a_phone(open_tab) -> None:
    page = open_tab("/", 375, 740).page
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_have_attribute(
        "aria-modal", "true"
    )
    assert page.evaluate("[...document.body.children].some(n => n.inert)")
    page.evaluate("document.querySelector('clinic-chat').remove()")
    assert page.evaluate("[...document.body.children].every(n => !n.inert)")


def test_a_removed_widget_stops_retrying_its_config(open_tab) -> None:
    page = open_tab().page
    asked: list = []

    def unavailable(route) -> None:
        asked.append(route.request.url)
        route.fulfill(status=503, body="")

    page.route("**/broken/config.json", unavailable)
    replace_widget(page, {"config": "/broken/config.json"})
    wait_for(lambda: len(asked) == 1, page)
    page.evaluate("document.querySelector('clinic-chat').remove()")
    page.wait_for_timeout(4000)  # retries after 1 s and 3 s
    assert len(asked) == 1
