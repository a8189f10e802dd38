"""Times as the office reads them: stored in UTC, shown in the deployment's zone (Asia/Shanghai).

Every place that shows a time — the command line, the web pages and their CSV
exports, notifications, 简报, the scheduler's plan — writes it with
:func:`local_text`, so one rule holds everywhere: a naive time is UTC (as the
database stores it), a missing one is shown as a dash (or what the place says).
The reports keep their own Chinese date forms (``11月20日 14:05``) in
:mod:`yuqing.reports.common`.
"""
from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo

from yuqing.domain import DISPLAY_TZ

#: how a time is shown unless a place needs another form
MINUTES = "%Y-%m-%d %H:%M"


def to_local(t: datetime, tz: str | tzinfo = DISPLAY_TZ) -> datetime:
    """``t`` in the zone ``tz`` (a name such as ``Asia/Shanghai``, or a tzinfo); a naive ``t`` is UTC."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return (t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)).astimezone(zone)


def local_text(t: datetime | None, tz: str | tzinfo = DISPLAY_TZ, fmt: str = MINUTES, empty: str = "—") -> str:
    """``t`` in the zone ``tz`` written with ``fmt`` (``2026-11-20 14:05``); ``empty`` when there is no time."""
    return empty if t is None else to_local(t, tz).strftime(fmt)


__all__ = ["MINUTES", "to_local", "local_text"]
