"""Clients of the channels for the guard tests: from a chosen source address, over REST."""

from __future__ import annotations

import socket
from typing import Any, Dict, Optional

import requests
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


def rest(servers: Servers, body: Dict[str, Any], source: str = "127.0.0.1", host: Optional[str] = None,
         **headers: str) -> requests.Response:
    url = servers.rasa_url if host is None else servers.rasa_url.replace("127.0.0.1", host)
    return session_from(source).post(f"{url}/webhooks/rest/webhook", json=body, headers=headers, timeout=60)
