"""The daily digest (舆情日报): content of the HTML and the Word file, the window, escaping, charts, the empty day."""
from __future__ import annotations

import re
import warnings
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from docx import Document
from docx.shared import RGBColor
from sqlalchemy import select

from yuqing.reports import charts as reports_charts
from yuqing.reports.digest import digest_day_for, digest_window, write_digest
from yuqing.reports.models import ReportRecord
from yuqing.domain import Level, Step
from yuqing.models import Alert, Base, Event, StepRecord
from yuqing.store import PostRecord, post_key

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 20)
#: the digest of 11-20 is written at 17:00 local = 09:00 UTC
AT_17 = datetime(2026, 11, 20, 17, 0, 30, tzinfo=TZ)
XSS = '<script>alert("xss")</script>城关镇拆迁'


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def post(n: int, title: str, when: datetime, *, url: str | None = "auto", level: int | None = None, event_id=None,
         topic: str | None = "征地拆迁", relevant: bool | None = True, source: str = "county-news", likes: int = 0) -> PostRecord:
    return PostRecord(
        key=post_key(f"digest-test:{n}"),
        source=source,
        kind="news",
        url=f"https://news.example.cn/yunxi/{n}.html" if url == "auto" else url,
        title=title,
        text=f"{title}。详细内容。",
        published_at=when,
        fetched_at=when + timedelta(minutes=10),
        likes=likes,
        relevant=relevant,
        topic=topic if relevant else None,
        level=level,
        event_id=event_id,
        classified_at=when + timedelta(minutes=20) if relevant is not None else None,
    )


def make_event(s, title: str, level: Level, topic: str, first: datetime) -> Event:
    ev = Event(title=title, topic=topic, level=int(level), first_seen_at=first + timedelta(minutes=10),
               first_published_at=first, last_post_at=first, post_count=1, status="open")
    s.add(ev)
    s.flush()
    return ev


def make_alert(s, ev: Event, *, step: Step, reported: datetime | None = None, replied: datetime | None = None,
               status: str = "open", closed: datetime | None = None) -> Alert:
    started = ev.first_published_at
    a = Alert(event_id=ev.id, title=ev.title, level=ev.level, status=status, current_step=int(step),
              issue_started_at=started, deadline_at=started + timedelta(hours=12), reported_at=reported,
              replied_at=replied, created_at=ev.first_seen_at, closed_at=closed)
    steps = [StepRecord(step=1, started_at=ev.first_seen_at, by_user="jiankong")]
    if reported:
        steps.append(StepRecord(step=3, started_at=reported, by_user="jiankong"))
    if replied:
        steps.append(StepRecord(step=6, started_at=replied, by_user="bangong"))
    if step not in (Step.DISCOVER, Step.REPORT, Step.REPLY):
        steps.append(StepRecord(step=int(step), started_at=(replied or reported or ev.first_seen_at) + timedelta(minutes=5)))
    a.steps = steps
    s.add(a)
    s.flush()
    return a


@pytest.fixture
def office(deployment):
    """A day of 云溪县's work: three events on three levels, an open alert, an overdue one, a late reply."""
    Base.metadata.create_all(deployment.engine)
    with deployment.sessions() as s, s.begin():
        major = make_event(s, "城关镇拆迁户聚集讨说法", Level.MAJOR, "征地拆迁", local(2026, 11, 20, 9, 0))
        general = make_event(s, "白沙镇化工厂夜间偷排", Level.GENERAL, "生态环境", local(2026, 11, 19, 20, 0))
        minor = make_event(s, "云溪一中食堂饭菜质量", Level.MINOR, "教育医疗", local(2026, 11, 20, 11, 0))
        old = make_event(s, "东湖街道欠薪旧案", Level.GENERAL, "社会保障", local(2026, 11, 18, 8, 0))
        late = make_event(s, "幸福社区停水三天", Level.MINOR, "其他", local(2026, 11, 19, 1, 0))
        # open, reported, 12 h clock from 09:00 → 21:00: 4 h left at 17:00
        make_alert(s, major, step=Step.CONSULT, reported=local(2026, 11, 20, 9, 40))
        # open since 11-19 20:00: deadline 11-20 08:00 passed without reply → overdue, 漏报
        make_alert(s, general, step=Step.REPORT, reported=local(2026, 11, 19, 21, 0))
        # never even reported, deadline 11-18 20:00 long past: overdue, 漏报
        make_alert(s, old, step=Step.MONITOR)
        # replied at 11-19 18:00, after its 13:00 deadline: late reply (迟报) in the window, then closed
        make_alert(s, late, step=Step.FOLLOW_UP, reported=local(2026, 11, 19, 2, 0), replied=local(2026, 11, 19, 18, 0),
                   status="closed", closed=local(2026, 11, 20, 10, 0))
        ids = {"major": major.id, "general": general.id, "minor": minor.id}
    deployment.posts.add([
        post(1, "城关镇拆迁户聚集讨说法", local(2026, 11, 20, 9, 5), level=3, event_id=ids["major"], likes=1200),
        post(2, "城关镇拆迁现场视频流传", local(2026, 11, 20, 10, 30), level=3, event_id=ids["major"], source="weibo-search"),
        post(3, "白沙镇化工厂夜间偷排废水", local(2026, 11, 19, 20, 0), level=2, event_id=ids["general"], topic="生态环境"),
        post(4, "云溪一中食堂饭菜质量引家长不满", local(2026, 11, 20, 11, 0), level=1, event_id=ids["minor"], topic="教育医疗"),
        post(5, XSS, local(2026, 11, 20, 12, 0), level=1, event_id=ids["minor"], url="javascript:alert(1)"),
        post(6, "已分类未分级的一条", local(2026, 11, 20, 13, 0), level=None),
        post(7, "云溪区美食节开幕", local(2026, 11, 20, 14, 0), relevant=False),
        post(8, "待分类的一条", local(2026, 11, 20, 15, 0), relevant=None),
        # window edges: 11-19 17:00 is in, 11-20 17:00 belongs to tomorrow's digest
        post(9, "窗口起点的一条", local(2026, 11, 19, 17, 0, 0), level=1, event_id=ids["minor"]),
        post(10, "前一期日报的一条", local(2026, 11, 19, 16, 59, 59), level=1, event_id=ids["minor"]),
        post(11, "下一期日报的一条", local(2026, 11, 20, 17, 0, 0), level=1, event_id=ids["minor"]),
    ])
    return deployment


def _html(result):
    return result.html.read_text(encoding="utf-8")


def _docx_text(path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    # hyperlink runs are outside python-docx's paragraph.text in older versions; read the XML text too
    xml_text = "".join(doc.element.body.itertext())
    return "\n".join(parts) + "\n" + xml_text


def _table(tree, table_id: str) -> list[list[str]]:
    return [[c.text_content().strip() for c in tr] for tr in tree.get_element_by_id(table_id).iter("tr")][1:]


def test_window_is_17_to_17_local(config):
    start, end = digest_window(config, DAY)
    assert start == local(2026, 11, 19, 17, 0) and end == local(2026, 11, 20, 17, 0)
    assert end.astimezone(timezone.utc) == datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert digest_day_for(config, local(2026, 11, 20, 16, 59)) == DAY
    assert digest_day_for(config, local(2026, 11, 20, 17, 0)) == date(2026, 11, 21)


def test_html_lists_items_by_level_with_counts_links_and_alerts(office, tmp_path):
    result = write_digest(office, DAY, tmp_path / "out", now=AT_17.astimezone(timezone.utc))
    html = _html(result)
    tree = lxml.html.fromstring(html)

    assert "云溪县舆情日报" in html and "2026年11月20日（星期五）" in html
    assert "11月19日 17:00 至 11月20日 17:00" in html
    assert tree.get_element_by_id("collected").text == "9"  # 11 posts, one before the window and one after it
    assert tree.get_element_by_id("relevant").text == "7"
    assert "待分类 1 条" in html

    levels = {row[0]: row[1:] for row in _table(tree, "by-level")}
    assert levels["特别重大"] == ["0", "0"]
    assert levels["重大或较大"] == ["2", "1"]
    assert levels["一般"] == ["1", "1"]  # the event first seen 11-19 20:10 is in the window
    assert levels["影响较小"] == ["3", "1"]
    assert levels["未分级"] == ["1", "—"]
    topics = dict(_table(tree, "by-topic"))
    assert topics == {"征地拆迁": "5", "生态环境": "1", "教育医疗": "1"}
    assert dict(_table(tree, "by-source")) == {"county-news": "6", "weibo-search": "1"}

    # every relevant item as 标题 + 链接, most severe level first
    order = [m.group(1) for m in re.finditer(r'id="level-(\d)"', html)]
    assert order == ["3", "2", "1", "0"]
    links = {a.text_content(): a.get("href") for a in tree.iter("a")}
    assert links["城关镇拆迁户聚集讨说法"] == "https://news.example.cn/yunxi/1.html"
    assert links["云溪一中食堂饭菜质量引家长不满"] == "https://news.example.cn/yunxi/4.html"
    assert links["窗口起点的一条"] == "https://news.example.cn/yunxi/9.html"
    assert "前一期日报的一条" not in html and "下一期日报的一条" not in html
    assert "云溪区美食节开幕" not in html  # not relevant: counted as collected, not listed
    assert html.index("城关镇拆迁现场视频流传") < html.index("白沙镇化工厂夜间偷排废水") < html.index("云溪一中食堂饭菜质量引家长不满")

    # open alerts with their step and clock; overdue, late and missed
    alerts = _table(tree, "open-alerts")
    titles = [t.text for t in tree.get_element_by_id("open-alerts").find_class("alert-title")]
    by_title = dict(zip(titles, alerts))
    assert set(by_title) == {"城关镇拆迁户聚集讨说法", "白沙镇化工厂夜间偷排", "东湖街道欠薪旧案"}
    assert by_title["城关镇拆迁户聚集讨说法"][3] == "4. 会商措施"
    assert by_title["城关镇拆迁户聚集讨说法"][5] == "剩余 4小时00分"
    assert by_title["白沙镇化工厂夜间偷排"][5] == "已超时 9小时00分"
    assert [r[1] for r in alerts] == ["重大或较大", "一般", "一般"]  # most severe first
    alert_links = {a.text_content(): a.get("href") for a in tree.get_element_by_id("open-alerts").iter("a")}
    assert alert_links["#1"] == "http://127.0.0.1:8080/alerts/1"  # the alert page in the web app
    assert tree.get_element_by_id("count-overdue").text == "2"
    assert tree.get_element_by_id("count-late").text == "1"
    assert "幸福社区停水三天" in tree.get_element_by_id("list-late").text_content()
    missed = tree.get_element_by_id("list-missed").text_content()
    assert tree.get_element_by_id("count-missed").text == "2"
    assert "东湖街道欠薪旧案" in missed and "白沙镇化工厂夜间偷排" in missed and "城关镇拆迁户聚集讨说法" not in missed
    assert "在办预警3件，其中已超时2件；迟报1件，漏报2件。" in html

    # archived, not late
    with office.sessions() as s:
        row = s.scalar(select(ReportRecord).where(ReportRecord.id == result.record_id))
    assert (row.kind, row.period, row.late) == ("digest", "2026-11-20", False)
    assert row.summary["relevant"] == 7 and row.summary["overdue"] == 2
    assert row.html_path == str(result.html.resolve())


def test_crawled_markup_is_escaped_and_bad_links_are_not_links(office, tmp_path):
    result = write_digest(office, DAY, tmp_path, now=AT_17)
    html = _html(result)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;城关镇拆迁" in html
    assert "javascript:" not in html  # the item is listed as text, without its link
    tree = lxml.html.fromstring(html)
    assert not tree.xpath("//script")
    assert XSS in tree.text_content()
    # the Word file keeps the title as text
    assert XSS in _docx_text(result.docx)


def test_docx_has_items_links_counts_alerts_and_charts(office, tmp_path):
    result = write_digest(office, DAY, tmp_path, now=AT_17)
    text = _docx_text(result.docx)
    assert "云溪县舆情日报" in text and "2026年11月20日（星期五）" in text
    for title in ("城关镇拆迁户聚集讨说法", "白沙镇化工厂夜间偷排废水", "云溪一中食堂饭菜质量引家长不满", "已分类未分级的一条"):
        assert title in text
    assert "前一期日报的一条" not in text and "下一期日报的一条" not in text
    assert "重大或较大 | 2 | 1" in text and "影响较小 | 3 | 1" in text
    assert "征地拆迁 | 5" in text
    assert "重大或较大 | 城关镇拆迁户聚集讨说法 | 会商措施" in text
    assert "剩余 4小时00分" in text and "已超时 9小时00分" in text
    assert "漏报（超过12小时时限未正面回复）：2件" in text and "迟报（超过时限才正面回复）：1件" in text
    assert "#4 [影响较小] 幸福社区停水三天" in text and "（已办结）" in text
    doc = Document(str(result.docx))
    # real hyperlinks: the URLs are external relationships of the document
    targets = {r.target_ref for r in doc.part.rels.values() if r.is_external}
    assert "https://news.example.cn/yunxi/1.html" in targets and "https://news.example.cn/yunxi/9.html" in targets
    assert not any(t.startswith("javascript:") for t in targets)
    assert len(doc.inline_shapes) == 3  # volume per hour, levels, topics
    # the national document layout (GB/T 9704): 仿宋 3号 body, 版心 156 × 225 mm, red 版头 with the 发文机关,
    # the title in 小标宋 2号, page numbers "— n —" at the outer edge
    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(f"{W}eastAsia") == "仿宋" and doc.styles["Normal"].font.size.pt == 16
    sec = doc.sections[0]
    assert (round(sec.top_margin.mm), round(sec.left_margin.mm)) == (37, 28)
    assert round(sec.page_width.mm - sec.left_margin.mm - sec.right_margin.mm) == 156
    assert round(sec.page_height.mm - sec.top_margin.mm - sec.bottom_margin.mm) == 225
    assert doc.paragraphs[0].text == "舆情日报" and doc.paragraphs[0].runs[0].font.color.rgb == RGBColor(0xC0, 0, 0)
    assert doc.paragraphs[1].text.startswith("云溪县网络舆情工作领导小组办公室\t")
    title = next(p for p in doc.paragraphs if p.style.name == "Title")
    assert title.text == "云溪县舆情日报" and doc.styles["Title"].font.size.pt == 22
    assert doc.styles["Title"].element.rPr.rFonts.get(f"{W}eastAsia") == "方正小标宋简体"
    odd, even = sec.footer.paragraphs[0], sec.even_page_footer.paragraphs[0]
    assert "PAGE" in odd._p.xml and odd.text == "—  —" and odd.alignment == 2 and even.alignment == 0


def test_charts_are_embedded_and_drawn_with_a_cjk_font(office, tmp_path):
    result = write_digest(office, DAY, tmp_path, now=AT_17)
    html = _html(result)
    assert len(result.charts) == 3
    for path in result.charts:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert html.count('src="data:image/png;base64,') == 3
    from matplotlib.ft2font import FT2Font

    font = reports_charts.cjk_font()
    drawn = 0
    for chart in result.data_charts:
        assert chart.texts
        for text, path, index in chart.texts:
            ft = FT2Font(path, face_index=index)
            assert ft.family_name == font.name  # the title's bold face included: never a Latin-only fallback
            for c in text:
                if not c.isspace():
                    assert ft.get_char_index(ord(c)) != 0, (text, c)  # glyph 0 is .notdef: the tofu box
                    drawn += ord(c) > 0x2E80
    assert drawn > 30  # titles, level and topic names, hour labels
    titles = {c.title for c in result.data_charts}
    assert titles == {"分时段舆情信息量", "各级别舆情信息条数", "各话题舆情信息条数"}
    level_texts = {t for c in result.data_charts if c.name == "levels" for t, _, _ in c.texts}
    assert {"重大或较大", "一般", "影响较小", "未分级"} <= level_texts


def test_the_chosen_font_draws_real_glyphs_where_a_latin_font_draws_boxes():
    """Render Chinese with the chart font and with DejaVu Sans (no CJK): only the former gives distinct glyphs."""
    import matplotlib
    import numpy as np

    font = reports_charts.cjk_font()
    text = "舆情日报云溪县特别重大"
    cjk = [reports_charts.render_text_bitmap(c, font.path, font.index) for c in text]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        notdef = reports_charts.render_text_bitmap("\U0010fffd", font.path, font.index)  # .notdef: the box
    for i, a in enumerate(cjk):
        assert a.sum() > 0
        assert a.shape != notdef.shape or not np.array_equal(a, notdef)
        for b in cjk[i + 1:]:
            assert a.shape != b.shape or not np.array_equal(a, b)
    dejavu = str(matplotlib.get_data_path()) + "/fonts/ttf/DejaVuSans.ttf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # matplotlib warns of each missing glyph: that is the point
        boxes = [reports_charts.render_text_bitmap(c, dejavu) for c in text]
    assert all(np.array_equal(boxes[0], b) for b in boxes)  # every character is the same box
    assert reports_charts.CjkFont("DejaVu Sans", dejavu, 0).missing(text) == set(text)
    assert font.missing(text) == set()


def test_a_missing_cjk_font_is_a_clear_error(monkeypatch):
    from yuqing.errors import YuqingError

    reports_charts.cjk_font.cache_clear()
    try:
        monkeypatch.setattr(reports_charts, "_font_entries", lambda: [])
        monkeypatch.setattr(reports_charts.font_manager, "_load_fontmanager", lambda try_read_cache: reports_charts.font_manager.fontManager)
        with pytest.raises(YuqingError, match="fonts-noto-cjk"):
            reports_charts.cjk_font()
    finally:
        reports_charts.cjk_font.cache_clear()


def test_empty_day_says_so(sqlite_deployment, tmp_path):
    Base.metadata.create_all(sqlite_deployment.engine)
    result = write_digest(sqlite_deployment, DAY, tmp_path, now=AT_17)
    html = _html(result)
    assert "本日未监测到涉及云溪县的舆情。" in html
    assert "无在办预警。" in html
    assert "本日未监测到涉及云溪县的舆情" in _docx_text(result.docx)
    assert len(result.charts) == 3 and all(p.stat().st_size > 1000 for p in result.charts)
    assert result.data.summary_lines()[0] == "本日未监测到涉及云溪县的舆情。"


def test_partial_digest_before_17_and_late_digest(office, tmp_path):
    early = write_digest(office, DAY, tmp_path, now=local(2026, 11, 20, 10, 0))
    html = _html(early)
    assert "（截至生成时）" in html and "11月20日 10:00" in html
    assert early.html.name == "digest-2026-11-20-partial-1000.html"
    assert "云溪一中食堂饭菜质量引家长不满" not in html  # published at 11:00, after the digest was written
    assert early.data.relevant == 3  # 11-19 17:00, 11-19 20:00, 11-20 09:05

    scheduled = AT_17.replace(second=0)
    late = write_digest(office, DAY, tmp_path, now=local(2026, 11, 21, 3, 10), scheduled_for=scheduled)
    assert late.late
    html = _html(late)
    assert "补发：本期日报原定于 11月20日 17:00 生成，实际生成于 11月21日 03:10" in html
    assert late.data.relevant == 7  # the same window as on time
    with office.sessions() as s:
        row = s.get(ReportRecord, late.record_id)
        assert row.late and row.scheduled_for == scheduled and row.note.startswith("补发")


def test_digest_command(office, tmp_path, capsys):
    import yaml

    from yuqing.cli import main

    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(office.config.model_dump(mode="json", exclude={"path"}), allow_unicode=True), encoding="utf-8")
    rc = main(["--config", str(path), "digest", "--date", "2026-11-20", "--out", str(tmp_path / "cli")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "云溪县舆情日报 2026-11-20" in out and "共监测到涉及云溪县的舆情信息7条" in out
    assert (tmp_path / "cli" / "digest-2026-11-20.html").is_file() and (tmp_path / "cli" / "digest-2026-11-20.docx").is_file()
    rc = main(["--config", str(path), "digest", "--date", "20.11.2026"])
    assert rc == 1 and "--date must be YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.elasticsearch
def test_the_same_digest_from_elasticsearch(sqlite_deployment, tmp_path):
    """Counts, items and the hourly curve come through the post store: Elasticsearch gives the same digest as SQL."""
    import os
    import uuid

    from conftest import make_config
    from yuqing.reports.sample import populate
    from yuqing.deployment import Deployment

    url = os.environ.get("YUQING_TEST_ES_URL")
    if not url:
        pytest.skip("Elasticsearch not configured: set YUQING_TEST_ES_URL (scripts/services.sh starts a node)")
    cfg = make_config(tmp_path / "es", storage={"data_dir": str(tmp_path / "es" / "data"), "posts": "elasticsearch",
                                                "elasticsearch": {"hosts": [url], "index_prefix": f"yuqing-test-{uuid.uuid4().hex[:10]}"}})
    es = Deployment.open(cfg)
    try:
        results = []
        for dep in (sqlite_deployment, es):
            Base.metadata.create_all(dep.engine)
            populate(dep, local(2026, 11, 19), days=2, posts_per_day=150, seed=5, now=AT_17)
            results.append(write_digest(dep, DAY, tmp_path / dep.posts.name, now=AT_17).data)
        sql, els = results
        assert sql.relevant > 50 and sql.counts() == els.counts()
        assert sql.by_topic == els.by_topic and sql.by_source == els.by_source and sql.hourly == els.hourly
        assert [(i.title, i.url) for g in sql.groups for i in g.items] == [(i.title, i.url) for g in els.groups for i in g.items]
    finally:
        es.posts.drop_all()
        es.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_digest_is_sent_with_its_files_and_the_sending_is_archived(tmp_path, monkeypatch):
    """A real SMTP server and a real webhook receiver on 127.0.0.1; a third channel is down."""
    import email
    import email.policy
    import json

    from conftest import make_config
    from test_alerts_support import HttpSink, SmtpSink, free_port
    from yuqing.alerts import notify
    from yuqing.deployment import Deployment

    monkeypatch.setattr(notify, "BACKOFF_SECONDS", 0.01)
    smtp, hook = SmtpSink(), HttpSink()
    channels = [
        {"name": "office-mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
         "mail_from": "yuqing@yunxi.example.cn", "mail_to": ["office@yunxi.example.cn"], "audience": ["领导小组办公室"]},
        {"name": "leaders-hook", "kind": "webhook", "url": f"{hook.url}/hook", "audience": ["领导小组"]},
        {"name": "down", "kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/x", "audience": ["领导小组"], "retries": 1},
        {"name": "duty-only", "kind": "webhook", "url": f"{hook.url}/duty", "audience": ["值班"], "duty_only": True},
    ]
    dep = Deployment.open(make_config(tmp_path, notifications={"base_url": "https://yq.yunxi.example.cn", "channels": channels}))
    try:
        Base.metadata.create_all(dep.engine)
        dep.posts.add([post(1, "城关镇拆迁户聚集讨说法", local(2026, 11, 20, 9, 5), level=3)])
        result = write_digest(dep, DAY, tmp_path / "out", now=AT_17, send=True)
        assert {d["channel"]: d["status"] for d in result.deliveries} == {
            "office-mail": "sent", "leaders-hook": "sent", "down": "failed"}
        [mail] = smtp.messages
        msg = email.message_from_bytes(mail["data"], policy=email.policy.default)
        assert msg["Subject"] == "【舆情日报】云溪县 2026年11月20日" and mail["to"] == ["office@yunxi.example.cn"]
        files = {part.get_filename(): part for part in msg.iter_attachments()}
        assert set(files) == {"digest-2026-11-20.html", "digest-2026-11-20.docx"}
        assert "城关镇拆迁户聚集讨说法" in files["digest-2026-11-20.html"].get_content()
        assert files["digest-2026-11-20.docx"].get_content() == result.docx.read_bytes()
        assert "共监测到涉及云溪县的舆情信息1条" in msg.get_body(("plain",)).get_content()
        [req] = hook.requests
        body = json.loads(req["body"])
        assert req["path"] == "/hook" and body["subject"] == "【舆情日报】云溪县 2026年11月20日" and body["kind"] == "digest"
        assert f"https://yq.yunxi.example.cn/reports/{result.record_id}" in json.dumps(body)
        with dep.sessions() as s:
            row = s.get(ReportRecord, result.record_id)
            assert row.sent_at is not None and len(row.deliveries) == 3
    finally:
        dep.close()
        smtp.close()
        hook.close()
