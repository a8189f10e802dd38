"""A digest whose runner is killed mid-run (kill -9) is taken over once, marked late, and written once.

A claimed run holds a lease its runner renews while the job runs; a run still
``running`` whose lease ran out lost its runner. The first test kills a real
``yuqing run`` process in the middle of the 17:00 digest and starts two real
``yuqing run`` processes again on the same database. Every clock is fixed: the
child processes travel to 2026-11-20 with time-machine (ticking), the tests in
this process pass explicit times or move :func:`yuqing.scheduler.now`.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

from test_scheduler import digests, open_deployment, runs, write_config
from yuqing import scheduler
from yuqing.alerts.models import OutboxMessage
from yuqing.config import load
from yuqing.db import connect, migrate
from yuqing.deployment import Deployment
from yuqing.models import AuditEntry
from yuqing.scheduler import LEASE, ManualScheduler, Runner, ScheduledRun

UTC = timezone.utc
DUE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the 17:00 digest in Asia/Shanghai
DAY = date(2026, 11, 20)

#: ``yuqing run`` in a child process, its clock at argv[2] (ticking), its lease renewed every 0.2 s; with
#: argv[3] == "hang" its digest says so and hangs until the process is killed. The jobs other than the
#: digest and the monthly report belong to other stages and only say that they ran.
YUQING_RUN = textwrap.dedent("""
    import sys, time
    from datetime import datetime
    import time_machine
    from yuqing import scheduler

    config, clock, digest = sys.argv[1:4]
    traveller = time_machine.travel(datetime.fromisoformat(clock), tick=True)
    traveller.start()
    scheduler.HEARTBEAT_SECONDS = 0.2
    for name in ("crawl", "process", "deadlines", "notifications"):
        scheduler.TASKS[name] = lambda *args, **kwargs: "not run in this test"

    def hang(*args, **kwargs):
        print("digest started", flush=True)
        time.sleep(600)

    if digest == "hang":
        scheduler.TASKS["digest"] = hang
    from yuqing.cli import main
    sys.exit(main(["--config", config, "-v", "run"]))
""")


def _yuqing_run(path: Path, clock: datetime, digest: str, log_dir: Path, name: str) -> tuple[subprocess.Popen, Path]:
    """Start ``yuqing run`` in a child process; its output goes to files (never a full pipe)."""
    out, err = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out.open("w") as o, err.open("w") as e:
        proc = subprocess.Popen([sys.executable, "-c", YUQING_RUN, str(path), clock.isoformat(), digest],
                                stdout=o, stderr=e, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc, err


def _wait_for(condition, what: str, proc_logs: list[Path], timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    tails = "\n".join(p.read_text(errors="replace")[-1500:] for p in proc_logs)
    raise AssertionError(f"timed out waiting for {what}; child logs:\n{tails}")


def _plan_digest_due(dep, path: Path) -> None:
    """The job store as a process left it that was up before 17:00: the digest due at DUE, nothing else soon."""
    runner = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
    runner.scheduler.start(paused=True)
    runner.sync_jobs(at=DUE - timedelta(minutes=5))
    runner.scheduler.modify_job("digest", next_run_time=DUE)
    for other in ("process", "deadlines", "notifications", "monthly"):
        runner.scheduler.modify_job(other, next_run_time=DUE + timedelta(days=1))
    runner.shutdown()


def _take_overs(dep) -> list[AuditEntry]:
    with dep.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "scheduler.take_over")))


def _digest_messages(dep) -> list[OutboxMessage]:
    with dep.sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind_of_message == "digest")))


def _close(dep, path: Path) -> None:
    dep.close()
    scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)


def test_a_digest_killed_mid_run_is_taken_over_once_by_two_restarting_yuqing_runs(tmp_path):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        _plan_digest_due(dep, path)

        # 17:00: `yuqing run` claims the digest, renews its lease while it runs, and is killed with kill -9
        dying, dying_log = _yuqing_run(path, DUE, "hang", tmp_path, "dying")
        try:
            renewed = _wait_for(
                lambda: [r for r in runs(dep, "digest")
                         if r.status == "running" and r.lease_until > r.started_at + LEASE], "a renewed lease", [dying_log])
        finally:
            dying.send_signal(signal.SIGKILL)
            dying.wait(timeout=30)
        assert "digest started" in (tmp_path / "dying.out").read_text()
        [row] = runs(dep, "digest")
        assert row.status == "running" and row.scheduled_at == DUE and f":{dying.pid}:" in row.claimed_by
        assert row.lease_until >= renewed[0].lease_until and row.finished_at is None and digests(dep) == []
        dead, lease_end = row.claimed_by, row.lease_until

        # the lease still runs: no runner takes the run yet
        assert Runner(dep, path, scheduler_class=ManualScheduler).take_over_orphans(
            at=lease_end - timedelta(seconds=1), background=False) == []
        assert scheduler.orphaned_runs(dep, lease_end - timedelta(seconds=1)) == []

        # 17:30: two `yuqing run` start again at the same time; one takes the digest over, once
        restart = DUE + timedelta(minutes=30)
        procs = [_yuqing_run(path, restart, "real", tmp_path, f"restart{i}") for i in range(2)]
        try:
            _wait_for(lambda: [r for r in runs(dep, "digest") if r.status != "running"], "the digest run to finish",
                      [err for _, err in procs])
        finally:
            for proc, _ in procs:
                proc.send_signal(signal.SIGTERM)
            for proc, _ in procs:
                proc.wait(timeout=60)
        logs = "".join(err.read_text() for _, err in procs)
        assert all(proc.returncode == 0 for proc, _ in procs), logs[-3000:]

        [row] = runs(dep, "digest")
        assert row.status == "ok" and row.late and row.late_seconds >= 30 * 60 and row.lease_until is None
        assert any(f":{proc.pid}:" in row.claimed_by for proc, _ in procs)
        assert "接管" in row.result and dead in row.result and "补发" in row.result
        [digest] = digests(dep)
        assert digest.late and digest.period == DAY.isoformat() and digest.scheduled_for == DUE
        assert Path(digest.html_path).exists() and Path(digest.docx_path).exists()
        assert len(_digest_messages(dep)) == 1  # sent once
        [entry] = _take_overs(dep)
        assert entry.detail["dead_runner"] == dead and entry.detail["runner"] == row.claimed_by
        assert entry.object_type == "scheduler_runs" and entry.object_id == str(row.id)
        assert logs.count("died mid-run") == 1 and logs.count("runs late by") == 1
    finally:
        _close(dep, path)


def test_claim_leaves_a_live_lease_alone_and_gives_an_expired_one_to_one_claimant(tmp_path):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        at = DUE + timedelta(minutes=1)
        run = scheduler.claim(dep, "digest", DUE, "a", at)
        assert run is not None and run.lease_until == at + LEASE and not run.late
        # alive: nobody else gets it
        assert scheduler.claim(dep, "digest", DUE, "b", at + LEASE - timedelta(seconds=1)) is None
        # expired: the first claimant takes it, late; the second finds it taken
        later = at + LEASE + timedelta(seconds=1)
        taken = scheduler.claim(dep, "digest", DUE, "b", later)
        assert taken is not None and taken.claimed_by == "b" and taken.late and taken.lease_until == later + LEASE
        assert taken.result == "taken over from a"
        assert scheduler.claim(dep, "digest", DUE, "c", later) is None
        # a missed-run record never takes a run over
        assert scheduler.claim(dep, "digest", DUE, "d", later + LEASE * 2, take_over_dead=False) is None
        # a finished run is never taken over
        scheduler._finish(dep, taken.id, "ok", "done")
        assert scheduler.claim(dep, "digest", DUE, "c", later + timedelta(days=1)) is None
        assert scheduler.orphaned_runs(dep, later + timedelta(days=1)) == []
        [row] = runs(dep, "digest")
        assert row.claimed_by == "b" and row.result == "done（接管：原运行进程 a 中断）" and row.lease_until is None
        assert len(_take_overs(dep)) == 1
    finally:
        _close(dep, path)


def test_of_claimants_racing_for_an_expired_run_exactly_one_wins(tmp_path):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        assert scheduler.claim(dep, "digest", DUE, "dead", DUE) is not None
        later = DUE + LEASE + timedelta(minutes=1)
        names = [f"restart-{i}" for i in range(4)]
        start = threading.Barrier(len(names))

        def attempt(name: str):
            start.wait()
            return scheduler.claim(dep, "digest", DUE, name, later)

        with ThreadPoolExecutor(len(names)) as pool:
            results = list(pool.map(attempt, names))
        [winner] = [r for r in results if r is not None]
        [row] = runs(dep, "digest")
        assert row.claimed_by == winner.claimed_by and row.result == "taken over from dead" and row.late
        assert len(_take_overs(dep)) == 1
    finally:
        _close(dep, path)


def test_the_heartbeat_renews_the_lease_and_stops_when_the_run_is_taken_from_it(tmp_path, monkeypatch, caplog):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        run = scheduler.claim(dep, "digest", DUE, "me", DUE)
        clock = [DUE + timedelta(minutes=1)]
        monkeypatch.setattr(scheduler, "now", lambda: clock[0])
        monkeypatch.setattr(scheduler, "HEARTBEAT_SECONDS", 0.05)
        with caplog.at_level("WARNING", logger="yuqing.scheduler"), scheduler._Heartbeat(dep, run.id, "me") as beat:
            _wait_for(lambda: runs(dep, "digest")[0].lease_until == clock[0] + LEASE, "a renewal", [])
            # another runner took the run (e.g. this one hung past its lease): the heartbeat gives it up
            with dep.sessions() as s, s.begin():
                s.get(ScheduledRun, run.id).claimed_by = "other"
            beat.thread.join(timeout=10)
        assert not beat.thread.is_alive()
        assert "no longer held by me" in caplog.text
    finally:
        _close(dep, path)


def _dead_runner_wrote(dep, send: bool) -> None:
    """A runner claimed the 17:00 digest, archived it (and sent it, with ``send``), and died."""
    from yuqing.reports.digest import write_digest

    assert scheduler.claim(dep, "digest", DUE, "dead:1", DUE) is not None
    write_digest(dep, DAY, now=DUE, send=send, scheduled_for=DUE, late=False, generated_by="scheduler")


def test_a_digest_sent_before_its_runner_died_is_not_written_or_sent_again(tmp_path, monkeypatch):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        _dead_runner_wrote(dep, send=True)
        [before] = digests(dep)
        assert len(_digest_messages(dep)) == 1
        monkeypatch.setattr(scheduler, "now", lambda: DUE + timedelta(hours=1))
        runner = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
        assert runner.take_over_orphans(background=False) == ["digest"]
        assert [d.id for d in digests(dep)] == [before.id] and len(_digest_messages(dep)) == 1
        [row] = runs(dep, "digest")
        assert row.status == "ok" and row.late and f"report #{before.id}" in row.result and "接管" in row.result
        assert runner.take_over_orphans(background=False) == []
    finally:
        _close(dep, path)


def test_a_digest_archived_but_not_sent_when_its_runner_died_is_written_and_sent_once(tmp_path, monkeypatch):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        _dead_runner_wrote(dep, send=False)
        [before] = digests(dep)
        assert _digest_messages(dep) == []
        monkeypatch.setattr(scheduler, "now", lambda: DUE + timedelta(hours=1))
        runner = Runner(dep, path, scheduler_class=ManualScheduler, inline=True)
        assert runner.take_over_orphans(background=False) == ["digest"]
        [after] = digests(dep)  # the stale record is gone (SQLite may give the new one its id)
        assert not before.late and after.late and after.generated_at == DUE + timedelta(hours=1)
        assert after.period == DAY.isoformat() and after.scheduled_for == DUE
        assert len(_digest_messages(dep)) == 1
        [row] = runs(dep, "digest")
        assert row.status == "ok" and row.late and "接管" in row.result
    finally:
        _close(dep, path)


def test_a_run_left_running_before_leases_survives_the_upgrade_and_is_taken_over(tmp_path, database_url, monkeypatch):
    """The database of issue 14: a digest row still ``running`` from a killed runner, from before migration 0004."""
    engine = connect(database_url)
    migrate(engine, "0003")
    with engine.begin() as c:
        c.execute(insert(ScheduledRun.__table__).values(
            job_id="digest", scheduled_at=DUE, claimed_by="office-pc:4242:0badc0de", started_at=DUE, status="running",
            late=False, late_seconds=0, result=""))
    engine.dispose()
    path = write_config(tmp_path, database_url)
    dep = Deployment.open(load(path))  # upgrades to the newest schema
    try:
        [row] = runs(dep, "digest")
        assert row.status == "running" and row.lease_until is None and row.claimed_by == "office-pc:4242:0badc0de"
        assert scheduler.orphaned_runs(dep, DUE + LEASE - timedelta(seconds=1)) == []  # it might still be running
        # two restarts later, the next day
        monkeypatch.setattr(scheduler, "now", lambda: DUE + timedelta(days=1, hours=1))
        first, second = (Runner(dep, path, scheduler_class=ManualScheduler, inline=True) for _ in range(2))
        assert first.take_over_orphans(background=False) == ["digest"]
        assert second.take_over_orphans(background=False) == []
        [row] = runs(dep, "digest")
        assert row.status == "ok" and row.late and row.claimed_by == first.holder and "office-pc:4242" in row.result
        [digest] = digests(dep)
        assert digest.late and digest.period == DAY.isoformat()
    finally:
        _close(dep, path)
