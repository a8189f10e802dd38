"""百度贴吧: forum lists (吧), threads with their floors, keyword search, 楼中楼 replies.

Written against real pages (``../shared/data/pages/tieba*``): the forum front
page whose thread list hides inside ``<code class="pagelet_html"><!-- … --></code>``
(2024) or sits in plain HTML (older), ``li.j_thread_list`` items with their
``data-field`` JSON (``first_post_id``, ``reply_num``); thread pages with
``div.l_post[data-pid]`` floors, ``p_author_name`` as shown, ``tail-info``
dates; the search list (``div.s_post``); the ``lzl_single_post`` fragment.

Every floor's identity is ``tieba:<post id>``; a thread is its first floor, so
the list's ``first_post_id``, the thread page and a search hit agree. A thread
already stored is not fetched again; its list entry only refreshes the reply
count (``comments``). ``options.thread_pages`` (default 1) pages of each new
thread are read; replies are kept when they name the locality themselves.
"""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import scrapy
from parsel import Selector

from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import element_text, normalize_space, parse_count

SEARCH_URL = "https://tieba.baidu.com/f/search/res?ie=utf-8&qw={query}&rn=20&pn={page}"
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}")
_UI_LABELS = re.compile(r"点击展开，查看完整图片|该楼层疑似违规已被系统折叠\s*(隐藏此楼)?\s*(查看此楼)?")
_PAGE_DATA_THREAD = re.compile(r"PageData\.thread\s*=\s*\{(.*?)\};?\s*(?:PageData|</script>|$)", re.S)


def _json_attr(value: str | None) -> dict:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class TiebaSpider(YuqingSpider):
    name = kind = "tieba"

    def initial_requests(self):
        yield from self.search_requests(SEARCH_URL, self.parse, per_page=20)

    # -- dispatch ------------------------------------------------------------
    def parse(self, response, **kwargs):
        if not self.is_text(response):
            return
        kind = self.page_type(response)
        if kind == "thread":
            yield from self.thread_items(response)
            if not self.offline:
                yield from self.more_thread_pages(response)
        elif kind == "list":
            yield from self.list_results(response)
        elif kind == "search":
            items = list(self.search_items(response))
            fresh = self.unseen(self.key_for_item(i) for i in items) if items else set()
            yield from items
            has_more = bool(response.css("a.next, .pager a.next"))
            yield from self.next_page(response, self.parse, all_seen=bool(items) and not fresh, has_more=has_more)
        elif kind == "lzl":
            yield from self.lzl_items(response)

    def parse_page(self, response):
        if not self.is_text(response):
            return
        kind = self.page_type(response)
        if kind == "thread":
            yield from self.thread_items(response)
        elif kind == "list":
            for thread in self.threads(response):
                yield self.thread_stub(response, thread)
        elif kind == "search":
            yield from self.search_items(response)
        elif kind == "lzl":
            yield from self.lzl_items(response)

    @staticmethod
    def page_type(response) -> str:
        text = response.text
        if "j_l_post" in text or "j_p_postlist" in text:
            return "thread"
        if "j_thread_list" in text:
            return "list"
        if "s_post" in text:
            return "search"
        if "lzl_single_post" in text:
            return "lzl"
        return "unknown"

    # -- forum lists ---------------------------------------------------------
    def threads(self, response) -> list[dict]:
        selectors = [response.selector]
        for comment in response.xpath('//code[contains(@class,"pagelet_html")]/comment()').getall():
            body = comment[4:-3] if comment.startswith("<!--") else comment
            if "j_thread_list" in body:
                selectors.append(Selector(text=body))
        out, seen = [], set()
        for sel in selectors:
            for li in sel.css("li.j_thread_list"):
                data = _json_attr(li.attrib.get("data-field"))
                tid = str(data.get("id") or li.attrib.get("data-tid") or "")
                if not tid.isdigit() or tid in seen:
                    continue
                seen.add(tid)
                link = li.css("a.j_th_tit")
                title = normalize_space(link.attrib.get("title") or " ".join(link.css("::text").getall()), keep_newlines=False) if link else ""
                abstract_el = li.css("div.threadlist_abs")
                out.append({
                    "tid": tid,
                    "first_post_id": str(data.get("first_post_id") or ""),
                    "title": title,
                    "abstract": element_text(abstract_el[0].root) if abstract_el else "",
                    "reply_num": parse_count(data.get("reply_num") or li.css("span.threadlist_rep_num::text").get()),
                    "author": data.get("author_nickname") or data.get("author_name")
                    or normalize_space(" ".join(li.css("a.frs-author-name::text").getall()), keep_newlines=False) or None,
                    "created": normalize_space(li.css("span.is_show_create_time::text").get() or "", keep_newlines=False),
                    "url": response.urljoin(link.attrib.get("href", f"/p/{tid}")) if link else response.urljoin(f"/p/{tid}"),
                    "top": bool(data.get("is_top")),
                })
        return out

    def thread_identity(self, thread: dict) -> str:
        return f"tieba:{thread['first_post_id']}" if thread.get("first_post_id") else f"tieba-thread:{thread['tid']}"

    def thread_stub(self, response, thread: dict):
        """A post from the list entry alone (offline, or when the thread page is not fetched)."""
        return self.make_item(
            response, identity=self.thread_identity(thread), url=thread["url"].split("?")[0], title=thread["title"],
            text=thread["abstract"], author=thread["author"], comments=thread["reply_num"],
            published_at=self.ctx.parse_time(thread["created"]) if thread["created"] else None,
        )

    def list_results(self, response):
        threads = [t for t in self.threads(response) if not t["top"] or self.ctx.option("include_pinned", False)]
        keys = {self.key_for_identity(self.thread_identity(t)): t for t in threads}
        fresh = self.unseen(keys)
        for key, thread in keys.items():
            if key in fresh:
                yield scrapy.Request(thread["url"].split("?")[0], callback=self.parse, meta={"thread": thread})
            else:  # stored already: only the reply count may have grown
                stub = self.thread_stub(response, thread)
                stub["update_only"] = True
                yield stub
        next_link = response.css("a.next.pagination-item::attr(href), a.next::attr(href)").get()
        if next_link is None:  # the pager may sit in a commented-out pagelet too
            m = re.search(r'<a href="([^"]+)" class="next pagination-item', response.text)
            next_link = m.group(1) if m else None
        yield from self.next_page(response, self.parse, all_seen=bool(keys) and not fresh,
                                  has_more=next_link is not None, url=next_link)

    # -- thread pages --------------------------------------------------------
    def thread_items(self, response):
        title = (response.css("h3.core_title_txt::attr(title), h1.core_title_txt::attr(title)").get()
                 or normalize_space(" ".join(response.css(".core_title_txt ::text").getall()), keep_newlines=False))
        reply_num = None
        m = _PAGE_DATA_THREAD.search(response.text)
        if m:
            rn = re.search(r"reply_num\s*:\s*(\d+)", m.group(1))
            reply_num = int(rn.group(1)) if rn else None
        if reply_num is None:
            reply_num = parse_count(response.css("li.l_reply_num span.red::text").get())
        tid = self.thread_id(response)
        for floor in response.css("div.l_post.j_l_post[data-pid], div.l_post[data-field]"):
            data = _json_attr(floor.attrib.get("data-field"))
            content_meta = data.get("content") or {}
            pid = str(floor.attrib.get("data-pid") or content_meta.get("post_id") or "")
            if not pid.isdigit():
                continue  # an advert floor
            content = floor.css("div.d_post_content")
            text = _UI_LABELS.sub("", element_text(content[0].root)).strip() if content else ""
            author = normalize_space(" ".join(floor.css("a.p_author_name ::text").getall()), keep_newlines=False)
            author = author or (data.get("author") or {}).get("user_name")
            when = next((t for t in floor.css(".post-tail-wrap span.tail-info::text, span.tail-info::text").getall()
                         if _DATE.search(t)), None) or content_meta.get("date")
            floor_no = content_meta.get("post_no")
            if floor_no is None:
                m = re.search(r"(\d+)楼", " ".join(floor.css(".tail-info::text").getall()))
                floor_no = int(m.group(1)) if m else None
            first = floor_no == 1 or (floor_no is None and pid == str(content_meta.get("first_post_id", "")))
            url = f"https://tieba.baidu.com/p/{tid}?pid={pid}" if tid else response.url
            if not text and not first:
                continue
            yield self.make_item(
                response, identity=f"tieba:{pid}", url=response.urljoin(f"/p/{tid}") if first and tid else url,
                title=title if first else f"回复：{title}" if title else "", text=text, author=author or None,
                published_at=self.ctx.parse_time(when) if when else None,
                comments=(reply_num or 0) if first else parse_count(content_meta.get("comment_num")),
            )

    def more_thread_pages(self, response):
        pages = int(self.ctx.option("thread_pages", 1))
        current = int(parse_qs(urlsplit(response.url).query).get("pn", ["1"])[0] or 1)
        if current >= pages:
            return
        tid = self.thread_id(response)
        if tid and response.css(f'a[href*="/p/{tid}?pn={current + 1}"]'):
            yield scrapy.Request(response.urljoin(f"/p/{tid}?pn={current + 1}"), callback=self.parse)

    @staticmethod
    def thread_id(response) -> str | None:
        m = re.search(r"/p/(\d+)", response.url)
        if m:
            return m.group(1)
        m = re.search(r"thread_id\s*:\s*(\d+)", response.text)
        return m.group(1) if m else None

    # -- search results and 楼中楼 -------------------------------------------
    def search_items(self, response):
        for post in response.css("div.s_post"):
            link = post.css("span.p_title a")
            if not link:
                continue
            href = response.urljoin(link.attrib.get("href", ""))
            pid = parse_qs(urlsplit(href).query).get("pid", [None])[0]
            tid = link.attrib.get("data-tid")
            content = post.css("div.p_content")
            author_el = post.xpath('.//a[contains(@href, "/home/main")]')
            yield self.make_item(
                response, identity=f"tieba:{pid}" if pid else None,
                url=f"https://tieba.baidu.com/p/{tid}?pid={pid}" if tid and pid else href,
                title=normalize_space("".join(link.css("::text").getall()), keep_newlines=False),
                text=element_text(content[0].root) if content else "",
                author=normalize_space(" ".join(author_el.css("::text").getall()), keep_newlines=False) or None,
                published_at=self.ctx.parse_time(post.css(".p_date::text").get()),
            )

    def lzl_items(self, response):
        for li in response.css("li.lzl_single_post"):
            data = _json_attr(li.attrib.get("data-field"))
            spid = str(data.get("spid") or "")
            content = li.css("span.lzl_content_main")
            if not spid.isdigit() or not content:
                continue
            text = element_text(content[0].root)
            if not text:
                continue
            yield self.make_item(
                response, identity=f"tieba:{spid}", url=None, title="", text=text,
                author=data.get("showname") or data.get("user_name"),
                published_at=self.ctx.parse_time(li.css("span.lzl_time::text").get()),
            )
