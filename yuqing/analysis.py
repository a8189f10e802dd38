"""Posts, events and alerts as pandas DataFrames, for analysts' notebooks.

    from yuqing import analysis
    dep = analysis.open_deployment()            # $YUQING_CONFIG, else yuqing-demo/yuqing.yaml
    week = analysis.posts(dep, since="2026-11-14", relevant=True)
    week.groupby([week.time.dt.date, "level_name"], observed=True).size().unstack()

Every function takes a :class:`~yuqing.deployment.Deployment`, a configuration
path, or nothing (then ``$YUQING_CONFIG``, else ``yuqing-demo/yuqing.yaml`` in
this folder or a parent). Filters: ``since``/``until`` (aware datetimes, or
dates and strings read as Asia/Shanghai), ``levels`` (Level, 特别重大…, I–IV
or 1–4), ``topics``, ``sources``.

Posts are read through the deployment's post store (SQL or Elasticsearch), a
page at a time. Dtypes are proper pandas types: times are
``datetime64[ns, Asia/Shanghai]``, counts ``Int64``, flags ``boolean``,
level names an *ordered* category (影响较小 < 一般 < 重大或较大 < 特别重大),
topics and sources categories, durations ``timedelta64[ns]``.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import pandas as pd

from yuqing.domain import AlertStatus, DISPLAY_TZ, Level, Step
from yuqing.store import PostQuery

DEMO_CONFIG = Path("yuqing-demo") / "yuqing.yaml"
PAGE = 5000

#: level names in order of severity (the categories of ``level_name``)
LEVEL_NAMES = [lv.label for lv in sorted(Level)]
STEP_NAMES = [s.label for s in Step]

_OPEN: dict[str, Any] = {}


# -- the deployment ----------------------------------------------------------

def find_config(path: str | os.PathLike | None = None) -> Path:
    """The configuration to read: ``path``, ``$YUQING_CONFIG``, or the demo's, searched upwards from here."""
    from yuqing.errors import YuqingError

    if path:
        return Path(path)
    env = os.environ.get("YUQING_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / DEMO_CONFIG).is_file():
            return folder / DEMO_CONFIG
    raise YuqingError("no configuration: set YUQING_CONFIG, or run 'yuqing demo' to create yuqing-demo/yuqing.yaml")


def open_deployment(deployment_or_config_path=None):
    """The deployment for a path (opened once per process), or the deployment given."""
    if deployment_or_config_path is not None and hasattr(deployment_or_config_path, "posts"):
        return deployment_or_config_path
    from yuqing.config import load
    from yuqing.deployment import Deployment

    path = str(find_config(deployment_or_config_path).resolve())
    if path not in _OPEN:
        _OPEN[path] = Deployment.open(load(path))
    return _OPEN[path]


# -- filters ---------------------------------------------------------------

def _moment(value, tz: str) -> datetime | None:
    """An aware UTC datetime from a datetime, date, Timestamp or string; naive means local (Asia/Shanghai)."""
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    return ts.tz_convert("UTC").to_pydatetime()


def _levels(levels) -> list[int] | None:
    if levels is None:
        return None
    if isinstance(levels, (str, int, Level)):
        levels = [levels]
    return [int(Level.parse(x)) for x in levels]


def _names(values) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)


# -- dtypes ------------------------------------------------------------------

def _times(values: Iterable, tz: str) -> pd.Series:
    s = pd.to_datetime(pd.Series(list(values), dtype="object"), utc=True)
    return s.astype("datetime64[ns, UTC]").dt.tz_convert(tz)


def _level_names(levels: pd.Series) -> pd.Series:
    names = levels.map(lambda v: Level(int(v)).label if pd.notna(v) and int(v) in (1, 2, 3, 4) else None)
    return pd.Series(pd.Categorical(names, categories=LEVEL_NAMES, ordered=True), index=levels.index)


def _step_names(steps: pd.Series) -> pd.Series:
    names = steps.map(lambda v: Step(int(v)).label if pd.notna(v) else None)
    return pd.Series(pd.Categorical(names, categories=STEP_NAMES, ordered=True), index=steps.index)


def _frame(columns: dict[str, list], spec: dict[str, str], tz: str) -> pd.DataFrame:
    out = {}
    for name, kind in spec.items():
        values = columns.get(name, [])
        if kind == "time":
            out[name] = _times(values, tz)
        elif kind == "delta":
            out[name] = pd.Series(pd.to_timedelta(pd.Series(values, dtype="object")), dtype="timedelta64[ns]")
        else:
            out[name] = pd.Series(values, dtype=kind if kind != "list" else "object")
        if name == "level":  # the ordered Chinese level name goes beside the number
            out["level_name"] = _level_names(out[name])
    return pd.DataFrame(out)


POST_COLUMNS = {
    "id": "Int64",
    "time": "time",
    "published_at": "time",
    "fetched_at": "time",
    "source": "category",
    "kind": "category",
    "media_level": "category",
    "title": "string",
    "text": "string",
    "url": "string",
    "author": "string",
    "reposts": "Int64",
    "comments": "Int64",
    "likes": "Int64",
    "interactions": "Int64",
    "author_followers": "Int64",
    "author_verified": "boolean",
    "relevant": "boolean",
    "relevance": "Float64",
    "topic": "category",
    "negativity": "Float64",
    "event_id": "Int64",
    "level": "Int64",
    "duplicate_of": "Int64",
    "classified_at": "time",
    "graded_at": "time",
}


def posts(
    deployment_or_config_path=None,
    since=None,
    until=None,
    levels=None,
    topics=None,
    sources=None,
    *,
    relevant: bool | None = None,
    event_id: int | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Posts in [since, until) by their time (published, else fetched), oldest first.

    ``time`` is the post's time in Asia/Shanghai; ``level_name`` the ordered level category; ``source_name``
    the source's Chinese display name.
    """
    dep = open_deployment(deployment_or_config_path)
    tz = dep.config.timezone if dep.config.timezone else DISPLAY_TZ
    q = PostQuery(
        text=text,
        since=_moment(since, tz),
        until=_moment(until, tz),
        levels=_levels(levels),
        topics=_names(topics),
        sources=_names(sources),
        relevant=relevant,
        event_id=event_id,
        sort="oldest",
    )
    cols: dict[str, list] = {name: [] for name in POST_COLUMNS}
    offset = 0
    while True:
        page = dep.posts.search(PostQuery(**{**q.__dict__, "limit": PAGE, "offset": offset}))
        for p in page:
            for name in POST_COLUMNS:
                if name == "time":
                    cols[name].append(p.when)
                elif name == "interactions":
                    cols[name].append(p.interactions)
                else:
                    cols[name].append(getattr(p, name))
        if len(page) < PAGE:
            break
        offset += PAGE
    df = _frame(cols, POST_COLUMNS, tz)
    # the source as the office calls it (its Chinese display name), for tables and chart legends
    names = {name: dep.config.source_label(name) for name in df["source"].dropna().unique()}
    df.insert(df.columns.get_loc("source") + 1, "source_name", df["source"].map(names).astype("category"))
    return df


EVENT_COLUMNS = {
    "id": "Int64",
    "title": "string",
    "summary": "string",
    "topic": "category",
    "level": "Int64",
    "level_by": "string",
    "status": "category",
    "started_at": "time",
    "first_published_at": "time",
    "first_seen_at": "time",
    "last_post_at": "time",
    "post_count": "Int64",
    "engagement": "Int64",
    "negativity": "Float64",
    "sources": "list",
    "media_levels": "list",
    "merged_into_id": "Int64",
    "alert_id": "Int64",
}


def events(
    deployment_or_config_path=None,
    since=None,
    until=None,
    levels=None,
    topics=None,
    sources=None,
    *,
    status: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Events whose issue arose in [since, until) (first publication, else first seen)."""
    from sqlalchemy import func, select

    from yuqing.models import Alert, Event

    dep = open_deployment(deployment_or_config_path)
    tz = dep.config.timezone
    started = func.coalesce(Event.first_published_at, Event.first_seen_at)
    q = select(Event, Alert.id).outerjoin(Alert, Alert.event_id == Event.id).order_by(started, Event.id)
    if since is not None:
        q = q.where(started >= _moment(since, tz))
    if until is not None:
        q = q.where(started < _moment(until, tz))
    if levels is not None:
        q = q.where(Event.level.in_(_levels(levels)))
    if topics is not None:
        q = q.where(Event.topic.in_(_names(topics)))
    if status is not None:
        q = q.where(Event.status.in_(_names(status)))
    wanted = set(_names(sources) or [])
    cols: dict[str, list] = {name: [] for name in EVENT_COLUMNS}
    with dep.sessions() as s:
        for ev, alert_id in s.execute(q):
            if wanted and not wanted & set(ev.sources or []):
                continue
            for name in EVENT_COLUMNS:
                if name == "started_at":
                    cols[name].append(ev.started_at)
                elif name == "alert_id":
                    cols[name].append(alert_id)
                else:
                    cols[name].append(getattr(ev, name))
    return _frame(cols, EVENT_COLUMNS, tz)


ALERT_COLUMNS = {
    "id": "Int64",
    "event_id": "Int64",
    "title": "string",
    "level": "Int64",
    "topic": "category",
    "status": "category",
    "current_step": "Int64",
    "issue_started_at": "time",
    "created_at": "time",
    "deadline_at": "time",
    "reported_at": "time",
    "replied_at": "time",
    "overdue_at": "time",
    "escalated_at": "time",
    "closed_at": "time",
    "time_to_report": "delta",
    "time_to_reply": "delta",
    "within_12h": "boolean",
    "overdue": "boolean",
    "late_reply": "boolean",
    "found_late": "boolean",
    "follow_up_round": "Int64",
}


def alerts(
    deployment_or_config_path=None,
    since=None,
    until=None,
    levels=None,
    topics=None,
    sources=None,
    *,
    status: str | Iterable[str] | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Alerts found (opened) in [since, until) — the ledger's and the monthly report's definition of a period's
    alerts — with their response times against the reply clock.

    ``time_to_report`` / ``time_to_reply``: from the issue arising to 快报 (step 3) and
    to 正面回复 (step 6). ``within_12h``: replied by the deadline (True), replied late or
    past the deadline without a reply (False), clock still running (<NA>). ``overdue``:
    past the deadline with no reply. ``late_reply``: replied after the deadline (迟报). ``found_late``: opened
    only after the deadline had passed (发现滞后: neither 迟报 nor 漏报; ``within_12h`` is <NA>).
    """
    from sqlalchemy import select

    from yuqing.alerts import clock
    from yuqing.models import Alert, Event, utcnow

    dep = open_deployment(deployment_or_config_path)
    tz = dep.config.timezone
    at = now or utcnow()
    q = select(Alert, Event.topic, Event.sources).join(Event, Event.id == Alert.event_id).order_by(
        Alert.created_at, Alert.id
    )
    if since is not None:
        q = q.where(Alert.created_at >= _moment(since, tz))
    if until is not None:
        q = q.where(Alert.created_at < _moment(until, tz))
    if levels is not None:
        q = q.where(Alert.level.in_(_levels(levels)))
    if topics is not None:
        q = q.where(Event.topic.in_(_names(topics)))
    if status is not None:
        q = q.where(Alert.status.in_(_names(status)))
    wanted = set(_names(sources) or [])
    cols: dict[str, list] = {name: [] for name in ALERT_COLUMNS}
    with dep.sessions() as s:
        for a, topic, ev_sources in s.execute(q):
            if wanted and not wanted & set(ev_sources or []):
                continue
            replied = a.replied_at
            found_late = clock.found_late(a)
            if found_late:
                within = None  # 发现滞后: the office never had the time; counted apart
            elif replied is not None:
                within = replied <= a.deadline_at
            elif a.deadline_at <= at:
                within = False
            else:
                within = None
            derived = {
                "topic": topic,
                "time_to_report": a.reported_at - a.issue_started_at if a.reported_at else None,
                "time_to_reply": replied - a.issue_started_at if replied else None,
                "within_12h": within if a.status != AlertStatus.DISMISSED else None,
                "overdue": replied is None and a.deadline_at < at and a.status != AlertStatus.DISMISSED and not found_late,
                "late_reply": clock.is_late(a),
                "found_late": found_late,
            }
            for name in ALERT_COLUMNS:
                cols[name].append(derived[name] if name in derived else getattr(a, name))
    df = _frame(cols, ALERT_COLUMNS, tz)
    df.insert(df.columns.get_loc("current_step") + 1, "step_name", _step_names(df["current_step"]))
    return df


def latest_post_time(deployment_or_config_path=None, relevant: bool | None = True) -> pd.Timestamp | None:
    """The time of the newest post (Asia/Shanghai), or None for an empty store: notebooks' "now" on old data."""
    dep = open_deployment(deployment_or_config_path)
    newest = dep.posts.search(PostQuery(relevant=relevant, sort="time", limit=1))
    if not newest:
        return None
    return pd.Timestamp(newest[0].when).tz_convert(dep.config.timezone)


def week_start(today: date | None = None, tz: str = DISPLAY_TZ) -> pd.Timestamp:
    """Midnight (Asia/Shanghai) seven days before ``today`` (default: now): the notebooks' default window."""
    today = today or datetime.now(ZoneInfo(tz)).date()
    return pd.Timestamp(today - timedelta(days=6)).tz_localize(tz)


def use_cjk_font() -> str:
    """Make matplotlib (pyplot included) draw Chinese: returns the font's name, or raises if none is installed."""
    import matplotlib

    from yuqing.reports.charts import cjk_font

    font = cjk_font()
    matplotlib.rcParams["font.family"] = [font.name, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return font.name


__all__ = ["open_deployment", "posts", "events", "alerts", "latest_post_time", "week_start", "use_cjk_font", "LEVEL_NAMES", "STEP_NAMES"]
