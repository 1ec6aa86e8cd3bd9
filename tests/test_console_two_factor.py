"""Two-step sign-in on the staff console: over HTTP against the real server,
and once in Chromium from the password to the list.

Codes are computed in the test from the key the setup page shows (pyotp), as
an authenticator app computes them. The console runs as `make run` starts it
(no proxy setting), over a tracker store holding one conversation.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List

import pytest
import requests
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, chromium, watched
from tests.console_support import (
    PASSWORD,
    RECOVERY_CODE,
    Console,
    authenticator_key,
    csrf_token,
    fresh_code,
    send_code,
    sign_in,
    sqlite_rows,
    start_console,
    status,
    tracker_with_one_conversation,
)

# One account per test: each authenticator takes two codes at once, then one per 30 s step.
USERS = {"admin": "admin", "new-admin": "admin", "code-admin": "admin", "next-admin": "admin",
         "race-admin": "admin", "lost-phone-admin": "admin", "odd-input-admin": "admin",
         "browser-admin": "admin", "nurse": "staff", "promoted-nurse": "staff"}
CLOSED = ("/conversations/", "/followups/", "/users/", "/audit/", "/account/two-step", "/password")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    workdir = tmp_path_factory.mktemp("console-two-step")
    running = start_console(workdir, tracker_with_one_conversation(workdir), USERS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin(console: Console) -> requests.Session:
    return console.sign_in("admin")


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def assert_closed(session: requests.Session, console: Console) -> None:
    """Nothing but the sign-in steps is open to this session."""
    for path in CLOSED:
        reply = session.get(console.url + path, allow_redirects=False, timeout=10)
        assert reply.status_code == 302 and reply.headers["Location"].startswith("/login?next="), (
            path
        )
    assert session.get(f"{console.url}/api/conversations", timeout=10).status_code == 401


def audit_details(console: Console, action: str, actor: str) -> List[tuple]:
    return sqlite_rows(
        console.database,
        "SELECT detail, count FROM review_auditentry WHERE action = ? AND actor = ?",
        (action, actor),
    )


def test_an_admin_sets_up_two_step_sign_in_before_anything_else(console: Console) -> None:
    session, reply = sign_in(console.url, "new-admin")
    assert reply.status_code == 302 and reply.headers["Location"] == "/login/two-step"
    assert_closed(session, console)
    page = session.get(f"{console.url}/login/two-step", timeout=10)
    assert page.status_code == 200 and '<img class="qr" src="/login/two-step/qr.svg"' in page.text
    key = authenticator_key(page.text)
    qr = session.get(f"{console.url}/login/two-step/qr.svg", timeout=10)
    assert (
        qr.headers["Content-Type"] == "image/svg+xml"
        and qr.text.startswith("<svg")
        and "<path" in qr.text
    )
    assert (
        authenticator_key(session.get(f"{console.url}/login/two-step", timeout=10).text) == key
    )  # one key
    # a wrong code opens nothing, and the next try must wait a second (django-otp's back-off)
    code = fresh_code(key)
    assert send_code(session, f"{console.url}/login/two-step", wrong(code)).status_code == 400
    assert_closed(session, console)
    waiting = send_code(session, f"{console.url}/login/two-step", code)
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
    time.sleep(1.1)
    done = send_code(session, f"{console.url}/login/two-step", code)
    assert done.status_code == 200 and 'href="/conversations/">Continue' in done.text
    codes = RECOVERY_CODE.findall(done.text)
    assert len(set(codes)) == 10
    for path in ("/conversations/", "/users/", "/audit/"):
        assert (
            session.get(console.url + path, allow_redirects=False, timeout=10).status_code == 200
        ), path
    # the recovery codes were shown once
    state = session.get(f"{console.url}/account/two-step", timeout=10).text
    assert "10 recovery codes left" in state and not any(c in state for c in codes)
    assert [detail for detail, _ in audit_details(console, "login", "new-admin")] == [
        '{"second_factor": "authenticator"}'
    ]
    assert len(audit_details(console, "two_factor_enabled", "new-admin")) == 1


def test_sign_in_asks_for_the_code_after_the_password(console: Console) -> None:
    console.sign_in("code-admin")  # sets up the authenticator
    key = console.secrets["code-admin"]
    session, reply = sign_in(console.url, "code-admin")
    assert reply.headers["Location"] == "/login/code"
    assert_closed(session, console)
    assert send_code(session, f"{console.url}/login/code", " ").status_code == 400  # no code at all
    ahead = fresh_code(key, ahead=1)  # from a phone whose clock is 30 s fast: accepted
    assert send_code(session, f"{console.url}/login/code", wrong(ahead)).status_code == 401
    assert_closed(session, console)
    refused = send_code(
        session, f"{console.url}/login/code", ahead
    )  # right, but too soon after a wrong one
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert "Too many wrong codes. Try again in 1 second." in refused.text
    time.sleep(1.1)
    signed_in = send_code(session, f"{console.url}/login/code", ahead)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/conversations/"
    assert (
        session.get(f"{console.url}/conversations/", allow_redirects=False, timeout=10).status_code
        == 200
    )
    # a code is taken once
    again, _ = sign_in(console.url, "code-admin")
    assert send_code(again, f"{console.url}/login/code", ahead).status_code == 401
    assert_closed(again, console)
    assert audit_details(console, "login_code_failed", "code-admin") == [
        ("{}", 2)
    ]  # one entry, counted


def test_sign_in_ends_on_the_page_asked_for_after_a_wrong_password_and_the_code(
    console: Console,
) -> None:
    console.sign_in("next-admin")  # sets up the authenticator
    session = requests.Session()
    asked = session.get(f"{console.url}/followups/", timeout=10)  # -> /login?next=/followups/
    token = csrf_token(session, asked.url)
    form = {"csrfmiddlewaretoken": token, "username": "next-admin", "next": "/followups/"}
    failed = session.post(f"{console.url}/login", data={**form, "password": "wrong"}, timeout=10)
    assert failed.status_code == 401 and 'name="next" value="/followups/"' in failed.text
    reply = session.post(
        f"{console.url}/login",
        data={**form, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert reply.headers["Location"] == "/login/code"
    signed_in = send_code(
        session, f"{console.url}/login/code", fresh_code(console.secrets["next-admin"])
    )
    assert signed_in.headers["Location"] == "/followups/"


def test_one_code_sent_twice_at_once_signs_in_once(console: Console) -> None:
    console.sign_in("race-admin")  # sets up the authenticator
    sessions = [sign_in(console.url, "race-admin")[0] for _ in range(4)]
    tokens = [csrf_token(s, f"{console.url}/login/code") for s in sessions]
    code = fresh_code(console.secrets["race-admin"])

    def send(n: int) -> int:
        return (
            sessions[n]
            .post(
                f"{console.url}/login/code",
                data={"csrfmiddlewaretoken": tokens[n], "code": code},
                allow_redirects=False,
                timeout=60,
            )
            .status_code
        )

    with ThreadPoolExecutor(len(sessions)) as pool:
        statuses = sorted(pool.map(send, range(len(sessions))))
    assert statuses[0] == 302 and 302 not in statuses[1:], statuses


def test_staff_may_turn_it_on_and_recovery_codes_work_once(console: Console) -> None:
    session, reply = sign_in(console.url, "nurse")
    assert reply.headers["Location"] == "/conversations/"  # staff need no second factor
    elsewhere, _ = sign_in(console.url, "nurse")  # a forgotten tab at reception
    key = authenticator_key(session.get(f"{console.url}/account/two-step", timeout=10).text)
    console.secrets["nurse"] = key
    done = send_code(session, f"{console.url}/account/two-step", fresh_code(key))
    codes = RECOVERY_CODE.findall(done.text)
    assert done.status_code == 200 and len(codes) == 10
    # this session goes on; the one without the second factor is signed out
    assert status(session, f"{console.url}/conversations/") == 200
    assert status(elsewhere, f"{console.url}/conversations/") == 302
    assert audit_details(console, "logout", "nurse") == [
        ('{"reason": "two-step sign-in required"}', 1)
    ]
    # a recovery code signs in once (typed in any case)
    later, reply = sign_in(console.url, "nurse")
    assert reply.headers["Location"] == "/login/code"
    assert (
        send_code(later, f"{console.url}/login/code", codes[0].upper()).headers["Location"]
        == "/conversations/"
    )
    assert (
        "You signed in with a recovery code: 9 left."
        in later.get(f"{console.url}/conversations/", timeout=10).text
    )
    assert audit_details(console, "login", "nurse")[-1] == ('{"second_factor": "recovery code"}', 1)
    again, _ = sign_in(console.url, "nurse")
    assert send_code(again, f"{console.url}/login/code", codes[0]).status_code == 401


def test_an_admin_promoted_while_signed_in_must_set_up_two_step_first(console: Console) -> None:
    session, reply = sign_in(console.url, "promoted-nurse")
    assert reply.headers["Location"] == "/conversations/"
    console.manage(
        "create_staff_user",
        "--username",
        "promoted-nurse",
        "--role",
        "admin",
        STAFF_PASSWORD=PASSWORD,
    )
    assert_closed(session, console)  # (make staff-user set the password again: that alone ends it)
    assert sign_in(console.url, "promoted-nurse")[1].headers["Location"] == "/login/two-step"


def test_an_admin_resets_a_colleagues_two_step_sign_in(
    console: Console, admin: requests.Session
) -> None:
    colleague = console.sign_in("lost-phone-admin")
    users_page = admin.get(f"{console.url}/users/", timeout=10).text
    row = re.search(r"<td>lost-phone-admin</td>.*?</tr>", users_page, re.S).group(0)
    reset = re.search(r'action="(/users/\d+/two-step/reset)"', row).group(1)
    assert "<td>On</td>" in row
    own = users_page.split("<td>admin</td>")[1].split("</tr>")[0]
    assert "two-step/reset" not in own  # one's own is set up again from the account page
    nurse = console.sign_in("nurse")
    token = csrf_token(nurse, f"{console.url}/conversations/")
    assert (
        nurse.post(console.url + reset, data={"csrfmiddlewaretoken": token}, timeout=10).status_code
        == 403
    )

    done = admin.post(
        console.url + reset,
        data={"csrfmiddlewaretoken": csrf_token(admin, f"{console.url}/users/")},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code == 302 and done.headers["Location"] == "/users/"
    assert (
        "Two-step sign-in reset for lost-phone-admin"
        in admin.get(f"{console.url}/users/", timeout=10).text
    )
    assert_closed(colleague, console)  # their open session ends with their authenticator
    assert sign_in(console.url, "lost-phone-admin")[1].headers["Location"] == "/login/two-step"
    assert audit_details(console, "two_factor_reset", "admin") == [
        ('{"username": "lost-phone-admin"}', 1)
    ]


@pytest.mark.parametrize(
    "code", ["\x00" * 6, "9" * 10_000, "²³⁴⁵⁶⁷", "١٢٣٤٥٦", "<script>", "' OR 1=1 --"]
)
def test_odd_codes_get_a_clear_answer(console: Console, code: str) -> None:
    if "odd-input-admin" not in console.secrets:
        console.sign_in("odd-input-admin")
    session, _ = sign_in(console.url, "odd-input-admin")
    reply = send_code(session, f"{console.url}/login/code", code)
    assert reply.status_code in (400, 401, 429), reply.status_code
    assert "<script>" not in reply.text
    assert_closed(session, console)


def test_forwarded_for_is_ignored_without_the_proxy_setting(console: Console) -> None:
    """Without CONSOLE_BEHIND_HTTPS_PROXY the throttle counts the socket's address."""
    reply = sign_in(
        console.url, "promoted-nurse", "a wrong password", {"X-Forwarded-For": "203.0.113.7"}
    )[1]
    assert reply.status_code == 401
    addresses = sqlite_rows(console.database, "SELECT DISTINCT ip FROM review_loginattempt")
    assert ("127.0.0.1",) in addresses and ("203.0.113.7",) not in addresses


def test_in_a_browser_password_then_code_then_the_list(console: Console) -> None:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = watched(context.new_page())
        page = tab.page

        def password() -> None:
            page.goto(f"{console.url}/conversations/")
            page.get_by_label("Username").fill("browser-admin")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()

        password()  # the first time: set up the authenticator
        expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
        expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        # the SVG loads (an image the CSP refused would be complete with no width)
        page.wait_for_function(
            "() => document.querySelector('img.qr').naturalWidth > 100", timeout=10_000
        )
        key = page.locator("code.secret").inner_text().replace(" ", "")
        page.get_by_label("Code").fill(fresh_code(key))
        page.screenshot(path=ARTIFACTS / "console-two-step-setup.png", full_page=True)
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        expect(page.locator(".recovery-codes li")).to_have_count(10)
        page.get_by_role("link", name="Continue").click()
        expect(page).to_have_url(f"{console.url}/conversations/")
        page.locator("details.account summary").click()  # the account's menu
        page.get_by_role("button", name="Sign out").click()

        password()  # then: the code
        expect(page).to_have_url(f"{console.url}/login/code")
        page.get_by_label("Code").fill(fresh_code(key))
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{console.url}/conversations/")
        expect(page.locator(f'tr[data-conversation="{console.label("console-test-conversation")}"]')).to_be_visible()
        page.screenshot(path=ARTIFACTS / "console-two-step-signed-in.png", full_page=True)
        assert tab.dialogs == [] and tab.errors == []
        context.close()
