"""Sending SMS through Twilio's REST API (or a Twilio-compatible gateway).

POST {base}/2010-04-01/Accounts/{sid}/Messages.json with To, From and Body,
authenticated with the account SID and auth token. A gateway that is down or
answers 5xx is retried with exponential back-off a bounded number of times; a
4xx (a bad request will not get better) is not. Failures are logged without
the number or the text, and never raise into the channel.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable, Optional

import aiohttp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayConfig:
    account_sid: str
    auth_token: str
    from_number: str
    base_url: str = "https://api.twilio.com"
    attempts: int = 4
    first_backoff: float = 0.5  # seconds; doubles after each failed attempt
    timeout: float = 10.0


class SmsGateway:
    """Sends one SMS at a time, with retries."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.url = (
            f"{config.base_url.rstrip('/')}/2010-04-01/Accounts/{config.account_sid}/Messages.json"
        )

    async def send(
        self, to: str, body: str, log_id: str, still_wanted: Callable[[], bool] = lambda: True
    ) -> Optional[str]:
        """Sends `body` to `to`; returns the gateway's message SID, or None on failure.

        `log_id` names the conversation in logs (a hash, never the number).
        `still_wanted` is asked before every attempt: a patient who texts STOP
        while a retry waits gets nothing more.
        """
        data = {"To": to, "From": self.config.from_number, "Body": body}
        auth = aiohttp.BasicAuth(self.config.account_sid, self.config.auth_token)
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        delay = self.config.first_backoff
        for attempt in range(1, self.config.attempts + 1):
            if not still_wanted():
                logger.info("sms: dropped a message for %s (opted out meanwhile)", log_id)
                return None
            try:
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.post(self.url, data=data, auth=auth) as response:
                        if response.status < 300:
                            payload = await response.json(content_type=None)
                            return str(payload.get("sid", ""))
                        if response.status < 500 and response.status != 429:
                            logger.error(
                                "sms: gateway refused a message for %s (HTTP %s)",
                                log_id,
                                response.status,
                            )
                            return None
                        reason = f"HTTP {response.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                reason = type(error).__name__
            if attempt < self.config.attempts:
                logger.warning(
                    "sms: send to %s failed (%s), retry %d in %.1f s",
                    log_id,
                    reason,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
                delay *= 2
        logger.error(
            "sms: gave up sending to %s after %d attempts (%s)",
            log_id,
            self.config.attempts,
            reason,
        )
        return None
