"""A Rasa server's first turn builds its TensorFlow graphs and takes seconds,
with the event loop blocked: requests arriving then wait, and a socket.io
client gives up on them (5 s). So the server runs one made-up turn through
NLU and the policies as it starts, before a load balancer's health check
sees it answer; nothing is stored and no action runs."""

from __future__ import annotations

import logging
import time
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

SENDER = "warm-up"


async def warm_up(app: Any) -> None:
    agent = getattr(app.ctx, "agent", None)
    if agent is None or agent.processor is None:
        return
    started = time.monotonic()
    try:
        parsed = await agent.processor.parse_message(UserMessage("hello", sender_id=SENDER))
        tracker = DialogueStateTracker.from_events(
            SENDER,
            [ActionExecuted(ACTION_LISTEN_NAME),
             UserUttered("hello", parsed["intent"], parsed["entities"], parse_data=parsed)],
            slots=agent.domain.slots,
        )
        agent.processor.predict_next_with_tracker(tracker)
    except Exception:  # a cold first turn is slow, not wrong: never stop the server for it
        logger.exception("warm-up turn failed")
        return
    logger.info("warmed up in %.1f s", time.monotonic() - started)
