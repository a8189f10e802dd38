"""The seven-step procedure as transitions: the only code that changes an alert's state.

Each step of an alert (SPEC §2) is recorded as a :class:`~yuqing.models.StepRecord`
with who, when, notes and attachments. Step 1 (发现舆情) is recorded by the
system when the alert opens; step 2 (监测舆情) opens with it and stays open
until the alert closes. The main track then runs 3 → 4 → 5 → 6 → 7 and cannot
skip a step:

    3 快报事实   the facts reported to the 领导小组 (and 宣传部 for level I)
    4 会商措施   the consultation's outcome (levels I–II: the county's measures first)
    5 形成通稿   an approved 通稿 version (三审三校) — recorded automatically on final approval
    6 正面回复   the reply, from the approved 通稿; stops the 12-hour clock
    7 跟踪引导   opened and kept open; a follow-up that cannot be answered loops back to
                 会商 (``advance(..., Step.CONSULT)``: round + 1), the subsiding issue closes it

:func:`advance` records a step (or loops back), :func:`close` (缓退、平息) and
:func:`dismiss` (误报) end an alert, :func:`escalate` re-reports it at a higher
level. Follow-up logs and reply links are here too; 通稿 versions are in
:mod:`yuqing.alerts.statements`, their 三审三校 in :mod:`yuqing.alerts.review`, 联系单 in
:mod:`yuqing.alerts.liaison`. Every action checks the actor's permission
(:mod:`yuqing.alerts.permissions`), writes an audit entry in the caller's transaction,
and queues its notifications to go out when that transaction commits
(:mod:`yuqing.alerts.base`). Illegal transitions raise
:class:`~yuqing.alerts.base.IllegalTransition` with a message in Chinese saying what to do instead.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy.orm import Session

from yuqing import audit
from yuqing.alerts import clock as clock_rules
from yuqing.alerts import permissions as perm
from yuqing.alerts import transitions
from yuqing.alerts.base import (SYSTEM, IllegalTransition, WorkflowError, _alert_of, _config, _now, _queue, _require_open,
                                _required, resolve_user)
from yuqing.alerts.models import ReminderMark
from yuqing.alerts.routing import alert_message, clock_text
from yuqing.alerts.statements import require_approved_statement
from yuqing.domain import AlertStatus, Level, Step
from yuqing.models import Alert, Event, StepRecord


# -- helpers -------------------------------------------------------------------------

def _step(value: Any) -> Step:
    try:
        return Step.parse(value)
    except ValueError as e:
        raise IllegalTransition(f"未知步骤 {value!r}：{e}") from None


_ATTACHMENT_KINDS = {
    "link", "text", "report", "minutes", "county", "statement", "reply_link", "follow_up", "post",
    "re_report", "escalation", "liaison",
}
_ATTACHMENT_KEYS = ("kind", "url", "title", "text", "statement_id", "version", "approval_body", "by", "at",
                    "old_level", "new_level", "post_id", "liaison_id")


def safe_url(url: str) -> str:
    """A link users may follow: http or https only (never javascript:, data: …)."""
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000 or any(c in url for c in "\r\n\t "):
        raise WorkflowError(f"链接必须是以 http:// 或 https:// 开头的网址：{url[:80]}")
    return url


def normalize_attachments(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Attachments as stored: dicts with a kind; strings become links (URLs) or text."""
    out: list[dict[str, Any]] = []
    for item in items or ():
        if isinstance(item, str):
            item = item.strip()
            if not item:
                continue
            item = {"kind": "link", "url": item} if "://" in item else {"kind": "text", "text": item}
        if not isinstance(item, dict):
            raise WorkflowError(f"无法识别的附件：{item!r}")
        kind = item.get("kind") or ("link" if item.get("url") else "text")
        if kind not in _ATTACHMENT_KINDS:
            raise WorkflowError(f"未知的附件类型 {kind}")
        clean = {k: item[k] for k in _ATTACHMENT_KEYS if k in item and item[k] not in (None, "")}
        clean["kind"] = kind
        if "url" in clean:
            clean["url"] = safe_url(str(clean["url"]))
        for key in ("title", "text"):
            if key in clean:
                clean[key] = str(clean[key])[:20000]
        if "at" in clean and isinstance(clean["at"], datetime):
            clean["at"] = clean["at"].isoformat()
        out.append(clean)
    return out


def _is_re_report(rec: StepRecord) -> bool:
    return any(a.get("kind") == "re_report" for a in rec.attachments or [])


def main_records(alert: Alert) -> list[StepRecord]:
    """Step records of the main track (steps 3–7), oldest first: not step 1, 2, or re-reports."""
    return [r for r in alert.steps if r.step >= Step.REPORT and not _is_re_report(r)]


def current_record(alert: Alert) -> StepRecord | None:
    """The record of the alert's current step (None while only steps 1–2 exist)."""
    for rec in reversed(main_records(alert)):
        if rec.step == alert.current_step:
            return rec
    return None


def monitoring_record(alert: Alert) -> StepRecord | None:
    """The open step-2 record (监测舆情), or the last one."""
    recs = [r for r in alert.steps if r.step == Step.MONITOR]
    for r in reversed(recs):
        if r.completed_at is None:
            return r
    return recs[-1] if recs else None


def next_steps(alert: Alert) -> list[Step]:
    """What :func:`advance` accepts now (empty when the alert is not open)."""
    if alert.status != AlertStatus.OPEN:
        return []
    cur = Step(alert.current_step)
    rec = current_record(alert)
    if rec is not None and rec.completed_at is None and cur != Step.FOLLOW_UP:
        return [cur]  # a step opened earlier (会商 after a loop back) is completed first
    return [t.target for t in transitions.from_step(cur)]


def _append(rec: StepRecord, entries: list[dict[str, Any]]) -> None:
    rec.attachments = [*(rec.attachments or []), *entries]  # reassign: JSON columns track assignment


# -- opening ------------------------------------------------------------------------------

def open_alert(session: Session, event: Event, now: datetime | None = None, sources: list[dict[str, Any]] | None = None) -> Alert:
    """Open the alert of a graded event: step 1 recorded by the system, step 2 opened, clock started.

    ``sources`` are the first posts as attachments ({"kind": "post", "url", "title"}).
    """
    now = _now(now)
    dep, cfg = _config(session)
    level = Level(event.level)
    start = event.issue_started_at
    clock = event.clock
    alert = Alert(
        event_id=event.id,
        title=event.title or f"事件 #{event.id}",
        level=int(level),
        status="open",
        current_step=int(Step.MONITOR),
        issue_started_at=start,
        deadline_at=clock_rules.deadline_for(start, cfg),
        clock_post_id=clock.get("post_id"),
        clock_reason=clock.get("why") or "事件首条信息",
        created_at=now,
        updated_at=now,
    )
    session.add(alert)
    posts = normalize_attachments(sources or [])
    src_names = "、".join(event.sources or []) or "未知来源"
    how = "群众反映（人工录入）" if "manual" in (event.sources or []) else "系统监测"
    note = f"{how}发现，来源：{src_names}；级别：{level.label}（{level.roman}级）"
    if event.level_reasons:
        note += "；定级依据：" + "；".join(str(r) for r in event.level_reasons[:5])
    alert.steps.append(StepRecord(step=int(Step.DISCOVER), round=0, started_at=start, completed_at=now,
                                  by_user=SYSTEM, note=note, attachments=posts))
    alert.steps.append(StepRecord(step=int(Step.MONITOR), round=0, started_at=now, completed_at=None,
                                  by_user=SYSTEM, note="监测开始，持续至舆情平息", attachments=[]))
    session.flush()
    audit.record(session, SYSTEM, "alert.open", alert, at=now, event_id=event.id, level=level.label,
                 issue_started_at=start, deadline_at=alert.deadline_at)
    first = "（I、II级须先行报告）" if level >= Level.MAJOR else ""
    links = "\n".join(f"- {p.get('title') or p['url']}：{p['url']}" for p in posts if p.get("url"))
    text = f"{note}\n{clock_text(alert, now)}{first}" + (f"\n首发信息：\n{links}" if links else "")
    _queue(session, alert_message(cfg, alert, "new", f"新预警：{alert.title}", text, now))
    return alert


# -- the main track ---------------------------------------------------------------------

def advance(session: Session, alert: Alert, step: Any, by: Any = SYSTEM, note: str = "",
            attachments: Iterable[Any] = (), now: datetime | None = None) -> StepRecord:
    """Record ``step`` of ``alert`` (or, from step 7, loop back to 会商); returns its record.

    Raises :class:`IllegalTransition` for a step out of order, :class:`PermissionDenied`
    when ``by`` may not record it, :class:`StatementNotApproved` for 5/6 without an
    approved 通稿.
    """
    now = _now(now)
    alert = _alert_of(session, alert)
    dep, cfg = _config(session)
    step = _step(step)
    user = resolve_user(session, by)
    username = perm.username_of(user)
    _require_open(alert)
    if step in (Step.DISCOVER, Step.MONITOR):
        raise IllegalTransition(f"第{int(step)}步“{step.label}”随预警自动开启，无需推进")
    cur = Step(alert.current_step)
    if cur == Step.FOLLOW_UP and step == Step.CONSULT:
        return _loop_back(session, alert, user, note, attachments, now)
    allowed = next_steps(alert)
    if step not in allowed:
        want = allowed[0]
        if cur == Step.FOLLOW_UP and step == Step.FOLLOW_UP:
            raise IllegalTransition("预警正在跟踪引导：舆情平息后请办结；出现无法解答的疑问请退回会商（第4步）")
        if step < want:
            raise IllegalTransition(f"第{int(step)}步“{step.label}”已完成；当前应办理第{int(want)}步“{want.label}”")
        raise IllegalTransition(f"不能跳过第{int(want)}步“{want.label}”，请先办理该步骤")
    rule = transitions.transition(cur, step)
    perm.require(user, rule.permission if rule is not None else transitions.permission_to_record(step))
    files = normalize_attachments(attachments)
    note = (note or "").strip()
    level = Level(alert.level)

    statement = None
    if step == Step.REPORT:
        note = _required(note, "快报内容（时间、地点、涉及人员、简要经过、信息来源）")
    elif step == Step.CONSULT:
        note = _required(note, "会商结果")
        if level >= Level.MAJOR and not any(a["kind"] == "county" for a in files):
            raise IllegalTransition(f"{level.label}舆情须先听取县级处置意见：请记录县里的意见后再记录会商结果")
    elif step == Step.STATEMENT:
        statement = require_approved_statement(session, alert)
        files.append({"kind": "statement", "statement_id": statement.id, "version": statement.version,
                      "approval_body": statement.approval_body, "title": statement.title or f"通稿第{statement.version}版"})
    elif step == Step.REPLY:
        statement = require_approved_statement(session, alert)
        if not note and not any(a.get("url") for a in files):
            raise WorkflowError("请填写回复内容或登记回复发布链接")
        files.append({"kind": "statement", "statement_id": statement.id, "version": statement.version,
                      "approval_body": statement.approval_body, "title": statement.title or f"通稿第{statement.version}版"})

    rec = current_record(alert)
    if rec is not None and rec.step == step and rec.completed_at is None:
        # completing a step that was opened earlier (会商 after a loop back)
        rec.completed_at = now
        rec.by_user = username
        rec.note = f"{rec.note}\n\n{note}".strip() if rec.note else note
        _append(rec, files)
    else:
        started = rec.completed_at if rec is not None and rec.completed_at else (
            monitoring_record(alert).started_at if monitoring_record(alert) else now)
        rec = StepRecord(step=int(step), round=alert.follow_up_round, started_at=min(started, now),
                         completed_at=None if step == Step.FOLLOW_UP else now,
                         by_user=username, note=note, attachments=files)
        alert.steps.append(rec)
    alert.current_step = int(step)
    alert.updated_at = now
    if step == Step.REPORT and alert.reported_at is None:
        alert.reported_at = now
    if step == Step.REPLY and alert.replied_at is None:
        alert.replied_at = now  # the 12-hour clock stops
    session.flush()
    audit.record(session, username, "alert.step", alert, at=now, step=int(step), step_label=step.label,
                 round=alert.follow_up_round, note=note[:1000], attachments=files,
                 statement_id=statement.id if statement else None)
    if step == Step.REPORT:
        links = "\n".join(f"- {a.get('title') or a['url']}：{a['url']}" for a in files if a.get("url"))
        _queue(session, alert_message(cfg, alert, "report", f"舆情快报：{alert.title}",
                                      note + (f"\n{links}" if links else ""), now))
    return rec


def _loop_back(session: Session, alert: Alert, user: Any, note: str, attachments, now: datetime) -> StepRecord:
    """Step 7 → 4: a follow-up the monitor cannot answer is reported up and consulted again."""
    dep, cfg = _config(session)
    perm.require(user, perm.FOLLOW_UP)
    note = _required(note, "无法解答的跟踪舆情（报请再次会商的原因）")
    files = normalize_attachments(attachments)
    username = perm.username_of(user)
    follow = current_record(alert)
    if follow is not None and follow.completed_at is None:
        follow.completed_at = now
        follow.note = f"{follow.note}\n\n报请再次会商：{note}".strip()
    alert.follow_up_round += 1
    rec = StepRecord(step=int(Step.CONSULT), round=alert.follow_up_round, started_at=now, completed_at=None,
                     by_user=username, note=f"跟踪中发现无法解答的疑问，报请再次会商：{note}", attachments=files)
    alert.steps.append(rec)
    alert.current_step = int(Step.CONSULT)
    alert.updated_at = now
    session.flush()
    audit.record(session, username, "alert.loop", alert, at=now, round=alert.follow_up_round, note=note[:1000],
                 attachments=files)
    _queue(session, alert_message(cfg, alert, "loop", f"跟踪引导退回会商：{alert.title}",
                                  f"第{alert.follow_up_round}轮会商：{note}", now))
    return rec


def _finish_open_records(alert: Alert, now: datetime, by: str, note: str) -> None:
    for rec in alert.steps:
        if rec.completed_at is None:
            rec.completed_at = now
            if rec.step == Step.MONITOR:
                rec.note = f"{rec.note}\n\n监测结束：{note}".strip()


def close(session: Session, alert: Alert, by: Any, note: str = "", now: datetime | None = None) -> Alert:
    """End the alert when the issue has subsided (缓退、平息). Only from 跟踪引导."""
    now = _now(now)
    alert = _alert_of(session, alert)
    user = resolve_user(session, by)
    perm.require(user, perm.CLOSE)
    _require_open(alert)
    if alert.current_step != Step.FOLLOW_UP:
        want = next_steps(alert)[0]
        raise IllegalTransition(
            f"预警须完成正面回复并进入跟踪引导后才能办结（当前应办理第{int(want)}步“{want.label}”）；误报请标记误报"
        )
    note = (note or "").strip() or "舆情已平息"
    username = perm.username_of(user)
    _finish_open_records(alert, now, username, note)
    alert.status = "closed"
    alert.closed_at = now
    alert.updated_at = now
    session.flush()
    audit.record(session, username, "alert.close", alert, at=now, note=note[:1000])
    return alert


def dismiss(session: Session, alert: Alert, by: Any, reason: str, now: datetime | None = None) -> Alert:
    """Dismiss a false alarm (误报), with the reason."""
    now = _now(now)
    alert = _alert_of(session, alert)
    user = resolve_user(session, by)
    perm.require(user, perm.DISMISS)
    _require_open(alert)
    reason = _required(reason, "误报原因")
    username = perm.username_of(user)
    _finish_open_records(alert, now, username, f"误报：{reason}")
    alert.status = AlertStatus.DISMISSED.value
    alert.closed_at = now
    alert.updated_at = now
    session.flush()
    audit.record(session, username, "alert.dismiss", alert, at=now, reason=reason[:1000])
    return alert


# -- level changes ------------------------------------------------------------------------------

def reopen(session: Session, alert: Alert, now: datetime | None = None, by: Any = SYSTEM, reason: str = "") -> Alert:
    """Reopen a closed or dismissed alert whose issue flared up again."""
    now = _now(now)
    if alert.status == AlertStatus.OPEN:
        return alert
    username = perm.username_of(resolve_user(session, by))
    old_status = alert.status
    alert.status = "open"
    alert.closed_at = None
    alert.updated_at = now
    alert.steps.append(StepRecord(step=int(Step.MONITOR), round=alert.follow_up_round, started_at=now,
                                  completed_at=None, by_user=username, note=f"重新开启监测：{reason}".strip("：")))
    if alert.replied_at is not None and alert.current_step >= Step.REPLY:
        # the earlier reply no longer answers it: consult again
        alert.follow_up_round += 1
        alert.steps.append(StepRecord(step=int(Step.CONSULT), round=alert.follow_up_round, started_at=now,
                                      completed_at=None, by_user=username, note=f"舆情再起，报请再次会商：{reason}"))
        alert.current_step = int(Step.CONSULT)
    session.flush()
    audit.record(session, username, "alert.reopen", alert, at=now, old_status=old_status, reason=reason)
    return alert


def escalate(session: Session, alert: Alert, new_level: Any, now: datetime | None = None, by: Any = SYSTEM,
             reasons: Iterable[str] = ()) -> Alert:
    """The issue worsened: raise the alert's level, re-report it and notify the new audience."""
    now = _now(now)
    dep, cfg = _config(session)
    new = Level.parse(new_level)
    old = Level(alert.level)
    if new <= old:
        raise IllegalTransition(f"升级须高于当前级别（当前{old.label}）")
    username = perm.username_of(resolve_user(session, by))
    reasons = [str(r) for r in reasons]
    if alert.status != AlertStatus.OPEN:
        reopen(session, alert, now, by=SYSTEM, reason=f"级别升为{new.label}")
    alert.level = int(new)
    alert.escalated_at = now
    alert.updated_at = now
    why = f"级别由{old.label}（{old.roman}级）升为{new.label}（{new.roman}级）"
    if reasons:
        why += "；依据：" + "；".join(reasons[:5])
    entry = {"kind": "escalation", "old_level": old.label, "new_level": new.label, "text": why,
             "by": username, "at": now.isoformat()}
    mon = monitoring_record(alert)
    if mon is not None:
        _append(mon, [entry])
    re_reported = alert.reported_at is not None
    if re_reported:
        alert.steps.append(StepRecord(
            step=int(Step.REPORT), round=alert.follow_up_round, started_at=now, completed_at=now, by_user=username,
            note=f"{why}，重新报送", attachments=[{"kind": "re_report", "old_level": old.label, "new_level": new.label}],
        ))
    session.flush()
    audit.record(session, username, "alert.escalate", alert, at=now, old_level=old.label, new_level=new.label,
                 reasons=reasons, re_reported=re_reported)
    subject = f"预警升级：{alert.title}"
    text = why + ("，已重新报送。" if re_reported else "，请尽快快报事实。") + f"\n{clock_text(alert, now)}"
    _queue(session, alert_message(cfg, alert, "escalation", subject, text, now, level=new))
    return alert


def lower_level(session: Session, alert: Alert, new_level: Any, by: Any, reason: str, now: datetime | None = None) -> Alert:
    """A monitor lowered the event's level, with a reason; the alert follows."""
    now = _now(now)
    new = Level.parse(new_level)
    old = Level(alert.level)
    if new >= old:
        raise IllegalTransition(f"降级须低于当前级别（当前{old.label}）")
    user = resolve_user(session, by)
    if user != SYSTEM:
        perm.require(user, perm.REGRADE)
    reason = _required(reason, "降级理由")
    username = perm.username_of(user)
    alert.level = int(new)
    alert.updated_at = now
    mon = monitoring_record(alert)
    if mon is not None:
        _append(mon, [{"kind": "escalation", "old_level": old.label, "new_level": new.label,
                       "text": f"级别由{old.label}调整为{new.label}：{reason}", "by": username, "at": now.isoformat()}])
    session.flush()
    audit.record(session, username, "alert.level_lowered", alert, at=now, old_level=old.label, new_level=new.label,
                 reason=reason)
    return alert


def move_clock(session: Session, alert: Alert, started_at: datetime, now: datetime | None = None,
               post_id: int | None = None, why: str | None = None) -> Alert:
    """An earlier post of the issue was found: the clock starts earlier (until the reply stops it).

    A start a monitor corrected by hand (``clock_by``) is kept: grading's judgement no longer moves it."""
    now = _now(now)
    dep, cfg = _config(session)
    if alert.replied_at is not None or started_at >= alert.issue_started_at or alert.clock_by:
        return alert
    old_start, old_deadline = alert.issue_started_at, alert.deadline_at
    alert.issue_started_at = started_at
    alert.deadline_at = clock_rules.deadline_for(started_at, cfg)
    if post_id is not None:
        alert.clock_post_id, alert.clock_reason = post_id, why or alert.clock_reason
    alert.updated_at = now
    session.flush()
    audit.record(session, SYSTEM, "alert.clock_moved", alert, at=now, old_start=old_start, new_start=started_at,
                 old_deadline=old_deadline, new_deadline=alert.deadline_at, post_id=post_id)
    return alert


def correct_clock(session: Session, alert: Alert, started_at: datetime, by: Any, reason: str,
                  post_id: int | None = None, now: datetime | None = None) -> Alert:
    """A monitor corrects where the issue's clock starts (a post grouped in wrongly, an official notice), with
    a reason; audited. Grading no longer moves a corrected start."""
    now = _now(now)
    user = resolve_user(session, by)
    perm.require(user, perm.CORRECT_CLOCK)
    username = perm.username_of(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("请填写更正起算时间的理由")
    if started_at.tzinfo is None:
        raise WorkflowError("起算时间须带时区")
    if started_at > now:
        raise WorkflowError("起算时间不能晚于当前时间")
    if started_at > alert.created_at:
        raise WorkflowError("起算时间不能晚于发现（预警生成）时间")
    dep, cfg = _config(session)
    old_start, old_deadline, old_post = alert.issue_started_at, alert.deadline_at, alert.clock_post_id
    alert.issue_started_at = started_at
    alert.deadline_at = clock_rules.deadline_for(started_at, cfg)
    alert.clock_post_id = post_id
    alert.clock_by = username
    alert.clock_reason = f"人工更正（{username}）：{reason}"
    if alert.deadline_at > now and alert.replied_at is None:
        alert.overdue_at = None
        alert.reminders_sent = []
    alert.updated_at = now
    session.flush()
    audit.record(session, username, "alert.clock_corrected", alert, at=now, old_start=old_start,
                 new_start=started_at, old_deadline=old_deadline, new_deadline=alert.deadline_at,
                 old_post_id=old_post, post_id=post_id, reason=reason)
    return alert


def merge_into(session: Session, alert: Alert, target: Alert, now: datetime | None = None) -> Alert:
    """The alert's event was merged into another that has an alert: this one ends, pointing there."""
    now = _now(now)
    note = f"事件已并入预警 #{target.id}，在该预警中继续办理"
    _finish_open_records(alert, now, SYSTEM, note)
    alert.status = "closed"
    alert.closed_at = now
    alert.updated_at = now
    if target.issue_started_at > alert.issue_started_at and target.replied_at is None:
        move_clock(session, target, alert.issue_started_at, now)
    session.flush()
    audit.record(session, SYSTEM, "alert.merged", alert, at=now, into_alert=target.id)
    return alert


def move_to_event(session: Session, alert: Alert, event: Event, now: datetime | None = None) -> Alert:
    """The alert's event was merged into one without an alert: the alert follows it."""
    now = _now(now)
    old = alert.event_id
    alert.event_id = event.id
    alert.updated_at = now
    session.flush()
    audit.record(session, SYSTEM, "alert.moved", alert, at=now, old_event=old, new_event=event.id)
    return alert


# -- the clock: reminders and overdue --------------------------------------------------------

def remind(session: Session, alert: Alert, hours_left: float, marks: Iterable[float], now: datetime | None = None) -> None:
    """Send the reminder for ``hours_left`` and note every mark in ``marks`` as sent."""
    now = _now(now)
    dep, cfg = _config(session)
    marks = sorted({float(m) for m in marks}, reverse=True)
    for m in marks:
        session.add(ReminderMark(alert_id=alert.id, kind="reminder", mark=f"{m:g}", at=now))
    alert.reminders_sent = sorted({*(float(x) for x in alert.reminders_sent or []), *marks}, reverse=True)
    audit.record(session, SYSTEM, "alert.reminder", alert, at=now, hours_left=hours_left, marks=marks)
    step = next_steps(alert)
    todo = f"当前应办理第{int(step[0])}步“{step[0].label}”。" if step else ""
    text = f"距正面回复时限还有不到{hours_left:g}小时（{clock_text(alert, now)}）。{todo}"
    _queue(session, alert_message(cfg, alert, "reminder", f"处置提醒：{alert.title}", text, now))


def mark_overdue(session: Session, alert: Alert, now: datetime | None = None) -> None:
    """The deadline passed with no reply: mark it and escalate to the leaders."""
    now = _now(now)
    dep, cfg = _config(session)
    alert.overdue_at = now
    alert.updated_at = now
    session.add(ReminderMark(alert_id=alert.id, kind="overdue", mark="deadline", at=now))
    mon = monitoring_record(alert)
    if mon is not None:
        _append(mon, [{"kind": "text", "text": f"超过{cfg.alerts.reply_hours:g}小时未正面回复，已报告领导", "by": SYSTEM,
                       "at": now.isoformat()}])
    audit.record(session, SYSTEM, "alert.overdue", alert, at=now, deadline_at=alert.deadline_at,
                 current_step=Step(alert.current_step).label)
    step = next_steps(alert)
    todo = f"目前停留在第{int(alert.current_step)}步“{Step(alert.current_step).label}”" + (
        f"，应办理第{int(step[0])}步“{step[0].label}”。" if step else "。")
    text = (f"本预警已超过{cfg.alerts.reply_hours:g}小时正面回复时限（{clock_text(alert, now)}），"
            f"现报告领导督办。{todo}")
    _queue(session, alert_message(cfg, alert, "overdue", f"超时未回复：{alert.title}", text, now))


# -- step 2: monitoring log; step 6/7: commentators' links -------------------------------------

def log_follow_up(session: Session, alert: Alert, by: Any, note: str, links: Iterable[str] = (),
                  now: datetime | None = None) -> StepRecord:
    """Log a follow-up post or observation against step 2 (监测舆情)."""
    now = _now(now)
    alert = _alert_of(session, alert)
    user = resolve_user(session, by)
    perm.require(user, perm.LOG_FOLLOW_UP)
    _require_open(alert)
    note = _required(note, "跟踪情况")
    username = perm.username_of(user)
    entries = [{"kind": "follow_up", "text": note, "by": username, "at": now.isoformat()}]
    entries += [{"kind": "link", "url": safe_url(u), "by": username, "at": now.isoformat()} for u in links if u.strip()]
    rec = monitoring_record(alert)
    _append(rec, normalize_attachments(entries))
    alert.updated_at = now
    session.flush()
    audit.record(session, username, "alert.follow_up", alert, at=now, note=note[:1000], links=list(links))
    return rec


def add_reply_links(session: Session, alert: Alert, by: Any, links: Iterable[str], note: str = "",
                    now: datetime | None = None) -> StepRecord:
    """网评员 record the links of the comment articles they posted from the approved 通稿."""
    now = _now(now)
    alert = _alert_of(session, alert)
    user = resolve_user(session, by)
    perm.require(user, perm.REPLY_LINKS)
    _require_open(alert)
    links = [safe_url(u) for u in links if u and u.strip()]
    if not links:
        raise WorkflowError("请至少登记一个评论链接")
    replies = [r for r in main_records(alert) if r.step == Step.REPLY]
    if not replies:
        raise IllegalTransition("正面回复（第6步）记录后才能登记评论链接")
    username = perm.username_of(user)
    rec = replies[-1]
    _append(rec, [{"kind": "reply_link", "url": u, "text": note.strip(), "by": username, "at": now.isoformat()}
                  for u in links])
    alert.updated_at = now
    session.flush()
    audit.record(session, username, "alert.reply_links", alert, at=now, links=links, note=note[:500])
    return rec


def allowed_actions(alert: Alert, user: Any) -> dict[str, bool]:
    """Which actions to offer ``user`` on ``alert`` now (the web page shows only these)."""
    is_open = alert.status == AlertStatus.OPEN
    steps = next_steps(alert)
    cur = Step(alert.current_step)
    def may(s: Step) -> bool:
        rule = transitions.transition(cur, s)
        return perm.user_can(user, rule.permission if rule is not None else transitions.permission_to_record(s))

    out = {f"step{int(s)}": is_open and s in steps and may(s)
           for s in (Step.REPORT, Step.CONSULT, Step.STATEMENT, Step.REPLY, Step.FOLLOW_UP)}
    out["loop"] = is_open and cur == Step.FOLLOW_UP and perm.user_can(user, perm.FOLLOW_UP)
    if out["loop"]:
        out["step4"] = False  # from 7, 会商 means the loop form
    out["close"] = is_open and cur == Step.FOLLOW_UP and perm.user_can(user, perm.CLOSE)
    out["dismiss"] = is_open and perm.user_can(user, perm.DISMISS)
    out["follow_up"] = is_open and perm.user_can(user, perm.LOG_FOLLOW_UP)
    out["reply_links"] = is_open and cur >= Step.REPLY and perm.user_can(user, perm.REPLY_LINKS)
    out["draft"] = is_open and cur >= Step.REPORT and perm.user_can(user, perm.DRAFT)
    out["liaison"] = is_open and perm.user_can(user, perm.LIAISON_SEND)
    out["liaison_answer"] = perm.user_can(user, perm.LIAISON_ANSWER)
    out["regrade"] = is_open and perm.user_can(user, perm.REGRADE)
    out["correct"] = perm.user_can(user, perm.CORRECT_LABELS)
    return out


__all__ = [
    "open_alert", "advance", "close", "dismiss", "escalate", "lower_level", "reopen", "move_clock", "correct_clock",
    "merge_into", "move_to_event", "remind", "mark_overdue", "log_follow_up", "add_reply_links", "next_steps",
    "current_record", "monitoring_record", "main_records", "allowed_actions", "normalize_attachments", "safe_url",
]
