"""Starting the real servers the way bin/serve does, for tests and the benchmark."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


# The channels' rate limits and turn cap out of the way, for a suite or a
# benchmark that sends many messages from one address (tests/test_channel_guards.py
# tests the limits themselves).
NO_RATE_LIMITS = {
    "REST_RATE_LIMIT": "1000000", "WEBCHAT_RATE_LIMIT": "1000000",
    "CONVERSATION_RATE_LIMIT": "1000000", "MAX_TURNS_PER_SESSION": "1000000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(**overrides: str) -> Dict[str, str]:
    """The environment bin/settings.sh gives the servers, plus overrides."""
    out = subprocess.run(
        ["bash", "-c", "source bin/settings.sh && env -0"],
        cwd=ROOT, env={**os.environ, **overrides}, check=True, capture_output=True,
    ).stdout.decode()
    env = dict(line.split("=", 1) for line in out.split("\0") if "=" in line)
    env.update(overrides)
    return env


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited during start-up:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {timeout} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Servers:
    """A running assistant: URLs, its SQLite file and its log files."""

    rasa_url: str
    action_url: Optional[str]
    tracker_db: Path
    logs: List[Path]
    env: Dict[str, str]
    model: Optional[Path] = None
    procs: List[subprocess.Popen] = field(default_factory=list)

    def send(self, sender: str, message: str) -> List[dict]:
        reply = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def events(self, sender: str) -> List[dict]:
        """The conversation as Rasa stored it (the events table, in id order)."""
        with sqlite3.connect(self.tracker_db) as db:
            rows = db.execute(
                "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
            ).fetchall()
        return [json.loads(data) for (data,) in rows]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


def start_servers(
    model: Path, workdir: Path, with_actions: bool = True, **env_overrides: str
) -> tuple:
    rasa_port, action_port = free_port(), free_port()
    db = workdir / "tracker.db"
    settings = {
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{db}",
        "VAR_DIR": str(workdir),
    }
    env = base_env(**{**settings, **env_overrides})
    procs, logs = [], []
    if with_actions:
        log = workdir / "actions.log"
        logs.append(log)
        procs.append(
            subprocess.Popen(
                actions_command(action_port),
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
        wait_until_up(f"http://127.0.0.1:{action_port}/health", procs[-1], log)
    log = workdir / "rasa.log"
    logs.append(log)
    procs.append(
        subprocess.Popen(
            rasa_command(model, rasa_port),
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
    )
    wait_until_up(f"http://127.0.0.1:{rasa_port}/", procs[-1], log)
    servers = Servers(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}" if with_actions else None,
        tracker_db=db,
        logs=logs,
        env=env,
        model=model,
        procs=procs,
    )
    return servers, procs


def actions_command(port: int | str) -> List[str]:
    """The action server as bin/serve starts it (on ACTION_HOST, loopback by default)."""
    return [str(VENV_BIN / "python"), "-m", "scripts.serve_actions", "--port", str(port)]


def rasa_command(model: Path, port: int | str) -> List[str]:
    """The Rasa server as bin/serve starts it (RASA_AUTH_TOKEN, if any, from the environment)."""
    return [
        str(VENV_BIN / "python"),
        "-m",
        "scripts.serve_rasa",
        "--model",
        str(model),
        "--port",
        str(port),
        "--credentials",
        "credentials.yml",
        "--endpoints",
        "endpoints.yml",
    ]


def restart_rasa(servers: Servers) -> None:
    """Stops the Rasa server and starts it again on the same port, model and database."""
    stop(servers.procs[-1])
    log = servers.logs[-1]
    proc = subprocess.Popen(
        rasa_command(servers.model, servers.rasa_url.rsplit(":", 1)[1]),
        cwd=ROOT, env=servers.env, stdout=log.open("a"), stderr=subprocess.STDOUT,
    )
    servers.procs[-1] = proc
    wait_until_up(f"{servers.rasa_url}/", proc, log)


def model_file() -> Path:
    """The model for the current data, trained first if it is missing."""
    env = base_env()
    subprocess.run(
        [str(VENV_BIN / "python"), "scripts/model.py", "train"], cwd=ROOT, env=env, check=True
    )
    path = subprocess.run(
        [str(VENV_BIN / "python"), "scripts/model.py", "path"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    return Path(path)
