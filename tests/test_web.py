"""The web app in-process: login, CSRF, the queue, the alert page, search, ledger, escaping, corrections."""
from __future__ import annotations

import csv
import io
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

from test_alerts_support import T0, PASSWORD, add_event, make_deployment, set_event_level
from test_web_roles import csrf, login
from yuqing import audit
from yuqing.alerts import api, base, liaison, review, statements, workflow
from yuqing.domain import Level, Step
from yuqing.models import Alert, AuditEntry, Event, LabelCorrection, utcnow
from yuqing.store import PostQuery
from yuqing.web import SECRET_FILE, create_app, secret_key


@pytest.fixture
def dep(tmp_path):
    d = make_deployment(tmp_path, sources=[
        {"name": "county-news", "kind": "news", "start_urls": ["http://127.0.0.1:9/"]},
        {"name": "weibo", "kind": "weibo"},
    ])
    yield d
    d.close()


@pytest.fixture
def app(dep):
    return create_app(dep, testing=True)


def client(app, username="jiankong"):
    c = app.test_client()
    assert login(c, username).status_code == 303
    return c


def post(c, url, data, page_url="/"):
    token = csrf(c.get(page_url).get_data(as_text=True))
    return c.post(url, data={**data, "csrf_token": token})


# -- login --------------------------------------------------------------------------------------

def test_login_logout_and_cookie_flags(app, dep):
    c = app.test_client()
    r = c.get("/alerts/1")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/alerts/1"
    token = csrf(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"username": "jiankong", "password": "wrong", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    r = c.post("/login", data={"username": "jiankong", "password": PASSWORD, "csrf_token": token, "next": "/search"})
    assert r.status_code == 303 and r.headers["Location"] == "/search"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "yuqing_session=" in cookie
    assert "张监控" in c.get("/").get_data(as_text=True)
    r = post(c, "/logout", {})
    assert r.status_code == 303
    assert c.get("/").status_code == 302
    with dep.sessions() as s:
        actions = [e.action for e in audit.trail(s, "users", base.resolve_user(s, "jiankong").id)]
    assert actions[-2:] == ["user.login", "user.logout"]


def test_login_refuses_open_redirects(app):
    for nxt in ["//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com"]:
        c = app.test_client()
        token = csrf(c.get("/login").get_data(as_text=True))
        r = c.post("/login", data={"username": "jiankong", "password": PASSWORD, "csrf_token": token, "next": nxt})
        assert r.headers["Location"] == "/"



# a browser drops tabs and newlines inside a URL and reads a backslash as a slash: each of these leads off the site
SNEAKY_NEXT = ["/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example/", "\t//evil.example/", " //evil.example/",
               "/\x00/evil.example/", "/\u200b/evil.example/", "\\\\evil.example/", "/\t\\evil.example/",
               "http:evil.example", "javascript:alert(1)", "//evil.example@/", "///evil.example/",
               "evil.example/", ""]


def test_login_refuses_next_that_a_browser_reads_as_another_site(app):
    for nxt in SNEAKY_NEXT:
        c = app.test_client()
        token = csrf(c.get("/login").get_data(as_text=True))
        r = c.post("/login", data={"username": "jiankong", "password": PASSWORD, "csrf_token": token, "next": nxt})
        assert (r.status_code, r.headers["Location"]) == (303, "/"), repr(nxt)
    # already logged in: GET /login?next=… redirects at once, through the same check
    c = client(app)
    for query in ["/%09/evil.example/", "/%0A/evil.example/", "/%0d%0a/evil.example/", "%2F%2Fevil.example",
                  "/%5Cevil.example", "https://evil.example/"]:
        r = c.get(f"/login?next={query}")
        assert (r.status_code, r.headers["Location"]) == (302, "/"), query


def test_login_keeps_a_next_path_on_this_site(app):
    for nxt, expected in [("/search?q=%E6%8B%86%E8%BF%81", "/search?q=%E6%8B%86%E8%BF%81"), ("/alerts/1", "/alerts/1"),
                          ("/alerts/1\t", "/alerts/1"), ("/ledger?status=open#top", "/ledger?status=open#top"),
                          ("/\r\nSet-Cookie: x=1", "/Set-Cookie:x=1")]:  # no header injection, no error 500
        c = app.test_client()
        token = csrf(c.get("/login").get_data(as_text=True))
        r = c.post("/login", data={"username": "jiankong", "password": PASSWORD, "csrf_token": token, "next": nxt})
        assert (r.status_code, r.headers["Location"]) == (303, expected), repr(nxt)


@pytest.mark.parametrize("base_url, secure", [("https://yuqing.example.gov.cn/", True), ("HTTPS://yq.example/", True),
                                              ("http://127.0.0.1:8080", False)])
def test_session_cookie_is_secure_when_the_public_address_is_https(tmp_path, base_url, secure):
    d = make_deployment(tmp_path, notifications={"base_url": base_url})
    try:
        c = create_app(d, testing=True).test_client()
        r = login(c, "jiankong")
        assert r.status_code == 303
        flags = [f.strip().lower() for f in r.headers["Set-Cookie"].split(";")]
        assert ("secure" in flags) is secure, r.headers["Set-Cookie"]
    finally:
        d.close()

def test_login_throttle(app, dep):
    c = app.test_client()
    token = csrf(c.get("/login").get_data(as_text=True))
    for _ in range(5):
        assert c.post("/login", data={"username": "bangong", "password": "x", "csrf_token": token}).status_code == 401
    r = c.post("/login", data={"username": "bangong", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "次数过多" in r.get_data(as_text=True)
    # another user, and the same user from another address, are not locked out
    assert login(app.test_client(), "jiankong").status_code == 303
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert login(other, "bangong").status_code == 303


def test_login_throttle_holds_across_worker_processes_and_addresses(dep):
    from yuqing.models import LoginFailure

    def attempt(app, ip, password="x", username="bangong"):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = ip
        token = csrf(c.get("/login").get_data(as_text=True))
        return c.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code

    worker_a, worker_b = create_app(dep, testing=True), create_app(dep, testing=True)  # two processes, one database
    assert [attempt(worker_a, "10.0.0.1") for _ in range(3)] == [401] * 3
    assert [attempt(worker_b, "10.0.0.1") for _ in range(2)] == [401] * 2
    assert attempt(worker_a, "10.0.0.1", PASSWORD) == 429
    assert attempt(worker_b, "10.0.0.1", PASSWORD) == 429

    # a guess spread over many addresses locks the username
    for i in range(15):
        assert attempt(worker_a if i % 2 else worker_b, f"10.0.1.{i}") == 401
    assert attempt(worker_a, "10.0.2.1", PASSWORD) == 429

    # failures older than the window no longer count
    with dep.sessions() as s, s.begin():
        for f in s.scalars(select(LoginFailure)):
            f.at = utcnow() - timedelta(minutes=6)
    assert attempt(worker_b, "10.0.0.1", PASSWORD) == 303


def test_password_change_ends_sessions(app, dep):
    from werkzeug.security import generate_password_hash

    c = client(app)
    assert c.get("/").status_code == 200
    with dep.sessions() as s, s.begin():
        base.resolve_user(s, "jiankong").password_hash = generate_password_hash("new-password-1", method="pbkdf2:sha256:1000")
    assert c.get("/").status_code == 302


def test_user_without_password_cannot_log_in(tmp_path):
    from yuqing.deployment import Deployment

    from conftest import make_config

    d = Deployment.open(make_config(tmp_path, users=[{"username": "nopw", "name": "无密码", "role": "monitor"}]))
    try:
        c = create_app(d, testing=True).test_client()
        token = csrf(c.get("/login").get_data(as_text=True))
        assert c.post("/login", data={"username": "nopw", "password": "", "csrf_token": token}).status_code == 401
    finally:
        d.close()


def test_csrf_is_required(app, dep):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    c = client(app)
    r = c.post(f"/alerts/{alert_id}/advance", data={"step": "3", "note": "快报"})
    assert r.status_code == 400 and "页面已过期" in r.get_data(as_text=True)
    with dep.sessions() as s:
        assert s.get(Alert, alert_id).current_step == Step.MONITOR


def test_security_headers(app):
    r = client(app).get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"


def test_secret_key_from_env_or_a_private_file(tmp_path, dep, monkeypatch):
    monkeypatch.delenv("YUQING_SECRET_KEY", raising=False)
    k1 = secret_key(dep.config)
    path = dep.config.data_dir / SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(k1) == 64
    assert secret_key(dep.config) == k1  # persisted
    monkeypatch.setenv("YUQING_SECRET_KEY", "from-the-environment")
    assert secret_key(dep.config) == "from-the-environment"


def test_yuqing_serve_answers_over_http(tmp_path):
    """`yuqing serve` as an office runs it: a real server process on 127.0.0.1."""
    import subprocess
    import sys
    import time
    import urllib.request

    import yaml

    from conftest import LOCALITY
    from test_alerts_support import free_port

    cfg = tmp_path / "yuqing.yaml"
    cfg.write_text(yaml.safe_dump({"locality": LOCALITY, "storage": {"data_dir": "data"}}, allow_unicode=True),
                   encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "YUQING_SECRET_KEY"}
    proc = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(cfg), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    body = r.read().decode("utf-8")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(proc.stdout.read().decode() if proc.poll() is not None else "no answer")
                time.sleep(0.2)
        assert "<title>登录 · 云溪县舆情监测</title>" in body
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/alerts", timeout=2)
        assert refused.value.code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert stat.S_IMODE(os.stat(tmp_path / "data" / SECRET_FILE).st_mode) == 0o600


# -- the queue ------------------------------------------------------------------------------------

def test_queue_order_filters_and_countdown(app, dep):
    now = utcnow()
    e_minor = add_event(dep, title="路灯不亮", level=1, started=now - timedelta(hours=1), topic="其他")
    e_general_late = add_event(dep, title="小区停水投诉", level=2, started=now - timedelta(hours=10), sources=("weibo",))
    e_general = add_event(dep, title="学校食堂投诉", level=2, started=now - timedelta(hours=2), topic="教育医疗")
    e_major = add_event(dep, title="欠薪聚集", level=3, started=now - timedelta(hours=3))
    api.sync_alerts(dep, now=now)
    with dep.sessions() as s:
        by_event = {a.event_id: a.id for a in s.query(Alert)}
    c = client(app)
    html = c.get("/").get_data(as_text=True)
    order = [html.index(f'id="alert-{by_event[e]}"') for e in (e_major, e_general_late, e_general, e_minor)]
    assert order == sorted(order)  # level first, then the least time left
    assert 'data-deadline="' in html and "剩余" in html
    html = c.get("/?level=2").get_data(as_text=True)
    assert "小区停水投诉" in html and "学校食堂投诉" in html and "欠薪聚集" not in html
    html = c.get("/?topic=教育医疗").get_data(as_text=True)
    assert "学校食堂投诉" in html and "小区停水投诉" not in html
    html = c.get("/?source=weibo").get_data(as_text=True)
    assert "小区停水投诉" in html and "学校食堂投诉" not in html
    data = c.get("/api/alerts?level=III").json
    assert [a["title"] for a in data["alerts"]] == ["小区停水投诉", "学校食堂投诉"]
    assert data["alerts"][0]["seconds_left"] < data["alerts"][1]["seconds_left"]


def test_queue_status_filters_and_pages(app, dep):
    now = utcnow()
    for i in range(55):
        add_event(dep, title=f"事件{i:02d}", level=1, started=now - timedelta(hours=13) if i < 3 else now)
    api.sync_alerts(dep, now=now)
    c = client(app)
    html = c.get("/").get_data(as_text=True)
    assert "共 55 条" in html and "第 1 / 2 页" in html and html.count('class="lv1') == 50
    assert c.get("/?page=2").get_data(as_text=True).count('class="lv1') == 5
    overdue = c.get("/?status=overdue").get_data(as_text=True)
    assert "共 3 条" in overdue and "已超时" in overdue


# -- the alert page ---------------------------------------------------------------------------------

def test_alert_page_escapes_crawled_text_and_links(app, dep):
    add_event(dep, title="<script>alert('x')</script>云溪县讨薪", posts=[
        {"title": "<img src=x onerror=alert(1)>讨薪", "text": "<script>document.title='pwned'</script>正文",
         "url": "javascript:alert(document.cookie)"},
    ], reasons=("<b>转发</b>超过1000",))
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    html = client(app).get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;document.title" in html and "<b>转发</b>" not in html
    assert 'href="javascript:' not in html
    assert html.count("<script") == 1  # only the app's own static script


def test_alert_page_timeline_reasons_and_actions(app, dep):
    add_event(dep, reasons=("农民工讨薪", "互动超过100"))
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    c = client(app)
    r = post(c, f"/alerts/{alert_id}/advance", {"step": "3", "note": "时间：今日；地点：白沙镇", "links": "https://a.example.cn/1\nhttps://a.example.cn/2"},
             f"/alerts/{alert_id}")
    assert r.status_code == 303
    html = c.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "已办理：快报事实" in html
    assert "农民工讨薪" in html and "互动超过100" in html
    assert "时间：今日；地点：白沙镇" in html and 'href="https://a.example.cn/2"' in html
    # an out-of-order step shows the workflow's message, changes nothing
    r = post(c, f"/alerts/{alert_id}/advance", {"step": "6", "note": "x"}, f"/alerts/{alert_id}")
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "不能跳过第4步" in html
    with dep.sessions() as s:
        assert s.get(Alert, alert_id).current_step == Step.REPORT


def test_statement_review_through_the_web(app, dep):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    with base.open_session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.REPORT, by="jiankong", note="快报", now=T0)
        workflow.advance(s, a, Step.CONSULT, by="bangong", note="会商", now=T0)
    page = f"/alerts/{alert_id}"
    c2 = client(app, "jiankong2")
    assert post(c2, f"/alerts/{alert_id}/statements", {"text": "通稿正文 <script>x</script>"}, page).status_code == 303
    with dep.sessions() as s:
        st_id = statements.statements_of(s, s.get(Alert, alert_id))[0].id
    for who in ("jiankong", "bangong", "lingdao"):
        c = client(app, who)
        r = post(c, f"/statements/{st_id}/review", {"decision": "pass", "note": f"{who} 同意", "revised_text": "通稿正文 <script>x</script>"}, page)
        assert r.status_code == 303
        assert "flash-ok" in c.get(r.headers["Location"]).get_data(as_text=True)
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.current_step == Step.STATEMENT  # recorded on approval
        st = statements.statements_of(s, a)
        assert len(st) == 1 and st[0].status == "approved" and st[0].approval_body == "领导小组"
    html = client(app, "wangping").get(page).get_data(as_text=True)
    assert "审定通稿 · 第1版" in html and "通稿正文 &lt;script&gt;x&lt;/script&gt;" in html


def test_label_correction_and_regrade(app, dep):
    event_id = add_event(dep)
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    post_id = dep.posts.search(PostQuery(event_id=event_id))[0].id
    page = f"/alerts/{alert_id}"
    c = client(app, "jiankong")
    r = post(c, f"/alerts/{alert_id}/posts/{post_id}/correct",
             {"relevance": "", "topic": "公共安全", "negativity": "not_negative", "reason": "是安全事故"}, page)
    assert r.status_code == 303
    with dep.sessions() as s:
        rows = {(x.task, x.old_label, x.new_label, x.by_user) for x in s.query(LabelCorrection)}
    assert rows == {("topic", "社会保障", "公共安全", "jiankong"), ("negativity", "negative", "not_negative", "jiankong")}
    p = dep.posts.get(post_id)
    assert p.topic == "公共安全" and p.negativity == 0.0
    # raise the level: the event and the alert follow, the alert is escalated
    r = post(c, f"/alerts/{alert_id}/level", {"level": "3", "reason": "省级媒体已转载"}, page)
    assert r.status_code == 303
    with dep.sessions() as s:
        ev, a = s.get(Event, event_id), s.get(Alert, alert_id)
        assert (ev.level, ev.level_by, a.level) == (3, "jiankong", 3) and a.escalated_at is not None
        assert ev.level_reasons[0] == "人工认定（jiankong）：省级媒体已转载"
        assert s.query(LabelCorrection).filter_by(task="level").one().new_label == "重大或较大"
    assert dep.posts.get(post_id).level == 3
    assert api.sync_alerts(dep, now=T0 + timedelta(hours=1)).escalated == []  # nothing left to sync
    # lowering needs a reason
    r = post(c, f"/alerts/{alert_id}/level", {"level": "2", "reason": ""}, page)
    assert "请填写调整级别的理由" in c.get(r.headers["Location"]).get_data(as_text=True)


def test_liaison_through_the_web(app, dep):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    page = f"/alerts/{alert_id}"
    c = client(app, "jiankong")
    post(c, f"/alerts/{alert_id}/liaison", {"unit": "白沙镇人民政府", "content": "请核实欠薪人数"}, page)
    with dep.sessions() as s:
        form = liaison.liaison_forms(s, s.get(Alert, alert_id))[0]
    post(c, f"/liaison/{form.id}/answer", {"answer": "已核实"}, page)
    html = c.get(page).get_data(as_text=True)
    assert "白沙镇人民政府" in html and "已反馈" in html and "已核实" in html


# -- search, ledger, audit ------------------------------------------------------------------------------

def test_search_goes_through_the_store(app, dep):
    add_event(dep, title="云溪一中食堂投诉", posts=[{"title": "云溪一中食堂饭菜变质", "text": "多名学生腹泻"}], topic="教育医疗")
    add_event(dep, title="柳树村修路", posts=[{"title": "柳树村道路坑洼", "text": "下雨积水"}], topic="其他")
    alert_ids = api.sync_alerts(dep, now=T0).opened
    c = client(app)
    html = c.get("/search?q=食堂 腹泻").get_data(as_text=True)
    assert "共 1 条" in html and "云溪一中<mark>食堂</mark>饭菜变质" in html and "柳树村" not in html
    assert f"/alerts/{alert_ids[0]}" in html
    assert "共 1 条" in c.get("/search?topic=其他").get_data(as_text=True)
    assert "没有找到信息" in c.get("/search?q=不存在的词").get_data(as_text=True)


def test_ledger_marks_late_and_missed(app, dep):
    e_late = add_event(dep, title="迟报的事件", started=T0)
    add_event(dep, title="漏报的事件", started=T0)
    api.sync_alerts(dep, now=T0)
    with base.open_session(dep) as s, s.begin():
        a = s.query(Alert).filter_by(event_id=e_late).one()
        workflow.advance(s, a, Step.REPORT, by="jiankong", note="快报", now=T0 + timedelta(hours=1))
        workflow.advance(s, a, Step.CONSULT, by="bangong", note="会商", now=T0 + timedelta(hours=2))
        st = statements.draft_statement(s, a, by="jiankong2", text="通稿", now=T0 + timedelta(hours=3))
        for who in ("jiankong", "bangong", "lingdao"):
            review.review_statement(s, st, by=who, decision="pass", now=T0 + timedelta(hours=4))
        workflow.advance(s, a, Step.REPLY, by="bangong", note="回复", now=T0 + timedelta(hours=14))
    api.check_deadlines(dep, T0 + timedelta(hours=12))
    c = client(app, "bangong")
    html = c.get("/ledger").get_data(as_text=True)
    assert "迟报" in html and "漏报" in html
    rows = list(csv.reader(io.StringIO(c.get("/ledger.csv?month=2024-05").get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {r[1]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert header[:3] == ["编号", "标题", "级别"]
    assert body["迟报的事件"]["及时性"] == "迟报" and body["迟报的事件"]["回复用时(小时)"] == "14.0"
    assert body["漏报的事件"]["及时性"] == "漏报" and body["漏报的事件"]["超时标记"] == "2024-05-06 21:00"
    assert len(rows) == 3 and len(list(csv.reader(io.StringIO(c.get("/ledger.csv?month=2024-04").get_data(as_text=True))))) == 1


def test_audit_page_lists_changes(app, dep):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    c = client(app, "bangong")
    post(c, f"/alerts/{alert_id}/advance", {"step": "3", "note": "快报"}, f"/alerts/{alert_id}")
    html = c.get(f"/audit?object_type=alerts&object_id={alert_id}").get_data(as_text=True)
    assert "alert.open" in html and "alert.step" in html and "bangong" in html and "共 2 条" in html


def test_escalated_alert_shows_re_report(app, dep):
    event_id = add_event(dep, level=2)
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    with base.open_session(dep) as s, s.begin():
        workflow.advance(s, s.get(Alert, alert_id), Step.REPORT, by="jiankong", note="快报", now=T0)
    set_event_level(dep, event_id, int(Level.MAJOR), reasons=("大V转发",))
    api.sync_alerts(dep, now=T0 + timedelta(hours=1))
    html = client(app).get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "重新报送" in html and "II级 重大或较大" in html and "大V转发" in html


def test_serve_runs_a_production_wsgi_server(tmp_path, dep):
    """`yuqing serve` answers through waitress (the development server only with --debug)."""
    import subprocess
    import sys
    import time
    import urllib.request

    import yaml

    from conftest import LOCALITY
    from test_alerts_support import free_port

    port = free_port()
    cfg = tmp_path / "serve.yaml"
    cfg.write_text(yaml.safe_dump({"locality": dict(LOCALITY), "storage": {
        "data_dir": str(dep.config.data_dir), "database_url": dep.config.database_url}}, allow_unicode=True),
        encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(cfg), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as resp:
                    status, server, body = resp.status, resp.headers.get("Server"), resp.read().decode()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "yuqing serve did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200 and server == "yuqing" and "登录" in body
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "waitress" in out
    help_text = subprocess.run([sys.executable, "-m", "yuqing", "serve", "--help"], capture_output=True, text=True).stdout
    assert "--debug" in help_text and "waitress" in help_text


def test_search_marks_the_words_searched_and_exports_its_results(app, dep):
    add_event(dep, title="=白沙镇讨薪<script>alert(1)</script>", posts=[
        {"title": "=白沙镇讨薪<script>alert(1)</script>", "text": "工人在白沙镇政府门口讨薪，<b>欠薪</b>三个月"}])
    c = client(app)
    page = c.get("/search?q=讨薪+白沙镇").get_data(as_text=True)
    assert "<mark>讨薪</mark>" in page and "<mark>白沙镇</mark>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page and "&lt;b&gt;欠薪" in page
    assert "/search.csv?q=" in page
    resp = c.get("/search.csv?q=讨薪")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff编号,发布时间,来源,作者,标题,正文,链接")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][4] == "'=白沙镇讨薪<script>alert(1)</script>"  # no formula
    assert rows[1][2] == "新闻网站" and rows[1][1].startswith("2024-05-06 09:")
    wangping = client(app, "wangping")  # 网评员 may search too; a logged-out visitor may not
    assert wangping.get("/search.csv?q=讨薪").status_code == 200
    assert app.test_client().get("/search.csv?q=讨薪").status_code == 302


def test_the_situation_page_draws_its_charts_on_the_server(app, dep, monkeypatch):
    from yuqing.web import situation

    now = T0 + timedelta(hours=2)
    monkeypatch.setattr(situation, "utcnow", lambda: now)
    rising = add_event(dep, title="<script>x</script>白沙河死鱼", level=3, topic="生态环境", last_post=now - timedelta(hours=1))
    add_event(dep, title="柳树村修路", level=1, topic="其他", started=T0 - timedelta(days=3), last_post=T0 - timedelta(days=2))
    with dep.sessions() as s, s.begin():
        ev = s.get(Event, rising)
        ev.post_count = 5
        ev.features = {"spread": {"recent_posts": 4}}
    api.sync_alerts(dep, now=now)
    c = client(app, "lingdao")
    html = c.get("/situation").get_data(as_text=True)
    assert html.count('<svg class="chart"') == 4
    assert "近14天每日信息（按级别）" in html and "特别重大" in html and "生态环境" in html
    assert "&lt;script&gt;x&lt;/script&gt;白沙河死鱼" in html and "<script>x</script>" not in html
    rising_part = html.split('id="rising"')[1].split('id="clocks"')[1 - 1]
    assert "白沙河死鱼" in rising_part and "近6小时 4 条，此前 1 条" in rising_part and "柳树村" not in rising_part
    assert "剩余时限" in html.split('id="clocks"')[1]
    assert "googleapis" not in html and "cdn" not in html.lower()


def test_picked_posts_and_alerts_become_a_jianbao_in_the_gongwen_layout(app, dep):
    import re

    from docx import Document

    add_event(dep, title="白沙镇讨薪", posts=[{"title": "白沙镇工人讨薪", "text": "三十多名工人在镇政府门口讨薪"}])
    add_event(dep, title="柳树村修路", posts=[{"title": "柳树村道路坑洼", "text": "下雨积水"}])
    alert_id = api.sync_alerts(dep, now=T0).opened[0]
    c = client(app)
    page = c.get("/search?q=讨薪").get_data(as_text=True)
    post_id = int(re.search(r'name="post" value="(\d+)"', page).group(1))
    assert 'id="jianbao-form"' in c.get("/").get_data(as_text=True)
    resp = c.get(f"/briefing.docx?post={post_id}&alert={alert_id}")
    assert resp.status_code == 200 and resp.mimetype.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(resp.data))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "舆情简报" and re.fullmatch(r"\d{4}年第1期", texts[1])
    assert texts[2].startswith("云溪县网络舆情工作领导小组办公室\t")
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads[0].startswith("一、") and heads[1] == "二、白沙镇工人讨薪"
    assert "柳树村道路坑洼" not in "\n".join(texts) and any(t.startswith("来源：新闻网站；") for t in texts)
    with dep.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "report.jianbao")).one()
        assert entry.actor == "jiankong" and entry.detail["number"] == 1
    # the next one is 第2期; nothing picked: back to the page with a message
    doc2 = Document(io.BytesIO(c.get(f"/briefing.docx?post={post_id}").data))
    assert doc2.paragraphs[1].text.endswith("年第2期")
    assert c.get("/briefing.docx").status_code == 303
