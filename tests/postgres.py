"""A throwaway PostgreSQL server (Debian's `postgresql` package) for the tests.

Its own cluster in a temp dir, on a free loopback port, with password
authentication, so the tests use PostgreSQL the way a clinic's deployment
would and never touch a cluster of the machine's. PostgreSQL refuses to run
as root: under root the cluster belongs to the package's `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import psycopg2

from tests.servers import free_port

USER = "clinic"
PASSWORD = "test-" + os.urandom(6).hex()


def bindir() -> Path:
    """The newest installed PostgreSQL's programs (or PG_BINDIR)."""
    configured = os.environ.get("PG_BINDIR")
    found = (
        [configured] if configured else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version)
    )
    assert found and Path(found[-1], "initdb").exists(), (
        "no PostgreSQL server: run `make test-deps` (Debian's postgresql) or set PG_BINDIR"
    )
    return Path(found[-1])


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


@dataclass
class Postgres:
    port: int
    home: Path
    proc: subprocess.Popen

    def url(self, database: str) -> str:
        """The SQLAlchemy/Django URL of `database`, as the project's settings take it."""
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname=database
        )

    def create_database(self, name: str) -> None:
        db = self.connect()
        db.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with db.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        db.close()

    def query(self, database: str, sql: str, params: Sequence[Any] = ()) -> List[tuple]:
        """Runs one statement in its own transaction; the rows, if it returns any."""
        db = self.connect(database)
        try:
            with db, db.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            db.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # "fast" shutdown: disconnects clients
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.home, ignore_errors=True)


def start_postgres(home: Optional[Path] = None, port: Optional[int] = None) -> Postgres:
    """A new cluster; or, given the `home` and `port` of a stopped one, that one again."""
    programs = bindir()
    if home is not None and port is not None:
        return _run(programs, home, port)
    home = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
    as_owner = _as_owner(home)
    if as_owner:
        shutil.chown(home, "postgres", "postgres")
    password_file = home / "password"
    password_file.write_text(PASSWORD + "\n")
    if as_owner:
        shutil.chown(password_file, "postgres", "postgres")
    data = home / "data"
    subprocess.run(
        [str(programs / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={password_file}",
         "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"],
        check=True, capture_output=True, text=True, **as_owner,
    )
    return _run(programs, home, free_port())


def _as_owner(home: Path) -> Dict[str, Any]:
    """As the owner itself, not through runuser: runuser does not pass on the
    signal that stops the server, which then outlived the tests."""
    if os.getuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": [], "cwd": home}


def _run(programs: Path, home: Path, port: int) -> Postgres:
    as_owner = _as_owner(home)
    data = home / "data"
    log = home / "postgres.log"
    proc = subprocess.Popen(
        [
            str(programs / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={home}",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",  # several Rasa servers' pools
        ],  # a throwaway cluster: speed over durability
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        **as_owner,
    )
    server = Postgres(port, home, proc)
    _wait_until_ready(server, log)
    return server


@contextlib.contextmanager
def postgres_with(*databases: str) -> Iterator[Postgres]:
    """A throwaway server holding these (empty) databases, stopped afterwards."""
    server = start_postgres()
    try:
        for name in databases:
            server.create_database(name)
        yield server
    finally:
        server.stop()


def _wait_until_ready(server: Postgres, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    error: Optional[Exception] = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited during start-up:\n{log.read_text()[-3000:]}")
        try:
            server.connect().close()
            return
        except psycopg2.OperationalError as exc:
            error = exc
            time.sleep(0.3)
    raise RuntimeError(
        f"PostgreSQL did not come up in {timeout} s: {error}\n{log.read_text()[-3000:]}"
    )
