"""舆情简报: posts and alerts a monitor picked (in search or the queue), as a Word document in the 公文 layout.

One entry per item: its title, the facts (source, time, spread, level, the
alert's step and clock), an excerpt and the link. Numbered by year (第N期,
counted from the audit trail, where every 简报 is recorded with who made it).
"""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from yuqing import audit
from yuqing.alerts.clock import timeliness
from yuqing.reports.common import docx_document, docx_hyperlink, docx_text, safe_url
from yuqing.domain import Level, Step
from yuqing.errors import YuqingError
from yuqing.localtime import local_text
from yuqing.models import Alert, AuditEntry, utcnow

#: at most this many items in one 简报
MAX_ITEMS = 50
EXCERPT = 300


class _Ref:
    """What a 简报's audit entry is about."""

    __tablename__ = "briefs"

    def __init__(self, number: int):
        self.id = number


def write_jianbao(session, deployment, *, post_ids=(), alert_ids=(), by: str, now: datetime | None = None) -> tuple[bytes, int]:
    """(the .docx bytes, its number this year) for the picked posts and alerts; audited."""
    now = now or utcnow()
    cfg = deployment.config
    zone = ZoneInfo(cfg.timezone)
    post_ids, alert_ids = list(dict.fromkeys(post_ids))[:MAX_ITEMS], list(dict.fromkeys(alert_ids))[:MAX_ITEMS]
    posts = {p.id: p for p in deployment.posts.get_many(post_ids)} if post_ids else {}
    alerts = list(session.scalars(select(Alert).where(Alert.id.in_(alert_ids)))) if alert_ids else []
    alerts.sort(key=lambda a: alert_ids.index(a.id))
    if not posts and not alerts:
        raise YuqingError("请先勾选要编入简报的信息或预警")
    local = now.astimezone(zone)
    year_start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    number = (session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "report.jianbao", AuditEntry.at >= year_start)) or 0) + 1
    doc = docx_document(f"{cfg.locality.name}舆情简报", issuer=cfg.issuer, masthead="舆情简报",
                        number=f"{local:%Y}年第{number}期", date_text=f"{local:%Y}年{local.month}月{local.day}日")
    n = 0
    for a in alerts:
        n += 1
        t = timeliness(a, now)
        doc.add_heading(f"{_cn(n)}、{a.title}", level=1)
        docx_text(doc.add_paragraph(), f"级别：{Level(a.level).label}；当前步骤：{Step(a.current_step).label}；"
                                       f"起算：{local_text(a.issue_started_at, zone, '%m月%d日 %H:%M')}；{t.label}")
        ev = a.event
        if ev is not None and ev.summary:
            docx_text(doc.add_paragraph(), _excerpt(ev.summary))
        if ev is not None and ev.level_reasons:
            docx_text(doc.add_paragraph(), "定级依据：" + "；".join(str(r) for r in ev.level_reasons[:4]))
    for pid in post_ids:
        p = posts.get(pid)
        if p is None:
            continue
        n += 1
        doc.add_heading(f"{_cn(n)}、{(p.title or p.text or '').strip()[:60] or '（无标题）'}", level=1)
        when = local_text(p.when, zone, "%m月%d日 %H:%M", empty="时间不详")
        facts = f"来源：{cfg.source_label(p.source)}；时间：{when}；转发{p.reposts} 评论{p.comments} 点赞{p.likes}"
        if p.level:
            facts += f"；级别：{Level(p.level).label}"
        docx_text(doc.add_paragraph(), facts)
        docx_text(doc.add_paragraph(), _excerpt(p.text or ""))
        url = safe_url(p.url)
        if url:
            para = doc.add_paragraph()
            docx_text(para, "原文：")
            docx_hyperlink(para, url, url)
    buf = io.BytesIO()
    doc.save(buf)
    audit.record(session, by, "report.jianbao", _Ref(number), at=now, number=number, posts=list(posts),
                 alerts=[a.id for a in alerts])
    return buf.getvalue(), number


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "……"


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
