"""Link near-duplicates: a repost to its original, a copied article or pasted complaint to the first copy.

Every post gets its SimHash (``simhash``, signed 64-bit). ``duplicate_of`` is
set to the id of the earliest post it repeats: the original a repost names
(``repost_of``), else the best match among recent posts in the store
(YUQING_NEAR_DUP_DAYS, at most YUQING_NEAR_DUP_LIMIT) and posts of this crawl,
found by :class:`yuqing.crawlers.dedup.NearDuplicateIndex` (MinHash/Jaccard for
short texts, SimHash for long ones). Chains collapse to the first post.

The sources of one crawl run side by side in one process (``yuqing crawl``), and
a story often reaches several of them at once (a complaint pasted on Weibo is met by
the API and the PC search alike): every source crawling into the same deployment
shares one index, so a copy is linked to a post another source met a moment
before, not only to what was stored before the crawl began.
"""
from __future__ import annotations

import weakref
from datetime import timedelta

from yuqing.crawlers.dedup import NearDuplicateIndex, simhash, to_signed
from yuqing.crawlers.pipelines import YuqingPipeline
from yuqing.store import PostQuery, post_id, post_key


class _CrawlIndex:
    """The near-duplicate index of the sources crawling into one deployment in this process, with the root each
    linked post points at; dropped when the last of them closes."""

    def __init__(self, deployment):
        self.key, self.owner = id(deployment), weakref.ref(deployment)
        self.index = NearDuplicateIndex()
        self.root: dict[int, int] = {}
        self.spiders = 0
        self.indexed: int | None = None  # posts loaded from the store (None: not yet)


#: by ``id(deployment)`` (a deployment is a dataclass, compared by value: no weak dictionary keys)
_SHARED: dict[int, _CrawlIndex] = {}


class NearDuplicatePipeline(YuqingPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.days = crawler.settings.getint("YUQING_NEAR_DUP_DAYS", 7)
        self.limit = crawler.settings.getint("YUQING_NEAR_DUP_LIMIT", 5000)
        self.index = NearDuplicateIndex()
        self.root: dict[int, int] = {}
        self.shared: _CrawlIndex | None = None

    def open_spider(self):
        deployment = self.ctx.deployment
        if deployment is None:
            return
        shared = _SHARED.get(id(deployment))
        if shared is None or shared.owner() is not deployment:
            shared = _SHARED[id(deployment)] = _CrawlIndex(deployment)
        shared.spiders += 1
        self.shared, self.index, self.root = shared, shared.index, shared.root
        if shared.indexed is None:
            shared.indexed = 0
            since = self.ctx.clock() - timedelta(days=self.days)
            try:
                recent = deployment.posts.search(PostQuery(since=since, limit=self.limit, sort="oldest"))
            except Exception as e:  # the crawl goes on; only cross-run linking is lost
                self.crawler.spider.logger.warning("near-duplicate index not loaded (%s)", type(e).__name__)
                return
            for post in recent:
                self.index.add(post.id, post.full_text)
                if post.duplicate_of:
                    self.root[post.id] = post.duplicate_of
            shared.indexed = len(recent)
        self.count("neardup/indexed", shared.indexed)

    def close_spider(self):
        shared, self.shared = self.shared, None
        if shared is not None:
            shared.spiders -= 1
            if shared.spiders <= 0 and _SHARED.get(shared.key) is shared:
                del _SHARED[shared.key]

    def process_item(self, item):
        if item.get("update_only"):
            return item
        text = f"{item.get('title') or ''}\n{item.get('text') or ''}".strip()
        item["simhash"] = to_signed(simhash(text))
        own = post_id(item["key"])
        original = None
        if item.get("repost_of"):
            original = post_id(post_key(item["repost_of"]))
        else:
            found = self.index.find(text, exclude=own)
            if found is not None:
                original = found[0]
                self.count("neardup/linked")
        if original is not None:
            original = self.root.get(original, original)
        # (the same post met by two sources: its copy, linked to it, leads back to itself)
        if original is not None and original != own:
            item["duplicate_of"] = original
            self.root[own] = original
        self.index.add(own, text)
        return item
