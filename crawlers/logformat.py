"""Short log lines for items: a post is named by its source and URL, never dumped with its page bytes."""
from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter


def _name(item) -> str:
    try:
        return f"{item.get('source')} {item.get('url') or item.get('identity') or (item.get('title') or '')[:30]}"
    except AttributeError:  # pragma: no cover - not a mapping
        return type(item).__name__


class PostLogFormatter(LogFormatter):
    def scraped(self, item, response, spider):
        return {"level": logging.DEBUG, "msg": "post passed the pipelines: %(post)s", "args": {"post": _name(item)}}

    def dropped(self, item, exception, response, spider):
        return {"level": logging.DEBUG, "msg": "post dropped (%(why)s): %(post)s",
                "args": {"why": exception, "post": _name(item)}}

    def item_error(self, item, exception, response, spider):
        return {"level": logging.ERROR, "msg": "error processing post %(post)s",
                "args": {"post": _name(item)}}
