"""The production profile on one machine: several Rasa servers, each with its
action server, on one PostgreSQL (tracker store and SMS tables) and one Redis
(lock store), behind nginx, all from Debian packages on loopback, and the
faked Twilio API. Used by tests/test_cluster*.py, `make loadtest` and the
cluster benchmark.

Every setting is the environment docs/deploy.md lists; nothing here is
available to the servers that a deployment would not give them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from clinic.config import load_clinic
from tests.fake_twilio import FakeTwilio
from tests.postgres import Postgres, start_postgres
from tests.proxy_and_redis import Nginx, Redis, start_nginx, start_redis
from tests.servers import (
    NO_RATE_LIMITS,
    ROOT,
    actions_command,
    base_env,
    free_port,
    rasa_command,
    wait_until_up,
)
from tests.sms_support import sms_settings

DATABASE = "rasa"
REST_TOKEN = os.urandom(24).hex()
ORIGIN = "https://clinic.example.org"  # the page the widget is on, for socket.io's origin check


@dataclass
class Instance:
    """One Rasa server and the action server it calls."""

    name: str
    rasa_port: int
    action_port: int
    home: Path
    env: Dict[str, str]
    rasa: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None

    def start_actions(self) -> None:
        log = self.home / "actions.log"
        self.actions = subprocess.Popen(actions_command(self.action_port), cwd=ROOT, env=self.env,
                                        stdout=log.open("a"), stderr=subprocess.STDOUT)
        wait_until_up(f"http://127.0.0.1:{self.action_port}/health", self.actions, log)

    def start_rasa(self, model: Path, tries: int = 3) -> None:
        log = self.home / "rasa.log"
        self.rasa = subprocess.Popen(rasa_command(model, self.rasa_port), cwd=ROOT, env=self.env,
                                     stdout=log.open("a"), stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{self.rasa_port}/", self.rasa, log, timeout=300)
        except RuntimeError as failed:
            # Another program took the free port meanwhile (Rasa binds late).
            if tries <= 1 or "address already in use" not in str(failed):
                raise
            self.rasa_port = free_port()
            self.env["RASA_PORT"] = str(self.rasa_port)
            self.start_rasa(model, tries - 1)

    @staticmethod
    def _end(proc: Optional[subprocess.Popen], sig: int) -> None:
        if proc and proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def kill_rasa(self) -> None:
        """As a crash would: no shutdown, no goodbyes."""
        self._end(self.rasa, signal.SIGKILL)

    def kill_actions(self) -> None:
        self._end(self.actions, signal.SIGKILL)

    def stop(self) -> None:
        self._end(self.rasa, signal.SIGTERM)
        self._end(self.actions, signal.SIGTERM)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.home.glob("*.log"))


@dataclass
class Cluster:
    model: Path
    postgres: Postgres
    redis: Redis
    twilio: FakeTwilio
    instances: List[Instance]
    proxies: Dict[str, Nginx] = field(default_factory=dict)
    sms_env: Dict[str, str] = field(default_factory=dict)

    @property
    def clinic_phone(self) -> str:
        return load_clinic().phone

    @property
    def tracker_url(self) -> str:
        return self.postgres.url(DATABASE)

    def proxy(self, *names: str) -> Nginx:
        """nginx in front of the named instances (all of them without names)."""
        chosen = [i for i in self.instances if not names or i.name in names]
        key = ",".join(i.name for i in chosen)
        if key not in self.proxies:
            self.proxies[key] = start_nginx([i.rasa_port for i in chosen])
        return self.proxies[key]

    def events(self, conversation: str) -> List[dict]:
        """The conversation as stored, in the events table's order."""
        rows = self.postgres.query(
            DATABASE, "SELECT data FROM events WHERE sender_id = %s ORDER BY id", (conversation,))
        return [json.loads(data) for (data,) in rows]

    def restart_postgres(self, down_seconds: float = 0.0) -> None:
        self.postgres.proc.send_signal(signal.SIGINT)  # "fast": cuts every connection
        self.postgres.proc.wait(timeout=30)
        time.sleep(down_seconds)
        restarted = start_postgres(home=self.postgres.home, port=self.postgres.port)
        self.postgres.proc = restarted.proc

    def log_text(self) -> str:
        return "\n".join(i.log_text() for i in self.instances)

    def stop(self) -> None:
        for proxy in self.proxies.values():
            proxy.stop()
        with ThreadPoolExecutor() as pool:
            list(pool.map(Instance.stop, self.instances))
        self.redis.stop()
        self.postgres.stop()
        self.twilio.close()
        for instance in self.instances:
            shutil.rmtree(instance.home, ignore_errors=True)


def start_cluster(model: Path, instances: int = 2, **overrides: str) -> Cluster:
    """PostgreSQL, Redis, the fake Twilio API, then `instances` Rasa servers
    (started side by side, as a deployment's would be) with an action server each."""
    postgres, redis_server, twilio = start_postgres(), start_redis(), FakeTwilio()
    postgres.create_database(DATABASE)
    sms = sms_settings(twilio)
    shared = {
        **NO_RATE_LIMITS,
        "CLINIC_ENV": "production",
        "TRACKER_STORE_URL": postgres.url(DATABASE),
        "LOCK_STORE_URL": redis_server.url,
        **sms,
        "SMS_ID_SECRET": os.urandom(32).hex(),
        "WEBCHAT_SESSION_SECRET": os.urandom(32).hex(),
        "CONSOLE_SECRET_KEY": os.urandom(32).hex(),
        "REST_CHANNEL_TOKEN": REST_TOKEN,
        "WEBCHAT_ALLOWED_ORIGINS": ORIGIN,
        "SANIC_PROXIES_COUNT": "1",  # rate limits key on the client nginx names
        "LOG_LEVEL": "INFO",
        **overrides,
    }
    members = []
    for n in range(instances):
        home = Path(tempfile.mkdtemp(prefix=f"clinic-rasa{n + 1}-"))
        rasa_port, action_port = free_port(), free_port()
        env = base_env(**shared, VAR_DIR=str(home), RASA_PORT=str(rasa_port),
                       ACTION_PORT=str(action_port),
                       ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook")
        members.append(Instance(f"rasa{n + 1}", rasa_port, action_port, home, env))
    cluster = Cluster(model, postgres, redis_server, twilio, members,
                      sms_env={**sms, "SMS_ID_SECRET": shared["SMS_ID_SECRET"]})
    try:
        with ThreadPoolExecutor() as pool:
            list(pool.map(Instance.start_actions, members))
            list(pool.map(lambda i: i.start_rasa(model), members))
    except Exception:
        cluster.stop()
        raise
    return cluster

