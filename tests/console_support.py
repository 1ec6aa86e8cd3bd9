"""Starting the staff console (console/) for tests and its benchmark, and
setting up its Django once inside the test process for unit tests.

The console runs as `make run` starts it (`python console/serve.py`), on a
free port, with its own SQLite database in a temp dir and TRACKER_STORE_URL
pointing at a real assistant's tracker store.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import pyotp
import requests

from tests.servers import ROOT, VENV_BIN, base_env, free_port, stop, wait_until_up
from tests.tracker_events import TrackerWriter, session_start, turn

CONSOLE_DIR = ROOT / "console"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOTP_SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
RECOVERY_CODE = re.compile(r"<li><code>([a-z2-7]{8})</code></li>")
PASSWORD = "correct-horse-battery-staple"


@dataclass
class Console:
    """A running console: its URL, database, environment and process."""

    url: str
    database: Path
    env: Dict[str, str]
    proc: subprocess.Popen
    log: Path
    secrets: Dict[str, str] = field(default_factory=dict)  # username -> authenticator key (base32)

    def sign_in(self, username: str, headers: Optional[Dict[str, str]] = None) -> requests.Session:
        """A session through every sign-in step: the password, then the code
        from the user's authenticator, set up on the way if the console asks
        (an admin's first sign-in)."""
        session, reply = sign_in(self.url, username, headers=headers)
        step = reply.headers.get("Location", "")
        if step == "/login/two-step":
            self.secrets[username] = authenticator_key(
                session.get(self.url + step, timeout=30).text
            )
            reply = send_code(session, self.url + step, fresh_code(self.secrets[username]))
            assert reply.status_code == 200 and RECOVERY_CODE.search(reply.text), reply.text
        elif step == "/login/code":
            reply = send_code(session, self.url + step, fresh_code(self.secrets[username]))
            assert reply.status_code == 302, reply.text
        else:
            assert reply.status_code == 302, reply.text
        return session

    def label(self, sender: str) -> str:
        """The label this console shows for a conversation id (review/labels.py)."""
        return conversation_label(sender, self.env["CONSOLE_LABEL_KEY"])

    def manage(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        """Runs `console/manage.py <args>` against this console's database."""
        return manage(self.env, *args, **env)

    def stop(self) -> None:
        stop(self.proc)


def manage(env: Dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess:
    run = subprocess.run(
        [str(VENV_BIN / "python"), "console/manage.py", *args],
        cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def tracker_with_one_conversation(workdir: Path) -> Path:
    """A tracker store holding one conversation, written as Rasa writes it: for
    console tests that need no assistant (sign-in, accounts)."""
    path = workdir / "tracker.db"
    now = time.time() - 60
    TrackerWriter(f"sqlite:///{path}").add(
        "console-test-conversation",
        session_start(now)
        + turn(now + 1, "does microneedling hurt?", "ask_pain", 0.97, kb_entry="pain"),
    )
    return path


def sqlite_rows(database: Path, sql: str, params: tuple = ()) -> list:
    """The rows of one query on a console's SQLite database (read beside the running server)."""
    db = sqlite3.connect(database, timeout=20)
    try:
        with db:  # commits an UPDATE
            return db.execute(sql, params).fetchall()
    finally:
        db.close()


def console_env(workdir: Path, tracker_db: Path, **overrides: str) -> Dict[str, str]:
    port = free_port()
    return base_env(**{
        "VAR_DIR": str(workdir),
        "TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
        "CONSOLE_DATABASE_URL": f"sqlite:///{workdir / 'console.db'}",
        "CONSOLE_PORT": str(port),
        "CONSOLE_SECRET_KEY": "test-secret-key-" + os.urandom(8).hex(),
        "CONSOLE_LABEL_KEY": "test-label-key-" + os.urandom(8).hex(),
        "CONSOLE_TIME_ZONE": "UTC",
        **overrides,
    })


def conversation_label(sender: str, key: str) -> str:
    from review.labels import label

    return label(sender, key)


def start_console(
    workdir: Path, tracker_db: Path, users: Dict[str, str], **overrides: str
) -> Console:
    """Creates the users (name -> role, all with PASSWORD), then serves the console."""
    env = console_env(workdir, tracker_db, **overrides)
    # `make staff-user`'s command, for every user in one process (each process costs seconds)
    script = "from django.core.management import call_command\n" + "".join(
        f"call_command('create_staff_user', '--username', {name!r}, '--role', {role!r})\n"
        for name, role in users.items())
    manage(env, "shell", "-c", script, STAFF_PASSWORD=PASSWORD)
    log = workdir / "console.log"
    proc = subprocess.Popen(
        [str(VENV_BIN / "python"), "console/serve.py"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{env['CONSOLE_PORT']}"
    wait_until_up(f"{url}/healthz", proc, log, timeout=120)
    return Console(url, workdir / "console.db", env, proc, log)


def status(session: requests.Session, url: str) -> int:
    """The status of a GET of `url`, redirects not followed."""
    return session.get(url, allow_redirects=False, timeout=10).status_code


def csrf_token(session: requests.Session, url: str) -> str:
    """The CSRF token of a form on the page at `url` (the login page, or any page)."""
    page = session.get(url, timeout=30)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def sign_in(
    url: str, username: str, password: str = PASSWORD, headers: Optional[Dict[str, str]] = None
) -> Tuple[requests.Session, requests.Response]:
    """A requests session that went through the login form; and the form's response."""
    session = requests.Session()
    session.headers.update(headers or {})
    token = csrf_token(session, f"{url}/login")
    response = session.post(
        f"{url}/login",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    return session, response


def authenticator_key(page: str) -> str:
    """The key a setup page shows for typing into an authenticator app."""
    match = TOTP_SECRET.search(page)
    assert match, "no authenticator key on the page"
    return match.group(1).replace(" ", "")


_last_step: Dict[str, int] = {}


def fresh_code(secret: str, ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `ahead` 30-second steps
    later, as on a phone whose clock runs fast), computed by pyotp from the
    key. django-otp takes each step's code once, and one step either side of
    its clock: when this step's code was used the next step's is taken, and
    past that this waits for the clock."""
    now = int(time.time() // 30)
    step = max(_last_step.get(secret, -1) + 1, now + ahead)
    if step > now + 1:
        time.sleep(max(0.0, (step - 1) * 30 - time.time() + 0.5))
    _last_step[secret] = step
    return pyotp.TOTP(secret).at(step * 30)


def send_code(session: requests.Session, url: str, code: str) -> requests.Response:
    """Posts a code to the sign-in step or setup page at `url`."""
    return session.post(url, data={"csrfmiddlewaretoken": csrf_token(session, url), "code": code},
                        allow_redirects=False, timeout=30)


_DJANGO_READY = False


@contextlib.contextmanager
def fresh_tracker(tmp_path: Path, *models) -> Iterator[TrackerWriter]:
    """A fresh tracker store file, the in-process console pointed at it, and
    the console's `models` emptied (tests that fold events into the index)."""
    from django.conf import settings

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    saved = settings.TRACKER_STORE_URL, settings.SMS_STORE_URL
    settings.TRACKER_STORE_URL = settings.SMS_STORE_URL = url
    for model in models:
        model.objects.all().delete()
    try:
        yield TrackerWriter(url)
    finally:
        settings.TRACKER_STORE_URL, settings.SMS_STORE_URL = saved


def django_in_process(workdir: Path) -> None:
    """Sets up the console's Django in this (pytest) process, once, with its own
    SQLite database in `workdir`, and migrates it. The environment is changed
    only while the settings load, so other tests' servers do not inherit it."""
    global _DJANGO_READY
    if _DJANGO_READY:
        return
    saved = dict(os.environ)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "clinic_console.settings",
        "CONSOLE_SECRET_KEY": "unit-test-key",
        "CONSOLE_LABEL_KEY": "unit-test-label-key",
        "CONSOLE_DATABASE_URL": f"sqlite:///{workdir / 'console.db'}",
        "VAR_DIR": str(workdir),
        "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
        "CONSOLE_TIME_ZONE": "UTC",
    })
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    _DJANGO_READY = True
