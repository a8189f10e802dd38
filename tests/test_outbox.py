"""The notification outbox: a message committed with its change is delivered even after a crash or a dead channel.

Real parts: a child process that dies right after committing an alert, local
HTTP receivers that fail and recover, the ``yuqing alerts outbox`` command.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select, update

from conftest import LOCALITY
from test_alerts_support import T0, USERS, HttpSink, add_event, make_deployment
from yuqing.alerts import api, base, notify, outbox
from yuqing.alerts.models import NotificationDelivery, OutboxMessage
from yuqing.alerts.notify import Message
from yuqing.cli import main
from yuqing.models import utcnow


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(notify, "BACKOFF_SECONDS", 0.01)


@pytest.fixture
def sinks():
    made: list[HttpSink] = []

    def make(**kw) -> HttpSink:
        made.append(HttpSink(**kw))
        return made[-1]

    yield make
    for s in made:
        s.close()


def rows(dep) -> list[OutboxMessage]:
    with dep.sessions() as s:
        out = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        s.expunge_all()
        return out


def hook(name: str, url: str, **kw) -> dict:
    return {"name": name, "kind": "webhook", "url": url, **kw}


def deployment(tmp_path, *channels: dict, database_url: str | None = None, **notifications):
    """A deployment whose notifications go over ``channels``."""
    return make_deployment(tmp_path, database_url, notifications={
        "base_url": "http://yq.local", "channels": list(channels), **notifications})


CRASH_AFTER_COMMIT = textwrap.dedent("""
    import os, sys
    from datetime import datetime
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from yuqing.config import load
    from yuqing.deployment import Deployment
    from yuqing.alerts import api, outbox

    def crash(session):
        if outbox.pending_in(session):  # the alert and its message are committed; nothing is sent yet
            os._exit(3)

    event.listen(Session, "after_commit", crash, insert=True)  # runs before the outbox's own listener
    dep = Deployment.open(load(sys.argv[1]))
    api.sync_alerts(dep, now=datetime.fromisoformat(sys.argv[2]))
    sys.exit(0)  # not reached
""")


def test_a_crash_right_after_the_commit_loses_no_message(tmp_path, sinks):
    sink = sinks()
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump({
        "locality": LOCALITY, "users": USERS, "storage": {"data_dir": str(tmp_path / "data")},
        "notifications": {"base_url": "http://yq.local", "channels": [hook("office", sink.url)]},
    }, allow_unicode=True), encoding="utf-8")
    dep = deployment(tmp_path, hook("office", sink.url))
    try:
        add_event(dep)
        done = subprocess.run([sys.executable, "-c", CRASH_AFTER_COMMIT, str(path), T0.isoformat()],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 3, done.stderr
        assert sink.requests == []  # the process died before sending
        [row] = rows(dep)
        assert (row.status, row.attempts, row.kind_of_message) == ("pending", 0, "new")
        with dep.sessions() as s:
            from yuqing.models import Alert
            assert s.scalar(select(Alert.id)) == row.alert_id  # the alert and its message, together

        report = outbox.drain(dep)
        assert report.done == [row.id]
        assert len(sink.requests) == 1
        body = sink.json(0)
        assert body["kind"] == "new" and body["alert_id"] == row.alert_id and "讨薪" in body["subject"]
        assert not body["subject"].startswith(outbox.RESENT)  # the first attempt: not a 补发
        [row] = rows(dep)
        assert (row.status, row.channels_sent) == ("done", ["office"])
        assert outbox.drain(dep).done == []  # delivered once
        assert len(sink.requests) == 1
    finally:
        dep.close()


def test_a_failing_channel_is_retried_later_and_only_it(tmp_path, database_url, sinks):
    good, flaky = sinks(), sinks(fail_first=2)
    dep = deployment(tmp_path, hook("good", good.url), hook("flaky", flaky.url, retries=1),
                     database_url=database_url, retry_minutes=[1, 5])
    try:
        add_event(dep)
        api.sync_alerts(dep, now=T0)  # the new alert's message goes out after the commit
        assert len(good.requests) == 1 and len(flaky.requests) == 2  # two attempts, both refused
        [row] = rows(dep)
        assert (row.status, row.attempts, row.channels_sent) == ("pending", 1, ["good"])
        assert row.last_error.startswith("flaky: ") and "500" in row.last_error
        wait = row.next_attempt_at - utcnow()
        assert timedelta(seconds=50) < wait <= timedelta(minutes=1)

        assert outbox.drain(dep).done == []  # not due yet
        assert len(flaky.requests) == 2

        report = outbox.drain(dep, now=utcnow() + timedelta(minutes=2))
        assert report.done == [row.id]
        assert len(good.requests) == 1  # the channel that had it is not sent it again
        assert len(flaky.requests) == 3
        late = flaky.json(-1)
        assert late["subject"].startswith(outbox.RESENT) and not good.json(0)["subject"].startswith(outbox.RESENT)
        # the late copy counts the time left from when it is sent, not from when the alert opened
        assert good.json(0)["time_left"] == "剩余12小时"  # sent when the alert opened
        assert late["time_left"].startswith("已超时") and late["at"] > good.json(0)["at"]
        [row] = rows(dep)
        assert (row.status, row.attempts, row.channels_sent, row.last_error) == ("done", 2, ["flaky", "good"], None)
        with dep.sessions() as s:
            log = [(d.channel, d.status) for d in s.scalars(
                select(NotificationDelivery).where(NotificationDelivery.outbox_id == row.id)
                .order_by(NotificationDelivery.id))]
        assert log == [("good", "sent"), ("flaky", "failed"), ("flaky", "sent")]
    finally:
        dep.close()


def test_attempts_run_out_then_an_operator_retries(tmp_path, sinks, capsys):
    down = sinks(fail_first=10**6)
    dep = deployment(tmp_path, hook("office", down.url, retries=0), retry_minutes=[1, 2])
    try:
        add_event(dep)
        api.sync_alerts(dep, now=T0)
        [row] = rows(dep)
        start = utcnow()
        assert outbox.drain(dep, now=start + timedelta(seconds=90)).retrying == [row.id]  # 2nd attempt
        assert outbox.drain(dep, now=start + timedelta(minutes=10)).failed == [row.id]  # 3rd and last
        assert outbox.drain(dep, now=start + timedelta(hours=5)).failed == []  # given up: no more tries
        assert len(down.requests) == 3
        [row] = rows(dep)
        assert (row.status, row.attempts) == ("failed", 3) and row.finished_at is not None

        cfg_path = dep.config.path
        cfg_path.write_text(yaml.safe_dump({
            "locality": LOCALITY, "users": USERS, "storage": {"data_dir": str(tmp_path / "data")},
            "notifications": {"base_url": "http://yq.local", "channels": [hook("office", down.url, retries=0)]},
        }, allow_unicode=True), encoding="utf-8")
        assert main(["--config", str(cfg_path), "alerts", "outbox"]) == 0
        out = capsys.readouterr().out
        assert f"#{row.id}\t发送失败\t3 attempt(s)" in out and "讨薪" in out and "office: " in out

        down.fail_first = 0  # the channel is mended
        assert main(["--config", str(cfg_path), "alerts", "outbox", "--retry-failed"]) == 0
        out = capsys.readouterr().out
        assert "1 failed message(s) will be tried again" in out and "outbox: 1 delivered" in out
        assert "every message has been delivered" in out
        assert rows(dep)[0].status == "done"
    finally:
        dep.close()


def test_a_rolled_back_change_leaves_no_message(tmp_path, sinks):
    sink = sinks()
    dep = deployment(tmp_path, hook("office", sink.url))
    try:
        with base.open_session(dep) as s:
            with pytest.raises(RuntimeError), s.begin():
                outbox.enqueue(s, dep, Message(subject="不应发出", text="回滚"))
                raise RuntimeError("the change failed")
        assert rows(dep) == [] and sink.requests == []
    finally:
        dep.close()


def test_a_dead_senders_claim_is_taken_over_and_live_claims_are_not(tmp_path, sinks):
    sink = sinks()
    dep = deployment(tmp_path, hook("office", sink.url))
    try:
        now = utcnow()
        with dep.sessions() as s, s.begin():
            for subject in ("旧认领", "新认领"):
                outbox.enqueue(s, dep, Message(subject=subject, text="x"))
            s.info.clear()  # not delivered by this session: the rows stand for a sender's claims
        old, new = [r.id for r in rows(dep)]
        with dep.sessions() as s, s.begin():
            s.execute(update(OutboxMessage).where(OutboxMessage.id == old).values(
                status="sending", attempts=1, claimed_by="host:1", claimed_at=now - timedelta(minutes=30)))
            s.execute(update(OutboxMessage).where(OutboxMessage.id == new).values(
                status="sending", attempts=1, claimed_by="host:2", claimed_at=now - timedelta(minutes=1)))
        report = outbox.drain(dep, now=now)
        assert report.taken_over == [old] and report.done == [old]
        assert [json.loads(r["body"])["subject"] for r in sink.requests] == [outbox.RESENT + "旧认领"]
        assert {r.id: r.status for r in rows(dep)} == {old: "done", new: "sending"}
        # delivered messages leave the outbox after a while (the delivery log keeps them)
        outbox.drain(dep, now=now + outbox.KEEP_DONE + timedelta(minutes=1))
        assert [r.id for r in rows(dep)] == [new]
    finally:
        dep.close()


def test_a_row_is_claimed_by_one_sender_only(tmp_path, database_url):
    dep = deployment(tmp_path, database_url=database_url)
    try:
        with dep.sessions() as s, s.begin():
            oid = outbox.enqueue(s, dep, Message(subject="一次", text="x")).id
            s.info.clear()
        now = utcnow()
        assert outbox._claim(dep, oid, now, "a") is True
        assert outbox._claim(dep, oid, now, "b") is False
        [row] = rows(dep)
        assert (row.status, row.claimed_by, row.attempts) == ("sending", "a", 1)
    finally:
        dep.close()


def test_the_message_survives_the_round_trip_through_the_outbox():
    m = Message(subject="讨薪", text="正文", level=2, link="http://x/1", audience=["值班", "领导小组办公室"],
                attachments=["/tmp/a.docx"], kind="reminder", alert_id=4, deadline_at=T0 + timedelta(hours=12), at=T0)
    back = Message.from_payload(json.loads(json.dumps(m.to_payload())))
    assert back == m


def test_the_notifications_page_shows_what_is_still_waiting_escaped(tmp_path, sinks):
    from test_web_roles import login
    from yuqing.web import create_app

    down = sinks(fail_first=10**6)
    dep = deployment(tmp_path, hook("office", down.url, retries=0), retry_minutes=[1])
    try:
        with base.open_session(dep) as s, s.begin():
            outbox.enqueue(s, dep, Message(subject="<script>alert(1)</script>讨薪", text="x"))
        app = create_app(dep, testing=True)
        c = app.test_client()
        assert login(c, "bangong").status_code == 303
        html = c.get("/notifications").get_data(as_text=True)
        assert "未送达的通知（1）" in html and "待补发" in html and "HTTP 500" in html
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;讨薪" in html
        outbox.drain(dep, now=utcnow() + timedelta(minutes=2))
        html = c.get("/notifications").get_data(as_text=True)
        assert "发送失败" in html
        w = app.test_client()
        assert login(w, "wangping").status_code == 303
        assert w.get("/notifications").status_code == 403  # 网评员 may not read the notification log
    finally:
        dep.close()


def test_a_late_reminder_of_an_answered_or_closed_alert_is_not_sent(tmp_path, sinks):
    from yuqing.models import Alert

    flaky = sinks(fail_first=1)
    dep = deployment(tmp_path, hook("office", flaky.url, retries=0), retry_minutes=[1])
    try:
        add_event(dep)
        alert_id = api.sync_alerts(dep, now=T0).opened[0]  # refused (the first request fails)
        with base.open_session(dep) as s, s.begin():
            for kind in ("reminder", "statement"):
                outbox.enqueue(s, dep, Message(subject=f"{kind}：讨薪", text="x", kind=kind, alert_id=alert_id))
            s.info.clear()
        new, reminder, other = [r.id for r in rows(dep)]
        with dep.sessions() as s, s.begin():
            s.execute(update(OutboxMessage).where(OutboxMessage.id.in_([reminder, other])).values(attempts=1))
            s.get(Alert, alert_id).status = "closed"
        report = outbox.drain(dep, now=utcnow() + timedelta(minutes=2))
        assert report.obsolete == [reminder] and sorted(report.done) == [new, other]
        assert sorted(json.loads(r["body"])["kind"] for r in flaky.requests[1:]) == ["new", "statement"]
        assert {r.id: r.status for r in rows(dep)}[reminder] == "obsolete"
    finally:
        dep.close()
