"""The load client of `make bench` and the scale test: timed REST messages and
concurrent conversations (aiohttp), and a blocking one-off send."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tools.perf.stats import Batch


@dataclass
class Reply:
    latency: float
    ok: bool
    replies: List[Dict[str, Any]] = field(default_factory=list)
    status: int = 0
    error: str = ""


async def post_message(session, url: str, sender: str, text: str, timeout: float = 180.0,
                       headers: Optional[Dict[str, str]] = None) -> Reply:
    """POST one message to a REST channel and time it; never raises."""
    import aiohttp

    start = time.perf_counter()
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.read()
            latency = time.perf_counter() - start
            if response.status != 200:
                return Reply(latency, False, status=response.status, error=body[:200].decode(errors="replace"))
            return Reply(latency, True, json.loads(body), status=200)
    except Exception as error:  # noqa: BLE001 (every failure is counted as an error)
        return Reply(time.perf_counter() - start, False, error=f"{type(error).__name__}: {error}")


async def run_conversations(url: str, conversations: Sequence[Tuple[str, Sequence[str]]],
                            timeout: float = 180.0) -> Batch:
    """Run the conversations concurrently (each one turn after the other)."""
    import aiohttp

    latencies: List[float] = []
    counts = {"errors": 0, "empty": 0}

    async def one(session, sender: str, messages: Sequence[str]) -> None:
        for text in messages:
            reply = await post_message(session, url, sender, text, timeout)
            if reply.ok:
                latencies.append(reply.latency)
                counts["empty"] += not reply.replies
            else:
                counts["errors"] += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(one(session, sender, messages) for sender, messages in conversations))
        wall = time.perf_counter() - start
    return Batch(latencies, counts["errors"], wall, counts["empty"])


async def long_conversation(url: str, messages: Sequence[str], timeout: float = 180.0) -> List[Optional[float]]:
    """One conversation, turn after turn; each turn's latency (None for an error)."""
    import aiohttp

    sender = f"bench-long-{uuid.uuid4().hex[:10]}"
    out: List[Optional[float]] = []
    async with aiohttp.ClientSession() as session:
        for text in messages:
            reply = await post_message(session, url, sender, text, timeout)
            out.append(reply.latency if reply.ok else None)
    return out


def send_once(url: str, sender: str, text: str, timeout: float = 10.0) -> Optional[List[Dict[str, Any]]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError):
        return None


def reply_text(replies: Optional[List[Dict[str, Any]]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies or [])


