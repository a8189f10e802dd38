"""The processing chain after collection: classify → grade → alerts.

One function, :func:`process_pending`, that the scheduler, the demo and
``yuqing crawl`` call after new posts are stored. Each stage reads what the
previous one wrote, so running it twice is harmless and a crash resumes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from yuqing.models import utcnow

log = logging.getLogger(__name__)


@dataclass
class ChainReport:
    classified: int = 0
    graded_events: list[int] = field(default_factory=list)
    escalations: list = field(default_factory=list)
    alerts_opened: list[int] = field(default_factory=list)
    alerts_escalated: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"classified {self.classified} post(s)",
            f"graded {len(self.graded_events)} event(s), {len(self.escalations)} escalation(s)",
            f"opened {len(self.alerts_opened)} alert(s), raised the level of {len(self.alerts_escalated)}",
        ]


def process_pending(deployment, now: datetime | None = None, batch: int = 2000) -> ChainReport:
    """Classify new posts, grade the relevant ones into events, and open or escalate alerts."""
    from yuqing.alerts.api import sync_alerts
    from yuqing.classify.api import classify_pending
    from yuqing.grading.api import grade_pending

    now = now or utcnow()
    report = ChainReport()
    while True:
        n = classify_pending(deployment, limit=batch)
        report.classified += n
        if n < batch:
            break
    graded = grade_pending(deployment, now=now)
    report.graded_events = sorted(set(getattr(graded, "created", [])) | set(getattr(graded, "updated", [])))
    report.escalations = list(getattr(graded, "escalations", []))
    synced = sync_alerts(deployment, now=now)
    report.alerts_opened = list(getattr(synced, "opened", []) or [])
    report.alerts_escalated = list(getattr(synced, "escalated", []) or [])
    log.info("chain: %s", "; ".join(report.lines()))
    return report
