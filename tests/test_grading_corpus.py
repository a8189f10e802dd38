"""Our labelled training events: the shipped file is what the generator writes, and it covers the rubric."""
from __future__ import annotations

from collections import Counter

from yuqing.grading import corpus
from yuqing.grading.routing import inform_for, lead_for, response_for, table

from yuqing.domain import DEFAULT_TOPICS, Level


def test_generated_file_is_current():
    shipped = (corpus.DATA_DIR / corpus.GENERATED).read_text(encoding="utf-8")
    assert shipped == corpus.dumps(corpus.generate()), "run: python -m yuqing.grading.corpus"


def test_corpus_covers_every_level_and_topic():
    events = corpus.training_events()
    assert len(events) >= 400
    levels = Counter(e["label"] for e in events)
    assert set(levels) == {lv.label for lv in Level} and min(levels.values()) >= 60
    assert {e["topic"] for e in events} == set(DEFAULT_TOPICS)
    hand = [e for e in events if e["source"] == "handwritten"]
    assert len(hand) >= 50 and {e["label"] for e in hand} == {lv.label for lv in Level}
    for e in events:
        assert e["posts"] and all(p["text"] and "{" not in p["text"] for p in e["posts"]), e["event"]
        assert all(p["media_level"] in ("central", "provincial", "local", "self") for p in e["posts"])


def test_spreads_vary_within_levels():
    events = corpus.training_events()
    for lv in Level:
        totals = [sum(p["reposts"] + p["comments"] + p["likes"] for p in e["posts"]) for e in events if e["label"] == lv.label]
        # 一般 is limited spread by definition (under interactions_major); the others reach past it
        assert min(totals) < 100 and max(totals) >= (500 if lv == Level.GENERAL else 1000), lv.label


def test_routing_follows_configuration(config):
    assert lead_for(config, "特别重大") == "领导小组组长"
    assert inform_for(config, Level.MAJOR) == ["领导小组", "县政府", "县委宣传部"]
    assert "县委宣传部" in response_for(config, Level.SPECIAL).audience
    assert [r.level for r in table(config)] == Level.descending()
    config.alerts.routing["一般"].lead = "分管副县长"
    assert lead_for(config, "III") == "分管副县长"
