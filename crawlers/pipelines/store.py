"""Write posts to the deployment's post store in batches; refresh the engagement of posts already stored.

Posts go through ``deployment.posts.add`` (SQL or Elasticsearch) every
YUQING_STORE_BATCH items and when the spider closes, so a killed crawl loses
at most one batch, which the next run fetches again (the store's keys, not a
request log, decide what is seen). A post whose key is stored already is not
written twice; if its reposts/comments/likes grew, the stored counts are
raised (never lowered), and what the store did not know of its author (the
followers and the verified mark, which Weibo's API gives and its PC search
pages do not) is filled in from the later sighting, whichever source met the
post first. Counts: ``yuqing/stored``, ``yuqing/existing``,
``yuqing/engagement_updated`` (posts whose counts or author facts changed).
"""
from __future__ import annotations

import logging

from yuqing.crawlers.items import to_record
from yuqing.crawlers.pipelines import YuqingPipeline
from yuqing.store import post_id

log = logging.getLogger(__name__)
ENGAGEMENT = ("reposts", "comments", "likes")
AUTHOR = ("author_followers", "author_verified")


class StorePipeline(YuqingPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.batch_size = max(1, crawler.settings.getint("YUQING_STORE_BATCH", 50))
        self.pending = []
        self.updates: dict[int, dict[str, int]] = {}
        self.authors: dict[int, dict[str, int | bool]] = {}

    def process_item(self, item):
        item.pop("raw_body", None)
        item.pop("raw_url", None)
        if self.ctx.deployment is None:
            return item
        if item.get("update_only"):
            self.updates[post_id(item["key"])] = {name: int(item.get(name) or 0) for name in ENGAGEMENT}
        else:
            self.pending.append(item)
        if len(self.pending) + len(self.updates) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self):
        if self.ctx.deployment is not None:
            self.flush()

    def flush(self) -> None:
        posts = self.ctx.deployment.posts
        if self.pending:
            records = [to_record(item) for item in self.pending]
            result = posts.add(records)
            self.count("stored", len(result.added))
            self.count("existing", len(result.existing))
            by_id = {r.id: r for r in records}
            for pid in result.existing:
                rec = by_id.get(pid)
                if rec is not None:
                    counts = {name: getattr(rec, name) for name in ENGAGEMENT}
                    old = self.updates.get(pid, {})
                    self.updates[pid] = {n: max(counts[n], old.get(n, 0)) for n in ENGAGEMENT}
                    author = {n: getattr(rec, n) for n in AUTHOR if getattr(rec, n) is not None}
                    if author:
                        self.authors[pid] = author
            self.pending = []
        if self.updates:
            changes = {}
            for stored in posts.get_many(list(self.updates)):
                seen = self.updates[stored.id]
                grown = {n: v for n, v in seen.items() if v > (getattr(stored, n) or 0)}
                grown.update(_author_news(stored, self.authors.get(stored.id, {})))
                if grown:
                    changes[stored.id] = grown
            if changes:
                self.count("engagement_updated", posts.update(changes))
            self.updates = {}
            self.authors = {}


def _author_news(stored, seen: dict) -> dict:
    """What a later sighting tells of the post's author that the store lacks: followers grown or first known,
    the verified mark first known (a known mark is kept)."""
    news = {}
    followers = seen.get("author_followers")
    if followers is not None and followers > (stored.author_followers or -1):
        news["author_followers"] = followers
    if seen.get("author_verified") is not None and stored.author_verified is None:
        news["author_verified"] = seen["author_verified"]
    return news
