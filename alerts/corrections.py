"""Monitors' corrections: a post's labels and an event's level.

A corrected label is stored as a :class:`~yuqing.models.LabelCorrection` row
(the text as labelled, old and new label, reason, who) that ``classify/`` and
``grading/`` fold into their next retraining, and is applied to the post at
once through the post store. A corrected level is the monitor's re-grade
(SPEC §1): applied through grading's override when grading provides one
(``yuqing.grading.api.override_level``), else directly on the event; the alert
follows (an escalation re-reports it, a lowering needs a reason).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from yuqing import audit
from yuqing.alerts import permissions as perm
from yuqing.alerts import workflow
from yuqing.alerts.base import WorkflowError, _require_open, on_commit, resolve_user
from yuqing.domain import Level
from yuqing.models import Alert, Event, LabelCorrection, utcnow
from yuqing.store import PostQuery

log = logging.getLogger(__name__)

RELEVANCE = {"relevant": "相关", "irrelevant": "不相关"}
NEGATIVITY = {"negative": "负面", "not_negative": "非负面"}


def _old_relevance(post) -> str | None:
    return None if post.relevant is None else ("relevant" if post.relevant else "irrelevant")


def _old_negativity(post) -> str | None:
    return None if post.negativity is None else ("negative" if post.negativity >= 0.5 else "not_negative")


def correct_post(session: Session, deployment, post_id: int, by: Any, changes: dict[str, str], reason: str = "",
                 alert: Alert | None = None, now: datetime | None = None) -> list[LabelCorrection]:
    """Correct a post's relevance / topic / negativity; ``changes`` maps task → new label.

    Labels: relevance ``relevant``/``irrelevant``; topic one of ``classify.topics``;
    negativity ``negative``/``not_negative``. Unchanged values are skipped.
    """
    now = now or utcnow()
    user = resolve_user(session, by)
    perm.require(user, perm.CORRECT_LABELS)
    username = perm.username_of(user)
    post = deployment.posts.get(int(post_id))
    if post is None:
        raise WorkflowError(f"没有编号为 {post_id} 的信息")
    topics = deployment.config.classify.topics
    rows: list[LabelCorrection] = []
    update: dict[str, Any] = {}
    for task, new in changes.items():
        new = (new or "").strip()
        if not new:
            continue
        if task == "relevance":
            if new not in RELEVANCE:
                raise WorkflowError(f"相关性只能是：{'、'.join(RELEVANCE.values())}")
            old = _old_relevance(post)
            update["relevant"] = new == "relevant"
        elif task == "topic":
            if new not in topics:
                raise WorkflowError(f"未知话题“{new}”；可选：{'、'.join(topics)}")
            old = post.topic
            update["topic"] = new
        elif task == "negativity":
            if new not in NEGATIVITY:
                raise WorkflowError(f"倾向只能是：{'、'.join(NEGATIVITY.values())}")
            old = _old_negativity(post)
            update["negativity"] = 1.0 if new == "negative" else 0.0
        else:
            raise WorkflowError(f"未知的标签类型 {task}")
        if old == new:
            update.pop({"relevance": "relevant"}.get(task, task), None)
            continue
        score = {"relevance": ((post.explanation or {}).get("relevance") or {}).get("score", post.relevance),
                 "negativity": post.negativity}.get(task)
        row = LabelCorrection(task=task, post_id=post.id, event_id=post.event_id, text=post.full_text[:20000],
                              old_label=old, new_label=new, reason=(reason or "").strip(), by_user=username, at=now,
                              model_score=score)
        session.add(row)
        rows.append(row)
    if not rows:
        raise WorkflowError("没有需要纠正的标签（与现有标签相同）")
    session.flush()
    for row in rows:
        audit.record(session, username, "label.correct", alert if alert is not None else row, at=now,
                     post_id=post.id, task=row.task, old_label=row.old_label, new_label=row.new_label,
                     reason=row.reason, correction_id=row.id)
    if update:
        # the post store may share the database file: write once this transaction is committed
        on_commit(session, lambda: deployment.posts.update({post.id: update}))
    return rows


def _grading_override():
    try:
        from yuqing.grading import api as grading_api
    except ModuleNotFoundError as e:
        if e.name not in ("yuqing.grading.api", "yuqing.grading"):
            raise
        return None
    return getattr(grading_api, "override_level", None)


def regrade(session: Session, deployment, alert: Alert, new_level: Any, by: Any, reason: str,
            now: datetime | None = None) -> Alert:
    """The monitor's re-grade of the alert's event, with a reason; the alert follows at once."""
    now = now or utcnow()
    user = resolve_user(session, by)
    perm.require(user, perm.REGRADE)
    _require_open(alert)
    username = perm.username_of(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("请填写调整级别的理由")
    new = Level.parse(new_level)
    old = Level(alert.level)
    if new == old:
        raise WorkflowError(f"级别未变化（当前已是{old.label}）")
    event = session.get(Event, alert.event_id)
    old_event_level = Level(event.level)
    override = _grading_override()
    applied_by_grading = False
    if override is not None:
        # grading keeps the override (so re-grading never undoes it) and copies the level to the posts
        override(deployment, event.id, new, by=username, reason=reason, now=now, session=session)
        applied_by_grading = True
    else:
        event.level = int(new)
        event.level_by = username
        event.level_reasons = [f"人工认定（{username}）：{reason}", *[r for r in (event.level_reasons or [])
                                                                   if not str(r).startswith(("人工认定", "人工调整"))]]
        event.features = {**(event.features or {}),
                          "override": {"level": int(new), "by": username, "reason": reason, "at": now.isoformat()}}
    session.add(LabelCorrection(task="level", post_id=None, event_id=event.id,
                                text=f"{event.title}\n{event.summary or ''}".strip()[:20000],
                                old_label=old_event_level.label, new_label=new.label, reason=reason,
                                by_user=username, at=now))
    session.flush()
    audit.record(session, username, "event.regrade", alert, at=now, event_id=event.id, old_level=old.label,
                 new_level=new.label, reason=reason)
    if new > old:
        workflow.escalate(session, alert, new, now=now, by=user, reasons=[f"人工调整：{reason}"])
    else:
        workflow.lower_level(session, alert, new, by=user, reason=reason, now=now)
    if not applied_by_grading:
        event_id = event.id

        def copy_level() -> None:
            ids = [p.id for p in deployment.posts.search(PostQuery(event_id=event_id, limit=10000))]
            if ids:
                deployment.posts.update({i: {"level": int(new)} for i in ids})

        on_commit(session, copy_level)
    return alert
