"""``yuqing grade`` and ``yuqing events``: grading on the command line.

``grade --input FILE.jsonl`` grades posts given as JSON lines (all treated as
relevant) and prints one JSON line per input post: ``id``, ``event_id``,
``level`` (its Chinese name), ``reasons`` and more. It needs no configuration
(default thresholds; models cached under ``~/.cache/yuqing``) and stores
nothing. ``grade`` alone grades the deployment's pending posts.

``events list|show|merge|split|level|retrain|routing`` work on the stored
events; changes by hand name the user (``--user``) and are in the audit log.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from yuqing.cli import ID, pass_state
from yuqing.config import ConfigError, find_config
from yuqing.domain import Level
from yuqing.errors import YuqingError
from yuqing.localtime import local_text


def _level_choice(value: str) -> Level:
    try:
        return Level.parse(value)
    except ValueError as e:
        raise YuqingError(str(e)) from None


def default_config():
    """The configuration used when none exists: default thresholds, models in the user's cache, no database file."""
    from yuqing.config import UNKNOWN_LOCALITY, from_dict

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yuqing" / "default"
    return from_dict({"locality": {"name": UNKNOWN_LOCALITY}, "storage": {"data_dir": str(cache), "database_url": "sqlite://"}})


def _config_or_default(state):
    try:
        find_config(state.config_path)
    except ConfigError:
        if state.config_path:
            raise
        return default_config()
    return state.config


@click.command()
@click.option("--input", "input_path", metavar="FILE.jsonl",
              help="Grade these posts (JSON lines; '-' for standard input) and print one JSON line per post.")
@click.option("--limit", type=click.IntRange(1, 10**9), default=None, help="Grade at most this many pending posts.")
@click.option("--strict", is_flag=True,
              help="With --input: stop at the first bad line and grade nothing (default: report each bad line, "
                   "grade the others, exit 1).")
@pass_state
def grade(state, input_path: str | None, limit: int | None, strict: bool) -> None:
    """Group posts into events and grade them on the four-level scale.

    With --input, the posts of the file are graded and nothing is stored: each
    output line has id, event_id (events numbered from 1 within the input),
    level (特别重大 / 重大或较大 / 一般 / 影响较小) and reasons (in Chinese). A
    bad input line is reported on stderr by its number and left out; the
    others are graded and the exit status is 1. Fields the input has that
    yuqing does not know (such as time) are named in one warning.
    Without it, the deployment's classified, relevant, ungraded posts are graded
    into its events.
    """
    if input_path:
        from yuqing.cli import report_intake
        from yuqing.grading.api import grade_records
        from yuqing.intake import input_lines, read_posts

        cfg = _config_or_default(state)
        intake = read_posts(input_lines(input_path), tz=cfg.timezone, strict=strict)  # checked before output
        records, ids = intake.records, intake.ids
        if not records:
            report_intake(intake)
            return
        results = grade_records(cfg, records)
        lines = []
        for input_id, (post, event, level, reasons) in zip(ids, results):
            lines.append(json.dumps({
                "id": input_id,
                "event_id": event.id,
                "level": level.label,
                "reasons": reasons,
                "event_title": event.title,
                "event_posts": len(event.post_ids),
                "topic": post.topic,
                "negativity": round(post.negativity, 3) if post.negativity is not None else None,
            }, ensure_ascii=False))
        click.echo("\n".join(lines))
        report_intake(intake)
        return
    from yuqing.grading.api import grade_pending

    report = grade_pending(state.deployment(), limit=limit)
    for line in report.lines():
        click.echo(line)


@click.group()
def events() -> None:
    """Events (舆情事件): list and show them, merge and split by hand, set a level, retrain the grading model."""


def event_summary(ev, tz: str) -> dict:
    return {
        "id": ev.id, "title": ev.title, "level": Level(ev.level).label, "level_by": ev.level_by,
        "status": ev.status, "topic": ev.topic, "posts": ev.post_count, "engagement": ev.engagement,
        "sources": ev.sources, "media_levels": ev.media_levels,
        "first_published_at": ev.first_published_at.isoformat() if ev.first_published_at else None,
        "first_seen_at": ev.first_seen_at.isoformat() if ev.first_seen_at else None,
        "last_post_at": ev.last_post_at.isoformat() if ev.last_post_at else None,
        "merged_into": ev.merged_into_id, "reasons": list(ev.level_reasons or []),
    }


@events.command("list")
@click.option("--status", type=click.Choice(["open", "merged", "closed", "all"]), default="open", show_default=True)
@click.option("--level", "min_level", default=None, help="Only events at or above this level (e.g. 一般).")
@click.option("--limit", type=click.IntRange(1, 10**6), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_state
def events_list(state, status: str, min_level: str | None, limit: int, as_json: bool) -> None:
    """List events, most severe and most recent first."""
    from yuqing.models import Event

    dep = state.deployment()
    tz = dep.config.timezone
    q = select(Event)
    if status != "all":
        q = q.where(Event.status == status)
    if min_level:
        q = q.where(Event.level >= int(_level_choice(min_level)))
    q = q.order_by(Event.level.desc(), Event.last_post_at.desc().nulls_last(), Event.id.desc()).limit(limit)
    with dep.sessions() as s:
        rows = list(s.scalars(q))
        if not rows and not as_json:
            click.echo("no events")
        for ev in rows:
            if as_json:
                click.echo(json.dumps(event_summary(ev, tz), ensure_ascii=False))
            else:
                click.echo(f"{ev.id}\t{Level(ev.level).label}\t{ev.post_count}条\t互动{ev.engagement}\t"
                           f"{local_text(ev.first_published_at or ev.first_seen_at, tz)}\t{ev.status}\t{ev.title}")


@events.command("show")
@click.argument("event_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="As one JSON object (with posts and trend).")
@pass_state
def events_show(state, event_id: int, as_json: bool) -> None:
    """Show one event: level and reasons, response routing, spread, trend and posts."""
    from yuqing.grading.events import event_posts, get_event
    from yuqing.grading.routing import response_for
    from yuqing.grading.spread import trend

    dep = state.deployment()
    cfg = dep.config
    tz = cfg.timezone
    with dep.sessions() as s:
        ev = get_event(s, event_id)
        info = event_summary(ev, tz)
        features = dict(ev.features or {})
    posts = event_posts(dep, event_id)
    rows = trend(posts, ZoneInfo(tz))
    response = response_for(cfg, Level.parse(info["level"]))
    if as_json:
        info["response"] = {"lead": response.lead, "inform": [n for n in response.audience if n != response.lead]}
        info["spread"] = features.get("spread", {})
        info["trend"] = [{"hour": r["hour"].isoformat(), "posts": r["posts"], "engagement": r["engagement"]} for r in rows]
        info["posts_list"] = [{"id": p.id, "source": p.source, "title": p.title, "url": p.url,
                               "published_at": p.published_at.isoformat() if p.published_at else None,
                               "interactions": p.interactions} for p in posts]
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(f"事件 {ev.id}：{info['title']}")
    click.echo(f"级别：{info['level']}（{'人工认定：' + info['level_by'] if info['level_by'] not in ('model', 'rule') else '系统评估'}）  状态：{info['status']}")
    click.echo(f"分级响应：{response.describe()}")
    click.echo(f"首发：{local_text(ev.first_published_at, tz)}  发现：{local_text(ev.first_seen_at, tz)}  最近：{local_text(ev.last_post_at, tz)}")
    click.echo(f"帖子{info['posts']}条，互动{info['engagement']}次；来源：{'、'.join(info['sources']) or '—'}")
    click.echo("理由：")
    for r in info["reasons"]:
        click.echo(f"  - {r}")
    if rows:
        click.echo("走势（每小时帖子/互动）：")
        for r in rows[-24:]:
            if r["posts"]:
                click.echo(f"  {r['hour'].strftime('%m-%d %H:00')}  {r['posts']}条  {r['engagement']}次")
    click.echo("帖子：")
    for p in posts[:50]:
        click.echo(f"  {p.id}\t{local_text(p.published_at or p.fetched_at, tz)}\t{p.source}\t{(p.title or p.text)[:40]}\t{p.url or ''}")


@events.command("merge")
@click.argument("target", type=ID)
@click.argument("other", type=ID)
@click.option("--user", required=True, help="Who merges (a monitor, the office or a leader).")
@click.option("--reason", default="", help="Why they are the same issue.")
@pass_state
def events_merge(state, target: int, other: int, user: str, reason: str) -> None:
    """Merge event OTHER into event TARGET (the same issue); the level never drops by merging."""
    from yuqing.grading.events import merge

    ev = merge(state.deployment(), target, other, by=user, reason=reason)
    click.echo(f"merged event {other} into {ev.id}: {ev.post_count} posts, level {Level(ev.level).label}")


@events.command("split")
@click.argument("event_id", type=ID)
@click.option("--posts", "post_ids", required=True, metavar="ID,ID", help="Post ids to move into a new event.")
@click.option("--user", required=True, help="Who splits (a monitor, the office or a leader).")
@click.option("--reason", default="", help="Why these posts are another issue.")
@pass_state
def events_split(state, event_id: int, post_ids: str, user: str, reason: str) -> None:
    """Move some posts of an event into a new event of their own."""
    from yuqing.grading.events import split

    try:
        ids = [int(x) for x in post_ids.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise YuqingError(f"--posts: {post_ids!r} must be post ids separated by commas") from None
    new = split(state.deployment(), event_id, ids, by=user, reason=reason)
    click.echo(f"split {len(ids)} post(s) from event {event_id} into new event {new.id} "
               f"(level {Level(new.level).label})")


@events.command("level")
@click.argument("event_id", type=ID)
@click.option("--level", "level", required=True, help="特别重大, 重大或较大, 一般 or 影响较小 (or I–IV).")
@click.option("--user", required=True, help="Who sets it (a monitor, the office or a leader).")
@click.option("--reason", required=True, help="Why (required; it is kept with the event and in the audit log).")
@pass_state
def events_level(state, event_id: int, level: str, user: str, reason: str) -> None:
    """Set an event's level by hand, with a reason. It feeds the next retraining."""
    from yuqing.grading.api import override_level

    change = override_level(state.deployment(), event_id, _level_choice(level), by=user, reason=reason)
    click.echo(f"event {event_id}: {change.old.label} → {change.new.label} (by {user})")


@events.command("retrain")
@click.option("--user", default="system", help="Who asked for it (for the audit log).")
@pass_state
def events_retrain(state, user: str) -> None:
    """Retrain the severity model with the monitors' level corrections; switch only if not worse."""
    from yuqing.grading.retrain import retrain

    for line in retrain(state.deployment(), by=user).lines():
        click.echo(line)


@events.command("routing")
@pass_state
def events_routing(state) -> None:
    """Show who leads the response and who is informed at each level (分级响应)."""
    from yuqing.grading.routing import table

    for r in table(_config_or_default(state)):
        click.echo(r.describe())
