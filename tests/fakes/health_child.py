"""A tiny child process for the supervisor tests: an HTTP server on 127.0.0.1 whose
/health answers 200, as Unknot's children do.

    python health_child.py PORT [--answer-after SECONDS]

--answer-after: listen at once but answer /health only after this many seconds
(a child still loading, like the Rasa server with its model).
GET /exit?code=N makes it exit with code N (a crash). The tests make it stop
answering with SIGSTOP (a hung HTTP layer that also ignores SIGTERM).
"""
from __future__ import annotations

import argparse
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--answer-after", type=float, default=0.0)
    args = parser.parse_args()
    ready_at = time.monotonic() + args.answer_after

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlparse(self.path)
            if url.path == "/exit":
                os._exit(int(parse_qs(url.query).get("code", ["1"])[0]))
            healthy = url.path == "/health" and time.monotonic() >= ready_at
            self.send_response(200 if healthy else 503)
            self.end_headers()
            self.wfile.write(b"ok" if healthy else b"starting")

        def log_message(self, *args) -> None:  # quiet: the tests read only the supervisor's lines
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
