"""The labelled training events of the severity model, written by us following SPEC §4: the loader.

The events are data files in ``grading/data/`` (JSON lines), read here:

* ``handwritten.jsonl`` — events written by hand, one at a time, in the many
  voices posts come in (news reports, 微博 rants, forum threads, 留言板 letters,
  reposts), including the hard cases (a death told in Chinese numerals, a
  positive story in central media, a denied rumour).
* ``generated.jsonl`` — events rendered from scenario templates by the
  development script ``scripts/grading_corpus.py`` (deterministic: the same seed
  gives the same file; a test checks the shipped file is current).
* ``written_*.jsonl`` — events written as real posts read (see ``data/BRIEF.md``).

Beside them, ``grouping_stories.jsonl`` and ``grouping_stories_2.jsonl`` are posts of
a few incidents we wrote to test grouping (one post per line with its true ``event``).
Each line: ``{"event", "label", "topic", "source": "generated|handwritten|written",
"posts": [{id, title, text, source, url, published_at, reposts, comments, likes,
author_followers, author_verified, media_level}]}``.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
GENERATED = "generated.jsonl"
HANDWRITTEN = "handwritten.jsonl"

#: the fictional counties the events are told of (:func:`localize` renames them to the deployment's)

COUNTIES = {
    "云溪县": {"towns": ["城关镇", "白沙镇", "东湖街道", "青石镇", "龙口乡"], "villages": ["柳树村", "杨家村", "石门村", "桃园村", "下湾村"],
               "communities": ["幸福社区", "滨河社区", "新华社区"], "roads": ["云溪大道", "人民路", "建设路"],
               "schools": ["云溪一中", "城关二小", "白沙镇中心小学"]},
    "青山县": {"towns": ["青山镇", "河口镇", "西关街道", "马坪乡"], "villages": ["周家村", "王庄村", "大坝村", "松林村"],
               "communities": ["朝阳社区", "和平社区"], "roads": ["青山路", "解放大道", "环城路"],
               "schools": ["青山县第一中学", "河口镇中学", "实验小学"]},
    "南河县": {"towns": ["南河镇", "黄土镇", "北门街道", "三岔乡"], "villages": ["刘家湾村", "新庄村", "李家村", "高桥村"],
               "communities": ["东风社区", "锦绣社区"], "roads": ["南河大道", "文化路", "滨江路"],
               "schools": ["南河县二中", "黄土镇小学", "南河实验学校"]},
    "石桥县": {"towns": ["石桥镇", "沙湾镇", "南门街道", "清水乡"], "villages": ["赵家坪村", "红旗村", "长岭村", "水口村"],
               "communities": ["阳光社区", "银杏社区"], "roads": ["石桥大街", "迎宾路", "工业大道"],
               "schools": ["石桥中学", "沙湾小学", "县职业中学"]},
    "丰乐县": {"towns": ["丰乐镇", "新塘镇", "城南街道", "白马乡"], "villages": ["陈家村", "荷花村", "坪上村", "古井村"],
               "communities": ["翠苑社区", "丰收社区"], "roads": ["丰乐大道", "振兴路", "人民北路"],
               "schools": ["丰乐一中", "新塘镇中学", "城南小学"]},
}
def load_events(name: str) -> list[dict]:
    """A shipped corpus file (``generated.jsonl`` or ``handwritten.jsonl``) as a list of events."""
    text = resources.files("yuqing.grading").joinpath("data", name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def written_files() -> list[str]:
    """The shipped files of events written as real posts read (``written_*.jsonl``, see ``data/BRIEF.md``)."""
    folder = resources.files("yuqing.grading").joinpath("data")
    return sorted(f.name for f in folder.iterdir() if f.name.startswith("written_") and f.name.endswith(".jsonl"))


def corpus_files() -> list[str]:
    """Every shipped file of labelled events, in the order they are read."""
    return [HANDWRITTEN, GENERATED, *written_files()]


def training_events() -> list[dict]:
    """All shipped labelled events: hand-written, generated, then written as real posts read (placeholders
    such as ``{locality}`` unfilled: :func:`localize` fills them)."""
    events = [e for name in (HANDWRITTEN, GENERATED) for e in load_events(name)]
    return events + [{"source": "written", **e} for name in written_files() for e in load_events(name)]


def localize(event: dict, county: str | None, filler=None) -> dict:
    """The event told of ``county``: the fictional counties of the corpus are renamed (towns and villages stay)
    and placeholders (``{locality}``, ``{unit}`` …) are filled by ``filler`` (the classify corpus's)."""
    names = sorted(COUNTIES, key=len, reverse=True)
    posts = []
    for i, p in enumerate(event["posts"]):
        p = dict(p)
        for field_name in ("title", "text"):
            value = p.get(field_name) or ""
            for name in names if county else ():
                value = value.replace(name, county)
            if filler is not None and "{" in value:
                value = filler.fill(value, hash_key(f"{event['event']}:{i}:{field_name}"))
            p[field_name] = value
        posts.append(p)
    return {**event, "posts": posts}


def hash_key(text: str) -> int:
    """A stable integer for a string (Python's hash() changes between runs)."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))


def dumps(events: list[dict]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in events)
