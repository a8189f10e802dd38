"""``yuqing alerts …``: the alert queue and the seven steps on the command line.

The same actions as the web app, through the same workflow and permission
checks (``--user`` names the person acting; the audit log records them).
``check-deadlines`` is what the scheduler runs every minute; ``--at`` evaluates
the clock at another time, for drills and tests.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from yuqing.cli import ID, pass_state
from yuqing.domain import AlertStatus, EARLIEST_YEAR, Level, Step
from yuqing.errors import YuqingError
from yuqing.localtime import local_text
from yuqing.models import Alert, utcnow


def parse_time(value: str | None, tz: str) -> datetime | None:
    """An ISO time; without an offset it is read in the deployment's zone (Asia/Shanghai)."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        raise YuqingError(f"--at: {value!r} is not an ISO time such as 2024-05-01T14:30 or 2024-05-01T06:30:00+00:00") from None
    if not EARLIEST_YEAR <= t.year < 9999:
        raise YuqingError(f"--at: {value!r} is not a plausible time: the year must be from {EARLIEST_YEAR} on")
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo(tz))
    return t.astimezone(timezone.utc)


def _read_text(path: Path, option: str) -> str:
    """A statement file's text: UTF-8, or one error line saying it is not."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise YuqingError(f"{option}: {path} is not UTF-8 text (byte {e.start}); save it as UTF-8") from None


def _alert(s, alert_id: int) -> Alert:
    alert = s.get(Alert, alert_id)
    if alert is None:
        raise YuqingError(f"no alert {alert_id}; 'yuqing alerts list --all' lists them")
    return alert


def _clock(alert: Alert, now: datetime) -> str:
    from yuqing.alerts.clock import timeliness
    from yuqing.alerts.notify import format_duration, format_time_left

    t = timeliness(alert, now)
    if alert.status == AlertStatus.DISMISSED:
        return "误报"
    if alert.replied_at:
        return f"已回复（用时{format_duration(t.time_to_reply)}，{t.label}）"
    if t.found_late:  # found after its deadline: not the office's 漏报
        return f"发现滞后（{format_time_left(alert.deadline_at, now)}）"
    return format_time_left(alert.deadline_at, now)


def alert_summary(alert: Alert, now: datetime, tz: str) -> dict:
    from yuqing.alerts.clock import timeliness

    t = timeliness(alert, now)
    return {
        "id": alert.id,
        "event_id": alert.event_id,
        "title": alert.title,
        "level": alert.level,
        "level_label": Level(alert.level).label,
        "status": alert.status,
        "current_step": alert.current_step,
        "current_step_label": Step(alert.current_step).label,
        "round": alert.follow_up_round,
        "issue_started_at": alert.issue_started_at.isoformat(),
        "deadline_at": alert.deadline_at.isoformat(),
        "reported_at": alert.reported_at.isoformat() if alert.reported_at else None,
        "replied_at": alert.replied_at.isoformat() if alert.replied_at else None,
        "overdue_at": alert.overdue_at.isoformat() if alert.overdue_at else None,
        "escalated_at": alert.escalated_at.isoformat() if alert.escalated_at else None,
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
        "seconds_left": int(t.time_left.total_seconds()) if t.time_left is not None else None,
        "timeliness": t.state,
        "timeliness_label": t.label,
        "late": t.late,
        "missed": t.missed,
    }


@click.group()
def alerts() -> None:
    """Work the alert queue: list, show, advance, check deadlines."""


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per alert).")
@click.option("--all", "show_all", is_flag=True, help="Include closed and dismissed alerts.")
@click.option("--level", "levels", multiple=True, help="Only these levels (特别重大, II, 3 …).")
@click.option("--limit", default=200, show_default=True, type=ID, help="At most this many.")
@pass_state
def list_alerts(state, as_json: bool, show_all: bool, levels: tuple[str, ...], limit: int) -> None:
    """List open alerts, most severe first, then by time left."""
    from yuqing.alerts.api import QueueFilter, queue

    dep = state.deployment()
    tz = dep.config.timezone
    now = utcnow()
    try:
        lv = [int(Level.parse(x)) for x in levels]
    except ValueError as e:
        raise YuqingError(str(e)) from None
    with dep.sessions() as s:
        page = queue(s, QueueFilter(levels=lv, status="all" if show_all else "open", per_page=min(limit, 200)), now)
        rows = page.rows
        if as_json:
            click.echo(json.dumps([alert_summary(r.alert, now, tz) for r in rows], ensure_ascii=False, indent=1))
            return
        if not rows:
            click.echo("no open alerts" if not show_all else "no alerts")
            return
        for r in rows:
            a = r.alert
            status = "" if a.status == AlertStatus.OPEN else f" [{ {'closed': '已办结', 'dismissed': '误报'}.get(a.status, a.status) }]"
            click.echo(
                f"#{a.id}\t{Level(a.level).label}\t第{a.current_step}步 {Step(a.current_step).label}\t"
                f"{_clock(a, now)}\t{a.title[:60]}{status}"
            )
        if page.total > len(rows):
            click.echo(f"… {page.total - len(rows)} more (use --limit)")


@alerts.command("show")
@click.argument("alert_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show(state, alert_id: int, as_json: bool) -> None:
    """Show one alert: clock, steps with who/when/notes, 通稿 versions, 联系单."""
    from yuqing.alerts import workflow
    from yuqing.alerts.liaison import liaison_forms
    from yuqing.alerts.statements import statements_of

    dep = state.deployment()
    tz = dep.config.timezone
    now = utcnow()
    with dep.sessions() as s:
        a = _alert(s, alert_id)
        statements = statements_of(s, a)
        forms = liaison_forms(s, a)
        if as_json:
            data = alert_summary(a, now, tz)
            data["steps"] = [
                {"step": r.step, "label": Step(r.step).label, "round": r.round, "started_at": r.started_at.isoformat(),
                 "completed_at": r.completed_at.isoformat() if r.completed_at else None, "by": r.by_user,
                 "note": r.note, "attachments": r.attachments}
                for r in a.steps
            ]
            data["statements"] = [
                {"id": st.id, "version": st.version, "round": st.round, "status": st.status, "stage": st.stage,
                 "drafted_by": st.drafted_by, "approved_by": st.approved_by, "approval_body": st.approval_body,
                 "reviews": [{"stage": r.stage, "decision": r.decision, "by": r.by_user, "capacity": r.capacity,
                              "note": r.note, "at": r.at.isoformat()} for r in st.reviews]}
                for st in statements
            ]
            data["liaison_forms"] = [
                {"id": f.id, "unit": f.unit, "status": f.status, "sent_at": f.sent_at.isoformat(),
                 "due_at": f.due_at.isoformat(), "answered_at": f.answered_at.isoformat() if f.answered_at else None}
                for f in forms
            ]
            data["next_steps"] = [int(x) for x in workflow.next_steps(a)]
            click.echo(json.dumps(data, ensure_ascii=False, indent=1))
            return
        click.echo(f"预警 #{a.id}  {a.title}")
        click.echo(f"级别：{Level(a.level).label}（{Level(a.level).roman}级）  状态：{a.status}  事件 #{a.event_id}")
        click.echo(f"起算：{local_text(a.issue_started_at, tz)}  时限：{local_text(a.deadline_at, tz)}  {_clock(a, now)}")
        nxt = workflow.next_steps(a)
        if nxt:
            click.echo(f"下一步：第{int(nxt[0])}步 {nxt[0].label}" + ("（或办结）" if a.current_step == Step.FOLLOW_UP else ""))
        click.echo("步骤：")
        for r in a.steps:
            done = local_text(r.completed_at, tz, empty="进行中")
            rnd = f" 第{r.round}轮" if r.round else ""
            click.echo(f"  {r.step}. {Step(r.step).label}{rnd}  {r.by_user or '—'}  {local_text(r.started_at, tz)} → {done}")
            for line in (r.note or "").splitlines():
                click.echo(f"       {line}")
            for att in r.attachments or []:
                click.echo(f"       [{att.get('kind')}] {att.get('title') or att.get('text') or ''} {att.get('url') or ''}".rstrip())
        for st in statements:
            click.echo(f"通稿 v{st.version}（#{st.id}，{st.status}，已过{st.stage}审）起草：{st.drafted_by}"
                       + (f"，审定：{st.approved_by}（{st.approval_body}）" if st.approved_by else ""))
        for f in forms:
            click.echo(f"联系单 #{f.id} → {f.unit}：{f.status_label}，时限 {local_text(f.due_at, tz)}")


@alerts.command("advance")
@click.argument("alert_id", type=ID)
@click.option("--step", required=True, help="Step to record: 3-7, a name (report, consult, …) or 快报事实 …")
@click.option("--user", "username", required=True, help="Who records it (a configured username).")
@click.option("--note", default="", help="The 快报 text, consultation outcome, reply text …")
@click.option("--link", "links", multiple=True, help="A link to attach (repeatable).")
@click.option("--county", default="", help="The county's measures (会商 of levels I–II hears them first).")
@click.option("--at", "at", default=None, help="Record at this time (ISO; default now).")
@pass_state
def advance_cmd(state, alert_id: int, step: str, username: str, note: str, links: tuple[str, ...], county: str, at: str | None) -> None:
    """Record the next step of an alert (steps cannot be skipped)."""
    from yuqing.alerts import base, workflow

    dep = state.deployment()
    now = parse_time(at, dep.config.timezone) or utcnow()
    attachments: list = list(links)
    if county.strip():
        attachments.append({"kind": "county", "text": county.strip()})
    with base.open_session(dep) as s, s.begin():
        a = _alert(s, alert_id)
        rec = workflow.advance(s, a, step, by=username, note=note, attachments=attachments, now=now)
        label = Step(rec.step).label
        done = "opened" if rec.completed_at is None else "recorded"
    click.echo(f"alert {alert_id}: step {rec.step} {label} {done} by {username}")


@alerts.command("close")
@click.argument("alert_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--note", default="", help="How the issue subsided (缓退、平息).")
@click.option("--at", "at", default=None)
@pass_state
def close_cmd(state, alert_id: int, username: str, note: str, at: str | None) -> None:
    """Close an alert whose issue has subsided (from 跟踪引导)."""
    from yuqing.alerts import base, workflow

    dep = state.deployment()
    now = parse_time(at, dep.config.timezone) or utcnow()
    with base.open_session(dep) as s, s.begin():
        workflow.close(s, _alert(s, alert_id), by=username, note=note, now=now)
    click.echo(f"alert {alert_id} closed")


@alerts.command("dismiss")
@click.argument("alert_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--reason", required=True, help="Why it is a false alarm (误报).")
@click.option("--at", "at", default=None)
@pass_state
def dismiss_cmd(state, alert_id: int, username: str, reason: str, at: str | None) -> None:
    """Dismiss a false alarm (误报), with the reason."""
    from yuqing.alerts import base, workflow

    dep = state.deployment()
    now = parse_time(at, dep.config.timezone) or utcnow()
    with base.open_session(dep) as s, s.begin():
        workflow.dismiss(s, _alert(s, alert_id), by=username, reason=reason, now=now)
    click.echo(f"alert {alert_id} dismissed")


@alerts.command("follow-up")
@click.argument("alert_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--note", required=True, help="What was seen (a follow-up post, a new development).")
@click.option("--link", "links", multiple=True)
@pass_state
def follow_up_cmd(state, alert_id: int, username: str, note: str, links: tuple[str, ...]) -> None:
    """Log a follow-up post or development against step 2 (监测舆情)."""
    from yuqing.alerts import base, workflow

    dep = state.deployment()
    with base.open_session(dep) as s, s.begin():
        workflow.log_follow_up(s, _alert(s, alert_id), by=username, note=note, links=links)
    click.echo(f"alert {alert_id}: follow-up logged")


@alerts.command("check-deadlines")
@click.option("--at", "at", default=None, help="Evaluate the clock at this time (ISO; default now), for drills.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def check_deadlines_cmd(state, at: str | None, as_json: bool) -> None:
    """Send due reminders, escalate overdue alerts, mark overdue 联系单."""
    from yuqing.alerts.api import check_deadlines

    dep = state.deployment()
    now = parse_time(at, dep.config.timezone) or utcnow()
    report = check_deadlines(dep, now)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for line in report.lines():
            click.echo(line)


@alerts.command("sync")
@click.option("--at", "at", default=None, help="Evaluate at this time (ISO; default now).")
@pass_state
def sync_cmd(state, at: str | None) -> None:
    """Open alerts for new graded events; escalate those whose level rose."""
    from yuqing.alerts.api import sync_alerts

    dep = state.deployment()
    now = parse_time(at, dep.config.timezone) or utcnow()
    for line in sync_alerts(dep, now).lines():
        click.echo(line)


@alerts.command("outbox")
@click.option("--send", "send_due", is_flag=True, help="Deliver the messages that are due now.")
@click.option("--retry-failed", is_flag=True, help="Give failed messages another round of attempts (after mending a channel).")
@click.option("--all", "show_all", is_flag=True, help="Include delivered messages.")
@click.option("--limit", default=100, show_default=True, type=ID)
@pass_state
def outbox_cmd(state, send_due: bool, retry_failed: bool, show_all: bool, limit: int) -> None:
    """Notifications not yet delivered to every channel (yuqing run retries them every minute)."""
    from yuqing.alerts import outbox

    dep = state.deployment()
    tz = dep.config.timezone
    if retry_failed:
        click.echo(f"{outbox.retry_failed(dep)} failed message(s) will be tried again")
    if send_due or retry_failed:
        for line in outbox.drain(dep).lines():
            click.echo(line)
    statuses = ("pending", "sending", "failed", "done", "obsolete") if show_all else ("pending", "sending", "failed")
    rows = outbox.listing(dep, statuses, limit)
    if not rows:
        click.echo("outbox: every message has been delivered")
        return
    labels = {"pending": "待发送", "sending": "发送中", "failed": "发送失败", "done": "已送达", "obsolete": "已过时未补发"}
    for r in rows:
        when = local_text(r.next_attempt_at, tz) if r.status == "pending" else local_text(r.finished_at or r.claimed_at, tz)
        sent = ",".join(r.channels_sent or []) or "-"
        label = "无匹配渠道" if r.status == "done" and not r.channels_sent else labels.get(r.status, r.status)
        click.echo(f"#{r.id}\t{label}\t{r.attempts} attempt(s)\t{when}\tsent: {sent}\t"
                   f"{r.subject[:60]}" + (f"\t{r.last_error[:120]}" if r.last_error else ""))


# -- 通稿 ----------------------------------------------------------------------------

@alerts.group("statement")
def statement() -> None:
    """通稿: draft versions and review them (三审三校)."""


@statement.command("draft")
@click.argument("alert_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--text", default=None, help="The statement text.")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the text from a UTF-8 file.")
@click.option("--title", default="")
@pass_state
def statement_draft(state, alert_id: int, username: str, text: str | None, path: Path | None, title: str) -> None:
    """Draft a new 通稿 version for an alert."""
    from yuqing.alerts.base import open_session
    from yuqing.alerts.statements import draft_statement

    if path is not None:
        text = _read_text(path, "--file")
    if not text:
        raise YuqingError("give the statement with --text or --file")
    dep = state.deployment()
    with open_session(dep) as s, s.begin():
        st = draft_statement(s, _alert(s, alert_id), by=username, text=text, title=title)
    click.echo(f"statement {st.id}: version {st.version} of alert {alert_id}, in review (1/3)")


@statement.command("review")
@click.argument("statement_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--pass", "decision", flag_value="pass", help="Pass this review stage.")
@click.option("--return", "decision", flag_value="return", help="Return it to the drafter (needs --note).")
@click.option("--note", default="")
@click.option("--revised-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Pass with a corrected text (kept as a new version).")
@pass_state
def statement_review(state, statement_id: int, username: str, decision: str | None, note: str, revised_file: Path | None) -> None:
    """Review a 通稿 version: 信息员, then 科室负责人, then 分管领导 (final)."""
    from yuqing.alerts.base import open_session
    from yuqing.alerts.review import review_statement

    if decision is None:
        raise YuqingError("say --pass or --return")
    revised = _read_text(revised_file, "--revised-file") if revised_file else None
    dep = state.deployment()
    with open_session(dep) as s, s.begin():
        st = review_statement(s, statement_id, by=username, decision=decision, note=note, revised_text=revised)
        msg = {"approved": f"approved by {st.approval_body}", "returned": "returned to the drafter"}.get(
            st.status, f"passed review {st.stage}/3")
        click.echo(f"statement {st.id} (version {st.version}): {msg}")


@statement.command("list")
@click.argument("alert_id", type=ID)
@pass_state
def statement_list(state, alert_id: int) -> None:
    """List the 通稿 versions of an alert with their reviews."""
    from yuqing.alerts.statements import statements_of

    dep = state.deployment()
    tz = dep.config.timezone
    with dep.sessions() as s:
        for st in statements_of(s, _alert(s, alert_id)):
            click.echo(f"#{st.id} v{st.version} round {st.round} {st.status} stage {st.stage}/3 by {st.drafted_by} {local_text(st.drafted_at, tz)}")
            for r in st.reviews:
                click.echo(f"    {r.stage}. {r.capacity} {r.by_user}: {r.decision} {local_text(r.at, tz)} {r.note}".rstrip())


# -- 舆情联系单 ------------------------------------------------------------------------

@alerts.group("liaison")
def liaison() -> None:
    """舆情联系单: send to the responsible unit, record its answer."""


@liaison.command("send")
@click.argument("alert_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--unit", required=True, help="The responsible unit (责任单位).")
@click.option("--content", required=True, help="What the unit must verify.")
@pass_state
def liaison_send(state, alert_id: int, username: str, unit: str, content: str) -> None:
    """Send a 联系单; the unit must answer within alerts.liaison_hours."""
    from yuqing.alerts.base import open_session
    from yuqing.alerts.liaison import send_liaison

    dep = state.deployment()
    with open_session(dep) as s, s.begin():
        form = send_liaison(s, _alert(s, alert_id), by=username, unit=unit, content=content)
    click.echo(f"liaison form {form.id} sent to {unit}; answer due {local_text(form.due_at, dep.config.timezone)}")


@liaison.command("answer")
@click.argument("form_id", type=ID)
@click.option("--user", "username", required=True)
@click.option("--answer", required=True, help="The unit's verification.")
@pass_state
def liaison_answer(state, form_id: int, username: str, answer: str) -> None:
    """Record a unit's answer to a 联系单."""
    from yuqing.alerts.base import open_session
    from yuqing.alerts.liaison import answer_liaison

    dep = state.deployment()
    with open_session(dep) as s, s.begin():
        form = answer_liaison(s, form_id, by=username, answer=answer)
        late = " (late)" if form.answered_at > form.due_at else ""
    click.echo(f"liaison form {form_id} answered{late}")


@liaison.command("list")
@click.option("--waiting", is_flag=True, help="Only forms still waiting for an answer.")
@pass_state
def liaison_list(state, waiting: bool) -> None:
    """List 联系单 with their deadlines."""
    from yuqing.alerts.models import LiaisonForm

    dep = state.deployment()
    tz = dep.config.timezone
    with dep.sessions() as s:
        q = select(LiaisonForm).order_by(LiaisonForm.due_at)
        if waiting:
            q = q.where(LiaisonForm.answered_at.is_(None))
        forms = list(s.scalars(q))
        if not forms:
            click.echo("no liaison forms")
        for f in forms:
            click.echo(f"#{f.id}\talert {f.alert_id}\t{f.unit}\t{f.status_label}\tdue {local_text(f.due_at, tz)}")


# ---------------------------------------------------------------------------------------
# Reports engineer: the `digest` and `report` commands (STAGE_COMMANDS points
# "digest" and "report" at yuqing.alerts.cli) go below this line.
# ---- digest and report commands ----
