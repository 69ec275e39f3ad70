"""The client's address: the direct peer, or X-Forwarded-For only when that peer is a
configured proxy (HIGHLAND_TRUSTED_PROXIES). Anyone can send the header; believing it from
anyone would let an attacker pick the address its sign-in failures are counted against."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def parse_networks(value: str) -> tuple[Network, ...]:
    """Parse "127.0.0.1, 10.0.0.0/8" into networks; a malformed entry is refused by name."""
    nets: list[Network] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"HIGHLAND_TRUSTED_PROXIES: '{item}' is not an IP address or network"
            ) from None
    return tuple(nets)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address | None, nets: Any) -> bool:
    return addr is not None and any(addr in net for net in nets)


def client_address(peer: str | None, forwarded_for: str | None, trusted: str) -> str:
    """The address a request came from. The header is read right to left (each proxy appends
    the address it saw) and the first address that is not a trusted proxy is the client; a
    malformed entry stops the walk at the last trusted hop."""
    peer = peer or "unknown"
    nets = parse_networks(trusted)
    if not nets or not forwarded_for or not _trusted(_address(peer), nets):
        return peer
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        addr = _address(hop)
        if addr is None:
            return client
        client = str(addr)
        if not _trusted(addr, nets):
            return client
    return client
