"""Events as stored: their figures kept up to date, their level changes, merges and splits by hand.

An :class:`~yuqing.models.Event` row keeps what the office needs at a glance:
first seen and first published, last post, post count, total engagement, the
sources and media levels involved, topic, negativity, level with its reasons,
and in ``features`` the grouping state (``grouping``), the spread figures of
its last grading (``spread``), the monitor's override (``override``) and the
level history (``history``). :func:`refresh` recomputes the figures from the
posts; :func:`event_trend` gives posts and engagement per hour.

The level rules of re-grading (SPEC §2 step 2, issue 5): a higher level is an
escalation; a level never drops by itself while the event's alert is open; a
monitor may set any level with a reason (:func:`set_level`), and that level
stands until the event worsens beyond what was known when it was set (a higher
level than then, or a rule that had not fired then, such as a death). Every
change is in the audit log, in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session
from yuqing.grading.features import SUMMARY_CHARS
from yuqing.grading.grouping import EventState, Vocabulary
from yuqing.grading.spread import post_time, trend

from yuqing import audit
from yuqing.domain import Level, Role
from yuqing.errors import PermissionDenied, YuqingError
from yuqing.models import Alert, Event, LabelCorrection, User, utcnow
from yuqing.store import PostQuery

#: roles that may change an event by hand (the same as may re-grade an alert)
EDITOR_ROLES = frozenset({Role.MONITOR.value, Role.OFFICE.value, Role.LEADER.value})
MAX_EVENT_POSTS = 20000
HISTORY_KEEP = 50


def event_posts(deployment, event_id: int, limit: int = MAX_EVENT_POSTS) -> list:
    """The posts of an event, oldest first (through the post store: posts may live in Elasticsearch)."""
    return deployment.posts.search(PostQuery(event_id=event_id, sort="oldest", limit=limit))


def event_trend(deployment, event_id: int) -> list[dict]:
    """Posts and engagement per hour of one event, in the deployment's time zone."""
    return trend(event_posts(deployment, event_id), ZoneInfo(deployment.config.timezone))


def alert_open(session: Session, event_id: int) -> bool:
    return session.scalar(select(Alert.id).where(Alert.event_id == event_id, Alert.status == "open")) is not None


#: 舆情负面 from which a post makes its event an issue (the 12-hour clock may start there): clearly negative, so
#: that a notice the model half reads as negative (an inspection announced, a meeting held) does not start the
#: office's deadline hours before the public's complaint; the monitor corrects a start that is still wrong
ISSUE_NEGATIVITY = 0.8


def issue_start(posts: list, official: frozenset[str] | set[str] = frozenset()) -> dict[str, Any] | None:
    """The post from which the event is an issue, where its 12-hour clock starts, and why (in Chinese).

    The first post, not from the office's own channels (sources configured ``official: true``: a government
    notice is no public opinion), that is clearly negative about the matter (舆情负面 ≥ :data:`ISSUE_NEGATIVITY`); else the first post not from
    those channels; else the first post. An older neutral post grouped into the event (a notice of valuation
    results before the complaints about a demolition) does not start the clock.
    """
    ordered = sorted((p for p in posts if post_time(p) is not None), key=lambda p: (post_time(p), p.id or 0))
    if not ordered:
        return None
    public = [p for p in ordered if p.source not in official]
    negative = [p for p in public if p.negativity is None and p.kind == "manual"
                or (p.negativity or 0.0) >= ISSUE_NEGATIVITY]
    if negative:
        first, why = negative[0], "首条负面信息"
    elif public:
        first, why = public[0], "首条非官方信息（事件中没有负面信息）"
    else:
        first, why = ordered[0], "首条信息（全部来自本单位官方渠道）"
    skipped = ordered.index(first)
    if skipped:
        why += f"；此前{skipped}条{'官方或' if official else ''}非负面信息不起算"
    return {"post_id": first.id, "at": post_time(first).isoformat(), "why": why,
            "title": (first.title or first.text or "")[:120], "url": first.url, "source": first.source}


def official_sources(cfg) -> frozenset[str]:
    """The sources that are the office's own channels (``official: true``)."""
    return frozenset(s.name for s in getattr(cfg, "sources", []) if getattr(s, "official", False))


def refresh(ev: Event, posts: list, view=None, state: EventState | None = None, vocab: Vocabulary | None = None,
            official: frozenset[str] = frozenset()) -> None:
    """Recompute the stored figures of an event from its posts (and its grading view, when graded)."""
    if not posts:
        ev.post_count, ev.engagement = 0, 0
        return
    fetched = [p.fetched_at for p in posts if p.fetched_at]
    published = [p.published_at for p in posts if p.published_at]
    ev.first_seen_at = min(fetched) if fetched else (ev.first_seen_at or utcnow())
    ev.first_published_at = min(published) if published else None
    ev.last_post_at = max(post_time(p) for p in posts)
    ev.post_count = len(posts)
    ev.engagement = sum(p.interactions for p in posts)
    ev.sources = list(dict.fromkeys(p.source for p in posts if p.source))
    order = ("central", "provincial", "local", "self")
    present = {p.media_level for p in posts}
    ev.media_levels = [m for m in order if m in present]
    features = dict(ev.features or {})
    clock = issue_start(posts, official)
    if clock is not None:
        features["clock"] = clock
    if view is not None:
        ev.title = (view.title or ev.title or "")[:300]
        ev.summary = view.text[:SUMMARY_CHARS]
        ev.topic = view.topic
        ev.negativity = view.negativity
        s = view.spread
        features["spread"] = {
            "posts": s.post_count, "reposts": s.reposts, "comments": s.comments, "likes": s.likes,
            "interactions": s.interactions, "max_followers": s.max_followers, "big_v_posts": s.big_v_posts,
            "posts_per_hour": round(s.posts_per_hour, 3), "engagement_per_hour": round(s.engagement_per_hour, 1),
            "recent_posts": s.recent_posts, "growth": round(s.growth, 3), "span_hours": round(s.span_hours, 2),
        }
        sig = view.signals
        features["signals"] = {"deaths": sig.deaths, "injured": sig.injured, "crowd": sig.crowd, "sick": sig.sick}
    if state is not None and vocab is not None:
        features["grouping"] = state.to_features(vocab)
    ev.features = features


# -- levels ---------------------------------------------------------------------------

@dataclass
class LevelChange:
    event_id: int
    old: Level
    new: Level
    computed: Level
    kept: bool = False  # the computed level was lower and the level was kept


def apply_grade(session: Session, ev: Event, grade, now: datetime, *, new_event: bool = False) -> LevelChange:
    """Set the event's level from a fresh grading, following the re-grading rules; audited."""
    old = Level(ev.level) if not new_event else Level.MINOR
    computed = grade.level
    features = dict(ev.features or {})
    override = features.get("override")
    reasons = list(grade.reasons)
    level = computed
    kept = False
    by = "rule" if grade.rules.floor > grade.model_level else "model"
    fired = [f.rule for f in grade.rules.floors]
    if override and not new_event:
        known = Level(int(override.get("computed", override["level"])))
        new_rules = [f for f in grade.rules.floors if f.rule not in set(override.get("rules") or []) and f.level > old]
        if computed > old and (computed > known or new_rules):
            why = f"新出现：{new_rules[0].reason}" if new_rules else f"系统评估升至{computed.label}"
            reasons.insert(0, f"事件继续发酵（{why}），由人工认定的{old.label}升为{computed.label}")
            features.pop("override")
        else:
            level, kept, by = old, True, override.get("by") or ev.level_by
            reasons = [f"人工认定（{override.get('by')}）：{override.get('reason')}",
                       f"系统现评估为{computed.label}，保持人工认定的{old.label}", *reasons]
    elif not new_event and computed < old and alert_open(session, ev.id):
        level, kept, by = old, True, ev.level_by
        reasons = [f"预警处置中，级别不自动下调（系统现评估为{computed.label}，仍为{old.label}）", *reasons]
    ev.level = int(level)
    ev.level_reasons = reasons
    ev.level_by = by
    features["rules"] = fired
    if new_event or level != old:
        history = list(features.get("history") or [])[-HISTORY_KEEP + 1:]
        history.append({"at": now.isoformat(), "level": int(level), "by": by})
        features["history"] = history
    ev.features = features
    if not new_event and level != old:
        audit.record(session, audit.SYSTEM, "event.level", ev, at=now, old_level=old.label, new_level=Level(level).label,
                     computed=computed.label, reasons=reasons[:3])
    return LevelChange(ev.id, old, Level(level), computed, kept)


def require_editor(session: Session, username: str) -> User:
    """The user making a change by hand; only monitors, the office and leaders may."""
    if not username:
        raise YuqingError("say who makes the change: --user USERNAME")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise PermissionDenied(f"没有用户 {username}；用户在配置文件的 users 中添加")
    if not user.active:
        raise PermissionDenied(f"用户 {username} 已停用")
    if user.role not in EDITOR_ROLES:
        allowed = "、".join(Role(r).label for r in sorted(EDITOR_ROLES))
        raise PermissionDenied(f"用户 {username}（{Role(user.role).label}）不能调整事件；允许的角色：{allowed}")
    return user


def get_event(session: Session, event_id: int) -> Event:
    ev = session.get(Event, int(event_id))
    if ev is None:
        raise YuqingError(f"no event {event_id}")
    return ev


def set_level(deployment, event_id: int, level: Any, *, by: str, reason: str, now: datetime | None = None,
              session: Session | None = None, record_correction: bool | None = None) -> LevelChange:
    """A monitor sets an event's level, with a reason (required). Audited; feeds retraining.

    With ``session`` the change joins the caller's transaction (the alerts' re-grade
    records its own correction); without, it commits on its own and records a
    ``LabelCorrection`` (task "level").
    """
    now = now or utcnow()
    new = Level.parse(level)
    reason = (reason or "").strip()
    if not reason:
        raise YuqingError("a level set by hand needs a reason: --reason TEXT")
    if record_correction is None:
        record_correction = session is None
    if session is None:
        with deployment.sessions() as s, s.begin():
            change = _set_level(deployment, s, event_id, new, by, reason, now, record_correction)
        _copy_level(deployment, event_id, new)
        return change
    change = _set_level(deployment, session, event_id, new, by, reason, now, record_correction)
    sa_event.listen(session, "after_commit", lambda _s: _copy_level(deployment, event_id, new), once=True)
    return change


def _set_level(deployment, s: Session, event_id, new: Level, by: str, reason: str, now, record_correction) -> LevelChange:
    require_editor(s, by)
    ev = get_event(s, event_id)
    if ev.status == "merged":
        raise YuqingError(f"event {ev.id} was merged into event {ev.merged_into_id}; set the level there")
    old = Level(ev.level)
    features = dict(ev.features or {})
    prior = features.get("override") or {}
    computed = int(prior.get("computed", ev.level)) if ev.level_by not in ("model", "rule") else int(ev.level)
    features["override"] = {"level": int(new), "by": by, "reason": reason, "at": now.isoformat(), "computed": computed,
                            "rules": list(features.get("rules") or [])}
    history = list(features.get("history") or [])[-HISTORY_KEEP + 1:]
    history.append({"at": now.isoformat(), "level": int(new), "by": by, "reason": reason})
    features["history"] = history
    ev.features = features
    ev.level = int(new)
    ev.level_by = by
    ev.level_reasons = [f"人工认定（{by}）：{reason}",
                        *[r for r in (ev.level_reasons or []) if not str(r).startswith(("人工认定", "人工调整"))]]
    if record_correction:
        s.add(LabelCorrection(task="level", post_id=None, event_id=ev.id, text=f"{ev.title}\n{ev.summary or ''}".strip(),
                              old_label=old.label, new_label=new.label, reason=reason, by_user=by, at=now))
    audit.record(s, by, "event.level", ev, at=now, old_level=old.label, new_level=new.label, reason=reason)
    return LevelChange(ev.id, old, new, Level(computed))


def _copy_level(deployment, event_id: int, level: Level) -> None:
    ids = [p.id for p in event_posts(deployment, event_id)]
    if ids:
        deployment.posts.update({i: {"level": int(level)} for i in ids})


# -- merging and splitting ------------------------------------------------------------------

def merge(deployment, target_id: int, source_id: int, *, by: str, reason: str = "", now: datetime | None = None,
          grader=None) -> Event:
    """Merge event ``source_id`` into ``target_id`` (the same incident). The level never drops by merging."""
    from yuqing.grading.api import Grader

    now = now or utcnow()
    if int(target_id) == int(source_id):
        raise YuqingError("an event cannot be merged into itself")
    grader = grader or Grader.for_config(deployment.config)
    with deployment.sessions() as s, s.begin():
        require_editor(s, by)
        target, source = get_event(s, target_id), get_event(s, source_id)
        for ev in (target, source):
            if ev.status == "merged":
                raise YuqingError(f"event {ev.id} was already merged into event {ev.merged_into_id}")
        posts = event_posts(deployment, target.id) + event_posts(deployment, source.id)
        state = grader.state_from_posts(target.id, posts)
        g = grader.grade([posts])[0]
        old_levels = (Level(target.level), Level(source.level))
        refresh(target, posts, g.view, state, grader.vocab, official_sources(deployment.config))
        level = max(g.level, *old_levels)
        target.level = int(level)
        target.level_reasons = [f"由事件 {source.id} 合并而来（{by}）" + (f"：{reason}" if reason else ""), *g.reasons]
        target.level_by = by if level > g.level else ("rule" if g.rules.floor > g.model_level else "model")
        source.status = "merged"
        source.merged_into_id = target.id
        audit.record(s, by, "event.merge", target, at=now, merged=source.id, reason=reason, posts=len(posts),
                     old_level=old_levels[0].label, new_level=level.label)
        audit.record(s, by, "event.merged_into", source, at=now, into=target.id, reason=reason)
        moved = [p.id for p in posts if p.event_id == source.id]
        target_id, level_int = target.id, int(level)
    deployment.posts.update({pid: {"event_id": target_id, "level": level_int} for pid in moved})
    deployment.posts.update({p.id: {"level": level_int} for p in posts if p.id not in set(moved)})
    with deployment.sessions() as s:
        return s.get(Event, target_id)


def split(deployment, event_id: int, post_ids: list[int], *, by: str, reason: str = "", now: datetime | None = None,
          grader=None) -> Event:
    """Move some posts of an event into a new event of their own; both are graded again. Returns the new event."""
    from yuqing.grading.api import Grader

    now = now or utcnow()
    grader = grader or Grader.for_config(deployment.config)
    wanted = list(dict.fromkeys(int(p) for p in post_ids))
    if not wanted:
        raise YuqingError("name the posts to split off: --posts ID,ID")
    with deployment.sessions() as s, s.begin():
        require_editor(s, by)
        ev = get_event(s, event_id)
        if ev.status == "merged":
            raise YuqingError(f"event {ev.id} was merged into event {ev.merged_into_id}")
        posts = event_posts(deployment, ev.id)
        ids = {p.id for p in posts}
        missing = [str(p) for p in wanted if p not in ids]
        if missing:
            raise YuqingError(f"posts not in event {ev.id}: {', '.join(missing)}")
        if len(wanted) == len(ids):
            raise YuqingError("cannot split off every post of an event; leave at least one")
        moving = [p for p in posts if p.id in set(wanted)]
        staying = [p for p in posts if p.id not in set(wanted)]
        new = Event(status="open", first_seen_at=now, level=int(Level.MINOR))
        s.add(new)
        s.flush()
        g_stay, g_new = grader.grade([staying, moving])
        official = official_sources(deployment.config)
        refresh(ev, staying, g_stay.view, grader.state_from_posts(ev.id, staying), grader.vocab, official)
        change = apply_grade(s, ev, g_stay, now)
        refresh(new, moving, g_new.view, grader.state_from_posts(new.id, moving), grader.vocab, official)
        apply_grade(s, new, g_new, now, new_event=True)
        new.level_reasons = [f"由事件 {ev.id} 拆分而来（{by}）" + (f"：{reason}" if reason else ""), *new.level_reasons]
        new.features = {**(new.features or {}), "split_from": ev.id}
        audit.record(s, by, "event.split", ev, at=now, new_event=new.id, posts=wanted, reason=reason,
                     level=change.new.label)
        audit.record(s, by, "event.split_from", new, at=now, source_event=ev.id, posts=wanted, reason=reason,
                     level=Level(new.level).label)
        new_id, new_level, stay_level = new.id, new.level, ev.level
    deployment.posts.update({p.id: {"event_id": new_id, "level": new_level} for p in moving})
    deployment.posts.update({p.id: {"level": stay_level} for p in staying})
    with deployment.sessions() as s:
        return s.get(Event, new_id)
