"""Link near-duplicates: a repost to its original, a copied article or pasted complaint to the first copy.

Every post gets its SimHash (``simhash``, signed 64-bit). ``duplicate_of`` is
set to the id of the earliest post it repeats: the original a repost names
(``repost_of``), else the best match among recent posts in the store
(YUQING_NEAR_DUP_DAYS, at most YUQING_NEAR_DUP_LIMIT) and posts of this crawl,
found by :class:`yuqing.crawlers.dedup.NearDuplicateIndex` (MinHash/Jaccard for
short texts, SimHash for long ones). Chains collapse to the first post.
"""
from __future__ import annotations

from datetime import timedelta

from yuqing.crawlers.dedup import NearDuplicateIndex, simhash, to_signed
from yuqing.crawlers.pipelines import YuqingPipeline
from yuqing.store import PostQuery, post_id, post_key


class NearDuplicatePipeline(YuqingPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.days = crawler.settings.getint("YUQING_NEAR_DUP_DAYS", 7)
        self.limit = crawler.settings.getint("YUQING_NEAR_DUP_LIMIT", 5000)
        self.index = NearDuplicateIndex()
        self.root: dict[int, int] = {}

    def open_spider(self):
        deployment = self.ctx.deployment
        if deployment is None:
            return
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
        self.count("neardup/indexed", len(recent))

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
        if original is not None and original != own:
            original = self.root.get(original, original)
            item["duplicate_of"] = original
            self.root[own] = original
        self.index.add(own, text)
        return item
