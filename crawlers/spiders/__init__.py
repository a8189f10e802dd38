"""One spider per source kind (see yuqing.config.SOURCE_KINDS; ``manual`` has none: it is typed in).

:data:`SPIDERS` maps a kind to its spider's ``module:class``; :func:`spider_class`
imports it. ``weixin`` is accepted as another name for ``sogou_weixin``.
"""
from __future__ import annotations

import importlib

SPIDERS: dict[str, str] = {
    "news": "yuqing.crawlers.spiders.news:NewsSpider",
    "rss": "yuqing.crawlers.spiders.rss:RssSpider",
    "weibo": "yuqing.crawlers.spiders.weibo:WeiboSpider",
    "weibo_mobile": "yuqing.crawlers.spiders.weibo_mobile:WeiboMobileSpider",
    "baidu": "yuqing.crawlers.spiders.baidu:BaiduSpider",
    "baidu_news": "yuqing.crawlers.spiders.baidu_news:BaiduNewsSpider",
    "sogou_weixin": "yuqing.crawlers.spiders.sogou_weixin:SogouWeixinSpider",
    "youdao": "yuqing.crawlers.spiders.youdao:YoudaoSpider",
    "tieba": "yuqing.crawlers.spiders.tieba:TiebaSpider",
    "board": "yuqing.crawlers.spiders.board:BoardSpider",
}
ALIASES = {"weixin": "sogou_weixin", "wechat": "sogou_weixin", "weibo_pc": "weibo", "m.weibo": "weibo_mobile"}


def canonical_kind(kind: str) -> str:
    return ALIASES.get(kind, kind)


def spider_class(kind: str):
    """The spider class serving a source kind; KeyError for kinds without one."""
    module, _, attr = SPIDERS[canonical_kind(kind)].partition(":")
    return getattr(importlib.import_module(module), attr)
