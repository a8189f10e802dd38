"""Every benchmark still runs: each ``benchmarks/bench_*.py`` on small inputs (``--quick``).

The figures themselves are printed by ``python benchmarks/run.py``; here we only
check that each benchmark finishes and returns numbers, so none of them rots.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
NAMES = sorted(p.stem.removeprefix("bench_") for p in BENCHMARKS.glob("bench_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_benchmark_runs_on_small_inputs(name, benchmark_runs):
    """(The runs start in the background when the suite is collected, on the machine's other core: see conftest.)"""
    code, stdout, stderr = benchmark_runs.result(name)
    assert code == 0, stdout[-3000:] + stderr[-3000:]
    figures = json.loads(stdout[stdout.index("\n{") + 1:])[name]
    if "skipped" in figures:
        pytest.skip(f"benchmark {name} skipped: {figures['skipped']}")
    numbers = {k: v for k, v in figures.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    assert numbers, f"benchmark {name} returned no figures: {figures}"


def test_queue_benchmark_alerts_are_what_the_workflow_produces(tmp_path):
    """bench_queue walks a template of alerts through the workflow and copies its rows, ids and times shifted:
    every alert is open at step 2–6 with the records, 通稿 and audit trail the procedure leaves, and each copy
    is its template alert moved in time."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import select

    from yuqing.alerts import workflow
    from yuqing.alerts.models import Statement
    from yuqing.alerts.statements import require_approved_statement
    from yuqing.domain import Step
    from yuqing.models import Alert, AuditEntry

    sys.path.insert(0, str(BENCHMARKS))
    import bench_queue

    now = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)  # a fixed day: the build takes every time from it
    k, n = 20, 70
    dep = bench_queue.open_deployment(tmp_path)
    bench_queue._build(dep, n, 700, now, template=k)

    def shape(s, alert):
        """The alert's records, 通稿 and audit trail with ids and times taken out (times relative to its start)."""
        t0 = alert.issue_started_at
        sts = list(s.scalars(select(Statement).where(Statement.alert_id == alert.id).order_by(Statement.id)))
        trail = list(s.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "alerts", AuditEntry.object_id == str(alert.id)).order_by(AuditEntry.id)))
        return (alert.level, alert.current_step, alert.deadline_at - t0, alert.replied_at and alert.replied_at - t0,
                alert.event.topic, alert.event.sources,
                [(r.step, r.by_user, r.note, r.started_at - t0, r.completed_at and r.completed_at - t0,
                  [{key: v for key, v in a.items() if key != "statement_id"} for a in r.attachments])
                 for r in alert.steps],
                [(st.version, st.status, st.text, st.drafted_by, st.drafted_at - t0,
                  [(r.stage, r.decision, r.by_user, r.at - t0) for r in st.reviews]) for st in sts],
                [(e.actor, e.action, e.at - t0) for e in trail])

    with dep.sessions() as s:
        alerts = list(s.scalars(select(Alert).order_by(Alert.id)))
        assert [a.id for a in alerts] == list(range(1, n + 1))
        assert {a.current_step for a in alerts} == {2, 3, 4, 5, 6} and {a.status for a in alerts} == {"open"}
        templates = {a.id: shape(s, a) for a in alerts[:k]}
        for a in alerts:
            assert now - timedelta(hours=16) <= a.issue_started_at <= now
            recs = workflow.main_records(a)
            assert [r.step for r in recs] == list(range(Step.REPORT, a.current_step + 1))
            assert (a.reported_at is not None) == (a.current_step >= Step.REPORT)
            assert (a.replied_at is not None) == (a.current_step == Step.REPLY)
            times = [a.created_at, a.updated_at, *(r.started_at for r in a.steps), *(r.completed_at for r in a.steps)]
            assert all(t is None or t <= now for t in times)
            ids = {st.id for st in s.scalars(select(Statement).where(Statement.alert_id == a.id))}
            for r in recs:
                for att in r.attachments:
                    if att["kind"] == "statement":
                        assert att["statement_id"] in ids  # its own 通稿, not the template's
            if a.current_step >= Step.STATEMENT:
                assert require_approved_statement(s, a).alert_id == a.id
            trail = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "alerts",
                                                              AuditEntry.object_id == str(a.id))).all()
            assert trail[0] == "alert.open" and trail.count("alert.step") == len(recs)
            assert shape(s, a) == templates[(a.id - 1) % k + 1]
    dep.close()
