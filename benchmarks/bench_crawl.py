"""Crawler throughput: parsing saved pages per spider, and crawling the local demo site through Scrapy.

* ``parse_<kind>_pages_per_s`` — the spider's offline parser (``yuqing parse``:
  decode, parse, clean, key) on the real saved pages in ../shared/data/pages,
  and on our own samples for the kinds without real pages (百度新闻, 有道, 留言板, RSS).
* ``crawl_pages_per_s`` — a full ``yuqing crawl`` of every demo source against the
  local demo site (127.0.0.1, no politeness delay), pages fetched per second of wall
  time including process start; ``crawl_posts_stored`` is what it stored.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import yaml
from common import Timer, shared

REAL = {
    "news": ("news", "*.html"),
    "weibo": ("weibo_pc", "search*.html"),
    "weibo_mobile": ("weibo_mobile", "cards1.json"),
    "baidu": ("baidu_web", "*.html"),
    "sogou_weixin": ("sogou_weixin", "*.html"),
    "tieba": ("tieba_thread_recent", "*.html"),
}
SAMPLES = {
    "baidu_news": "/s?tn=news&wd=x&pn=0",
    "youdao": "/search?q=x&start=0",
    "board": "/v1/threads/list/df?fid=7421&page=1",
    "rss": "/rss.xml",
}


def _rate(kind: str, pages: list[tuple[bytes, str | None]], rounds: int) -> tuple[float, int]:
    from yuqing.crawlers.api import parse_page

    posts = 0
    with Timer() as t:
        for _ in range(rounds):
            for body, url in pages:
                posts += len(parse_page(kind, body, url=url).records)
    return rounds * len(pages) / t.seconds, posts // rounds


def run(quick: bool = False) -> dict:
    from yuqing.demo.server import demo_sources, serve_site

    figures: dict = {}
    rounds = 1 if quick else 3
    root = shared("pages")
    for kind, (folder, pattern) in REAL.items():
        if root is None:
            break
        files = sorted((root / folder).glob(pattern))
        if quick:
            files = files[:5]
        rate, posts = _rate(kind, [(f.read_bytes(), None) for f in files], rounds)
        figures[f"parse_{kind}_pages_per_s"] = round(rate, 1)
        figures[f"parse_{kind}_posts_per_round"] = posts
    if root is None:
        figures["note"] = "../shared/data absent: real-page parse figures skipped"
    server, base = serve_site(prefer=None)
    try:
        for kind, path in SAMPLES.items():
            with urllib.request.urlopen(base + path) as r:
                body = r.read()
            rate, _ = _rate(kind, [(body, base + path)], rounds * 20)
            figures[f"parse_{kind}_pages_per_s"] = round(rate, 1)
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "yuqing.yaml"
            data = {"locality": {"name": "云溪县", "aliases": ["云溪"], "units": ["城关镇", "白沙镇", "东湖街道", "幸福社区", "柳树村"],
                                 "terms": ["云溪大道", "云溪一中"], "lookalikes": ["云溪区"]},
                    "keywords": {"include": ["拆迁", "欠薪", "污染", "事故", "投诉"], "exclude": ["招聘", "代理加盟"]},
                    "sources": demo_sources(base), "storage": {"data_dir": str(Path(tmp) / "data")}}
            cfg.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            with Timer() as t:
                done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(cfg), "crawl", "--json", "--no-process"],
                                      capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise RuntimeError(done.stderr.strip().splitlines()[-1])
            result = json.loads(done.stdout.strip().splitlines()[-1])
        pages = sum(r["pages"] for r in result.values())
        figures["crawl_pages"] = pages
        figures["crawl_seconds"] = round(t.seconds, 2)
        figures["crawl_pages_per_s"] = round(pages / t.seconds, 1)
        figures["crawl_posts_stored"] = sum(r["stored"] for r in result.values())
    finally:
        server.stop()
    return figures


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(quick="--quick" in sys.argv), ensure_ascii=False, indent=1))
