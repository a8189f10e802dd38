"""One definition of each count (issue #16, item 1): a month of alerts built through the real workflow gives
the same figures in the ledger (台账), the monthly report, the notebooks' frame and the clock's tally."""
from __future__ import annotations

from datetime import timedelta

import lxml.html

from test_alerts_support import T0, add_event, make_deployment
from test_web_roles import login
from yuqing import analysis
from yuqing.alerts import api, base, review, statements, workflow
from yuqing.alerts.clock import tally
from yuqing.reports.monthly import collect_monthly
from yuqing.domain import Level, Step
from yuqing.models import Alert
from yuqing.web import create_app
from yuqing.web import records

NOW = T0 + timedelta(days=10)  # 2024-05-16 09:00 in Asia/Shanghai


def _open(dep, title, started, found):
    """An event whose issue arose at ``started``, found (its alert opened) at ``found``."""
    add_event(dep, title=title, level=int(Level.GENERAL), started=started, last_post=found - timedelta(minutes=5))
    opened = api.sync_alerts(dep, now=found).opened
    assert len(opened) == 1, title
    return opened[0]


def _reply(dep, alert_id, at):
    """快报 → 会商 → 通稿 (three reviews) → 正面回复, as the office does it, the reply at ``at``."""
    with base.open_session(dep) as s, s.begin():
        a = s.get(Alert, alert_id)
        workflow.advance(s, a, Step.REPORT, by="jiankong", note="时间、地点、经过", now=at - timedelta(hours=3))
        workflow.advance(s, a, Step.CONSULT, by="bangong", note="责成镇政府核查", now=at - timedelta(hours=2))
        st = statements.draft_statement(s, a, by="jiankong2", text="镇政府已介入。", now=at - timedelta(hours=1.5))
        review.review_statement(s, st, by="jiankong", decision="pass", now=at - timedelta(hours=1.4))
        review.review_statement(s, st, by="bangong", decision="pass", now=at - timedelta(hours=1.3))
        review.review_statement(s, st, by="lingdao", decision="pass", now=at - timedelta(hours=1.2))
        workflow.advance(s, a, Step.REPLY, by="bangong", note="已在留言板正面回复", now=at)


def test_every_view_gives_the_same_counts_for_a_month(tmp_path, monkeypatch):
    dep = make_deployment(tmp_path)
    try:
        day = timedelta(days=1)
        on_time = _open(dep, "柳树村道路塌陷", T0, T0 + timedelta(minutes=30))
        _reply(dep, on_time, T0 + timedelta(hours=5))
        late = _open(dep, "白沙镇欠薪", T0 + day, T0 + day + timedelta(minutes=30))
        _reply(dep, late, T0 + day + timedelta(hours=14))
        _open(dep, "东湖街道噪音扰民", T0 + 2 * day, T0 + 2 * day + timedelta(minutes=30))  # never replied: 漏报
        _open(dep, "幸福社区电梯停运", T0 + 3 * day, T0 + 3 * day + timedelta(hours=20))  # found after its deadline
        # an issue that arose in April and was found in May belongs to May, where it was found: 发现滞后 too
        _open(dep, "城关镇旧案", T0 - 7 * day, T0 + 4 * day)
        false_alarm = _open(dep, "云溪一中谣言", T0 + 5 * day, T0 + 5 * day + timedelta(minutes=30))
        with base.open_session(dep) as s, s.begin():
            workflow.dismiss(s, s.get(Alert, false_alarm), by="jiankong", reason="经核实为误报",
                             now=T0 + 5 * day + timedelta(hours=1))
        _open(dep, "白沙河死鱼", NOW - timedelta(hours=2), NOW - timedelta(hours=1))  # its clock still running

        expected = {"alerts": 6, "on_time": 1, "late": 1, "missed": 1, "found_late": 2, "running": 1,
                    "overdue": 1, "dismissed": 1}
        with dep.sessions() as s:
            assert tally(s.query(Alert).all(), NOW) == expected

        # the ledger (台账) for 2024-05, at the same moment
        monkeypatch.setattr(records, "utcnow", lambda: NOW)
        c = create_app(dep, testing=True).test_client()
        assert login(c, "bangong").status_code == 303
        page = lxml.html.fromstring(c.get("/ledger?month=2024-05").get_data(as_text=True))
        ledger = {k: int(page.get_element_by_id(f"n-{k}").text) for k in
                  ("alerts", "on_time", "late", "missed", "found_late", "running")}
        assert ledger == {k: expected[k] for k in ledger}
        assert "另有误报 1 件" in page.text_content() and "其中仍在办 1" in page.text_content()

        # the monthly report
        counts = collect_monthly(dep, "2024-05", now=NOW).counts()
        assert (counts["alerts"], counts["late_replies"], counts["missed"], counts["found_late"], counts["overdue"]) \
            == (6, 1, 1, 2, 1)
        assert counts["within_12h"] == 1 and counts["decided"] == 3  # found-late alerts are not the office's to decide

        # the notebooks' frame
        frame = analysis.alerts(dep, since="2024-05-01", until="2024-06-01", now=NOW)
        kept = frame[frame["status"] != "dismissed"]
        assert len(kept) == 6 and int(kept["late_reply"].sum()) == 1 and int(kept["overdue"].sum()) == 1
        assert int(kept["found_late"].sum()) == 2 and int(kept["within_12h"].fillna(False).sum()) == 1
    finally:
        dep.close()
