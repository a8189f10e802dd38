"""What a spider needs to know about its deployment, in one object.

A :class:`CrawlContext` joins a configured :class:`~yuqing.config.Source` with
the deployment's configuration and store: the search queries built from the
locality's names and keywords, the keep/drop matcher, "which of these keys are
stored already", the login cookie (read from the environment, never logged),
back-off state and the time zone. ``yuqing parse`` uses an offline context:
no store, a fixed ``now`` and no follow-up requests.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Iterable

from yuqing.config import Config, Source
from yuqing.crawlers.matching import LocalityMatcher
from yuqing.crawlers.timeparse import DEFAULT_TZ, parse_time

log = logging.getLogger(__name__)


@dataclass
class CrawlContext:
    source: Source
    config: Config | None = None
    deployment: Any = None  # yuqing.deployment.Deployment; None offline
    offline: bool = False
    now: datetime | None = None  # fixed reference time for relative dates (offline); live crawls use the clock
    owns_deployment: bool = False  # opened by the spider itself (scrapy crawl): closed when it closes
    extra: dict = field(default_factory=dict)

    # -- construction ------------------------------------------------------
    @classmethod
    def offline_for(cls, kind: str, config: Config | None = None, now: datetime | None = None,
                    options: dict | None = None) -> "CrawlContext":
        source = Source(name=f"parse-{kind}".replace("_", "-"), kind=kind, options=options or {},
                        require_locality=False)
        return cls(source=source, config=config, offline=True, now=now)

    # -- time --------------------------------------------------------------
    @property
    def tz(self) -> str:
        return self.config.timezone if self.config is not None else DEFAULT_TZ

    def clock(self) -> datetime:
        return self.now or datetime.now(timezone.utc)

    def parse_time(self, value) -> datetime | None:
        dt = parse_time(value, now=self.clock(), tz=self.tz)
        return dt

    # -- configuration -----------------------------------------------------
    @property
    def name(self) -> str:
        return self.source.name

    @property
    def kind(self) -> str:
        return self.source.kind

    def option(self, name: str, default=None):
        return self.source.options.get(name, default)

    @cached_property
    def matcher(self) -> LocalityMatcher | None:
        return LocalityMatcher.for_source(self.config, self.source) if self.config is not None else None

    def queries(self) -> list[str]:
        """Search terms: the source's options.queries, else the locality's names, then name + keyword pairs."""
        explicit = self.option("queries")
        if explicit:
            return [str(q) for q in explicit]
        if self.config is None:
            return []
        loc = self.config.locality
        keywords = self.source.keywords if self.source.keywords is not None else self.config.keywords.include
        queries = [loc.name, *loc.aliases]
        queries += [f"{loc.name} {kw}" for kw in keywords]
        limit = int(self.option("max_queries", 12))
        return list(dict.fromkeys(queries))[:limit]

    @property
    def data_dir(self) -> Path | None:
        return self.config.data_dir if self.config is not None else None

    @property
    def job_dir(self) -> Path | None:
        return self.data_dir / "jobs" / self.name if self.data_dir is not None else None

    # -- the store ---------------------------------------------------------
    def seen(self, keys: Iterable[str]) -> set[str]:
        """Which of these post keys are stored already (empty offline)."""
        keys = [k for k in keys if k]
        if not keys or self.deployment is None:
            return set()
        try:
            return self.deployment.posts.seen(keys)
        except Exception as e:  # a store hiccup must not stop the crawl: fetch again, the store dedups
            log.warning("%s: could not check seen posts (%s); fetching them again", self.name, type(e).__name__)
            return set()

    # -- login -------------------------------------------------------------
    def cookies(self) -> dict[str, str]:
        """The login cookie from the source's cookie_env (``name=value; …``); {} when unset."""
        var = self.source.cookie_env
        raw = os.environ.get(var, "") if var else ""
        if not raw:
            return {}
        jar = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:  # malformed cookie text: take the simple pairs
            return dict(p.strip().split("=", 1) for p in raw.split(";") if "=" in p)
        return {k: m.value for k, m in jar.items()}

    def close(self) -> None:
        if self.owns_deployment and self.deployment is not None:
            self.deployment.close()
            self.deployment = None


__all__ = ["CrawlContext"]
