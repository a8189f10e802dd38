"""三审三校: the review of a 通稿 version — 信息员 first, 科室负责人 second, 分管领导 final.

Each stage needs a different person, none of them the drafter; a reviewer may pass
with a corrected text, kept as a new version. The final review approves the version
on behalf of the body the alert's level requires and, once the consultation (step 4)
is done, records step 5 through :func:`yuqing.alerts.workflow.advance`. That is why
this module sits above the workflow, while the versions and the rule which approved
one counts (:mod:`yuqing.alerts.statements`) sit below it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing import audit
from yuqing.alerts import permissions as perm
from yuqing.alerts.base import (SYSTEM, ReviewError, WorkflowError, _config, _now, _queue, _require_open, _required,
                                resolve_user)
from yuqing.alerts.models import Statement, StatementReview
from yuqing.alerts.routing import alert_message, approval_body
from yuqing.alerts.workflow import advance, current_record
from yuqing.domain import Step
from yuqing.models import Alert


def _chain(session: Session, st: Statement) -> list[Statement]:
    """The version and the versions it was revised from, newest first."""
    out = [st]
    while out[-1].parent_id is not None:
        parent = session.get(Statement, out[-1].parent_id)
        if parent is None:
            break
        out.append(parent)
    return out


def review_statement(session: Session, statement: Statement | int, by: Any, decision: str, note: str = "",
                     revised_text: str | None = None, now: datetime | None = None) -> Statement:
    """One review of 三审三校: ``decision`` is "pass" or "return".

    Stage 1 is the 信息员's first review, 2 the 科室负责人's second, 3 the 分管领导's
    final review, which approves the version on behalf of the body the level requires
    (the county for I–II, the 领导小组 for III–IV). Each stage needs a different person,
    none of them the drafter. A reviewer who passes with ``revised_text`` creates a new
    version that continues at the next stage; the old one is kept as superseded.
    Returns the version now current (the revision, if any).
    """
    now = _now(now)
    dep, cfg = _config(session)
    st = statement if isinstance(statement, Statement) else session.get(Statement, int(statement))
    if st is None:
        raise WorkflowError(f"没有编号为 {statement} 的通稿")
    alert = session.get(Alert, st.alert_id)
    user = resolve_user(session, by)
    if decision not in ("pass", "return"):
        raise ReviewError("审核结论只能是“通过”（pass）或“退回”（return）")
    stage = st.stage + 1
    permission, capacity = perm.REVIEW_STAGES.get(stage, (None, None))
    if st.status != "in_review" or permission is None:
        state = {"approved": "已审定", "returned": "已退回", "superseded": "已被新版本取代"}.get(st.status, st.status)
        raise ReviewError(f"通稿第{st.version}版{state}，不能再审核")
    perm.require(user, permission)
    _require_open(alert)
    username = perm.username_of(user)
    chain = _chain(session, st)
    if username == chain[-1].drafted_by:
        raise ReviewError(f"三审三校须由他人审核：{username} 是通稿的起草人")
    earlier = {r.by_user for s in chain for r in s.reviews if r.stage != stage}
    if username in earlier:
        raise ReviewError(f"三审三校须由三人分别审核：{username} 已参与本稿的其他审核环节")
    if stage == 3:
        body = approval_body(cfg, alert.level)
        capacity = f"分管领导（{body}审定）"
    role = perm.role_of(user)
    review = StatementReview(statement_id=st.id, stage=stage, decision=decision, by_user=username,
                             role=role.value if role else SYSTEM, capacity=capacity, note=(note or "").strip(), at=now)
    st.reviews.append(review)
    label = perm.REVIEW_STAGE_LABELS[stage]
    if decision == "return":
        review.note = _required(note, "退回意见")
        st.status = "returned"
        session.flush()
        audit.record(session, username, "statement.return", alert, at=now, statement_id=st.id, version=st.version,
                     stage=stage, capacity=capacity, note=review.note[:1000])
        return st
    current = st
    revised = (revised_text or "").strip()
    if revised and revised != st.text.strip():
        version = (session.scalar(select(func.max(Statement.version)).where(Statement.alert_id == alert.id)) or 0) + 1
        current = Statement(alert_id=alert.id, version=version, round=st.round, parent_id=st.id, title=st.title,
                            text=revised, drafted_by=username, drafted_at=now, status="in_review", stage=stage)
        session.add(current)
        session.flush()
        review.decision = "revise"
        review.revised_to_id = current.id
        st.status = "superseded"
    else:
        st.stage = stage
    if stage == 3:
        current.status = "approved"
        current.stage = 3
        current.approved_at = now
        current.approved_by = username
        current.approval_body = approval_body(cfg, alert.level)
        current.level_at_approval = alert.level
    session.flush()
    audit.record(session, username, "statement.approve" if stage == 3 else "statement.review", alert, at=now,
                 statement_id=current.id, version=current.version, stage=stage, stage_label=label,
                 capacity=capacity, decision=review.decision, note=review.note[:1000],
                 revised_from=st.version if current is not st else None)
    if stage == 2:
        _queue(session, alert_message(cfg, alert, "review", f"通稿待终审：{alert.title}",
                                      f"通稿第{current.version}版已通过初审、复审，请分管领导终审。", now))
    if stage == 3:
        # step 5 is the approved 通稿: record it at once when the consultation is done
        rec = current_record(alert)
        if (alert.current_step == Step.CONSULT and rec is not None and rec.completed_at is not None
                and perm.user_can(user, perm.STATEMENT_STEP)):
            advance(session, alert, Step.STATEMENT, by=user,
                    note=f"通稿第{current.version}版经三审三校，由{current.approval_body}审定", now=now)
    return current


def can_review(statement: Statement, user: Any) -> bool:
    stage = statement.stage + 1
    if statement.status != "in_review" or stage not in perm.REVIEW_STAGES:
        return False
    return perm.user_can(user, perm.REVIEW_STAGES[stage][0])


__all__ = ["review_statement", "can_review"]
