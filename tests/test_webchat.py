"""The website chat widget (webchat/) in a real browser, against the real servers.

The action server, the Rasa server (socket.io channel) and webchat/serve.py run
as `make run` starts them, on free ports, with their own SQLite file; the
browser is Debian's Chromium driven by Playwright, with the site's strict CSP
in force. Conversations are checked in the page and in Rasa's tracker store.
"""

from __future__ import annotations

import http.client
import http.server
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from channels.web_sessions import SessionTokens
from clinic.config import load_clinic
from tests.browser import ARTIFACTS, Tab, chromium, watched
from tests.servers import (
    ROOT,
    Servers,
    free_port,
    restart_rasa,
    start_servers,
    stop,
    wait_until_up,
)

DOCS_SCREENSHOT = ROOT / "docs" / "webchat.png"
CLINIC = load_clinic()
LAUNCHER = f"Open chat with {CLINIC.name}"
NOTICE = "not personal medical advice"
OFFLINE = f"Can't connect right now. Please call {CLINIC.name} at {CLINIC.phone}."
XSS = "<img src=x onerror=alert(1)>"
MAX_CHARS = 1500  # not the default, to see it reach the widget
SESSION_SECRET = secrets.token_hex(32)
IDLE_SECONDS = 3600  # domain.yml session_expiration_time

expect.set_options(timeout=30_000)  # a 2-core machine answering while it trains


@dataclass
class Site:
    """The demo website with the widget, and the assistant behind it."""

    url: str
    servers: Servers
    embed_port: int  # another origin allowed to embed the widget (a clinic's own site)


@pytest.fixture(scope="module")
def site(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("webchat")
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    embed_port = free_port()
    servers, _ = start_servers(
        model_path, workdir, WEBCHAT_PORT=str(web_port),
        WEBCHAT_ALLOWED_ORIGINS=f"{origin},http://127.0.0.1:{embed_port}",
        MAX_MESSAGE_CHARS=str(MAX_CHARS), WEBCHAT_SESSION_SECRET=SESSION_SECRET,
    )
    log = workdir / "webchat.log"
    web = subprocess.Popen(
        [sys.executable, "webchat/serve.py"],
        cwd=ROOT, env={**servers.env, "RASA_PUBLIC_URL": servers.rasa_url},
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"{origin}/healthz", web, log, timeout=30)
        yield Site(origin, servers, embed_port)
    finally:
        stop(web)
        for proc in reversed(servers.procs):  # restart_rasa replaces the Rasa process in it
            stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def new_tab(browser: Browser, url: str, width: int = 1280, height: int = 800) -> Tab:
    """A fresh patient (own cookies and sessionStorage) on `url`."""
    tab = watched(browser.new_context(viewport={"width": width, "height": height}).new_page())
    tab.page.goto(url)
    return tab


@pytest.fixture
def open_tab(browser: Browser, site: Site) -> Iterator[Callable[..., Tab]]:
    """Opens tabs of the site for one test, and closes them after it."""
    tabs: List[Tab] = []

    def make(path: str = "/", width: int = 1280, height: int = 800) -> Tab:
        tabs.append(new_tab(browser, f"{site.url}{path}", width, height))
        return tabs[-1]

    yield make
    for tab in tabs:
        tab.page.context.close()


@pytest.fixture(scope="module")
def chat(browser: Browser, site: Site) -> Iterator[Tab]:
    """One patient's tab, shared by the conversation tests below (in file order)."""
    tab = new_tab(browser, f"{site.url}/")
    yield tab
    tab.page.context.close()


# ---- helpers -------------------------------------------------------------------------------

def bot(page: Page, text: str):
    return page.locator("clinic-chat .msg.bot").filter(has_text=text)


def user(page: Page, text: str):
    return page.locator("clinic-chat .msg.user").filter(has_text=text)


def count(page: Page, selector: str) -> int:
    return page.evaluate(
        "s => document.querySelector('clinic-chat').shadowRoot.querySelectorAll(s).length", selector
    )


def wait_for_more(page: Page, selector: str, before: int) -> None:
    page.wait_for_function(
        "([s, n]) => document.querySelector('clinic-chat').shadowRoot.querySelectorAll(s).length > n",
        arg=[selector, before], timeout=30_000,
    )


def ask(page: Page, text: str) -> None:
    """Types a message and waits for the bot's answer to it."""
    before = count(page, ".msg.bot")
    field_ = page.get_by_label("Your question")
    field_.fill(text)
    field_.press("Enter")
    expect(user(page, text).last).to_be_visible()
    wait_for_more(page, ".msg.bot", before)


def stored(page: Page) -> dict:
    return page.evaluate(
        """() => ({session: Object.keys(sessionStorage).filter(k => k.startsWith('clinic-chat:'))
                     .map(k => JSON.parse(sessionStorage.getItem(k))),
                   local: localStorage.length})"""
    )


def session_id(page: Page) -> str:
    """The session token the widget keeps."""
    states = stored(page)["session"]
    assert len(states) == 1, states
    return states[0]["sessionId"]


def tokens(seconds_ago: float = 0) -> SessionTokens:
    return SessionTokens(SESSION_SECRET.encode(), IDLE_SECONDS, clock=lambda: time.time() - seconds_ago)


def conversation(token: str) -> str:
    """The conversation a session token resumes (the id Rasa stores it under)."""
    found = tokens().conversation(token)
    assert found, token
    return found


def user_texts(site: Site, token_or_id: str) -> List[str]:
    sender = tokens().conversation(token_or_id) or token_or_id
    return [e["text"] for e in site.servers.events(sender) if e["event"] == "user"]


def focused(page: Page) -> str:
    """What has the keyboard focus: a description of the element inside the widget."""
    return page.evaluate(
        """() => {
          const host = document.activeElement;
          if (!host || host.tagName !== 'CLINIC-CHAT') return 'page:' + (host && host.tagName);
          const el = host.shadowRoot.activeElement;
          if (!el) return 'widget';
          return el.className || el.id || el.tagName;
        }"""
    )


# ---- the website server ----------------------------------------------------------------------

def raw_get(url: str, path: str) -> int:
    """Status of a request for exactly `path` (no client-side normalisation of `..`)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_site_server_headers_config_and_404s(site: Site) -> None:
    rasa_hostport = site.servers.rasa_url.removeprefix("http://")
    page = requests.get(f"{site.url}/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<script type="module" src="/webchat/clinic-chat.js"></script>' in page.text
    assert '<clinic-chat config="/webchat/config.json"></clinic-chat>' in page.text
    for path in ["/", "/services.html", "/webchat/clinic-chat.js", "/webchat/config.json", "/nope"]:
        reply = requests.get(f"{site.url}{path}", timeout=10)
        csp = reply.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert f"connect-src 'self' http://{rasa_hostport} ws://{rasa_hostport}" in csp
        assert "script-src 'self';" in csp and "style-src 'self';" in csp
        sources = re.findall(r"(?:https?|wss?)://[^\s;]+", csp)
        assert set(sources) == {f"http://{rasa_hostport}", f"ws://{rasa_hostport}"}, csp
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "no-referrer"
    types = {
        "/webchat/clinic-chat.js": "text/javascript",
        "/webchat/vendor/socket.io.esm.min.js": "text/javascript",
        "/demo/logo.svg": "image/svg+xml",
        "/demo/site.css": "text/css",
        "/healthz": "text/plain",
    }
    for path, content_type in types.items():
        reply = requests.get(f"{site.url}{path}", timeout=10)
        assert reply.status_code == 200, path
        assert reply.headers["Content-Type"].split(";")[0] == content_type, path
    assert requests.get(f"{site.url}/healthz", timeout=10).text.strip() == "ok"

    config = requests.get(f"{site.url}/webchat/config.json", timeout=10).json()
    assert config == {
        "name": CLINIC.name,
        "phone": CLINIC.phone,
        "title": CLINIC.branding["title"],
        "primary_color": CLINIC.branding["primary_color"],
        "primary_text_color": CLINIC.branding["primary_text_color"],
        "logo": CLINIC.branding["logo"],
        "server": site.servers.rasa_url,
        "max_message_chars": MAX_CHARS,
    }

    for path in ["/../clinic.yml", "/demo/../../clinic.yml", "/webchat/../../clinic.yml",
                 "/webchat/%2e%2e/%2e%2e/clinic.yml", "/demo/..%2f..%2fclinic.yml",
                 "/webchat/", "/demo/", "/webchat/vendor/", "/serve.py", "/clinic.yml",
                 "/webchat/.built", "/nope", "/services.html/x"]:
        assert raw_get(site.url, path) == 404, path
    assert requests.post(f"{site.url}/", timeout=10).status_code == 405


def test_links_are_safe(open_tab) -> None:
    """The widget's text renderer: only http(s), tel and mailto links, everything else text."""
    tab = open_tab()
    result = tab.page.evaluate(
        """async () => {
          const { appendRichText } = await import('/webchat/clinic-chat.js');
          const render = (text) => {
            const div = document.createElement('div');
            appendRichText(div, text);
            return {text: div.textContent, html: div.innerHTML,
                    links: [...div.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.target, a.rel])};
          };
          return [
            render('Book at [our page](https://example.org/book) or https://example.org/x.'),
            render('[call](tel:5550100) [mail](mailto:a@example.org)'),
            render('[click](javascript:alert(1)) and javascript:alert(1) [x](data:text/html,hi)'),
            render('<b>bold</b> & <img src=x onerror=alert(1)>'),
          ];
        }"""
    )
    booked, contact, scripts, html = result
    assert booked["links"] == [
        ["https://example.org/book", "_blank", "noopener noreferrer"],
        ["https://example.org/x", "_blank", "noopener noreferrer"],
    ]
    assert booked["text"].startswith("Book at our page") and booked["text"].endswith(".")
    assert [link[0] for link in contact["links"]] == ["tel:5550100", "mailto:a@example.org"]
    assert all(link[2] == "noopener noreferrer" for link in contact["links"])
    assert scripts["links"] == [] and "[click](javascript:alert(1))" in scripts["text"]
    assert html["links"] == [] and html["text"] == "<b>bold</b> & <img src=x onerror=alert(1)>"
    assert "<b>" not in html["html"] and "<img" not in html["html"]


# ---- a conversation (the `chat` tab, in file order) --------------------------------------------

def test_first_open_shows_the_notice_and_topic_buttons(chat: Tab) -> None:
    page = chat.page
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_be_visible()
    expect(bot(page, NOTICE)).to_be_visible()
    expect(page.get_by_role("group", name="Suggested replies").get_by_role("button", name="Does it hurt?")).to_be_visible()
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
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement || (n.getRootNode() !== document && n.getRootNode().host)) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.alpha > 0.99) return c.rgb;
    }
    return [255, 255, 255];
  };
  const out = {};
  for (const [selector, pseudo] of selectors) {
    const el = root.querySelector(selector);
    const [a, b] = [lum(parse(getComputedStyle(el, pseudo).color).rgb), lum(background(el))].sort((x, y) => y - x);
    out[selector + (pseudo || '')] = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
  }
  return out;
}"""


def test_text_contrast_is_wcag_aa(chat: Tab) -> None:
    if count(chat.page, ".msg.user") == 0:  # run alone: a patient message to measure
        ask(chat.page, "does microneedling hurt?")
    selectors = [[".bot .bubble", None], [".user .bubble", None], [".replies button", None],
                 ["h2", None], [".subtitle", None], [".close", None], ["input", None],
                 ["input", "::placeholder"], [".send", None], [".launcher", None], [".notice", None]]
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
    booking = page.locator(f"clinic-chat .msg.bot a[href='{CLINIC.booking_url}']")
    expect(booking).to_be_visible()  # the booking URL in the answer is a link
    expect(booking).to_have_attribute("target", "_blank")
    expect(booking).to_have_attribute("rel", "noopener noreferrer")
    assert conversation(session_id(page)) == conversation(sender)
    assert user_texts(site, sender)[-1] == question


def test_html_from_the_patient_is_shown_as_text(chat: Tab) -> None:
    page = chat.page
    ask(page, XSS)
    bubble = page.locator("clinic-chat .msg.user .bubble").last
    expect(bubble).to_contain_text(XSS)
    assert count(page, "img") == 0 and count(page, "[onerror]") == 0
    assert chat.dialogs == []
    assert chat.errors == [], chat.errors  # no CSP violations, no script errors


# ---- other patients --------------------------------------------------------------------------

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
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_have_attribute("aria-modal", "true")
    outside = "() => { const a = document.activeElement; return a && a !== document.body && a.tagName !== 'CLINIC-CHAT'; }"
    for _ in range(15):
        page.keyboard.press("Tab")
        assert not page.evaluate(outside), page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
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


def put_session_token(page: Page, token: str) -> None:
    """Replaces the token the widget keeps, as an hour passing (or a stolen one) would."""
    page.evaluate(
        """(token) => { for (const key of Object.keys(sessionStorage).filter(k => k.startsWith('clinic-chat:'))) {
             const state = JSON.parse(sessionStorage.getItem(key));
             state.sessionId = token;
             sessionStorage.setItem(key, JSON.stringify(state)); } }""",
        token,
    )


def test_an_expired_session_starts_a_fresh_conversation_without_an_error(open_tab, site: Site) -> None:
    tab = open_tab()
    page = tab.page
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "does microneedling hurt?")
    expect(bot(page, "numbing")).to_be_visible()
    old = conversation(session_id(page))
    put_session_token(page, tokens(seconds_ago=IDLE_SECONDS + 60).token(old))  # idle for 61 minutes
    page.reload()
    # the old conversation is not shown; a new one starts with the notice and the topics
    expect(bot(page, NOTICE)).to_be_visible()
    expect(page.get_by_role("button", name="Does it hurt?")).to_be_visible()
    expect(page.locator("clinic-chat .msg.user")).to_have_count(0)
    expect(bot(page, "numbing")).to_have_count(0)
    expect(page.locator("clinic-chat .notice")).to_be_hidden()  # no "can't connect"
    fresh = conversation(session_id(page))
    assert fresh != old
    ask(page, "how many sessions will I need?")
    expect(bot(page, "three to five")).to_be_visible()
    assert user_texts(site, fresh) == ["/greet", "how many sessions will I need?"]
    assert user_texts(site, old) == ["/greet", "does microneedling hurt?"]
    assert tab.errors == [] and tab.dialogs == []
    assert not any("lost its session" in text for text in page.locator("clinic-chat .msg").all_inner_texts())


def test_a_session_idle_for_less_than_an_hour_resumes_and_is_renewed(open_tab, site: Site) -> None:
    tab = open_tab()
    page = tab.page
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "does microneedling hurt?")
    expect(bot(page, "numbing")).to_be_visible()
    id_ = conversation(session_id(page))
    nearly_idle = tokens(seconds_ago=IDLE_SECONDS - 120).token(id_)  # 58 minutes
    put_session_token(page, nearly_idle)
    page.reload()
    expect(bot(page, "numbing")).to_be_visible()  # the same conversation, still shown
    ask(page, "how many sessions will I need?")
    assert user_texts(site, id_)[-1] == "how many sessions will I need?"
    # the widget keeps the token the turn renewed, good for another hour
    page.wait_for_function(
        """(old) => Object.keys(sessionStorage).filter(k => k.startsWith('clinic-chat:'))
                     .some(k => JSON.parse(sessionStorage.getItem(k)).sessionId !== old)""",
        arg=nearly_idle,
    )
    renewed = session_id(page)
    assert SessionTokens(SESSION_SECRET.encode(), 300).conversation(renewed) == id_  # signed in the last 5 minutes
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
    expect(notice.get_by_role("link", name=CLINIC.phone)).to_have_attribute("href", re.compile(r"^tel:"))
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


# ---- embedding on a clinic's own site, and the socket's own safeguards ----------------------

@pytest.fixture(scope="module")
def clinic_site(site: Site) -> Iterator[str]:
    """A page on another origin with the README's two embed lines, as a clinic's site would be."""
    page = (
        f'<!doctype html><html lang="en"><head><title>Our clinic</title></head><body><h1>Our clinic</h1>'
        f'<script type="module" src="{site.url}/webchat/clinic-chat.js"></script>'
        f'<clinic-chat config="{site.url}/webchat/config.json"></clinic-chat></body></html>'
    ).encode()
    flaky_page = (
        f'<!doctype html><html lang="en"><head><title>Flaky</title></head><body>'
        f'<script type="module" src="{site.url}/webchat/clinic-chat.js"></script>'
        f'<clinic-chat config="/flaky/config.json"></clinic-chat></body></html>'
    ).encode()
    flaky = {"failures": 2}  # /flaky/config.json answers 503 twice, then the real config

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/flaky/config.json":
                return self.flaky_config()
            body = flaky_page if self.path == "/flaky" else page
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def flaky_config(self) -> None:
            if flaky["failures"]:
                flaky["failures"] -= 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = requests.get(f"{site.url}/webchat/config.json", timeout=10).content
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", site.embed_port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.embed_port}/"
    server.shutdown()


def test_the_two_embed_lines_work_on_another_allowed_origin(browser: Browser, site: Site, clinic_site: str) -> None:
    tab = new_tab(browser, clinic_site)
    page = tab.page
    page.get_by_role("button", name=LAUNCHER).click()
    expect(bot(page, NOTICE)).to_be_visible()
    ask(page, "does microneedling hurt?")
    expect(bot(page, "numbing")).to_be_visible()
    assert tab.errors == []
    tab.page.context.close()
    allowed = requests.get(f"{site.url}/webchat/config.json", headers={"Origin": clinic_site.rstrip("/")}, timeout=10)
    assert allowed.headers["Access-Control-Allow-Origin"] == clinic_site.rstrip("/")
    other = requests.get(f"{site.url}/webchat/clinic-chat.js", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers


SOCKET_PROBE = """async ([server, requested, other]) => {
  const { io } = await import('/webchat/vendor/socket.io.esm.min.js');
  const socket = io(server, { transports: ['websocket'] });
  const said = [];
  socket.on('bot_uttered', (message) => said.push(message.text));
  const until = (test) => new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => test() ? resolve() : Date.now() - started > 20000 ? reject(new Error(said.join('|'))) : setTimeout(poll, 50);
    poll();
  });
  const confirmed = new Promise((resolve) => socket.once('session_confirm', resolve));
  socket.emit('session_request', { session_id: requested });
  const id = await confirmed;
  socket.emit('user_uttered', { message: 'does it hurt?', session_id: other });
  await until(() => said.length === 1);
  const refused = said[0];
  socket.emit('user_uttered', { message: 'does it hurt?', session_id: id });
  await until(() => said.some((text) => text.includes('numb')));
  socket.close();
  return { id, refused, answered: said.slice(1) };
}"""


def test_the_socket_issues_its_own_session_ids_and_keeps_each_socket_to_its_own(open_tab, site: Site) -> None:
    page = open_tab().page
    made_up = "0" * 64
    probe = page.evaluate(SOCKET_PROBE, [site.servers.rasa_url, made_up, "f" * 64])
    assert probe["id"] != made_up and re.fullmatch(r"web-[0-9a-f]{32}", conversation(probe["id"]))
    assert "lost its session" in probe["refused"]
    assert any("numbing" in text for text in probe["answered"])
    # a token the server issued is honoured again (a reload), and the turns were stored
    # under the conversation id: the token itself, the credential, is stored nowhere
    again = page.evaluate(SOCKET_PROBE, [site.servers.rasa_url, probe["id"], made_up])
    assert again["id"] == probe["id"]
    assert user_texts(site, conversation(probe["id"])) == ["does it hurt?", "does it hurt?"]
    assert site.servers.events(probe["id"]) == []
    assert user_texts(site, made_up) == [] and user_texts(site, "f" * 64) == []


def test_a_config_that_fails_at_first_is_retried(browser: Browser, clinic_site: str) -> None:
    tab = new_tab(browser, clinic_site + "flaky")
    # the clinic's name (hence its phone) comes from the config the third request got
    expect(tab.page.get_by_role("button", name=LAUNCHER)).to_be_visible(timeout=20_000)
    tab.page.context.close()


# ---- the element's lifecycle: attributes, events for the host page, teardown ---------------

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
    page.evaluate("([n, v]) => document.querySelector('clinic-chat').setAttribute(n, v)", [name, value])


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
    set_attribute(page, "config", "/webchat/config.json")  # the clinic's config wins over name= and title=
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
      window.seen.push([event.type, event.bubbles, event.composed, event.cancelable, event.target.tagName]);
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
    page.evaluate("() => { window.widget = document.querySelector('clinic-chat'); window.widget.remove(); }")
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
    expect(page.get_by_role("dialog", name=CLINIC.branding["title"])).to_have_attribute("aria-modal", "true")
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
