"""One asyncio lock per conversation, so its messages are handled one at a time
in arrival order ("MORE" or "1" must see the reply before it)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator, Dict


class TurnLocks:
    """Locks kept only while someone holds or awaits them."""

    def __init__(self) -> None:
        self._locks: Dict[str, asyncio.Lock] = {}
        self._users: Dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def held(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]
