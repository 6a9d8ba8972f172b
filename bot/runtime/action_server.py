"""The action server, bound to UNKNOT_HOST (loopback by default).

rasa-sdk's own `rasa run actions` listens on every interface and allows any
CORS origin; only the Rasa server needs to reach it, so we narrow both.
"""
from __future__ import annotations

import logging
import os


def serve(host: str, port: int) -> None:
    from rasa_sdk import endpoint

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    os.environ["SANIC_HOST"] = host  # read by rasa_sdk.endpoint.run
    endpoint.run("actions", port=port, cors_origins=None)
