"""Grouping: relevant posts assigned, as they arrive, to the event (issue) they are about.

A post joins the open event it is most similar to, if that similarity reaches
``thresholds.event_similarity`` and the event had a post within
``thresholds.event_window_hours``; otherwise it starts a new event. A post is
seen as its words (the classify tokenizer's tokens, so the locality's units
stay whole) and its character trigrams (for names the tokenizer splits),
weighted by how rare they are in posts about other incidents (IDF from our
corpus plus the posts seen in this run); named places, units and companies
weigh double. Similarity to an event is the largest of: cosine to the event's
centroid, cosine to one of its posts (a repost matches the post it copies),
and the share of the post's weight the event already has (a short post
"白沙镇强拆太过分了" belongs where 白沙镇 and 强拆 are). Two posts that name
different villages, companies or schools and no place in common are held apart.
The locality's own names are removed first: every post mentions them. A post
marked ``duplicate_of`` joins its original's event directly.

The grouping state of an event (centroid, a few exemplar posts, anchors) is kept
in ``Event.features["grouping"]`` so grouping resumes across runs.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from yuqing.grading.spread import post_time

#: terms kept in a stored centroid and in each stored exemplar
CENTROID_TERMS = 400
EXEMPLAR_TERMS = 80
EXEMPLARS = 6
#: weight of a character trigram beside a word
TRIGRAM_WEIGHT = 0.35
#: weight multiplier of a named place, unit or company
ANCHOR_WEIGHT = 2.0
#: the share of a post's weight found in the event counts this much toward similarity
CONTAINMENT_WEIGHT = 0.75
#: weight a post needs before its containment is trusted fully
CONTAINMENT_MASS = 12.0
#: similarity bonus per distinctive anchor shared (capped)
ANCHOR_BONUS = 0.1
ANCHOR_BONUS_MAX = 0.2
#: similarity kept when the post and the event name different fine places and none in common
PLACE_CONFLICT = 0.5

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@[\w\-\u4e00-\u9fff]{1,30}[:：]?")
_NOT_TEXT = re.compile(r"[^0-9a-zA-Z\u4e00-\u9fff]+")
_REPOST_WORDS = re.compile(r"转发微博|转发|扩散|求扩散|帮转|已转|求关注")
#: a token ending like a place, unit or organisation is an anchor
_COARSE_SUFFIXES = ("省", "市", "县", "区", "镇", "乡", "街道")
_FINE_SUFFIXES = ("村", "社区", "小区", "花园", "家园", "公寓", "大厦", "广场", "市场", "医院", "卫生院", "中学", "小学",
                  "一中", "二中", "二小", "幼儿园", "学校", "公司", "集团", "厂", "工地", "项目", "酒店", "宾馆", "超市",
                  "商场", "大道", "路", "街", "桥", "水库", "景区", "车站", "矿", "养殖场", "合作社", "名苑", "苑", "城")
_GENERIC_ANCHORS = frozenset(
    ["县政府", "镇政府", "政府", "医院", "学校", "公司", "派出所", "公安局", "工地", "项目", "小区", "社区", "村里",
     "本村", "我们村", "全村", "市场", "超市", "大道", "马路", "道路", "路上", "街上", "信访局", "镇里", "县里",
     "宾馆", "酒店", "中学", "小学", "幼儿园", "卫生院", "管理局", "住建局", "教育局", "环保局", "电视台", "农村", "城市",
     "县城", "进城", "回村", "村民", "全县", "全镇", "一路", "路口", "门口", "半路", "思路", "出路", "道路", "网路",
     "线路", "销路", "公路", "国道", "高速", "老街", "大街", "街道", "县委", "镇上", "乡下", "乡镇", "城区", "城管"]
)


def normalize(text: str, locality_names: tuple[str, ...] = ()) -> str:
    """Text reduced to what identifies the incident: no links, @names, repost marks or the locality's own names."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _REPOST_WORDS.sub(" ", text)
    for name in locality_names:
        text = text.replace(name, " ")
    return text


def trigrams(text: str) -> Counter:
    """Character trigrams inside each run of text (never across punctuation)."""
    grams: Counter = Counter()
    for run in _NOT_TEXT.sub(" ", text).split():
        for i in range(len(run) - 2):
            grams[run[i: i + 3]] += 1
    return grams


def ngrams(text: str) -> Counter:
    """Terms of a text without a tokenizer: its trigrams (used for the background vocabulary too)."""
    return Counter({f"c:{g}": n for g, n in trigrams(text).items()})


def is_anchor(token: str, units: frozenset[str] = frozenset()) -> bool:
    if token in units:
        return True
    return len(token) >= 3 and token not in _GENERIC_ANCHORS and token.endswith(_COARSE_SUFFIXES + _FINE_SUFFIXES)


def is_fine_place(token: str) -> bool:
    return token.endswith(_FINE_SUFFIXES) and not token.endswith(_COARSE_SUFFIXES)


def anchors(text: str, units: tuple[str, ...] = (), tokens: list[str] | None = None) -> set[str]:
    """Named places, units and organisations: configured sub-units and terms, and tokens ending as places do."""
    unit_set = frozenset(units)
    found = {u for u in units if u in text}
    for t in tokens or ():
        if is_anchor(t, unit_set):
            found.add(t)
    return found


class Vocabulary:
    """Document frequencies of terms: a background corpus plus what this run has seen."""

    def __init__(self, df: dict[str, int] | None = None, docs: int = 0):
        self.df: Counter = Counter(df or {})
        self.docs = docs

    @classmethod
    def from_terms(cls, term_sets) -> "Vocabulary":
        v = cls()
        for terms in term_sets:
            v.add(terms)
        return v

    def add(self, terms) -> None:
        self.df.update(set(terms))
        self.docs += 1

    def idf(self, term: str) -> float:
        return math.log((1 + self.docs) / (1 + self.df.get(term, 0))) + 1.0


@dataclass
class PostVector:
    post_id: int
    tf: dict[str, float]  # sublinear term frequency times the kind of term's weight
    anchors: set[str]
    fine_places: set[str]
    when: datetime
    duplicate_of: int | None = None


def _weighted(tf: dict[str, float], vocab: Vocabulary) -> dict[str, float]:
    return {t: w * vocab.idf(t) for t, w in tf.items()}


def _norm(vec: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vec.values())) or 1.0


def _top(vec: dict[str, float], k: int, vocab: Vocabulary | None = None) -> dict[str, float]:
    if len(vec) <= k:
        return dict(vec)
    key = (lambda t: vec[t] * vocab.idf(t)) if vocab else vec.get
    return {t: vec[t] for t in sorted(vec, key=key, reverse=True)[:k]}


class TermReader:
    """The terms of a post: words (tokenizer) and character trigrams, anchors marked."""

    def __init__(self, tokenizer=None, locality_names: tuple[str, ...] = (), units: tuple[str, ...] = ()):
        self.tokenizer = tokenizer
        self.locality_names = tuple(sorted(set(locality_names), key=len, reverse=True))
        self.units = tuple(units)
        self._unit_set = frozenset(units)

    def read(self, raw: str) -> tuple[dict[str, float], set[str]]:
        text = normalize(raw, self.locality_names)
        tf: dict[str, float] = {}
        tokens = self.tokenizer.tokens(text) if self.tokenizer is not None else []
        words = Counter(t for t in tokens if len(t) >= 2 and not t.isdigit())
        found = anchors(text, self.units, list(words))
        for t, n in words.items():
            tf[f"w:{t}"] = (1.0 + math.log(n)) * (ANCHOR_WEIGHT if t in found else 1.0)
        for g, n in trigrams(text).items():
            tf[f"c:{g}"] = (1.0 + math.log(n)) * TRIGRAM_WEIGHT
        return tf, found

    def terms(self, raw: str) -> set[str]:
        return set(self.read(raw)[0])


@dataclass
class EventState:
    """The grouping state of one event, in memory."""

    key: int  # the Event id, or a negative number for an event not yet stored
    centroid: dict[str, float] = field(default_factory=dict)  # summed normalized tf of its posts
    count: int = 0
    exemplars: list[dict[str, float]] = field(default_factory=list)
    anchors: Counter = field(default_factory=Counter)
    first_at: datetime | None = None
    last_at: datetime | None = None
    post_ids: list[int] = field(default_factory=list)
    new_post_ids: list[int] = field(default_factory=list)
    closed: bool = False  # a merged or closed event takes no posts

    # cache of idf-weighted centroid and exemplars, dropped when the state changes
    _cache: tuple | None = field(default=None, repr=False)

    @property
    def fine_places(self) -> set[str]:
        return {a for a in self.anchors if is_fine_place(a)}

    def to_features(self, vocab: Vocabulary) -> dict:
        return {
            "centroid": {t: round(w, 4) for t, w in _top(self.centroid, CENTROID_TERMS, vocab).items()},
            "count": self.count,
            "exemplars": [{t: round(w, 3) for t, w in e.items()} for e in self.exemplars],
            "anchors": dict(self.anchors.most_common(30)),
        }

    @classmethod
    def from_features(cls, key: int, features: dict, first_at, last_at, post_ids=()) -> "EventState":
        g = (features or {}).get("grouping") or {}
        return cls(
            key=key,
            centroid=dict(g.get("centroid") or {}),
            count=int(g.get("count") or 0),
            exemplars=[dict(e) for e in g.get("exemplars") or []],
            anchors=Counter(g.get("anchors") or {}),
            first_at=first_at,
            last_at=last_at,
            post_ids=list(post_ids),
        )

    def add(self, pv: PostVector, vocab: Vocabulary) -> None:
        n = math.sqrt(sum(w * w for w in pv.tf.values())) or 1.0
        for t, w in pv.tf.items():
            self.centroid[t] = self.centroid.get(t, 0.0) + w / n
        if len(self.centroid) > CENTROID_TERMS * 2:
            self.centroid = _top(self.centroid, CENTROID_TERMS, vocab)
        self.count += 1
        ex = _top(pv.tf, EXEMPLAR_TERMS, vocab)
        if len(self.exemplars) < EXEMPLARS:
            self.exemplars.append(ex)
        else:  # keep the first post (often the original) and the most recent ones
            self.exemplars = [self.exemplars[0], *self.exemplars[2:], ex]
        self.anchors.update(pv.anchors)
        self.first_at = pv.when if self.first_at is None else min(self.first_at, pv.when)
        self.last_at = pv.when if self.last_at is None else max(self.last_at, pv.when)
        self.post_ids.append(pv.post_id)
        self.new_post_ids.append(pv.post_id)
        self._cache = None

    def weighted(self, vocab: Vocabulary):
        if self._cache is None:
            c = _weighted(self.centroid, vocab)
            exs = [_weighted(e, vocab) for e in self.exemplars]
            self._cache = (c, _norm(c), [(e, _norm(e)) for e in exs])
        return self._cache


@dataclass
class Match:
    event: EventState
    score: float
    how: str  # which measure decided, for the explanation


class Grouper:
    """Assigns posts, one at a time, to events."""

    def __init__(self, vocab: Vocabulary, reader: TermReader, *, similarity: float = 0.35, window_hours: float = 72):
        self.vocab = vocab
        self.reader = reader
        self.similarity = similarity
        self.window = timedelta(hours=window_hours)
        self.events: dict[int, EventState] = {}
        self.by_post: dict[int, int] = {}  # post id → event key
        self._index: dict[str, set[int]] = {}  # word → event keys
        self._anchor_index: dict[str, set[int]] = {}  # anchor → event keys
        self._next_new = -1

    # -- setup ----------------------------------------------------------------
    def load(self, state: EventState) -> None:
        """An existing event that may take new posts."""
        self.events[state.key] = state
        for pid in state.post_ids:
            self.by_post[pid] = state.key
        self._index_terms(state, state.centroid)
        for a in state.anchors:
            self._anchor_index.setdefault(a, set()).add(state.key)

    def vectorize(self, record) -> PostVector:
        tf, found = self.reader.read(f"{record.title or ''} {record.text or ''}")
        return PostVector(
            post_id=record.id,
            tf=tf,
            anchors=found,
            fine_places={a for a in found if is_fine_place(a)},
            when=post_time(record),
            duplicate_of=record.duplicate_of,
        )

    # -- grouping ---------------------------------------------------------------
    def add(self, record) -> tuple[EventState, Match | None]:
        """Put one post into an event (an existing one, or a new one); returns it and how it matched."""
        pv = self.vectorize(record)
        self.vocab.add(pv.tf)
        match = None
        if pv.duplicate_of is not None and pv.duplicate_of in self.by_post:
            ev = self.events[self.by_post[pv.duplicate_of]]
            if not ev.closed:
                match = Match(ev, 1.0, "duplicate")
        if match is None:
            match = self.best(pv)
        if match is not None and match.score >= self.similarity:
            ev = match.event
        else:
            ev = EventState(key=self._next_new)
            self._next_new -= 1
            self.events[ev.key] = ev
            match = None
        for a in pv.anchors:
            self._anchor_index.setdefault(a, set()).add(ev.key)
        ev.add(pv, self.vocab)
        self.by_post[pv.post_id] = ev.key
        self._index_terms(ev, pv.tf)
        return ev, match

    def best(self, pv: PostVector) -> Match | None:
        best = None
        for key in self._candidates(pv):
            ev = self.events[key]
            if ev.closed or not self._in_window(ev, pv.when):
                continue
            score, how = self.score(pv, ev)
            if best is None or score > best.score:
                best = Match(ev, score, how)
        return best

    def score(self, pv: PostVector, ev: EventState) -> tuple[float, str]:
        vec = _weighted(pv.tf, self.vocab)
        norm = _norm(vec)
        centroid, cnorm, exemplars = ev.weighted(self.vocab)
        cos_c = sum(w * centroid.get(t, 0.0) for t, w in vec.items()) / (norm * cnorm)
        cos_e = 0.0
        for e, enorm in exemplars:
            cos_e = max(cos_e, sum(w * e.get(t, 0.0) for t, w in vec.items()) / (norm * enorm))
        score, how = (cos_c, "centroid") if cos_c >= cos_e else (cos_e, "post")
        words = {t: w for t, w in vec.items() if t.startswith("w:")}
        mass = sum(words.values())
        if mass:
            inside = sum(w for t, w in words.items() if t in centroid)
            contain = inside / mass * min(1.0, mass / CONTAINMENT_MASS) * CONTAINMENT_WEIGHT
            if contain > score:
                score, how = contain, "contained"
        shared = [a for a in pv.anchors if a in ev.anchors and self._anchor_distinctive(a)]
        if shared and score > 0.05:
            score += min(ANCHOR_BONUS * len(shared), ANCHOR_BONUS_MAX)
            how += "+anchors"
        elif pv.fine_places and ev.fine_places and not (pv.anchors & set(ev.anchors)):
            score *= PLACE_CONFLICT
            how += "-places"
        return score, how

    # -- helpers ----------------------------------------------------------------
    def _in_window(self, ev: EventState, when: datetime) -> bool:
        if ev.last_at is None:
            return True
        return ev.first_at - self.window <= when <= ev.last_at + self.window

    def _anchor_distinctive(self, anchor: str) -> bool:
        """An anchor shared by many open events (the county seat, say) tells little."""
        holders = len(self._anchor_index.get(anchor, ()))
        return holders <= max(2, len(self.events) // 4)

    def _index_terms(self, ev: EventState, tf: dict[str, float]) -> None:
        for t in tf:
            if t.startswith("w:"):
                self._index.setdefault(t, set()).add(ev.key)

    def _candidates(self, pv: PostVector) -> set[int]:
        keys: set[int] = set()
        for t in pv.tf:
            hit = self._index.get(t)
            if hit:
                keys |= hit
        return keys
