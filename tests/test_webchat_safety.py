"""The website chat widget's safeguards: links and text rendered safely, session
tokens (an expired one starts afresh, a recent one resumes and is renewed), and
the socket's own session ids, each socket kept to its own conversation.
The servers and helpers: tests/webchat_support.py and conftest.py."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from channels.web_sessions import SessionTokens
from tests.webchat_support import (
    IDLE_SECONDS,
    LAUNCHER,
    NOTICE,
    SESSION_SECRET,
    Site,
    ask,
    bot,
    conversation,
    session_id,
    tokens,
    user_texts,
)


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
                    links: [...div.querySelectorAll('a')]
                      .map(a => [a.getAttribute('href'), a.target, a.rel])};
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


def put_session_token(page: Page, token: str) -> None:
    """Replaces the token the widget keeps, as an hour passing (or a stolen one) would."""
    page.evaluate(
        """(token) => { for (const key of Object.keys(sessionStorage)
                                 .filter(k => k.startsWith('clinic-chat:'))) {
             const state = JSON.parse(sessionStorage.getItem(key));
             state.sessionId = token;
             sessionStorage.setItem(key, JSON.stringify(state)); } }""",
        token,
    )


def test_an_expired_session_starts_a_fresh_conversation_without_an_error(
    open_tab, site: Site
) -> None:
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
    assert not any(
        "lost its session" in text for text in page.locator("clinic-chat .msg").all_inner_texts()
    )


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
    assert (
        SessionTokens(SESSION_SECRET.encode(), 300).conversation(renewed) == id_
    )  # signed in the last 5 minutes
    assert tab.errors == []


SOCKET_PROBE = """async ([server, requested, other]) => {
  const { io } = await import('/webchat/vendor/socket.io.esm.min.js');
  const socket = io(server, { transports: ['websocket'] });
  const said = [];
  socket.on('bot_uttered', (message) => said.push(message.text));
  const until = (test) => new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => test() ? resolve()
      : Date.now() - started > 20000 ? reject(new Error(said.join('|'))) : setTimeout(poll, 50);
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


def test_the_socket_issues_its_own_session_ids_and_keeps_each_socket_to_its_own(
    open_tab, site: Site
) -> None:
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
