"""What the pipeline and the scheduler call: open and escalate alerts, run the clock.

- :func:`sync_alerts` — after grading: an alert for every open event at or
  above ``thresholds.alert_min_level`` that has none (I and II first), an
  escalation for every alert whose event's level rose (re-reported, the new
  audience notified), and the bookkeeping of merged events and earlier posts.
- :func:`check_deadlines` — every minute: reminders as the deadline nears
  (``alerts.reminders_hours_left``, each once), overdue alerts marked and
  escalated to the leaders, overdue 联系单 marked.
- :func:`queue` — the open alerts as the queue shows them, paginated.

Each alert is handled in its own transaction, so one bad row never stops the
others; notifications go out after each commit.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import selectinload

from yuqing.alerts import liaison, workflow
from yuqing.alerts.base import SYSTEM, WorkflowError, _now, open_session, register
from yuqing.alerts.clock import Timeliness, is_late, is_missed, time_left, time_to_reply, time_to_report, timeliness
from yuqing.alerts.models import LiaisonForm, ReminderMark
from yuqing.domain import AlertStatus, Level
from yuqing.errors import PermissionDenied
from yuqing.models import Alert, Event
from yuqing.store import PostQuery

log = logging.getLogger(__name__)

__all__ = [
    "sync_alerts", "check_deadlines", "queue", "SyncReport", "DeadlineReport", "QueuePage", "QueueFilter",
    "Timeliness", "timeliness", "time_left", "time_to_report", "time_to_reply", "is_late", "is_missed",
]


# -- opening and escalating ------------------------------------------------------------------

@dataclass
class SyncReport:
    opened: list[int] = field(default_factory=list)  # alert ids
    escalated: list[int] = field(default_factory=list)
    lowered: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)  # followed their event into a merged one
    merged: list[int] = field(default_factory=list)  # ended: their event joined another alert's
    clock_moved: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # event or alert ids that raised (logged)

    def lines(self) -> list[str]:
        return [
            f"opened {len(self.opened)} alert(s)" + (f": {', '.join(map(str, self.opened))}" if self.opened else ""),
            f"escalated {len(self.escalated)}, lowered {len(self.lowered)}, reopened {len(self.reopened)}",
            f"merged {len(self.merged)}, moved {len(self.moved)}, clock moved earlier {len(self.clock_moved)}",
        ] + ([f"failed: {', '.join(map(str, self.failed))} (see the log)"] if self.failed else [])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _first_posts(deployment, event_id: int, limit: int = 3) -> list[dict[str, Any]]:
    """The earliest posts of an event as step-1 attachments: source and link."""
    try:
        posts = deployment.posts.search(PostQuery(event_id=event_id, sort="oldest", limit=limit))
    except Exception:
        log.exception("could not read the first posts of event %s", event_id)
        return []
    out = []
    for p in posts:
        item = {"kind": "post", "title": (p.title or p.text or "")[:120], "text": p.source, "post_id": p.id}
        if p.url:
            try:
                item["url"] = workflow.safe_url(p.url)
            except WorkflowError:
                pass
        out.append(item)
    return out


def _resolve_merge(s, event: Event) -> Event:
    seen = {event.id}
    while event.status == "merged" and event.merged_into_id and event.merged_into_id not in seen:
        nxt = s.get(Event, event.merged_into_id)
        if nxt is None:
            break
        seen.add(nxt.id)
        event = nxt
    return event


def sync_alerts(deployment, now: datetime | None = None) -> SyncReport:
    """Open alerts for new events, escalate those whose event's level rose.

    An event opens an alert when it reaches ``thresholds.alert_min_level`` and
    is live (a post within ``alert_max_age_hours``) and, below 重大或较大, is
    negative enough (``alert_min_negativity``); the others stay events, shown in
    the digest and search, and open an alert later if they worsen.
    """
    now = _now(now)
    cfg = deployment.config
    register(deployment)
    report = SyncReport()
    t = cfg.thresholds
    min_level = Level.parse(t.alert_min_level)

    with deployment.sessions() as s:
        merged = list(s.execute(
            select(Alert.id).join(Event, Alert.event_id == Event.id)
            .where(Alert.status == AlertStatus.OPEN, Event.status == "merged")
        ).scalars())
        changed = list(s.execute(
            select(Alert.id).join(Event, Alert.event_id == Event.id).where(
                or_(
                    and_(Alert.status == AlertStatus.OPEN, Event.status != "merged",
                         or_(Event.level != Alert.level,
                             and_(Alert.replied_at.is_(None),
                                  func.coalesce(Event.first_published_at, Event.first_seen_at) < Alert.issue_started_at))),
                    and_(Alert.status != AlertStatus.OPEN, Event.status == AlertStatus.OPEN, Event.level > Alert.level),
                )
            ).order_by(Event.level.desc(), Alert.id)
        ).scalars())

    # merged events: the alert follows its event, or ends in favour of the alert already there
    for alert_id in merged:
        try:
            with open_session(deployment) as s, s.begin():
                alert = s.get(Alert, alert_id)
                target = _resolve_merge(s, alert.event)
                if target.id == alert.event_id:
                    continue
                other = s.scalar(select(Alert).where(Alert.event_id == target.id))
                if other is None:
                    workflow.move_to_event(s, alert, target, now)
                    report.moved.append(alert.id)
                    changed.append(alert.id)
                else:
                    workflow.merge_into(s, alert, other, now)
                    report.merged.append(alert.id)
        except Exception:
            log.exception("could not follow the merge of alert %s", alert_id)
            report.failed.append(alert_id)

    # level and clock changes
    for alert_id in dict.fromkeys(changed):
        try:
            with open_session(deployment) as s, s.begin():
                alert = s.get(Alert, alert_id)
                event = alert.event
                if event.status == "merged":
                    continue
                if event.level > alert.level:
                    was_open = alert.status == AlertStatus.OPEN
                    reasons = [str(r) for r in (event.level_reasons or [])]
                    workflow.escalate(s, alert, Level(event.level), now=now, reasons=reasons)
                    report.escalated.append(alert.id)
                    if not was_open:
                        report.reopened.append(alert.id)
                elif event.level < alert.level and alert.status == AlertStatus.OPEN:
                    by = event.level_by if event.level_by not in ("model", "rule", None) else SYSTEM
                    reason = "；".join(str(r) for r in (event.level_reasons or [])[:3]) or "事件级别已调整"
                    try:
                        workflow.lower_level(s, alert, Level(event.level), by=by, reason=f"由{event.level_by}调整：{reason}", now=now)
                    except PermissionDenied:
                        workflow.lower_level(s, alert, Level(event.level), by=SYSTEM,
                                             reason=f"由{event.level_by}调整：{reason}", now=now)
                    report.lowered.append(alert.id)
                start = event.issue_started_at
                if alert.status == AlertStatus.OPEN and alert.replied_at is None and start < alert.issue_started_at \
                        and not alert.clock_by:
                    workflow.move_clock(s, alert, start, now, post_id=event.clock.get("post_id"),
                                        why=event.clock.get("why"))
                    report.clock_moved.append(alert.id)
        except Exception:
            log.exception("could not update alert %s from its event", alert_id)
            report.failed.append(alert_id)

    # new alerts, most severe first (levels I and II are reported first)
    with deployment.sessions() as s:
        todo = list(s.execute(
            select(Event.id).outerjoin(Alert, Alert.event_id == Event.id)
            .where(Event.status == AlertStatus.OPEN, Event.level >= int(min_level), Alert.id.is_(None),
                   func.coalesce(Event.last_post_at, Event.first_seen_at) >= now - timedelta(hours=t.alert_max_age_hours),
                   or_(Event.level >= int(Level.MAJOR), Event.negativity.is_(None),
                       Event.negativity >= t.alert_min_negativity))
            .order_by(Event.level.desc(), func.coalesce(Event.first_published_at, Event.first_seen_at), Event.id)
        ).scalars())
    for event_id in todo:
        try:
            sources = _first_posts(deployment, event_id)
            with open_session(deployment) as s, s.begin():
                if s.scalar(select(Alert.id).where(Alert.event_id == event_id)) is not None:
                    continue  # another process opened it meanwhile
                event = s.get(Event, event_id)
                alert = workflow.open_alert(s, event, now=now, sources=sources)
                s.flush()
                report.opened.append(alert.id)
        except Exception:
            log.exception("could not open an alert for event %s", event_id)
            report.failed.append(event_id)
    if report.opened or report.escalated:
        log.info("alerts: %s", "; ".join(report.lines()))
    return report


# -- the clock ---------------------------------------------------------------------------------

@dataclass
class DeadlineReport:
    at: datetime
    checked: int = 0
    reminders: list[tuple[int, float]] = field(default_factory=list)  # (alert id, hours left mark)
    overdue: list[int] = field(default_factory=list)
    liaison_overdue: list[int] = field(default_factory=list)  # 联系单 ids
    failed: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"checked {self.checked} open alert(s) with a running clock at {self.at.isoformat(timespec='seconds')}"]
        for alert_id, hours in self.reminders:
            out.append(f"reminder: alert {alert_id}, {hours:g} h left")
        for alert_id in self.overdue:
            out.append(f"overdue: alert {alert_id} (escalated to the leaders)")
        for form_id in self.liaison_overdue:
            out.append(f"liaison form {form_id} overdue")
        if self.failed:
            out.append(f"failed: {', '.join(map(str, self.failed))} (see the log)")
        if len(out) == 1:
            out.append("nothing due")
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


def check_deadlines(deployment, now: datetime | None = None) -> DeadlineReport:
    """Send due reminders, mark and escalate overdue alerts, mark overdue 联系单."""
    now = _now(now)
    cfg = deployment.config
    register(deployment)
    report = DeadlineReport(at=now)
    marks = sorted({float(h) for h in cfg.alerts.reminders_hours_left if h > 0}, reverse=True)
    horizon = now + timedelta(hours=max(marks, default=0))

    with deployment.sessions() as s:
        report.checked = s.scalar(
            select(func.count()).select_from(Alert).where(Alert.status == AlertStatus.OPEN, Alert.replied_at.is_(None))
        ) or 0
        running = (Alert.status == AlertStatus.OPEN, Alert.replied_at.is_(None), Alert.overdue_at.is_(None),
                   Alert.deadline_at <= horizon)
        due = list(s.execute(select(Alert.id).where(*running).order_by(Alert.level.desc(), Alert.deadline_at)).scalars())
        sent: dict[int, set[str]] = {}
        for alert_id, mark in s.execute(
                select(ReminderMark.alert_id, ReminderMark.mark).join(Alert, ReminderMark.alert_id == Alert.id)
                .where(ReminderMark.kind == "reminder", *running)):
            sent.setdefault(alert_id, set()).add(mark)
        forms = list(s.execute(
            select(LiaisonForm.id).where(LiaisonForm.answered_at.is_(None), LiaisonForm.overdue_at.is_(None),
                                         LiaisonForm.due_at <= now).order_by(LiaisonForm.due_at)
        ).scalars())

    def check_alert(s, alert_id: int, out: DeadlineReport) -> None:
        alert = s.get(Alert, alert_id)
        if alert.status != AlertStatus.OPEN or alert.replied_at is not None or alert.overdue_at is not None:
            return
        left = alert.deadline_at - now
        if left <= timedelta(0):
            workflow.mark_overdue(s, alert, now)
            out.overdue.append(alert.id)
            return
        done = sent.get(alert.id, set()) | {f"{float(x):g}" for x in (alert.reminders_sent or [])}
        crossed = [h for h in marks if left <= timedelta(hours=h) and f"{h:g}" not in done]
        if crossed:
            # several marks crossed at once (a late alert, a stopped scheduler): one reminder, the most urgent
            workflow.remind(s, alert, min(crossed), crossed, now)
            out.reminders.append((alert.id, min(crossed)))

    def check_form(s, form_id: int, out: DeadlineReport) -> None:
        form = s.get(LiaisonForm, form_id)
        if form.answered_at is None and form.overdue_at is None:
            liaison.mark_liaison_overdue(s, form, now)
            out.liaison_overdue.append(form.id)

    def load_alerts(s, ids: list[int]) -> None:  # one query for the batch, steps included
        list(s.scalars(select(Alert).where(Alert.id.in_(ids)).options(selectinload(Alert.steps))))

    _in_batches(deployment, due, check_alert, report, prefetch=load_alerts)
    _in_batches(deployment, forms, check_form, report, what="liaison form")
    return report


def _in_batches(deployment, ids: list[int], check, report: DeadlineReport, what: str = "alert", size: int = 50,
                prefetch=None) -> None:
    """Run ``check`` over ``ids``, a batch per transaction; a failing batch is retried one by one,
    so one bad row costs only itself. Notifications go out after each commit."""
    for i in range(0, len(ids), size):
        batch = ids[i : i + size]
        part = DeadlineReport(at=report.at)
        try:
            with open_session(deployment) as s, s.begin():
                if prefetch is not None:
                    prefetch(s, batch)
                with s.no_autoflush:  # one flush for the batch
                    for item in batch:
                        check(s, item, part)
        except Exception:
            log.warning("deadline check of %d %ss failed; retrying one by one", len(batch), what, exc_info=True)
            part = DeadlineReport(at=report.at)
            for item in batch:
                one = DeadlineReport(at=report.at)
                try:
                    with open_session(deployment) as s, s.begin():
                        check(s, item, one)
                except Exception:
                    log.exception("deadline check failed for %s %s", what, item)
                    report.failed.append(item)
                    continue
                part.reminders += one.reminders
                part.overdue += one.overdue
                part.liaison_overdue += one.liaison_overdue
        report.reminders += part.reminders
        report.overdue += part.overdue
        report.liaison_overdue += part.liaison_overdue


# -- the queue ----------------------------------------------------------------------------------

STATUS_FILTERS = {
    "open": "全部未办结",
    "running": "未回复（计时中）",
    "overdue": "已超时",
    "replied": "已回复",
    "closed": "已办结",
    "dismissed": "误报",
    "all": "全部",
}


@dataclass
class QueueFilter:
    levels: list[int] = field(default_factory=list)
    topic: str | None = None
    source: str | None = None
    status: str = "open"
    page: int = 1
    per_page: int = 50


@dataclass
class QueueRow:
    alert: Alert
    event: Event


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def queue(session, f: QueueFilter, now: datetime | None = None) -> QueuePage:
    """One page of the queue: open alerts by level (most severe first), then time left.

    Within a level, alerts still on the clock come first (least time left first),
    then those already replied. The queue is read as segments — (level, on the
    clock or replied) — each served in deadline order by the ``ix_alerts_queue``
    index (status, level, replied_at, deadline), so a page costs about the same
    with 10 or 10,000 open alerts and needs no sort of the whole queue. A topic
    or source filter (on the event) is one sorted query over the matching alerts.
    """
    now = _now(now)
    page = max(1, f.page)
    per = max(1, min(f.per_page, 200))
    conds, need_event = _filters(f, now)

    def base(q):
        if need_event:
            q = q.join(Event, Alert.event_id == Event.id)
        return q.where(*conds)

    ids: list[int] = []
    if f.status in ("closed", "dismissed", "all"):
        total = session.scalar(base(select(func.count()).select_from(Alert))) or 0
        order = ([Alert.closed_at.desc(), Alert.id.desc()] if f.status != "all"
                 else [Alert.issue_started_at.desc(), Alert.id.desc()])
        ids = list(session.scalars(base(select(Alert.id)).order_by(*order).limit(per).offset((page - 1) * per)))
    elif need_event:
        # filtered by topic or source: the filter picks few alerts; one query, sorted in the database
        total = session.scalar(base(select(func.count()).select_from(Alert))) or 0
        order = [Alert.level.desc(), Alert.replied_at.is_not(None), Alert.deadline_at, Alert.id]
        ids = list(session.scalars(base(select(Alert.id)).order_by(*order).limit(per).offset((page - 1) * per)))
    else:
        replied = Alert.replied_at.is_not(None)
        counts = {(int(lv), bool(rep)): n for lv, rep, n in session.execute(
            base(select(Alert.level, replied, func.count()).select_from(Alert)).group_by(Alert.level, replied))}
        total = sum(counts.values())
        skip, want = (page - 1) * per, per
        for level in sorted({lv for lv, _ in counts}, reverse=True):
            for rep in (False, True):
                n = counts.get((level, rep), 0)
                if want <= 0:
                    break
                if skip >= n:
                    skip -= n
                    continue
                q = base(select(Alert.id)).where(Alert.level == level, replied if rep else Alert.replied_at.is_(None))
                got = list(session.scalars(q.order_by(Alert.deadline_at, Alert.id).limit(want).offset(skip)))
                ids += got
                want -= len(got)
                skip = 0
    rows: list[QueueRow] = []
    if ids:
        found = {a.id: (a, e) for a, e in session.execute(
            select(Alert, Event).join(Event, Alert.event_id == Event.id).where(Alert.id.in_(ids)))}
        rows = [QueueRow(*found[i]) for i in ids if i in found]
    return QueuePage(rows=rows, total=total, page=page, per_page=per)


def _filters(f: QueueFilter, now: datetime) -> tuple[list, bool]:
    conds = []
    if f.status in ("open", "running", "overdue", "replied"):
        conds.append(Alert.status == AlertStatus.OPEN)
    elif f.status in ("closed", "dismissed"):
        conds.append(Alert.status == f.status)
    if f.status in ("running", "overdue"):
        conds.append(Alert.replied_at.is_(None))
    if f.status == "overdue":
        conds.append(Alert.deadline_at <= now)
    elif f.status == "replied":
        conds.append(Alert.replied_at.is_not(None))
    if f.levels:
        conds.append(Alert.level.in_([int(x) for x in f.levels]))
    if f.topic:
        conds.append(Event.topic == f.topic)
    if f.source:
        # events.sources is a JSON list of source names: match the quoted name in its text
        conds.append(cast(Event.sources, String).like(f'%"{_like_escape(f.source)}"%', escape="\\"))
    return conds, bool(f.topic or f.source)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('"', "")
