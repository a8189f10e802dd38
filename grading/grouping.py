"""Grouping: relevant posts assigned, as they arrive, to the event (issue) they are about.

A post joins the open event it is most similar to, if that similarity reaches
``thresholds.event_similarity`` and the event had a post within
``thresholds.event_window_hours`` (a follow-up later than that needs more
similarity the later it comes, up to FOLLOW_UP_MARGIN a window past the end, and
none is taken FOLLOW_UP_FACTOR windows on; a bare reaction is never a follow-up);
otherwise it starts a new event. The same time rule serves when posts are
placed, moved and events merged. A post is
seen as its words (the classify tokenizer's tokens, so the locality's units
stay whole) and its character trigrams (for names the tokenizer splits),
weighted by how rare they are in posts about other incidents (IDF from our
corpus plus the posts seen in this run). Named places, units and companies
(anchors) are kept apart from that content. Similarity to an event is the
largest of: cosine of content to the event's centroid, cosine to one of its
posts (a repost matches the post it copies), and the share of the post's
content the event already has (a short post "柳树村强拆太过分了" belongs where
强拆 is); to it is added a bonus for each distinctive village, road, company or
school they share (and less for a town or an industrial park), provided their
content agrees a little, and a little for the same kind of incident. Companies
are named by name and trade (宏达化工, with or without 有限公司), and places named
after the locality (云溪宾馆) keep its name. A post and an event that name
different villages, companies or schools and no place in common are held
apart, and so are two kinds of incident with none in common (a canteen
poisoning and a teacher's beating at one school). A bare reaction with nothing
that names an incident (太惨了, 求真相) joins the busiest event of the hours
before it.
The locality's own names are removed first: every post mentions them. A post
marked ``duplicate_of`` joins its original's event directly.

The grouping state of an event (centroid, a few exemplar posts, anchors) is kept
in ``Event.features["grouping"]`` so grouping resumes across runs.

Cost (issue 17): a post is compared only with the events an index gives for its
most distinctive terms and places, in the stretch of time it could follow up on
(FOLLOW_UP_FACTOR windows each side), so events quiet for longer cost nothing and
the work per post is bounded (MAX_CANDIDATES) however many events are open, and an
event sharing a single one of those terms (MIN_HITS) is not scored at all.
Consolidation looks only at the events touched since it last ran, and not again at
a new event of one post none of whose neighbours changed since the post was scored
against them; an event merged away is read through a union-find. A post is grouped by its title and the start of
its text (GROUPING_CHARS) and its POST_TERMS most distinctive terms. The vocabulary numbers each term once,
when it is first counted, and keeps the counts in an array by number: a post's idf weights, the choice of its
most distinctive terms and its dot products with an event's vectors (all of the event's at once) are array
work on those numbers (TermIds), kept with the vectors, not a dictionary lookup per term each time. A long batch
(``grade --input``) is grouped part by part, oldest first (:meth:`Grouper.retire`).
"""
from __future__ import annotations

import math
import re
from collections import Counter, deque
from collections import _count_elements  # Counter.update's counting loop, without its checks
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache, reduce
from itertools import chain, compress, count, filterfalse, islice, repeat
from operator import add, itemgetter, mul, or_
from sys import intern

import numpy as np

from yuqing.hanzi import simplified

#: what a post is grouped by: its title and the start of its text (a long letter says what it is about
#: first), and its most distinctive terms
GROUPING_CHARS = 400
POST_TERMS = 150
#: a vocabulary numbers its terms afresh once it has numbered twice the terms it kept and this many more
#: (Vocabulary.forget_rare)
RENUMBER_SLACK = 4096
#: terms kept in a stored centroid and in each stored exemplar
CENTROID_TERMS = 400
EXEMPLAR_TERMS = 80
EXEMPLARS = 6
#: weight of a character trigram, and of a one-character word (桥, 房, 车), beside a word
TRIGRAM_WEIGHT = 0.35
SINGLE_CHAR_WEIGHT = 0.5
#: the share of a post's weight found in the event counts this much toward similarity
CONTAINMENT_WEIGHT = 0.75
#: weight a post needs before its containment is trusted fully
CONTAINMENT_MASS = 12.0
#: a post is contained in what an event mainly says: its this many weightiest words, kinds and figures (a big
#: event's whole centroid holds the common words of every post and would contain any post)
CONTAIN_TERMS = 60
#: similarity bonus per distinctive fine place (village, company, road, school) shared, and for a town shared
FINE_BONUS = 0.15
FINE_BONUS_MAX = 0.3
COARSE_BONUS = 0.05
#: places shared count only beside at least this much similarity of content
MIN_CONTENT = 0.05
#: bonus when the post and the event name the same fine place and the same kind of incident
SAME_PLACE_AND_KIND = 0.3
#: bonus when they name the same kind of incident and no places that differ
SAME_KIND = 0.05
#: a follow-up may join an event up to this many windows after its last post, if this much more similar
FOLLOW_UP_FACTOR = 5.0
FOLLOW_UP_MARGIN = 0.2
#: events scored per post (those sharing most terms and places); a term in more events than this
#: (in the stretch of time around the post) is too common to find candidates by
MAX_CANDIDATES = 12
COMMON_TERM_EVENTS = 40
#: an event sharing only one of a post's most distinctive terms (and no place) is not scored: at 8k real-style
#: posts a third of the events scored were such, and 9 of 1,394 joins came from them
MIN_HITS = 2
#: the candidate index holds each post's most distinctive terms (and an event's, each stretch of time it
#: reaches), by stretch of FOLLOW_UP_FACTOR windows: a post looks up its own stretch and the two beside it,
#: so events quiet for longer than a post could follow up on cost it nothing
INDEX_TERMS = 32
#: an event with a post in the hours just before is a little likelier (posts about one incident come together)
TIME_BONUS = 0.05
TIME_BONUS_HOURS = 6
#: new events of at most this many posts are reconsidered whole once a batch is grouped
SMALL_EVENT = 1
#: a post moves to another event when it fits that one this much better than its own; a post that fits
#: its own this well stays, and only the events sharing most with it are tried
REASSIGN_MARGIN = 0.1
REASSIGN_SETTLED = 0.5
REASSIGN_CANDIDATES = 15
#: a post with no place, no kind of incident and at most this many words is a bare reaction; it joins
#: the busiest event with a post in the hours before it
REACTION_WORDS = 4
#: a word this common (idf below) names nothing in particular
CONTENT_IDF = 3.0
REACTION_VOCABULARY = frozenset((
    "太", "惨", "过分", "离谱", "黑", "坑", "气人", "欺负人", "无法无天", "寒心", "丢人", "恶心", "支持", "顶", "转发", "关注", "扩散", "真相",
    "严查", "彻查", "希望", "这事", "这件", "事情", "事", "怎么", "回事", "咋", "为什么", "真的", "假的", "没人管", "没人", "管管", "管", "说法",
    "交代", "心疼", "可怜", "愤怒", "气愤", "无语", "唉", "哎", "天哪", "天啊", "吓人", "可怕", "恐怖", "安息", "一路走好", "祈祷", "平安", "加油",
    "同感", "一样", "同样", "附议", "顶上去", "帮顶", "求助", "求", "呼吁", "请", "大家", "网友", "知道", "后续", "进展", "结果", "消息", "回应",
    "官方", "处理", "解决", "还", "又", "都", "就", "也", "好", "坏", "大", "小", "多", "少", "看", "说", "问", "等", "去", "来", "有",
    "没", "不", "很", "真", "最", "更", "求真相", "求扩散", "转起来", "求证", "严惩", "震惊", "可悲", "悲哀", "心寒", "无耻",
))
REACTION_HOURS = 12
#: a reaction is weighed against at most this many of the events joined most recently (however many a
#: store holds, a reaction is about something that is being talked about now)
REACTION_EVENTS = 20
#: a reaction joins the recent event it fits best if it reaches this share of the similarity threshold
REACTION_FIT = 0.4
#: similarity kept when the post and the event name different fine places and none in common
PLACE_CONFLICT = 0.5
#: similarity kept when the post and the event name different kinds of incident and none in common
#: (at one school a canteen poisoning and a teacher's beating are two incidents)
KIND_CONFLICT = 0.5
#: an event whose posts fit its centroid less than this on average (its exemplars, by cosine) is diffuse: a bag
#: of posts about one kind of thing (complaints about noise, about property managers), not one incident. Its
#: centroid is the average of many stories and near enough to any new one, so it is compared by its posts only
#: (one story joins another through a post of it). On the grouping eval no event fits less than 0.39; events
#: of hundreds of unrelated messages fit 0.07-0.28.
COHERENT = 0.3

_REACTION_GAP = timedelta(hours=REACTION_HOURS)
_TIME_BONUS_GAP = timedelta(hours=TIME_BONUS_HOURS)

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@[\w\-\u4e00-\u9fff]{1,30}[:：]?")
#: a run of text (letters, digits, Chinese) long enough to hold a trigram
_TEXT_RUN = re.compile(r"[0-9a-zA-Z\u4e00-\u9fff]{3,}")
_REPOST_WORDS = re.compile(r"转发微博|转发|扩散|求扩散|帮转|已转|求关注")
#: a token ending like a place, unit or organisation is an anchor
_COARSE_SUFFIXES = ("省", "市", "县", "区", "镇", "乡", "街道")
#: places as large as a town, where many unrelated incidents happen (an industrial park): sharing one ties little
_AREA_SUFFIXES = ("工业园", "产业园", "开发区", "园区", "新区", "片区")
#: a company named by its trade (宏达化工, 昌盛物流, 鑫达电子): the name and the trade are the anchor, with or
#: without the legal form after them (有限公司, 集团)
_TRADES = ("化工", "物流", "电子", "建筑", "建设", "置业", "地产", "房地产", "纺织", "服装", "食品", "制药", "药业",
           "建材", "矿业", "水泥", "劳务", "科技", "实业", "商贸", "养殖", "路桥", "环保", "能源", "机械", "快递",
           "超市", "酒业", "陶瓷", "钢铁", "化肥", "塑料", "印染", "造纸", "木业", "家具", "汽修", "驾校", "燃气", "餐饮")
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "厂")
#: trades that name a company even without its legal form (宏达化工); others are common words too
#: (仿古建筑, 社区食品) and name one only with it (鑫源建筑公司)
_TRADES_ALONE = frozenset(("化工", "物流", "电子", "置业", "纺织", "制药", "药业", "建材", "矿业", "劳务", "实业", "商贸",
                           "路桥", "酒业", "陶瓷", "钢铁", "印染", "造纸", "木业"))
_FINE_SUFFIXES = ("村", "社区", "小区", "花园", "家园", "公寓", "大厦", "广场", "市场", "医院", "卫生院", "中学", "小学",
                  "一中", "二中", "三中", "一小", "二小", "三小", "幼儿园", "学校", "公司", "集团", "厂", "工地", "项目",
                  "酒店", "宾馆", "超市", "商场", "大道", "路", "街", "桥", "水库", "景区", "车站", "矿", "场", "合作社",
                  "名苑", "苑", "城", "园", "站", "中心", "银行", "加油站", "农家乐", "寺", "河", "湖")
_PLACE_SUFFIXES = _COARSE_SUFFIXES + _FINE_SUFFIXES
_LARGE_SUFFIXES = _COARSE_SUFFIXES + _AREA_SUFFIXES
_GENERIC_ANCHORS = frozenset(
    ["县政府", "镇政府", "政府", "医院", "学校", "公司", "派出所", "公安局", "工地", "项目", "小区", "社区", "村里",
     "本村", "我们村", "全村", "市场", "超市", "大道", "马路", "道路", "路上", "街上", "信访局", "镇里", "县里",
     "宾馆", "酒店", "中学", "小学", "幼儿园", "卫生院", "管理局", "住建局", "教育局", "环保局", "电视台", "农村", "城市",
     "县城", "进城", "回村", "村民", "全县", "全镇", "一路", "路口", "门口", "半路", "思路", "出路", "道路", "网路",
     "线路", "销路", "公路", "国道", "高速", "老街", "大街", "街道", "县委", "镇上", "乡下", "乡镇", "城区", "城管",
     "有限公司", "工业园", "工业园区", "产业园", "开发区", "物流园"]
)


#: kinds of incident, each with the words that name it: two posts naming the same kind agree on
#: what happened even in different words (房屋拆除 / 强拆 / 推倒了房子)
INCIDENT_KINDS: dict[str, tuple[str, ...]] = {
    "拆": ("拆迁", "拆除", "强拆", "拆房", "拆了", "推倒", "推平", "征收", "征地", "旧改", "棚改"),
    "撞": ("车祸", "相撞", "撞了", "撞上", "撞倒", "撞死", "追尾", "交通事故", "侧翻", "碾压", "剐蹭"),
    "毒": ("中毒", "呕吐", "腹泻", "拉肚子", "上吐下泻", "发烧", "食品安全", "变质", "吐了", "开始吐", "一直吐", "吃坏",
           "食堂", "午餐", "饭菜", "疫苗"),
    "薪": ("欠薪", "讨薪", "工资", "工钱", "血汗钱", "劳务费", "拖欠"),
    "污": ("污染", "排污", "偷排", "直排", "污水", "黑烟", "异味", "恶臭", "臭", "气味", "死鱼", "粉尘", "扬尘", "废气",
           "填埋", "垃圾场", "焚烧", "噪音", "噪声", "扰民"),
    "火": ("火灾", "起火", "着火", "失火", "大火", "烧毁", "浓烟", "火情", "消防车", "烧起来", "烧着了", "明火", "过火",
           "灭火", "扑灭"),
    "爆": ("爆炸", "爆燃", "巨响", "炸了"),
    "溺": ("溺水", "溺亡", "落水", "淹死", "游泳"),
    "堵": ("堵路", "拦路", "堵塞", "封路", "堵门", "围堵"),
    "塌": ("坍塌", "倒塌", "垮塌", "塌方", "塌了", "脱落", "滑坡", "断成", "断裂", "危桥", "危房"),
    "坠": ("坠落", "坠楼", "跌落", "摔下", "坠亡", "坠崖", "翻车", "掉下"),
    "聚": ("聚集", "静坐", "拉横幅", "举牌", "上访", "集访", "维权"),
    "打": ("殴打", "打人", "打伤", "斗殴", "冲突", "推搡", "砍伤", "持刀", "打起来", "打架", "互殴", "围殴", "棍棒",
           "体罚", "耳光", "掌掴", "罚站", "虐待"),
    "亡": ("死亡", "身亡", "去世", "遇难", "丧生", "没救回来", "抢救无效", "人没了", "离世", "无生命体征", "夭折"),
    "费": ("乱收费", "收费", "停车费", "收款码", "发票", "票据", "多收", "涨价", "价格", "费用"),
    "踏": ("踩踏", "拥挤", "挤倒"),
    "管": ("城管", "执法", "摊贩", "小贩", "摊位", "菜摊", "占道"),
    "失": ("走失", "失踪", "失联", "寻人", "找人"),
    "谣": ("谣言", "辟谣", "网传", "传言", "谣传", "不实", "造谣", "信谣", "传谣"),
    "水": ("自来水", "停水", "水质", "饮用水", "供水", "水管"),
    "电": ("停电", "断电", "供电", "电费"),
    "学": ("学校", "学生", "老师", "教师", "家长", "校长", "班主任", "学费", "资料费", "课后服务", "作业"),
    "医": ("医院", "医生", "护士", "看病", "手术", "患者", "病人", "卫生院", "诊所"),
    "腐": ("贪污", "受贿", "腐败", "挪用", "截留", "侵吞", "举报", "违纪", "纪委", "保护伞"),
    "保": ("低保", "养老金", "社保", "医保", "补贴", "救助", "五保", "残疾人"),
    "房": ("开发商", "烂尾", "交房", "房产证", "物业", "业主", "楼盘", "房款"),
    "钱": ("集资", "理财", "借贷", "网贷", "本金", "跑路", "爆雷", "诈骗", "被骗"),
    "兵": ("退役", "老兵", "军人", "优抚", "安置"),
    "游": ("旅游", "游客", "景区", "打卡", "花节", "桃花", "油菜花", "采摘", "风景", "民宿"),
    "庆": ("开幕", "举办", "节日", "晚会", "表彰", "获奖", "荣获", "比赛", "大赛"),
    "扶": ("扶贫", "贫困户", "脱贫", "帮扶", "振兴", "增收"),
    "噪": ("噪音", "噪声", "扰民", "吵", "打桩", "广场舞", "喇叭", "施工声"),
    "物": ("物业", "电梯", "业委会", "物业费", "停车费", "小区门禁"),
    "违": ("违建", "违章建筑", "私搭乱建", "乱搭", "占用", "侵占"),
    "燃": ("燃气", "煤气", "天然气", "液化气", "漏气"),
    "灾": ("暴雨", "洪水", "内涝", "洪涝", "泥石流", "山洪", "冰雹", "台风", "地震", "干旱", "防汛", "受灾", "被淹",
           "大雨", "的雨", "降雨", "下雨", "雨下", "积水", "冒水", "淹了", "看海", "变成河", "沙袋", "水漫", "水退", "泡水"),
    "采": ("采砂", "挖沙", "盗采", "砂船", "非法开采", "乱采", "采石", "私挖"),
    "盗": ("盗窃", "被偷", "小偷", "偷走", "失窃", "抢劫", "抢走", "入室"),
    "骗": ("诈骗", "骗局", "被骗", "传销", "套路贷", "骗子", "冒充"),
    "车": ("公交", "班车", "黑车", "出租车", "网约车", "停车位", "乱停", "占道停车"),
    "老": ("养老院", "敬老院", "老人院", "护理院", "养老服务"),
    "食": ("食品", "餐馆", "饭店", "外卖", "过期", "假货", "添加剂", "地沟油", "病死猪"),
    "环": ("垃圾", "环境卫生", "脏乱差", "保洁", "环卫"),
    "官": ("干部", "书记", "镇长", "县长", "村主任", "村支书", "局长", "官员", "领导"),
    "警": ("派出所", "民警", "警察", "报警", "立案", "刑拘", "拘留"),
    "商": ("招商", "签约", "开工", "投产", "项目落地", "企业"),
    "路": ("路灯", "坑洼", "修路", "积水", "红绿灯", "公交", "停车"),
    "证": ("办理", "补办", "材料", "窗口", "身份证", "证件", "社保卡", "咨询"),
}
#: kinds that name a field (schools, hospitals, officials) rather than what happened: they add to the
#: likeness of content but do not tie a post to an event by themselves
FIELD_KINDS = frozenset({"学", "医", "官", "警", "保", "房", "路", "证", "游", "庆", "扶", "商", "物", "车", "老", "食", "环",
                         "水", "电", "兵"})
#: the weight of a kind of incident, and of a figure (23名, 60万), beside a word's 1.0
KIND_WEIGHT = 1.5
NUMBER_WEIGHT = 1.0
#: a figure (not the end of a longer one: no digit or point before it) and its unit. The look behind follows
#: the first digit, where it reads the same, so that the regex engine can skip from digit to digit
_COUNT = re.compile(r"([0-9](?<![0-9.][0-9])[0-9]{0,5}(?:\.[0-9]+)?)\s*(万元|余名|多名|名|人|户|万|元|亩|家|辆|间|套|吨)")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_PERSON = re.compile(rf"([{_SURNAMES}])某|老([{_SURNAMES}])(?=[家头哥叔伯师大一二三，。、的])")


def _kind_words_by_head() -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, str]]]:
    """The kinds' words of two characters or more by their first two characters, and those of one."""
    heads: dict[str, list[tuple[str, str]]] = {}
    singles: list[tuple[str, str]] = []
    for kind, words in INCIDENT_KINDS.items():
        for w in words:
            if len(w) == 1:
                singles.append((w, kind))
            else:
                heads.setdefault(w[:2], []).append((w, kind))
    return heads, singles


_KIND_HEADS, _KIND_CHARS = _kind_words_by_head()
#: the text's character pairs that may start a kind's word (its first character, then one that can be its
#: second), found by the regex engine at every position, overlapping
_KIND_PAIRS = re.compile("(?=([%s][%s]))" % ("".join(map(re.escape, sorted({h[0] for h in _KIND_HEADS}))),
                                            "".join(map(re.escape, sorted({h[1] for h in _KIND_HEADS})))))


def incident_kinds(text: str) -> set[str]:
    """The kinds of incident whose words the text contains: the pairs of characters that may start one are
    found at once (in C) and looked up among the words' first two characters, and a longer word is then
    looked for in the text."""
    found: set[str] = set()
    for head in _KIND_HEADS.keys() & _KIND_PAIRS.findall(text):
        for w, kind in _KIND_HEADS[head]:
            if len(w) == 2 or w in text:
                found.add(kind)
    found.update(kind for c, kind in _KIND_CHARS if c in text)
    return found


def normalize(text: str, locality_names: tuple[str, ...] = ()) -> str:
    """Text reduced to what identifies the incident: no links, @names, repost marks or the locality's own names."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _REPOST_WORDS.sub(" ", text)
    for name in locality_names:
        text = text.replace(name, " ")
    return text


_SUBLINEAR = tuple(1.0 + math.log(n) if n else 0.0 for n in range(64))


_TRIGRAM_TF = tuple(w * TRIGRAM_WEIGHT for w in _SUBLINEAR)
_KIND_TERMS = {kind: intern(f"k:{kind}") for kind in INCIDENT_KINDS}
#: the terms of kinds (a term made of a kind is one of these)
_KIND_TERM_SET = frozenset(_KIND_TERMS.values())


def _sublinear(n: int) -> float:
    """1 + log n, the weight of a term seen n times (looked up for the counts most terms have)."""
    return _SUBLINEAR[n] if n < 64 else 1.0 + math.log(n)


def _is_cjk(token: str) -> bool:
    return len(token) == 1 and "\u4e00" <= token <= "\u9fff"


def trigrams(text: str, prefix: str = "") -> Counter:
    """Character trigrams inside each run of text (never across punctuation), each after ``prefix``
    (``c:`` names them as terms), counted in C."""
    return Counter([prefix + run[i:i + 3] for run in _TEXT_RUN.findall(text) for i in range(len(run) - 2)])


def ngrams(text: str) -> Counter:
    """Terms of a text without a tokenizer: its trigrams (used for the background vocabulary too)."""
    return trigrams(text, "c:")


def is_anchor(token: str, units: frozenset[str] = frozenset()) -> bool:
    return token in units or _anchor_shaped(token)


@lru_cache(maxsize=16384)
def _anchor_shaped(token: str) -> bool:
    """Ends as a place, unit or organisation does (and is more than the bare word for one)."""
    return len(token) >= 3 and token not in _GENERIC_ANCHORS and token.endswith(_PLACE_SUFFIXES)


@lru_cache(maxsize=65536)
def is_fine_place(token: str) -> bool:
    return token.endswith(_FINE_SUFFIXES) and not is_coarse(token) and not token.startswith("人:")


def is_coarse(token: str) -> bool:
    """A place as large as a town: a county, town, district or industrial park."""
    return token.endswith(_LARGE_SUFFIXES)


def canonical_anchor(anchor: str) -> str:
    """One spelling per place: 东湖工业园区 → 东湖工业园, 宏达化工有限公司 → 宏达化工."""
    if anchor.endswith("园区") and len(anchor) > 3:
        anchor = anchor[:-1]
    for form in _LEGAL_FORMS:
        if anchor.endswith(form) and anchor[: -len(form)].endswith(_TRADES) and len(anchor) - len(form) >= 4:
            return anchor[: -len(form)]
    return anchor


_TRADE_SET, _LEGAL_FORM_SET = frozenset(_TRADES), frozenset(_LEGAL_FORMS)
#: what a token is, for anchors(): shaped like an anchor, a place word, a trade that names a company alone,
#: a trade, a trade with its legal form (服装厂, 化工有限公司)
_SHAPED, _PLACE_WORD, _TRADE_ALONE, _TRADE, _TRADE_WITH_FORM = 1, 2, 4, 8, 16
#: the last characters of the words that give a token a shape: a token ending otherwise has none
_SHAPE_ENDS = frozenset(w[-1] for w in (*_PLACE_SUFFIXES, *_TRADES, *_TRADES_ALONE, *_LEGAL_FORMS))
_LAST_CHAR = itemgetter(slice(-1, None))  # (an empty token has none)


@lru_cache(maxsize=16384)
def _token_shape(t: str) -> int:
    return ((_SHAPED if _anchor_shaped(t) else 0) | (_PLACE_WORD if _is_place_word(t) else 0)
            | (_TRADE_ALONE if t in _TRADES_ALONE else 0) | (_TRADE if t in _TRADE_SET else 0)
            | (_TRADE_WITH_FORM if t.endswith(_LEGAL_FORMS) and t[:2] in _TRADE_SET else 0))


def anchors(text: str, units: tuple[str, ...] = (), tokens: list[str] | None = None) -> set[str]:
    """Named places, units and organisations: configured sub-units and terms, tokens ending as places do,
    and a name joined to the place word the tokenizer cut off (城关 + 二小 → 城关二小, 顺发 + 服装厂)."""
    unit_set = frozenset(units)
    found = {u for u in units if u in text}
    tokens = list(tokens or ())
    covered: set[str] = set()  # parts of a longer name found (化工有限公司 inside 宏达化工有限公司)
    last = len(tokens) - 1
    # a token names something only if it has a shape or is a unit: the others (most) are passed over in C,
    # by their last character
    marked = map(_SHAPE_ENDS.__contains__, map(_LAST_CHAR, tokens))
    if unit_set:
        marked = map(or_, marked, map(unit_set.__contains__, tokens))
    for i in compress(range(len(tokens)), marked):
        t = tokens[i]
        shape = _token_shape(t)
        if shape & _SHAPED or t in unit_set:  # is_anchor
            found.add(t)
        if i and shape & _PLACE_WORD and t not in unit_set and _is_name_part(tokens[i - 1]) \
                and tokens[i - 1] not in _TRADE_SET and tokens[i - 1] not in unit_set:
            joined = tokens[i - 1] + t
            if joined in text and is_anchor(joined, unit_set):
                found.add(joined)
                if not is_anchor(t, unit_set):  # 工业园 alone names no place
                    covered.add(t)
        if shape & _TRADE_ALONE or (shape & _TRADE and i < last and tokens[i + 1] in _LEGAL_FORM_SET) \
                or shape & _TRADE_WITH_FORM:
            name = _name_before(tokens, i)
            if name and name + t in text:
                company = canonical_anchor(name + t)
                found.add(company)
                covered.update(x for x in found if x != company and x in name + t)
    return {canonical_anchor(a) for a in found - covered}


def _name_before(tokens: list[str], i: int) -> str:
    """The proper name just before token ``i``: one word of two or three characters (宏达), or up to three
    single characters a tokenizer split off an unknown name (鑫 达)."""
    if i and 2 <= len(tokens[i - 1]) <= 3 and _is_name_part(tokens[i - 1]) and tokens[i - 1] not in _TRADES \
            and not tokens[i - 1].endswith(_COARSE_SUFFIXES):
        return tokens[i - 1]
    j = i
    while j and i - j < 3 and _is_cjk(tokens[j - 1]):
        j -= 1
    return "".join(tokens[j:i]) if i - j >= 2 else ""


#: words that point at a place rather than name it (这家宾馆, 那个小区, 该公司)
_POINTING = ("这", "那", "该", "本", "此", "某", "每", "各", "哪", "整")


@lru_cache(maxsize=16384)
def _is_place_word(token: str) -> bool:
    return token.endswith(_PLACE_SUFFIXES) and len(token) <= 4


@lru_cache(maxsize=16384)
def _is_name_part(token: str) -> bool:
    """A word that can name a place: Chinese, and not itself a place with its own name (东湖 is a name; 工业园 is not)."""
    if len(token) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in token) or token.startswith(_POINTING):
        return False
    return len(token) == 2 or not _is_place_word(token)


_SUFFIXES_LONGEST_FIRST = tuple(sorted(_PLACE_SUFFIXES, key=len, reverse=True))


@lru_cache(maxsize=65536)
def anchor_stem(anchor: str) -> str:
    """The name part of an anchor: 顺发服装厂 → 顺发服装, 柳树村 → 柳树."""
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if anchor.endswith(suffix) and len(anchor) > len(suffix):
            return anchor[: -len(suffix)]
    return anchor


def same_anchor(a: str, b: str) -> bool:
    """The same place named two ways: equal, or one name part starting the other (顺发厂 / 顺发服装厂)."""
    if a == b:
        return True
    if a[-1] != b[-1]:  # another kind of place (云溪一中 / 云溪大道)
        return False
    sa, sb = anchor_stem(a), anchor_stem(b)
    return len(sa) >= 2 and len(sb) >= 2 and (sa.startswith(sb) or sb.startswith(sa)) and \
        is_fine_place(a) == is_fine_place(b)


@lru_cache(maxsize=65536)
def _anchor_key(anchor: str) -> tuple[str, str]:
    """What two names of one place share (see same_anchor): the last character, and the first two of the name."""
    return anchor[-1], anchor_stem(anchor)[:2]


class AnchorNames:
    """A set of anchors that answers "is this place among them, under this name or another" without
    comparing it with every name: names are kept by what two names of one place share (worked out the
    first time a name is not found as it is, then kept up to date as names are added)."""

    __slots__ = ("names", "_by_key", "_gone")

    def __init__(self, names=()):
        self.names = set(names)
        self._by_key: dict[tuple[str, str], list[str]] | None = None
        self._gone: frozenset[str] = frozenset()  # names left out (see without)

    def add(self, name: str) -> None:
        if name not in self.names:
            self.names.add(name)
            if self._by_key is not None:
                self._by_key.setdefault(_anchor_key(name), []).append(name)

    def _keys(self) -> dict[tuple[str, str], list[str]]:
        if self._by_key is None:
            by_key: dict[tuple[str, str], list[str]] = {}
            for name in self.names:
                by_key.setdefault(_anchor_key(name), []).append(name)
            self._by_key = by_key
        return self._by_key

    def __contains__(self, anchor: str) -> bool:
        names, gone = self.names, self._gone
        if anchor in names and anchor not in gone:
            return True
        near = (self._by_key if self._by_key is not None else self._keys()).get(_anchor_key(anchor))
        return near is not None and any(same_anchor(anchor, b) for b in near if b in names and b not in gone)

    def without(self, gone) -> AnchorNames:
        """The same names less ``gone`` (sharing the names and what was worked out for them)."""
        other = AnchorNames.__new__(AnchorNames)
        other.names, other._by_key, other._gone = self.names, self._keys(), self._gone | frozenset(gone)
        return other

    def __bool__(self) -> bool:
        return len(self.names) > len(self._gone) or any(n not in self._gone for n in self.names)

    def __iter__(self):
        return (n for n in self.names if n not in self._gone)


class Vocabulary:
    """Document frequencies of terms: a background corpus plus what this run has seen. The terms are
    numbered as they are first met (``terms``) and counted by number in an array, so that a post's or an
    event's idf weights are worked out on arrays, from numbers the dot products use too (TermIds)."""

    def __init__(self, df: dict[str, int] | None = None, docs: int = 0):
        self.terms = TermIds()
        self.docs = docs
        if df:
            ids = self.terms.of(list(df))
            self.terms.counts[ids] = list(df.values())
        self._kept = len(self.terms)  # terms numbered when it was last made compact (see forget_rare)

    @classmethod
    def from_terms(cls, term_sets) -> Vocabulary:
        v = cls()
        for terms in term_sets:
            v.add(terms)
        return v

    def copy(self) -> Vocabulary:
        """The same counts, in a vocabulary of its own (its terms numbered as they are numbered here; copied
        in C, as each grouping begins from the background vocabulary)."""
        other = Vocabulary.__new__(Vocabulary)
        other.terms, other.docs, other._kept = self.terms.copy(), self.docs, self._kept
        return other

    @property
    def df(self) -> dict[str, int]:
        """The posts each term was seen in, by term (the terms seen in none left out)."""
        counts = self.terms.counts[:len(self.terms)].tolist()
        return {t: n for t, n in zip(self.terms, counts) if n}

    def add(self, terms) -> None:
        """Count a post's terms (a post's tf: its numbers are kept with it when it is a Weights vector)."""
        if type(terms) is Weights:
            ids = self.terms.numbered(terms)
        else:
            ids = self.terms.of(list(dict.fromkeys(terms)))
        self.terms.counts[ids] += 1
        self.docs += 1
        self._memo = None

    def forget_rare(self) -> None:
        """Forget the terms seen in one post only (an unseen term weighs the same): their count goes back to
        nothing, and once most of the terms numbered are such, the terms left are numbered afresh (what is
        kept stays the size of the terms that recur)."""
        terms = self.terms
        counts = terms.counts[:len(terms)]
        counts[counts == 1] = 0
        self._memo = None
        if len(terms) > 2 * self._kept + RENUMBER_SLACK:
            kept = np.flatnonzero(counts)
            fresh = TermIds()
            fresh.update(zip(compress(terms, (counts > 0).tolist()), range(1, 1 + len(kept))))
            fresh.of(())  # (its arrays made as long as its numbers)
            fresh.counts[1:1 + len(kept)] = counts[kept]
            self.terms, self._kept = fresh, len(fresh)

    def freeze(self) -> None:
        """Work idf out from a table by count (until the next ``add``)."""
        self._memo = _IdfTable(self)

    _memo: _IdfTable | None = None

    def idf(self, term: str) -> float:
        terms = self.terms
        n = terms.counts[terms.get(term, 0)]
        memo = self._memo
        if memo is not None:
            return memo.by_count[n]
        return math.log((1 + self.docs) / (1 + int(n))) + 1.0

    def idfs(self, ids: np.ndarray) -> np.ndarray:
        """The idf of the terms numbered ``ids`` (of a frozen vocabulary)."""
        return self._memo.array.take(self.terms.counts.take(ids))


class _IdfTable:
    """The idf of a frozen vocabulary: a term seen in n posts weighs what every term seen in n posts weighs,
    so there is one logarithm per count (each worked out as the unfrozen vocabulary does, to the last bit),
    and the idf of a post's terms is one gather by their counts. The table stands for one state of the
    vocabulary: weights computed with it are kept while it is the vocabulary's (see PostWeights.memo)."""

    __slots__ = ("by_count", "array")

    def __init__(self, vocab: Vocabulary):
        terms, docs = vocab.terms, vocab.docs
        most = int(terms.counts[:len(terms)].max())
        self.by_count = [math.log((1 + docs) / (1 + n)) + 1.0 for n in range(most + 1)]
        self.array = np.array(self.by_count)


def thread_keys(record) -> list[str]:
    """Keys that put posts of one page together: its URL (without a fragment)."""
    keys = []
    url = (record.url or "").strip()
    if url:
        base = url.split("#", 1)[0].rstrip("/")
        if base.count("/") >= 3:  # a page, not a bare site
            keys.append(f"url:{base}")
    return keys


@dataclass
class PostVector:
    post_id: int
    tf: dict[str, float]  # sublinear term frequency times the kind of term's weight
    anchors: set[str]
    fine_places: set[str]
    when: datetime | None  # None: unknown (a post given without a time fits any event's window)
    duplicate_of: int | None = None
    threads: list[str] = field(default_factory=list)
    weights: PostWeights | None = field(default=None, repr=False, compare=False)  # see Grouper._weights
    bare: bool | None = field(default=None, repr=False, compare=False)  # see Grouper._bare_reaction
    candidates: list[int] | None = field(default=None, repr=False, compare=False)  # scored against (Grouper.best)
    exemplar: dict[str, float] | None = field(default=None, repr=False, compare=False)  # made of it (EventState.add)


class PostWeights:
    """A post's terms weighted by idf, with what scoring reads of them, for one state of the vocabulary."""

    __slots__ = ("memo", "vec", "norm", "mass", "kinds", "query")

    def __init__(self, pv: PostVector, vocab: Vocabulary, weighted: dict[str, float] | None = None):
        self.memo = vocab._memo
        self.vec = _weighted(pv.tf, vocab, Weights) if weighted is None else weighted
        self.norm = _norm(self.vec)
        # the weight of its words, kinds and figures (not trigrams): how much containment can be trusted
        self.mass = sum(w for t, w in self.vec.items() if t[0] != "c")
        self.kinds = {t for t in self.vec if t[0] == "k" and t[2:] not in FIELD_KINDS}
        self.query: list[str] | None = None  # what the post is looked up by (Grouper._post_terms)


class TermIds(dict):
    """Terms numbered as they are first met, with what is kept by number: the posts each term was seen in
    (``counts``, the vocabulary's), and an array the post being scored is spread over (``dense``), so that
    dot products are worked out on arrays, each vector of an event a gather from it, all of an event's at
    once (see EventView.dots). A vocabulary keeps one numbering until it forgets most of what it numbered
    (Vocabulary.forget_rare). Number 0 is a term no post has (``dense`` is 0 there)."""

    __slots__ = ("stamp", "dense", "counts", "loaded", "_loaded_ids")

    _stamps = count()

    def __init__(self):
        super().__init__({"": 0})
        #: what numbers kept with a vector name their numbering by (not the numbering itself: a vector loaded
        #: would hold the numbering that holds it, a cycle kept while the cyclic garbage collector is paused)
        self.stamp = next(self._stamps)
        self.dense = np.zeros(4096)
        self.counts = np.zeros(4096, np.int32)
        self.loaded: object = None  # what the array holds
        self._loaded_ids: np.ndarray | None = None

    def of(self, terms) -> np.ndarray:
        """The numbers of these terms, numbering the new ones (a lookup each, in C, for the terms known)."""
        ids = np.fromiter(map(self.__getitem__, terms), np.int32, len(terms))
        if len(self) > len(self.dense):
            grown, counts = np.zeros(2 * len(self)), np.zeros(2 * len(self), np.int32)
            grown[:len(self.dense)], counts[:len(self.counts)] = self.dense, self.counts
            self.dense, self.counts = grown, counts
        return ids

    def copy(self) -> TermIds:
        """The same numbers and counts, numbered on in a numbering of its own."""
        other = TermIds()
        dict.update(other, self)
        other.dense, other.counts = np.zeros(len(self.dense)), self.counts.copy()
        return other

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number

    def numbered(self, vec: dict[str, float]) -> np.ndarray:
        """The numbers of a vector's terms, kept with a Weights vector: its terms are only ever added to or
        weighed again in place, so the numbers of the first ones stay right and only the new ones are looked up."""
        kept = getattr(vec, "numbered", None)
        if kept is None or kept[0] != self.stamp:
            ids = self.of(vec)
        elif len(kept[1]) < len(vec):
            ids = np.concatenate((kept[1], self.of(list(islice(vec, len(kept[1]), None)))))
        else:
            return kept[1]
        if type(vec) is Weights:
            vec.numbered = (self.stamp, ids)
        return ids

    def load(self, vec: Weights, key) -> np.ndarray:
        """The array holding a vector's weights at its terms' numbers, and nothing else: the post being
        scored, or an event's centroid (``key`` is what the weights stand for: the post's weights, the
        event's view; an event's centroid changes in place, and the event's view with it)."""
        if self.loaded is not key:  # (put and take: numpy's [] converts the numbers' int32 more slowly)
            if self._loaded_ids is not None:
                self.dense.put(self._loaded_ids, 0.0)
            ids = self.numbered(vec)
            self.dense.put(ids, np.fromiter(vec.values(), float, len(ids)))
            self.loaded, self._loaded_ids = key, ids
        return self.dense


class Weights(dict):
    """An idf-weighted vector of an event (its centroid, an exemplar), with its terms' numbers kept
    (TermIds.numbered). Its terms are only added to or weighed again, never taken out."""

    __slots__ = ("numbered",)


_NOTHING_ID, _NOTHING_WEIGHT = np.zeros(1, np.int32), (0.0,)
_FIRST_SEGMENT = np.zeros(1, np.intp)


class _Packed:
    """An event's vectors in one array of term numbers and weights, for TermIds.load's array: its centroid,
    each exemplar and its main terms (weight 1: the post's weight there is summed), each one segment. A
    segment starts with term 0, of weight 0 (no segment is empty; the sum is the same)."""

    __slots__ = ("stamp", "ids", "weights", "starts", "_first")

    def __init__(self, terms: TermIds, vectors: list):
        self.stamp = terms.stamp
        ids, weights, starts, at = [], [], [], 0
        for vec in vectors:
            starts.append(at)
            ids += (_NOTHING_ID, terms.numbered(vec))
            weights += (_NOTHING_WEIGHT, vec.values())
            at += 1 + len(vec)
        self.ids = np.concatenate(ids)
        self.weights = np.fromiter(chain.from_iterable(weights), float, at)
        self.starts = np.array(starts, dtype=np.intp)
        self._first = None

    def dots(self, dense: np.ndarray) -> list[float]:
        """The dot product of each segment with the array: the same sum in every run, its terms being in
        the order of the vector's (a sum over the set of terms shared followed the set's order, which changes
        with Python's hash seed, and so did the events of a large batch)."""
        return np.add.reduceat(dense.take(self.ids) * self.weights, self.starts).tolist()

    def first_dot(self, dense: np.ndarray) -> float:
        """The first segment's dot product alone (a reduceat over it is the same sum as in ``dots``)."""
        if self._first is None:
            end = int(self.starts[1]) if len(self.starts) > 1 else len(self.ids)
            self._first = (self.ids[:end], self.weights[:end])
        ids, weights = self._first
        return np.add.reduceat(dense.take(ids) * weights, _FIRST_SEGMENT)[0].item()


def _weighted(tf: dict[str, float], vocab: Vocabulary, into: type = dict) -> dict[str, float]:
    """Each term's weight times its idf: on arrays by the terms' numbers when the vocabulary is frozen (the
    numbers then kept with a Weights vector made, and read from one weighed)."""
    if vocab._memo is None:
        return into(zip(tf, map(mul, tf.values(), map(vocab.idf, tf))))
    ids = vocab.terms.numbered(tf)
    out = into(zip(tf, (np.fromiter(tf.values(), float, len(ids)) * vocab.idfs(ids)).tolist()))
    if into is Weights:
        out.numbered = (vocab.terms.stamp, ids)
    return out


def _values_at(vec: dict[str, float], terms) -> np.ndarray:
    """The vector's weights at these terms, NaN where it has none."""
    return np.fromiter(map(vec.get, terms, repeat(math.nan)), float, len(terms))


def _number_added(vec: Weights, terms: TermIds, ids: np.ndarray, added: np.ndarray) -> None:
    """Keep a vector's numbers whole as a post's terms are added to it: the new terms, at its end, are
    numbered as in the post (not looked up again)."""
    kept = getattr(vec, "numbered", None)
    if kept is not None and kept[0] == terms.stamp and len(kept[1]) == len(vec) - int(np.count_nonzero(added)):
        vec.numbered = (kept[0], np.concatenate((kept[1], ids[added])))


def _norm(vec: dict[str, float]) -> float:
    weights = vec.values()
    return math.sqrt(sum(map(mul, weights, weights))) or 1.0


def _largest(k: int, items, key) -> list:
    """The ``k`` items with the largest keys, ties in the order given: ``heapq.nlargest`` by one sort in C
    (faster for the few hundred terms of a post or an event)."""
    return sorted(items, key=key, reverse=True)[:k]


def _top(vec: dict[str, float], k: int, vocab: Vocabulary | None = None,
         weighted: dict[str, float] | None = None) -> Weights:
    """The ``k`` terms of ``vec`` weighing most (times their idf, given a vocabulary or the weighted terms),
    the weightiest first, ties in the order of ``vec`` (as ``sorted(..., reverse=True)``), with the numbers
    of its terms when ``vec`` has them kept."""
    n = len(vec)
    if n <= k:
        out, keep = Weights(vec), None
    else:
        if weighted is None and vocab is not None:
            weighted = _weighted(vec, vocab)
        weights = np.fromiter(vec.values() if weighted is None else map(weighted.__getitem__, vec), float, n)
        if (weights[1:] <= weights[:-1]).all():  # weightiest first already (a post kept by its most distinctive
            out, keep = Weights(islice(vec.items(), k)), slice(k)  # terms): the sort would keep its order
        else:
            keep = np.argsort(-weights, kind="stable")[:k].tolist()
            terms, values = list(vec), list(vec.values())
            out = Weights(zip(map(terms.__getitem__, keep), map(values.__getitem__, keep)))
    numbered = getattr(vec, "numbered", None)
    if numbered is not None and len(numbered[1]) == n:
        out.numbered = numbered if keep is None else (numbered[0], numbered[1][keep])
    return out


#: tokens whose term TermReader remembers (then the memory starts again)
WORDS_CACHED = 200_000


class _WordTerms(dict):
    """A token's term and weight, None for a token that is no word (a word is two characters or more, or
    one Chinese character, as _is_cjk): worked out once per token, as a post's tokens are mostly known."""

    def __missing__(self, token: str) -> tuple[str, float] | None:
        if len(token) >= 2:
            word = (intern("w:" + token), 1.0)
        elif "\u4e00" <= token <= "\u9fff":
            word = (intern("w:" + token), SINGLE_CHAR_WEIGHT)
        else:
            word = None
        if len(self) >= WORDS_CACHED:
            self.clear()
        self[token] = word
        return word


class TermReader:
    """The terms of a post: words (tokenizer) and character trigrams, anchors marked."""

    def __init__(self, tokenizer=None, locality_names: tuple[str, ...] = (), units: tuple[str, ...] = ()):
        # the text's own words: the 舆情 lexicon's kind tokens would join stories that share a kind of harm
        self.tokenizer = tokenizer.words_only() if hasattr(tokenizer, "words_only") else tokenizer
        self.locality_names = tuple(sorted(set(locality_names), key=len, reverse=True))
        self.units = tuple(units)
        self._unit_set = frozenset(units)
        self._words = _WordTerms()
        # a short name of the locality (not 云溪县 itself) followed, perhaps after two characters, by a place
        # word: 云溪宾馆, 云溪二中 (not 云溪县人民医院: that is the county's hospital, written 县人民医院 too)
        short = [re.escape(n) for n in self.locality_names if not n.endswith(_COARSE_SUFFIXES)]
        places = "|".join(re.escape(x) for x in sorted(_FINE_SUFFIXES, key=len, reverse=True) if len(x) >= 2)
        self._named_after = re.compile(
            rf"(?:{'|'.join(short)})(?![省市县区镇乡])[\u4e00-\u9fff]{{0,2}}?(?:{places})") if short else None

    def read(self, raw: str) -> tuple[dict[str, float], set[str]]:
        text = self.strip_locality(raw)
        tokens = list(filterfalse(str.isdigit, self.tokenizer.tokens(text))) if self.tokenizer is not None else []
        found = anchors(text, self.units, tokens)
        tf = {}
        words = self._words
        for t, n in Counter(tokens).items():
            word = words[t]
            if word is not None and t not in found:
                tf[word[0]] = (_SUBLINEAR[n] if n < 64 else _sublinear(n)) * word[1]
        content = text
        for a in sorted(found, key=lambda a: (-len(a), a)):  # longest first (in one order, whatever the run)
            content = content.replace(a, " ")
        grams = trigrams(content, "c:")
        if len(grams) and max(grams.values()) < len(_TRIGRAM_TF):
            tf.update(zip(grams, map(_TRIGRAM_TF.__getitem__, grams.values())))
        else:
            for g, n in grams.items():
                tf[g] = _sublinear(n) * TRIGRAM_WEIGHT
        for kind in sorted(incident_kinds(text)):
            tf[_KIND_TERMS[kind]] = KIND_WEIGHT
        for number, unit in _COUNT.findall(text):  # 23名幼儿, 60万元, 3人死亡: the same figures, the same incident
            tf[intern(f"n:{number}{unit}")] = NUMBER_WEIGHT
        if "某" in text or "老" in text:  # (what _PERSON needs: most posts have neither)
            for m in _PERSON.finditer(text):  # 王某, 李某某, 老李: the same person named the ways news and posts do
                found.add(f"人:{m.group(1) or m.group(2)}")
        return tf, found

    def strip_locality(self, raw: str) -> str:
        """Remove the locality's own names, but not from inside its units (云溪大道 keeps 云溪) nor from
        places named after the locality (云溪宾馆, 云溪中学: a hotel, not the county)."""
        keep = [u for u in self.units if u in raw and any(n in u for n in self.locality_names)]
        if self._named_after is not None:
            keep += sorted({m.group(0) for m in self._named_after.finditer(raw)} - set(keep), key=len, reverse=True)
        for i, u in enumerate(keep):
            raw = raw.replace(u, f"\x00{i}\x00")
        text = normalize(raw, self.locality_names)
        for i, u in enumerate(keep):
            text = text.replace(f"\x00{i}\x00", u)
        return text

    def terms(self, raw: str) -> set[str]:
        return set(self.read(raw)[0])


@dataclass
class EventState:
    """The grouping state of one event, in memory."""

    key: int  # the Event id, or a negative number for an event not yet stored
    centroid: dict[str, float] = field(default_factory=Weights)  # summed normalized tf of its posts
    count: int = 0
    exemplars: list[dict[str, float]] = field(default_factory=list)
    anchors: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)  # kinds of incident, by posts naming them
    first_at: datetime | None = None
    last_at: datetime | None = None
    post_ids: list[int] = field(default_factory=list)
    new_post_ids: list[int] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)  # URLs and titles of its posts
    closed: bool = False  # a merged or closed event takes no posts

    # cache of idf-weighted centroid and exemplars, dropped when the state changes, and the view built on it
    _cache: tuple | None = field(default=None, repr=False)
    _view: tuple | None = field(default=None, repr=False)
    _names: AnchorNames | None = field(default=None, repr=False)  # every place it names, kept as posts come
    found_by: list[str] | None = field(default=None, repr=False)  # as stored (see found_by_terms)
    changed: int = field(default=0, repr=False)  # when it last took or lost posts (Grouper._clock)
    #: a new event of one post: when the post was placed, and the events it was scored against then
    settled: tuple[int, list[int]] | None = field(default=None, repr=False)

    def main(self, counter: Counter) -> set[str]:
        """What at least a third of the event's posts name (all of it for a small event)."""
        least = max(1.0, self.count / 3)
        return {k for k, n in counter.items() if n >= least}

    @property
    def main_anchors(self) -> set[str]:
        return self.main(self.anchors)

    @property
    def main_kinds(self) -> set[str]:
        return self.main(self.kinds)

    @property
    def fine_places(self) -> set[str]:
        return {a for a in self.main_anchors if is_fine_place(a)}

    def to_features(self, vocab: Vocabulary) -> dict:
        return {
            "centroid": {t: round(w, 4) for t, w in _top(self.centroid, CENTROID_TERMS, vocab).items()},
            "count": self.count,
            "exemplars": [{t: round(w, 3) for t, w in e.items()} for e in self.exemplars],
            "anchors": dict(self.anchors.most_common(30)),
            "kinds": dict(self.kinds),
            "threads": sorted(self.threads)[-50:],
            "found_by": self.found_by_terms(vocab),
        }

    def found_by_terms(self, vocab: Vocabulary) -> list[str]:
        """The terms the candidate index finds the event by (its most distinctive, kinds and places aside),
        kept with its state so that loading an open event does not weigh its whole centroid again."""
        weighted = _weighted(self.centroid, vocab)
        return _largest(2 * INDEX_TERMS, [t for t in weighted if t[0] != "k"], weighted.__getitem__)

    @classmethod
    def from_features(cls, key: int, features: dict, first_at, last_at, post_ids=()) -> EventState:
        g = (features or {}).get("grouping") or {}
        return cls(
            key=key,
            centroid=Weights(g.get("centroid") or {}),
            count=int(g.get("count") or 0),
            exemplars=[Weights(e) for e in g.get("exemplars") or []],
            anchors=Counter(g.get("anchors") or {}),
            kinds=Counter(g.get("kinds") or {}),
            threads=set(g.get("threads") or []),
            first_at=first_at,
            last_at=last_at,
            post_ids=list(post_ids),
            found_by=list(g["found_by"]) if isinstance(g.get("found_by"), list) else None,
        )

    def add(self, pv: PostVector, vocab: Vocabulary) -> None:
        n = _norm(pv.tf)
        memo = vocab._memo
        cache = self._cache if memo is not None else None  # weights can be updated in place
        centroid = self.centroid
        if cache is None and not centroid:  # a new event: its centroid is the post's (numbered as the post's)
            self.centroid = Weights(zip(pv.tf, [w / n for w in pv.tf.values()]))
            if getattr(pv.tf, "numbered", None) is not None:
                self.centroid.numbered = pv.tf.numbered
        else:  # on arrays, each term's sum the same as term by term (the terms of a post are distinct)
            tf = pv.tf
            share = np.fromiter(tf.values(), float, len(tf)) / n
            before = _values_at(centroid, tf)
            added = np.isnan(before)  # the terms it did not have: added at its end, in the post's order
            before[added] = 0.0
            centroid.update(zip(tf, (before + share).tolist()))
            if cache is not None:
                ids = vocab.terms.numbered(tf)
                _number_added(centroid, vocab.terms, ids, added)
                weighted = cache[0]
                old = _values_at(weighted, tf)
                added = np.isnan(old)
                old[added] = 0.0
                new = old + share * vocab.idfs(ids)
                weighted.update(zip(tf, new.tolist()))
                _number_added(weighted, vocab.terms, ids, added)
                # its squared norm brought up to date term after term, in the post's order (a sum in that order)
                sq = reduce(add, (new * new - old * old).tolist(), cache[1] ** 2)
        if len(self.centroid) > CENTROID_TERMS * 2:
            self.centroid = _top(self.centroid, CENTROID_TERMS, vocab)
            cache = None
        self.count += 1
        weights = pv.weights if pv.weights is not None and pv.weights.memo is vocab._memo is not None else None
        ex = pv.exemplar = _top(pv.tf, EXEMPLAR_TERMS, vocab, weights.vec if weights is not None else None)
        if cache is not None:  # its terms weigh what they weigh in the post
            if weights is not None:
                wex = Weights(zip(ex, map(weights.vec.__getitem__, ex)))
                if getattr(ex, "numbered", None) is not None:
                    wex.numbered = ex.numbered
            else:
                wex = _weighted(ex, vocab, Weights)
        if len(self.exemplars) < EXEMPLARS:
            self.exemplars.append(ex)
            if cache is not None:
                cache[2].append((wex, _norm(wex)))
        else:  # keep the first post (often the original) and the most recent ones
            self.exemplars = [self.exemplars[0], *self.exemplars[2:], ex]
            if cache is not None:
                cache = (cache[0], cache[1], [cache[2][0], *cache[2][2:], (wex, _norm(wex))])
        _count_elements(self.anchors, sorted(pv.anchors))  # (as Counter.update) a set's order changes from run to run
        if self._names is not None:
            for a in pv.anchors:
                self._names.add(a)
        _count_elements(self.kinds, filter(_KIND_TERM_SET.__contains__, pv.tf))
        if pv.when is not None:
            self.first_at = pv.when if self.first_at is None else min(self.first_at, pv.when)
            self.last_at = pv.when if self.last_at is None else max(self.last_at, pv.when)
        self.post_ids.append(pv.post_id)
        self.new_post_ids.append(pv.post_id)
        self._cache = None if cache is None else (cache[0], math.sqrt(max(sq, 1e-12)), cache[2])

    def weighted(self, vocab: Vocabulary):
        if self._cache is None:
            c = _weighted(self.centroid, vocab, Weights)
            exs = [_weighted(e, vocab, Weights) for e in self.exemplars]
            self._cache = (c, _norm(c), [(e, _norm(e)) for e in exs])
        return self._cache

    def forget(self) -> None:
        """Keep only the event's posts: it takes no more (see Grouper.retire)."""
        self.closed = True
        self.centroid, self.exemplars, self.anchors, self.kinds = {}, [], Counter(), Counter()
        self.threads, self.new_post_ids, self._cache, self._view, self._names = set(), [], None, None, None

    def view(self, vocab: Vocabulary) -> EventView:
        """What scoring reads of the event, kept until the event changes."""
        cache = self.weighted(vocab)
        if self._view is None or self._view[0] is not cache:
            self._view = (cache, EventView(*cache, count=self.count, anchors=self.anchors, kinds=self.kinds,
                                           names=self.names()))
        return self._view[1]

    def names(self) -> AnchorNames:
        """Every place the event's posts name."""
        if self._names is None:
            self._names = AnchorNames(a for a, n in self.anchors.items() if n > 0)
        return self._names


def main_terms(centroid: dict[str, float]) -> Weights:
    """The CONTAIN_TERMS weightiest words, kinds and figures of an (idf-weighted) centroid, in a fixed order,
    each of weight 1 (numbered as in the centroid, when its numbers are kept)."""
    at = [i for i, t in enumerate(centroid) if t[0] != "c"]
    if len(at) > CONTAIN_TERMS:
        at = _largest(CONTAIN_TERMS, at, list(centroid.values()).__getitem__)
    terms = list(centroid)
    out = Weights.fromkeys(map(terms.__getitem__, at), 1.0)
    numbered = getattr(centroid, "numbered", None)
    if numbered is not None and len(numbered[1]) == len(terms):
        out.numbered = (numbered[0], numbered[1][at])
    return out


class EventView:
    """What scoring reads of an event: its idf-weighted centroid and exemplars, and the places and kinds
    of incident at least a third of its posts name (all of them for a small event)."""

    __slots__ = ("centroid", "cnorm", "exemplars", "main_anchors", "anchor_names", "main_kinds", "fine_places",
                 "incident_kinds", "_by_count", "main_terms", "_fit", "_packed")

    def __init__(self, centroid: dict[str, float], cnorm: float, exemplars: list, *, count: int, anchors: Counter,
                 kinds: Counter, names: AnchorNames):
        least = max(1.0, count / 3)
        self.centroid, self.cnorm, self.exemplars = centroid, cnorm, exemplars
        self.main_terms = main_terms(centroid)
        self.main_anchors = AnchorNames(a for a, n in anchors.items() if n >= least)
        self.anchor_names = names
        self._by_count: dict[int, list[str]] | None = None  # places by how many posts name them (when asked)
        self.main_kinds = {k for k, n in kinds.items() if n >= least}
        self.fine_places = {a for a in self.main_anchors.names if is_fine_place(a)}
        self.incident_kinds = any(k[2:] not in FIELD_KINDS for k in self.main_kinds)
        self._fit: float | None = None
        self._packed: _Packed | None = None

    def dots(self, terms: TermIds, pw: PostWeights | None) -> list[float]:
        """The post's dot product with the centroid (0 for a diffuse event), with each exemplar, and its
        weight at the main terms, in that order (those of the vector loaded in ``terms``, without a post)."""
        return self._packing(terms).dots(terms.dense if pw is None else terms.load(pw.vec, pw))

    def centroid_dot(self, terms: TermIds) -> float:
        """The dot product of the vector loaded in ``terms`` with the centroid alone (``dots(terms, None)[0]``,
        without the exemplars' and main terms' products)."""
        return self._packing(terms).first_dot(terms.dense)

    def _packing(self, terms: TermIds) -> _Packed:
        packed = self._packed
        if packed is None or packed.stamp != terms.stamp:
            diffuse = self.diffuse
            packed = self._packed = _Packed(terms, [
                {} if diffuse else self.centroid, *(e for e, _ in self.exemplars),
                {} if diffuse else self.main_terms])
        return packed

    @property
    def fit(self) -> float:
        """How well the event's posts fit its centroid: the mean cosine of its exemplars to it (worked out
        when first asked)."""
        if self._fit is None:
            cnorm, get = self.cnorm, self.centroid.get
            fits = [sum(map(mul, e.values(), map(get, e, repeat(0.0)))) / (enorm * cnorm)
                    for e, enorm in self.exemplars]
            self._fit = sum(fits) / len(fits) if fits else 1.0
        return self._fit

    @property
    def diffuse(self) -> bool:
        """Many stories averaged into one centroid (see COHERENT)."""
        return self.fit < COHERENT

    def without_post(self, centroid: dict[str, float], cnorm: float, *, count: int, anchors: Counter, kinds: Counter,
                     post_anchors: set[str], post_kinds: set[str], post_terms=()) -> EventView:
        """This view of an event less one of its posts (``count``, ``anchors`` and ``kinds`` are the event's,
        with the post), worked out from what changes rather than from every place the event names."""
        view = EventView.__new__(EventView)
        view.centroid, view.cnorm, view.exemplars, view._by_count = centroid, cnorm, self.exemplars, None
        view._packed = None
        view._fit = self.fit  # one post less changes little of how its posts fit
        gone = {t for t in post_terms if t not in centroid}  # all its weight gone
        view.main_terms = Weights.fromkeys([t for t in self.main_terms if t not in gone], 1.0) if gone else \
            self.main_terms
        least, before = max(1.0, (count - 1) / 3), max(1.0, count / 3)
        main = {a for a in self.main_anchors.names if anchors[a] - (a in post_anchors) >= least}
        if least < before:  # a place named by exactly the lower share of posts is now main too
            if self._by_count is None:
                self._by_count = {}
                for a, n in anchors.items():
                    self._by_count.setdefault(n, []).append(a)
            for n in range(math.ceil(least), math.ceil(before) + 1):
                main.update(a for a in self._by_count.get(n, ()) if least <= n - (a in post_anchors) and n < before)
        view.main_anchors = AnchorNames(main)
        view.anchor_names = self.anchor_names.without(a for a in post_anchors if anchors[a] <= 1)
        view.main_kinds = {k for k, n in kinds.items() if n - (k in post_kinds) >= least}
        view.fine_places = {a for a in main if is_fine_place(a)}
        view.incident_kinds = any(k[2:] not in FIELD_KINDS for k in view.main_kinds)
        return view


@dataclass
class Match:
    event: EventState
    score: float
    how: str  # which measure decided, for the explanation


class Grouper:
    """Assigns posts, one at a time, to events."""

    def __init__(self, vocab: Vocabulary, reader: TermReader, *, similarity: float = 0.2, window_hours: float = 72):
        self.vocab = vocab
        self.reader = reader
        self.similarity = similarity
        self.window = timedelta(hours=window_hours)
        self._reach = self.window * FOLLOW_UP_FACTOR  # the furthest a post may lie from an event it joins
        self.events: dict[int, EventState] = {}
        self.by_post: dict[int, int] = {}  # post id → event key
        self._index: dict[int | None, dict[str, int | list[int]]] = {}  # stretch → term or place → event key(s)
        self._stretch_seconds = self.window.total_seconds() * FOLLOW_UP_FACTOR or 1.0
        self._indexed_stretch: dict[int, int | None] = {}  # event key → latest stretch its main terms are in
        self._holders: Counter = Counter()  # anchor → events naming it
        self._merged: dict[int, int] = {}  # key of an event merged away → the key of the event it went into
        self._newest_stretch: int | None = None  # where a post without a time looks for events
        self._touched: dict[int, None] = {}  # events that took posts since the last consolidation, in order
        self._threads: dict[str, int] = {}  # URL or title → event key
        self._vectors: dict[int, PostVector] = {}  # the posts of this run, for consolidation
        self._recent: dict[int, None] = {}  # event keys, the one most recently joined last
        self._next_new = -1
        self._clock = 0  # counts changes to events (see EventState.changed and _unchanged_around)

    # -- setup ----------------------------------------------------------------
    def load(self, state: EventState) -> None:
        """An existing event that may take new posts."""
        self.events[state.key] = state
        for pid in state.post_ids:
            self.by_post[pid] = state.key
        self._holders.update(state.anchors.keys())
        stored = None if state.found_by is None else (
            state.found_by + [t for t in state.centroid if t[0] == "k"] + [f"a:{a}" for a in state.anchors])
        for when in {state.first_at, state.last_at}:
            if stored is None:
                self._index_event(state, self._stretch(when))
            else:  # found by the terms stored with it
                self._indexed_stretch[state.key] = self._stretch(when)
                self._index_add(state.key, stored, self._stretch(when))
        for key in state.threads:
            self._threads.setdefault(key, state.key)

    def vectorize(self, record) -> PostVector:
        tf, found = self.reader.read(simplified(f"{record.title or ''} {record.text or ''}"[:GROUPING_CHARS]))
        return PostVector(
            post_id=record.id,
            tf=Weights(tf),
            anchors=found,
            fine_places={a for a in found if is_fine_place(a)},
            when=record.published_at or record.fetched_at,
            duplicate_of=record.duplicate_of,
            threads=thread_keys(record),
        )

    # -- grouping ---------------------------------------------------------------
    def add_all(self, records) -> None:
        """Group a batch: every post's terms count in the vocabulary first (weights do not depend on the
        order the posts come in, and are computed once), then the posts are added oldest first."""
        vectors = [self.vectorize(r) for r in records]
        for pv in vectors:
            self.vocab.add(pv.tf)
        self.vocab.freeze()
        order = sorted(range(len(vectors)), key=lambda i: (vectors[i].when is None, vectors[i].when or 0, i))
        for i in order:
            self._place(vectors[i])

    def add(self, record) -> tuple[EventState, Match | None]:
        """Put one post into an event (an existing one, or a new one); returns it and how it matched."""
        pv = self.vectorize(record)
        self.vocab.add(pv.tf)
        return self._place(pv)

    def _place(self, pv: PostVector) -> tuple[EventState, Match | None]:
        if len(pv.tf) > POST_TERMS:  # its vocabulary counted in full, the post is kept by what marks it out
            self._keep_distinctive(pv)
        self._vectors[pv.post_id] = pv
        match = None
        if pv.duplicate_of is not None and pv.duplicate_of in self.by_post:
            ev = self.events[self.by_post[pv.duplicate_of]]
            if not ev.closed:
                match = Match(ev, 1.0, "duplicate")
        if match is None:
            for key in pv.threads:  # the same page or thread: the same event
                ev = self.events.get(self._find(self._threads.get(key, 0)))
                if ev is not None and not ev.closed and self._in_window(ev, pv.when, FOLLOW_UP_FACTOR):
                    match = Match(ev, 1.0, "thread")
                    break
        if match is None:
            match = self.best(pv)
        if (match is None or match.score < self.similarity) and self.unanchored(pv):
            match = self.reaction_target(pv, match) or match
        if match is not None and match.score >= self.similarity:
            ev = match.event
        else:
            ev = EventState(key=self._next_new)
            self._next_new -= 1
            self.events[ev.key] = ev
            match = None
            if pv.candidates is not None:
                ev.settled = (self._clock, pv.candidates)
        self._holders.update(a for a in pv.anchors if a not in ev.anchors)
        ev.add(pv, self.vocab)
        self._changed(ev)
        self._recent.pop(ev.key, None)
        self._recent[ev.key] = None
        ev.threads.update(pv.threads)
        for key in pv.threads:
            self._threads.setdefault(key, ev.key)
        self.by_post[pv.post_id] = ev.key
        self._index_post(ev, pv)
        self._touched[ev.key] = None
        return ev, match

    def _keep_distinctive(self, pv: PostVector) -> None:
        """Keep the post's POST_TERMS terms weighing most (ties in the order of its terms), weighed on arrays
        by their numbers when the vocabulary is frozen (a batch), and then kept as they weigh now."""
        vocab = self.vocab
        if vocab._memo is None:
            pv.tf = _top(pv.tf, POST_TERMS, weighted=_weighted(pv.tf, vocab))
            return
        ids = vocab.terms.numbered(pv.tf)
        tf = np.fromiter(pv.tf.values(), float, len(ids))
        weighted = tf * vocab.idfs(ids)
        keep = np.argsort(-weighted, kind="stable")[:POST_TERMS]  # as sorted(..., reverse=True): ties in order
        kept = list(map(list(pv.tf).__getitem__, keep.tolist()))
        numbered = (vocab.terms.stamp, ids[keep])
        pv.tf, vec = Weights(zip(kept, tf[keep].tolist())), Weights(zip(kept, weighted[keep].tolist()))
        pv.tf.numbered = vec.numbered = numbered
        pv.weights = PostWeights(pv, vocab, vec)

    def _bare_reaction(self, pv: PostVector) -> bool:
        """Unanchored and short (worked out once per post)."""
        bare = pv.bare
        if bare is None:
            bare = pv.bare = self.unanchored(pv) and self.short(pv)
        return bare

    @staticmethod
    def unanchored(pv: PostVector) -> bool:
        """A post that names no place and no kind of incident (太黑了，必须严查; 求真相): a reaction to something."""
        return not pv.anchors and not any(t.startswith("k:") and t[2:] not in FIELD_KINDS for t in pv.tf)

    def reaction_target(self, pv: PostVector, best: Match | None) -> Match | None:
        """The event a reaction most likely answers: among events with a post in the hours before it,
        the one its words fit best, or else the busiest."""
        if pv.when is None:
            return None
        since = pv.when - timedelta(hours=REACTION_HOURS)
        live = []
        for key in reversed(self._recent):  # most recently joined first
            ev = self.events.get(key)
            if ev is None or ev.last_at is None:
                continue
            if ev.last_at < since:
                break
            if not ev.closed and ev.last_at <= pv.when:
                live.append(ev)
                if len(live) == REACTION_EVENTS:
                    break
        if not live:
            return None
        if best is not None and best.event in live and best.score >= self.similarity * REACTION_FIT:
            return Match(best.event, self.similarity, "reaction:" + best.how)
        scored = [(self.score(pv, ev)[0], ev) for ev in live]
        top = max(score for score, _ in scored)
        if top >= self.similarity * REACTION_FIT:
            ev = max(scored, key=lambda x: x[0])[1]
        elif self.contentless(pv):
            ev = max(live, key=lambda e: (e.count, e.last_at))
        else:
            return None
        return Match(ev, self.similarity, "reaction")

    @staticmethod
    def short(pv: PostVector) -> bool:
        """At most REACTION_WORDS words."""
        return sum(t.startswith("w:") for t in pv.tf) <= REACTION_WORDS

    def contentless(self, pv: PostVector) -> bool:
        """No word that says what it is about (太惨了, 顶, 求真相, 这事怎么没人管): only reaction words and
        words common in posts about anything."""
        words = [t[2:] for t in pv.tf if t.startswith("w:")]
        if len(words) > REACTION_WORDS:
            return False
        return all(w in REACTION_VOCABULARY or w.lstrip("太真好").rstrip("了啊吧呢") in REACTION_VOCABULARY
                   or self.vocab.idf(f"w:{w}") < CONTENT_IDF for w in words)

    def best(self, pv: PostVector) -> Match | None:
        """The most similar open event; past its window an event takes only a strong match (a follow-up)."""
        best = None
        pv.candidates = candidates = self._post_candidates(pv)
        for key in candidates:
            ev = self.events[key]
            if ev.closed:
                continue
            fit = self.fit(pv, ev)
            if fit is not None and (best is None or fit[0] > best.score):
                best = Match(ev, *fit)
        return best

    def fit(self, pv: PostVector, ev: EventState) -> tuple[float, str] | None:
        """The post's score for joining ``ev`` given when it came: a little more just after the event's
        last post, less the further past the event's window it is (a follow-up must be clearly the same
        incident), None past FOLLOW_UP_FACTOR windows. The same rule serves every pass of grouping."""
        gap = self._gap(ev, pv.when)
        if gap > self._reach:
            return None
        if gap > _REACTION_GAP and self._bare_reaction(pv):
            return None  # a bare reaction (转发, 太离谱了, 有人管吗) is tied to an event by its time alone
        score, how = self.score(pv, ev)
        if gap > self.window:
            score, how = score - self._late_margin(gap), how + "+late"
        elif TIME_BONUS and pv.when is not None and ev.last_at is not None and score >= MIN_CONTENT \
                and gap <= _TIME_BONUS_GAP:  # the event is live at the time of the post
            score, how = score + TIME_BONUS, how + "+recent"
        return score, how

    def _late_margin(self, gap: timedelta) -> float:
        """The extra similarity a follow-up ``gap`` after the event needs: growing from nothing at the end of
        the window to FOLLOW_UP_MARGIN a window later (a reply three days on is as likely as one two days on)."""
        return FOLLOW_UP_MARGIN * min(1.0, (gap - self.window) / self.window)

    @staticmethod
    def _gap(ev: EventState, when: datetime | None) -> timedelta:
        """How far ``when`` lies outside the span of the event's posts (zero inside it or when unknown)."""
        if ev.last_at is None or when is None:
            return timedelta(0)
        if when > ev.last_at:
            return when - ev.last_at
        if ev.first_at is not None and when < ev.first_at:
            return ev.first_at - when
        return timedelta(0)

    def _weights(self, pv: PostVector) -> PostWeights:
        """The post's idf-weighted terms, kept while the vocabulary is frozen (a batch being grouped)."""
        memo = self.vocab._memo
        cached = pv.weights
        if cached is not None and memo is not None and cached.memo is memo:
            return cached
        weights = PostWeights(pv, self.vocab)
        if memo is not None:
            pv.weights = weights
        return weights

    def score(self, pv: PostVector, ev: EventState, view: EventView | None = None) -> tuple[float, str]:
        pw = self._weights(pv)
        norm = pw.norm
        view = view or ev.view(self.vocab)
        cnorm, exemplars = view.cnorm, view.exemplars
        diffuse = view.diffuse  # compared by its posts only
        dots = view.dots(self.vocab.terms, pw)
        cos_c = dots[0] / (norm * cnorm)
        cos_e = 0.0
        for dot, (_, enorm) in zip(islice(dots, 1, None), exemplars):
            cos_e = max(cos_e, dot / (norm * enorm))
        score, how = (cos_c, "centroid") if cos_c >= cos_e else (cos_e, "post")
        if pw.mass and not diffuse:
            inside = dots[-1]  # its weight at the words, kinds and figures the event mainly says (not trigrams)
            contain = inside / pw.mass * min(1.0, pw.mass / CONTAINMENT_MASS) * CONTAINMENT_WEIGHT
            if contain > score:
                score, how = contain, "contained"
        if pv.anchors:
            main_anchors, holders, most = view.main_anchors, self._holders, self._most_holders()
            shared = [a for a in pv.anchors if a in main_anchors and holders[a] <= most]  # distinctive ones
            fine = [a for a in shared if not is_coarse(a)]
        else:
            shared = fine = []
        coarse = len(shared) > len(fine)
        post_kinds = pw.kinds
        same_kind = bool(post_kinds & view.main_kinds)
        if fine and same_kind:  # the same kind of incident at the same village, road, company or school
            score += SAME_PLACE_AND_KIND
            how += "+place&kind"
        elif shared and score >= MIN_CONTENT:
            score += min(FINE_BONUS * len(fine), FINE_BONUS_MAX) + (COARSE_BONUS if coarse else 0.0)
            if coarse and same_kind:
                score += COARSE_BONUS
            how += "+places"
        elif pv.fine_places and view.fine_places and not any(map(view.anchor_names.__contains__, pv.anchors)):
            score *= PLACE_CONFLICT
            how += "-places"
        elif same_kind and score >= MIN_CONTENT:  # the same kind of thing happening, no place against it
            score += SAME_KIND
            how += "+kind"
        if post_kinds and not same_kind and view.incident_kinds:
            score *= KIND_CONFLICT  # another thing happened (at the same place, perhaps)
            how += "-kind"
        return score, how

    def consolidate(self) -> list[tuple[int, int]]:
        """Merge new events that turned out to be about the same incident as another event.

        Posts arrive one at a time, so the first posts of an incident may start two
        events before enough is known to tie them; once grown, events are compared
        whole and merged (into the older one). Only events not yet stored are merged
        away. Returns (merged, into) pairs.
        """
        merges = []
        if self.vocab._memo is None:
            self.vocab.freeze()  # the vocabulary does not change while consolidating: weights are kept
        self._merge_events(merges)
        for pv in self._vectors.values():  # weighed for this vocabulary only: the next batch's differs
            pv.weights = None
        return merges

    def _merge_events(self, merges: list) -> None:
        """Each new event looks for a home once; an event that grew by taking one in looks again (a
        worklist over the events touched, never a rescan of every event)."""
        work = deque(sorted((k for k in self._touched if k < 0 and k in self.events), reverse=True))
        queued = set(work)
        while work:
            key = work.popleft()
            queued.discard(key)
            ev = self.events.get(key)
            if ev is None or ev.closed or not ev.post_ids or self._unchanged_around(ev):
                continue
            target = self._best_home(ev) or self._home_of_small(ev)
            if target is not None:
                self._absorb(target, ev)
                merges.append((key, target.key))
                if target.key < 0 and target.key not in queued:
                    work.append(target.key)
                    queued.add(target.key)
        if self.reassign():
            for key in [k for k in self._touched if k < 0 and k in self.events and not self.events[k].post_ids]:
                del self.events[key]
        self._touched = {}

    def reassign(self) -> int:
        """Move each post of a new event to the event it now fits clearly better (order effects of the
        first pass: a post that came before the rest of its incident). Returns the posts moved."""
        moved = 0
        for key in sorted(k for k in self._touched if k < 0):
            ev = self.events.get(key)
            if ev is None or ev.count < 2:
                continue
            for pid in list(ev.post_ids):
                pv = self._vectors.get(pid)
                if pv is None or self._surely_settled(pv, ev):
                    continue
                own = self._score_without(pv, ev)
                if own >= REASSIGN_SETTLED:
                    continue
                best, best_score = None, max(self.similarity, own + REASSIGN_MARGIN)
                for other_key in self._post_candidates(pv)[:REASSIGN_CANDIDATES]:
                    other = self.events[other_key]
                    if other is ev or other.closed or not other.post_ids:
                        continue
                    fit = self.fit(pv, other)
                    if fit is not None and fit[0] >= best_score:
                        best, best_score = other, fit[0]
                if best is not None:
                    self._move(pv, ev, best)
                    moved += 1
        return moved

    def _surely_settled(self, pv: PostVector, ev: EventState) -> bool:
        """Whether the post's score against its own event, itself left out, surely reaches REASSIGN_SETTLED,
        known without working the event out less the post: while the post is one of the event's exemplars, that
        score is at least its cosine to its exemplar, unless places or kinds it names alone could halve it."""
        view = ev.view(self.vocab)
        for i, e in enumerate(ev.exemplars):
            if e is pv.exemplar:
                break
        else:
            return False
        if pv.fine_places and not any(ev.anchors[a] >= 2 for a in pv.anchors):
            return False  # its places may be named by it alone (Grouper.score's PLACE_CONFLICT)
        pw = self._weights(pv)
        least = max(1.0, (ev.count - 1) / 3)
        if pw.kinds and not any(ev.kinds[k] - 1 >= least for k in pw.kinds):
            return False  # so may its kinds of incident (KIND_CONFLICT)
        # as Grouper.score works it out
        return view.dots(self.vocab.terms, pw)[1 + i] / (pw.norm * view.exemplars[i][1]) >= REASSIGN_SETTLED

    def _score_without(self, pv: PostVector, ev: EventState) -> float:
        """The post's score against its event with the post itself taken out: the event's weighted centroid
        less the post, worked out over the post's own terms only (the rest of the centroid is unchanged), on
        arrays (the vocabulary is frozen while consolidating)."""
        tf, vocab = pv.tf, self.vocab
        weighted, cnorm, exemplars = ev.weighted(vocab)
        left = _values_at(ev.centroid, tf) - np.fromiter(tf.values(), float, len(tf)) / _norm(tf)
        had, stays = ~np.isnan(left), left > 1e-9  # the terms the event has, and those it keeps without the post
        rest = left * vocab.idfs(vocab.terms.numbered(tf))  # the weighted centroid without the post, at its terms
        was = _values_at(weighted, tf)
        was[np.isnan(was)] = 0.0
        # its squared norm brought down term after term, in the post's order (a sum in that order)
        sq = reduce(add, np.where(stays, rest * rest - was * was, -(was * was))[had].tolist(), cnorm * cnorm)
        rest = dict(zip(compress(tf, stays.tolist()), rest[stays].tolist()))
        view = ev.view(self.vocab).without_post(
            rest, math.sqrt(sq) if sq > 1e-12 else 1.0, count=ev.count, anchors=ev.anchors, kinds=ev.kinds,
            post_anchors=pv.anchors, post_kinds={k for k in pv.tf if k[0] == "k"}, post_terms=pv.tf.keys())
        return self.score(pv, ev, view)[0]

    def _move(self, pv: PostVector, src: EventState, dst: EventState) -> None:
        n = _norm(pv.tf)
        for t, w in pv.tf.items():
            left = src.centroid.get(t, 0.0) - w / n
            if left > 1e-9:
                src.centroid[t] = left
            else:
                src.centroid.pop(t, None)
        src.centroid = Weights(src.centroid)  # (terms taken out: the numbers kept with it are no longer its)
        src.count -= 1
        src.anchors -= Counter(pv.anchors)
        src.kinds -= Counter(k for k in pv.tf if k.startswith("k:"))
        src.post_ids.remove(pv.post_id)
        if pv.post_id in src.new_post_ids:
            src.new_post_ids.remove(pv.post_id)
        src._cache = src._names = None
        self._holders.update(a for a in pv.anchors if a not in dst.anchors)
        dst.add(pv, self.vocab)
        self._changed(src)
        self._changed(dst)
        self.by_post[pv.post_id] = dst.key
        self._index_post(dst, pv)
        self._touched[dst.key] = None

    def _changed(self, ev: EventState) -> None:
        ev.changed = self._clock = self._clock + 1

    def _settled(self, ev: EventState) -> tuple[int, frozenset[int] | list[int]]:
        """For a new event of one post, as it began: when, and the events the post was scored against
        then (and found no home in); nothing for another event."""
        if ev.settled is None or ev.count != 1 or ev.changed != ev.settled[0] + 1:
            return -1, ()
        return ev.settled

    def _unchanged_around(self, ev: EventState) -> bool:
        """A new event of one post none of whose neighbours changed since the post was scored against them
        (and found no home): looking again would find what was found then. Events begun later look
        for a home among their own neighbours, this one among them."""
        when, candidates = self._settled(ev)
        if when < 0:
            return False
        events, merged = self.events, self._merged
        for key in candidates:
            if key in merged:
                return False
            other = events.get(key)
            if other is not None and other.changed > when:
                return False
        return True

    def _home_of_small(self, ev: EventState) -> EventState | None:
        """A new event of a post or two whose posts, scored again now that the others have grown, fit elsewhere."""
        if ev.count > SMALL_EVENT:
            return None
        best, best_score = None, self.similarity
        when, scored = self._settled(ev)
        for pid in ev.post_ids:
            pv = self._vectors.get(pid)
            if pv is None:
                continue
            for key in self._post_candidates(pv):
                other = self.events[key]
                if other is ev or other.closed or not other.post_ids or other.count <= ev.count:
                    continue
                if key in scored and other.changed <= when:
                    continue  # scored when the post came, unchanged since
                fit = self.fit(pv, other)
                if fit is not None and fit[0] >= best_score:
                    best, best_score = other, fit[0]
        return best

    def event_score(self, a: EventState, b: EventState) -> float:
        """How alike two events are: cosine of their centroids (of their two most alike exemplars when either
        is diffuse), plus the places and kinds both mainly name."""
        va, vb = a.view(self.vocab), b.view(self.vocab)
        terms = self.vocab.terms
        if va.diffuse or vb.diffuse:  # by their posts: the two most alike
            score = 0.0
            for ea, na in va.exemplars:
                terms.load(ea, ea)
                dots = vb.dots(terms, None)
                for dot, (_, nb) in zip(islice(dots, 1, None), vb.exemplars):
                    score = max(score, dot / (na * nb))
        else:
            terms.load(va.centroid, va)
            score = vb.centroid_dot(terms) / (va.cnorm * vb.cnorm)
        anchors_a, anchors_b = va.main_anchors, vb.main_anchors
        holders, most = self._holders, self._most_holders()
        shared = [x for x in anchors_a if x in anchors_b and holders[x] <= most]  # distinctive ones
        fine = [x for x in shared if not is_coarse(x)]
        same_kind = any(k[2:] not in FIELD_KINDS for k in va.main_kinds & vb.main_kinds)
        if fine and same_kind:
            score += SAME_PLACE_AND_KIND
        elif shared and score >= MIN_CONTENT:
            score += min(FINE_BONUS * len(fine), FINE_BONUS_MAX) + (COARSE_BONUS if len(shared) > len(fine) else 0.0)
        elif va.fine_places and vb.fine_places and not any(map(vb.anchor_names.__contains__, anchors_a)) \
                and not any(map(va.anchor_names.__contains__, anchors_b)):
            score *= PLACE_CONFLICT
        if not same_kind and va.incident_kinds and vb.incident_kinds:
            score *= KIND_CONFLICT
        return score

    def _best_home(self, ev: EventState) -> EventState | None:
        """The event a whole new event belongs to, if any: the most alike within reach in time."""
        best, best_score = None, self.similarity
        for key in self._candidates(self._event_terms(ev), self._stretches(ev.first_at, ev.last_at)):
            other = self.events[key]
            if other is ev or other.closed or not other.post_ids:
                continue
            gap = min(self._gap(other, ev.first_at), self._gap(other, ev.last_at))
            if gap > self._reach:
                continue
            score = self.event_score(ev, other)
            if gap > self.window:
                score -= self._late_margin(gap)
            if score >= best_score and (best is None or score > best_score or other.key > 0):
                best, best_score = other, score
        return best

    def _absorb(self, target: EventState, ev: EventState) -> None:
        for t, w in ev.centroid.items():
            target.centroid[t] = target.centroid.get(t, 0.0) + w
        if len(target.centroid) > CENTROID_TERMS * 2:
            target.centroid = _top(target.centroid, CENTROID_TERMS, self.vocab)
        target.count += ev.count
        target.exemplars = (target.exemplars + ev.exemplars)[-EXEMPLARS:]
        for a in ev.anchors:
            if a in target.anchors:  # one event fewer names it
                self._holders[a] -= 1
        target.anchors.update(ev.anchors)
        target.kinds.update(ev.kinds)
        target.threads |= ev.threads
        for t in (ev.first_at, ev.last_at):
            if t is not None:
                target.first_at = t if target.first_at is None else min(target.first_at, t)
                target.last_at = t if target.last_at is None else max(target.last_at, t)
        target.post_ids += ev.post_ids
        target.new_post_ids += ev.new_post_ids
        target._cache = target._names = None
        for pid in ev.post_ids:
            self.by_post[pid] = target.key
        # the index and the threads still name the event merged away: they are read through _find
        self._merged[ev.key] = target.key
        self._index_event(target, self._stretch(target.last_at))
        self._touched[target.key] = None
        self._changed(target)
        del self.events[ev.key]

    def retire(self, before: datetime) -> None:
        """Forget what grouping no longer needs when a long batch is grouped part by part, oldest first:
        events with no post since ``before`` keep only their posts' ids (no later post can join them),
        the index forgets the stretches of time no later post looks in, and the vocabulary forgets the
        terms seen once (what it keeps stays the size of the terms that recur)."""
        stretch = self._stretch(before)
        for old in [s for s in self._index if s is not None and s < stretch - 1]:
            del self._index[old]
        retired = set()
        for key, ev in self.events.items():
            if not ev.closed and ev.last_at is not None and ev.last_at < before:
                for pid in ev.post_ids:
                    self._vectors.pop(pid, None)
                ev.forget()
                retired.add(key)
                self._indexed_stretch.pop(key, None)
                self._recent.pop(key, None)
        if retired:
            self._threads = {k: v for k, v in self._threads.items() if self._find(v) not in retired}
        self.vocab.forget_rare()
        for ev in self.events.values():  # weights change with the vocabulary
            ev._cache = ev._view = None

    # -- helpers ----------------------------------------------------------------
    @staticmethod
    def _incident_kinds(kinds) -> set[str]:
        """Kinds that say what happened (not the field it happened in)."""
        return {k for k in kinds if k[2:] not in FIELD_KINDS}

    def _in_window(self, ev: EventState, when: datetime | None, factor: float = 1.0) -> bool:
        if ev.last_at is None or when is None:
            return True
        window = self.window * factor
        return ev.first_at - window <= when <= ev.last_at + window

    def _most_holders(self) -> int:
        """The most open events an anchor may be named by and still be distinctive (one many open events
        name, the county seat say, tells little)."""
        return max(2, len(self.events) // 4)

    def _find(self, key: int) -> int:
        """The event an event key now stands for (itself, or the event it was merged into)."""
        merged = self._merged
        root = key
        while root in merged:
            root = merged[root]
        while key != root:  # shorten the path for the next time
            merged[key], key = root, merged[key]
        return root

    # -- the candidate index ----------------------------------------------------
    def _stretch(self, when: datetime | None) -> int | None:
        """The stretch of time (FOLLOW_UP_FACTOR windows long) a time falls in; None for no time."""
        return None if when is None else int(when.timestamp() // self._stretch_seconds)

    def _stretches(self, *times: datetime | None) -> set[int | None]:
        """The stretches to look in for events within reach of these times (and those without a time); a
        post without a time looks around the newest time seen."""
        found: set[int | None] = {None}
        for when in times:
            s = self._stretch(when) if when is not None else self._newest_stretch
            if s is not None:
                found.update((s - 1, s, s + 1))
        return found

    @staticmethod
    def _query_terms(weighted: dict[str, float], anchor_names, most: int = INDEX_TERMS) -> list[str]:
        """What a post or event is looked up by: its ``most`` most distinctive terms (by idf-weighted
        frequency), its kinds of incident and its places."""
        kinds = [t for t in weighted if t[0] == "k"]
        if len(weighted) - len(kinds) > most:
            terms = _largest(most, [t for t in weighted if t[0] != "k"], weighted.__getitem__)
        else:
            terms = [t for t in weighted if t[0] != "k"]
        return terms + kinds + [f"a:{a}" for a in sorted(anchor_names)]

    def _post_terms(self, pv: PostVector) -> list[str]:
        pw = self._weights(pv)
        if pw.query is None:
            pw.query = self._query_terms(pw.vec, pv.anchors)
        return pw.query

    def _event_terms(self, ev: EventState) -> list[str]:
        return self._query_terms(ev.weighted(self.vocab)[0], ev.anchors, 2 * INDEX_TERMS)

    def _index_add(self, key: int, terms, stretch: int | None) -> None:
        index = self._index.get(stretch)
        if index is None:
            index = self._index[stretch] = {}
        for t in terms:
            hit = index.get(t)
            if hit is None:
                index[t] = key
            elif type(hit) is int:
                if hit != key:
                    index[t] = [hit, key]
            elif key not in hit and len(hit) <= COMMON_TERM_EVENTS:  # past that, the term finds nothing
                hit.append(key)

    def _index_post(self, ev: EventState, pv: PostVector) -> None:
        """Make the event findable by the post's terms in the post's stretch (and by its own main terms in
        every stretch it reaches)."""
        stretch = self._stretch(pv.when)
        if stretch is not None and (self._newest_stretch is None or stretch > self._newest_stretch):
            self._newest_stretch = stretch
        self._index_add(ev.key, self._post_terms(pv), stretch)
        if ev.key not in self._indexed_stretch:  # a new event: the post is all there is to it
            self._indexed_stretch[ev.key] = stretch
        elif stretch is not None and stretch != self._indexed_stretch[ev.key]:
            self._index_event(ev, stretch)

    def _index_event(self, ev: EventState, stretch: int | None) -> None:
        """Make the event findable in a stretch of time by its main terms and places."""
        self._indexed_stretch[ev.key] = stretch
        self._index_add(ev.key, self._event_terms(ev), stretch)

    def _post_candidates(self, pv: PostVector) -> list[int]:
        return self._candidates(self._post_terms(pv), self._stretches(pv.when))

    def _candidates(self, terms: list[str], stretches) -> list[int]:
        """Events sharing terms or a place with the post in the stretches of time given (MIN_HITS at least),
        those sharing most first (at most MAX_CANDIDATES); a term that many events share finds nothing."""
        find, merged, events = self._find, self._merged, self.events
        indexes = [self._index[s] for s in stretches if s in self._index]
        hits: dict[int, int] = {}
        for t in terms:
            found, owned = None, False  # the index's own list is read, and copied only to add to it
            for index in indexes:
                hit = index.get(t)
                if hit is None:
                    continue
                if found is None:
                    found = (hit,) if type(hit) is int else hit
                else:
                    if not owned:
                        found, owned = list(found), True
                    if type(hit) is int:
                        found.append(hit)
                    else:
                        found.extend(hit)
            if found is None or len(found) > COMMON_TERM_EVENTS:
                continue
            weight = 3 if t[0] == "a" else 1
            if len(found) == 1:
                key = found[0]
                if key in merged:
                    key = find(key)
                hits[key] = hits.get(key, 0) + weight
            else:  # each event once (one event may be in two stretches, or merged into another listed)
                keys = set(found) if merged.keys().isdisjoint(found) else {find(k) if k in merged else k for k in found}
                for _ in range(weight):
                    _count_elements(hits, keys)  # hits[key] += 1 for each, in C
        ranked = [key for key in hits if key in events and hits[key] >= MIN_HITS]
        if len(ranked) > MAX_CANDIDATES:
            ranked = _largest(MAX_CANDIDATES, ranked, hits.__getitem__)
        else:
            ranked.sort(key=hits.__getitem__, reverse=True)
        return ranked
