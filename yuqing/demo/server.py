"""The demo site: our own sample pages about the fictional 云溪县, served on 127.0.0.1 in each source's real format.

``serve_site(port=0)`` starts a threaded ``http.server`` in a daemon thread and
returns ``(server, base_url)``; ``server.stop()`` shuts it down. What it serves
(all under ``yuqing/demo/site/``):

=============================================  ==========================================
``/news/index.html``, ``/news/content/*.html``  云溪新闻网: list pages and articles (one GBK,
                                                served with a lying ``charset=utf-8`` header)
``/rss.xml``                                    云溪发布 RSS feed
``/api/container/getIndex``, ``/statuses/extend`` m.weibo.cn search JSON (filtered by ``q``)
``/weibo``                                      s.weibo.com search, today's ``card-wrap`` markup
``/s?tn=news``                                  百度 news results
``/weixin``, ``/mp/s``                          搜狗微信 results and mp.weixin.qq.com articles
``/search``                                     有道 results
``/f``, ``/p/<tid>``                            百度贴吧 forum list and threads (2024 markup)
``/v1/threads/list/df``                         人民网领导留言板-style JSON API
``/mailbox/list.html``, ``/mailbox/letter-*``   县长信箱 list and letters
=============================================  ==========================================

Publish times are written as offsets (``{{t:90:weibo}}``: 90 minutes before
now, in weibo's display format) and filled in when a page is served, so the
demo always looks current. ``now`` may be fixed for tests; ``delay`` slows
every response (to test killing a crawl half-way).
"""
from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

SITE = Path(__file__).with_name("site")
SHANGHAI = ZoneInfo("Asia/Shanghai")
_PLACEHOLDER = re.compile(r"\{\{t:(-?\d+(?:\.\d+)?):([a-z0-9_]+)\}\}")
_WEEKDAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


def format_time(at: datetime, fmt: str, now: datetime) -> str:
    """``at`` written the way a site shows it (``fmt`` names the site's habit)."""
    local = at.astimezone(SHANGHAI)
    local_now = now.astimezone(SHANGHAI)
    if fmt == "iso":
        return local.strftime("%Y-%m-%d %H:%M")
    if fmt == "iso_s":
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if fmt == "date":
        return local.strftime("%Y-%m-%d")
    if fmt == "cn":
        return f"{local.year}年{local.month:02d}月{local.day:02d}日 {local:%H:%M}"
    if fmt == "cn_date":
        return f"{local.year}年{local.month}月{local.day}日"
    if fmt == "epoch":
        return str(int(at.timestamp()))
    if fmt == "epoch_ms":
        return str(int(at.timestamp() * 1000))
    if fmt == "rfc822":
        return format_datetime(at.astimezone(timezone.utc), usegmt=True)
    if fmt == "mweibo":  # Sat Jun 29 12:40:09 +0800 2013
        return (f"{_WEEKDAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day:02d} "
                f"{local:%H:%M:%S} +0800 {local.year}")
    minutes = (now - at).total_seconds() / 60
    if fmt in ("weibo", "relative"):
        if minutes < 1:
            return "刚刚"
        if minutes < 60:
            return f"{int(minutes)}分钟前"
        if fmt == "relative" and minutes < 24 * 60:
            return f"{int(minutes // 60)}小时前"
        if local.date() == local_now.date():
            return f"今天 {local:%H:%M}"
        if local.date() == local_now.date() - timedelta(days=1) and fmt == "relative":
            return f"昨天 {local:%H:%M}"
        if local.year == local_now.year:
            return f"{local.month}月{local.day}日 {local:%H:%M}"
        return local.strftime("%Y-%m-%d %H:%M")
    if fmt == "tieba":  # forum lists: 12:30 today, else 11-20
        if local.date() == local_now.date():
            return local.strftime("%H:%M")
        return f"{local.month}-{local.day}"
    raise ValueError(f"unknown time format {fmt!r}")


def render(text: str, now: datetime) -> str:
    """Fill every ``{{t:MINUTES:FORMAT}}`` with the time MINUTES before ``now``."""
    return _PLACEHOLDER.sub(lambda m: format_time(now - timedelta(minutes=float(m.group(1))), m.group(2), now), text)


class DemoSite(ThreadingHTTPServer):
    """The demo site's server; ``stop()`` shuts it down."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, now: datetime | None = None, delay: float = 0.0):
        super().__init__(address, _Handler)
        self.fixed_now = now
        self.delay = delay
        self.started = time.monotonic()
        self.hits: list[str] = []
        self.cookies: dict[str, str] = {}  # path → Cookie header the crawler sent (to test login cookies)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(timezone.utc)

    def advance(self, hours: float) -> None:
        """Let the stories spread as if ``hours`` had passed (engagement counts grow; times stay)."""
        self.started -= hours * 3600

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


#: the port the demo prefers, so URLs (and so post keys) stay the same from one `yuqing demo` to the next
PREFERRED_PORT = 8765


def serve_site(port: int = 0, now: datetime | None = None, delay: float = 0.0,
               prefer: int | None = PREFERRED_PORT) -> tuple[DemoSite, str]:
    """Start the demo site on 127.0.0.1; returns ``(server, base_url)``.

    ``port=0`` takes PREFERRED_PORT when it is free (a second demo run then
    finds its posts already stored), else any free port; ``prefer=None`` always
    takes any free port (tests).
    """
    server = None
    if port == 0 and prefer:
        try:
            server = DemoSite(("127.0.0.1", prefer), now=now, delay=delay)
        except OSError:
            server = None
    if server is None:
        server = DemoSite(("127.0.0.1", port), now=now, delay=delay)
    thread = threading.Thread(target=server.serve_forever, name="yuqing-demo-site", daemon=True)
    server._thread = thread
    thread.start()
    return server, server.base_url


def demo_sources(base_url: str) -> list[dict]:
    """The configuration ``sources`` entries that crawl the demo site (every source kind)."""
    b = base_url.rstrip("/")
    fast = {"delay_seconds": 0, "concurrency": 4, "cadence_minutes": 30, "duty_cadence_minutes": 10}
    return [
        {"name": "yunxi-news", "label": "云溪新闻网", "kind": "news", "start_urls": [f"{b}/news/index.html"], "media_level": "local",
         "official": True,
         "max_pages": 3, **fast},
        {"name": "yunxi-rss", "label": "云溪发布", "kind": "rss", "start_urls": [f"{b}/rss.xml"], "media_level": "local", "official": True, **fast},
        {"name": "weibo-mobile", "label": "微博（移动版）", "kind": "weibo_mobile", "max_pages": 2, **fast,
         "start_urls": [f"{b}/api/container/getIndex?containerid=100103type%3D1%26q%3D{{query}}&page_type=searchall&page={{page}}"]},
        {"name": "weibo-search", "label": "微博搜索", "kind": "weibo", "max_pages": 2, **fast,
         "start_urls": [f"{b}/weibo?q={{query}}&typeall=1&suball=1&page={{page}}"]},
        {"name": "baidu-news", "label": "百度新闻", "kind": "baidu_news", "max_pages": 2, **fast,
         "start_urls": [f"{b}/s?tn=news&rtt=4&bsst=1&cl=2&wd={{query}}&pn={{pn}}"]},
        {"name": "weixin", "label": "微信公众号", "kind": "sogou_weixin", "max_pages": 1, **fast,
         "start_urls": [f"{b}/weixin?type=2&query={{query}}&page={{page}}"]},
        {"name": "youdao", "label": "有道搜索", "kind": "youdao", "max_pages": 1, **fast,
         "start_urls": [f"{b}/search?q={{query}}&start={{pn}}"]},
        {"name": "yunxi-tieba", "label": "云溪吧", "kind": "tieba", "max_pages": 2, **fast,
         "start_urls": [f"{b}/f?kw=%E4%BA%91%E6%BA%AA&ie=utf-8"]},
        {"name": "leader-board", "label": "领导留言板", "kind": "board", "max_pages": 3, "require_locality": False, "media_level": "self", **fast,
         "start_urls": [f"{b}/v1/threads/list/df?fid=7421&page={{page}}"],
         "options": {"url_template": f"{b}/threads/content?tid={{id}}"}},
        {"name": "county-mailbox", "label": "县长信箱", "kind": "board", "max_pages": 2, "require_locality": False, **fast,
         "start_urls": [f"{b}/mailbox/list.html"], "options": {"list_item": "table.letters tr"}},
    ]


# -- request handling ----------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    server: DemoSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the crawl logs what matters
        pass

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        if self.server.delay:
            time.sleep(self.server.delay)
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.server.hits.append(self.path)
        if self.headers.get("Cookie"):
            self.server.cookies[self.path] = self.headers["Cookie"]
        now = self.server.now()
        try:
            routed = self.route(path, query, now)
        except Exception as e:  # pragma: no cover - a demo bug should be visible, not hang the crawl
            self.send(500, f"demo site error: {type(e).__name__}: {e}".encode(), "text/plain; charset=utf-8")
            return
        if routed is None:
            self.send(404, "<html><head><title>404 Not Found</title></head><body>页面不存在</body></html>".encode(),
                      "text/html; charset=utf-8")
            return
        body, content_type = routed
        self.send(200, body, content_type)

    def send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the crawler went away (killed on purpose in tests)
            self.close_connection = True

    # each route returns (bytes, content type) or None for 404
    def route(self, path: str, q: dict, now: datetime):
        if path == "/robots.txt":
            return (SITE / "robots.txt").read_bytes(), "text/plain"
        if path in ("/", "/index.html"):
            return self.page("index.html", now)
        if path.startswith("/news/") or path.startswith("/media/") or path.startswith("/threads/"):
            if path.startswith("/threads/"):
                return self.people_letter(q, now)
            return self.page(path.lstrip("/"), now)
        if path == "/rss.xml":
            return render((SITE / "rss.xml").read_text("utf-8"), now).encode("utf-8"), "application/rss+xml; charset=utf-8"
        if path == "/api/container/getIndex":
            return self.weibo_search_json(q, now)
        if path == "/statuses/extend":
            return self.weibo_long_text(q, now)
        if path == "/weibo":
            return self.search_page("weibo/search.html", "weibo/empty.html", int(q.get("page", "1") or 1) > 1, now)
        if path == "/s":
            return self.search_page("baidu/news.html", "baidu/empty.html", int(q.get("pn", "0") or 0) > 0, now)
        if path == "/weixin":
            return self.search_page("sogou/search.html", "sogou/empty.html", int(q.get("page", "1") or 1) > 1, now)
        if path == "/mp/s":
            mid = q.get("mid", "")
            return self.page(f"sogou/article-{mid}.html", now) if mid.isdigit() else None
        if path == "/search":
            return self.search_page("youdao/search.html", "youdao/empty.html", int(q.get("start", "0") or 0) > 0, now)
        if path == "/f":
            return self.tieba_list(q, now)
        m = re.fullmatch(r"/p/(\d+)", path)
        if m:
            return self.tieba_thread(m.group(1), now)
        if path == "/v1/threads/list/df":
            return self.people_board(q, now)
        if path.startswith("/mailbox/"):
            return self.page(path.lstrip("/"), now)
        return None

    # -- static templates --------------------------------------------------
    def page(self, rel: str, now: datetime):
        file = (SITE / rel).resolve()
        if SITE.resolve() not in file.parents or not file.is_file():
            return None
        raw = file.read_bytes()
        if file.suffix not in (".html", ".htm", ".xml", ".json"):
            return raw, "application/octet-stream"
        text = render(raw.decode("utf-8"), now)
        m = _CHARSET.search(raw[:2048])
        declared = m.group(1).decode().lower() if m else "utf-8"
        if declared in ("gbk", "gb2312", "gb18030"):
            # the county site's old CMS: GBK bytes behind a header that claims UTF-8
            return text.encode("gb18030"), "text/html; charset=utf-8"
        return text.encode("utf-8"), "text/html; charset=utf-8"

    def search_page(self, full: str, empty: str, beyond_first: bool, now: datetime):
        return self.page(empty if beyond_first else full, now)

    # -- m.weibo.cn ----------------------------------------------------------
    def weibo_posts(self, now: datetime) -> list[dict]:
        posts = json.loads(render((SITE / "weibo" / "posts.json").read_text("utf-8"), now))
        # engagement keeps growing while the demo runs (a story spreading)
        hours = (time.monotonic() - self.server.started) / 3600
        for post in posts:
            g = float(post.get("growth", 0)) * hours
            for key in ("reposts_count", "comments_count", "attitudes_count"):
                if isinstance(post.get(key), int):
                    post[key] = int(post[key] * (1 + g))
        return posts

    def weibo_search_json(self, q: dict, now: datetime):
        container = q.get("containerid", "")
        m = re.search(r"q=(.*)$", container)
        words = [w for w in (m.group(1) if m else "").split() if w]
        page = max(1, int(q.get("page", "1") or 1))
        by_mid = {p["mid"]: p for p in self.weibo_posts(now)}
        hits = []
        for post in by_mid.values():
            original = by_mid.get(post.get("retweet_of", ""))
            haystack = post["text"] + (original["text"] if original else "")
            if words and all(w in haystack for w in words):
                hits.append(post)
        hits.sort(key=lambda p: p["minutes_ago"])
        per_page = 10
        chunk = hits[(page - 1) * per_page : page * per_page]
        cards = []
        for post in chunk:
            mblog = _mblog(post, by_mid)
            if post.get("promotion"):
                mblog["promotion"] = {"type": "ad", "monitor_url": []}
            cards.append({"card_type": 9, "itemid": f"seqid:demo|type:1|t:|pos:1-0-{post['mid']}", "mblog": mblog})
        more = page * per_page < len(hits)
        grouped = [{"card_type": 11, "card_group": cards[:2]}] + cards[2:] if len(cards) > 2 else cards
        data = {"ok": 1 if chunk else 0, "data": {
            "cardlistInfo": {"containerid": container, "v_p": 42, "show_style": 1, "total": len(hits),
                             "page": page + 1 if more else None},
            "cards": grouped, "scheme": f"sinaweibo://cardlist?containerid={quote(container)}"}}
        if not chunk:
            data["msg"] = "这里还没有内容"
        return json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"

    def weibo_long_text(self, q: dict, now: datetime):
        post = next((p for p in self.weibo_posts(now) if p["mid"] == q.get("id")), None)
        if post is None:
            return json.dumps({"ok": 0, "msg": "该微博不存在"}, ensure_ascii=False).encode(), "application/json; charset=utf-8"
        data = {"ok": 1, "data": {"ok": 1, "longTextContent": post.get("long_text", post["text"]),
                                   "reposts_count": post["reposts_count"], "comments_count": post["comments_count"],
                                   "attitudes_count": post["attitudes_count"]}}
        return json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"

    # -- 贴吧 ------------------------------------------------------------------
    def tieba_data(self, now: datetime) -> dict:
        return json.loads(render((SITE / "tieba" / "threads.json").read_text("utf-8"), now))

    def tieba_list(self, q: dict, now: datetime):
        data = self.tieba_data(now)
        pn = int(q.get("pn", "0") or 0)
        template = (SITE / "tieba" / "list.html").read_text("utf-8")
        item_tpl = (SITE / "tieba" / "list_item.html").read_text("utf-8")
        threads = data["threads"] if pn == 0 else []
        items = []
        for t in threads:
            field = {"id": int(t["tid"]), "author_name": t["author"], "author_nickname": None,
                     "author_portrait": "tb.1.demo", "first_post_id": int(t["floors"][0]["pid"]),
                     "reply_num": t["reply_num"], "is_good": None, "is_top": True if t.get("top") else None}
            abstract = t["floors"][0]["text"][:60]
            items.append(
                item_tpl.replace("__FIELD__", _attr(json.dumps(field, ensure_ascii=True)))
                .replace("__TID__", t["tid"]).replace("__TITLE__", _esc(t["title"]))
                .replace("__AUTHOR__", _esc(t["author"])).replace("__REPLIES__", str(t["reply_num"]))
                .replace("__CREATED__", t["created"]).replace("__ABSTRACT__", _esc(abstract))
                .replace("__TOP__", '<i class="icon-top" alt="置顶" title="置顶"></i>' if t.get("top") else "")
            )
        pager = '<a href="/f?kw=%E4%BA%91%E6%BA%AA&amp;ie=utf-8&amp;pn=50" class="next pagination-item ">下一页&gt;</a>' if pn == 0 else ""
        html = template.replace("__ITEMS__", "\n".join(items)).replace("__PAGER__", pager)
        return render(html, now).encode("utf-8"), "text/html; charset=utf-8"

    def tieba_thread(self, tid: str, now: datetime):
        data = self.tieba_data(now)
        thread = next((t for t in data["threads"] if t["tid"] == tid), None)
        if thread is None:
            return None
        template = (SITE / "tieba" / "thread.html").read_text("utf-8")
        floor_tpl = (SITE / "tieba" / "floor.html").read_text("utf-8")
        floors = []
        for no, floor in enumerate(thread["floors"], 1):
            field = {"author": {"user_id": 1000 + no, "user_name": floor["user"], "props": None},
                     "content": {"post_id": int(floor["pid"]), "is_anonym": False, "forum_id": 52013,
                                 "thread_id": int(tid), "post_no": no, "type": "0",
                                 "comment_num": floor.get("comments", 0)}}
            floors.append(
                floor_tpl.replace("__FIELD__", _attr(json.dumps(field, ensure_ascii=True)))
                .replace("__PID__", floor["pid"]).replace("__NAME__", _esc(floor["name"]))
                .replace("__TEXT__", _esc(floor["text"]).replace("\n", "<br>")).replace("__NO__", str(no))
                .replace("__TIME__", floor["time"]).replace("__FIRST__", " d_post_content_firstfloor" if no == 1 else "")
            )
        html = (template.replace("__TITLE__", _esc(thread["title"])).replace("__TID__", tid)
                .replace("__REPLIES__", str(thread["reply_num"])).replace("__AUTHOR__", _esc(thread["author"]))
                .replace("__FLOORS__", "\n".join(floors)))
        return render(html, now).encode("utf-8"), "text/html; charset=utf-8"

    # -- 留言板 ---------------------------------------------------------------
    def people_board(self, q: dict, now: datetime):
        letters = json.loads(render((SITE / "board" / "threads.json").read_text("utf-8"), now))
        page = max(1, int(q.get("page", "1") or 1))
        rows = letters[(page - 1) * 4 : page * 4]
        body = {"resultCode": "200", "resultMsg": "success",
                "resultData": {"data": rows, "lastItem": rows[-1]["tid"] if rows else None, "total": len(letters)}}
        return json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8"

    def people_letter(self, q: dict, now: datetime):
        letters = json.loads(render((SITE / "board" / "threads.json").read_text("utf-8"), now))
        letter = next((x for x in letters if str(x["tid"]) == q.get("tid")), None)
        if letter is None:
            return None
        html = (f"<html><head><meta charset='utf-8'><title>{_esc(letter['subject'])}_领导留言板</title></head><body>"
                f"<h1>{_esc(letter['subject'])}</h1><p>留言对象：{_esc(letter['forumName'])}</p>"
                f"<div class='replyContent'>{_esc(letter['content'])}</div></body></html>")
        return html.encode("utf-8"), "text/html; charset=utf-8"


def _mblog(post: dict, by_mid: dict) -> dict:
    user = post["user"]
    mblog = {
        "visible": {"type": 0, "list_id": 0},
        "created_at": post["created_at"],
        "id": post["mid"], "idstr": post["mid"], "mid": post["mid"], "bid": post["bid"],
        "can_edit": False,
        "text": post["text"],
        "textLength": len(post["text"]) * 2,
        "source": post.get("source", "iPhone客户端"),
        "favorited": False,
        "user": {"id": user["id"], "screen_name": user["name"], "verified": user.get("verified", False),
                 "verified_type": 0 if user.get("verified") else -1, "followers_count": user["followers"],
                 "follow_count": user.get("follows", 100), "description": user.get("description", ""),
                 "profile_url": f"https://m.weibo.cn/u/{user['id']}"},
        "reposts_count": post["reposts_count"], "comments_count": post["comments_count"],
        "attitudes_count": post["attitudes_count"],
        "isLongText": bool(post.get("long_text")),
        "region_name": post.get("region", "发布于 湖南"),
        "mblogtype": 0,
    }
    original = by_mid.get(post.get("retweet_of", ""))
    if original is not None:
        mblog["retweeted_status"] = _mblog({**original, "retweet_of": None}, by_mid)
    return mblog


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#39;")


__all__ = ["serve_site", "demo_sources", "DemoSite", "render", "format_time", "SITE"]
