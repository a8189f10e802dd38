"""The role matrix: every page and every action, for every role, checked server-side.

For each protected page a role without the permission gets 403 (JSON: 403) and
no link to it; for each action a role without the permission gets 403 when it
posts the form anyway, the alert is unchanged, and the form is not shown. An
unauthenticated request gets a redirect to the login page (JSON: 401) and no data.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from test_alerts_support import T0, PASSWORD, ROLE_USER, add_event, make_deployment
from yuqing import audit
from yuqing.alerts import api, base, liaison, review, statements, workflow
from yuqing.alerts import permissions as perm
from yuqing.alerts.models import Statement
from yuqing.domain import Role, Step
from yuqing.errors import PermissionDenied
from yuqing.models import Alert, LabelCorrection
from yuqing.store import PostQuery
from yuqing.web import create_app

ROLES = [r.value for r in Role]


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


# -- the permission table itself ---------------------------------------------------------------

EXPECTED = {  # the SPEC's roles, as the table must grant them
    perm.REPORT: {"monitor", "office"},
    perm.CONSULT: {"office", "leader"},
    perm.REPLY: {"office"},
    perm.REVIEW_1: {"monitor"},
    perm.REVIEW_2: {"office"},
    perm.REVIEW_3: {"leader"},
    perm.REPLY_LINKS: {"monitor", "commentator", "office"},
    perm.DISMISS: {"monitor", "office", "leader"},
    perm.CORRECT_LABELS: {"monitor", "office", "analyst"},
    perm.VIEW_AUDIT: {"office", "leader", "admin"},
    perm.VIEW_MODELS: {"monitor", "office", "analyst", "admin"},
    perm.SWITCH_MODELS: {"admin"},  # issue #13: only the administrator switches or rolls back a model
    perm.VIEW_ALERTS: set(ROLES),
}


@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_permission_table(permission):
    assert {r.value for r in perm.roles_with(permission)} == EXPECTED[permission]


def test_commentator_cannot_approve_a_statement(tmp_path):
    dep = make_deployment(tmp_path)
    try:
        add_event(dep)
        alert_id = api.sync_alerts(dep, now=T0).opened[0]
        with base.open_session(dep) as s, s.begin():
            a = s.get(Alert, alert_id)
            workflow.advance(s, a, Step.REPORT, by="jiankong", note="快报", now=T0)
            st = statements.draft_statement(s, a, by="jiankong2", text="通稿", now=T0)
            review.review_statement(s, st, by="jiankong", decision="pass", now=T0)
            review.review_statement(s, st, by="bangong", decision="pass", now=T0)
            st_id = st.id
        with base.open_session(dep) as s, s.begin():
            with pytest.raises(PermissionDenied, match="网评员 wangping 无权通稿终审"):
                review.review_statement(s, st_id, by="wangping", decision="pass", now=T0)
        with dep.sessions() as s:
            assert s.get(Statement, st_id).status == "in_review" and s.get(Statement, st_id).stage == 2
    finally:
        dep.close()


def test_inactive_user_may_do_nothing(tmp_path):
    dep = make_deployment(tmp_path)
    try:
        add_event(dep)
        alert_id = api.sync_alerts(dep, now=T0).opened[0]
        with base.open_session(dep) as s, s.begin():
            u = base.resolve_user(s, "jiankong")
            u.active = False
        with base.open_session(dep) as s, s.begin():
            with pytest.raises(PermissionDenied, match="已停用"):
                workflow.advance(s, s.get(Alert, alert_id), Step.REPORT, by="jiankong", note="x", now=T0)
    finally:
        dep.close()


# -- pages and actions over HTTP ------------------------------------------------------------------

PAGES = [
    ("/", perm.VIEW_ALERTS, None),
    ("/alerts/{probe}", perm.VIEW_ALERTS, None),
    ("/search?q=讨薪", perm.SEARCH_POSTS, "/search"),
    ("/ledger", perm.VIEW_LEDGER, "/ledger"),
    ("/ledger.csv", perm.VIEW_LEDGER, None),
    ("/audit", perm.VIEW_AUDIT, "/audit"),
    ("/notifications", perm.VIEW_DELIVERIES, "/notifications"),
    ("/api/alerts", perm.VIEW_ALERTS, None),
    ("/api/alerts/{probe}", perm.VIEW_ALERTS, None),
]


def _report(s, a):
    workflow.advance(s, a, Step.REPORT, by="jiankong", note="快报", now=T0 + timedelta(minutes=10))


def _statement(stage: int):
    def setup(s, a):
        _report(s, a)
        st = statements.draft_statement(s, a, by="jiankong2", text="通稿正文", now=T0 + timedelta(minutes=20))
        for who in ["jiankong", "bangong"][:stage]:
            review.review_statement(s, st, by=who, decision="pass", now=T0 + timedelta(minutes=30))
    return setup


def _statement_id(s, a):
    return s.query(Statement).filter_by(alert_id=a.id, status="in_review").one().id


def _post_id(dep, a):
    return dep.posts.search(PostQuery(event_id=a.event_id))[0].id


# name: (setup, url, form, permission, marker in the page, how to tell the state changed)
ACTIONS = {
    "report": (None, "/alerts/{id}/advance", {"step": "3", "note": "快报内容"}, perm.REPORT, 'data-step="3"',
               lambda s, a, dep: a.current_step == Step.REPORT),
    "consult": (_report, "/alerts/{id}/advance", {"step": "4", "note": "会商结果"}, perm.CONSULT, 'data-step="4"',
                lambda s, a, dep: a.current_step == Step.CONSULT),
    "dismiss": (None, "/alerts/{id}/dismiss", {"reason": "误报"}, perm.DISMISS, "dismiss-form",
                lambda s, a, dep: a.status == "dismissed"),
    "follow_up": (None, "/alerts/{id}/follow-up", {"note": "新帖"}, perm.LOG_FOLLOW_UP, "follow-form",
                  lambda s, a, dep: any(x.get("kind") == "follow_up" for r in a.steps for x in r.attachments)),
    "liaison": (None, "/alerts/{id}/liaison", {"unit": "白沙镇", "content": "请核实"}, perm.LIAISON_SEND, "liaison-form",
                lambda s, a, dep: bool(liaison.liaison_forms(s, a))),
    "draft": (_report, "/alerts/{id}/statements", {"text": "通稿"}, perm.DRAFT, "draft-form",
              lambda s, a, dep: bool(statements.statements_of(s, a))),
    "review_first": (_statement(0), "/statements/{statement}/review", {"decision": "pass"}, perm.REVIEW_1, "review-form",
                     lambda s, a, dep: statements.statements_of(s, a)[0].stage == 1),
    "approve": (_statement(2), "/statements/{statement}/review", {"decision": "pass"}, perm.REVIEW_3, "review-form",
                lambda s, a, dep: statements.statements_of(s, a)[0].status == "approved"),
    "regrade": (None, "/alerts/{id}/level", {"level": "4", "reason": "聚集"}, perm.REGRADE, "form regrade",
                lambda s, a, dep: a.level == 4),
    "correct": (None, "/alerts/{id}/posts/{post}/correct", {"topic": "公共安全", "reason": "话题不对"},
                perm.CORRECT_LABELS, "correct-form",
                lambda s, a, dep: s.query(LabelCorrection).filter_by(event_id=a.event_id).count() > 0),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One deployment: per action a 'probe' alert (never changed) and a 'target' alert (changed once)."""
    dep = make_deployment(tmp_path_factory.mktemp("roles"))
    titles = {}
    for name in ACTIONS:
        for variant in ("probe", "target"):
            titles[add_event(dep, title=f"{name}-{variant} 云溪县讨薪")] = (name, variant)
    api.sync_alerts(dep, now=T0)
    ids = {}
    with base.open_session(dep) as s, s.begin():
        for a in s.query(Alert):
            name, variant = titles[a.event_id]
            setup = ACTIONS[name][0]
            if setup:
                setup(s, a)
            ids[(name, variant)] = a.id
    app = create_app(dep, testing=True)
    yield dep, app, ids
    dep.close()


def _url(dep, template: str, alert_id: int) -> str:
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        statement = _statement_id(s, a) if "{statement}" in template else None
        return template.format(id=alert_id, statement=statement, post=_post_id(dep, a) if "{post}" in template else None,
                               probe=alert_id)


def _client(app, role):
    c = app.test_client()
    r = login(c, ROLE_USER[role])
    assert r.status_code == 303, r.get_data(as_text=True)
    return c


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page,permission,nav", PAGES, ids=[p[0] for p in PAGES])
def test_pages_by_role(world, role, page, permission, nav):
    dep, app, ids = world
    c = _client(app, role)
    url = page.format(probe=ids[("report", "probe")])
    r = c.get(url)
    allowed = permission in perm.ROLE_PERMISSIONS[Role(role)]
    assert r.status_code == (200 if allowed else 403), (role, url)
    if not allowed:
        assert "report-probe" not in r.get_data(as_text=True)
    if nav:
        home = c.get("/").get_data(as_text=True)
        assert (f'href="{nav}"' in home) == allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_actions_by_role(world, role, action):
    dep, app, ids = world
    setup, template, form, permission, marker, changed = ACTIONS[action]
    alert_id = ids[(action, "probe")]
    c = _client(app, role)
    page = c.get(f"/alerts/{alert_id}").get_data(as_text=True)
    allowed = permission in perm.ROLE_PERMISSIONS[Role(role)]
    assert (marker in page) == allowed, f"{role} {'should' if allowed else 'should not'} see the {action} form"
    if allowed:
        return  # the probe stays unchanged; test_allowed_action_works posts as an allowed role
    before = _audit_count(dep, alert_id)
    r = c.post(_url(dep, template, alert_id), data={**form, "csrf_token": csrf(page)})
    assert r.status_code == 403, (role, action, r.status_code)
    with dep.sessions() as s:
        assert not changed(s, s.get(Alert, alert_id), dep)
    assert _audit_count(dep, alert_id) == before


def _audit_count(dep, alert_id):
    with dep.sessions() as s:
        return len(audit.trail(s, "alerts", alert_id))


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_allowed_action_works(world, action):
    dep, app, ids = world
    setup, template, form, permission, marker, changed = ACTIONS[action]
    role = {perm.REVIEW_1: "monitor", perm.REVIEW_3: "leader", perm.CONSULT: "leader", perm.CORRECT_LABELS: "analyst"}.get(
        permission, perm.roles_with(permission)[0].value)
    alert_id = ids[(action, "target")]
    c = _client(app, role)
    page = c.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert marker in page
    r = c.post(_url(dep, template, alert_id), data={**form, "csrf_token": csrf(page)})
    assert r.status_code == 303 and r.headers["Location"].startswith(f"/alerts/{alert_id}")
    follow = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "flash-ok" in follow, re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', follow)
    with dep.sessions() as s:
        assert changed(s, s.get(Alert, alert_id), dep)
        last = audit.trail(s, "alerts", alert_id)[-1]
        assert last.actor == ROLE_USER[role]


@pytest.mark.parametrize("page,permission,nav", PAGES, ids=[p[0] for p in PAGES])
def test_unauthenticated_gets_nothing(world, page, permission, nav):
    dep, app, ids = world
    c = app.test_client()
    url = page.format(probe=ids[("report", "probe")])
    r = c.get(url)
    body = r.get_data(as_text=True)
    if url.startswith("/api/"):
        assert r.status_code == 401 and r.json == {"error": "未登录", "login": "/login"}
    else:
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    assert "云溪县讨薪" not in body and "report-probe" not in body


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_unauthenticated_posts_change_nothing(world, action):
    dep, app, ids = world
    setup, template, form, permission, marker, changed = ACTIONS[action]
    alert_id = ids[(action, "probe")]
    c = app.test_client()
    token = csrf(c.get("/login").get_data(as_text=True))  # an anonymous session's valid token
    r = c.post(_url(dep, template, alert_id), data={**form, "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert c.post(_url(dep, template, alert_id), data=form).status_code == 400  # and without a token
    with dep.sessions() as s:
        assert not changed(s, s.get(Alert, alert_id), dep)


def test_every_view_is_guarded(world):
    dep, app, ids = world
    from yuqing.web.auth import PUBLIC_ENDPOINTS

    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "permission"), f"{rule.rule} ({rule.endpoint}) is not wrapped in @requires"
