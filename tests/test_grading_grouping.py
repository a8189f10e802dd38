"""Grouping posts into events: one incident across sources and days, reposts and short posts; others apart."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from yuqing.grading.grouping import (
    EventState,
    Grouper,
    TermReader,
    Vocabulary,
    anchors,
    incident_kinds,
    same_anchor,
)
from yuqing.intake import record_from_json
from yuqing.grading.spread import measure, trend

from yuqing.store import PostRecord, post_key

#: incidents written by us to test grouping (several sources and days, reposts, short posts, look-alikes)
DATA = Path(__file__).resolve().parents[1] / "grading" / "data"


@pytest.fixture(scope="module")
def reader():
    from conftest import LOCALITY
    from yuqing.classify.tokenizer import Tokenizer

    from yuqing.config import from_dict

    cfg = from_dict({"locality": LOCALITY})
    loc = cfg.locality
    return TermReader(Tokenizer(cfg), (loc.name, *loc.aliases), (*loc.units, *loc.terms))


@pytest.fixture(scope="module")
def background(reader):
    from yuqing.grading.api import background_vocabulary

    return background_vocabulary(reader)


def grouper(reader, background, **kw) -> Grouper:
    return Grouper(Vocabulary(background.df, background.docs), reader, **kw)


def stories(name="grouping_stories.jsonl") -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def group(g: Grouper, posts: list[dict]) -> dict[str, int]:
    records = [record_from_json(p, prefix="g:") for p in posts]
    order = sorted(records, key=lambda r: r.published_at)
    for r in order:
        g.add(r)
    g.consolidate()
    return {p["id"]: g.by_post[r.id] for p, r in zip(posts, records)}


def test_demolition_story_across_sources_and_days_is_one_event(reader, background):
    posts = stories()
    found = group(grouper(reader, background), posts)
    demolition = [p for p in posts if p["event"] == "demolition"]
    assert {p["source"] for p in demolition} >= {"weibo", "tieba", "county-news"}
    days = {p["published_at"][:10] for p in demolition}
    assert len(days) == 2, "the story runs over two days"
    assert len({found[p["id"]] for p in demolition}) == 1


def test_reposts_and_short_posts_join(reader, background):
    posts = stories()
    found = group(grouper(reader, background), posts)
    by_id = {p["id"]: p for p in posts}
    repost = by_id["demolition-2"]
    assert repost["text"].startswith("转发 //@")
    short = by_id["demolition-5"]
    assert len(short["text"]) <= 10
    assert found["demolition-2"] == found["demolition-1"] == found["demolition-5"]


def test_unrelated_posts_are_other_events(reader, background):
    posts = stories()
    found = group(grouper(reader, background), posts)
    demolition = found["demolition-1"]
    # the same village, another matter (a festival); another demolition complaint elsewhere; an enquiry
    for other in ("tourism-1", "tourism-2", "demolition2-1", "enquiry-1", "schoolfee-1", "wage-1"):
        assert found[other] != demolition, other
    assert found["demolition2-1"] == found["demolition2-2"]


@pytest.mark.parametrize("name", ["grouping_stories.jsonl", "grouping_stories_2.jsonl"])
def test_pairwise_f1_on_written_stories(reader, background, name):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_grading import pairwise

    posts = stories(name)
    found = group(grouper(reader, background, similarity=0.2), posts)
    precision, recall, f1 = pairwise([p["event"] for p in posts], [found[p["id"]] for p in posts])
    assert precision >= 0.95 and f1 >= 0.9, (precision, recall, f1)


def test_duplicate_joins_its_original_even_when_worded_apart(reader, background):
    t0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
    a = PostRecord(key=post_key("a"), source="weibo", kind="weibo", text="白沙镇柳树村强拆民房，老人被打伤", published_at=t0)
    b = PostRecord(key=post_key("b"), source="news", kind="news", text="云溪一中举办运动会", published_at=t0,
                   duplicate_of=a.id)
    g = grouper(reader, background)
    ev_a, _ = g.add(a)
    ev_b, match = g.add(b)
    assert ev_a is ev_b and match.how == "duplicate"


def test_time_window_starts_a_new_event(reader, background):
    t0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
    text = "白沙镇柳树村强拆民房，挖掘机推倒了老李家的房子"
    g = grouper(reader, background, window_hours=72)
    first, _ = g.add(PostRecord(key=post_key("w1"), source="weibo", kind="weibo", text=text, published_at=t0))
    near, _ = g.add(PostRecord(key=post_key("w2"), source="weibo", kind="weibo", text="柳树村强拆老李家的事有人管吗",
                               published_at=t0 + timedelta(hours=30)))
    far, _ = g.add(PostRecord(key=post_key("w3"), source="weibo", kind="weibo", text="今天去云溪一中开家长会",
                              published_at=t0 + timedelta(days=40)))
    assert near is first and far is not first


def test_grouping_state_round_trips_through_features(reader, background):
    g = grouper(reader, background)
    t0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
    ev, _ = g.add(PostRecord(key=post_key("s1"), source="weibo", kind="weibo", published_at=t0,
                             text="东湖街道阳光幼儿园二十多个孩子食物中毒住院"))
    features = {"grouping": json.loads(json.dumps(ev.to_features(g.vocab)))}
    again = EventState.from_features(7, features, ev.first_at, ev.last_at)
    g2 = grouper(reader, background)
    g2.load(again)
    joined, match = g2.add(PostRecord(key=post_key("s2"), source="news", kind="news", published_at=t0 + timedelta(hours=3),
                                      text="东湖街道一幼儿园发生疑似食物中毒，23名幼儿送医"))
    assert joined is again and match is not None


def test_anchors_and_kinds():
    assert "白沙镇" in anchors("白沙镇柳树村", ("白沙镇", "柳树村"), ["白沙镇", "柳树村"])
    assert "城关二小" in anchors("城关二小的老师", (), ["城关", "二小", "的", "老师"])
    assert same_anchor("顺发厂", "顺发服装厂") and not same_anchor("柳树村", "杨家村")
    assert incident_kinds("挖掘机推倒了房子，说是征收") == {"拆"}
    assert "撞" in incident_kinds("渣土车撞了电动车")


def test_spread_and_trend():
    t0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
    posts = [
        PostRecord(key=post_key(f"t{i}"), source=src, kind="weibo", text="x", published_at=t0 + timedelta(minutes=m),
                   reposts=r, comments=1, likes=2, media_level=media, author_followers=f)
        for i, (src, m, r, media, f) in enumerate([("weibo", 0, 10, "self", 200), ("weibo", 20, 5, "self", 300000),
                                                   ("county-news", 150, 0, "local", None)])
    ]
    s = measure(posts, big_v_followers=100000)
    assert (s.post_count, s.reposts, s.comments, s.likes, s.interactions) == (3, 15, 3, 6, 24)
    assert s.media_levels == ["local", "self"] and s.big_v_posts == 1 and s.sources == ["weibo", "county-news"]
    rows = trend(posts)
    assert [(r["hour"].hour, r["posts"], r["engagement"]) for r in rows] == [(8, 2, 21), (9, 0, 0), (10, 1, 3)]


def test_bare_reaction_joins_the_busy_event_but_a_new_subject_does_not(reader, background):
    t0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
    g = grouper(reader, background)
    texts = ["白沙镇柳树村凌晨强拆民房，老人被打伤送医", "柳树村强拆现场视频，挖掘机推倒了房子", "白沙镇回应柳树村拆除纠纷"]
    for i, text in enumerate(texts):
        busy, _ = g.add(PostRecord(key=post_key(f"r{i}"), source="weibo", kind="weibo", text=text,
                                   published_at=t0 + timedelta(minutes=20 * i)))
    reaction, match = g.add(PostRecord(key=post_key("r-bare"), source="weibo", kind="weibo", text="太过分了，求真相！",
                                       published_at=t0 + timedelta(hours=2)))
    assert reaction is busy and match.how.startswith("reaction")
    other, _ = g.add(PostRecord(key=post_key("r-new"), source="weibo", kind="weibo", text="云溪县一中今天开运动会",
                                published_at=t0 + timedelta(hours=2, minutes=5)))
    assert other is not busy


def test_companies_parks_and_places_named_after_the_locality_are_anchors(reader):
    found = reader.read("东湖工业园区宏达化工有限公司在储罐清洗作业中发生中毒事故")[1]
    assert {"宏达化工", "东湖工业园"} <= found and not {"化工有限公司", "有限公司", "工业园区"} & found
    assert "宏达化工" in reader.read("宏达化工门口好多家属在哭")[1]  # the same company, named without its legal form
    assert "鑫达电子" in reader.read("鑫达电子厂拖欠三个月工资")[1]  # a name the tokenizer cut into characters
    assert "云溪宾馆" in reader.read("全县的公务接待都放在云溪宾馆")[1]  # a hotel named after the county
    assert reader.read("这家宾馆装修得比五星级还好")[1] == set()  # 这家 points at a place, it does not name one
    assert reader.read("要改成文旅街区，全是仿古建筑")[1] == {"文旅街区"}  # 建筑 alone names no company


def test_two_incidents_at_one_school_stay_apart(reader, background):
    t0 = datetime(2025, 5, 6, 12, tzinfo=UTC)
    poisoning = ["云溪一中昨天午饭后三十多个学生上吐下泻，食堂的菜是不是变质了", "云溪一中食堂疑似食物中毒，多名学生送医",
                 "县市场监管局通报云溪一中学生腹泻：已对食堂留样送检"]
    beating = ["云溪一中一个班主任体罚学生，扇耳光还罚站一上午", "反映云溪一中教师体罚学生问题，请教育局调查"]
    posts = [PostRecord(key=post_key(f"school{i}"), source="weibo", kind="weibo", text=text,
                        published_at=t0 + timedelta(hours=5 * i))
             for i, text in enumerate(poisoning[:2] + beating[:1] + poisoning[2:] + beating[1:])]
    g = grouper(reader, background)
    for p in posts:
        g.add(p)
    g.consolidate()
    ev = [g.by_post[p.id] for p in posts]
    assert ev[0] == ev[1] == ev[3] and ev[2] == ev[4] and ev[0] != ev[2]


def test_follow_up_past_the_window_joins_and_a_bare_reaction_days_later_does_not(reader, background):
    t0 = datetime(2025, 6, 2, 1, tzinfo=UTC)
    g = grouper(reader, background, window_hours=72)
    first, _ = g.add(PostRecord(key=post_key("f1"), source="weibo", kind="weibo", published_at=t0,
                                text="白沙镇石门村有人半夜开船采砂，河堤都被挖塌了，镇里没人管"))
    g.add(PostRecord(key=post_key("f2"), source="tieba", kind="tieba", published_at=t0 + timedelta(hours=20),
                     text="石门村采砂船又来了，一挖就是一整夜"))
    reply, match = g.add(PostRecord(key=post_key("f3"), source="news", kind="news",
                                    published_at=t0 + timedelta(days=4, hours=6),
                                    text="县水利局回应白沙镇石门村非法采砂：已扣押采砂船一艘，将加强夜间巡查"))
    assert reply is first and "late" in match.how  # past the window, but clearly the same incident
    bare, _ = g.add(PostRecord(key=post_key("f4"), source="weibo", kind="weibo",
                               published_at=t0 + timedelta(days=5), text="有没有人管管？？"))
    assert bare is not first  # a bare reaction is tied to an event by its time alone
