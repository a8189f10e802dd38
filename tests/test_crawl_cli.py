"""The crawl stage's commands: ``yuqing parse``, ``yuqing sources``, ``yuqing enter``."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
import yaml
from conftest import LOCALITY, shared_data

from yuqing.cli import EXIT_NOTHING_FOUND, main
from yuqing.models import AuditEntry, SourceStatus
from yuqing.store import PostQuery, post_key


@pytest.fixture
def no_config(tmp_path, monkeypatch):
    monkeypatch.delenv("YUQING_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cfg_path(tmp_path):
    path = tmp_path / "yuqing.yaml"
    data = {
        "locality": dict(LOCALITY),
        "keywords": {"include": ["拆迁", "欠薪"], "exclude": ["招聘"]},
        "sources": [
            {"name": "county-news", "kind": "news", "start_urls": ["http://127.0.0.1:9/news/"]},
            {"name": "weibo-search", "kind": "weibo", "enabled": False},
        ],
        "storage": {"data_dir": "data"},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_parse_prints_json_lines_without_any_configuration(no_config, capsys):
    page = shared_data("pages", "weibo_pc", "search.html")
    rc = main(["parse", "--source", "weibo", str(page), "--now", "2026-11-20 14:00"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    posts = lines(out)
    assert len(posts) == 20
    first = posts[0]
    assert first["key"] == post_key("weibo:4106162368327071")
    assert first["author"] == "明星娱乐小马甲" and first["published_at"] == "2017-05-11T02:14:20+00:00"
    assert first["source"] == "parse-weibo" and first["kind"] == "weibo" and first["reposts"] == 1


def test_parse_weixin_alias_and_url_option(no_config, capsys):
    page = shared_data("pages", "sogou_weixin", "article_detail_iframe.html")
    assert main(["parse", "--source", "weixin", str(page)]) == 0
    (post,) = lines(capsys.readouterr().out)
    assert post["title"] == "【视频】石榴花开" and post["author"] == "共产党员"
    page = shared_data("pages", "weibo_mobile", "statuses1.json")
    assert main(["parse", "--source", "weibo_mobile", str(page), "--url", "https://m.weibo.cn/statuses/extend?id=4383487819465288"]) == 0
    (post,) = lines(capsys.readouterr().out)
    assert post["key"] == post_key("weibo:4383487819465288")


def test_parse_a_block_page_warns_and_prints_nothing(no_config, capsys):
    page = shared_data("pages", "weibo_pc", "original_gbk", "error_banned.html")
    assert main(["parse", "--source", "weibo", str(page)]) == EXIT_NOTHING_FOUND
    out, err = capsys.readouterr()
    assert out == "" and "block page" in err and "20003" in err


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage" * 50, b"<html><p>", b"{\"ok\": 1, \"data\": 7}"])
def test_parse_junk_exits_nothing_found_with_one_warning(no_config, tmp_path, capsys, content):
    junk = tmp_path / "junk.html"
    junk.write_bytes(content)
    for kind in ("news", "weibo_mobile", "tieba", "board"):
        assert main(["parse", "--source", kind, str(junk)]) == EXIT_NOTHING_FOUND == 3
        out, err = capsys.readouterr()
        (line,) = err.splitlines()  # the parser's own complaint, if any, is in the same line
        assert out == "" and line.startswith(f"yuqing: warning: no posts found in {junk} by the {kind} parser")


def test_parse_documents_its_exit_statuses():
    from click.testing import CliRunner

    from yuqing.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["parse", "--help"]).output.split())
    assert "Exit status: 0 when posts were printed; 3 when the page gave none" in text
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "yuqing parse --source news page.html    # parse one saved page offline → JSON lines (exit 3: no posts found)" in readme


def test_parse_errors_are_one_line(no_config, tmp_path, capsys):
    assert main(["parse", "--source", "news", str(tmp_path / "missing.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
    page = tmp_path / "p.html"
    page.write_text("<html></html>")
    assert main(["parse", "--source", "facebook", str(page)]) == 2
    assert "'facebook' is not one of" in capsys.readouterr().err
    assert main(["parse", "--source", "news", str(page), "--now", "whenever"]) == 1
    assert capsys.readouterr().err.strip() == "yuqing: error: --now: cannot read 'whenever' as a time"


def test_parse_with_match_applies_the_locality_rule(cfg_path, tmp_path, capsys):
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><title>云溪区召开经济工作会议_新闻</title></head><body><h1>云溪区召开经济工作会议</h1>"
        "<div class='content'><p>11月19日，云溪区召开经济工作会议，分析前三季度经济运行情况，部署四季度重点工作，"
        "要求各部门紧盯全年目标任务，抓项目、稳投资、促消费。</p></div></body></html>", encoding="utf-8")
    assert main(["--config", str(cfg_path), "parse", "--source", "news", str(page)]) == 0
    assert len(lines(capsys.readouterr().out)) == 1
    assert main(["--config", str(cfg_path), "parse", "--source", "news", str(page), "--match"]) == EXIT_NOTHING_FOUND
    out, err = capsys.readouterr()
    assert out == "" and "no posts found" in err


@time_machine.travel(datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc), tick=True)
def test_enter_stores_a_hand_entry_once_and_links_near_duplicates(cfg_path, capsys):
    # the near-duplicate window runs back from "now": the clock is set the day after the first entry
    args = ["--config", str(cfg_path), "enter", "--title", "幸福社区群众反映拆迁补偿问题",
            "--text", "东湖街道幸福社区多名居民到县信访局反映，拆迁补偿每平方米不到2800元，要求重新评估。",
            "--author", "县信访局", "--published-at", "2026-11-20 09:30", "--by", "jiankong"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("stored post ")
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("already stored: post ")
    from yuqing.config import load
    from yuqing.deployment import Deployment

    dep = Deployment.open(load(cfg_path))
    try:
        (post,) = dep.posts.search(PostQuery(sources=["manual"]))
        assert (post.kind, post.author, post.url) == ("manual", "县信访局", None)
        assert post.published_at == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
        assert post.matched_keywords == ["东湖街道", "幸福社区", "拆迁"]
        with dep.sessions() as s:
            entry = s.query(AuditEntry).filter_by(action="post.enter").one()
            assert entry.actor == "jiankong" and entry.object_id == str(post.id)
    finally:
        dep.close()
    # the same complaint seen again, re-typed with small differences: a new post, linked to the first
    assert main(["--config", str(cfg_path), "enter", "--text",
                 "东湖街道幸福社区多名居民到县信访局反映：拆迁补偿每平方米不到2800元，要求重新评估！",
                 "--title", "幸福社区群众反映拆迁补偿问题", "--url", "https://example.cn/letters/88?utm_source=wx"]) == 0
    out = capsys.readouterr().out
    assert f"near-duplicate of post {post.id}" in out


def test_enter_errors(cfg_path, capsys):
    assert main(["--config", str(cfg_path), "enter"]) == 1
    assert "give --title or --text" in capsys.readouterr().err
    assert main(["--config", str(cfg_path), "enter", "--text", "云溪县", "--published-at", "某天"]) == 1
    assert "cannot read '某天' as a time" in capsys.readouterr().err


@pytest.mark.parametrize("when", ["1900-01-01 00:00", "1999-12-31 23:59", "1970-01-01T00:00:00Z", "1999年12月31日 下午3:05"])
def test_enter_refuses_a_publish_time_before_2000(cfg_path, capsys, when):
    assert main(["--config", str(cfg_path), "enter", "--title", "幸福社区群众反映", "--published-at", when]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"yuqing: error: --published-at: {when!r} is before 2000; give the time the post was published\n"
    from yuqing.config import load
    from yuqing.deployment import Deployment

    dep = Deployment.open(load(cfg_path))
    try:
        assert dep.posts.search(PostQuery(sources=["manual"])) == []
    finally:
        dep.close()
    # the first minute of 2000 in Asia/Shanghai is accepted (it is still 1999 in UTC)
    assert main(["--config", str(cfg_path), "enter", "--title", "幸福社区群众反映", "--published-at", "2000-01-01 00:00"]) == 0


def test_sources_table_in_shanghai_time(cfg_path, capsys):
    from yuqing.config import load
    from yuqing.deployment import Deployment

    dep = Deployment.open(load(cfg_path))
    now = datetime.now(timezone.utc)
    with dep.sessions() as s, s.begin():
        s.add(SourceStatus(name="county-news", kind="news", state="ok", runs=3, items_last_run=4, items_total=57,
                           last_run_at=datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc),
                           last_success_at=datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)))
        s.add(SourceStatus(name="weibo-search", kind="weibo", state="captcha", runs=1, items_last_run=0, items_total=0,
                           last_error_at=datetime(2026, 11, 20, 7, 5, tzinfo=timezone.utc),
                           last_error="微博访问受限：需要输入验证码", backoff_until=now + timedelta(hours=2)))
        s.add(SourceStatus(name="old-forum", kind="tieba", state="ok", runs=9, items_last_run=0, items_total=12))
    dep.close()
    assert main(["--config", str(cfg_path), "sources"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "kind", "state", "last", "success", "last", "error", "items", "last", "run", "total"]
    news = next(line for line in out if line.startswith("county-news"))
    assert "2026-11-20 14:00" in news and news.split()[-2:] == ["4", "57"]
    weibo = next(line for line in out if line.startswith("weibo-search"))
    assert "captcha 需要验证码 (disabled), backing off until" in weibo
    assert "2026-11-20 15:05 微博访问受限：需要输入验证码" in weibo
    assert "(not configured)" in next(line for line in out if line.startswith("old-forum"))
    assert out[-1] == "(times in Asia/Shanghai)"


def test_crawl_refuses_a_manual_source_and_unknown_names(cfg_path, tmp_path, capsys):
    data = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    data["sources"].append({"name": "letters", "kind": "manual"})
    cfg_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["--config", str(cfg_path), "crawl", "letters"]) == 1
    assert "entered by hand, not crawled" in capsys.readouterr().err
    assert main(["--config", str(cfg_path), "crawl", "nope"]) == 1
    assert "no source named 'nope'" in capsys.readouterr().err
