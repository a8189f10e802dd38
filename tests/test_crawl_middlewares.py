"""Downloader and spider middlewares on real responses: charsets, block pages, bad pages, retry back-off."""
from __future__ import annotations

import types

import pytest
from conftest import shared_data
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from yuqing.config import Source
from yuqing.crawlers.api import MAX_PAGE_BYTES, parse_page
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.encoding import canonical
from yuqing.crawlers.middlewares import BackoffRetryMiddleware, BlockDetectionMiddleware, EncodingMiddleware, MalformedPageMiddleware
from yuqing.crawlers.spiders import spider_class
from yuqing.errors import YuqingError


@pytest.fixture
def crawler():
    holder = types.SimpleNamespace(settings=Settings({"RETRY_TIMES": 3, "RETRY_BACKOFF_BASE": 2.0, "RETRY_BACKOFF_MAX": 5.0}))
    holder.stats = MemoryStatsCollector(holder)
    holder.spider = spider_class("weibo")(context=CrawlContext(source=Source(name="weibo-search", kind="weibo")))
    holder.spider.crawler = holder
    holder.closed = []
    holder.engine = types.SimpleNamespace(close_spider_async=lambda reason: holder.closed.append(reason))  # records the close reason
    return holder


def test_encoding_follows_the_bytes_not_the_header():
    page = "<html><head><title>抱歉，网络繁忙</title></head><body>抱歉，网络繁忙</body></html>".encode("gbk")
    response = HtmlResponse(url="https://weibo.com/x", body=page, headers={"Content-Type": "text/html; charset=utf-8"})
    assert "\ufffd" in response.text  # what Scrapy alone would read
    fixed = EncodingMiddleware().process_response(Request(response.url), response)
    assert fixed.encoding == "gb18030" and "网络繁忙" in fixed.text
    qq = shared_data("pages", "news", "qq_2.html").read_bytes()
    declared = HtmlResponse(url="https://new.qq.com/x", body=qq)
    assert canonical(declared.encoding) == "gb18030"  # Scrapy trusts the gb2312 meta (w3lib names it gbk from 2.6)
    assert EncodingMiddleware().process_response(Request(declared.url), declared).encoding == "utf-8"


def test_a_block_page_stops_the_source(crawler):
    body = shared_data("pages", "weibo_pc", "original_gbk", "error_banned.html").read_bytes()
    response = HtmlResponse(url="https://weibo.com/login", body=body, encoding="gb18030")
    middleware = BlockDetectionMiddleware(crawler)
    with pytest.raises(IgnoreRequest):
        middleware.process_response(Request(response.url), response)
    assert crawler.spider.block.state == "blocked" and crawler.closed == ["blocked_blocked"]
    assert crawler.stats.get_value("yuqing/blocked/blocked") == 1
    ok = HtmlResponse(url="https://s.weibo.com/weibo", body=b"<html>ok</html>")
    with pytest.raises(IgnoreRequest):  # nothing more from a blocked source is parsed
        middleware.process_response(Request(ok.url), ok)


def test_a_page_that_breaks_a_parser_is_logged_and_skipped(crawler, caplog):
    response = TextResponse(url="https://example.cn/broken", body=b"{}", encoding="utf-8")
    out = MalformedPageMiddleware(crawler).process_spider_exception(response, KeyError("data"))
    assert out == [] and crawler.stats.get_value("yuqing/malformed_pages") == 1
    assert "malformed page skipped: https://example.cn/broken (KeyError" in caplog.text


def test_retries_wait_longer_each_time(crawler):
    retry = BackoffRetryMiddleware(crawler.settings)
    retry.crawler = crawler
    request = Request("https://example.cn/x")
    waits = []
    for _ in range(3):
        request = retry._retry(request, "503 Service Unavailable")
        waits.append(request.meta["yuqing_retry_wait"])
    assert waits == [2.0, 4.0, 5.0]  # base 2 s, doubled, capped at RETRY_BACKOFF_MAX
    assert retry._retry(request, "503") is None  # RETRY_TIMES reached


def test_huge_pages_are_refused_offline():
    with pytest.raises(YuqingError, match="pages over 16 MB are not parsed"):
        parse_page("news", b"<p>" * (MAX_PAGE_BYTES // 3 + 1))
