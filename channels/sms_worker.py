"""This server's share of the SMS channel's queued work (channels/sms_queue.py):
it takes waiting messages and runs their turns, and sends due replies, until
the server stops.

Work is looked for when the webhook queues a message here, when a turn here
queues replies, and every POLL_SECONDS anyway: a message another server
queued, or a lease a dead server left, is found by polling. Database calls run
in threads, so a slow or restarting database never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Awaitable, Callable, List, Set, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from channels.sms_gateway import SmsGateway
from channels.sms_queue import LEASE_SECONDS, Inbound, Outbound, SmsQueue, TryAgainLater
from clinic.sms_schema import OUTBOX, QUEUE

logger = logging.getLogger(__name__)
T = TypeVar("T")

POLL_SECONDS = 0.5
MAX_TURNS_AT_ONCE = 8  # conversations whose turns run at the same time on this server
MAX_SENDS_AT_ONCE = 8


class SmsWorker:
    """Runs turns and sends replies; `run` until cancelled."""

    def __init__(
        self,
        queue: SmsQueue,
        gateway: SmsGateway,
        turn: Callable[[Inbound], Awaitable[List[str]]],
        opted_out: Callable[[str], bool],
    ) -> None:
        self.queue = queue
        self.gateway = gateway
        self.turn = turn
        self.opted_out = opted_out
        self._wake = asyncio.Event()
        self._turns: Set[int] = set()  # queue row ids in progress here
        self._sends: Set[int] = set()  # outbox row ids in progress here
        self._tasks: Set[asyncio.Task] = set()

    def poke(self) -> None:
        """There may be work: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        renewing = asyncio.create_task(self._renew_leases())
        try:
            while True:
                self._wake.clear()
                try:
                    await self._take_work()
                except SQLAlchemyError as error:  # the database is down or restarting
                    logger.warning("sms: the SMS store is unavailable (%s); retrying",
                                   type(error).__name__)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
        finally:
            renewing.cancel()
            for task in list(self._tasks):
                task.cancel()

    async def _take_work(self) -> None:
        room = MAX_TURNS_AT_ONCE - len(self._turns)
        if room > 0:
            for message in await asyncio.to_thread(self.queue.claim_messages, room):
                self._turns.add(message.id)
                self._start(self._run_turn(message))
        room = MAX_SENDS_AT_ONCE - len(self._sends)
        if room > 0:
            for reply in await asyncio.to_thread(self.queue.claim_replies, room):
                self._sends.add(reply.id)
                self._start(self._send(reply))

    def _start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_turn(self, message: Inbound) -> None:
        try:
            replies = await self.turn(message)
            if not await self._persist(self.queue.finish_turn, message, replies):
                logger.warning("sms: lost the lease on a message for %s; another server has it",
                               message.conversation)
        except TryAgainLater:
            delay = min(2.0 ** message.claims, LEASE_SECONDS)
            logger.warning("sms: a turn for %s failed; trying again in %.0f s",
                           message.conversation, delay)
            await self._persist(self.queue.retry_later, message, delay)
        except Exception:
            # The lease runs out and the message is taken again.
            logger.exception("sms: a turn for %s failed; it will be retried",
                             message.conversation)
        finally:
            self._turns.discard(message.id)
            self.poke()

    async def _send(self, reply: Outbound) -> None:
        config = self.gateway.config
        try:
            if await asyncio.to_thread(self.opted_out, reply.conversation):
                logger.info("sms: dropped a reply for %s (opted out)", reply.conversation)
                await asyncio.to_thread(self.queue.gave_up, reply, "dropped")
                return
            attempt = await self.gateway.send(reply.number, reply.body, reply.conversation)
            if attempt.sid:
                # Recorded whatever it takes: a reply the outbox forgets it
                # sent would be sent again by the next server to take it.
                await self._persist(self.queue.sent, reply, attempt.sid)
            elif attempt.retry and time.time() - reply.created_at < config.give_up_after:
                delay = config.backoff(reply.attempts + 1)
                logger.warning("sms: send to %s failed (%s), retry %d in %.1f s",
                               reply.conversation, attempt.reason, reply.attempts + 1, delay)
                await asyncio.to_thread(self.queue.send_later, reply, delay)
            else:
                logger.error("sms: gave up sending to %s after %d attempts (%s)",
                             reply.conversation, reply.attempts + 1, attempt.reason)
                await asyncio.to_thread(self.queue.gave_up, reply, "failed")
        except Exception:
            logger.exception("sms: sending a reply to %s failed; it will be retried",
                             reply.conversation)
        finally:
            self._sends.discard(reply.id)
            self.poke()

    async def _persist(self, write: Callable[..., T], *args: Any) -> T:
        """`write` in a thread, tried again while the database is away (a
        restart), for as long as this server's lease keeps the row its own."""
        deadline = time.monotonic() + LEASE_SECONDS / 2
        while True:
            try:
                return await asyncio.to_thread(write, *args)
            except SQLAlchemyError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 3)
            try:
                await asyncio.to_thread(self.queue.renew, QUEUE, list(self._turns))
                await asyncio.to_thread(self.queue.renew, OUTBOX, list(self._sends))
            except SQLAlchemyError as error:
                logger.warning("sms: could not renew leases (%s)", type(error).__name__)
