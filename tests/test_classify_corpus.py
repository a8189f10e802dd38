"""The shipped corpus we wrote: well-formed, labelled by its own guide, and the place rules hold on it."""
from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from conftest import make_config

from yuqing.classify.api import place_reader
from yuqing.classify.corpus import Filler, shipped, shipped_posts
from yuqing.config import DEFAULT_TOPICS

GENRES = {"weibo", "repost", "news", "board", "forum", "wechat"}
PLACEHOLDERS = {"{locality}", "{alias}", "{unit}", "{other}", "{othercity}"}


@pytest.fixture(scope="module")
def posts():
    return shipped_posts()


def test_every_post_is_well_formed(posts):
    assert len(posts) > 4000
    bad = []
    for p in posts:
        where = f"{p['file']}:{p['line']}"
        if not isinstance(p.get("text"), str) or not p["text"].strip():
            bad.append(f"{where} no text")
        if p.get("negative") not in (0, 1, None) or p.get("public") not in (0, 1):
            bad.append(f"{where} labels")
        if p.get("negative") is None and p.get("public") != 0:
            bad.append(f"{where} a public matter's tone left unlabelled")  # null: a non-public post's tone only
        if p.get("topic") not in DEFAULT_TOPICS:
            bad.append(f"{where} topic {p.get('topic')}")
        if p.get("genre") not in GENRES:
            bad.append(f"{where} genre {p.get('genre')}")
        if p["negative"] and not p["public"]:
            bad.append(f"{where} negative but not a public matter")  # 舆情负面 is about public matters
        for part in (p["text"], p.get("title") or ""):
            for ph in {m for m in _placeholders(part)} - PLACEHOLDERS:
                bad.append(f"{where} placeholder {ph}")
    assert bad == []


def _placeholders(text: str):
    import re

    return re.findall(r"\{[^{}]*\}", text)


def test_the_corpus_is_varied_and_balanced(posts):
    texts = [p["text"] for p in posts]
    assert len(set(texts)) == len(texts)
    neg = Counter(p["negative"] for p in posts)
    assert 0.35 < neg[1] / len(posts) < 0.65
    assert set(Counter(p["topic"] for p in posts)) == set(DEFAULT_TOPICS)
    genres = Counter(p["genre"] for p in posts)
    assert genres["weibo"] > 1500 and genres["board"] > 500 and genres["news"] > 400


def test_the_labelling_guide_ships_beside_the_posts():
    # the guide is read by writers in the repository (documentation, not package data); the posts are package data
    guide = Path(__file__).resolve().parents[1] / "classify" / "data" / "posts" / "BRIEF.md"
    assert all(f.name.endswith((".jsonl", ".md")) for f in resources.files("yuqing.classify").joinpath(
        "data", "posts").iterdir())
    assert guide.is_file() and "## 负面" in guide.read_text(encoding="utf-8")


@pytest.mark.parametrize("locality", [
    {"name": "北京市", "aliases": ["北京", "京城"], "units": ["东城区", "朝阳区", "海淀区"], "lookalikes": ["北京时间"]},
    {"name": "云溪县", "aliases": ["云溪"], "units": ["城关镇", "白沙镇"], "terms": ["云溪大道"], "lookalikes": ["云溪区"]},
])
def test_the_place_rules_keep_local_posts_and_drop_passing_ones(tmp_path, posts, locality):
    """On the posts we wrote about the place (relevant or merely naming it), the rules of
    :mod:`yuqing.classify.places` alone keep nearly every relevant post firmly, and set aside most of those
    that only pass by; the relevance model then judges whether a kept post is a public matter."""
    cfg = make_config(tmp_path, locality=locality)
    filler, reader = Filler(cfg), place_reader(cfg)
    kept = Counter()
    for i, p in enumerate(q for q in posts if "relevant" in q):
        m = reader.read(filler.fill(p.get("title") or "", 2 * i + 1), filler.fill(p["text"], 2 * i))
        kept[(p["relevant"], m.names_it and not m.elsewhere and m.firmly)] += 1
    relevant = kept[(1, True)] / (kept[(1, True)] + kept[(1, False)])
    passing = kept[(0, False)] / (kept[(0, True)] + kept[(0, False)])
    assert relevant >= 0.95, kept
    assert passing >= 0.6, kept


def test_filled_placeholders_name_the_deployment(tmp_path):
    cfg = make_config(tmp_path)
    f = Filler(cfg)
    text = f.fill("{locality}{unit}发生火灾，{alias}晚报报道；{othercity}也有类似情况", 7)
    assert "{" not in text and ("云溪县" in text or "云溪" in text)
    assert json.dumps(text, ensure_ascii=False)


def test_a_post_whose_tone_is_unlabelled_trains_what_it_is_about_but_not_negativity(posts):
    """``negative: null`` (the mood posts): no public matter, so the relevance task learns it as 无关, and the
    negativity task leaves it out rather than learn a sad tone as calm."""
    unlabelled = [p for p in posts if p.get("negative") is None]
    assert len(unlabelled) >= 100
    assert len(shipped("negativity")) == len(posts) - len(unlabelled)
    relevance = shipped("relevance")
    assert len(relevance) == len(posts)
    texts = {e.text for e in shipped("negativity")}
    assert not any(p["text"] in texts for p in unlabelled if "{" not in p["text"])
