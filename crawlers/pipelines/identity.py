"""Give each post its identity and key: the platform's id or the canonical URL (tracking stripped).

``url`` is replaced by its canonical form; ``key`` is
``yuqing.store.post_key(identity)`` (see :mod:`yuqing.crawlers.urls`). The
same post met twice in one crawl (a repost's original on several result
pages, one article in two lists) goes on once (``duplicate_in_run``).
"""
from __future__ import annotations

from yuqing.crawlers.pipelines import YuqingPipeline
from yuqing.crawlers.urls import canonical_url, identity_of
from yuqing.store import post_key


def assign_identity(item) -> str:
    """Set ``url`` (canonical), ``identity`` and ``key`` on an item; returns the key."""
    if item.get("url"):
        item["url"] = canonical_url(item["url"])
    item["identity"] = identity_of(item)
    item["key"] = post_key(item["identity"])
    return item["key"]


class IdentityPipeline(YuqingPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.keys: set[str] = set()

    def process_item(self, item):
        key = assign_identity(item)
        if item.get("update_only"):
            return item
        if key in self.keys:
            self.drop("duplicate_in_run", item["identity"])
        self.keys.add(key)
        return item
