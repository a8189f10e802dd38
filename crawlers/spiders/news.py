"""News sites: list pages → article pages, with the general extractor (any site, no per-site rules).

Start URLs are a site's list or section pages (or a site-search URL with
``{query}``). On a list page the spider follows links that look like articles
(same site, a title-length anchor text, optionally ``options.article_pattern``),
skipping those already stored, and pages on through "下一页" up to
``max_pages``. A start URL that is itself an article is stored as one.
Options: ``article_pattern`` (regex on URLs), ``allow_domains`` (list),
``next_page`` (CSS selector), ``max_articles`` (per list page, default 60),
``min_link_text`` (default 6 characters).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import scrapy

from yuqing.crawlers.extract import extract_article
from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import normalize_space

_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|下一頁|后页|next|›|»|>)\s*>?\s*$", re.I)
_SKIP_HREF = re.compile(r"^(javascript:|mailto:|tel:|#)", re.I)
_NOT_ARTICLE = re.compile(r"/(index|list|default)(_\d+)?\.(s?html?|php|aspx?)$|/$|\.(jpg|png|gif|pdf|docx?|xlsx?|zip|rar)$", re.I)


class NewsSpider(YuqingSpider):
    name = kind = "news"

    def initial_requests(self):
        for url in self.ctx.source.start_urls:
            if "{query}" in url:
                for query in self.ctx.queries():
                    yield scrapy.Request(self.search_url(url, query), callback=self.parse_list, dont_filter=True,
                                         meta={"page": 1, "template": url, "query": query})
            else:
                yield scrapy.Request(url, callback=self.parse_list, dont_filter=True, meta={"page": 1})

    # -- live ----------------------------------------------------------------
    def parse_list(self, response):
        if not self.is_text(response):
            self.logger.warning("not a text page, skipped: %s", response.url)
            return
        links = self.article_links(response)
        if len(links) < 15:  # few article links: the start page may itself be an article
            article = extract_article(response.text, response.url, now=self.ctx.clock(), tz=self.ctx.tz)
            if article.is_article and len(article.text) >= 300:
                yield self.article_item(response, article)
        fresh_keys = self.unseen(self.key_for_url(u) for u in links)
        for url in links:
            if self.key_for_url(url) in fresh_keys:
                yield scrapy.Request(url, callback=self.parse_article, meta={"list_url": response.url})
        next_url = self.next_link(response)
        yield from self.next_page(response, self.parse_list, all_seen=bool(links) and not fresh_keys,
                                  has_more=next_url is not None, url=next_url)

    def parse_article(self, response):
        if not self.is_text(response):
            self.logger.warning("not a text page, skipped: %s", response.url)
            return
        article = extract_article(response.text, response.url, now=self.ctx.clock(), tz=self.ctx.tz)
        if not article.is_article:
            self.crawler.stats.inc_value("yuqing/skipped/not_article")
            self.logger.info("no article text found, skipped: %s", response.url)
            return
        yield self.article_item(response, article)

    # -- offline -------------------------------------------------------------
    def parse_page(self, response):
        if not self.is_text(response):
            return
        article = extract_article(response.text, response.url, now=self.ctx.clock(), tz=self.ctx.tz)
        if article.title or article.is_article:
            yield self.article_item(response, article)

    # -- pieces --------------------------------------------------------------
    def article_item(self, response, article):
        return self.make_item(
            response,
            title=article.title,
            text=article.text,
            published_at=article.published_at,
            author=article.byline,
        )

    def article_links(self, response) -> list[str]:
        host = urlsplit(response.url).hostname or ""
        allowed = set(self.ctx.option("allow_domains", []) or []) | {host}
        pattern = self.ctx.option("article_pattern")
        regex = re.compile(pattern) if pattern else None
        min_text = int(self.ctx.option("min_link_text", 6))
        out: list[str] = []
        for a in response.css("a[href]"):
            href = (a.attrib.get("href") or "").strip()
            if not href or _SKIP_HREF.match(href):
                continue
            url = response.urljoin(href)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or (parts.hostname or "") not in allowed:
                continue
            url = url.split("#", 1)[0]
            if regex is not None:
                if not regex.search(url):
                    continue
            else:
                text = normalize_space(" ".join(a.css("::text").getall()), keep_newlines=False)
                if len(text) < min_text or _NOT_ARTICLE.search(parts.path or "/") or url == response.url:
                    continue
            if url not in out:
                out.append(url)
        return out[: int(self.ctx.option("max_articles", 60))]

    def next_link(self, response) -> str | None:
        selector = self.ctx.option("next_page")
        if selector:
            href = response.css(selector).attrib.get("href") if response.css(selector) else None
            return response.urljoin(href) if href else None
        for a in response.css("a[href]"):
            text = normalize_space(" ".join(a.css("::text").getall()), keep_newlines=False)
            if _NEXT_TEXT.match(text or "") and not _SKIP_HREF.match(a.attrib["href"]):
                return response.urljoin(a.attrib["href"])
        return None
