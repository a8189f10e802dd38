"""The web app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

A real server (werkzeug on 127.0.0.1) in a thread; the browser logs in, watches
the queue's countdown tick, advances an alert through the 快报 form, and sees a
crawled post containing ``<script>`` as text, with no script run.
"""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from test_alerts_support import PASSWORD, add_event, make_deployment
from yuqing.alerts import api
from yuqing.domain import Step
from yuqing.models import Alert, utcnow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed at /usr/bin/chromium"),
]

XSS_TITLE = "<script>window.__xss=1</script>云溪县白沙镇欠薪"
XSS_TEXT = '<img src=x onerror="window.__xss=2">工人在镇政府门口讨薪'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from werkzeug.serving import make_server

    from yuqing.web import create_app

    dep = make_deployment(tmp_path_factory.mktemp("browser"))
    now = utcnow()
    add_event(dep, title=XSS_TITLE, level=3, started=now - timedelta(hours=1),
              posts=[{"title": XSS_TITLE, "text": XSS_TEXT, "url": "http://127.0.0.1:9/news/1.html"}])
    add_event(dep, title="柳树村道路积水", level=1, started=now - timedelta(hours=2))
    api.sync_alerts(dep, now=now)
    app = create_app(dep)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield dep, f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    dep.close()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    yield pg
    ctx.close()


def log_in(page, base, username="jiankong"):
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_login_queue_and_live_countdown(server, page):
    dep, base = server
    log_in(page, base)
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 2
    assert "重大或较大" in rows.nth(0).inner_text() and "影响较小" in rows.nth(1).inner_text()
    clock = rows.nth(0).locator(".countdown")
    first = clock.inner_text()
    assert re.fullmatch(r"剩余 \d\d:\d\d:\d\d", first), first  # rewritten by the script
    page.wait_for_function("first => document.querySelector('table.queue .countdown').textContent !== first",
                           arg=first, timeout=3000)  # it ticks
    h, m, s = map(int, clock.inner_text().split(" ")[1].split(":"))
    assert 10 * 3600 < h * 3600 + m * 60 + s < 11 * 3600  # 12 h from an issue an hour old
    assert page.errors == []


def test_advance_an_alert_through_the_form(server, page):
    dep, base = server
    log_in(page, base)
    page.click("table.queue tbody tr:first-child a")
    page.wait_for_url(re.compile(r".*/alerts/\d+$"))
    alert_id = int(page.url.rsplit("/", 1)[1])
    report = page.locator("form[data-step='3'] textarea[name=note]")
    assert "时间：" in report.input_value() and "地点：云溪县" in report.input_value()
    report.fill("时间：今日上午；地点：白沙镇政府门口；涉及人员：约20名工人；简要经过：讨要拖欠工资")
    page.click("form[data-step='3'] button[type=submit]")
    page.wait_for_selector(".flash-ok")
    assert "已办理：快报事实" in page.locator(".flash-ok").inner_text()
    assert "done" in page.locator("ol.steps li").nth(2).get_attribute("class")
    assert page.locator("form[data-step='4']").count() == 0  # 会商 is for the office and leaders
    with dep.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a.current_step == Step.REPORT and a.reported_at is not None
        assert a.steps[-1].by_user == "jiankong" and "白沙镇政府门口" in a.steps[-1].note
    assert page.errors == []


def test_script_in_a_post_is_shown_as_text(server, page):
    dep, base = server
    log_in(page, base, "bangong")
    with dep.sessions() as s:
        alert_id = s.query(Alert).filter(Alert.title == XSS_TITLE).one().id
    page.goto(f"{base}/alerts/{alert_id}")
    assert page.evaluate("window.__xss") is None
    assert page.locator("h1").first.inner_text().endswith(XSS_TITLE)
    post = page.locator("#posts article.post").first
    assert XSS_TITLE in post.locator("h3").inner_text()
    assert XSS_TEXT in post.locator(".text").inner_text()
    assert page.locator("#posts img").count() == 0
    page.goto(f"{base}/search?q=讨薪")
    assert XSS_TEXT in page.locator("article.post .text").first.inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.errors == []


def test_on_a_phone_the_queue_and_an_alert_fit_and_the_report_can_be_sent(server, browser):
    """A duty officer at night: a 390 px wide phone screen, no sideways scrolling, titles on whole lines."""
    dep, base = server
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844},
                              device_scale_factor=3, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        log_in(page, base)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        title = page.locator("table.queue td.c-title").first
        box = title.bounding_box()
        assert box["width"] >= 300  # the title has the card's width, not a column of one or two characters
        assert page.locator("table.queue .countdown").first.is_visible()
        # an alert whose 快报 is still to send
        for row in range(page.locator("table.queue td.c-title a").count()):
            page.goto(f"{base}/")
            page.locator("table.queue td.c-title a").nth(row).click()
            page.wait_for_url(re.compile(r".*/alerts/\d+$"))
            if page.locator("form[data-step='3']").count():
                break
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        note = page.locator("form[data-step='3'] textarea[name=note]")
        nbox = note.bounding_box()
        assert nbox["x"] >= 0 and nbox["x"] + nbox["width"] <= 390 and nbox["width"] >= 300
        note.fill("时间：今晚；地点：柳树村；简要经过：道路积水，已派人排水")
        page.locator("form[data-step='3'] button[type=submit]").click()
        page.wait_for_selector(".flash-ok")
        assert "已办理：快报事实" in page.locator(".flash-ok").inner_text()
        page.goto(f"{base}/situation")  # the 态势 page's charts fit the phone too
        assert page.locator("svg.chart").count() == 4
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []
    finally:
        ctx.close()
