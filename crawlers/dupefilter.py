"""A request filter that remembers only the current run.

Scrapy's default filter keeps every fingerprint in ``JOBDIR/requests.seen``.
If a crawl dies after a detail page was requested but before its post reached
the store, that page would never be requested again. Here the filter drops
repeats within one run only; across runs the store decides what is seen
(``posts.seen`` before detail pages are requested), and the JOBDIR still keeps
the queue of pending requests for a paused crawl.
"""
from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter


class RunDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler):
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)
