"""Staff review of conversation logs, mounted at /staff by bot/web/app.py.

Clinic staff log in (accounts from `python -m bot staff-user add`), work through
the queue (risk-flagged conversations first, then the ones the bot did not
understand), read transcripts with identifiers masked, mark them reviewed, tag
them, keep private notes, export training examples, see the dashboard and
export filtered sets. It reads Rasa's `events` table and owns the `staff_*`
tables in the same database.
"""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.settings import Settings
from bot.web.staff.routes import HERE, StaffSite


class StaffIdConvertor(Convertor):
    """Path ids: digits only; more than 19 digits (beyond any 64-bit id) become -1,
    which the pages answer with 404. Starlette's own `int` convertor raises on a
    4,300+ digit id (Python's int limit), and a big one overflows SQLite: a 500."""
    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        return int(value) if len(value) <= 19 else -1

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("staff_id", StaffIdConvertor())


def staff_routes(site: StaffSite):
    r = site.route
    return [
        Route("/login", r(site.login, public=True), methods=["GET", "POST"], name="staff_login"),
        Route("/logout", r(site.logout), methods=["POST"]),
        Route("/", r(site.queue_page), name="staff_queue"),
        Route("/conversations", r(site.list_page)),
        Route("/conversations/{cid:staff_id}", r(site.conversation_page)),
        Route("/conversations/{cid:staff_id}/review", r(site.review), methods=["POST"]),
        Route("/conversations/{cid:staff_id}/tags", r(site.tags), methods=["POST"]),
        Route("/conversations/{cid:staff_id}/notes", r(site.note), methods=["POST"]),
        Route("/conversations/{cid:staff_id}/training", r(site.training), methods=["POST"]),
        Route("/conversations/{cid:staff_id}/unmask", r(site.unmask, role="admin"), methods=["POST"]),
        Route("/conversations/{cid:staff_id}/messages/{eid:staff_id}", r(site.full_message_page, role="admin")),
        Route("/conversations/{cid:staff_id}/owner", r(site.take), methods=["POST"]),
        Route("/alerts", r(site.alerts_page)),
        Route("/alerts/{aid:staff_id}/ack", r(site.acknowledge), methods=["POST"]),
        Route("/dashboard", r(site.dashboard_page)),
        Route("/export.csv", r(lambda ctx: site.export(ctx, "csv"))),
        Route("/export.json", r(lambda ctx: site.export(ctx, "json"))),
        Route("/admin/audit", r(site.audit_page, role="admin")),
        Route("/admin/users", r(site.users_page, role="admin")),
        Route("/api/me", r(site.api_me, api=True)),
        Route("/api/queue", r(site.api_queue, api=True)),
        Route("/api/conversations", r(site.api_list, api=True)),
        Route("/api/conversations/{cid:staff_id}", r(site.api_conversation, api=True)),
        Route("/api/conversations/{cid:staff_id}/review", r(site.api_review, api=True), methods=["POST"]),
        Route("/api/dashboard", r(site.api_dashboard, api=True)),
        Route("/api/alerts", r(site.api_alerts, api=True)),
        Route("/api/alerts/{aid:staff_id}/ack", r(site.api_acknowledge, api=True), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="staff_static"),
    ]


def create_staff_app(settings: Settings) -> Starlette:
    site = StaffSite(settings)
    app = Starlette(routes=staff_routes(site))
    app.state.staff = site
    return app
