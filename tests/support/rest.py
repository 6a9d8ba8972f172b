"""A client for the bot's REST channel, for tests and the tools that measure the
bot (make eval-safety, the recovery bench): loopback only."""
from __future__ import annotations

import json
import urllib.request
from typing import Callable, Dict, List, Optional

Send = Callable[..., List[Dict]]


def rest_sender(base_url: str) -> Send:
    """A client for Rasa's REST channel: send(sender, message, metadata=None) -> replies."""
    def send(sender: str, message: str, metadata: Optional[Dict] = None) -> List[Dict]:
        body: Dict = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        request = urllib.request.Request(f"{base_url}/webhooks/rest/webhook", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())
    return send
