"""Web chat sessions: the token a browser keeps, and which socket speaks in which conversation.

A conversation id (`web-` and 32 random hex digits) is what Rasa, the logs
and the staff console know. The browser never gets to resume a conversation
by its id: it keeps a *session token*, the id plus the time of the
conversation's last turn, signed with WEBCHAT_SESSION_SECRET (itsdangerous'
TimestampSigner, HMAC-SHA256). So:

- learning a conversation id (from a log, the tracker store, the console) is
  not enough to resume it: without the signature it gets a fresh conversation;
- a token expires after the domain's session length of silence (60 minutes),
  like Rasa's session itself; each turn renews it;
- a token whose conversation is bound to a live socket cannot take it over,
  unless the request names that socket's id (`previous_socket`), which only
  the browser that opened it knows: a page reload or a reconnect after a
  network blip, before the server noticed the old socket was gone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any, Callable, Dict, Optional

from itsdangerous import BadData, TimestampSigner

from channels.conversation_ids import WEB_PREFIX

SALT = "clinic-webchat-session"
MAX_TOKEN_CHARS = 200  # a token is about 90


class _Signer(TimestampSigner):
    """itsdangerous' signer with the project's clock (tests sign tokens in the past)."""

    def __init__(self, secret: bytes, clock: Callable[[], float]) -> None:
        super().__init__(secret, salt=SALT, digest_method=hashlib.sha256)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class SessionTokens:
    """Issues conversation ids and the signed, expiring tokens that resume them."""

    def __init__(
        self, secret: bytes, idle_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._signer = _Signer(secret, clock)
        self.idle_seconds = idle_seconds

    @staticmethod
    def new_conversation() -> str:
        return WEB_PREFIX + secrets.token_hex(16)

    def token(self, conversation: str) -> str:
        """A token for `conversation`, valid for `idle_seconds` from now."""
        return self._signer.sign(conversation).decode()

    def conversation(self, token: Any) -> Optional[str]:
        """The conversation `token` resumes, or None: not one we signed, altered, or expired."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        try:
            conversation = self._signer.unsign(token, max_age=self.idle_seconds).decode()
        except (BadData, UnicodeDecodeError):
            return None
        return conversation if conversation.startswith(WEB_PREFIX) else None

    @staticmethod
    def names(token: Any, conversation: str) -> bool:
        """Whether `token` is about `conversation` (unverified: for a socket already bound to
        it)."""
        return isinstance(token, str) and token.rsplit(".", 2)[0] == conversation


class SocketBindings:
    """One live socket per conversation, one conversation per socket."""

    def __init__(self) -> None:
        self._conversation_of: Dict[str, str] = {}
        self._socket_of: Dict[str, str] = {}

    def conversation_of(self, sid: str) -> Optional[str]:
        return self._conversation_of.get(sid)

    def holder(self, conversation: str) -> Optional[str]:
        """The live socket bound to `conversation`, if any."""
        return self._socket_of.get(conversation)

    def bind(self, sid: str, conversation: str) -> None:
        self.unbind(sid)
        self._conversation_of[sid] = conversation
        self._socket_of[conversation] = sid

    def unbind(self, sid: str) -> Optional[str]:
        """Frees the socket's conversation (if this socket still holds it); returns it."""
        conversation = self._conversation_of.pop(sid, None)
        if conversation is not None and self._socket_of.get(conversation) == sid:
            del self._socket_of[conversation]
        return conversation


def same_socket(claimed: Any, holder: str) -> bool:
    """Whether a request's `previous_socket` is the holder's socket id."""
    return isinstance(claimed, str) and hmac.compare_digest(claimed.encode(), holder.encode())
