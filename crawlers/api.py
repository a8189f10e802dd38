"""What other stages call: crawl the configured sources, parse a saved page, enter a post by hand.

``crawl(deployment, sources=None)`` runs the enabled sources (or those named)
through Scrapy's engine (``CrawlerProcess``) in this process and returns, per
source, what happened: state, posts stored, already stored, dropped by
reason, pages fetched, the back-off if the source was blocked.

The Twisted reactor Scrapy runs on can be started only once per process. The
command line (``yuqing crawl``) and the scheduler therefore run each crawl in
a process of its own; a second ``crawl()`` call in the same process (a test,
a notebook) is run in a child process automatically (``isolate=None``), or
always when ``isolate=True``.

``parse_page(kind, body, url=…)`` is ``yuqing parse``: one saved page through
the spider's parser offline, cleaned and keyed like a crawl, no store.
``enter_post(deployment, …)`` is ``yuqing enter`` (群众反映).
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import types
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from yuqing.crawlers.spiders import SPIDERS, canonical_kind, spider_class
from yuqing.errors import YuqingError

log = logging.getLogger(__name__)
_REACTOR_USED = False

#: a page larger than this is refused by ``yuqing parse`` (the crawl's DOWNLOAD_MAXSIZE)
MAX_PAGE_BYTES = 16 * 1024 * 1024
DEFAULT_BASE = {
    "weibo": "https://s.weibo.com/weibo?q=",
    "weibo_mobile": "https://m.weibo.cn/api/container/getIndex",
    "baidu": "https://www.baidu.com/s?wd=",
    "baidu_news": "https://www.baidu.com/s?tn=news&wd=",
    "sogou_weixin": "https://weixin.sogou.com/weixin?type=2&query=",
    "youdao": "https://www.youdao.com/search?q=",
    "tieba": "https://tieba.baidu.com/",
}


# -- crawling ----------------------------------------------------------------

def select_sources(cfg, names: list[str] | None) -> list:
    if names:
        chosen = []
        for name in names:
            source = cfg.source(name)
            if canonical_kind(source.kind) not in SPIDERS:
                raise YuqingError(f"source {name!r} is of kind {source.kind}, which is entered by hand, not crawled")
            chosen.append(source)
        return chosen
    return [s for s in cfg.sources if s.enabled and canonical_kind(s.kind) in SPIDERS]


def crawl(deployment, sources: list[str] | None = None, *, ignore_backoff: bool = False,
          isolate: bool | None = None, settings: dict | None = None) -> dict:
    """Crawl the enabled sources (or those named); returns ``{source: {state, stored, …}}``."""
    global _REACTOR_USED
    cfg = deployment.config
    chosen = select_sources(cfg, sources)
    if not chosen:
        return {}
    if isolate or (isolate is None and _REACTOR_USED):
        return _crawl_in_child(deployment, [s.name for s in chosen], ignore_backoff, settings)
    _REACTOR_USED = True
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from yuqing.crawlers.context import CrawlContext
    from yuqing.crawlers.loader import prepare_job_dir, spider_class_for

    base = Settings()
    base.setmodule("yuqing.crawlers.settings", priority="project")
    for key, value in (settings or {}).items():
        base.set(key, value, priority="cmdline")
    base.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    quiet = _ScrapyLogThreshold(logging.getLogger().getEffectiveLevel())
    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet)
    process = CrawlerProcess(base)
    crawlers = {}
    for source in chosen:
        if source.options.get("resumable", True):
            prepare_job_dir(cfg.data_dir / "jobs" / source.name)
        ctx = CrawlContext(source=source, config=cfg, deployment=deployment,
                           extra={"ignore_backoff": ignore_backoff})
        crawler = process.create_crawler(spider_class_for(cfg, source))
        crawlers[source.name] = crawler
        process.crawl(crawler, context=ctx)
    try:
        process.start(install_signal_handlers=threading.current_thread() is threading.main_thread())
    finally:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(quiet)
    return {name: summarize(crawler.stats.get_stats()) for name, crawler in crawlers.items()}


class _ScrapyLogThreshold(logging.Filter):
    """Scrapy sets its loggers to DEBUG; show its records only from the level the caller chose (-v, -vv)."""

    def __init__(self, level: int):
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("scrapy", "twisted", "filelock", "asyncio")):
            # without -v a failed download is said once per source by the crawl's summary (its state and
            # last error), not as Scrapy's retries and tracebacks
            return record.levelno >= self.level and self.level <= logging.INFO
        return True


def summarize(stats: dict) -> dict:
    dropped = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("yuqing/dropped/")}
    out = {
        "state": stats.get("yuqing/state", "skipped" if stats.get("finish_reason") == "finished"
                           and not stats.get("downloader/request_count") else "unknown"),
        "stored": int(stats.get("yuqing/stored", 0)),
        "existing": int(stats.get("yuqing/existing", 0)),
        "dropped": sum(dropped.values()),
        "dropped_by_reason": dropped,
        "pages": int(stats.get("downloader/response_count", 0)),
        "reason": stats.get("finish_reason"),
    }
    if stats.get("yuqing/last_error"):
        out["error"] = stats["yuqing/last_error"]
    if stats.get("yuqing/engagement_updated"):
        out["engagement_updated"] = int(stats["yuqing/engagement_updated"])
    if stats.get("yuqing/neardup/linked"):
        out["near_duplicates"] = int(stats["yuqing/neardup/linked"])
    if stats.get("yuqing/backoff_until"):
        out["backoff_until"] = stats["yuqing/backoff_until"]
    if stats.get("yuqing/malformed_pages"):
        out["malformed_pages"] = int(stats["yuqing/malformed_pages"])
    return out


def _crawl_in_child(deployment, names: list[str], ignore_backoff: bool, settings: dict | None) -> dict:
    """Run ``yuqing crawl --json`` in a fresh process (the reactor here has already run)."""
    cfg = deployment.config
    tmp = None
    path = cfg.path
    if path is None:
        data = cfg.model_dump(mode="json", exclude={"path"})
        data["storage"]["data_dir"] = str(cfg.data_dir.resolve())
        if not cfg.storage.database_url_env:
            data["storage"]["database_url"] = cfg.database_url
        tmp = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8")
        yaml.safe_dump(data, tmp, allow_unicode=True)
        tmp.close()
        path = Path(tmp.name)
    cmd = [sys.executable, "-m", "yuqing", "--config", str(path), "crawl", "--json", "--no-process"]
    if ignore_backoff:
        cmd.append("--ignore-backoff")
    for key, value in (settings or {}).items():
        cmd += ["--set", f"{key}={json.dumps(value)}"]
    try:
        done = subprocess.run(cmd + names, capture_output=True, text=True, timeout=6 * 3600)
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    if done.returncode != 0:
        raise YuqingError(f"crawl in a child process failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- offline parsing ---------------------------------------------------------

@dataclass
class ParseResult:
    records: list = field(default_factory=list)
    block: object = None  # a blocks.Block when the page is a login/captcha/ban page
    dropped: dict = field(default_factory=dict)  # reason → count (with match=True)
    encoding: str = ""


def build_response(body: bytes, url: str):
    """A Scrapy response for saved bytes: JSON as TextResponse, feeds as XmlResponse, the rest HTML."""
    from scrapy.http import HtmlResponse, TextResponse, XmlResponse

    from yuqing.crawlers.encoding import sniff_encoding

    encoding = sniff_encoding(body)
    head = body.lstrip()[:200].lower()
    if head.startswith((b"{", b"[")):
        cls = TextResponse
    elif head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head:
        cls = XmlResponse
    else:
        cls = HtmlResponse
    return cls(url=url, body=body, encoding=encoding)


def parse_page(kind: str, body: bytes, url: str | None = None, now: datetime | None = None,
               config=None, match: bool = False, options: dict | None = None) -> ParseResult:
    """Parse one saved page with the ``kind`` spider's parser; never raises on a bad page."""
    from yuqing.crawlers.blocks import detect_block
    from yuqing.crawlers.context import CrawlContext
    from yuqing.crawlers.dedup import simhash, to_signed
    from yuqing.crawlers.items import PostItem, to_record
    from yuqing.crawlers.matching import LocalityMatcher
    from yuqing.crawlers.pipelines.clean import clean_item
    from yuqing.crawlers.pipelines.identity import assign_identity

    kind = canonical_kind(kind)
    if kind not in SPIDERS:
        raise YuqingError(f"unknown source kind {kind!r}; allowed: {', '.join(sorted(SPIDERS))}, weixin")
    if len(body) > MAX_PAGE_BYTES:
        raise YuqingError(f"the page is {len(body) // (1024 * 1024)} MB; pages over {MAX_PAGE_BYTES // (1024 * 1024)} MB are not parsed")
    url = url or DEFAULT_BASE.get(kind, "file:///saved-page.html")
    response = build_response(body, url)
    result = ParseResult(encoding=response.encoding)
    text = getattr(response, "text", "")
    block = detect_block(url, 200, text)
    if block is not None:
        result.block = block
        return result
    ctx = CrawlContext.offline_for(kind, config=config, now=now, options=options)
    spider = spider_class(kind)(context=ctx)
    matcher = LocalityMatcher.for_source(config) if (match and config is not None) else None
    clock = ctx.clock()
    try:
        produced = list(spider.parse_page(response))
    except Exception as e:  # a page the parser cannot read: say so, print nothing
        log.warning("the %s parser could not read this page (%s: %s)", kind, type(e).__name__, str(e)[:200])
        return result
    keys = set()
    for item in produced:
        if not isinstance(item, PostItem):
            continue
        item.pop("raw_body", None)
        item.pop("raw_url", None)
        outcome = clean_item(item, now=clock, tz=ctx.tz)
        if outcome == "empty":
            result.dropped["empty"] = result.dropped.get("empty", 0) + 1
            continue
        if matcher is not None:
            verdict = matcher.match(item.get("title"), item.get("text"))
            item["matched_keywords"] = verdict.matched
            if not verdict.keep:
                result.dropped[verdict.reason] = result.dropped.get(verdict.reason, 0) + 1
                continue
        key = assign_identity(item)
        if key in keys:
            continue
        keys.add(key)
        item["simhash"] = to_signed(simhash(f"{item.get('title') or ''}\n{item.get('text') or ''}"))
        if item.get("repost_of"):
            from yuqing.store import post_id, post_key

            item["duplicate_of"] = post_id(post_key(item["repost_of"]))
        result.records.append(to_record(item))
    return result


# -- hand entry (群众反映) -----------------------------------------------------

def enter_post(deployment, title: str, text: str, url: str | None = None, author: str | None = None,
               published_at: str | datetime | None = None, actor: str = "system") -> tuple[object, bool]:
    """Store a post seen elsewhere; returns ``(record, stored_now)``. Nothing is dropped by the locality rule."""
    from yuqing import audit
    from yuqing.crawlers.dedup import NearDuplicateIndex, simhash, to_signed
    from yuqing.crawlers.items import PostItem, to_record
    from yuqing.crawlers.matching import LocalityMatcher
    from yuqing.crawlers.pipelines.clean import clean_item
    from yuqing.crawlers.pipelines.identity import assign_identity
    from yuqing.crawlers.timeparse import parse_time
    from yuqing.domain import EARLIEST_YEAR
    from yuqing.store import PostQuery

    cfg = deployment.config
    now = datetime.now(timezone.utc)
    when = None
    if published_at:
        when = published_at if isinstance(published_at, datetime) else parse_time(published_at, now=now, tz=cfg.timezone)
        if when is None:
            raise YuqingError(f"--published-at: cannot read {published_at!r} as a time (e.g. 2026-11-20 14:30, 昨天 08:00)")
        zone = ZoneInfo(cfg.timezone)
        if (when if when.tzinfo else when.replace(tzinfo=zone)).astimezone(zone).year < EARLIEST_YEAR:
            raise YuqingError(f"--published-at: {str(published_at)!r} is before {EARLIEST_YEAR}; give the time the post was published")
    item = PostItem(source="manual", kind="manual", url=url or None, title=title or "", text=text or "",
                    author=author or None, published_at=when, fetched_at=now, media_level="self")
    if clean_item(item, now=now, tz=cfg.timezone) == "empty":
        raise YuqingError("a hand entry needs --title or --text")
    if item.get("published_at") is None and when is not None:
        raise YuqingError("--published-at lies in the future")
    item["matched_keywords"] = LocalityMatcher.for_source(cfg).match(item["title"], item["text"]).matched
    assign_identity(item)
    body = f"{item['title']}\n{item['text']}"
    item["simhash"] = to_signed(simhash(body))
    record = to_record(item)
    index = NearDuplicateIndex()
    for post in deployment.posts.search(PostQuery(since=now - timedelta(days=7), limit=5000, sort="oldest")):
        index.add(post.id, post.full_text)
    found = index.find(body, exclude=record.id)
    if found is not None:
        record.duplicate_of = found[0]
    result = deployment.posts.add([record])
    stored = bool(result.added)
    if stored:
        with deployment.sessions() as s, s.begin():
            audit.record(s, actor, "post.enter", types.SimpleNamespace(__tablename__="posts", id=record.id),
                         title=record.title[:80], url=record.url)
    return record, stored


__all__ = ["crawl", "summarize", "parse_page", "build_response", "enter_post", "ParseResult", "select_sources"]
