"""What every yuqing spider shares: its context, item building, search URLs, incremental paging.

A spider is built for one configured source (``context``) and knows its
source kind (``kind``). Subclasses implement ``initial_requests()`` (what to
fetch first) and their callbacks, and ``parse_page(response)``: the offline
entry point ``yuqing parse`` calls with a saved page, which must recognise the
page type on its own and never needs a follow-up request.

Incremental crawling lives here too: :meth:`unseen` asks the store which of a
page's post keys are new before detail pages are requested, and
:meth:`next_page` stops paging a result list once a whole page was already
seen (``options.stop_when_seen``, default true).
"""
from __future__ import annotations

import logging
from typing import Any, Iterable, Iterator
from urllib.parse import quote

import scrapy
from scrapy.http import Response, TextResponse

from yuqing.crawlers.items import PostItem
from yuqing.crawlers.urls import key_of, url_identity
from yuqing.store import post_key

log = logging.getLogger(__name__)


class YuqingSpider(scrapy.Spider):
    """Base class; ``kind`` names the source kind a subclass serves (see yuqing.config.SOURCE_KINDS)."""

    kind: str = ""
    #: set on classes the spider loader builds for one configured source
    source_name: str | None = None

    def __init__(self, *args, context=None, source: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ctx = context
        self.source_arg = source
        self.block = None  # a blocks.Block once the source answered with a block page
        self.backoff_until = None  # set by the health extension when the source must wait
        if context is not None and not getattr(self, "name", None):
            self.name = context.name

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.ctx is None:
            from yuqing.crawlers.loader import context_from_settings

            spider.ctx = context_from_settings(crawler.settings, cls.kind, kwargs.get("source") or cls.source_name)
        spider.name = spider.ctx.name
        return spider

    # -- starting ------------------------------------------------------------
    async def start(self):
        if getattr(self, "backoff_until", None) is not None:
            return  # the health extension found the source backing off
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Iterator[scrapy.Request]:
        for url in self.ctx.source.start_urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any):
        yield from self.parse_page(response)

    def parse_page(self, response: Response) -> Iterable[PostItem | scrapy.Request]:
        raise NotImplementedError

    # -- helpers for subclasses ---------------------------------------------
    @property
    def offline(self) -> bool:
        return bool(self.ctx and self.ctx.offline)

    def make_item(self, response: Response | None, **fields) -> PostItem:
        item = PostItem()
        item["source"] = self.ctx.name
        item["kind"] = self.ctx.kind
        item["media_level"] = self.ctx.source.media_level
        item["fetched_at"] = self.ctx.clock()
        if response is not None:
            item["url"] = response.url
            item["raw_body"] = response.body
            item["raw_url"] = response.url
        for name, value in fields.items():
            if value is not None:
                item[name] = value
        published = item.get("published_at")
        if published is not None and not hasattr(published, "tzinfo"):
            item["published_at"] = self.ctx.parse_time(published)
        return item

    def search_url(self, template: str, query: str, page: int = 1, per_page: int = 10) -> str:
        """Fill ``{query}`` (URL-quoted), ``{page}`` (1-based) and ``{pn}`` (result offset) in a start URL."""
        return (
            template.replace("{query}", quote(query))
            .replace("{page}", str(page))
            .replace("{pn}", str((page - 1) * per_page))
        )

    def search_requests(self, default_template: str, callback, per_page: int = 10) -> Iterator[scrapy.Request]:
        """One first-page request per query for each start URL (or the platform's own search URL)."""
        templates = list(self.ctx.source.start_urls) or [default_template]
        for template in templates:
            if "{query}" not in template:
                yield scrapy.Request(template, callback=callback, dont_filter=True,
                                     meta={"page": 1, "template": None, "query": None})
                continue
            for query in self.ctx.queries():
                yield scrapy.Request(
                    self.search_url(template, query, 1, per_page), callback=callback, dont_filter=True,
                    meta={"page": 1, "template": template, "query": query, "per_page": per_page},
                )

    def next_page(self, response: Response, callback, all_seen: bool, has_more: bool = True,
                  url: str | None = None) -> Iterator[scrapy.Request]:
        """The next result page of a search, unless the last page, max_pages, or everything was seen."""
        if self.offline or not has_more:
            return
        page = int(response.meta.get("page", 1))
        if page >= self.ctx.source.max_pages:
            return
        if all_seen and self.ctx.option("stop_when_seen", True):
            self.logger.debug("page %d of %s: every post already stored, not paging further", page, response.url)
            return
        template = response.meta.get("template")
        if url is None:
            if not template:
                return
            url = self.search_url(template, response.meta["query"], page + 1, response.meta.get("per_page", 10))
        meta = {**{k: response.meta.get(k) for k in ("template", "query", "per_page")}, "page": page + 1}
        yield scrapy.Request(response.urljoin(url), callback=callback, meta=meta)

    def unseen(self, keys: Iterable[str]) -> set[str]:
        """The keys among these that the store does not hold yet."""
        keys = set(k for k in keys if k)
        return keys - self.ctx.seen(keys)

    @staticmethod
    def key_for_identity(identity: str) -> str:
        return post_key(identity)

    @staticmethod
    def key_for_url(url: str) -> str:
        return post_key(url_identity(url))

    @staticmethod
    def key_for_item(item) -> str:
        return key_of(item)

    @staticmethod
    def is_text(response: Response) -> bool:
        return isinstance(response, TextResponse)


__all__ = ["YuqingSpider"]
