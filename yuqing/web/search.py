"""Search over posts, through the deployment's post store (SQL or Elasticsearch)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, g, render_template, request
from sqlalchemy import select

from yuqing.alerts import permissions as perm
from yuqing.domain import Level
from yuqing.localtime import local_text
from yuqing.models import Alert
from yuqing.store import PostQuery
from yuqing.web.auth import requires

bp = Blueprint("search", __name__)

PER_PAGE = 30
#: rows a search exports at most
MAX_EXPORT = 5000


def _day(value: str | None, tz: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    t = datetime.combine(d, time.min, tzinfo=ZoneInfo(tz))
    return t + timedelta(days=1) if end else t


def _query(a, cfg, limit: int, offset: int = 0) -> PostQuery:
    """The search form's filters as a post query."""
    q = (a.get("q") or "").strip()[:200]
    levels = []
    for v in a.getlist("level"):
        try:
            levels.append(int(Level.parse(v)))
        except ValueError:
            pass
    return PostQuery(
        text=q or None,
        sources=[a["source"]] if a.get("source") else None,
        topics=[a["topic"]] if a.get("topic") else None,
        levels=levels or None,
        since=_day(a.get("since"), cfg.timezone),
        until=_day(a.get("until"), cfg.timezone, end=True),
        relevant={"1": True, "0": False}.get(a.get("relevant", "")),
        sort="relevance" if a.get("sort") == "relevance" else ("oldest" if a.get("sort") == "oldest" else "time"),
        limit=limit,
        offset=offset,
    )


@bp.get("/search")
@requires(perm.SEARCH_POSTS)
def search():
    cfg = g.config
    a = request.args
    q = (a.get("q") or "").strip()[:200]
    page = max(1, a.get("page", 1, type=int) or 1)
    query = _query(a, cfg, PER_PAGE, (page - 1) * PER_PAGE)
    searched = bool(a)
    posts, total = [], 0
    if searched:
        posts = g.deployment.posts.search(query)
        total = g.deployment.posts.count(query)
    event_ids = {p.event_id for p in posts if p.event_id}
    alerts = {}
    if event_ids:
        alerts = dict(g.db.execute(select(Alert.event_id, Alert.id).where(Alert.event_id.in_(event_ids))).all())
    args = {k: v for k, v in a.to_dict(flat=False).items() if k != "page"}
    return render_template(
        "search.html", posts=posts, total=total, page=page, pages=max(1, -(-total // PER_PAGE)), q=q, args=args,
        searched=searched, topics=cfg.classify.topics, sources=[s.name for s in cfg.sources],
        levels=Level.descending(), alerts=alerts, a=a, max_export=MAX_EXPORT,
    )


@bp.get("/search.csv")
@requires(perm.SEARCH_POSTS)
def search_csv():
    """The search's results as a spreadsheet (UTF-8 with BOM, so Excel reads the Chinese): at most MAX_EXPORT."""
    import csv
    import io

    from flask import Response

    from yuqing.web.records import _cell

    cfg = g.config
    posts = g.deployment.posts.search(_query(request.args, cfg, MAX_EXPORT))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["编号", "发布时间", "来源", "作者", "标题", "正文", "链接", "相关", "话题", "负面概率", "级别", "转发", "评论", "点赞"])
    for p in posts:
        when = local_text(p.when, cfg.timezone, empty="")
        w.writerow([p.id, when, cfg.source_label(p.source), _cell(p.author or ""), _cell(p.title or ""),
                    _cell((p.text or "")[:2000]), _cell(p.url or ""),
                    "" if p.relevant is None else ("是" if p.relevant else "否"), p.topic or "",
                    "" if p.negativity is None else f"{p.negativity:.2f}", Level(p.level).label if p.level else "",
                    p.reposts, p.comments, p.likes])
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=yuqing-search.csv"})


@bp.get("/briefing.docx")
@requires(perm.SEARCH_POSTS)
def jianbao():
    """The picked posts (``post``) and alerts (``alert``) as a 舆情简报 in the 公文 layout."""
    from flask import Response, flash, redirect, url_for

    from yuqing.reports.jianbao import write_jianbao
    from yuqing.errors import YuqingError

    def ids(name):
        return [int(v) for v in request.args.getlist(name) if v.isdigit()]

    try:
        data, number = write_jianbao(g.db, g.deployment, post_ids=ids("post"), alert_ids=ids("alert"),
                                     by=perm.username_of(g.user))
        g.db.commit()
    except YuqingError as e:
        g.db.rollback()
        flash(str(e), "error")
        return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                        else url_for("search.search"), 303)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f"attachment; filename=jianbao-{number}.docx"})
