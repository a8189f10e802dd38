"""Source health: one ``SourceStatus`` row per source, kept by a Scrapy extension.

When a source's spider opens, :class:`SourceHealth` checks its back-off: a
source blocked until later is not crawled (reason ``backoff`` in the result).
When it closes, the row gets the run's outcome:

* ``ok``       — pages were fetched; ``last_success_at`` moves on;
* ``login`` / ``captcha`` / ``blocked`` — a block page was met
  (:mod:`yuqing.crawlers.blocks`); ``backoff_until`` is set, doubling while
  the source keeps refusing (capped at 48 hours), and ``last_error`` says why
  in Chinese for the monitors;
* ``error``    — nothing could be fetched (connection refused, timeouts, HTTP errors).

``items_last_run`` / ``items_total`` count posts newly stored. A change of
state is written to the audit log. :func:`status_rows` feeds ``yuqing sources``.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from pathlib import Path

from scrapy import signals
from sqlalchemy import select

from yuqing import audit
from yuqing.crawlers.blocks import BLOCK_STATES, next_backoff
from yuqing.crawlers.loader import mark_running, mark_stopped
from yuqing.models import SourceStatus

log = logging.getLogger(__name__)


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def backoff_until(deployment, name: str, now: datetime) -> datetime | None:
    """When a backed-off source may be crawled again, or None if it may be crawled now."""
    with deployment.sessions() as s:
        row = s.get(SourceStatus, name)
        until = _utc(row.backoff_until) if row is not None else None
    return until if until is not None and until > now else None


def clear_backoff(deployment, name: str, actor: str = audit.SYSTEM) -> bool:
    """Lift a source's back-off (after the office renewed its login cookie, say)."""
    with deployment.sessions() as s, s.begin():
        row = s.get(SourceStatus, name)
        if row is None or row.backoff_until is None:
            return False
        audit.record(s, actor, "source.backoff_cleared", row, until=row.backoff_until.isoformat())
        row.backoff_until = None
        return True


def _error_summary(stats: dict) -> str | None:
    exceptions = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("downloader/exception_type_count/")}
    statuses = {}
    for key, n in stats.items():
        if key.startswith("downloader/response_status_count/") and not key.endswith(("/200", "/301", "/302", "/304")):
            code = key.rsplit("/", 1)[-1]
            n -= stats.get(f"robotstxt/response_status_count/{code}", 0)  # a site without robots.txt is no error
            if n > 0:
                statuses[code] = n
    parts = []
    names = (("ConnectionRefused", "连接被拒绝"), ("DNSLookup", "域名解析失败"), ("Timeout", "超时"),
             ("TimedOut", "超时"), ("ConnectionLost", "连接中断"), ("NeverReceived", "没有收到响应"),
             ("SSL", "TLS 握手失败"), ("DownloadFailed", "下载失败"))
    for name, n in sorted(exceptions.items(), key=lambda kv: -kv[1]):
        short = name.rsplit(".", 1)[-1]
        label = next((zh for key, zh in names if key in short), short)
        parts.append(f"{label}（{short}，{n} 次）")
    for code, n in sorted(statuses.items()):
        parts.append(f"HTTP {code}（{n} 次）")
    if stats.get("yuqing/malformed_pages"):
        parts.append(f"无法解析的页面（{stats['yuqing/malformed_pages']} 个）")
    return "；".join(parts) or None


class SourceHealth:
    """Scrapy extension: back-off check on open, SourceStatus update on close."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.started: datetime | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        ctx = spider.ctx
        self.started = datetime.now(timezone.utc)
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir:
            mark_running(Path(jobdir))
        if ctx.deployment is None:
            return
        if not ctx.extra.get("ignore_backoff"):
            until = backoff_until(ctx.deployment, ctx.name, self.started)
            if until is not None:
                spider.backoff_until = until
                spider.logger.warning("%s is backing off until %s; not crawled this time", ctx.name, until.isoformat())

    def spider_closed(self, spider, reason):
        ctx = spider.ctx
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir:
            mark_stopped(Path(jobdir))  # closed cleanly (finished, blocked or paused): the queue is consistent
        try:
            if ctx.deployment is not None and getattr(spider, "backoff_until", None) is None:
                self.record(spider, reason)
        finally:
            ctx.close()

    def record(self, spider, reason: str) -> None:
        ctx = spider.ctx
        stats = self.crawler.stats.get_stats()
        now = datetime.now(timezone.utc)
        stored = int(stats.get("yuqing/stored", 0))
        responses = int(stats.get("downloader/response_count", 0))
        block = getattr(spider, "block", None)
        errors = _error_summary(stats)
        with ctx.deployment.sessions() as s, s.begin():
            row = s.get(SourceStatus, ctx.name)
            if row is None:
                row = SourceStatus(name=ctx.name, kind=ctx.kind, state="never", items_total=0, runs=0, items_last_run=0)
                s.add(row)
                s.flush()
            old_state = row.state
            row.kind = ctx.kind
            row.runs = (row.runs or 0) + 1
            row.last_run_at = self.started or now
            row.items_last_run = stored
            row.items_total = (row.items_total or 0) + stored
            if block is not None:
                previous = None
                if old_state in BLOCK_STATES and row.backoff_until and row.last_error_at:
                    previous = _utc(row.backoff_until) - _utc(row.last_error_at)
                span = next_backoff(block, previous)
                row.state = block.state
                row.last_error = block.reason
                row.last_error_at = now
                row.backoff_until = now + span
                self.crawler.stats.set_value("yuqing/backoff_until", row.backoff_until.isoformat())
            elif responses == 0 and reason not in ("shutdown",):
                row.state = "error"
                row.last_error = errors or "没有取得任何页面"
                row.last_error_at = now
            else:
                row.state = "ok"
                row.last_success_at = now
                row.backoff_until = None
                if errors:
                    row.last_error = f"部分请求失败：{errors}"
                    row.last_error_at = now
            if row.state != old_state:
                audit.record(s, audit.SYSTEM, "source.state", row, old=old_state, new=row.state,
                             reason=row.last_error if row.state != "ok" else None)
            self.crawler.stats.set_value("yuqing/state", row.state)
            if row.state != "ok" and row.last_error:
                self.crawler.stats.set_value("yuqing/last_error", row.last_error)


def status_rows(deployment) -> dict[str, SourceStatus]:
    """Every SourceStatus row by name (detached copies for display)."""
    with deployment.sessions() as s:
        rows = list(s.scalars(select(SourceStatus)))
        for row in rows:
            s.expunge(row)
    return {row.name: row for row in rows}


__all__ = ["SourceHealth", "backoff_until", "clear_backoff", "status_rows"]
