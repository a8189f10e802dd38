"""Everything on the office's rhythm: what ``yuqing run`` runs, and when (the commands: :mod:`yuqing.scheduler_cli`).

One long-running process drives the pipeline with APScheduler 3 and a
persistent job store in the deployment's own database (table
``apscheduler_jobs``):

=================  ==========================================  ===============================
job id             what                                         when
=================  ==========================================  ===============================
``crawl:NAME``     ``yuqing crawl NAME`` in a child process      every ``cadence_minutes``
                   (Scrapy's reactor runs once per process)      (on duty: ``duty_cadence_minutes``
                                                                 or cadence × ``duty.cadence_factor``)
``process``        classify → grade → open/escalate alerts       every ``schedule.grade_seconds``
``deadlines``      reminders and overdue alerts                  every ``schedule.deadline_check_seconds``
``notifications``  deliver what the outbox still holds            every ``schedule.outbox_seconds``
``digest``         the daily digest (舆情日报), sent             ``schedule.digest_time`` Asia/Shanghai
``monthly``        last month's report (月报), sent              ``monthly_day`` at ``monthly_time``
=================  ==========================================  ===============================

**Missed runs.** Jobs keep their next run time in the database, so a run due
while the machine was off is found when it is back: it runs once (coalesced)
if it is no later than ``schedule.misfire_grace_hours``, and says it ran late
(the log, the run record, and for the digest a 补发 mark in the archive).
Restarting never moves a job's next run time unless its schedule changed.

**Two processes, one database.** APScheduler 3's SQL job store takes no locks,
so two ``yuqing run`` processes would both run a due job. Each run is
therefore *claimed* first: a row in ``scheduler_runs`` keyed by (job id,
scheduled time) under a unique constraint. Only the process whose insert
succeeds runs the job; the other logs that it was taken and moves on. The
same rows are the run history ``yuqing schedule`` shows.

**A runner that dies mid-job.** A claim is a lease (``lease_until``, column
added by migration 0004): while the job runs, its process renews it every
:data:`HEARTBEAT_SECONDS` for :data:`LEASE`. A run still ``running`` whose lease
ran out lost its process (``kill -9``, a power cut). The next claimant takes it
over with a conditional update, so of several restarting processes exactly one
gets it; the run counts as late (补发), the log and the audit log
(``scheduler.take_over``) say so, and its result ends with 接管. ``yuqing run``
looks for such digests and monthly reports at start and at every re-plan and
runs each again once; a report the dead process had already archived and
handed to the outbox is not written or sent a second time.

**Duty periods (值班).** Declared with ``yuqing duty add`` (table
``duty_periods``) or in the configuration (``duty.periods``). During one,
crawls and processing run at the duty cadence and notification channels
marked ``duty_only`` are active (:func:`on_duty`, which the notifier asks).
The running scheduler re-plans every minute, so a period takes effect
without a restart.
"""
from __future__ import annotations

import copy
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import click
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import (Boolean, Column, Float, Integer, LargeBinary, String, Table, Text, Unicode, UniqueConstraint, and_,
                        delete, or_, select, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from yuqing import audit
from yuqing import duty as duty_rules
from yuqing.alerts.models import OutboxMessage
from yuqing.duty import DutyWindow, duty_periods
from yuqing.localtime import local_text
from yuqing.models import Base, utcnow
from yuqing.reports.models import ReportRecord

log = logging.getLogger(__name__)

#: a run starting this long after its scheduled time is reported as late (补发)
LATE_AFTER = timedelta(minutes=5)
#: how often the running process re-plans (duty periods, configuration) and looks at the store
REPLAN_SECONDS = 60
#: the module:function every stored job calls (a textual reference, so jobs pickle)
EXECUTE_REF = "yuqing.scheduler:execute"


# -- tables ------------------------------------------------------------------

#: APScheduler's job table, declared on our metadata so migrations create it like any other
jobs_table = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class ScheduledRun(Base):
    """One claimed (or missed) run of a scheduled job; the unique key is the lock."""

    __tablename__ = "scheduler_runs"
    __table_args__ = (UniqueConstraint("job_id", "scheduled_at", name="uq_scheduler_run"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(80), index=True)
    scheduled_at: Mapped[datetime] = mapped_column()
    claimed_by: Mapped[str] = mapped_column(String(120))  # host:pid:scheduler
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12))  # running, ok, error, missed
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_seconds: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str] = mapped_column(Text, default="")
    #: while it runs, the holder renews this every HEARTBEAT; a run whose lease ran out lost its runner
    lease_until: Mapped[datetime | None] = mapped_column()


class JobStore(SQLAlchemyJobStore):
    """APScheduler's SQL job store on the deployment's engine and our declared table."""

    def __init__(self, engine):
        BaseJobStore.__init__(self)
        self.pickle_protocol = pickle.HIGHEST_PROTOCOL
        self.engine = engine
        self.jobs_t = jobs_table


# -- the clock -------------------------------------------------------------

def now() -> datetime:
    """The current time (UTC, aware). One function, so a test can move time for the job functions."""
    return utcnow()


# -- duty periods ------------------------------------------------------------

def active_duty(deployment, at: datetime | None = None) -> DutyWindow | None:
    return duty_rules.active_duty(deployment, at or now())


def on_duty(deployment, at: datetime | None = None) -> bool:
    """Whether a 24-hour duty period is in force (now, by this module's clock, when ``at`` is not given)."""
    return duty_rules.on_duty(deployment, at or now())


def crawl_minutes(cfg, source, duty: bool) -> int:
    """A source's crawl cadence, shortened during duty periods."""
    if not duty:
        return source.cadence_minutes
    if source.duty_cadence_minutes:
        return min(source.duty_cadence_minutes, source.cadence_minutes)
    return max(1, round(source.cadence_minutes * cfg.duty.cadence_factor))


# -- the plan ----------------------------------------------------------------

@dataclass
class PlannedJob:
    id: str
    name: str  # what it does, in Chinese (shown by `yuqing schedule`)
    task: str
    trigger: Any
    every: str  # the cadence in words
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return trigger_signature(self.trigger)


def trigger_signature(trigger) -> str:
    """What identifies a schedule (not when it was first planned): restarts keep unchanged jobs as they are."""
    tz = getattr(trigger, "timezone", "")
    return f"{trigger} {tz}"


def _hm(hhmm: str) -> tuple[int, int]:
    h, m = hhmm.split(":")
    return int(h), int(m)


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"每{seconds // 3600}小时"
    if seconds % 60 == 0:
        return f"每{seconds // 60}分钟"
    return f"每{seconds}秒"


def plan_jobs(cfg, duty: bool, at: datetime | None = None) -> list[PlannedJob]:
    """The jobs the configuration asks for, at the normal or the duty cadence."""
    at = at or now()
    tz = ZoneInfo(cfg.timezone)
    jobs: list[PlannedJob] = []
    for i, source in enumerate(s for s in cfg.sources if s.enabled):
        minutes = crawl_minutes(cfg, source, duty)
        jobs.append(
            PlannedJob(
                id=f"crawl:{source.name}",
                name=f"采集 {source.name}" + ("（值班加密）" if duty else ""),
                task="crawl",
                # staggered first runs, so a restart does not start every spider at once
                trigger=IntervalTrigger(minutes=minutes, start_date=at + timedelta(seconds=15 * (i + 1)), timezone=tz),
                every=_every(minutes * 60),
                params={"source": source.name},
            )
        )
    grade = cfg.schedule.grade_seconds
    if duty:
        grade = max(10, round(grade * cfg.duty.cadence_factor))
    jobs.append(
        PlannedJob("process", "分类、分级并生成预警", "process",
                   IntervalTrigger(seconds=grade, start_date=at + timedelta(seconds=5), timezone=tz), _every(grade))
    )
    check = cfg.schedule.deadline_check_seconds
    jobs.append(
        PlannedJob("deadlines", "检查12小时时限（提醒、超时）", "deadlines",
                   IntervalTrigger(seconds=check, start_date=at + timedelta(seconds=10), timezone=tz), _every(check))
    )
    every = cfg.schedule.outbox_seconds
    jobs.append(
        PlannedJob("notifications", "补发未送达的通知", "notifications",
                   IntervalTrigger(seconds=every, start_date=at + timedelta(seconds=3), timezone=tz), _every(every))
    )
    h, m = _hm(cfg.schedule.digest_time)
    jobs.append(
        PlannedJob("digest", "生成并发送舆情日报", "digest", CronTrigger(hour=h, minute=m, timezone=tz),
                   f"每天 {cfg.schedule.digest_time}")
    )
    h, m = _hm(cfg.schedule.monthly_time)
    day = cfg.schedule.monthly_day
    jobs.append(
        PlannedJob("monthly", "生成并发送上月舆情月报", "monthly", CronTrigger(day=day, hour=h, minute=m, timezone=tz),
                   f"每月{day}日 {cfg.schedule.monthly_time}")
    )
    return jobs


# -- running one job ---------------------------------------------------------

_DEPLOYMENTS: dict[str, Any] = {}
_DEPLOYMENTS_LOCK = threading.Lock()
_IDENTITY = f"{socket.gethostname()}:{os.getpid()}"


def _deployment(config_path: str):
    """The open deployment for a configuration file (one per process)."""
    key = str(Path(config_path).resolve())
    with _DEPLOYMENTS_LOCK:
        dep = _DEPLOYMENTS.get(key)
        if dep is None:
            from yuqing.config import load
            from yuqing.deployment import Deployment

            dep = Deployment.open(load(key))
            _DEPLOYMENTS[key] = dep
        return dep


#: a claim holds this long unless renewed: a runner killed mid-job (kill -9, power cut) leaves a lease that
#: runs out, and the run is taken over once by the next runner that sees it
LEASE = timedelta(minutes=3)
#: how often a running job renews its lease (well inside LEASE, so a slow database does not lose it)
HEARTBEAT_SECONDS = 30.0
#: jobs taken over when their runner died: the others (crawls, processing, checks) simply run at their next time
TAKE_OVER = ("digest", "monthly")
#: the result of a run while a taken-over job runs again; :func:`_finish` turns it into the 接管 mark
_TAKEN_OVER_FROM = "taken over from "


def claim(deployment, job_id: str, scheduled_at: datetime, holder: str, at: datetime,
          take_over_dead: bool = True) -> ScheduledRun | None:
    """Claim one run of a job; None if another scheduler has it (and its lease is alive).

    A run still marked ``running`` whose lease ran out lost its runner: unless
    ``take_over_dead`` is false it is taken over (see :func:`take_over`)."""
    late_by = at - scheduled_at
    row = ScheduledRun(
        job_id=job_id,
        scheduled_at=scheduled_at,
        claimed_by=holder,
        started_at=at,
        status="running",
        late=late_by > LATE_AFTER,
        late_seconds=max(0, int(late_by.total_seconds())),
        lease_until=at + LEASE,
    )
    try:
        with deployment.sessions() as s, s.begin():
            s.add(row)
    except IntegrityError:
        return take_over(deployment, job_id, scheduled_at, holder, at) if take_over_dead else None
    return row


def _expired(at: datetime):
    """The condition of a run whose runner died: running, and its lease over (a row from before leases:
    started more than a lease ago)."""
    return and_(ScheduledRun.status == "running",
                or_(ScheduledRun.lease_until < at,
                    and_(ScheduledRun.lease_until.is_(None), ScheduledRun.started_at < at - LEASE)))


def take_over(deployment, job_id: str, scheduled_at: datetime, holder: str, at: datetime) -> ScheduledRun | None:
    """Take over a run whose runner died mid-job; None if it is finished or its lease is alive.

    Exactly one of several claimants gets it: the update only applies while the
    run is still expired and still held by the dead runner, and only the claimant
    whose update changed the row (rowcount 1) runs it. The run counts as late
    (补发); the take-over is logged and recorded in the audit log."""
    with deployment.sessions() as s:
        old = s.scalar(select(ScheduledRun).where(ScheduledRun.job_id == job_id, ScheduledRun.scheduled_at == scheduled_at))
    if old is None or old.status != "running":
        return None
    late_by = at - scheduled_at
    with deployment.sessions() as s, s.begin():
        taken = s.execute(
            update(ScheduledRun)
            .where(ScheduledRun.id == old.id, ScheduledRun.claimed_by == old.claimed_by, _expired(at))
            .values(claimed_by=holder, started_at=at, lease_until=at + LEASE, late=True,
                    late_seconds=max(0, int(late_by.total_seconds())), result=f"{_TAKEN_OVER_FROM}{old.claimed_by}")
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            audit.record(s, audit.SYSTEM, "scheduler.take_over", old, at=at, job=job_id, scheduled_at=scheduled_at,
                         dead_runner=old.claimed_by, lease_until=old.lease_until, runner=holder)
    if taken != 1:
        return None
    log.warning("job %s due %s: its runner %s died mid-run (lease expired at %s); taken over by %s", job_id,
                scheduled_at.astimezone(timezone.utc), old.claimed_by, old.lease_until or "-", holder)
    with deployment.sessions() as s:
        return s.get(ScheduledRun, old.id)


def orphaned_runs(deployment, at: datetime) -> list[ScheduledRun]:
    """Runs of the digest and the monthly report whose runner died mid-job."""
    with deployment.sessions() as s:
        return list(s.scalars(select(ScheduledRun).where(ScheduledRun.job_id.in_(TAKE_OVER), _expired(at))
                              .order_by(ScheduledRun.scheduled_at)))


class _Heartbeat:
    """Renews a claimed run's lease every HEARTBEAT_SECONDS while its job runs (a daemon thread)."""

    def __init__(self, deployment, run_id: int, holder: str):
        self.deployment, self.run_id, self.holder = deployment, run_id, holder
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{run_id}", daemon=True)

    def _renew(self) -> bool:
        """Extend the lease; False when the run is no longer ours (finished, or taken over by another runner)."""
        with self.deployment.sessions() as s, s.begin():
            return s.execute(
                update(ScheduledRun)
                .where(ScheduledRun.id == self.run_id, ScheduledRun.claimed_by == self.holder,
                       ScheduledRun.status == "running")
                .values(lease_until=now() + LEASE).execution_options(synchronize_session=False)
            ).rowcount == 1

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            try:
                if not self._renew():
                    if not self.stop.is_set():
                        log.warning("run %s is no longer held by %s (its lease ran out and another runner took it "
                                    "over); no longer renewing it", self.run_id, self.holder)
                    return
            except Exception:  # the database may be briefly unavailable: try again at the next beat
                log.warning("could not renew the lease of run %s", self.run_id, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=30)  # a renewal in flight commits before the run is finished


#: run records of frequent jobs are kept this long (digests and monthly reports forever)
KEEP_RUNS = timedelta(days=30)


def prune_runs(deployment, at: datetime) -> int:
    """Forget old runs of the frequent jobs (crawls, processing, deadline checks)."""
    with deployment.sessions() as s, s.begin():
        return s.execute(
            delete(ScheduledRun).where(
                ScheduledRun.scheduled_at < at - KEEP_RUNS, ScheduledRun.job_id.notin_(["digest", "monthly"])
            )
        ).rowcount


def _finish(deployment, run_id: int, status: str, result: str) -> None:
    with deployment.sessions() as s, s.begin():
        row = s.get(ScheduledRun, run_id)
        if row.result.startswith(_TAKEN_OVER_FROM):
            result = f"{result}（接管：原运行进程 {row.result.removeprefix(_TAKEN_OVER_FROM)} 中断）"
        row.status = status
        row.result = result[:2000]
        row.finished_at = now()
        row.lease_until = None


def execute(
    task: str,
    config_path: str,
    job_id: str | None = None,
    scheduled_run_time: datetime | None = None,
    holder: str | None = None,
    **params: Any,
) -> str:
    """Run one scheduled job, once per (job, scheduled time) across every process on the database.

    Called by the scheduler with the time the run was due (``scheduled_run_time``);
    returns a one-line summary (also kept in ``scheduler_runs``).
    """
    dep = _deployment(config_path)
    started = now()
    scheduled = scheduled_run_time or started
    job_id = job_id or task
    run = claim(dep, job_id, scheduled, holder or _IDENTITY, started)
    if run is None:
        log.info("job %s due %s is already taken by another scheduler; not running it here", job_id, scheduled)
        return "taken by another scheduler"
    if run.late:
        log.warning("job %s was due at %s and runs late by %s (补发)", job_id, scheduled.astimezone(timezone.utc), started - scheduled)
    if task in TAKE_OVER and run.result.startswith(_TAKEN_OVER_FROM):
        written = _report_of_dead_run(dep, task, scheduled)
        if written is not None:
            _finish(dep, run.id, "ok", written)
            return written
    try:
        with _Heartbeat(dep, run.id, run.claimed_by):
            summary = TASKS[task](dep, config_path, scheduled, run.late, started, **params)
    except Exception as e:
        _finish(dep, run.id, "error", f"{type(e).__name__}: {e}")
        raise
    if run.late:
        summary = f"补发（迟 {_fmt_delta(started - scheduled)}）: {summary}"
    _finish(dep, run.id, "ok", summary)
    return summary


def _report_of_dead_run(dep, kind: str, scheduled: datetime) -> str | None:
    """What a dead runner left of the report due at ``scheduled``, so that taking its run over duplicates nothing.

    A report it archived and handed to the outbox (which delivers it, retrying) is
    kept and not written again: returns the run's summary. A report it archived
    but never sent is removed, to be written (same files) and sent once; None then,
    as when it wrote nothing."""
    with dep.sessions() as s, s.begin():
        records = s.scalars(select(ReportRecord).where(
            ReportRecord.kind == kind, ReportRecord.scheduled_for == scheduled, ReportRecord.generated_by == "scheduler",
        ).order_by(ReportRecord.id)).all()
        sent = [r for r in records if _handed_to_outbox(s, r)]
        if sent:
            log.warning("%s due %s: report #%d was written and sent before its runner died; not written again",
                        kind, scheduled.astimezone(timezone.utc), sent[0].id)
            return f"{kind}: report #{sent[0].id} was written before its runner died; not written again"
        for r in records:
            log.warning("%s due %s: report #%d was written but not sent before its runner died; writing it again",
                        kind, scheduled.astimezone(timezone.utc), r.id)
            s.delete(r)
    return None


def _handed_to_outbox(session, record) -> bool:
    """Whether a report was sent, or at least written to the outbox (which delivers it, retrying)."""
    if record.sent_at is not None or record.deliveries:
        return True
    links = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind_of_message == record.kind))
    return any(str((payload or {}).get("link") or "").endswith(f"/reports/{record.id}") for payload in links)


def _fmt_delta(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    return f"{minutes // 60}小时{minutes % 60:02d}分"


def _task_crawl(dep, config_path, scheduled, late, started, source: str) -> str:
    """Scrapy's reactor cannot restart in one process: each crawl is a child ``yuqing crawl``."""
    cfg = dep.config
    minutes = crawl_minutes(cfg, cfg.source(source), on_duty(dep, started))
    timeout = max(600, minutes * 60 * 3)
    cmd = [sys.executable, "-m", "yuqing", "--config", str(config_path), "crawl", source]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"crawl of {source} did not finish within {timeout} s; it was stopped") from None
    tail = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        err = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"yuqing crawl {source} exited {done.returncode}: {err}")
    return f"crawl {source}: {tail}"


def _task_process(dep, config_path, scheduled, late, started) -> str:
    from yuqing.pipeline import process_pending

    return "; ".join(process_pending(dep, now=started).lines())


def _task_deadlines(dep, config_path, scheduled, late, started) -> str:
    from yuqing.alerts.api import check_deadlines

    report = check_deadlines(dep, started)
    return "; ".join(report.lines()) if hasattr(report, "lines") else str(report)


def _task_notifications(dep, config_path, scheduled, late, started) -> str:
    from yuqing.alerts.outbox import drain

    return "; ".join(drain(dep).lines())


def _task_digest(dep, config_path, scheduled, late, started) -> str:
    from yuqing.reports.digest import write_digest

    # the digest due at 17:00 on day D is D's digest, even when it runs the next morning
    day = scheduled.astimezone(ZoneInfo(dep.config.timezone)).date()
    result = write_digest(dep, day, now=started, send=True, scheduled_for=scheduled, late=late, generated_by="scheduler")
    prune_runs(dep, started)
    return f"digest {day}: {result.data.relevant} items, {len(result.deliveries)} deliveries → {result.html}"


def _task_monthly(dep, config_path, scheduled, late, started) -> str:
    from yuqing.reports.monthly import write_monthly

    local = scheduled.astimezone(ZoneInfo(dep.config.timezone))
    first = local.date().replace(day=1)
    last_month = (first - timedelta(days=1)).strftime("%Y-%m")
    result = write_monthly(dep, last_month, now=started, send=True, scheduled_for=scheduled, late=late, generated_by="scheduler")
    return f"monthly {last_month}: {result.data.current.relevant} items → {result.html}"


TASKS: dict[str, Callable[..., str]] = {
    "crawl": _task_crawl,
    "process": _task_process,
    "deadlines": _task_deadlines,
    "notifications": _task_notifications,
    "digest": _task_digest,
    "monthly": _task_monthly,
}


# -- executors: APScheduler does not tell a job when it was due; ours do ------

def _with_run_time(job: Job, run_time: datetime, holder: str) -> Job:
    clone = copy.copy(job)
    clone.kwargs = {**job.kwargs, "scheduled_run_time": run_time, "holder": holder}
    return clone


def _run_with_times(job: Job, alias: str, run_times: list[datetime], logger_name: str, holder: str):
    events = []
    for t in run_times:
        events += run_job(_with_run_time(job, t, holder), alias, [t], logger_name)
    return events


class TaskExecutor(ThreadPoolExecutor):
    """Runs jobs in threads, passing each the time it was due."""

    holder = _IDENTITY

    def _do_submit_job(self, job, run_times):
        def callback(f):
            exc = f.exception()
            if exc:
                self._run_job_error(job.id, exc, getattr(exc, "__traceback__", None))
            else:
                self._run_job_success(job.id, f.result())

        f = self._pool.submit(_run_with_times, job, job._jobstore_alias, run_times, self._logger.name, self.holder)
        f.add_done_callback(callback)


class InlineTaskExecutor(BaseExecutor):
    """Runs jobs in the calling thread (tests with a controlled clock; ``yuqing run --once``)."""

    holder = _IDENTITY

    def _do_submit_job(self, job, run_times):
        try:
            events = _run_with_times(job, job._jobstore_alias, run_times, self._logger.name, self.holder)
        except BaseException:
            self._run_job_error(job.id, *sys.exc_info()[1:])
        else:
            self._run_job_success(job.id, events)


class ManualScheduler(BaseScheduler):
    """A scheduler without a thread: jobs are processed when :meth:`tick` is called.

    ``yuqing schedule`` reads the job store with it; tests drive it with a controlled clock.
    """

    def shutdown(self, wait=True):
        super().shutdown(wait)

    def wakeup(self):
        pass

    def tick(self) -> float | None:
        """Run every job that is due now; returns seconds until the next one."""
        return self._process_jobs()


# -- the scheduler of one process -------------------------------------------

class Runner:
    """The jobs of one deployment on an APScheduler scheduler with the persistent job store."""

    def __init__(self, deployment, config_path: str | os.PathLike, scheduler_class=BackgroundScheduler, inline: bool = False):
        self.deployment = deployment
        self.config_path = str(Path(config_path).resolve())
        with _DEPLOYMENTS_LOCK:
            _DEPLOYMENTS.setdefault(self.config_path, deployment)  # job functions find the open deployment
        cfg = deployment.config
        self.holder = f"{_IDENTITY}:{uuid.uuid4().hex[:8]}"
        # crawls run for minutes: enough threads that they never hold up the deadline checks and the digest
        workers = 4 + sum(1 for src in cfg.sources if src.enabled)
        executor = InlineTaskExecutor() if inline else TaskExecutor(max_workers=workers)
        executor.holder = self.holder
        self.scheduler = scheduler_class(
            jobstores={"default": JobStore(deployment.engine)},
            executors={"default": executor},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(cfg.schedule.misfire_grace_hours * 3600),
            },
            timezone=ZoneInfo(cfg.timezone),
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_EXECUTED)
        self.duty: bool | None = None
        self._take_overs: list[threading.Thread] = []  # runs of dead runners this process runs again

    # lifecycle
    def start(self) -> None:
        """Start, bring the stored jobs in line with the configuration, then run what is due (missed runs first)."""
        self.scheduler.start(paused=True)
        self.sync_jobs()
        self.scheduler.resume()

    def take_over_orphans(self, at: datetime | None = None, background: bool = True) -> list[str]:
        """Run again, once, a digest or monthly report whose runner died mid-job (its lease ran out).

        ``yuqing run`` calls it at start and at every re-plan; of several runners
        only one takes each run (:func:`take_over`). Returns the job ids started."""
        started = []
        self._take_overs = [t for t in self._take_overs if t.is_alive()]
        for row in orphaned_runs(self.deployment, at or now()):
            kwargs = {"task": row.job_id, "config_path": self.config_path, "job_id": row.job_id,
                      "scheduled_run_time": row.scheduled_at, "holder": self.holder}
            if background:
                thread = threading.Thread(target=self._safely, kwargs=kwargs, name=f"take-over-{row.job_id}", daemon=True)
                self._take_overs.append(thread)
                thread.start()
            else:
                self._safely(**kwargs)
            started.append(row.job_id)
        return started

    @staticmethod
    def _safely(**kwargs) -> None:
        try:
            log.info("job %s due %s: %s", kwargs["job_id"], kwargs["scheduled_run_time"], execute(**kwargs))
        except Exception:
            log.exception("job %s due %s failed", kwargs["job_id"], kwargs["scheduled_run_time"])

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking new runs, let running jobs finish (``wait``), and forget this process's deployment."""
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.pause()  # no new submissions while the executors shut down
            self.scheduler.shutdown(wait=wait)
        for thread in self._take_overs if wait else ():
            thread.join()
        with _DEPLOYMENTS_LOCK:
            if _DEPLOYMENTS.get(self.config_path) is self.deployment:
                del _DEPLOYMENTS[self.config_path]

    # jobs
    def sync_jobs(self, at: datetime | None = None) -> dict[str, list[str]]:
        """Add planned jobs that are missing, update changed ones, remove ones no longer planned.

        An unchanged job keeps its stored next run time — that is what makes a run
        missed while the process was down run when it starts again.
        """
        at = at or now()
        duty = on_duty(self.deployment, at)
        if self.duty is not None and duty != self.duty:
            log.warning("duty period %s: crawl cadence %s", "started" if duty else "ended", "raised" if duty else "back to normal")
        self.duty = duty
        planned = {p.id: p for p in plan_jobs(self.deployment.config, duty, at)}
        grace = int(self.deployment.config.schedule.misfire_grace_hours * 3600)
        stored = {j.id: j for j in self.scheduler.get_jobs()}
        changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
        for job_id, p in planned.items():
            kwargs = {"task": p.task, "config_path": self.config_path, "job_id": p.id, **p.params}
            job = stored.get(job_id)
            if job is None:
                try:
                    self.scheduler.add_job(EXECUTE_REF, trigger=p.trigger, id=job_id, name=p.name, kwargs=kwargs)
                    changes["added"].append(job_id)
                except ConflictingIdError:  # another process added it a moment ago
                    pass
            elif trigger_signature(job.trigger) != p.signature:
                first = p.trigger.get_next_fire_time(None, at)
                nxt = first
                if job.next_run_time is not None and job.next_run_time < at:
                    nxt = job.next_run_time  # a due (or missed) run still happens
                elif job.next_run_time is not None and isinstance(p.trigger, IntervalTrigger):
                    nxt = min(job.next_run_time, first)  # a faster cadence (duty) takes effect at once
                job.modify(trigger=p.trigger, name=p.name, kwargs=kwargs, next_run_time=nxt, misfire_grace_time=grace)
                changes["changed"].append(job_id)
            elif job.kwargs != kwargs or job.name != p.name or job.misfire_grace_time != grace:
                job.modify(kwargs=kwargs, name=p.name, misfire_grace_time=grace)
                changes["changed"].append(job_id)
        for job_id in set(stored) - set(planned):
            try:
                self.scheduler.remove_job(job_id)
                changes["removed"].append(job_id)
            except JobLookupError:
                pass
        if any(changes.values()):
            log.info("jobs synced: %s", {k: v for k, v in changes.items() if v})
        return changes

    def jobs(self) -> list[Job]:
        return sorted(self.scheduler.get_jobs(), key=lambda j: (j.next_run_time is None, j.next_run_time, j.id))

    def _on_event(self, event) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("job %s due %s was missed by more than the grace time; it will run at its next time",
                        event.job_id, event.scheduled_run_time)
            row = claim(self.deployment, event.job_id, event.scheduled_run_time, self.holder, now(), take_over_dead=False)
            if row is not None:
                _finish(self.deployment, row.id, "missed", "错过运行时间且超过宽限期，未补发")
        elif event.code == EVENT_JOB_ERROR:
            log.error("job %s due %s failed: %s", event.job_id, event.scheduled_run_time, event.exception)
        else:
            log.info("job %s due %s: %s", event.job_id, event.scheduled_run_time, event.retval)


def last_runs(deployment) -> dict[str, ScheduledRun]:
    """The latest run of each job (for ``yuqing schedule``)."""
    out: dict[str, ScheduledRun] = {}
    with deployment.sessions() as s:
        for row in s.scalars(select(ScheduledRun).order_by(ScheduledRun.scheduled_at)):
            out[row.job_id] = row
    return out


def run_forever(deployment, config_path, echo=click.echo, stop: threading.Event | None = None) -> None:
    """``yuqing run``: start, print the plan, re-plan every minute until SIGINT/SIGTERM."""
    stop = stop or threading.Event()
    runner = Runner(deployment, config_path)

    def _stop(signum, _frame):
        log.info("signal %s: stopping after running jobs finish", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
    runner.start()
    print_jobs(deployment, runner.jobs(), echo)
    echo("scheduler running; Ctrl-C to stop")
    try:
        runner.take_over_orphans()
    except Exception:
        log.exception("taking over orphaned runs failed")
    try:
        while not stop.wait(REPLAN_SECONDS):
            try:
                runner.sync_jobs()
                runner.take_over_orphans()
                runner.scheduler.wakeup()  # another process may have changed the store
            except Exception:  # the database may be briefly unavailable; try again next minute
                log.exception("re-planning failed")
    finally:
        runner.shutdown(wait=True)
        echo("scheduler stopped")


def print_jobs(deployment, jobs, echo, planned: dict[str, PlannedJob] | None = None) -> None:
    """The duty state and a table of ``jobs``: what ``yuqing run`` prints at start and ``yuqing schedule`` lists."""
    cfg = deployment.config
    tz = ZoneInfo(cfg.timezone)
    duty = active_duty(deployment)
    if duty:
        echo(f"值班中：{duty.name}（至 {local_text(duty.end, tz)}），采集按值班频率进行")
    else:
        upcoming = [w for w in duty_periods(deployment) if w.start > now()]
        nxt = f"；下一个：{upcoming[0].name} {local_text(upcoming[0].start, tz)} 起" if upcoming else ""
        echo(f"未处于值班期{nxt}")
    runs = last_runs(deployment)
    plan = planned or {p.id: p for p in plan_jobs(cfg, duty is not None)}
    rows = [("任务", "说明", "周期", f"下次运行（{cfg.timezone}）", "上次运行")]
    for job in jobs:
        nxt = local_text(job.next_run_time, tz, "%Y-%m-%d %H:%M:%S", empty="暂停")
        if job.next_run_time is not None and job.next_run_time < now():
            nxt += "（已错过，启动后补发）"
        last = runs.get(job.id)
        if last is None:
            last_text = "—"
        else:
            status = {"ok": "成功", "error": "失败", "running": "运行中", "missed": "错过"}.get(last.status, last.status)
            last_text = f"{local_text(last.scheduled_at, tz, '%m-%d %H:%M')} {status}" + ("（补发）" if last.late else "")
        every = plan[job.id].every if job.id in plan else str(job.trigger)
        rows.append((job.id, job.name, every, nxt, last_text))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        echo("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(r, widths)).rstrip())


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
