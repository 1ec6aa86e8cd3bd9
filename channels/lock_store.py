"""The lock store, chosen by one setting: LOCK_STORE_URL.

Rasa handles one conversation's messages one at a time by holding a ticket
lock for it in the lock store. With one Rasa server the locks can live in its
memory (LOCK_STORE_URL empty, the local default); with several behind a load
balancer they must live where every instance sees them: Redis
(`redis://[:password@]host:6379/0`), Rasa's own RedisLockStore.

Rasa builds a lock store from endpoints.yml's `type` and `url`, but its
`redis` type takes a host, port and password as separate keys; this class
takes one URL, so the profile is chosen by the environment alone.
"""

from __future__ import annotations

from typing import Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    InMemoryLockStore,
    LockStore,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig


def redis_lock_store(url: str) -> RedisLockStore:
    """Rasa's RedisLockStore on the server a URL names."""
    store = RedisLockStore()  # no connection is made until the first command
    store.red = redis.StrictRedis.from_url(url, socket_timeout=DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
    return store


class LockStoreFromUrl(LockStore):
    """Redis when `url` is set, else in memory."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        url = ((endpoint_config.url if endpoint_config else None) or "").strip()
        self.backend: LockStore = redis_lock_store(url) if url else InMemoryLockStore()
        super().__init__()

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.backend.save_lock(lock)
