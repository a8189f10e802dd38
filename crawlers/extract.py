"""A general article extractor for news pages never seen before: title, body, publish time, author/source.

In the spirit of GNE (GeneralNewsExtractor) but our own code. It works on the
raw HTML with no per-site rules:

* **Body** — readability-style paragraph scoring with symbol density: every
  block of text scores by its length and its Chinese punctuation (，。！？；),
  link-heavy blocks score nothing, and each block's score flows to its parent
  and (halved) to its grandparent. The best-scoring container is the article;
  its navigation, share bars and "related" lists (link-dense or named so) are
  removed before its text is taken.
* **Title** — the heading (h1–h3, or an element named *title*) that shares the
  longest common substring with ``<title>`` / ``og:title``; else the first
  segment of ``<title>``.
* **Publish time** — meta tags (``article:published_time``, ``PubDate``,
  ``og:time``, ``datePublished`` …, WeChat's ``var ct``), ``<time datetime>``,
  then a dated line near the title (发布时间：… / 2019-09-18 06:23), parsed by
  :mod:`yuqing.crawlers.timeparse`.
* **Author / source** — meta author tags that look like a name, else
  作者：/记者/文/ and 来源：/稿源： patterns in the byline near the title.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import lxml.html
from lxml import etree

from yuqing.crawlers.textutil import element_text, normalize_space
from yuqing.crawlers.timeparse import find_time, parse_time

_PUNCT = re.compile(r"[，。！？；、：“”,.!?;]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NEGATIVE = re.compile(
    r"comment|footer|foot|nav|menu|sidebar|side-|side_|aside|share|recommend|related|relate|hot|rank|"
    r"breadcrumb|crumb|copyright|advert|\bad\b|ad-|ad_|banner|login|header|toolbar|tags?\b|pager|pagination|"
    r"qrcode|weixin-code|author-info|statement|disclaimer|sponsor|bottom|popup|modal|tool",
    re.I,
)
_POSITIVE = re.compile(r"article|content|post-body|main-text|text|body|detail|news|entry|rich_media|正文", re.I)
_TITLE_SEP = re.compile(r"\s*(?:[_|｜]|--|—|–| - )\s*")
_SOURCE = re.compile(r"(?:来源|稿源|出处|来自|转自|文章来源|信息来源)\s*[：:]\s*([^\s|，。/\\]{2,24})")
_AUTHOR = re.compile(r"(?<![责任编])(?:作者|记者|撰文|文字|文|发布人|发布者)\s*[：:/／]\s*(?:(?:本报|本台)?(?:记者|通讯员|特约记者|见习记者)\s*)?([\u4e00-\u9fffA-Za-z·•]{2,20}?)(?=\s|$|[|，。,（(])")
_REPORTER = re.compile(r"(?:本报|本台|本网)?记者\s*([\u4e00-\u9fff]{2,4})(?:\s|、|报道|摄|$)")
_LABELLED_TIME = re.compile(r"(?:发布|发表|更新|上传)?(?:时间|日期)\s*[:：]\s*(\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}[^\n|]{0,12})")
_TIME_META = (
    "article:published_time", "og:release_date", "og:time", "publishdate", "pubdate", "publish_date",
    "publish-date", "publishtime", "publish_time", "firstpublishedtime", "datepublished", "date", "dc.date",
    "dc.date.issued", "sailthru.date", "weibo: article:create_at", "article:modified_time", "dateupdate",
    "lastmodifiedtime", "weibo: article:update_at", "og:updated_time",
)
_AUTHOR_META = ("article:author", "og:article:author", "author", "dc.creator", "byl")
_SOURCE_META = ("contentsource", "source", "og:site_name", "article:publisher", "weibo: article:source")
_CLOSERS = re.compile(r"</(?:html|body)\s*>", re.I)
_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "textarea", "select", "button", "input", "head")
_BLOCKS = {"p", "div", "td", "section", "article", "li", "pre", "blockquote", "span", "font", "dd", "main", "center", "tbody", "table"}


@dataclass
class Article:
    title: str = ""
    text: str = ""
    published_at: datetime | None = None
    author: str | None = None  # 作者 / 记者 as shown
    source: str | None = None  # 来源: the outlet the page names
    paragraphs: int = 0
    meta: dict = field(default_factory=dict)

    @property
    def byline(self) -> str | None:
        """What a post's ``author`` holds: the author, else the outlet."""
        return self.author or self.source

    @property
    def is_article(self) -> bool:
        """Enough running text to be an article rather than a list or index page."""
        return len(self.text) >= 80 and len(_PUNCT.findall(self.text)) >= 3


def _clean_tree(root) -> None:
    for bad in root.xpath("//comment() | //processing-instruction()"):
        if bad.getparent() is not None:
            bad.drop_tree()  # keeps the text that followed it
    for el in list(root.iter(*_DROP)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in root.xpath("//*[@style]"):
        style = el.get("style", "").replace(" ", "").lower()
        if "display:none" in style and el.getparent() is not None:
            el.drop_tree()


def _text_len(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


def _link_len(el) -> int:
    return sum(_text_len("".join(a.itertext())) for a in el.iter("a"))


def _class_id(el) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}"


def _own_text(el) -> str:
    """Text directly in el and in its inline children (not in nested blocks)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag.lower() not in _BLOCKS and child.tag.lower() != "br":
            parts.append("".join(child.itertext()))
        elif isinstance(child.tag, str) and child.tag.lower() == "br":
            parts.append("\n")
        parts.append(child.tail or "")
    return "".join(parts)


def _score_blocks(root) -> dict:
    scores: dict = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag not in _BLOCKS or tag in ("table", "tbody"):
            continue
        text = _own_text(el)
        length = _text_len(text)
        if length < 12:
            continue
        links = sum(_text_len("".join(a.itertext())) for a in el if isinstance(a.tag, str) and a.tag.lower() == "a")
        if links / max(length, 1) > 0.5:
            continue
        punct = len(_PUNCT.findall(text))
        if punct == 0 and length < 40:
            continue
        score = 1 + punct + min(length / 60, 4)
        parent = el.getparent()
        if tag in ("p", "span", "font", "li") and parent is not None:
            target, weight = parent, 1.0
        else:
            target, weight = el, 1.0
        for node, w in ((target, weight), (target.getparent(), weight / 2), ):
            if node is None:
                continue
            scores[node] = scores.get(node, 0.0) + score * w
    return scores


def _offsets(root) -> dict:
    """Characters of text before each element starts, in document order."""
    offsets, total = {}, 0
    for el in root.iter():
        offsets[el] = total
        if el.text:
            total += _text_len(el.text)
        if el.tail:
            total += _text_len(el.tail)
    return offsets


def _best_node(root, title_el=None):
    scores = _score_blocks(root)
    if not scores:
        return None
    offsets = _offsets(root) if title_el is not None else {}
    title_start = offsets.get(title_el)
    title_ancestors = set(title_el.iterancestors()) if title_el is not None else set()
    best, best_score = None, 0.0
    for node, score in scores.items():
        total = _text_len("".join(node.itertext()))
        if total == 0:
            continue
        link_density = _link_len(node) / total
        adjusted = score * (1 - link_density) ** 2
        cid = _class_id(node)
        if _POSITIVE.search(cid):
            adjusted *= 1.15
        if _NEGATIVE.search(cid) and not _POSITIVE.search(cid):
            adjusted *= 0.6
        if title_start is not None and node in offsets:
            start = offsets[node]
            if node in title_ancestors or 0 <= start - title_start < 700:
                adjusted *= 1.5  # the body follows its title
            elif start + total < title_start:
                adjusted *= 0.7  # entirely before the title: a sidebar or header block
        if adjusted > best_score:
            best, best_score = node, adjusted
    return best


def _prune(node) -> None:
    """Drop link lists, share bars and named junk inside the chosen container."""
    for el in list(node.iter()):
        if el is node or not isinstance(el.tag, str) or el.getparent() is None:
            continue
        tag = el.tag.lower()
        if tag not in _BLOCKS and tag not in ("ul", "ol", "dl", "table", "nav", "aside", "footer", "header"):
            continue
        total = _text_len("".join(el.itertext()))
        cid = _class_id(el)
        if tag in ("nav", "aside", "footer"):
            el.drop_tree()
            continue
        if total == 0:
            if not list(el.iter("img")):
                el.drop_tree()
            continue
        link_density = _link_len(el) / total
        punct = len(_PUNCT.findall("".join(el.itertext())))
        if link_density > 0.6 and punct < 3:
            el.drop_tree()
        elif _NEGATIVE.search(cid) and not _POSITIVE.search(cid) and punct < 3 + total / 80:
            el.drop_tree()


def _meta(root) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "").strip().lower()
        value = (m.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for obj in data if isinstance(data, list) else [data]:
            if isinstance(obj, dict):
                for k in ("datePublished", "headline"):
                    if isinstance(obj.get(k), str):
                        out.setdefault(f"ld:{k.lower()}", obj[k])
                author = obj.get("author")
                if isinstance(author, dict) and isinstance(author.get("name"), str):
                    out.setdefault("ld:author", author["name"])
    return out


def _lcs(a: str, b: str) -> int:
    """Length of the longest common substring (titles are short: quadratic is fine)."""
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


_TITLE_TAGS = ("h1", "h2", "h3", "h4", "h5")
_NOT_TITLE = re.compile(r"来源|发布时间|发布日期|时间[:：]|作者[:：]|浏览|点击|阅读|分享|首页|当前位置|您的位置|版权")


def _title_form(text: str) -> str:
    """Letters and digits only, NFKC: titles differ in quotes, spaces and ellipses between <title> and <h1>."""
    return re.sub(r"[^\w]|_", "", unicodedata.normalize("NFKC", text or "")).lower()


def _title_candidates(root):
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        cid = _class_id(el).lower()
        if tag not in _TITLE_TAGS and "title" not in cid and "activity-name" not in cid and "headline" not in cid:
            continue
        text = normalize_space("".join(el.itertext()), keep_newlines=False)
        if 4 <= len(text) <= 100:
            yield el, text, tag


_BADGE = re.compile(r"^(原创|独家|置顶|精华|推荐|热门|头条|转载)\s*")


def _title(root, meta: dict, html_text: str, page_title: str) -> tuple[str, object]:
    wx = re.search(r'var msg_title\s*=\s*"([^"]*)"', html_text)
    references = [r for r in (meta.get("og:title"), wx.group(1) if wx else "", page_title) if r]
    ref_forms = [_title_form(r) for r in references]
    # "_网易新闻", "--中国地理学会官网": a candidate that is only the site's name is not the title
    site_forms = [_title_form(p) for p in _TITLE_SEP.split(page_title)[1:] if p]
    best, best_key = None, (0.0, 0)
    for el, text, tag in _title_candidates(root):
        badge = _BADGE.match(text)
        if badge and not any(_title_form(badge.group(1)) in r for r in ref_forms):
            text = text[badge.end():]
        form = _title_form(text)
        if not form or any(form in site for site in site_forms):
            continue
        common = max((_lcs(form, r) for r in ref_forms), default=0)
        if common < min(6, len(form)) or common < 0.5 * len(form):
            continue
        # shared with <title>, minus what the candidate adds (a subtitle, a site name)
        score = common - 0.5 * (len(form) - common)
        key = (score, {"h1": 4, "h2": 3, "h3": 2, "h4": 1}.get(tag, 0))
        if key > best_key:
            best, best_key = (text, el), key
    if best:
        return best
    if wx and wx.group(1):
        return wx.group(1), None
    return "", None


def _title_before_body(root, node) -> tuple[str, object]:
    """A short heading-like block just before the body: pages whose <title> names only the site."""
    if node is None:
        return "", None
    preceding = []
    for el in root.iter():
        if el is node:
            break
        preceding.append(el)
    window = [el for el in reversed(preceding[-400:]) if isinstance(el.tag, str)]

    def usable(el) -> str:
        text = normalize_space("".join(el.itertext()), keep_newlines=False)
        if not 6 <= len(text) <= 80 or not _CJK.search(text) or _NOT_TITLE.search(text):
            return ""
        if _link_len(el) > len(text) / 2 or find_time(text):
            return ""
        return text

    for headings_only in (True, False):
        for el in window:
            tag = el.tag.lower()
            if tag in ("a", "li", "ul", "img"):
                continue
            if headings_only and tag not in (*_TITLE_TAGS, "h6", "strong", "b") and "title" not in _class_id(el).lower():
                continue
            text = usable(el)
            if text:
                return text, el
    return "", None


def _page_title_segment(page_title: str) -> str:
    parts = [p for p in _TITLE_SEP.split(page_title) if p]
    segment = (max(parts[:2], key=len) if parts else page_title).strip()
    m = re.match(r"^(.{8,}?)-([\u4e00-\u9fff]{1,8})$", segment)  # 中华人民共和国监察法-纪检
    return m.group(1) if m else segment


def _element_with_text(root, title: str):
    """The element whose text is the title (to find the byline after it)."""
    form = _title_form(title)
    if not form:
        return None
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() not in ("html", "body", "title"):
            text = "".join(el.itertext())
            if len(text) < 3 * len(title) + 20 and _title_form(text) == form:
                return el
    return None


def _following_text(root, anchor, limit: int = 600) -> str:
    """Text of the document from the title element on (the byline lives there)."""
    if anchor is None:
        return ""
    chunks, seen = [], 0
    started = False
    for el in root.iter():
        if el is anchor:
            started = True
        if not started or not isinstance(el.tag, str):
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                chunks.append(piece.strip())
                seen += len(piece)
        if seen > limit:
            break
    return " ".join(chunks)


def _published(root, meta: dict, html_text: str, byline_text: str, now, tz) -> datetime | None:
    for key in _TIME_META:
        value = meta.get(key) or meta.get(key + " ")
        if value:
            dt = parse_time(value, now=now, tz=tz)
            if dt:
                return dt
    for key, value in meta.items():
        if key.strip() in _TIME_META or key.startswith("ld:datepublished"):
            dt = parse_time(value, now=now, tz=tz)
            if dt:
                return dt
    ct = re.search(r'var ct\s*=\s*"(\d{10})"', html_text) or re.search(r'"publish_time"\s*:\s*(\d{10})', html_text)
    if ct:
        dt = parse_time(int(ct.group(1)), now=now, tz=tz)
        if dt:
            return dt
    for el in root.iter("time"):
        dt = parse_time(el.get("datetime") or "".join(el.itertext()), now=now, tz=tz)
        if dt:
            return dt
    labelled = [find_time(m.group(1), now=now, tz=tz) for m in _LABELLED_TIME.finditer(byline_text or "")]
    if labelled and labelled[0]:
        return labelled[0]
    everywhere = {find_time(m.group(1), now=now, tz=tz) for m in _LABELLED_TIME.finditer(root.text_content() or "")} - {None}
    if len(everywhere) == 1:  # one 发布日期 on the page, wherever the template puts it
        return everywhere.pop()
    if byline_text:
        dt = find_time(byline_text, now=now, tz=tz)
        if dt:
            return dt
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        cid = _class_id(el).lower()
        if any(w in cid for w in ("time", "date", "pub", "info", "source", "meta")):
            text = "".join(el.itertext())
            if len(text) < 300:
                dt = find_time(text, now=now, tz=tz)
                if dt:
                    return dt
    return None


def _plausible_name(value: str | None) -> str | None:
    if not value:
        return None
    value = normalize_space(value, keep_newlines=False).strip("　 |:：")
    if not value or "@" in value or "," in value or "http" in value or len(value) > 30:
        return None
    return value


_AUTHOR_CLASS = re.compile(r"author[-_]?name|authorname|writer|byline|editor-name|media-name|user-name", re.I)
_SOURCE_CLASS = re.compile(r"(^|[\s_-])(a_)?source([\s_-]|$)|article-source|source-name|media-source|ly\b", re.I)


def _near(root, anchor, before: int = 15, after: int = 80) -> list:
    """Elements around the title in document order: where a byline lives."""
    if anchor is None:
        return []
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    try:
        at = elements.index(anchor)
    except ValueError:
        return []
    return elements[max(0, at - before) : at + after]


def _by_class(elements, pattern: re.Pattern) -> str | None:
    for el in elements:
        if not isinstance(el.tag, str) or not pattern.search(el.get("class", "")):
            continue
        text = normalize_space("".join(el.itertext()), keep_newlines=False).strip("　 ⋅·|:：")
        text = re.sub(r"^(来源|作者|稿源)\s*[:：]\s*", "", text)
        if 2 <= len(text) <= 20 and _CJK.search(text) and not re.search(r"\d{2}|评论|阅读|关注|分享|回复|相关|热门", text):
            return text
    return None


def _author_source(meta: dict, html_text: str, byline_text: str, page_title: str, near=()) -> tuple[str | None, str | None]:
    site = _title_form(" ".join(_TITLE_SEP.split(page_title)[1:]))

    def not_site(value: str | None) -> str | None:
        value = _plausible_name(value)
        if value and site and _title_form(value) in site:
            return None  # "网易" on a 网易 page names the site, not the author
        return value

    author = source = None
    m = _SOURCE.search(byline_text)
    if m:
        source = m.group(1).strip()
    m = _AUTHOR.search(byline_text)
    if m:
        author = m.group(1).strip()
    if not author:
        m = _REPORTER.search(byline_text)
        if m:
            author = m.group(1)
    if not author and near:
        author = _by_class(near, _AUTHOR_CLASS)
    if not source and near:
        source = _by_class(near, _SOURCE_CLASS)
    if not author:
        for key in (*_AUTHOR_META, "ld:author"):
            author = not_site(meta.get(key))
            if author:
                break
    if not source:
        for key in _SOURCE_META[:2]:
            source = not_site(meta.get(key))
            if source:
                break
    nick = re.search(r'var nickname\s*=\s*"([^"]+)"', html_text)
    if nick:  # a WeChat article: the 公众号 is the source
        source = source or nick.group(1)
    return author, source


def extract_article(html_text: str, url: str | None = None, now: datetime | None = None, tz: str | None = None) -> Article:
    """Extract one article from a page's HTML (already decoded). Never raises on bad markup."""
    if not html_text or not html_text.strip():
        return Article()
    # a stray </html> or </body> before the content (pages/news/other_1.html) makes libxml2
    # attach the rest of the page where iteration never reaches it; both tags are optional anyway
    html_text = _CLOSERS.sub("", html_text)
    try:
        root = lxml.html.document_fromstring(html_text)
    except (etree.ParserError, ValueError):
        try:
            root = lxml.html.document_fromstring(html_text.encode("utf-8", "replace"))
        except (etree.ParserError, ValueError):
            return Article()
    meta = _meta(root)
    page_title = normalize_space(root.findtext(".//title") or "", keep_newlines=False)
    _clean_tree(root)
    title, title_el = _title(root, meta, html_text, page_title)
    node = _best_node(root, title_el)
    if not title:
        segment = _page_title_segment(page_title)
        if len(_title_form(segment)) >= 10:  # <title> names the article, not just the site
            title = segment
        else:
            title, title_el = _title_before_body(root, node)
            if title_el is not None:
                better = _best_node(root, title_el)
                node = better if better is not None else node
            title = title or segment
    if title_el is None and title:
        title_el = _element_with_text(root, title)
    byline_text = _following_text(root, title_el) if title_el is not None else ""
    published = _published(root, meta, html_text, byline_text, now, tz)
    author, source = _author_source(meta, html_text, byline_text, page_title, _near(root, title_el))
    text, paragraphs = "", 0
    if node is not None:
        _prune(node)
        text = element_text(node)
        paragraphs = sum(1 for line in text.split("\n") if len(line) > 10)
        text = _trim_body(text, title)
    return Article(title=title, text=text, published_at=published, author=author, source=source,
                   paragraphs=paragraphs, meta={k: v for k, v in meta.items() if len(v) < 200})


_BOILERPLATE_LINE = re.compile(
    r"^(点击展开|展开全文|收起全文|分享到|扫一扫|打印|字体[:：]?|【?字号|关闭窗口|返回顶部|相关阅读|举报|责任编辑|原标题)"
)


_STUB_LINE = re.compile(r"^(图集|\+1|[|｜·•\-—]+|\d{1,2}/\d{1,2}|分享到[:：]?|打印|收藏)$")


def _trim_body(text: str, title: str) -> str:
    lines = [line for line in text.split("\n")]
    while lines and (not lines[0].strip() or lines[0].strip() == title.strip() or _STUB_LINE.match(lines[0].strip())):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _STUB_LINE.match(lines[-1].strip())):
        lines.pop()
    cleaned = [line for line in lines if not (len(line) < 30 and _BOILERPLATE_LINE.match(line.strip()))]
    return normalize_space("\n".join(cleaned))


__all__ = ["Article", "extract_article"]
