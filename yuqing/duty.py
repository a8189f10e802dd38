"""Duty periods (值班): 24-hour periods declared in the configuration or with ``yuqing duty add``.

During one, crawls and processing run at the duty cadence (the scheduler asks)
and notification channels marked ``duty_only`` are active (the notifier asks).
Both ask here, so neither imports the other.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.models import Base, utcnow


class DutyRecord(Base):
    """A 24-hour duty period (值班) declared with ``yuqing duty add``."""

    __tablename__ = "duty_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(40), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class DutyWindow:
    name: str
    start: datetime
    end: datetime
    origin: str  # "config" or "database"
    id: int | None = None

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.end


def aware(t: datetime, tz: str) -> datetime:
    """A configured time without a zone is in the deployment's zone."""
    return t if t.tzinfo is not None else t.replace(tzinfo=ZoneInfo(tz))


def configured_duty(cfg, at: datetime) -> bool:
    """Whether ``at`` falls in a duty period of the configuration (``duty.periods``)."""
    return any(aware(p.start, cfg.timezone) <= at < aware(p.end, cfg.timezone) for p in cfg.duty.periods)


def duty_periods(deployment) -> list[DutyWindow]:
    """Every declared duty period, from the configuration and the database, by start time."""
    cfg = deployment.config
    out = [DutyWindow(p.name, aware(p.start, cfg.timezone), aware(p.end, cfg.timezone), "config")
           for p in cfg.duty.periods]
    with deployment.sessions() as s:
        for row in s.scalars(select(DutyRecord).order_by(DutyRecord.start_at)):
            out.append(DutyWindow(row.name, row.start_at, row.end_at, "database", row.id))
    return sorted(out, key=lambda w: (w.start, w.end, w.name))


def active_duty(deployment, at: datetime) -> DutyWindow | None:
    return next((w for w in duty_periods(deployment) if w.active(at)), None)


def on_duty(deployment, at: datetime) -> bool:
    """Whether a 24-hour duty period is in force at ``at``."""
    return active_duty(deployment, at) is not None
