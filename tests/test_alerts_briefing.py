"""The 快报 draft: time, place, people, a short account drawn from the posts, sources and the level."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from conftest import make_config
from yuqing.alerts.briefing import people, places, report_draft, summary

from yuqing.domain import Level
from yuqing.store import PostRecord, post_key

T0 = datetime(2026, 5, 6, 15, 0, tzinfo=UTC)  # 23:00 in Asia/Shanghai


def post(i: int, text: str, source: str = "weibo", title: str = "", hours: float = 0, interactions: int = 0):
    return PostRecord(key=post_key(f"brief{i}"), source=source, kind="weibo" if source == "weibo" else "news",
                      url=f"https://example.invalid/{source}/{i}", title=title, text=text,
                      published_at=T0 + timedelta(hours=hours), reposts=interactions, negativity=0.9)


POSTS = [
    post(1, "白沙镇柳树村昨晚十一点来了几十个人强拆老李家的房子。老人被推倒在地，头部受伤送医。补偿款还没谈拢就动手了！",
         interactions=300),
    post(2, "转发 //@柳树村小王: 柳树村半夜强拆，老人被推倒受伤送医，太欺负人了", hours=1),
    post(3, "柳树村30多户村民到镇政府讨要说法，要求严惩半夜强拆打人的人。#云溪县强拆#", source="tieba", hours=3,
         interactions=80),
    post(4, "白沙镇回应柳树村拆迁纠纷：已成立调查组，受伤老人正在县医院治疗，无生命危险。", source="county-news",
         title="白沙镇回应柳树村拆迁纠纷", hours=9),
]


def test_summary_draws_the_sentences_the_posts_share_in_the_order_posted():
    lines = summary(POSTS)
    assert 1 <= len(lines) <= 3
    text = "".join(lines)
    assert "强拆" in text and "受伤" in text
    assert all(any(line.rstrip("。…") in p.text or line.rstrip("。…")[:20] in p.text for p in POSTS) for line in lines)
    assert "//@" not in text and "#" not in text  # repost marks and topics are not the account
    assert len({line[:15] for line in lines}) == len(lines)  # a copied sentence is told once


def test_people_and_places_come_from_the_posts(tmp_path):
    cfg = make_config(tmp_path)
    who = people(POSTS, cfg.locality)
    assert "有人员受伤" in who and "村民约30户" in who and "老人" in who
    event = SimpleNamespace(features={"grouping": {"anchors": {"柳树村": 4, "白沙镇": 3, "人:李": 1}}}, title="")
    assert places(event, POSTS, cfg.locality).endswith("白沙镇柳树村")
    nothing = [post(9, "这事到底有没有人管？等了一个月了还没有回复")]
    assert people(nothing, cfg.locality) == "帖文未提及具体人员"
    told = [post(10, "柳樹村三十多戶村民聚集，兩名老人被打傷送醫")]  # in traditional characters
    assert people(told, cfg.locality) == people([post(11, "柳树村三十多户村民聚集，两名老人被打伤送医")], cfg.locality)
    assert "村民约30户" in people(told, cfg.locality)


def test_report_draft_has_every_part_in_chinese_and_local_time(tmp_path):
    cfg = make_config(tmp_path)
    event = SimpleNamespace(title="柳树村半夜强拆，老人被推倒受伤送医", level_reasons=["暴力或强制拆迁纠纷：强拆", "人员受伤"],
                            features={"grouping": {"anchors": {"柳树村": 4, "白沙镇": 2}}})
    alert = SimpleNamespace(level=int(Level.MAJOR), issue_started_at=T0)
    draft = report_draft(alert, event, POSTS, cfg)
    for part in ("标题：", "时间：2026年05月06日 23:00起", "最新帖文05月07日 08:00", "地点：", "涉及人员：", "简要经过：",
                 "舆情级别：重大或较大（II级）", "定级依据：暴力或强制拆迁纠纷", "信息来源（共4条帖文）："):
        assert part in draft, part
    sources = draft.split("信息来源")[1]
    assert "https://example.invalid/weibo/1" in sources and "https://example.invalid/county-news/4" in sources
    assert sources.index("weibo/1") < sources.index("weibo/2") if "weibo/2" in sources else True
