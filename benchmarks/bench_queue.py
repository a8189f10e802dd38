"""Queue page latency: 10,000 open alerts and 1,000,000 posts in SQLite.

Builds a deployment in a temporary folder with bulk inserts (core ``insert``,
executemany, one transaction per table), logs a monitor into the web app and
times the pages a monitor loads all day through the Flask test client: the
queue (first page, a deep page, filtered by level / topic / source / status),
the JSON queue, and one alert page (which reads its event's posts through the
post store). Also times one ``check_deadlines`` and one idle ``sync_alerts``.
Quick mode: 1,000 alerts, 20,000 posts.
"""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

from common import Timer

LOCALITY = {"name": "云溪县", "aliases": ["云溪"], "units": ["城关镇", "白沙镇", "东湖街道", "幸福社区", "柳树村"]}
TOPICS = ["脱贫攻坚", "生态环境", "金融债务", "征地拆迁", "教育医疗", "社会保障", "公共安全", "社会稳定", "退役军人", "权力监督", "其他"]
SOURCES = ["county-news", "weibo", "tieba", "board", "baidu-news", "sogou-weixin"]
PASSWORD = "bench-password-1"


def _build(dep, n_alerts: int, n_posts: int, now: datetime, seed: int = 7) -> None:
    from yuqing.models import Alert, Event, Post, StepRecord, User
    from werkzeug.security import generate_password_hash

    rnd = random.Random(seed)
    events, alerts, steps = [], [], []
    for i in range(1, n_alerts + 1):
        level = rnd.choices([1, 2, 3, 4], weights=[50, 35, 12, 3])[0]
        start = now - timedelta(minutes=rnd.randint(0, 16 * 60))
        srcs = rnd.sample(SOURCES, rnd.randint(1, 3))
        events.append({"id": i, "title": f"云溪县第{i}号舆情事件", "summary": "", "topic": rnd.choice(TOPICS), "level": level,
                       "level_reasons": ["互动较多"], "level_by": "model", "first_seen_at": start + timedelta(minutes=20),
                       "first_published_at": start, "last_post_at": start, "post_count": max(1, n_posts // n_alerts),
                       "engagement": rnd.randint(0, 5000), "sources": srcs, "media_levels": ["self"], "status": "open",
                       "features": {}, "created_at": start, "updated_at": start})
        replied = start + timedelta(hours=rnd.uniform(1, 11)) if rnd.random() < 0.15 else None
        step = 6 if replied else rnd.choice([2, 3, 4, 5])
        alerts.append({"id": i, "event_id": i, "title": f"云溪县第{i}号舆情事件", "level": level, "status": "open",
                       "current_step": step, "issue_started_at": start, "deadline_at": start + timedelta(hours=12),
                       "replied_at": replied, "reported_at": start + timedelta(minutes=40) if step >= 3 else None,
                       "reminders_sent": [], "follow_up_round": 0, "created_at": start, "updated_at": start})
        steps.append({"alert_id": i, "step": 1, "round": 0, "started_at": start, "completed_at": start, "by_user": "system",
                      "note": "系统监测发现", "attachments": []})
        steps.append({"alert_id": i, "step": 2, "round": 0, "started_at": start, "completed_at": None, "by_user": "system",
                      "note": "监测开始", "attachments": []})
    with dep.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.execute(insert(Event), events)
        conn.execute(insert(Alert), alerts)
        conn.execute(insert(StepRecord), steps)
        conn.execute(insert(User), [{"username": "jiankong", "name": "张监控", "role": "monitor", "active": True,
                                     "password_hash": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
                                     "created_at": now}])
    # posts: ~n_posts / n_alerts per event, in chunks
    chunk = 20000
    pid = 0
    with dep.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        while pid < n_posts:
            rows = []
            for _ in range(min(chunk, n_posts - pid)):
                pid += 1
                ev = events[pid % n_alerts]
                t = ev["first_published_at"] + timedelta(minutes=pid % 600)
                rows.append({"id": pid, "key": f"{pid:040x}", "source": ev["sources"][0], "kind": "news",
                             "url": f"http://127.0.0.1:9/p/{pid}.html", "title": f"帖子{pid} 关于{ev['title']}",
                             "text": "云溪县白沙镇网民反映情况，请有关部门关注。" * 3, "published_at": t, "fetched_at": t,
                             "reposts": pid % 97, "comments": pid % 31, "likes": pid % 53, "media_level": "self",
                             "matched_keywords": ["云溪县"], "relevant": True, "relevance": 0.9, "topic": ev["topic"],
                             "negativity": 0.7, "event_id": ev["id"], "level": ev["level"], "graded_at": t,
                             "classified_at": t})
            conn.execute(insert(Post), rows)
        conn.exec_driver_sql("ANALYZE")


def _times(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(quick: bool = False) -> dict:
    from yuqing.alerts import api
    from yuqing.config import from_dict
    from yuqing.deployment import Deployment
    from yuqing.models import Base
    from yuqing.web import create_app
    from yuqing.alerts.models import ensure_schema

    n_alerts, n_posts, reps = (1000, 20000, 15) if quick else (10000, 1000000, 40)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-queue-") as tmp:
        cfg = from_dict({"locality": LOCALITY, "storage": {"data_dir": str(Path(tmp) / "data")},
                         "sources": [{"name": s, "kind": "news"} for s in SOURCES]}, Path(tmp) / "yuqing.yaml")
        dep = Deployment.open(cfg)
        Base.metadata.create_all(dep.engine)
        ensure_schema(dep.engine)
        with Timer() as build:
            _build(dep, n_alerts, n_posts, now)
        print(f"   built {n_alerts} alerts, {n_posts} posts in {build.seconds:.1f} s", flush=True)
        app = create_app(dep, testing=True)
        app.config["WTF_CSRF_ENABLED"] = False
        c = app.test_client()
        assert c.post("/login", data={"username": "jiankong", "password": PASSWORD}).status_code == 303

        def get(url):
            def f():
                r = c.get(url)
                assert r.status_code == 200, (url, r.status_code)
            return f

        pages = {
            "queue": "/",
            "queue_page_100": f"/?page={max(1, n_alerts // 50 // 2)}",
            "queue_level_II": "/?level=3",
            "queue_topic": "/?topic=征地拆迁",
            "queue_source": "/?source=weibo",
            "queue_overdue": "/?status=overdue",
            "queue_json": "/api/alerts",
            "alert_page": f"/alerts/{n_alerts // 2}",
        }
        figures: dict = {"alerts": n_alerts, "posts": n_posts, "build_s": round(build.seconds, 1)}
        for name, url in pages.items():
            get(url)()  # warm
            t = _times(get(url), reps)
            figures[f"{name}_p50_ms"] = round(statistics.median(t), 1)
            figures[f"{name}_p95_ms"] = round(_p(t, 0.95), 1)
        with dep.sessions() as s:
            plan = s.execute(text(
                "EXPLAIN QUERY PLAN SELECT alerts.id FROM alerts WHERE alerts.status = 'open' AND alerts.level = 3 "
                "AND alerts.replied_at IS NULL ORDER BY alerts.deadline_at, alerts.id LIMIT 50")).all()
        figures["queue_index_used"] = any("ix_alerts_queue" in str(row) for row in plan) and not any(
            "TEMP B-TREE" in str(row) for row in plan)
        with Timer() as t:
            rep = api.check_deadlines(dep, now)
        figures["check_deadlines_ms"] = round(t.seconds * 1000, 1)
        figures["check_deadlines_overdue"] = len(rep.overdue)
        with Timer() as t:
            api.sync_alerts(dep, now)
        figures["sync_alerts_idle_ms"] = round(t.seconds * 1000, 1)
        dep.close()
    return figures


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    for k, v in run(quick="--quick" in sys.argv).items():
        print(f"{k}: {v}")
