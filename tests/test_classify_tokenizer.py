"""The classifiers' tokenizer: the locality's dictionary, stopwords, and rjieba giving jieba's tokens."""
from __future__ import annotations

import csv
import pickle

import pytest
from conftest import make_config, shared_data
from yuqing.hanzi import simplified
from yuqing.classify.tokenizer import (
    Tokenizer,
    available_backends,
    dictionary_words,
    normalize,
)

from yuqing.errors import YuqingError

# our own sentences, chosen to hit the dictionary, full-width forms and the ASCII runs where jieba-rs differs
TEXTS = [
    "云溪大道修路三个月了还没完工，城关镇的居民出行很不方便",
    "云溪区和云溪县不是一个地方，别搞混了",
    "县委书记今天到柳树村调研，云溪一中的学生在路边欢迎",
    "网友爆料：东湖街道幸福社区的垃圾站臭气熏天！！！",
    "ＡＢＣ公司在白沙镇的项目投资１２亿元，占地80-90亩",
    "详情见 www.yunxi.gov.cn 或拨打12345热线，c++ 和 c# 培训班 3.5折",
    "2023年3月15日，GDP增长5.2%，iPhone15销量下滑……",
    "他说：“我们不是不想搬，是补偿标准太低了。”",
    "",
    "   ",
]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return make_config(tmp_path_factory.mktemp("tok"))


def test_locality_words_stay_whole(cfg):
    plain = Tokenizer(None)
    local = Tokenizer(cfg)
    text = "云溪大道上的云溪一中门口堵车"
    assert "云溪大道" in local.tokens(text)
    assert "云溪一中" in local.tokens(text)
    assert "云溪大道" not in plain.tokens(text)  # without the dictionary jieba cuts it
    # the look-alike place is one token, so 云溪 alone never appears in it
    assert local.tokens("云溪区发布通知") [0] == "云溪区"
    assert "云溪县" in local.tokens("云溪县城关镇召开会议")
    assert {"城关镇", "县委书记"} <= set(local.tokens("县委书记到城关镇调研"))
    assert set(dictionary_words(cfg)) >= {"云溪县", "云溪", "柳树村", "副县长", "云溪区"}


def test_stopwords_and_punctuation_are_dropped_but_negations_kept():
    tok = Tokenizer(None)
    tokens = tok.tokens("这个酒店的服务不好，房间也没有打扫！！")
    assert "的" not in tokens and "，" not in tokens and "！" not in tokens
    assert "不好" in tokens or "不" in tokens
    assert "没有" in tokens
    assert tok.tokens("") == [] and tok.tokens("  \n ") == []


def test_configured_stopword_file_and_locality_words_never_stopped(tmp_path):
    stop = tmp_path / "stop.txt"
    stop.write_text("# extra\n网友\n云溪县\n", encoding="utf-8")
    cfg = make_config(tmp_path, classify={"stopwords": str(stop)})
    tok = Tokenizer(cfg)
    tokens = tok.tokens("网友说云溪县的路不好走")
    assert "网友" not in tokens
    assert "云溪县" in tokens  # the deployment's own name is never a stopword
    missing = make_config(tmp_path / "x", classify={"stopwords": str(tmp_path / "nope.txt")})
    with pytest.raises(YuqingError, match="cannot read"):
        Tokenizer(missing)


def test_normalize_full_width_and_case():
    assert normalize("ＡＢＣ１２３\u3000Hello  World") == "abc123 hello world"
    assert Tokenizer(None).tokens("ＧＤＰ增长") == Tokenizer(None).tokens("gdp增长")


def test_pickle_round_trip_keeps_tokens(cfg):
    tok = Tokenizer(cfg)
    again = pickle.loads(pickle.dumps(tok))
    assert again == tok and again.signature == tok.signature
    for t in TEXTS:
        assert again.tokens(t) == tok.tokens(t)
    state = tok.__getstate__()
    state["version"] = -1
    with pytest.raises(ValueError, match="retrain"):
        Tokenizer.__new__(Tokenizer).__setstate__(state)


def test_cache_returns_same_tokens_and_stays_bounded():
    tok = Tokenizer(None, cache_size=8)
    first = tok.tokens("城关镇的路灯坏了半年")
    assert tok.tokens("城关镇的路灯坏了半年") == first
    for i in range(50):
        tok.tokens(f"第{i}条帖子")
    assert len(tok._cache) <= 8


@pytest.mark.skipif("rjieba" not in available_backends(), reason="rjieba is not installed")
def test_rjieba_gives_jieba_tokens_with_the_user_dictionary(cfg):
    fast = Tokenizer(cfg, backend="rjieba")
    ref = Tokenizer(cfg, backend="jieba")
    assert fast.backend.name == "rjieba" and ref.backend.name == "jieba"
    for t in TEXTS:
        assert fast.cut(t) == ref.cut(t), t
        assert fast.tokens(t) == ref.tokens(t), t


@pytest.mark.skipif("rjieba" not in available_backends(), reason="rjieba is not installed")
def test_rjieba_matches_jieba_on_real_messages(cfg):
    path = shared_data("complaints", "messages_votes.csv")
    fast = Tokenizer(cfg, backend="rjieba", cache_size=0)
    ref = Tokenizer(cfg, backend="jieba", cache_size=0)
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for _, r in zip(range(400), csv.DictReader(f))]
    texts = [f"{r['title']}\n{r['text'][:400]}" for r in rows]
    diff = [t for t in texts if fast.cut(t) != ref.cut(t)]
    assert diff == []


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown tokenizer backend"):
        Tokenizer(None, backend="spacy").tokens("测试")


def test_the_lexicon_adds_kind_tokens_and_words_only_leaves_the_text_s_own_words(cfg):
    tok = Tokenizer(cfg)
    text = "白沙镇一工地塔吊倒塌，造成3人死亡"
    tokens = tok.tokens(text)
    kinds = [t for t in tokens if t.startswith("〔")]
    assert kinds and tokens[-len(kinds):] == kinds  # the kind tokens follow the words
    plain = tok.words_only()
    assert plain.kinds == {} and plain.words == tok.words and plain.stopwords == tok.stopwords
    assert not any(t.startswith("〔") for t in plain.tokens(text)) and "白沙镇" in plain.tokens(text)
    assert plain.words_only() is plain


@pytest.mark.parametrize("text, kind", [
    ("纪委、检察院刑讯，一口气打了我2000多个耳光", "〔违法犯罪〕"),
    ("吕子江以被逼供为由全面翻供", "〔违法犯罪〕"),
    ("用电警棍把我电晕，强行对我鸡奸", "〔违法犯罪〕"),
    ("持续6天把我捆绑在床上，对我拳打脚踢", "〔违法犯罪〕"),
    ("因县招办失职把她的志愿申请锁在柜子忘了提交", "〔腐败滥权〕"),
    ("管理人员渎职，玩忽职守", "〔腐败滥权〕"),
    ("妇女在水中冻了两个小时，最后昏死过去", "〔受伤〕"),
])
def test_torture_dereliction_and_passing_out_are_read_by_their_kind(cfg, text, kind):
    """Words real posts use for an office's abuse (刑讯, 逼供, 鸡奸, 拳打脚踢), its neglect (失职, 渎职) and a victim
    left unconscious (昏死) count by their kind, so the models read them as they read the words our posts use."""
    assert kind in Tokenizer(cfg).tokens(text)


@pytest.mark.parametrize("text, kind", [
    ("办事窗口工作人员态度恶劣，让我们跑了三趟", "〔诉求不满〕"),
    ("酒吧每晚放歌，凌晨两点还被吵醒，居民苦不堪言", "〔诉求不满〕"),
    ("公园里偷钓的人十分猖獗", "〔诉求不满〕"),
    ("多次找开发商交涉无果，押金不退", "〔诉求不满〕"),
    ("女子深夜回家途中遭强暴", "〔违法犯罪〕"),
    ("充电宝在包里爆掉了，背包都烧穿了", "〔事故〕"),
    ("出了事就说是临时工干的", "〔腐败滥权〕"),
])
def test_a_letters_everyday_complaints_and_other_words_are_read_by_their_kind(cfg, text, kind):
    """The words citizens' letters complain in (态度恶劣, 苦不堪言, 猖獗, 交涉无果, 押金不退), and words for a rape, a
    device that burst and a scapegoat, count by their kind like the words our own posts use."""
    assert kind in Tokenizer(cfg).tokens(text)


def test_traditional_characters_are_read_as_simplified():
    assert simplified("錢到哪裏去了？災民連帳篷都住不上") == "钱到哪里去了？灾民连帐篷都住不上"
    assert simplified("長沙縣") == "长沙县" and simplified("乾隆年間") == "乾隆年间"  # phrases first: 乾隆 stays
    plain = "云溪县城关镇的居民反映干部作风问题"
    assert simplified(plain) is plain and simplified("") == ""  # simplified text is returned as it is
    tok = Tokenizer(None)
    assert normalize("雲溪縣ＡＢＣ") == "云溪县abc"
    assert tok.tokens("雲溪縣城關鎮的居民反映幹部作風問題") == tok.tokens("云溪县城关镇的居民反映干部作风问题")
