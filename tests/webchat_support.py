"""The website chat widget (webchat/) in a real browser, against the real servers:
what the test_webchat_*.py files share; conftest.py makes the `site`, `browser`
and `open_tab` fixtures of it.

The action server, the Rasa server (socket.io channel) and webchat/serve.py run
as `make run` starts them, on free ports, with their own SQLite file; the
browser is Debian's Chromium driven by Playwright, with the site's strict CSP
in force. Conversations are checked in the page and in Rasa's tracker store.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

from playwright.sync_api import Browser, Page, expect

from channels.web_sessions import SessionTokens
from clinic.config import load_clinic
from tests.browser import Tab, watched
from tests.servers import ROOT, Servers, free_port, start_servers, stop, wait_until_up

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


@contextlib.contextmanager
def running_site(model_path: Path, workdir: Path) -> Iterator[Site]:
    """The demo site and the assistant, started as `make run` starts them, until the block ends."""
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


def new_tab(browser: Browser, url: str, width: int = 1280, height: int = 800) -> Tab:
    """A fresh patient (own cookies and sessionStorage) on `url`."""
    tab = watched(browser.new_context(viewport={"width": width, "height": height}).new_page())
    tab.page.goto(url)
    return tab


def bot(page: Page, text: str):
    return page.locator("clinic-chat .msg.bot").filter(has_text=text)


def user(page: Page, text: str):
    return page.locator("clinic-chat .msg.user").filter(has_text=text)


def count(page: Page, selector: str) -> int:
    return page.evaluate(
        "s => document.querySelector('clinic-chat').shadowRoot.querySelectorAll(s).length", selector
    )


def wait_for_more(page: Page, selector: str, before: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([s, n]) => document.querySelector('clinic-chat').shadowRoot"
        ".querySelectorAll(s).length > n",
        arg=[selector, before],
        timeout=timeout,
    )


def ask(page: Page, text: str, timeout: float = 30_000) -> None:
    """Types a message and waits for the bot's answer to it."""
    before = count(page, ".msg.bot")
    field_ = page.get_by_label("Your question")
    field_.fill(text)
    field_.press("Enter")
    expect(user(page, text).last).to_be_visible()
    wait_for_more(page, ".msg.bot", before, timeout)


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
    return SessionTokens(
        SESSION_SECRET.encode(), IDLE_SECONDS, clock=lambda: time.time() - seconds_ago
    )


def conversation(token: str) -> str:
    """The conversation a session token resumes (the id Rasa stores it under)."""
    found = tokens().conversation(token)
    assert found, token
    return found


def user_texts(site: Site, token_or_id: str) -> List[str]:
    sender = tokens().conversation(token_or_id) or token_or_id
    return [e["text"] for e in site.servers.events(sender) if e["event"] == "user"]


def last_user_text(site: Site, token_or_id: str, expected: str, timeout: float = 15.0) -> str:
    """The conversation's last stored patient message, once it is `expected` or
    the time is up: Rasa stores a turn after its replies are on the screen."""
    deadline = time.monotonic() + timeout
    while True:
        texts = user_texts(site, token_or_id)
        last = texts[-1] if texts else ""
        if last == expected or time.monotonic() > deadline:
            return last
        time.sleep(0.2)


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
