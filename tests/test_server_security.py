"""How the servers start: their secrets, and the files they write.

In local mode a missing key is generated once into VAR_DIR, private to the
service user; in production (CLINIC_ENV=production) a server without its
secrets refuses to start. The servers run as real processes, from a test
process whose umask lets group and others read what it creates.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from tests.servers import ROOT, VENV_BIN, base_env

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
        return subprocess.run(command, cwd=ROOT, env=base_env(**env), capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command[1:3]} did not stop within 30 s: it started instead of refusing")


def without_secrets(var: Path, **env: str) -> Dict[str, str]:
    """Production, with none of the secrets (whatever the developer's shell has)."""
    names = ("WEBCHAT_SESSION_SECRET", "CONSOLE_SECRET_KEY", "SMS_ID_SECRET", "SMS_ENCRYPTION_KEY",
             "RASA_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "SMS_WEBHOOK_URL")
    return {"CLINIC_ENV": "production", "VAR_DIR": str(var), **{name: "" for name in names}, **env}


SMS_ON = {"TWILIO_ACCOUNT_SID": "ACx", "TWILIO_AUTH_TOKEN": "t", "TWILIO_NUMBER": "+15550100000",
          "SMS_WEBHOOK_URL": "https://clinic.example.org/webhooks/sms/webhook"}
LONG = "k" * 40
CONSOLE = ["console/serve.py"]
MANAGE = ["console/manage.py", "create_staff_user", "--username", "x", "--role", "staff"]


@pytest.mark.parametrize("server, env, expected", [
    (CONSOLE, {}, ["CONSOLE_SECRET_KEY"]),
    (MANAGE, {}, ["CONSOLE_SECRET_KEY"]),
    (CONSOLE, {"CONSOLE_SECRET_KEY": LONG, **SMS_ON}, ["SMS_ENCRYPTION_KEY"]),
    (["webchat/serve.py"], {"CLINIC_ENV": "prod"}, ["CLINIC_ENV must be 'local' or 'production'"]),
], ids=["console", "manage.py", "console-sms", "webchat-typo"])
def test_a_server_without_its_secrets_refuses_to_start_and_says_what_is_missing(
    tmp_path: Path, server: List[str], env: Dict[str, str], expected: List[str],
) -> None:
    command = [PYTHON, *server]
    started = time.monotonic()
    run = start(command, **without_secrets(tmp_path / "var", **env))
    assert run.returncode != 0
    assert "refusing to start" in run.stderr or "CLINIC_ENV must be" in run.stderr, run.stderr[-2000:]
    for words in expected:
        assert words in run.stderr, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert time.monotonic() - started < 20  # before loading a model or anything slow
    made = list((tmp_path / "var").glob("*")) if (tmp_path / "var").exists() else []
    assert made == []  # no key generated, no database created


def test_a_console_command_runs_in_production_with_its_secret_and_writes_no_key(tmp_path: Path) -> None:
    var = tmp_path / "var"
    run = start([PYTHON, "console/manage.py", "check"], **without_secrets(var, CONSOLE_SECRET_KEY=LONG))
    assert run.returncode == 0, run.stderr[-2000:]
    assert not (var / "console-secret-key").exists()


RACE = """
import os, sys, time
from channels.keys import local_key
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(local_key("RACE_KEY", "race-key", lambda: os.urandom(32).hex().encode()).decode())
"""


def test_processes_starting_together_in_local_mode_share_one_private_key(tmp_path: Path, loose_umask: None) -> None:
    var = tmp_path / "new" / "var"
    env = base_env(VAR_DIR=str(var), CLINIC_ENV="local", RACE_KEY="")
    at = time.time() + 4  # after every interpreter has started
    procs = [subprocess.Popen([PYTHON, "-c", RACE, str(at)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(8)]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in var.iterdir()] == ["race-key"]  # no temporary file left behind
    assert mode(var / "race-key") == 0o600 and mode(var) == 0o700


def test_production_never_generates_a_key(tmp_path: Path) -> None:
    var = tmp_path / "var"
    run = start([PYTHON, "-c", RACE, "0"], **without_secrets(var, RACE_KEY=""))
    assert run.returncode != 0 and "RACE_KEY is not set" in run.stderr
    assert not (var / "race-key").exists()
