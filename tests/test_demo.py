"""`yuqing demo` end to end: the first five minutes of a new office.

The demo crawls our bundled sample site through Scrapy, classifies, grades,
opens alerts and writes a digest a person can open. Run twice, it adds nothing.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import docx
import pytest
from sqlalchemy import select

from yuqing.config import load as load_config
from yuqing.deployment import Deployment
from yuqing.domain import Level
from yuqing.models import Alert, Event


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from yuqing.demo.run import run_demo

    workdir = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    result = run_demo(workdir / "yuqing-demo", echo=lines.append)
    return workdir, result, lines


@pytest.fixture(scope="module")
def demo_db(demo_run):
    _, result, _ = demo_run
    dep = Deployment.open(load_config(result["config"]))
    yield dep
    dep.close()


def test_every_demo_source_is_crawled(demo_run, demo_db):
    _, result, lines = demo_run
    assert set(result["crawled"]) >= {"yunxi-news", "yunxi-rss", "yunxi-tieba", "weibo-mobile", "leader-board"}
    assert all(c["state"] == "ok" for c in result["crawled"].values()), result["crawled"]
    assert demo_db.posts.count() >= 40
    assert any(line.startswith("Where to look:") for line in lines)
    # the summary reads as sentences: no Python dictionaries; how to use the deployment afterwards
    assert not any("{" in line or "dropped_by_reason" in line for line in lines), lines
    assert any(" new post(s) this run; " in line for line in lines)
    assert any(line.strip().startswith(f"export YUQING_CONFIG={result['config']}") for line in lines)


def test_the_chain_classifies_grades_and_opens_alerts(demo_run, demo_db):
    _, result, _ = demo_run
    assert result["chain"].classified == demo_db.posts.count()
    with demo_db.sessions() as s:
        events = s.scalars(select(Event)).all()
        alerts = s.scalars(select(Alert).order_by(Alert.level.desc())).all()
        assert len(events) >= 8 and all(e.level for e in events)
        assert 3 <= len(alerts) < len(events)  # not every event is an issue
        # the wage arrears with some thirty workers holding banners is a mass incident: level I
        top = alerts[0]
        assert top.level == int(Level.SPECIAL)
        assert "锦绣花园" in top.event.title or any("锦绣花园" in r for r in top.event.level_reasons)
        titles = " ".join(a.event.title for a in alerts)
        assert "东湖" in titles and "白沙" in titles  # the demolition dispute and the dead fish
        assert "米粉的做法" not in titles  # a recipe page that merely names the county
        for a in alerts:
            assert a.deadline_at == a.issue_started_at + timedelta(hours=12)


def test_the_demo_writes_a_digest_a_person_can_open(demo_run, demo_db):
    _, result, _ = demo_run
    digest = result["digest"]
    html = digest.html.read_text(encoding="utf-8")
    assert "云溪县" in html and "舆情日报" in html
    with demo_db.sessions() as s:
        top = s.scalars(select(Alert).order_by(Alert.level.desc())).first()
        assert top.title in html or top.event.title in html
    document = docx.Document(str(digest.docx))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "舆情日报" in text and "云溪县" in text


def test_the_demo_handles_one_alert_through_the_real_workflow(demo_run, demo_db):
    import json

    from yuqing.domain import Step

    _, result, _ = demo_run
    assert result["handled"] is not None
    with demo_db.sessions() as s:
        a = s.get(Alert, result["handled"])
        assert a.replied_at is not None and a.current_step == Step.FOLLOW_UP
        assert [r.by_user for r in a.steps if r.step == Step.REPLY] == ["bangong"]
    inbox = demo_db.config.data_dir / "notifications" / "inbox.jsonl"
    messages = [json.loads(line) for line in inbox.read_text(encoding="utf-8").splitlines()]
    assert any("舆情快报" in json.dumps(m, ensure_ascii=False) for m in messages)  # delivered to the local inbox


def test_running_the_demo_again_adds_nothing(demo_run, demo_db):
    from yuqing.demo.run import run_demo

    workdir, result, _ = demo_run
    with demo_db.sessions() as s:
        before = (demo_db.posts.count(), s.query(Event).count(), s.query(Alert).count())
    said: list[str] = []
    again = run_demo(workdir / "yuqing-demo", echo=said.append)
    assert sum(c["stored"] for c in again["crawled"].values()) == 0
    assert any(line.strip().startswith("0 new post(s) this run") for line in said), said
    assert again["chain"].classified == 0
    with demo_db.sessions() as s:
        assert (demo_db.posts.count(), s.query(Event).count(), s.query(Alert).count()) == before


def test_yuqing_demo_command_help():
    out = subprocess.run([sys.executable, "-m", "yuqing", "demo", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--fresh" in out.stdout
