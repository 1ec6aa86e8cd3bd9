"""Turns a database URL (CONSOLE_DATABASE_URL) into Django's DATABASES entry.

Two kinds, as the tracker store supports: sqlite:///<path> (relative paths
are taken from the current directory, as SQLAlchemy does) and
postgresql://user:password@host:port/name?sslmode=require.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict
from urllib.parse import parse_qsl, unquote, urlsplit

# Readers do not wait for the writer (WAL); a writer waits up to 20 s for
# another; IMMEDIATE takes the write lock at the start of a transaction, so
# two transactions never deadlock upgrading a read lock.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"}


def database_config(url: str) -> Dict[str, Any]:
    """Django's settings for one database.

    Raises:
        ValueError: a URL of another kind, or without a database name.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not path:
            raise ValueError("a SQLite URL needs a file: sqlite:///path/to/console.db")
        path = unquote(path.split("?", 1)[0])
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    if parts.scheme in POSTGRES_SCHEMES:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ValueError("a PostgreSQL URL needs a database name: postgresql://user@host/name")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
            "CONN_MAX_AGE": 60,
        }
    raise ValueError(f"unsupported database URL scheme {parts.scheme!r}: use sqlite:/// or postgresql://")
