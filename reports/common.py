"""What the daily digest and the monthly report share.

- times: windows in the deployment's zone (Asia/Shanghai), Chinese formatting
  of times and durations;
- alerts as they stood at a moment (:func:`alerts_as_of`): open or closed, the
  step, the 12-hour clock, late reply (迟报: replied after the deadline) and
  missed (漏报: the deadline passed with no reply) — the words of
  :mod:`yuqing.alerts.clock`, evaluated at that moment;
- counting posts through the post store (never the ``posts`` table: posts may
  live in Elasticsearch);
- rendering: the Jinja environment (autoescaped: crawled titles are untrusted),
  Word helpers (fonts for Chinese, tables, real hyperlinks);
- the archive row and sending over the configured channels.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from yuqing.alerts import clock
from yuqing.domain import AlertStatus, Level, Step
from yuqing.errors import YuqingError
from yuqing.models import Alert, Event, utcnow
from yuqing.reports.models import ReportRecord
from yuqing.store import PostQuery, PostRecord

log = logging.getLogger(__name__)

UNGRADED = "未分级"
UNTOPICED = "未分类"

#: who receives digests and monthly reports (audience names used in notification routing)
REPORT_AUDIENCE = ["领导小组办公室", "领导小组"]

#: page size when reading posts from the store
PAGE = 1000


# -- time ------------------------------------------------------------------

def zone(cfg) -> ZoneInfo:
    return ZoneInfo(cfg.timezone)


def local(t: datetime | None, cfg) -> datetime | None:
    if t is None:
        return None
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t!r}: yuqing uses timezone-aware times")
    return t.astimezone(zone(cfg))


def fmt_time(t: datetime | None, cfg, with_date: bool = True) -> str:
    """``11月20日 14:05`` (or ``14:05``) in the deployment's zone; ``—`` for none."""
    t = local(t, cfg)
    if t is None:
        return "—"
    return f"{t.month}月{t.day}日 {t:%H:%M}" if with_date else f"{t:%H:%M}"


def fmt_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_duration(delta: timedelta | None) -> str:
    """``3小时05分``, ``2天4小时``; negative durations are shown by their size."""
    if delta is None:
        return "—"
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins:02d}分"
    return f"{mins}分钟"


def fmt_hours(hours: float | None) -> str:
    return "—" if hours is None else f"{hours:.1f}小时"


def at_local(d: date, hhmm: str, cfg) -> datetime:
    """The aware moment ``d HH:MM`` in the deployment's zone."""
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(d.year, d.month, d.day, h, m, tzinfo=zone(cfg))


def month_window(month: str, cfg) -> tuple[datetime, datetime]:
    """The local calendar month ``YYYY-MM`` as [first 00:00, next first 00:00)."""
    y, m = parse_month(month)
    start = datetime(y, m, 1, tzinfo=zone(cfg))
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=zone(cfg))
    return start, end


def parse_month(month: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", month.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise YuqingError(f"month must be YYYY-MM, e.g. 2026-11 (got {month!r})")
    return int(m.group(1)), int(m.group(2))


def previous_month(month: str) -> str:
    y, m = parse_month(month)
    return f"{y - (m == 1)}-{(m - 2) % 12 + 1:02d}"


# -- labels ----------------------------------------------------------------

def level_label(level: int | None) -> str:
    return Level(level).label if level else UNGRADED


def source_label(cfg, name: str) -> str:
    """The Chinese name the office sees for a source (see :meth:`yuqing.config.Config.source_label`)."""
    return cfg.source_label(name)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become links: a crawled ``javascript:`` URL is shown as text, never linked."""
    if not url:
        return None
    url = url.strip()
    return url if re.match(r"^https?://", url, re.IGNORECASE) else None


def post_title(p: PostRecord, limit: int = 80) -> str:
    title = (p.title or "").strip() or (p.text or "").strip().replace("\n", " ")
    title = re.sub(r"\s+", " ", title)
    return title if len(title) <= limit else title[: limit - 1] + "…"


# -- posts through the store ---------------------------------------------

def iter_posts(store, query: PostQuery, page: int = PAGE) -> Iterator[PostRecord]:
    """Every post matching ``query``, oldest first, one page at a time (never all in memory)."""
    offset = 0
    while True:
        q = PostQuery(**{**query.__dict__, "sort": "oldest", "limit": page, "offset": offset})
        batch = store.search(q)
        yield from batch
        if len(batch) < page:
            return
        offset += page


def ordered_counts(counts: dict[str, int], order: Sequence[str] = ()) -> list[tuple[str, int]]:
    """Counts in a stable order: the given order first, then the rest by count."""
    known = [(k, counts[k]) for k in order if counts.get(k)]
    rest = sorted(((k, v) for k, v in counts.items() if k not in order and v), key=lambda kv: (-kv[1], kv[0]))
    return known + rest


def level_counts(store, query: PostQuery) -> list[tuple[int, str, int]]:
    """(level value, label, posts) most severe first, with ungraded relevant posts last (value 0)."""
    raw = store.counts_by("level", query)
    out = [(int(lv), lv.label, int(raw.get(str(int(lv)), 0))) for lv in Level.descending()]
    ungraded = int(raw.get("", 0))
    out.append((0, UNGRADED, ungraded))
    return out


def topic_counts(store, query: PostQuery, cfg) -> list[tuple[str, int]]:
    raw = store.counts_by("topic", query)
    counts = {(k or UNTOPICED): v for k, v in raw.items() if v}
    order = list(cfg.classify.topics)
    rank = {t: i for i, t in enumerate(order)}
    return sorted(counts.items(), key=lambda kv: (-kv[1], rank.get(kv[0], len(order)), kv[0]))


def source_counts(store, query: PostQuery, cfg) -> list[tuple[str, int]]:
    raw = store.counts_by("source", query)
    return [(source_label(cfg, k), v) for k, v in ordered_counts(raw)]


# -- alerts at a moment -------------------------------------------------------

@dataclass
class AlertState:
    """One alert as it stood at ``as_of`` (a past digest is rebuilt as it was)."""

    id: int
    event_id: int
    title: str
    level: Level
    state: str  # open, closed, dismissed
    step: Step
    issue_started_at: datetime
    deadline_at: datetime
    created_at: datetime
    reported_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    follow_up_round: int
    as_of: datetime
    links: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def replied(self) -> bool:
        return self.replied_at is not None and self.replied_at <= self.as_of

    @property
    def reported(self) -> bool:
        return self.reported_at is not None and self.reported_at <= self.as_of

    @property
    def time_left(self) -> timedelta | None:
        """Time to the 12-hour deadline (negative when past); None once the reply is recorded."""
        return None if self.replied else self.deadline_at - self.as_of

    @property
    def found_late(self) -> bool:
        """发现滞后: opened only after the deadline had passed (see :func:`yuqing.alerts.clock.found_late`)."""
        return clock.found_late(self)

    @property
    def missed(self) -> bool:
        """漏报: found in time, and the deadline passed with no positive reply (误报 is never missed)."""
        return self.state != AlertStatus.DISMISSED and not self.replied and self.deadline_at < self.as_of and not self.found_late

    @property
    def overdue(self) -> bool:
        """Still open and past the deadline with no reply (超时)."""
        return self.missed and self.state == AlertStatus.OPEN

    @property
    def late_reply(self) -> bool:
        """Found in time, replied, but after the deadline (迟报)."""
        return self.replied and self.replied_at > self.deadline_at and not self.found_late

    @property
    def time_to_report(self) -> timedelta | None:
        return self.reported_at - self.issue_started_at if self.reported else None

    @property
    def time_to_reply(self) -> timedelta | None:
        return self.replied_at - self.issue_started_at if self.replied else None

    def clock_text(self) -> str:
        if self.found_late:
            return "发现滞后（发现时已过时限）" + (f"，已回复，用时{fmt_duration(self.time_to_reply)}" if self.replied else "")
        if self.replied:
            suffix = "（超时）" if self.late_reply else ""
            return f"已回复，用时{fmt_duration(self.time_to_reply)}{suffix}"
        left = self.time_left
        if left is not None and left < timedelta(0):
            return f"已超时 {fmt_duration(-left)}"
        return f"剩余 {fmt_duration(left)}"


def _closed_at(a: Alert) -> datetime | None:
    if a.status in ("closed", "dismissed"):
        return a.closed_at or a.updated_at
    return None


def alert_state(a: Alert, as_of: datetime) -> AlertState:
    closed_at = _closed_at(a)
    if closed_at is not None and closed_at <= as_of:
        state = a.status
    else:
        state = "open"
    step = Step(a.current_step)
    if a.steps:
        started = [r for r in a.steps if r.started_at is not None and r.started_at <= as_of]
        if started:
            step = Step(max(started, key=lambda r: (r.started_at, r.id)).step)
        elif a.created_at <= as_of:
            step = Step.DISCOVER
    return AlertState(
        id=a.id,
        event_id=a.event_id,
        title=a.title or (a.event.title if a.event else "") or f"预警 #{a.id}",
        level=Level(a.level),
        state=state,
        step=step,
        issue_started_at=a.issue_started_at,
        deadline_at=a.deadline_at,
        created_at=a.created_at,
        reported_at=a.reported_at,
        replied_at=a.replied_at,
        closed_at=closed_at,
        follow_up_round=a.follow_up_round or 0,
        as_of=as_of,
    )


def alerts_as_of(session, as_of: datetime, *, since: datetime | None = None) -> list[AlertState]:
    """Alerts as they stood at ``as_of``: those open then, plus (with ``since``) those that
    closed, were replied to, or reached their deadline in [since, as_of].

    Ordered most severe first, then by deadline.
    """
    q = select(Alert).where(Alert.created_at <= as_of).options(selectinload(Alert.steps), selectinload(Alert.event))
    horizon = since or as_of
    q = q.where(
        or_(
            Alert.status == AlertStatus.OPEN,
            Alert.closed_at.is_(None),
            Alert.closed_at >= horizon,
            Alert.replied_at >= horizon,
            Alert.deadline_at >= horizon,
        )
    )
    rows = []
    for a in session.scalars(q):
        r = alert_state(a, as_of)
        if r.state == AlertStatus.OPEN or (
            since is not None
            and (
                (r.closed_at is not None and r.closed_at >= since)
                or (r.replied_at is not None and since <= r.replied_at <= as_of)
                or since <= r.deadline_at <= as_of
            )
        ):
            rows.append(r)
    rows.sort(key=lambda r: (-int(r.level), r.deadline_at, r.id))
    return rows


def alerts_found_between(session, start: datetime, end: datetime, as_of: datetime) -> list[AlertState]:
    """The alerts of a period — those found (opened) in [start, end) — as they stood at ``as_of``, dismissed
    ones left out. The one definition the ledger, the monthly report and the notebooks share: a report of a
    past month does not change when an older issue is found later (its start stays on the alert)."""
    q = (
        select(Alert)
        .where(Alert.created_at >= start, Alert.created_at < end, Alert.created_at <= as_of)
        .options(selectinload(Alert.steps), selectinload(Alert.event))
    )
    rows = [alert_state(a, as_of) for a in session.scalars(q)]
    rows = [r for r in rows if r.state != AlertStatus.DISMISSED]
    rows.sort(key=lambda r: (-int(r.level), r.issue_started_at, r.id))
    return rows



def events_first_seen(session, start: datetime, end: datetime) -> list[Event]:
    q = select(Event).where(Event.first_seen_at >= start, Event.first_seen_at < end, Event.status != "merged")
    return list(session.scalars(q))


def event_links(store, event_id: int, limit: int = 3) -> list[tuple[str, str | None]]:
    """The first posts of an event as (标题, 链接), for 快报-style listings."""
    posts = store.search(PostQuery(event_id=event_id, sort="oldest", limit=limit))
    return [(post_title(p, 60), safe_url(p.url)) for p in posts]


# -- rendering -------------------------------------------------------------

TEMPLATES = Path(__file__).with_name("templates")


def jinja_env():
    """Autoescaping environment for the report templates: crawled text can never inject markup."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = fmt_duration
    return env


#: GB/T 9704-2012 党政机关公文格式: A4, 版心 156 mm × 225 mm (天头 37 mm, 订口 28 mm), 3号仿宋 body, 22 lines a page
GONGWEN_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
BODY_PT, TITLE_PT, MASTHEAD_PT, PAGE_NUMBER_PT = 16, 22, 30, 14  # 3号, 2号, 版头, 4号
LINE_PT = 28.9  # fixed line spacing: 22 lines in the 225 mm 版心
RED = "C00000"


def docx_document(title: str, *, issuer: str | None = None, masthead: str | None = None, number: str | None = None,
                  date_text: str | None = None):
    """A Word document in the national 公文 layout (GB/T 9704), ready to print as it is.

    版心 and margins, 仿宋 3号 body at a fixed line spacing, 黑体/楷体 headings, the title in 小标宋 2号
    centred; with ``masthead`` a red 版头 (the masthead, e.g. 舆情日报 or 舆情简报, the issue ``number``, the
    ``issuer`` — the 发文机关 — and the date, above a red rule); page numbers "— n —" in 宋体 4号 at the
    outer edge (odd pages right, even pages left)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(GONGWEN_MARGINS_MM["top"]), Mm(GONGWEN_MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(GONGWEN_MARGINS_MM["left"]), Mm(GONGWEN_MARGINS_MM["right"])
    section.footer_distance = Mm(28) - Mm(7)
    normal = doc.styles["Normal"]
    _set_fonts(normal, latin="Times New Roman", east_asia="仿宋", size=Pt(BODY_PT))
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    for name, east_asia, bold in (("Heading 1", "黑体", False), ("Heading 2", "楷体", False),
                                  ("Heading 3", "仿宋", True), ("Title", "方正小标宋简体", False)):
        style = doc.styles[name]
        _set_fonts(style, latin="Times New Roman", east_asia=east_asia, size=Pt(TITLE_PT if name == "Title" else BODY_PT))
        style.font.bold = bold
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(36 if name == "Title" else LINE_PT)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
    doc.core_properties.title = title
    doc.core_properties.author = issuer or "yuqing"
    if masthead:
        head = doc.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = docx_text(head, masthead)
        run.font.size, run.font.color.rgb = Pt(MASTHEAD_PT), RGBColor.from_string(RED)
        _run_fonts(run, "方正小标宋简体")
        if number:
            docx_text(_centred(doc), number)
        line = doc.add_paragraph()
        docx_text(line, issuer or "")
        if date_text:
            docx_text(line, "\t" + date_text)
            line.paragraph_format.tab_stops.add_tab_stop(Mm(156), alignment=2)  # right-aligned at the 版心 edge
        _red_rule(line)
        doc.add_paragraph()
    heading = doc.add_heading(title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_numbers(doc)
    return doc


def _centred(doc):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _rfonts(rpr, east_asia: str):
    """The run properties' font element (made when missing), its East Asian font set: Word needs it for Chinese."""
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    return fonts


def _run_fonts(run, east_asia: str) -> None:
    _rfonts(run._element.get_or_add_rPr(), east_asia)


def _red_rule(paragraph) -> None:
    """The red line under the 版头 (a bottom border of the paragraph)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", RED)):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)


def _page_numbers(doc) -> None:
    """"— n —" in 宋体 4号: odd pages at the right, even pages at the left (GB/T 9704 7.5)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        parts = [("text", "— "), ("field", "PAGE"), ("text", " —")]
        for kind, value in parts:
            run = p.add_run()
            run.font.size = Pt(PAGE_NUMBER_PT)
            _run_fonts(run, "宋体")
            if kind == "text":
                run.text = value
                continue
            for tag, attrs in (("w:fldChar", {"w:fldCharType": "begin"}), ("w:instrText", None),
                               ("w:fldChar", {"w:fldCharType": "end"})):
                el = OxmlElement(tag)
                if attrs:
                    for k, v in attrs.items():
                        el.set(qn(k), v)
                else:
                    el.set(qn("xml:space"), "preserve")
                    el.text = f" {value} "
                run._r.append(el)


def _set_fonts(style, latin: str, east_asia: str, size=None) -> None:
    from docx.oxml.ns import qn

    style.font.name = latin
    if size is not None:
        style.font.size = size
    fonts = _rfonts(style.element.get_or_add_rPr(), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def docx_hyperlink(paragraph, url: str, text: str):
    """A real, clickable hyperlink run (python-docx has no API for it)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    # python-docx's relate_to() scans every relationship for a match (quadratic for a long digest):
    # keep our own url → rId table on the part instead
    part = paragraph.part
    links = part.__dict__.setdefault("_yuqing_links", {})
    r_id = links.get(url)
    if r_id is None:
        r_id = f"rIdYq{len(links) + 1}"
        part.rels.add_relationship(RELATIONSHIP_TYPE.HYPERLINK, url, r_id, is_external=True)
        links[url] = r_id
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "0563C1")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    rpr.append(colour)
    rpr.append(underline)
    run.append(rpr)
    t = OxmlElement("w:t")
    t.text = _xml_safe(text)
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)
    return link


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Crawled text may hold control characters that XML (and so Word) refuses."""
    return _XML_BAD.sub("", text or "")


def docx_text(paragraph, text: str, bold: bool = False):
    run = paragraph.add_run(_xml_safe(text))
    if bold:
        run.bold = True
    return run


def docx_table(doc, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths_cm: Sequence[float] | None = None):
    from docx.shared import Cm

    rows = list(rows)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, h in zip(table.rows[0].cells, headers):
        cell.text = ""
        docx_text(cell.paragraphs[0], str(h), bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = _xml_safe("" if value is None else str(value))
    if widths_cm:
        for row in table.rows:
            for cell, w in zip(row.cells, widths_cm):
                cell.width = Cm(w)
    return table


# -- output, archive, sending ---------------------------------------------

def output_dir(deployment, kind: str, out_dir: Path | None) -> Path:
    d = Path(out_dir) if out_dir is not None else deployment.data_dir / "reports" / kind
    d.mkdir(parents=True, exist_ok=True)
    return d


def archive(deployment, **fields) -> int:
    """Record a written report in the archive; returns its id."""
    with deployment.sessions() as s, s.begin():
        row = ReportRecord(**fields)
        s.add(row)
        s.flush()
        return row.id


def send_report(deployment, record_id: int, subject: str, text: str, attachments: list[Path], *, kind: str = "digest",
                at: datetime | None = None) -> list[dict]:
    """Send a report over the configured channels (files attached for e-mail); records the deliveries.

    Notification failures are logged by the notifier and never raised: a report is
    written and archived whether or not a channel is up.
    """
    try:
        from yuqing.alerts.notify import Message
        from yuqing.alerts.outbox import send_now
    except ImportError as e:  # the notifier is part of alerts/; say so rather than crash a digest
        log.warning("reports are not sent: notifications are not available (%s)", e)
        return []
    base = deployment.config.notifications.base_url.rstrip("/")
    message = Message(
        subject=subject,
        text=text,
        level=None,
        link=f"{base}/reports/{record_id}",
        audience=list(REPORT_AUDIENCE),
        attachments=[Path(p) for p in attachments],
        kind=kind,
        at=at,
    )
    deliveries = send_now(deployment, message)
    summary = [_delivery_dict(d) for d in deliveries]
    with deployment.sessions() as s, s.begin():
        row = s.get(ReportRecord, record_id)
        row.deliveries = summary
        if any(d.get("status") == "sent" for d in summary):
            row.sent_at = utcnow()
    return summary


def _delivery_dict(d) -> dict:
    if isinstance(d, dict):
        return {k: str(v) for k, v in d.items()}
    out = {}
    for attr in ("channel", "kind", "status", "attempts", "error"):
        v = getattr(d, attr, None)
        if v is not None:
            out[attr] = v if isinstance(v, (int, str)) else str(v)
    return out


def utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc)
