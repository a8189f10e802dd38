"""百度 news search (``www.baidu.com/s?tn=news&rtt=4&wd=…``): title, summary, outlet and time of each report.

No real saved page of the current format exists (see ../shared/data/README.md),
so the parser is written for today's markup as served to a desktop browser and
tested on our own sample (yuqing/demo/site/baidu/news.html): result blocks
``div.result-op.c-container[tpl^=news]`` with ``h3 a``, the summary in
``span[aria-label^=摘要]`` (or ``.c-font-normal``), the outlet in
``[aria-label^=新闻来源]`` and the time in ``[aria-label^=发布于]``. The
2016–2020 markup (``div.result`` with ``p.c-author`` "新京报 2020年08月18日
10:01" and ``div.c-summary``) is still understood. ``rtt=4`` sorts by time,
so the incremental stop (a page with nothing new ends the query) works well.
"""
from __future__ import annotations

import re

from yuqing.crawlers.spiders.baidu import BaiduSpider
from yuqing.crawlers.textutil import element_text, normalize_space

SEARCH_URL = "https://www.baidu.com/s?tn=news&rtt=4&bsst=1&cl=2&wd={query}&pn={pn}&ie=utf-8"
_AUTHOR_LINE = re.compile(r"^(?P<src>.*?)\s+(?P<when>\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}|\d+\s*(?:分钟|小时|天)前|\d{1,2}月\d{1,2}日.*|今天.*|昨天.*)$")


class BaiduNewsSpider(BaiduSpider):
    name = kind = "baidu_news"

    def initial_requests(self):
        yield from self.search_requests(SEARCH_URL, self.parse_results, per_page=10)

    def parse_page(self, response):
        if not self.is_text(response):
            return
        container = response.css("#content_left")
        if not container:
            if response.css("div.content_none, div.nors"):
                self.logger.info("no news results: %s", response.url)
            else:
                self.logger.warning("not a 百度新闻 result page: %s", response.url)
            return
        for result in container.css("div.result-op.c-container, div.result"):
            item = self.news_item(response, result)
            if item is not None:
                yield item

    def news_item(self, response, result):
        link = result.css("h3 a")
        if not link:
            return None
        title = normalize_space(link[0].attrib.get("aria-label", "").removeprefix("标题：")
                                or "".join(link[0].css("::text").getall()), keep_newlines=False)
        href = link[0].attrib.get("href") or result.attrib.get("mu") or ""
        if not title or not href:
            return None
        summary_el = (result.css("[aria-label^=摘要]") or result.css("span.c-font-normal.c-color-text")
                      or result.css("div.c-summary") or result.css(".c-abstract"))
        summary = element_text(summary_el[0].root) if summary_el else ""
        source = normalize_space(" ".join(result.css("[aria-label^=新闻来源] ::text").getall()), keep_newlines=False)
        when = normalize_space(" ".join(result.css("[aria-label^=发布于] ::text").getall()), keep_newlines=False)
        if not source or not when:
            author_line = normalize_space(" ".join(result.css("p.c-author ::text, .c-author ::text").getall()), keep_newlines=False)
            m = _AUTHOR_LINE.match(author_line)
            if m:
                source, when = source or m.group("src").strip(), when or m.group("when")
        if summary_el and result.css("div.c-summary p.c-author"):
            summary = summary.replace(normalize_space(" ".join(result.css("p.c-author ::text").getall()), keep_newlines=False), "", 1)
        return self.make_item(
            response, url=response.urljoin(href), title=title, text=summary.strip(), author=source or None,
            published_at=self.ctx.parse_time(when) if when else None,
        )
