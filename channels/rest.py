"""Rasa's REST channel, for integrations and local tools, strict about its input and never silent.

Same URL and reply format as Rasa's own (`POST /webhooks/rest/webhook` with
`{"sender": ..., "message": ...}`, answered with a list of bot messages), plus:
- who may call: with REST_CHANNEL_TOKEN set, only requests with
  `Authorization: Bearer <token>` (401 otherwise); without it, only this
  machine: a loopback peer address, and no forwarding headers, since a local
  reverse proxy would make every client look local (403 otherwise). The
  server says which at start-up. Rasa binds 0.0.0.0 because the widget's
  socket needs it, so this is what keeps REST off the internet;
- `sender` cannot be a web chat or SMS conversation id (400);
- per-client and per-conversation rate limits (429 with Retry-After and a
  polite reply) and a cap on turns per session (channels/limits.py); a red
  flag over a limit still gets the urgent reply;
- malformed requests get a 4xx with a JSON error instead of a 500;
- the client cannot claim another channel (Rasa's lets `input_channel` say "sms");
- payloads ("/intent{...}") only as the assistant's buttons offer them;
- over-long messages are refused with a polite reply;
- a turn that produced nothing (action server down), or that the tracker store
  could not save (disk full), gets the clinic's phone number instead;
- no patient text in the logs.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import replies
from channels.client_input import as_patient_text
from channels.clients import came_through_a_proxy, client_address, is_loopback, peer_ip
from channels.conversation_ids import belongs_to_web_or_sms
from channels.limits import ChannelLimits, Refusal
from channels.tracker_store_errors import fail_turns_the_store_cannot_save
from channels.warm_up import warm_up
from clinic.contract import Channel

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 4096


class BadRequest(ValueError):
    """The request cannot be processed; the message says why."""


def error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=headers)


def parse_body(request: Request) -> Dict[str, Any]:
    """The request's JSON object with a valid sender and message.

    Raises:
        BadRequest: anything else.
    """
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("'sender' (a conversation id string) is required")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    if belongs_to_web_or_sms(sender):
        raise BadRequest(
            "'sender' has the form of a web chat or SMS conversation id; choose another"
        )
    if not isinstance(body.get("message"), str):
        raise BadRequest("'message' (a string) is required")
    metadata = body.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict) or len(json.dumps(metadata)) > MAX_METADATA_BYTES
    ):
        raise BadRequest(f"'metadata' must be a JSON object under {MAX_METADATA_BYTES} bytes")
    return body


class ClinicRestInput(InputChannel):
    """REST input channel named `rest`, so the URL stays Rasa's usual one."""

    @classmethod
    def name(cls) -> str:
        return Channel.REST

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(
            token=os.environ.get("REST_CHANNEL_TOKEN", "").strip() or None,
            limits=ChannelLimits.from_env("REST_RATE_LIMIT", 120),
        )

    def __init__(self, token: Optional[str] = None, limits: Optional[ChannelLimits] = None) -> None:
        self.token = token
        self.limits = limits or ChannelLimits.from_env("REST_RATE_LIMIT", 120)
        if token:
            logger.info("rest: requests need REST_CHANNEL_TOKEN as 'Authorization: Bearer <token>'")
        else:
            logger.warning(
                "rest: REST_CHANNEL_TOKEN is not set, so the REST channel answers only this "
                "machine (loopback clients, not through a proxy); set it to let integrations in"
            )

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """401 or 403 for a caller the channel must not answer, else None."""
        if self.token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                return error(401, "send the channel's token as 'Authorization: Bearer <token>'",
                             headers={"WWW-Authenticate": "Bearer"})
            return None
        if not is_loopback(peer_ip(request)) or came_through_a_proxy(request):
            return error(403, "the REST channel does not answer requests from elsewhere")
        return None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("clinic_rest_webhook", __name__)
        fail_turns_the_store_cannot_save(webhook)
        # The REST channel is always on, so its blueprint warms the server up.
        webhook.after_server_start(lambda app, _: warm_up(app))

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self.refusal(request)
            if refused:
                return refused
            if not (request.content_type or "").startswith("application/json"):
                return error(415, "send the message as application/json")
            try:
                body = parse_body(request)
            except BadRequest as bad:
                return error(400, str(bad))
            sender, text = body["sender"], body["message"]
            limit = replies.max_message_chars()
            if len(text) > limit:
                return response.json([{"recipient_id": sender, "text": replies.too_long(limit)}])
            over = await self.limits.admit(client_address(request), sender)
            if over:
                return self.over_limit(over, sender, text)
            messages = await self.handle(
                on_new_message, sender, as_patient_text(text), body.get("metadata")
            )
            return response.json(messages)

        return webhook

    def over_limit(self, refusal: Refusal, sender: str, text: str) -> HTTPResponse:
        """The polite reply, as 429 when retrying later helps; the urgent reply as an answer."""
        reply = replies.over_limit(refusal, text)
        body = [{"recipient_id": sender, "text": reply.text}]
        if refusal is Refusal.RATE and not reply.urgent:
            return response.json(
                body, status=429, headers={"Retry-After": str(self.limits.retry_after_seconds())}
            )
        return response.json(body)

    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str,
        metadata: Optional[Dict[str, Any]],
    ) -> List[Dict[str, Any]]:
        """Runs one turn and returns its bot messages, never an empty list."""
        collector = CollectingOutputChannel()
        completed = await replies.run_turn(
            on_new_message,
            UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata),
        )
        if completed and collector.messages:
            return collector.messages
        return [{"recipient_id": sender, "text": replies.unavailable()}]
