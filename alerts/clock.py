"""The 12-hour clock of an alert, and whether its report and reply were on time.

The clock starts when the issue arose (``Alert.issue_started_at``: the post
grading judged the issue's first — the first negative post not from the
office's own channels — or as a monitor corrected it, with a reason) and stops
when the positive reply (step 6) is recorded. Every timestamp is kept on the
alert, so 迟报 (a late reply) and 漏报 (no reply by the deadline) can be shown
at any time afterwards — in the queue, the ledger, the digest and the monthly
report. An issue found only after its deadline had passed is 发现滞后: neither
迟报 nor 漏报 of the office, and counted apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from yuqing.domain import AlertStatus
from yuqing.models import utcnow


def reply_window(cfg) -> timedelta:
    """How long the office has for its positive reply (``alerts.reply_hours``, 12 by the procedure)."""
    return timedelta(hours=cfg.alerts.reply_hours)


def deadline_for(start: datetime, cfg) -> datetime:
    """The positive reply's deadline for an issue that arose at ``start``: the one place it is computed."""
    return start + reply_window(cfg)


def time_left(alert, now: datetime | None = None) -> timedelta | None:
    """Time to the deadline (negative when overdue); None once the reply stopped the clock."""
    if alert.replied_at is not None:
        return None
    return alert.deadline_at - (now or utcnow())


def time_to_report(alert) -> timedelta | None:
    """From the issue arising to the first 快报 (step 3)."""
    return alert.reported_at - alert.issue_started_at if alert.reported_at else None


def time_to_reply(alert) -> timedelta | None:
    """From the issue arising to the positive reply (step 6)."""
    return alert.replied_at - alert.issue_started_at if alert.replied_at else None


def found_late(alert) -> bool:
    """发现滞后: the alert was opened (the issue found) only after its deadline had passed."""
    return alert.created_at is not None and alert.created_at > alert.deadline_at


def is_late(alert) -> bool:
    """迟报: found in time, replied, but after the deadline."""
    return alert.replied_at is not None and alert.replied_at > alert.deadline_at and not found_late(alert)


def is_missed(alert, now: datetime | None = None) -> bool:
    """漏报: found in time, and the deadline passed with no reply (an alert dismissed as 误报 is never missed)."""
    if alert.status == AlertStatus.DISMISSED or alert.replied_at is not None or found_late(alert):
        return False
    return (now or utcnow()) > alert.deadline_at


@dataclass
class Timeliness:
    time_to_report: timedelta | None
    time_to_reply: timedelta | None
    time_left: timedelta | None
    late: bool
    missed: bool
    overdue: bool
    state: str  # running, on_time, late, missed, found_late, dismissed
    found_late: bool = False

    @property
    def label(self) -> str:
        return {"running": "计时中", "on_time": "按时", "late": "迟报", "missed": "漏报", "found_late": "发现滞后",
                "dismissed": "误报"}[self.state]


def timeliness(alert, now: datetime | None = None) -> Timeliness:
    now = now or utcnow()
    late, missed = is_late(alert), is_missed(alert, now)
    if alert.status == AlertStatus.DISMISSED:
        state = AlertStatus.DISMISSED.value
    elif found_late(alert):
        state = "found_late"
    elif late:
        state = "late"
    elif missed:
        state = "missed"
    elif alert.replied_at is not None:
        state = "on_time"
    else:
        state = "running"
    return Timeliness(
        time_to_report=time_to_report(alert),
        time_to_reply=time_to_reply(alert),
        time_left=time_left(alert, now),
        late=late,
        missed=missed,
        overdue=alert.overdue_at is not None or (alert.replied_at is None and now > alert.deadline_at and alert.status == AlertStatus.OPEN),
        state=state,
        found_late=found_late(alert),
    )


#: the words of :func:`tally`'s counts
TALLY_LABELS = {"alerts": "预警", "on_time": "按时", "late": "迟报", "missed": "漏报", "found_late": "发现滞后",
                "running": "计时中", "overdue": "超时未回复（在办）", "dismissed": "误报"}


def tally(alerts, now: datetime | None = None) -> dict[str, int]:
    """The counts every view gives for a set of alerts as they stand at ``now`` (the ledger, the monthly
    report, the notebooks): ``alerts`` leaves out those dismissed as 误报 (counted in ``dismissed``); each other
    alert is one of on_time (按时), late (迟报), missed (漏报), found_late (发现滞后) or running (计时中);
    ``overdue`` counts the 漏报 still open."""
    now = now or utcnow()
    out = dict.fromkeys(TALLY_LABELS, 0)
    for a in alerts:
        t = timeliness(a, now)
        if t.state == AlertStatus.DISMISSED:
            out["dismissed"] += 1
            continue
        out["alerts"] += 1
        out[t.state] += 1
        if t.state == "missed" and a.status == AlertStatus.OPEN:
            out["overdue"] += 1
    return out
