"""Our labelled training events: the shipped file is what the generator writes, and it covers the rubric."""
from __future__ import annotations

from collections import Counter

from yuqing.classify.corpus import Filler
from yuqing.grading import corpus
from yuqing.grading.routing import inform_for, lead_for, response_for, table

from yuqing.domain import DEFAULT_TOPICS, Level


def _generator():
    """The development script that writes generated.jsonl (not installed: loaded from scripts/)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "grading_corpus.py"
    spec = importlib.util.spec_from_file_location("grading_corpus_script", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_file_is_current():
    shipped = (corpus.DATA_DIR / corpus.GENERATED).read_text(encoding="utf-8")
    assert shipped == corpus.dumps(_generator().generate()), "run: python scripts/grading_corpus.py"


def test_corpus_covers_every_level_and_topic():
    events = corpus.training_events()
    assert len(events) >= 400
    levels = Counter(e["label"] for e in events)
    assert set(levels) == {lv.label for lv in Level} and min(levels.values()) >= 60
    assert {e["topic"] for e in events} == set(DEFAULT_TOPICS)
    hand = [e for e in events if e["source"] == "handwritten"]
    assert len(hand) >= 50 and {e["label"] for e in hand} == {lv.label for lv in Level}
    filler = Filler(None)
    for e in events:
        if e["source"] == "written":  # written as real posts read: placeholders filled per deployment
            e = corpus.localize(e, None, filler)
        assert e["posts"] and all(p["text"] and "{" not in p["text"] + (p["title"] or "") for p in e["posts"]), e["event"]
        assert all(p["media_level"] in ("central", "provincial", "local", "self") for p in e["posts"])
    assert Counter(e["source"] for e in events)["written"] >= 300


def test_spreads_vary_within_levels(config):
    """SPEC §4: 一般 is a complaint with limited spread (under about 1,000 interactions), so its events
    range from none to past the 影响较小 band but never reach interactions_major; every other level has
    events with almost no spread (a death is grave however few share it) and events past 1,000."""
    t = config.thresholds
    events = corpus.training_events()
    for lv in Level:
        totals = [sum(p["reposts"] + p["comments"] + p["likes"] for p in e["posts"]) for e in events if e["label"] == lv.label]
        assert min(totals) < t.interactions_minor, lv.label
        if lv == Level.GENERAL:
            assert t.interactions_minor <= max(totals) < t.interactions_major, (lv.label, max(totals))
        else:
            assert max(totals) >= t.interactions_major, (lv.label, max(totals))


def test_routing_follows_configuration(config):
    assert lead_for(config, "特别重大") == "领导小组组长"
    assert inform_for(config, Level.MAJOR) == ["领导小组", "县政府", "县委宣传部"]
    # SPEC §2: level I is reported to 领导小组 and 县委宣传部 (and 县委、县政府); 宣传部 is named once
    assert response_for(config, Level.SPECIAL).audience == ["领导小组组长", "领导小组", "县委宣传部", "县委", "县政府"]
    assert [r.level for r in table(config)] == Level.descending()
    config.alerts.routing["一般"].lead = "分管副县长"
    assert lead_for(config, "III") == "分管副县长"
    # the propaganda contact is told of every level-I issue even when the route does not list it, and only then
    config.alerts.propaganda_contact = "县委网信办"
    assert response_for(config, Level.SPECIAL).audience[-1] == "县委网信办"
    assert "县委网信办" not in response_for(config, Level.MAJOR).audience
    assert response_for(config, Level.SPECIAL).describe() == "I级（特别重大）：领导小组组长牵头，报领导小组、县委宣传部、县委、县政府、县委网信办"
