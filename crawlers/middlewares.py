"""Downloader and spider middlewares: per-source requests, retries with back-off, encodings, blocks, bad pages.

* :class:`SourceRequestMiddleware` — applies the source to each request: skips
  robots.txt for sources with ``obey_robots: false``, adds the login cookie
  from ``cookie_env`` (never logged) and the source's ``options.headers``.
* :class:`BackoffRetryMiddleware` — Scrapy's retry, waiting RETRY_BACKOFF_BASE
  × 2^(n-1) seconds (capped at RETRY_BACKOFF_MAX) before the n-th retry.
* :class:`EncodingMiddleware` — decodes by the bytes, not the declaration
  (:mod:`yuqing.crawlers.encoding`): GBK pages declared utf-8 and UTF-8 pages
  declared gb2312 both come out right.
* :class:`BlockDetectionMiddleware` — a login wall, captcha or ban page
  (:mod:`yuqing.crawlers.blocks`) stops the source: nothing from it is parsed,
  the spider closes with reason ``blocked_<state>`` and the health extension
  records the state and the back-off.
* :class:`MalformedPageMiddleware` — a page that breaks a parser is logged in
  one line and skipped; the crawl goes on.
"""
from __future__ import annotations

import asyncio
import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from yuqing.crawlers.blocks import detect_block
from yuqing.crawlers.encoding import canonical, sniff_encoding

log = logging.getLogger(__name__)


class SourceRequestMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self._cookies = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        ctx = self.crawler.spider.ctx
        if not ctx.source.obey_robots:
            request.meta["dont_obey_robotstxt"] = True
        if self._cookies is None:
            self._cookies = ctx.cookies()
        if self._cookies and not request.cookies:
            request.cookies = dict(self._cookies)
        for name, value in (ctx.option("headers") or {}).items():
            request.headers.setdefault(name, value)
        agent = ctx.option("user_agent")
        if agent:
            request.headers["User-Agent"] = agent
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    async def process_request(self, request):
        wait = request.meta.get("yuqing_retry_wait")
        if wait:
            await _sleep(wait)
        return None

    def _retry(self, request, reason):
        new = super()._retry(request, reason)
        if new is not None:
            n = int(new.meta.get("retry_times", 1))
            new.meta["yuqing_retry_wait"] = min(self.cap, self.base * 2 ** (n - 1))
        return new


async def _sleep(seconds: float) -> None:
    """Wait without blocking the reactor (asyncio reactor or plain Twisted)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await deferLater(reactor, seconds, lambda: None)
        return
    await asyncio.sleep(seconds)


class EncodingMiddleware:
    def process_response(self, request, response):
        if not isinstance(response, TextResponse) or not response.body:
            return response
        header = response.headers.get(b"Content-Type", b"").decode("latin-1")
        declared = None
        if "charset=" in header.lower():
            declared = header.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
        real = sniff_encoding(response.body, declared)
        if canonical(real) != canonical(response.encoding):
            return response.replace(encoding=real)
        return response


class BlockDetectionMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        spider = self.crawler.spider
        if getattr(spider, "block", None) is not None:
            raise IgnoreRequest("source is blocked; not parsing further responses")
        text = response.text if isinstance(response, TextResponse) else ""
        block = detect_block(response.url, response.status, text)
        if block is None:
            return response
        spider.block = block
        self.crawler.stats.inc_value(f"yuqing/blocked/{block.state}")
        self.crawler.stats.set_value("yuqing/block_rule", block.rule)
        spider.logger.warning("%s: %s (%s) at %s — stopping this source", spider.name, block.state, block.rule, response.url)
        _close(self.crawler, f"blocked_{block.state}")
        raise IgnoreRequest(f"blocked: {block}")


def _close(crawler, reason: str) -> None:
    from scrapy.utils.defer import deferred_from_coro

    engine = crawler.engine
    if hasattr(engine, "close_spider_async"):
        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:  # pragma: no cover - older Scrapy
        engine.close_spider(crawler.spider, reason)


class MalformedPageMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response, exception):
        if isinstance(exception, HttpError):
            return None
        self.crawler.stats.inc_value("yuqing/malformed_pages")
        self.crawler.spider.logger.warning(
            "malformed page skipped: %s (%s: %s)", response.url, type(exception).__name__, str(exception)[:200]
        )
        return []
