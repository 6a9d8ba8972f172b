"""deploy/nginx.conf stops malformed framing, big bodies and slow clients before
they reach a Rasa replica (issue 15). `nginx -t` on the rendered file is in
tests/tools/test_scale.py."""
import re

from tests.support.services import render_nginx


def directives(text: str) -> dict:
    http = text[text.index("http {"):text.index("    server {")]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s+(\w+)\s+([^;{]+);", http, re.MULTILINE)}


def test_the_proxy_rejects_malformed_framing_and_slow_or_big_requests():
    found = directives(render_nginx(["127.0.0.1:5710"], "127.0.0.1:5780"))
    assert found["client_max_body_size"] == "64k" and found["proxy_request_buffering"] == "on"
    assert found["client_header_timeout"] == "10s" and found["client_body_timeout"] == "10s"
    assert found["send_timeout"] == "30s" and found["keepalive_timeout"] == "30s"
    assert found["large_client_header_buffers"] == "4 8k"
    assert found["ignore_invalid_headers"] == "on" and found["underscores_in_headers"] == "off"
