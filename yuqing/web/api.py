"""JSON endpoints for scripts and the queue's refresh: 401 without a login, 403 without the role."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request

from yuqing.alerts import permissions as perm
from yuqing.alerts import workflow
from yuqing.alerts.api import STATUS_FILTERS, QueueFilter, queue
from yuqing.alerts.cli import alert_summary
from yuqing.domain import Level
from yuqing.models import Alert, utcnow
from yuqing.web.auth import requires

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/alerts")
@requires(perm.VIEW_ALERTS)
def alerts():
    levels = []
    for v in request.args.getlist("level"):
        try:
            levels.append(int(Level.parse(v)))
        except ValueError:
            abort(400)
    status = request.args.get("status", "open")
    if status not in STATUS_FILTERS:
        abort(400)
    f = QueueFilter(levels=levels, topic=request.args.get("topic") or None, source=request.args.get("source") or None,
                    status=status, page=request.args.get("page", 1, type=int) or 1,
                    per_page=min(200, request.args.get("per_page", 50, type=int) or 50))
    now = utcnow()
    page = queue(g.db, f, now)
    tz = g.config.timezone
    return jsonify(
        total=page.total, page=page.page, pages=page.pages, now=now.isoformat(),
        alerts=[{**alert_summary(r.alert, now, tz), "topic": r.event.topic, "sources": r.event.sources,
                 "post_count": r.event.post_count} for r in page.rows],
    )


@bp.get("/alerts/<int:alert_id>")
@requires(perm.VIEW_ALERTS)
def alert(alert_id: int):
    a = g.db.get(Alert, alert_id)
    if a is None:
        abort(404)
    now = utcnow()
    data = alert_summary(a, now, g.config.timezone)
    data["steps"] = [
        {"step": r.step, "round": r.round, "started_at": r.started_at.isoformat(),
         "completed_at": r.completed_at.isoformat() if r.completed_at else None, "by": r.by_user, "note": r.note,
         "attachments": r.attachments}
        for r in a.steps
    ]
    data["next_steps"] = [int(s) for s in workflow.next_steps(a)]
    data["level_reasons"] = a.event.level_reasons
    return jsonify(data)
