"""A turn the tracker store cannot save fails, instead of being answered as if it were stored.

Rasa wraps the tracker store in a `FailSafeTrackerStore`. When a save fails
(SQLite's "database or disk is full", PostgreSQL gone) it logs the SQL error
with the event's data, keeps the conversation in process memory, which no
later turn reads, and the patient gets the turn's answer as usual: "I've
flagged this conversation" with no flag stored, and every turn of the outage
missing from the record. A failed read gave a fresh, empty conversation.

Here the store's errors fail the turn: the channels send `unavailable` (the
clinic's number), nothing of the turn is stored, and one log line, with no
patient data, names the store and says whether its disk is full.
"""

from __future__ import annotations

import logging
from asyncio import AbstractEventLoop
from pathlib import Path
from typing import Any, Callable, Optional

from rasa.core.tracker_store import FailSafeTrackerStore
from sanic import Blueprint, Sanic

from clinic.disk_full import disk_full, first_line

logger = logging.getLogger(__name__)


class TurnNotStored(Exception):
    """The tracker store could not save or read a conversation; the message says why."""


def store_name(store: Any) -> str:
    """The store's class and database URL (its password hidden)."""
    engine = getattr(store, "engine", None)
    where = f" at {engine.url!r}" if engine is not None else ""
    return f"{type(store).__name__}{where}"


def where_on_disk(store: Any) -> str:
    url = getattr(getattr(store, "engine", None), "url", None)
    if url is not None and url.get_backend_name() == "sqlite" and url.database:
        return f" (the disk holding {Path(url.database).parent})"
    return " (the database server's)" if url is not None else ""


def describe(error: Exception, store: Any) -> str:
    """One line on what failed: never the SQL's parameters (the events, the patient's words)."""
    full = disk_full(error)
    if full:
        return (
            f"the turn was not stored: the tracker store's disk is full{where_on_disk(store)}; "
            f"{store_name(store)}: {full}. Patients get the clinic's number until space is freed"
        )
    cause = getattr(error, "orig", None) or error
    return (
        f"the turn was not stored: the tracker store failed; {store_name(store)}: "
        f"{type(cause).__name__}: {first_line(error)[:200]}"
    )


def raise_not_stored(store: Any) -> Callable[[Exception], None]:
    def fail(error: Exception) -> None:
        raise TurnNotStored(describe(error, store)) from None  # the SQL's parameters stay out

    return fail


def strict(tracker_store: Any) -> bool:
    """Makes a `FailSafeTrackerStore`'s errors raise `TurnNotStored`; whether it could."""
    if not isinstance(tracker_store, FailSafeTrackerStore) or not hasattr(
        tracker_store, "_on_tracker_store_error"
    ):
        return False
    # Rasa's constructor takes this callback, but Rasa builds the store itself.
    tracker_store._on_tracker_store_error = raise_not_stored(tracker_store._tracker_store)
    return True


def fail_turns_the_store_cannot_save(blueprint: Blueprint) -> None:
    """Once the Rasa server serving `blueprint` has loaded its agent, its
    tracker store's errors fail the turn (idempotent: every channel may ask)."""

    @blueprint.listener("after_server_start")
    async def strict_tracker_store(app: Sanic, _: AbstractEventLoop) -> None:
        agent: Optional[Any] = getattr(app.ctx, "agent", None)
        if agent is None or not strict(agent.tracker_store):
            logger.warning(
                "a failed save of the tracker store will not fail the turn: "
                "Rasa's FailSafeTrackerStore was not found"
            )
