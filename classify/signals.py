"""Risk signals read from an event's Chinese text: casualties, crowds, mass-incident words.

The severity rubric (SPEC §4) turns on facts stated in the posts: how many died,
whether people gathered, blocked a road or surrounded a government building,
whether an official is accused of corruption. This module finds those facts with
patterns over the raw text (Chinese numerals included: 三人死亡, 两人遇难,
造成一死三伤, 二十多名村民). It knows nothing of levels; the rubric
(:mod:`yuqing.grading.rubric`) decides what the counts mean for an event.

One judgement is made here, because classify and grading both need it:
:func:`read_harm`, whether a text tells harm in so many words (a death, an
abduction, a disaster, a mass incident …) rather than as a notice or good news.
Classify's 舆情负面 counts such a post negative when its model was unsure; the
rubric reads the same to grade an event.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

# -- Chinese numbers ---------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
#: vague quantities, read as their least plausible value
_VAGUE = {"数十": 20, "几十": 20, "数百": 200, "几百": 200, "上百": 100, "近百": 90, "数千": 2000, "几千": 2000,
          "上千": 1000, "近千": 900, "上万": 10000, "数万": 20000, "十几": 11, "十余": 11, "十多": 11, "数": 3, "几": 3,
          "多": 2, "众": 20}

NUM = r"(?:[0-9０-９]+(?:\.[0-9]+)?|[零〇一二两俩三四五六七八九十百千万]+|数十|几十|数百|几百|上百|近百|数千|几千|上千|近千|上万|数万|十几|十余|十多|数|几|多)"
_APPROX = r"(?:多|余|来|几)?"


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_ARABIC = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_APPROX_END = re.compile(r"[多余来几]$")


@functools.lru_cache(maxsize=4096)  # the same few numerals are read again and again
def parse_number(text: str) -> int | None:
    """Read an Arabic or Chinese numeral (三, 十二, 二十多, 一百零五, 3, ３０, 上百). None when not a number."""
    text = text.strip().translate(_FULL_WIDTH)
    if not text:
        return None
    if _ARABIC.fullmatch(text):
        return int(float(text))
    text = _APPROX_END.sub("", text) or text
    if text in _VAGUE:
        return _VAGUE[text]
    if not all(ch in _DIGITS or ch in _UNITS for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            unit = _UNITS[ch]
            if unit == 10000:
                section = (section + (digit or 0)) * unit
                total += section
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
    return total + section + (digit or 0)


# -- patterns tried only where they can match -----------------------------------------

try:  # the parser ``re`` compiles with (Python ≥ 3.11)
    from re import _constants as _sre
    from re import _parser as _sre_parser
except ImportError:  # pragma: no cover - another Python: every pattern is simply tried
    _sre = _sre_parser = None


def _needed(items) -> list[frozenset[str]]:
    """Sets of strings such that every match of the parsed pattern ``items`` contains a string of each set
    (``3人死亡|死亡3人`` → [{死亡}]). Literal runs, groups, alternations (one set for all branches), repeats
    of at least one and classes of plain characters give a set; anything else gives none (so a set is
    always truly needed, and a pattern with none is always tried)."""
    sets: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            sets.append(frozenset(["".join(run)]))
            run = []
        found: list[frozenset[str]] = []
        if op is _sre.SUBPATTERN and not (av[1] or av[2]):  # a group without inline flags
            found = _needed(av[3])
        elif op is _sre.BRANCH:
            branches = [_needed(b) for b in av[1]]
            if all(branches):
                found = [frozenset().union(*(_best(b) for b in branches))]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            found = _needed(av[2])
        elif op is _sre.IN and all(o is _sre.LITERAL for o, _ in av):
            found = [frozenset(chr(a) for _, a in av)]
        sets.extend(found)
    if run:
        sets.append(frozenset(["".join(run)]))
    return sets


def _best(sets: list[frozenset[str]]) -> frozenset[str]:
    """The most telling of the needed sets: the longest shortest string, then the fewest strings."""
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)))


class _Gated:
    """A compiled pattern tried only on texts that hold what each of its matches must contain.

    ``re`` can skip ahead to where a pattern may start only when it starts with a plain word; a pattern
    that starts with a number (``NUM``) or a class of characters is tried at every position of the text,
    and most texts hold none of the words it needs (死亡, 受伤, 塌). One search for those words (a list of
    plain words, which ``re`` scans fast) rules it out. The words are read from the pattern by ``re``'s
    own parser (:func:`_needed`), so they cannot drift from it; the results are those of the pattern.
    """

    __slots__ = ("pattern", "gates")

    def __init__(self, pattern: str):
        self.pattern = re.compile(pattern)
        self.gates: list[re.Pattern] = []
        if _sre_parser is not None and not self.pattern.flags & re.IGNORECASE:
            sets = sorted(set(_needed(_sre_parser.parse(pattern).data)),
                          key=lambda s: (-min(map(len, s)), len(s), sorted(s)))
            for words in sets[:2]:  # the two most telling suffice
                # a word that holds another of the set adds nothing (死亡 is found where 死 is)
                words = sorted(w for w in words if not any(o != w and o in w for o in words))
                self.gates.append(re.compile("|".join(map(re.escape, words))))

    def possible(self, text: str) -> bool:
        """Whether the pattern may match in the text (False: it surely does not)."""
        for gate in self.gates:
            if gate.search(text) is None:
                return False
        return True

    def search(self, text: str) -> re.Match | None:
        return self.pattern.search(text) if self.possible(text) else None

    def finditer(self, text: str):
        return self.pattern.finditer(text) if self.possible(text) else iter(())

    def sub(self, repl, text: str) -> str:
        return self.pattern.sub(repl, text) if self.possible(text) else text


def _gated(pattern: str) -> _Gated | re.Pattern:
    """The pattern compiled, gated (see :class:`_Gated`) when something is needed in every match."""
    gated = _Gated(pattern)
    return gated if gated.gates else gated.pattern


# -- lexicons ------------------------------------------------------------------

CENTRAL_MEDIA = ("人民日报", "新华社", "新华网", "人民网", "央视", "中央电视台", "中央广播电视总台", "央广", "中国之声",
                 "光明日报", "经济日报", "中国日报", "中新社", "中国新闻网", "焦点访谈", "新闻联播", "法治日报", "中国青年报",
                 "工人日报", "农民日报", "求是", "CCTV", "cctv", "中央台", "光明网", "新华视点", "半月谈", "中国青年网",
                 "中央纪委", "中纪委", "国家监委", "中国新闻周刊", "中国纪检监察报", "中国经济网", "央广网",
                 # the China News Service's site, and CCTV's programmes of investigation and news named alone
                 "中新网", "经济半小时", "每周质量报告", "东方时空", "新闻调查", "朝闻天下", "新闻1+1", "新闻直播间",
                 "共同关注")
PROVINCIAL_MEDIA_HINTS = ("省电视台", "省广播电视台", "省台", "卫视", "省日报", "都市报", "晚报", "晨报", "省新闻网",
                          "省级媒体", "省媒")
LEADER_TITLES = ("县委书记", "县长", "副县长", "书记", "镇长", "副镇长", "乡长", "党委书记", "局长", "副局长", "主任",
                 "村支书", "支书", "村主任", "村长", "村干部", "干部", "领导", "官员", "所长", "站长", "院长", "校长", "处长",
                 "科长", "常委", "部长", "区长", "市长", "队长", "县委", "县政府", "镇政府", "乡政府", "街道办",
                 "公职人员", "工作人员", "执法人员", "省长", "厅长", "司令员", "政委")
# (not 纪委: the commission wrongs are reported to, 举报到县纪委, 希望纪委为我们作主; its own officials are 书记, 干部 …)
ALLEGATION_WORDS = ("贪污", "受贿", "索贿", "行贿", "腐败", "贪腐", "挪用", "侵占", "侵吞", "截留", "克扣", "滥用职权",
                    "以权谋私", "权钱交易", "权色交易", "利益输送", "包庇", "保护伞", "违纪", "违法违纪", "吃拿卡要",
                    "公款吃喝", "公款旅游", "买官卖官", "包养", "情妇", "欺压", "打压报复", "打击报复", "徇私枉法",
                    "优亲厚友", "虚报冒领", "套取", "骗取补贴", "贪占", "中饱私囊", "违规占地", "违规提拔", "收受",
                    "黑恶势力", "涉黑", "勾结", "非法拘禁", "殴打群众", "打人", "性侵", "猥亵", "好处费", "回扣", "收红包",
                    "吃空饷", "私分", "冒领", "渎职", "玩忽职守", "暴力执法", "性骚扰", "违规审批", "违规发包", "卖官", "敲诈",
                    "勒索", "索要好处", "权力寻租", "霸占", "强占", "敛财", "私吞", "亏空", "利用职权", "利用职务之便",
                    "利用职务便利")
# (not 交通堵塞 nor 堵塞交通: a traffic jam is what letters complain of, not people blocking a road)
MASS_STRONG = ("群体性事件", "群体事件", "堵路", "阻断交通", "拦路", "封路抗议", "围堵", "打砸",
               "打砸抢", "打砸烧",
               "冲击政府", "冲击县政府", "冲击镇政府", "冲击派出所", "掀翻警车", "砸警车", "警车被砸", "砸毁警车", "砸坏警车",
               "烧毁警车", "警车被烧", "警车被掀翻", "警民冲突", "大规模冲突",
               "械斗", "暴乱", "骚乱", "打横幅游行", "游行示威", "示威")
#: gathering words: a mass incident when many gather or they gather at a government building
GATHER_WORDS = ("聚集", "集聚", "齐聚", "聚众", "静坐", "跪求", "下跪", "跪在", "请愿", "拉横幅", "拉起横幅", "打横幅", "举横幅", "举牌",
                "游行", "围住", "围攻",
                "堵门", "集体上访", "集访", "集体到", "聚在", "围在", "围着", "围了", "涌入", "冲进", "挤满", "堵在", "守在")
#: clash words: a mass incident when many are involved
#: (群殴 too: six men beating a hotel's clerk are a crime, a village's brawl of a hundred a mass incident)
CLASH_WORDS = ("冲突", "对峙", "推搡", "打架", "斗殴", "群殴", "撕扯", "扭打")
GOVERNMENT_PLACES = ("县政府", "县委", "镇政府", "乡政府", "街道办", "政府门口", "政府大门", "政府大院", "政府大楼",
                     "信访局", "信访办", "市政府", "区政府", "派出所", "公安局", "管委会", "政府")
#: calls to gather (not 都…到场: a letter's 都是必须本人到场; not 约定: a contract's terms; not 组织…维权: defending
#: rights is no gathering; not a time and 集合开会: a meeting)
GATHER_CALLS = ((r"(?<!召集)(?<!叫上)(?<!喊上)(?<!带着)(?<!带上)(?<!和)(?<!跟)(?:大家|各位|乡亲们|兄弟们|工友们|家长们|业主们|村民们|朋友们|受害者)[^。！!？?\n]{0,12}"
                 r"(?:集合|集中|聚集|到场|一起去|一块去|去县政府|去镇政府|去政府|去讨说法|来声援|来支援|站出来)"
                 # (not a chore signed up for: 请大家安排好时间来支援我们，并在群里按照时间接龙)
                 r"(?![^。！!？?\n]{0,20}?(?:接龙|值日|打扫|清扫|清洗|消毒))"),
                # (not a group's own act told: 我们也召集大家一起去老板那里要了, 和大家一起去)
                # (not an accusation of the past: 多次组织不合理的上访)
                (r"(?<!多次)(?<!经常)(?<!屡次)(?<!一再)(?<!曾经)(?:号召|呼吁|召集|相约|约好|组织)[^。！!？?\n]{0,16}"
                 r"(?:集合|聚集|聚众|上访|到县政府|到镇政府|到政府|游行|示威|堵路|静坐|拉横幅)"),
                (r"(?:明天|明早|后天|今晚|周[一二三四五六日末]|[0-9一二三四五六七八九十]+[点时号日])[^。！!？?\n]{0,12}"
                 r"(?:集合(?!开会|学生|上课|做操|训练|出发)|不见不散|一起去|到县政府|到镇政府|到政府门口|"
                 r"(?:县|镇|乡|市|区)?政府(?:门口|大门)?见)"),
                r"不见不散", r"人越多越(?:好|有用)", r"扩散[^。\n]{0,6}(?:集合|到场)",
                # every household to send someone (每户至少出一个人): a village mobilised, not called to a meeting or to work
                r"每(?:户|家)(?:至少|必须|都要|都得|要)?(?:出|派)(?:一|1)?个?人"
                r"(?![^。！？\n]{0,12}?(?:参加|开会|会议|选举|投票|劳动|值班|修路|打扫|清扫|清理|培训|体检|登记))")
WAGE_WORDS = ("欠薪", "讨薪", "讨要工资", "要工资", "拖欠工资", "拖欠工钱", "欠工资", "工资", "工钱", "血汗钱", "劳务费",
              "补偿款", "赔偿款", "征地款", "安置费", "拆迁款", "补偿", "赔偿", "集资款", "退款", "押金", "房款",
              "烂尾", "学费", "本金", "存款", "养老钱", "货款", "工程款", "份子钱")
# (not 交房, 退房 nor 首付: a house delivered late or a down payment is no money owed to a group)
#: what a group may be owed besides wages: benefits, allowances, resettlement (退役军人待遇, 低保, 养老金)
BENEFIT_WORDS = ("待遇", "补贴", "补助", "养老金", "退休金", "低保", "安置", "社保", "医保", "抚恤", "工伤", "优抚", "津贴",
                 "分红", "救助金", "保险金", "公积金", "五险一金", "社会保险")
#: resettlement as what is owed (安置费, 未安置), not the housing named after it (安置房, 安置小区)
_RESETTLEMENT = re.compile(r"安置(?!房|小区|区|点|楼|地块|户型|项目)")
#: money or a benefit withheld from its people or claimed back (拖欠, 不发, 不退, 还我们, 至今未落实): what makes a group
#: that names wages, fees or benefits a group owed something (SPEC §4), not owners, parents or pupils complaining of a
#: price, a policy or a school, nor a suggestion about benefits
OWED_WORDS = ("拖欠", "欠薪", "欠发", "欠款", "欠我", "欠了", "欠付", "未发", "没发", "不发", "停发", "缓发", "未付", "没付",
              "不付", "未支付", "没有支付", "没支付", "拒付", "不支付", "不给", "不退", "未退", "没退", "拒退", "退还", "返还",
              "还我们", "还我", "讨回", "追讨", "索要", "讨要", "兑付", "未兑现", "不兑现", "拿不到", "没拿到", "未拿到",
              "要不到", "要不回", "至今未发", "至今未付", "至今未到", "迟迟未", "迟迟不", "未到位", "没到位", "未落实",
              "不落实", "没有落实", "要求落实", "克扣", "少发", "扣发", "扣工资", "扣绩效", "扣我们", "扣钱", "不交",
              "未交", "没交", "未缴", "不缴", "没缴", "断缴", "骗取", "被骗", "骗走", "卷款", "跑路", "挪用", "侵占",
              "截留", "未结", "不结", "结清", "不认账", "赖账", "血本无归")
PROTEST_WORDS = ("讨要", "讨薪", "维权", "上访", "讨说法", "要说法", "拉横幅", "打横幅", "举横幅", "举牌", "聚集", "围堵",
                 "静坐", "堵门", "抗议", "讨个说法", "讨回", "集体", "索要", "要钱", "讨债", "讨钱", "罢工", "停工", "罢课",
                 "罢市", "罢运", "集体停运")
DEMOLITION_VIOLENT = ("强拆", "暴力拆迁", "野蛮拆迁", "暴力强拆", "强制拆除", "强行拆除", "强行拆迁", "违法强拆", "偷拆",
                      "强行征地", "暴力征地", "强征")
#: a man castrated (当场阉割, 被“切睾”了, 当场把小鸡鸡给切了), not a film cut (阉割版, 引进版被阉割了)
CASTRATION_WORDS = ("当场阉割", "当场被阉割", "男子被阉割", "切睾", "生殖器被割", "被割掉生殖器", "小鸡鸡给切", "小鸡鸡被切",
                    "小鸡鸡给割", "小鸡鸡被割")
#: a rape told as done (被强奸, 轮奸, 奸杀, 遭性侵; not 强奸未遂, a figure of speech 强奸民意, nor a man's past 强奸犯): violence
#: and a grave harm to the victim, which the rubric grades as it grades a serious injury
RAPE_WORDS = ("被强奸", "遭强奸", "强奸了", "强奸罪", "强奸案", "强奸幼女", "强奸少女", "轮奸", "奸杀", "奸污", "被强暴",
              "遭强暴", "被性侵", "遭性侵", "性侵幼女", "性侵女童")
#: a limb broken by a blow (打断了腿; not 发言被打断, an interruption)
BROKEN_LIMB = ("打断腿", "打断了腿", "打断手", "打断胳膊", "打断肋骨", "打断鼻梁", "打断骨头")
VIOLENCE_WORDS = ("殴打", "打伤", "打人", "受伤", "持刀", "抢劫", "行凶", "砍人", "连砍", "狂砍", "连捅", "推土机", "挖掘机",
                  "铲车", "黑衣人", "砸", "拖走", "抢走", "流血",
                  "住院", "围殴", "强行", "凌晨", "半夜", "暴力", *BROKEN_LIMB, "砍伤", "持械", "棍棒", "打昏", "打晕", "打得昏死",
                  "头破血流", "鼻青脸肿", "泼硫酸", "泼酸", "泼汽油", "浇汽油", "推倒在地", "打成重伤", "打得昏厥",
                  "打得晕厥", "打成植物人", "打成残疾", "打成脑震荡", "打成骨折", *CASTRATION_WORDS, *RAPE_WORDS)
INCIDENT_WORDS = ("食物中毒", "中毒", "腹泻", "呕吐", "发烧", "疫苗", "假药", "劣药", "过期药", "假疫苗", "问题疫苗",
                  # (泄露 alone is mostly information leaked: 业主信息泄露; 自来水 and 停水 are a utility's service, which
                  # the dev labels grade as a local complaint: 物业无故停水停电 is 一般)
                  "毒奶粉", "地沟油", "病死猪", "变质", "污染", "泄漏", "氨气泄露", "化学品泄露", "核泄露", "辐射泄露",
                  "排污", "偷排", "直排", "恶臭", "异味",
                  "死鱼", "毒气", "爆炸", "火灾", "起火", "失火", "坍塌", "垮塌", "塌方", "倒塌", "溃坝", "决堤",
                  "山体滑坡", "滑坡", "泥石流", "燃气", "煤气", "饮用水", "水质", "传染", "疫情",
                  "感染", "重金属", "超标", "事故", "危房", "踩踏", "有毒", "致癌", "禽流感", "H7N9", "h7n9",
                  "病毒", "死猪", "三聚氰胺", "瘦肉精", "塑化剂", "假药", "毒胶囊", "垮塌", "断裂", "染色", "苏丹红",
                  "非法添加", "工业明胶", "掺假", "注水肉", "农药残留", "激素", "内涝", "洪水", "山洪", "被淹", "被冲走",
                  # people made ill by what they breathe (附近村民很多人咳嗽)
                  "咳嗽", "头晕", "胸闷", "呼吸困难",
                  # germs found in water or food (检出大肠杆菌)
                  "大肠杆菌", "致病菌", "细菌超标", "菌落总数超标", "沙门氏菌", "诺如病毒")
#: food and drug scandals that reach every buyer of a product: they affect many by their nature
MASS_HAZARD_WORDS = ("地沟油", "毒奶粉", "三聚氰胺", "瘦肉精", "塑化剂", "染色", "苏丹红", "毒胶囊", "假疫苗", "问题疫苗", "致癌",
                     "非法添加", "工业明胶", "病死猪", "农药残留")
MANY_WORDS = ("多名", "多人", "数十名", "数十人", "几十名", "几十人", "上百", "数百", "大批", "大量群众", "集体中毒",
              "集体腹泻", "集体出现", "全村", "全城", "全小区", "全校", "整栋", "整个小区", "整个村", "全镇", "全乡", "上千", "成群",
              "一大片", "上万", "数千", "几千", "家家户户", "千余", "百余", "大面积", "多个村", "多个小区", "多所学校",
              "成片", "所有", "几乎所有", "全部", "众多", "广大", "市民", "消费者", "很多人", "无数", "大量",
              "上千户", "数千户", "上百户", "几百户", "抢购一空", "被抢购", "疯抢",
              "流入市场", "流向市场", "流入餐桌", "端上餐桌", "销往", "出售给", "卖给")
RUMOUR_WORDS = ("谣言", "传言", "网传", "据传", "谣传", "传闻", "不实", "辟谣", "造谣", "小道消息", "疯传", "有人说",
                "听说", "未经证实", "真假", "是真的吗")
#: an official denial or clarification of a rumour
DENIAL_WORDS = ("辟谣", "系谣言", "是谣言", "纯属谣言", "不实信息", "不实消息", "系不实", "并不属实", "不属实", "已澄清",
                "官方澄清", "别信", "不信谣", "勿信谣", "请勿转发", "没有这回事", "假消息")
FAST_SPREAD_WORDS = ("疯传", "刷屏", "大量转发", "迅速传播", "广泛传播", "迅速发酵", "持续发酵", "发酵", "引发热议",
                     "全网", "病毒式", "朋友圈传开", "群里都在传", "转发过万", "阅读量破", "阅读量超", "传疯", "传遍", "都在传")
#: (not 全国人民: 靠全党、全国人民捧起来, 请全国人民都来关注, 全国人民代表大会 — a phrase, not a trend)
TRENDING_WORDS = ("热搜", "全网热议", "全国关注", "全国网友", "全网关注", "登上榜单", "刷屏全网", "全网刷屏", "阅读量过亿",
                  "阅读量破亿", "热榜", "全网疯传", "举国关注", "全网声讨", "引爆全网", "全网震怒")
BIG_V_WORDS = ("大V", "大v", "百万粉丝", "知名博主", "网络大V", "千万粉丝", "网红博主")
SERIOUS_INJURY_WORDS = ("重伤", "伤势严重", "伤势较重", "生命垂危", "病危", "危重", "抢救", "昏迷", "重症监护", "ICU",
                        "颅内出血", "骨折", "截肢", "烧伤", "命悬一线", "下落不明", "失踪", "失联", "被困", "呼吸衰竭",
                        "肺出血", "大出血", "内出血", "脑出血", "生命危险", *BROKEN_LIMB, "打残", "致残", "毁容", "中刀",
                        "身中", "中了一刀", "各中一刀", "被捅", "被砍", "连砍", "狂砍", "连捅", "刺伤", "砍伤", "捅伤",
                        "重度烧伤", "植物人", "瘫痪在床",
                        "压断", "轧断", "砍断", "割掉", "割下", "挖去", "挖掉", "剜", "断腿", "断手", "失明",
                        "昏死", "不省人事", "打昏", "打晕", "昏厥", "晕厥", "休克",
                        "重度烫伤", "严重烫伤", "大面积烫伤", "全身烫伤",
                        *CASTRATION_WORDS, *RAPE_WORDS)
#: a life in danger now (not an injury told as a letter's background, 瘫痪在床, nor a fall's 骨折, nor a road's 有生命危险):
#: what makes a complaint about the harm itself (a hospital's patient in ICU) a serious injury
LIFE_IN_DANGER = frozenset(("重伤", "伤势严重", "生命垂危", "病危", "危重", "抢救", "昏迷", "重症监护", "ICU", "颅内出血",
                            "命悬一线", "呼吸衰竭", "肺出血", "大出血", "内出血", "脑出血", "昏死", "不省人事", "休克"))
#: riches or mistresses an official is said to keep (九套房子, 170多套房产, 包二奶, 6个老婆): an allegation when an
#: official is in the sentence (not a letter's second home, 二套住房, nor its household's 两个老婆 of a divorce)
_KEPT_RICHES = re.compile(r"(?<![第一二两])(?:[三四五六七八九十百几]|\d{1,4})[十百]?(?:多|余)?套(?:房子|房产|住房|别墅)|"
                          r"二奶|(?<![一两二])(?:[三四五六七八九十几]|\d{1,2})个(?:老婆|情妇|情人)")
#: a child taken (not an attempt): the rubric grades a completed abduction or organ theft 重大或较大
ABDUCTION_WORDS = ("被拐", "拐走", "拐卖", "被拐卖", "抱走了", "被抱走", "被抢走", "抢走孩子", "偷走孩子", "被偷走", "被人抱走",
                   "强行抱走", "被人贩子", "摘取器官", "摘器官", "器官被", "被摘", "陌生人抱走", "陌生男子抱走",
                   "陌生女子抱走", "婴儿被偷", "新生儿被偷", "男婴被偷", "女婴被偷", "孩子被偷")
#: people with public power, or the offices they work in (an allegation against them is against the office)
OFFICIAL_ACTORS = ("红十字", "红会", "慈善总会", "官员", "干部", "书记", "县长", "市长", "区长", "局长", "副局长", "镇长", "乡长", "村支书", "村长", "村干部", "拆迁办", "城管",
                   "警察", "民警", "交警", "特警", "协警", "辅警", "派出所", "公安", "法院", "法官", "检察院", "检察官",
                   "政府", "执法人员", "执法者", "执法车", "执法队", "计生干部", "计生办", "所长", "院长", "副处级", "处长",
                   "科长", "厅长", "部长", "区委", "厅级", "处级干部", "局级", "高官", "官场",
                   "县委", "市委", "政法委", "看守所", "人大代表", "政协委员", "国企领导", "官二代", "公务员", "公职人员", "领导")
#: what an official is accused of that makes the allegation serious: corruption, abuse of power, violence, crime
#: (not 收取 nor 涉嫌 alone: a school's, a developer's or the police's fees charged and a company's fraud suspected are
#: complaints; money taken as a bribe is 收取好处, 被认定收取 …)
OFFICIAL_WRONGS = ("贪污", "受贿", "索贿", "收受", "好处费", "收取好处", "收取贿", "收取钱财", "收取礼金", "收取红包",
                   "收取回扣", "被认定收取", "腐败", "挪用", "侵吞", "截留", "克扣", "滥用职权",
                   "以权谋私", "徇私", "枉法", "包庇", "保护伞", "打人", "殴打", "围殴", "往死里打", "打死",
                   "打伤", *BROKEN_LIMB, "开枪", "枪顶", "耳光", "电警棍", "鸡奸", "连砍", "狂砍", "连捅", "砍伤",
                   "昏死", "不省人事", "打昏", "打晕",
                   "持枪", "威胁", "恐吓", "强奸", "轮奸", "猥亵", "性侵", "杀害", "杀人", "掠去", "掠走", "抢劫", "逼死",
                   "逼迫", "威逼", "刑讯逼供", "黑监狱", "非法拘禁", "关押", "摔死", "撞死", "肇事", "醉驾", "酒驾", "打压",
                   "报复", "敲诈", "勒索", "强拆", "强征", "造假", "冒名", "假身份证", "双规", "落马", "违纪",
                   "利用职权", "利用职务之便", "利用职务便利", "国难财", "灾难财", "虚开发票", "多开发票",
                   # a scandal of officials' sex (不雅视频, 上床、拍片、捉奸), corrupt officials counted (11位厅级贪官), and
                   # an official fled abroad (当高官…外逃了) or stealing what the office keeps (监守自盗)
                   "捉奸", "不雅视频", "性丑闻", "艳照", "厅级贪官", "位贪官", "名贪官", "监守自盗", "外逃",
                   # public money squandered (公款大吃大喝, 糟蹋纳税人的钱) and the signs of a corrupt official's riches
                   # (天价烟, 名表), violence (推倒在地, 打成重伤)
                   "大吃大喝", "公款吃喝", "挥霍公款", "公款消费", "糟蹋纳税人", "天价烟", "名表",
                   # trips on public money (公款出国旅游), enforcers' blows that drew blood (打得头破血流: not 暴力执法 alone, which
                   # the dev labels leave a local complaint), bribes taken at a checkpoint (收钱放行), villagers forced to sign
                   "公款旅游", "公款出国", "公费旅游", "公费出国", "头破血流", "收钱放行", "收钱办事", "收黑钱",
                   "强迫", "大操大办", "收礼", "性骚扰",
                   "推倒在地", "打成重伤")
#: out of danger, or a serious injury denied (还好没骨折): not a serious injury (nor a complaint of danger)
_NO_DANGER = _gated(r"(?:已|暂)?(?:(?:无|没有|脱离)(?:了)?生命危险|脱离(?:了)?危险)|"
                    r"(?:没|没有|未|并未|无)(?:有|造成)?(?:骨折|重伤|昏迷|昏厥|晕厥|休克|截肢|致残|大出血|内出血)|"
                    # a rape attempted, or a charge of it ruled out (强奸未遂, 不构成轮奸罪)
                    r"(?:被|遭)?(?:强奸|强暴|性侵)未遂|不构成(?:强奸|轮奸)罪?|"
                    # a light burn (一头奶牛轻微烧伤): hurt, not seriously
                    r"(?:轻微|轻度|略微|轻)(?:烧伤|烫伤)|"
                    # figures of speech (冒着生命危险测了一下, 跑断腿) and a gym (健身中心: not 身中数刀)
                    r"冒着?生命危险|跑断(?:了)?腿|健身中|"
                    # people stuck in a lift until it is opened (业主被困电梯, 困在电梯里半小时): not trapped under rubble
                    r"(?:被)?困(?:在)?(?:电梯|梯)|电梯[^。！？\n]{0,12}?被困")
#: harm to rights, feelings or health at large (严重伤害了我们的合法权益, 对身心造成严重伤害: not 重伤), and earth dug
#: away (把河堤都挖掉了: not an eye) — each gated on its own word
_HARM_AT_LARGE = _gated(r"(?:身心|精神|心灵|感情|人体|健康)[^。！？\n]{0,8}?严重伤害|"
                        r"严重伤害了?[^。！？\n]{0,8}?(?:权益|利益|尊严|感情|面子|群众|信任|形象|积极性)|"
                        r"投资者造成了?严重伤害")
_EARTH_DUG = _gated(r"(?:河堤|堤坝|路面|路基|地基|基础|绿化带|山体|泥土|沙子|竹子)[^。！？\n]{0,4}?挖(?:掉|去)")
#: a public structure that collapsed (大桥垮塌, 教学楼坍塌): a safety incident affecting many
_STRUCTURE_COLLAPSE = _gated(r"(?:大桥|桥梁|桥面|引桥|高架|立交|隧道|大楼|楼房|居民楼|教学楼|校舍|厂房|体育馆|堤坝|大坝|"
                                 r"塔吊|脚手架|天桥|看台(?!湾)|"
                                 r"(?:大部分|大批|大量|多处|成片|多间|多栋)[^。！？\n]{0,4}(?:房子|房屋|民房))"
                                 r"[^。！？\n]{0,8}?(?:垮塌|坍塌|倒塌|塌陷|断裂|塌了)|"
                                 r"(?:垮塌|坍塌|倒塌|塌陷|断裂)的?(?:大桥|桥梁|桥面|引桥|高架|隧道|大楼|楼房|居民楼|教学楼|校舍)")
#: a court or prosecutor at work on someone else's case is not an allegation against it
_CASE_PROCESS = re.compile(r"审理|开庭|判处|判决|宣判|提起公诉|起诉|庭审|受审")
MASS_CASUALTY_WORDS = ("群死群伤", "重大伤亡", "大量伤亡", "严重伤亡", "特大事故", "特别重大事故", "重大事故",
                       "特大火灾", "特大爆炸", "空难", "坠机", "客机失联", "航班失联", "马航", "MH370", "波士顿爆炸", "马拉松爆炸", "mh370", "恐怖袭击",
                       "爆炸案", "连环爆炸", "屠杀", "大屠杀", "死伤惨重", "伤亡惨重", "死伤无数", "伤亡惨烈", "死伤枕藉",
                       # many wounded (许多伤员快不行了: the roads to a quake's towns)
                       "许多伤员", "大批伤员", "大量伤员", "伤员众多")
#: a nation's grievance or a call to boycott over it (勿忘国耻, 南京大屠杀纪念日, the days the invasion began: 九一八,
#: 七七事变; 抵制日货): the dev convention's protest and political criticism, 负面 — though history's massacre is no mass
#: casualty of now
NATIONAL_GRIEVANCE = re.compile(r"国耻|国难日|侵华|南京大屠杀|九一八|九·一八|918事变|七七事变|卢沟桥事变|"
                                r"抵制[^，。！？\n]{0,4}?(?:日货|日片|日本|美货|韩货|法货)")
#: hostility to Japan (果然是小日本在搞鬼, 可恶的日本鬼子) or a clash over the disputed islands told (如果日本闯入钓鱼岛12海里
#: 以内…立即进行军事打击; 中日在钓鱼岛海域交火): the convention's national anger and war scare, 负面, true or not
NATIONAL_HOSTILITY = re.compile(r"小日本|日本鬼子|小鬼子|日寇|(?:钓鱼岛|黄岩岛|南海)[^。！？\n]{0,40}?(?:军事打击|交火|开火|开战|击沉|炮击)"
                                r"|(?:军事打击|交火|开火|开战|击沉|炮击)[^。！？\n]{0,40}?(?:钓鱼岛|黄岩岛)")
#: a service said to start charging or to raise its fees (微信收费将于7月1日开始, 移动9月1日起对微信微博收费): the
#: convention's fee-rise and charging rumour, 负面, unless the text denies it (不会收费, 辟谣) or sells with it (欲购从速)
FEE_RUMOUR = re.compile(r"(?:将于|将从|将会|将要|即将|或将|拟|开始|[日号月]起)[^，。！？；\n]{0,12}?(?<![不免没])(?:收费|涨价|提价|加价)"
                        r"|(?:收费|涨价|提价|加价)[^，。！？；\n]{0,4}?(?:将于|将从|即将|开始)")
_FEE_DENIED = re.compile(r"辟谣|谣言|不实|假消息|不会(?:收费|涨价)|不再收费|仍(?:然|将)?免费|继续免费|"
                         r"抢购|欲购从速|优惠|限时|下单|促销|特价")
#: cruelty to animals (一只幼猴紧紧搂住即将被“活取猴脑”的妈妈; the dev labels' 虐待动物, 负面; the 盆景猫 hoax, a kitten grown in a
#: jar), not the slang 虐狗 (a couple's affection shown off)
ANIMAL_CRUELTY = re.compile(r"活取|活剥|活烤|虐猫|虐杀|虐待(?:动物|小动物|猫|狗|宠物)|残害动物|虐待致死|盆景猫|"
                            # killed slowly by hand (城管…把小动物活活踩死): a person so killed is negative too
                            r"活活(?:踩|摔|打|烧|烫|饿|闷)死")
#: a person beaten, stabbed or slapped, told as done (男的继续施暴，姑娘昏厥; 北大猛男，持刀刺官): the convention's violence,
#: 负面 — not denied (没有殴打), and not a kick at a ball or a fight in a game (踢, 打 alone are not read), nor a slap
#: in a figure of speech or a meme (打了自己一记耳光, 生日那天我抽了最恨的人一耳光: only 扇 is read)
ASSAULT = re.compile(r"(?<![没未])(?<!没有)(?<!并未)(?<!否认)(?:殴打|暴打|毒打|围殴|施暴|拳打脚踢|持刀(?:刺|砍|捅|伤人|行凶)|"
                     r"砍伤|刺伤|捅伤|打伤|掌掴|扇了?[^，。！？\s]{0,5}?耳光)")
#: the era's words of political irony (一年天朝乡，十万血花银; 估计马上要被和谐了): the convention's criticism of government by
#: sarcasm, 负面 (not 天朝上国, history's; not 躲猫猫, which letters use for dodging traffic)
POLITICAL_IRONY = re.compile(r"天朝(?!上国)|兲朝|被和谐|河蟹|伟光正|墙国|被自杀|被精神病|被失踪")
#: a fraud or an abduction warned of (【恐怖新骗局】…转给身边的朋友; 亲身经历绑架事件，姑娘们都长点心): the convention's
#: fraud and abduction warnings, 负面 (not 道德绑架, a figure of speech)
_SWINDLE = re.compile(r"新骗局|骗局|诈骗|骗子|骗术|人贩子|假币|假钞|(?<!道德)(?<!舆论)(?<!情感)(?<!民意)(?<!利益)绑架|拐卖|拐骗|拐走|"
                      r"迷药|迷晕|偷孩子|抢孩子")
_SWINDLE_CUE = re.compile(r"警示|警告|提醒|千万(?:不要|别)|切记|绝对不要|小心|谨防|请传出去|求扩散|转告|长点心|警惕|当心|留意|"
                          r"注意|转给|转发给|让更多的人知道|扩散|别上当|恐怖|可怕")
#: a warning that something kills, poisons or makes food unsafe (隐翅虫…接触到皮肤，就死定了！请传出去): the convention's
#: safety scare and rumour of harm, 负面 (a tip with no hazard claimed is not: 花露水属易燃品，涂完别马上做饭)
_WARNING_CUE = re.compile(r"警示|警告|提醒|千万(?:不要|别)|切记|绝对不要|小心|谨防|请传出去|求扩散|转告|"
                         r"停止使用|不要再用|别再用|不要再吃|别再吃")
_DEADLY = re.compile(r"死定了|会致命|可致命|会致死|可致死|剧毒|毒液|"
                     # food or a product made unsafe (千万不要再买樱桃：今年樱桃里寄生了一种蛆虫)
                     r"致癌|蛆虫|寄生虫|含有激素|含激素|重金属超标|有害物质|危害健康|有害健康|损害健康|危害之大|危害极大")


#: a massacre of people now, not history's (南京大屠杀 and its memorial) nor animals' (屠杀猫咪)
_MASSACRE = re.compile(r"(?<!南京大)(?<!南京)屠杀(?![^，。！？\n]{0,2}?[猫狗犬猪鸡鸭牛羊鸟鱼])")
#: casualties feared, not told (继续居住极易发生群死群伤, 以免造成重大伤亡): the words a warning closes on
_FEARED_CASUALTY = _gated(r"(?:(?:极易|容易|可能|一旦|恐将?|将会|会|以免|避免|防止|杜绝|预防)(?:会)?"
                          r"(?:发生|造成|导致|酿成|引发|出现)[\u4e00-\u9fff]{0,2}?"
                          # what a hazard would be (电动车起火引起汽车爆炸将会是A市重特大事故)
                          r"|(?:将会|将|会)是[^，。！？\n]{0,6}?)"
                          r"(?:群死群伤|重大伤亡|大量伤亡|严重伤亡|特大事故|重大事故|死伤惨重|伤亡惨重)")
#: natural disasters that make casualties a disaster with mass casualties (地震 with 伤亡, 泥石流 burying houses)
MAJOR_DISASTER_WORDS = ("地震", "强震", "余震", "震区", "灾区", "海啸", "泥石流", "山洪", "洪灾", "特大暴雨", "台风", "龙卷风",
                        "决堤", "溃坝", "雪灾")
_CASUALTY_WORDS = re.compile(r"伤亡|死伤|遇难|罹难|丧生|身亡|死亡|被埋|埋压|被困|失踪|坍塌|倒塌|垮塌")
#: complaint and negativity cues (what makes a post a complaint rather than a mention)
COMPLAINT_WORDS = ("投诉", "反映", "举报", "曝光", "不满", "质疑", "维权", "求助", "求救", "讨说法", "不作为", "乱作为",
                   "乱收费", "态度差", "态度恶劣", "推诿", "扯皮", "拖延", "没人管", "无人管", "不管", "差劲", "太差",
                   "坑人", "欺负", "黑心", "违规", "违法", "欠", "拖欠", "污染", "噪音", "扰民", "臭", "脏乱差", "垃圾",
                   "漏水", "停电", "停水", "堵车", "事故", "严重影响", "纠纷", "冲突", "打人", "受伤", "死亡", "投诉无门", "寒心",
                   "愤怒", "气愤", "无奈", "心寒", "失望", "糟糕", "忍无可忍", "难受", "担忧", "害怕", "危险",
                   "隐患", "不合理", "不公平", "不公", "克扣", "吃回扣", "乱收费", "涨价", "骗", "诈骗", "强迫",
                   "强制", "被迫", "逼", "威胁", "恐吓", "谁来管", "管管", "讨薪", "欠薪", "上访", "信访", "拆迁",
                   "强拆", "中毒", "泄漏", "坍塌", "火灾", "爆炸", "溺水", "失踪", "谣言", "太贵", "太难", "太慢", "太高",
                   "干等", "不修", "没修", "不退", "不发", "不给", "不还", "没人理", "作风", "臭气", "直排", "偷排",
                   "看病难", "办事难", "上学难", "乱象", "乱停", "乱扔", "乱倒", "乱建", "违建", "坏了", "损坏",
                   "破损", "积水", "坑洼", "烂路", "拖着", "一直没有", "迟迟", "至今没有", "多次反映", "反复",
                   "多次投诉", "求解决", "请求解决", "希望解决", "尽快解决", "管一管", "查一查", "查查", "难听",
                   "赶出来", "刁难", "推脱", "闲置", "荒废", "形式主义", "浪费", "冤", "不公正", "评不上", "被拒",
                   "拒收", "拒绝", "受骗", "被骗", "上当", "维修", "噪声", "油烟", "扬尘", "粉尘", "异味", "发臭",
                   "黑烟", "污水", "排污", "欠款", "烂尾", "逾期", "没法睡", "睡不着", "苦不堪言", "怨声载道",
                   "议论", "吐槽", "不满意", "投诉无果", "没下文", "无果", "骂", "批评", "点名", "被坑", "挪作他用",
                   "挪用", "停发", "没下来", "没拨", "发霉", "酒驾", "撞人", "天价", "不立案", "粗暴", "掀翻", "不是什么好事",
                   "得不到解决", "没有解决", "意见很大", "群众意见", "讨说法", "要说法", "说法", "交代", "严查", "追责",
                   "问责", "停职", "致歉", "道歉", "曝光", "暗访", "黑幕", "内幕", "猫腻",
                   "过期", "变质", "假冒", "伪劣", "缺斤少两", "宰客", "欺诈", "霸王条款", "强制消费", "拒赔")
ENQUIRY_WORDS = ("请问", "咨询", "想问", "问一下", "问下", "有谁知道", "谁知道", "怎么办理", "如何办理", "在哪里办",
                 "几点", "什么时候", "是否", "能否", "可以吗", "建议", "希望", "能不能", "求推荐", "攻略", "打卡",
                 "请教", "了解一下", "想了解")
POSITIVE_WORDS = ("点赞", "好评", "感谢", "感动", "致敬", "温暖", "暖心", "成功", "喜讯", "丰收", "荣获", "获评",
                  "表彰", "开幕", "圆满", "顺利", "美丽", "风景", "旅游", "美食", "好消息", "竣工", "通车", "投产",
                  "签约", "助力", "为民", "便民", "惠民", "提升", "发展", "振兴", "脱贫摘帽", "致富", "表扬", "赞",
                  "漂亮", "热闹", "欢迎", "祝贺", "喜迎", "庆祝", "文明", "志愿")
NEGATION_OF_HARM = re.compile(
    r"(?:无|没有|没|未|未有|并无|暂无|尚无|不存在|未发现|暂未发现|未造成|没有造成|没造成|未导致|没有导致|未致)"
    r"(?:人员|任何人员|一人|人)?(?:伤亡|死伤|死亡|遇难|身亡|受伤|人员伤亡|人员死亡|人员受伤)"
)


#: an official a letter is addressed to, not one it is about (尊敬的县长, 李局长：, 请领导处理, 向领导反映)
_TITLE = r"(?:书记|县长|市长|镇长|乡长|区长|局长|主任|部长|主席|领导|同志)们?"
_ADDRESS = re.compile(
    rf"(?:尊敬的|敬爱的|亲爱的)[\u4e00-\u9fffA-Za-z0-9、]{{0,12}}|"  # (a masked place: 尊敬的A市政府领导)
    rf"^\s*[\u4e00-\u9fffA-Za-z0-9]{{0,8}}{_TITLE}(?:您好|你好)?[：:，,！!]|"
    # an office's mailbox or hotline (向市长热线反映, 在A5区长信箱投诉)
    rf"(?:书记|县长|市长|镇长|区长|局长)(?:信箱|热线|公开电话|留言板|接待日)|"
    rf"[\u4e00-\u9fff]{{0,4}}{_TITLE}(?:您好|你好)|"
    # (a masked place may stand between: 希望B9市委市政府以及B9市教育局的领导们; a surname before a title: 请求胡书记)
    rf"(?:请|恳请|希望|望|求|请求|盼|敬请|烦请|拜托|麻烦|感谢|谢谢)(?:[\u4e00-\u9fffA-Za-z0-9、]{{0,16}}?领导|"
    rf"[\u4e00-\u9fff]{{0,2}}?{_TITLE})|"
    rf"(?:向|给|跟)[\u4e00-\u9fff]{{0,6}}?领导(?:反映|汇报|写信|求助|报告)")


#: who is no official though a title's characters are there: a word that starts with 长 after an office's last
#: character (驾校长期, 派出所长期, 医院长时间) or a masked city (A市长郡中学, A市长沙路), and the staff of a business
#: (酒店工作人员, 物业的工作人员)
_BUSINESS = "(?:酒店|宾馆|饭店|物业|公司|银行|商场|超市|驾校|门店|快递|巴士|公交|客运)"
_NOT_AN_OFFICIAL = re.compile(r"长(?<=[校市区县局所站院厂厅]长)(?=期|时间|久|远|达|途)|"
                              # a hall's name before a 长 (红磨坊歌厅长期扰民, 营业厅长): no department head
                              r"长(?<=[歌舞餐客营业展大]厅长)|"
                              # a housing estate before a name in 长 (融圣国际小区长城物业): no district head
                              r"长(?<=小区长)|"
                              # (and a masked district or county: A3区长房云时代, A5区长郡语外)
                              r"长(?<=[A-Z0-9][市区县]长)(?=郡|沙|江|大|度|城|春|兴|龙|寿|乐|安|宁|株|潭|房)|"
                              rf"工作人员(?:(?<={_BUSINESS}工作人员)|(?<={_BUSINESS}的工作人员)|"
                              r"(?<=(?:售楼部|售楼处|营业厅)工作人员)|(?<=(?:售楼部|售楼处|营业厅)的工作人员))")


def _any(text: str, words) -> list[str]:
    """The words of ``words`` found in the text, in their order (a quick search first: most texts have none)."""
    found = _FINDERS.get(words) if type(words) is tuple else None
    if found is None:
        found = re.compile("|".join(map(re.escape, words))) if words else None
        if type(words) is tuple and len(_FINDERS) < 1024:
            _FINDERS[words] = found
    if found is None or not found.search(text):
        return []
    return [w for w in words if w in text]


_FINDERS: dict[tuple, re.Pattern | None] = {}


class _Lexicons:
    """The words of many named lists that a text holds, found in a few scans of it.

    ``found(text)[name]`` is ``[w for w in lists[name] if w in text]`` (:func:`_any` of each list), but
    the text is not searched once per list and then once per word of a list it has a hit in: the words
    of all lists, split by their first character into a few alternations (``re`` tries the branches of
    one alternation in turn, so a few small ones scan faster than one of 800 words), are each searched
    for from every position where a word starts. The longest word found there brings every listed word
    it holds (打砸抢 holds 打砸 and 砸): a word is in the text exactly when it is in a word so found.
    """

    PARTS = 8

    def __init__(self, lists: dict[str, tuple[str, ...]]):
        self.lists = lists
        vocab = sorted({w for words in lists.values() for w in words if w})
        self.vocab = frozenset(vocab)
        self.always = "" in {w for words in lists.values() for w in words}  # "" is in every text
        firsts = sorted({w[0] for w in vocab})
        self.finders = []
        for k in range(self.PARTS):
            chars = set(firsts[k::self.PARTS])
            part = sorted((w for w in vocab if w[0] in chars), key=len, reverse=True)  # longest first
            if part:
                self.finders.append(re.compile("|".join(map(re.escape, part))))
        #: each word's places in the lists (a list may name a word twice)
        self.places: dict[str, list[tuple[str, int]]] = {}
        for name, words in lists.items():
            for i, w in enumerate(words):
                self.places.setdefault(w, []).append((name, i))
        self._within: dict[str, tuple[str, ...]] = {}

    def within(self, word: str) -> tuple[str, ...]:
        """The listed words a word holds, itself included (worked out on first need)."""
        held = self._within.get(word)
        if held is None:
            held = self._within[word] = tuple(w for w in self.vocab if w in word)
        return held

    def present(self, text: str) -> set[str]:
        """The listed words in the text."""
        found = {""} if self.always else set()
        for finder in self.finders:
            search = finder.search
            m = search(text)
            while m is not None:
                found.update(self.within(m.group()))
                m = search(text, m.start() + 1)
        return found

    def found(self, text: str) -> dict[str, list[str]]:
        """For each list, its words in the text, in the list's order."""
        hits: dict[str, list[int]] = {}
        for w in self.present(text):
            for name, i in self.places[w]:
                hits.setdefault(name, []).append(i)
        out = {name: [] for name in self.lists}
        for name, positions in hits.items():
            words = self.lists[name]
            out[name] = [words[i] for i in sorted(positions)]
        return out


#: a protector wondered about (不知是否有保护伞, 是有保护伞后台硬吗？, 打倒幕后保护伞): a citizen's suspicion of a racket
#: left alone, no allegation against an official or an office (城管不作为、当保护伞 and 公安保护伞力量大 are)
_PROTECTOR_WONDERED_RE = (r"(?:是否|是不是|不知|难道|还是|或许|也许|可能|怀疑)[^，。！？\n]{0,10}?保护伞|"
                          r"保护伞[^，。！？\n]{0,6}?[吗？?]|幕后保护伞")
_PROTECTOR_WONDERED = _gated(_PROTECTOR_WONDERED_RE)
#: an employer pushing someone to resign (交警总队逼迫孕妇辞职): a labour dispute, not an abuse of public power (nor
#: is a crackdown on drink-driving one, a danger to safety, or a protector wondered about)
_NOT_AN_ABUSE = _gated(r"(?:逼迫|威逼|逼)[^，。！？\n]{0,6}?(?:辞职|离职|退职)|"
                       # police at their work: 交警集中查处酒驾 is a crackdown, not drink-driving police
                       r"(?:查处|严查|查获|整治|打击|严打|治理|专项检查|查)(?:了)?(?:酒驾|醉驾|酒后驾驶)|"
                       # a danger, not a threat made (严重威胁业主的生命财产安全, 百姓生命财产安全受重大威胁)
                       r"威胁(?:到|着)?[^，。！？\n]{0,8}?(?:生命|安全|健康|财产|生存|生活|出行)|"
                       r"(?:安全|生命|健康|财产)[^，。！？\n]{0,4}?受(?:到)?[^，。！？\n]{0,3}?威胁|"
                       # an animal put down (派出所协调：要么将狗送走，要么将狗打死), not a person killed
                       r"(?:将|把)(?:狗|猫|犬|恶犬|野狗|疯狗)[^，。！？\n]{0,2}?(?:打死|杀死|处死)|" + _PROTECTOR_WONDERED_RE)
#: 集体 as people acting together, not a kind of ownership or registration (集体户口, 集体土地, 集体企业, 集体宿舍), a
#: member's share of what the village owns (村集体待遇, 集体分红, 集体收益) or what a school or a unit does as one (集体教学,
#: 集体备课, 集体学习, 集体活动)
_COLLECTIVE = (r"集体(?!户|经济|土地|所有|企业|宿舍|资产|林|用地|组织|成员|合同|主义|待遇|分红|收益|福利|股份|分配|"
               r"教学|备课|学习|活动|婚礼|照|荣誉|讨论|研究|决策|领导|观看|出游|生日)")
_COLLECTIVE_ACT = re.compile(_COLLECTIVE)
#: 不发 of pay withheld, not of a bus that does not run (近一小时不发一趟车), goods not sent or a word not said
_NOT_PAID = re.compile(r"不发(?!一趟|车|班|货|达|言|声|火|脾气|芽|光|热|表|帖|朋友圈|微博|短信|消息|通知)")
#: a group of people named without a count (工人们, 一群村民, 我们十几个工友)
_GROUP = _gated(r"(?:工人|农民工|工友|村民|业主|家长|职工|员工|教师|老师|医生|护士|拆迁户|群众|老人|师傅|居民|商户|摊主|学生|"
                    r"老兵|战友|投资人|集资户|受害者|环卫工)们|(?:一群|一帮|一伙|(?<!第)一批)(?![^，。！？\n]{0,4}?"
                    r"(?:无良|骗子|混混|流氓|地痞|不法|歹徒|小偷|劫匪|犯罪|黑社会|打手|社会人员|人贩|传销))"
                    # (一批 of people, not a batch: 第一批拆迁, 一批牛羊)
                    r"(?:(?<!一批)|(?=[^，。！？\n]{0,4}?(?:人|工|民|户|员|师|生|家长|业主|群众|老人|老兵)))|"
                    r"好多人|很多人|不少人|大批|联名|"
                    rf"{_COLLECTIVE}|"
                    # (a category a policy names is no group acting: 刚需群体, 重点群体; 弱势群体 stays, said of workers owed pay)
                    r"(?<!刚需)(?<!特定)(?<!高危)(?<!易感)(?<!重点)群体|大伙|全体|"
                    r"全(?:县|镇|乡|村|校|厂|公司|系统|站|所)(?:的)?(?:教师|老师|职工|员工|工人|干部|医护|村民)|"
                    r"我们[^。！？\n]{0,15}(?:工资|工钱|工程款|血汗钱|劳务费|五险一金)|(?:工资|工钱|工程款|血汗钱|劳务费|五险一金)[^。！？\n]{0,15}我们|"
                    # workers named as several (我和一些工友, 数名同事, 我们农民工; not 没有几个工人在干活, and not 拖欠农民工工资
                    # alone: one worker's own pay, or a policy's name, 治理拖欠农民工工资)
                    r"(?<!没有)(?<!没)(?:一些|几个|几位|数名|数位|十几个|好几个)(?:工友|同事|员工|工人|农民工|职工|师傅)|"
                    r"我们(?:这些|这群|这帮)?(?:农民工|工人|员工|工友|职工)")
#: a body of people named as one, by the people they are (gated on those words): all the workers or owners (所有协管员,
#: not 所有材料), and staff as a body (我们这些一线员工, 一部分职工, 教师队伍, 退休教师的安置问题)
_STAFF_BODY = _gated(r"(?:所有|全部|广大)(?:的)?(?:工人|农民工|员工|职工|教师|老师|医护|协管员|协警|辅警|业主|村民|家长|"
                     r"拆迁户|环卫工|司机|学员|投资人|集资户|退休人员|内退人员|退役军人|老兵)|"
                     r"我们(?:这些|这批|一线|基层)?(?:[\u4e00-\u9fff]{0,4}的)?(?:员工|职工|工人|教师|老师|干部|技师)|"
                     r"(?:部分|一部分|一批)(?:职工|员工|工人|教师|老师)|(?:教师|职工|员工|工人)队伍|"
                     r"(?:退休|下岗|内退|离退休)(?:工人|职工|教师|老师|干部|人员)(?=的?(?:待遇|安置|补贴|补助|工资|退休金|"
                     r"养老金|津贴|福利|医保|社保|文明|奖|何时|为何|问题))")
#: a body named that is no staff: owners, villagers, parents, trainees, investors (their claims need money owed)
_NOT_STAFF = re.compile(r"业主|村民|家长|拆迁户|学员|投资人|集资户")
#: demolition by force told in words: 强行拆, 连夜拆, 拆 … 打伤 in one sentence
_FORCED_DEMOLITION = _gated(r"(?<!不能)(?<!不得)(?<!无权)(?<!不可)(?<!不敢)"
                                r"(?:强行|暴力|野蛮|偷偷|连夜|半夜|凌晨|深夜|趁)[\u4e00-\u9fff]{0,4}(?:拆|推倒|推平|铲平)|"
                                r"(?:拆|推倒|推平)[^。！？\n]{0,20}(?:打伤|殴打|被打|受伤|流血|住院|抓走|拖走)|"
                                r"(?:打伤|殴打|被打|受伤|流血)[^。！？\n]{0,20}(?:拆迁|拆房|拆除)")

#: a demolition the law enforces or a letter asks for, of what was built against the rules (请求强制拆除封堵消防通道的铁门,
#: 违建门楼已于深夜拆除, 非法洗沙场设备全部强制拆除, 出台强行拆除老旧空调支架的决定): no dispute over a home torn down
_ENFORCED_DEMOLITION = re.compile(r"违建|违章|违法建|违规建|违规搭|违规改|私搭|乱搭|乱建|加建|超建|超规划|圈占|封堵|铁门|鞋柜|支架|"
                                  r"空调|设备|门楼|广告牌|招牌|摊位|(?:请求|要求|建议|希望|恳请|呼吁|应当|应该|尽快|依法|予以|"
                                  r"责令|督促|出台)[^。！？\n]{0,8}?(?:强制|强行)?拆")
#: a home torn down: what a violent demolition is a dispute over, whatever the pretext (以违建为由强拆我家房屋)
_A_HOME = re.compile(r"我家|我们家|我的房|我们的房|房屋|住房|民房|祖屋|老屋|住宅|宅基地")
_SENTENCE_OF = re.compile(r"[^。！？\n]*")


def _homes_demolished(text: str, words: list[str]) -> list[str]:
    """The demolition words told at least once of a home or as a dispute, not of an illegal structure enforced or asked
    to be pulled down (:data:`_ENFORCED_DEMOLITION`)."""
    if not words or not _ENFORCED_DEMOLITION.search(text):
        return words

    def of_a_home(i: int) -> bool:
        sentence = _SENTENCE_OF.match(text, max(text.rfind(c, 0, i) for c in "。！？\n") + 1).group(0)
        return not _ENFORCED_DEMOLITION.search(sentence) or bool(_A_HOME.search(sentence))

    return _told_once(text, words, of_a_home)


# -- casualties ------------------------------------------------------------------

_DEATH_VERBS = r"(?:死亡|遇难|身亡|丧生|罹难|溺亡|坠亡|毙命|遇害|殒命|丧命|不治身亡|当场死亡|被打死|被砸死|被撞死|被烧死|窒息死亡|去世|离世|丧失生命|没了呼吸)"
_PEOPLE = r"(?:名|个|位|人|口)"
#: after a count and its measure word, no span of time (撞死3个月大的婴儿 is one death)
_NOT_DURATION = r"(?!多?(?:月|小时|星期|钟头|年|半月|天))"
#: a death someone or something caused, told by how (撞死, 砍死, 炸死 …)
_KILLED_BY = r"[撞砍刺捅烧砸杀毒勒掐淹闷压炸打轧碾]死"
#: between a count and a death verb, no animal, tree or crop (3个鱼塘的鱼全部死亡 is no death toll)
_NOT_ANIMAL = r"(?:(?![鱼猪鸡鸭鹅牛羊鸟鹭树苗蜂蚕狗猫虾蟹兔])[\u4e00-\u9fff])"
#: an animal (or a plant) named just before a death word, no person named after it: the death is the animal's (not
#: 遛狗的老人被车撞死)
_ANIMAL_BEFORE = re.compile(r"[鱼猪鸡鸭鹅牛羊鸟鹭树苗蜂蚕狗猫虾蟹兔蝇蚊鼠虫][^人男女孩童者民工生爷奶妈爸父母婴儿士警官汉兵]*$")
_DEATH_PATTERNS = [
    # 3人死亡 / 两名工人遇难 / 一名男子当场死亡 / 3名被困人员全部遇难
    _gated(rf"(?P<n>{NUM}){_APPROX}{_PEOPLE}{_NOT_ANIMAL}{{0,10}}?(?:全部|均|已|不幸|当场|先后|经抢救无效)?{_DEATH_VERBS}"),
    # 五儿童闷死在垃圾箱 / 三矿工遇难: a count and a kind of people without a measure word (not a school year:
    # 初三学生被打死 is one pupil of the ninth grade)
    _gated(rf"(?<![初高大])(?P<n>{NUM})(?:儿童|孩子|男孩|女孩|学生|大学生|小学生|村民|工人|矿工|民工|农民工|乘客|游客|居民|少年|老人)"
               rf"{_NOT_ANIMAL}{{0,10}}?(?:全部|均|已|不幸|当场)?(?:{_DEATH_VERBS}|闷死|烧死|淹死|溺死|冻死|饿死|毒死|砸死|压死|炸死)"),
    # 货车失控撞死3人 / 持刀砍死两名村民 / 杀害一家三口: the killing told before its count
    _gated(rf"(?:{_KILLED_BY}|杀害|枪杀|残杀|屠杀|害死|杀了)(?:了)?(?:其|他们)?(?:一家)?(?P<n>{NUM}){_APPROX}(?:{_PEOPLE}|口)"
               rf"{_NOT_DURATION}"),
    # 3个孩子周末结伴去水库游泳，全部溺水身亡
    _gated(rf"(?P<n>{NUM}){_APPROX}(?:个|名|位)(?:(?![鱼猪鸡鸭鹅牛羊鸟鹭树苗蜂蚕狗猫虾蟹兔])[^。！？!?\n]){{0,24}}?(?:全部|均|都|全都|全)[^。！？!?\n]{{0,6}}?{_DEATH_VERBS}"),
    # 持刀将三个初三学生捅死 / 把两名村民活活打死: the killed counted before how they were killed
    _gated(rf"(?:将|把)(?P<n>{NUM}){_APPROX}{_PEOPLE}{_NOT_ANIMAL}{{0,8}}?(?:活活|当场)?{_KILLED_BY}"),
    # 29名男生…遭拒后集体自杀: a group's deaths told as one act (not threatened: 扬言集体跳楼 is excluded)
    _gated(rf"(?P<n>{NUM}){_APPROX}{_PEOPLE}{_NOT_ANIMAL}{{0,20}}?集体(?:自杀|服毒|跳楼|跳河|自焚|卧轨)(?!未遂)"),
    # 死亡3人 / 遇难人数升至5人 / 死亡人数达到十二人
    _gated(rf"{_DEATH_VERBS}(?:人数)?(?:已)?(?:升至|上升至|增至|增加到|达到|达|为|共)?(?P<n>{NUM}){_APPROX}{_PEOPLE}"),
    # 造成一死三伤 / 3死2伤 / 致2死
    _gated(rf"(?P<n>{NUM}){_APPROX}(?:人)?死(?:{NUM}{_APPROX}(?:人)?伤)?(?![亡者刑角])"),
    # 致2人死亡 is caught above; 致死3人
    _gated(rf"致死(?P<n>{NUM}){_APPROX}{_PEOPLE}"),
    # 死了三个人 / 三条人命 / 夺走两条生命
    _gated(rf"死了(?P<n>{NUM}){_APPROX}{_PEOPLE}"),
    # 但愿5位小天使在天堂不再有寒冷: children dead, mourned as angels in heaven
    _gated(rf"(?P<n>{NUM})(?:位|个|名)?小天使[^。！？\n]{{0,12}}?(?:天堂|安息|一路走好|离去|逝去)"),
    # (lives saved are no deaths: 救了32条人命, 一条生命将会被挽救)
    _gated(rf"(?<![救挽0-9０-９一二两三四五六七八九十百千万几])(?<!救了)(?P<n>{NUM}){_APPROX}条(?:人命|生命|鲜活的生命)"
           r"(?![^。！？\n]{0,8}?(?:被挽救|挽救回|获救|得救|被救))"),
]
#: a death without a count ("一男子被撞身亡" has a count; "老人不幸身亡" has none)
_DEATH_UNCOUNTED = re.compile(r"(?:身亡|遇难|死亡|丧生|罹难|溺亡|遇害|被打死|被撞死|被砸死|去世|逝世|病逝|不治|殒命|丧命|"
                              r"打死|砍死|刺死|捅死|烧死|摔死|撞死|砸死|杀死|害死|毒死|勒死|掐死|淹死|溺死|闷死|压死|炸死|轧死|碾死|"
                              r"惨死|猝死|暴死|被杀|被害|杀害|刺杀|枪杀|枪决|灭门|命案|凶杀案|牺牲|死了|遗体|尸体|他杀|谋杀|死伤|死于|"
                              r"奸杀|跳楼|坠楼|自杀|(?<![减年])轻生(?![产活])|自焚|卧轨|杀了人|杀夫|杀妻|弑父|弑母|杀人案|死因|"
                              # a body found (一具女尸), a fall, a death on the spot, a death caused (虐待致死: not 致死率,
                              # 可致死, a dose 足以致死)
                              r"[女男]尸|尸首|坠亡|毙命|暴毙|身故|(?<![可会能以])致死(?![率量性])|抢救无效|(?<!差点)(?<!险些)(?<!差一点)(?:没能|未能|没有|没)(?:抢)?救(?:过来|回来)|"
                              # 因一氧化碳中毒而亡; 被推下台阶，竟成了永别
                              r"而亡|成(?:了|为)?永别|"
                              # a death told by the words of a harm: 再也没能醒来, 丢了性命, 葬身火海, 夺去了…生命 (not 失去生命力);
                              # not the gentle words of a tribute or an obituary (离世, 辞世, 永远离开了我们, 愿英灵安息): read
                              # as deaths they made 缅怀先烈 and a painter's obituary 重大或较大 and 负面 (measured, not kept)
                              r"再也没(?:有|能)?(?:醒来|醒过来)|丢(?:了|掉了?)性命|送了命|命丧|葬身|断气|咽气|"
                              r"失去了?(?:宝贵的|年轻的|幼小的)?生命(?!力)|夺去了?[^，。！？\n]{0,6}?(?:生命|性命)(?!力)|"
                              r"停止了?呼吸|自缢|"
                              # died where help was refused or nobody came (因医院拒收死在门口)
                              r"死在(?:了)?(?:门口|路边|路上|街头|医院|病床上|手术台上|产床上|家中|家里|宿舍|车上|车里|井下|工地|"
                              r"河里|水里|看守所|派出所|监狱))")
#: two of a family dead together (家中失火，父母双亡; 夫妻双双遇难), not an orphan's past (自幼父母双亡)
_BOTH_DIED = _gated(r"(?<!自幼)(?<!从小)(?<!早年)(?<!幼年)(?<!年幼)(?:父母|夫妻|夫妇|母子|父子|母女|父女|兄弟|姐妹|兄妹|姐弟|两人|二人)"
                    r"双双?(?:亡|身亡|遇难|死亡|丧生|殒命|遇害)")
#: a household killed: 一家四口人被灭门
_FAMILY_KILLED = _gated(rf"一家(?P<n>{NUM})口(?:人)?[^。！？\n]{{0,6}}(?:被灭门|遇难|死亡|身亡|遇害|丧生)")
#: a death wished on someone, a curse (祝你们早日车祸撞死, 咒你出门被车撞死, 恨不得打死他): nobody died, nobody was hurt
#: (not a surname or a place: 民警祝某被撞死, 祝家庄一村民被打死)
_CURSE = r"(?:(?:祝|咒|诅咒)(?=你|您|他|她|这|那|其|全家|某些|有些)|恨不得|巴不得)[^，,。！？!?\n]{0,12}?死(?:光|掉|绝)?"
_CURSED = _gated(_CURSE)
_DEATH_EXCLUDE = _gated(_CURSE + r"|死亡率|死亡证明|死亡威胁|死亡赔偿金|猪死亡|鸡死亡|鸭死亡|鱼死亡|牛死亡|羊死亡|死亡鱼|死鱼|病死|"
                            r"死角|死胡同|死板|笑死|气死|累死|饿死了|热死|冷死|吓死|烦死|急死|死活|死心|死扛|拼死|死磕|死机|慢性自杀|"
                            # livestock dead (牲畜食用某些转基因玉米后死亡了), not people
                            r"(?:牲畜|家畜|牲口)[^，,。！？\n]{0,16}?(?:死亡|死了|死掉)|"
                            # a crime's victim (被害人, 被害女子: harmed, not killed)
                            r"被害(?:人|者|女子|女孩|女|男子|方|一方)|"
                            # the same figures of speech (吵死了, 穷死了, 坑死人, 这物业真是害死人)
                            r"吵死|穷死|臭死|痛死|疼死|忙死|丑死|馋死|憋死|坑死|愁死|亏死|害死人(?!命)|"
                            # euthanasia is what a shelter does to animals nobody adopts (无人领养就要安乐死了)
                            r"安乐死|"
                            # an amusement ride (跳楼机), and a funeral's services (遗体告别仪式, 遗体运输: a death in the family)
                            r"跳楼机|遗体(?:告别|运输|接运|火化|捐献|捐赠|解剖)|"
                            # what letters say in death's words without a death: a lifeline (一条生命线), a road blocked
                            # (堵死了), an incurable illness (不治之症, 治标不治本), a metaphor (死亡之水, 死亡路段), the dead's
                            # share of land (死亡人口), interests given up (牺牲业主的利益: 牺牲 with an object), a death to
                            # prevent (避免发生更大死亡事故)
                            r"生命线|[堵封锁焊]死|不治之症|不治本|不治的|死亡(?:之|门|陷阱|路段|地带|弯道|人口)|"
                            # names of game heroes, films and genres (死亡颂唱者, 死亡骑士, 死亡笔记, 死亡金属): nobody died
                            r"死亡(?:颂唱者|骑士|笔记|金属|飞车|搁浅|峡谷|列车|岛)|"
                            r"牺牲(?=[\u4e00-\u9fff])(?![了在于者时后的])|"
                            r"(?:避免|防止|以免|杜绝|预防|谨防|免得|别让|不要让|不让)[^，。！？\n]{0,12}?(?:死亡|丧命|伤亡|身亡)|"
                            # what could kill (担心会倒下来砸死人, 交通工具能撞死人, 他是想毒死我们) and a hazard listed
                            # (存在安全隐患，坠楼，高空抛物)
                            r"(?:会|能|可能|要是|想)[^，。！？\n]{0,6}?[撞砸打烧压炸毒]死(?:人|我们|你们|大家)|"
                            r"(?:隐患|风险)[，、：:]?(?:坠楼|溺水|溺亡)|"
                            # a policy's definition quoted (独生子女是指…或兄弟姐妹均于他们生育子女前死亡): words, no death
                            r"(?:是指|系指|界定为)[^。！？\n]*|"
                            # what might happen (一旦医院建成，废弃药物、尸体、病毒传染等将严重危害居民健康)
                            r"(?:一旦|万一|倘若|假如)[^。！？\n]*|"
                            # a letter's relative dead of illness or age (父亲因病去世, 母亲早已病逝; not a celebrity's 病逝,
                            # news by the convention)
                            r"(?:父|母|爸|妈|爷|奶|外公|外婆|丈夫|妻子|老伴|老公|公婆|岳父|岳母|亲人|家人|当家)"
                            r"(?:(?!车祸|事故|被撞|撞|砸|烧|淹|溺|坠|爆炸|工伤|因工|意外|杀|打|害)[^。！？\n，,]){0,12}?"
                            r"(?:去世|逝世|离世|过世|病逝|死了)|因病(?:去世|逝世|离世|过世|死亡|身亡)|"
                            # a relative's natural death a letter starts from (父亲去世后抚恤金未发, 去世多年, 去世了想咨询
                            # 丧葬费): what the letter asks about came after it (not a death at work, 因工去世)
                            r"(?<!因工)(?<!意外)(?:去世|逝世|病逝|离世)(?:了)?(?:后|以后|之后|多年|已久|"
                            r"[^。！？\n]{0,20}?(?:丧葬|抚恤|遗产|继承|遗属|报销|注销|养老金|退休金))|"
                            r"(?:去年|前年|早年|多年前|[0-9一二两三四五六七八九十]+年前)[\u4e00-\u9fff]{0,3}(?:去世|逝世|病逝|离世)|"
                            # a threat, a wish or a fear, not a death (扬言要跳楼, 逼得工人要跳楼, 不至于高考后自杀)
                            r"(?:要|想|扬言|威胁|准备|打算|欲|可能会|甚至会)(?:要|去)?(?:集体)?(?:跳楼|自杀|轻生|自焚|卧轨|跳河)|"
                            r"(?:不至于|以免|免得)[\u4e00-\u9fff]{0,4}?(?:跳楼|自杀|轻生|自焚|卧轨|跳河)|"
                            r"险些[\u4e00-\u9fff]{0,2}(?:去世|死亡|丧命|身亡)|差点[\u4e00-\u9fff]{0,2}(?:死|没命)|"
                            # dying, not dead (老赵，你都要死了，还学什么电脑？; 热得要死了)
                            r"(?:快|就|都)?要死了|快死了|"
                            r"死里逃生|九死|万死|半死|[打弄整砍杀毒]死你|(?:跳楼|自杀|轻生|自焚|卧轨)[^。！？\n]{0,8}(?:未遂|未成|被救|获救|被劝|被拦|救下|救起|劝下|拉回)|"
                            r"(?:劝下|救下|拦下|阻止)[^。！？\n]{0,8}(?:跳楼|自杀|轻生)|防止[^。！？\n]{0,6}(?:自杀|跳楼)|(?:打|砸|烧|撞|摔|咬)死(?:了)?[一两几]?(?:只|条|头)|尸体(?:解剖)?(?:展|标本)|"
                            r"[猪狗犬猫鸡鸭鱼牛羊鸟熊]\S{0,2}(?:被打死|被杀|死了|惨死|暴死|尸体|牺牲)|"
                            # a thing left untreated (蚁窝不治; not 伤重不治, 宣告不治), a saying (死者为大), a death
                            # long past (孤寡老人都死了一二十年) and a thug's boast (来一个打死一个)
                            r"(?<![重告效终后医救伤院])不治(?![身而死去亡])|死者为大|死了[一二两三四五六七八九十几多数好]+年|"
                            r"来一个[打杀砍]死一个|"
                            # a natural death told with its funeral (有人在办葬礼…逝世的人我们怀念) and a death of an
                            # illness's organ failure (多器官衰竭而死亡): nobody harmed (an accident's 身亡 stays read)
                            r"(?:葬礼|丧事|白事|灵堂|出殡)[^。！？\n]{0,30}?(?:去世|逝世|离世|过世)|"
                            r"(?:去世|逝世|离世|过世)[^。！？\n]{0,30}?(?:葬礼|丧事|白事|灵堂|出殡)|"
                            r"衰竭(?:而|后)?(?:死亡|去世|离世|过世)")
#: deaths no count tells that are none (looked for only where an uncounted death word is, few texts): an animal's,
#: told with no person between (家里的公狗上个月因癌症去世), and the slogan against killing them (没有买卖，就没有杀害);
#: a statistic (矿难死亡人数占全球80％), a metaphor (新闻已死, 新闻未必死了), a virus's maker (自产自杀木马) and a death
#: supposed (也许不知道什么时候，他就死了) or threatened (要把李天一害死)
_NOT_A_DEATH = re.compile(r"(?:[猪狗犬猫鸡鸭鱼牛羊鸟熊猴兔]|动物)(?:(?![人男女孩童者民工生爷奶妈爸父母婴儿士警官汉兵])[^，。！？\n]){0,8}?"
                          r"(?:去世|离世|死亡|死了|惨死|暴死|被杀|被害|病死|[摔踩打砸撞烧毒淹闷压砍]死)"
                          r"(?:[^，。！？\n]{0,8}?(?:去世|离世|死亡|死了))?|"
                          r"没有(?:杀害|杀戮)|死亡人数(?:占|居|位居|排名|世界|全球)|"
                          r"(?:每年|每天|每分钟|每小时|全球|全国|平均|大多|多数|很多人|不少人)[^，。！？\n]{0,12}?死于|"
                          # life and death disregarded (置百姓生死于不顾), and an illness's natural death (死于心脏病)
                          r"生死于|死于(?:心脏病|心肌梗|心梗|癌|肝癌|肺癌|胃癌|疾病|衰老|高血压|脑溢血|糖尿病)|"
                          r"(?:新闻|理想|梦想|爱情|良知|良心|道德|法治|正义|青春|灵魂)(?:已经?|未必|早就?|彻底)?死(?:了|去)?|"
                          r"自产自杀|(?:也许|或许|说不定|万一|如果|要是)[^。！？\n]{0,16}?就(?:会)?死(?:了|掉)?|"
                          # a death threatened or feared, not told (这样的逻辑，要把李天一害死)
                          r"(?:要|会|想|非|能)把[^，。！？\n]{0,8}?(?:害死|逼死|整死|弄死|气死|笑死)")
_INJURY_PATTERNS = [
    _gated(rf"(?P<n>{NUM}){_APPROX}{_PEOPLE}[\u4e00-\u9fff]{{0,6}}?(?:不同程度)?(?:受伤|受轻伤|受重伤|重伤|轻伤|烧伤|烫伤|被打伤|被砸伤|被撞伤)"),
    _gated(rf"(?:受伤|伤者)(?:人数)?(?:升至|达到|达|为|共)?(?P<n>{NUM}){_APPROX}{_PEOPLE}"),
    _gated(rf"{NUM}{_APPROX}(?:人)?死(?P<n>{NUM}){_APPROX}(?:人)?伤"),
    _gated(rf"(?<![0-9一二两三四五六七八九十])(?P<n>{NUM}){_APPROX}(?:人)?伤(?![心害口疤感])"),
    # 歹徒砍伤5人 / 车辆撞伤两名行人: the injuring told before its count
    _gated(rf"[打砍刺捅烧砸撞炸咬烫轧]伤(?:了)?(?P<n>{NUM}){_APPROX}{_PEOPLE}{_NOT_DURATION}"),
]
#: people in a group: 二十多名村民 / 上百人 / 数十名工人
#: what a count of people ends in (and _crowd_matches looks for)
_CROWD_UNITS = "名个位人户家"
_CROWD = _gated(rf"(?P<n>{NUM}){_APPROX}(?:{'|'.join(_CROWD_UNITS)})")
_SICK = _gated(rf"(?P<n>{NUM}){_APPROX}{_PEOPLE}[\u4e00-\u9fff]{{0,8}}?(?:出现|发生|陆续)?(?:腹泻|呕吐|发烧|发热|中毒|不适|送医|就医|入院|住院|就诊|感染)"
              # (not care out of reach: 数千名群众就医很不方便)
              rf"(?!很?不?方便|不便|难|困难)")
#: 中毒人数升至45人 / 送医治疗的学生已达32名 / 感染病例增至12例: the count after the illness
_SICK_TALLY = _gated(rf"(?:中毒|腹泻|呕吐|感染|发病|送医|就医|入院|住院|就诊)[\u4e00-\u9fff]{{0,6}}?(?:人数|病例|患者|学生|村民|群众|人员)?"
                     rf"(?:已)?(?:升至|上升至|增至|增加到|达到|达|共)(?P<n>{NUM}){_APPROX}(?:{_PEOPLE}|例){_NOT_DURATION}")
#: what a count in 家 or 个 may count instead of people, named just before it (检查单位218家)
_NOT_PEOPLE_BEFORE = re.compile(r"单位|企业|商户|商家|门店|店铺|场所|工厂|公司|学校|医院|餐馆|饭店|酒店|网点|隐患|问题|项目|部门|小区|景区")
_NOT_PEOPLE_AFTER = re.compile(r"^(?:小时|天|年|月|日|分钟|元|万|岁|米|公里|层|楼|号|次|辆|间|亩|平)")
#: households (户) are a crowd only when the clause has them act together (30多户村民聚集, 十几户联名反映);
#: a notice's tally of households (评估结果公示：共计612户) counts homes, not people at a gate
_HOUSEHOLDS_ACT = re.compile(r"聚集|上访|集访|维权|讨要|讨薪|围堵|堵路|堵门|拦路|拉横幅|举牌|抗议|静坐|联名|集体|"
                             r"到(?:镇|县|区|市|乡|街道)|来到|前往|围在|冲突|反映|投诉|请愿")
_CLAUSE_END = re.compile(r"[。！？；\n]")


_CLAIMED_SHARES = re.compile(rf"(?:转发|转载|评论|转评|阅读|播放)[^。！？\n]{{0,6}}?(?:已|就)?(?:超过|超|达到|达|破|过|近)(?P<n>{NUM})(?P<w>万|千)?(?:次|条|人|余次|多次)?")
_CLAIMED_SHARES_2 = _gated(rf"(?P<n>{NUM})(?P<w>万|千)(?:多|余)?(?:次|条)?(?:转发|转评|评论)")


def claimed_shares(text: str) -> int:
    """Reposts or comments a post says it has (转发评论已超过两万次 → 20000; 阅读 is not counted)."""
    best = 0
    for pat in (_CLAIMED_SHARES, _CLAIMED_SHARES_2):
        for m in pat.finditer(text):
            if m.group(0).startswith(("阅读", "播放")):
                continue
            n = parse_number(m.group("n"))
            if n is None:
                continue
            n *= {"万": 10000, "千": 1000}.get(m.group("w") or "", 1)
            best = max(best, n)
    return best


def _max_count(patterns, text: str) -> int:
    best = 0
    for pat in patterns:
        for m in pat.finditer(text):
            n = parse_number(m.group("n"))
            if n is not None and n < 100000:
                best = max(best, n)
    return best


#: one death told and then denied (他没死 已经抢救过来了; 死讯是假的): no death
_DEATH_DENIED = re.compile(r"没死|没有死|并没有死|并未死亡|死讯[^。！？\n]{0,6}?(?:假|谣|不实)|"
                           r"(?:去世|身亡|死亡)的?(?:消息|传闻)?(?:是|系|纯属|为)(?:假|谣言|不实)")


def count_deaths(text: str) -> int:
    """The largest death toll stated in the text (0 if none, 1 for an uncounted death)."""
    text = _DEATH_EXCLUDE.sub("", text)
    text = NEGATION_OF_HARM.sub("", text)
    n = max(_max_count(_DEATH_PATTERNS, text), _max_count([_FAMILY_KILLED], text), 2 if _BOTH_DIED.search(text) else 0)
    if n == 0 and _DEATH_UNCOUNTED.search(text) and not _DEATH_DENIED.search(text):
        text = _NOT_A_DEATH.sub("", text)
        for m in _DEATH_UNCOUNTED.finditer(text):
            if not _ANIMAL_BEFORE.search(text[max(0, m.start() - 6): m.start()]):
                return 1
    return n


def count_injured(text: str) -> int:
    text = NEGATION_OF_HARM.sub("", text)
    return _max_count(_INJURY_PATTERNS, text)


def count_sick(text: str) -> int:
    """People made ill (food poisoning, polluted water): 30多名学生出现呕吐."""
    return _max_count([_SICK, _SICK_TALLY], text)


def _clause_around(text: str, start: int, end: int, reach: int = 20) -> str:
    """The words of the clause around text[start:end], at most ``reach`` characters each side."""
    before = text[max(0, start - reach): start]
    cut = [m.end() for m in _CLAUSE_END.finditer(before)]
    after = text[end: end + reach]
    stop = _CLAUSE_END.search(after)
    return before[cut[-1] if cut else 0:] + text[start:end] + (after[: stop.start()] if stop else after)


def crowd_size(text: str) -> int:
    """The largest group of people the text counts (二十多名村民 → 20; 上百人 → 100)."""
    return crowd(text)[0]


def crowd(text: str) -> tuple[int, str]:
    """The largest group the text counts and what it counts: 人 (people), or 户 when the group is
    households acting together (30多户村民聚集 → (30, "户"): at least as many people, said as counted)."""
    best, unit = 0, "人"
    for m in _crowd_matches(text):
        after = text[m.end(): m.end() + 2]
        n = parse_number(m.group("n"))
        if n is None or n >= 1000000 or _NOT_PEOPLE_AFTER.match(after):
            continue
        if m.group(0)[-1] in "家个" and _NOT_PEOPLE_BEFORE.search(text[max(0, m.start() - 8): m.start()]):
            continue  # 检查单位218家, 整改隐患12个: places and things counted, not people
        if m.group(0)[-1] == "户" and not _HOUSEHOLDS_ACT.search(_clause_around(text, m.start(), m.end())):
            continue  # 共计612户: homes tallied, not a crowd
        if n > best:
            best, unit = n, "户" if m.group(0)[-1] == "户" else "人"
    for word, n in (("上百", 100), ("数百", 200), ("几百", 200), ("上千", 1000), ("数十", 20), ("几十", 20),
                    ("大批", 30), ("大量群众", 30), ("众多", 20), ("成百上千", 500)):
        if n > best and word in text and any(not _VAGUE_NOT_PEOPLE.match(text, m.end())
                                             for m in re.finditer(word, text)):
            best, unit = n, "人"
    return best, unit


#: what follows a vague count that counts no people (工作了几十年, 上千元, 数百万, 几十条意见, 众多问题)
_VAGUE_NOT_PEOPLE = re.compile(r"[多余来]?(?:年|月|天|日|小时|分钟|元|块|万|亿|千|百|倍|岁|米|公里|平|亩|层|楼|次|辆|间|"
                               r"条|件|项|套|栋|座|所|处|种|类|份|张|本|篇|页|斤|公斤|吨|台|部|只|头|棵|株|个月|个小时|"
                               r"问题|事|年代|度|周|期|届)")


#: the characters a count is written with (those of NUM and _APPROX): a match of _CROWD is a run of them
#: and then one of _CROWD_UNIT's
_COUNT_CHARS = frozenset("0123456789０１２３４５６７８９.〇" + "".join(ch for ch in NUM + _APPROX if "\u4e00" <= ch <= "\u9fff"))
_CROWD_UNIT = re.compile(f"[{_CROWD_UNITS}]")


def _crowd_matches(text: str):
    """``_CROWD.finditer(text)``, tried only in the run of count characters just before each unit (二十多|名)
    rather than at every character that may start a number (一 starts 一起 and 统一 too)."""
    match = _CROWD.pattern.match
    pos = 0
    for unit in _CROWD_UNIT.finditer(text):
        j = i = unit.start()
        while i > pos and text[i - 1] in _COUNT_CHARS:
            i -= 1
        for p in range(i, j):  # a match that ends at this unit starts in the run, the leftmost first
            m = match(text, p)
            if m is not None:
                yield m
                pos = m.end()
                break


# -- the whole picture ------------------------------------------------------------

@dataclass
class TextSignals:
    """What the rubric needs to know about an event's text."""

    deaths: int = 0
    injured: int = 0
    sick: int = 0
    crowd: int = 0
    crowd_unit: str = "人"  # or 户: households counted (see crowd)
    shares: int = 0
    serious_injury: list[str] = field(default_factory=list)
    mass_casualty: list[str] = field(default_factory=list)
    mass_strong: list[str] = field(default_factory=list)
    gathering: list[str] = field(default_factory=list)
    clash: list[str] = field(default_factory=list)
    government_place: list[str] = field(default_factory=list)
    gathered_at: list[str] = field(default_factory=list)  # government places a gathering is told at (_gathered_at)
    gather_call: list[str] = field(default_factory=list)
    central_media: list[str] = field(default_factory=list)
    provincial_media: list[str] = field(default_factory=list)
    trending: list[str] = field(default_factory=list)
    big_v: list[str] = field(default_factory=list)
    critical_coverage: list[str] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)  # the officials it is about (see _accused)
    allegations: list[str] = field(default_factory=list)
    official_wrongs: list[str] = field(default_factory=list)  # what officials or offices are said to have done
    abduction: list[str] = field(default_factory=list)
    stability_threat: list[str] = field(default_factory=list)  # a mass jailbreak, a terror attack (_STABILITY_THREAT)
    money_lost: list[str] = field(default_factory=list)  # investors' money lost to a scheme (_MONEY_LOST)
    collapse: list[str] = field(default_factory=list)  # a bridge, building or tunnel that fell
    disaster: list[str] = field(default_factory=list)
    disaster_relief: list[str] = field(default_factory=list)  # a disaster's relief or mourning told (_disaster_relief)
    wage: list[str] = field(default_factory=list)
    benefits: list[str] = field(default_factory=list)
    protest: list[str] = field(default_factory=list)
    owed: list[str] = field(default_factory=list)  # money or a benefit withheld or claimed back (OWED_WORDS)
    staff: list[str] = field(default_factory=list)  # a body of staff named as one (我们一线员工, 退休教师的待遇)
    demolition_violent: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    violence: list[str] = field(default_factory=list)
    incident: list[str] = field(default_factory=list)
    many: list[str] = field(default_factory=list)
    rumour: list[str] = field(default_factory=list)
    denial: list[str] = field(default_factory=list)
    fast_spread: list[str] = field(default_factory=list)
    complaint: list[str] = field(default_factory=list)
    enquiry: list[str] = field(default_factory=list)
    positive: list[str] = field(default_factory=list)
    no_harm: bool = False

    def as_features(self) -> dict[str, float]:
        """Numeric features for the severity model (counts are capped and binned)."""
        out: dict[str, float] = {}
        for name, any_key, log_key in _COUNT_KEYS:
            n = getattr(self, name)
            out[any_key] = float(n > 0)
            out[log_key] = min(_log1p(n), 5.0)
        for name, value in self.__dict__.items():
            if isinstance(value, list) and name not in _RULE_ONLY:
                key = _LIST_KEYS.get(name)
                if key is None:
                    key = _LIST_KEYS[name] = f"sig_{name}"
                out[key] = float(min(len(value), 3))
        out["sig_no_harm"] = float(self.no_harm)
        return out


#: lists the rubric reads that are no feature of the severity model (what it weighs was chosen on its own)
_RULE_ONLY = frozenset({"owed", "staff", "stability_threat", "money_lost", "disaster_relief"})
#: the feature names, made once (not two f-strings per count and one per list of every event)
_COUNT_KEYS = tuple((name, f"sig_{name}_any", f"sig_{name}_log") for name in ("deaths", "injured", "sick", "crowd", "shares"))
_LIST_KEYS: dict[str, str] = {}


def _log1p(n: float) -> float:
    return math.log1p(max(n, 0))


#: a clause about prevention, drills or campaigns tells of no incident (模拟化工厂泄漏, 谨防上当受骗, 未发生欠薪)
_PREVENTIVE_CLAUSE = re.compile(r"演练|演习|模拟|科普|知识竞赛|讲座|谨防|防范|预防|杜绝|严防|严禁|"
                                r"未发生|没有发生|未出现|没有出现|零发生|专项行动|专项检查|排查|假如|倘若")
#: a sentence about the past, elsewhere in general, statistics or the honoured dead: not this incident
_OTHER_TIME_SENTENCE = _gated(r"多年前|[0-9一二两三四五六七八九十几]+年前|历史上|昔日|周年|"
                                  # last year's, told as background (去年6月12日3个学生溺水身亡), not a wrong
                                  # lasting till now (去年至今一直拖欠, 去年搞的，现在树死了一大半) nor a new year's
                                  # news of the last weeks (去年12月31日的踩踏)
                                  r"(?:去年(?!1[12]月|年底|年末|底|冬)|前年)(?![^。！？!?\n]*?(?:至今|以来|到现在|到今天|现在|目前|一直|仍|还|今年))|"
                                  r"追授|追记|追认|烈士|英烈|英模|事迹|祭扫|"
                                  r"今年以来|近年来|历年|往年|以往|同期|据统计|统计显示|统计数据|统计表明|统计局|"
                                  # a tally of incidents (累计发生12起), not one incident's toll (此次事故累计造成5人死亡)
                                  r"累计(?:发生|接报|接到|报告|受理|处理|查处|办理|排查|检查|完成)")
#: a year written out as the time of what is told (1998年夏天, 1943年冬, 2016年7月): a sentence dated only to
#: years before the event's own tells of the past (not 1999年建成的大桥, which dates the bridge)
_YEAR = _gated(r"(?<![0-9])((?:1[0-9]|20)[0-9]{2})\s*年(?=[春夏秋冬初底末间中]|[0-9一二三四五六七八九十]{1,2}月|前后|那|[，,])")
_CLAUSE = re.compile(r"[，,。！!？?；;\n]+")
_SENTENCE = re.compile(r"[。！!？?\n]+")
#: a run of ends holding a sentence's end (。, ！, ？ or a new line), and a run of clause ends alone
_SENTENCE_ENDS = re.compile(r"[，,；;]*[。！!？?\n][，,。！!？?；;\n]*")
_CLAUSE_ENDS = re.compile(r"[，,；;]+")


_HEARSAY = re.compile(r"网传|传言|传闻|谣|据说|听说|有人说|群里说|朋友圈")
#: any of DENIAL_WORDS (one search, not one per word)
_DENIED = re.compile("|".join(map(re.escape, DENIAL_WORDS)))


_ELSEWHERE = re.compile(r"邻县|隔壁县|邻近县|周边县|外县|别的县|其他县|兄弟县|邻市|隔壁市|外市|邻省|隔壁省")
#: what a county's name ends in (and _counties looks for)
_COUNTY_ENDS = "[县区]"
_COUNTY = _gated(r"[\u4e00-\u9fff]{2,3}" + _COUNTY_ENDS)
_NOT_A_COUNTY = re.compile(r"(?:本|我|全|该|此|各|两|县|城|辖|社|园|景|校|山|矿|厂|街|开发|高新|新|老|市|小|郊|片|病|禁|灾|营|服务|商业|工业|住宅|生活|风景|保护|示范|试验|自贸|校)[县区]$")


def _other_place(clause: str, own: tuple[str, ...], lookalikes: tuple[str, ...]) -> bool:
    """The clause is about another county or district (a look-alike name, 邻县, 南河县 when we are 云溪县)."""
    if _ELSEWHERE.search(clause):
        return True
    for name in lookalikes:
        if name in clause and not any(name in o and o in clause for o in own if o != name):
            return True
    if not own or any(o in clause for o in own):  # another county is elsewhere only where ours is not named
        return False
    return any(_foreign(m.group(0), own) for m in _counties(clause))


def _counties(text: str):
    """``_COUNTY.finditer(text)``, tried only where a match can start: two or three characters before a
    县 or 区 (every match ends in one), rather than at every character of the text."""
    pos = tried = 0
    for end in _COUNTY_END.finditer(text):
        j = end.start()
        for p in range(max(j - 3, pos, tried), j - 1):  # the starts j-3 and j-2, in order, each tried once
            m = _COUNTY_MATCH(text, p)
            if m is not None:
                yield m
                pos = m.end()
                break
        tried = j - 1


_COUNTY_END = re.compile(_COUNTY_ENDS)
_COUNTY_MATCH = _COUNTY.pattern.match


def _foreign(county: str, own: tuple[str, ...]) -> bool:
    """A county or district name that is not ours (nor 本县, 城区, 开发区 …)."""
    return not (_NOT_A_COUNTY.search(county) or any(county in o or o in county for o in own))


#: after a year, a date of birth (毕某，女，1987年3月15日生): the person's age, not the time of what is told
_BORN = re.compile(r"\s*[0-9一二三四五六七八九十]{1,2}月(?:[0-9一二三四五六七八九十]{1,3}[日号])?\s*(?:出)?生(?![产活意态病])")


#: what keeps a dated sentence in the present: money still owed (2018年底关门，有些工资都没拿到): a debt told from the
#: day it began is today's claim (a wrong merely lasting, 停水至今, keeps no long sentence's past incidents)
_STILL_OWED = _gated("|".join(w for w in OWED_WORDS if w not in ("退还", "返还", "结清", "骗取", "被骗", "挪用", "侵占")))


#: years before the event's that are still its present: what a post tells of the year before is mostly the issue
#: itself, retold (a letter of 2019 on a tender rigged in 2018年6月, 2018年8月30日强行开标), not history
RECENT_YEARS = 1


def _past_year(sentence: str, year: int | None) -> bool:
    """The sentence names a year, and every year it names is more than RECENT_YEARS before ``year`` (the event's),
    and it tells of nothing still owed: 1998年的洪水."""
    if year is None:
        return False
    years = [int(m.group(1)) for m in _YEAR.finditer(sentence) if not _BORN.match(sentence, m.end())]
    return bool(years) and max(years) < year - RECENT_YEARS and _STILL_OWED.search(sentence) is None


#: a text that calls itself fiction (#段子#, @经典丶微小说, 【寓言】): the deaths and injuries it tells happened to nobody
_FICTION = re.compile(r"#(?:段子|微小说|小小说|微寓言|寓言|冷笑话|微故事)#|微小说|小小说|【(?:段子|笑话|冷笑话|寓言|微小说|小小说)】")


def risk_text(text: str, own: tuple[str, ...] = (), lookalikes: tuple[str, ...] = (), year: int | None = None) -> str:
    """The text without its clauses about prevention, drills and campaigns, the past (before ``year``, the
    year of the event's posts, when known) or another place, nor, when the text denies a rumour, the clauses
    that tell the rumour; nothing of a text that calls itself fiction."""
    if _FICTION.search(text):
        return ""
    denied = _DENIED.search(text) is not None
    # what could leave out a sentence or a clause is first looked for in the whole text (a sentence holds
    # nothing the text does not): most texts have none of it, and are only cut into their clauses
    lookalikes = tuple(name for name in lookalikes if name in text)
    # (a county named in a sentence is named so in the text: the sentences' ends are no part of a name)
    places = bool(lookalikes) or _ELSEWHERE.search(text) or (
        own and any(_foreign(m.group(0), own) for m in _counties(text)))
    times = _OTHER_TIME_SENTENCE.search(text) or (year is not None and _YEAR.search(text))
    clauses = _PREVENTIVE_CLAUSE.search(text) or (denied and _HEARSAY.search(text))
    if not (places or times or clauses):
        # each run of ends made one "。" where a sentence ends in it, one "，" where only a clause does, and
        # none left at either end: what reads sentences (an official's wrong, a gathering's place) still can
        return _CLAUSE_ENDS.sub("，", _SENTENCE_ENDS.sub("。", text)).strip("，。")
    keep = []
    for sentence in _SENTENCE.split(text):
        if not sentence or (places and _other_place(sentence, own, lookalikes)) \
                or (times and (_OTHER_TIME_SENTENCE.search(sentence) or _past_year(sentence, year))):
            continue
        kept = [c for c in _CLAUSE.split(sentence)
                if c and not (clauses and (_PREVENTIVE_CLAUSE.search(c) or (denied and _HEARSAY.search(c))))]
        if kept:
            keep.append("，".join(kept))
    return "。".join(keep)


#: complaint words that are also part of a word that complains of nothing: 不发 (工资不发, 迟迟不发放) in 不发达 (a city's
#: roads 已经落后…不发达, in a letter that suggests new ones)
_COMPLAINT_LOOKALIKES = {"不发": ("不发达",)}


def _complaints(words: list[str], text: str) -> list[str]:
    """The complaint words found, less those found only inside a look-alike word that complains of nothing."""
    if not any(w in _COMPLAINT_LOOKALIKES for w in words):
        return words
    kept = []
    for w in words:
        rest = text
        for look in _COMPLAINT_LOOKALIKES.get(w, ()):
            rest = rest.replace(look, "")
        if w in rest:
            kept.append(w)
    return kept


def read_signals(text: str, officials: list[str] | tuple[str, ...] = (), own: tuple[str, ...] = (),
                 lookalikes: tuple[str, ...] = (), year: int | None = None) -> TextSignals:
    """Every rubric signal in one text (an event's posts joined). ``own`` are the locality's names and
    ``lookalikes`` other places with similar names: what happens elsewhere does not count here, nor what
    a sentence dates to a year before ``year`` (the year of the event's posts, when known)."""
    full = text
    text = _CURSED.sub("", risk_text(text, tuple(own), tuple(lookalikes), year))
    words = _text_lexicons(tuple(officials)).found(text)  # each list's words in the text (as _any)
    crowd_size_, crowd_unit = crowd(text)
    harm_told = NEGATION_OF_HARM.sub("", text)
    unharmed = _EARTH_DUG.sub("", _HARM_AT_LARGE.sub("", _NO_DANGER.sub("", harm_told)))
    told = _FULL_LEXICONS.found(full)  # positive and enquiry are read from the whole text
    mass_text = _no_mass_words(text)  # (read once: gatherings, mass words, clashes and calls are read from it)
    gathering = _not_negated(mass_text, words["gathering"])
    if "跪求" in gathering and not _pleaded_by_many(text):  # a letter's plea (跪求政府部门解决), not a crowd's
        gathering.remove("跪求")
    # who the text is about: not the officials a letter is addressed to
    about = _NOT_AN_OFFICIAL.sub("·", _ADDRESS.sub("", text)) if words["leaders"] or words["official_actors"] else text
    allegations = _unhedged(about, _asserted(about, words["allegations"]))
    if "保护伞" in allegations and "保护伞" not in _PROTECTOR_WONDERED.sub("", text):
        allegations = [w for w in allegations if w != "保护伞"]
    if "套" in about or "二奶" in about or "个老婆" in about or "个情" in about:
        allegations = allegations + [m.group(0) for m in _KEPT_RICHES.finditer(about)][:2]
    staff_body = [m.group(0) for m in _STAFF_BODY.finditer(text)]
    scare_harm, scare_reach = food_scare(text)
    # made whole at once: the fields' empty default lists are not made only to be replaced
    return TextSignals(
        deaths=count_deaths(text),
        injured=count_injured(text),
        sick=count_sick(text),
        crowd=crowd_size_,
        crowd_unit=crowd_unit,
        shares=claimed_shares(text),
        no_harm=harm_told != text,  # (what NEGATION_OF_HARM finds is never empty)
        # taking out 无人员伤亡 may join what was around it into a new word: then the words are looked for anew
        serious_injury=words["serious_injury"] if unharmed == text else _any(unharmed, SERIOUS_INJURY_WORDS),
        collapse=[m.group(0) for m in _STRUCTURE_COLLAPSE.finditer(text)][:2],
        mass_casualty=_mass_casualty(text, words["mass_casualty"]),
        mass_strong=_not_negated(mass_text, words["mass_strong"]) + [m.group(0) for m in [_JAM_BY_PROTEST.search(text)] if m],
        gathering=gathering,
        clash=_not_negated(mass_text, words["clash"]),
        government_place=words["government_place"],
        gathered_at=_gathered_at(text, gathering, words["government_place"]),
        gather_call=[m.group(0) for pat in _GATHER_RES for m in [pat.search(mass_text)] if m],
        central_media=_central_coverage(_NOT_CENTRAL.sub("", text)),
        critical_coverage=[m.group(0) for m in _CRITICAL.finditer(text)][:3],
        provincial_media=words["provincial_media"],
        trending=words["trending"],
        big_v=words["big_v"],
        leaders=_accused(about, words["leaders"], allegations) if words["leaders"] else [],
        allegations=allegations,
        official_wrongs=_official_wrongs(*_invoices_inflated(_NOT_AN_ABUSE.sub("", about),
                                                             _asserted(about, words["official_wrongs"])),
                                         actors=words["official_actors"]) + _rigged(about),
        abduction=words["abduction"],
        stability_threat=_threats_told(text),
        money_lost=[m.group(0) for m in _MONEY_LOST.finditer(text)][:2],
        # (暂无人员伤亡 is no casualty, and a strong earthquake told with none no disaster)
        disaster=_disaster_casualties(harm_told, words["disaster_words"]) + _strong_quake(text, harm_told == text),
        disaster_relief=_disaster_relief(text, words["disaster_words"], full),
        wage=words["wage"],
        benefits=[w for w in words["benefits"] if w != "安置" or _RESETTLEMENT.search(text)],
        protest=[w for w in words["protest"] if w != "集体" or _COLLECTIVE_ACT.search(text)],
        owed=[w for w in words["owed"] if w != "不发" or _NOT_PAID.search(text)],
        demolition_violent=_homes_demolished(text, _asserted(text, words["demolition_violent"])
                                             or [m.group(0)[:12] for m in _FORCED_DEMOLITION.finditer(text)][:2]),
        group=([m.group(0) for m in _GROUP.finditer(text)] + staff_body)[:3],
        staff=[w for w in staff_body if not _NOT_STAFF.search(w)],
        violence=_asserted(text, words["violence"]),
        incident=_incidents(text, words["incident"]) + scare_harm,
        many=words["many"] or words["mass_hazard"] or scare_reach,
        rumour=words["rumour"],
        denial=words["denial"],
        fast_spread=words["fast_spread"],
        # harm denied (无人死亡) or over (已脱离危险) is no complaint
        complaint=_complaints(words["complaint"] if unharmed == text else [w for w in words["complaint"] if w in unharmed],
                              text),
        enquiry=told["enquiry"],
        positive=told["positive"],
    )


#: gathering words that are a plea as often as an act (跪求领导做主, 跪求转发)
_PLEA_WORDS = frozenset({"跪求"})
#: people counted without a measure word too (数千居民, 上百名村民)
_PEOPLE_COUNTED = _gated(rf"{NUM}{_APPROX}(?:名|个|位|人)?(?:居民|村民|群众|学生|家长|业主|工人|农民工|职工|员工|老人|市民|农民|商户)")


def _pleaded_by_many(text: str) -> bool:
    """Whether many make a plea, named in its clause (数千居民与学生跪求政府), not one letter's writer (跪求政府部门
    重视，…我们全体业主强烈要求)."""
    return any(_PEOPLE_COUNTED.search(c) or _GROUP.search(c) or _STAFF_BODY.search(c)
               for c in _CLAUSE.split(text) if any(w in c for w in _PLEA_WORDS))


def _gathered_at(text: str, gathering: list[str], places: list[str]) -> list[str]:
    """The government places a gathering is told at: named in one sentence with a gathering act. A letter
    that asks the 政府 for help in one sentence and 跪求 its leaders in another tells of nobody gathered
    anywhere."""
    if not gathering or not places:
        return []
    acts = [w for w in gathering if w not in _PLEA_WORDS]
    pleas = [w for w in gathering if w in _PLEA_WORDS]
    out: list[str] = []
    for sentence in _SENTENCE.split(text):
        # a plea is an act when many make it (数千居民与学生跪求政府)
        if any(a in sentence for a in acts) or any(w in sentence for w in pleas) and _pleaded_by_many(sentence):
            out += [p for p in places if p in sentence and p not in out and _a_place_in(p, sentence)]
    return out


#: what follows a government's name when the name is no place (政府的文件在他们公司算个屁), not its gate (政府的大门)
_NOT_A_PLACE_AFTER = re.compile(r"的(?!门口|大门|大院|大楼|楼前|院子|广场)")


def _a_place_in(place: str, sentence: str) -> bool:
    """The government place named as a place somewhere in the sentence, not only as whose something is."""
    start = sentence.find(place)
    while start >= 0:
        if not _NOT_A_PLACE_AFTER.match(sentence, start + len(place)):
            return True
        start = sentence.find(place, start + 1)
    return False


#: the lists read_signals looks up in the risk text (see _Lexicons), by the name of what they find
_TEXT_LISTS = {
    "serious_injury": SERIOUS_INJURY_WORDS, "mass_casualty": MASS_CASUALTY_WORDS, "mass_strong": MASS_STRONG,
    "gathering": GATHER_WORDS, "clash": CLASH_WORDS, "government_place": GOVERNMENT_PLACES,
    "provincial_media": PROVINCIAL_MEDIA_HINTS, "trending": TRENDING_WORDS, "big_v": BIG_V_WORDS,
    "allegations": ALLEGATION_WORDS, "official_actors": OFFICIAL_ACTORS, "official_wrongs": OFFICIAL_WRONGS,
    "abduction": ABDUCTION_WORDS, "disaster_words": MAJOR_DISASTER_WORDS, "wage": WAGE_WORDS,
    "benefits": BENEFIT_WORDS, "protest": PROTEST_WORDS, "demolition_violent": DEMOLITION_VIOLENT,
    "violence": VIOLENCE_WORDS, "incident": INCIDENT_WORDS, "many": MANY_WORDS, "mass_hazard": MASS_HAZARD_WORDS,
    "rumour": RUMOUR_WORDS, "denial": DENIAL_WORDS, "fast_spread": FAST_SPREAD_WORDS, "complaint": COMPLAINT_WORDS,
    "owed": OWED_WORDS,
}
_FULL_LEXICONS = _Lexicons({"positive": POSITIVE_WORDS, "enquiry": ENQUIRY_WORDS})


@functools.lru_cache(maxsize=16)
def _text_lexicons(officials: tuple[str, ...]) -> _Lexicons:
    """The lists of the risk text, with the leaders: the locality's officials, then the titles."""
    return _Lexicons({**_TEXT_LISTS, "leaders": tuple(dict.fromkeys([*officials, *LEADER_TITLES]))})


_GATHER_RES = [_gated(p) for p in GATHER_CALLS]
_CENTRAL_NAMES = "|".join(sorted(map(re.escape, CENTRAL_MEDIA), key=len, reverse=True))
#: a central outlet as the source or the voice of the story (据新华社, 央视曝光, 人民网揭出, 人民日报刊文, #央视快讯#, a post
#: opening with its programme: 《央视焦点访谈》可口可乐承认…), not one named in passing or as a photo credit
#: (新华社记者某某 摄, 新华网 http://…), nor its staff's tip (央视员工爆料)
_CENTRAL_COVERAGE = _gated(
    rf"(?:据|经|来自|转自|来源[:：]?\s*|#|^\s*《)(?P<a>{_CENTRAL_NAMES})|"
    rf"(?P<b>{_CENTRAL_NAMES})(?:[^。！？\n，,]{{0,6}}?|[^。！？\n，,]{{0,8}}?记者[\u4e00-\u9fff]{{0,4}}?)(?<![不没未])(?<!没有)(?:报道|曝光|披露|播出|调查|追问|质问|点名|评论|刊文|发文|关注|通报|"
    rf"消息|快讯|微评|头版|暗访|记者调查|问责|聚焦|揭露|揭出|揭开|曝出|起底)")


def _central_coverage(text: str) -> list[str]:
    """Central outlets that carry or voice the story (see _CENTRAL_COVERAGE; not one that does not: 谁说央视不关注
    民生？)."""
    found = []
    for m in _CENTRAL_COVERAGE.finditer(text):
        name = m.group("a") or m.group("b")
        if name not in found:
            found.append(name)
    return found


#: an earthquake strong enough to be a disaster whatever the post says of its toll (雅安7级地震, 发生6.5级地震; not
#: 河源4.8级地震, which the dev labels grade a local notice)
_STRONG_QUAKE = re.compile(r"(?<![\d.])([6-9](?:\.\d)?)\s*级(?:强烈|强)?地震")


def _strong_quake(text: str, nothing_denied: bool) -> list[str]:
    """A strong earthquake named, when the text denies no harm."""
    if not nothing_denied or "级" not in text:
        return []
    return [m.group(0)] if (m := _STRONG_QUAKE.search(text)) else []


#: a disaster's victims, their rescue, relief or mourning (灾区的人民怎么度过这个夜晚, 抗震救灾, 为雅安祈福, 余震不断，悲惨一幕,
#: 见到救援人员的大熊猫): what a post about a disaster under way tells, whatever its tone — not a drill's 应急救援
_DISASTER_RELIEF = re.compile(r"抗震救灾|抗洪抢险|救灾|赈灾|灾民|受灾群众|灾区(?:的)?(?:人民|群众|同胞|朋友|孩子)|搜救|救援人员|"
                              r"幸存者|废墟|为[^，。！？\s]{1,8}祈福|默哀|悲惨|余震不断")


def _disaster_relief(text: str, disasters, full: str) -> list[str]:
    """A natural disaster named (``disasters``: those of MAJOR_DISASTER_WORDS in the text) beside its relief or mourning
    (_DISASTER_RELIEF), in a post of no drill, campaign, tip or prevention (_PREVENTIVE_CLAUSE, looked for in the
    ``full`` text: the risk text has lost such clauses): a post about a disaster under way, which SPEC §4 grades by
    the disaster, not by its tone (a tribute, a panda hugging a rescuer)."""
    if not disasters or _PREVENTIVE_CLAUSE.search(full):
        return []
    found = list(dict.fromkeys(m.group(0) for m in _DISASTER_RELIEF.finditer(text)))
    return [*disasters[:1], *found[:2]] if found else []


def _disaster_casualties(text: str, disasters=MAJOR_DISASTER_WORDS) -> list[str]:
    """Natural disasters told with casualties or ruin in the same sentence (地震…伤亡), not merely mentioned.
    ``disasters`` may be narrowed to those in the text (the rest are in no sentence of it)."""
    found = []
    if not disasters:
        return found
    for sentence in _SENTENCE.split(text):
        if _CASUALTY_WORDS.search(sentence):
            found.extend(w for w in disasters if w in sentence and w not in found)
    return found


def _accused(text: str, leaders, allegations) -> list[str]:
    """The officials a text is about: where it alleges wrongs (贪污, 违纪, 保护伞 …), those named in a sentence
    that tells one — a letter's preamble (严肃查处违纪违法行为) and its complaint about a 村支书's private life are
    no allegation against him; where it alleges none, every official it names. ``leaders`` and ``allegations``
    may be narrowed to those in the text."""
    if not allegations:
        return _any(text, leaders)
    found = []
    for sentence in _SENTENCE.split(text):
        if any(a in sentence for a in allegations):
            found.extend(w for w in leaders if w in sentence and w not in found)
    return found


#: what comes before a wrong wished away or forbidden, not told (当官不受贿，城管不打人; 严禁公款吃喝; 他没有受贿)
_UNTOLD_BEFORE = ("没有", "严禁", "禁止", "杜绝", "防止", "拒绝", "不再", "不能", "不准", "不得", "不要", "不许", "不会")
_UNTOLD_LAST = frozenset("不没未无勿别莫")


def _told_once(text: str, words: list[str], told) -> list[str]:
    """The words of which at least one occurrence in the text is ``told(i)`` (``i`` where it starts)."""
    kept = []
    for word in words:
        start = 0
        while (i := text.find(word, start)) >= 0:
            if told(i):
                kept.append(word)
                break
            start = i + len(word)
    return kept


def _asserted(text: str, words: list[str]) -> list[str]:
    """The words told at least once as done, not only wished away or forbidden (中国公民的共同梦想：当官不受贿，城管不打人)."""
    if not words or not any(c in text for c in _UNTOLD_LAST) and not any(b in text for b in _UNTOLD_BEFORE):
        return words

    def done(i: int) -> bool:
        before = text[max(0, i - 2): i]
        return not (before[-1:] in _UNTOLD_LAST or before in _UNTOLD_BEFORE)

    return _told_once(text, words, done)


#: a wrong only supposed, as what the office should find out (如非特殊情况，或系工作人员渎职行为，请予以处理; 若系违规):
#: a condition put, not an allegation made (a question, 是否存在贪污, stays read: letters allege so)
_HEDGE_WORDS = r"或系|如系|若系|若是|如果是|如属|若属"
_HEDGE = re.compile(rf"(?:{_HEDGE_WORDS})[^，。！？\n]{{0,10}}$")
#: a word every match of _HEDGE holds (one search rules most texts out)
_HEDGE_CUES = re.compile(_HEDGE_WORDS)


def _unhedged(text: str, words: list[str]) -> list[str]:
    """The words told at least once other than as a wrong supposed (:data:`_HEDGE`)."""
    if not words or not _HEDGE_CUES.search(text):
        return words
    return _told_once(text, words, lambda i: not _HEDGE.search(text, max(0, i - 14), i))



#: an invoice asked for, for a sum, above what was bought (买了1万多元的药品，但要求我们开5万多元的发票): money an office
#: takes, told without the words for it
_INFLATED_INVOICE = _gated(r"(?:要求|却要|要|让)[^，。！？\n]{0,6}?开(?:具)?[^，。！？\n]{0,3}?"
                           r"(?:\d+|[一二三四五六七八九十两几]+)[万千百Ww]?(?:多|余)?(?:元|块)?的?发票")


def _invoices_inflated(text: str, wrongs: list[str]) -> tuple[str, list[str]]:
    """The text with an inflated invoice asked for told as 虚开发票 (one of OFFICIAL_WRONGS), and the wrongs found in it."""
    if "发票" not in text or not _INFLATED_INVOICE.search(text):
        return text, wrongs
    return _INFLATED_INVOICE.sub("虚开发票", text), [*wrongs, "虚开发票"] if "虚开发票" not in wrongs else wrongs


#: a scandal is the official's whoever else is named beside him (山城弱女子…与雷政富等11人…捉奸的流程，睡翻六厅级干)
_SCANDAL = frozenset(("捉奸", "不雅视频", "性丑闻", "艳照"))


#: a food sold to the public said to hold something harmful (打针西瓜…注射的禁用食品添加剂; 大闸蟹…使用激素…有害的抗菌素;
#: 含氯处理水混入…可口可乐…流入市场; 500多头牛都感染了…不要吃牛肉): a food-safety scare that reaches every buyer, which
#: the conventions grade by what it claims — three things told together: the food, the harm, and its reach (sold, on the
#: market, a warning not to eat it)
_FOOD = re.compile(r"西瓜|大闸蟹|螃蟹|牛肉|猪肉|羊肉|鸡肉|鸭肉|鸡蛋|鸭蛋|可乐|饮料|果汁|水果|蔬菜|青菜|大米|面粉|面条|奶粉|牛奶|"
                   r"酸奶|食用油|火锅|方便面|零食|饼干|糖果|豆腐|豆芽|馒头|包子|饺子|海鲜|鱼虾|虾|茶叶|白酒|啤酒|食品|"
                   r"猪蹄|鸡爪|鸭脖|腊肉|香肠|火腿|肉松|粉丝|米粉|粉条|木耳|生姜|大蒜|草莓|葡萄|香蕉|橙子|苹果|柑橘|桔子|蜜桔")
_FOOD_HARM = _gated(r"(?:禁用|违禁|违规|非法|有害|有毒)的?(?:食品)?(?:添加剂|添加物|物质|药物|药品|兽药|农药|化学品|色素)|"
                    r"抗菌素|抗生素|土霉素|氯霉素|孔雀石绿|吊白块|甲醛|膨大剂|催熟剂|增白剂|含氯|激素|"
                    r"(?:[\d一二三四五六七八九十百千万多余]+)(?:头|只)(?:牛|猪|羊|鸡|鸭)[^。！？!?\n]{0,8}?感染")
_FOOD_SOLD = _gated(r"流入市场|流向市场|上市|商贩|摊贩|店家|商家|超市|菜市场|菜场|销往|在售|正在销售")
_FOOD_WARNED = _gated(r"敢吃|(?:不要|别|不敢|慎|千万别|千万不要)(?:再)?(?:吃|买|购买|喝|食用)")
#: how a food scare reaches every buyer, as the rubric's reason tells it: the food is sold, or people are warned off it
FOOD_SOLD, FOOD_WARNED = "食品在售", "警示勿食"

#: the harm ruled out or forbidden just before it (未检出禁用农药, 不含激素, 严禁使用违禁添加剂): an inspection passed or a rule
_FOOD_HARM_DENIED = re.compile(r"(?:未检出|没检出|未检测出|未发现|没有发现|不含|没有|无|不使用|不用|不打|杜绝|严禁|禁止|不得|不准|拒绝)"
                               r"(?:使用|含有|添加|检出|含)?(?:任何)?$")


def food_scare(text: str) -> tuple[list[str], list[str]]:
    """The harm and the reach of a food-safety scare the text tells (a food, something harmful in it, and its sale or a
    warning not to eat it), or two empty lists."""
    if not _FOOD.search(text):
        return [], []
    harm = next((m for m in _FOOD_HARM.finditer(text) if not _FOOD_HARM_DENIED.search(text, max(0, m.start() - 6), m.start())),
                None)
    if harm is None:
        return [], []
    reach = FOOD_SOLD if _FOOD_SOLD.search(text) else FOOD_WARNED if _FOOD_WARNED.search(text) else None
    if reach is None:
        return [], []
    return [harm.group(0)[:12]], [reach]


#: a public tender, purchase, licence sale or recruitment said to be rigged (竞标方案量身定制、指标内定; 量身制作招标文件，造成
#: 屡次陪标串标; 公开招聘…存在内定黑幕): corruption laid at the door of the office that runs it, told in one sentence
_RIGGED = _gated(r"(?:招标|竞标|投标|采购|经营权|招聘|招考|拍卖)[^。！？!?\n]{0,40}?"
                 r"(?P<w>量身定制|量身定做|量身制作|量身打造|指标内定|内定|串标|围标|陪标|暗箱操作)|"
                 r"(?P<v>量身定制|量身定做|量身制作|量身打造|内定|串标|围标|陪标|暗箱操作)[^。！？!?\n]{0,20}?"
                 r"(?:招标|竞标|投标|采购|招聘)")
#: the rigging only asked about (是否存在暗箱操作？, 有没有内定, 存在内定吗): a question for the office, not an allegation
_ASKED_BEFORE = re.compile(r"是否|有没有|是不是|难道")
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")


def _rigged(text: str) -> list[str]:
    """The rigging words of public processes said to be rigged, in clauses that allege it (not ask it)."""
    if not any(w in text for w in ("定", "标", "暗箱", "量身")):  # (what every rigging word holds)
        return []
    found = []
    for sentence in _SENTENCE.split(text):
        for m in _RIGGED.finditer(sentence):
            group = "w" if m.group("w") else "v"
            word, at = m.group(group), m.start(group)
            after = _CLAUSE_BREAK.split(sentence[at:], maxsplit=1)[0]
            if _ASKED_BEFORE.search(sentence[max(0, at - 12):at]) or "吗" in after or word in found:
                continue
            found.append(word)
    return found[:2]


def _official_wrongs(text: str, wrongs=OFFICIAL_WRONGS, actors=OFFICIAL_ACTORS) -> list[str]:
    """Serious wrongs laid at an official's or an office's door in one sentence (副局长枪顶记者头, 派出所掠去首饰).
    ``actors`` and ``wrongs`` may be narrowed to those in the text (the rest are in no sentence of it)."""
    found = []
    if not actors or not wrongs:
        return found
    for sentence in _SENTENCE.split(text):
        if any(a in sentence for a in actors) and not _CASE_PROCESS.search(sentence):
            found.extend(w for w in wrongs if w in sentence and w not in found
                         and (w in _SCANDAL or not _done_by_another(sentence, w, actors)))
    return found


#: who does a wrong in a letter when no official does: a shop's owner, a neighbour, a company's staff (烧烤店老板打伤我，
#: 报警给派出所; 郴汽集团职工…遭到报复和殴打)
_PRIVATE_ACTOR = re.compile(r"老板|店主|业主|邻居|物业|保安|职工|员工|店员|商贩|摊贩|司机|开发商|房东|租户|"
                            r"男子|女子|歹徒|混混|社会人员")


def _done_by_another(sentence: str, wrong: str, actors) -> bool:
    """The wrong's nearest doer before it in the sentence is no official (烧烤店老板殴打我，事后报警给派出所)."""
    at = sentence.find(wrong)
    before = sentence[:at]
    private = [m.end() for m in _PRIVATE_ACTOR.finditer(before)]
    if not private:
        return False
    official = max((before.rfind(a) + len(a) for a in actors if a in before), default=-1)
    return private[-1] > official
#: media coverage that is critical by its nature: 曝光, 暗访, 点名, 调查, 追问
_CRITICAL = re.compile(r"(?:曝光|暗访|点名|追问|质疑|批评|调查发现|记者调查|焦点访谈|起底|揭秘|拷问|问责)")
#: names that contain a central outlet's name but are not one (新华社区, 人民网格员)
_NOT_CENTRAL = re.compile(r"新华社区|人民网格|央视频道号")
#: before a mass word: it did not happen (未发生堵路, 谣传聚集) or is feared (不要酿成群体性事件, 以免引发)
_MASS_NEGATED = re.compile(r"(?:未|没有|无|并未|未发生|不存在|谣传|不实)[\u4e00-\u9fff]{0,4}$|"
                           r"(?:(?:不要|以免|避免|防止)(?:酿成|引发|造成|导致|演变成|发展成|出现|发生)?|"
                           r"(?:可能|恐将|恐|会|将会|极易|容易|大概率会?)(?:酿成|引发|造成|导致|演变成|发展成|出现|发生))"
                           r"[\u4e00-\u9fff]{0,2}$")
#: a traffic jam that protesters made (罢工…造成交通堵塞): a mass incident, where a jam alone is none
_JAM_BY_PROTEST = _gated(r"(?:罢工|罢市|聚集|静坐|游行|示威|围堵|讨公道|讨说法|讨薪|上访|抗议)[^。！？!?\n]{0,30}?"
                         r"(?:交通堵塞|堵塞交通|堵塞道路)|"
                         r"(?:交通堵塞|堵塞交通|堵塞道路)[^。！？!?\n]{0,10}?(?:罢工|聚集|静坐|游行|示威|围堵|抗议)")
#: words that hold a mass or gathering word without telling people gathering: congestion (拥堵路段, 堵路上), honking
#: (鸣笛示威), where many live or meet (人口聚集, 人员聚集场所), gambling (聚众赌博), a building site's fence (围挡围了起来),
#: a door blocked by something (商铺被堵门), speaking for the people (为民请愿), a petition written or a letter's plea
#: (写了请愿书, 向政府请愿出面处理), a gang's beating (聚众殴打, the crime of 聚众斗殴) and a robber's ambush (拦路抢劫)
_NOT_MASS = re.compile(r"拥堵|堵路上|鸣笛示威|人口聚集|聚集(?:场所|区|地)|聚众(?:赌博|吸毒|淫乱|斗殴|殴打|打人|伤人)|"
                       r"围挡(?:围了)?|被堵|为民请愿|请愿书|请愿(?:出面|解决|处理|帮助|帮忙|给予|调查|查处|为)|"
                       r"拦路(?:抢劫|打劫|要挟|恐吓|勒索|索要|索财|殴打)|"
                       # traffic and stalls in the way (商贩堵路, 剐蹭后堵路, 堵车堵路), a door not to block (不堵门),
                       # neighbours chatting (老人们聚在一起聊天), parents at a screen (守在电脑面前); not 跪求政府, which
                       # may be a letter's plea or a crowd on its knees
                       r"(?:商贩|摊贩|小贩|摊点|车辆|剐蹭后?|事故后?|堵车|修路|施工)堵路|不堵|"
                       # a road fenced off by works (违法施工，将居民出入道路围堵), not by people
                       r"(?:施工|工地|围挡|开发商|公司)[^。！？\n名人民众户主]{0,20}?(?:将|把)[^，。！？\n]{0,10}?围堵|"
                       # a place where buildings or people have come to be (这里聚集了…等楼盘, 周边人口日益聚集)
                       # (a list of names may run past a comma: 明天一城，三景国际、华天小镇等楼盘; no people between)
                       r"(?:这里|这一带|周边|周围)(?:已经|日益|逐渐)?聚集(?:了|着)?(?=[^。！？\n名人民众户工者主]{0,50}?"
                       r"(?:楼盘|小区|企业|公司|商家|学校|医院|单位|项目|产业))|人口[\u4e00-\u9fff]{0,3}聚集|"
                       # what surrounds a place (围着学校烧垃圾) and children brought to a class (集聚幼儿30多人)
                       r"围着[^，。！？\n]{0,8}?(?:烧|焚烧|建|修|盖|种|挖|堆|倒|排放|施工)|"
                       r"(?:集聚|聚集)(?:了|着)?(?:幼儿|儿童|小朋友|孩子|学员)|"
                       r"聚在一起(?:聊|下棋|打牌|娱乐|休闲|跳舞|锻炼|散步|玩)|"
                       r"守在[^，。！？\n]{0,4}?(?:电脑|手机|屏幕|网上|床前|病床)|"
                       # a gathering of guests (各界人士齐聚一堂, 群星齐聚): a celebration, no crowd with a grievance
                       r"齐聚(?:一堂|首都|京城|现场|舞台)|(?:群星|明星|嘉宾|大咖|名家|校友|专家)[^，。！？\n]{0,4}?齐聚")
_NOT_MASS_CHARS = frozenset("拥堵鸣聚围请守拦")


#: a hazard (安全隐患, 火灾隐患, 一旦发生火灾: what might happen), a nuisance (噪音污染) and a company's money running out
#: (资金链断裂) are no incident that affects many
_HAZARD_ONLY = re.compile(r"(?:安全|火灾|消防|事故|交通|用电|燃气|煤气|爆炸|坍塌|垮塌|溺水)?隐患|(?:噪音|噪声|光|声)污染|"
                          r"(?:一旦|一但|如果|万一|倘若|若是|极易|容易|随时|可能会?|恐将|以免|以防|避免|防止|生怕|唯恐|担心|害怕)"
                          r"(?:都|就)?(?:会)?"
                          r"(?:发生|引发|引起|造成|导致|出现|酿成)?[\u4e00-\u9fff]{0,8}?"
                          r"(?:火灾|事故|爆炸|坍塌|倒塌|垮塌|中毒|感染|起火|失火|禽流感|疫情|传染)|资金链断裂|"
                          # a fire asked about (出了火灾怎么办？, 有了火灾报警什么的消防车根本进不了), a risk named (火灾风险更大),
                          # what one spark could do (一个烟头就能引发重大火灾事故) and fires elsewhere cited as a warning
                          # (全国各地机动车起火事故频发, 国内近几年小区充电起火)
                          r"(?:出了|有了)[\u4e00-\u9fff]{0,4}?(?:火灾|事故)|(?:火灾|事故|爆炸)(?:的)?(?:风险|危险)|"
                          r"(?:就能|就会|都能|能够)(?:引发|引起|造成|导致)[\u4e00-\u9fff]{0,4}?(?:火灾|事故|爆炸)(?:事故)?|"
                          r"(?:全国各地|全国|国内|各地|外地|其他地方|其它地方|别的地方)[^。！？\n]{0,10}?(?:火灾|起火|事故|爆炸)(?:事故)?|"
                          # a body's ligament or bone (韧带断裂: an injury, not a structure's failure) and its
                          # chromosomes (染色体检查: not food dyed)
                          r"(?:韧带|肌腱|跟腱|骨头|骨骼|神经)断裂|染色体|"
                          # a landslide as a figure of speech (塌方式违建, 塌方式腐败)
                          r"塌方式|"
                          # what a thing is (霉是一种强致癌物, 一级致癌物槟榔): a hazard named, not people harmed
                          r"是一种[\u4e00-\u9fff]{0,3}致癌物|一级致癌物|"
                          # a computer's virus (木马病毒, 电脑中了病毒): no one made ill
                          r"(?:木马|电脑|计算机|手机|网络|杀毒|查毒)[\u4e00-\u9fff]{0,3}?病毒|"
                          # a risk of infection named (传播血液疾病（如hiv病毒）的高风险): a hazard, nobody infected
                          r"病毒[^。！？\n]{0,3}?的?高?风险|"
                          # a tip for telling gutter oil (怎么鉴定地沟油…如果蒜子变红色就是地沟油): no oil found anywhere
                          r"(?:鉴定|鉴别|辨别|识别|分辨|区分)[^。！？\n]{0,6}?地沟油|(?:就|便)是地沟油|"
                          # one patient's malpractice (遭遇重疾、医疗事故等等不幸): harm to one, no incident affecting many
                          r"医疗事故")
#: a word every match of _HAZARD_ONLY holds (one search rules most texts out)
_HAZARD_CUES = re.compile(r"隐患|污染|一旦|一但|如果|万一|倘若|若是|极易|容易|随时|可能|恐将|以免|以防|避免|防止|生怕|唯恐|"
                          r"担心|害怕|资金链|断裂|染色体|塌方式|致癌物|病毒|出了|有了|风险|危险|就能|就会|都能|能够|全国|国内|"
                          r"各地|外地|地方|地沟油|医疗事故")


#: most of a place's houses fallen with casualties (庐山大部分老房子已经坍塌，已有伤亡): a disaster with casualties
_RUIN_WITH_CASUALTIES = _gated(r"(?:大部分|大批|大量|成片|多数)[^。！？\n]{0,4}(?:房子|房屋|民房)[^。！？\n]{0,6}"
                               r"(?:坍塌|倒塌|垮塌)[^。！？\n]{0,12}?(?:伤亡|遇难|死亡)")


#: investors' or members' money at risk in a scheme that collapsed or is a fraud (P2P平台爆雷, 停止兑付, 非法集资, 传销, 卷款跑路):
#: with its victims or members counted in the hundreds, a financial risk to many (SPEC §4: a group's claim for its money)
_MONEY_LOST = _gated(r"非法集资|集资诈骗|爆雷|停止兑付|(?:未|不|没有|不能|无法)(?:按期|按时)?兑付|清盘|卷款|庞氏|传销|"
                     r"P2P|p2p|网贷平台|(?:理财|金融)(?:平台|公司)?[^。！？\n]{0,12}?(?:跑路|诈骗|骗局|失联|倒闭)")
#: content threatening social stability (SPEC: 特别重大), told as what happened: inmates escaped in numbers (四川绵阳市越狱46人,
#: 数十名重犯集体越狱) or a terror attack carried out (暴恐袭击, 恐怖袭击案) — not one prisoner's escape, not a drill
#: (risk_text leaves drills out) nor a film's jailbreak
_STABILITY_THREAT = _gated(r"(?:集体|大批|成批|多名|数名|数十名|几十名|上百名|(?:[3-9]|\d{2,}|[三四五六七八九十]+)(?:名|个|人))[^。！？\n]{0,8}"
                           r"(?:(?:罪犯|犯人|囚犯|重犯|在押人员|服刑人员|嫌犯)[^。！？\n]{0,4}(?:越狱|脱逃|逃脱|出逃)|越狱)"
                           r"|越狱\d{2,}人|暴恐(?:袭击|事件|案)|恐怖袭击"
                           # an armed clash claimed (中日交火45分钟，日方驱逐舰当场被击中沉没; 双方互相开火射击): the
                           # country's security, whether the rumour is true or not (a threat of war, 不放人就开战, is none)
                           r"|(?:舰|军|导弹|战机|部队|士兵)[^。！？\n]{0,30}?(?:被击中沉没|击沉|交火|互相开火|开火射击)"
                           r"|(?:交火|互相开火|开火射击)[^。！？\n]{0,30}?(?:舰|军|导弹|战机|部队|士兵)")
#: a jailbreak or an attack that is a story's, not the place's: a film's, a series', a game's, a novel's
_THREAT_NOT_TOLD = re.compile(r"(?:电影|影片|大片|美剧|剧集|游戏|小说|越狱第\S季)[^。！？\n]*")


def _threats_told(text: str) -> list[str]:
    """The threat to stability the text tells, if any, once what tells a story's (a film's, a series') is left out
    (looked for in the whole text first: most texts hold none, and are not rewritten)."""
    if _STABILITY_THREAT.search(text) is None:
        return []
    m = _STABILITY_THREAT.search(_THREAT_NOT_TOLD.sub("·", text))
    return [m.group(0)] if m else []


def _mass_casualty(text: str, words) -> list[str]:
    """The mass-casualty words told as what happened: not history's massacre nor an animal's, not casualties feared;
    and houses fallen with casualties."""
    words = [w for w in words if not w.endswith("屠杀") or _MASSACRE.search(text)]
    ruin = _RUIN_WITH_CASUALTIES.search(text)
    if ruin and (ruin := _RUIN_WITH_CASUALTIES.search(NEGATION_OF_HARM.sub("", text))):  # (所幸无人伤亡: none)
        words.append(ruin.group(0))
    if words and _FEARED_CASUALTY.search(text):
        told = _FEARED_CASUALTY.sub("·", text)
        words = [w for w in words if w in told]
    return words


def _incidents(text: str, words) -> list[str]:
    """The incident words told as something that happened, not as a hazard, a nuisance or a body's (``words`` may be narrowed
    to those in the text)."""
    if not words or not _HAZARD_CUES.search(text):
        return list(words)
    told = _HAZARD_ONLY.sub("·", text)
    return [w for w in words if w in told]


def _no_mass_words(text: str) -> str:
    """The text with the words that hold a mass word without telling a gathering (_NOT_MASS) blotted out."""
    return _NOT_MASS.sub(lambda m: "·" * len(m.group(0)), text) if _NOT_MASS_CHARS.intersection(text) else text


def _not_negated(text: str, words) -> list[str]:
    """The words found in the text, skipping those negated or feared just before (未发生堵路, 谣传聚集, 以免引发聚集);
    ``text`` is read with _no_mass_words first (拥堵路段, 鸣笛示威, 堵路上 hold no mass word). ``words`` may be
    narrowed to those in the text."""
    found = []
    for word in words:
        start = 0
        while (i := text.find(word, start)) >= 0:
            if not _MASS_NEGATED.search(text[max(0, i - 8): i]):
                found.append(word)
                break
            start = i + len(word)
    return found


# -- harm told in words ------------------------------------------------------------------------------

#: negativity (0..1, from classify) from which a post counts as negative
NEGATIVE_AT = 0.5
#: below this, with no complaint or risk words, an event is a neutral mention
NEUTRAL_BELOW = 0.35
#: negativity from which a post's harm is sure enough for spread alone to raise it past 一般 (below it, a spread
#: rule raises the event one level at most: a wrong negativity must not lift it two), and a letter that only asks
#: or suggests is negative still
SURE_NEGATIVE = 0.7
#: below this, risk words (隐患, 火灾) are read as a notice or an inspection, not a complaint
CALM_BELOW = 0.1
#: injured people from which injuries alone are 重大或较大
INJURED_MAJOR = 5
#: protest acts that show a grievance (gathering alone does not: tourists gather too)
GRIEVANCE_ACTS = frozenset({"讨要", "讨薪", "维权", "上访", "讨说法", "要说法", "抗议", "讨个说法", "讨回", "索要", "要钱",
                            "讨债", "讨钱", "拉横幅", "打横幅", "举横幅", "静坐", "围堵", "堵门"})


@dataclass
class HarmReading:
    """What a text's signals say of harm, given how negative the post reads (``negativity`` None: unknown)."""

    benign: bool  # good news told in words that also describe incidents (成功抢救重伤工人, 上万游客聚集)
    grievance: bool  # what turns a crowd or a call to meet into a mass incident (not a festival)
    notice: bool  # a notice, an inspection or a drill: incident words told calmly, nobody harmed, made ill or taken
    content_risk: bool  # harm told in so many words: deaths, a mass incident, an abduction, a disaster …

    @property
    def harm_told(self) -> bool:
        """Harm told in words, not as a notice."""
        return self.content_risk and not self.notice


def read_harm(sig: TextSignals, negativity: float | None) -> HarmReading:
    """Whether the text tells harm in so many words (the rubric's reading; classify's 舆情负面 uses it too)."""
    neg = negativity if negativity is not None else 0.0
    benign = bool(sig.positive) and neg < NEUTRAL_BELOW and not sig.complaint
    grievance = bool(sig.complaint or sig.allegations or sig.demolition_violent or sig.clash or sig.mass_strong
                     or [w for w in sig.protest if w in GRIEVANCE_ACTS]) or neg >= NEGATIVE_AT
    notice = (negativity is not None and neg < NEUTRAL_BELOW and (not sig.complaint or neg < CALM_BELOW)
              and not sig.allegations
              and not (sig.deaths or sig.injured or sig.sick or sig.serious_injury or sig.mass_casualty or sig.abduction))
    content_risk = bool(
        sig.deaths or sig.mass_casualty or sig.mass_strong or (sig.allegations and sig.leaders) or sig.demolition_violent
        or sig.abduction or sig.disaster or sig.collapse
        or (not benign and ((sig.gather_call and grievance) or (sig.incident and not notice and (sig.many or sig.sick))
                            or sig.serious_injury or sig.injured >= INJURED_MAJOR or (sig.rumour and sig.fast_spread)))
    )
    return HarmReading(benign, grievance, notice, content_risk)


def harm_kinds(sig: TextSignals) -> list[str]:
    """The kinds of harm :func:`read_harm` reads in a text, in Chinese, for the monitor (kept beside it: the same
    signals in the same order)."""
    kinds = [("死亡", sig.deaths), ("伤亡惨重", sig.mass_casualty), ("重伤", sig.serious_injury),
             ("多人受伤", sig.injured >= INJURED_MAJOR), ("拐卖", sig.abduction), ("灾害", sig.disaster),
             ("坍塌", sig.collapse), ("群体性事件", sig.mass_strong or sig.gather_call),
             ("暴力拆迁", sig.demolition_violent), ("被指违法违纪", sig.allegations and sig.leaders),
             ("事故波及多人", sig.incident and (sig.many or sig.sick)), ("谣言快速扩散", sig.rumour and sig.fast_spread)]
    return [name for name, told in kinds if told]


def fee_rumour(text: str) -> str | None:
    """The words telling that a service starts charging or raises its fees (FEE_RUMOUR), or None."""
    m = FEE_RUMOUR.search(text)
    return m.group(0) if m and not _FEE_DENIED.search(text) else None


def swindle_warning(text: str) -> str | None:
    """The fraud or abduction a text warns of (``骗局``), or None."""
    m = _SWINDLE.search(text)
    return m.group(0) if m and _SWINDLE_CUE.search(text) else None


#: a product or a food said to hold something harmful, told as news with no warning (儿童玩具再陷“激素门”…邻苯二甲酸酯;
#: 禁用化妆品名单…含有激素的护肤品): the conventions' claim that a product is unsafe, 负面 — not when the text denies it
#: (辟谣, 不属实) nor where the harm is ruled out (未检出塑化剂, 不含激素)
_PRODUCT = re.compile(_FOOD.pattern + r"|玩具|化妆品|护肤品|面膜|牙膏|洗发水|洗发露|沐浴露|药品|胶囊|疫苗|奶瓶|纸尿裤|"
                      r"尿不湿|卫生巾|餐具|保鲜膜|童装|校服|涂料|油漆|儿童用品")
_PRODUCT_HARM = re.compile(r"激素门|含有?激素|致癌|有毒物质|有害物质|重金属超标|甲醛超标|塑化剂|双酚A|邻苯二甲酸酯|荧光剂|"
                           r"含铅|铅超标|镉超标|农药残留超标|瘦肉精|苏丹红|三聚氰胺")


def product_scare(text: str) -> str | None:
    """What harmful thing a text says a product or a food holds (``邻苯二甲酸酯``), or None."""
    if _DENIED.search(text) or not _PRODUCT.search(text):
        return None
    harm = next((m for m in _PRODUCT_HARM.finditer(text)
                 if not _FOOD_HARM_DENIED.search(text, max(0, m.start() - 6), m.start())), None)
    return harm.group(0) if harm else None


#: a day no calendar has (2月30日, 4月31号): a product said to be made on it (2月30号，我们在休假，蒙牛却在为我们生产…)
#: mocks its dates as faked — the conventions' claim that a product is unsafe, told as sarcasm
_NO_SUCH_DAY = re.compile(r"(?<![0-9０-９一二三四五六七八九十])(?:2|二)月(?:30|31|三十|三十一)[日号]|"
                          r"(?<![0-9０-９一二三四五六七八九十])(?:4|6|9|11|四|六|九|十一)月(?:31|三十一)[日号]")


def made_on_no_such_day(text: str) -> str | None:
    """The day no calendar has on which a text says something was made (``2月30号``), or None."""
    m = _NO_SUCH_DAY.search(text)
    return m.group(0) if m and "生产" in text else None


#: a word every match of the checks below holds (one search rules most texts out: they are read for every post)
_CONVENTION_WORDS = re.compile(r"国耻|国难日|侵华|南京大屠杀|九一八|九·一八|918事变|七七事变|卢沟桥事变|抵制|死定了|致命|致死|剧毒|毒液|致癌|蛆虫|寄生虫|激素|"
                               r"重金属超标|有害物质|危害|有害健康|损害健康|骗|人贩子|假币|假钞|绑架|拐|迷药|迷晕|偷孩子|抢孩子|"
                               r"有毒物质|甲醛超标|塑化剂|双酚A|邻苯二甲酸酯|荧光剂|含铅|铅超标|镉超标|农药残留超标|瘦肉精|苏丹红|三聚氰胺|"
                               r"月3[01][日号]|月三十一?[日号]|"
                               r"收费|涨价|提价|加价|活取|活剥|活烤|虐|残害动物|盆景猫|活活|天朝|兲朝|被和谐|河蟹|伟光正|墙国|被自杀|被精神病|被失踪|"
                               r"殴打|暴打|毒打|围殴|施暴|拳打脚踢|持刀|砍伤|刺伤|捅伤|打伤|掌掴|耳光|"
                               r"小日本|鬼子|日寇|军事打击|交火|开火|开战|击沉|炮击")


def negative_by_convention(text: str, board: bool = False) -> str | None:
    """Why the text is negative by a kind of post the conventions name, told in so many words (in Chinese): a boycott
    over a nation's grievance, hostility to Japan or a clash over the disputed islands and, off the message boards, a
    deadly or unsafe thing, a fraud or an abduction warned of, a product or a food said to hold something harmful or to
    be made on a day no calendar has, a fee said to start, cruelty to animals, a person beaten or stabbed, political
    irony; None for none. Classify's 舆情负面 and grading's rubric read it alike."""
    if _CONVENTION_WORDS.search(text) is None:
        return None
    if m := NATIONAL_GRIEVANCE.search(text):
        return f"文中述及国耻或号召抵制（{m.group(0)}）"
    if m := NATIONAL_HOSTILITY.search(text):
        return f"文中述及对日敌意或领土争端冲突（{m.group(0)[:20]}）"
    if board:
        return None
    if deadly := hazard_warning(text):
        return f"文中警示致命、有毒或有害之物（{deadly}）"
    if scare := product_scare(text):
        return f"文中称产品或食品含有害物质（{scare}）"
    if day := made_on_no_such_day(text):
        return f"文中以不存在的生产日期讽刺产品造假（{day}）"
    if swindle := swindle_warning(text):
        return f"文中警示诈骗或拐卖（{swindle}）"
    if fee := fee_rumour(text):
        return f"文中称某项服务将收费或涨价（{fee}）"
    if m := ANIMAL_CRUELTY.search(text):
        return f"文中述及虐待动物（{m.group(0)}）"
    if m := ASSAULT.search(text):
        return f"文中述及殴打、持刀伤人等暴力行为（{m.group(0)}）"
    if m := POLITICAL_IRONY.search(text):
        return f"文中以反讽批评政府（{m.group(0)}）"
    return None


#: a death's anniversary remembered (溺水身亡15周年, 逝世十周年, 忌日): a tribute, 非负面 by the conventions (tributes and
#: obituaries are 0) — unless the post tells a crime, a cause of death or a grievance (张国荣逝世十周年…系他杀)
_ANNIVERSARY = re.compile(r"(?:逝世|去世|身亡|遇难|离世|辞世|牺牲|罹难|溺亡|病逝|殉职|遇害)[^。！？\n]{0,6}?"
                          r"(?:\d+|[一二三四五六七八九十百]+)\s*周年|忌日|祭日")
_NOT_A_TRIBUTE = re.compile(r"他杀|谋杀|凶手|嫌疑人|杀害|害死|逼死|死因|真相|黑幕|至今未|无人问责|追责|问责|维权|讨说法|赔偿|"
                            r"抗议|谴责|愤怒")


def death_anniversary(text: str) -> str | None:
    """The words of a death's anniversary a tribute remembers (``溺水身亡15周年``), or None."""
    m = _ANNIVERSARY.search(text)
    return m.group(0) if m and not _NOT_A_TRIBUTE.search(text) else None


def hazard_warning(text: str) -> str | None:
    """What a warning claims kills or poisons (``毒液``), or None."""
    m = _DEADLY.search(text)
    return m.group(0) if m and _WARNING_CUE.search(text) else None
