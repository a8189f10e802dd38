"""The report archive (日报月报) in the web app: every digest and monthly report, to read and download.

``/reports/`` lists the archive (newest first, filtered by kind and month);
``/reports/<id>`` shows one report's summary, whether it ran late (补发) and
where it was sent; ``/reports/<id>/html`` opens the report itself and
``/reports/<id>/docx`` downloads the Word file. Files are served only through
the archive row that names them, never by a path from the request. Every page
needs the ``reports.view`` permission (领导小组办公室, 领导, 分析员, 管理员, 监控员).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, g, render_template, request, send_file
from sqlalchemy import func, select

from yuqing.alerts import permissions as perm
from yuqing.reports.models import KIND_LABELS, ReportRecord
from yuqing.web.auth import requires

bp = Blueprint("reports", __name__, url_prefix="/reports")

PER_PAGE = 50

#: the archived HTML is shown as it was written: no script runs in it, its inline styles and images are allowed
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'none'"


@bp.get("/")
@requires(perm.VIEW_REPORTS)
def archive():
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    period = (request.args.get("period") or "").strip()[:10] or None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    q = select(ReportRecord)
    cq = select(func.count()).select_from(ReportRecord)
    if kind:
        q, cq = q.where(ReportRecord.kind == kind), cq.where(ReportRecord.kind == kind)
    if period:
        like = period.replace("\\", "").replace("%", "").replace("_", "") + "%"
        q, cq = q.where(ReportRecord.period.like(like)), cq.where(ReportRecord.period.like(like))
    q = q.order_by(ReportRecord.generated_at.desc(), ReportRecord.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    rows = list(g.db.scalars(q))
    total = g.db.scalar(cq) or 0
    return render_template(
        "reports/archive.html", rows=rows, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
        kind=kind, period=period or "", kinds=KIND_LABELS,
        args={k: v for k, v in {"kind": kind, "period": period}.items() if v},
    )


def _record(report_id: int) -> ReportRecord:
    row = g.db.get(ReportRecord, report_id)
    if row is None:
        abort(404)
    return row


@bp.get("/<int:report_id>")
@requires(perm.VIEW_REPORTS)
def report(report_id: int):
    row = _record(report_id)
    files = {name: Path(p).is_file() for name, p in (("html", row.html_path), ("docx", row.docx_path))}
    return render_template("reports/report.html", r=row, files=files)


def _file(path: str) -> Path:
    p = Path(path)
    if not p.is_file():
        abort(404)
    return p


@bp.get("/<int:report_id>/html")
@requires(perm.VIEW_REPORTS)
def report_html(report_id: int):
    row = _record(report_id)
    resp = send_file(_file(row.html_path), mimetype="text/html", max_age=0)
    resp.headers["Content-Security-Policy"] = REPORT_CSP
    return resp


@bp.get("/<int:report_id>/docx")
@requires(perm.VIEW_REPORTS)
def report_docx(report_id: int):
    row = _record(report_id)
    name = f"{g.config.locality.name}{row.kind_label}-{row.period}.docx"
    return send_file(
        _file(row.docx_path),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
