"""The SQL schema: posts, events, alerts with their step records, users, the audit log.

SQLAlchemy 2 declarative models; the same code runs on SQLite and PostgreSQL.
Every time is stored as UTC (:class:`UTCDateTime` makes naive values an error
and returns aware ones). Changes to this file need an Alembic revision in
``yuqing/migrations/versions`` (``yuqing db revision -m "..."``).

Stage-specific tables (通稿 versions, 联系单, notification log, digest archive)
live beside their stage (``alerts/models.py``) but share :class:`Base`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from yuqing.domain import Level, Step


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: yuqing stores only timezone-aware times")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Post(Base):
    """One collected item: a weibo, a news article, a forum thread, a message-board letter."""

    __tablename__ = "posts"

    #: derived from key (yuqing.store.post_id), the same in every store
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    #: identity: the same post from any source has the same key (see crawlers.dedup)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(40), index=True)  # configured source name
    kind: Mapped[str] = mapped_column(String(20))  # source kind: weibo, news, …
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    author_followers: Mapped[int | None] = mapped_column(Integer)
    author_verified: Mapped[bool | None] = mapped_column(Boolean)
    media_level: Mapped[str] = mapped_column(String(12), default="self")
    matched_keywords: Mapped[list[Any]] = mapped_column(default=list)
    raw_ref: Mapped[str | None] = mapped_column(String(200))  # raw page kept for audit
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_of: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))  # near-duplicate of
    # classification (classify/)
    relevant: Mapped[bool | None] = mapped_column(Boolean, index=True)
    relevance: Mapped[float | None] = mapped_column(Float)
    topic: Mapped[str | None] = mapped_column(String(20), index=True)
    negativity: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict[str, Any] | None] = mapped_column()
    classified_at: Mapped[datetime | None] = mapped_column()
    # grading (grading/)
    # no foreign key, as in Elasticsearch: events are the SQL side, posts may be elsewhere
    event_id: Mapped[int | None] = mapped_column(Integer, index=True)
    level: Mapped[int | None] = mapped_column(Integer, index=True)  # the event's level, copied for filtering
    graded_at: Mapped[datetime | None] = mapped_column()

    @property
    def interactions(self) -> int:
        return (self.reposts or 0) + (self.comments or 0) + (self.likes or 0)

    @property
    def when(self) -> datetime:
        """The earliest known time of the post: published if known, else fetched."""
        return self.published_at or self.fetched_at


Index("ix_posts_event_time", Post.event_id, Post.published_at)


class Event(Base):
    """One issue: the posts about the same incident, across sources and days."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str | None] = mapped_column(String(20), index=True)
    level: Mapped[int] = mapped_column(Integer, default=int(Level.MINOR), index=True)
    level_reasons: Mapped[list[Any]] = mapped_column(default=list)
    level_by: Mapped[str] = mapped_column(String(40), default="model")  # model, rule, or a username
    negativity: Mapped[float | None] = mapped_column(Float)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_published_at: Mapped[datetime | None] = mapped_column()
    last_post_at: Mapped[datetime | None] = mapped_column(index=True)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    engagement: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    media_levels: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open, merged, closed
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)  # grouping state kept by grading/
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    alert: Mapped["Alert | None"] = relationship(back_populates="event", uselist=False)

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def started_at(self) -> datetime:
        """When the first post appeared: first publication if known, else first seen."""
        return self.first_published_at or self.first_seen_at

    @property
    def clock(self) -> dict[str, Any]:
        """Grading's judgement of where the issue arose: {"post_id", "at", "why", "title", "url", "source"} or {}."""
        return dict((self.features or {}).get("clock") or {})

    @property
    def issue_started_at(self) -> datetime:
        """When the issue arose (its 12-hour clock starts here): the post grading judged the issue's first
        (``clock``), else the first post."""
        at = self.clock.get("at")
        if at:
            t = datetime.fromisoformat(at)
            return t if t.tzinfo else t.replace(tzinfo=timezone.utc)
        return self.started_at



# the events grading may still add posts to: open ones whose last post lies in the follow-up horizon
Index("ix_events_open_last_post", Event.status, Event.last_post_at)


class Alert(Base):
    """An event the office must act on, walked through the seven steps."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open, closed, dismissed
    current_step: Mapped[int] = mapped_column(Integer, default=int(Step.DISCOVER))
    issue_started_at: Mapped[datetime] = mapped_column()  # clock start
    # the post whose publication started the clock (grading's judgement, or the monitor's correction)
    clock_post_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    clock_by: Mapped[str | None] = mapped_column(String(40))  # who corrected the start (None: as grading judged)
    clock_reason: Mapped[str | None] = mapped_column(Text)  # why the clock starts there (Chinese)
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    replied_at: Mapped[datetime | None] = mapped_column()  # step 6 recorded: clock stopped
    reported_at: Mapped[datetime | None] = mapped_column()  # step 3 recorded
    overdue_at: Mapped[datetime | None] = mapped_column()
    escalated_at: Mapped[datetime | None] = mapped_column()
    reminders_sent: Mapped[list[Any]] = mapped_column(default=list)  # hours-left marks already sent
    follow_up_round: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="alert")
    steps: Mapped[list["StepRecord"]] = relationship(
        back_populates="alert", order_by="StepRecord.id", cascade="all, delete-orphan"
    )

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def step_enum(self) -> Step:
        return Step(self.current_step)


class StepRecord(Base):
    """One step of one alert: who, when, notes, attachments."""

    __tablename__ = "step_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=0)  # step-7 loops back to consultation
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
    by_user: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(default=list)  # [{"kind": "link", "url": …, "title": …}]

    alert: Mapped[Alert] = relationship(back_populates="steps")

    @property
    def step_enum(self) -> Step:
        return Step(self.step)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginFailure(Base):
    """A failed login, kept a day: the login throttle counts them across every web process."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_user_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(40))  # as typed, lower case (may name nobody)
    ip: Mapped[str] = mapped_column(String(45))


class AuditEntry(Base):
    """One state change: who did what to which object, and when. Never updated or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(40))  # username, or "system"
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


Index("ix_audit_object", AuditEntry.object_type, AuditEntry.object_id)


class SourceStatus(Base):
    """Health of one configured source, shown by `yuqing sources`."""

    __tablename__ = "source_status"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="never")  # ok, blocked, login, captcha, error, never
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    backoff_until: Mapped[datetime | None] = mapped_column()
    items_last_run: Mapped[int] = mapped_column(Integer, default=0)
    items_total: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    runs: Mapped[int] = mapped_column(Integer, default=0)


class LabelCorrection(Base):
    """A label given by the office (a correction or an answer in the 待标注 queue); folded into the next retraining."""

    __tablename__ = "label_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(20), index=True)  # relevance, topic, negativity, level
    # no foreign key: posts may live in Elasticsearch
    post_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)  # the text as labelled, kept even if the post goes
    old_label: Mapped[str | None] = mapped_column(String(40))
    new_label: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    by_user: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    used_in_model: Mapped[str | None] = mapped_column(String(80))
    # where the label came from: "correction" (a monitor fixing a label on an alert or search page),
    # "queue" (the 待标注 labelling queue), "resolved" (the answer to two labellers' disagreement)
    origin: Mapped[str] = mapped_column(String(20), default="correction", server_default="correction")
    # the judgement's score when the label was given (relevance: the public-matter score before the place rules;
    # negativity: 舆情负面): the model had not seen the label, so these scores calibrate its threshold honestly
    model_score: Mapped[float | None] = mapped_column(Float)
    # an undone or superseded label stays, marked here, and is no longer learnt from
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(40))
