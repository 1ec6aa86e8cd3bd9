"""SMS through a Twilio-compatible gateway: the `sms` channel (/webhooks/sms/webhook).

The gateway POSTs each inbound text (form-encoded, signed with
X-Twilio-Signature); replies go out through its REST API. Rasa's own `twilio`
channel checks no signature and knows nothing of SMS rules, hence this one:

- every request's signature is checked with twilio's RequestValidator against
  the public URL the gateway calls (SMS_WEBHOOK_URL); a bad one gets 403 and
  nothing is processed, stored or sent;
- the webhook answers at once with empty TwiML; the turn runs in the
  background and its replies are sent through the API (one SMS per turn);
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

Configuration (environment): TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
TWILIO_NUMBER, SMS_WEBHOOK_URL, TWILIO_API_BASE_URL; without the first four
the channel is off (the webhook answers 503). SMS_ID_SECRET and
SMS_ENCRYPTION_KEY default to keys generated once into VAR_DIR for local use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional, Set, Text
from urllib.parse import parse_qs

from cryptography.fernet import Fernet
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from channels import replies
from channels.client_input import as_patient_text
from channels.sms_gateway import GatewayConfig, SmsGateway
from channels.sms_keywords import keyword
from channels.sms_store import SmsStore, conversation_id, phone_digits
from channels.sms_text import Reply, Turn, compose, split_for_sms, to_gsm7
from clinic.keys import local_key
from nlp.red_flags import find_red_flags

logger = logging.getLogger(__name__)

OPTION = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Urgent replies go out first and whole, and keep the number for a call-back.
URGENT_RESPONSES = {
    "utter_urgent_symptom", "utter_urgent_call_today", "utter_urgent_reminder", "utter_urgent_reminder_today",
}
CALLBACK_RESPONSES = {
    **{response: "urgent" for response in URGENT_RESPONSES},
    "utter_beyond_normal": "call-back",
    "utter_request_human": "call-back",
    "utter_book_appointment": "booking",
}
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 64 * 1024  # an SMS webhook is a few hundred bytes; Body is at most 1,600 characters
REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "SMS_WEBHOOK_URL")


class SmsOutput(CollectingOutputChannel):
    """Collects a turn's bot messages whole (text, buttons and metadata)."""

    @classmethod
    def name(cls) -> Text:
        return "sms"

    def __init__(self) -> None:
        super().__init__()
        self.raw: List[Dict[Text, Any]] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.raw.append(dict(message))
        await super().send_response(recipient_id, message)

    def turn(self) -> Turn:
        turn = Turn()
        for message in self.raw:
            action = message.get("utter_action")
            text = message.get("text") or ""
            if action == "utter_first_turn_notice":
                turn.notice = text
            elif action in URGENT_RESPONSES:
                turn.urgent_text = text
            else:
                turn.texts.append(text)
            if message.get("full_text"):
                turn.full_text = message["full_text"]
            if message.get("buttons"):
                turn.buttons = [{"title": b["title"], "payload": b["payload"]} for b in message["buttons"]]
            if action in CALLBACK_RESPONSES:
                turn.flagged_for_callback = True
        return turn


class TurnLocks:
    """One asyncio lock per conversation, kept only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: Dict[str, asyncio.Lock] = {}
        self._users: Dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def held(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


class SmsInput(InputChannel):
    """The `sms` input channel."""

    @classmethod
    def name(cls) -> Text:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        env = {name: os.environ.get(name, "").strip() for name in REQUIRED}
        if not all(env.values()):
            logger.info("sms: channel off (set %s to turn it on)", ", ".join(REQUIRED))
            return cls(enabled=False)
        return cls(
            enabled=True,
            gateway=GatewayConfig(
                account_sid=env["TWILIO_ACCOUNT_SID"],
                auth_token=env["TWILIO_AUTH_TOKEN"],
                from_number=env["TWILIO_NUMBER"],
                base_url=os.environ.get("TWILIO_API_BASE_URL") or "https://api.twilio.com",
            ),
            webhook_url=env["SMS_WEBHOOK_URL"],
            store_url=os.environ.get("SMS_STORE_URL") or os.environ.get("TRACKER_STORE_URL") or "sqlite:///var/tracker.db",
            rate_limit=int(credentials.get("rate_limit") or os.environ.get("SMS_RATE_LIMIT") or 20),
            rate_window=float(credentials.get("rate_window_seconds") or os.environ.get("SMS_RATE_WINDOW_SECONDS") or 600),
        )

    def __init__(
        self,
        enabled: bool,
        gateway: Optional[GatewayConfig] = None,
        webhook_url: str = "",
        store_url: str = "",
        rate_limit: int = 20,
        rate_window: float = 600.0,
    ) -> None:
        self.enabled = enabled
        self._tasks: Set[asyncio.Task] = set()
        # One message at a time per number, in arrival order: "MORE" or "1"
        # must see the reply before it, and replies must not overtake each other.
        self._turns = TurnLocks()
        if not enabled:
            return
        self.webhook_url = webhook_url
        self.validator = RequestValidator(gateway.auth_token)
        self.gateway = SmsGateway(gateway)
        self.id_secret = local_key("SMS_ID_SECRET", "sms-id-secret", lambda: os.urandom(32).hex().encode())
        self.store = SmsStore(store_url, local_key("SMS_ENCRYPTION_KEY", "sms-encryption-key", Fernet.generate_key))
        self.rate_limit = rate_limit
        self.rate_window = rate_window

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("clinic_sms_webhook", __name__)

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
            form = RequestParameters(parse_qs((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True))
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
                if not self.store.first_time(sid, conversation):
                    return response.text(EMPTY_TWIML, content_type="text/xml")
                if keyword(body) == "stop":
                    # At once, not in turn: a reply or retry still queued for
                    # this number checks it before every attempt.
                    self.store.opt_out(conversation)
                    return response.text(EMPTY_TWIML, content_type="text/xml")
            except SQLAlchemyError:
                logger.exception("sms: the SMS store failed for %s", conversation)
                return response.text("temporarily unavailable", status=503)  # the gateway retries
            media = form.get("NumMedia") or "0"
            task = asyncio.create_task(self.handle(on_new_message, number, conversation, body, media != "0"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return webhook

    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        number: str,
        conversation: str,
        body: str,
        has_media: bool = False,
    ) -> None:
        """One inbound SMS, from keywords to the reply. Never raises."""
        try:
            async with self._turns.held(conversation):
                reply = await self._reply(on_new_message, number, conversation, body, has_media)
                wanted = lambda: not self.store.opted_out(conversation)  # noqa: E731
                for text in reply:
                    if not await self.gateway.send(number, text, conversation, wanted) and not wanted():
                        break
        except Exception:
            logger.exception("sms: handling a message for %s failed", conversation)

    async def _reply(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        number: str,
        conversation: str,
        body: str,
        has_media: bool = False,
    ) -> List[str]:
        """The texts to send for an inbound message (often one, none when opted out).

        STOP never gets here: the webhook records it at once and answers nothing
        (the gateway confirms opt-outs itself)."""
        text = as_patient_text(body).strip()  # "/urgent_symptom" typed is words, as on the web
        word = keyword(text)
        clinic = replies.clinic()
        opted_out = self.store.opted_out(conversation)
        opting_in = word == "start" or (opted_out and word == "yes")
        if opted_out and not opting_in:
            return []
        window = self.store.count_message(conversation, self.rate_window)
        if opting_in:
            self.store.opt_in(conversation)  # at once, even when its confirmation is held back below
        # Every reply counts towards the limit; a red flag is answered whatever the
        # rate: the limit is for floods, not for a patient in trouble.
        if window["count"] > self.rate_limit and not find_red_flags(text):
            if window["notified"]:
                return []
            self.store.mark_limit_notified(conversation)
            minutes = max(1, round(self.rate_window / 60))
            return [to_gsm7(
                f"You've sent a lot of messages, so I'll pause for up to {minutes} minutes. "
                f"For help now, call {clinic.name} on {clinic.phone}."
            )]
        if opting_in:
            return [to_gsm7(f"{clinic.name}: you'll get answers again. Ask about microneedling any time. Reply STOP to opt out.")]
        if word == "help":
            return [to_gsm7(
                f"{clinic.name} microneedling assistant: general information, not medical advice. "
                f"Call {clinic.phone} ({clinic.hours}). Emergency: {clinic.emergency_number}. "
                f"Reply STOP to opt out."
            )]
        if not text and has_media:
            return [to_gsm7(
                f"{clinic.name}: I can't see photos. If you're worried about your skin after a treatment, "
                f"call {clinic.phone}; in an emergency call {clinic.emergency_number}."
            )]
        if word == "more":
            more = self.store.pending_more(conversation)
            if more:
                self.store.remember_reply(conversation, None, self.store.options(conversation))
                return split_for_sms(more)
        choice = OPTION.match(text)
        if choice:
            options = self.store.options(conversation)
            index = int(choice.group(1))
            if 1 <= index <= len(options):
                text = options[index - 1]["payload"]
        if len(text) > replies.max_message_chars():
            return [to_gsm7(replies.too_long(replies.max_message_chars()))]
        output = SmsOutput()
        await replies.run_turn(on_new_message, UserMessage(text, output, conversation, input_channel=self.name()))
        turn = output.turn()
        reply = compose(turn) if output.raw else Reply(to_gsm7(replies.unavailable()))
        if turn.flagged_for_callback:
            reason = next(CALLBACK_RESPONSES[m["utter_action"]] for m in output.raw if m.get("utter_action") in CALLBACK_RESPONSES)
            self.store.keep_number_for_callback(conversation, number, reason)
        self.store.remember_reply(conversation, reply.more, reply.options)
        return [reply.body] if reply.body else []
