"""Search over posts, through the deployment's post store (SQL or Elasticsearch)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, g, render_template, request
from sqlalchemy import select

from yuqing.alerts import permissions as perm
from yuqing.domain import Level
from yuqing.models import Alert
from yuqing.store import PostQuery
from yuqing.web.auth import requires

bp = Blueprint("search", __name__)

PER_PAGE = 30


def _day(value: str | None, tz: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    t = datetime.combine(d, time.min, tzinfo=ZoneInfo(tz))
    return t + timedelta(days=1) if end else t


@bp.get("/search")
@requires(perm.SEARCH_POSTS)
def search():
    cfg = g.config
    a = request.args
    q = (a.get("q") or "").strip()[:200]
    page = max(1, a.get("page", 1, type=int) or 1)
    levels = []
    for v in a.getlist("level"):
        try:
            levels.append(int(Level.parse(v)))
        except ValueError:
            pass
    relevant = {"1": True, "0": False}.get(a.get("relevant", ""))
    query = PostQuery(
        text=q or None,
        sources=[a["source"]] if a.get("source") else None,
        topics=[a["topic"]] if a.get("topic") else None,
        levels=levels or None,
        since=_day(a.get("since"), cfg.timezone),
        until=_day(a.get("until"), cfg.timezone, end=True),
        relevant=relevant,
        sort="relevance" if a.get("sort") == "relevance" else ("oldest" if a.get("sort") == "oldest" else "time"),
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
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
        levels=Level.descending(), alerts=alerts, a=a,
    )
