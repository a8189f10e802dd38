"""Does a post concern the locality? The keep/drop rule every source applies.

A post is kept when
  * it names the locality — its name, an alias, a sub-unit (乡镇、街道、社区、村)
    or a local term such as 云溪大道 — unless the source sets
    ``require_locality: false`` (a source that is about the locality anyway,
    such as the county's own 留言板);
  * it matches an include keyword, only if the source sets
    ``options.require_keyword: true``;
  * and no exclude rule matches (global ``keywords.exclude`` plus the
    source's ``exclude``; a rule starting with ``re:`` is a regular expression).

Look-alike names (``locality.lookalikes``, e.g. 云溪区 next to 云溪县) never
count on their own: their occurrences are masked before names are searched,
so "云溪区召开会议" does not match the alias 云溪, while "云溪区和云溪县" does.
Matching ignores case, spaces, full-/half-width differences and traditional
characters (雲溪縣 names 云溪县).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from yuqing.crawlers.textutil import match_form
from yuqing.hanzi import simplified

#: drop reasons, also the stats keys (yuqing/dropped/<reason>)
NO_LOCALITY = "no_locality"
LOOKALIKE_ONLY = "lookalike_only"
EXCLUDED = "excluded"
NO_KEYWORD = "no_keyword"


@dataclass
class Match:
    keep: bool
    reason: str | None = None  # one of the drop reasons above when keep is False
    detail: str = ""  # the exclude rule or look-alike that decided it
    matched: list[str] = field(default_factory=list)  # names and keywords found, in configuration spelling
    locality: list[str] = field(default_factory=list)  # the locality names found


class _Rule:
    def __init__(self, raw: str):
        self.raw = raw
        if raw.startswith("re:"):
            self.regex: re.Pattern | None = re.compile(raw[3:], re.I)
            self.form = ""
        else:
            self.regex = None
            self.form = match_form(raw)

    def hit(self, form: str, original: str) -> bool:
        if self.regex is not None:
            return bool(self.regex.search(original) or self.regex.search(form))
        return bool(self.form) and self.form in form


class LocalityMatcher:
    """The keep/drop rule for one source (see the module docstring)."""

    def __init__(
        self,
        names: list[str],
        lookalikes: list[str] = (),
        include: list[str] = (),
        exclude: list[str] = (),
        officials: list[str] = (),
        require_locality: bool = True,
        require_keyword: bool = False,
    ):
        self.names = [(n, match_form(n)) for n in dict.fromkeys(names) if match_form(n)]
        self.lookalikes = [(n, match_form(n)) for n in dict.fromkeys(lookalikes) if match_form(n)]
        self.include = [(k, match_form(k)) for k in dict.fromkeys(include) if match_form(k)]
        self.officials = [(k, match_form(k)) for k in dict.fromkeys(officials) if match_form(k)]
        self.exclude = [_Rule(r) for r in dict.fromkeys(exclude) if r]
        self.require_locality = require_locality
        self.require_keyword = require_keyword

    @classmethod
    def for_source(cls, cfg, source=None) -> "LocalityMatcher":
        """The matcher of a configured source (or of hand entries when source is None)."""
        loc = cfg.locality
        include = list(cfg.keywords.include)
        exclude = list(cfg.keywords.exclude)
        require_locality, require_keyword = True, False
        if source is not None:
            if source.keywords is not None:
                include = list(source.keywords)
            exclude += list(source.exclude)
            require_locality = source.require_locality
            require_keyword = bool(source.options.get("require_keyword", False))
        return cls(
            names=[*loc.names(), *loc.terms],
            lookalikes=list(loc.lookalikes),
            include=include,
            exclude=exclude,
            officials=list(loc.officials),
            require_locality=require_locality,
            require_keyword=require_keyword,
        )

    def _masked(self, form: str) -> tuple[list[tuple[int, int]], list[str]]:
        spans, found = [], []
        for raw, la in self.lookalikes:
            start = form.find(la)
            if start >= 0:
                found.append(raw)
            while start >= 0:
                spans.append((start, start + len(la)))
                start = form.find(la, start + 1)
        return spans, found

    @staticmethod
    def _free_hit(form: str, needle: str, spans: list[tuple[int, int]]) -> bool:
        start = form.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not any(a <= start and end <= b for a, b in spans):
                return True
            start = form.find(needle, start + 1)
        return False

    def match(self, title: str | None, text: str | None = "") -> Match:
        original = f"{title or ''}\n{text or ''}"
        form = match_form(simplified(original))
        for rule in self.exclude:
            if rule.hit(form, original):
                return Match(False, EXCLUDED, rule.raw)
        spans, lookalikes_found = self._masked(form)
        locality = [raw for raw, n in self.names if self._free_hit(form, n, spans)]
        keywords = [raw for raw, k in self.include if k in form]
        officials = [raw for raw, k in self.officials if k in form]
        matched = list(dict.fromkeys([*locality, *keywords, *officials]))
        if self.require_locality and not locality:
            if lookalikes_found:
                return Match(False, LOOKALIKE_ONLY, "、".join(lookalikes_found), matched)
            return Match(False, NO_LOCALITY, "", matched)
        if self.require_keyword and not keywords:
            return Match(False, NO_KEYWORD, "", matched, locality)
        return Match(True, None, "", matched, locality)


__all__ = ["LocalityMatcher", "Match", "NO_LOCALITY", "LOOKALIKE_ONLY", "EXCLUDED", "NO_KEYWORD"]
