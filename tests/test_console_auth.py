"""The staff console's access control, over HTTP against the real server.

The console (console/serve.py) runs on a free port with its own database in a
temp dir, reading the tracker store of the real assistant the session's
fixtures started. It runs as if behind a TLS proxy (CONSOLE_BEHIND_HTTPS_PROXY=1)
so the tests can say which client address and scheme a request came from.
"""

from __future__ import annotations

import re
import uuid
from typing import Iterator, List, Tuple

import pytest
import requests

from tests.console_support import (
    CONSOLE_DIR,
    PASSWORD,
    Console,
    csrf_token,
    django_in_process,
    sign_in,
    start_console,
)
from tests.servers import Servers

IP_LIMIT = 8
PUBLIC = {"login", "healthz"}
ADMIN_ONLY = [("GET", "users"), ("POST", "users"), ("GET", "audit"), ("POST", "export"),
              ("POST", "delete"), ("POST", "user_active"), ("GET", "user_password"), ("POST", "user_password")]
USERS = {"admin": "admin", "nurse": "staff", "locked-nurse": "staff", "sprayed-nurse": "staff",
         "renewing-nurse": "staff", "guessing-nurse": "staff", "forgetful-nurse": "staff"}
NEW_PASSWORD = "a-new-and-longer-passphrase"


@pytest.fixture(scope="module")
def console(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    servers.send(f"console-auth-{uuid.uuid4().hex[:8]}", "does microneedling hurt?")
    running = start_console(
        tmp_path_factory.mktemp("console-auth"), servers.tracker_db, USERS,
        CONSOLE_BEHIND_HTTPS_PROXY="1", CONSOLE_LOCKOUT_IP_FAILURES=str(IP_LIMIT),
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> List[Tuple[str, str, bool]]:
    """Every URL pattern of the console's URLconf: (name, example path, public)."""
    django_in_process(tmp_path_factory.mktemp("console-urlconf"))
    from django.urls import URLPattern, URLResolver, get_resolver

    found: List[Tuple[str, str, bool]] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: "x" if m.group(1) in ("str", "slug") else "1",
                              prefix + str(pattern.pattern))
                public = not getattr(pattern.callback, "login_required", True)
                found.append((pattern.name, "/" + path, public))

    walk(get_resolver().url_patterns, "")
    assert len(found) >= 15, found
    return found


def fresh_ip() -> str:
    """An address of our own, so tests do not share a per-address lock-out count."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def set_cookies(response: requests.Response) -> List[str]:
    return response.raw.headers.getlist("Set-Cookie")


def test_only_login_and_health_are_public(routes) -> None:
    assert {name for name, _, public in routes if public} == PUBLIC


def test_every_route_without_a_session_is_refused(console: Console, routes) -> None:
    for _, path, public in routes:
        if public:
            assert requests.get(console.url + path, timeout=10).status_code == 200, path
            continue
        for method in ("GET", "POST"):
            reply = requests.request(method, console.url + path, allow_redirects=False, timeout=10)
            if path.startswith("/api/"):
                assert reply.status_code == 401, (method, path, reply.status_code)
                assert reply.json() == {"error": "authentication required"}
            else:
                assert reply.status_code == 302, (method, path, reply.status_code)
                assert reply.headers["Location"].startswith("/login?next="), (method, path)


def test_every_post_without_the_csrf_token_is_refused(console: Console, routes) -> None:
    session, login = sign_in(console.url, "admin", headers={"X-Forwarded-For": fresh_ip()})
    assert login.status_code == 302
    for _, path, _ in routes:
        reply = session.post(console.url + path, data={"note": "x", "intent": "greet", "format": "csv"},
                             allow_redirects=False, timeout=10)
        assert reply.status_code == 403, (path, reply.status_code)
        assert "Request refused" in reply.text, path
    # with the token the same session can act (here: sign out)
    token = csrf_token(session, f"{console.url}/conversations/")
    reply = session.post(f"{console.url}/logout", data={"csrfmiddlewaretoken": token},
                         allow_redirects=False, timeout=10)
    assert reply.status_code == 302 and reply.headers["Location"] == "/login"
    assert session.get(f"{console.url}/conversations/", allow_redirects=False, timeout=10).status_code == 302


def test_a_signed_in_session_reaches_the_pages(console: Console) -> None:
    session, login = sign_in(console.url, "nurse", headers={"X-Forwarded-For": fresh_ip()})
    assert login.status_code == 302 and login.headers["Location"] == "/conversations/"
    for path in ("/conversations/", "/followups/", "/review/", "/insights/", "/api/conversations"):
        reply = session.get(console.url + path, timeout=30)
        assert reply.status_code == 200, path
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert reply.headers["X-Frame-Options"] == "DENY"


def test_lock_out_after_repeated_failures_refuses_even_the_right_password(console: Console) -> None:
    headers = {"X-Forwarded-For": fresh_ip()}
    statuses = [sign_in(console.url, "locked-nurse", "wrong password", headers)[1].status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    session, reply = sign_in(console.url, "locked-nurse", headers=headers)  # the right password
    assert reply.status_code == 429 and "Too many failed sign-ins" in reply.text
    assert not any(c.startswith("console_session=") for c in set_cookies(reply))
    assert session.get(f"{console.url}/conversations/", allow_redirects=False, timeout=10).status_code == 302
    # the lock is per username: the same address signs someone else in
    assert sign_in(console.url, "nurse", headers=headers)[1].status_code == 302
    # and it is audited
    admin, _ = sign_in(console.url, "admin", headers={"X-Forwarded-For": fresh_ip()})
    for action in ("login_failed", "lockout", "login_locked"):
        page = admin.get(f"{console.url}/audit/", params={"action": action}, timeout=10).text
        assert "locked-nurse" in page, action


def test_lock_out_per_client_address(console: Console) -> None:
    sprayer = {"X-Forwarded-For": fresh_ip()}
    for n in range(IP_LIMIT):
        assert sign_in(console.url, f"guess-{n}", "password123", sprayer)[1].status_code in (401, 429)
    assert sign_in(console.url, "sprayed-nurse", headers=sprayer)[1].status_code == 429
    assert sign_in(console.url, "sprayed-nurse", headers={"X-Forwarded-For": fresh_ip()})[1].status_code == 302


def test_session_cookie_flags(console: Console) -> None:
    _, plain = sign_in(console.url, "nurse", headers={"X-Forwarded-For": fresh_ip()})
    session_cookie = next(c for c in set_cookies(plain) if c.startswith("console_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain http
    # As a TLS proxy would forward it. (The form is fetched over plain http: a
    # Secure CSRF cookie would not be sent back by requests to an http URL.)
    session = requests.Session()
    token = csrf_token(session, f"{console.url}/login")
    host = console.url.removeprefix("http://")
    over_tls = session.post(
        f"{console.url}/login", allow_redirects=False, timeout=30,
        data={"csrfmiddlewaretoken": token, "username": "nurse", "password": PASSWORD},
        headers={"X-Forwarded-For": fresh_ip(), "X-Forwarded-Proto": "https",
                 "Referer": f"https://{host}/login"},  # Django's CSRF check wants one over HTTPS
    )
    assert over_tls.status_code == 302
    cookies = set_cookies(over_tls)
    session_cookie = next(c for c in cookies if c.startswith("console_session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    csrf_cookie = [c for c in cookies if c.startswith("console_csrftoken=")]
    assert all("Secure" in c and "HttpOnly" in c for c in csrf_cookie)


def change_password(session: requests.Session, console: Console, old: str, new: str, again: str = "") -> requests.Response:
    token = csrf_token(session, f"{console.url}/password")
    return session.post(f"{console.url}/password", allow_redirects=False, timeout=30, data={
        "csrfmiddlewaretoken": token, "old_password": old, "new_password1": new, "new_password2": again or new,
    })


def test_staff_change_their_own_password(console: Console) -> None:
    headers = {"X-Forwarded-For": fresh_ip()}
    session, _ = sign_in(console.url, "renewing-nurse", headers=headers)
    elsewhere, _ = sign_in(console.url, "renewing-nurse", headers=headers)  # e.g. a forgotten tab at reception
    page = session.get(f"{console.url}/password", timeout=30).text
    assert "Old password" in page and "New password" in page and 'href="/password"' in page
    # a mismatch or a weak new password changes nothing
    assert change_password(session, console, PASSWORD, NEW_PASSWORD, "something-else-entirely").status_code == 400
    short = change_password(session, console, PASSWORD, "short")
    assert short.status_code == 400 and "too short" in short.text
    assert change_password(session, console, PASSWORD, NEW_PASSWORD).headers["Location"] == "/conversations/"
    # this session goes on; the other one is signed out; only the new password signs in
    assert session.get(f"{console.url}/conversations/", allow_redirects=False, timeout=10).status_code == 200
    assert elsewhere.get(f"{console.url}/conversations/", allow_redirects=False, timeout=10).status_code == 302
    assert sign_in(console.url, "renewing-nurse", PASSWORD, headers)[1].status_code == 401
    assert sign_in(console.url, "renewing-nurse", NEW_PASSWORD, headers)[1].status_code == 302
    admin, _ = sign_in(console.url, "admin", headers={"X-Forwarded-For": fresh_ip()})
    assert "renewing-nurse" in admin.get(f"{console.url}/audit/", params={"action": "password_changed"},
                                         timeout=10).text


def test_guessing_the_current_password_locks_the_account(console: Console) -> None:
    headers = {"X-Forwarded-For": fresh_ip()}
    session, _ = sign_in(console.url, "guessing-nurse", headers=headers)
    statuses = [change_password(session, console, f"guess {n}", NEW_PASSWORD).status_code for n in range(6)]
    assert statuses == [400] * 4 + [429] * 2  # as at sign-in: the fifth failure locks
    assert change_password(session, console, PASSWORD, NEW_PASSWORD).status_code == 429  # even the right one
    assert sign_in(console.url, "guessing-nurse", headers=headers)[1].status_code == 429


def test_an_admin_sets_a_new_password_for_a_locked_out_colleague(console: Console) -> None:
    headers = {"X-Forwarded-For": fresh_ip()}
    forgetful, _ = sign_in(console.url, "forgetful-nurse", headers=headers)  # still signed in at reception
    for _ in range(5):
        sign_in(console.url, "forgetful-nurse", "what was it again", headers)
    assert sign_in(console.url, "forgetful-nurse", headers=headers)[1].status_code == 429
    admin, _ = sign_in(console.url, "admin", headers={"X-Forwarded-For": fresh_ip()})
    users_page = admin.get(f"{console.url}/users/", timeout=10).text
    link = re.search(r'<td>forgetful-nurse</td>.*?href="(/users/\d+/password)"', users_page, re.S).group(1)
    token = csrf_token(admin, console.url + link)
    mismatch = admin.post(console.url + link, allow_redirects=False, timeout=30, data={
        "csrfmiddlewaretoken": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 400
    done = admin.post(console.url + link, allow_redirects=False, timeout=30, data={
        "csrfmiddlewaretoken": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/users/"
    # the old session is over, the lock is lifted, and only the new password works
    assert forgetful.get(f"{console.url}/conversations/", allow_redirects=False, timeout=10).status_code == 302
    assert sign_in(console.url, "forgetful-nurse", PASSWORD, headers)[1].status_code == 401
    assert sign_in(console.url, "forgetful-nurse", NEW_PASSWORD, headers)[1].status_code == 302
    audit_page = admin.get(f"{console.url}/audit/", params={"action": "user_password_set"}, timeout=10).text
    assert "forgetful-nurse" in audit_page
    # an admin's own password needs the current one (the change form), so their row has no link
    assert 'href="/users/' not in users_page.split("<td>admin</td>")[1].split("</tr>")[0]


def test_staff_cannot_reach_admin_pages(console: Console, routes) -> None:
    session, _ = sign_in(console.url, "nurse", headers={"X-Forwarded-For": fresh_ip()})
    token = csrf_token(session, f"{console.url}/conversations/")
    paths = {name: path for name, path, _ in routes}
    for method, name in ADMIN_ONLY:
        reply = session.request(method, console.url + paths[name], data={"csrfmiddlewaretoken": token},
                                allow_redirects=False, timeout=10)
        assert reply.status_code == 403, (method, name, reply.status_code)
    page = session.get(f"{console.url}/conversations/", timeout=10).text
    assert 'href="/users/"' not in page and 'href="/audit/"' not in page and "export-form" not in page
    admin, _ = sign_in(console.url, "admin", headers={"X-Forwarded-For": fresh_ip()})
    assert admin.get(f"{console.url}/users/", timeout=10).status_code == 200
    assert admin.get(f"{console.url}/audit/", timeout=10).status_code == 200


def test_templates_have_no_inline_script_style_or_unescaped_output() -> None:
    """What the Content-Security-Policy and autoescaping rely on."""
    templates = list((CONSOLE_DIR / "review" / "templates").rglob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text()
        for forbidden in ("<script", "<style", "style=", " on", "|safe", "autoescape off", "mark_safe"):
            if forbidden == " on":
                assert not re.search(r"\son\w+=", text), template
            else:
                assert forbidden not in text, (template, forbidden)
    code = "\n".join(p.read_text() for p in (CONSOLE_DIR / "review").rglob("*.py"))
    assert "mark_safe" not in code and "format_html(" not in code
