"""Item pipelines: small classes, one job each, in this order (see settings.ITEM_PIPELINES).

clean (100) → locality (200) → identity (300) → neardup (400) → raw (500) → store (600).

Each returns the item or raises ``DropItem`` through :meth:`YuqingPipeline.drop`,
which counts the reason in the crawler's stats (``yuqing/dropped/<reason>``)
instead of logging every item.
"""
from __future__ import annotations

from scrapy.exceptions import DropItem


class YuqingPipeline:
    """Base: keeps the crawler, reaches the spider's context, counts drops."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider

    @property
    def ctx(self):
        return self.crawler.spider.ctx

    def count(self, key: str, n: int = 1) -> None:
        self.stats.inc_value(f"yuqing/{key}", n)

    def drop(self, reason: str, detail: str = "") -> None:
        self.count(f"dropped/{reason}")
        raise DropItem(f"{reason}: {detail}" if detail else reason, log_level="DEBUG")
