"""Notifications against real local receivers: an SMTP server (aiosmtpd) and an HTTP server.

Payload formats of the 企业微信 and 钉钉 robots and the generic JSON webhook,
钉钉 signing, retries with backoff, the delivery log, routing by audience /
level / duty period, secrets kept out of logs, and a dead channel that does not
block the procedure.
"""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import logging
import time
import urllib.parse
from datetime import timedelta

import pytest

from test_alerts_support import T0, HttpSink, SmtpSink, add_event, free_port, make_deployment
from yuqing.alerts import api, base, notify, workflow
from yuqing.alerts.models import NotificationDelivery
from yuqing.alerts.notify import Message, Notifier
from yuqing.domain import Level, Step
from yuqing.models import Alert


pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(notify, "BACKOFF_SECONDS", 0.01)


@pytest.fixture
def sink():
    s = HttpSink()
    yield s
    s.close()


def deployment(tmp_path, channels, **sections):
    return make_deployment(tmp_path, notifications={"base_url": "https://yq.example.gov.cn", "channels": channels},
                           **sections)


MSG = dict(subject="云溪县白沙镇多名农民工讨薪", text="级别：重大或较大\n来源：county-news", level=Level.MAJOR,
           link="https://yq.example.gov.cn/alerts/7", audience=["领导小组办公室"], kind="new", alert_id=7,
           deadline_at=T0 + timedelta(hours=12), at=T0 + timedelta(hours=4, minutes=30))


def test_wecom_robot_markdown(tmp_path, sink):
    dep = deployment(tmp_path, [{"name": "wx", "kind": "wecom", "url": f"{sink.url}/cgi-bin/webhook/send?key=SECRETKEY1"}])
    try:
        [d] = Notifier(dep).send(Message(**MSG))
        assert d.ok and d.attempts == 1 and d.channel == "wx"
        req = sink.requests[0]
        assert req["path"] == "/cgi-bin/webhook/send?key=SECRETKEY1"
        assert req["headers"]["Content-Type"] == "application/json; charset=utf-8"
        body = sink.json()
        assert list(body) == ["msgtype", "markdown"] and body["msgtype"] == "markdown"
        content = body["markdown"]["content"]
        assert content.startswith("### 【II级·重大或较大】云溪县白沙镇多名农民工讨薪")
        assert "剩余7小时30分" in content and "2024-05-06 21:00" in content  # deadline in Asia/Shanghai
        assert "[查看详情](https://yq.example.gov.cn/alerts/7)" in content
    finally:
        dep.close()


def test_dingtalk_robot_signed(tmp_path, sink, monkeypatch):
    monkeypatch.setenv("DING_SECRET", "SECabc123")
    dep = deployment(tmp_path, [{"name": "dd", "kind": "dingtalk", "url": f"{sink.url}/robot/send?access_token=TOKEN9",
                                 "secret_env": "DING_SECRET"}])
    try:
        before = int(time.time() * 1000)
        [d] = Notifier(dep).send(Message(**MSG))
        assert d.ok
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(sink.requests[0]["path"]).query))
        assert q["access_token"] == "TOKEN9" and before <= int(q["timestamp"]) <= int(time.time() * 1000)
        expected = base64.b64encode(hmac.new(b"SECabc123", f"{q['timestamp']}\nSECabc123".encode(), hashlib.sha256).digest())
        assert q["sign"] == expected.decode()
        body = sink.json()
        assert body["msgtype"] == "markdown"
        assert body["markdown"]["title"] == "【II级·重大或较大】云溪县白沙镇多名农民工讨薪"
        assert "剩余7小时30分" in body["markdown"]["text"]
    finally:
        dep.close()


def test_robot_error_answer_is_a_failure(tmp_path):
    bad = HttpSink(answer={"errcode": 93000, "errmsg": "invalid webhook url"})
    dep = deployment(tmp_path, [{"name": "wx", "kind": "wecom", "url": f"{bad.url}/send?key=K", "retries": 1}])
    try:
        [d] = Notifier(dep).send(Message(**MSG))
        assert not d.ok and d.attempts == 2 and "93000" in d.error
    finally:
        bad.close()
        dep.close()


def test_generic_json_webhook(tmp_path, sink):
    dep = deployment(tmp_path, [{"name": "hook", "kind": "webhook", "url": f"{sink.url}/hook"}])
    try:
        Notifier(dep).send(Message(**MSG))
        body = sink.json()
        assert body["subject"] == "云溪县白沙镇多名农民工讨薪"
        assert (body["level"], body["level_label"], body["level_roman"]) == (3, "重大或较大", "II")
        assert body["link"] == "https://yq.example.gov.cn/alerts/7" and body["alert_id"] == 7 and body["kind"] == "new"
        assert body["deadline_at"] == "2024-05-06T13:00:00+00:00" and body["time_left"] == "剩余7小时30分"
        assert body["audience"] == ["领导小组办公室"]
    finally:
        dep.close()


def test_retry_after_a_failing_receiver_and_the_delivery_log(tmp_path):
    flaky = HttpSink(fail_first=2)
    dep = deployment(tmp_path, [{"name": "hook", "kind": "webhook", "url": flaky.url, "retries": 3}])
    try:
        [d] = Notifier(dep).send(Message(**MSG))
        assert d.ok and d.attempts == 3 and len(flaky.requests) == 3
        with dep.sessions() as s:
            row = s.get(NotificationDelivery, d.id)
            assert (row.channel, row.status, row.attempts, row.alert_id, row.kind_of_message) == ("hook", "sent", 3, 7, "new")
            assert row.subject == "【II级·重大或较大】云溪县白沙镇多名农民工讨薪" and row.level == 3
    finally:
        flaky.close()
        dep.close()


def test_backoff_doubles(tmp_path, monkeypatch):
    port = free_port()  # nothing listens here
    dep = deployment(tmp_path, [{"name": "dead", "kind": "webhook", "url": f"http://127.0.0.1:{port}/", "retries": 2}])
    slept = []
    monkeypatch.setattr(notify.time, "sleep", slept.append)
    try:
        [d] = Notifier(dep, backoff=0.5).send(Message(**MSG))
        assert not d.ok and d.attempts == 3 and slept == [0.5, 1.0]
        assert "cannot reach" in d.error
    finally:
        dep.close()


def test_email_over_local_smtp_with_login(tmp_path, monkeypatch, caplog):
    smtp = SmtpSink(auth=("yq-user", "Pa55word!"))
    monkeypatch.setenv("SMTP_USER", "yq-user")
    monkeypatch.setenv("SMTP_PASS", "Pa55word!")
    dep = deployment(tmp_path, [{"name": "mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                 "smtp_user_env": "SMTP_USER", "smtp_password_env": "SMTP_PASS",
                                 "mail_from": "yuqing@yunxi.gov.cn", "mail_to": ["office@yunxi.gov.cn", "duty@yunxi.gov.cn"]}])
    attachment = tmp_path / "舆情日报.html"
    attachment.write_text("<h1>日报</h1>", encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    try:
        [d] = Notifier(dep).send(Message(**{**MSG, "attachments": [attachment]}))
        assert d.ok, d.error
        [m] = smtp.messages
        assert m["to"] == ["office@yunxi.gov.cn", "duty@yunxi.gov.cn"] and m["from"] == "yuqing@yunxi.gov.cn"
        mail = email.message_from_bytes(m["data"], policy=email.policy.default)
        assert mail["Subject"] == "【II级·重大或较大】云溪县白沙镇多名农民工讨薪"
        body = mail.get_body(("plain",)).get_content()
        assert "处置时限：2024-05-06 21:00（剩余7小时30分）" in body
        assert "详情：https://yq.example.gov.cn/alerts/7" in body
        [att] = list(mail.iter_attachments())
        assert att.get_filename() == "舆情日报.html" and "日报" in att.get_content()
    finally:
        smtp.close()
        dep.close()
    assert "Pa55word!" not in caplog.text


def test_email_wrong_password_fails_without_leaking_it(tmp_path, monkeypatch, caplog):
    smtp = SmtpSink(auth=("yq-user", "right-password"))
    monkeypatch.setenv("SMTP_USER", "yq-user")
    monkeypatch.setenv("SMTP_PASS", "wrong-password-xyz")
    dep = deployment(tmp_path, [{"name": "mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                 "smtp_user_env": "SMTP_USER", "smtp_password_env": "SMTP_PASS",
                                 "mail_to": ["office@yunxi.gov.cn"], "retries": 1}])
    caplog.set_level(logging.DEBUG)
    try:
        [d] = Notifier(dep).send(Message(**MSG))
        assert not d.ok and d.attempts == 2 and "SMTPAuthenticationError" in d.error
        assert smtp.messages == []
        with dep.sessions() as s:
            assert "wrong-password-xyz" not in (s.get(NotificationDelivery, d.id).error or "")
    finally:
        smtp.close()
        dep.close()
    assert "wrong-password-xyz" not in caplog.text


def test_webhook_keys_never_reach_the_log(tmp_path, monkeypatch, caplog):
    port = free_port()
    monkeypatch.setenv("WX_URL", f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=TOPSECRET42")
    dep = deployment(tmp_path, [{"name": "wx", "kind": "wecom", "url_env": "WX_URL", "retries": 0}])
    caplog.set_level(logging.DEBUG)
    try:
        [d] = Notifier(dep).send(Message(**MSG))
        assert not d.ok
    finally:
        dep.close()
    assert "TOPSECRET42" not in caplog.text and "TOPSECRET42" not in (d.error or "")
    assert notify.redact_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=TOPSECRET42") == \
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"


def test_routing_by_audience_level_and_duty(tmp_path, sink):
    channels = [
        {"name": "office", "kind": "webhook", "url": f"{sink.url}/office", "audience": ["领导小组办公室"]},
        {"name": "leaders", "kind": "webhook", "url": f"{sink.url}/leaders", "audience": ["领导小组"], "min_level": "重大或较大"},
        {"name": "duty", "kind": "webhook", "url": f"{sink.url}/duty", "audience": ["值班"], "duty_only": True},
        {"name": "all", "kind": "webhook", "url": f"{sink.url}/all", "audience": ["*"], "min_level": "特别重大"},
    ]
    duty = {"periods": [{"name": "五一值班", "start": "2024-05-01T00:00:00+08:00", "end": "2024-05-06T00:00:00+08:00"}]}
    dep = deployment(tmp_path, channels, duty=duty)
    n = Notifier(dep)
    names = lambda m: sorted(c.name for c in n.channels_for(m))  # noqa: E731
    try:
        everyone = ["领导小组办公室", "领导小组", "值班"]
        in_duty = T0 - timedelta(days=1)
        assert names(Message("x", "", level=Level.GENERAL, audience=everyone, at=T0)) == ["office"]
        assert names(Message("x", "", level=Level.MAJOR, audience=everyone, at=T0)) == ["leaders", "office"]
        assert names(Message("x", "", level=Level.MAJOR, audience=everyone, at=in_duty)) == ["duty", "leaders", "office"]
        assert names(Message("x", "", level=Level.SPECIAL, audience=["县委"], at=T0)) == ["all"]
        # a message without a level (the daily digest) is not held back by min_level
        assert names(Message("日报", "", level=None, audience=["领导小组"], at=T0)) == ["all", "leaders"]
        assert notify.duty_active(dep.config, in_duty) and not notify.duty_active(dep.config, T0)
    finally:
        dep.close()


def test_duty_period_declared_in_the_database(tmp_path, sink):
    from yuqing.duty import DutyRecord

    dep = deployment(tmp_path, [{"name": "duty", "kind": "webhook", "url": sink.url, "audience": ["值班"], "duty_only": True}])
    try:
        DutyRecord.__table__.create(dep.engine, checkfirst=True)
        msg = Message("新预警", "", level=Level.MAJOR, audience=["值班"], at=T0)
        assert Notifier(dep).send(msg) == []
        with dep.sessions() as s, s.begin():
            s.add(DutyRecord(name="汛期值班", start_at=T0 - timedelta(hours=1), end_at=T0 + timedelta(days=1)))
        [d] = Notifier(dep).send(msg)
        assert d.ok and sink.json()["subject"] == "新预警"
    finally:
        dep.close()


def test_a_dead_channel_does_not_block_advance(tmp_path, sink):
    port = free_port()
    channels = [
        {"name": "dead", "kind": "webhook", "url": f"http://127.0.0.1:{port}/", "retries": 2, "timeout_seconds": 1},
        {"name": "alive", "kind": "webhook", "url": f"{sink.url}/alive"},
    ]
    dep = deployment(tmp_path, channels)
    try:
        add_event(dep)
        alert_id = api.sync_alerts(dep, now=T0).opened[0]
        started = time.monotonic()
        with base.open_session(dep) as s, s.begin():
            a = s.get(Alert, alert_id)
            workflow.advance(s, a, Step.REPORT, by="jiankong", note="快报", now=T0 + timedelta(hours=1))
        assert time.monotonic() - started < 5
        with dep.sessions() as s:
            a = s.get(Alert, alert_id)
            assert a.current_step == Step.REPORT and a.reported_at == T0 + timedelta(hours=1)
            rows = {(d.channel, d.kind_of_message): d for d in s.query(NotificationDelivery)}
        assert rows[("dead", "report")].status == "failed" and rows[("dead", "report")].attempts == 3
        assert rows[("alive", "report")].status == "sent"
        assert [r["path"] for r in sink.requests] == ["/alive", "/alive"]  # new alert, then the 快报
    finally:
        dep.close()


def test_background_delivery_from_the_web_session(tmp_path, sink):
    dep = deployment(tmp_path, [{"name": "hook", "kind": "webhook", "url": sink.url}])
    try:
        add_event(dep)
        alert_id = api.sync_alerts(dep, now=T0).opened[0]
        with base.open_session(dep, background=True) as s, s.begin():
            workflow.advance(s, s.get(Alert, alert_id), Step.REPORT, by="jiankong", note="快报", now=T0)
        deadline = time.monotonic() + 5
        while len(sink.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sink.json(-1)["kind"] == "report"
    finally:
        dep.close()


def test_no_channels_no_deliveries(tmp_path):
    dep = deployment(tmp_path, [])
    try:
        assert Notifier(dep).send(Message(**MSG)) == []
        with dep.sessions() as s:
            assert s.query(NotificationDelivery).count() == 0
    finally:
        dep.close()


def test_message_formatting():
    m = Message(**MSG)
    assert m.heading == "【II级·重大或较大】云溪县白沙镇多名农民工讨薪"
    assert notify.format_duration(timedelta(days=2, hours=3, minutes=5)) == "2天3小时"
    assert notify.format_duration(timedelta(minutes=45)) == "45分钟"
    assert notify.format_time_left(T0, T0 + timedelta(hours=1, minutes=20)) == "已超时1小时20分"
    text = notify.render_text(m)
    assert text.splitlines()[0] == m.heading and "时间：2024-05-06 13:30" in text
    payload = notify.webhook_payload(Message("日报", "今日舆情", audience=["领导小组办公室"], at=T0))
    assert payload["level"] is None and payload["time_left"] is None and payload["heading"] == "日报"
    long = Message("长", "字" * 5000, level=Level.MINOR)
    assert len(notify._truncate(notify.render_markdown(long), 4000).encode()) <= 4000


def test_a_file_channel_keeps_a_local_inbox(tmp_path):
    import json

    from yuqing.config import ConfigError

    dep = deployment(tmp_path, [{"name": "inbox", "kind": "file", "path": "notifications/inbox.jsonl"}])
    try:
        [d] = Notifier(dep).send(Message(**MSG))
        assert (d.channel, d.status) == ("inbox", "sent")
        lines = (dep.config.data_dir / "notifications" / "inbox.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 and json.loads(lines[0])["heading"] == "【II级·重大或较大】云溪县白沙镇多名农民工讨薪"
    finally:
        dep.close()
    with pytest.raises(ConfigError, match="a file channel needs path"):
        deployment(tmp_path / "x", [{"name": "inbox", "kind": "file"}])
