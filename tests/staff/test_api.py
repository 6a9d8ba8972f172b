"""The staff review app over real SQLite and real PostgreSQL, with conversations
produced by the real bot (see conftest.py)."""
from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest
import sqlalchemy as sa
import yaml

from bot.storage import staff_tables as db
from bot.web.staff import create_staff_app, queries, summary
from tests.support.staff import (
    OLD_DAYS,
    PII_EMAIL,
    PII_PHONE,
    XSS,
    app_settings,
    csrf,
    login,
    make_client,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url(staff_db):
    return staff_db[0]


@pytest.fixture(scope="module")
def senders(staff_db):
    return staff_db[1]


@pytest.fixture(scope="module")
def engine(url):
    return db.get_engine(url)


@pytest.fixture()
def reviewer(url):
    return login(make_client(url), "rita")


@pytest.fixture()
def admin(url):
    return login(make_client(url), "adam")


def pseudo(sender):
    return queries.pseudonym("t" * 48, sender)


def cid_of(engine, sender) -> int:
    summary.refresh(engine)  # what every staff request does first
    with engine.connect() as conn:
        return conn.execute(sa.select(db.conversations.c.id).where(db.conversations.c.sender_id == sender)).scalar()


def audit_rows(engine, sender=None):
    with engine.connect() as conn:
        query = sa.select(db.audit)
        if sender:
            query = query.where(db.audit.c.sender_id == sender)
        return [dict(r) for r in conn.execute(query.order_by(db.audit.c.id)).mappings()]


def test_every_staff_page_and_api_refuses_an_unauthenticated_request(url, senders):
    client = make_client(url)
    for route in create_staff_app(app_settings(url)).routes:
        path = getattr(route, "path", "")
        if path in ("/login", "/static"):
            continue
        path = "/staff" + re.sub(r"\{\w+:\w+\}", "1", path)
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method == "HEAD":
                continue
            response = client.request(method, path, follow_redirects=False)
            if "/api/" in path:
                assert response.status_code == 401, (method, path)
            else:
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/staff/login?next="), (method, path)
            assert "kill myself" not in response.text and "c-" not in response.text
    # a forged or stale cookie is no better
    client.cookies.set("unknot_staff", "forged-token", domain="127.0.0.1", path="/staff")
    assert client.get("/staff/api/queue").status_code == 401


def test_login_cookie_is_httponly_samesite_and_wrong_passwords_are_rate_limited(url):
    client = make_client(url)
    login(client, "rita")
    cookie = client.cookies.jar
    set_cookie = [c for c in cookie if c.name == "unknot_staff"][0]
    assert set_cookie.path == "/staff" and not set_cookie.secure  # plain http on loopback keeps working
    response = make_client(url).get("/staff/login")
    assert "unknot_staff_login" in response.headers["set-cookie"]
    fresh = make_client(url)
    page = fresh.get("/staff/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    header = fresh.post("/staff/login", data={"username": "rita", "password": "reviewer-password-1", "csrf_token": token},
                        follow_redirects=False).headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/staff" in header
    # without the login form's CSRF token, even the right password is refused
    assert fresh.post("/staff/login", data={"username": "rita", "password": "reviewer-password-1"},
                      follow_redirects=False).status_code == 403
    # wrong passwords make the account wait before the next attempt is checked, even the right
    # password (the wait ends; tests/staff/test_robustness.py shows the right person gets in after it)
    attacker = make_client(url, STAFF_LOGIN_DELAY_SECONDS="30")
    token = attacker.get("/staff/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    statuses = [attacker.post("/staff/login", data={"username": "adam", "password": "guess-guess-guess",
                                                    "csrf_token": token}).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = attacker.post("/staff/login", data={"username": "adam", "password": "admin-password-12",
                                                 "csrf_token": token}, follow_redirects=False)
    assert locked.status_code == 429 and "unknot_staff=" not in locked.headers.get("set-cookie", "")
    engine = db.get_engine(url)
    with engine.begin() as conn:  # let the window pass for the other tests
        conn.execute(db.login_attempts.update().values(at=time.time() - 3600))


def test_secure_cookie_in_production_and_over_https(url):
    from starlette.testclient import TestClient

    from bot.web.app import create_app

    for client in (make_client(url, UNKNOT_ENV="production"),
                   TestClient(create_app(app_settings(url)), base_url="https://127.0.0.1")):
        page = client.get("/staff/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        header = client.post("/staff/login", data={"username": "rita", "password": "reviewer-password-1",
                                                   "csrf_token": token}, follow_redirects=False).headers["set-cookie"]
        assert "Secure" in header and "HttpOnly" in header


def test_queue_puts_risk_flagged_conversations_first_high_before_possible(reviewer, senders):
    q = reviewer.get("/staff/api/queue").json()
    flagged = [r["conversation"] for r in q["flagged"]]
    assert flagged[:2] == [pseudo(senders["risk_high"]), pseudo(senders["risk_possible"])]
    top = q["flagged"][0]
    assert top["risk_level"] == "high" and top["risk_time"] and top["risk_reasons"]
    assert q["flagged"][1]["risk_level"] == "possible"
    assert pseudo(senders["fallback"]) in [r["conversation"] for r in q["low_confidence"]]
    assert pseudo(senders["plain"]) not in flagged + [r["conversation"] for r in q["low_confidence"]]
    assert q["counts"]["unreviewed_flagged"] == len(q["flagged"]) >= 2
    # the count of unreviewed flagged conversations is on every page
    for page in ("/staff/", "/staff/conversations", "/staff/dashboard"):
        html = reviewer.get(page).text
        assert f'id="unreviewed-count" title="Risk-flagged conversations not yet reviewed">{q["counts"]["unreviewed_flagged"]}<' in html


def test_transcript_shows_each_message_with_intent_confidence_replies_actions_slots_and_flags(reviewer, engine, senders):
    sender = senders["risk_high"]
    data = reviewer.get(f"/staff/api/conversations/{cid_of(engine, sender)}").json()
    kinds = [e["kind"] for e in data["events"]]
    users = [e for e in data["events"] if e["kind"] == "user"]
    assert [u["text"] for u in users] == ["hi", "i want to kill myself"]
    assert users[0]["intent"] == "greet" and 0 < users[0]["confidence"] <= 1 and not users[0]["flagged"]
    risk = users[1]
    assert risk["intent"] == "express_risk" and risk["confidence"] == 1.0 and risk["risk_level"] == "high"
    # both sources: the NLU risk guard and the flag slots SafetyPolicy writes (shown as "action")
    assert sorted(risk["flag_sources"]) == ["action", "nlu"]
    after = data["events"][kinds.index("user", kinds.index("user") + 1):]
    assert [e["name"] for e in after if e["kind"] == "action"][:2] == ["utter_crisis_first", "utter_crisis_ask_direct"]
    assert any(e["kind"] == "bot" and "988" in e["text"] for e in after)
    slots = {e["name"]: e["value"] for e in after if e["kind"] == "slot"}
    assert slots["risk_flagged"] == "true" and slots["risk_level"] == "high" and "reasons" in slots["risk_flags"]
    # order: every event time is non-decreasing
    times = [e["time"] for e in data["events"]]
    assert times == sorted(times)
    # the view is in the audit log: who, which, when; never message text
    rows = audit_rows(engine, sender)
    assert rows[-1]["username"] == "rita" and rows[-1]["action"] == "view" and rows[-1]["at"] > time.time() - 60
    assert all("kill" not in (r["detail"] or "") for r in audit_rows(engine))


def test_identifiers_are_masked_in_transcripts_lists_and_exports(reviewer, engine, senders):
    cid = cid_of(engine, senders["pii"])
    html = reviewer.get(f"/staff/conversations/{cid}").text
    api = json.dumps(reviewer.get(f"/staff/api/conversations/{cid}").json())
    exported = reviewer.get("/staff/export.csv").text + reviewer.get("/staff/export.json").text
    for text in (html, api, exported):
        assert PII_EMAIL not in text and PII_PHONE not in text and "900123" not in text
    assert "[email]" in html and "[phone]" in html and "[email]" in exported
    # crisis lines in bot replies stay readable
    risk_html = reviewer.get(f"/staff/conversations/{cid_of(engine, senders['risk_high'])}").text
    assert "988" in risk_html and "[phone]" not in risk_html


def test_the_persons_safety_plan_is_on_the_conversation_page_masked(reviewer, engine, senders):
    from bot.storage import safety_plan_table
    sender = senders["risk_high"]
    plan = {"warning_signs": "I stop replying to texts", "coping": "", "people": f"my sister {PII_PHONE}"}
    with engine.begin() as conn:
        safety_plan_table.store(conn, sender, plan, time.time())
    cid = cid_of(engine, sender)
    html = reviewer.get(f"/staff/conversations/{cid}").text
    assert 'id="safety-plan"' in html and "I stop replying to texts" in html and "skipped" in html
    api = reviewer.get(f"/staff/api/conversations/{cid}").json()["safety_plan"]
    assert [s["step"] for s in api] == ["Signs a hard moment is starting", "What helps me cope on my own",
                                        "People I can ask for help"]
    assert PII_PHONE not in html + json.dumps(api) and "my sister" in api[2]["text"]
    assert 'id="safety-plan"' not in reviewer.get(f"/staff/conversations/{cid_of(engine, senders['plain'])}").text


def test_admin_can_unmask_one_conversation_and_it_is_audited_reviewer_cannot(reviewer, admin, engine, senders):
    cid = cid_of(engine, senders["pii"])
    assert reviewer.post(f"/staff/conversations/{cid}/unmask", data={"csrf_token": csrf(reviewer)}).status_code == 403
    for page in ("/staff/admin/audit", "/staff/admin/users"):
        assert reviewer.get(page).status_code == 403
    page = admin.post(f"/staff/conversations/{cid}/unmask", data={"csrf_token": csrf(admin)})
    assert page.status_code == 200 and PII_EMAIL in page.text and PII_PHONE in page.text
    assert audit_rows(engine, senders["pii"])[-1]["action"] == "unmask"
    assert audit_rows(engine, senders["pii"])[-1]["username"] == "adam"
    assert PII_EMAIL not in admin.get(f"/staff/conversations/{cid}").text  # masked again on the next view
    assert "unmask" in admin.get("/staff/admin/audit").text


def test_user_text_is_rendered_as_text(reviewer, engine, senders):
    response = reviewer.get(f"/staff/conversations/{cid_of(engine, senders['xss'])}")
    assert XSS not in response.text and "<script>window.__xss" not in response.text
    assert "&lt;img src=x onerror=" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["cache-control"] == "no-store"


def test_filters_and_paging(reviewer, senders):
    def ids(**params):
        return {r["conversation"] for r in reviewer.get("/staff/api/conversations", params=params).json()["data"]}
    everything = reviewer.get("/staff/api/conversations", params={"per_page": 100}).json()
    assert everything["count"] == len(senders)
    assert ids(channel="telegram") == {pseudo(senders["telegram"])}
    assert ids(flagged="yes") == {pseudo(senders["risk_high"]), pseudo(senders["risk_possible"])}
    assert ids(low_confidence="yes") >= {pseudo(senders["fallback"])}
    assert ids(intent="express_risk") == {pseudo(senders["risk_high"]), pseudo(senders["risk_possible"])}
    assert ids(q="OLDCONVERSATIONMARKER") == {pseudo(senders["old"])}
    old_day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - OLD_DAYS * 86400))
    assert ids(date_from=old_day, date_to=old_day) == {pseudo(senders["old"])}
    assert pseudo(senders["old"]) not in ids(date_from=time.strftime("%Y-%m-%d", time.gmtime()), per_page=100)
    page1 = reviewer.get("/staff/api/conversations", params={"per_page": 3, "page": 1}).json()
    page2 = reviewer.get("/staff/api/conversations", params={"per_page": 3, "page": 2}).json()
    assert len(page1["data"]) == 3 and page1["pages"] == -(-len(senders) // 3)
    assert not {r["conversation"] for r in page1["data"]} & {r["conversation"] for r in page2["data"]}
    assert reviewer.get("/staff/api/conversations", params={"date_from": "yesterday"}).status_code == 400
    html = reviewer.get("/staff/conversations", params={"channel": "telegram"}).text
    assert pseudo(senders["telegram"]) in html and pseudo(senders["plain"]) not in html


def test_review_tags_and_notes_and_csrf(reviewer, engine, senders):
    sender = senders["risk_possible"]
    cid = cid_of(engine, sender)
    token = csrf(reviewer)
    # without (or with a wrong) CSRF token nothing changes
    assert reviewer.post(f"/staff/conversations/{cid}/review", data={"reviewed": "yes"}).status_code == 403
    assert reviewer.post(f"/staff/conversations/{cid}/review",
                         data={"reviewed": "yes", "csrf_token": "0" * 64}).status_code == 403
    assert reviewer.post(f"/staff/api/conversations/{cid}/review", json={"reviewed": True}).status_code == 403
    assert pseudo(sender) in [r["conversation"] for r in reviewer.get("/staff/api/queue").json()["flagged"]]
    before = reviewer.get("/staff/api/queue").json()["counts"]["unreviewed_flagged"]
    response = reviewer.post(f"/staff/conversations/{cid}/review", data={"reviewed": "yes", "csrf_token": token},
                             follow_redirects=False)
    assert response.status_code == 303
    queue = reviewer.get("/staff/api/queue").json()
    assert pseudo(sender) not in [r["conversation"] for r in queue["flagged"]]
    assert queue["counts"]["unreviewed_flagged"] == before - 1
    reviewer.post(f"/staff/conversations/{cid}/tags", data={"tags": "Follow up, nlu gap, <b>x</b>", "csrf_token": token})
    reviewer.post(f"/staff/conversations/{cid}/notes", data={"body": "Called back <i>ok</i>", "csrf_token": token})
    data = reviewer.get(f"/staff/api/conversations/{cid}").json()
    assert data["reviewed"] and data["reviewed_by"] == "rita" and data["tags"] == ["follow up", "nlu gap"]
    assert data["notes"][0]["body"] == "Called back <i>ok</i>" and data["notes"][0]["author"] == "rita"
    assert "Called back &lt;i&gt;ok&lt;/i&gt;" in reviewer.get(f"/staff/conversations/{cid}").text
    assert ids_with(reviewer, reviewed="yes") >= {pseudo(sender)}
    # the JSON API does the same with the header token
    api = reviewer.post(f"/staff/api/conversations/{cid}/review", json={"reviewed": False},
                        headers={"X-CSRF-Token": token})
    assert api.status_code == 200 and api.json()["reviewed"] is False
    actions = [r["action"] for r in audit_rows(engine, sender)]
    assert {"review", "tags", "note", "unreview"} <= set(actions)


def ids_with(client, **params):
    return {r["conversation"] for r in client.get("/staff/api/conversations", params=params).json()["data"]}


def test_send_to_training_data_exports_valid_rasa_nlu_yaml(reviewer, engine, senders):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    cid = cid_of(engine, senders["fallback"])
    events = [e for e in reviewer.get(f"/staff/api/conversations/{cid}").json()["events"] if e["kind"] == "user"]
    token = csrf(reviewer)
    form = {"csrf_token": token, "pick": [str(e["id"]) for e in events],
            f"intent_{events[0]['id']}": "out_of_scope", f"intent_{events[1]['id']}": "express_stress"}
    response = reviewer.post(f"/staff/conversations/{cid}/training", data=form)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    data = RasaYAMLReader().reads(response.text)
    assert {(m.get("intent"), m.get("text")) for m in data.intent_examples} == {
        ("out_of_scope", "asdf qwer"), ("express_stress", "hmm")}
    assert yaml.safe_load(response.text)["version"] == "3.1"
    # texts with identifiers go out masked
    pii = cid_of(engine, senders["pii"])
    user = [e for e in reviewer.get(f"/staff/api/conversations/{pii}").json()["events"] if e["kind"] == "user"][0]
    text = reviewer.post(f"/staff/conversations/{pii}/training",
                         data={"csrf_token": token, "pick": str(user["id"]),
                               f"intent_{user['id']}": "ask_stress_back_pain"}).text
    assert PII_EMAIL not in text and "[email]" in RasaYAMLReader().reads(text).intent_examples[0].get("text")
    bad = reviewer.post(f"/staff/conversations/{cid}/training",
                        data={"csrf_token": token, "pick": str(events[0]["id"]), f"intent_{events[0]['id']}": "nope"})
    assert bad.status_code == 400


def test_exports_of_a_filtered_set_as_csv_and_json(reviewer, engine, senders):
    rows = list(csv.DictReader(io.StringIO(reviewer.get("/staff/export.csv", params={"flagged": "yes"}).text)))
    assert {r["conversation"] for r in rows} == {pseudo(senders["risk_high"]), pseudo(senders["risk_possible"])}
    assert {"user", "bot"} == {r["speaker"] for r in rows}
    assert any(r["text"] == "i want to kill myself" and r["risk_level"] == "high" for r in rows)
    export = reviewer.get("/staff/export.json", params={"channel": "telegram"})
    assert "attachment" in export.headers["content-disposition"]
    body = export.json()
    assert body["masked"] is True and [c["conversation"] for c in body["conversations"]] == [pseudo(senders["telegram"])]
    assert senders["telegram"] not in export.text  # the raw sender id never leaves
    assert [r["action"] for r in audit_rows(engine, senders["telegram"])][-1] == "export"
    # spreadsheet formulas are neutralised
    assert queries._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"


def test_dashboard_figures_and_accessible_svg_charts(reviewer, senders):
    d = reviewer.get("/staff/api/dashboard").json()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert d["per_day"]["rest"][today] >= 7 and d["per_day"]["telegram"][today] == 1
    assert d["flags_per_week"][-1] >= 2 and d["flags_per_week_high"][-1] >= 1
    assert "express_risk" in {i["intent"] for i in d["top_intents"]}
    assert d["exercise_helped"] == {"yes": 0, "a_little": 1, "no": 0}
    assert 0 < d["fallback_rate"] < 1 and d["low_confidence_messages"] >= 2
    html = reviewer.get("/staff/dashboard").text
    assert html.count('<svg class="chart"') == 5 and html.count("<title id=") == 5 and "<desc id=" in html
    assert "<script" not in html and " style=" not in html


def test_an_idle_session_ends(url, engine):
    client = login(make_client(url), "rita")
    assert client.get("/staff/api/me").status_code == 200
    with engine.begin() as conn:
        conn.execute(db.sessions.update().values(last_seen=time.time() - 31 * 60))
    assert client.get("/staff/api/me").status_code == 401
    assert client.get("/staff/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(url):
    client = login(make_client(url), "rita")
    token = csrf(client)
    cookie = client.cookies.get("unknot_staff")
    assert client.post("/staff/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    client.cookies.set("unknot_staff", cookie, domain="127.0.0.1", path="/staff")
    assert client.get("/staff/api/me").status_code == 401


def test_new_conversations_reach_the_summary_incrementally(url, engine, senders, bot_conversations):
    from tests.support.staff import shifted

    reviewer = login(make_client(url), "rita")
    count = reviewer.get("/staff/api/conversations").json()["count"]
    rows = shifted(bot_conversations["risk_high"]["rows"], "staff-late-arrival")
    with engine.begin() as conn:
        conn.execute(db.events.insert(), rows)
    queue = reviewer.get("/staff/api/queue").json()
    assert reviewer.get("/staff/api/conversations").json()["count"] == count + 1
    assert pseudo("staff-late-arrival") in [r["conversation"] for r in queue["flagged"]]
