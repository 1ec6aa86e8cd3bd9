"""Clients of the channels for the guard tests: from a chosen source address,
over REST, and over socket.io as the widget talks (python-socketio's client)."""

from __future__ import annotations

import queue
import socket
import threading
from typing import Any, Dict, List, Optional, Tuple

import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.servers import Servers


class FromAddress(HTTPAdapter):
    """Connections from a given local address: each loopback address
    (127.0.0.2, 127.0.0.3, ...) is another client to the rate limits."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self.source, 0), **kwargs)


def session_from(source: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(source))
    return session


def other_address() -> Optional[str]:
    """An address of this machine that is not loopback (for a non-local peer), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def rest(
    servers: Servers,
    body: Dict[str, Any],
    source: str = "127.0.0.1",
    host: Optional[str] = None,
    **headers: str,
) -> requests.Response:
    url = servers.rasa_url if host is None else servers.rasa_url.replace("127.0.0.1", host)
    return session_from(source).post(
        f"{url}/webhooks/rest/webhook", json=body, headers=headers, timeout=60
    )


class WebPatient:
    """A socket.io client speaking the widget's events, from `source`."""

    def __init__(self, servers: Servers, source: str = "127.0.0.1") -> None:
        self.events: queue.Queue[Tuple[str, Any]] = queue.Queue()
        self.sio = socketio.Client(reconnection=False, http_session=session_from(source))
        for name in ("session_confirm", "bot_uttered", "session_renewed"):
            self.sio.on(name, lambda data, name=name: self.events.put((name, data)))
        self.sio.on("disconnect", lambda *_: self.events.put(("disconnect", None)))
        self.sio.connect(servers.rasa_url, transports=["polling"])

    @property
    def sid(self) -> str:
        return self.sio.get_sid()

    def next(self, timeout: float = 60) -> Tuple[str, Any]:
        return self.events.get(timeout=timeout)

    def session(self, token: Any = None, previous_socket: Optional[str] = None) -> str:
        """Asks for a conversation; the token the server confirmed."""
        self.sio.emit("session_request", {"session_id": token, "previous_socket": previous_socket})
        name, data = self.next(20)
        assert name == "session_confirm", (name, data)
        return data

    def send(self, text: str, **extra: Any) -> None:
        self.sio.emit("user_uttered", {"message": text, **extra})

    def ask(self, text: str, **extra: Any) -> Tuple[List[str], str]:
        """A message that is answered: the texts of its turn, and the renewed token that ends it."""
        self.send(text, **extra)
        return self.turn()

    def turn(self) -> Tuple[List[str], str]:
        texts = []
        while True:
            name, data = self.next()
            if name == "session_renewed":
                return texts, data
            assert name == "bot_uttered", (name, data)
            texts.append(data.get("text") or "")

    def refused(self, text: str, **extra: Any) -> str:
        """A message that is not processed: its one reply (and no renewed token)."""
        self.send(text, **extra)
        name, data = self.next()
        assert name == "bot_uttered", (name, data)
        return data["text"]

    def close(self) -> None:
        """Disconnects in the background: with polling, python-socketio's client
        waits out the pending long poll (up to 25 s) before it returns."""
        if self.sio.connected:
            threading.Thread(target=self.sio.disconnect, daemon=True).start()
