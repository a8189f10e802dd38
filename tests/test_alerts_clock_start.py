"""Where an issue's 12-hour clock starts, the monitor's correction of it, and 发现滞后 (issue #16, item 2)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from test_alerts_support import T0, add_event, make_deployment
from test_web_roles import csrf, login
from yuqing.alerts import api, base, clock, workflow
from yuqing.reports.common import alert_state
from yuqing.errors import PermissionDenied, YuqingError
from yuqing.grading.events import issue_start, official_sources
from yuqing.models import Alert, AuditEntry, Event
from yuqing.store import PostRecord, post_key
from yuqing.web import create_app


def _p(n, minutes, *, neg=0.1, source="weibo", text="云溪县白沙镇的事"):
    return PostRecord(key=post_key(f"c:{n}"), source=source, kind="weibo", text=f"{text}{n}",
                      published_at=T0 + timedelta(minutes=minutes), negativity=neg)


def test_the_clock_starts_at_the_first_negative_post_not_from_the_office_s_own_channels():
    notice = _p(1, 0, source="county-gov", text="云溪县白沙镇征收补偿评估结果公示")  # the government's own notice
    older = _p(2, 10, text="白沙镇评估结果出来了")  # neutral, grouped into the event
    first_negative = _p(3, 3 * 24 * 60, neg=0.9, text="白沙镇夜间强拆，老人受伤")
    later = _p(4, 3 * 24 * 60 + 30, neg=0.95, source="county-gov", text="白沙镇关于强拆的情况通报")
    got = issue_start([later, first_negative, older, notice], frozenset({"county-gov"}))
    assert got["post_id"] == first_negative.id
    assert got["at"] == first_negative.published_at.isoformat()
    assert got["why"] == "首条负面信息；此前2条官方或非负面信息不起算"
    # nothing negative: the first post not from the office's channels; all official: the first post
    assert issue_start([notice, older], frozenset({"county-gov"}))["post_id"] == older.id
    assert issue_start([notice], frozenset({"county-gov"}))["why"].startswith("首条信息（全部来自本单位官方渠道）")
    assert issue_start([], frozenset()) is None


def test_official_sources_come_from_the_configuration(tmp_path):
    dep = make_deployment(tmp_path, sources=[
        {"name": "county-gov", "kind": "news", "start_urls": ["http://127.0.0.1:9/"], "official": True},
        {"name": "weibo", "kind": "weibo"}])
    try:
        assert official_sources(dep.config) == frozenset({"county-gov"})
    finally:
        dep.close()


@pytest.fixture
def dep(tmp_path):
    d = make_deployment(tmp_path)
    yield d
    d.close()


def _set_clock(dep, event_id, minutes_after_t0: int, post_id: int = 42, why: str = "首条负面信息"):
    with dep.sessions() as s, s.begin():
        ev = s.get(Event, event_id)
        at = T0 + timedelta(minutes=minutes_after_t0)
        ev.features = {**(ev.features or {}), "clock": {"post_id": post_id, "at": at.isoformat(), "why": why}}


def test_the_alert_starts_its_clock_where_grading_judged_the_issue_arose(dep):
    event_id = add_event(dep, started=T0)  # its first post is at T0…
    _set_clock(dep, event_id, 3 * 24 * 60)  # …but the issue arose three days later
    now = T0 + timedelta(days=3, hours=2)
    alert_id = api.sync_alerts(dep, now=now).opened[0]
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.issue_started_at == T0 + timedelta(days=3)
        assert a.deadline_at == T0 + timedelta(days=3, hours=12)
        assert a.clock_post_id == 42 and a.clock_reason == "首条负面信息"
        t = clock.timeliness(a, now)
        assert t.state == "running" and not t.missed and t.time_left == timedelta(hours=10)


def test_an_issue_found_after_its_deadline_is_found_late_not_missed(dep):
    event_id = add_event(dep, started=T0, last_post=T0 + timedelta(hours=20))
    now = T0 + timedelta(hours=20)  # found 20 hours after the first post: the deadline had passed
    alert_id = api.sync_alerts(dep, now=now).opened[0]
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        t = clock.timeliness(a, now + timedelta(hours=1))
        assert t.state == "found_late" and t.label == "发现滞后" and not t.missed and not t.late
        assert not clock.is_missed(a, now + timedelta(days=1))
        from yuqing.alerts.cli import _clock

        assert _clock(a, now + timedelta(hours=1)) == "发现滞后（已超时9小时）"
        row = alert_state(a, now + timedelta(hours=1))
        assert row.found_late and not row.missed and not row.overdue
        assert row.clock_text().startswith("发现滞后")
        # replied later: still not the office's 迟报
        a.replied_at = now + timedelta(hours=2)
        assert not clock.is_late(a) and clock.timeliness(a, now + timedelta(hours=3)).state == "found_late"
    assert event_id


def test_a_monitor_corrects_the_start_with_a_reason_and_grading_keeps_it(dep):
    event_id = add_event(dep, started=T0)
    now = T0 + timedelta(hours=11, minutes=41)  # opened with 19 minutes left…
    alert_id = api.sync_alerts(dep, now=now).opened[0]
    new_start = T0 + timedelta(hours=9)  # …because the clock started at the office's own notice
    with base.open_session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        with pytest.raises(YuqingError, match="请填写更正起算时间的理由"):
            workflow.correct_clock(s, a, new_start, by="jiankong", reason=" ", now=now)
        with pytest.raises(YuqingError, match="不能晚于当前时间"):
            workflow.correct_clock(s, a, now + timedelta(hours=1), by="jiankong", reason="x", now=now)
        with pytest.raises(PermissionDenied):
            workflow.correct_clock(s, a, new_start, by="wangping", reason="x", now=now)
    with base.open_session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.correct_clock(s, a, new_start, by="jiankong", reason="首条为本单位通报，非舆情起点", now=now)
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.issue_started_at == new_start and a.deadline_at == new_start + timedelta(hours=12)
        assert a.clock_by == "jiankong" and a.clock_reason == "人工更正（jiankong）：首条为本单位通报，非舆情起点"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.clock_corrected")).one()
        assert entry.actor == "jiankong" and entry.detail["reason"] == "首条为本单位通报，非舆情起点"
    # grading finds an earlier post: the corrected start stays
    _set_clock(dep, event_id, -60)
    with dep.sessions() as s, s.begin():
        s.get(Event, event_id).first_published_at = T0 - timedelta(hours=1)
    api.sync_alerts(dep, now=now + timedelta(minutes=5))
    with dep.sessions() as s:
        assert s.get(Alert, alert_id).issue_started_at == new_start


def test_grading_moves_an_uncorrected_clock_earlier_with_its_post(dep):
    event_id = add_event(dep, started=T0 + timedelta(hours=2))
    _set_clock(dep, event_id, 120, post_id=1)
    alert_id = api.sync_alerts(dep, now=T0 + timedelta(hours=3)).opened[0]
    _set_clock(dep, event_id, 60, post_id=7, why="首条负面信息")
    with dep.sessions() as s, s.begin():
        s.get(Event, event_id).first_published_at = T0 + timedelta(hours=1)
    api.sync_alerts(dep, now=T0 + timedelta(hours=4))
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.issue_started_at == T0 + timedelta(hours=1) and a.clock_post_id == 7


def test_the_alert_page_names_the_post_that_started_the_clock_and_takes_a_correction(dep):
    event_id = add_event(dep, started=T0, posts=[{"title": "白沙镇评估结果公示", "text": "公示"},
                                                   {"title": "白沙镇强拆老人受伤", "text": "夜间强拆"}])
    from yuqing.store import PostQuery

    posts = dep.posts.search(PostQuery(event_id=event_id, sort="oldest"))
    second = posts[1]
    _set_clock(dep, event_id, 1, post_id=second.id)
    alert_id = api.sync_alerts(dep, now=T0 + timedelta(hours=1)).opened[0]
    app = create_app(dep, testing=True)
    c = app.test_client()
    assert login(c, "jiankong").status_code == 303
    page = c.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "起算信息" in page and "白沙镇强拆老人受伤" in page and "首条负面信息" in page
    resp = c.post(f"/alerts/{alert_id}/clock", data={"post_id": str(posts[0].id), "reason": "公示即引发议论",
                                                      "csrf_token": csrf(page)})
    assert resp.status_code == 303
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.clock_post_id == posts[0].id and a.issue_started_at == posts[0].published_at
    c2 = app.test_client()
    assert login(c2, "wangping").status_code == 303
    page2 = c2.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert f'action="/alerts/{alert_id}/clock"' not in page2 and "起算时间已更正" not in page2
    assert c2.post(f"/alerts/{alert_id}/clock", data={"started_at": "2024-05-06T08:00", "reason": "x",
                                                       "csrf_token": csrf(page2)}).status_code == 403
