"""What the office reads is Chinese: sources by their display names, the audit trail in words and local time."""
from __future__ import annotations

from datetime import timedelta

from test_alerts_support import T0, add_event, make_deployment
from test_web_roles import login
from yuqing.alerts import api
from yuqing.web import create_app


def test_sources_show_their_chinese_names_and_the_audit_trail_reads_as_chinese(tmp_path):
    dep = make_deployment(tmp_path, sources=[
        {"name": "county-news", "kind": "news", "label": "县政府网站", "start_urls": ["http://127.0.0.1:9/"]},
        {"name": "weibo", "kind": "weibo"},
        {"name": "board-a", "kind": "board"}, {"name": "board-b", "kind": "board"}])
    try:
        assert dep.config.source_label("county-news") == "县政府网站"
        assert dep.config.source_label("weibo") == "微博搜索"
        assert dep.config.source_label("board-a") == "留言板（board-a）"  # two boards without labels stay apart
        add_event(dep, sources=("county-news",))
        alert_id = api.sync_alerts(dep, now=T0 + timedelta(hours=1)).opened[0]
        app = create_app(dep, testing=True)
        c = app.test_client()
        assert login(c, "bangong").status_code == 303
        queue = c.get("/").get_data(as_text=True)
        assert "县政府网站" in queue and '<option value="county-news"' in queue
        search = c.get("/search?q=讨薪").get_data(as_text=True)
        assert '<option value="county-news">县政府网站</option>' in search and "县政府网站 · " in search
        page = c.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert "<dd>县政府网站</dd>" in page and "生成预警" in page and "定级：model" not in page
        audit = c.get("/audit").get_data(as_text=True)
        assert "生成预警" in audit and "起算时间：2024-05-06 09:00" in audit
        assert "2024-05-06T01:00" not in audit and "issue_started_at=" not in audit
    finally:
        dep.close()
