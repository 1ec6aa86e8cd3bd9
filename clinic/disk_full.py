"""Telling a database's full disk from its other errors, for one clear log line
(the channels' tracker store, the console's database)."""

from __future__ import annotations

from typing import Optional

# SQLite's SQLITE_FULL, and PostgreSQL's disk_full (53100) as its server words it.
DISK_FULL = ("database or disk is full", "no space left on device")


def first_line(error: BaseException) -> str:
    """The driver's message, first line only: SQLAlchemy's adds the SQL and its
    parameters (the stored events, the patient's words), PostgreSQL's a DETAIL."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__


def disk_full(error: Optional[BaseException]) -> Optional[str]:
    """The first line of the error in `error`'s chain that says the disk is full, if one does."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        line = first_line(error)
        if any(words in line.lower() for words in DISK_FULL):
            return line
        error = error.__cause__ or error.__context__
    return None
