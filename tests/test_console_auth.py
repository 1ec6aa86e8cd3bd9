"""The staff console's sign-in and access control, over HTTP against the real server.

The console (console/serve.py) runs on a free port with its own database in a
temp dir, over a tracker store holding one conversation (no assistant is
needed to sign in). It runs as if behind a TLS proxy
(CONSOLE_BEHIND_HTTPS_PROXY=1) so the tests can say which client address and
scheme a request came from. Its back-off starts at 10 s: the tests move the
recorded attempts back in time instead of waiting.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
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
    sqlite_rows,
    start_console,
    status,
    tracker_with_one_conversation,
)
from tests.postgres import Postgres, start_postgres

IP_LIMIT = 8  # failures from one address before it waits (CONSOLE_THROTTLE_ADDRESS_FREE_FAILURES)
FREE = 5  # failures of an account at one address before it waits (the default)
BASE, CAP = 10, 40  # seconds: the first wait, doubled up to the cap
PARALLEL = 8
# The public URLs, and what they answer a browser that has not given a password
PUBLIC = {
    "login": 200,
    "healthz": 200,
    "login_code": 302,
    "login_setup": 302,
    "login_setup_qr": 404,
}
ADMIN_ONLY = [
    ("GET", "users"),
    ("POST", "users"),
    ("GET", "audit"),
    ("POST", "export"),
    ("POST", "delete"),
    ("POST", "user_active"),
    ("GET", "user_password"),
    ("POST", "user_password"),
    ("POST", "user_two_factor_reset"),
]
# Counts are per account at an address, so most tests share "nurse", each from addresses of its own.
USERS = {"admin": "admin", "nurse": "staff", "renewing-nurse": "staff", "forgetful-nurse": "staff"}
NEW_PASSWORD = "a-new-and-longer-passphrase"
SETTINGS = {
    "CONSOLE_BEHIND_HTTPS_PROXY": "1", "CONSOLE_THROTTLE_ADDRESS_FREE_FAILURES": str(IP_LIMIT),
    "CONSOLE_THROTTLE_BASE_SECONDS": str(BASE), "CONSOLE_THROTTLE_MAX_SECONDS": str(CAP),
    "CONSOLE_THREADS": str(PARALLEL),
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    workdir = tmp_path_factory.mktemp("console-auth")
    running = start_console(workdir, tracker_with_one_conversation(workdir), USERS, **SETTINGS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def pg_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """The same console with its database in PostgreSQL."""
    postgres: Postgres = start_postgres()
    postgres.create_database("console")
    workdir = tmp_path_factory.mktemp("console-auth-pg")
    running = start_console(workdir, tracker_with_one_conversation(workdir), {"nurse": "staff"},
                            CONSOLE_DATABASE_URL=postgres.url("console"), **SETTINGS)
    yield running
    running.stop()
    postgres.stop()


@pytest.fixture(scope="module")
def admin(console: Console) -> requests.Session:
    """The admin, signed in with password and code (setting up the authenticator on the way)."""
    return console.sign_in("admin", headers={"X-Forwarded-For": fresh_ip()})


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
                path = re.sub(
                    r"<(?:(\w+):)?\w+>",
                    lambda m: "x" if m.group(1) in ("str", "slug") else "1",
                    prefix + str(pattern.pattern),
                )
                public = not getattr(pattern.callback, "login_required", True)
                found.append((pattern.name, "/" + path, public))

    walk(get_resolver().url_patterns, "")
    assert len(found) >= 15, found
    return found


def fresh_ip() -> str:
    """An address of our own, so tests do not share a per-address count."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def attempt(console: Console, username: str, password: str, address: str) -> requests.Response:
    """One sign-in from `address` (as the TLS proxy forwards it)."""
    return sign_in(console.url, username, password, {"X-Forwarded-For": address})[1]


def move_attempts_back(console: Console, seconds: int) -> None:
    """Instead of waiting: every recorded attempt happened `seconds` earlier."""
    sqlite_rows(
        console.database,
        "UPDATE review_loginattempt SET at = strftime('%Y-%m-%d %H:%M:%f', at, ?)",
        (f"-{seconds} seconds",),
    )


def audit_rows(console: Console, action: str, ip: str) -> List[Tuple[str, int]]:
    return sqlite_rows(
        console.database,
        "SELECT actor, count FROM review_auditentry WHERE action = ? AND ip = ?",
        (action, ip),
    )


def set_cookies(response: requests.Response) -> List[str]:
    return response.raw.headers.getlist("Set-Cookie")


def test_only_the_sign_in_steps_and_health_are_public(routes) -> None:
    assert {name for name, _, public in routes if public} == set(PUBLIC)


def test_every_route_without_a_session_is_refused(console: Console, routes) -> None:
    for name, path, public in routes:
        if public:
            assert (
                requests.get(console.url + path, allow_redirects=False, timeout=10).status_code
                == PUBLIC[name]
            )
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
    session, login = sign_in(console.url, "nurse", headers={"X-Forwarded-For": fresh_ip()})
    assert login.status_code == 302
    for _, path, _ in routes:
        reply = session.post(
            console.url + path,
            data={"note": "x", "intent": "greet", "format": "csv"},
            allow_redirects=False,
            timeout=10,
        )
        assert reply.status_code == 403, (path, reply.status_code)
        assert "Request refused" in reply.text, path
    # with the token the same session can act (here: sign out)
    token = csrf_token(session, f"{console.url}/conversations/")
    reply = session.post(f"{console.url}/logout", data={"csrfmiddlewaretoken": token},
                         allow_redirects=False, timeout=10)
    assert reply.status_code == 302 and reply.headers["Location"] == "/login"
    assert (
        session.get(f"{console.url}/conversations/", allow_redirects=False, timeout=10).status_code
        == 302
    )


def test_a_signed_in_session_reaches_the_pages(console: Console) -> None:
    session, login = sign_in(console.url, "nurse", headers={"X-Forwarded-For": fresh_ip()})
    assert login.status_code == 302 and login.headers["Location"] == "/conversations/"
    for path in ("/conversations/", "/followups/", "/review/", "/insights/", "/api/conversations"):
        reply = session.get(console.url + path, timeout=30)
        assert reply.status_code == 200, path
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert reply.headers["X-Frame-Options"] == "DENY"


def test_failures_from_elsewhere_never_keep_the_nurse_out(console: Console) -> None:
    nurse_at, guesser_at = fresh_ip(), fresh_ip()
    statuses = [attempt(console, "nurse", "wrong password", guesser_at).status_code
                for _ in range(FREE + 2)]
    assert statuses == [401] * FREE + [429] * 2
    refused = attempt(
        console, "nurse", PASSWORD, guesser_at
    )  # the right password, not even checked
    assert refused.status_code == 429 and "Too many failed sign-ins. Try again in" in refused.text
    assert not any(c.startswith("console_session=") for c in set_cookies(refused))
    # the guesser slowed only themselves: at her own address she signs in
    assert attempt(console, "nurse", PASSWORD, nurse_at).status_code == 302


def test_the_wait_doubles_up_to_a_cap_and_then_the_right_password_works(console: Console) -> None:
    address = fresh_ip()
    assert [attempt(console, "nurse", "wrong", address).status_code for _ in range(FREE)] == [
        401
    ] * FREE
    waits = []
    for _ in range(4):
        refused = attempt(console, "nurse", PASSWORD, address)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        assert f"Try again in {waits[-1]} seconds." in refused.text
        move_attempts_back(console, waits[-1])
        assert attempt(console, "nurse", "wrong", address).status_code == 401
    # 10, 20, 40, 40 seconds (a few less: the clock ran while the last guess was hashed)
    assert all(wait - 5 < got <= wait for got, wait in zip(waits, [BASE, 2 * BASE, CAP, CAP])), (
        waits
    )
    move_attempts_back(console, CAP)
    assert attempt(console, "nurse", PASSWORD, address).status_code == 302
    # a success starts the count again
    assert [attempt(console, "nurse", "wrong", address).status_code for _ in range(FREE)] == [
        401
    ] * FREE


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_guesses_sent_in_parallel_are_counted_before_the_hash(database: str, request) -> None:
    running: Console = request.getfixturevalue("console" if database == "sqlite" else "pg_console")
    session = requests.Session()
    token = csrf_token(session, f"{running.url}/login")
    address = fresh_ip()

    def guess(n: int) -> int:
        return requests.post(
            f"{running.url}/login",
            cookies=session.cookies.get_dict(),
            allow_redirects=False,
            timeout=120,
            data={"csrfmiddlewaretoken": token, "username": "nurse", "password": f"guess {n}"},
            headers={"X-Forwarded-For": address},
        ).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(guess, range(PARALLEL)))
    # No more guesses were checked than one at a time allows. When all eight
    # were written before any was counted, each saw eight and none was checked
    # (a race the suite met on a loaded machine): also safe.
    assert set(statuses) <= {401, 429} and 429 in statuses, statuses
    assert statuses.count(401) <= FREE, statuses


def test_spraying_from_one_address_slows_that_address(console: Console) -> None:
    sprayer = fresh_ip()
    for n in range(IP_LIMIT):
        assert attempt(console, f"guess-{n}", "password123", sprayer).status_code == 401
    assert attempt(console, "nurse", PASSWORD, sprayer).status_code == 429
    assert attempt(console, "nurse", PASSWORD, fresh_ip()).status_code == 302


def test_an_ipv6_network_counts_as_one_address(console: Console) -> None:
    n = uuid.uuid4().int
    network = f"2001:db8:{n % 65536:x}:{(n >> 16) % 65536:x}"
    for host in range(1, IP_LIMIT + 1):
        assert (
            attempt(console, f"guess-{host}", "password123", f"{network}::{host:x}").status_code
            == 401
        )
    assert attempt(console, "nurse", PASSWORD, f"{network}:ffff:ffff:ffff:ffff").status_code == 429
    assert (
        attempt(console, "nurse", PASSWORD, f"2001:db8:{(n >> 32) % 65536:x}::1").status_code == 302
    )


def test_only_the_address_the_proxy_saw_counts(console: Console) -> None:
    """A client can send its own X-Forwarded-For; the proxy appends the address
    it saw, and only that last one is taken (console/serve.py)."""
    seen = fresh_ip()
    for n in range(IP_LIMIT):
        spoofed = {"X-Forwarded-For": f"{fresh_ip()}, {seen}"}
        assert sign_in(console.url, f"guess-{n}", "password123", spoofed)[1].status_code == 401
    assert attempt(console, "nurse", PASSWORD, seen).status_code == 429


def test_typed_names_are_never_stored(console: Console) -> None:
    """A password typed into the username field ends up in no table and no log."""
    address = fresh_ip()
    typed = f"Pa55word-typed-in-the-wrong-field-{uuid.uuid4().hex[:6]}"
    assert attempt(console, typed, "whatever", address).status_code == 401
    assert (
        attempt(console, "Nurse", "a wrong password", address).status_code == 401
    )  # an account, any case
    db = sqlite3.connect(console.database)
    try:
        dump = "\n".join(db.iterdump())  # every row of every table
    finally:
        db.close()
    assert typed.lower() not in dump.lower()
    assert typed.lower() not in console.log.read_text().lower()
    assert audit_rows(console, "login_failed", address) == [("unknown", 1), ("nurse", 1)]


def test_repeated_failures_collapse_into_one_audit_entry(
    console: Console, admin: requests.Session
) -> None:
    address = fresh_ip()
    statuses = [
        attempt(console, "forgetful-nurse", "wrong", address).status_code for _ in range(FREE + 3)
    ]
    assert statuses == [401] * FREE + [429] * 3
    assert audit_rows(console, "login_failed", address) == [("forgetful-nurse", FREE)]
    assert audit_rows(console, "login_throttled", address) == [("forgetful-nurse", 3)]
    page = admin.get(f"{console.url}/audit/", params={"action": "login_failed"}, timeout=10).text
    assert re.search(r"forgetful-nurse</td>.*?5 times, the last at", page, re.S)
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
    assert (
        "Secure" in session_cookie
        and "HttpOnly" in session_cookie
        and "SameSite=Lax" in session_cookie
    )
    csrf_cookie = [c for c in cookies if c.startswith("console_csrftoken=")]
    assert all("Secure" in c and "HttpOnly" in c for c in csrf_cookie)


def change_password(
    session: requests.Session, console: Console, old: str, new: str, again: str = ""
) -> requests.Response:
    token = csrf_token(session, f"{console.url}/password")
    return session.post(
        f"{console.url}/password",
        allow_redirects=False,
        timeout=30,
        data={
            "csrfmiddlewaretoken": token,
            "old_password": old,
            "new_password1": new,
            "new_password2": again or new,
        },
    )


def test_staff_change_their_own_password(console: Console, admin: requests.Session) -> None:
    headers = {"X-Forwarded-For": fresh_ip()}
    session, _ = sign_in(console.url, "renewing-nurse", headers=headers)
    elsewhere, _ = sign_in(
        console.url, "renewing-nurse", headers=headers
    )  # e.g. a forgotten tab at reception
    page = session.get(f"{console.url}/password", timeout=30).text
    assert "Old password" in page and "New password" in page and 'href="/password"' in page
    # a mismatch or a weak new password changes nothing
    assert (
        change_password(
            session, console, PASSWORD, NEW_PASSWORD, "something-else-entirely"
        ).status_code
        == 400
    )
    short = change_password(session, console, PASSWORD, "short")
    assert short.status_code == 400 and "too short" in short.text
    assert (
        change_password(session, console, PASSWORD, NEW_PASSWORD).headers["Location"]
        == "/conversations/"
    )
    # this session goes on; the other one is signed out; only the new password signs in
    assert status(session, f"{console.url}/conversations/") == 200
    assert status(elsewhere, f"{console.url}/conversations/") == 302
    assert sign_in(console.url, "renewing-nurse", PASSWORD, headers)[1].status_code == 401
    assert sign_in(console.url, "renewing-nurse", NEW_PASSWORD, headers)[1].status_code == 302
    assert (
        "renewing-nurse"
        in admin.get(
            f"{console.url}/audit/", params={"action": "password_changed"}, timeout=10
        ).text
    )


def test_guessing_the_current_password_counts_as_failed_sign_ins(console: Console) -> None:
    headers = {"X-Forwarded-For": fresh_ip()}
    session, _ = sign_in(console.url, "nurse", headers=headers)
    statuses = [
        change_password(session, console, f"guess {n}", NEW_PASSWORD).status_code for n in range(6)
    ]
    assert statuses == [400] * FREE + [429]  # as at sign-in: after five failures, a wait
    assert (
        change_password(session, console, PASSWORD, NEW_PASSWORD).status_code == 429
    )  # even the right one
    assert sign_in(console.url, "nurse", headers=headers)[1].status_code == 429
    assert (
        sign_in(console.url, "nurse", headers={"X-Forwarded-For": fresh_ip()})[1].status_code == 302
    )


def test_an_admin_sets_a_new_password_for_a_slowed_down_colleague(
    console: Console, admin: requests.Session
) -> None:
    headers = {"X-Forwarded-For": fresh_ip()}
    forgetful, _ = sign_in(
        console.url, "forgetful-nurse", headers=headers
    )  # still signed in at reception
    for _ in range(FREE):
        sign_in(console.url, "forgetful-nurse", "what was it again", headers)
    assert sign_in(console.url, "forgetful-nurse", headers=headers)[1].status_code == 429
    users_page = admin.get(f"{console.url}/users/", timeout=10).text
    link = re.search(
        r'<td>forgetful-nurse</td>.*?href="(/users/\d+/password)"', users_page, re.S
    ).group(1)
    token = csrf_token(admin, console.url + link)
    mismatch = admin.post(
        console.url + link,
        allow_redirects=False,
        timeout=30,
        data={
            "csrfmiddlewaretoken": token,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD + "x",
        },
    )
    assert mismatch.status_code == 400
    done = admin.post(console.url + link, allow_redirects=False, timeout=30, data={
        "csrfmiddlewaretoken": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/users/"
    # the old session is over, the failures are forgotten, and only the new password works
    assert (
        forgetful.get(
            f"{console.url}/conversations/", allow_redirects=False, timeout=10
        ).status_code
        == 302
    )
    assert sign_in(console.url, "forgetful-nurse", PASSWORD, headers)[1].status_code == 401
    assert sign_in(console.url, "forgetful-nurse", NEW_PASSWORD, headers)[1].status_code == 302
    audit_page = admin.get(
        f"{console.url}/audit/", params={"action": "user_password_set"}, timeout=10
    ).text
    assert "forgetful-nurse" in audit_page
    # an admin's own password needs the current one (the change form), so their row has no link
    assert 'href="/users/' not in users_page.split("<td>admin</td>")[1].split("</tr>")[0]


def test_staff_cannot_reach_admin_pages(console: Console, admin: requests.Session, routes) -> None:
    session, _ = sign_in(console.url, "nurse", headers={"X-Forwarded-For": fresh_ip()})
    token = csrf_token(session, f"{console.url}/conversations/")
    paths = {name: path for name, path, _ in routes}
    for method, name in ADMIN_ONLY:
        reply = session.request(
            method,
            console.url + paths[name],
            data={"csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=10,
        )
        assert reply.status_code == 403, (method, name, reply.status_code)
    page = session.get(f"{console.url}/conversations/", timeout=10).text
    assert (
        'href="/users/"' not in page and 'href="/audit/"' not in page and "export-form" not in page
    )
    assert admin.get(f"{console.url}/users/", timeout=10).status_code == 200
    assert admin.get(f"{console.url}/audit/", timeout=10).status_code == 200


def test_templates_have_no_inline_script_style_or_unescaped_output() -> None:
    """What the Content-Security-Policy and autoescaping rely on."""
    templates = list((CONSOLE_DIR / "review" / "templates").rglob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text()
        # scripts only as files of the console's own (the CSP's script-src 'self'), never inline
        text = re.sub(r"""<script src="\{% static '[\w/.-]+\.js' %\}" defer></script>""", "", text)
        for forbidden in (
            "<script",
            "<style",
            "style=",
            " on",
            "|safe",
            "autoescape off",
            "mark_safe",
        ):
            if forbidden == " on":
                assert not re.search(r"\son\w+=", text), template
            else:
                assert forbidden not in text, (template, forbidden)
    code = "\n".join(p.read_text() for p in (CONSOLE_DIR / "review").rglob("*.py"))
    assert "mark_safe" not in code and "format_html(" not in code
