"""Shared helpers for the alert, notification and web tests (imported by those modules).

A deployment with one user per role (passwords set), events with posts,
a local SMTP server (aiosmtpd) and a local HTTP receiver, both on 127.0.0.1.
The few tests at the bottom check the helpers themselves.
"""
from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from conftest import make_config

PASSWORD = "secret-pw-123"

USERS = [
    {"username": "jiankong", "name": "张监控", "role": "monitor"},
    {"username": "jiankong2", "name": "陈信息", "role": "monitor"},
    {"username": "wangping", "name": "刘网评", "role": "commentator"},
    {"username": "bangong", "name": "李主任", "role": "office"},
    {"username": "lingdao", "name": "王副县长", "role": "leader"},
    {"username": "fenxi", "name": "赵分析", "role": "analyst"},
    {"username": "admin", "name": "系统管理员", "role": "admin"},
]
ROLE_USER = {u["role"]: u["username"] for u in reversed(USERS)}  # first user of each role

T0 = datetime(2024, 5, 6, 1, 0, tzinfo=timezone.utc)  # 09:00 in Asia/Shanghai


def make_deployment(tmp_path: Path, database_url: str | None = None, **sections):
    """An opened deployment with the alert tables and one user per role (password PASSWORD)."""
    from yuqing.deployment import Deployment
    from yuqing.alerts.models import ensure_schema
    from yuqing.models import Base, User

    sections.setdefault("users", USERS)
    cfg = make_config(tmp_path, database_url, **sections)
    dep = Deployment.open(cfg)
    Base.metadata.create_all(dep.engine)  # tables of every stage not yet in a migration
    ensure_schema(dep.engine)
    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with dep.sessions() as s, s.begin():
        for u in s.scalars(select(User)):
            u.password_hash = pw
    return dep


def add_event(dep, title: str = "云溪县白沙镇多名农民工讨薪", level: int = 2, started: datetime = T0,
              sources=("county-news",), posts: list[dict] | None = None, topic: str = "社会保障",
              reasons=("农民工讨薪，互动较多",), found: datetime | None = None,
              negativity: float | None = 0.8, last_post: datetime | None = None) -> int:
    """An open graded event with its posts in the post store; returns the event id."""
    from yuqing.models import Event
    from yuqing.store import PostRecord, post_key

    with dep.sessions() as s, s.begin():
        ev = Event(title=title, summary=title, topic=topic, level=level, level_reasons=list(reasons),
                   first_seen_at=found or started + timedelta(minutes=30), first_published_at=started,
                   last_post_at=last_post or started, post_count=len(posts or []) or 1, sources=list(sources),
                   status="open", negativity=negativity)
        s.add(ev)
        s.flush()
        event_id = ev.id
    records = []
    for i, p in enumerate(posts or [{"title": title, "text": f"{title}，现场有人拍视频。"}]):
        url = p.get("url", f"http://127.0.0.1:9/news/{event_id}-{i}.html")
        records.append(PostRecord(
            key=post_key(f"url:{url}"), source=p.get("source", sources[0]), kind="news", url=url,
            title=p.get("title", ""), text=p.get("text", ""), published_at=started + timedelta(minutes=i),
            fetched_at=started + timedelta(minutes=30 + i), relevant=True, relevance=0.9, topic=topic,
            negativity=0.8, event_id=event_id, level=level, graded_at=started + timedelta(minutes=31),
        ))
    dep.posts.add(records)
    return event_id


def set_event_level(dep, event_id: int, level: int, reasons=("传播加快",)) -> None:
    from yuqing.models import Event

    with dep.sessions() as s, s.begin():
        ev = s.get(Event, event_id)
        ev.level = level
        ev.level_reasons = list(reasons)


def user(dep, username: str):
    from yuqing.models import User

    with dep.sessions() as s:
        return s.scalar(select(User).where(User.username == username))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- receivers -------------------------------------------------------------------------

class HttpSink:
    """A local HTTP receiver recording each POST; answers like a robot, or fails the first N requests."""

    def __init__(self, answer: dict | None = None, fail_first: int = 0, status_on_fail: int = 500):
        self.requests: list[dict] = []
        self.answer = answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
        self.fail_first = fail_first
        self.status_on_fail = status_on_fail
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                sink.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if len(sink.requests) <= sink.fail_first:
                    self.send_response(sink.status_on_fail)
                    self.end_headers()
                    return
                data = json.dumps(sink.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def json(self, i: int = -1) -> dict:
        return json.loads(self.requests[i]["body"].decode("utf-8"))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """A local SMTP server (aiosmtpd) keeping each message; optional AUTH with a fixed user."""

    def __init__(self, auth: tuple[str, str] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[dict] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                sink.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                      "data": envelope.content, "login": getattr(session, "login_data", None)})
                return "250 OK"

        kwargs = {}
        if auth:
            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = auth_data.login.decode() == auth[0] and auth_data.password.decode() == auth[1]
                return AuthResult(success=ok, handled=False)

            kwargs = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True}
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


# -- the helpers themselves --------------------------------------------------------------

def test_deployment_has_one_user_per_role(tmp_path):
    dep = make_deployment(tmp_path)
    try:
        assert {r: user(dep, n).role for r, n in ROLE_USER.items()} == {r: r for r in ROLE_USER}
        assert user(dep, "jiankong").password_hash.startswith("pbkdf2:sha256:1000")
    finally:
        dep.close()


def test_add_event_stores_posts_through_the_store(tmp_path):
    from yuqing.store import PostQuery

    dep = make_deployment(tmp_path)
    try:
        event_id = add_event(dep, posts=[{"title": "一"}, {"title": "二"}])
        posts = dep.posts.search(PostQuery(event_id=event_id, sort="oldest"))
        assert [p.title for p in posts] == ["一", "二"]
    finally:
        dep.close()
