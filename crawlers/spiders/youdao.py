"""有道 web search, where it still serves results.

有道's general web search has been wound down; no real saved result page
exists (../shared/data/README.md lists none), so this parser is written for the
result-list markup 有道 served (``#results li.res-list`` with ``h3 a``, the
abstract in ``p``/``.res-desc``, ``cite`` for the site and ``.res-date``) and
tested only on our own sample page (yuqing/demo/site/youdao/search.html). It
falls back to any ``h3 a`` headed block, so a modest markup change still
yields results; a page without any is logged, not an error.
"""
from __future__ import annotations

from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import element_text, normalize_space

SEARCH_URL = "https://www.youdao.com/search?q={query}&start={pn}&ue=utf8"


class YoudaoSpider(YuqingSpider):
    name = kind = "youdao"

    def initial_requests(self):
        yield from self.search_requests(SEARCH_URL, self.parse_results, per_page=10)

    def parse_results(self, response):
        items = list(self.parse_page(response))
        fresh = self.unseen(self.key_for_item(i) for i in items) if items else set()
        yield from items
        has_more = bool(response.css("a.next, #pagination a.next, a[title=下一页]"))
        yield from self.next_page(response, self.parse_results, all_seen=bool(items) and not fresh, has_more=has_more)

    def parse_page(self, response):
        if not self.is_text(response):
            return
        blocks = response.css("#results li.res-list") or response.css("div.res-list") or response.css("#results > li")
        if not blocks:
            blocks = [h.xpath("..") for h in response.css("h3") if h.css("a[href]")]
            blocks = [b[0] for b in blocks if b]
        found = 0
        for block in blocks:
            link = block.css("h3 a[href]")
            if not link:
                continue
            title = normalize_space("".join(link[0].css("::text").getall()), keep_newlines=False)
            desc = block.css(".res-desc, p.abstract, p")
            text = element_text(desc[0].root) if desc else ""
            site = normalize_space(" ".join(block.css("cite ::text, .res-site ::text").getall()), keep_newlines=False)
            when = normalize_space(" ".join(block.css(".res-date ::text, .date ::text").getall()), keep_newlines=False)
            if not title:
                continue
            found += 1
            yield self.make_item(
                response, url=response.urljoin(link[0].attrib["href"]), title=title, text=text,
                author=site or None, published_at=self.ctx.parse_time(when) if when else None,
            )
        if not found:
            self.logger.info("no 有道 results on %s", response.url)
