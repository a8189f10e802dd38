"""``yuqing grade`` and ``yuqing events`` on the command line: the --input contract, errors, hand changes."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from conftest import LOCALITY

from yuqing.cli import main
from yuqing.domain import Level
from yuqing.store import PostRecord, post_key

LEVELS = {lv.label for lv in Level}


@pytest.fixture
def no_config(tmp_path, monkeypatch, tmp_path_factory):
    """A working folder without any configuration; the default models are cached for the session."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YUQING_CONFIG", raising=False)
    cache = tmp_path_factory.getbasetemp() / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return tmp_path


def run(args, capsys):
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


INPUT = [
    {"id": "w1", "text": "白沙镇柳树村今天凌晨强拆民房，挖掘机推倒了老李家的房子，老人被打伤", "source": "weibo",
     "url": "https://weibo.example/1", "published_at": "2025-03-10T08:00:00+08:00", "reposts": 120, "comments": 80,
     "likes": 300, "author_followers": 2000, "author_verified": False, "media_level": "self"},
    {"id": "n1", "title": "白沙镇回应柳树村房屋拆除纠纷", "text": "针对网传白沙镇柳树村房屋拆除一事，白沙镇政府回应称将依法妥善处理补偿问题。",
     "source": "county-news", "published_at": "2025-03-11T10:00:00+08:00", "media_level": "local"},
    {"id": "w2", "text": "柳树村强拆太过分了", "published_at": "2025-03-11T11:00:00+08:00"},
    {"id": "q1", "text": "请问社保卡补办需要带什么材料？", "source": "board", "published_at": "2025-03-10T09:00:00+08:00"},
    {"id": "x1", "text": "一辆货车在国道上侧翻，造成3人死亡", "published_at": "2025-03-10T12:00:00Z", "media_level": "local"},
]


def test_grade_input_writes_one_line_per_post_without_configuration(no_config, capsys):
    path = no_config / "posts.jsonl"
    path.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in INPUT) + "\n\n", encoding="utf-8")
    rc, out, err = run(["grade", "--input", str(path)], capsys)
    assert rc == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["id"] for d in lines] == [p["id"] for p in INPUT]
    by_id = {d["id"]: d for d in lines}
    for d in lines:
        assert {"id", "event_id", "level", "reasons"} <= set(d)
        assert d["level"] in LEVELS and isinstance(d["event_id"], int)
        assert d["reasons"] and all(isinstance(r, str) and any("\u4e00" <= c <= "\u9fff" for c in r) for r in d["reasons"])
    assert by_id["w1"]["event_id"] == by_id["n1"]["event_id"] == by_id["w2"]["event_id"]
    assert len({by_id[i]["event_id"] for i in ("w1", "q1", "x1")}) == 3
    assert by_id["x1"]["level"] == "特别重大"
    assert by_id["w1"]["level"] == "重大或较大"
    assert by_id["q1"]["level"] == "影响较小"
    assert not list(no_config.glob("yuqing-data*")), "nothing is written to the working folder"


def test_grade_input_reads_standard_input(no_config, capsys, monkeypatch):
    import io
    import sys

    data = (json.dumps(INPUT[3], ensure_ascii=False) + "\n").encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    rc, out, err = run(["grade", "--input", "-"], capsys)
    assert rc == 0, err
    assert json.loads(out)["id"] == "q1"


@pytest.mark.parametrize("content,message", [
    ('{"id": "a", "text": "柳树村强拆"}\n{"id": "b", "text": \n', "line 2: malformed JSON"),
    ('{"id": "a", "text": "x"}\n[1, 2]\n', "line 2: expected a JSON object"),
    ('{"id": "a"}\n', "line 1: 'text' must be a non-empty string"),
    ('{"id": "a", "text": "x", "media_level": "national"}\n', "line 1: 'media_level' must be one of"),
    ('{"id": "a", "text": "x", "media_level": []}\n', "line 1: 'media_level' must be one of"),
    ('{"id": "a", "text": "x", "published_at": "yesterday"}\n', "line 1: 'published_at' is not an ISO 8601 time"),
    ('{"id": "a", "text": "x", "reposts": "many"}\n', "line 1: 'reposts' must be a whole number"),
    ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "line 2: duplicate id 'a'"),
])
def test_bad_input_is_one_clear_error_and_nothing_half_written_with_strict(no_config, capsys, content, message):
    path = no_config / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    rc, out, err = run(["grade", "--input", str(path), "--strict"], capsys)
    assert rc == 1 and out == ""
    assert err.startswith(f"yuqing: error: {message}") and len(err.strip().splitlines()) == 1


def test_bad_lines_are_each_reported_and_the_good_ones_graded(no_config, capsys):
    good = [json.dumps(p, ensure_ascii=False) for p in INPUT[:3]]
    lines = [good[0], '{"id": "x", "text": ', good[1], "[1, 2]", good[2], '{"id": "y"}']
    path = no_config / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc, out, err = run(["grade", "--input", str(path)], capsys)
    assert rc == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == [p["id"] for p in INPUT[:3]]
    assert err.splitlines() == [
        "yuqing: error: line 2: malformed JSON (Expecting value at column 21)",
        "yuqing: error: line 4: expected a JSON object, got list",
        "yuqing: error: line 6: 'text' must be a non-empty string",
    ]


def test_unknown_fields_are_named_once_on_stderr(no_config, capsys):
    posts = [{**p, "time": "2026-11-20 10:00", "user_followers": 12} for p in INPUT[:2]]
    path = no_config / "other_tool.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts), encoding="utf-8")
    rc, out, err = run(["grade", "--input", str(path)], capsys)
    assert rc == 0 and len(out.splitlines()) == 2
    (warning,) = err.splitlines()
    assert warning.startswith("yuqing: warning: ignored unknown field(s) 'time' (line 1), 'user_followers' (line 1)")
    assert "'time' → 'published_at'" in warning and "'user_followers' → 'author_followers'" in warning


def test_missing_input_file(no_config, capsys):
    rc, _, err = run(["grade", "--input", "nope.jsonl"], capsys)
    assert rc == 1 and err == "yuqing: error: --input: nope.jsonl does not exist\n"


@pytest.fixture
def deployment_config(tmp_path, shared_models):
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump({
        "locality": LOCALITY,
        "storage": {"data_dir": "data"},
        "classify": {"model_dir": str(shared_models)},
        "users": [{"username": "mon", "name": "监控员", "role": "monitor"}],
    }, allow_unicode=True), encoding="utf-8")
    return path


def _store_posts(config_path):
    from yuqing.config import load
    from yuqing.deployment import Deployment

    dep = Deployment.open(load(config_path))
    t0 = datetime(2025, 3, 10, 1, tzinfo=UTC)
    posts = [
        PostRecord(key=post_key(f"cli:{i}"), source=src, kind="weibo", text=text, published_at=t0 + timedelta(hours=h),
                   reposts=r, relevant=True, topic=topic, negativity=neg, classified_at=t0 + timedelta(hours=h))
        for i, (src, text, h, r, topic, neg) in enumerate([
            ("weibo", "白沙镇柳树村强拆民房，老人被打伤送医", 0, 300, "征地拆迁", 0.95),
            ("tieba", "柳树村强拆的事有人管吗", 3, 5, "征地拆迁", 0.8),
            ("board", "请问社保卡补办需要带什么材料？", 1, 0, "社会保障", 0.1),
        ])
    ]
    dep.posts.add(posts)
    dep.close()
    return [p.id for p in posts]


def test_grade_and_events_commands(deployment_config, capsys):
    ids = _store_posts(deployment_config)
    cfg = ["--config", str(deployment_config)]
    rc, out, err = run([*cfg, "grade"], capsys)
    assert rc == 0, err
    assert out.startswith("graded 3 post(s): 2 new event(s)")
    rc, out, err = run([*cfg, "events", "list", "--json"], capsys)
    assert rc == 0, err
    listed = [json.loads(line) for line in out.splitlines()]
    assert [e["level"] for e in listed] == ["重大或较大", "影响较小"]
    major, minor = listed[0]["id"], listed[1]["id"]
    rc, out, err = run([*cfg, "events", "show", str(major)], capsys)
    assert rc == 0, err
    assert "分级响应：II级（重大或较大）：分管领导牵头" in out and "强拆" in out
    rc, out, err = run([*cfg, "events", "show", str(major), "--json"], capsys)
    shown = json.loads(out)
    assert shown["response"]["lead"] == "分管领导" and len(shown["posts_list"]) == 2 and shown["trend"]

    rc, out, err = run([*cfg, "events", "level", str(major), "--level", "一般", "--user", "mon"], capsys)
    assert rc == 2 and "--reason" in err
    rc, out, err = run([*cfg, "events", "level", str(major), "--level", "一般", "--user", "mon", "--reason", "已核实，仅一户"], capsys)
    assert rc == 0 and out.strip() == f"event {major}: 重大或较大 → 一般 (by mon)"
    rc, out, err = run([*cfg, "events", "level", str(major), "--level", "严重", "--user", "mon", "--reason", "x"], capsys)
    assert rc == 1 and "unknown level" in err

    rc, out, err = run([*cfg, "events", "merge", str(major), str(minor), "--user", "mon", "--reason", "同一事"], capsys)
    assert rc == 0 and out.startswith(f"merged event {minor} into {major}: 3 posts")
    rc, out, err = run([*cfg, "events", "split", str(major), "--posts", str(ids[2]), "--user", "mon"], capsys)
    assert rc == 0 and f"from event {major} into new event" in out
    rc, out, err = run([*cfg, "events", "split", str(major), "--posts", "abc", "--user", "mon"], capsys)
    assert rc == 1 and "--posts" in err
    rc, out, err = run([*cfg, "events", "show", "999"], capsys)
    assert rc == 1 and err == "yuqing: error: no event 999\n"


def test_events_routing(deployment_config, capsys):
    rc, out, err = run(["--config", str(deployment_config), "events", "routing"], capsys)
    assert rc == 0, err
    assert out.splitlines() == [
        "I级（特别重大）：领导小组组长牵头，报领导小组、县委宣传部、县委、县政府",
        "II级（重大或较大）：分管领导牵头，报领导小组、县政府、县委宣传部",
        "III级（一般）：领导小组牵头，报领导小组",
        "IV级（影响较小）：领导小组办公室牵头，报领导小组办公室",
    ]
