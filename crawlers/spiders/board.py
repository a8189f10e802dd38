"""Government message boards: 人民网领导留言板-style JSON APIs and 12345 / 县长信箱 HTML list + letter pages.

One spider, configured per board through ``Source.options``:

JSON APIs (the response is JSON)
  ``items_path``  dotted path to the list of letters (default: the first of
                  ``resultData.data``, ``data.list``, ``data.rows``, ``data``, ``rows``, ``list``, ``items``)
  ``fields``      mapping of our names to the API's: ``id``, ``title``, ``text``,
                  ``author``, ``published_at``, ``category``, ``status``
                  (default: 人民网's ``tid``, ``subject``, ``content``, ``nickName``,
                  ``threadsCheckTime``, ``typeName``, ``stateInfo``)
  ``url_template`` link of one letter, ``{id}`` filled in
                  (default ``https://liuyan.people.com.cn/threads/content?tid={id}``)
  ``method``/``body`` ``POST`` with a JSON body template (``{page}`` filled in) for APIs that need it

HTML boards (list pages of letters, one page per letter)
  ``list_item``   CSS for one letter in the list (default: rows/items holding a link)
  ``list_link``   CSS for the letter's link inside it (default ``a[href]``)
  ``next_page``   CSS for the next list page
  ``detail_title``/``detail_text``/``detail_date``/``detail_author`` CSS on the letter page;
                  by default labelled fields (信件标题：…, 来信时间：…, 来信内容：…) are found
                  in tables and definition lists, else the general article extractor is used.

A letter's identity is ``board:<host>:<id>`` (the API id, or the letter
page's URL), so a letter is stored once however often the list shows it, and
a letter already stored is not fetched again.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import scrapy

from yuqing.crawlers.extract import extract_article
from yuqing.crawlers.spiders.base import YuqingSpider
from yuqing.crawlers.textutil import element_text, html_to_text, normalize_space
from yuqing.crawlers.urls import canonical_url

PEOPLE_FIELDS = {
    "id": "tid", "title": "subject", "text": "content", "author": "nickName",
    "published_at": "threadsCheckTime", "category": "typeName", "status": "stateInfo",
}
PEOPLE_URL = "https://liuyan.people.com.cn/threads/content?tid={id}"
_ITEM_PATHS = ("resultData.data", "data.list", "data.rows", "data.data", "data", "rows", "list", "items")
_LABELS = {
    "title": re.compile(r"^(信件|留言|来信|诉求)?(标题|主题)[:：]?$"),
    "text": re.compile(r"^(信件|留言|来信|诉求|反映)?(内容|详情|正文|事项|描述)[:：]?$"),
    "published_at": re.compile(r"^(来信|留言|提交|写信|发布|反映)?(时间|日期)[:：]?$"),
    "author": re.compile(r"^(来信人|留言人|写信人|反映人|网友|姓名|署名|用户)[:：]?$"),
    "status": re.compile(r"^(办理)?(状态|进度)[:：]?$"),
    "category": re.compile(r"^(信件|留言|来信)?(类型|类别|分类)[:：]?$"),
}


def _dig(data, path: str):
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


class BoardSpider(YuqingSpider):
    name = kind = "board"

    def initial_requests(self):
        method = str(self.ctx.option("method", "GET")).upper()
        body = self.ctx.option("body")
        for template in self.ctx.source.start_urls:
            yield self.list_request(template, 1, method, body, callback=self.parse)

    def list_request(self, template: str, page: int, method: str, body, callback, **meta):
        url = template.replace("{page}", str(page))
        meta = {"page": page, "board_template": template, **meta}
        if method == "POST":
            payload = json.dumps(body or {}, ensure_ascii=False).replace('"{page}"', str(page)).replace("{page}", str(page))
            return scrapy.Request(url, method="POST", body=payload.encode("utf-8"), callback=callback, meta=meta,
                                  headers={"Content-Type": "application/json;charset=UTF-8"}, dont_filter=True)
        return scrapy.Request(url, callback=callback, meta=meta, dont_filter=page == 1)

    # -- dispatch ------------------------------------------------------------
    def parse(self, response, **kwargs):
        if not self.is_text(response):
            return
        data = self._json(response)
        if data is not None:
            items = list(self.json_items(response, data))
            fresh = self.unseen(self.key_for_item(i) for i in items) if items else set()
            yield from items
            yield from self.next_board_page(response, all_seen=bool(items) and not fresh, has_more=bool(items))
            return
        if self.looks_like_letter(response):
            item = self.letter_item(response)
            if item is not None:
                yield item
            return
        links = self.list_links(response)
        fresh = self.unseen(self.letter_key(response, u) for u in links)
        for url in links:
            if self.letter_key(response, url) in fresh:
                yield scrapy.Request(url, callback=self.parse_letter)
        next_url = self.next_link(response)
        yield from self.next_page(response, self.parse, all_seen=bool(links) and not fresh,
                                  has_more=next_url is not None, url=next_url)

    def parse_letter(self, response):
        if self.is_text(response):
            item = self.letter_item(response)
            if item is not None:
                yield item

    def parse_page(self, response):
        if not self.is_text(response):
            return
        data = self._json(response)
        if data is not None:
            yield from self.json_items(response, data)
        elif self.looks_like_letter(response) or not self.list_links(response):
            item = self.letter_item(response)
            if item is not None:
                yield item
        else:
            for link in response.css(self.ctx.option("list_item") or "tr, li"):
                item = self.list_row_item(response, link)
                if item is not None:
                    yield item

    def next_board_page(self, response, all_seen: bool, has_more: bool):
        page = int(response.meta.get("page", 1))
        template = response.meta.get("board_template")
        if self.offline or not has_more or not template or page >= self.ctx.source.max_pages:
            return
        if all_seen and self.ctx.option("stop_when_seen", True):
            return
        if "{page}" not in template and "{page}" not in json.dumps(self.ctx.option("body") or {}):
            return
        yield self.list_request(template, page + 1, str(self.ctx.option("method", "GET")).upper(),
                                self.ctx.option("body"), callback=self.parse)

    # -- JSON ----------------------------------------------------------------
    @staticmethod
    def _json(response):
        if not response.text.lstrip().startswith(("{", "[")):
            return None
        try:
            return json.loads(response.text)
        except ValueError:
            return None

    def json_items(self, response, data):
        path = self.ctx.option("items_path")
        rows = _dig(data, path) if path else next((r for r in (_dig(data, p) for p in _ITEM_PATHS) if isinstance(r, list)), None)
        if rows is None and isinstance(data, list):
            rows = data
        if not isinstance(rows, list):
            self.logger.warning("no list of letters in the JSON at %s (set options.items_path)", response.url)
            return
        fields = {**PEOPLE_FIELDS, **(self.ctx.option("fields") or {})}
        template = self.ctx.option("url_template", PEOPLE_URL)
        host = urlsplit(template if "://" in template else response.url).hostname or "board"
        for row in rows:
            if not isinstance(row, dict):
                continue
            ident = row.get(fields["id"])
            title = normalize_space(html_to_text(str(row.get(fields["title"]) or "")), keep_newlines=False)
            text = html_to_text(str(row.get(fields["text"]) or ""))
            if not title and not text:
                continue
            category = row.get(fields.get("category", ""), None)
            if category and title and not title.startswith("【"):
                title = f"【{category}】{title}"
            url = template.replace("{id}", str(ident)) if ident is not None else None
            yield self.make_item(
                response, identity=f"board:{host}:{ident}" if ident is not None else None,
                url=canonical_url(response.urljoin(url)) if url else None, title=title, text=text,
                author=str(row.get(fields["author"]) or "").strip() or None,
                published_at=self.ctx.parse_time(row.get(fields["published_at"])),
            )

    # -- HTML ----------------------------------------------------------------
    def list_links(self, response) -> list[str]:
        item_css = self.ctx.option("list_item") or "table tr, ul li, div.list-item"
        link_css = self.ctx.option("list_link") or "a[href]"
        out = []
        for row in response.css(item_css):
            for a in row.css(link_css):
                href = (a.attrib.get("href") or "").strip()
                text = normalize_space(" ".join(a.css("::text").getall()), keep_newlines=False)
                if not href or href.startswith(("javascript:", "#")) or len(text) < 4:
                    continue
                url = response.urljoin(href)
                if url not in out and url != response.url:
                    out.append(url)
                break
        return out[: int(self.ctx.option("max_letters", 100))]

    def list_row_item(self, response, row):
        link = row.css(self.ctx.option("list_link") or "a[href]")
        if not link:
            return None
        title = normalize_space(" ".join(link[0].css("::text").getall()), keep_newlines=False)
        if len(title) < 4:
            return None
        url = response.urljoin(link[0].attrib.get("href", ""))
        cells = normalize_space(" ".join(row.css("::text").getall()), keep_newlines=False)
        return self.make_item(response, identity=self.letter_identity(response, url), url=canonical_url(url),
                              title=title, text="", published_at=self.ctx.parse_time(cells))

    def letter_identity(self, response, url: str) -> str:
        canon = canonical_url(url)
        parts = urlsplit(canon)
        return f"board:{parts.netloc}:{parts.path}{'?' + parts.query if parts.query else ''}"

    def letter_key(self, response, url: str) -> str:
        return self.key_for_identity(self.letter_identity(response, url))

    def next_link(self, response) -> str | None:
        css = self.ctx.option("next_page")
        if css:
            href = response.css(css).attrib.get("href") if response.css(css) else None
            return response.urljoin(href) if href else None
        for a in response.css("a[href]"):
            if re.match(r"^\s*(下一页|下页|>)\s*$", "".join(a.css("::text").getall())):
                return response.urljoin(a.attrib["href"])
        return None

    def looks_like_letter(self, response) -> bool:
        if self.ctx.option("detail_text"):
            return bool(response.css(self.ctx.option("detail_text")))
        return bool(self.labelled_fields(response).get("text"))

    def labelled_fields(self, response) -> dict:
        found: dict[str, str] = {}
        pairs = []
        for row in response.css("tr"):
            cells = row.css("th, td")
            for i in range(len(cells) - 1):
                pairs.append((cells[i], cells[i + 1]))
        for dt in response.css("dt"):
            dd = dt.xpath("following-sibling::dd[1]")
            if dd:
                pairs.append((dt, dd[0]))
        for label_el in response.css("span.label, label, b, strong"):
            value = label_el.xpath("following-sibling::*[1]")
            if value:
                pairs.append((label_el, value[0]))
        for label_el, value_el in pairs:
            label = normalize_space(" ".join(label_el.css("::text").getall()), keep_newlines=False)
            for name, pattern in _LABELS.items():
                if name not in found and pattern.match(label):
                    value = element_text(value_el.root)
                    if value:
                        found[name] = value
        return found

    def letter_item(self, response):
        fields = self.labelled_fields(response)
        for name, option in (("title", "detail_title"), ("text", "detail_text"),
                             ("published_at", "detail_date"), ("author", "detail_author")):
            css = self.ctx.option(option)
            if css and response.css(css):
                fields[name] = element_text(response.css(css)[0].root)
        if not fields.get("text"):
            article = extract_article(response.text, response.url, now=self.ctx.clock(), tz=self.ctx.tz)
            if not article.is_article:
                self.logger.info("no letter text found, skipped: %s", response.url)
                return None
            fields.setdefault("title", article.title)
            fields["text"] = article.text
            fields.setdefault("author", article.author)
            if article.published_at and not fields.get("published_at"):
                fields["published_at"] = article.published_at
        title = fields.get("title") or ""
        if fields.get("category") and title and not title.startswith("【"):
            title = f"【{fields['category']}】{title}"
        when = fields.get("published_at")
        return self.make_item(
            response, identity=self.letter_identity(response, response.url), url=canonical_url(response.url),
            title=normalize_space(title, keep_newlines=False), text=fields["text"],
            author=fields.get("author") or None,
            published_at=when if hasattr(when, "tzinfo") else self.ctx.parse_time(when),
        )
