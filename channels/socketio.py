"""Rasa's socket.io channel for the website widget, with the clinic's safeguards.

Same events as Rasa's own widgets use with the 3.6 channel (`session_request`,
`session_confirm`, `user_uttered`, `bot_uttered`) and the same message shapes,
so any Rasa-compatible widget works. On top of Rasa's channel:
- browsers from origins not in `cors_allowed_origins` are refused (Rasa's
  channel accepts every origin);
- the `session_id` the browser keeps is a signed, expiring token, not the
  conversation id (channels/web_sessions.py has the design): a made-up id,
  another channel's id, a bare conversation id, an expired token, or one
  whose conversation is live on another socket gets a fresh conversation;
  `session_confirm` echoes a token it honoured, so a widget knows whether it
  resumed. After each turn `session_renewed` carries the token renewed to
  that time (Rasa's widgets ignore it: theirs then expire an hour after the
  conversation was last confirmed instead of after its last turn);
- each socket speaks only in its own conversation: a message naming another
  is refused;
- rate limits per client address and per conversation, and a cap on turns
  per session (channels/limits.py), with a polite reply; a red flag over a
  limit still gets the urgent reply. The address is the socket's peer:
  behind a reverse proxy every patient has the proxy's address, and shares
  one bucket, unless Sanic is told to trust the proxy (channels/clients.py);
- payloads ("/intent{...}") only as the assistant's buttons offer them;
- malformed events and over-long messages get a clear reply, not a crash;
- a turn that produced nothing (action server down), or that the tracker store
  could not save (disk full; after what Rasa already sent), gets the clinic's number;
- no patient text in the logs.
"""

from __future__ import annotations

import secrets
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels import replies
from channels.client_input import as_patient_text
from channels.clients import client_address
from channels.limits import ChannelLimits
from channels.tracker_store_errors import fail_turns_the_store_cannot_save
from channels.web_sessions import SessionTokens, SocketBindings, same_socket
from clinic.contract import Channel
from clinic.domain import session_expiration_seconds
from clinic.keys import local_key
from clinic.origins import allowed_origins

RENEWED_EVENT = "session_renewed"
PING_SECONDS = 10
UNKNOWN_CLIENT = "unknown"  # no Sanic request in the environ: all such clients share a bucket


class CountingOutput(SocketIOOutput):
    """Rasa's socket.io output that remembers whether it sent anything."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)


class ClinicSocketIOInput(InputChannel):
    """The `socketio` channel (URL path /socket.io) for the clinic's widget."""

    @classmethod
    def name(cls) -> Text:
        return Channel.SOCKETIO

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            cors_allowed_origins=allowed_origins(credentials.get("cors_allowed_origins")),
        )

    def __init__(
        self, socketio_path: Text = "/socket.io", cors_allowed_origins: Optional[List[str]] = None
    ) -> None:
        self.socketio_path = socketio_path
        self.cors_allowed_origins = cors_allowed_origins or allowed_origins(None)
        self.user_message_evt = "user_uttered"
        self.bot_message_evt = "bot_uttered"
        self.sio: Optional[AsyncServer] = None
        self.tokens = SessionTokens(
            local_key(
                "WEBCHAT_SESSION_SECRET",
                "webchat-session-secret",
                lambda: secrets.token_hex(32).encode(),
            ),
            idle_seconds=session_expiration_seconds(),
        )
        self.bindings = SocketBindings()
        self.limits = ChannelLimits.from_env("WEBCHAT_RATE_LIMIT", 60)
        self.clients: Dict[str, str] = {}  # socket id -> client address, for the rate limits

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        return SocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        origins = "*" if self.cors_allowed_origins == ["*"] else self.cors_allowed_origins
        # Pings every 10 s, answered within 10 s: a connection that died
        # without closing (its server killed behind a proxy) is noticed within
        # 20 s, and the widget reconnects and sends again what had no answer
        # (engine.io's defaults, 25 + 20 s, kept a patient waiting 45 s).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origins,
                          ping_interval=PING_SECONDS, ping_timeout=PING_SECONDS)
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "clinic_socketio_webhook", __name__)
        fail_turns_the_store_cannot_save(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def reply(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid)

        async def bind(sid: str, conversation: str) -> None:
            previous = self.bindings.unbind(sid)
            if previous:
                await sio.leave_room(sid, previous)
            self.bindings.bind(sid, conversation)
            # A coroutine in python-socketio 5 (Rasa 3.6's own channel forgets
            # the await, so its replies never reach the room).
            await sio.enter_room(sid, conversation)

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict[str, Any], auth: Any = None) -> None:
            # engine.io's Sanic driver puts 127.0.0.1 in REMOTE_ADDR whatever
            # the peer; the Sanic request it keeps beside it has the real one.
            request = environ.get("sanic.request")
            self.clients[sid] = client_address(request) if request else UNKNOWN_CLIENT

        # Events may come with no data or several arguments (any client can
        # emit anything): the handlers take what they get.
        @sio.on("session_request")
        async def session_request(sid: Text, data: Any = None, *_: Any) -> None:
            data = data if isinstance(data, dict) else {}
            token = data.get("session_id")
            conversation = self.tokens.conversation(token)
            holder = self.bindings.holder(conversation) if conversation else None
            if holder and holder != sid:
                if same_socket(data.get("previous_socket"), holder):
                    # The same browser on a new socket: the old one is gone
                    # but the server has not noticed yet.
                    self.bindings.unbind(holder)
                    await sio.disconnect(holder)
                else:
                    conversation = None  # live elsewhere: that socket keeps it
            if conversation is None:
                conversation = self.tokens.new_conversation()
                token = self.tokens.token(conversation)
            await bind(sid, conversation)
            await sio.emit("session_confirm", token, room=sid)

        @sio.on("disconnect")
        async def disconnect(sid: Text, *_: Any) -> None:
            self.bindings.unbind(sid)
            self.clients.pop(sid, None)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any = None, *_: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                await reply(sid, "Sorry, I couldn't read that message. Please type it again.")
                return
            conversation = self.bindings.conversation_of(sid)
            if conversation is None or (
                "session_id" in data and not SessionTokens.names(data["session_id"], conversation)
            ):
                await reply(sid, "Sorry, this chat lost its session. Please reload the page.")
                return
            text = data.get("message", "")
            limit = replies.max_message_chars()
            if len(text) > limit:
                await reply(sid, replies.too_long(limit))
                return
            over = await self.limits.admit(self.clients.get(sid, UNKNOWN_CLIENT), conversation)
            if over:
                await reply(sid, replies.over_limit(over, text).text)
                return
            output = CountingOutput(sio, self.bot_message_evt)
            completed = await replies.run_turn(
                on_new_message,
                UserMessage(as_patient_text(text), output, conversation, input_channel=self.name()),
            )
            if not completed or not output.sent:
                await reply(sid, replies.unavailable())
            await sio.emit(RENEWED_EVENT, self.tokens.token(conversation), room=sid)

        return webhook
