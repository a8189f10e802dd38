"""The monthly report (月报): the month's 舆情 compared with the month before.

The month is the local calendar month (Asia/Shanghai), 1st 00:00 to the next
1st 00:00. The report gives:

- volumes: posts collected and relevant, per day (with the previous month's
  line on the same chart), the change against the previous month;
- topics and levels (posts, and events first seen in the month), each with the
  previous month beside it;
- response against the 12-hour clock for alerts whose issue arose in the month:
  time to 快报 (step 3) and to 正面回复 (step 6) — median, mean, 90th percentile
  — and the share replied within the clock, overall and per level;
- late replies (迟报) and missed ones (漏报: no reply by the deadline), still-open overdue ones;
- follow-ups: alerts that looped back from 跟踪引导 to 会商 (step-7 rounds);
- sources.

Counts come from the post store's aggregations (``count``, ``counts_by``,
``histogram``), so a month of 100,000 posts is never loaded into memory.
Alert figures are as they stood when the report was written (or at the end of
the month for a month long past).
"""
from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from yuqing.reports import charts
from yuqing.reports.common import (
    AlertState,
    alerts_found_between,
    archive,
    docx_document,
    docx_table,
    docx_text,
    events_first_seen,
    fmt_duration,
    fmt_time,
    jinja_env,
    level_counts,
    local,
    month_window,
    output_dir,
    parse_month,
    previous_month,
    send_report,
    source_counts,
    topic_counts,
    utc,
)
from yuqing.domain import Level
from yuqing.models import utcnow
from yuqing.store import PostQuery

log = logging.getLogger(__name__)


@dataclass
class ResponseStats:
    """Response times of a set of alerts against the reply clock."""

    alerts: int
    reported: int
    replied: int
    within: int  # replied within the clock
    report_median_h: float | None
    report_mean_h: float | None
    reply_median_h: float | None
    reply_mean_h: float | None
    reply_p90_h: float | None

    @property
    def within_share(self) -> float | None:
        """Share of alerts whose clock has run out or stopped that were answered in time."""
        return None if not self.alerts else self.within / self.alerts

    @property
    def within_text(self) -> str:
        s = self.within_share
        return "—" if s is None else f"{s:.0%}"


def response_stats(rows: list[AlertState]) -> ResponseStats:
    def hours(deltas):
        return [d.total_seconds() / 3600 for d in deltas if d is not None]

    # an alert counts once its clock has decided: replied, or the deadline has passed
    decided = [a for a in rows if (a.replied or a.deadline_at <= a.as_of) and not a.found_late]
    report = hours(a.time_to_report for a in rows)
    reply = sorted(hours(a.time_to_reply for a in rows))

    def p90(xs):
        return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))] if xs else None

    return ResponseStats(
        alerts=len(decided),
        reported=len(report),
        replied=len(reply),
        within=sum(1 for a in decided if a.replied and a.replied_at <= a.deadline_at),
        report_median_h=statistics.median(report) if report else None,
        report_mean_h=statistics.fmean(report) if report else None,
        reply_median_h=statistics.median(reply) if reply else None,
        reply_mean_h=statistics.fmean(reply) if reply else None,
        reply_p90_h=p90(reply),
    )


@dataclass
class MonthFigures:
    """One month's numbers (the report's month, or the one before for comparison)."""

    month: str
    start: datetime
    end: datetime
    as_of: datetime
    collected: int
    relevant: int
    daily: list[tuple[date, int]]
    by_level: list[tuple[int, str, int]]
    by_topic: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    events_by_level: dict[int, int]
    events: int
    alerts: list[AlertState]
    response: ResponseStats
    response_by_level: dict[int, ResponseStats]

    @property
    def overdue(self) -> list[AlertState]:
        return [a for a in self.alerts if a.overdue]

    @property
    def late_replies(self) -> list[AlertState]:
        return [a for a in self.alerts if a.late_reply]

    @property
    def missed(self) -> list[AlertState]:
        return [a for a in self.alerts if a.missed]

    @property
    def found_late(self) -> list[AlertState]:
        """发现滞后: found only after the deadline had passed (neither 迟报 nor 漏报 of the office)."""
        return [a for a in self.alerts if a.found_late]

    @property
    def follow_ups(self) -> list[AlertState]:
        return [a for a in self.alerts if a.follow_up_round > 0]

    def level_count(self, v: int) -> int:
        return next((n for lv, _, n in self.by_level if lv == v), 0)


def month_figures(deployment, month: str, now: datetime) -> MonthFigures:
    cfg = deployment.config
    store = deployment.posts
    start, end = month_window(month, cfg)
    as_of = local(min(now, end), cfg)
    all_q = PostQuery(since=utc(start), until=utc(end))
    rel_q = PostQuery(since=utc(start), until=utc(end), relevant=True)
    hist = {t.date(): n for t, n in store.histogram("day", rel_q, tz=cfg.timezone)}
    daily, d = [], start.date()
    while d < end.date():
        daily.append((d, hist.get(d, 0)))
        d += timedelta(days=1)
    with deployment.sessions() as s:
        events = events_first_seen(s, utc(start), utc(end))
        alerts = alerts_found_between(s, utc(start), utc(end), as_of)
    events_by_level: dict[int, int] = {}
    for ev in events:
        events_by_level[ev.level] = events_by_level.get(ev.level, 0) + 1
    return MonthFigures(
        month=month,
        start=start,
        end=end,
        as_of=as_of,
        collected=store.count(all_q),
        relevant=store.count(rel_q),
        daily=daily,
        by_level=level_counts(store, rel_q),
        by_topic=topic_counts(store, rel_q, cfg),
        by_source=source_counts(store, rel_q, cfg),
        events_by_level=events_by_level,
        events=len(events),
        alerts=alerts,
        response=response_stats(alerts),
        response_by_level={int(lv): response_stats([a for a in alerts if a.level == lv]) for lv in Level.descending()},
    )


def change_text(now: int | float | None, before: int | float | None) -> str:
    """``+25%`` / ``-10%`` / ``持平`` / ``新增`` against the previous month."""
    if now is None or before is None:
        return "—"
    if before == 0:
        return "新增" if now else "持平"
    ratio = (now - before) / before
    if abs(ratio) < 0.005:
        return "持平"
    return f"{ratio:+.0%}"


@dataclass
class MonthlyData:
    locality: str
    month: str
    generated_at: datetime
    current: MonthFigures
    previous: MonthFigures
    reply_hours: float

    @property
    def title(self) -> str:
        y, m = parse_month(self.month)
        return f"{self.locality}舆情月报（{y}年{m}月）"

    @property
    def month_text(self) -> str:
        y, m = parse_month(self.month)
        return f"{y}年{m}月"

    @property
    def previous_text(self) -> str:
        y, m = parse_month(self.previous.month)
        return f"{y}年{m}月"

    @property
    def partial(self) -> bool:
        return self.current.as_of < self.current.end

    @property
    def empty(self) -> bool:
        return self.current.relevant == 0 and not self.current.alerts

    @property
    def empty_text(self) -> str:
        return f"本月未监测到涉及{self.locality}的舆情。"

    def topic_rows(self) -> list[tuple[str, int, int, str]]:
        prev = dict(self.previous.by_topic)
        cur = dict(self.current.by_topic)
        names = [t for t, _ in self.current.by_topic] + [t for t, _ in self.previous.by_topic if t not in cur]
        return [(t, cur.get(t, 0), prev.get(t, 0), change_text(cur.get(t, 0), prev.get(t, 0))) for t in names]

    def level_rows(self) -> list[tuple[int, str, int, int, str, int, int]]:
        """(level, label, posts, posts before, change, events, events before)."""
        out = []
        for v, label, n in self.current.by_level:
            before = self.previous.level_count(v)
            if not v and not n and not before:
                continue
            out.append(
                (v, label, n, before, change_text(n, before), self.current.events_by_level.get(v, 0),
                 self.previous.events_by_level.get(v, 0))
            )
        return out

    def summary_lines(self) -> list[str]:
        c, p = self.current, self.previous
        if self.empty:
            lines = [self.empty_text]
        else:
            lines = [
                f"{self.month_text}共监测到涉及{self.locality}的舆情信息{c.relevant}条，"
                f"较上月（{p.relevant}条）{_change_words(c.relevant, p.relevant)}；"
                f"形成事件{c.events}个，触发预警{len(c.alerts)}件。"
            ]
            if c.by_topic:
                lines.append("主要话题：" + "、".join(f"{t}{n}条" for t, n in c.by_topic[:3]) + "。")
        r = c.response
        if r.alerts:
            lines.append(
                f"{r.alerts}件预警中{r.within}件在{self.reply_hours:g}小时内正面回复（{r.within_text}，上月{p.response.within_text}）；"
                f"快报用时中位数{_h(r.report_median_h)}，回复用时中位数{_h(r.reply_median_h)}。"
            )
        lines.append(
            f"迟报{len(c.late_replies)}件，漏报{len(c.missed)}件（其中仍在办{len(c.overdue)}件），"
            + (f"发现滞后（发现时已过时限，不计迟报漏报）{len(c.found_late)}件，" if c.found_late else "")
            + f"跟踪引导中再次会商{len(c.follow_ups)}件。"
        )
        return lines

    def counts(self) -> dict:
        c = self.current
        return {
            "collected": c.collected,
            "relevant": c.relevant,
            "previous_relevant": self.previous.relevant,
            "events": c.events,
            "alerts": len(c.alerts),
            "within_12h": c.response.within,
            "decided": c.response.alerts,
            "overdue": len(c.overdue),
            "late_replies": len(c.late_replies),
            "missed": len(c.missed),
            "found_late": len(c.found_late),
            "follow_ups": len(c.follow_ups),
        }


def _h(hours: float | None) -> str:
    return "—" if hours is None else f"{hours:.1f}小时"


def _change_words(now: int, before: int) -> str:
    t = change_text(now, before)
    if t in ("持平", "—"):
        return t
    if t == "新增":
        return "有所增加"
    return ("增长" if now > before else "下降") + t.lstrip("+-")


def collect_monthly(deployment, month: str, now: datetime | None = None) -> MonthlyData:
    now = now or utcnow()
    cfg = deployment.config
    parse_month(month)
    month = "%04d-%02d" % parse_month(month)
    current = month_figures(deployment, month, now)
    previous = month_figures(deployment, previous_month(month), now)
    return MonthlyData(
        locality=cfg.locality.name,
        month=month,
        generated_at=local(now, cfg),
        current=current,
        previous=previous,
        reply_hours=cfg.alerts.reply_hours,
    )


def draw_monthly_charts(data: MonthlyData, out: Path, stem: str) -> list[charts.Chart]:
    c, p = data.current, data.previous
    prev_by_day = [n for _, n in p.daily]
    levels = [row for row in data.level_rows()]
    topics = data.topic_rows()
    return [
        charts.time_chart(
            out / f"{stem}-daily.png",
            "每日舆情信息量（与上月同日对比）",
            [(f"{d.day}日", n) for d, n in c.daily],
            previous=[(str(i), n) for i, n in enumerate(prev_by_day)],
            previous_label=f"上月（{data.previous_text}）",
            current_label=f"本月（{data.month_text}）",
            empty_text=data.empty_text,
            label_every=3,
            name="daily",
        ),
        charts.bar_chart(
            out / f"{stem}-levels.png",
            "各级别舆情信息条数（本月与上月）",
            [r[1] for r in levels],
            [r[2] for r in levels],
            previous=[r[3] for r in levels],
            colours=[charts.LEVEL_COLOURS[r[0]] for r in levels],
            current_label="本月",
            previous_label="上月",
            empty_text=data.empty_text,
            name="levels",
        ),
        charts.bar_chart(
            out / f"{stem}-topics.png",
            "各话题舆情信息条数（本月与上月）",
            [r[0] for r in topics],
            [r[1] for r in topics],
            previous=[r[2] for r in topics],
            current_label="本月",
            previous_label="上月",
            empty_text=data.empty_text,
            name="topics",
        ),
        charts.bar_chart(
            out / f"{stem}-response.png",
            f"各级别{data.reply_hours:g}小时内正面回复（件）",
            [lv.label for lv in Level.descending()],
            [c.response_by_level[int(lv)].within for lv in Level.descending()],
            previous=[c.response_by_level[int(lv)].alerts for lv in Level.descending()],
            current_label="时限内回复",
            previous_label="应回复",
            unit="件",
            empty_text="本月无预警",
            name="response",
        ),
    ]


def render_monthly_html(data: MonthlyData, chart_list, cfg) -> str:
    return jinja_env().get_template("monthly.html").render(
        d=data,
        c=data.current,
        p=data.previous,
        charts=chart_list,
        levels=Level.descending(),
        fmt_time=lambda t: fmt_time(t, cfg),
        fmt_duration=fmt_duration,
        h=_h,
        change=change_text,
        level_colours=charts.LEVEL_COLOURS,
        generated_at_text=f"{data.generated_at:%Y-%m-%d %H:%M}",
    )


def render_monthly_docx(data: MonthlyData, chart_list, cfg, path: Path) -> None:
    from docx.shared import Cm

    c, p = data.current, data.previous
    doc = docx_document(data.title, issuer=cfg.issuer, masthead="舆情月报",
                        date_text=f"{data.generated_at:%Y}年{data.generated_at.month}月{data.generated_at.day}日")
    para = doc.add_paragraph()
    docx_text(para, f"统计时段：{data.month_text}（北京时间）", bold=True)
    if data.partial:
        docx_text(para, f"　截至 {c.as_of:%m月%d日 %H:%M}")
    doc.add_heading("一、总体情况", level=1)
    for line in data.summary_lines():
        doc.add_paragraph(line)
    docx_table(
        doc,
        ["指标", data.month_text, data.previous_text, "变化"],
        [
            ("采集信息（条）", c.collected, p.collected, change_text(c.collected, p.collected)),
            ("相关舆情（条）", c.relevant, p.relevant, change_text(c.relevant, p.relevant)),
            ("新增事件（个）", c.events, p.events, change_text(c.events, p.events)),
            ("预警（件）", len(c.alerts), len(p.alerts), change_text(len(c.alerts), len(p.alerts))),
        ],
    )
    doc.add_heading("二、级别分布", level=1)
    docx_table(
        doc,
        ["级别", "信息（本月）", "信息（上月）", "变化", "事件（本月）", "事件（上月）"],
        [(r[1], r[2], r[3], r[4], r[5] if r[0] else "—", r[6] if r[0] else "—") for r in data.level_rows()],
    )
    doc.add_heading("三、话题分布", level=1)
    docx_table(doc, ["话题", "本月", "上月", "变化"], data.topic_rows() or [("—", 0, 0, "—")])
    doc.add_heading("四、处置时效（12小时时限）", level=1)
    rows = [("全部", c.response, p.response)] + [
        (lv.label, c.response_by_level[int(lv)], p.response_by_level[int(lv)]) for lv in Level.descending()
    ]
    docx_table(
        doc,
        ["级别", "应回复", "时限内回复", "占比", "上月占比", "快报用时中位数", "回复用时中位数", "回复用时90%分位"],
        [
            (label, r.alerts, r.within, r.within_text, rp.within_text, _h(r.report_median_h), _h(r.reply_median_h),
             _h(r.reply_p90_h))
            for label, r, rp in rows
        ],
    )
    doc.add_heading("五、迟报与漏报", level=1)
    for label, items in ((f"漏报（超过{data.reply_hours:g}小时时限未正面回复）", c.missed),
                         ("迟报（超过时限才正面回复）", c.late_replies)):
        doc.add_heading(f"{label}：{len(items)}件", level=2)
        for a in items:
            doc.add_paragraph(
                f"#{a.id} [{a.level.label}] {a.title}　发生 {fmt_time(a.issue_started_at, cfg)}　{a.clock_text()}",
                style="List Bullet",
            )
    doc.add_heading("六、跟踪引导", level=1)
    doc.add_paragraph(f"本月跟踪引导中因跟帖质疑再次会商的预警{len(c.follow_ups)}件（上月{len(p.follow_ups)}件）。")
    for a in c.follow_ups:
        doc.add_paragraph(f"#{a.id} [{a.level.label}] {a.title}　第{a.follow_up_round}轮　当前：{a.step.label}", style="List Bullet")
    doc.add_heading("七、来源分布", level=1)
    docx_table(doc, ["来源", "信息条数"], c.by_source or [("—", 0)])
    doc.add_heading("八、图表", level=1)
    for chart in chart_list:
        doc.add_picture(str(chart.path), width=Cm(15.5))
    foot = doc.add_paragraph()
    docx_text(foot, f"生成时间：{data.generated_at:%Y-%m-%d %H:%M}（北京时间）　yuqing 舆情监测系统")
    doc.save(str(path))


@dataclass
class MonthlyResult:
    html: Path
    docx: Path
    charts: list[Path]
    record_id: int
    data: MonthlyData
    late: bool = False
    deliveries: list[dict] = field(default_factory=list)


def write_monthly(
    deployment,
    month: str,
    out_dir: Path | None = None,
    *,
    now: datetime | None = None,
    send: bool = False,
    scheduled_for: datetime | None = None,
    late: bool = False,
    generated_by: str = "system",
) -> MonthlyResult:
    """Write the monthly report for ``month`` (YYYY-MM) as HTML and DOCX, archive it, optionally send it."""
    cfg = deployment.config
    now = now or utcnow()
    data = collect_monthly(deployment, month, now=now)
    out = output_dir(deployment, "monthly", out_dir)
    stem = f"monthly-{data.month}" + (f"-partial-{data.generated_at:%d%H%M}" if data.partial else "")
    chart_list = draw_monthly_charts(data, out, stem)
    html_path = out / f"{stem}.html"
    docx_path = out / f"{stem}.docx"
    html_path.write_text(render_monthly_html(data, chart_list, cfg), encoding="utf-8")
    render_monthly_docx(data, chart_list, cfg, docx_path)
    note = ""
    if late and scheduled_for is not None:
        note = f"补发：原定于 {local(scheduled_for, cfg):%m月%d日 %H:%M} 生成。"
    elif data.partial:
        note = "截至生成时的部分月报"
    record_id = archive(
        deployment,
        kind="monthly",
        period=data.month,
        window_start=data.current.start,
        window_end=data.current.as_of,
        generated_at=now,
        generated_by=generated_by,
        html_path=str(html_path.resolve()),
        docx_path=str(docx_path.resolve()),
        charts=[str(ch.path.resolve()) for ch in chart_list],
        summary=data.counts(),
        scheduled_for=scheduled_for,
        late=late,
        note=note,
    )
    log.info("monthly report %s written: %s, %s", data.month, html_path, docx_path)
    result = MonthlyResult(html_path, docx_path, [ch.path for ch in chart_list], record_id, data, late=late)
    if send:
        subject = f"【舆情月报】{data.locality} {data.month_text}" + ("（补发）" if late else "")
        result.deliveries = send_report(
            deployment, record_id, subject, "\n".join(data.summary_lines()), [html_path, docx_path], kind="monthly", at=now
        )
    return result
