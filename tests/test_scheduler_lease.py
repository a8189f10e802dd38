"""A digest whose runner is killed mid-run (kill -9) is taken over once, marked late, and written.

A claimed run holds a lease its runner renews while the job runs; a run still
``running`` with its lease over lost its runner. The tests kill a real process in
the middle of the 17:00 digest and start runners again on the same database.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

from test_scheduler import digests, open_deployment, runs, write_config

from yuqing import scheduler
from yuqing.scheduler import ManualScheduler, Runner

UTC = timezone.utc
DUE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 17:00 in Asia/Shanghai

#: the runner that dies: it claims the digest due at DUE (with a 2-second lease and a 0.5-second heartbeat),
#: says so, and hangs inside the digest until it is killed
DYING_RUNNER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timedelta, timezone
    from yuqing import scheduler

    scheduler.LEASE = timedelta(seconds=2)
    scheduler.HEARTBEAT_SECONDS = 0.5
    def hang(*args, **kwargs):
        print("digest started", flush=True)
        time.sleep(600)
    scheduler.TASKS["digest"] = hang
    scheduler.execute("digest", sys.argv[1], job_id="digest",
                      scheduled_run_time=datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc), holder="dying:1")
""")


def _kill_mid_digest(path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", DYING_RUNNER, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert line.strip() == "digest started", proc.stderr.read()[-2000:]
        time.sleep(1.5)  # a few heartbeats: the lease is renewed past its first 2 seconds
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def test_a_digest_killed_mid_run_is_taken_over_once_and_written_late(tmp_path, monkeypatch, caplog):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        _kill_mid_digest(path)
        [row] = runs(dep, "digest")
        assert row.status == "running" and row.claimed_by == "dying:1" and row.scheduled_at == DUE
        assert row.lease_until > row.started_at + timedelta(seconds=2)  # renewed while it ran
        lease_end = row.lease_until

        # two runners start again: before the lease is over neither takes the run; after it, exactly one does
        first, second = (Runner(dep, path, scheduler_class=ManualScheduler, inline=True) for _ in range(2))
        monkeypatch.setattr(scheduler, "now", lambda: lease_end - timedelta(seconds=1))
        assert first.take_over_orphans(background=False) == [] and digests(dep) == []
        monkeypatch.setattr(scheduler, "now", lambda: lease_end + timedelta(minutes=1))
        assert scheduler.claim(dep, "digest", DUE, "another", lease_end - timedelta(seconds=1)) is None
        with caplog.at_level("WARNING", logger="yuqing.scheduler"):
            assert first.take_over_orphans(background=False) == ["digest"]
            assert second.take_over_orphans(background=False) == []  # nothing orphaned any more
            assert scheduler.claim(dep, "digest", DUE, "third", lease_end + timedelta(minutes=2)) is None
        [row] = runs(dep, "digest")
        assert row.status == "ok" and row.late and row.claimed_by == first.holder and row.lease_until is None
        assert "接管" in row.result and row.late_seconds > 0
        [digest] = digests(dep)
        assert digest.late
        assert sum("died mid-run" in r.getMessage() for r in caplog.records) == 1
    finally:
        dep.close()
        scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)


def test_only_one_of_two_claimants_takes_over_an_expired_run(tmp_path):
    path = write_config(tmp_path)
    dep = open_deployment(path)
    try:
        at = DUE + timedelta(minutes=1)
        run = scheduler.claim(dep, "digest", DUE, "a", at)
        assert run is not None and run.lease_until == at + scheduler.LEASE
        # alive: nobody else gets it
        assert scheduler.claim(dep, "digest", DUE, "b", at + scheduler.LEASE - timedelta(seconds=1)) is None
        # expired: the first claimant takes it, the second finds it taken
        later = at + scheduler.LEASE + timedelta(seconds=1)
        taken = scheduler.claim(dep, "digest", DUE, "b", later)
        assert taken is not None and taken.claimed_by == "b" and taken.late and taken.lease_until == later + scheduler.LEASE
        assert scheduler.claim(dep, "digest", DUE, "c", later) is None
        # a finished run is never taken over
        scheduler._finish(dep, taken.id, "ok", "done")
        assert scheduler.claim(dep, "digest", DUE, "c", later + timedelta(days=1)) is None
        assert scheduler.orphaned_runs(dep, later + timedelta(days=1)) == []
    finally:
        dep.close()
        scheduler._DEPLOYMENTS.pop(str(path.resolve()), None)
