"""The chat widget's side of the web app: the demo clinic page with the widget
embedded, the widget's config, and the built assets under /static.

The widget (web/widget/, built by npm into bot/web/static/build/) gets its
config from a JSON block in the page, never from an inline script, so the
strict Content-Security-Policy holds. The config carries the crisis lines of
every region (from bot/safety/crisis_lines.yml, the file the bot itself uses):
"Get help now" shows them at once, with no round trip to any server.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Dict, List

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.safety import resources
from bot.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
BUILD_DIR = STATIC_DIR / "build"
CONFIG_ELEMENT_ID = "unknot-widget-config"


def crisis_config() -> Dict[str, Any]:
    """Every region's lines, ready for the widget: name, what to do, link, hours."""
    regions: Dict[str, Any] = {}

    def entry(line: resources.CrisisLine) -> Dict[str, Any]:
        return {"name": line.name, "text": resources.line_action(line), "href": resources.link_for(line),
                "hours": line.hours, "emergency": line.emergency}

    for code, region in resources.load_crisis_lines().items():
        # youth_lines: put first in the crisis bar once the server says the person is under 18
        regions[code] = {"name": region.name, "lines": [entry(x) for x in region.lines],
                         "youth_lines": [entry(x) for x in region.youth_lines]}
    return {"fallback": resources.FALLBACK_REGION, "regions": regions}


def widget_config(settings: Settings) -> Dict[str, Any]:
    return {
        "serverUrl": settings.rasa_url,
        "socketPath": "/socket.io",
        "title": "Unknot",
        "subtitle": "Automated support for stress-related back pain. Not a clinician.",
        "launcherLabel": "Chat with Unknot",
        "colors": {"primary": "#1d4f91", "primaryText": "#ffffff", "background": "#ffffff", "text": "#1a1a1a"},
        "locale": "",  # empty: the browser's own language (navigator.languages)
        "initPayload": "/greet",
        "crisis": crisis_config(),
    }


def json_for_script(data: Any) -> str:
    """JSON safe inside <script type="application/json">: no "</script>", no "<!--"."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


DEMO_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{clinic} - Back pain and stress</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/demo.css">
<link rel="stylesheet" href="/static/build/widget.css">
</head>
<body>
<header class="site-header">
  <p class="site-name">{clinic}</p>
  <nav aria-label="Main"><a href="/">Home</a> <a href="#services">Services</a> <a href="#contact">Contact</a></nav>
</header>
<main>
  <h1>Back pain and stress</h1>
  <p class="lead">Stress and anxiety can show up in the body, and the back is one of the first places many
  people feel it. Our chat assistant, Unknot, explains how, and walks you through coping steps and short
  relaxation exercises.</p>
  <section id="services">
    <h2>How we can help</h2>
    <ul>
      <li>Physiotherapy assessments</li>
      <li>Stress and pain management groups</li>
      <li>Talking therapies</li>
    </ul>
  </section>
  <section id="contact">
    <h2>Contact</h2>
    <p>{contact}</p>
  </section>
  <p class="note">Unknot is an automated assistant, not a clinician and not a crisis service. If you are in
  danger, use the "Get help now" button or call your local emergency number.</p>
</main>
<!-- The widget: one config block (JSON, allowed by the CSP) and one script. -->
<script type="application/json" id="{config_id}">{config}</script>
<script src="/static/build/widget.js" defer></script>
</body>
</html>
"""


def demo_page_html(settings: Settings) -> str:
    return DEMO_PAGE.format(
        clinic=html.escape(settings.clinic_name.title() if settings.clinic_name == "the clinic" else settings.clinic_name),
        contact=html.escape(settings.clinic_contact or "Ask at reception for an appointment."),
        config_id=CONFIG_ELEMENT_ID,
        config=json_for_script(widget_config(settings)),
    )


async def demo_page(request: Request) -> HTMLResponse:
    if not (BUILD_DIR / "widget.js").exists():
        return HTMLResponse("The widget is not built yet: run `make widget` (or `make run`).", status_code=503)
    return HTMLResponse(demo_page_html(request.app.state.settings),
                        headers={"cache-control": "no-store"})


async def crisis_lines(request: Request) -> JSONResponse:
    """The same lines, for pages that embed the widget without a server-rendered config."""
    return JSONResponse(crisis_config())


def widget_routes(settings: Settings) -> List[BaseRoute]:
    return [
        Route("/", demo_page),
        Route("/widget/crisis-lines.json", crisis_lines),
        Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]
