"""The Elasticsearch post store beyond the shared contract: indices by month, Chinese search,
the same answers as SQLite on varied data, a node that goes away mid-bulk, credentials and TLS.

All against a real node (``YUQING_TEST_ES_URL``; ``scripts/services.sh`` starts one). Node
failures are real: a TCP proxy on 127.0.0.1 sits between the store and the node and stops
forwarding on cue, the way a node that goes away does.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import random
import shutil
import socket
import ssl
import subprocess
import threading
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from conftest import make_config
from test_store import T0, make_post
from yuqing.errors import YuqingError
from yuqing.store import PostQuery, PostRecord, post_key

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def es_url():
    url = os.environ.get("YUQING_TEST_ES_URL")
    if not url:
        pytest.skip("Elasticsearch not configured: set YUQING_TEST_ES_URL (scripts/services.sh starts a node)")
    return url


def _config(tmp_path, hosts, prefix, **es):
    return make_config(tmp_path, storage={"data_dir": str(tmp_path / "data"), "posts": "elasticsearch",
                                         "elasticsearch": {"hosts": hosts, "index_prefix": prefix, **es}})


@pytest.fixture
def open_store(tmp_path, es_url):
    """Open stores (fresh prefix each); every index they made is dropped afterwards."""
    from yuqing.store.elastic import ElasticPostStore

    opened = []

    def _open(prefix=None, hosts=None, **kw):
        es = {k: kw.pop(k) for k in list(kw) if k in ("rollover", "max_retries", "username_env", "password_env",
                                                        "api_key_env", "ca_certs", "verify_certs", "timeout_seconds")}
        prefix = prefix or f"yuqing-test-{uuid.uuid4().hex[:10]}"
        store = ElasticPostStore.from_config(_config(tmp_path, hosts or [es_url], prefix, **es))
        for k, v in kw.items():
            setattr(store, k, v)
        opened.append(store)
        return store

    yield _open
    cleanup = {}
    for s in opened:
        cleanup.setdefault(s.prefix, s)
    for prefix in cleanup:
        direct = ElasticPostStore.from_config(_config(tmp_path, [es_url], prefix))
        direct.drop_all()
        direct.close()
    for s in opened:
        s.close()


# -- layout -------------------------------------------------------------------
def test_posts_go_to_monthly_indices_behind_one_alias(open_store):
    store = open_store()
    oct_post = make_post(1, published_at=datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc))  # 11-01 01:00 Shanghai
    sep_post = make_post(2, published_at=datetime(2026, 9, 30, 15, 59, tzinfo=timezone.utc))  # 09-30 23:59 Shanghai
    nov_post = make_post(3)
    store.add([oct_post, sep_post, nov_post])
    p = store.prefix
    assert store.indices() == {f"{p}-2026.09": 1, f"{p}-2026.11": 2}
    assert store.count() == 3
    # the same post seen again with another date would route to another month: it is still one post
    again = store.add([make_post(1, published_at=datetime(2026, 3, 1, tzinfo=timezone.utc))])
    assert again.existing == [oct_post.id] and again.added == []
    assert store.get(oct_post.id).published_at == oct_post.published_at
    assert store.indices() == {f"{p}-2026.09": 1, f"{p}-2026.11": 2}
    # rolling off September leaves November
    assert store.drop_before("2026-10") == [f"{p}-2026.09"]
    assert store.count() == 2 and store.get(sep_post.id) is None


def test_yearly_and_single_index_rollover(open_store):
    yearly = open_store(rollover="year")
    yearly.add([make_post(1), make_post(2, published_at=datetime(2025, 6, 1, tzinfo=timezone.utc))])
    assert yearly.indices() == {f"{yearly.prefix}-2025": 1, f"{yearly.prefix}-2026": 1}
    single = open_store(rollover="none")
    single.add([make_post(1), make_post(2, published_at=datetime(2025, 6, 1, tzinfo=timezone.utc))])
    assert single.indices() == {f"{single.prefix}-all": 2}


def test_two_prefixes_share_a_cluster(open_store):
    base = f"yuqing-test-{uuid.uuid4().hex[:8]}"
    posts = open_store(prefix=base)
    archive = open_store(prefix=f"{base}-archive")  # its index names also match "<base>-*"
    posts.add([make_post(1)])
    archive.add([make_post(2), make_post(3)])
    assert (posts.count(), archive.count()) == (1, 2)
    assert list(posts.indices()) == [f"{base}-2026.11"]
    posts.drop_all()
    assert archive.count() == 2


def test_reads_before_the_first_write(open_store):
    store = open_store()
    assert store.count() == 0
    assert store.search(PostQuery(text="云溪")) == []
    assert store.counts_by("level") == {}
    assert store.histogram("day") == []
    assert list(store.iter_all()) == []
    assert store.seen([make_post(1).key]) == set()
    assert store.pending("classify") == []
    assert store.update({make_post(1).id: {"topic": "x"}}) == 0


# -- Chinese search -------------------------------------------------------------
def test_search_finds_words_jieba_keeps_inside_longer_words(open_store):
    store = open_store()
    store.add([
        make_post(1, title="城关镇群众反映噪音扰民", text="幸福社区居民投诉夜间施工。"),
        make_post(2, title="云溪一中开学", text="新学期开学典礼。"),
    ])
    # jieba cuts 群众反映 as one word; the store still finds 群众 (like SQL's LIKE)
    assert "群众反映" in store.tokens("城关镇群众反映噪音扰民")
    assert [p.id for p in store.search(PostQuery(text="群众"))] == [make_post(1).id]
    assert [p.id for p in store.search(PostQuery(phrase="夜间施工"))] == [make_post(1).id]
    assert store.search(PostQuery(phrase="施工夜间")) == []
    # a phrase never spans from the title into the text
    assert store.count(PostQuery(phrase="扰民幸福")) == 0
    assert store.count(PostQuery(text="开学 典礼")) == 1


def test_relevance_ranks_by_tokens_then_interactions(open_store):
    store = open_store()
    store.add([
        make_post(1, title="天气预报", text="今天有雨，偶尔提到排污。", reposts=500),
        make_post(2, title="白沙镇化工厂排污", text="化工厂排污严重，河水发黑，排污口在村边。", reposts=0, comments=0, likes=0),
        make_post(3, title="排污问题", text="村民反映排污。", reposts=5),
    ])
    ranked = [p.id for p in store.search(PostQuery(text="排污", sort="relevance"))]
    assert ranked[-1] == make_post(1).id  # only a passing mention in the text
    assert set(ranked[:2]) == {make_post(2).id, make_post(3).id}
    # equal scores fall back to interactions, as in the SQL store
    store.update({make_post(4).id: {"likes": 1}})  # unknown post: nothing changes
    twins = [make_post(10 + i, title="拆迁", text="拆迁", reposts=0, comments=0, likes=i) for i in range(3)]
    store.add(twins)
    store.update({twins[0].id: {"likes": 99}})
    got = [p.id for p in store.search(PostQuery(phrase="拆迁", sort="relevance"))]
    assert got == [twins[0].id, twins[2].id, twins[1].id]
    assert store.get(twins[0].id).likes == 99


def test_values_come_back_exactly(open_store):
    store = open_store()
    p = make_post(1, simhash=2**64 - 1, published_at=T0.replace(microsecond=654321))
    q = make_post(2, simhash=-(2**63), published_at=None, fetched_at=T0 + timedelta(microseconds=1))
    store.add([p, q])
    why = {"words": [["拆迁", 0.42], ["补偿", 0.1]], "model": "v1", "nested": {"a": [1, 2, None]}}
    store.update({p.id: {"explanation": why, "relevance": 0.123456789, "negativity": 1e-9,
                         "classified_at": T0 + timedelta(microseconds=7), "level": 3}})
    got = store.get(p.id)
    assert (got.simhash, got.explanation, got.relevance, got.negativity) == (2**64 - 1, why, 0.123456789, 1e-9)
    assert got.classified_at == T0 + timedelta(microseconds=7) and got.published_at.microsecond == 654321
    assert store.get(q.id).simhash == -(2**63)
    # the post's time is its fetch time when it has no publication time, to the microsecond
    us = timedelta(microseconds=1)
    assert [r.id for r in store.search(PostQuery(since=T0 + us))] == [p.id, q.id]
    assert [r.id for r in store.search(PostQuery(since=T0 + us, until=T0 + 2 * us))] == [q.id]
    assert store.search(PostQuery(since=T0 + 2 * us, until=T0 + 654321 * us)) == []
    assert [r.id for r in store.search(PostQuery(until=T0 + 654322 * us, sort="oldest"))] == [q.id, p.id]
    with pytest.raises(ValueError, match="naive"):
        store.update({p.id: {"graded_at": datetime(2026, 1, 1)}})


def test_deep_pages_beyond_the_result_window(open_store, monkeypatch):
    import yuqing.store.elastic as elastic

    store = open_store()
    store.add([make_post(i) for i in range(23)])
    expected = [p.id for p in store.search(PostQuery(limit=23))]
    monkeypatch.setattr(elastic, "_MAX_WINDOW", 5)  # walk with search_after from the 6th hit on
    assert [p.id for p in store.search(PostQuery(limit=7, offset=9))] == expected[9:16]
    assert [p.id for p in store.search(PostQuery(limit=50, offset=20))] == expected[20:]
    assert [p.id for p in store.pending("classify", limit=12)] == [make_post(i).id for i in range(12)]


# -- the same answers as SQLite ---------------------------------------------------
FRAGMENTS = ["云溪县城关镇", "群众反映拆迁补偿问题", "白沙镇化工厂排污", "河水发黑", "PX项目", "px 项目",
             "东湖街道 幸福社区", "县长信箱", "云溪区", "噪音扰民", "学校食堂", "100%满意", "a_b"]


def _varied_posts(n: int) -> list[PostRecord]:
    rnd = random.Random(20261120)
    posts = []
    for i in range(n):
        when = T0 + timedelta(seconds=rnd.randrange(0, 10 * 86400), microseconds=rnd.randrange(0, 10**6))
        posts.append(PostRecord(
            key=post_key(f"test:{i}"),
            source=rnd.choice(["weibo", "county-news", "tieba"]),
            kind=rnd.choice(["weibo", "news"]),
            title="".join(rnd.sample(FRAGMENTS, 2)),
            text="，".join(rnd.sample(FRAGMENTS, 4)),
            published_at=when if rnd.random() < 0.8 else None,
            fetched_at=when + timedelta(minutes=rnd.randrange(1, 600)),
            reposts=rnd.randrange(0, 50),
            media_level=rnd.choice(["self", "local", "central"]),
            topic=rnd.choice([None, "征地拆迁", "生态环境"]),
            level=rnd.choice([None, 1, 2, 3, 4]),
            relevant=rnd.choice([None, True, False]),
            event_id=rnd.choice([None, 7, 8]),
        ))
    return posts


def test_same_answers_as_the_sqlite_store(open_store, tmp_path):
    from yuqing.db import connect, migrate
    from yuqing.store.sql import SqlPostStore

    engine = connect(f"sqlite:///{tmp_path / 'same.db'}")
    migrate(engine)
    sql = SqlPostStore(engine)
    es = open_store()
    posts = _varied_posts(150)
    assert sorted(sql.add(posts).added) == sorted(es.add(posts).added)
    # classification and grading after the fact: updated posts must stay searchable
    changes = {p.id: {"topic": "生态环境", "level": 4, "relevant": True, "classified_at": T0, "likes": 3 + i}
               for i, p in enumerate(posts[::3])}
    changes[posts[1].id] = {"graded_at": T0, "event_id": 9}
    changes[12345] = {"topic": "nowhere"}
    assert es.update(changes) == sql.update(changes) == len(posts[::3]) + 1
    mid = T0 + timedelta(days=4, hours=3, microseconds=123456)
    queries = [
        PostQuery(limit=200), PostQuery(sort="oldest", limit=200), PostQuery(limit=10, offset=35),
        PostQuery(text="拆迁", limit=200), PostQuery(text="群众 排污", limit=200), PostQuery(text="px", limit=200),
        PostQuery(phrase="px 项目", limit=200), PostQuery(phrase="街道 幸福", limit=200), PostQuery(text="100%", limit=200),
        PostQuery(text="a_b", limit=200), PostQuery(text="云溪区", limit=200),
        PostQuery(since=mid, limit=200), PostQuery(until=mid, sort="oldest", limit=200),
        PostQuery(since=T0 + timedelta(days=2), until=mid, sources=["weibo", "tieba"], limit=200),
        PostQuery(levels=[3, 4], relevant=True, limit=200), PostQuery(relevant=False, limit=200),
        PostQuery(event_id=7, topics=["征地拆迁"], limit=200), PostQuery(kinds=["news"], text="县长", limit=200),
    ]
    for q in queries:
        assert [p.id for p in es.search(q)] == [p.id for p in sql.search(q)], q
        assert es.count(q) == sql.count(q), q
    ranked = PostQuery(text="拆迁", sort="relevance", limit=200)
    assert {p.id for p in es.search(ranked)} == {p.id for p in sql.search(ranked)}
    for name in ("source", "kind", "topic", "level", "media_level"):
        assert es.counts_by(name) == sql.counts_by(name), name
        assert es.counts_by(name, PostQuery(text="排污")) == sql.counts_by(name, PostQuery(text="排污")), name
    for tz in ("Asia/Shanghai", "UTC", "Asia/Kolkata"):
        for interval in ("hour", "day"):
            assert es.histogram(interval, tz=tz) == sql.histogram(interval, tz=tz), (interval, tz)
    assert es.histogram("hour", PostQuery(sources=["weibo"], since=mid)) == \
        sql.histogram("hour", PostQuery(sources=["weibo"], since=mid))
    assert [p.id for b in es.iter_all(batch_size=40) for p in b] == [p.id for b in sql.iter_all(batch_size=40) for p in b]
    assert [p.id for p in es.pending("classify", limit=500)] == [p.id for p in sql.pending("classify", limit=500)]
    assert [p.id for p in es.pending("grade")] == [p.id for p in sql.pending("grade")]
    engine.dispose()


# -- a node that goes away ----------------------------------------------------------
class FlakyProxy:
    """A TCP proxy on 127.0.0.1 in front of the node; it can drop out like a node going away."""

    def __init__(self, upstream: str, tls: ssl.SSLContext | None = None):
        u = urlsplit(upstream)
        self.upstream = (u.hostname, u.port)
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.down = False
        self.bulks = 0
        self.fail_at_bulk: int | None = None  # go away when this bulk request (1-based) arrives
        self.seen = bytearray()  # request bytes forwarded (for the credential test)
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                if self.tls:
                    client = self.tls.wrap_socket(client, server_side=True)
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src, dst, from_client):
        tail = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if from_client:
                    buf = tail + data
                    with self.lock:
                        self.seen += data[:4096]
                        self.bulks += buf.count(b"/_bulk")
                        tail = buf[-6:]
                        if self.fail_at_bulk is not None and self.bulks >= self.fail_at_bulk:
                            self.down = True
                    if self.down:
                        self.drop()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def drop(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def restore(self):
        self.fail_at_bulk = None
        self.down = False

    def close(self):
        self.closed = True
        self.listener.close()
        self.drop()


@pytest.fixture
def proxy(es_url):
    p = FlakyProxy(es_url)
    yield p
    p.close()


def test_node_going_away_mid_bulk_loses_no_post(open_store, proxy, es_url):
    prefix = f"yuqing-test-{uuid.uuid4().hex[:10]}"
    store = open_store(prefix=prefix, hosts=[proxy.url], max_retries=1, chunk_size=100, backoff_seconds=0.01)
    direct = open_store(prefix=prefix)
    posts = [make_post(i) for i in range(450)]
    proxy.fail_at_bulk = 3  # the node goes away when the third bulk request arrives
    result = store.add(posts)
    assert sorted(result.added) == sorted(p.id for p in posts)  # accepted: stored or spooled
    direct.client.indices.refresh(index=f"{prefix}-*")
    assert direct.count() == 200  # two bulks of 100 made it
    assert store.spooled() == 250
    with pytest.raises(YuqingError, match="unreachable"):
        store.count()
    # the node is back: the next write (even an empty one) writes the spool first
    proxy.restore()
    assert store.add([]).added == []
    assert store.spooled() == 0
    assert direct.count() == 450
    assert sorted(p.id for b in direct.iter_all() for p in b) == sorted(p.id for p in posts)
    assert store.add(posts[:5]).existing == [p.id for p in posts[:5]]


def test_node_down_from_the_start_then_flush(open_store, proxy):
    proxy.down = True
    store = open_store(hosts=[proxy.url], max_retries=2, backoff_seconds=0.01)
    result = store.add([make_post(i) for i in range(3)])
    assert len(result.added) == 3 and store.spooled() == 3
    proxy.restore()
    assert store.flush_spool() == 3
    assert store.count() == 3 and store.spooled() == 0
    assert store.get(make_post(2).id).title == "云溪县新闻2"


def test_a_post_the_node_refuses_is_kept_and_reported(open_store):
    store = open_store()
    bad = make_post(2, author_followers=2**70)  # beyond a long: Elasticsearch refuses the document
    with pytest.raises(YuqingError, match=r"refused 1 posts .*kept in .*rejected\.jsonl"):
        store.add([make_post(1), bad, make_post(3)])
    assert store.count() == 2 and store.get(bad.id) is None
    kept = (store.spool_dir / f"{store.prefix}.rejected.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(kept) == 1 and json.loads(kept[0])["post"]["key"] == bad.key
    assert store.spooled() == 0


def test_credentials_come_from_the_environment_and_stay_out_of_logs(open_store, proxy, monkeypatch, caplog):
    monkeypatch.setenv("YQ_ES_USER", "elastic")
    monkeypatch.setenv("YQ_ES_PASS", "s3cret-pw")
    caplog.set_level(logging.DEBUG)
    store = open_store(hosts=[proxy.url], username_env="YQ_ES_USER", password_env="YQ_ES_PASS")
    store.add([make_post(1)])
    assert store.count() == 1
    token = base64.b64encode(b"elastic:s3cret-pw")
    assert b"authorization: basic " + token.lower() in bytes(proxy.seen).lower()
    assert "s3cret-pw" not in caplog.text
    monkeypatch.setenv("YQ_ES_KEY", "a2V5OnZhbHVl")
    keyed = open_store(hosts=[proxy.url], api_key_env="YQ_ES_KEY")
    assert keyed.count() == 0  # a fresh prefix; the key was sent
    assert b"apikey a2v5onzhbhvl" in bytes(proxy.seen).lower()
    monkeypatch.delenv("YQ_ES_PASS")
    with pytest.raises(YuqingError, match="YQ_ES_PASS is not set"):
        open_store(username_env="YQ_ES_USER", password_env="YQ_ES_PASS")


@pytest.fixture
def tls_proxy(es_url, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed: cannot make a test certificate")
    cert, key = tmp_path / "node.crt", tmp_path / "node.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    p = FlakyProxy(es_url, tls=ctx)
    yield p, cert
    p.close()


def test_tls_with_a_private_ca(open_store, tls_proxy, tmp_path):
    proxy, cert = tls_proxy
    store = open_store(hosts=[proxy.url], ca_certs=str(cert), max_retries=0)
    store.add([make_post(1)])
    assert store.count() == 1
    untrusted = open_store(hosts=[proxy.url], max_retries=0)  # system CAs only: the certificate is refused
    with pytest.raises(YuqingError, match="unreachable"):
        untrusted.count()
    unchecked = open_store(hosts=[proxy.url], verify_certs=False, max_retries=0)
    assert unchecked.count() == 0
    with pytest.raises(YuqingError, match="no such file"):
        open_store(hosts=[proxy.url], ca_certs=str(tmp_path / "missing.pem"))
