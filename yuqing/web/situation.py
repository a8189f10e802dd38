"""The 态势 page: how things stand, for the office and its leaders, in charts rather than tables.

Posts per day by level, events by topic, the source mix (last ``DAYS`` days),
the events rising now (more posts in the last hours than in all the time
before), and the open alerts' clocks at a glance. Charts are SVG drawn on the
server (:mod:`yuqing.web.svg`): nothing is loaded from the internet.
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, g, render_template
from sqlalchemy import select

from yuqing.alerts import permissions as perm
from yuqing.alerts.clock import reply_window, timeliness
from yuqing.domain import Level
from yuqing.models import Alert, Event, utcnow
from yuqing.store import PostQuery
from yuqing.web import svg
from yuqing.web.auth import requires

bp = Blueprint("situation", __name__)

#: how many days the charts cover
DAYS = 14
#: an event is rising when it had a post in the last RISING_HOURS and more posts in them than before
RISING_HOURS = 6


@bp.get("/situation")
@requires(perm.VIEW_ALERTS)
def situation_page():
    cfg = g.config
    store = g.deployment.posts
    zone = ZoneInfo(cfg.timezone)
    now = utcnow()
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=DAYS - 1)
    days = [(since + timedelta(days=i)) for i in range(DAYS)]
    labels = [d.strftime("%m-%d") for d in days]
    series = []
    for level in Level.descending():
        hist = {t.date(): n for t, n in store.histogram("day", PostQuery(since=since, levels=[int(level)]), tz=cfg.timezone)}
        series.append((level.label, svg.LEVEL_COLOURS[int(level)], [hist.get(d.date(), 0) for d in days]))
    relevant = PostQuery(since=since, relevant=True)
    by_topic = sorted(store.counts_by("topic", relevant).items(), key=lambda kv: -kv[1])
    by_source = sorted(store.counts_by("source", relevant).items(), key=lambda kv: -kv[1])
    with_events = g.db.scalars(select(Event).where(Event.status == "open", Event.last_post_at >= since)).all()
    topics: dict[str, int] = {}
    for ev in with_events:
        topics[ev.topic or "未分类"] = topics.get(ev.topic or "未分类", 0) + 1
    rising = []
    for ev in with_events:
        spread = (ev.features or {}).get("spread") or {}
        recent = int(spread.get("recent_posts") or 0)
        before = (ev.post_count or 0) - recent
        if ev.last_post_at and ev.last_post_at >= now - timedelta(hours=RISING_HOURS) and recent > before:
            rising.append((ev, recent, before))
    rising.sort(key=lambda r: (-r[0].level, -(r[1] - r[2])))
    alerts = g.db.scalars(select(Alert).where(Alert.status == "open").order_by(Alert.level.desc(), Alert.deadline_at)).all()
    reply = reply_window(cfg)
    clocks = []
    for a in alerts:
        t = timeliness(a, now)
        left = t.time_left
        share = None if left is None else max(0.0, min(1.0, left / reply))
        clocks.append((a, t, share))
    return render_template(
        "situation.html", now=now, days=DAYS,
        posts_chart=svg.stacked_columns(labels, series, f"近{DAYS}天每日信息（按级别）"),
        topic_chart=svg.bars([(k or "未分类", v) for k, v in by_topic[:10]], f"近{DAYS}天相关信息（按话题）"),
        event_chart=svg.bars(sorted(topics.items(), key=lambda kv: -kv[1])[:10], "在办事件（按话题）", colour="#d9480f"),
        source_chart=svg.bars([(cfg.source_label(k), v) for k, v in by_source[:10]], f"近{DAYS}天相关信息（按来源）",
                              colour="#116329"),
        rising=rising[:10], clocks=clocks, rising_hours=RISING_HOURS,
    )
