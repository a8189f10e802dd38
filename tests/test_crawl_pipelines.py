"""The item pipelines, one job each, against real deployments on SQLite and PostgreSQL (no reactor needed).

The crawler they get is a bare holder of the real pieces Scrapy would give them
(settings, stats collector, spider); the end-to-end tests run them inside the engine.
"""
from __future__ import annotations

import gzip
import types
from datetime import datetime, timedelta, timezone

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from yuqing.config import Source
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.items import PostItem, to_record
from yuqing.crawlers.pipelines.clean import CleanPipeline
from yuqing.crawlers.pipelines.identity import IdentityPipeline
from yuqing.crawlers.pipelines.locality import LocalityPipeline
from yuqing.crawlers.pipelines.neardup import NearDuplicatePipeline
from yuqing.crawlers.pipelines.raw import RawPagePipeline
from yuqing.crawlers.pipelines.store import StorePipeline
from yuqing.crawlers.spiders import spider_class
from yuqing.store import post_id, post_key

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)


def _holder(deployment, name: str = "county-news", kind: str = "news"):
    """What Scrapy gives a pipeline for one source: settings, stats and the spider with its context."""
    source = Source(name=name, kind=kind, media_level="local")
    ctx = CrawlContext(source=source, config=deployment.config, deployment=deployment, now=NOW)
    holder = types.SimpleNamespace(settings=Settings({"YUQING_STORE_BATCH": 2, "YUQING_MAX_TEXT_CHARS": 200}))
    holder.stats = MemoryStatsCollector(holder)
    holder.spider = spider_class(kind)(context=ctx)
    return holder


@pytest.fixture
def crawler(deployment):
    deployment.config.keywords.exclude = ["招聘"]
    return _holder(deployment)


def item(**fields):
    base = dict(source="county-news", kind="news", media_level="local", fetched_at=NOW, title="", text="")
    return PostItem(**{**base, **fields})


def run(pipeline, it):
    return pipeline.process_item(it)


def test_clean_normalises_and_drops_empty(crawler):
    clean = CleanPipeline(crawler)
    it = run(clean, item(title=" 云溪县\u200b召开 会议 ", text="云溪县召开会议\n\n\n\n内容\u3000第一段", published_at="昨天 08:00",
                         reposts=-3, author="  记者  张三 "))
    assert it["title"] == "云溪县召开 会议" and it["text"] == "云溪县召开会议\n\n内容 第一段"
    assert it["published_at"] == datetime(2026, 11, 19, 0, 0, tzinfo=timezone.utc) and it["reposts"] == 0
    assert it["author"] == "记者 张三"
    with pytest.raises(DropItem):
        run(clean, item(title="  ", text="\u200b"))
    assert crawler.stats.get_value("yuqing/dropped/empty") == 1
    long = run(clean, item(title="长文", text="云溪县。" * 100))
    assert len(long["text"]) <= 200 and long["text"].endswith("。") and crawler.stats.get_value("yuqing/truncated") == 1
    future = run(clean, item(title="云溪县", text="x", published_at=NOW + timedelta(days=3)))
    assert future["published_at"] is None and crawler.stats.get_value("yuqing/future_time_cleared") == 1


def test_locality_drops_with_reasons_counted(crawler):
    locality = LocalityPipeline(crawler)
    kept = run(locality, item(title="白沙镇化工厂排污", text="白沙河死鱼"))
    assert kept["matched_keywords"] == ["白沙镇"]
    for title in ("云溪区召开会议", "西湖边的银杏", "城关镇招聘保安"):
        with pytest.raises(DropItem):
            run(locality, item(title=title))
    stats = crawler.stats.get_stats()
    assert (stats["yuqing/dropped/lookalike_only"], stats["yuqing/dropped/no_locality"], stats["yuqing/dropped/excluded"]) == (1, 1, 1)


def test_identity_canonicalises_and_drops_repeats_in_one_run(crawler):
    identity = IdentityPipeline(crawler)
    a = run(identity, item(title="云溪县", url="http://x.cn/a.html?utm_source=wx&spm=1"))
    assert a["url"] == "http://x.cn/a.html" and a["key"] == post_key("url:http://x.cn/a.html")
    with pytest.raises(DropItem):
        run(identity, item(title="云溪县", url="http://x.cn/a.html?from=timeline"))
    assert run(identity, item(title="云溪县", url="https://m.weibo.cn/status/4106162368327071"))["identity"] == "weibo:4106162368327071"


def test_store_writes_in_batches_and_only_raises_engagement(crawler, deployment):
    identity, store = IdentityPipeline(crawler), StorePipeline(crawler)
    posts = deployment.posts
    first = run(identity, item(title="云溪县拆迁", text="东湖", url="http://x.cn/1", likes=10, comments=5))
    run(store, first)
    assert posts.count() == 0  # the batch (2) is not full yet
    run(store, run(identity, item(title="云溪县欠薪", text="城关镇", url="http://x.cn/2")))
    assert posts.count() == 2
    # a later crawl meets post 1 again, more liked but with fewer comments shown
    identity2, store2 = IdentityPipeline(crawler), StorePipeline(crawler)
    again = run(identity2, item(title="云溪县拆迁", text="东湖", url="http://x.cn/1", likes=90, comments=2))
    run(store2, again)
    store2.close_spider()
    stored = posts.get(post_id(first["key"]))
    assert (stored.likes, stored.comments) == (90, 5) and posts.count() == 2
    assert crawler.stats.get_value("yuqing/existing") == 1 and crawler.stats.get_value("yuqing/engagement_updated") == 1
    update = run(identity2, item(url="http://x.cn/2", comments=7, update_only=True))
    run(store2, update)
    store2.close_spider()
    assert posts.get(post_id(update["key"])).comments == 7


def test_store_fills_in_the_author_a_later_sighting_knows(crawler, deployment):
    """A Weibo post met first on a PC search page (no followers shown) gets its author's followers and verified
    mark when the API meets it; followers only grow, and a known mark is kept."""
    posts = deployment.posts
    pc = StorePipeline(crawler)
    first = run(IdentityPipeline(crawler), item(title="", text="云溪县拆迁", url="https://m.weibo.cn/status/7001"))
    run(pc, first)
    pc.close_spider()
    stored = posts.get(post_id(first["key"]))
    assert (stored.author_followers, stored.author_verified) == (None, None)

    def sighting(**author):
        store = StorePipeline(crawler)
        run(store, run(IdentityPipeline(crawler), item(title="", text="云溪县拆迁", url="https://m.weibo.cn/status/7001",
                                                       **author)))
        store.close_spider()
        got = posts.get(post_id(first["key"]))
        return got.author_followers, got.author_verified

    assert sighting(author_followers=325000, author_verified=True) == (325000, True)
    assert sighting(author_followers=1000, author_verified=False) == (325000, True)  # not lowered, mark kept
    assert sighting(author_followers=330000) == (330000, True)
    assert posts.count() == 1


def test_sources_crawling_side_by_side_link_each_others_copies(deployment):
    """Two sources of one crawl (Weibo's API and its PC search) meet a complaint and its pasted copy at the same time,
    before either is stored: the copy is linked to whichever was met first, by either source."""
    api, pc = _holder(deployment, "weibo-mobile", "weibo"), _holder(deployment, "weibo-search", "weibo")
    first, second = NearDuplicatePipeline(api), NearDuplicatePipeline(pc)
    first.open_spider()
    second.open_spider()
    original = run(first, run(IdentityPipeline(api), item(
        source="weibo-mobile", kind="weibo", text="云溪县白沙镇化工厂又在偷排污水了，河水都变成黄色，味道刺鼻，村民根本不敢用水。",
        url="https://m.weibo.cn/status/7101")))
    copy = run(second, run(IdentityPipeline(pc), item(
        source="weibo-search", kind="weibo", text="云溪县白沙镇化工厂又在偷排污水了!!河水都变成黄色，味道刺鼻，村民根本不敢用水。",
        url="https://m.weibo.cn/status/7102")))
    assert copy["duplicate_of"] == post_id(original["key"]) and deployment.posts.count() == 0
    # the PC search then meets the original itself: no copy of it, however its copy leads back to it
    again = run(second, run(IdentityPipeline(pc), item(
        source="weibo-search", kind="weibo", text="云溪县白沙镇化工厂又在偷排污水了，河水都变成黄色，味道刺鼻，村民根本不敢用水。",
        url="https://m.weibo.cn/status/7101")))
    assert again["key"] == original["key"] and again.get("duplicate_of") is None
    first.close_spider()
    second.close_spider()
    # the next crawl starts from the store, not from what this one met
    later = NearDuplicatePipeline(_holder(deployment, "weibo-mobile", "weibo"))
    later.open_spider()
    assert later.index is not first.index
    later.close_spider()


def test_near_duplicates_link_to_stored_and_reposted_posts(crawler, deployment):
    identity = IdentityPipeline(crawler)
    original = run(identity, item(title="", text="云溪县白沙镇化工厂又在偷排污水了，河水都变成黄色，味道刺鼻，村民根本不敢用水。",
                                  url="http://x.cn/w1", published_at=NOW - timedelta(hours=2)))
    deployment.posts.add([to_record(original)])
    neardup = NearDuplicatePipeline(crawler)
    neardup.open_spider()
    assert crawler.stats.get_value("yuqing/neardup/indexed") == 1
    copy = run(neardup, run(identity, item(text="转发：云溪县白沙镇化工厂又在偷排污水了!!河水都变成黄色，味道刺鼻，村民根本不敢用。",
                                          url="http://x.cn/w2")))
    assert copy["duplicate_of"] == post_id(original["key"]) and isinstance(copy["simhash"], int)
    chained = run(neardup, run(identity, item(text="转发：云溪县白沙镇化工厂又在偷排污水了!!河水都变成黄色，味道刺鼻，村民根本不敢用。呵呵",
                                             url="http://x.cn/w3")))
    assert chained["duplicate_of"] == post_id(original["key"])  # chains collapse to the first post
    repost = run(neardup, run(identity, item(text="太过分了", url="http://x.cn/w4", repost_of="weibo:42")))
    assert repost["duplicate_of"] == post_id(post_key("weibo:42"))
    fresh = run(neardup, run(identity, item(text="云溪县第十届稻花节在柳树村开幕，游客络绎不绝。", url="http://x.cn/w5")))
    assert fresh.get("duplicate_of") is None


def test_raw_pages_are_kept_once_gzipped(crawler, deployment):
    raw = RawPagePipeline(crawler)
    body = "<html><body>云溪县</body></html>".encode("gbk")
    a = run(raw, item(title="a", raw_body=body, raw_url="http://x.cn/list"))
    b = run(raw, item(title="b", raw_body=body, raw_url="http://x.cn/list"))
    assert a["raw_ref"] == b["raw_ref"] and a["raw_ref"].startswith("raw/county-news/2026-11-20/")
    assert "raw_body" not in a and gzip.decompress((deployment.data_dir / a["raw_ref"]).read_bytes()) == body
    assert crawler.stats.get_value("yuqing/raw_pages") == 1
    assert not list((deployment.data_dir / "raw").rglob("*.tmp"))
