"""Reports at volume: the daily digest and the monthly report over a month of 100,000 posts in SQLite.

Writes a month of realistic sample posts, events and alerts
(:mod:`yuqing.reports.sample`) into a fresh SQLite database, then times
the digest of the busiest day and the month's report (HTML, DOCX and charts
each). Quick mode: 5,000 posts.
"""
from __future__ import annotations

import resource
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from common import ROOT, Timer

sys.path.insert(0, str(ROOT / "tests"))

TZ = ZoneInfo("Asia/Shanghai")


def run(quick: bool = False) -> dict:
    from yuqing.reports.digest import write_digest
    from yuqing.reports.monthly import write_monthly
    from yuqing.reports.sample import populate
    from yuqing.config import from_dict
    from yuqing.deployment import Deployment
    from yuqing.models import Base
    from yuqing.store import PostQuery

    total = 5_000 if quick else 100_000
    days = 30
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-reports-") as tmp:
        cfg = from_dict({"locality": {"name": "云溪县", "aliases": ["云溪"], "units": ["城关镇", "白沙镇", "东湖街道", "幸福社区", "柳树村"]},
                         "storage": {"data_dir": str(Path(tmp) / "data")}}, Path(tmp) / "yuqing.yaml")
        dep = Deployment.open(cfg)
        Base.metadata.create_all(dep.engine)
        start = datetime(2026, 11, 1, tzinfo=TZ)
        with Timer() as fill:
            sample = populate(dep, start, days=days, posts_per_day=total // days, seed=42,
                              now=datetime(2026, 12, 1, 8, 0, tzinfo=TZ))
        print(f"   wrote {sample.posts} posts, {len(sample.events)} events, {len(sample.alerts)} alerts in {fill.seconds:.1f} s",
              flush=True)
        # the busiest digest window (they are all alike in sample data; take the 20th)
        day = date(2026, 11, 20)
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with Timer() as digest_t:
            digest = write_digest(dep, day, Path(tmp) / "out", now=datetime(2026, 11, 20, 17, 0, 5, tzinfo=TZ))
        with Timer() as monthly_t:
            monthly = write_monthly(dep, "2026-11", Path(tmp) / "out", now=datetime(2026, 12, 1, 8, 0, tzinfo=TZ))
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        relevant_month = dep.posts.count(PostQuery(relevant=True, since=start, until=datetime(2026, 12, 1, tzinfo=TZ)))
        figures = {
            "posts": sample.posts,
            "events": len(sample.events),
            "alerts": len(sample.alerts),
            "fill_seconds": round(fill.seconds, 2),
            "digest_items": digest.data.relevant,
            "digest_seconds": round(digest_t.seconds, 3),
            "digest_html_kb": round(digest.html.stat().st_size / 1024, 1),
            "digest_docx_kb": round(digest.docx.stat().st_size / 1024, 1),
            "monthly_relevant_posts": monthly.data.current.relevant,
            "monthly_seconds": round(monthly_t.seconds, 3),
            "peak_rss_growth_mb": round((rss1 - rss0) / 1024, 1),
        }
        assert monthly.data.current.relevant == relevant_month
        dep.close()
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), ensure_ascii=False, indent=1))
