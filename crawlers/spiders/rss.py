"""RSS and Atom feeds, read with feedparser.

Each entry becomes a post (title, link, summary or full content, published
time, author). An entry whose text is shorter than ``options.min_text``
characters (default 140: a teaser) is completed from its article page with the
general extractor, unless that article is already stored. feedparser reads
the bytes itself, so GBK feeds and feeds with a wrong XML declaration decode.
"""
from __future__ import annotations

import feedparser
import scrapy

from yuqing.crawlers.extract import extract_article
from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import html_to_text, normalize_space


class RssSpider(YuqingSpider):
    name = kind = "rss"

    def initial_requests(self):
        for url in self.ctx.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_feed, dont_filter=True)

    def parse_feed(self, response):
        items = list(self.entries(response))
        if not items:
            return
        short = int(self.ctx.option("min_text", 140))
        fresh = self.unseen(self.key_for_item(i) for i in items) if not self.offline else None
        for item in items:
            if self.offline or len(item.get("text") or "") >= short or not item.get("url"):
                yield item
            elif self.key_for_item(item) in fresh:
                yield scrapy.Request(item["url"], callback=self.parse_article, meta={"feed_item": item},
                                     errback=self.article_failed)
            # an entry whose article is stored already needs nothing more

    def parse_page(self, response):
        yield from self.entries(response)

    def entries(self, response):
        headers = {"content-type": response.headers.get("Content-Type", b"").decode("latin-1"),
                   "content-location": response.url}
        feed = feedparser.parse(response.body, response_headers=headers)
        if not feed.entries:
            if feed.bozo:
                self.logger.warning("not a readable feed (%s): %s", type(feed.bozo_exception).__name__, response.url)
            return
        feed_title = normalize_space(feed.feed.get("title", ""), keep_newlines=False)
        for entry in feed.entries:
            content = ""
            if entry.get("content"):
                content = max((c.get("value", "") for c in entry.content), key=len)
            summary = entry.get("summary", "")
            text = html_to_text(content if len(content) > len(summary) else summary)
            published = entry.get("published_parsed") or entry.get("updated_parsed")
            when = self.ctx.parse_time(published) if published else self.ctx.parse_time(entry.get("published") or entry.get("updated"))
            link = entry.get("link") or None
            item = self.make_item(
                response,
                url=response.urljoin(link) if link else None,
                title=normalize_space(html_to_text(entry.get("title", "")), keep_newlines=False),
                text=text,
                published_at=when,
                author=normalize_space(entry.get("author", ""), keep_newlines=False) or feed_title or None,
            )
            if not link:
                item["url"] = None
            yield item

    def parse_article(self, response):
        item = response.meta["feed_item"]
        if self.is_text(response):
            article = extract_article(response.text, response.url, now=self.ctx.clock(), tz=self.ctx.tz)
            if article.is_article and len(article.text) > len(item.get("text") or ""):
                item["text"] = article.text
                item["raw_body"] = response.body
                item["raw_url"] = response.url
                if not item.get("published_at") and article.published_at:
                    item["published_at"] = article.published_at
                if article.author:
                    item["author"] = article.author
        yield item

    def article_failed(self, failure):
        request = failure.request
        self.logger.info("article page failed (%s); keeping the feed's teaser: %s", failure.type.__name__, request.url)
        yield request.meta["feed_item"]
