"""The address and scheme a request came with, for per-address limits and HSTS.

uvicorn's own proxy-header handling is off (`proxy_headers=False` in
graph/__main__.py): it believes X-Forwarded-For from 127.0.0.1 whatever
TRUSTED_PROXIES says, so this module is the only reader of those headers.

The rule: the client is the TCP peer, unless the peer is in TRUSTED_PROXIES
(empty by default). Then `X-Forwarded-For` is walked from the right, hop by
hop: a hop that is a trusted proxy is skipped, the first one that is not is
the client. Every hop must parse as an IP address (`ipaddress`); at the first
one that does not, the walk stops and the client is the last address reached
(the nearest trusted hop, or the peer itself), because a proxy we trust never
writes garbage: it came from further left, where the client writes. If every
hop is trusted, the leftmost one is the client. Anything left of the client
was written by the client and could be forged, so it is never read.
"""

import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=16)
def parse_networks(trusted_proxies: str) -> tuple[Network, ...]:
    """`10.0.0.1, 192.168.0.0/16` as networks; a bare address is a /32 (or /128)."""
    parts = [part.strip() for part in trusted_proxies.split(",") if part.strip()]
    return tuple(ipaddress.ip_network(part, strict=False) for part in parts)


def _parse(address: str) -> Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def peer_is_trusted(peer: str | None, trusted_proxies: str) -> bool:
    networks = parse_networks(trusted_proxies)
    if peer is None or not networks:
        return False
    parsed = _parse(peer)
    return parsed is not None and _trusted(parsed, networks)


def forwarded_client(peer: str | None, forwarded_for: str, trusted_proxies: str) -> str | None:
    """The rule above, on the peer and the X-Forwarded-For value (all its lines joined by commas)."""
    if not peer_is_trusted(peer, trusted_proxies):
        return peer
    networks = parse_networks(trusted_proxies)
    reached = peer
    for hop in reversed(forwarded_for.split(",")):
        if not hop.strip():
            continue
        parsed = _parse(hop)
        if parsed is None:
            return reached
        reached = str(parsed)
        if not _trusted(parsed, networks):
            return reached
    return reached


def client_address(
    connection: HTTPConnection, trusted_proxies: str, headers: Mapping[str, str] | None = None
) -> str | None:
    """`headers`: the connection's, when the caller has read them already."""
    peer = connection.client.host if connection.client else None
    if not peer_is_trusted(peer, trusted_proxies):
        return peer
    # Several X-Forwarded-For lines are one list (RFC 9110 5.3); the last line holds the nearest hops.
    values = [value.decode("latin-1") for name, value in connection.scope["headers"] if name == b"x-forwarded-for"]
    if not values and headers is not None:
        values = [headers.get("x-forwarded-for", "")]
    return forwarded_client(peer, ",".join(values), trusted_proxies)


def forwarded_scheme(scope: Mapping[str, Any], trusted_proxies: str) -> str:
    """The request's scheme: `X-Forwarded-Proto`'s last value when the peer is a trusted proxy, else the server's."""
    client = scope.get("client")
    if client and peer_is_trusted(client[0], trusted_proxies):
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        for name, value in reversed(headers):
            if name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    return proto
                break
    scheme: str = scope.get("scheme", "http")
    return scheme
