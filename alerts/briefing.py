"""The 快报 draft: what an office sends up the line once an issue is found, for the monitor to edit.

:func:`report_draft` writes it from the event's posts as the office would: 时间 (when the issue
arose, and the latest post), 地点 (the places its posts name), 涉及人员 (the people and groups its
posts count: casualties, a crowd, the group that complains), 简要经过 (a few sentences drawn from
the posts, those whose words the event's posts share most, in the order they were posted; nothing
is made up), 信息来源 (headline and link of the posts that say most, one per source first) and the
level with its reasons. Every piece is taken from the posts; a piece the posts do not give says so.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from yuqing.grading.features import headline
from yuqing.grading.grouping import is_coarse, is_fine_place
from yuqing.hanzi import simplified
from yuqing.classify.signals import NEGATION_OF_HARM, crowd, read_signals

from yuqing.domain import Level
from yuqing.localtime import local_text, to_local

#: sentences of 简要经过, and sources listed
SUMMARY_SENTENCES = 3
SOURCES = 5
#: a sentence shorter than this says too little; longer ones are cut at this many characters
SENTENCE_MIN, SENTENCE_MAX = 8, 120
#: two sentences sharing this much of their wording say the same thing (reposts, copies)
SAME_SENTENCE = 0.6
#: posts read for the draft (the first ones and the most engaged; an event of thousands reads as its first)
POSTS_READ = 60

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_NOISE = re.compile(r"#[^#]{1,30}#|//@[^:：]{1,30}[:：]|@[\w\-\u4e00-\u9fff]{1,30}[:：]?|https?://\S+|"
                    r"^(?:转发微博|转发|扩散|求扩散|帮转|已转)\s*")
_NOT_TEXT = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")
_HURT = re.compile(r"受伤|受了伤|打伤|砸伤|撞伤|烧伤|送医|住院|骨折")
_GROUPS = re.compile(r"(?:农民工|工人|工友|村民|居民|业主|家长|学生|老人|儿童|幼儿|患者|游客|商户|摊主|职工|员工|教师|拆迁户|群众|"
                     r"消费者|乘客|司机|环卫工)")


def _bigrams(text: str) -> set[str]:
    run = _NOT_TEXT.sub("", text)
    return {run[i: i + 2] for i in range(len(run) - 1)}


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", _NOISE.sub(" ", text or "")).strip(" ，,：:")


def _read(posts: list) -> list:
    if len(posts) <= POSTS_READ:
        return list(posts)
    head = posts[: POSTS_READ // 2]
    rest = sorted(posts[POSTS_READ // 2:], key=lambda p: -(p.interactions or 0))[: POSTS_READ // 2]
    return head + rest


def summary(posts: list, sentences: int = SUMMARY_SENTENCES) -> list[str]:
    """The sentences that say most of what the event's posts say (extractive), in the order posted."""
    found: list[tuple[int, int, str, set[str]]] = []  # (post order, sentence order, sentence, its words)
    for i, p in enumerate(posts):
        for j, m in enumerate(_SENTENCE.finditer(_clean(p.text))):
            s = m.group(0).strip(" ，,")
            if len(_NOT_TEXT.sub("", s)) < SENTENCE_MIN:
                continue
            if len(s) > SENTENCE_MAX:
                s = s[:SENTENCE_MAX].rstrip("，,") + "…"
            found.append((i, j, s, _bigrams(s)))
    if not found:
        return []
    words_of_post: dict[int, set[str]] = {}
    for i, _, _, grams in found:
        words_of_post.setdefault(i, set()).update(grams)
    df = Counter(b for grams in words_of_post.values() for b in grams)  # in how many posts each word is
    multi = len(words_of_post) > 1

    def said(item) -> float:  # how much of the sentence the other posts say too (its own words for one post)
        grams = item[3]
        weight = sum(df[b] - 1 for b in grams) if multi else len(grams)
        return weight / (len(grams) or 1) ** 0.5 - 0.01 * item[1]  # a post's first sentences say most

    chosen: list = []
    for item in sorted(found, key=said, reverse=True):
        if any(len(item[3] & c[3]) / (len(item[3] | c[3]) or 1) >= SAME_SENTENCE for c in chosen):
            continue
        chosen.append(item)
        if len(chosen) == sentences:
            break
    return [s if s.endswith(("。", "！", "？", "!", "?", "…")) else s + "。" for _, _, s, _ in sorted(chosen)]


def places(event, posts: list, locality) -> str:
    """The places the posts name, the town before the village, most named first; the locality otherwise."""
    named: Counter = Counter()
    grouping = ((event.features or {}).get("grouping") or {}) if event is not None else {}
    for a, n in (grouping.get("anchors") or {}).items():
        if not a.startswith("人:"):
            named[a] += int(n)
    if not named:  # an event graded without a grouping state: the configured places its posts name
        text = simplified(" ".join(f"{p.title or ''} {p.text or ''}" for p in posts))
        for unit in (*locality.units, *locality.terms):
            if unit in text:
                named[unit] += text.count(unit)
    coarse = [a for a, _ in named.most_common() if is_coarse(a)][:2]
    fine = [a for a, _ in named.most_common() if is_fine_place(a) and a not in coarse][:3]
    where = "".join(coarse[:1]) + "、".join(fine) if fine else "、".join(coarse)
    return f"{locality.name}{where}" if where and not where.startswith(locality.name) else (where or locality.name)


def people(posts: list, locality) -> str:
    """Who is involved, as the posts count them: the dead and injured, the sick, a crowd, the groups named."""
    text = simplified("\n".join(f"{p.title or ''} {_clean(p.text)}" for p in posts))  # (counted, not quoted)
    own = (locality.name, *locality.aliases, *locality.units) if locality.known else ()
    sig = read_signals(text, tuple(locality.officials), own, tuple(locality.lookalikes))
    parts = []
    if sig.deaths:
        parts.append(f"死亡{sig.deaths}人")
    if sig.injured:
        parts.append(f"受伤{sig.injured}人")
    elif _HURT.search(NEGATION_OF_HARM.sub("", text)):
        parts.append("有人员受伤（人数未提及）")
    if sig.sick:
        parts.append(f"身体不适或送医{sig.sick}人")
    size, unit = crowd(text)
    groups = [g for g, _ in Counter(_GROUPS.findall(text)).most_common(3)]
    if size:
        counted = re.search(rf"{size}\D{{0,3}}?{unit}({_GROUPS.pattern})", text)  # 30多户村民: whose count it is
        group = counted.group(1) if counted else (groups[0] if groups else "")
        parts.append(f"{group}约{size}{unit}")
        groups = [g for g in groups if g != group]
    parts += groups
    return "；".join(dict.fromkeys(parts)) or "帖文未提及具体人员"


def sources(posts: list, count: int = SOURCES) -> list[str]:
    """Headline and link of the posts that say most, one per source before a second from any."""
    ranked = sorted(posts, key=lambda p: -(p.interactions or 0))
    firsts, seconds, seen = [], [], set()
    for p in ranked:
        (seconds if p.source in seen else firsts).append(p)
        seen.add(p.source)
    out, lines = [], set()
    for p in firsts + seconds:
        line = headline(p)
        if line and line not in lines:
            lines.add(line)
            out.append(f"{line}（{p.source}）{' ' + p.url if p.url else ''}")
        if len(out) == count:
            break
    return out


def report_draft(alert, event, posts: list, config, now: datetime | None = None) -> str:
    """The 快报 draft of an alert (see the module's docstring); ``posts`` are the event's, oldest first."""
    read = _read(list(posts))
    level = Level(alert.level)
    started = to_local(alert.issue_started_at, config.timezone)
    latest = max((p.published_at or p.fetched_at for p in posts if (p.published_at or p.fetched_at)), default=None)
    when = f"{started:%Y年%m月%d日 %H:%M}起"
    if latest is not None and to_local(latest, config.timezone) > started:
        when += f"，最新帖文{local_text(latest, config.timezone, '%m月%d日 %H:%M')}"
    account = summary(read) or [(event.title or "").strip() or "（帖文无可摘录的内容，请补充）"]
    reasons = [str(r) for r in event.level_reasons or []]
    lines = [
        f"标题：{(event.title or '').strip()}",
        f"时间：{when}",
        f"地点：{places(event, read, config.locality)}",
        f"涉及人员：{people(read, config.locality)}",
        "简要经过：" + "".join(account),
        f"舆情级别：{level.label}（{level.roman}级）",
    ]
    if reasons:
        lines.append("定级依据：" + "；".join(reasons[:3]))
    lines.append(f"信息来源（共{len(posts)}条帖文）：")
    lines += [f"  {i}. {s}" for i, s in enumerate(sources(read), start=1)]
    return "\n".join(lines)
