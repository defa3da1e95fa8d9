"""The address a request came from, for per-address limits.

The TCP peer (`request.client.host`) unless that peer is a proxy listed in
TRUSTED_PROXIES (off by default): then the `X-Forwarded-For` chain is read
from the right, skipping trusted proxies, and the first address not trusted
is the client. Anything to its left was written by the client and could be
forged, so it is never read.
"""

import ipaddress
from collections.abc import Mapping
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(trusted_proxies: str) -> tuple[Network, ...]:
    """`10.0.0.1, 192.168.0.0/16` as networks; a bare address is a /32 (or /128)."""
    parts = [part.strip() for part in trusted_proxies.split(",") if part.strip()]
    return tuple(ipaddress.ip_network(part, strict=False) for part in parts)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(
    connection: HTTPConnection, trusted_proxies: str, headers: Mapping[str, str] | None = None
) -> str | None:
    """`headers`: the connection's, when the caller has read them already."""
    peer = connection.client.host if connection.client else None
    networks = parse_networks(trusted_proxies)
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    forwarded_for = (connection.headers if headers is None else headers).get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
