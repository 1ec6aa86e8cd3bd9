"""SMS through a Twilio-compatible gateway: the `sms` channel (/webhooks/sms/webhook).

The gateway POSTs each inbound text (form-encoded, signed with
X-Twilio-Signature); replies go out through its REST API. Rasa's own `twilio`
channel checks no signature and knows nothing of SMS rules, hence this one:

- every request's signature is checked with twilio's RequestValidator against
  the public URL the gateway calls (SMS_WEBHOOK_URL); a bad one gets 403 and
  nothing is processed, stored or sent;
- the webhook queues the message in the SMS store's database and answers at
  once with empty TwiML; whichever server is free runs the turn, one
  conversation's messages one at a time in arrival order, and its replies
  go out through the API from an outbox in the same database, retried with
  back-off (one SMS per turn). Nothing waits in a server's memory, so a
  server that dies loses no message and no reply (channels/sms_queue.py);
- a retried MessageSid is ignored;
- STOP-words opt the number out (never answered; nothing is sent until
  START), HELP/INFO get the clinic's details; none of them reaches the NLU.
  "Stop.", "stop please" and "opt out" count too, a question with "stop" in
  it does not (channels/sms_keywords.py);
- answers are the knowledge base's short ones in GSM-7, at most two segments,
  with "Reply MORE for details" and numbered options ("Reply 1 for ...");
- an urgent reply goes out first and whole;
- a per-number rate limit, with one polite notice, for every message that
  would get a reply (HELP, START and pictures too), but a red flag is always
  answered;
- a `From` that is not a phone number gets 400: replies go to it by SMS, and
  its conversation id is a hash of its digits;
- the number is never logged or stored in plain text: the conversation id is
  a keyed hash of it, and a number needed for a call-back is kept encrypted.

Configuration: credentials.yml, from the environment there (TWILIO_ACCOUNT_SID,
TWILIO_AUTH_TOKEN, TWILIO_NUMBER, SMS_WEBHOOK_URL, TWILIO_API_BASE_URL,
SMS_RATE_LIMIT, SMS_RATE_WINDOW_SECONDS, SMS_STORE_URL, SMS_RETRY_MAX_SECONDS,
SMS_GIVE_UP_SECONDS); without the first
four the channel is off (the webhook answers 503). SMS_ID_SECRET and
SMS_ENCRYPTION_KEY default to keys generated once into VAR_DIR for local use.

This module keeps the webhook and the order of a turn; keywords, options,
the rate limit, the channel's own wording, the output, the queue and the
worker live beside it (sms_keywords, sms_options, sms_rate_limit,
sms_replies, sms_output, sms_queue, sms_worker).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import parse_qs

from cryptography.fernet import Fernet
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from channels import replies, sms_replies
from channels.client_input import as_patient_text
from channels.sms_gateway import GatewayConfig, SmsGateway
from channels.sms_keywords import keyword
from channels.sms_options import chosen
from channels.sms_output import SmsOutput
from channels.sms_queue import Inbound, TryAgainLater
from channels.sms_rate_limit import SmsRateLimit
from channels.sms_store import SmsStore, conversation_id, phone_digits
from channels.sms_text import Reply, compose, split_for_sms, to_gsm7
from channels.sms_worker import SmsWorker
from clinic.contract import Channel
from clinic.keys import local_key

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = (
    64 * 1024
)  # an SMS webhook is a few hundred bytes; Body is at most 1,600 characters
# credentials.yml's keys (filled from the environment there) that turn the channel on.
REQUIRED = ("account_sid", "auth_token", "twilio_number", "webhook_url")
TURN_TRIES = 5  # a turn that failed is tried again this often (after 2, 4, 8, 16 s) before
# the patient gets the clinic's number


class SmsInput(InputChannel):
    """The `sms` input channel."""

    @classmethod
    def name(cls) -> Text:
        return Channel.SMS

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Settings from credentials.yml, which takes them from the environment
        (`${TWILIO_AUTH_TOKEN}`, as Rasa's own Twilio channel is configured)."""
        settings = {
            key: str(value).strip()
            for key, value in (credentials or {}).items()
            if value is not None
        }
        if not all(settings.get(key) for key in REQUIRED):
            logger.info(
                "sms: channel off (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER "
                "and SMS_WEBHOOK_URL to turn it on)"
            )
            return cls(enabled=False)
        return cls(
            enabled=True,
            gateway=GatewayConfig(
                account_sid=settings["account_sid"],
                auth_token=settings["auth_token"],
                from_number=settings["twilio_number"],
                base_url=settings.get("api_base_url") or "https://api.twilio.com",
                max_backoff=float(settings.get("retry_max_seconds") or 60),
                give_up_after=float(settings.get("give_up_seconds") or 3600),
            ),
            webhook_url=settings["webhook_url"],
            store_url=settings.get("store_url") or settings.get("tracker_store_url") or "sqlite:///var/tracker.db",
            rate=SmsRateLimit(int(settings.get("rate_limit") or 20),
                              float(settings.get("rate_window_seconds") or 600)),
        )

    def __init__(
        self,
        enabled: bool,
        gateway: Optional[GatewayConfig] = None,
        webhook_url: str = "",
        store_url: str = "",
        rate: SmsRateLimit = SmsRateLimit(),
    ) -> None:
        self.enabled = enabled
        self.worker: Optional[SmsWorker] = None
        self._worker_task: Optional[asyncio.Task] = None
        self._app: Any = None  # the Sanic app, for the agent's tracker store
        if not enabled:
            return
        self.webhook_url = webhook_url
        self.validator = RequestValidator(gateway.auth_token)
        self.gateway = SmsGateway(gateway)
        self.id_secret = local_key(
            "SMS_ID_SECRET", "sms-id-secret", lambda: os.urandom(32).hex().encode()
        )
        self.store = SmsStore(
            store_url, local_key("SMS_ENCRYPTION_KEY", "sms-encryption-key", Fernet.generate_key)
        )
        self.rate = rate

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("clinic_sms_webhook", __name__)

        @webhook.listener("after_server_start")
        async def start_worker(app: Any, _: Any) -> None:
            if self.enabled:
                self._app = app
                self.worker = SmsWorker(
                    self.store.queue,
                    self.gateway,
                    lambda message: self.turn(on_new_message, message),
                    self.store.opted_out,
                )
                self._worker_task = asyncio.create_task(self.worker.run())

        @webhook.listener("before_server_stop")
        async def stop_worker(*_: Any) -> None:
            if self._worker_task:
                self._worker_task.cancel()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.json({"error": "the SMS channel is not configured"}, status=503)
            if (request.content_type or "").split(";")[0].strip().lower() != FORM_TYPE:
                return response.text(f"expected {FORM_TYPE}", status=415)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.text("request too large", status=413)
            signature = request.headers.get("X-Twilio-Signature", "")
            # Twilio signs every field it posts, empty ones too (FromCity=, ...).
            form = RequestParameters(
                parse_qs((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True)
            )
            if not signature or not self.validator.validate(self.webhook_url, form, signature):
                return response.text("invalid signature", status=403)
            number, sid = form.get("From"), form.get("MessageSid")
            if not number or not sid:
                return response.text("From and MessageSid are required", status=400)
            if phone_digits(number) is None:
                # Nothing to text back to; and such senders must not share one conversation.
                return response.text("From must be a phone number", status=400)
            conversation = conversation_id(number, self.id_secret)
            body = form.get("Body") or ""
            try:
                if keyword(body) == "stop":
                    # At once, not in turn: a reply queued for this number
                    # checks it before every attempt.
                    self.store.opt_out(conversation)
                    return response.text(EMPTY_TWIML, content_type="text/xml")
                media = form.get("NumMedia") or "0"
                queued = self.store.queue.enqueue(sid, conversation, number, body, media != "0")
                if queued and self.worker:
                    self.worker.poke()
            except SQLAlchemyError:
                logger.exception("sms: the SMS store failed for %s", conversation)
                return response.text("temporarily unavailable", status=503)  # the gateway retries
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return webhook

    async def turn(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: Inbound
    ) -> List[str]:
        """The texts to send for a queued message (often one, none when opted out)."""
        if message.claims > 1:  # taken again: its turn may be stored already
            stored = await self._stored_turn(message)
            if stored is not None:
                return self._after_turn(stored, message.number, message.conversation)
        return await self._reply(on_new_message, message)

    async def _stored_turn(self, message: Inbound) -> Optional[SmsOutput]:
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        tracker = await agent.tracker_store.retrieve(message.conversation)
        return await SmsOutput.replay(tracker.events if tracker else [], message.message_sid)

    async def _reply(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: Inbound
    ) -> List[str]:
        """STOP never gets here: the webhook records it at once and answers
        nothing (the gateway confirms opt-outs itself)."""
        conversation, has_media = message.conversation, message.has_media
        # "/urgent_symptom" typed is words, as on the web
        text = as_patient_text(message.body).strip()
        word = keyword(text)
        opted_out = self.store.opted_out(conversation)
        opting_in = word == "start" or (opted_out and word == "yes")
        if opted_out and not opting_in:
            return []
        if opting_in:
            self.store.opt_in(conversation)  # at once, even when its confirmation is held back
        if message.claims == 1:  # taken again, it was counted (and let through) the first time
            window = self.store.count_message(conversation, self.rate.window_seconds)
            if self.rate.exceeded(window["count"], text):  # every reply counts, HELP and START too
                if window["notified"]:
                    return []
                self.store.mark_limit_notified(conversation)
                return [sms_replies.paused(self.rate.minutes())]
        own = sms_replies.keyword_reply(word, opting_in, text, has_media)
        if own:
            return [own]
        if word == "more":
            more = self.store.pending_more(conversation)
            if more:
                self.store.remember_reply(conversation, None, self.store.options(conversation))
                return split_for_sms(more)
        text = chosen(text, self.store.options(conversation))
        if len(text) > replies.max_message_chars():
            return [to_gsm7(replies.too_long(replies.max_message_chars()))]
        output = SmsOutput()
        completed = await replies.run_turn(on_new_message, UserMessage(
            text, output, conversation, input_channel=self.name(), message_id=message.message_sid
        ))
        if not completed:
            if message.claims < TURN_TRIES:
                # Nothing was stored (the database or the lock store is
                # restarting): a real answer a few seconds late beats the
                # clinic's number now.
                raise TryAgainLater()
            output = SmsOutput()  # what the failed turn said was not stored: the clinic's number
        return self._after_turn(output, message.number, conversation)

    def _after_turn(self, output: SmsOutput, number: str, conversation: str) -> List[str]:
        """A turn's SMS, and what the next message needs to know of it."""
        reply = compose(output.turn()) if output.raw else Reply(to_gsm7(replies.unavailable()))
        reason = output.callback_reason()
        if reason:
            self.store.keep_number_for_callback(conversation, number, reason)
        self.store.remember_reply(conversation, reply.more, reply.options)
        return [reply.body] if reply.body else []
