"""百度 web search results: each organic result (title, abstract, date, link) as a post.

Written against real result pages (``../shared/data/pages/baidu_web``): the
``div.result.c-container`` organic results, the ``#page`` pager with its
"下一页>" link, the "很抱歉，没有找到与…相关的网页" empty page and a page
that is not a result page at all. Cards (百科, 视频, 图片, 音乐, 计算器, 学术)
are not posts and are skipped, except 资讯 cards. The abstract's leading date
("2020年1月1日 - ") is the published time. The result link is Baidu's own
redirect (``www.baidu.com/link?url=…``), stable for a target, so it is the
identity unless the card names the target (``mu``).
"""
from __future__ import annotations

import re

from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import element_text, normalize_space

SEARCH_URL = "https://www.baidu.com/s?wd={query}&pn={pn}&ie=utf-8"
_LEADING_DATE = re.compile(r"^\s*((?:\d{4}年)?\d{1,2}月\d{1,2}日|\d+\s*(?:分钟|小时|天)前|昨天\s*\d{1,2}:\d{2}|\d{4}-\d{1,2}-\d{1,2})\s*[-—]\s*")
_NEWS_CARD = re.compile(r"news|realtime|zixun", re.I)


class BaiduSpider(YuqingSpider):
    name = kind = "baidu"

    def initial_requests(self):
        yield from self.search_requests(SEARCH_URL, self.parse_results, per_page=10)

    def parse_results(self, response):
        items = list(self.parse_page(response))
        fresh = self.unseen(self.key_for_item(i) for i in items) if items else set()
        yield from items
        yield from self.next_page(response, self.parse_results, all_seen=bool(items) and not fresh,
                                  has_more=self.has_next(response))

    def parse_page(self, response):
        if not self.is_text(response):
            return
        if not response.css("#content_left"):
            if response.css("div.content_none, div.nors"):
                self.logger.info("no results: %s", response.url)
            else:
                self.logger.warning("not a 百度 result page: %s", response.url)
            return
        for result in response.css("#content_left div.c-container"):
            classes = result.attrib.get("class", "").split()
            tpl = result.attrib.get("tpl", "")
            if "result-op" in classes and not _NEWS_CARD.search(tpl):
                continue
            item = self.result_item(response, result)
            if item is not None:
                yield item

    def result_item(self, response, result):
        link = result.css("h3 a")
        if not link:
            return None
        title = normalize_space("".join(link[0].css("::text").getall()), keep_newlines=False)
        href = result.attrib.get("mu") or link[0].attrib.get("href") or ""
        if not title or not href:
            return None
        abstract_el = result.css(".c-abstract") or result.css("[class*=content-right]") or result.css(".c-span-last")
        abstract = element_text(abstract_el[0].root) if abstract_el else ""
        when = None
        date_el = result.css(".newTimeFactor_before_abs::text, span.c-color-gray2::text").get()
        m = _LEADING_DATE.match(abstract)
        if m:
            when = m.group(1)
            abstract = abstract[m.end():]
        elif date_el:
            when = normalize_space(date_el.replace("-", " "), keep_newlines=False)
        site = normalize_space("".join(result.xpath(
            './/*[contains(@class,"c-showurl")]//text()[not(ancestor::style) and not(ancestor::script)]').getall()),
            keep_newlines=False)
        if not site:
            gray = normalize_space(result.css("span.c-color-gray::text").get() or "", keep_newlines=False)
            site = gray if gray and "{" not in gray and len(gray) <= 30 else ""
        return self.make_item(
            response, url=response.urljoin(href), title=title, text=abstract.strip(),
            published_at=self.ctx.parse_time(when) if when else None, author=site.split("/")[0].strip() or None,
        )

    @staticmethod
    def has_next(response) -> bool:
        for a in response.css("#page a"):
            if "下一页" in "".join(a.css("::text").getall()):
                return True
        return False
