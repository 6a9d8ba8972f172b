"""Which address a staff request came from, for the per-address login limit.

`X-Forwarded-For` is believed only when the peer that sent the request is one
of TRUSTED_PROXIES (addresses or networks, default none;
parsed by bot/settings.py): otherwise anybody
could send a new made-up address with every guess and never reach the limit.
Behind trusted proxies the header is read from the right, skipping trusted
hops, and the first address they did not add is the client.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Optional, Tuple

from starlette.requests import Request


def _address(value: str) -> Optional[ipaddress._BaseAddress]:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: Optional[ipaddress._BaseAddress], networks: Iterable) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request: Request, trusted_proxies: Tuple[str, ...]) -> str:
    peer = request.client.host if request.client else "?"
    networks = [ipaddress.ip_network(n) for n in trusted_proxies]
    current = _address(peer)
    if not _trusted(current, networks):
        return peer[:64]
    hops = [h for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops[-32:]):
        address = _address(hop)
        if address is None:  # garbage in the header: the last trusted hop stands for the client
            break
        current = address
        if not _trusted(current, networks):
            break
    return str(current)
