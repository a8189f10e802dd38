"""Post store speed: bulk indexing rate and search latency, Elasticsearch beside SQLite.

Both stores get the same generated posts (1,000,000; quick mode 20,000: templated
Chinese text about a county, three months of times, a share of them classified
and graded) and the same queries: one keyword, two keywords, a phrase, a week of
one source, counts by level, and posts per hour. Each query is run with
rotating arguments; latencies are p50/p95 in milliseconds. The answers of the
two stores are compared too (``answers_match``).

Elasticsearch: ``YUQING_TEST_ES_URL`` (scripts/services.sh starts a local node),
default http://127.0.0.1:9200; without a reachable node only SQLite is measured
and the reason is printed.

    python benchmarks/run.py store            # 1,000,000 posts (about 15 minutes on 2 cores)
    python benchmarks/run.py store --quick    # 20,000 posts
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from yuqing.store import PostQuery, PostRecord, PostStore, post_key  # noqa: E402

START = datetime(2026, 9, 1, tzinfo=timezone.utc)
DAYS = 90
BATCH = 10_000

PLACES = ["城关镇", "白沙镇", "东湖街道", "幸福社区", "柳树村", "云溪大道", "云溪一中", "县人民医院", "工业园区", "老城区",
          "南山村", "河西新区"]
SUBJECTS = ["拆迁补偿", "化工厂排污", "学校食堂卫生", "道路施工", "噪音扰民", "物业收费", "拖欠农民工工资", "医保报销",
            "暴雨积水", "交通事故", "垃圾清运", "农产品滞销", "自来水停水", "违规占地", "校车安全"]
TITLES = ["{p}{s}问题引关注", "网友反映{p}{s}", "{p}：{s}进展通报", "关于{p}{s}的回复", "{p}{s}，谁来管？",
          "【突发】{p}发生{s}"]
SENTENCES = [
    "{p}居民反映{s}问题迟迟得不到解决。",
    "据网友爆料，{p}附近{s}情况严重，河水发黑，气味刺鼻。",
    "县相关部门表示已介入调查，将于{n}日内答复。",
    "记者{n}日从{p}了解到，{s}已有初步处理意见。",
    "多名村民称已向县长信箱反映{n}次，仍未收到回复。",
    "现场视频显示{p}一带聚集了{n}余名群众。",
    "{p}党委政府高度重视，成立工作专班处置{s}。",
    "评论区有网友质疑处理进度，转发量已超过{n}。",
    "当地回应称情况属实，正在核实{s}涉及的具体人数。",
    "有知情人士透露，{s}问题已持续{n}个月。",
]
SOURCES = [("weibo", "weibo"), ("county-news", "news"), ("tieba", "forum"), ("douyin", "video"),
           ("people-board", "board"), ("wechat", "wechat"), ("city-daily", "news"), ("toutiao", "news")]
MEDIA = ["self", "self", "self", "local", "provincial", "central"]
TOPICS = ["征地拆迁", "生态环境", "教育", "医疗卫生", "安全生产", "社会治安"]


def generate(n: int, seed: int = 42) -> Iterator[list[PostRecord]]:
    """``n`` posts in batches of :data:`BATCH`, the same for the same seed."""
    rnd = random.Random(seed)
    batch: list[PostRecord] = []
    span = DAYS * 86400
    for i in range(n):
        p, s = rnd.choice(PLACES), rnd.choice(SUBJECTS)
        source, kind = rnd.choice(SOURCES)
        text = "".join(rnd.choice(SENTENCES).format(p=p, s=s, n=rnd.randint(2, 300)) for _ in range(rnd.randint(3, 6)))
        published = START + timedelta(seconds=rnd.randrange(span))
        classified = rnd.random() < 0.7
        relevant = classified and rnd.random() < 0.4
        graded = relevant and rnd.random() < 0.8
        batch.append(PostRecord(
            key=post_key(f"bench:{i}"), source=source, kind=kind, url=f"https://{source}.example.cn/{i}",
            title=rnd.choice(TITLES).format(p=p, s=s), text=text, author=f"网友{rnd.randrange(50_000)}",
            published_at=published, fetched_at=published + timedelta(minutes=rnd.randrange(1, 240)),
            reposts=rnd.randrange(200), comments=rnd.randrange(100), likes=rnd.randrange(500),
            media_level=rnd.choice(MEDIA), matched_keywords=["云溪县"],
            relevant=relevant if classified else None, relevance=rnd.random() if classified else None,
            topic=rnd.choice(TOPICS) if relevant else None, negativity=rnd.random() if classified else None,
            classified_at=published + timedelta(hours=1) if classified else None,
            event_id=rnd.randrange(1, 3000) if graded else None, level=rnd.choice([1, 1, 1, 2, 2, 3, 4]) if graded else None,
            graded_at=published + timedelta(hours=2) if graded else None,
        ))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def queries(runs: int) -> dict[str, list[Callable[[PostStore], object]]]:
    """Per query kind, ``runs`` calls with rotating arguments (the same for both stores)."""
    rnd = random.Random(7)
    words = ["拆迁", "排污", "食堂", "积水", "工资", "停水", "校车", "医保", "垃圾", "占地"]
    pairs = [f"{rnd.choice(PLACES)} {w}" for w in words]
    phrases = ["河水发黑", "县长信箱", "工作专班", "转发量已超过", "气味刺鼻", "初步处理意见", "正在核实", "聚集了",
               "迟迟得不到解决", "成立工作专班"]
    out: dict[str, list[Callable[[PostStore], object]]] = {k: [] for k in
                                                           ("keyword", "two_keywords", "phrase", "week_one_source",
                                                            "counts_by_level", "hourly_histogram")}
    for i in range(runs):
        week = START + timedelta(days=rnd.randrange(DAYS - 7))
        source = rnd.choice(SOURCES)[0]
        out["keyword"].append(lambda s, w=words[i % 10]: [p.id for p in s.search(PostQuery(text=w, limit=20))])
        out["two_keywords"].append(lambda s, w=pairs[i % 10]: [p.id for p in s.search(PostQuery(text=w, limit=20))])
        out["phrase"].append(lambda s, w=phrases[i % 10]: [p.id for p in s.search(PostQuery(phrase=w, limit=20))])
        out["week_one_source"].append(lambda s, a=week, src=source: [p.id for p in s.search(
            PostQuery(since=a, until=a + timedelta(days=7), sources=[src], limit=20))])
        out["counts_by_level"].append(lambda s, a=START + timedelta(days=10 * (i % 5)): s.counts_by("level", PostQuery(since=a)))
        out["hourly_histogram"].append(lambda s, a=week: s.histogram("hour", PostQuery(since=a, until=a + timedelta(days=7))))
    return out


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure(store: PostStore, n: int, runs: int, label: str) -> tuple[dict, dict]:
    figures: dict[str, float] = {}
    spent = 0.0
    done = 0
    for batch in generate(n):
        t = time.perf_counter()
        store.add(batch)
        spent += time.perf_counter() - t
        done += len(batch)
        if done % 100_000 == 0:
            print(f"   {label}: {done} posts, {done / spent:.0f} posts/s", flush=True)
    assert store.count() == n, (label, store.count(), n)
    figures["index_posts_per_s"] = round(n / spent)
    answers: dict[str, list] = {}
    for name, calls in queries(runs).items():
        calls[0](store)  # warm up
        times, got = [], []
        for call in calls:
            t = time.perf_counter()
            got.append(call(store))
            times.append((time.perf_counter() - t) * 1000)
        figures[f"{name}_p50_ms"] = round(statistics.median(times), 1)
        figures[f"{name}_p95_ms"] = round(_pct(times, 0.95), 1)
        answers[name] = got
    return figures, answers


def _es_store(tmp: Path):
    url = os.environ.get("YUQING_TEST_ES_URL") or "http://127.0.0.1:9200"
    try:
        from elasticsearch import Elasticsearch

        from yuqing.store.elastic import ElasticPostStore
    except ImportError as e:
        return None, f"Elasticsearch store not importable: {e}"
    client = Elasticsearch([url], request_timeout=120, max_retries=3, retry_on_timeout=True)
    try:
        client.options(request_timeout=3).cluster.health()
    except Exception as e:  # noqa: BLE001 - any failure means: no node to measure
        client.close()
        return None, f"no Elasticsearch node reachable at {url} ({type(e).__name__}); start one with scripts/elasticsearch.sh start"
    from yuqing.config import from_dict
    from yuqing.store.elastic import load_tokenizer

    # the classifier's tokenizer with the county's dictionary, as a deployment indexes
    cfg = from_dict({"locality": {"name": "云溪县", "aliases": ["云溪"], "units": PLACES[:5], "terms": PLACES[5:7]}},
                    tmp / "bench.yaml")
    store = ElasticPostStore(client, f"yuqing-bench-{uuid.uuid4().hex[:8]}", data_dir=tmp, hosts_label=url,
                             tokens=load_tokenizer(cfg))
    return store, None


def run(quick: bool) -> dict:
    from yuqing.db import connect, migrate
    from yuqing.store.sql import SqlPostStore

    n = 20_000 if quick else 1_000_000
    runs = 20
    out: dict[str, object] = {"posts": n}
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-store-") as tmp:
        engine = connect(f"sqlite:///{Path(tmp) / 'posts.db'}")
        migrate(engine)
        sql_figures, sql_answers = measure(SqlPostStore(engine), n, runs, "sqlite")
        engine.dispose()
        es, reason = _es_store(Path(tmp))
        es_figures: dict = {}
        if es is None:
            print(f"   elasticsearch skipped: {reason}")
            out["elasticsearch"] = f"skipped: {reason}"
        else:
            try:
                es_figures, es_answers = measure(es, n, runs, "elasticsearch")
                size = sum(int(r["store.size"] or 0) for r in es.client.cat.indices(
                    index=f"{es.prefix}-*", format="json", h="store.size", bytes="b"))
                out["es_index_mb"] = round(size / 2**20, 1)
                mismatched = [k for k in sql_answers if sql_answers[k] != es_answers[k]]
                out["answers_match"] = not mismatched
                if mismatched:
                    print(f"   answers differ between the stores for: {', '.join(mismatched)}")
            finally:
                es.drop_all()
                es.close()
    print(f"   {'':24}{'sqlite':>12}{'elasticsearch':>16}")
    for key in sql_figures:
        print(f"   {key:24}{sql_figures[key]:>12}{es_figures.get(key, '-'):>16}")
    out.update({f"sqlite_{k}": v for k, v in sql_figures.items()})
    out.update({f"es_{k}": v for k, v in es_figures.items()})
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for k, v in run(quick).items():
        print(f"{k}: {v}")
