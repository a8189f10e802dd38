"""The 待标注 queue in a real headless Chromium: label posts by keyboard, undo one, see the 模型 page change."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from conftest import copy_models
from test_alerts_support import make_deployment
from test_classify_calibration import WRITTEN
from test_web_browser import CHROMIUM, browser, log_in, page  # noqa: F401 (fixtures)
from yuqing.classify.api import classify_records
from yuqing.models import LabelCorrection, utcnow
from yuqing.store import PostRecord, post_key

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, shipped_models):
    from werkzeug.serving import make_server

    from yuqing.web import create_app

    dep = make_deployment(tmp_path_factory.mktemp("labelling"))
    copy_models(shipped_models, dep.config.model_dir)
    posts = [PostRecord(key=post_key(f"b:{i}"), source="weibo", kind="weibo", url=f"http://127.0.0.1:9/{i}",
                        text=t, published_at=utcnow() - timedelta(hours=i + 1)) for i, (t, _) in enumerate(WRITTEN)]
    dep.posts.add(classify_records(dep, posts))
    srv = make_server("127.0.0.1", 0, create_app(dep), threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield dep, f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    dep.close()


def _shown_post(page) -> int:
    return int(page.locator("article.labelling").get_attribute("id").removeprefix("post-"))


def test_label_by_keyboard_and_see_the_model_page_change(server, page):
    dep, base = server
    log_in(page, base, "jiankong")
    page.goto(f"{base}/models")
    section = page.locator("#model-negativity")
    assert section.locator(".n-labels").inner_text() == "0"
    assert "还没有当前模型未学过的标注" in section.inner_text()

    page.goto(f"{base}/label")
    seen = []
    for answer in ("3", "4", "3"):  # 负面, 非负面, 负面 — and 相关 each time
        post_id = _shown_post(page)
        seen.append(post_id)
        page.keyboard.press("1")
        page.keyboard.press(answer)
        assert page.locator("input[name=relevance][value=相关]").is_checked()
        assert page.locator(f"input[data-key='{answer}']").is_checked()
        with page.expect_navigation():  # the form is sent, and the page redirected to the next post
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert page.locator(f"#post-{post_id}").count() == 0
    assert len(set(seen)) == 3
    # undo the last one: it comes back to be labelled again
    with page.expect_navigation():
        page.keyboard.press("z")
    page.wait_for_selector(".flash-info")
    assert f"已撤销对信息 #{seen[-1]} 的标注" in page.locator(".flash-info").inner_text()
    assert _shown_post(page) == seen[-1]
    # skip it
    with page.expect_navigation():
        page.keyboard.press("x")
    page.wait_for_load_state()
    assert page.locator(f"#post-{seen[-1]}").count() == 0

    page.goto(f"{base}/models")
    section = page.locator("#model-negativity")
    assert section.locator(".n-labels").inner_text() == "2"
    assert section.locator(".n-unseen").inner_text() == "2"
    assert re.fullmatch(r"[01]\.\d{3}|—", section.locator(".figure").inner_text())
    assert "混淆表" in section.inner_text()
    assert page.locator("#model-relevance .n-labels").inner_text() == "2"
    assert page.locator("form[action$='/use']").count() == 0  # a monitor reads; only the administrator switches
    with dep.sessions() as s:
        rows = s.query(LabelCorrection).filter(LabelCorrection.task == "negativity").all()
        assert sorted((r.new_label, r.withdrawn_at is None) for r in rows) == [
            ("负面", False), ("负面", True), ("非负面", True)]
    assert page.errors == []
