"""Writes the shipped training corpus (``classify/data/*.csv``) from the phrase bank in :mod:`.phrases`.

The corpus is ours: every sentence was written for yuqing. Posts are put
together from phrasings of the kinds of text a monitor sees — message-board
letters, weibo posts, forum threads, local news, short comments — about each
risk area, plus texts that merely share the locality's name (look-alike places,
adverts, travel notes, food and folk culture named after the place, people and
brands called the same). Place and office names are placeholders
(``{locality}``, ``{unit}``, ``{official}``, ``{term}``, ``{lookalike}``,
``{other}`` …) filled from the deployment's configuration at training time
(:mod:`yuqing.classify.corpus`).

Run ``python -m yuqing.classify.generate`` after editing the phrase bank; the
output is deterministic, so an unchanged bank rewrites identical files.
"""
from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

from yuqing.classify import phrases as P

DATA = Path(__file__).resolve().parent / "data"
SEED = 20240517


def _pick(rng: random.Random, items):
    return items[rng.randrange(len(items))]


def _maybe(rng: random.Random, p: float, items, default: str = "") -> str:
    return _pick(rng, items) if rng.random() < p else default


def _sentence(s: str) -> str:
    s = s.strip()
    return s if not s or s[-1] in "。！？!?…」”）)" else s + "。"


_PLACES = ["{locality}{unit}", "{locality}", "{unit}", "{locality}{term}附近", "我们{unit}", "{locality}{unit}这边",
           "{unit}", "{locality}"]
_PLACE_FRAMES = ["{p}，", "在{p}，", "坐标{p}，", "{p}的事：", "{p}这边，", "我们这里是{p}，", "【{p}】"]


def _with_place(rng: random.Random, text: str) -> str:
    """Make sure a post names where it happens (the crawler found it by a place name)."""
    if any(k in text for k in ("{locality}", "{unit}", "{term}")):
        return text
    frame = _pick(rng, _PLACE_FRAMES).replace("{p}", _pick(rng, _PLACES))
    if rng.random() < 0.75:
        return frame + text
    return text + _pick(rng, ["（{p}）", "地点：{p}。", " #{p}#"]).replace("{p}", _pick(rng, _PLACES))


def _issue_post(rng: random.Random, topic: str, issue: str, genre: str) -> tuple[str, str]:
    """A negative post (complaint, exposure, angry comment) about one issue; returns (title, text)."""
    detail = _maybe(rng, 0.7, P.DETAILS[topic])
    detail2 = _maybe(rng, 0.35, P.DETAILS[topic])
    if detail2 == detail:
        detail2 = ""
    feeling = _maybe(rng, 0.8, P.FEELINGS)
    demand = _maybe(rng, 0.7, P.DEMANDS)
    if genre == "letter":
        opening = _pick(rng, P.LETTER_OPENINGS)
        closing = _maybe(rng, 0.6, P.LETTER_CLOSINGS)
        title = _pick(rng, P.TITLES[topic]) if rng.random() < 0.85 else ""
        parts = [opening, _sentence(issue), _sentence(detail), _sentence(detail2), _sentence(feeling),
                 _sentence(demand), closing]
    elif genre == "weibo":
        tag = _pick(rng, ["#{locality}#", "#{locality}{unit}#", "【{locality}】", "", "", "@{locality}发布 "])
        title = ""
        parts = [tag, _sentence(issue), _sentence(detail), _sentence(feeling), _maybe(rng, 0.4, P.WEIBO_TAILS)]
    elif genre == "forum":
        title = _pick(rng, P.TITLES[topic])
        parts = [_pick(rng, P.FORUM_OPENINGS), _sentence(issue), _sentence(detail), _sentence(detail2),
                 _sentence(feeling), _maybe(rng, 0.5, P.FORUM_TAILS)]
    elif genre == "news":
        title = _pick(rng, P.EXPOSE_TITLES[topic]) if rng.random() < 0.7 else ""
        parts = [_pick(rng, P.NEWS_EXPOSE_OPENINGS), _sentence(issue), _sentence(detail), _sentence(detail2),
                 _pick(rng, P.NEWS_EXPOSE_CLOSINGS)]
    else:  # short comment
        title = ""
        parts = [_sentence(issue) if rng.random() < 0.6 else _sentence(detail or issue),
                 _pick(rng, P.SHORT_TAILS)]
    return title, _with_place(rng, "".join(p for p in parts if p))


def _calm_post(rng: random.Random, topic: str, kind: str) -> tuple[str, str]:
    """A non-negative post about a topic: official news, an enquiry, a suggestion or thanks."""
    if kind == "news":
        lead = _pick(rng, P.NEWS[topic])
        more = _maybe(rng, 0.6, P.NEWS[topic])
        if more == lead:
            more = ""
        title = _pick(rng, P.NEWS_TITLES[topic]) if rng.random() < 0.6 else ""
        parts = [_pick(rng, P.NEWS_OPENINGS), _sentence(lead), _sentence(more), _maybe(rng, 0.6, P.NEWS_CLOSINGS)]
    elif kind == "question":
        title = _pick(rng, P.QUESTION_TITLES) if rng.random() < 0.5 else ""
        parts = [_maybe(rng, 0.6, P.QUESTION_OPENINGS), _pick(rng, P.QUESTIONS[topic]),
                 _maybe(rng, 0.6, P.QUESTION_CLOSINGS)]
    elif kind == "praise":
        title = _pick(rng, P.PRAISE_TITLES) if rng.random() < 0.4 else ""
        parts = [_sentence(_pick(rng, P.PRAISE[topic])), _maybe(rng, 0.7, P.PRAISE_TAILS)]
    else:  # suggestion
        title = _pick(rng, P.SUGGESTION_TITLES) if rng.random() < 0.5 else ""
        parts = [_pick(rng, P.LETTER_OPENINGS[:4]), _sentence(_pick(rng, P.SUGGESTIONS[topic])),
                 _maybe(rng, 0.6, P.SUGGESTION_CLOSINGS)]
    return title, _with_place(rng, "".join(p for p in parts if p))


def _irrelevant(rng: random.Random, kind: str) -> tuple[str, str, str]:
    """A post that matches the locality's keywords but is not about its affairs; returns (title, text, negativity)."""
    if kind == "lookalike":
        # the same kinds of issue, but in a different place with a similar name
        topic = _pick(rng, [t for t in P.ISSUES if P.ISSUES[t]])
        issue = _pick(rng, P.ISSUES[topic])
        title, text = _issue_post(rng, topic, issue, _pick(rng, ["letter", "weibo", "forum", "news", "short"]))
        swap = lambda s: s.replace("{locality}", "{lookalike}").replace("{unit}", "{other_unit}").replace(
            "{term}", "{other_term}")
        return swap(title), swap(text), "负面"
    if kind == "lookalike_calm":
        topic = _pick(rng, list(P.NEWS))
        title, text = _calm_post(rng, topic, _pick(rng, ["news", "question", "news"]))
        swap = lambda s: s.replace("{locality}", "{lookalike}").replace("{unit}", "{other_unit}").replace(
            "{term}", "{other_term}")
        return swap(title), swap(text), "非负面"
    if kind == "elsewhere":
        # an issue elsewhere, matched only on an office title or a business term
        topic = _pick(rng, [t for t in P.ISSUES if P.ISSUES[t]])
        title, text = _issue_post(rng, topic, _pick(rng, P.ISSUES[topic]), _pick(rng, ["weibo", "news", "forum"]))
        swap = lambda s: s.replace("{locality}", "{other}").replace("{unit}", "{other_unit}").replace(
            "{term}", "{other_term}")
        return swap(title), swap(text), "负面"
    table = {
        "advert": P.ADVERTS,
        "travel": P.TRAVEL,
        "food": P.FOOD_CULTURE,
        "name_clash": P.NAME_CLASHES,
        "general": P.GENERAL_NEWS,
        "chatter": P.CHATTER,
    }[kind]
    text = _pick(rng, table)
    neg = "负面" if any(w in text for w in P.NEGATIVE_MARKERS_IN_IRRELEVANT) else "非负面"
    title = ""
    if kind in ("advert", "travel", "food") and rng.random() < 0.3:
        title = _pick(rng, {"advert": P.ADVERT_TITLES, "travel": P.TRAVEL_TITLES, "food": P.FOOD_TITLES}[kind])
    if rng.random() < 0.3:
        extra = _pick(rng, table)
        if extra != text:
            text = f"{text}{extra}"
    return title, text, neg


def build(seed: int = SEED) -> dict[str, list[tuple[str, str, str]]]:
    """The three training sets: task → rows (text, label, title)."""
    rng = random.Random(seed)
    relevance: list[tuple[str, str, str]] = []
    topic_rows: list[tuple[str, str, str]] = []
    negativity: list[tuple[str, str, str]] = []
    seen: set[str] = set()

    def add(title, text, topic=None, neg=None, relevant=True):
        key = title + "|" + text
        if key in seen or not text.strip():
            return
        seen.add(key)
        relevance.append((text, "相关" if relevant else "无关", title))
        if topic is not None:
            topic_rows.append((text, topic, title))
        if neg is not None:
            negativity.append((text, neg, title))

    genres = ["letter", "weibo", "forum", "news", "short"]
    for topic in P.TOPICS:
        issues = P.ISSUES[topic]
        # every issue phrasing in two different genres, then extra random ones
        for issue in issues:
            for genre in rng.sample(genres, 2):
                add(*_issue_post(rng, topic, issue, genre), topic=topic, neg="负面")
        for _ in range(max(0, 150 - 2 * len(issues))):
            add(*_issue_post(rng, topic, _pick(rng, issues), _pick(rng, genres)), topic=topic, neg="负面")
        for kind, n in (("news", 45), ("question", 22), ("praise", 14), ("suggestion", 12)):
            for _ in range(n):
                add(*_calm_post(rng, topic, kind), topic=topic, neg="非负面")
    # hand-written whole posts (harder, mixed, ironic, long)
    for text, topic, neg, title in P.HANDWRITTEN:
        add(title, _with_place(rng, text), topic=topic, neg=neg)
    # not about the locality's affairs
    for kind, n in (("lookalike", 330), ("lookalike_calm", 140), ("elsewhere", 160), ("advert", 170),
                    ("travel", 130), ("food", 90), ("name_clash", 110), ("general", 90), ("chatter", 60)):
        for _ in range(n):
            title, text, neg = _irrelevant(rng, kind)
            add(title, text, topic=None, neg=neg, relevant=False)
    for text, title in P.HANDWRITTEN_IRRELEVANT:
        add(title, text, relevant=False)
    return {"relevance": relevance, "topic": topic_rows, "negativity": negativity}


def write(out_dir: Path = DATA) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for task, rows in build().items():
        with open(out_dir / f"{task}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["text", "label", "title"])
            w.writerows(rows)
        counts[task] = len(rows)
    return counts


def main() -> int:
    counts = write()
    for task, n in counts.items():
        print(f"{task}: {n} rows -> {DATA / (task + '.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
