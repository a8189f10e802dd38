"""Which encoding a page's bytes are really in.

Chinese sites often lie: a page declares ``gb2312`` while its bytes are UTF-8
(pages/news/qq_2.html), or declares ``utf-8`` while its bytes are GBK (weibo's
ban and busy pages). Browsers cope by sniffing; so do we. The rule, in order:
a byte-order mark; bytes that are valid UTF-8 (GBK text is practically never
valid UTF-8); the declared encoding (HTTP header, then ``<meta>``) if the
bytes decode cleanly with it; GB18030 (a superset of GB2312 and GBK); Big5;
then charset_normalizer's guess. Declared GB2312/GBK always decode as GB18030.
"""
from __future__ import annotations

import codecs
import re

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
            "big5-hkscs": "big5hkscs", "utf8": "utf-8", "unicode": "utf-8"}


def canonical(name: str | None) -> str | None:
    """A codec name Python knows, with the GBK family widened to GB18030; None if unknown."""
    if not name:
        return None
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if found in ("gb2312", "gbk") else found


def declared_encoding(body: bytes) -> str | None:
    """The charset named in an XML declaration or a ``<meta>`` tag near the top of the page."""
    head = body[:4096]
    m = _XML_DECL.search(head) or _META.search(head)
    return canonical(m.group(1).decode("ascii", "ignore")) if m else None


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _mostly_utf8(body: bytes) -> bool:
    """Valid UTF-8 apart from a few broken bytes (a page cut short, one stray byte)."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    if bad <= 0:
        return True
    non_ascii = sum(1 for b in body if b >= 0x80)
    return bad <= 8 and bad * 500 < non_ascii


def sniff_encoding(body: bytes, header_encoding: str | None = None) -> str:
    """The encoding to decode ``body`` with (see the module docstring for the order)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    declared = canonical(header_encoding) or declared_encoding(body)
    if body.isascii():
        return declared if declared and declared.startswith(("utf", "gb", "big5", "ascii", "iso8859", "cp")) else "utf-8"
    if _decodes(body, "utf-8"):
        return "utf-8"
    if declared and declared != "utf-8" and _decodes(body, declared):
        return declared
    for candidate in ("gb18030", "big5"):
        if _decodes(body, candidate):
            return candidate
    if _mostly_utf8(body):
        return "utf-8"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None and canonical(best.encoding):
            return canonical(best.encoding)  # type: ignore[return-value]
    except Exception:  # pragma: no cover - detector failure is not fatal
        pass
    return declared or "utf-8"


def decode_html(body: bytes, header_encoding: str | None = None) -> tuple[str, str]:
    """``(text, encoding)`` for a page's bytes; undecodable bytes become U+FFFD, never an error."""
    encoding = sniff_encoding(body, header_encoding)
    return body.decode(encoding, errors="replace"), encoding
