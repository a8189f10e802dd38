"""Small text helpers every parser needs: HTML fragments to text, whitespace, counts like 1.2万.

Kept free of Scrapy so the parsers, pipelines and the offline ``yuqing parse``
share exactly the same cleaning.
"""
from __future__ import annotations

import html
import re
import unicodedata

import lxml.html
from lxml import etree

#: characters that carry nothing and break matching (zero-width, BOM, soft hyphen)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
#: control characters, and the private-use area (搜狗 marks search hits with U+E40A…U+E40B)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_BLOCK_TAGS = {
    "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "blockquote", "pre", "table", "ul", "ol", "dd", "dt", "header", "footer", "figure", "figcaption",
}
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "head", "textarea", "select")


def normalize_space(text: str | None, keep_newlines: bool = True) -> str:
    """Collapse runs of spaces (incl. full-width and nbsp), drop invisible and control characters."""
    if not text:
        return ""
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not keep_newlines:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def html_to_text(fragment: str | None) -> str:
    """Text of an HTML fragment: block elements and <br> become line breaks, emoticon images their alt text."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return normalize_space(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalize_space(re.sub(r"<[^>]+>", " ", html.unescape(fragment)))
    return element_text(root)


def element_text(el) -> str:
    """Readable text of an lxml element (same rules as :func:`html_to_text`)."""
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        tag = tag.lower()
        if tag in _DROP_TAGS or not isinstance(node.tag, str):
            if node.tail:
                parts.append(node.tail)
            return
        if tag == "br":
            parts.append("\n")
        if tag == "img":
            alt = (node.get("alt") or "").strip()
            # weibo and tieba emoticons are images whose alt is the [表情] text
            if alt.startswith("[") and alt.endswith("]") and len(alt) <= 12:
                parts.append(alt)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(el)
    return normalize_space("".join(parts))


def match_form(text: str | None) -> str:
    """The form used for keyword matching: NFKC (full-width → half-width), lower-case, no spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", "", text.translate(_INVISIBLE))


_COUNT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万|w|W|亿|千|k|K)?\s*(\+)?")


def parse_count(value) -> int:
    """Engagement counts as platforms show them: 12, "1,234", "1.2万", "100万+", "3亿", "转发 12"; "转发" alone is 0."""
    if value is None or value is False:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return max(0, int(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = _COUNT.search(text)
    if not m:
        return 0
    number = float(m.group(1).replace(",", ""))
    unit = m.group(2)
    factor = {"万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000, "K": 1_000}.get(unit or "", 1)
    return int(round(number * factor))


def first(*values):
    """The first value that is not None or empty."""
    for v in values:
        if v not in (None, "", [], {}):
            return v
    return None


def truncate(text: str, limit: int) -> str:
    """Cut text to ``limit`` characters at a line or sentence end where one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for sep in ("\n", "。", "！", "？", ". "):
        at = cut.rfind(sep)
        if at > limit * 0.8:
            return cut[: at + len(sep)].rstrip()
    return cut.rstrip()
