"""The report archive: every daily digest (舆情日报) and monthly report (月报) written.

One row per generation: which period it covers, where its HTML and DOCX files
are, the headline counts, whether it was sent and over which channels, and
whether it ran late (补发: a 17:00 digest produced after the machine was off).
The web app lists this table at ``/reports/``; files are served only through it.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.models import Base, utcnow

KIND_LABELS = {"digest": "舆情日报", "monthly": "舆情月报"}


class ReportRecord(Base):
    """One digest or monthly report as written to disk."""

    __tablename__ = "report_archive"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # digest, monthly
    period: Mapped[str] = mapped_column(String(10))  # 2026-11-20 or 2026-11
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    generated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    generated_by: Mapped[str] = mapped_column(String(40), default="system")  # username, "scheduler", "system"
    html_path: Mapped[str] = mapped_column(Text)
    docx_path: Mapped[str] = mapped_column(Text)
    charts: Mapped[list[Any]] = mapped_column(default=list)  # chart PNG paths
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # headline counts
    #: when the scheduler meant to run it; set for scheduled runs
    scheduled_for: Mapped[datetime | None] = mapped_column()
    #: produced after its scheduled time (补发), e.g. the machine was off at 17:00
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column()
    deliveries: Mapped[list[Any]] = mapped_column(default=list)  # [{"channel":…, "status":…}]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def files(self) -> dict[str, Path]:
        return {"html": Path(self.html_path), "docx": Path(self.docx_path)}


Index("ix_report_archive_period", ReportRecord.kind, ReportRecord.period)
