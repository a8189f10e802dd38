"""通稿: an alert's statement versions, drafting a new one, and which approved one counts.

A 通稿 is drafted (:func:`draft_statement`) once the facts are reported (step 3) and
goes through 三审三校 (:mod:`yuqing.alerts.review`); every version is kept. Steps 5
and 6 need the newest version approved for the alert's present round by a body
high enough for its present level — the county for levels I–II, the 领导小组 for
III–IV (:func:`require_approved_statement`, which :func:`yuqing.alerts.workflow.advance`
asks). The review's final approval records step 5 through the workflow, so the review
sits above the workflow and this module below it: it imports neither.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing import audit
from yuqing.alerts import permissions as perm
from yuqing.alerts.base import (IllegalTransition, StatementNotApproved, _alert_of, _config, _now, _require_open,
                                _required, resolve_user)
from yuqing.alerts.models import Statement
from yuqing.alerts.routing import approval_body
from yuqing.domain import Level, Step
from yuqing.models import Alert


def statements_of(session: Session, alert: Alert) -> list[Statement]:
    return list(session.scalars(select(Statement).where(Statement.alert_id == alert.id).order_by(Statement.version)))


def _adequate(statement: Statement, alert: Alert) -> bool:
    """Approved by a body high enough for the alert's present level."""
    if statement.status != "approved":
        return False
    needed_county = alert.level >= Level.MAJOR
    approved_county = (statement.level_at_approval or 0) >= Level.MAJOR
    return approved_county or not needed_county


def approved_statement(session: Session, alert: Alert) -> Statement | None:
    """The newest approved 通稿 of the alert's present round, if its approval suits the level."""
    for s in reversed(statements_of(session, alert)):
        if s.status == "approved" and s.round == alert.follow_up_round and _adequate(s, alert):
            return s
    return None


def require_approved_statement(session: Session, alert: Alert) -> Statement:
    s = approved_statement(session, alert)
    if s is not None:
        return s
    for s in reversed(statements_of(session, alert)):
        if s.status == "approved" and s.round == alert.follow_up_round:
            raise StatementNotApproved(
                f"预警已升为{Level(alert.level).label}，通稿第{s.version}版须报{approval_body(_config(session)[1], alert.level)}重新审定"
            )
    rnd = f"第{alert.follow_up_round}轮会商后的" if alert.follow_up_round else ""
    raise StatementNotApproved(f"须有{rnd}经三审三校审定的通稿，才能办理此步骤")


def draft_statement(session: Session, alert: Alert, by: Any, text: str, title: str = "",
                    now: datetime | None = None) -> Statement:
    """A new 通稿 version, entering 三审三校; a version still in review is superseded."""
    now = _now(now)
    alert = _alert_of(session, alert)
    dep, cfg = _config(session)
    user = resolve_user(session, by)
    perm.require(user, perm.DRAFT)
    _require_open(alert)
    if alert.current_step < Step.REPORT:
        raise IllegalTransition("请先快报事实（第3步），再起草通稿")
    text = _required(text, "通稿正文")
    username = perm.username_of(user)
    version = (session.scalar(select(func.max(Statement.version)).where(Statement.alert_id == alert.id)) or 0) + 1
    for old in statements_of(session, alert):
        if old.status == "in_review":
            old.status = "superseded"
    st = Statement(alert_id=alert.id, version=version, round=alert.follow_up_round, title=(title or "").strip()[:200],
                   text=text, drafted_by=username, drafted_at=now, status="in_review", stage=0)
    session.add(st)
    session.flush()
    audit.record(session, username, "statement.draft", alert, at=now, statement_id=st.id, version=version,
                 round=st.round, chars=len(text))
    return st


__all__ = ["statements_of", "approved_statement", "require_approved_statement", "draft_statement"]
