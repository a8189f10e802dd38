"""Canonical URLs and post identities: what makes two sightings the same post.

A post's identity string is, in order of preference, the platform's own id
(``weibo:<mid>``, ``tieba:<post id>``, ``weixin:<biz>:<mid>:<idx>``,
``sogou_weixin:<docid>``, ``board:<host>:<id>``), else ``url:`` and the
canonical URL, else (hand entries without a link) ``text:`` and a hash of the
text. :func:`yuqing.store.post_key` turns it into the stored key, so the same
post reached from two sources, or through a share link with tracking
parameters, is stored once.

Canonical URL: lower-case scheme and host, default port dropped, fragment
dropped, tracking parameters (utm_*, spm, from, share_token, refer_flag,
wfr, …) removed, the rest sorted.
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

from yuqing.crawlers.textutil import match_form
from yuqing.store import post_key

#: query parameters that only say how someone got to the page
TRACKING_PARAMS = frozenset(
    {
        "spm", "from", "share_token", "share_source", "share_from", "share_medium", "share_plat", "share_tag",
        "shareid", "share_id", "sharefrom", "refer", "referer", "referrer", "ref", "ref_src", "refer_flag",
        "scene", "wfr", "for", "chksm", "mpshare", "clicktime", "enterid", "isappinstalled", "vd_source",
        "luicode", "lfid", "fr", "fromid", "fromsource", "source_from", "gclid", "fbclid", "yclid", "msclkid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "pvid", "track_id", "trackid", "jsessionid", "phpsessid",
        "nojs", "wm", "t_trace", "sudaref", "wxfrom", "_wv", "tt_from", "s_trans", "s_channel",
    }
)
TRACKING_PREFIXES = ("utm_", "rsv_", "sharer_", "share_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci", "mkt_", "pk_")
#: parameters kept even though they look like tracking on some hosts
_KEEP_BY_HOST = {
    "mp.weixin.qq.com": {"__biz", "mid", "idx", "sn"},
}

_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mid_to_bid(mid: str | int) -> str:
    """Weibo's numeric mid → the base-62 id in weibo.com/<uid>/<bid> links."""
    digits = str(mid)
    out = []
    while digits:
        chunk, digits = digits[-7:], digits[:-7]
        n = int(chunk)
        enc = ""
        while n:
            n, r = divmod(n, 62)
            enc = _B62[r] + enc
        out.append(enc.rjust(4, "0") if digits else enc or "0")
    return "".join(reversed(out))


def bid_to_mid(bid: str) -> str:
    """The inverse of :func:`mid_to_bid`."""
    out = []
    while bid:
        chunk, bid = bid[-4:], bid[:-4]
        n = 0
        for ch in chunk:
            idx = _B62.find(ch)
            if idx < 0:
                raise ValueError(f"not a weibo id: {chunk!r}")
            n = n * 62 + idx
        out.append(str(n).rjust(7, "0") if bid else str(n))
    return "".join(reversed(out)).lstrip("0") or "0"


def _is_tracking(name: str, host: str, names: set[str]) -> bool:
    lname = name.lower()
    keep = _KEEP_BY_HOST.get(host)
    if keep and keep & names:  # a host where we know exactly which parameters matter
        return lname not in keep
    if keep:  # e.g. a temporary mp.weixin.qq.com/s?src=3&signature=… link: nothing else identifies it
        return False
    return lname in TRACKING_PARAMS or lname.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """The URL with tracking parameters and fragment removed, host lower-cased, parameters sorted."""
    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
    url = safe_url_string(url)
    parts = urlsplit(url)
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = {k.lower() for k, _ in pairs}
    query = [(k, v) for k, v in pairs if not _is_tracking(k, host, names)]
    path = parts.path or "/"
    clean = urlunsplit((scheme, netloc, path, urlencode(query), ""))
    return canonicalize_url(clean, keep_fragments=False)


def url_identity(url: str) -> str:
    """``platform:id`` when the URL names a known platform's post, else ``url:`` + the canonical URL."""
    canon = canonical_url(url)
    return platform_identity(canon) or f"url:{canon}"


_WEIBO_PATHS = (
    re.compile(r"^/(?:status|detail)/(\w+)$"),  # m.weibo.cn/status/<mid|bid>, m.weibo.cn/detail/<mid>
    re.compile(r"^/\d+/([0-9a-zA-Z]{8,10})$"),  # weibo.com/<uid>/<bid>
)


def platform_identity(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    query = dict(parse_qsl(parts.query))
    if host.endswith("weibo.cn") or host.endswith("weibo.com"):
        for pattern in _WEIBO_PATHS:
            m = pattern.match(parts.path.rstrip("/"))
            if m:
                ident = m.group(1)
                try:
                    return f"weibo:{ident if ident.isdigit() else bid_to_mid(ident)}"
                except ValueError:
                    return None
    if host == "mp.weixin.qq.com" and {"__biz", "mid", "idx"} <= query.keys():
        return f"weixin:{query['__biz']}:{query['mid']}:{query['idx']}"
    if host.endswith("tieba.baidu.com"):
        m = re.match(r"^/p/(\d+)", parts.path)
        if m and query.get("pid", "").isdigit():
            return f"tieba:{query['pid']}"
    return None


def text_identity(title: str, text: str) -> str:
    """For posts without a link (hand entries): a hash of the normalised title and text."""
    digest = hashlib.sha1(match_form(f"{title}\n{text}").encode("utf-8")).hexdigest()
    return f"text:{digest}"


def identity_of(item) -> str:
    """The identity string of an item (dict-like): explicit > platform id from URL > URL > text hash."""
    explicit = item.get("identity")
    if explicit:
        return explicit
    url = item.get("url")
    if url:
        return url_identity(url)
    return text_identity(item.get("title") or "", item.get("text") or "")


def key_of(item) -> str:
    return post_key(identity_of(item))


__all__ = [
    "canonical_url", "url_identity", "platform_identity", "identity_of", "key_of", "text_identity",
    "mid_to_bid", "bid_to_mid", "TRACKING_PARAMS",
]
