"""Throwaway Redis and nginx servers (Debian's `redis-server` and `nginx`) on
loopback, for the multi-server tests, the load test and its benchmark.

nginx runs the project's own proxy configuration
(deploy/nginx/clinic.conf.template), rendered as the official nginx image
renders it, inside a minimal main configuration of its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import string
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import redis
import requests

from tests.servers import ROOT, free_port

TEMPLATE = ROOT / "deploy" / "nginx" / "clinic.conf.template"


def _program(name: str, *places: str) -> str:
    found = shutil.which(name) or next((p for p in places if Path(p).exists()), None)
    assert found, f"no {name}: run `make test-deps` (Debian's {name} package)"
    return found


@dataclass
class Redis:
    port: int
    password: str
    home: Path
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def start(self) -> None:
        """Starts it (again) on the same port: nothing was saved, as in production."""
        log = (self.home / "redis.log").open("a")
        self.proc = subprocess.Popen(
            [_program("redis-server", "/usr/bin/redis-server"), "--port", str(self.port),
             "--bind", "127.0.0.1", "--requirepass", self.password, "--save", "",
             "--appendonly", "no", "--dir", str(self.home)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.home, ignore_errors=True)


def start_redis() -> Redis:
    server = Redis(free_port(), os.urandom(8).hex(), Path(tempfile.mkdtemp(prefix="clinic-redis-")),
                   None)  # type: ignore[arg-type]
    server.start()
    return server


MAIN_CONFIG = """
daemon off;
worker_processes 2;
pid $home/nginx.pid;
error_log $home/error.log warn;
$user
events { worker_connections 4096; }
http {
    client_body_temp_path $home/tmp/body;
    proxy_temp_path $home/tmp/proxy;
    fastcgi_temp_path $home/tmp/fastcgi;
    uwsgi_temp_path $home/tmp/uwsgi;
    scgi_temp_path $home/tmp/scgi;
    include $home/clinic.conf;
}
"""


@dataclass
class Nginx:
    port: int
    home: Path
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> str:
        path = self.home / "access.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finishes open requests
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.home, ignore_errors=True)


def start_nginx(upstream_ports: Sequence[int]) -> Nginx:
    """The project's proxy in front of Rasa servers on these loopback ports."""
    home = Path(tempfile.mkdtemp(prefix="clinic-nginx-"))
    (home / "tmp").mkdir()
    port = free_port()
    servers = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstream_ports)
    # The official image's envsubst replaces only the variables it is given.
    rendered = string.Template(TEMPLATE.read_text()).safe_substitute(
        RASA_UPSTREAMS=servers, LISTEN_PORT=f"127.0.0.1:{port}", ACCESS_LOG=f"{home}/access.log")
    (home / "clinic.conf").write_text(rendered)
    (home / "nginx.conf").write_text(string.Template(MAIN_CONFIG).substitute(
        home=home, user="user root;" if os.getuid() == 0 else ""))
    nginx = _program("nginx", "/usr/sbin/nginx")
    check = subprocess.run([nginx, "-t", "-p", str(home), "-c", str(home / "nginx.conf"),
                            "-e", str(home / "error.log")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([nginx, "-p", str(home), "-c", str(home / "nginx.conf"),
                             "-e", str(home / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Nginx(port, home, proc)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not start:\n{(home / 'error.log').read_text()}")
