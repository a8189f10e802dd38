"""舆情联系单: a form sent from an alert to the unit responsible for the matter, and its answer.

The unit verifies and answers (核实反馈) within ``alerts.liaison_hours`` (one day by the
procedure, SPEC §2); a form still unanswered then is marked overdue by
:func:`~yuqing.alerts.api.check_deadlines` and the office is told. Sending and answering
check the actor's permission and are audited, as every action on an alert is
(:mod:`yuqing.alerts.base`).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing import audit
from yuqing.alerts import notify
from yuqing.alerts import permissions as perm
from yuqing.alerts.base import (SYSTEM, WorkflowError, _alert_of, _config, _now, _queue, _require_open, _required,
                                resolve_user)
from yuqing.alerts.models import LiaisonForm, ReminderMark
from yuqing.alerts.routing import alert_message
from yuqing.models import Alert


def send_liaison(session: Session, alert: Alert, by: Any, unit: str, content: str,
                 now: datetime | None = None) -> LiaisonForm:
    """Send a 舆情联系单 to the responsible unit; it must verify and answer within liaison_hours."""
    now = _now(now)
    alert = _alert_of(session, alert)
    dep, cfg = _config(session)
    user = resolve_user(session, by)
    perm.require(user, perm.LIAISON_SEND)
    _require_open(alert)
    unit = _required(unit, "责任单位")[:100]
    content = _required(content, "联系单内容")
    username = perm.username_of(user)
    form = LiaisonForm(alert_id=alert.id, unit=unit, content=content, sent_by=username, sent_at=now,
                       due_at=now + timedelta(hours=cfg.alerts.liaison_hours))
    session.add(form)
    session.flush()
    audit.record(session, username, "liaison.send", alert, at=now, liaison_id=form.id, unit=unit, due_at=form.due_at)
    return form


def answer_liaison(session: Session, form: LiaisonForm | int, by: Any, answer: str,
                   now: datetime | None = None) -> LiaisonForm:
    """Record the unit's verification (核实反馈)."""
    now = _now(now)
    form = form if isinstance(form, LiaisonForm) else session.get(LiaisonForm, int(form))
    if form is None:
        raise WorkflowError("没有这张联系单")
    user = resolve_user(session, by)
    perm.require(user, perm.LIAISON_ANSWER)
    if form.answered_at is not None:
        raise WorkflowError(f"联系单 #{form.id} 已于 {form.answered_at:%Y-%m-%d %H:%M} UTC 反馈")
    answer = _required(answer, "核实反馈内容")
    username = perm.username_of(user)
    form.answer = answer
    form.answered_at = now
    form.answered_by = username
    alert = session.get(Alert, form.alert_id)
    session.flush()
    audit.record(session, username, "liaison.answer", alert, at=now, liaison_id=form.id, unit=form.unit,
                 late=now > form.due_at)
    return form


def liaison_forms(session: Session, alert: Alert) -> list[LiaisonForm]:
    return list(session.scalars(select(LiaisonForm).where(LiaisonForm.alert_id == alert.id).order_by(LiaisonForm.id)))


def mark_liaison_overdue(session: Session, form: LiaisonForm, now: datetime | None = None) -> None:
    """The answer is overdue: mark the form and tell the office."""
    now = _now(now)
    dep, cfg = _config(session)
    form.overdue_at = now
    alert = session.get(Alert, form.alert_id)
    session.add(ReminderMark(alert_id=alert.id, kind="liaison_overdue", mark=str(form.id), at=now))
    audit.record(session, SYSTEM, "liaison.overdue", alert, at=now, liaison_id=form.id, unit=form.unit,
                 due_at=form.due_at)
    text = f"发往{form.unit}的舆情联系单 #{form.id} 已超过核实反馈时限（{cfg.alerts.liaison_hours:g}小时），请督促反馈。"
    _queue(session, alert_message(cfg, alert, "liaison_overdue", f"联系单逾期：{alert.title}", text, now,
                                  audience=[notify.OFFICE]))


__all__ = ["send_liaison", "answer_liaison", "liaison_forms", "mark_liaison_overdue"]
