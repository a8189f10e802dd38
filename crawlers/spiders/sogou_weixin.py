"""微信公众号 articles found through 搜狗微信 search (weixin.sogou.com), and the article pages themselves.

Search results (``ul.news-list li``: ``h3 a``, ``p.txt-info``, the account in
``a.account`` or ``span.all-time-y2``, the time in ``div.s-p[t]`` or
``timeConvert('…')``) each become a post whose identity is 搜狗's document id
(``d`` attribute / ``docid``), stable across searches, so a seen article is
not fetched again. Unless ``options.fetch_articles`` is false, the article
page on mp.weixin.qq.com is fetched for the full text (``#js_content``), the
account (``var nickname``), the publish time (``var ct``) and the permanent
link (``__biz``/``mid``/``idx``). An expired link ("链接已过期") or a
verification page keeps the search snippet instead.

``parse_page`` also reads the JSON search response, the WAP hot-article list,
an account's history page (``msgList``) and a single article page. Account
(公众号) search pages hold no posts.
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import scrapy

from yuqing.crawlers.extract import extract_article
from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import element_text, html_to_text, normalize_space
from yuqing.crawlers.urls import canonical_url

SEARCH_URL = "https://weixin.sogou.com/weixin?type=2&query={query}&page={page}&ie=utf8"
_TIME_CONVERT = re.compile(r"timeConvert\('(\d{10})'\)")
_VAR = r'var {name}\s*=\s*(?:"[^"]*"\s*\|\|\s*)*"([^"]*)"'


def _js_var(text: str, name: str) -> str | None:
    m = re.search(_VAR.format(name=re.escape(name)), text)
    return m.group(1) if m and m.group(1) else None


class SogouWeixinSpider(YuqingSpider):
    name = kind = "sogou_weixin"

    def initial_requests(self):
        yield from self.search_requests(SEARCH_URL, self.parse_search, per_page=10)

    # -- live ----------------------------------------------------------------
    def parse_search(self, response):
        items = list(self.search_items(response))
        fresh = self.unseen(self.key_for_item(i) for i in items) if items else set()
        follow = self.ctx.option("fetch_articles", True)
        for item in items:
            if self.key_for_item(item) not in fresh:
                continue
            if follow and item.get("url"):
                yield scrapy.Request(item["url"], callback=self.parse_article, meta={"hit": item},
                                     errback=self.article_failed)
            else:
                yield item
        has_more = bool(response.css("#sogou_next, a.np"))
        yield from self.next_page(response, self.parse_search, all_seen=bool(items) and not fresh, has_more=has_more)

    def parse_article(self, response):
        hit = response.meta["hit"]
        article = self.article_item(response, hit)
        yield article if article is not None else hit

    def article_failed(self, failure):
        self.logger.info("article page failed (%s); keeping the search snippet", failure.type.__name__)
        yield failure.request.meta["hit"]

    # -- offline -------------------------------------------------------------
    def parse_page(self, response):
        if not self.is_text(response):
            return
        text = response.text
        stripped = text.lstrip()
        if stripped.startswith("{"):
            yield from self.json_items(response)
        elif "js_content" in text or "var msg_title" in text or "链接已过期" in text:
            item = self.article_item(response, None)
            if item is not None:
                yield item
        elif "msgList" in text:
            yield from self.history_items(response)
        else:
            yield from self.search_items(response)

    # -- search results ------------------------------------------------------
    def search_items(self, response):
        for li in response.css("ul.news-list > li") or response.css("li[d]"):
            doc = li.attrib.get("d") or ""
            link = li.css("div.txt-box h3 a, h3 a, h4 a")
            if not link:
                continue
            title = normalize_space("".join(link[0].css("::text").getall()), keep_newlines=False)
            href = response.urljoin(html.unescape(link[0].attrib.get("href", "")))
            summary_el = li.css("p.txt-info, p[data-type=article_summary]")
            summary = element_text(summary_el[0].root) if summary_el else ""
            account = normalize_space(" ".join(li.css("a.account::text, span.all-time-y2::text").getall()), keep_newlines=False)
            account = account or li.css("span.s2::attr(data-sourcename)").get() or None
            stamp = li.css("div.s-p::attr(t)").get() or li.css("span.s3::attr(data-lastModified)").get()
            if not stamp:
                m = _TIME_CONVERT.search(li.get())
                stamp = m.group(1) if m else None
            identity = f"sogou_weixin:{doc}" if doc else None
            yield self.make_item(response, identity=identity, url=href or None, title=title, text=summary,
                                 author=account, published_at=self.ctx.parse_time(int(stamp)) if stamp else None)

    def json_items(self, response):
        try:
            data = json.loads(response.text)
        except ValueError:
            self.logger.warning("not JSON, skipped: %s", response.url)
            return
        for xml in data.get("items", []) if isinstance(data, dict) else []:
            doc = re.search(r"<docid>([^<]+)</docid>", xml)
            fields = dict(re.findall(r"<(title|url|sourcename|content168|content|date|lastModified)><!\[CDATA\[(.*?)\]\]>", xml, re.S))
            if not doc or not fields.get("title"):
                continue
            stamp = re.search(r"<lastModified>(\d{10})</lastModified>", xml)
            when = int(stamp.group(1)) if stamp else fields.get("date")
            url = fields.get("url")
            yield self.make_item(
                response, identity=f"sogou_weixin:{doc.group(1)}", url=canonical_url(url) if url else None,
                title=normalize_space(fields["title"], keep_newlines=False),
                text=html_to_text(fields.get("content168") or fields.get("content") or ""),
                author=fields.get("sourcename"), published_at=self.ctx.parse_time(when) if when else None,
            )

    def history_items(self, response):
        m = re.search(r"msgList\s*=\s*(\{.*?\});?\s*\n", response.text, re.S)
        if not m:
            return
        try:
            data = json.loads(html.unescape(m.group(1)))
        except ValueError:
            self.logger.warning("unreadable msgList in %s", response.url)
            return
        nickname = _js_var(response.text, "nickname")
        for entry in data.get("list", []):
            info = entry.get("comm_msg_info") or {}
            ext = entry.get("app_msg_ext_info") or {}
            for art in [ext, *(ext.get("multi_app_msg_item_list") or [])]:
                if not art.get("title"):
                    continue
                link = html.unescape(art.get("content_url") or "")
                url = urljoin("https://mp.weixin.qq.com/", link) if link else None
                yield self.make_item(
                    response, url=url, title=normalize_space(art["title"], keep_newlines=False),
                    text=normalize_space(art.get("digest") or ""), author=art.get("author") or nickname,
                    published_at=self.ctx.parse_time(info.get("datetime")),
                )

    # -- article pages -------------------------------------------------------
    def article_item(self, response, hit):
        text = response.text
        if "链接已过期" in text and "js_content" not in text:
            self.logger.info("article link expired: %s", response.url)
            return None
        title = _js_var(text, "msg_title")
        if title:
            title = html.unescape(title)
        body = ""
        root = response.css("#js_content")
        if root:
            body = element_text(lxml.html.fromstring(root[0].get()))
        if not body:
            article = extract_article(text, response.url, now=self.ctx.clock(), tz=self.ctx.tz)
            body, title = article.text, title or article.title
        if not body and not title:
            return None
        biz, mid, idx = _js_var(text, "biz"), _js_var(text, "mid"), _js_var(text, "idx")
        permanent = None
        if biz and mid and idx:
            permanent = f"https://mp.weixin.qq.com/s?__biz={biz}&mid={mid}&idx={idx}"
            sn = _js_var(text, "sn")
            if sn:
                permanent += f"&sn={sn}"
        ct = _js_var(text, "ct")
        when = self.ctx.parse_time(int(ct)) if ct and ct.isdigit() else self.ctx.parse_time(_js_var(text, "publish_time"))
        author = _js_var(text, "nickname") or normalize_space(" ".join(response.css("#js_name::text").getall()), keep_newlines=False) or None
        on_weixin = (urlsplit(response.url).hostname or "") == "mp.weixin.qq.com"
        item = self.make_item(
            response, url=permanent if permanent and (on_weixin or self.offline) else response.url,
            title=normalize_space(title or "", keep_newlines=False), text=body, author=author, published_at=when,
        )
        if hit is not None:
            item["identity"] = hit.get("identity")
            for name in ("title", "author", "published_at"):
                if not item.get(name) and hit.get(name):
                    item[name] = hit[name]
        elif biz and mid and idx:
            item["identity"] = f"weixin:{biz}:{mid}:{idx}"
        return item
