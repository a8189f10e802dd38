"""Who hears about an alert (分级响应, SPEC §2) and how its messages read.

The audience of a message is a list of names used in ``alerts.routing`` and
in each channel's ``audience``: the route's lead and those it informs, the
county 宣传部 for level I, the office (which carries everything out) and the
duty officers (值班) for new, escalated and overdue alerts.
"""
from __future__ import annotations

from datetime import datetime

from yuqing.alerts.notify import DUTY, OFFICE, Message, format_time_left
from yuqing.domain import Level
from yuqing.grading.routing import response_for

LEADING_GROUP = "领导小组"


def _unique(names) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))


def route_audience(cfg, level: Level) -> list[str]:
    """Who must be told of an alert at ``level``: the lead, those informed, 宣传部 for level I."""
    return response_for(cfg, level).audience


def audience_for(cfg, level: Level, kind: str) -> list[str]:
    """The audience of one kind of message about an alert at ``level``."""
    level = Level.parse(level)
    route = cfg.alerts.route(level)
    if kind in ("new", "escalation", "reopen"):
        return _unique([*route_audience(cfg, level), OFFICE, DUTY])
    if kind == "report":
        return _unique([*route_audience(cfg, level), OFFICE])
    if kind == "reminder":
        return _unique([route.lead, OFFICE, DUTY])
    if kind == "overdue":  # escalated to the leaders
        return _unique([*route_audience(cfg, level), LEADING_GROUP, OFFICE, DUTY])
    if kind in ("loop", "review"):
        return _unique([route.lead, LEADING_GROUP, OFFICE])
    return [OFFICE]


def approval_body(cfg, level: Level) -> str:
    """Who approves a 通稿: the county for levels I–II, the 领导小组 for III–IV."""
    if Level.parse(level) >= Level.MAJOR:
        return f"县委县政府/{cfg.alerts.propaganda_contact}"
    return LEADING_GROUP


def alert_link(cfg, alert_id: int) -> str:
    return f"{cfg.notifications.base_url.rstrip('/')}/alerts/{alert_id}"


def alert_message(cfg, alert, kind: str, subject: str, text: str, now: datetime, level: Level | None = None,
                  audience: list[str] | None = None) -> Message:
    """A message about ``alert``; the clock is shown until the reply stops it."""
    level = Level.parse(level if level is not None else alert.level)
    return Message(
        subject=subject,
        text=text,
        level=level,
        link=alert_link(cfg, alert.id),
        audience=audience if audience is not None else audience_for(cfg, level, kind),
        kind=kind,
        alert_id=alert.id,
        deadline_at=None if alert.replied_at else alert.deadline_at,
        at=now,
    )


def clock_text(alert, now: datetime) -> str:
    if alert.replied_at:
        return "已正面回复，时限已停止"
    return format_time_left(alert.deadline_at, now)
