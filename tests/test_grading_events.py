"""Grading a deployment's posts into stored events: growth and escalation, no silent drop while an
alert is open, a monitor's level with a reason, merging and splitting by hand (all audited)."""
from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta

import pytest
from conftest import copy_models, make_config
from sqlalchemy import select
from yuqing.grading.api import collector_paused, grade_pending, grade_records, override_level
from yuqing.grading.events import event_posts, event_trend, merge, split
from yuqing.grading.grouping import Grouper

from yuqing.audit import trail
from yuqing.deployment import Deployment
from yuqing.domain import Level
from yuqing.errors import PermissionDenied, YuqingError
from yuqing.models import Alert, Event, LabelCorrection
from yuqing.store import PostQuery, PostRecord, post_key

T0 = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)
USERS = [
    {"username": "mon", "name": "舆情监控员甲", "role": "monitor"},
    {"username": "writer", "name": "网评员乙", "role": "commentator"},
]


@pytest.fixture
def dep(tmp_path, database_url, shared_models):
    cfg = make_config(tmp_path, database_url, classify={"model_dir": str(shared_models)}, users=USERS)
    d = Deployment.open(cfg)
    yield d
    d.close()


def post(name: str, text: str, hours: float = 0, source: str = "weibo", media: str = "self", reposts: int = 0,
         comments: int = 0, likes: int = 0, negativity: float = 0.8, topic: str = "征地拆迁", title: str = "") -> PostRecord:
    return PostRecord(key=post_key(f"test:{name}"), source=source, kind="weibo" if source == "weibo" else "news",
                      url=f"https://example.invalid/{name}", title=title, text=text,
                      published_at=T0 + timedelta(hours=hours), fetched_at=T0 + timedelta(hours=hours, minutes=5),
                      reposts=reposts, comments=comments, likes=likes, media_level=media, relevant=True, relevance=0.9,
                      topic=topic, negativity=negativity, classified_at=T0 + timedelta(hours=hours, minutes=6))


DEMOLITION_DAY1 = [
    post("d1", "白沙镇柳树村补偿款还没谈拢，拆迁办的人天天上门做工作，老李家很不满意", 0, reposts=3, comments=5, likes=10),
    post("d2", "柳树村拆迁补偿的事拖了半年了，村民意见很大", 2, source="tieba", comments=12),
]
UNRELATED = post("u1", "请问云溪县社保卡在哪里补办？需要带什么材料？", 1, source="board", negativity=0.1, topic="社会保障")


def grade(dep, hours: float):
    return grade_pending(dep, now=T0 + timedelta(hours=hours))


def event_of(dep, name: str) -> Event:
    p = dep.posts.get(post_key_id(name))
    assert p.event_id is not None, f"post {name} not graded"
    with dep.sessions() as s:
        ev = s.get(Event, p.event_id)
        s.expunge(ev)
        return ev


def post_key_id(name: str) -> int:
    return PostRecord(key=post_key(f"test:{name}"), source="x", kind="x").id


def test_grade_pending_groups_posts_into_stored_events(dep):
    dep.posts.add([*DEMOLITION_DAY1, UNRELATED])
    report = grade(dep, 3)
    assert report.graded_posts == 3 and len(report.created) == 2 and not report.escalations
    demolition, enquiry = event_of(dep, "d1"), event_of(dep, "u1")
    assert event_of(dep, "d2").id == demolition.id != enquiry.id
    assert demolition.post_count == 2 and demolition.engagement == 30
    assert demolition.first_published_at == T0 and demolition.first_seen_at == T0 + timedelta(minutes=5)
    assert demolition.last_post_at == T0 + timedelta(hours=2)
    assert demolition.sources == ["weibo", "tieba"] and demolition.media_levels == ["self"]
    assert demolition.topic == "征地拆迁" and demolition.features["grouping"]["centroid"]
    assert demolition.features["spread"]["interactions"] == 30
    # where the issue arose (its alert's clock starts there): the first negative post; the enquiry has none
    assert demolition.clock["post_id"] == post_key_id("d1") and demolition.issue_started_at == T0
    assert enquiry.clock["why"].startswith("首条非官方信息")
    assert Level(enquiry.level) == Level.MINOR and Level(demolition.level) >= Level.GENERAL
    assert demolition.level_reasons and all(any("\u4e00" <= ch <= "\u9fff" for ch in r) for r in demolition.level_reasons)
    stored = dep.posts.search(PostQuery(event_id=demolition.id, limit=10))
    assert {p.level for p in stored} == {demolition.level} and all(p.graded_at for p in stored)
    assert dep.posts.pending("grade") == []
    rows = event_trend(dep, demolition.id)
    assert sum(r["posts"] for r in rows) == 2 and rows[0]["hour"].utcoffset() == timedelta(hours=8)
    assert grade(dep, 4).graded_posts == 0


def test_a_batch_is_grouped_with_the_cyclic_collector_paused_and_it_is_restored_as_it_was(dep, monkeypatch):
    seen = []
    add_all = Grouper.add_all
    monkeypatch.setattr(Grouper, "add_all", lambda self, records: (seen.append(gc.isenabled()), add_all(self, records)))
    dep.posts.add(DEMOLITION_DAY1)
    assert gc.isenabled()
    assert grade(dep, 3).graded_posts == 2
    assert seen == [False] and gc.isenabled()
    assert len(grade_records(dep.config, [UNRELATED])) == 1  # posts given directly (grade --input)
    assert seen == [False, False] and gc.isenabled()
    gc.disable()  # an application that runs with the collector off keeps it off
    try:
        with collector_paused():
            with collector_paused():
                assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_growth_is_regraded_and_escalation_reported(dep):
    dep.posts.add(DEMOLITION_DAY1)
    grade(dep, 3)
    before = event_of(dep, "d1")
    dep.posts.add([
        post("d3", "柳树村今天凌晨强拆，挖掘机推倒了老李家的房子，老人被打伤送医", 26, reposts=400, comments=300, likes=900),
        post("d4", "转发 //@柳树村小王: 柳树村今天凌晨强拆，挖掘机推倒了老李家的房子", 27, reposts=50),
    ])
    report = grade(dep, 28)
    after = event_of(dep, "d3")
    assert after.id == before.id and after.post_count == 4
    assert Level(after.level) == Level.MAJOR > Level(before.level)
    assert report.escalations == [(before.id, Level(before.level), Level.MAJOR)]
    assert any("强拆" in r for r in after.level_reasons)
    with dep.sessions() as s:
        actions = [a.action for a in trail(s, "events", after.id)]
    assert "event.level" in actions
    assert {p.level for p in event_posts(dep, after.id)} == {int(Level.MAJOR)}


def _raise_to(dep, event_id: int, level: Level, with_alert: bool) -> None:
    """The event was graded higher before (as the model and rules saw it then)."""
    with dep.sessions() as s, s.begin():
        ev = s.get(Event, event_id)
        ev.level, ev.level_by = int(level), "model"
        if with_alert:
            s.add(Alert(event_id=event_id, title=ev.title, level=int(level), status="open", issue_started_at=T0,
                        deadline_at=T0 + timedelta(hours=12)))


@pytest.mark.parametrize("with_alert", [True, False], ids=["alert-open", "no-alert"])
def test_level_never_drops_silently_while_the_alert_is_open(dep, with_alert):
    dep.posts.add(DEMOLITION_DAY1)
    grade(dep, 3)
    ev = event_of(dep, "d1")
    assert Level(ev.level) < Level.SPECIAL
    _raise_to(dep, ev.id, Level.SPECIAL, with_alert)
    dep.posts.add([post("d5", "柳树村拆迁补偿还是没有说法", 5, comments=2)])
    report = grade(dep, 6)
    after = event_of(dep, "d5")
    assert after.id == ev.id
    if with_alert:
        assert Level(after.level) == Level.SPECIAL and after.id in report.kept
        assert after.level_reasons[0].startswith("预警处置中，级别不自动下调")
    else:
        assert Level(after.level) < Level.SPECIAL
        with dep.sessions() as s:
            entry = [a for a in trail(s, "events", ev.id) if a.action == "event.level"][-1]
        assert entry.detail["old_level"] == "特别重大" and entry.actor == "system"


def test_monitor_lowers_with_a_reason_audited_and_kept(dep):
    dep.posts.add(DEMOLITION_DAY1)
    grade(dep, 3)
    ev = event_of(dep, "d1")
    _raise_to(dep, ev.id, Level.MAJOR, with_alert=True)
    with pytest.raises(YuqingError, match="reason"):
        override_level(dep, ev.id, "一般", by="mon", reason="  ")
    with pytest.raises(PermissionDenied):
        override_level(dep, ev.id, "一般", by="writer", reason="不严重")
    with pytest.raises(PermissionDenied):
        override_level(dep, ev.id, "一般", by="nobody", reason="不严重")
    change = override_level(dep, ev.id, "一般", by="mon", reason="经核实为个别补偿协商，未发生冲突")
    assert (change.old, change.new) == (Level.MAJOR, Level.GENERAL)
    low = event_of(dep, "d1")
    assert Level(low.level) == Level.GENERAL and low.level_by == "mon"
    assert low.level_reasons[0] == "人工认定（mon）：经核实为个别补偿协商，未发生冲突"
    assert {p.level for p in event_posts(dep, ev.id)} == {int(Level.GENERAL)}
    with dep.sessions() as s:
        entry = [a for a in trail(s, "events", ev.id) if a.action == "event.level"][-1]
        assert entry.actor == "mon" and entry.detail["reason"].startswith("经核实") and entry.detail["new_level"] == "一般"
        corr = s.scalar(select(LabelCorrection).where(LabelCorrection.event_id == ev.id))
        assert (corr.task, corr.old_label, corr.new_label, corr.by_user) == ("level", "重大或较大", "一般", "mon")
    # more of the same: the monitor's level stands
    dep.posts.add([post("d6", "柳树村拆迁补偿协商还在进行", 8, comments=1)])
    grade(dep, 9)
    kept = event_of(dep, "d6")
    assert kept.id == ev.id and Level(kept.level) == Level.GENERAL and kept.level_by == "mon"
    # the event worsens beyond what was known: it escalates again
    dep.posts.add([post("d7", "柳树村拆迁现场发生冲突，一名村民被打死，两人重伤", 10, reposts=500, comments=800)])
    report = grade(dep, 11)
    worse = event_of(dep, "d7")
    assert worse.id == ev.id and Level(worse.level) == Level.MAJOR
    assert report.escalations == [(ev.id, Level.GENERAL, Level.MAJOR)]
    assert "override" not in worse.features


def test_merge_and_split_by_hand_are_audited(dep):
    dep.posts.add([*DEMOLITION_DAY1, UNRELATED])
    grade(dep, 3)
    a, b = event_of(dep, "d1"), event_of(dep, "u1")
    with pytest.raises(PermissionDenied):
        merge(dep, a.id, b.id, by="writer")
    merged = merge(dep, a.id, b.id, by="mon", reason="同一事件")
    assert merged.id == a.id and merged.post_count == 3 and Level(merged.level) >= Level(a.level)
    assert event_of(dep, "u1").id == a.id
    with dep.sessions() as s:
        gone = s.get(Event, b.id)
        assert gone.status == "merged" and gone.merged_into_id == a.id
        assert [x.action for x in trail(s, "events", a.id)][-1] == "event.merge"
        assert [x.action for x in trail(s, "events", b.id)][-1] == "event.merged_into"
    with pytest.raises(YuqingError, match="already merged"):
        merge(dep, a.id, b.id, by="mon")

    with pytest.raises(YuqingError, match="not in event"):
        split(dep, a.id, [12345], by="mon")
    new = split(dep, a.id, [post_key_id("u1")], by="mon", reason="社保卡咨询与拆迁无关")
    assert new.id not in (a.id, b.id) and new.post_count == 1 and Level(new.level) == Level.MINOR
    assert event_of(dep, "u1").id == new.id and event_of(dep, "d1").id == a.id
    assert event_of(dep, "d1").post_count == 2
    with dep.sessions() as s:
        entry = [x for x in trail(s, "events", a.id) if x.action == "event.split"][-1]
        assert entry.actor == "mon" and entry.detail["new_event"] == new.id and entry.detail["posts"] == [post_key_id("u1")]
        assert [x.action for x in trail(s, "events", new.id)] == ["event.split_from"]
    with pytest.raises(YuqingError, match="every post"):
        split(dep, new.id, [post_key_id("u1")], by="mon")


@pytest.mark.slow
def test_retraining_with_corrections_switches_only_when_not_worse(tmp_path, shipped_models):
    """A model folder of its own: retraining changes which model is current."""
    from yuqing.grading.retrain import retrain
    from yuqing.grading.severity import current_pointer, load_current

    cfg = make_config(tmp_path, users=USERS)
    copy_models(shipped_models, cfg.model_dir)
    d = Deployment.open(cfg)
    try:
        d.posts.add(DEMOLITION_DAY1)
        grade(d, 3)
        ev = event_of(d, "d1")
        override_level(d, ev.id, "影响较小", by="mon", reason="仅为个别咨询，无负面影响")
        before = load_current(cfg.model_dir)
        result = retrain(d, folds=2, by="mon")
        assert (result.corrections, result.new_corrections) == (1, 1)
        assert result.old_version == before.version and result.old_f1 is not None
        assert result.switched == (result.new_f1 >= result.old_f1)
        now_current = load_current(cfg.model_dir)
        assert (now_current.version == result.new_version) == result.switched
        assert (tmp_path / "data" / "models" / "severity" / f"severity-{before.version}.joblib").exists()
        with d.sessions() as s:
            corr = s.scalar(select(LabelCorrection).where(LabelCorrection.event_id == ev.id))
            assert (corr.used_in_model == result.new_version) == result.switched
            actions = [a.action for a in trail(s, "models", "severity")]
        assert actions[-1] == ("model.switch" if result.switched else "model.kept")
        assert current_pointer(cfg.model_dir).exists()
        assert any("macro-F1" in line for line in result.lines())
    finally:
        d.close()


def test_a_follow_up_days_later_joins_the_stored_event(dep):
    dep.posts.add(DEMOLITION_DAY1)
    grade(dep, 3)
    # four days on (past the 72-hour window): the town's reply, clearly about the same incident
    reply = post("d-reply", "白沙镇回应柳树村拆迁补偿纠纷：补偿款按标准核算，拆迁办将再次上门与老李家协商", 98,
                 source="county-news", media="local", negativity=0.4, title="白沙镇回应柳树村拆迁补偿")
    dep.posts.add([reply])
    report = grade(dep, 99)
    assert report.graded_posts == 1 and not report.created
    assert event_of(dep, "d-reply").id == event_of(dep, "d1").id


def test_the_open_events_in_reach_are_found_by_index_not_by_a_scan(tmp_path, shared_models):
    """A store of a year's open events: grading reads those a new post may join through the (status, last
    post) index; a query that scanned every open event would cost in proportion to the store."""
    from sqlalchemy import text
    from yuqing.grading.api import open_event_queries

    cfg = make_config(tmp_path, None, classify={"model_dir": str(shared_models)})
    d = Deployment.open(cfg)
    try:
        since = datetime(2026, 11, 1, tzinfo=UTC)
        with d.sessions() as s:
            for query in open_event_queries(since, {3, 4}):
                sql = str(query.compile(d.engine, compile_kwargs={"literal_binds": True}))
                plan = " ".join(str(row[-1]) for row in s.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
                assert "USING INDEX ix_events_open_last_post" in plan or "INTEGER PRIMARY KEY" in plan, plan
                assert "SCAN" not in plan, plan
    finally:
        d.close()
