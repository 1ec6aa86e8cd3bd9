"""Rasa's socket.io channel for the website widget, with the clinic's safeguards.

Same events as Rasa's own widgets use with the 3.6 channel (`session_request`,
`session_confirm`, `user_uttered`, `bot_uttered`) and the same message shapes,
so any Rasa-compatible widget works. On top of Rasa's channel:
- browsers from origins not in `cors_allowed_origins` are refused (Rasa's
  channel accepts every origin);
- conversation ids are issued and signed by the server, and each socket may
  speak only in the conversation it was confirmed in: an id the server did
  not issue (another channel's conversation, a made-up one) gets a fresh
  conversation, and a message naming another session is refused;
- malformed events and over-long messages get a clear reply, not a crash;
- payloads ("/intent{...}") only as the assistant's buttons offer them;
- a turn that produced nothing (action server down) gets the clinic's number;
- no patient text in the logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
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
from channels.keys import local_key
from channels.origins import allowed_origins

SESSION_RANDOM_HEX = 32
SESSION_SIGNATURE_HEX = 32
SESSION_ID = re.compile(f"[0-9a-f]{{{SESSION_RANDOM_HEX + SESSION_SIGNATURE_HEX}}}")


class SessionIds:
    """Conversation ids the server issues and signs (random part + HMAC of it).

    A browser keeps its id in sessionStorage and asks for it again after a
    reload; an id the server did not issue (guessed, made up, or another
    channel's conversation id) gets a fresh conversation instead.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, random_part: str) -> str:
        return hmac.new(self._secret, random_part.encode(), hashlib.sha256).hexdigest()[:SESSION_SIGNATURE_HEX]

    def issue(self) -> str:
        random_part = secrets.token_hex(SESSION_RANDOM_HEX // 2)
        return random_part + self._signature(random_part)

    def valid(self, session_id: Any) -> bool:
        if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
            return False
        random_part, signature = session_id[:SESSION_RANDOM_HEX], session_id[SESSION_RANDOM_HEX:]
        return hmac.compare_digest(signature, self._signature(random_part))


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
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            session_persistence=bool(credentials.get("session_persistence", True)),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            cors_allowed_origins=allowed_origins(credentials.get("cors_allowed_origins")),
        )

    def __init__(
        self,
        session_persistence: bool = True,
        socketio_path: Text = "/socket.io",
        cors_allowed_origins: Optional[List[str]] = None,
    ) -> None:
        self.session_persistence = session_persistence
        self.socketio_path = socketio_path
        self.cors_allowed_origins = cors_allowed_origins or allowed_origins(None)
        self.user_message_evt = "user_uttered"
        self.bot_message_evt = "bot_uttered"
        self.sio: Optional[AsyncServer] = None
        self.session_ids = SessionIds(
            local_key("WEBCHAT_SESSION_SECRET", "webchat-session-secret", lambda: secrets.token_hex(32).encode())
        )
        self.sessions: Dict[str, str] = {}  # socket id -> the conversation it was confirmed in

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        return SocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        origins = "*" if self.cors_allowed_origins == ["*"] else self.cors_allowed_origins
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origins)
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "clinic_socketio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def reply(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid)

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if self.session_ids.valid(requested) else self.session_ids.issue()
            previous = self.sessions.get(sid)
            if previous and previous != session_id:
                await sio.leave_room(sid, previous)
            self.sessions[sid] = session_id
            if self.session_persistence:
                # A coroutine in python-socketio 5 (Rasa 3.6's own channel
                # forgets the await, so its replies never reach the room).
                await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("disconnect")
        async def disconnect(sid: Text) -> None:
            self.sessions.pop(sid, None)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                await reply(sid, "Sorry, I couldn't read that message. Please type it again.")
                return
            session_id = self.sessions.get(sid)
            if self.session_persistence:
                if session_id is None or data.get("session_id", session_id) != session_id:
                    await reply(sid, "Sorry, this chat lost its session. Please reload the page.")
                    return
                sender, room = session_id, session_id
            else:
                sender, room = sid, sid
            text = data.get("message", "")
            limit = replies.max_message_chars()
            if len(text) > limit:
                await reply(room, replies.too_long(limit))
                return
            output = CountingOutput(sio, self.bot_message_evt)
            await replies.run_turn(
                on_new_message, UserMessage(as_patient_text(text), output, sender, input_channel=self.name())
            )
            if not output.sent:
                await reply(room, replies.unavailable())

        return webhook
