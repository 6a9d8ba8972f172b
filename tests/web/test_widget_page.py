"""The demo page embeds the widget without inline script, with the crisis lines in its config."""
import json
import re

import pytest
from starlette.testclient import TestClient

from bot.safety import resources
from bot.settings import load_settings
from bot.web import widget
from bot.web.app import create_app


@pytest.fixture
def client(monkeypatch, tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "widget.js").write_text("/* built */")
    monkeypatch.setattr(widget, "BUILD_DIR", build)
    return TestClient(create_app(load_settings({"RASA_PORT": "5999", "CLINIC_NAME": "Elm </script> Clinic"})))


def config_of(html):
    blocks = re.findall(r'<script type="application/json" id="unknot-widget-config">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_page_has_one_script_tag_no_inline_script_and_the_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
    executable = [(attrs, body) for attrs, body in scripts if 'type="application/json"' not in attrs]
    assert executable == [(' src="/static/build/widget.js" defer', "")]
    assert "Elm &lt;/script&gt; Clinic" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "http://127.0.0.1:5999" in csp and "ws://127.0.0.1:5999" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_config_carries_every_regions_crisis_lines_from_the_data_file(client):
    config = config_of(client.get("/").text)
    assert config["serverUrl"] == "http://127.0.0.1:5999"
    regions = config["crisis"]["regions"]
    assert set(regions) == set(resources.load_crisis_lines())
    gb = {line["name"]: line for line in regions["GB"]["lines"]}
    assert gb["Samaritans"]["href"] == "tel:116123" and gb["Samaritans"]["text"] == "call 116 123"
    assert config["crisis"]["fallback"] == "INTL"
    assert client.get("/widget/crisis-lines.json").json() == config["crisis"]


def test_json_block_cannot_be_closed_by_data():
    assert "</script>" not in widget.json_for_script({"x": "</script><script>alert(1)</script>"})
    assert json.loads(widget.json_for_script({"x": "</script>&"})) == {"x": "</script>&"}


def test_page_says_so_when_the_widget_is_not_built(monkeypatch, tmp_path):
    monkeypatch.setattr(widget, "BUILD_DIR", tmp_path / "missing")
    response = TestClient(create_app(load_settings({}))).get("/")
    assert response.status_code == 503 and "make widget" in response.text
