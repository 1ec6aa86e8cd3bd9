"""How the servers start: secrets, private files, listening addresses, request sizes.

The servers run as bin/serve starts them (tests/servers.py): the Rasa server
and the action server in production mode (CLINIC_ENV=production, every secret
set, SMS on with Twilio faked), and the console in local mode (its key
generated into VAR_DIR), all on one VAR_DIR that an older version left 0755,
from a test process whose umask lets group and others read what it creates.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import stat
import subprocess
import time
from contextlib import closing
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

from tests.console_support import Console, start_console
from tests.servers import (
    ROOT,
    VENV_BIN,
    Servers,
    base_env,
    free_port,
    rasa_command,
    start_servers,
    stop,
    wait_until_up,
)
from tests.sms_support import sms_settings, text_in

TOKEN = secrets.token_hex(24)
LOOSE = 0o022  # a usual login umask: files readable by everyone
PYTHON = str(VENV_BIN / "python")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def loose_umask() -> Iterator[None]:
    """The servers must not rely on the umask of whoever starts them."""
    saved = os.umask(LOOSE)
    yield
    os.umask(saved)


# -- secrets and modes ----------------------------------------------------------------------------


def start(command: List[str], **env: str) -> subprocess.CompletedProcess:
    """Runs a server that is expected to stop by itself (refusing, or a one-off command)."""
    try:
        return subprocess.run(
            command, cwd=ROOT, env=base_env(**env), capture_output=True, text=True, timeout=30
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command[1:3]} did not stop within 30 s: it started instead of refusing")


def without_secrets(var: Path, **env: str) -> Dict[str, str]:
    """Production, with none of the secrets (whatever the developer's shell has)."""
    names = (
        "WEBCHAT_SESSION_SECRET",
        "CONSOLE_SECRET_KEY",
        "CONSOLE_LABEL_KEY",
        "SMS_ID_SECRET",
        "SMS_ENCRYPTION_KEY",
        "RASA_AUTH_TOKEN",
        "REST_CHANNEL_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_NUMBER",
        "SMS_WEBHOOK_URL",
    )
    return {"CLINIC_ENV": "production", "VAR_DIR": str(var), **{name: "" for name in names}, **env}


SMS_ON = {"TWILIO_ACCOUNT_SID": "ACx", "TWILIO_AUTH_TOKEN": "t", "TWILIO_NUMBER": "+15550100000",
          "SMS_WEBHOOK_URL": "https://clinic.example.org/webhooks/sms/webhook"}
LONG = "k" * 40
RASA = ["rasa"]
CONSOLE = ["console/serve.py"]
MANAGE = ["console/manage.py", "create_staff_user", "--username", "x", "--role", "staff"]


@pytest.mark.parametrize(
    "server, env, expected",
    [
        (RASA, {}, ["WEBCHAT_SESSION_SECRET"]),
        (RASA, {"WEBCHAT_SESSION_SECRET": LONG, **SMS_ON}, ["SMS_ID_SECRET", "SMS_ENCRYPTION_KEY"]),
        (
            RASA,
            {"WEBCHAT_SESSION_SECRET": LONG, "TWILIO_ACCOUNT_SID": "ACx"},
            ["SMS is half configured", "TWILIO_AUTH_TOKEN", "SMS_WEBHOOK_URL"],
        ),
        (
            RASA,
            {
                "WEBCHAT_SESSION_SECRET": "short",
                "RASA_AUTH_TOKEN": "1234",
                "REST_CHANNEL_TOKEN": "abcd",
            },
            [
                "shorter than 32 characters: "
                "WEBCHAT_SESSION_SECRET, RASA_AUTH_TOKEN, REST_CHANNEL_TOKEN"
            ],
        ),
        (
            RASA,
            {"CLINIC_ENV": "local", "SMS_ENCRYPTION_KEY": "not-a-key", **SMS_ON},
            ["SMS_ENCRYPTION_KEY is not a Fernet key"],
        ),
        (CONSOLE, {}, ["CONSOLE_SECRET_KEY", "CONSOLE_LABEL_KEY"]),
        (MANAGE, {}, ["CONSOLE_SECRET_KEY", "CONSOLE_LABEL_KEY"]),
        (
            CONSOLE,
            {"CONSOLE_SECRET_KEY": LONG, "CONSOLE_LABEL_KEY": LONG, **SMS_ON},
            ["SMS_ENCRYPTION_KEY"],
        ),
        (
            ["-m", "scripts.serve_actions"],
            {"CLINIC_ENV": "prod"},
            ["CLINIC_ENV must be 'local' or 'production'"],
        ),
        (
            ["webchat/serve.py"],
            {"CLINIC_ENV": "prod"},
            ["CLINIC_ENV must be 'local' or 'production'"],
        ),
    ],
    ids=[
        "rasa",
        "rasa-sms",
        "rasa-half-sms",
        "rasa-short",
        "rasa-bad-fernet",
        "console",
        "manage.py",
        "console-sms",
        "actions-typo",
        "webchat-typo",
    ],
)
def test_a_server_without_its_secrets_refuses_to_start_and_says_what_is_missing(
    tmp_path: Path, server: List[str], env: Dict[str, str], expected: List[str],
) -> None:
    # The refusal comes before the model is read: no model is needed.
    command = (
        rasa_command(Path("models/none.tar.gz"), free_port())
        if server == RASA
        else [PYTHON, *server]
    )
    started = time.monotonic()
    run = start(command, **without_secrets(tmp_path / "var", **env))
    assert run.returncode != 0
    assert "refusing to start" in run.stderr or "CLINIC_ENV must be" in run.stderr, run.stderr[
        -2000:
    ]
    for words in expected:
        assert words in run.stderr, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert time.monotonic() - started < 20  # before loading a model or anything slow
    made = list((tmp_path / "var").glob("*")) if (tmp_path / "var").exists() else []
    assert made == []  # no key generated, no database created


def test_bin_serve_names_every_missing_secret_before_starting_any_server(tmp_path: Path) -> None:
    run = start([PYTHON, "-m", "clinic.keys", "actions", "rasa", "webchat", "console"],
                **without_secrets(tmp_path / "var", **SMS_ON))
    assert run.returncode != 0
    for line in (
        "rasa: not set in the environment: "
        "WEBCHAT_SESSION_SECRET, SMS_ID_SECRET, SMS_ENCRYPTION_KEY",
        "console: not set in the environment: "
        "CONSOLE_SECRET_KEY, CONSOLE_LABEL_KEY, SMS_ENCRYPTION_KEY",
    ):
        assert line in run.stderr, run.stderr
    assert "actions:" not in run.stderr and "webchat:" not in run.stderr  # they need no secret


def test_a_console_command_runs_in_production_with_its_secret_and_writes_no_key(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    run = start([PYTHON, "console/manage.py", "check"],
                **without_secrets(var, CONSOLE_SECRET_KEY=LONG, CONSOLE_LABEL_KEY=LONG))
    assert run.returncode == 0, run.stderr[-2000:]
    assert not (var / "console-secret-key").exists() and not (var / "console-label-key").exists()


RACE = """
import os, sys, time
from clinic.keys import local_key
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(local_key("RACE_KEY", "race-key", lambda: os.urandom(32).hex().encode()).decode())
"""


def test_processes_starting_together_in_local_mode_share_one_private_key(
    tmp_path: Path, loose_umask: None
) -> None:
    var = tmp_path / "new" / "var"
    env = base_env(VAR_DIR=str(var), CLINIC_ENV="local", RACE_KEY="")
    at = time.time() + 4  # after every interpreter has started
    procs = [
        subprocess.Popen(
            [PYTHON, "-c", RACE, str(at)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in var.iterdir()] == ["race-key"]  # no temporary file left behind
    assert mode(var / "race-key") == 0o600 and mode(var) == 0o700


def test_production_never_generates_a_key(tmp_path: Path) -> None:
    var = tmp_path / "var"
    run = start([PYTHON, "-c", RACE, "0"], **without_secrets(var, RACE_KEY=""))
    assert run.returncode != 0 and "RACE_KEY is not set" in run.stderr
    assert not (var / "race-key").exists()


# -- the servers, running -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory, loose_umask: None) -> Path:
    var = tmp_path_factory.mktemp("security") / "var"
    var.mkdir()
    var.chmod(0o755)  # as earlier versions left it
    return var


@pytest.fixture(scope="module")
def production(model_path: Path, var: Path, twilio) -> Iterator[Servers]:
    settings = {
        "CLINIC_ENV": "production",
        "VAR_DIR": str(var),
        "TRACKER_STORE_URL": f"sqlite:///{var / 'tracker.db'}",
        "WEBCHAT_SESSION_SECRET": secrets.token_hex(32),
        "RASA_AUTH_TOKEN": TOKEN,
        **sms_settings(twilio, SMS_ID_SECRET=secrets.token_hex(32)),
    }
    servers, procs = start_servers(model_path, var.parent, **settings)
    servers.tracker_db = var / "tracker.db"
    yield servers
    for proc in reversed(procs):
        stop(proc)


@pytest.fixture(scope="module")
def console(production: Servers, var: Path) -> Iterator[Console]:
    running = start_console(
        var.parent,
        production.tracker_db,
        {},
        VAR_DIR=str(var),
        CLINIC_ENV="local",
        CONSOLE_SECRET_KEY="",
        CONSOLE_LABEL_KEY="",
        CONSOLE_DATABASE_URL=f"sqlite:///{var / 'console.db'}",
    )
    yield running
    running.stop()


# -- the Rasa API token ---------------------------------------------------------------------------


def test_the_api_token_is_on_no_command_line_and_the_api_still_needs_it(
    production: Servers,
) -> None:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert TOKEN not in cmdline.read_bytes().decode(errors="replace"), cmdline
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # a process that ended while we looked, or not ours
    assert requests.get(f"{production.rasa_url}/status", timeout=10).status_code == 401
    assert (
        requests.get(
            f"{production.rasa_url}/status", params={"token": "wrong"}, timeout=10
        ).status_code
        == 401
    )
    assert (
        requests.get(
            f"{production.rasa_url}/status", params={"token": TOKEN}, timeout=10
        ).status_code
        == 200
    )


def test_a_token_on_the_command_line_is_refused() -> None:
    run = subprocess.run(
        rasa_command(Path("models/none.tar.gz"), free_port()) + ["--auth-token", "x" * 40],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "RASA_AUTH_TOKEN" in run.stderr


# -- the action server ----------------------------------------------------------------------------


def listening_addresses(port: int) -> List[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} write them) with a socket listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def outward_address() -> str | None:
    """This machine's address on its default route, if it has one (UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_action_server_listens_on_loopback_only(production: Servers) -> None:
    port = int(production.action_url.rsplit(":", 1)[1])
    assert listening_addresses(port) == ["0100007F"]  # 127.0.0.1, and nothing on IPv6
    assert requests.get(f"{production.action_url}/health", timeout=10).status_code == 200
    address = outward_address()
    if address:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=3).close()


# -- request sizes --------------------------------------------------------------------------------


def first_line_for_an_oversized_post(port: int, path: str, content_type: str) -> bytes:
    """Announces a 5 MB body, sends 1 KB of it, and reads the answer: a server that
    waits for the rest (Sanic's own limit is 100 MB) times out here."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {5 * 1024 * 1024}\r\n\r\n".encode() + b"x" * 1024
        )
        return conn.recv(4096).split(b"\r\n", 1)[0]


@pytest.mark.parametrize("server, path, content_type", [
    ("rasa", "/webhooks/rest/webhook", "application/json"),
    ("rasa", "/webhooks/sms/webhook", "application/x-www-form-urlencoded"),
    ("rasa", "/socket.io/?EIO=4&transport=polling", "text/plain"),
    ("actions", "/webhook", "application/json"),
])
def test_an_oversized_request_gets_413_before_its_body_is_read(
    production: Servers, server: str, path: str, content_type: str,
) -> None:
    url = production.rasa_url if server == "rasa" else production.action_url
    port = int(url.rsplit(":", 1)[1])
    assert first_line_for_an_oversized_post(port, path, content_type).startswith(b"HTTP/1.1 413")


# -- the website server ---------------------------------------------------------------------------


def test_the_website_server_drops_a_connection_that_stalls(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "webchat.log"
    proc = subprocess.Popen([PYTHON, "webchat/serve.py"], cwd=ROOT,
                            env=base_env(WEBCHAT_PORT=str(port), WEBCHAT_SOCKET_TIMEOUT="1"),
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc, log, timeout=30)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
            started = time.monotonic()
            assert conn.recv(1024) == b""  # closed by the server, not by our 10 s timeout
            assert time.monotonic() - started < 5
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).text == "ok\n"
    finally:
        stop(proc)


# -- files in VAR_DIR (last: it switches the tracker store's journal mode) ------------------------


def test_what_the_servers_write_is_private_to_the_service_user(
    production: Servers, console: Console, twilio, var: Path,
) -> None:
    assert production.send("security-check", "does it hurt?")
    text_in(production, "+15550109999", "how many sessions?")
    twilio.wait_for("+15550109999", 1)
    assert requests.get(f"{console.url}/healthz", timeout=10).status_code == 200

    assert mode(var) == 0o700
    files = {path.name: mode(path) for path in var.rglob("*")}
    assert {"tracker.db", "console.db", "console-secret-key"} <= files.keys(), files
    # production: Rasa took its keys from the environment and wrote none
    assert not {"webchat-session-secret", "sms-id-secret", "sms-encryption-key"} & files.keys()
    assert {name: oct(m) for name, m in files.items() if m & 0o077} == {}

    # SQLite gives a database's journals the database file's own mode, whoever
    # creates them (os_unix.c, findCreateFileMode): even this process, umask 022.
    for db in (var / "tracker.db", var / "console.db"):
        with closing(sqlite3.connect(db, isolation_level=None)) as conn:
            rollback_journal = conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            if rollback_journal:  # Rasa's tracker store
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("CREATE TABLE permission_probe (x)")
                assert mode(db.with_name(db.name + "-journal")) == 0o600
                conn.execute("ROLLBACK")
                assert conn.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            assert mode(db.with_name(db.name + "-wal")) == 0o600
            assert mode(db.with_name(db.name + "-shm")) == 0o600
            if rollback_journal:
                conn.execute("PRAGMA journal_mode=DELETE")
