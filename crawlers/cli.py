"""Command-line commands of the crawl stage: ``yuqing crawl``, ``sources``, ``parse``, ``enter``.

Thin: each builds what it needs from the deployment, calls
:mod:`yuqing.crawlers.api` or :mod:`yuqing.crawlers.health`, and prints.
``yuqing crawl`` runs Scrapy's reactor, so it is one crawl per process (the
scheduler starts it as a subprocess).
"""
from __future__ import annotations

import json
import logging
import sys
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click

from yuqing.cli import EXIT_NOTHING_FOUND, pass_state
from yuqing.errors import YuqingError
from yuqing.localtime import local_text

PARSE_KINDS = ["news", "weibo", "weibo_mobile", "baidu", "baidu_news", "tieba", "weixin", "sogou_weixin", "rss",
               "board", "youdao"]
#: source states that mean the crawl of the source failed (the command exits 1)
FAILED = frozenset({"error", "blocked", "login", "captcha"})
STATE_LABELS = {"ok": "正常", "blocked": "被封禁/限流", "login": "需要登录", "captcha": "需要验证码", "error": "出错",
                "never": "未运行", "skipped": "退避中，本次未抓取"}


@click.command()
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the per-source result as one JSON object.")
@click.option("--ignore-backoff", is_flag=True, help="Crawl sources that are backing off after a block.")
@click.option("--no-process", is_flag=True, help="Do not classify and grade the new posts afterwards.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=JSON", help="A Scrapy setting for this run.")
@pass_state
def crawl(state, names: tuple[str, ...], as_json: bool, ignore_backoff: bool, no_process: bool, overrides) -> None:
    """Crawl the configured sources (all enabled ones, or those NAMEd).

    A source that could not be crawled (unreachable, blocked, asking for a login
    or a captcha) is said in one line on stderr, with why, and the command exits
    1; what the other sources yielded is stored and processed all the same.
    Scrapy's own log (retries, tracebacks) is shown with -v.
    """
    from yuqing.crawlers.api import crawl as run_crawl

    settings = {}
    for pair in overrides:
        key, _, value = pair.partition("=")
        try:
            settings[key.strip()] = json.loads(value)
        except ValueError:
            settings[key.strip()] = value
    dep = state.deployment()
    if not names and not any(s.enabled for s in dep.config.sources):
        raise YuqingError("no enabled sources to crawl; add some under sources in the configuration")
    result = run_crawl(dep, list(names) or None, ignore_backoff=ignore_backoff, isolate=False, settings=settings)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        for name, counts in result.items():
            if counts.get("state") not in FAILED:
                click.echo(f"{name}: {_line(counts)}")
    failed = {name: c for name, c in result.items() if c.get("state") in FAILED}
    for name, counts in failed.items():  # one line per failed source, on stderr
        why = counts.get("error") or STATE_LABELS.get(counts.get("state"), counts.get("state"))
        click.echo(f"error: source {name} failed ({STATE_LABELS.get(counts['state'], counts['state'])}): {why}", err=True)
    stored = sum(c.get("stored", 0) for c in result.values())
    if stored and not no_process:
        try:
            from yuqing.pipeline import process_pending

            report = process_pending(dep)
        except ImportError as e:
            click.echo(f"warning: stored posts are not processed yet ({e})", err=True)
        else:
            if not as_json:
                for line in report.lines():
                    click.echo(line)
    if failed:
        raise click.exceptions.Exit(1)


def _line(counts: dict) -> str:
    parts = [STATE_LABELS.get(counts.get("state"), counts.get("state", "?")),
             f"{counts.get('stored', 0)} new", f"{counts.get('existing', 0)} already stored"]
    if counts.get("dropped"):
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(counts.get("dropped_by_reason", {}).items()))
        parts.append(f"{counts['dropped']} dropped ({reasons})")
    if counts.get("backoff_until"):
        parts.append(f"backing off until {counts['backoff_until']}")
    parts.append(f"{counts.get('pages', 0)} pages")
    return ", ".join(parts)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


@click.command()
@pass_state
def sources(state) -> None:
    """Show each source's health: state, last success, last error, items last run, total."""
    from yuqing.crawlers.health import status_rows

    dep = state.deployment()
    cfg = dep.config
    rows = status_rows(dep)

    def when(dt):
        return local_text(dt, cfg.timezone, empty="-")

    table = [["name", "kind", "state", "last success", "last error", "items last run", "total"]]
    names = [s.name for s in cfg.sources] + sorted(set(rows) - {s.name for s in cfg.sources})
    now = datetime.now(timezone.utc)
    for name in names:
        row = rows.get(name)
        source = next((s for s in cfg.sources if s.name == name), None)
        kind = source.kind if source else (row.kind if row else "?")
        st = row.state if row else "never"
        label = f"{st} {STATE_LABELS.get(st, '')}".strip()
        if source is not None and not source.enabled:
            label += " (disabled)"
        if source is None:
            label += " (not configured)"
        if row is not None and row.backoff_until is not None:
            until = row.backoff_until if row.backoff_until.tzinfo else row.backoff_until.replace(tzinfo=timezone.utc)
            if until > now:
                label += f", backing off until {when(until)}"
        error = "-"
        if row is not None and row.last_error:
            error = f"{when(row.last_error_at)} {row.last_error}"
            if len(error) > 60:
                error = error[:59] + "…"
        table.append([name, kind, label, when(row.last_success_at) if row else "-", error,
                      str(row.items_last_run if row else 0), str(row.items_total if row else 0)])
    widths = [max(_width(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        click.echo("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(r)).rstrip())
    click.echo(f"(times in {cfg.timezone})")


@contextmanager
def _held_warnings():
    """Hold back what the parser logs (at the default verbosity), so a page without posts is one warning saying why."""
    root = logging.getLogger()
    held: list[logging.LogRecord] = []
    if root.getEffectiveLevel() < logging.WARNING:  # -v: the log goes out as it comes
        yield held
        return

    class _Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(record)

    saved = root.handlers[:]
    root.handlers = [_Hold(logging.WARNING)]
    try:
        yield held
    finally:
        root.handlers = saved


@click.command()
@click.option("--source", "kind", required=True, type=click.Choice(PARSE_KINDS), help="The spider's source kind.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The page's URL (resolves relative links; some ids come from it).")
@click.option("--now", "now_text", metavar="TIME", help="Reference time for 5分钟前/昨天 (default: now).")
@click.option("--match", is_flag=True, help="Apply the configuration's locality rule and keep matching posts only.")
@click.pass_context
def parse(ctx, kind: str, file: Path, url: str | None, now_text: str | None, match: bool) -> None:
    """Parse one saved page offline and print its posts as JSON lines.

    Exit status: 0 when posts were printed; 3 when the page gave none (empty
    or not a page of this kind, a block page, or none kept by --match), with
    one warning line on stderr saying which; 1 on an error; 2 on wrong usage.
    """
    from yuqing.config import ConfigError
    from yuqing.crawlers.api import parse_page
    from yuqing.crawlers.items import record_json
    from yuqing.crawlers.timeparse import parse_time

    state = ctx.obj
    config = None
    try:
        config = state.config
    except ConfigError:
        if match:
            raise
    now = None
    if now_text:
        now = parse_time(now_text, now=datetime.now(timezone.utc), tz=config.timezone if config else None)
        if now is None:
            raise YuqingError(f"--now: cannot read {now_text!r} as a time")
    try:
        body = file.read_bytes()
    except OSError as e:
        raise YuqingError(f"cannot read {file}: {e.strerror}") from None
    with _held_warnings() as held:
        result = parse_page(kind, body, url=url, now=now, config=config, match=match)
    if result.block is not None:
        click.echo(f"yuqing: warning: {file} is a block page, not content: {result.block.state} — {result.block.reason}", err=True)
        ctx.exit(EXIT_NOTHING_FOUND)
    for record in result.records:
        click.echo(json.dumps(record_json(record), ensure_ascii=False))
    if not result.records:
        why = "; ".join(dict.fromkeys(" ".join(r.getMessage().split()) for r in held))
        why = f" ({why[:300]})" if why else ""
        click.echo(f"yuqing: warning: no posts found in {file} by the {kind} parser{why}", err=True)
        ctx.exit(EXIT_NOTHING_FOUND)
    for r in held:  # posts were found: the parser's warnings are logged as they would have been
        logging.getLogger().handle(r)
    if result.dropped:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(result.dropped.items()))
        click.echo(f"yuqing: {len(result.records)} post(s); dropped: {reasons}", err=True)
    sys.stdout.flush()


@click.command()
@click.option("--title", default="", help="标题 (title or text is required).")
@click.option("--text", default="", help="正文: what was reported.")
@click.option("--url", help="Where it was seen, if online.")
@click.option("--author", help="Who posted or reported it, as shown.")
@click.option("--published-at", help="When it was posted (2026-11-20 14:30, 昨天 08:00 …; Asia/Shanghai; "
                                      "from 2000 on, not in the future).")
@click.option("--by", "actor", default="system", help="Who enters it (for the audit log).")
@pass_state
def enter(state, title: str, text: str, url: str | None, author: str | None, published_at: str | None, actor: str) -> None:
    """Enter a post seen elsewhere by hand (群众反映); stored with source "manual"."""
    from yuqing.crawlers.api import enter_post

    if not title.strip() and not text.strip():
        raise YuqingError("give --title or --text (or both)")
    record, stored = enter_post(state.deployment(), title, text, url=url, author=author,
                                published_at=published_at, actor=actor)
    if stored:
        extra = f"; near-duplicate of post {record.duplicate_of}" if record.duplicate_of else ""
        click.echo(f"stored post {record.id} (source manual){extra}")
    else:
        click.echo(f"already stored: post {record.id}")
