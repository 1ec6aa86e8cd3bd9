"""Who is calling: the peer address a request came from, for access rules and rate limits.

`peer_ip` is the address of the TCP connection, which a client cannot choose;
forwarded headers (X-Forwarded-For, Forwarded, X-Real-IP) are never trusted
for access. Sanic reads them only when told to in its own settings
(SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER, SANIC_FORWARDED_SECRET; off by
default), and then only `client_address`, the key of the rate limits, uses
them: behind a reverse proxy every client has the proxy's address, so without
those settings all of them share one rate-limit bucket.
"""

from __future__ import annotations

import ipaddress

from sanic.request import Request

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def peer_ip(request: Request) -> str:
    """The address of the connection's other end (never a header)."""
    return request.ip


def client_address(request: Request) -> str:
    """The client's address for rate limits: the one Sanic was told to trust a
    proxy for (see the module's docstring), else the peer's."""
    return request.remote_addr or request.ip


def is_loopback(ip: str) -> bool:
    """Whether `ip` is this machine (127.0.0.0/8, ::1, or IPv4-mapped 127.x)."""
    try:
        address = ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        return False  # a UNIX socket or no address: not known to be local
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def came_through_a_proxy(request: Request) -> bool:
    """Whether the request carries forwarding headers: a local reverse proxy
    passing on a request from elsewhere, whatever its peer address says."""
    return any(name in request.headers for name in FORWARDING_HEADERS)
