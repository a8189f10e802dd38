"""What every action on an alert shares: the deployment behind a session, the actor, the errors.

The steps (:mod:`~yuqing.alerts.workflow`), 通稿 versions (:mod:`~yuqing.alerts.statements`)
and their 三审三校 (:mod:`~yuqing.alerts.review`), and 联系单 (:mod:`~yuqing.alerts.liaison`)
each run in a session that knows its deployment (:func:`open_session`): they read its
configuration and queue their notifications through it, resolve who acts
(:func:`resolve_user`), and refuse what the procedure does not allow with one of the
errors below, worded in Chinese. Writes to the post store wait for the commit
(:func:`on_commit`). The names with a leading underscore are helpers for those modules,
not for the web app or the command line.
"""
from __future__ import annotations

import logging
import weakref
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event, select
from sqlalchemy.orm import Session

from yuqing.alerts import notify, outbox
from yuqing.alerts import permissions as perm
from yuqing.domain import AlertStatus
from yuqing.errors import PermissionDenied, YuqingError
from yuqing.models import Alert, User, utcnow

log = logging.getLogger(__name__)

SYSTEM = perm.SYSTEM


class WorkflowError(YuqingError):
    """An action the procedure does not allow in the alert's present state."""


class IllegalTransition(WorkflowError):
    """A step out of order: skipped, repeated, or on an alert that is no longer open."""


class AlertNotOpen(IllegalTransition):
    """The alert was closed or dismissed."""


class StatementNotApproved(IllegalTransition):
    """Step 5 or 6 without an approved 通稿 for the alert's present round and level."""


class ReviewError(WorkflowError):
    """A 三审三校 review out of order or by the wrong person."""


# -- the deployment behind a session ---------------------------------------------

DEPLOYMENT = "yuqing.deployment"
_registry: dict[int, tuple[Any, Any]] = {}


def register(deployment) -> None:
    """Remember ``deployment`` so a plain session on its engine finds its configuration."""
    _registry[id(deployment.engine)] = (weakref.ref(deployment.engine), weakref.ref(deployment))


def bind(session: Session, deployment, background: bool = False) -> Session:
    session.info[DEPLOYMENT] = deployment
    if background:
        session.info[outbox.BACKGROUND] = True
    register(deployment)
    return session


def open_session(deployment, background: bool = False) -> Session:
    """A session that knows its deployment (configuration, notifications)."""
    return bind(deployment.sessions(), deployment, background=background)


def deployment_for(session: Session):
    dep = session.info.get(DEPLOYMENT)
    if dep is not None:
        return dep
    try:
        bind_ = session.get_bind()
    except Exception:  # pragma: no cover - unbound session
        return None
    engine = getattr(bind_, "engine", bind_)
    entry = _registry.get(id(engine))
    if entry and entry[0]() is engine:
        return entry[1]()
    return None


_ON_COMMIT = "yuqing.workflow.on_commit"


def on_commit(session: Session, fn) -> None:
    """Run ``fn()`` once ``session`` commits (dropped on rollback): writes to the post store,
    which may be another database or Elasticsearch and must not wait on this transaction."""
    session.info.setdefault(_ON_COMMIT, []).append(fn)


@sa_event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for fn in session.info.pop(_ON_COMMIT, None) or []:
        try:
            fn()
        except Exception:
            log.exception("after-commit action failed")


@sa_event.listens_for(Session, "after_rollback")
def _drop_on_commit(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)


def _config(session: Session):
    dep = deployment_for(session)
    if dep is None:
        raise WorkflowError(
            "this session does not know its deployment: open it with yuqing.alerts.base.open_session(deployment)"
        )
    return dep, dep.config


def _queue(session: Session, message: notify.Message) -> None:
    dep = deployment_for(session)
    if dep is None:  # pragma: no cover - _config already refused
        log.warning("notification %r not sent: session has no deployment", message.subject)
        return
    outbox.enqueue(session, dep, message)


# -- helpers -------------------------------------------------------------------------

def _now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}: pass timezone-aware times")
    return now


def resolve_user(session: Session, by: Any):
    """A User row for ``by`` (a row, a username), or the string "system"."""
    if by is None or by == SYSTEM:
        return SYSTEM
    if isinstance(by, User):
        return by
    if isinstance(by, str):
        user = session.scalar(select(User).where(User.username == by))
        if user is None:
            raise PermissionDenied(f"没有用户 {by}；用户在配置文件的 users 中添加")
        return user
    raise TypeError(f"by must be a User, a username or 'system', not {type(by).__name__}")


def _require_open(alert: Alert) -> None:
    if alert.status != AlertStatus.OPEN:
        state = {"closed": "已办结", "dismissed": "已标记误报"}.get(alert.status, alert.status)
        raise AlertNotOpen(f"预警 #{alert.id} {state}，不能再办理")


def _required(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(f"请填写{what}")
    return text


def _alert_of(session: Session, alert_or_id: Any) -> Alert:
    if isinstance(alert_or_id, Alert):
        return alert_or_id
    alert = session.get(Alert, int(alert_or_id))
    if alert is None:
        raise WorkflowError(f"没有编号为 {alert_or_id} 的预警")
    return alert


__all__ = [
    "WorkflowError", "IllegalTransition", "AlertNotOpen", "StatementNotApproved", "ReviewError", "SYSTEM",
    "open_session", "bind", "register", "deployment_for", "on_commit", "resolve_user",
]
