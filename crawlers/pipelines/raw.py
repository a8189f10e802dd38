"""Keep the page each post came from, gzipped, for audit: ``data_dir/raw/<source>/<day>/<sha1>.html.gz``.

``raw_ref`` is the path relative to the data directory. A page holding twenty
posts is written once (the file name is the hash of its bytes). Switched off
by ``storage.keep_raw_pages: false``. The page bytes never reach the store or
a feed export.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from datetime import timezone

from scrapy.exceptions import NotConfigured

from yuqing.crawlers.pipelines import YuqingPipeline


class RawPagePipeline(YuqingPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        ctx = crawler.spider.ctx
        if ctx.config is None or not ctx.config.storage.keep_raw_pages or ctx.data_dir is None:
            raise NotConfigured("raw pages are not kept (storage.keep_raw_pages is false)")
        self.root = ctx.data_dir
        self.written: set[str] = set()

    def process_item(self, item):
        body = item.pop("raw_body", None)
        item.pop("raw_url", None)
        if item.get("update_only") or not body:
            return item
        digest = hashlib.sha1(body).hexdigest()
        day = (item.get("fetched_at") or self.ctx.clock()).astimezone(timezone.utc).strftime("%Y-%m-%d")
        rel = f"raw/{self.ctx.name}/{day}/{digest}.html.gz"
        if rel not in self.written:
            path = self.root / rel
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                with gzip.open(tmp, "wb") as fh:
                    fh.write(body)  # the bytes exactly as received
                os.replace(tmp, path)
                self.count("raw_pages")
            self.written.add(rel)
        item["raw_ref"] = rel
        return item
