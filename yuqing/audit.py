"""The audit log: every state change, with its actor and time.

``record(session, actor, action, obj, **detail)`` adds one row in the caller's
transaction, so the change and its audit entry commit or fail together.
Details never carry secrets: keys that look like passwords or tokens are dropped.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.models import AuditEntry, utcnow

SYSTEM = "system"
_SECRET_WORDS = ("password", "secret", "token", "cookie", "api_key")


def record(session: Session, actor: str, action: str, obj: Any, at: datetime | None = None, **detail: Any) -> AuditEntry:
    object_type = getattr(obj, "__tablename__", None) or type(obj).__name__.lower()
    object_id = str(getattr(obj, "id", None) or getattr(obj, "name", None) or obj)
    clean = {k: _jsonable(v) for k, v in detail.items() if not any(w in k.lower() for w in _SECRET_WORDS)}
    entry = AuditEntry(
        at=at or utcnow(), actor=actor or SYSTEM, action=action, object_type=object_type, object_id=object_id, detail=clean
    )
    session.add(entry)
    return entry


def trail(session: Session, object_type: str, object_id: Any) -> list[AuditEntry]:
    q = (
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(session.scalars(q))


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if hasattr(v, "value") and hasattr(v, "name"):  # enums
        return getattr(v, "label", v.value)
    return v
