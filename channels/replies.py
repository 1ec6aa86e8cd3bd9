"""What every channel does around Rasa: limits, and never leaving a patient unanswered.

Rasa drops a turn silently when the action server is down or an action fails
(it logs the error and listens again). A patient must still get an answer, so
each channel sends `unavailable` when a turn produced no message at all; every
intent has a reply, so an empty turn always means something broke.
"""

from __future__ import annotations

import logging
import os
from asyncio import CancelledError
from functools import lru_cache
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

from actions.clinic import Clinic, load_clinic

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_CHARS = 2000


def max_message_chars() -> int:
    """Longest patient message processed (env `MAX_MESSAGE_CHARS`)."""
    return int(os.environ.get("MAX_MESSAGE_CHARS") or DEFAULT_MAX_MESSAGE_CHARS)


@lru_cache(maxsize=1)
def clinic() -> Clinic:
    return load_clinic()


def unavailable() -> str:
    """Reply when the assistant could not answer at all."""
    return clinic().unavailable_message()


def too_long(limit: int) -> str:
    """Reply to a message over the length limit (it is not processed)."""
    c = clinic()
    return (
        f"Sorry, that message is too long for me (the limit is {limit:,} characters). "
        f"Please send a shorter question, or call {c.name} on {c.phone}."
    )


async def run_turn(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> None:
    """Runs one turn. A failure is logged, without the patient's text, and not
    raised: the channel then sends `unavailable()` for the empty turn."""
    try:
        await on_new_message(message)
    except CancelledError:
        logger.error("%s: a turn timed out", message.input_channel)
    except Exception:
        logger.exception("%s: a turn failed", message.input_channel)
