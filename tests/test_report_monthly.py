"""The monthly report (月报): volumes, topics, levels, response times against the 12-hour clock, comparison with the month before."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import yaml
from docx import Document

from yuqing.reports.monthly import change_text, write_monthly
from yuqing.reports.common import month_window, previous_month
from yuqing.models import Alert, Base, Event, StepRecord
from yuqing.store import PostRecord, post_key

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=TZ)  # when the scheduler writes November's report


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def post(n, when, topic, level, relevant=True):
    return PostRecord(key=post_key(f"monthly-test:{n}"), source="county-news" if n % 2 else "weibo-search", kind="news",
                      url=f"https://news.example.cn/{n}.html", title=f"第{n}条 {topic}", text="云溪县", published_at=when,
                      fetched_at=when + timedelta(minutes=5), relevant=relevant, topic=topic if relevant else None,
                      level=level if relevant else None)


def alert(s, title, level, started, *, reported_h=None, replied_h=None, status="open", follow_up_round=0):
    ev = Event(title=title, level=level, topic="征地拆迁", first_seen_at=started + timedelta(minutes=10),
               first_published_at=started, status="open")
    s.add(ev)
    s.flush()
    a = Alert(event_id=ev.id, title=title, level=level, status=status, current_step=2, issue_started_at=started,
              deadline_at=started + timedelta(hours=12), created_at=started + timedelta(minutes=10),
              reported_at=started + timedelta(hours=reported_h) if reported_h is not None else None,
              replied_at=started + timedelta(hours=replied_h) if replied_h is not None else None,
              follow_up_round=follow_up_round, closed_at=started + timedelta(days=2) if status != "open" else None)
    a.steps = [StepRecord(step=1, started_at=a.created_at)]
    if follow_up_round:
        a.steps += [StepRecord(step=7, started_at=a.replied_at + timedelta(hours=1)),
                    StepRecord(step=4, round=1, started_at=a.replied_at + timedelta(hours=2))]
        a.current_step = 4
    s.add(a)
    return a


@pytest.fixture
def office(deployment):
    Base.metadata.create_all(deployment.engine)
    posts = [
        # October: 4 relevant, 1 not
        post(1, local(2026, 10, 5, 9), "征地拆迁", 2), post(2, local(2026, 10, 6, 9), "征地拆迁", 2),
        post(3, local(2026, 10, 7, 9), "生态环境", 1), post(4, local(2026, 10, 31, 23, 59), "生态环境", 1),
        post(5, local(2026, 10, 8, 9), "其他", 1, relevant=False),
        # November: 6 relevant; the first and last minutes of the month (local time)
        post(11, local(2026, 11, 1, 0, 0), "征地拆迁", 3), post(12, local(2026, 11, 3, 9), "征地拆迁", 3),
        post(13, local(2026, 11, 3, 10), "征地拆迁", 3), post(14, local(2026, 11, 12, 9), "教育医疗", 1),
        post(15, local(2026, 11, 20, 9), "教育医疗", 1), post(16, local(2026, 11, 30, 23, 59), "生态环境", 2),
        # December 1st 00:00 local (11-30 16:00 UTC) is next month's
        post(21, local(2026, 12, 1, 0, 0), "生态环境", 2),
    ]
    deployment.posts.add(posts)
    with deployment.sessions() as s, s.begin():
        alert(s, "城关镇拆迁户聚集", 3, local(2026, 11, 3, 8), reported_h=1, replied_h=6, status="closed")
        alert(s, "白沙镇偷排废水", 2, local(2026, 11, 10, 10), reported_h=2, replied_h=15, status="closed")  # 迟报
        alert(s, "幸福社区停水", 1, local(2026, 11, 20, 0))  # never answered: 漏报, still open
        alert(s, "云溪一中食堂", 1, local(2026, 11, 25, 9), reported_h=0.5, replied_h=3, follow_up_round=1)
        alert(s, "误报一条", 1, local(2026, 11, 26, 9), status="dismissed")
        alert(s, "十月拆迁", 2, local(2026, 10, 5, 9), reported_h=1, replied_h=4, status="closed")
        alert(s, "十月污染", 1, local(2026, 10, 7, 9), reported_h=3, replied_h=20, status="closed")
    return deployment


def _rows(tree, table_id):
    return [[c.text_content().strip() for c in tr] for tr in tree.get_element_by_id(table_id).iter("tr")][1:]


def test_month_windows_are_local_calendar_months(config):
    start, end = month_window("2026-11", config)
    assert start.astimezone(timezone.utc) == datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc)
    assert end == local(2026, 12, 1)
    assert previous_month("2026-01") == "2025-12" and previous_month("2026-11") == "2026-10"
    assert (change_text(6, 4), change_text(1, 2), change_text(2, 0), change_text(0, 0), change_text(3, 3)) == (
        "+50%", "-50%", "新增", "持平", "持平")


def test_monthly_report_compares_with_the_month_before(office, tmp_path):
    result = write_monthly(office, "2026-11", tmp_path, now=NOW)
    html = result.html.read_text(encoding="utf-8")
    tree = lxml.html.fromstring(html)
    assert "云溪县舆情月报（2026年11月）" in html and "对比：2026年10月" in html

    overview = {r[0]: r[1:] for r in _rows(tree, "overview")}
    assert overview["采集信息（条）"] == ["6", "5", "+20%"]
    assert overview["相关舆情（条）"] == ["6", "4", "+50%"]
    assert overview["预警（件）"] == ["4", "2", "+100%"]  # the 误报 is left out
    topics = {r[0]: r[1:] for r in _rows(tree, "topics")}
    assert topics == {"征地拆迁": ["3", "2", "+50%"], "教育医疗": ["2", "0", "新增"], "生态环境": ["1", "2", "-50%"]}
    levels = {r[0]: r[1:4] for r in _rows(tree, "levels")}
    assert levels["重大或较大"] == ["3", "0", "新增"] and levels["一般"] == ["1", "2", "-50%"] and levels["影响较小"] == ["2", "2", "持平"]

    # response times against the 12-hour clock
    response = {r[0]: r[1:] for r in _rows(tree, "response")}
    # decided: 4 alerts (3 replied, 1 past its deadline); 2 within 12 h; October 1 of 2
    assert response["全部"] == ["4", "2", "50%", "50%", "1.0小时", "6.0小时", "15.0小时"]
    assert response["重大或较大"][:3] == ["1", "1", "100%"]
    assert response["一般"][:4] == ["1", "0", "0%", "100%"]  # October: 十月拆迁 in 4 h
    assert tree.get_element_by_id("count-missed").text == "1" and "幸福社区停水" in html
    assert tree.get_element_by_id("count-late").text == "1" and "白沙镇偷排废水" in html
    assert tree.get_element_by_id("count-overdue").text == "1"
    assert tree.get_element_by_id("count-follow-ups").text == "1" and "云溪一中食堂" in html
    assert "误报一条" not in html

    data = result.data
    assert [n for _, n in data.current.daily][:3] == [1, 0, 2] and len(data.current.daily) == 30
    assert data.current.daily[-1][1] == 1 and len(data.previous.daily) == 31
    assert data.summary_lines()[0].startswith("2026年11月共监测到涉及云溪县的舆情信息6条，较上月（4条）增长50%")
    assert data.partial is False
    assert len(result.charts) == 4 and html.count('src="data:image/png;base64,') == 4

    doc = Document(str(result.docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = {" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows}
    assert "相关舆情（条） | 6 | 4 | +50%" in cells
    assert "全部 | 4 | 2 | 50% | 50% | 1.0小时 | 6.0小时 | 15.0小时" in cells
    assert "教育医疗 | 2 | 0 | 新增" in cells
    assert "漏报（超过12小时时限未正面回复）：1件" in text and "迟报（超过时限才正面回复）：1件" in text
    assert len(doc.inline_shapes) == 4


def test_a_month_with_nothing_says_so(sqlite_deployment, tmp_path):
    Base.metadata.create_all(sqlite_deployment.engine)
    result = write_monthly(sqlite_deployment, "2026-11", tmp_path, now=NOW)
    html = result.html.read_text(encoding="utf-8")
    assert "本月未监测到涉及云溪县的舆情。" in html
    assert lxml.html.fromstring(html).get_element_by_id("within-share").text == "—"
    assert "本月未监测到涉及云溪县的舆情" in "\n".join(p.text for p in Document(str(result.docx)).paragraphs)


def test_report_command(office, tmp_path, capsys):
    from yuqing.cli import main

    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(office.config.model_dump(mode="json", exclude={"path"}), allow_unicode=True), encoding="utf-8")
    rc = main(["--config", str(path), "report", "monthly", "--month", "2026-10", "--out", str(tmp_path / "m")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "云溪县舆情月报（2026年10月）" in out and "舆情信息4条" in out
    assert (tmp_path / "m" / "monthly-2026-10.html").is_file() and (tmp_path / "m" / "monthly-2026-10.docx").is_file()
    rc = main(["--config", str(path), "report", "monthly", "--month", "2026/11"])
    assert rc == 1 and "month must be YYYY-MM" in capsys.readouterr().err
