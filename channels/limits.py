"""Rate limits and the per-session turn cap of the REST and web chat channels.

(SMS keeps its own per-number window in its store: channels/sms.py.)

- per client address and per conversation, a leaky bucket (aiolimiter) of N
  messages a minute, so a burst of N passes and then one every 60/N seconds;
- per conversation, at most `max_turns` turns in one Rasa session (a session
  ends after the domain's session_expiration_time of silence), so a script
  that keeps within the rate still cannot grow a conversation without end.

The counts live in the Rasa server's memory: a restart forgets them (they
stop floods, they are not accounts), and idle entries are dropped as the
tables grow. Settings (environment, messages a minute): REST_RATE_LIMIT
(120 per client), WEBCHAT_RATE_LIMIT (60 per client address),
CONVERSATION_RATE_LIMIT (20), MAX_TURNS_PER_SESSION (200).
"""

from __future__ import annotations

import enum
import math
import os
import time
from typing import Callable, Dict, Optional, Tuple

from aiolimiter import AsyncLimiter

from clinic.domain import session_expiration_seconds

WINDOW_SECONDS = 60.0
PRUNE_AFTER_KEYS = 1000  # tables are swept for idle keys when they grow past this


class Refusal(enum.Enum):
    """Why a message is not processed."""

    RATE = "rate"  # too many messages a minute: retry later
    TURNS = "turns"  # this session has had its turns


class RateLimiter:
    """At most `per_minute` messages a minute for each key (client or conversation)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: Dict[str, AsyncLimiter] = {}
        self._sweep_at = PRUNE_AFTER_KEYS

    def has_room(self, key: str) -> bool:
        bucket = self._buckets.get(key)
        return bucket is None or bucket.has_capacity()

    async def take(self, key: str) -> None:
        """Counts one message; call right after `has_room` said yes, so it never waits."""
        if key not in self._buckets and len(self._buckets) >= self._sweep_at:
            # A drained bucket is the same as none.
            self._buckets = {
                k: b for k, b in self._buckets.items() if not b.has_capacity(self.per_minute)
            }
            self._sweep_at = max(PRUNE_AFTER_KEYS, 2 * len(self._buckets))
        bucket = self._buckets.setdefault(key, AsyncLimiter(self.per_minute, WINDOW_SECONDS))
        await bucket.acquire()

    def retry_after_seconds(self) -> int:
        """How long until a full bucket lets one more message through."""
        return math.ceil(WINDOW_SECONDS / self.per_minute)


class TurnCap:
    """At most `max_turns` turns per conversation in one session (ended by silence)."""

    def __init__(
        self, max_turns: int, session_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_turns = max_turns
        self.session_seconds = session_seconds
        self._clock = clock
        self._turns: Dict[str, Tuple[int, float]] = {}  # conversation -> (turns, last turn)
        self._sweep_at = PRUNE_AFTER_KEYS

    def _current(self, conversation: str, now: float) -> int:
        turns, last = self._turns.get(conversation, (0, 0.0))
        return turns if now - last <= self.session_seconds else 0

    def has_room(self, conversation: str) -> bool:
        return self._current(conversation, self._clock()) < self.max_turns

    def take(self, conversation: str) -> None:
        now = self._clock()
        if conversation not in self._turns and len(self._turns) >= self._sweep_at:
            self._turns = {
                c: t for c, t in self._turns.items() if now - t[1] <= self.session_seconds
            }
            self._sweep_at = max(PRUNE_AFTER_KEYS, 2 * len(self._turns))
        self._turns[conversation] = (self._current(conversation, now) + 1, now)


def _setting(name: str, default: int) -> int:
    value = int(os.environ.get(name) or default)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


class ChannelLimits:
    """One channel's limits: per client, per conversation, turns per session."""

    def __init__(
        self, per_client: int, per_conversation: int, max_turns: int, session_seconds: float
    ) -> None:
        self.clients = RateLimiter(per_client)
        self.conversations = RateLimiter(per_conversation)
        self.turns = TurnCap(max_turns, session_seconds)

    @classmethod
    def from_env(cls, client_setting: str, client_default: int) -> ChannelLimits:
        return cls(
            per_client=_setting(client_setting, client_default),
            per_conversation=_setting("CONVERSATION_RATE_LIMIT", 20),
            max_turns=_setting("MAX_TURNS_PER_SESSION", 200),
            session_seconds=session_expiration_seconds(),
        )

    async def admit(self, client: str, conversation: str) -> Optional[Refusal]:
        """None, and the message is counted; or why it must not be processed (not counted)."""
        if not self.turns.has_room(conversation):
            return Refusal.TURNS
        if not (self.clients.has_room(client) and self.conversations.has_room(conversation)):
            return Refusal.RATE
        # No await above this point suspends, and `take` never waits after
        # `has_room`: checks and counts are one step for the event loop.
        await self.clients.take(client)
        await self.conversations.take(conversation)
        self.turns.take(conversation)
        return None

    def retry_after_seconds(self) -> int:
        return max(self.clients.retry_after_seconds(), self.conversations.retry_after_seconds())
