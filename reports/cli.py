"""``yuqing digest`` and ``yuqing report monthly``: write the 舆情日报 and the 月报 on demand.

The scheduler writes both on its own (``yuqing run``); these commands are for a
digest or report wanted now, for a past date, or into another folder.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from yuqing.cli import pass_state
from yuqing.domain import EARLIEST_YEAR
from yuqing.errors import YuqingError


def _parse_date(text: str | None, latest: date) -> date | None:
    """``--date``: a digest from 2000 up to the current one (``latest``); later ones have nothing yet."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise YuqingError(f"--date must be YYYY-MM-DD, e.g. 2026-11-20 (got {text!r})") from None
    if day.year < EARLIEST_YEAR or day > latest:
        raise YuqingError(f"--date: {text!r} has no digest; digests run from {EARLIEST_YEAR}-01-01 to {latest.isoformat()}")
    return day


def _check_month(month: str, current: str) -> None:
    """``--month``: a month from 2000 up to the current one (its report is partial)."""
    from yuqing.reports.common import parse_month

    if not (EARLIEST_YEAR, 1) <= parse_month(month) <= parse_month(current):
        raise YuqingError(f"--month: {month!r} has no report; months run from {EARLIEST_YEAR}-01 to {current}")


@click.command()
@click.option("--date", "day_text", metavar="YYYY-MM-DD", help="The digest's date, 2000 on (default and latest: today's, or tomorrow's after 17:00).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for the files (default: DATA_DIR/reports/digest).")
@click.option("--send/--no-send", default=False, show_default=True, help="Also send it over the configured channels.")
@pass_state
def digest(state, day_text: str | None, out_dir: Path | None, send: bool) -> None:
    """Write the daily digest (舆情日报) as HTML and DOCX.

    The digest dated D covers D−1 17:00 to D 17:00 (Asia/Shanghai; the time is
    schedule.digest_time), so every post is in exactly one digest. Before 17:00
    it covers the window up to now and says so.
    """
    from yuqing.reports.digest import digest_day_for, write_digest
    from yuqing.models import utcnow

    dep = state.deployment()
    cfg = dep.config
    current = digest_day_for(cfg, utcnow())
    day = _parse_date(day_text, latest=current) or current
    result = write_digest(dep, day, out_dir, send=send, generated_by="cli")
    d = result.data
    click.echo(f"{d.title} {day.isoformat()}: {d.window_text}")
    for line in d.summary_lines():
        click.echo(f"  {line}")
    click.echo(f"  HTML: {result.html}")
    click.echo(f"  DOCX: {result.docx}")
    if send:
        sent = [x for x in result.deliveries if x.get("status") == "sent"]
        click.echo(f"  sent over {len(sent)} of {len(result.deliveries)} channel(s)")


@click.group()
def report() -> None:
    """Reports: the monthly report (月报)."""


@report.command("monthly")
@click.option("--month", metavar="YYYY-MM", help="The month, from 2000-01 to this month (default: last month).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for the files (default: DATA_DIR/reports/monthly).")
@click.option("--send/--no-send", default=False, show_default=True, help="Also send it over the configured channels.")
@pass_state
def monthly(state, month: str | None, out_dir: Path | None, send: bool) -> None:
    """Write the monthly report (月报) as HTML and DOCX, compared with the month before."""
    from yuqing.reports.monthly import write_monthly
    from yuqing.reports.common import previous_month
    from yuqing.models import utcnow

    dep = state.deployment()
    today = utcnow().astimezone(ZoneInfo(dep.config.timezone))
    if month is None:
        month = previous_month(f"{today:%Y-%m}")
    _check_month(month, f"{today:%Y-%m}")
    result = write_monthly(dep, month, out_dir, send=send, generated_by="cli")
    d = result.data
    click.echo(d.title)
    for line in d.summary_lines():
        click.echo(f"  {line}")
    click.echo(f"  HTML: {result.html}")
    click.echo(f"  DOCX: {result.docx}")
    if send:
        sent = [x for x in result.deliveries if x.get("status") == "sent"]
        click.echo(f"  sent over {len(sent)} of {len(result.deliveries)} channel(s)")


__all__ = ["digest", "report"]
