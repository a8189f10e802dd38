"""``yuqing run``, ``yuqing schedule``, ``yuqing duty …``: the scheduler on the command line.

The commands read the deployment from the ``yuqing`` group and call
:mod:`yuqing.scheduler` (its jobs, the runner) and :mod:`yuqing.duty`; a time
given without an offset is local (the deployment's zone, Asia/Shanghai).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from yuqing import audit, scheduler
from yuqing import duty as duty_rules
from yuqing.cli import ID, State
from yuqing.domain import EARLIEST_YEAR
from yuqing.duty import DutyRecord, duty_periods
from yuqing.errors import YuqingError
from yuqing.localtime import local_text


@dataclass
class JobView:
    """What ``yuqing schedule`` shows of a job that is not stored yet."""

    id: str
    name: str
    next_run_time: datetime | None
    trigger: Any


def _state():
    ctx = click.get_current_context()
    state = ctx.find_object(State)
    if state is None:
        raise YuqingError("run this through the yuqing command")
    return state


def _config_path(state) -> Path:
    cfg = state.config
    if cfg.path is None:
        raise YuqingError("the scheduler needs a configuration file (--config PATH): crawl jobs run 'yuqing crawl' with it")
    return cfg.path


@click.command()
def run() -> None:
    """Run everything on schedule: crawls, classify/grade, deadline checks, the 17:00 digest, the monthly report.

    Jobs are kept in the database: a run missed while this process was down
    runs once when it starts again (within schedule.misfire_grace_hours) and is
    marked as late. Several processes may run against one database; each job
    run happens once.
    """
    state = _state()
    path = _config_path(state)
    logging.getLogger("yuqing").setLevel(min(logging.getLogger("yuqing").getEffectiveLevel(), logging.INFO))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler.run_forever(state.deployment(), path)


@click.command()
def schedule() -> None:
    """List the scheduled jobs with their next run times (Asia/Shanghai) and last runs."""
    state = _state()
    dep = state.deployment()
    path = _config_path(state) if state.config.path else Path("yuqing.yaml")
    runner = scheduler.Runner(dep, path, scheduler_class=scheduler.ManualScheduler, inline=True)
    runner.scheduler.start(paused=True)
    try:
        stored = {j.id: j for j in runner.scheduler.get_jobs()}
        duty = scheduler.on_duty(dep)
        planned = {p.id: p for p in scheduler.plan_jobs(dep.config, duty)}
        jobs = []
        for job_id, p in planned.items():
            job = stored.get(job_id)
            if job is None or scheduler.trigger_signature(job.trigger) != p.signature:
                # not stored yet (or about to change): show when it would run
                job = JobView(job_id, p.name, p.trigger.get_next_fire_time(None, scheduler.now()), p.trigger)
            jobs.append(job)
        jobs.sort(key=lambda j: (j.next_run_time is None, j.next_run_time, j.id))
        if not stored:
            click.echo("（调度尚未启动过：以下为按配置计算的时间；运行 yuqing run 开始）")
        scheduler.print_jobs(dep, jobs, click.echo, planned)
    finally:
        runner.shutdown(wait=False)


def parse_moment(text: str, tz: str) -> datetime:
    """``2027-02-05``, ``2027-02-05 08:00`` or ISO 8601 with an offset; no offset means local time (Asia/Shanghai)."""
    text = text.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            t = datetime(d.year, d.month, d.day)
        else:
            t = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise YuqingError(f"cannot read {text!r} as a time; use YYYY-MM-DD or 'YYYY-MM-DD HH:MM'") from None
    if not EARLIEST_YEAR <= t.year < 9999:
        raise YuqingError(f"{text!r} is not a plausible time: the year must be from {EARLIEST_YEAR} on")
    return duty_rules.aware(t, tz)


@click.group()
def duty() -> None:
    """Declare or list 24-hour duty periods (值班): crawling and notification run at the duty cadence."""


@duty.command("add")
@click.option("--name", required=True, help="e.g. 春节值班")
@click.option("--start", "start_text", required=True, help="YYYY-MM-DD [HH:MM] (local time) or ISO 8601 with offset")
@click.option("--end", "end_text", required=True, help="YYYY-MM-DD [HH:MM] (local time) or ISO 8601 with offset")
@click.option("--note", default="", help="why (节假日、重大活动…)")
@click.option("--by", "by_user", default="admin", show_default=True, help="who declares it (for the audit log)")
def duty_add(name: str, start_text: str, end_text: str, note: str, by_user: str) -> None:
    """Declare a duty period."""
    state = _state()
    tz = state.config.timezone
    start, end = parse_moment(start_text, tz), parse_moment(end_text, tz)
    if end <= start:
        raise YuqingError(f"the duty period ends ({end_text}) before it starts ({start_text})")
    dep = state.deployment()
    with dep.sessions() as s, s.begin():
        row = DutyRecord(name=name.strip(), start_at=start, end_at=end, created_by=by_user, note=note)
        s.add(row)
        s.flush()
        audit.record(s, by_user, "duty.add", row, name=row.name, start=start, end=end)
        rid = row.id
    click.echo(f"duty period #{rid} {name}: {local_text(start, tz)} → {local_text(end, tz)} ({tz})")


@duty.command("list")
def duty_list() -> None:
    """List duty periods (configured and declared) and whether each is in force."""
    state = _state()
    dep = state.deployment()
    tz = state.config.timezone
    at = scheduler.now()
    periods = duty_periods(dep)
    if not periods:
        click.echo("no duty periods declared (yuqing duty add --name 春节值班 --start 2027-02-05 --end 2027-02-12)")
        return
    for w in periods:
        state_text = "进行中" if w.active(at) else ("未开始" if w.start > at else "已结束")
        ident = f"#{w.id}" if w.id is not None else "config"
        click.echo(f"{ident}\t{w.name}\t{local_text(w.start, tz)}\t{local_text(w.end, tz)}\t{state_text}")


@duty.command("remove")
@click.argument("duty_id", type=ID)
@click.option("--by", "by_user", default="admin", show_default=True)
def duty_remove(duty_id: int, by_user: str) -> None:
    """Remove a declared duty period (configured ones are edited in the configuration)."""
    dep = _state().deployment()
    with dep.sessions() as s, s.begin():
        row = s.get(DutyRecord, duty_id)
        if row is None:
            raise YuqingError(f"no declared duty period #{duty_id}; see 'yuqing duty list'")
        audit.record(s, by_user, "duty.remove", row, name=row.name)
        s.delete(row)
    click.echo(f"duty period #{duty_id} removed")
