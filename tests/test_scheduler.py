"""The scheduler with a controlled clock: the 17:00 digest at 09:00 UTC, missed runs after a restart, no double runs, duty periods.

The clock: APScheduler reads ``datetime.now`` in two places (the scheduler's
job processing and the executor's misfire check); both are pointed at a clock
the test moves, as is :func:`yuqing.scheduler.now`. Jobs are processed by
:class:`~yuqing.scheduler.ManualScheduler` (no thread) when the test ticks it,
against the persistent job store in a real database file.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import apscheduler.executors.base
import apscheduler.schedulers.base
import pytest
import yaml
from sqlalchemy import func, select

from conftest import LOCALITY
from yuqing import scheduler
from yuqing.reports.models import ReportRecord
from yuqing.config import load
from yuqing.deployment import Deployment
from yuqing.models import Alert, Base, Event
from yuqing.scheduler import ManualScheduler, Runner, ScheduledRun

UTC = timezone.utc


class Clock:
    def __init__(self, t: datetime):
        self.t = t

    def set(self, *args) -> None:
        self.t = datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    c = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return c.t.astimezone(tz) if tz is not None else c.t.astimezone().replace(tzinfo=None)

    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", FakeDatetime)
    monkeypatch.setattr(apscheduler.executors.base, "datetime", FakeDatetime)
    monkeypatch.setattr(scheduler, "now", lambda: c.t)
    return c


@pytest.fixture
def other_jobs(monkeypatch):
    """Crawls and the classify/grade chain belong to other stages; here they only record that they ran."""
    ran: list[tuple[str, datetime, bool]] = []

    def recorder(name):
        def task(dep, config_path, scheduled, late, started, **params):
            ran.append((name + (f":{params['source']}" if params else ""), scheduled, late))
            return f"{name} recorded"
        return task

    for name in ("crawl", "process"):
        monkeypatch.setitem(scheduler.TASKS, name, recorder(name))
    return ran


def write_config(tmp_path: Path, database_url: str | None = None, **sections) -> Path:
    data = {"locality": dict(LOCALITY), "storage": {"data_dir": str(tmp_path / "data")}}
    if database_url:
        data["storage"]["database_url"] = database_url
    data.update(sections)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def open_deployment(path: Path) -> Deployment:
    dep = Deployment.open(load(path))
    Base.metadata.create_all(dep.engine)
    return dep


@pytest.fixture
def office(tmp_path, clock, other_jobs):
    path = write_config(tmp_path)
    deps: list[Deployment] = []
    runners: list[Runner] = []

    def start(at: datetime | None = None) -> Runner:
        """A fresh 'process': its own deployment and scheduler on the same database file."""
        if at is not None:
            clock.t = at
        dep = open_deployment(path)
        deps.append(dep)
        runner = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
        runners.append(runner)
        runner.start()
        return runner

    start.path = path
    start.deployments = deps
    yield start
    for r in runners:
        r.shutdown(wait=False)
    for d in deps:
        d.close()
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)


def runs(dep, job_id: str) -> list[ScheduledRun]:
    with dep.sessions() as s:
        return list(s.scalars(select(ScheduledRun).where(ScheduledRun.job_id == job_id).order_by(ScheduledRun.scheduled_at)))


def digests(dep) -> list[ReportRecord]:
    with dep.sessions() as s:
        return list(s.scalars(select(ReportRecord).where(ReportRecord.kind == "digest").order_by(ReportRecord.id)))


def test_the_17_00_digest_fires_at_09_00_utc(office, clock):
    runner = office(datetime(2026, 11, 20, 8, 59, 0, tzinfo=UTC))
    dep = runner.deployment
    job = runner.scheduler.get_job("digest")
    assert job.next_run_time == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert str(job.next_run_time.tzinfo) == "Asia/Shanghai" and job.next_run_time.hour == 17

    runner.scheduler.tick()  # 08:59: not yet
    assert runs(dep, "digest") == [] and digests(dep) == []

    clock.set(2026, 11, 20, 9, 0, 0)
    runner.scheduler.tick()
    [run] = runs(dep, "digest")
    assert run.scheduled_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert (run.status, run.late) == ("ok", False), run.result
    [record] = digests(dep)
    assert (record.period, record.late, record.generated_by) == ("2026-11-20", False, "scheduler")
    assert Path(record.html_path).is_file() and Path(record.docx_path).is_file()
    assert runner.scheduler.get_job("digest").next_run_time == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    runner.scheduler.tick()  # nothing more at the same moment
    assert len(runs(dep, "digest")) == 1
    # the monthly report: 1st of the month, 08:00 local = 00:00 UTC
    assert runner.scheduler.get_job("monthly").next_run_time == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_a_missed_digest_runs_once_after_a_restart_and_says_it_was_late(office, clock):
    first = office(datetime(2026, 11, 20, 6, 0, tzinfo=UTC))  # 14:00 local
    assert first.scheduler.get_job("digest").next_run_time == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    first.shutdown()  # the machine goes off before 17:00 …

    # … and is back at 04:30 local the next morning: 11.5 h late, within the 12 h grace time
    second = office(datetime(2026, 11, 20, 20, 30, tzinfo=UTC))
    dep = second.deployment
    second.scheduler.tick()
    [run] = runs(dep, "digest")
    assert run.scheduled_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert (run.status, run.late, run.late_seconds) == ("ok", True, 11 * 3600 + 1800)
    assert run.result.startswith("补发")
    [record] = digests(dep)
    assert record.period == "2026-11-20"  # the digest that was due, not today's
    assert record.late and record.scheduled_for == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    html = Path(record.html_path).read_text(encoding="utf-8")
    assert "补发：本期日报原定于 11月20日 17:00 生成，实际生成于 11月21日 04:30" in html

    second.scheduler.tick()
    second.shutdown()
    third = office()  # restarting again runs nothing twice
    third.scheduler.tick()
    assert len(runs(dep, "digest")) == 1 and len(digests(dep)) == 1
    assert third.scheduler.get_job("digest").next_run_time == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_days_off_coalesce_into_one_run_and_too_late_is_recorded_as_missed(tmp_path, clock, other_jobs):
    path = write_config(tmp_path, schedule={"misfire_grace_hours": 72})
    clock.set(2026, 11, 20, 6, 0)
    dep = open_deployment(path)
    r = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
    r.start()
    r.shutdown()
    clock.set(2026, 11, 22, 20, 0)  # three 17:00s missed (20th, 21st, 22nd)
    r2 = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
    r2.start()
    r2.scheduler.tick()
    [run] = runs(dep, "digest")
    assert run.scheduled_at == datetime(2026, 11, 22, 9, 0, tzinfo=UTC) and run.late
    assert [d.period for d in digests(dep)] == ["2026-11-22"]
    r2.shutdown()
    dep.close()
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)

    # with the default 12 h grace, a run 23 h late is not made up: it is recorded as missed
    path = write_config(tmp_path / "b")
    clock.set(2026, 11, 20, 6, 0)
    dep = open_deployment(path)
    r = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
    r.start()
    r.shutdown()
    clock.set(2026, 11, 21, 8, 0)
    r2 = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
    r2.start()
    r2.scheduler.tick()
    [run] = runs(dep, "digest")
    assert (run.status, run.scheduled_at) == ("missed", datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert digests(dep) == []
    assert r2.scheduler.get_job("digest").next_run_time == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    r2.shutdown()
    dep.close()
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_schedulers_on_one_database_never_run_a_job_twice(backend, tmp_path, clock, other_jobs, monkeypatch, request):
    """Both processes see the digest due; the one that claims it runs it, the other stands aside."""
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    path = write_config(tmp_path, database_url=url)
    clock.set(2026, 11, 20, 8, 0)
    dep_a, dep_b = open_deployment(path), open_deployment(path)
    a = Runner(dep_a, path, scheduler_class=ManualScheduler, inline=True)
    b = Runner(dep_b, path, scheduler_class=ManualScheduler, inline=True)
    a.start()
    b.start()  # finds the jobs A stored and keeps them
    assert a.scheduler.get_job("digest").next_run_time == b.scheduler.get_job("digest").next_run_time

    # hold A inside the digest until B has looked at the same due run
    gate, entered = threading.Event(), threading.Event()
    real_digest = scheduler.TASKS["digest"]

    def gated(*args, **kwargs):
        entered.set()
        assert gate.wait(30)
        return real_digest(*args, **kwargs)

    monkeypatch.setitem(scheduler.TASKS, "digest", gated)
    clock.set(2026, 11, 20, 9, 0, 5)
    events_b = []
    b.scheduler.add_listener(lambda e: events_b.append(e))
    ta = threading.Thread(target=a.scheduler.tick)
    ta.start()
    assert entered.wait(30)
    b.scheduler.tick()  # the digest is still due in the store: B tries, and finds it taken
    gate.set()
    ta.join(30)

    [run] = runs(dep_a, "digest")
    assert run.status == "ok" and run.claimed_by == a.holder
    assert len(digests(dep_a)) == 1
    taken = [e for e in events_b if getattr(e, "job_id", None) == "digest" and getattr(e, "retval", None)]
    assert [e.retval for e in taken] == ["taken by another scheduler"]
    # and from then on neither runs it again
    a.scheduler.tick()
    b.scheduler.tick()
    assert len(digests(dep_a)) == 1
    for r in (a, b):
        r.shutdown()
    dep_a.close()
    dep_b.close()
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)


def test_claims_are_exclusive_under_concurrency(office, clock):
    """Many threads claiming the same run: exactly one wins."""
    runner = office()
    dep = runner.deployment
    due = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(scheduler.claim(dep, "digest", due, f"t{i}", clock.t)))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    with dep.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ScheduledRun)) == 1


def test_interval_jobs_run_on_their_cadence(office, clock, other_jobs):
    runner = office(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    clock.t += timedelta(seconds=61)
    runner.scheduler.tick()
    assert [name for name, _, _ in other_jobs] == ["process"]
    assert [r.status for r in runs(runner.deployment, "deadlines")] == ["ok"]  # the real check_deadlines
    clock.t += timedelta(seconds=60)
    runner.scheduler.tick()
    assert [name for name, _, _ in other_jobs] == ["process", "process"]


def test_the_deadline_job_marks_an_overdue_alert(office, clock):
    runner = office(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    dep = runner.deployment
    with dep.sessions() as s, s.begin():
        ev = Event(title="城关镇拆迁纠纷", level=2, first_seen_at=datetime(2026, 11, 19, 12, tzinfo=UTC), status="open")
        s.add(ev)
        s.flush()
        s.add(Alert(event_id=ev.id, title=ev.title, level=2, status="open", current_step=2,
                    issue_started_at=ev.first_seen_at, deadline_at=ev.first_seen_at + timedelta(hours=12)))
    clock.t += timedelta(minutes=2)
    runner.scheduler.tick()
    with dep.sessions() as s:
        alert = s.scalar(select(Alert))
        assert alert.overdue_at is not None
    assert "overdue: alert" in runs(dep, "deadlines")[-1].result


@pytest.fixture
def duty_office(tmp_path, clock, other_jobs):
    sources = [
        {"name": "county-news", "kind": "news", "start_urls": ["http://127.0.0.1:9/news/"], "cadence_minutes": 60},
        {"name": "weibo-search", "kind": "weibo", "cadence_minutes": 30, "duty_cadence_minutes": 5},
        {"name": "old-board", "kind": "board", "enabled": False},
    ]
    path = write_config(tmp_path, sources=sources, duty={"cadence_factor": 0.25, "periods": [
        {"name": "国庆值班", "start": "2026-10-01T00:00:00+08:00", "end": "2026-10-08T00:00:00+08:00"}]})
    yield path
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)


def test_plan_follows_the_configuration_and_duty(duty_office):
    cfg = load(duty_office)
    normal = {j.id: j for j in scheduler.plan_jobs(cfg, duty=False)}
    assert set(normal) == {"crawl:county-news", "crawl:weibo-search", "process", "deadlines", "notifications", "digest",
                           "monthly"}
    assert normal["crawl:county-news"].trigger.interval == timedelta(minutes=60)
    assert normal["crawl:weibo-search"].trigger.interval == timedelta(minutes=30)
    assert normal["digest"].every == "每天 17:00" and str(normal["digest"].trigger.timezone) == "Asia/Shanghai"
    duty = {j.id: j for j in scheduler.plan_jobs(cfg, duty=True)}
    assert duty["crawl:county-news"].trigger.interval == timedelta(minutes=15)  # 60 × 0.25
    assert duty["crawl:weibo-search"].trigger.interval == timedelta(minutes=5)  # its duty cadence
    assert duty["process"].trigger.interval == timedelta(seconds=15)


def test_duty_periods_from_the_command_line_speed_up_crawling(duty_office, clock, capsys):
    from yuqing.cli import main

    clock.set(2026, 11, 20, 1, 0)
    dep = open_deployment(duty_office)
    try:
        assert not scheduler.on_duty(dep, clock.t)
        assert scheduler.on_duty(dep, datetime(2026, 10, 3, tzinfo=UTC))  # the configured 国庆值班
        runner = Runner(dep, duty_office, scheduler_class=ManualScheduler, inline=True)
        runner.start()
        before = runner.scheduler.get_job("crawl:county-news")
        assert before.trigger.interval == timedelta(minutes=60)

        rc = main(["--config", str(duty_office), "duty", "add", "--name", "重大活动保障", "--start", "2026-11-20 10:00",
                   "--end", "2026-11-21 10:00"])
        out, err = capsys.readouterr()
        assert rc == 0, err
        assert "重大活动保障: 2026-11-20 10:00 → 2026-11-21 10:00" in out
        assert scheduler.on_duty(dep, datetime(2026, 11, 20, 2, 0, tzinfo=UTC))  # 10:00 local
        assert not scheduler.on_duty(dep, datetime(2026, 11, 20, 1, 59, tzinfo=UTC))

        clock.set(2026, 11, 20, 2, 30)
        changes = runner.sync_jobs()
        assert set(changes["changed"]) == {"crawl:county-news", "crawl:weibo-search", "process"}
        job = runner.scheduler.get_job("crawl:county-news")
        assert job.trigger.interval == timedelta(minutes=15) and "值班" in job.name
        assert job.next_run_time <= clock.t + timedelta(minutes=15)
        assert runner.sync_jobs() == {"added": [], "changed": [], "removed": []}  # stable while on duty

        clock.set(2026, 11, 21, 3, 0)  # the period is over
        runner.sync_jobs()
        assert runner.scheduler.get_job("crawl:county-news").trigger.interval == timedelta(minutes=60)

        rc = main(["--config", str(duty_office), "duty", "list"])
        out, _ = capsys.readouterr()
        assert "国庆值班" in out and "重大活动保障" in out and "已结束" in out
        rc = main(["--config", str(duty_office), "duty", "add", "--name", "x", "--start", "2026-11-22", "--end", "2026-11-21"])
        assert rc == 1 and "ends" in capsys.readouterr().err
        runner.shutdown()
    finally:
        dep.close()


def test_schedule_lists_jobs_with_next_runs_in_shanghai_time(duty_office, clock, capsys):
    from yuqing.cli import main

    clock.set(2026, 11, 20, 1, 0)  # 09:00 local
    open_deployment(duty_office).close()  # tables not yet in a migration
    rc = main(["--config", str(duty_office), "schedule"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert "2026-11-20 17:00:00" in lines["digest"] and "每天 17:00" in lines["digest"]
    assert "2026-12-01 08:00:00" in lines["monthly"]
    assert "每1小时" in lines["crawl:county-news"] and "每30分钟" in lines["crawl:weibo-search"] and "crawl:old-board" not in lines
    assert "调度尚未启动过" in out and "未处于值班期" in out


def test_a_failing_crawl_is_recorded_as_an_error(office, clock, monkeypatch):
    """The crawl job runs `yuqing crawl NAME` in a child process and reports its failure."""
    monkeypatch.setitem(scheduler.TASKS, "crawl", scheduler._task_crawl)
    runner = office()
    dep = runner.deployment
    due = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with pytest.raises(Exception) as info:
        scheduler.execute("crawl", str(office.path), job_id="crawl:nowhere", scheduled_run_time=due, source="nowhere")
    assert "nowhere" in str(info.value)
    [run] = runs(dep, "crawl:nowhere")
    assert run.status == "error" and "nowhere" in run.result


def test_run_starts_and_stops_cleanly(tmp_path, monkeypatch, other_jobs):
    """`yuqing run` in-process with a real background thread: starts, stores its jobs, stops on request."""
    path = write_config(tmp_path)
    dep = open_deployment(path)
    stop = threading.Event()
    lines: list[str] = []
    monkeypatch.setattr(scheduler, "REPLAN_SECONDS", 0.2)
    t = threading.Thread(target=scheduler.run_forever, args=(dep, path), kwargs={"echo": lines.append, "stop": stop})
    t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any("scheduler running" in x for x in lines):
        time.sleep(0.05)
    stop.set()
    t.join(20)
    assert not t.is_alive()
    assert any(x.startswith("digest") for x in lines) and lines[-1] == "scheduler stopped"
    with dep.engine.connect() as c:
        ids = {row[0] for row in c.execute(select(scheduler.jobs_table.c.id))}
    assert ids == {"process", "deadlines", "notifications", "digest", "monthly"}
    dep.close()
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)


@pytest.mark.slow
def test_two_yuqing_run_processes_make_up_a_missed_digest_once(tmp_path):
    """Two real `yuqing run` processes start on one database with the 17:00 digest overdue: one digest, marked 补发."""
    import os
    import signal
    import subprocess
    import sys

    from yuqing.models import utcnow

    path = write_config(tmp_path)
    dep = open_deployment(path)
    r = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
    r.scheduler.start(paused=True)
    r.sync_jobs()
    due = (utcnow() - timedelta(minutes=30)).replace(microsecond=0)
    fire = r.scheduler.get_job("digest").trigger.get_next_fire_time(None, due)
    if fire is not None and fire <= utcnow():  # its own time fell in the last half hour: that is the run missed
        due = fire  # (else the scheduler would coalesce the two and run it as the later one)
    r.scheduler.modify_job("digest", next_run_time=due)  # as if the machine was off at its time
    for other in ("process", "deadlines", "notifications", "monthly"):
        r.scheduler.modify_job(other, next_run_time=utcnow() + timedelta(days=1))
    r.shutdown()

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(path), "-v", "run"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    try:
        deadline = time.monotonic() + 90
        done = []
        while time.monotonic() < deadline and not done:
            done = [x for x in runs(dep, "digest") if x.status == "ok"]
            time.sleep(0.3)
        time.sleep(3)  # the other process has long seen the same due run by now
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
        assert "scheduler running" in out and "scheduler stopped" in out
    [run] = runs(dep, "digest")
    assert run.status == "ok" and run.late and run.scheduled_at == due
    assert len(digests(dep)) == 1 and digests(dep)[0].late
    logs = "".join(err for _, err in outs)
    assert logs.count("runs late by") == 1  # only the process that claimed the run ran it
    # the other either found it taken or, started a moment later, never saw it due
    assert logs.count("is already taken by another scheduler") <= 1
    dep.close()
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)
