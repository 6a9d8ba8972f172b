"""Every response of the web app carries the security headers."""
from starlette.testclient import TestClient

from bot.settings import load_settings
from bot.web.app import create_app


def test_headers_on_every_response_including_404():
    client = TestClient(create_app(load_settings({})))
    for path in ("/healthz", "/no-such-page"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
