"""微博 through the m.weibo.cn JSON API: keyword search, long texts, reposts, engagement, author reach.

Search is ``api/container/getIndex?containerid=100103type=1&q=<query>``; its
``data.cards`` hold ``card_type`` 9 cards with an ``mblog``, sometimes nested
in a ``card_type`` 11 ``card_group``. The same ``mblog`` shape comes back from
user timelines (``containerid=107603<uid>``, the real 2019 and 2021 samples in
``../shared/data/pages/weibo_mobile*``) and ``statuses/show``, so one parser
serves all three. A post marked ``isLongText`` is completed from
``statuses/extend?id=<id>`` (``longTextContent``). A repost yields its
original too (identity ``weibo:<mid>``), and the repost points at it
(``repost_of``), which the near-duplicate pipeline turns into
``duplicate_of``. Counts such as "100万+" become 1000000; promoted posts
(``promotion``) are skipped.
"""
from __future__ import annotations

import json

import scrapy

from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import html_to_text, normalize_space, parse_count

SEARCH_URL = "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D{query}&page_type=searchall&page={page}"
_FULLTEXT_LINK = ("全文", "...全文", "​全文")


class WeiboMobileSpider(YuqingSpider):
    name = kind = "weibo_mobile"

    def initial_requests(self):
        for request in self.search_requests(SEARCH_URL, self.parse_search):
            request.headers.setdefault("Accept", "application/json, text/plain, */*")
            request.headers.setdefault("X-Requested-With", "XMLHttpRequest")
            yield request

    # -- live ----------------------------------------------------------------
    def parse_search(self, response):
        data = self.load(response)
        if data is None:
            return
        pairs = list(self.items_from(response, data))
        items = [item for item, _ in pairs]
        fresh = self.unseen(self.key_for_item(i) for i in items) if items else set()
        for item, is_long in pairs:
            if is_long and self.key_for_item(item) in fresh:
                mid = item["identity"].split(":", 1)[1]
                yield scrapy.Request(response.urljoin(f"/statuses/extend?id={mid}"), callback=self.parse_long_text,
                                     meta={"post": item}, errback=self.long_text_failed)
            else:
                yield item
        info = (data.get("data") or {}).get("cardlistInfo") or {}
        has_more = bool(items) and info.get("page") not in (None, "", 0)
        yield from self.next_page(response, self.parse_search, all_seen=bool(items) and not fresh, has_more=has_more)

    def parse_long_text(self, response):
        item = response.meta["post"]
        data = self.load(response)
        long_text = ((data or {}).get("data") or {}).get("longTextContent") if isinstance(data, dict) else None
        if long_text:
            item["text"] = html_to_text(long_text)
        yield item

    def long_text_failed(self, failure):
        item = failure.request.meta["post"]
        self.logger.info("long text not available (%s); keeping the truncated text", failure.type.__name__)
        yield item

    # -- offline -------------------------------------------------------------
    def parse_page(self, response):
        data = self.load(response)
        if data is None:
            return
        inner = data.get("data") if isinstance(data, dict) else None
        if isinstance(inner, dict) and "longTextContent" in inner:
            mid = _query_id(response.url)
            if mid:
                yield self.make_item(response, identity=f"weibo:{mid}", url=f"https://m.weibo.cn/status/{mid}",
                                     title="", text=html_to_text(inner["longTextContent"]),
                                     reposts=parse_count(inner.get("reposts_count")),
                                     comments=parse_count(inner.get("comments_count")),
                                     likes=parse_count(inner.get("attitudes_count")))
            else:
                self.logger.warning("a statuses/extend response names no post id; pass --url …?id=<mid>")
            return
        for item, _is_long in self.items_from(response, data):
            yield item

    # -- parsing -------------------------------------------------------------
    def load(self, response):
        try:
            return json.loads(response.text if self.is_text(response) else response.body)
        except (ValueError, UnicodeDecodeError):
            self.logger.warning("not JSON, skipped: %s", response.url)
            return None

    def items_from(self, response, data):
        if not isinstance(data, dict):
            return
        inner = data.get("data")
        if isinstance(inner, dict) and "cards" in inner:
            for mblog in _mblogs(inner.get("cards") or []):
                yield from self.mblog_items(response, mblog)
        elif isinstance(inner, dict) and ("mid" in inner or "idstr" in inner) and "text" in inner:
            yield from self.mblog_items(response, inner)  # statuses/show

    def mblog_items(self, response, mblog: dict):
        """(item, needs_long_text) for the post and, for a repost, its original first."""
        if mblog.get("promotion"):  # a paid placement in the results, not a post
            return
        repost_of = None
        original = mblog.get("retweeted_status")
        if isinstance(original, dict) and original.get("user"):
            orig = self.mblog_item(response, original)
            if orig is not None:
                repost_of = orig[0]["identity"]
                yield orig
        own = self.mblog_item(response, mblog)
        if own is not None:
            if repost_of:
                item = own[0]
                item["repost_of"] = repost_of
                item["text"] = quote_original(item.get("text"), orig[0])
            yield own

    def mblog_item(self, response, mblog: dict):
        mid = str(mblog.get("mid") or mblog.get("idstr") or mblog.get("id") or "")
        if not mid.isdigit():
            return None
        user = mblog.get("user") or {}
        text_html = ((mblog.get("longText") or {}).get("longTextContent")) or mblog.get("text") or ""
        text = html_to_text(text_html)
        for tail in _FULLTEXT_LINK:
            if text.endswith(tail):
                text = text[: -len(tail)].rstrip()
        bid = mblog.get("bid")
        item = self.make_item(
            response,
            identity=f"weibo:{mid}",
            url=f"https://m.weibo.cn/status/{bid or mid}",
            title="",
            text=text,
            author=normalize_space(user.get("screen_name") or "", keep_newlines=False) or None,
            published_at=self.ctx.parse_time(mblog.get("created_at")),
            reposts=parse_count(mblog.get("reposts_count")),
            comments=parse_count(mblog.get("comments_count")),
            likes=parse_count(mblog.get("attitudes_count")),
            author_followers=parse_count(user["followers_count"]) if user.get("followers_count") not in (None, "") else None,
            author_verified=bool(user.get("verified")) if "verified" in user else None,
        )
        return item, bool(mblog.get("isLongText") and not mblog.get("longText"))


def quote_original(text: str | None, original) -> str:
    """A repost's own words followed by what it reposts, so the locality rule and classifiers see the context."""
    quoted = f"【原微博】@{original.get('author') or ''}：{original.get('text') or ''}"
    return f"{text}\n\n{quoted}" if text else quoted


def _mblogs(cards):
    for card in cards:
        if not isinstance(card, dict):
            continue
        if isinstance(card.get("mblog"), dict):
            yield card["mblog"]
        if isinstance(card.get("card_group"), list):
            yield from _mblogs(card["card_group"])


def _query_id(url: str) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(url or "").query).get("id")
    return values[0] if values and values[0].isdigit() else None
