"""Keep posts about the locality: include names/aliases/units/terms, exclude rules, look-alike names.

The rule itself is :class:`yuqing.crawlers.matching.LocalityMatcher` (with the
source's overrides); this pipeline applies it, records the names and keywords
found in ``matched_keywords`` and drops the rest with the reason counted
(``no_locality``, ``lookalike_only``, ``excluded``, ``no_keyword``).
"""
from __future__ import annotations

from yuqing.crawlers.pipelines import YuqingPipeline


class LocalityPipeline(YuqingPipeline):
    def process_item(self, item):
        if item.get("update_only"):
            return item
        matcher = self.ctx.matcher
        if matcher is None:
            return item
        result = matcher.match(item.get("title"), item.get("text"))
        item["matched_keywords"] = result.matched
        if not result.keep:
            self.drop(result.reason, result.detail or item.get("url") or "")
        return item
