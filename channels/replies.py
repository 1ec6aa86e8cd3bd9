"""What every channel does around Rasa: limits, and never leaving a patient unanswered.

Rasa drops a turn silently when the action server is down or an action fails
(it logs the error and listens again). A patient must still get an answer, so
each channel sends `unavailable` when a turn produced no message at all; every
intent has a reply, so an empty turn always means something broke. So does a
turn that raised, such as one the tracker store could not save.
"""

from __future__ import annotations

import logging
import os
from asyncio import CancelledError
from functools import lru_cache
from typing import Any, Awaitable, Callable, NamedTuple

from rasa.core.channels.channel import UserMessage

from channels.limits import Refusal
from channels.tracker_store_errors import TurnNotStored
from clinic.config import Clinic, load_clinic
from clinic.contract import Response
from clinic.domain import response_text, session_expiration_seconds
from nlp.red_flags import find_red_flags

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


def urgent() -> str:
    """The urgent-symptom reply, word for word as the assistant gives it."""
    return response_text(Response.URGENT_SYMPTOM, clinic())


class OverLimitReply(NamedTuple):
    text: str
    urgent: bool  # the urgent-symptom reply: send it as an answer, not as a refusal


def over_limit(refusal: Refusal, text: str) -> OverLimitReply:
    """Reply to a message over a limit (the message is not processed).

    A message with a red flag gets the urgent reply whatever the limit: the
    limits are for floods, not for a patient in trouble. It is still not
    processed, so a flood of "fever and pus" cannot fill the staff's
    follow-up queue with urgent flags; the reply itself tells the patient to
    call now and not to wait for an answer here.
    """
    if find_red_flags(text):
        return OverLimitReply(urgent(), urgent=True)
    c = clinic()
    if refusal is Refusal.TURNS:
        minutes = round(session_expiration_seconds() / 60)
        return OverLimitReply(
            "This chat has reached its length limit, so I can't answer more messages in it. "
            f"Please call {c.name} on {c.phone} ({c.hours}), or write again after "
            f"{minutes} minutes without messages to start a new chat.",
            urgent=False,
        )
    return OverLimitReply(
        "You're sending messages faster than I can answer them. Please wait a minute and "
        f"send your question again, or call {c.name} on {c.phone}.",
        urgent=False,
    )


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> bool:
    """Runs one turn; whether it completed. A failure is logged, without the
    patient's text, and not raised: the channel then sends `unavailable()`,
    also after messages the failed turn sent (it was not stored)."""
    try:
        await on_new_message(message)
        return True
    except TurnNotStored as failure:  # already one clear line
        logger.error("%s: %s", message.input_channel, failure)
    except CancelledError:
        logger.error("%s: a turn timed out", message.input_channel)
    except Exception:
        logger.exception("%s: a turn failed", message.input_channel)
    return False
