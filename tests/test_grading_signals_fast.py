"""The shortcuts of classify.signals give what the plain searches give: the gates of number-led patterns,
the one-pass word lists, risk_text's look at the whole text first."""
from __future__ import annotations

import re

import pytest
from yuqing.classify import signals
from yuqing.grading.corpus import training_events

CRAFTED = [
    "", "。", "打砸抢烧，群众围堵县政府", "三人死亡两人受伤，无人员伤亡的说法不实", "重无人员伤亡伤", "新华社区居民反映",
    "据新华社报道，南河县发生事故，造成3死2伤", "1998年夏天洪水冲垮大桥。2019年7月大桥坍塌，十几名村民被困",
    "邻县工人们讨薪，30多户村民聚集", "消防演练：模拟化工厂泄漏。网传有人死亡，官方辟谣", "转发超过两万次，2万转发",
]


def _texts() -> list[str]:
    posts = [p["text"] for e in training_events()[:300] for p in e["posts"]]
    return CRAFTED + posts + ["。".join(posts[i:i + 4]) for i in range(0, len(posts), 4)]


@pytest.mark.parametrize("name", ["_DEATH_EXCLUDE", "_CROWD", "_SICK", "_GROUP", "_FORCED_DEMOLITION", "_COUNTY", "_YEAR",
                                  "_STRUCTURE_COLLAPSE", "_CENTRAL_COVERAGE", "_OTHER_TIME_SENTENCE", "_NO_DANGER",
                                  "_STAFF_BODY", "_HARM_AT_LARGE", "_EARTH_DUG", "_FEARED_CASUALTY", "_RUIN_WITH_CASUALTIES"])
def test_gated_patterns_find_what_the_pattern_finds(name):
    gated = getattr(signals, name)
    assert isinstance(gated, signals._Gated)
    for text in _texts():
        assert [m.span() for m in gated.finditer(text)] == [m.span() for m in gated.pattern.finditer(text)]
        assert gated.sub("", text) == gated.pattern.sub("", text)


def test_gated_lists_find_what_their_patterns_find():
    for pat in [*signals._DEATH_PATTERNS, *signals._INJURY_PATTERNS, *signals._GATHER_RES]:
        plain = pat.pattern if isinstance(pat, signals._Gated) else pat
        for text in _texts():
            assert [m.span() for m in pat.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_needed_words_are_read_from_the_pattern():
    def needed(p):
        return {frozenset(s) for s in signals._needed(signals._sre_parser.parse(p).data)}

    assert needed(r"(?P<n>[0-9]+)人(?:死亡|遇难)") == {frozenset({"人"}), frozenset({"死亡", "遇难"})}
    assert needed(r"[0-9]+(?:伤|死)?") == set()  # an optional part is needed in no match
    assert needed(r"a|[0-9]+") == set()  # nor a branch with nothing needed
    assert needed(r"(?:受|重)伤") == {frozenset({"受", "重"}), frozenset({"伤"})}
    assert signals._Gated(r"[0-9]+(?:伤|死)?").gates == []


def test_lexicons_find_what_any_finds():
    lists = {"a": ("打砸", "打砸抢", "砸", "打砸"), "b": ("抢", "抢烧", ""), "c": ("不存在的词",), "d": ()}
    lex = signals._Lexicons(lists)
    for text in [*_texts(), "打砸抢烧", "砸打砸抢"]:
        found = lex.found(text)
        assert found == {name: signals._any(text, words) for name, words in lists.items()}
    big = signals._text_lexicons(("县委书记", "张三"))
    for text in _texts():
        found = big.found(text)
        for name, words in big.lists.items():
            assert found[name] == signals._any(text, words), name


def _risk_text_plain(text, own, lookalikes, year):
    """risk_text as it read before it first looked at the whole text: sentence by sentence, clause by clause,
    the clauses kept joined by "，" and the sentences by "。"."""
    denied = any(w in text for w in signals.DENIAL_WORDS)
    keep = []
    for sentence in signals._SENTENCE.split(text):
        if not sentence or signals._other_place(sentence, own, lookalikes) \
                or signals._OTHER_TIME_SENTENCE.search(sentence) or signals._past_year(sentence, year):
            continue
        kept = [c for c in signals._CLAUSE.split(sentence)
                if c and not (signals._PREVENTIVE_CLAUSE.search(c) or (denied and signals._HEARSAY.search(c)))]
        if kept:
            keep.append("，".join(kept))
    return "。".join(keep)


@pytest.mark.parametrize("own,lookalikes,year", [((), (), None), (("云溪县", "云溪", "白沙镇"), ("云溪区",), 2019)])
def test_risk_text_is_the_sentence_by_sentence_reading(own, lookalikes, year):
    for text in _texts():
        assert signals.risk_text(text, own, lookalikes, year) == _risk_text_plain(text, own, lookalikes, year)


def test_read_signals_serious_injury_read_anew_when_a_negation_is_taken_out():
    # 无人员伤亡 taken out joins 重 and 伤
    assert signals.read_signals("重无人员伤亡伤").serious_injury == ["重伤"]
    assert re.search("重伤", "重无人员伤亡伤") is None


def test_what_is_read_sentence_by_sentence_keeps_its_sentences():
    """An official named in one sentence and a wrong told in another are not an official's wrong (the text
    the rules read keeps its sentences, with or without clauses left out)."""
    apart = "镇政府门口贴了通知。隔壁老板说有人给某企业当保护伞，大家都在议论。"
    together = "镇政府有人给企业当保护伞，大家都在议论。"
    assert signals.read_signals(apart).official_wrongs == []
    assert signals.read_signals(together).official_wrongs == ["保护伞"]
    # the same when a clause is left out (a drill), and when a sentence of years ago is
    assert signals.read_signals("开展消防演练。" + apart).official_wrongs == []
    assert signals.read_signals("2008年夏天，发生过一次火灾。" + apart, year=2014).official_wrongs == []
