"""The PostStore contract, run against every implementation (SQLite, PostgreSQL, Elasticsearch)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from yuqing.store import PostQuery, PostRecord, post_id, post_key

T0 = datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)  # 09:30 in Shanghai


def make_post(n: int, **kw) -> PostRecord:
    defaults = dict(
        key=post_key(f"url:https://news.example.cn/{n}.html"),
        source="county-news",
        kind="news",
        url=f"https://news.example.cn/{n}.html",
        title=f"云溪县新闻{n}",
        text=f"云溪县城关镇第{n}条消息，群众反映拆迁补偿问题。",
        published_at=T0 + timedelta(hours=n),
        fetched_at=T0 + timedelta(hours=n, minutes=5),
        reposts=n,
        comments=2 * n,
        likes=3 * n,
    )
    defaults.update(kw)
    return PostRecord(**defaults)


def test_ids_derive_from_keys():
    p = make_post(1)
    assert p.id == post_id(p.key) == int(p.key[:15], 16)
    assert len(p.key) == 40


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        make_post(1, published_at=datetime(2026, 1, 1))


def test_writing_the_same_post_twice_stores_it_once(post_store):
    first = post_store.add([make_post(1), make_post(2), make_post(1)])
    assert sorted(first.added) == sorted([make_post(1).id, make_post(2).id])
    again = post_store.add([make_post(1, title="changed"), make_post(3)])
    assert again.added == [make_post(3).id]
    assert again.existing == [make_post(1).id]
    assert post_store.count() == 3
    assert post_store.get(make_post(1).id).title == "云溪县新闻1"


def test_round_trip_keeps_every_field(post_store):
    p = make_post(
        7,
        author="东湖街道居民",
        author_followers=1200,
        author_verified=True,
        media_level="local",
        matched_keywords=["云溪县", "拆迁"],
        raw_ref="raw/ab/cd.html.gz",
        simhash=2**62 + 5,
    )
    post_store.add([p])
    got = post_store.get(p.id)
    for name in PostRecord.field_names():
        if name == "fetched_at":
            continue
        assert getattr(got, name) == getattr(p, name), name
    assert got.published_at.tzinfo is not None
    assert post_store.get(12345) is None


def test_seen_and_get_many(post_store):
    post_store.add([make_post(i) for i in range(5)])
    keys = [make_post(i).key for i in (0, 3, 9)]
    assert post_store.seen(keys) == {make_post(0).key, make_post(3).key}
    got = post_store.get_many([make_post(3).id, make_post(1).id, 999])
    assert [g.id for g in got] == [make_post(3).id, make_post(1).id]


def test_update_and_pending(post_store):
    post_store.add([make_post(i) for i in range(4)])
    assert [p.id for p in post_store.pending("classify")] == [make_post(i).id for i in range(4)]
    now = T0 + timedelta(days=1)
    post_store.update({
        make_post(0).id: {"relevant": True, "relevance": 0.9, "topic": "征地拆迁", "negativity": 0.8, "classified_at": now},
        make_post(1).id: {"relevant": False, "relevance": 0.1, "classified_at": now},
    })
    assert [p.id for p in post_store.pending("classify")] == [make_post(2).id, make_post(3).id]
    assert [p.id for p in post_store.pending("grade")] == [make_post(0).id]
    post_store.update({make_post(0).id: {"event_id": 5, "level": 2, "graded_at": now}})
    assert post_store.pending("grade") == []
    got = post_store.get(make_post(0).id)
    assert (got.topic, got.event_id, got.level) == ("征地拆迁", 5, 2)
    with pytest.raises(ValueError, match="cannot be changed"):
        post_store.update({make_post(0).id: {"text": "rewritten"}})


def test_search_filters_and_sorts(post_store):
    posts = [make_post(i, topic=("征地拆迁" if i % 2 else "生态环境"), level=(i % 4) + 1,
                       source=("weibo" if i < 3 else "county-news")) for i in range(8)]
    posts.append(make_post(20, title="白沙镇化工厂排污", text="白沙镇 化工厂 排污 严重，河水发黑"))
    post_store.add(posts)
    newest = post_store.search(PostQuery(limit=3))
    assert [p.id for p in newest] == [make_post(20).id, make_post(7).id, make_post(6).id]
    oldest = post_store.search(PostQuery(sort="oldest", limit=2))
    assert [p.id for p in oldest] == [make_post(0).id, make_post(1).id]
    assert {p.id for p in post_store.search(PostQuery(text="排污"))} == {make_post(20).id}
    assert {p.id for p in post_store.search(PostQuery(phrase="河水发黑"))} == {make_post(20).id}
    assert post_store.count(PostQuery(text="拆迁 补偿")) == 8
    assert post_store.count(PostQuery(sources=["weibo"])) == 3
    assert post_store.count(PostQuery(topics=["征地拆迁"])) == 4
    assert post_store.count(PostQuery(levels=[1, 2])) == 4
    window = PostQuery(since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=5))
    assert {p.id for p in post_store.search(window)} == {make_post(i).id for i in (2, 3, 4)}
    page2 = post_store.search(PostQuery(limit=3, offset=3))
    assert [p.id for p in page2] == [make_post(i).id for i in (5, 4, 3)]


def test_counts_and_histogram(post_store):
    post_store.add([make_post(i, topic="征地拆迁" if i < 3 else None) for i in range(5)])
    assert post_store.counts_by("topic") == {"征地拆迁": 3, "": 2}
    assert post_store.counts_by("source") == {"county-news": 5}
    hours = post_store.histogram("hour")
    assert [h.hour for h, _ in hours] == [9, 10, 11, 12, 13]  # Asia/Shanghai
    assert all(n == 1 for _, n in hours)
    days = post_store.histogram("day")
    assert len(days) == 1 and days[0][1] == 5 and days[0][0].hour == 0
    assert str(days[0][0].tzinfo) == "Asia/Shanghai"
    with pytest.raises(ValueError):
        post_store.counts_by("text")


def test_iter_all_in_batches(post_store):
    post_store.add([make_post(i) for i in range(7)])
    batches = list(post_store.iter_all(batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    ids = [p.id for b in batches for p in b]
    assert ids == sorted(ids) and len(set(ids)) == 7
    rest = list(post_store.iter_all(batch_size=10, after_id=ids[3]))
    assert [p.id for b in rest for p in b] == ids[4:]
