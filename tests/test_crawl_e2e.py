"""Crawls through Scrapy's engine against local HTTP servers on 127.0.0.1, into a real SQLite store.

Scrapy's reactor runs once per process, so every crawl here runs in a child
process (``yuqing crawl``, ``scrapy crawl``, or ``crawl(isolate=True)``), the
way the scheduler runs them.
"""
from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from conftest import LOCALITY, ROOT, shared_data

from yuqing.config import load
from yuqing.demo.server import demo_sources, serve_site
from yuqing.deployment import Deployment
from yuqing.models import AuditEntry, SourceStatus
from yuqing.store import PostQuery, post_id, post_key

pytestmark = pytest.mark.slow


def write_config(tmp_path: Path, sources: list[dict]) -> Path:
    data = {
        "locality": dict(LOCALITY),
        "keywords": {"include": ["拆迁", "欠薪", "污染", "事故", "投诉"], "exclude": ["招聘", "代理加盟"]},
        "sources": sources,
        "storage": {"data_dir": str(tmp_path / "data")},
    }
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_crawl(cfg: Path, *args: str, timeout: int = 120, status: int = 0) -> dict:
    """``yuqing crawl --json``; ``status`` 1 when a source is expected to fail."""
    done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(cfg), "crawl", "--json", "--no-process", *args],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == status, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def demo():
    server, base = serve_site(prefer=None)
    yield server, base
    server.stop()


def open_store(cfg: Path) -> Deployment:
    return Deployment.open(load(cfg))


def test_demo_crawl_twice_stores_nothing_new_then_updates_engagement(tmp_path, demo):
    server, base = demo
    cfg = write_config(tmp_path, demo_sources(base))
    first = run_crawl(cfg)
    assert set(first) == {s["name"] for s in demo_sources(base)}
    assert all(r["state"] == "ok" for r in first.values()), first
    stored = {name: r["stored"] for name, r in first.items()}
    assert stored["leader-board"] == 8 and stored["county-mailbox"] == 5  # every letter of the county's own boards
    # the Weibo posts, stored once whichever of the API and the PC search meets them first (the two crawl side by side,
    # so their shares depend on timing: 14 and 1 on a quiet host, the API's share 9 in a run under load)
    assert stored["weibo-mobile"] + stored["weibo-search"] == 15 and stored["yunxi-tieba"] == 9
    assert first["yunxi-news"]["dropped_by_reason"] == {"excluded": 1, "lookalike_only": 1, "no_locality": 2}
    assert first["weibo-search"]["existing"] >= 1 or first["weibo-mobile"]["existing"] >= 1  # the same weibo via PC and API
    dep = open_store(cfg)
    try:
        total = dep.posts.count()
        assert total == sum(stored.values())
        gbk = dep.posts.get(post_id(post_key(f"url:{base}/news/content/yx07.html")))
        assert gbk.title == "县教育局通报云溪一中食堂食品安全检查情况" and "停业整顿" in gbk.text
        repost = dep.posts.get(post_id(post_key("weibo:5230000000001003")))
        assert repost.duplicate_of == post_id(post_key("weibo:5230000000001002"))
        assert repost.author_followers == 325000 and repost.author_verified is True
        long_post = dep.posts.get(post_id(post_key("weibo:5230000000001002")))
        assert "评估公司上门只量了面积就走了" in long_post.text  # completed from statuses/extend
        copy = dep.posts.get(post_id(post_key("weibo:5230000000001007")))
        pasted = dep.posts.get(post_id(post_key("weibo:5230000000001006")))
        # a pasted copy, no repost link: linked by text, to whichever of the two was met first
        assert {copy.duplicate_of, pasted.duplicate_of} == {None, copy.id if pasted.duplicate_of else pasted.id}
        raw = dep.data_dir / gbk.raw_ref
        assert gzip.decompress(raw.read_bytes()).decode("gb18030").count("云溪一中") >= 2
        assert not dep.posts.search(PostQuery(phrase="云溪区召开"))  # the look-alike never got in
        with dep.sessions() as s:
            rows = {r.name: r for r in s.query(SourceStatus)}
        assert rows["yunxi-news"].state == "ok" and rows["yunxi-news"].items_total == stored["yunxi-news"]
        likes_before = long_post.likes
    finally:
        dep.close()

    second = run_crawl(cfg)
    assert {name: r["stored"] for name, r in second.items()} == {name: 0 for name in second}
    # incremental: stored articles and threads are not fetched again, only list and search pages
    assert server.hits.count("/news/content/yx01.html") == 1 and server.hits.count("/p/9300000001") == 1
    assert server.hits.count("/mailbox/letter-1005.html") == 1 and server.hits.count("/news/index.html") == 2
    assert second["yunxi-news"]["pages"] < first["yunxi-news"]["pages"]
    dep = open_store(cfg)
    try:
        assert dep.posts.count() == total
        with dep.sessions() as s:
            news = s.get(SourceStatus, "yunxi-news")
            assert (news.runs, news.items_last_run, news.items_total) == (2, 0, stored["yunxi-news"])
    finally:
        dep.close()

    server.advance(hours=12)  # the story spreads: counts on the platforms grow
    third = run_crawl(cfg, "weibo-mobile")
    assert third["weibo-mobile"]["stored"] == 0 and third["weibo-mobile"]["engagement_updated"] >= 5
    dep = open_store(cfg)
    try:
        assert dep.posts.get(post_id(post_key("weibo:5230000000001002"))).likes > likes_before
    finally:
        dep.close()


def _stored_rows(db) -> int:
    """Posts in a database another process is writing, or 0 while it is not ready."""
    import sqlite3
    from contextlib import closing

    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
            return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_crawl_killed_half_way_resumes_without_loss(tmp_path, demo):
    server, base = demo
    news = next(s for s in demo_sources(base) if s["name"] == "yunxi-news")
    news.update(concurrency=1)
    cfg = write_config(tmp_path, [news])
    names = ("yx01", "yx02", "yx03", "yx04", "yx05", "yx07", "yx08", "yx12", "yx13", "yx14")  # yx06 never names the county
    expected = {post_key(f"url:{base}/news/content/{n}.html"): n for n in names}
    server.delay = 0.4
    log = tmp_path / "child.log"
    with log.open("wb") as err:
        child = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(cfg), "crawl", "--no-process",
                                  "--set", "YUQING_STORE_BATCH=1"], stdout=subprocess.DEVNULL, stderr=err)
    db = tmp_path / "data" / "yuqing.db"
    dep = None
    try:
        # watch the child's database read-only (opening the store here would race its migrations)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None and _stored_rows(db) < 2:
            time.sleep(0.2)
        assert child.poll() is None, f"the crawl ended before it was killed:\n{log.read_text()[-2000:]}"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        dep = open_store(cfg)
        stored_before = {p.key for batch in dep.posts.iter_all() for p in batch}
        assert 2 <= len(stored_before) < len(expected)  # really killed half-way
        assert (tmp_path / "data" / "jobs" / "yunxi-news" / "yuqing.running").exists()
    finally:
        if child.poll() is None:
            child.kill()
        if dep is not None:
            dep.close()
    server.delay = 0
    resumed = run_crawl(cfg)
    assert resumed["yunxi-news"]["state"] == "ok"
    assert (tmp_path / "data" / "jobs" / "yunxi-news.stale").is_dir()  # the torn queue was set aside
    dep = open_store(cfg)
    try:
        keys = {p.key for batch in dep.posts.iter_all() for p in batch}
        assert sorted(expected.get(k, k) for k in keys) == list(names)
        assert resumed["yunxi-news"]["stored"] == len(expected) - len(stored_before)
    finally:
        dep.close()


class _BlockPage(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        if self.path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")  # the real page lies: its bytes are GBK
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_a_ban_page_stops_the_source_and_backs_off(tmp_path):
    _BlockPage.body = shared_data("pages", "weibo_pc", "original_gbk", "error_banned.html").read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BlockPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        cfg = write_config(tmp_path, [{"name": "weibo-search", "kind": "weibo", "delay_seconds": 0, "max_pages": 3,
                                       "start_urls": [f"{base}/weibo?q={{query}}&page={{page}}"]}])
        first = run_crawl(cfg, status=1)["weibo-search"]
        assert (first["state"], first["stored"], first["reason"]) == ("blocked", 0, "blocked_blocked")
        dep = open_store(cfg)
        try:
            with dep.sessions() as s:
                row = s.get(SourceStatus, "weibo-search")
                assert row.last_error == "微博账号异常被限制登录（20003）"
                span = row.backoff_until - row.last_error_at
                assert timedelta(hours=23, minutes=59) < span <= timedelta(hours=24)
                audit = s.query(AuditEntry).filter_by(action="source.state", object_id="weibo-search").one()
                assert audit.detail["new"] == "blocked" and audit.detail["old"] == "never"
            assert dep.posts.count() == 0
        finally:
            dep.close()
        second = run_crawl(cfg)["weibo-search"]
        assert second["pages"] == 0  # backing off: not even asked
        third = run_crawl(cfg, "--ignore-backoff", status=1)["weibo-search"]
        assert third["state"] == "blocked"
        dep = open_store(cfg)
        try:
            with dep.sessions() as s:
                row = s.get(SourceStatus, "weibo-search")
                assert row.backoff_until - row.last_error_at > timedelta(hours=47)  # doubled, capped at 48 h
                assert row.runs == 2
        finally:
            dep.close()
    finally:
        server.shutdown()
        server.server_close()


def test_an_unreachable_source_is_an_error_not_a_crash(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    cfg = write_config(tmp_path, [{"name": "gone", "kind": "rss", "delay_seconds": 0,
                                   "start_urls": [f"http://127.0.0.1:{port}/rss.xml"]}])
    result = run_crawl(cfg, "--set", "RETRY_TIMES=1", "--set", "RETRY_BACKOFF_BASE=0.05", status=1)["gone"]
    assert result["state"] == "error" and result["stored"] == 0 and "连接被拒绝" in result["error"]
    dep = open_store(cfg)
    try:
        with dep.sessions() as s:
            row = s.get(SourceStatus, "gone")
            assert row.state == "error" and "连接被拒绝" in row.last_error and row.last_success_at is None
    finally:
        dep.close()


def test_scrapy_crawl_and_the_isolated_api(tmp_path, demo):
    _server, base = demo
    sources = [s for s in demo_sources(base) if s["name"] in ("yunxi-rss", "county-mailbox")]
    cfg = write_config(tmp_path, sources)
    env = {**os.environ, "YUQING_CONFIG": str(cfg)}
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "yunxi-rss" in listed.stdout.split() and "news" in listed.stdout.split()
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "yunxi-rss", "-s", "LOG_LEVEL=WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dep = open_store(cfg)
    try:
        assert dep.posts.count(PostQuery(sources=["yunxi-rss"])) == 5  # the 云溪区-free feed minus one off-topic item
        from yuqing.config import from_dict
        from yuqing.crawlers.api import crawl

        data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
        unsaved = Deployment(config=from_dict(data), engine=dep.engine, sessions=dep.sessions)  # a config never written
        result = crawl(unsaved, ["county-mailbox", "yunxi-rss"], isolate=True)
        assert result["county-mailbox"]["stored"] == 5 and result["yunxi-rss"]["stored"] == 0
    finally:
        dep.close()


def test_robots_per_source_and_the_login_cookie_from_the_environment(tmp_path, demo):
    server, base = demo
    sources = [
        {"name": "obeys", "kind": "news", "delay_seconds": 0, "start_urls": [f"{base}/private/list.html"]},
        {"name": "ignores", "kind": "news", "delay_seconds": 0, "obey_robots": False,
         "start_urls": [f"{base}/private/other.html"]},
        {"name": "logged-in", "kind": "weibo", "delay_seconds": 0, "max_pages": 1, "cookie_env": "YQ_TEST_WEIBO_COOKIE",
         "start_urls": [f"{base}/weibo?q={{query}}&page={{page}}"], "options": {"queries": ["云溪"]}},
    ]
    cfg = write_config(tmp_path, sources)
    secret = "SUB=_2A25secret-token; SUBP=0033WrSX"
    done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(cfg), "-vv", "crawl", "--json", "--no-process"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "YQ_TEST_WEIBO_COOKIE": secret})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "/private/list.html" not in server.hits  # robots.txt disallows /private/
    assert "/private/other.html" in server.hits  # this source is configured not to obey
    assert server.cookies["/weibo?q=%E4%BA%91%E6%BA%AA&page=1"] == "SUB=_2A25secret-token; SUBP=0033WrSX"
    assert "secret-token" not in done.stderr and "secret-token" not in done.stdout  # never in the logs
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["logged-in"]["stored"] == 6


def test_a_failed_source_is_one_line_and_a_non_zero_exit_while_the_others_are_stored(tmp_path, demo):
    import socket

    _, base = demo
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rss = next(x for x in demo_sources(base) if x["name"] == "yunxi-rss")
    cfg = write_config(tmp_path, [rss, {"name": "gone", "kind": "news", "delay_seconds": 0,
                                        "start_urls": [f"http://127.0.0.1:{port}/news/"]}])
    done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(cfg), "crawl", "--no-process",
                           "--set", "RETRY_TIMES=1", "--set", "RETRY_BACKOFF_BASE=0.05"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr  # one line
    assert done.stderr.startswith("error: source gone failed (出错): 连接被拒绝") and "Traceback" not in done.stderr
    assert done.stdout.startswith("yunxi-rss: 正常, ") and "gone" not in done.stdout
    dep = open_store(cfg)
    try:
        assert dep.posts.count() > 0  # what the reachable source yielded is kept
    finally:
        dep.close()
