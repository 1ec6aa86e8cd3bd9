"""The per-number rate limit of the SMS channel: counted in the SMS store (so
every Rasa instance sees the same window), one polite notice per window, and
never in the way of a red flag."""

from __future__ import annotations

from dataclasses import dataclass

from nlp.red_flags import find_red_flags


@dataclass(frozen=True)
class SmsRateLimit:
    limit: int = 20  # messages that would get a reply, per number and window
    window_seconds: float = 600.0

    def exceeded(self, count: int, text: str) -> bool:
        """Whether the message is over the limit: a red flag never is, since the
        limit is for floods, not for a patient in trouble."""
        return count > self.limit and not find_red_flags(text)

    def minutes(self) -> int:
        return max(1, round(self.window_seconds / 60))
