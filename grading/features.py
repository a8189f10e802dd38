"""What the severity model and the rubric see of an event: its text, tokens, signals and spread.

:func:`describe` turns an event's posts (``PostRecord`` values, classified) into
an :class:`EventView`: the joined text of its distinct posts, the classify
tokenizer's tokens with place names folded into one token (the model must
learn "a village", not "柳树村"), the rubric's text signals, the spread, the
prevailing topic and the negativity. :meth:`EventView.sample` is the row the
scikit-learn pipeline takes. Training and grading both go through here, so the
features are the same at both times.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from operator import add
from zoneinfo import ZoneInfo

from yuqing.hanzi import simplified
from yuqing.classify.signals import TextSignals, negative_by_convention, read_signals
from yuqing.grading.spread import Spread, measure, post_time

#: at most this much text is read per event (the first posts and the most engaged ones)
MAX_EVENT_CHARS = 12_000
MAX_POSTS_READ = 40
#: of an event's text, its stored summary (and what a kept grade holds) is the opening this long
SUMMARY_CHARS = 500
#: negativity from which a post raises the issue (and names its event)
ISSUE_NEGATIVITY = 0.5
PLACE_TOKEN = "<地名>"
NUMBER_TOKEN = "<数>"
_PLACE_ENDINGS = ("省", "市", "县", "区", "镇", "乡", "村", "街道", "社区", "小区", "花园", "家园", "大道", "路", "街")
_PLACE_END = re.compile(rf".{{1,8}}(?:{'|'.join(_PLACE_ENDINGS)})$")
_NUMBER = re.compile(r"^[0-9.]+$")
_REPOST_PREFIX = re.compile(r"^(?:转发微博|转发|扩散|求扩散|帮转|已转|关注|求关注|顶)?\s*(?://@[^:：]{1,30}[:：]\s*)+")
_SPACES = re.compile(r"\s+")


@dataclass
class EventView:
    text: str
    tokens: list[str]
    signals: TextSignals
    spread: Spread
    topic: str | None
    negativity: float | None
    title: str
    #: why the event is negative by a kind the conventions name in so many words (a fraud warned of, a fee said to
    #: start …: :func:`yuqing.classify.signals.negative_by_convention`), or None
    told: str | None = None

    def sample(self, floor_level: int | None = None) -> dict:
        """One row for the model: tokens and a dict of numeric and categorical features."""
        numeric = {**self.signals.as_features(), **self.spread.as_features()}
        numeric["negativity"] = self.negativity if self.negativity is not None else 0.5
        numeric["negativity_known"] = float(self.negativity is not None)
        numeric[f"topic={self.topic or '其他'}"] = 1.0
        if floor_level is not None:
            numeric[f"rule_floor={int(floor_level)}"] = 1.0
        return {"tokens": self.tokens, "numeric": numeric}


#: of a letter to a message board, the facts are read from its opening sentences: the rest retells history,
#: cites rules and pleads, and would make every long letter a catalogue of harms
LETTER_LEAD_CHARS = 160
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def _lead(post) -> str:
    text = post.text or ""
    if getattr(post, "kind", None) != "board" or len(text) <= LETTER_LEAD_CHARS:
        return text
    cut = LETTER_LEAD_CHARS
    m = _SENTENCE_END.search(text, LETTER_LEAD_CHARS)
    if m and m.start() < LETTER_LEAD_CHARS * 2:
        cut = m.end()
    return text[:cut]


def event_text(posts) -> tuple[str, str]:
    """The joined text of an event's distinct posts (reposts add nothing new) and its title."""
    ordered = sorted(posts, key=post_time)
    if len(ordered) > MAX_POSTS_READ:
        head = ordered[: MAX_POSTS_READ // 2]
        rest = sorted(ordered[MAX_POSTS_READ // 2:], key=lambda p: -p.interactions)[: MAX_POSTS_READ // 2]
        ordered = head + sorted(rest, key=post_time)
    seen: set[str] = set()
    parts: list[str] = []
    size = 0
    for p in ordered:
        for piece in (p.title or "", _lead(p)):
            if not piece:  # (an empty piece would be skipped below)
                continue
            piece = _SPACES.sub(" ", piece).strip()
            core = _REPOST_PREFIX.sub("", piece)
            key = core[:80]
            if not core or key in seen:
                continue
            seen.add(key)
            parts.append(piece)
            size += len(piece)
        if size >= MAX_EVENT_CHARS:
            break
    return "\n".join(parts)[:MAX_EVENT_CHARS], event_title(ordered)


#: a headline taken from a post's text is its first sentence, at most this long
HEADLINE_CHARS = 40
_HEADLINE_END = re.compile(r"[。！？!?\n]")
_HEADLINE_NOISE = re.compile(r"#[^#]{1,30}#|@[\w\-\u4e00-\u9fff]{1,30}[:：]?|https?://\S+")


#: a reply's title, which is its thread's (回复：…, Re: …): the reply says nothing in it of its own
_REPLY_TITLE = re.compile(r"^\s*(?:回复|回覆|Re|RE|re)\s*[:：]")


def headline(post) -> str:
    """What a post says in a line: its title, or the first sentence of its text (a reply's too: its title is its
    thread's, which would count the thread's words twice when the event is named)."""
    if post.title and post.title.strip() and not _REPLY_TITLE.match(post.title):
        return _SPACES.sub(" ", post.title).strip()
    text = _HEADLINE_NOISE.sub(" ", _REPOST_PREFIX.sub("", _SPACES.sub(" ", post.text or "").strip()))
    text = _SPACES.sub(" ", text).strip(" ，,：:")
    m = _HEADLINE_END.search(text)
    first = text[: m.start()] if m and m.start() >= 6 else text
    if len(first) > HEADLINE_CHARS:  # a long sentence is cut after a clause, not inside a word
        comma = max(first.rfind(c, 12, HEADLINE_CHARS + 1) for c in "，,；;")
        first = first[:comma] if comma > 0 else first[:HEADLINE_CHARS]
    return first.strip()


_NOT_WORD = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")


def _bigrams(text: str) -> set[str]:
    run = _NOT_WORD.sub("", text)
    return set(map(add, run, run[1:]))  # each character and the next, paired in C


#: a headline that is the authorities' answer, not the issue (关于…情况的说明, 情况通报, 警情通报, 答复, 县教育局通报…检查情况 …)
_OFFICIAL_ANSWER = re.compile(r"^【?(关于.{2,50}的?(说明|通报|回复|答复|公告|通知|声明)|.{0,30}(情况通报|情况说明|警情通报|官方回应|的回复|的答复)"
                              r"|[^，。！？]{0,20}(通报|回应|说明)[^，。！？]{2,30}情况】?$)")


def event_title(posts) -> str:
    """The event is named after the post that best says what the issue is: the headline whose words the
    event's other posts share most (a notice that only touches the story, or an official's visit to a
    festival, shares little), among the posts that raise the issue when some do (a complaint, not the
    official answer); the earliest such post on a tie. ``posts`` are the event's, oldest first."""
    seen, heads = set(), []
    for p in posts:
        line = headline(p)
        if line and line not in seen:
            seen.add(line)
            heads.append((p, line))
    if not heads:
        return ""
    if len(heads) == 1:  # most events: one headline, no words to weigh
        return heads[0][1]
    lines = [(p, line, _bigrams(line + (p.text or "")[:120])) for p, line in heads]
    df = Counter()
    for _, _, grams in lines:
        df.update(grams)
    raising = [x for x in lines if (getattr(x[0], "negativity", None) or 0.0) >= ISSUE_NEGATIVITY]
    pool = raising or lines
    voiced = [x for x in pool if not _OFFICIAL_ANSWER.match(x[1])]  # the issue, not the answer to it
    pool = voiced or pool

    def shared(item) -> float:
        grams = _bigrams(item[1])  # the headline's own words, weighed by how many posts share them
        return sum(df[b] - 1 for b in grams) / (len(grams) or 1) ** 0.5

    best = max(pool, key=shared)
    return best[1]


#: the last characters of the place endings ("\n" too: ``$`` matches before a last newline), and the first
#: characters of a _NUMBER: a token that has neither is tried against neither pattern
_PLACE_LAST = frozenset([*(ending[-1] for ending in _PLACE_ENDINGS), "\n"])
_NUMBER_FIRST = frozenset("0123456789.")
#: tokens whose folding is remembered, per set of place names (then the memory starts again)
FOLDS_CACHED = 200_000


class _Folds(dict):
    """What the model sees of each token, for one set of place names: an event's words are mostly words
    seen before, so a token is weighed once and then looked up (``folds[token]``)."""

    def __init__(self, place_names: frozenset[str]):
        super().__init__()
        self.place_names = place_names

    def __missing__(self, t: str) -> str:
        if t in self.place_names or (len(t) >= 3 and t[-1] in _PLACE_LAST and _PLACE_END.match(t)):
            folded = PLACE_TOKEN
        elif t[:1] in _NUMBER_FIRST and _NUMBER.match(t):
            folded = NUMBER_TOKEN
        else:
            folded = t
        if len(self) >= FOLDS_CACHED:
            self.clear()
        self[t] = folded
        return folded


_FOLDS: dict[frozenset[str], _Folds] = {}


def fold_tokens(tokens: list[str], place_names: frozenset[str]) -> list[str]:
    """Place names become one token, bare numbers another: the model learns kinds, not names."""
    folds = _FOLDS.get(place_names)
    if folds is None:
        if len(_FOLDS) >= 16:  # a few configurations at most: one memory each
            _FOLDS.clear()
        folds = _FOLDS[place_names] = _Folds(place_names)
    return list(map(folds.__getitem__, tokens))


def prevailing_topic(posts) -> str | None:
    counts = Counter(p.topic for p in posts if p.topic)
    return counts.most_common(1)[0][0] if counts else None


def event_negativity(posts) -> float | None:
    """The mean of the more negative half of the posts' negativity (reposts must not dilute it)."""
    values = sorted((p.negativity for p in posts if p.negativity is not None), reverse=True)
    if not values:
        return None
    top = values[: max(1, (len(values) + 1) // 2)]
    return sum(top) / len(top)


def event_year(posts, tz: str = "Asia/Shanghai") -> int | None:
    """The year of the event's latest post (in the deployment's time zone), if any post has a time."""
    times = [t for t in (p.published_at or p.fetched_at for p in posts) if t is not None]
    return max(times).astimezone(ZoneInfo(tz)).year if times else None


def describe(posts, tokenizer, cfg) -> EventView:
    text, title = event_text(posts)
    read = simplified(text)  # (what is shown stays as posted)
    loc = cfg.locality
    places = frozenset([loc.name, *loc.aliases, *loc.units, *loc.lookalikes])
    tokens = fold_tokens(tokenizer.tokens(read), places) if tokenizer is not None else []
    t = cfg.thresholds
    return EventView(
        text=text,
        tokens=tokens,
        # without a configured locality no place is "elsewhere": every incident told is the issue's own
        signals=read_signals(read, tuple(loc.officials), (loc.name, *loc.aliases, *loc.units) if loc.known else (),
                             tuple(loc.lookalikes), year=event_year(posts, cfg.timezone)),
        spread=measure(posts, t.big_v_followers),
        topic=prevailing_topic(posts),
        negativity=event_negativity(posts),
        title=title,
        told=negative_by_convention(read, board=all(getattr(p, "kind", None) == "board" for p in posts)),
    )
