"""Template filters: local times, durations, levels, steps, safe links.

Times are stored in UTC and shown in the deployment's zone (Asia/Shanghai).
``safe_href`` lets a link through only when it is http(s): crawled URLs are
untrusted, and autoescaping alone does not stop a ``javascript:`` link.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from yuqing.alerts.notify import format_duration, format_time_left
from yuqing.domain import Level, Role, Step


def safe_href(url) -> str | None:
    if not url or not isinstance(url, str):
        return None
    u = url.strip()
    if u.lower().startswith(("http://", "https://")) and not any(c in u for c in "\r\n\t"):
        return u
    return None


def install(app, cfg) -> None:
    zone = ZoneInfo(cfg.timezone)

    def localtime(t: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if t is None or t == "":
            return "—"
        if isinstance(t, str):
            try:
                t = datetime.fromisoformat(t)
            except ValueError:
                return t
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        return t.astimezone(zone).strftime(fmt)

    def iso(t: datetime | None) -> str:
        if t is None:
            return ""
        return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    def duration(d: timedelta | None) -> str:
        return "—" if d is None else format_duration(d)

    def level_label(v) -> str:
        try:
            lv = Level.parse(v)
        except (ValueError, TypeError):
            return str(v)
        return f"{lv.roman}级 {lv.label}"

    def step_label(v) -> str:
        try:
            return Step.parse(v).label
        except (ValueError, TypeError):
            return str(v)

    def role_label(v) -> str:
        try:
            return Role(v).label
        except ValueError:
            return str(v)

    def truncate_text(s: str | None, n: int = 200) -> str:
        s = (s or "").strip()
        return s if len(s) <= n else s[:n] + "…"

    app.jinja_env.filters.update(
        localtime=localtime, iso=iso, duration=duration, level_label=level_label, step_label=step_label,
        role_label=role_label, safe_href=safe_href, clip=truncate_text,
        time_left=lambda deadline, now: format_time_left(deadline, now),
    )
    app.jinja_env.globals.update(Level=Level, Step=Step, tzname=cfg.timezone, locality=cfg.locality.name)
