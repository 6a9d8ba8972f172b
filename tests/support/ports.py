"""Free loopback ports for throwaway servers (the one place tests pick them)."""
from __future__ import annotations

import socket
from typing import List


def free_port() -> int:
    """A port nothing listens on right now."""
    return free_ports(1)[0]


def free_ports(n: int) -> List[int]:
    """`n` different ports nothing listens on right now (all held open while
    picking, so none is handed out twice)."""
    probes = [socket.socket() for _ in range(n)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()
