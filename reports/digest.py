"""The daily digest (舆情日报), written every day at 17:00 Asia/Shanghai.

**Which posts a digest covers.** The digest dated D covers the 24 hours since
the previous digest: from D−1 at ``schedule.digest_time`` (17:00) to D at
17:00, local time. Every post therefore appears in exactly one digest — a
post published at 20:00 is in the next day's — which a calendar-day window
(00:00–24:00) cannot give to a report produced at 17:00. A digest written
before its 17:00 (``yuqing digest`` at 10:00) covers the window up to the
moment it was written and says so (截至 10:00).

A post belongs to the window by its time: published if known, else fetched
(the store's notion of a post's time). Items are the posts classified as
relevant; the header also gives everything collected and what is still
waiting for classification.

What it holds: the locality and the date; counts by level, topic and source;
every item as 标题 + 链接 grouped by level, most severe first; the open alerts
with their step and the 12-hour clock; late replies (迟报: replied after the
deadline) and missed ones (漏报: the deadline passed with no reply), as in the
ledger (:mod:`yuqing.alerts.clock`); charts (volume
per hour, levels, topics). It is written as self-contained HTML (charts
embedded) and as a Word document, recorded in the report archive, and sent
over the configured channels. A digest the scheduler produced after its time
(the machine was off at 17:00) is marked 补发.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from yuqing.reports import charts
from yuqing.reports.common import (
    AlertState,
    alerts_as_of,
    archive,
    at_local,
    docx_document,
    docx_hyperlink,
    docx_table,
    docx_text,
    events_first_seen,
    fmt_date,
    fmt_duration,
    fmt_time,
    iter_posts,
    jinja_env,
    level_counts,
    local,
    output_dir,
    post_title,
    safe_url,
    send_report,
    source_counts,
    source_label,
    topic_counts,
    utc,
)
from sqlalchemy import select

from yuqing.models import Event, utcnow
from yuqing.store import PostQuery

log = logging.getLogger(__name__)

#: at most this many items are listed (the counts always cover everything); the rest are searchable in the web app
MAX_ITEMS = 3000
#: a scheduled digest produced this long after its time is marked 补发
LATE_AFTER = timedelta(minutes=10)
WEEKDAYS = "一二三四五六日"


@dataclass
class DigestItem:
    time: datetime  # local
    title: str
    url: str | None
    source: str
    topic: str
    level: int  # 0 = not graded yet
    event_id: int | None
    interactions: int


@dataclass
class EventGroup:
    """The items of one event (or, with ``event_id`` None, items not grouped into an event)."""

    event_id: int | None
    title: str
    items: list[DigestItem] = field(default_factory=list)


@dataclass
class LevelGroup:
    level: int
    label: str
    count: int
    events: list[EventGroup] = field(default_factory=list)

    @property
    def items(self) -> list[DigestItem]:
        return [i for e in self.events for i in e.items]

    @property
    def listed(self) -> int:
        return sum(len(e.items) for e in self.events)

    @property
    def unlisted(self) -> int:
        return self.count - self.listed


@dataclass
class DigestData:
    locality: str
    day: date
    window_start: datetime  # local
    window_end: datetime  # local (the as-of moment for a partial digest)
    generated_at: datetime  # local
    partial: bool
    collected: int
    relevant: int
    unclassified: int
    by_level: list[tuple[int, str, int]]
    by_topic: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    new_events: dict[int, int]  # level → events first seen in the window
    groups: list[LevelGroup]
    open_alerts: list[AlertState]
    overdue: list[AlertState]
    late_replies: list[AlertState]
    missed: list[AlertState]
    found_late: list[AlertState] = field(default_factory=list)  # 发现滞后, counted apart
    late: bool = False
    scheduled_for: datetime | None = None  # local
    hourly: list[tuple[datetime, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.relevant == 0

    @property
    def empty_text(self) -> str:
        return f"本日未监测到涉及{self.locality}的舆情。"

    @property
    def title(self) -> str:
        return f"{self.locality}舆情日报"

    @property
    def date_text(self) -> str:
        return f"{fmt_date(self.day)}（星期{WEEKDAYS[self.day.weekday()]}）"

    @property
    def window_text(self) -> str:
        s, e = self.window_start, self.window_end
        end = f"{e.month}月{e.day}日 {e:%H:%M}"
        return f"{s.month}月{s.day}日 {s:%H:%M} 至 {end}" + ("（截至生成时）" if self.partial else "")

    @property
    def late_text(self) -> str:
        if not self.late or self.scheduled_for is None:
            return ""
        return (
            f"补发：本期日报原定于 {self.scheduled_for:%m月%d日 %H:%M} 生成，"
            f"实际生成于 {self.generated_at:%m月%d日 %H:%M}（错过原定时间，系统恢复后补发）。"
        )

    def summary_lines(self) -> list[str]:
        """The digest in a few lines: the message text of the notification."""
        if self.empty:
            lines = [self.empty_text]
        else:
            levels = "，".join(f"{label}{n}条" for v, label, n in self.by_level if n)
            lines = [f"共监测到涉及{self.locality}的舆情信息{self.relevant}条（{levels}）。"]
            top = "、".join(f"{t}{n}条" for t, n in self.by_topic[:3])
            if top:
                lines.append(f"主要话题：{top}。")
        lines.append(
            f"在办预警{len(self.open_alerts)}件，其中已超时{len(self.overdue)}件；"
            f"迟报{len(self.late_replies)}件，漏报{len(self.missed)}件"
            + (f"；发现滞后（发现时已过时限，不计迟报漏报）{len(self.found_late)}件" if self.found_late else "") + "。"
        )
        if self.late:
            lines.append(self.late_text)
        return lines

    def counts(self) -> dict:
        return {
            "collected": self.collected,
            "relevant": self.relevant,
            "levels": {label: n for _, label, n in self.by_level},
            "open_alerts": len(self.open_alerts),
            "overdue": len(self.overdue),
            "late_replies": len(self.late_replies),
            "missed": len(self.missed),
            "found_late": len(self.found_late),
        }


@dataclass
class DigestResult:
    html: Path
    docx: Path
    charts: list[Path]
    record_id: int
    data: DigestData
    late: bool = False
    deliveries: list[dict] = field(default_factory=list)
    #: the rendered charts, with the texts drawn and their fonts
    data_charts: list[charts.Chart] = field(default_factory=list)


def digest_window(cfg, day: date) -> tuple[datetime, datetime]:
    """[D−1 17:00, D 17:00) in the deployment's zone, for the digest dated ``day``."""
    end = at_local(day, cfg.schedule.digest_time, cfg)
    start = at_local(day - timedelta(days=1), cfg.schedule.digest_time, cfg)
    return start, end


def digest_day_for(cfg, moment: datetime) -> date:
    """The digest a moment belongs to: after 17:00 it is tomorrow's."""
    t = local(moment, cfg)
    _, end = digest_window(cfg, t.date())
    return t.date() if t < end else t.date() + timedelta(days=1)


def collect(deployment, day: date, now: datetime | None = None) -> DigestData:
    """Read what the digest for ``day`` says, from the store and the alerts."""
    cfg = deployment.config
    store = deployment.posts
    now = now or utcnow()
    start, end = digest_window(cfg, day)
    partial = now < end
    as_of = local(min(now, end), cfg)
    window_all = PostQuery(since=utc(start), until=utc(as_of) + timedelta(microseconds=1) if partial else utc(end))
    relevant_q = PostQuery(**{**window_all.__dict__, "relevant": True})

    collected = store.count(window_all)
    relevant = store.count(relevant_q)
    unclassified = collected - relevant - store.count(PostQuery(**{**window_all.__dict__, "relevant": False}))
    by_level = level_counts(store, relevant_q)
    by_topic = topic_counts(store, relevant_q, cfg)
    by_source = source_counts(store, relevant_q, cfg)

    by_event: dict[int, dict[int | None, list[DigestItem]]] = {v: {} for v, _, _ in by_level}
    listed = 0
    for p in iter_posts(store, relevant_q):
        if listed >= MAX_ITEMS:
            break
        level = p.level if p.level in by_event else 0
        by_event[level].setdefault(p.event_id, []).append(
            DigestItem(
                time=local(p.when, cfg),
                title=post_title(p),
                url=safe_url(p.url),
                source=source_label(cfg, p.source),
                topic=p.topic or "",
                level=p.level or 0,
                event_id=p.event_id,
                interactions=p.interactions,
            )
        )
        listed += 1
    event_ids = {e for groups in by_event.values() for e in groups if e is not None}
    with deployment.sessions() as s:
        titles = dict(s.execute(select(Event.id, Event.title).where(Event.id.in_(event_ids))).all()) if event_ids else {}
    ordered = []
    for v, label, n in by_level:
        group = LevelGroup(v, label, n)
        for event_id, items in by_event[v].items():
            items.sort(key=lambda i: i.time, reverse=True)  # newest first within an event
            title = titles.get(event_id) or ("未归入事件" if event_id is None else f"事件 #{event_id}")
            group.events.append(EventGroup(event_id, title, items))
        # the event with the most items first; items outside any event last
        group.events.sort(key=lambda e: (e.event_id is None, -len(e.items), -(e.items[0].time.timestamp())))
        ordered.append(group)

    hist = dict(store.histogram("hour", relevant_q, tz=cfg.timezone))
    hourly = []
    t = start.replace(minute=0)
    while t < end:
        hourly.append((t, hist.get(t, 0)))
        t += timedelta(hours=1)

    with deployment.sessions() as s:
        alerts = alerts_as_of(s, as_of, since=start)
        new_events: dict[int, int] = {}
        for ev in events_first_seen(s, utc(start), utc(as_of) + timedelta(microseconds=1)):
            new_events[ev.level] = new_events.get(ev.level, 0) + 1
    open_alerts = [a for a in alerts if a.state == "open"]
    overdue = [a for a in open_alerts if a.overdue]
    late_replies = [a for a in alerts if a.late_reply and a.replied_at >= start]
    missed = [a for a in alerts if a.missed]
    found_late = [a for a in alerts if a.found_late and a.created_at >= start]
    for a in {id(x): x for x in open_alerts + late_replies + missed}.values():
        if not a.links:
            from yuqing.reports.common import event_links

            a.links = event_links(store, a.event_id)

    return DigestData(
        locality=cfg.locality.name,
        day=day,
        window_start=start,
        window_end=as_of if partial else end,
        generated_at=local(now, cfg),
        partial=partial,
        collected=collected,
        relevant=relevant,
        unclassified=max(unclassified, 0),
        by_level=by_level,
        by_topic=by_topic,
        by_source=by_source,
        new_events=new_events,
        groups=ordered,
        open_alerts=open_alerts,
        overdue=overdue,
        late_replies=late_replies,
        missed=missed,
        hourly=hourly,
        found_late=found_late,
    )


def draw_charts(data: DigestData, out: Path, stem: str) -> list[charts.Chart]:
    levels = [(v, label, n) for v, label, n in data.by_level if v or n]  # 未分级 only when there are some
    return [
        charts.time_chart(
            out / f"{stem}-hourly.png",
            "分时段舆情信息量",
            [(f"{t:%H}时", n) for t, n in data.hourly],
            empty_text=data.empty_text,
            label_every=2,
            name="hourly",
        ),
        charts.bar_chart(
            out / f"{stem}-levels.png",
            "各级别舆情信息条数",
            [label for _, label, _ in levels],
            [n for _, _, n in levels],
            colours=[charts.LEVEL_COLOURS[v] for v, _, _ in levels],
            empty_text=data.empty_text,
            name="levels",
        ),
        charts.bar_chart(
            out / f"{stem}-topics.png",
            "各话题舆情信息条数",
            [t for t, _ in data.by_topic],
            [n for _, n in data.by_topic],
            empty_text=data.empty_text,
            name="topics",
        ),
    ]


def render_html(data: DigestData, chart_list: list[charts.Chart], cfg) -> str:
    env = jinja_env()
    return env.get_template("digest.html").render(
        d=data,
        charts=chart_list,
        fmt_time=lambda t: fmt_time(t, cfg),
        fmt_duration=fmt_duration,
        level_colours=charts.LEVEL_COLOURS,
        reply_hours=cfg.alerts.reply_hours,
        generated_at_text=f"{data.generated_at:%Y-%m-%d %H:%M}",
        alert_link=lambda a: safe_url(f"{cfg.notifications.base_url.rstrip('/')}/alerts/{a.id}"),
    )


def render_docx(data: DigestData, chart_list: list[charts.Chart], cfg, path: Path) -> None:
    from docx.shared import Cm

    doc = docx_document(data.title, issuer=cfg.issuer, masthead="舆情日报",
                        date_text=f"{data.window_end:%Y}年{data.window_end.month}月{data.window_end.day}日")
    p = doc.add_paragraph()
    docx_text(p, data.date_text, bold=True)
    docx_text(p, f"　统计时段：{data.window_text}（北京时间）")
    if data.late:
        docx_text(doc.add_paragraph(), data.late_text, bold=True)

    doc.add_heading("一、总体情况", level=1)
    for line in data.summary_lines():
        doc.add_paragraph(line)
    doc.add_paragraph(
        f"采集信息{data.collected}条，其中相关{data.relevant}条"
        + (f"，待分类{data.unclassified}条" if data.unclassified else "")
        + "。"
    )
    doc.add_heading("按级别", level=2)
    docx_table(
        doc,
        ["级别", "信息条数", "新增事件"],
        [(label, n, data.new_events.get(v, 0) if v else "—") for v, label, n in data.by_level if v or n],
    )
    doc.add_heading("按话题", level=2)
    docx_table(doc, ["话题", "信息条数"], data.by_topic or [("—", 0)])
    doc.add_heading("按来源", level=2)
    docx_table(doc, ["来源", "信息条数"], data.by_source or [("—", 0)])

    doc.add_heading("二、舆情信息（按级别）", level=1)
    if data.empty:
        doc.add_paragraph(data.empty_text)
    for g in data.groups:
        if not g.count:
            continue
        doc.add_heading(f"{g.label}（{g.count}条）", level=2)
        n = 0
        for e in g.events:
            docx_text(doc.add_paragraph(), f"{e.title}（{len(e.items)}条）", bold=True)
            for item in e.items:
                n += 1
                para = doc.add_paragraph()
                docx_text(para, f"{n}. ")
                if item.url:
                    docx_hyperlink(para, item.url, item.title)
                else:
                    docx_text(para, item.title)
                meta = f"　{item.source}　{item.time:%m-%d %H:%M}"
                if item.topic:
                    meta += f"　{item.topic}"
                docx_text(para, meta)
                if item.url:
                    docx_text(para, f"\n{item.url}")
        if g.unlisted:
            doc.add_paragraph(f"另有{g.unlisted}条未列出，请在系统中检索。")

    doc.add_heading("三、在办预警", level=1)
    if not data.open_alerts:
        doc.add_paragraph("无在办预警。")
    else:
        docx_table(
            doc,
            ["编号", "级别", "标题", "当前步骤", "发现时间", f"{cfg.alerts.reply_hours:g}小时时限"],
            [
                (f"#{a.id}", a.level.label, a.title, a.step.label, fmt_time(a.issue_started_at, cfg), a.clock_text())
                for a in data.open_alerts
            ],
        )

    doc.add_heading("四、迟报与漏报", level=1)
    sections = [
        (f"漏报（超过{cfg.alerts.reply_hours:g}小时时限未正面回复）", data.missed),
        ("迟报（超过时限才正面回复）", data.late_replies),
    ]
    for label, rows in sections:
        doc.add_heading(f"{label}：{len(rows)}件", level=2)
        for a in rows:
            doc.add_paragraph(
                f"#{a.id} [{a.level.label}] {a.title}　时限 {fmt_time(a.deadline_at, cfg)}　{a.clock_text()}"
                + ("（已办结）" if a.state != "open" else ""),
                style="List Bullet",
            )

    doc.add_heading("五、图表", level=1)
    for c in chart_list:
        doc.add_picture(str(c.path), width=Cm(15.5))  # within the 156 mm 版心
    foot = doc.add_paragraph()
    docx_text(foot, f"生成时间：{data.generated_at:%Y-%m-%d %H:%M}（北京时间）　yuqing 舆情监测系统")
    doc.save(str(path))


def write_digest(
    deployment,
    day: date,
    out_dir: Path | None = None,
    *,
    now: datetime | None = None,
    send: bool = False,
    scheduled_for: datetime | None = None,
    late: bool | None = None,
    generated_by: str = "system",
) -> DigestResult:
    """Write the digest dated ``day`` as HTML and DOCX, archive it, and optionally send it.

    ``scheduled_for`` is the time the scheduler meant to run it; when the digest is
    produced more than :data:`LATE_AFTER` later (or ``late`` says so) it is marked 补发.
    """
    cfg = deployment.config
    now = now or utcnow()
    data = collect(deployment, day, now=now)
    if scheduled_for is not None:
        data.scheduled_for = local(scheduled_for, cfg)
        data.late = late if late is not None else (now - scheduled_for) > LATE_AFTER
    elif late:
        data.late = True
    out = output_dir(deployment, "digest", out_dir)
    stem = f"digest-{day.isoformat()}" + (f"-partial-{data.generated_at:%H%M}" if data.partial else "")
    chart_list = draw_charts(data, out, stem)
    html_path = out / f"{stem}.html"
    docx_path = out / f"{stem}.docx"
    html_path.write_text(render_html(data, chart_list, cfg), encoding="utf-8")
    render_docx(data, chart_list, cfg, docx_path)
    record_id = archive(
        deployment,
        kind="digest",
        period=day.isoformat(),
        window_start=data.window_start,
        window_end=data.window_end,
        generated_at=now,
        generated_by=generated_by,
        html_path=str(html_path.resolve()),
        docx_path=str(docx_path.resolve()),
        charts=[str(c.path.resolve()) for c in chart_list],
        summary=data.counts(),
        scheduled_for=scheduled_for,
        late=data.late,
        note=data.late_text or ("截至生成时的部分日报" if data.partial else ""),
    )
    log.info("digest %s written: %s, %s (%d relevant posts)", day, html_path, docx_path, data.relevant)
    result = DigestResult(
        html=html_path, docx=docx_path, charts=[c.path for c in chart_list], record_id=record_id, data=data, late=data.late,
        data_charts=chart_list,
    )
    if send:
        subject = f"【舆情日报】{data.locality} {fmt_date(day)}" + ("（补发）" if data.late else "")
        result.deliveries = send_report(
            deployment, record_id, subject, "\n".join(data.summary_lines()), [html_path, docx_path], kind="digest", at=now
        )
    return result
