"""The item every spider yields: a post on its way to the store.

:class:`PostItem` has the fields of :class:`yuqing.store.PostRecord` that a
spider can know, plus a few that only travel through the pipelines:
``identity`` (a platform id such as ``weibo:<mid>``, see
:mod:`yuqing.crawlers.urls`), ``repost_of`` (the identity of the post this one
reposts), ``raw_body``/``raw_url`` (the page, kept gzipped for audit by the
raw-page pipeline, never exported) and ``update_only`` (a sighting of a post
already stored that only refreshes its engagement counts).
"""
from __future__ import annotations

import scrapy

from yuqing.store import PostRecord

#: PostRecord fields a spider may fill
RECORD_FIELDS = (
    "source", "kind", "url", "title", "text", "author", "published_at", "fetched_at",
    "reposts", "comments", "likes", "author_followers", "author_verified", "media_level",
    "matched_keywords", "raw_ref", "simhash", "duplicate_of", "key",
)
#: fields that only travel through the pipelines
TRANSIT_FIELDS = ("identity", "repost_of", "raw_body", "raw_url", "update_only")


class PostItem(scrapy.Item):
    """A post as a spider sees it (see the module docstring)."""

    source = scrapy.Field()
    kind = scrapy.Field()
    url = scrapy.Field()
    title = scrapy.Field()
    text = scrapy.Field()
    author = scrapy.Field()
    published_at = scrapy.Field()  # aware datetime (UTC) or, from a spider that could not parse it, the raw text
    fetched_at = scrapy.Field()
    reposts = scrapy.Field()
    comments = scrapy.Field()
    likes = scrapy.Field()
    author_followers = scrapy.Field()
    author_verified = scrapy.Field()
    media_level = scrapy.Field()
    matched_keywords = scrapy.Field()
    raw_ref = scrapy.Field()
    simhash = scrapy.Field()
    duplicate_of = scrapy.Field()
    key = scrapy.Field()
    # transit only
    identity = scrapy.Field()
    repost_of = scrapy.Field()
    raw_body = scrapy.Field(serializer=lambda _v: None)
    raw_url = scrapy.Field()
    update_only = scrapy.Field()


def to_record(item) -> PostRecord:
    """The PostRecord for a fully processed item (after the identity pipeline set ``key``)."""
    data = {name: item.get(name) for name in RECORD_FIELDS}
    for name in ("reposts", "comments", "likes"):
        data[name] = int(data[name] or 0)
    data["title"] = data["title"] or ""
    data["text"] = data["text"] or ""
    data["media_level"] = data["media_level"] or "self"
    data["matched_keywords"] = list(data["matched_keywords"] or [])
    return PostRecord(**data)


def record_json(record: PostRecord) -> dict:
    """A PostRecord as a JSON-ready dict (times in ISO 8601 UTC), as ``yuqing parse`` prints it."""
    out = {}
    for name, value in record.to_dict().items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out
