"""The records: the ledger (台账) of all alerts with their times, and the audit trail."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, render_template, request
from sqlalchemy import func, select

from yuqing.alerts import permissions as perm
from yuqing.alerts.clock import tally, timeliness
from yuqing.alerts.models import LiaisonForm
from yuqing.domain import Level, Step
from yuqing.localtime import local_text
from yuqing.models import Alert, AuditEntry, Event, utcnow
from yuqing.web.auth import requires

bp = Blueprint("records", __name__)

PER_PAGE = 100


def _month_range(month: str | None, tz: str):
    if not month:
        return None, None
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        abort(400)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _ledger_rows(month: str | None, limit: int | None, offset: int = 0):
    start, end = _month_range(month, g.config.timezone)
    q = select(Alert, Event).join(Event, Alert.event_id == Event.id)
    cq = select(func.count()).select_from(Alert)
    if start is not None:
        # the alerts of a month are those found (opened) in it: the definition the monthly report shares
        q = q.where(Alert.created_at >= start, Alert.created_at < end)
        cq = cq.where(Alert.created_at >= start, Alert.created_at < end)
    q = q.order_by(Alert.created_at.desc(), Alert.id.desc())
    if limit:
        q = q.limit(limit).offset(offset)
    rows = g.db.execute(q).all()
    ids = [a.id for a, _ in rows]
    liaison = {}
    if ids:
        for alert_id, n, waiting in g.db.execute(
            select(LiaisonForm.alert_id, func.count(), func.count(LiaisonForm.overdue_at))
            .where(LiaisonForm.alert_id.in_(ids)).group_by(LiaisonForm.alert_id)
        ):
            liaison[alert_id] = (n, waiting)
    return rows, g.db.scalar(cq) or 0, liaison


@bp.get("/ledger")
@requires(perm.VIEW_LEDGER)
def ledger():
    month = request.args.get("month") or None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total, liaison = _ledger_rows(month, PER_PAGE, (page - 1) * PER_PAGE)
    now = utcnow()
    items = []
    for alert, event in rows:
        t = timeliness(alert, now)
        items.append((alert, event, t, liaison.get(alert.id, (0, 0))))
    # the month's counts (every page of it), as the monthly report and the notebooks count them
    stats = tally((a for a, _ in _ledger_rows(month, None)[0]), now)
    return render_template("ledger.html", items=items, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
                           month=month or "", stats=stats, now=now)


@bp.get("/ledger.csv")
@requires(perm.VIEW_LEDGER)
def ledger_csv():
    month = request.args.get("month") or None
    rows, _, liaison = _ledger_rows(month, None)
    now = utcnow()

    def local(t):
        return local_text(t, g.config.timezone, empty="")

    def hours(d):
        return f"{d.total_seconds() / 3600:.1f}" if d is not None else ""

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["编号", "标题", "级别", "话题", "来源", "状态", "当前步骤", "起算时间", "时限", "快报时间", "快报用时(小时)",
                "回复时间", "回复用时(小时)", "超时标记", "及时性", "联系单", "逾期联系单", "办结时间"])
    for alert, event in rows:
        t = timeliness(alert, now)
        n, late = liaison.get(alert.id, (0, 0))
        w.writerow([alert.id, _cell(alert.title), Level(alert.level).label, event.topic or "", "、".join(event.sources or []),
                    {"open": "办理中", "closed": "已办结", "dismissed": "误报"}.get(alert.status, alert.status),
                    Step(alert.current_step).label, local(alert.issue_started_at), local(alert.deadline_at),
                    local(alert.reported_at), hours(t.time_to_report), local(alert.replied_at), hours(t.time_to_reply),
                    local(alert.overdue_at), t.label, n, late, local(alert.closed_at)])
    name = f"yuqing-ledger-{month or 'all'}.csv"
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _cell(text: str) -> str:
    """Keep a spreadsheet from reading crawled text as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/audit")
@requires(perm.VIEW_AUDIT)
def audit_log():
    a = request.args
    page = max(1, a.get("page", 1, type=int) or 1)
    q = select(AuditEntry)
    cq = select(func.count()).select_from(AuditEntry)
    conds = []
    if a.get("actor"):
        conds.append(AuditEntry.actor == a["actor"])
    if a.get("action"):
        conds.append(AuditEntry.action.startswith(a["action"]))
    if a.get("object_type"):
        conds.append(AuditEntry.object_type == a["object_type"])
    if a.get("object_id"):
        conds.append(AuditEntry.object_id == a["object_id"])
    rows = list(g.db.scalars(q.where(*conds).order_by(AuditEntry.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    total = g.db.scalar(cq.where(*conds)) or 0
    args = {k: v for k, v in a.to_dict(flat=False).items() if k != "page"}
    return render_template("audit.html", rows=rows, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
                           args=args, a=a)
