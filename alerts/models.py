"""Tables of the alert procedure beyond the core ``Alert`` and ``StepRecord``.

- :class:`Statement` — one version of a 通稿 (statement), kept forever; a
  revision is a new row, never an edit.
- :class:`StatementReview` — one 三审三校 review of a version: 信息员 first
  review, 科室负责人 second, 分管领导 final (with the body the approval speaks for).
- :class:`LiaisonForm` — a 舆情联系单 sent to a responsible unit, with its
  verification deadline.
- :class:`NotificationDelivery` — the log of every notification attempt.
- :class:`OutboxMessage` — a notification written in the transaction of the
  change it tells of, kept until every channel has it (see :mod:`yuqing.alerts.outbox`).
- :class:`ReminderMark` — which reminders and escalations an alert has had,
  so each goes out once even when two checkers run at the same time.

The core ``Alert`` and ``StepRecord`` live in :mod:`yuqing.models`; this module
only adds the queue index on ``alerts``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.models import Alert, Base, utcnow

#: the queue: open alerts of one level, on the clock (replied_at NULL), in deadline order (see alerts.api.queue)
QUEUE_INDEX = Index("ix_alerts_queue", Alert.status, Alert.level, Alert.replied_at, Alert.deadline_at)


class Statement(Base):
    """One version of an alert's 通稿. Versions are numbered 1, 2, … per alert."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("alert_id", "version", name="uq_statement_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: the follow-up round (Alert.follow_up_round) the version was written for
    round: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    drafted_by: Mapped[str] = mapped_column(String(40))
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: in_review → approved; or returned (sent back for a new draft); or superseded (a reviewer revised it)
    status: Mapped[str] = mapped_column(String(12), default="in_review", index=True)
    #: reviews passed so far: 0 none, 1 信息员初审, 2 科室负责人复审, 3 分管领导终审 (approved)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    approved_at: Mapped[datetime | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(40))
    #: whose approval the final review records: the county (levels I–II) or the 领导小组 (III–IV)
    approval_body: Mapped[str | None] = mapped_column(String(60))
    level_at_approval: Mapped[int | None] = mapped_column(Integer)

    reviews: Mapped[list["StatementReview"]] = relationship(
        back_populates="statement", order_by="StatementReview.id", cascade="all, delete-orphan",
        foreign_keys="StatementReview.statement_id",
    )


class StatementReview(Base):
    """One review of one 通稿 version (三审三校)."""

    __tablename__ = "statement_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    stage: Mapped[int] = mapped_column(Integer)  # 1, 2, 3
    decision: Mapped[str] = mapped_column(String(12))  # pass, return, revise
    by_user: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))  # the reviewer's role when reviewing
    capacity: Mapped[str] = mapped_column(String(60))  # 信息员 / 科室负责人 / 分管领导（…审定）
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: a reviewer's corrected text becomes this new version
    revised_to_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id", ondelete="SET NULL"))

    statement: Mapped[Statement] = relationship(back_populates="reviews", foreign_keys=[statement_id])


class LiaisonForm(Base):
    """A 舆情联系单: the unit responsible for the matter verifies and answers within a day."""

    __tablename__ = "liaison_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by: Mapped[str | None] = mapped_column(String(40))
    answer: Mapped[str | None] = mapped_column(Text)
    overdue_at: Mapped[datetime | None] = mapped_column()  # marked by check_deadlines

    @property
    def overdue(self) -> bool:
        return self.overdue_at is not None or (self.answered_at is not None and self.answered_at > self.due_at)

    @property
    def status(self) -> str:
        if self.answered_at is not None:
            return "answered_late" if self.answered_at > self.due_at else "answered"
        return "overdue" if self.overdue_at is not None else "waiting"

    @property
    def status_label(self) -> str:
        return {"answered": "已反馈", "answered_late": "逾期反馈", "overdue": "已逾期", "waiting": "待反馈"}[self.status]


class NotificationDelivery(Base):
    """One message over one channel: sent or failed, after how many attempts."""

    __tablename__ = "notification_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))  # email, wecom, dingtalk, webhook
    status: Mapped[str] = mapped_column(String(12))  # sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)  # secrets redacted
    subject: Mapped[str] = mapped_column(Text)
    level: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[list[Any]] = mapped_column(default=list)
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the log outlives alerts
    kind_of_message: Mapped[str | None] = mapped_column(String(30))  # new, escalation, reminder, overdue, …
    outbox_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the outbox message delivered


class OutboxMessage(Base):
    """A notification to deliver: committed with the change it tells of, kept until every channel has it.

    ``status``: ``pending`` (waiting for its first or next attempt at ``next_attempt_at``),
    ``sending`` (claimed by ``claimed_by`` at ``claimed_at``), ``done`` (every matching
    channel has it, listed in ``channels_sent``), ``failed`` (attempts used up), ``obsolete``
    (a reminder not re-sent because its alert has been answered or closed since).
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    subject: Mapped[str] = mapped_column(Text)
    kind_of_message: Mapped[str | None] = mapped_column(String(30))
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the outbox outlives alerts
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the Message (notify.Message.to_payload)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    channels_sent: Mapped[list[Any]] = mapped_column(default=list)
    last_error: Mapped[str | None] = mapped_column(Text)  # secrets redacted
    finished_at: Mapped[datetime | None] = mapped_column()


class ReminderMark(Base):
    """A reminder or escalation already sent for an alert (or 联系单): each goes out once."""

    __tablename__ = "reminder_marks"
    __table_args__ = (UniqueConstraint("alert_id", "kind", "mark", name="uq_reminder_mark"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder, overdue, liaison_overdue
    mark: Mapped[str] = mapped_column(String(40))  # hours left ("6", "2"), or a 联系单 id
    at: Mapped[datetime] = mapped_column(default=utcnow)


def ensure_schema(engine) -> None:
    """Create the alert tables and the queue index where missing (tests, benchmarks; offices use migrations)."""
    tables = [Statement.__table__, StatementReview.__table__, LiaisonForm.__table__,
              NotificationDelivery.__table__, ReminderMark.__table__, OutboxMessage.__table__]
    Base.metadata.create_all(engine, tables=tables)
    QUEUE_INDEX.create(engine, checkfirst=True)
