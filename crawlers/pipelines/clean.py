"""Clean and normalise an item: whitespace, invisible characters, time zones, sizes, required fields.

Drops a post with neither title nor text (``empty``). Cuts a text longer than
YUQING_MAX_TEXT_CHARS (``yuqing/truncated``). Parses a publish time a spider
left as text, and forgets one that lies more than a day in the future
(``yuqing/future_time_cleared``): a wrong year or a time-zone slip must not
make a post look newer than everything else.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from yuqing.crawlers.pipelines import YuqingPipeline
from yuqing.crawlers.textutil import normalize_space, truncate
from yuqing.crawlers.timeparse import parse_time

FUTURE_SLACK = timedelta(days=1)


def clean_item(item, max_chars: int = 100_000, now: datetime | None = None, tz: str | None = None) -> str | None:
    """Normalise ``item`` in place; return a drop reason or None. Shared with ``yuqing parse``."""
    now = now or datetime.now(timezone.utc)
    title = normalize_space(item.get("title") or "", keep_newlines=False)
    text = normalize_space(item.get("text") or "")
    if title and text.startswith(title + "\n"):
        text = text[len(title) :].lstrip()
    if len(title) > 500:
        title = truncate(title, 500)
    truncated = len(text) > max_chars
    if truncated:
        text = truncate(text, max_chars)
    item["title"], item["text"] = title, text
    if not title and not text:
        return "empty"
    author = item.get("author")
    item["author"] = normalize_space(str(author), keep_newlines=False)[:200] or None if author else None
    published = item.get("published_at")
    if published is not None and not isinstance(published, datetime):
        published = parse_time(published, now=now, tz=tz)
    if published is not None:
        published = published.astimezone(timezone.utc)
        if published > now + FUTURE_SLACK:
            item["published_at"] = None
            return "future_time_cleared"
    item["published_at"] = published
    fetched = item.get("fetched_at") or now
    item["fetched_at"] = fetched.astimezone(timezone.utc)
    for name in ("reposts", "comments", "likes"):
        value = item.get(name)
        item[name] = max(0, int(value)) if isinstance(value, (int, float)) else 0
    if item.get("author_followers") is not None:
        item["author_followers"] = max(0, int(item["author_followers"]))
    item.setdefault("media_level", "self")
    return "truncated" if truncated else None


class CleanPipeline(YuqingPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.max_chars = crawler.settings.getint("YUQING_MAX_TEXT_CHARS", 100_000)

    def process_item(self, item):
        if item.get("update_only"):
            return item
        outcome = clean_item(item, self.max_chars, now=self.ctx.clock(), tz=self.ctx.tz)
        if outcome == "empty":
            self.drop("empty", item.get("url") or "")
        if outcome:
            self.count(outcome)
        return item
