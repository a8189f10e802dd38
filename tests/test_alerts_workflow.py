"""One alert through all seven steps against a controlled clock, on SQLite and PostgreSQL.

Reminder at 6 h left, an escalation when re-grading raises the level (re-reported,
the new audience notified), overdue at 12 h with its notification, a step-7 loop
back to consultation, closing — and the audit trail holding every change.
Notifications go to a local HTTP receiver standing in for the robots.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from test_alerts_support import T0, HttpSink, add_event, make_deployment, set_event_level
from yuqing import audit
from yuqing.alerts import api, base, liaison, review, statements, workflow
from yuqing.alerts import permissions as perm
from yuqing.alerts.models import NotificationDelivery, ReminderMark, Statement
from yuqing.domain import Level, Step
from yuqing.errors import PermissionDenied
from yuqing.models import Alert, StepRecord


def h(hours: float):
    return T0 + timedelta(hours=hours)


@pytest.fixture
def sink():
    s = HttpSink()
    yield s
    s.close()


def _deployment(tmp_path, url, sink):
    channels = [
        {"name": "office", "kind": "webhook", "url": f"{sink.url}/office", "audience": ["领导小组办公室"], "retries": 0},
        {"name": "leaders", "kind": "wecom", "url": f"{sink.url}/leaders?key=k1", "audience": ["领导小组"],
         "min_level": "一般", "retries": 0},
        {"name": "county", "kind": "dingtalk", "url": f"{sink.url}/county?access_token=t1",
         "audience": ["县政府", "县委宣传部"], "min_level": "重大或较大", "retries": 0},
    ]
    return make_deployment(tmp_path, url, notifications={"base_url": "http://yuqing.local", "channels": channels})


@pytest.fixture
def dep_any(tmp_path, database_url, sink):
    """On SQLite and on PostgreSQL."""
    d = _deployment(tmp_path, database_url, sink)
    yield d
    d.close()


@pytest.fixture
def dep(tmp_path, sink):
    d = _deployment(tmp_path, None, sink)
    yield d
    d.close()


def paths(sink, start: int = 0) -> list[str]:
    return [r["path"].split("?")[0] for r in sink.requests[start:]]


def texts(sink, start: int = 0) -> list[str]:
    out = []
    for i in range(start, len(sink.requests)):
        body = sink.json(i)
        out.append(body.get("markdown", {}).get("content") or body.get("markdown", {}).get("text")
                   if isinstance(body.get("markdown"), dict) else body["markdown"])
    return out


def session(dep):
    return base.open_session(dep)


def test_seven_steps_with_the_clock(dep_any, sink):
    dep = dep_any
    event_id = add_event(dep, level=int(Level.GENERAL))

    # -- 1 发现 / 2 监测: the alert opens, clock from the first post's publication ------------
    report = api.sync_alerts(dep, now=h(0.5))
    assert len(report.opened) == 1
    alert_id = report.opened[0]
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.issue_started_at == T0 and a.deadline_at == h(12)
        assert a.current_step == Step.MONITOR and a.level == Level.GENERAL
        assert [(r.step, r.by_user, r.completed_at) for r in a.steps] == [(1, "system", h(0.5)), (2, "system", None)]
        assert a.steps[0].attachments[0]["url"].startswith("http://127.0.0.1:9/news/")
    # level III: the office and the 领导小组 hear of it, the county does not
    assert sorted(paths(sink)) == ["/leaders", "/office"]
    assert "【III级·一般】新预警" in sink.json(paths(sink).index("/office"))["heading"]
    assert api.sync_alerts(dep, now=h(0.6)).opened == []  # once only

    # -- steps cannot be skipped --------------------------------------------------------------
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        with pytest.raises(base.IllegalTransition, match="不能跳过第3步"):
            workflow.advance(s, a, Step.CONSULT, by="bangong", note="x", now=h(0.7))
        with pytest.raises(PermissionDenied, match="网评员"):
            workflow.advance(s, a, Step.REPORT, by="wangping", note="x", now=h(0.7))

    # -- 3 快报事实 -------------------------------------------------------------------------------
    n = len(sink.requests)
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.REPORT, by="jiankong", note="时间：5月6日9时；地点：白沙镇；简要经过：讨薪",
                         attachments=["http://127.0.0.1:9/news/src.html"], now=h(1))
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.reported_at == h(1) and a.current_step == Step.REPORT
    assert sorted(paths(sink, n)) == ["/leaders", "/office"]
    leaders = sink.json(n + paths(sink, n).index("/leaders"))
    assert leaders["msgtype"] == "markdown" and "舆情快报" in leaders["markdown"]["content"]
    assert "地点：白沙镇" in leaders["markdown"]["content"]

    # -- the clock: nothing at 5 h, the 6-hours-left reminder at 6 h, once ---------------------
    assert api.check_deadlines(dep, h(5)).reminders == []
    n = len(sink.requests)
    rep = api.check_deadlines(dep, h(6))
    assert rep.reminders == [(alert_id, 6.0)] and rep.overdue == []
    assert sorted(paths(sink, n)) == ["/leaders", "/office"]  # the office and the level's lead (领导小组 for III)
    reminder = sink.json(n + paths(sink, n).index("/office"))
    assert "处置提醒" in reminder["heading"] and reminder["time_left"] == "剩余6小时"
    assert api.check_deadlines(dep, h(6.1)).reminders == []

    # -- escalation on re-grading: III → II, re-reported, the county told -------------------------
    set_event_level(dep, event_id, int(Level.MAJOR), reasons=("省级媒体转载，互动超过1000",))
    n = len(sink.requests)
    rep = api.sync_alerts(dep, now=h(7))
    assert rep.escalated == [alert_id] and rep.opened == []
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.level == Level.MAJOR and a.escalated_at == h(7) and a.current_step == Step.REPORT
        re_reports = [r for r in a.steps if r.step == Step.REPORT and r.by_user == "system"]
        assert len(re_reports) == 1 and "重新报送" in re_reports[0].note
        mon = [r for r in a.steps if r.step == Step.MONITOR][0]
        assert mon.attachments[-1]["kind"] == "escalation" and mon.attachments[-1]["new_level"] == "重大或较大"
    assert sorted(paths(sink, n)) == ["/county", "/leaders", "/office"]
    county = sink.requests[n + paths(sink, n).index("/county")]
    assert "timestamp=" not in county["path"]  # no secret_env: unsigned
    county_md = json.loads(county["body"])["markdown"]
    assert county_md["title"].startswith("【II级·重大或较大】预警升级")
    assert "省级媒体转载" in county_md["text"] and "http://yuqing.local/alerts/" in county_md["text"]

    # -- 4 会商措施: levels I–II hear the county first ------------------------------------------
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        with pytest.raises(base.IllegalTransition, match="县级处置意见"):
            workflow.advance(s, a, Step.CONSULT, by="bangong", note="责成镇政府核查", now=h(8))
        with pytest.raises(base.IllegalTransition, match="不能跳过第4步"):
            workflow.advance(s, a, Step.REPLY, by="bangong", note="x", now=h(8))
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.CONSULT, by="lingdao", note="责成白沙镇政府核查欠薪并公开回应",
                         attachments=[{"kind": "county", "text": "县政府要求24小时内处置到位"}], now=h(8))

    # -- 5 形成通稿: 三审三校, approved on behalf of the county (level II) -------------------------
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        with pytest.raises(base.StatementNotApproved):
            workflow.advance(s, a, Step.STATEMENT, by="bangong", now=h(8.5))
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        st = statements.draft_statement(s, a, by="jiankong2", text="白沙镇已介入，工资将于本周发放。", now=h(9))
        st_id = st.id
    with session(dep) as s, s.begin():
        with pytest.raises(base.ReviewError, match="起草人"):
            review.review_statement(s, st_id, by="jiankong2", decision="pass", now=h(9.1))
    with session(dep) as s, s.begin():
        review.review_statement(s, st_id, by="jiankong", decision="pass", note="事实无误", now=h(9.2))
        with pytest.raises(PermissionDenied):
            review.review_statement(s, st_id, by="lingdao", decision="pass", now=h(9.2))  # stage 2 is 科室负责人
    with session(dep) as s, s.begin():
        # the 科室负责人 corrects a word: a new version, the old one kept
        cur = review.review_statement(s, st_id, by="bangong", decision="pass",
                                        revised_text="白沙镇政府已介入，拖欠工资将于本周内全部发放。", now=h(9.4))
        v2 = cur.id
        assert cur.version == 2 and cur.stage == 2
    with session(dep) as s, s.begin():
        approved = review.review_statement(s, v2, by="lingdao", decision="pass", now=h(9.6))
        assert approved.status == "approved" and approved.approval_body == "县委县政府/县委宣传部"
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.current_step == Step.STATEMENT  # recorded on final approval
        step5 = [r for r in a.steps if r.step == Step.STATEMENT][-1]
        assert step5.by_user == "lingdao" and step5.attachments[0]["version"] == 2
        versions = {st.version: st.status for st in s.query(Statement).filter_by(alert_id=alert_id)}
        assert versions == {1: "superseded", 2: "approved"}
        reviews = [(r.stage, r.by_user, r.capacity) for st in s.query(Statement).order_by(Statement.version) for r in st.reviews]
        assert reviews == [(1, "jiankong", "信息员"), (2, "bangong", "科室负责人"),
                           (3, "lingdao", "分管领导（县委县政府/县委宣传部审定）")]

    # -- the 2-hours-left reminder, then overdue at 12 h, escalated to the leaders ---------------
    assert api.check_deadlines(dep, h(10)).reminders == [(alert_id, 2.0)]
    n = len(sink.requests)
    rep = api.check_deadlines(dep, h(12))
    assert rep.overdue == [alert_id]
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.overdue_at == h(12) and a.replied_at is None
        assert sorted(m.mark for m in s.query(ReminderMark).filter_by(alert_id=alert_id)) == ["2", "6", "deadline"]
    assert sorted(paths(sink, n)) == ["/county", "/leaders", "/office"]
    over = sink.json(n + paths(sink, n).index("/office"))
    assert over["kind"] == "overdue" and over["time_left"] == "已超时0分钟" and "报告领导督办" in over["text"]
    assert api.check_deadlines(dep, h(12.5)).overdue == []  # marked once

    # -- 6 正面回复 (late: 迟报), the clock stops ---------------------------------------------------
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.REPLY, by="bangong", note="县融媒体中心发布情况通报",
                         attachments=["https://news.example.cn/yunxi/notice.html"], now=h(13))
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.replied_at == h(13)
        t = api.timeliness(a, h(14))
        assert t.late and not t.missed and t.state == "late" and t.time_to_reply == timedelta(hours=13)
        assert api.time_to_report(a) == timedelta(hours=1)

    # -- 7 跟踪引导, a follow-up that cannot be answered loops back to 会商 ---------------------------
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.FOLLOW_UP, by="jiankong", note="跟踪评论区", now=h(14))
        with pytest.raises(base.IllegalTransition, match="跟踪引导"):
            workflow.advance(s, a, Step.FOLLOW_UP, by="jiankong", now=h(14))
        workflow.add_reply_links(s, a, by="wangping", links=["https://weibo.example.cn/c/1"], now=h(14.5))
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.CONSULT, by="jiankong", note="网民质疑发放名单不全，无法解答", now=h(20))
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.follow_up_round == 1 and a.current_step == Step.CONSULT
        follow = [r for r in a.steps if r.step == Step.FOLLOW_UP][-1]
        assert follow.completed_at == h(20)
        assert workflow.next_steps(a) == [Step.CONSULT]
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.CONSULT, by="lingdao", note="公布完整名单",
                         attachments=[{"kind": "county", "text": "县里同意公布"}], now=h(21))
        # the first round's 通稿 does not serve the second round
        with pytest.raises(base.StatementNotApproved, match="第1轮"):
            workflow.advance(s, a, Step.STATEMENT, by="lingdao", now=h(21))
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        st = statements.draft_statement(s, a, by="jiankong2", text="完整发放名单已公示。", now=h(21.5))
        review.review_statement(s, st, by="jiankong", decision="pass", now=h(21.6))
        review.review_statement(s, st, by="bangong", decision="pass", now=h(21.7))
        review.review_statement(s, st, by="lingdao", decision="pass", now=h(21.8))
        assert a.current_step == Step.STATEMENT
        workflow.advance(s, a, Step.REPLY, by="bangong", note="公示名单", now=h(22))
        workflow.advance(s, a, Step.FOLLOW_UP, by="jiankong", now=h(22.5))
        workflow.log_follow_up(s, a, by="jiankong", note="质疑减少", links=["https://tieba.example.cn/p/9"], now=h(30))
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.close(s, a, by="jiankong", note="舆情已平息", now=h(48))
        with pytest.raises(base.AlertNotOpen):
            workflow.advance(s, a, Step.CONSULT, by="jiankong", note="x", now=h(49))

    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.status == "closed" and a.closed_at == h(48) and a.replied_at == h(13)
        assert all(r.completed_at is not None for r in a.steps)
        track = [(r.step, r.round) for r in workflow.main_records(a)]
        assert track == [(3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (4, 1), (5, 1), (6, 1), (7, 1)]
        reply_links = [x for r in a.steps for x in r.attachments if x["kind"] == "reply_link"]
        assert reply_links[0]["by"] == "wangping"

        # -- the audit trail holds every change, with actor and time -----------------------------
        trail = [(e.action, e.actor, e.at) for e in audit.trail(s, "alerts", alert_id)]
        assert trail == [
            ("alert.open", "system", h(0.5)),
            ("alert.step", "jiankong", h(1)),
            ("alert.reminder", "system", h(6)),
            ("alert.escalate", "system", h(7)),
            ("alert.step", "lingdao", h(8)),
            ("statement.draft", "jiankong2", h(9)),
            ("statement.review", "jiankong", h(9.2)),
            ("statement.review", "bangong", h(9.4)),
            ("statement.approve", "lingdao", h(9.6)),
            ("alert.step", "lingdao", h(9.6)),
            ("alert.reminder", "system", h(10)),
            ("alert.overdue", "system", h(12)),
            ("alert.step", "bangong", h(13)),
            ("alert.step", "jiankong", h(14)),
            ("alert.reply_links", "wangping", h(14.5)),
            ("alert.loop", "jiankong", h(20)),
            ("alert.step", "lingdao", h(21)),
            ("statement.draft", "jiankong2", h(21.5)),
            ("statement.review", "jiankong", h(21.6)),
            ("statement.review", "bangong", h(21.7)),
            ("statement.approve", "lingdao", h(21.8)),
            ("alert.step", "lingdao", h(21.8)),
            ("alert.step", "bangong", h(22)),
            ("alert.step", "jiankong", h(22.5)),
            ("alert.follow_up", "jiankong", h(30)),
            ("alert.close", "jiankong", h(48)),
        ]
        deliveries = s.query(NotificationDelivery).filter_by(alert_id=alert_id).all()
        assert deliveries and all(d.status == "sent" for d in deliveries)
        kinds = {d.kind_of_message for d in deliveries}
        assert {"new", "report", "reminder", "escalation", "overdue", "review", "loop"} <= kinds


def test_a_failed_action_changes_nothing_and_sends_nothing(dep_any, sink):
    dep = dep_any
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=h(0.5)).opened[0]
    n = len(sink.requests)
    with pytest.raises(RuntimeError):
        with session(dep) as s, s.begin():
            a = s.get(Alert, alert_id)
            workflow.advance(s, a, Step.REPORT, by="jiankong", note="快报", now=h(1))
            raise RuntimeError("crash before commit")
    assert len(sink.requests) == n  # the 快报 message was dropped with the rollback
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.current_step == Step.MONITOR and a.reported_at is None
        assert s.query(StepRecord).filter_by(alert_id=alert_id, step=3).count() == 0
        assert [e.action for e in audit.trail(s, "alerts", alert_id)] == ["alert.open"]


def test_dismiss_needs_a_reason_and_ends_monitoring(dep):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=h(0.5)).opened[0]
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        with pytest.raises(base.WorkflowError, match="误报原因"):
            workflow.dismiss(s, a, by="jiankong", reason="  ", now=h(1))
        workflow.dismiss(s, a, by="jiankong", reason="说的是云溪区，不是本县", now=h(1))
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.status == "dismissed" and a.closed_at == h(1)
        assert all(r.completed_at == h(1) or r.step == 1 for r in a.steps)
        assert api.timeliness(a, h(30)).state == "dismissed" and not api.is_missed(a, h(30))
    # no reminders or overdue for a dismissed alert
    rep = api.check_deadlines(dep, h(13))
    assert rep.overdue == [] and rep.reminders == []


def test_levels_i_and_ii_open_first_and_level_i_reaches_the_propaganda_department(dep, sink):
    e_minor = add_event(dep, title="云溪大道路灯不亮", level=int(Level.MINOR), started=h(-1))
    e_special = add_event(dep, title="云溪县城关镇发生聚集堵路", level=int(Level.SPECIAL), started=h(-0.5))
    rep = api.sync_alerts(dep, now=h(0))
    with dep.sessions() as s:
        levels = [s.get(Alert, i).level for i in rep.opened]
        by_event = {s.get(Alert, i).event_id: s.get(Alert, i) for i in rep.opened}
    assert levels == [int(Level.SPECIAL), int(Level.MINOR)]
    assert by_event[e_special].deadline_at == h(11.5) and by_event[e_minor].deadline_at == h(11)
    office = [sink.json(i) for i, r in enumerate(sink.requests) if r["path"] == "/office"]
    assert [m["heading"].split("】")[0] for m in office] == ["【I级·特别重大", "【IV级·影响较小"]
    county = [r for r in sink.requests if r["path"].startswith("/county")]
    assert len(county) == 1 and "特别重大" in county[0]["body"].decode()


def test_min_level_and_late_discovery(tmp_path, sink):
    d = make_deployment(tmp_path, thresholds={"alert_min_level": "一般"},
                        notifications={"channels": [{"name": "o", "kind": "webhook", "url": sink.url, "retries": 0}]})
    try:
        add_event(d, title="咨询办事流程", level=int(Level.MINOR))
        old = add_event(d, title="三天前的帖子今天才发现", level=int(Level.GENERAL), started=h(-72))
        opened = api.sync_alerts(d, now=h(0)).opened
        assert len(opened) == 1  # the 影响较小 event opens no alert
        # found long after it arose: overdue at the first check, and no reminders for marks long passed
        rep = api.check_deadlines(d, h(0.01))
        assert rep.overdue == opened and rep.reminders == []
        with d.sessions() as s:
            a = s.query(Alert).filter_by(event_id=old).one()
            # overdue (the leaders hear of it at once), but found after its deadline: 发现滞后, not the office's 漏报
            assert a.overdue_at == h(0.01) and not api.is_missed(a, h(1))
            assert api.timeliness(a, h(1)).state == "found_late"
    finally:
        d.close()


def test_good_news_and_stale_events_open_no_alert_until_they_matter(dep):
    add_event(dep, title="云溪县开展冬季消防安全大检查", level=int(Level.GENERAL), negativity=0.05)
    add_event(dep, title="云溪米粉的做法（三年前的旧页面）", level=int(Level.GENERAL), started=h(-24 * 900))
    accident = add_event(dep, title="云溪大道渣土车撞倒电动车 一人身亡", level=int(Level.MAJOR), negativity=0.1)
    unknown = add_event(dep, title="尚未判定负面程度的事件", level=int(Level.MINOR), negativity=None)
    opened = api.sync_alerts(dep, now=h(0)).opened
    with dep.sessions() as s:
        assert sorted(s.get(Alert, i).event_id for i in opened) == sorted([accident, unknown])
    # the good-news event turns sour and the old one comes back to life: both open, once
    from yuqing.models import Event

    with dep.sessions() as s, s.begin():
        good, old = [s.scalar(select(Event).where(Event.title == t)) for t in ("云溪县开展冬季消防安全大检查",
                                                                            "云溪米粉的做法（三年前的旧页面）")]
        good.negativity = 0.9
        old.last_post_at = h(1)
    assert len(api.sync_alerts(dep, now=h(2)).opened) == 2
    assert api.sync_alerts(dep, now=h(3)).opened == []


def test_one_reminder_when_several_marks_are_crossed(dep):
    add_event(dep, started=h(-10.5))  # found with 1.5 h left
    alert_id = api.sync_alerts(dep, now=h(0)).opened[0]
    rep = api.check_deadlines(dep, h(0))
    assert rep.reminders == [(alert_id, 2.0)]
    with dep.sessions() as s:
        assert sorted(s.get(Alert, alert_id).reminders_sent) == [2.0, 6.0]
    assert api.check_deadlines(dep, h(0.5)).reminders == []


def test_liaison_form_deadline(dep, sink):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=h(0.5)).opened[0]
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        f1 = liaison.send_liaison(s, a, by="jiankong", unit="白沙镇人民政府", content="请核实欠薪人数和金额", now=h(1))
        f2 = liaison.send_liaison(s, a, by="bangong", unit="县人社局", content="请核实是否已立案", now=h(2))
        ids = (f1.id, f2.id)
        assert f1.due_at == h(25)
    with session(dep) as s, s.begin():
        liaison.answer_liaison(s, ids[1], by="bangong", answer="已立案，正在追讨", now=h(20))
        with pytest.raises(PermissionDenied):
            liaison.answer_liaison(s, ids[0], by="wangping", answer="x", now=h(20))
    n = len(sink.requests)
    rep = api.check_deadlines(dep, h(25))
    assert rep.liaison_overdue == [ids[0]]
    assert [p.split("?")[0] for p in (r["path"] for r in sink.requests[n:])].count("/office") >= 1
    assert api.check_deadlines(dep, h(26)).liaison_overdue == []
    with session(dep) as s, s.begin():
        f = liaison.answer_liaison(s, ids[0], by="jiankong", answer="已核实：38人，计52万元", now=h(27))
        assert f.status == "answered_late" and f.status_label == "逾期反馈"
        with pytest.raises(base.WorkflowError, match="已于"):
            liaison.answer_liaison(s, ids[0], by="jiankong", answer="again", now=h(28))


def test_merged_event_moves_or_merges_the_alert(dep):
    from yuqing.models import Event

    e1 = add_event(dep, title="一号事件")
    e2 = add_event(dep, title="二号事件", started=h(-2))
    e3 = add_event(dep, title="三号事件")
    rep = api.sync_alerts(dep, now=h(0))
    with dep.sessions() as s:
        alerts = {a.event_id: a.id for a in s.query(Alert)}
    a1, a2, a3 = alerts[e1], alerts[e2], alerts[e3]
    # e2 (with an earlier start) is merged into e1, which has an alert: a2 ends, a1's clock starts earlier
    # e3 is merged into a new event e4 without an alert: a3 follows it
    with dep.sessions() as s, s.begin():
        s.get(Event, e2).status = "merged"
        s.get(Event, e2).merged_into_id = e1
        e4 = Event(title="四号", level=2, first_seen_at=h(0), status="open")
        s.add(e4)
        s.flush()
        e4_id = e4.id
        s.get(Event, e3).status = "merged"
        s.get(Event, e3).merged_into_id = e4_id
    rep = api.sync_alerts(dep, now=h(1))
    assert rep.merged == [a2] and rep.moved == [a3] and rep.opened == []
    with dep.sessions() as s:
        assert s.get(Alert, a2).status == "closed"
        assert s.get(Alert, a1).issue_started_at == h(-2) and s.get(Alert, a1).deadline_at == h(10)
        assert s.get(Alert, a3).event_id == e4_id and s.get(Alert, a3).status == "open"
        assert [e.action for e in audit.trail(s, "alerts", a2)][-1] == "alert.merged"


def test_escalation_reopens_a_dismissed_alert(dep):
    event_id = add_event(dep)
    alert_id = api.sync_alerts(dep, now=h(0)).opened[0]
    with session(dep) as s, s.begin():
        workflow.dismiss(s, s.get(Alert, alert_id), by="jiankong", reason="看似无关", now=h(1))
    set_event_level(dep, event_id, int(Level.SPECIAL), reasons=("现场聚集堵路",))
    rep = api.sync_alerts(dep, now=h(2))
    assert rep.escalated == [alert_id] and rep.reopened == [alert_id]
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.status == "open" and a.level == Level.SPECIAL and a.closed_at is None
        assert [e.action for e in audit.trail(s, "alerts", alert_id)][-2:] == ["alert.reopen", "alert.escalate"]


def test_monitor_lowering_the_event_level_lowers_the_alert(dep):
    from yuqing.models import Event

    event_id = add_event(dep, level=int(Level.MAJOR))
    alert_id = api.sync_alerts(dep, now=h(0)).opened[0]
    with dep.sessions() as s, s.begin():
        ev = s.get(Event, event_id)
        ev.level, ev.level_by, ev.level_reasons = int(Level.GENERAL), "jiankong", ["核实后仅个别投诉"]
    rep = api.sync_alerts(dep, now=h(1))
    assert rep.lowered == [alert_id]
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.level == Level.GENERAL
        last = audit.trail(s, "alerts", alert_id)[-1]
        assert last.action == "alert.level_lowered" and last.actor == "jiankong" and "核实后" in last.detail["reason"]


def test_javascript_links_are_refused(dep):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=h(0)).opened[0]
    with session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        with pytest.raises(base.WorkflowError, match="http"):
            workflow.advance(s, a, Step.REPORT, by="jiankong", note="快报",
                             attachments=[{"kind": "link", "url": "javascript:alert(1)"}], now=h(1))


def test_advance_without_a_bound_session_uses_the_registered_deployment(dep):
    add_event(dep)
    alert_id = api.sync_alerts(dep, now=h(0)).opened[0]  # registers the deployment
    with dep.sessions() as s, s.begin():  # a plain session
        workflow.advance(s, s.get(Alert, alert_id), "快报事实", by="jiankong", note="快报", now=h(1))
    with dep.sessions() as s:
        assert s.get(Alert, alert_id).current_step == Step.REPORT


def test_the_transitions_are_one_table_read_by_the_workflow_and_the_buttons():
    from yuqing.alerts import transitions

    pairs = [(t.source, t.target) for t in transitions.TRANSITIONS]
    assert pairs == [(Step.MONITOR, Step.REPORT), (Step.REPORT, Step.CONSULT), (Step.CONSULT, Step.STATEMENT),
                     (Step.STATEMENT, Step.REPLY), (Step.REPLY, Step.FOLLOW_UP), (Step.FOLLOW_UP, Step.CONSULT)]
    assert all(t.permission in perm.LABELS and t.records for t in transitions.TRANSITIONS)
    # the loop back from 跟踪引导 is the follow-up's permission, not 会商's
    assert transitions.transition(Step.FOLLOW_UP, Step.CONSULT).permission == perm.FOLLOW_UP
    assert transitions.transition(Step.REPORT, Step.CONSULT).permission == perm.CONSULT
    assert transitions.transition(Step.REPORT, Step.REPLY) is None
