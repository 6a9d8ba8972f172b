"""HTTP side of the staff review app: pages, a small JSON API, exports.

Every route but the login page and the stylesheet needs a live staff session;
pages redirect to the login form without one, /api/ answers 401. POSTs need the
CSRF token (form field `csrf_token`, or header `X-CSRF-Token` for the API).
Database work runs in the thread pool; responses are never cached.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional
from urllib.parse import urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from bot.settings import ROOT, Settings
from bot.storage import staff_tables as db
from bot.web.alerts import store as alert_store
from bot.web.staff import audit, auth, case, clientip, queries, summary
from bot.web.staff.charts import horizontal_bars, stacked_bars
from bot.web.staff.masking import published_numbers
from bot.web.staff.training import known_intents, nlu_yaml

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "unknot_staff"
LOGIN_COOKIE = "unknot_staff_login"
MAX_JSON_BYTES = 64 * 1024
# Warnings and errors name the route, the staff user, ids and sizes, never what a
# person wrote: exceptions are logged by type only (a SQLAlchemy error's text can
# hold a statement's parameters, the engine is told to hide them too).
log = logging.getLogger(__name__)


@dataclass
class Ctx:
    request: Request
    user: Optional[auth.StaffUser]
    token: Optional[str]
    form: Any
    body: Any

    @property
    def prefix(self) -> str:
        return self.request.scope.get("root_path", "")

    @property
    def staff(self) -> auth.StaffUser:
        """The signed-in user, on the pages that need one (`_guarded` sent everyone
        else to the login page before the page ran)."""
        if self.user is None:
            raise PermissionError("a signed-in page ran without a user")
        return self.user

    @property
    def session_token(self) -> str:
        if self.token is None:
            raise PermissionError("a signed-in page ran without a session")
        return self.token


class StaffSite:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine = None
        self._key: Optional[str] = None
        self.threshold = summary.fallback_threshold()
        self.keep = published_numbers(
            [*sorted((ROOT / "domain").glob("*.yml")), *sorted((ROOT / "bot" / "safety").glob("*.yml")),
             *sorted((ROOT / "bot" / "safety" / "data").glob("*.yml"))], [settings.clinic_contact])
        self.intents = known_intents()
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                                      autoescape=True, undefined=jinja2.StrictUndefined)

    # The database and key are touched on the first request, not when the web
    # app is built, so building the app never creates tables by surprise.
    @property
    def engine(self):
        if self._engine is None:
            self._engine = db.get_engine(self.settings.database_url)
        return self._engine

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = self.settings.signing_key()
        return self._key

    # --- plumbing -------------------------------------------------------------

    def secure_cookies(self, request: Request) -> bool:
        return self.settings.is_production or request.url.scheme == "https"

    def set_cookie(self, response: Response, request: Request, name: str, value: str) -> None:
        response.set_cookie(name, value, httponly=True, samesite="strict", secure=self.secure_cookies(request),
                            path=request.scope.get("root_path", "") or "/")

    def render(self, ctx: Ctx, template: str, status: int = 200, **values) -> HTMLResponse:
        counts = alerts = None
        if ctx.user is not None:
            with self.engine.connect() as conn:
                counts = queries.counts(conn)
                alerts = alert_store.counts(conn)
        csrf = auth.csrf_token(self.key, "session", ctx.token) if ctx.token else ""
        values.setdefault("page", "")
        html = self.env.get_template(template).render(
            prefix=ctx.prefix, user=ctx.user, counts=counts, alert_counts=alerts, csrf=csrf,
            alert_channels=self.settings.alert_channels, **values)
        return HTMLResponse(html, status_code=status)

    def error(self, ctx: Ctx, status: int, message: str, api: bool) -> Response:
        if api:
            return JSONResponse({"error": message}, status_code=status)
        return self.render(ctx, "error.html", status=status, status_code=status, message=message)

    def route(self, fn: Callable[[Ctx], Response], role: Optional[str] = None, api: bool = False,
              public: bool = False) -> Callable:
        async def endpoint(request: Request) -> Response:
            form = body = None
            if request.method == "POST":
                if request.headers.get("content-type", "").startswith("application/json"):
                    raw = await request.body()
                    if len(raw) > MAX_JSON_BYTES:
                        return JSONResponse({"error": "request too large"}, status_code=413)
                    try:
                        body = json.loads(raw or b"{}")
                    except ValueError:
                        return JSONResponse({"error": "invalid JSON"}, status_code=400)
                else:
                    form = await request.form(max_files=0, max_fields=2000)
            response = await run_in_threadpool(self._safely, fn, request, form, body, role, api, public)
            response.headers["cache-control"] = "no-store"
            return response
        return endpoint

    def _safely(self, fn, request, form, body, role, api, public) -> Response:
        try:
            return self._guarded(fn, request, form, body, role, api, public)
        except Exception as error:  # noqa: BLE001 - one failed page must not show a trace or log user text
            log.error("staff request failed: %s %s: %s", request.method, request.url.path, type(error).__name__)
            if api:
                return JSONResponse({"error": "something went wrong"}, status_code=500)
            return HTMLResponse("<!doctype html><title>Error</title><p>Something went wrong. Please try again.</p>",
                                status_code=500)

    def _guarded(self, fn, request, form, body, role, api, public) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        user = auth.load_session(self.engine, token, self.settings.staff_idle_minutes * 60)
        ctx = Ctx(request, user, token if user else None, form, body)
        if not public:
            if user is None:
                if api:
                    return JSONResponse({"error": "authentication required"}, status_code=401)
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"{ctx.prefix}/login?{urlencode({'next': target})}", status_code=303)
            if role == "admin" and not user.is_admin:
                return self.error(ctx, 403, "This page is for admins only.", api)
            if request.method == "POST":
                sent = (form.get("csrf_token") if form is not None else None) or request.headers.get("x-csrf-token")
                if not auth.csrf_ok(self.key, "session", token, sent):
                    return self.error(ctx, 403, "The form was missing its security token. Reload the page "
                                                "and try again.", api)
            summary.refresh(self.engine, self.threshold)
        return fn(ctx)

    def _conversation(self, ctx: Ctx) -> Optional[Dict[str, Any]]:
        # The route's convertor (staff_id) turns ids of more than 19 digits into -1;
        # anything outside 1..2**63-1 is no conversation, not a database overflow.
        cid = ctx.request.path_params.get("cid")
        if not isinstance(cid, int) or not 1 <= cid <= queries.MAX_ID:
            return None
        with self.engine.connect() as conn:
            return queries.conversation_by_id(conn, cid)

    # --- login ------------------------------------------------------------------

    def login_page(self, ctx: Ctx, error: str = "", status: int = 200) -> Response:
        request = ctx.request
        if ctx.user is not None and request.method == "GET":
            return RedirectResponse(f"{ctx.prefix}/", status_code=303)
        pre = request.cookies.get(LOGIN_COOKIE) or auth.secrets.token_urlsafe(24)
        next_url = self._safe_next(ctx, request.query_params.get("next") or (ctx.form or {}).get("next") or "")
        response = self.render(ctx, "login.html", status=status, error=error, next=next_url,
                               login_csrf=auth.csrf_token(self.key, "login", pre))
        self.set_cookie(response, request, LOGIN_COOKIE, pre)
        return response

    def _safe_next(self, ctx: Ctx, value: str) -> str:
        value = str(value)
        if value.startswith(ctx.prefix + "/") and not value.startswith("//") and "\\" not in value:
            return value
        return f"{ctx.prefix}/"

    def login(self, ctx: Ctx) -> Response:
        request, form = ctx.request, ctx.form
        if request.method == "GET":
            return self.login_page(ctx)
        if not auth.csrf_ok(self.key, "login", request.cookies.get(LOGIN_COOKIE), form.get("csrf_token")):
            return self.login_page(ctx, "Your login form expired. Please try again.", 403)
        ip = clientip.client_ip(request, self.settings.trusted_proxies)
        user, reason = auth.authenticate(self.engine, form.get("username", ""), form.get("password", ""), ip,
                                         delay_base=self.settings.staff_login_delay_seconds)
        if user is None:
            if reason == "locked":
                return self.login_page(ctx, "Too many failed attempts from your network. Wait 15 minutes and "
                                            "try again.", 429)
            if reason == "wait":
                return self.login_page(ctx, "Too many failed attempts for this account. Wait a minute and "
                                            "try again.", 429)
            return self.login_page(ctx, "Wrong user name or password.", 401)
        auth.end_session(self.engine, request.cookies.get(SESSION_COOKIE))
        token = auth.start_session(self.engine, user)
        with self.engine.begin() as conn:
            audit.record(conn, user.username, "login")
        response = RedirectResponse(self._safe_next(ctx, form.get("next", "")), status_code=303)
        self.set_cookie(response, request, SESSION_COOKIE, token)
        response.delete_cookie(LOGIN_COOKIE, path=ctx.prefix or "/")
        return response

    def logout(self, ctx: Ctx) -> Response:
        auth.end_session(self.engine, ctx.token)
        with self.engine.begin() as conn:
            audit.record(conn, ctx.staff.username, "logout")
        response = RedirectResponse(f"{ctx.prefix}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=ctx.prefix or "/", httponly=True, samesite="strict")
        return response

    # --- pages ------------------------------------------------------------------

    def _queue(self, ctx: Ctx, f: queries.QueueFilters) -> Dict[str, Any]:
        with self.engine.connect() as conn:
            return queries.queue(conn, self.key, f, ctx.staff.username, self.keep)

    def queue_page(self, ctx: Ctx) -> Response:
        f = queries.QueueFilters.from_params(ctx.request.query_params)
        if f.errors:
            return self.error(ctx, 400, "; ".join(f.errors), False)
        return self.render(ctx, "queue.html", queue=self._queue(ctx, f), f=f, page="queue")

    # --- alerts -----------------------------------------------------------------

    def alerts_page(self, ctx: Ctx) -> Response:
        state = ctx.request.query_params.get("state") or "open"
        page = queries.bounded_int(ctx.request.query_params.get("page"), 1, queries.MAX_PAGE)
        if state not in ("open", "acknowledged", "all") or page is None:
            return self.error(ctx, 400, "state must be open, acknowledged or all, and page a whole number", False)
        with self.engine.connect() as conn:
            data = alert_store.list_alerts(conn, self.settings.alert_channels, state, page)
        for a in data["data"]:
            self._alert_times(a)
        return self.render(ctx, "alerts.html", alerts=data, state=state, page="alerts")

    @staticmethod
    def _alert_times(a: Dict[str, Any]) -> Dict[str, Any]:
        now = time.time()
        a["flagged"] = queries.iso(a["flagged_at"])
        a["acknowledged"] = queries.iso(a["acknowledged_at"])
        a["waited"] = queries.waited((a["acknowledged_at"] or now) - a["flagged_at"])
        a["erased"] = a["erased_at"] is not None
        return a

    def _ack(self, ctx: Ctx) -> Optional[Dict[str, Any]]:
        aid = ctx.request.path_params.get("aid")
        if not isinstance(aid, int) or not 1 <= aid <= queries.MAX_ID:
            return None
        with self.engine.begin() as conn:
            row = alert_store.acknowledge(conn, aid, ctx.staff.username)
            if row is not None:
                audit.record(conn, ctx.staff.username, "alert_ack", row["sender_id"], f"alert {row['uid']}")
        return row

    def acknowledge(self, ctx: Ctx) -> Response:
        row = self._ack(ctx)
        if row is None:
            return self.error(ctx, 404, "No such alert.", False)
        back = (ctx.form or {}).get("back") or ""
        return RedirectResponse(self._safe_next(ctx, back) if back else f"{ctx.prefix}/alerts", status_code=303)

    def api_alerts(self, ctx: Ctx) -> Response:
        state = ctx.request.query_params.get("state") or "open"
        page = queries.bounded_int(ctx.request.query_params.get("page"), 1, queries.MAX_PAGE)
        if state not in ("open", "acknowledged", "all") or page is None:
            return JSONResponse({"error": "state must be open, acknowledged or all; page a whole number"},
                                status_code=400)
        with self.engine.connect() as conn:
            data = alert_store.list_alerts(conn, self.settings.alert_channels, state, page)
        out = []
        for a in data["data"]:
            self._alert_times(a)
            out.append({"id": a["id"], "alert_id": a["uid"], "conversation": a["conversation"],
                        "conversation_id": a["conversation_id"], "level": a["level"], "reasons": a["reasons"],
                        "flagged_at": a["flagged"], "acknowledged_by": a["acknowledged_by"] or "",
                        "acknowledged_at": a["acknowledged"], "waited": a["waited"], "erased": a["erased"],
                        "delivery": a["delivery"], "errors": a["errors"],
                        "deliveries": [{"channel": d["channel"], "kind": d["kind"], "state": d["state"],
                                        "attempts": d["attempts"], "error": d["last_error"] or "",
                                        "sent_at": queries.iso(d["sent_at"])} for d in a["deliveries"]]})
        return JSONResponse({**{k: v for k, v in data.items() if k != "data"}, "data": out,
                             "channels": list(self.settings.alert_channels)})

    def api_acknowledge(self, ctx: Ctx) -> Response:
        row = self._ack(ctx)
        if row is None:
            return JSONResponse({"error": "no such alert"}, status_code=404)
        return JSONResponse({"alert_id": row["uid"], "acknowledged_by": row["acknowledged_by"],
                             "acknowledged_at": queries.iso(row["acknowledged_at"])})

    def take(self, ctx: Ctx) -> Response:
        """Take the conversation ("mine") or hand it back (form field give_back=yes)."""
        row = self._conversation(ctx)
        if row is None:
            return self.error(ctx, 404, "No such conversation.", False)
        give_back = (ctx.form or {}).get("give_back") == "yes"
        with self.engine.begin() as conn:
            queries.set_owner(conn, row["sender_id"], None if give_back else ctx.staff.username)
            audit.record(conn, ctx.staff.username, "hand_back" if give_back else "take", row["sender_id"])
        return RedirectResponse(f"{ctx.prefix}/conversations/{row['id']}", status_code=303)

    def list_page(self, ctx: Ctx) -> Response:
        f = queries.Filters.from_params(ctx.request.query_params)
        with self.engine.connect() as conn:
            result = queries.list_conversations(conn, self.key, f)
            channels = queries.channels(conn)
        return self.render(ctx, "list.html", status=400 if f.number_errors else 200, result=result, f=f,
                           channels=channels, intents=self.intents, page="list")

    def conversation_page(self, ctx: Ctx, unmasked: bool = False, message: str = "") -> Response:
        row = self._conversation(ctx)
        if row is None:
            return self.error(ctx, 404, "No such conversation.", False)
        with self.engine.begin() as conn:
            events = queries.load_transcript(conn, row["sender_id"], self.threshold, not unmasked, self.keep)
            notes = queries.notes_of(conn, row["sender_id"])
            plan = queries.safety_plan_of(conn, row["sender_id"], not unmasked)
            alerts = [self._alert_times(a) for a in
                      alert_store.alerts_of(conn, row["sender_id"], self.settings.alert_channels)]
            owner = queries.owner_of(conn, row["sender_id"])
            audit.record(conn, ctx.staff.username, "unmask" if unmasked else "view", row["sender_id"])
        return self.render(ctx, "conversation.html", c=queries._row(self.key, row), events=events, notes=notes,
                           safety_plan=plan, alerts=alerts, owner=owner, card=case.case_card(events),
                           chat=case.chat_rows(events),
                           unmasked=unmasked, sender_id=row["sender_id"] if unmasked else "",
                           intents=self.intents, message=message, page="list")

    def unmask(self, ctx: Ctx) -> Response:
        return self.conversation_page(ctx, unmasked=True)

    def review(self, ctx: Ctx) -> Response:
        row = self._conversation(ctx)
        if row is None:
            return self.error(ctx, 404, "No such conversation.", False)
        reviewed = ctx.form.get("reviewed") == "yes"
        with self.engine.begin() as conn:
            queries.set_reviewed(conn, row["sender_id"], reviewed, ctx.staff.username)
            audit.record(conn, ctx.staff.username, "review" if reviewed else "unreview", row["sender_id"])
        return RedirectResponse(f"{ctx.prefix}/conversations/{row['id']}", status_code=303)

    def tags(self, ctx: Ctx) -> Response:
        row = self._conversation(ctx)
        if row is None:
            return self.error(ctx, 404, "No such conversation.", False)
        tags = queries.parse_tags(ctx.form.get("tags", ""))
        with self.engine.begin() as conn:
            queries.set_tags(conn, row["sender_id"], tags)
            audit.record(conn, ctx.staff.username, "tags", row["sender_id"], ",".join(tags))
        return RedirectResponse(f"{ctx.prefix}/conversations/{row['id']}", status_code=303)

    def note(self, ctx: Ctx) -> Response:
        row = self._conversation(ctx)
        if row is None:
            return self.error(ctx, 404, "No such conversation.", False)
        body = (ctx.form.get("body") or "").strip()
        if body:
            with self.engine.begin() as conn:
                queries.add_note(conn, row["sender_id"], ctx.staff.username, body)
                audit.record(conn, ctx.staff.username, "note", row["sender_id"])
        return RedirectResponse(f"{ctx.prefix}/conversations/{row['id']}", status_code=303)

    def training(self, ctx: Ctx) -> Response:
        row = self._conversation(ctx)
        if row is None:
            return self.error(ctx, 404, "No such conversation.", False)
        picked = set(ctx.form.getlist("pick"))
        with self.engine.begin() as conn:
            events = queries.load_transcript(conn, row["sender_id"], self.threshold, True, self.keep)
            examples = []
            for e in events:
                if e["kind"] == "user" and str(e["id"]) in picked:
                    intent = ctx.form.get(f"intent_{e['id']}") or e["intent"]
                    if intent not in self.intents:
                        return self.error(ctx, 400, f"Unknown intent {intent!r}.", False)
                    examples.append((intent, e["text"]))
            if not examples:
                return self.conversation_page(ctx, message="Tick at least one user message to export.")
            audit.record(conn, ctx.staff.username, "training_export", row["sender_id"], f"{len(examples)} messages")
        name = queries.pseudonym(self.key, row["sender_id"])
        return Response(nlu_yaml(examples, name), media_type="application/x-yaml",
                        headers={"content-disposition": f'attachment; filename="unknot-nlu-{name}.yml"'})

    def dashboard_page(self, ctx: Ctx) -> Response:
        with self.engine.connect() as conn:
            d = queries.dashboard(conn)
        per_day_series = {ch: [d["per_day"][ch].get(day, 0) for day in d["days"]] for ch in sorted(d["per_day"])}
        helped = d["exercise_helped"]
        charts = {
            "per_day": stacked_bars("chart-per-day", "Conversations per day by channel",
                                    f"New conversations on each of the last {d['period_days']} days, stacked by channel.",
                                    [day[5:] for day in d["days"]], per_day_series or {"none": [0] * len(d["days"])},
                                    label_every=5),
            "flags": stacked_bars("chart-flags", "Risk flags per week",
                                  "Flagged user messages per ISO week, high risk stacked on possible risk.",
                                  [w[5:] for w in d["weeks"]],
                                  {"high": d["flags_per_week_high"],
                                   "possible": [a - b for a, b in zip(d["flags_per_week"], d["flags_per_week_high"])]}),
            "intents": horizontal_bars("chart-intents", "Top intents",
                                       "The ten most frequent intents of user messages.", d["top_intents"]),
            "fallback": horizontal_bars("chart-fallback", "Fallback rate",
                                        "Share of user messages the bot did not understand, and of those it did.",
                                        [("not understood", round(100 * d["fallback_rate"], 1)),
                                         ("understood", round(100 - 100 * d["fallback_rate"], 1))], "{:g}%"),
            "helped": horizontal_bars("chart-helped", "Did the guided exercise help?",
                                      "Answers to the check-in after a guided exercise.",
                                      [("yes", helped["yes"]), ("a little", helped["a_little"]), ("no", helped["no"])]),
        }
        return self.render(ctx, "dashboard.html", d=d, charts=charts, per_day_series=per_day_series, page="dashboard")

    def export(self, ctx: Ctx, fmt: str) -> Response:
        f = queries.Filters.from_params(ctx.request.query_params)
        if f.number_errors:
            return self.error(ctx, 400, "; ".join(f.number_errors), False)
        with self.engine.begin() as conn:
            plan = queries.export_plan(conn, self.key, f)
            audit.record_many(conn, ctx.staff.username, "export", [s for s, _ in plan], fmt)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        chunks = (queries.csv_chunks if fmt == "csv" else queries.json_chunks)(
            queries.export_rows(self.engine, plan, self.threshold, self.keep))
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        # A sync iterator: StreamingResponse pulls each chunk in the thread pool,
        # so masking and database reads never run on the event loop.
        return StreamingResponse(self._logged(chunks, fmt, len(plan)), media_type=media, headers={
            "content-disposition": f'attachment; filename="unknot-conversations-{stamp}.{fmt}"'})

    def _logged(self, chunks, fmt: str, planned: int):
        sent = 0
        try:
            for chunk in chunks:
                sent += len(chunk)
                yield chunk
        except Exception as error:  # noqa: BLE001 - the download is cut short; log sizes, not content
            log.error("staff export (%s, %d conversations) failed after %d characters: %s", fmt, planned, sent,
                      type(error).__name__)

    def full_message_page(self, ctx: Ctx) -> Response:
        """An admin's "show more": the whole of one long message, masked (audited as a view)."""
        row = self._conversation(ctx)
        eid = ctx.request.path_params.get("eid")
        if row is None or not isinstance(eid, int) or not 1 <= eid <= queries.MAX_ID:
            return self.error(ctx, 404, "No such message.", False)
        with self.engine.begin() as conn:
            message = queries.full_message(conn, row["sender_id"], eid, self.threshold, True, self.keep)
            if message is None:
                return self.error(ctx, 404, "No such message.", False)
            audit.record(conn, ctx.staff.username, "view", row["sender_id"], f"full message {eid}")
        return self.render(ctx, "message.html", c=queries._row(self.key, row), m=message, page="list")

    def audit_page(self, ctx: Ctx) -> Response:
        page = queries.bounded_int(ctx.request.query_params.get("page"), 1, queries.MAX_PAGE)
        if page is None:
            return self.error(ctx, 400, f"page must be a whole number from 1 to {queries.MAX_PAGE}", False)
        with self.engine.connect() as conn:
            rows = audit.recent(conn, 100, (page - 1) * 100)
        for r in rows:
            r["time"] = queries.iso(r["at"])
            r["conversation"] = queries.pseudonym(self.key, r["sender_id"]) if r["sender_id"] else ""
        return self.render(ctx, "audit.html", rows=rows, page_no=page, page="audit")

    def users_page(self, ctx: Ctx) -> Response:
        users = auth.list_users(self.engine)
        for u in users:
            u["created"] = queries.iso(u["created_at"])
        return self.render(ctx, "users.html", users=users, page="users")

    # --- JSON API ---------------------------------------------------------------

    def api_me(self, ctx: Ctx) -> Response:
        return JSONResponse({"username": ctx.staff.username, "role": ctx.staff.role,
                             "csrf_token": auth.csrf_token(self.key, "session", ctx.session_token)})

    def api_queue(self, ctx: Ctx) -> Response:
        f = queries.QueueFilters.from_params(ctx.request.query_params)
        if f.errors:
            return JSONResponse({"error": "; ".join(f.errors)}, status_code=400)
        return JSONResponse(self._queue(ctx, f))

    def api_list(self, ctx: Ctx) -> Response:
        f = queries.Filters.from_params(ctx.request.query_params)
        if f.errors:
            return JSONResponse({"error": "; ".join(f.errors)}, status_code=400)
        with self.engine.connect() as conn:
            return JSONResponse(queries.list_conversations(conn, self.key, f))

    def api_conversation(self, ctx: Ctx) -> Response:
        row = self._conversation(ctx)
        if row is None:
            return JSONResponse({"error": "no such conversation"}, status_code=404)
        with self.engine.begin() as conn:
            events = queries.load_transcript(conn, row["sender_id"], self.threshold, True, self.keep)
            notes = queries.notes_of(conn, row["sender_id"])
            plan = queries.safety_plan_of(conn, row["sender_id"], True)
            audit.record(conn, ctx.staff.username, "view", row["sender_id"])
        return JSONResponse({**queries._row(self.key, row), "events": events, "notes": notes, "safety_plan": plan})

    def api_review(self, ctx: Ctx) -> Response:
        row = self._conversation(ctx)
        if row is None:
            return JSONResponse({"error": "no such conversation"}, status_code=404)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if not isinstance(body.get("reviewed"), bool):
            return JSONResponse({"error": "send {\"reviewed\": true|false, \"tags\": [...]}"}, status_code=400)
        with self.engine.begin() as conn:
            queries.set_reviewed(conn, row["sender_id"], body["reviewed"], ctx.staff.username)
            audit.record(conn, ctx.staff.username, "review" if body["reviewed"] else "unreview", row["sender_id"])
            if isinstance(body.get("tags"), list):
                tags = queries.parse_tags(",".join(str(t) for t in body["tags"]))
                queries.set_tags(conn, row["sender_id"], tags)
                audit.record(conn, ctx.staff.username, "tags", row["sender_id"], ",".join(tags))
            row = queries.conversation_by_id(conn, row["id"])
        return JSONResponse(queries._row(self.key, row))

    def api_dashboard(self, ctx: Ctx) -> Response:
        with self.engine.connect() as conn:
            d = queries.dashboard(conn)
        d["top_intents"] = [{"intent": i, "count": n} for i, n in d["top_intents"]]
        return JSONResponse(d)
