"""微博 keyword search on the PC site (s.weibo.com), in both markups it has had.

* today's ``div.card-wrap[action-type=feed_list_item]`` cards: ``p.txt``
  (``feed_list_content_full`` when the post is folded), ``a.name``, the time
  link in ``div.from``, the ``card-act`` counts (转发 12 / 评论 3 / 赞 35),
  a repost's original in ``div.card-comment``;
* the 2017 ``div[action-type=feed_list_item][mid]`` feed (``p.comment_txt``,
  ``a[node-type=feed_list_item_date]`` with its millisecond ``date``,
  ``feed_action`` counts, ``icon_approve`` badges) — the real page in
  ``../shared/data/pages/weibo_pc/search.html``.

Each post's identity is ``weibo:<mid>``, so the same post found by the mobile
API or a share link is stored once. s.weibo.com needs a login cookie today:
give it through the source's ``cookie_env``; without one the site answers
with its login wall, which the block middleware reports as state ``login``.
"""
from __future__ import annotations

import json
import re

from parsel import Selector

from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.spiders.weibo_mobile import quote_original
from yuqing.crawlers.textutil import element_text, normalize_space, parse_count
from yuqing.crawlers.urls import bid_to_mid, canonical_url

SEARCH_URL = "https://s.weibo.com/weibo?q={query}&typeall=1&suball=1&Refer=g&page={page}"
_FOLD = re.compile(r"\s*(展开全文|收起全文|收起)\s*[cd]?\s*$")
_BID_LINK = re.compile(r"weibo\.com/(\d+)/([0-9A-Za-z]{8,10})")
_PAGELET = re.compile(r"STK\.pageletM\.view\((\{.*?\})\)\s*</script>", re.S)


def _pagelets(text: str) -> list[str]:
    """HTML of the BigPipe pagelets (2017 pages deliver the result list JSON-escaped inside scripts)."""
    out = []
    for m in _PAGELET.finditer(text):
        try:
            data = json.loads(m.group(1))
        except ValueError:
            continue
        html = data.get("html") if isinstance(data, dict) else None
        if html and "feed_list_item" in html:
            out.append(html)
    return out


class WeiboSpider(YuqingSpider):
    name = kind = "weibo"

    def initial_requests(self):
        yield from self.search_requests(SEARCH_URL, self.parse_search, per_page=20)

    def parse_search(self, response):
        items = list(self.parse_page(response))
        keys = [self.key_for_item(i) for i in items]
        fresh = self.unseen(keys) if items else set()
        yield from items
        has_more = bool(response.css("a.next, div.m-page a.next, a.page.next, div.W_pages a.next"))
        yield from self.next_page(response, self.parse_search, all_seen=bool(items) and not fresh, has_more=has_more)

    def parse_page(self, response):
        if not self.is_text(response):
            return
        if response.text.lstrip().startswith("{"):
            self.logger.info("a comment or repost list (JSON), not search results: %s", response.url)
            return
        cards = response.css("div.card-wrap[action-type=feed_list_item]")
        if cards:
            for card in cards:
                yield from self.current_card(response, card)
            return
        selectors = [response]
        if not response.css("div[action-type=feed_list_item][mid]"):
            selectors = [Selector(text=html) for html in _pagelets(response.text)]
        for sel in selectors:
            for feed in sel.css("div[action-type=feed_list_item][mid]"):
                item = self.feed_2017(response, feed)
                if item is not None:
                    yield item

    # -- today's markup ------------------------------------------------------
    def current_card(self, response, card):
        mid = card.attrib.get("mid")
        content = card.css("div.card-feed div.content") or card.css("div.content")
        if not mid or not content:
            return
        content = content[0]
        full = content.css("p.txt[node-type=feed_list_content_full]")
        text_el = full or content.css("p.txt[node-type=feed_list_content]") or content.css("p.txt")
        text = _FOLD.sub("", element_text(text_el[0].root)) if text_el else ""
        name = content.css("div.info a.name")
        author = normalize_space(name.attrib.get("nick-name") or " ".join(name.css("::text").getall()), keep_newlines=False) if name else None
        time_link = content.css("div.from > a") or content.css("p.from > a")
        url, when = None, None
        if time_link:
            url = canonical_url(response.urljoin(time_link[0].attrib.get("href", "")))
            when = normalize_space(" ".join(time_link[0].css("::text").getall()), keep_newlines=False)
        verified = bool(content.css("div.info [title*=认证]") or card.css("div.avator [title*=认证]")
                        or content.css("div.info .icon-vip, div.info svg.woo-icon-main, div.avator .icon-vip"))
        reposts, comments, likes = self._card_counts(card.css("div.card-act"))
        repost_of = None
        original = card.css("div.card-comment")
        if original:
            orig = self._current_original(response, original[0])
            if orig is not None:
                repost_of = orig["identity"]
                text = quote_original(text, orig)
                yield orig
        yield self.make_item(
            response, identity=f"weibo:{mid}", url=url, title="", text=text, author=author, published_at=when,
            reposts=reposts, comments=comments, likes=likes, author_verified=verified, repost_of=repost_of,
        )

    def _current_original(self, response, block):
        text_el = block.css("p.txt[node-type=feed_list_content_full]") or block.css("p.txt")
        link = block.css("p.from > a, div.func div.from > a, div.from > a")
        if not text_el or not link:
            return None
        href = response.urljoin(link[0].attrib.get("href", ""))
        m = _BID_LINK.search(href)
        if not m:
            return None
        mid = bid_to_mid(m.group(2))
        name = block.css("a.name")
        author = (name.attrib.get("nick-name") or " ".join(name.css("::text").getall())).lstrip("@").strip() if name else None
        reposts, comments, likes = self._card_counts(block.css("ul.act, div.func ul"))
        return self.make_item(
            response, identity=f"weibo:{mid}", url=canonical_url(href), title="",
            text=_FOLD.sub("", element_text(text_el[0].root)), author=author or None,
            published_at=normalize_space(" ".join(link[0].css("::text").getall()), keep_newlines=False),
            reposts=reposts, comments=comments, likes=likes,
        )

    @staticmethod
    def _card_counts(act) -> tuple[int, int, int]:
        reposts = comments = likes = 0
        if not act:
            return 0, 0, 0
        for li in act.css("li"):
            label = normalize_space(" ".join(li.css("::text").getall()), keep_newlines=False)
            action = " ".join(li.css("a::attr(action-type)").getall())
            like_count = li.css(".woo-like-count::text").get()
            if "forward" in action or label.startswith("转发"):
                reposts = parse_count(label.replace("转发", ""))
            elif "comment" in action or label.startswith("评论"):
                comments = parse_count(label.replace("评论", ""))
            elif "like" in action or label.startswith("赞") or like_count:
                likes = parse_count(like_count or label.replace("赞", ""))
        return reposts, comments, likes

    # -- the 2017 markup -----------------------------------------------------
    def feed_2017(self, response, feed):
        mid = feed.attrib.get("mid")
        text_el = feed.css("p.comment_txt")
        if not mid or not text_el:
            return None
        # the first comment_txt is the post; a repost's original sits in a nested comment block
        text = _FOLD.sub("", element_text(text_el[0].root))
        name = feed.css("a.W_texta.W_fb[nick-name]") or feed.css("a[nick-name]")
        author = name.attrib.get("nick-name") if name else None
        date = feed.css("a[node-type=feed_list_item_date]")
        url = when = None
        if date:
            url = canonical_url(response.urljoin(date[0].attrib.get("href", "")))
            when = date[0].attrib.get("date") or date[0].attrib.get("title") or " ".join(date[0].css("::text").getall())
            if when and when.isdigit():
                when = int(when)
        verified = bool(feed.css("div.feed_content a[class*=icon_approve], div.feed_content i[class*=icon_approve]"))
        reposts = comments = likes = 0
        for a in feed.css("ul.feed_action_info li a"):
            action = a.attrib.get("action-type", "")
            count = parse_count(" ".join(a.css("em::text").getall()))
            if action == "feed_list_forward":
                reposts = count
            elif action == "feed_list_comment":
                comments = count
            elif action == "feed_list_like":
                likes = count
        return self.make_item(
            response, identity=f"weibo:{mid}", url=url, title="", text=text, author=author,
            published_at=self.ctx.parse_time(when) if when is not None else None,
            reposts=reposts, comments=comments, likes=likes, author_verified=verified,
        )
