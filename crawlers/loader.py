"""From configured sources to Scrapy spiders and settings.

* :func:`source_settings` — a source's own politeness and job settings
  (delay, per-domain concurrency, AutoThrottle start, JOBDIR under
  ``data_dir/jobs/<source>``).
* :func:`spider_class_for` — the kind's spider class, specialised for one
  source (its name and settings), as ``scrapy crawl <source>`` needs.
* :class:`SourceSpiderLoader` — Scrapy's SPIDER_LOADER_CLASS: ``scrapy list``
  shows the kinds and the configured sources; ``scrapy crawl county-news`` or
  ``scrapy crawl news -a source=county-news`` both work from the repository
  root (the configuration is found the usual way: YUQING_CONFIG, yuqing.yaml).
* :func:`prepare_job_dir` — a JOBDIR left by a crawl that was killed (not
  paused) has a request queue that may be torn; it is set aside, and the
  store's keys make the next run fetch whatever was lost.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from yuqing.config import ConfigError, Source, load
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.spiders import SPIDERS, canonical_kind, spider_class

log = logging.getLogger(__name__)
RUNNING = "yuqing.running"


def source_settings(cfg, source: Source) -> dict:
    settings = {
        "DOWNLOAD_DELAY": float(source.delay_seconds),
        "AUTOTHROTTLE_START_DELAY": max(0.0, float(source.delay_seconds)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(source.concurrency),
        "CONCURRENT_REQUESTS": max(8, int(source.concurrency)),
    }
    if source.delay_seconds == 0:
        settings["DOWNLOAD_DELAY_JITTER"] = 0
    if cfg is not None and source.options.get("resumable", True):
        settings["JOBDIR"] = str(cfg.data_dir / "jobs" / source.name)
    for key, value in (source.options.get("scrapy_settings") or {}).items():
        if re.fullmatch(r"[A-Z][A-Z0-9_]*", str(key)):
            settings[key] = value
    return settings


def spider_class_for(cfg, source: Source):
    base = spider_class(source.kind)
    ident = re.sub(r"\W", "_", source.name)
    return type(
        f"{base.__name__}_{ident}",
        (base,),
        {"name": source.name, "source_name": source.name, "custom_settings": source_settings(cfg, source),
         "__module__": base.__module__},
    )


def prepare_job_dir(path: Path) -> None:
    """Set aside a job directory whose last crawl did not close (killed), keep a cleanly paused one."""
    marker = path / RUNNING
    if not marker.exists():
        return
    try:
        pid = int(marker.read_text().strip() or 0)
    except (ValueError, OSError):
        pid = 0
    if pid and pid != os.getpid() and _alive(pid):
        from yuqing.errors import YuqingError

        raise YuqingError(f"source {path.name} is being crawled by process {pid}; wait for it to finish")
    stale = path.with_name(path.name + ".stale")
    shutil.rmtree(stale, ignore_errors=True)
    path.rename(stale)
    log.warning("the last crawl of %s did not finish cleanly; its request queue was set aside in %s "
                "(pages not stored then are fetched again now)", path.name, stale)


def mark_running(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / RUNNING).write_text(str(os.getpid()))


def mark_stopped(path: Path) -> None:
    try:
        (path / RUNNING).unlink()
    except FileNotFoundError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def context_from_settings(settings, kind: str, source_name: str | None) -> CrawlContext:
    """The context of a spider started by ``scrapy crawl`` (no deployment handed in): load and open it."""
    from yuqing.deployment import Deployment

    cfg = load(settings.get("YUQING_CONFIG") or None)
    kind = canonical_kind(kind)
    if source_name:
        source = cfg.source(source_name)
        if canonical_kind(source.kind) != kind:
            raise ConfigError(f"source {source_name!r} is of kind {source.kind}, not {kind}")
    else:
        matching = [s for s in cfg.sources if canonical_kind(s.kind) == kind]
        if not matching:
            raise ConfigError(f"no configured source of kind {kind}; add one to sources or pass -a source=NAME")
        source = matching[0]
    return CrawlContext(source=source, config=cfg, deployment=Deployment.open(cfg), owns_deployment=True)


class SourceSpiderLoader:
    """Spiders by source name (configured) or by kind."""

    def __init__(self, settings):
        self.settings = settings
        try:
            self.config = load(settings.get("YUQING_CONFIG") or None)
        except ConfigError as e:
            log.debug("no configuration for the spider loader: %s", e)
            self.config = None

    @classmethod
    def from_settings(cls, settings):
        return cls(settings)

    def list(self) -> list[str]:
        names = list(SPIDERS)
        if self.config is not None:
            names += [s.name for s in self.config.sources if s.kind in SPIDERS and s.name not in SPIDERS]
        return names

    def load(self, spider_name: str):
        if self.config is not None:
            for source in self.config.sources:
                if source.name == spider_name and canonical_kind(source.kind) in SPIDERS:
                    if source.options.get("resumable", True):
                        prepare_job_dir(self.config.data_dir / "jobs" / source.name)
                    return spider_class_for(self.config, source)
        try:
            return spider_class(spider_name)
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def find_by_request(self, request) -> list[str]:
        return []
