"""Sending SMS through Twilio's REST API (or a Twilio-compatible gateway).

POST {base}/2010-04-01/Accounts/{sid}/Messages.json with To, From and Body,
authenticated with the account SID and auth token. A gateway that is down or
answers 5xx or 429 is worth another try later (the outbox retries with
back-off); a 4xx (a bad request will not get better) is not. Failures are logged without
the number or the text, and never raise into the channel.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import NamedTuple, Optional

import aiohttp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayConfig:
    account_sid: str
    auth_token: str
    from_number: str
    base_url: str = "https://api.twilio.com"
    first_backoff: float = 0.5  # seconds before the first retry; doubles after each failure
    max_backoff: float = 60.0  # SMS_RETRY_MAX_SECONDS: the longest wait between two tries
    give_up_after: float = 3600.0  # SMS_GIVE_UP_SECONDS: a reply this old is not sent any more
    timeout: float = 10.0

    def backoff(self, failures: int) -> float:
        """The wait after `failures` failed attempts (1, 2, ...)."""
        return min(self.first_backoff * 2 ** (failures - 1), self.max_backoff)


class Attempt(NamedTuple):
    """One try at sending: the gateway's message SID, or whether to try again."""

    sid: Optional[str] = None
    retry: bool = False
    reason: str = ""


class SmsGateway:
    """Sends one SMS per call; retrying is the outbox's business (channels/sms_worker.py)."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.url = (
            f"{config.base_url.rstrip('/')}/2010-04-01/Accounts/{config.account_sid}/Messages.json"
        )

    async def send(self, to: str, body: str, log_id: str) -> Attempt:
        """Tries once to send `body` to `to`. `log_id` names the conversation in
        logs (a hash, never the number)."""
        data = {"To": to, "From": self.config.from_number, "Body": body}
        auth = aiohttp.BasicAuth(self.config.account_sid, self.config.auth_token)
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(self.url, data=data, auth=auth) as response:
                    if response.status < 300:
                        payload = await response.json(content_type=None)
                        return Attempt(sid=str(payload.get("sid", "")) or "unknown")
                    if response.status < 500 and response.status != 429:
                        logger.error("sms: gateway refused a message for %s (HTTP %s)",
                                     log_id, response.status)
                        return Attempt(reason=f"HTTP {response.status}")
                    return Attempt(retry=True, reason=f"HTTP {response.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return Attempt(retry=True, reason=type(error).__name__)
