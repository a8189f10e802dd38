"""Where a post's mention of the locality points: at the place itself, or past it.

A post found by the locality's name may only pass by it: a time zone (北京时间),
a newspaper, a broadcaster or a university named after the place (北京晚报报道…,
北京大学出版社), an account name (@北京李海), a news agency's dateline
(中新社北京4月17日电), a list of places a warning was sent to (天津、北京、山东),
or a district name that another city has too (许昌市东城区). :class:`PlaceReader`
reads a post's title and text and sorts each occurrence of the locality's names
into :attr:`Mentions.own` (the place itself) or :attr:`Mentions.passing` (with
the reason, in Chinese), and lists the other places the post names
(``classify/data/places.txt`` plus names like B市 or 颍上县), so relevance can
ask whether a post is about this place at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from yuqing.hanzi import simplified

#: a name followed by one of these is an outlet, an institution, a brand or a time zone
INSTITUTION_SUFFIXES = (
    "时间", "晚报", "日报", "青年报", "晨报", "商报", "早报", "都市报", "法制报", "晚報", "日報", "青年報", "电视台",
    "卫视", "人民广播电台", "广播电台", "交通广播", "新闻广播", "电台", "大学", "学院", "师范", "理工", "外国语",
    "出版社", "国安", "现代", "烤鸭", "奥运", "人艺", "电影节", "国际电影节", "车展", "欢迎你", "遇上西雅图",
    "籍", "话", "吧", "航空", "军区",
)
#: a name followed by one of these names a past event, not the place's present affairs (南京大屠杀, 淞沪会战)
HISTORY_SUFFIXES = ("大屠杀", "保卫战", "会战", "战役", "起义", "事变")
#: a 《title》 naming the place is a work (《金陵十三钗》, 《深圳论坛》), unless it is one of the place's documents
_WORK_TITLE = re.compile(r"《[^《》\n]{0,30}$")
_DOCUMENT_TITLE = re.compile(r"^[^《》\n]{0,40}?(?:条例|办法|规定|通知|意见|方案|规划|决定|请示|公告|通告|细则|报告|决议|标准|"
                             r"目录|纲要|批复|函)》")
#: news agencies and papers whose datelines name the city they file from
AGENCIES = ("新华社", "中新社", "中新网", "新华网", "人民网", "央视网", "中国新闻网", "本报", "法制网", "环球网",
            "澎湃新闻", "财新网", "新京报", "路透社", "美联社", "法新社", "共同社", "记者")
#: words ending like a place name that are not one (城区, 小区 …)
_NOT_PLACES = frozenset("""城区 市区 小区 社区 地区 景区 园区 辖区 片区 郊区 山区 灾区 新区 校区 街区 矿区 牧区 林区 开发区
工业区 保税区 试验区 示范区 商业区 住宅区 生活区 老城区 主城区 疫区 震区 病区 院区 城市 都市 超市 股市 楼市 车市 夜市 闹市
上市 开市 罢市 集市 门市 菜市 本市 我市 该市 全市 此市 省市 各市 城乡 城乡镇 乡镇 为省 全省 本省 外省 该省 我省 各省 跨省 出省 进省 外市 外县 外地市 城镇 集镇 古镇 小镇 重镇 本县 我县 该县 全县
各县 郡县 州县 本区 我区 该区 全区 各区 经开区 高新区 服务区 保护区 风景区 旅游区 度假区 功能区 停车区 施工区 作业区 候车区
等候区 家乡 故乡 他乡 异乡 老乡 同乡 下乡 回乡 返乡 还乡 离乡 思乡 水乡 梦乡 外乡 本乡 该乡 全乡 各乡 我乡 坐镇""".split())
_PLACE_LIKE = re.compile(r"[A-Z][0-9]{0,2}(?:市|县|区|镇|乡)|[\u4e00-\u9fff]{2,3}(?:省|市|县|区|镇|乡)(?![长委])")
#: what may stand between a place and the locality's name in an address (河源市东源县 read as 河源 + 市)
_ADDRESS_LINKS = frozenset("市省州")


def _bare(place: str) -> str:
    """A place's name without its level (河源市 → 河源), to compare a title's 河源 with a text's 河源市."""
    return re.sub(r"(?:自治州|地区|市|省|州|盟)$", "", place) or place


#: characters that start a phrase rather than a place name (关于榔梨镇 → 榔梨镇, 投诉西地省 → 西地省)
_LEADING = frozenset("关于在到从对向的是询诉我你他她和与及由给为被把让请问自去来往回经离赴抵至住")
_HANDLE = re.compile(r"@[^\s@:：,，。.!！?？、/()（）\[\]【】#《》“”\"']{1,30}")
_DATE_AFTER = re.compile(r"\s*\d{1,2}月\d{1,2}日(?:电|讯|消息)?|\s*电")
_LIST_SEPARATORS = "、,，/和与及"
#: a name right after one of these is where someone travels to or from, not where anything happens
# going to, coming to or leaving a place (not 离…一公里, a distance from a place named there)
_TRAVEL_BEFORE = re.compile(r"(?:飞往|开往|驶往|前往|回到|返回|抵达|到达|途经|飞抵|来到|赴|回|离开|接离|驶离|飞离|逃离|"
                            r"(?<![以来过])往)$")
#: … or where they go to do something of their own (晚到武汉给市委领导讲课, 到北京出差)
_TRAVEL_PURPOSE = re.compile(r"给|讲课|出差|开会|参会|旅游|旅行|演出|调研|考察|讲座|办事|探亲|游玩|看病|就医")
#: … or where they set out from, for another place (广州飞往成都, 广州、北京飞往成都, 广州到深圳的火车)
_TRAVEL_FROM = re.compile(r"(?:[、和与及][\u4e00-\u9fff]{2,3})*(?:飞往|开往|驶往|飞抵|直飞|到(?=[\u4e00-\u9fff]{2,4}的"
                          r"(?:火车|列车|动车|高铁|航班|飞机|机票|大巴|长途|车票)))")
#: words after a name that place a matter there: its districts, streets, stations, offices, residents, weather,
#: its government's acts (北京朝阳门, 北京地铁2号线, 北京城管, 北京市民, 北京的大雨, 北京出台)
_ANCHOR_AFTER = re.compile(
    r"(?:市|的)?[\u4e00-\u9fff]{0,2}?(?:[\u4e00-\u9fff]?(?:区|县|镇|乡|村|街道|街|路|巷|胡同|桥|门|站|机场|航站楼|港|码头|广场|公园|"
    r"小区|社区|医院|中学|小学|[一二三四五六七八九十]中|幼儿园|学校|大厦|商场|市场)|地铁|公交|出租|高速|环路|[二三四五六]环|城管|警方|"
    r"交警|公安|派出所|法院|检察院|市政府|市委|政府|急救|消防|卫生|教育|环保|气象|税务|人社|市民|居民|街头|城区|郊区|全市|"
    r"大雨|暴雨|降雨|雨|雪|大风|雾霾|空气|PM|毒气|积水|内涝|交通|堵车|拥堵|房价|户口|出台|发布|启用|实施|开征|开通|出了|发生|"
    r"遭遇|突发|某|一名|一男|一女|一辆|一家|多名|多人|[0-9一两二三四五六七八九十]+名|"
    r"[\u4e00-\u9fff]{0,4}?(?:局|委|办|厅|署|中心)|的朋友|网友|车主|司机|开车族|城(?![市管])|出事|又|再次|今天|今日|"
    r"昨天|昨晚|近日|有人|一位|一个|被|遭|"
    # its people (成都男孩, 南京的姑娘, 广州32岁的…), its events (广州游行, 上海车祸), its authorities' acts (深圳查封)
    r"男孩|女孩|男童|女童|男子|女子|小伙|姑娘|少女|少年|老人|老太|大爷|大妈|阿姨|大叔|大姐|妇女|孕妇|夫妇|夫妻|学生|民工|农民工|"
    r"工人|一家|家长|邻居|环卫工|清洁工|保安|医生|护士|教师|老师|民警|辅警|协警|快递员|"
    r"\d{1,3}岁|[一二三四五六七八九十两]{1,3}岁|游行|示威|骚乱|暴乱|爆炸|火灾|大火|起火|车祸|命案|血案|凶案|惨案|枪击|"
    r"疫情|禽流感|停电|停水|查封|吊销|取缔|关停|出现|也(?:有|出现|发生|出了)|"
    # the scene of a disaster or of what a picture shows (芦山地震, 芦山灾区, 摄于芦山现场)
    r"地震|震区|灾区|灾情|现场|"
    # one of the places where something is found (西安、银川等地确有相关规定)
    r"(?:[、和][\u4e00-\u9fff]{2,4}){0,3}等地)")
#: … or a little further on, a spot or a happening (深圳家乐福发生, 广州汇豪天下附近, 南京中山陵前湖路口)
_ANCHOR_NEAR = re.compile(r"[^\s，。！？、,.!?：:；;《》【】\x00]{1,6}?(?:附近|一带|门口|路口|路段|发生|出事|突发|出现|"
                          r"幼儿园|小学|中学|学校|医院|小区|公园|广场|商场|超市|酒店|宾馆)")
#: a hospital of the place where someone dies or falls ill (上海华山医院去世, 在深圳人民医院因…心肌梗死去世): a person's
#: end, not the place's affairs
_HOSPITAL = re.compile(r"[^\s，。！？、,.!?：:；;\x00]{0,6}?医院")
_PRIVATE_END = re.compile(r"^[^。！？!?\n]*?(?:去世|病逝|逝世|离世|辞世|享年|心脏病|心肌梗|病危|圆寂|示寂)")
#: a name set as the scene of what follows (2013年在中国上海，几千头死猪…)
_SCENE_BEFORE = re.compile(r"在(?:中国)?$")
#: a name opening a sentence, before a comma or colon, tells where the sentence happens (北京，一名外国大姐…)
_OPENING = re.compile(r"(?:^|[。！？!?】\n]\s*)$")
#: a Weibo post's headline: 【…】 at the start (read like a title)
_HEADLINE = re.compile(r"^\s*((?:#[^#\n]{1,30}#\s*)?【[^】\n]{2,60}】)")

#: why a name is in passing when it names an institution, outlet or brand (北京大学, 北京晚报, 北京银行)
INSTITUTION = "机构、媒体或品牌名"


def _provinces() -> frozenset[str]:
    text = resources.files("yuqing.classify").joinpath("data", "places.txt").read_text(encoding="utf-8")
    return frozenset(line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#"))


PROVINCES = _provinces()


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], dict[str, str]]:
    """(every province and city name, city → its province) from ``classify/data/places.txt``."""
    text = resources.files("yuqing.classify").joinpath("data", "places.txt").read_text(encoding="utf-8")
    names: set[str] = set()
    province_of: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        names.update(line)
        for city in line[1:]:
            province_of.setdefault(city, line[0])
    return frozenset(names), province_of


@dataclass
class Mentions:
    """What a post says about where it is."""

    own: list[str] = field(default_factory=list)  # occurrences of the locality's names that point at it
    anchored: list[str] = field(default_factory=list)  # those set in the place itself (北京朝阳门, 北京的大雨, a unit)
    passing: list[tuple[str, str]] = field(default_factory=list)  # (the words, why they do not count)
    others: list[str] = field(default_factory=list)  # other places named, in order, without repeats
    title_own: bool = False
    title_others: list[str] = field(default_factory=list)
    #: places written just before the locality's own name, as in an address (雅安芦山县, 广东河源市东源县): the places it
    #: lies in, so a title naming them is no other place's
    parents: list[str] = field(default_factory=list)

    @property
    def names_it(self) -> bool:
        return bool(self.own)

    @property
    def firmly(self) -> bool:
        """Does the post place its matter here (an anchored name, a unit, a name in the title, or named twice)?"""
        return bool(self.anchored) or self.title_own or len(self.own) >= 2

    @property
    def elsewhere(self) -> bool:
        """A titled post whose title names another city, county or town and not this one: its matter is theirs.

        (A province in the title does not count: the locality may lie in it; nor does a place the post writes
        before the locality's name, as an address: 【广东河源…地震】…河源市东源县发生….)"""
        parents = [_bare(p) for p in self.parents]
        others = [o for o in self.title_others if not any(p.endswith(_bare(o)) for p in parents)]
        return bool(others) and not self.title_own and not all(o.endswith("省") or o in PROVINCES for o in others)

    def reason(self) -> str:
        """Why the post does not point at the locality (empty when it does)."""
        if self.own and not self.elsewhere:
            return ""
        if self.elsewhere:
            return f"标题所指为外地（{'、'.join(self.title_others[:3])}）"
        if self.passing:
            why = list(dict.fromkeys(f"{w}：{r}" for w, r in self.passing))
            return "仅顺带提及本地（" + "；".join(why[:3]) + "）"
        return "未提及本地地名"


class PlaceReader:
    """Reads where posts point, for one locality (name, aliases, units, local terms, look-alikes)."""

    def __init__(self, locality):
        names = [locality.name, *locality.aliases]
        self.names = [n for n in dict.fromkeys(names) if n]
        units = [u for u in locality.units if u]
        # a district or county is also called without its suffix when the rest is a name of its own (沙坪坝区 → 沙坪坝,
        # 雨花台区 → 雨花台; not 朝阳区 → 朝阳, a city elsewhere and a word)
        units += [stem for u in units if len(stem := re.sub(r"(?:新区|区|县)$", "", u)) >= 3]
        self.units = [u for u in dict.fromkeys(units) if u not in self.names]
        #: the locality's formal name (北京市, 云溪县): used in so many words, it names the place's own affairs
        self.formal = locality.name if len(locality.name or "") >= 3 and locality.name[-1] in "市县区镇" else None
        #: a county, banner or city: its name is its own across the country, so a place written just before it is
        #: where it lies (雅安芦山县); a district's is not (许昌市东城区 is not 北京's 东城区)
        self.county = (locality.name or "")[-1:] in ("县", "旗", "市")
        self.terms = [t for t in dict.fromkeys(getattr(locality, "terms", []) or []) if t]
        self.lookalikes = [n for n in dict.fromkeys(locality.lookalikes) if n]
        everything = sorted({*self.names, *self.units, *self.terms}, key=len, reverse=True)
        self._own = re.compile("|".join(map(re.escape, everything))) if everything else None
        self._unit_set = frozenset(self.units)
        places, province_of = gazetteer()
        # our own names never count as another place, nor do places our names contain (朝阳 in 朝阳区)
        own_text = "|".join(everything)
        self._places = frozenset(p for p in places if p not in own_text and not any(p in n for n in everything))
        self._province_of = province_of
        self._gaz = re.compile("|".join(sorted(map(re.escape, self._places), key=len, reverse=True)))
        self._suffix = re.compile("|".join(sorted(map(re.escape, INSTITUTION_SUFFIXES), key=len, reverse=True)))

    # -- other places ---------------------------------------------------------------------------
    def _other_places(self, text: str, own_spans: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        found = []
        for m in self._gaz.finditer(text):
            found.append((m.start(), m.end(), m.group()))
        for m in _PLACE_LIKE.finditer(text):
            word, start = m.group(), m.start()
            while len(word) > 2 and word[0] in _LEADING:
                word, start = word[1:], start + 1
            if word in _NOT_PLACES or word[-2:] in _NOT_PLACES or word[-3:] in _NOT_PLACES or word[0] in _LEADING:
                continue
            found.append((start, m.end(), word))
        out = []
        for a, b, word in sorted(found):
            if any(a < y and x < b for x, y in own_spans):
                continue
            if out and a < out[-1][1]:  # overlapping: keep the longer
                if b - a > out[-1][1] - out[-1][0]:
                    out[-1] = (a, b, word)
                continue
            out.append((a, b, word))
        return out

    # -- reading --------------------------------------------------------------------------------
    def read(self, title: str | None, text: str | None) -> Mentions:
        out = Mentions()
        title, text = simplified(title or ""), simplified(text or "")
        if not title.strip() and text:
            m = _HEADLINE.match(text)
            if m:  # a Weibo headline names what the post is about, as a title does
                title, text = m.group(1), text[m.end():]
        for part, body in (("title", title), ("text", text or "")):
            if not body:
                continue
            own, passing, others, anchored, parents = self._read_part(body)
            out.parents.extend(parents)
            out.own.extend(own)
            out.anchored.extend(anchored)
            out.passing.extend(passing)
            for o in others:
                if o not in out.others:
                    out.others.append(o)
            if part == "title":
                out.title_own = bool(own)
                out.title_others = list(dict.fromkeys(others))
        return out

    def _read_part(self, text: str) -> tuple[list[str], list[tuple[str, str]], list[str], list[str], list[str]]:
        """One part (title or text): its own names, passing mentions, other places, anchored names and the places
        written just before its own name (a county's address)."""
        masked = text
        passing: list[tuple[str, str]] = []

        def mask(a: int, b: int) -> None:
            nonlocal masked
            masked = masked[:a] + "\x00" * (b - a) + masked[b:]

        for m in _HANDLE.finditer(text):
            if self._own is not None and self._own.search(m.group()):
                passing.append((m.group(), "账号名"))
            mask(m.start(), m.end())
        for look in self.lookalikes:
            for m in re.finditer(re.escape(look), masked):
                passing.append((look, "相似地名"))
                mask(m.start(), m.end())
        if self._own is None:
            return [], passing, [w for _, _, w in self._other_places(masked, [])], [], []
        spans = [(m.start(), m.end(), m.group()) for m in self._own.finditer(masked)]
        others = self._other_places(masked, [(a, b) for a, b, _ in spans])
        own: list[str] = []
        anchored: list[str] = []
        for a, b, name in spans:
            why = self._passing_reason(masked, a, b, name, others)
            if why:
                passing.append((masked[max(0, a - 3):b + 4].replace("\x00", "").strip(), why))
                continue
            own.append(name)
            if self._anchored(masked, a, b, name):
                anchored.append(masked[a:b + 4].replace("\x00", ""))
        parents = [w for _, y, w in others for a, _, name in spans
                   if name in self.names and (a == y or a == y + 1 and masked[y] in _ADDRESS_LINKS)] if self.county else []
        return own, passing, [w for _, _, w in others], anchored, parents

    def _anchored(self, text: str, a: int, b: int, name: str) -> bool:
        """Is this occurrence set in the place itself rather than merely naming it?"""
        if name in self._unit_set or name in self.terms or name == self.formal:
            return True
        after = text[b:b + 8]
        if _HOSPITAL.match(after) and _PRIVATE_END.match(text[b:b + 60]):
            return False
        if _ANCHOR_AFTER.match(after) or _ANCHOR_NEAR.match(text[b:b + 10]):
            return True
        if after[:1] in ("，", ",", "：", ":", " ") and (
                _OPENING.search(text[max(0, a - 2):a] if a else "") or _SCENE_BEFORE.search(text[max(0, a - 3):a])):
            return True
        if a and text[a - 1] == "【":  # a headline within the post (…堪比大片啊！【广州伪娘…遭…】)
            return True
        hashtag = text.rfind("#", 0, a)
        return hashtag >= 0 and "#" in text[b:b + 12] and text.count("#", 0, a) % 2 == 1

    def _passing_reason(self, text: str, a: int, b: int, name: str, others) -> str:
        after = text[b:b + 8]
        if name not in self.terms:
            m = self._suffix.match(after)
            if m:
                return INSTITUTION if m.group() != "时间" else "时间用语"
            if after.startswith(HISTORY_SUFFIXES):
                return "历史事件"
            if _WORK_TITLE.search(text[max(0, a - 30):a]) and not _DOCUMENT_TITLE.match(text[a:a + 60]):
                return "作品名"
        before = text[max(0, a - 8):a]
        if _DATE_AFTER.match(after) and any(before.rstrip().endswith(ag) for ag in AGENCIES):
            return "新闻电头"
        if name in self.names and (_TRAVEL_BEFORE.search(before) or _TRAVEL_FROM.match(text[b:b + 12])
                                   or before.endswith("到") and (any(o[1] == a - 1 for o in others)
                                                                 or _TRAVEL_PURPOSE.match(text, b))):
            return "行程地点"
        if name in self._unit_set:
            prev = [o for o in others if o[1] <= a and a - o[1] <= 2]
            if prev and not any(n in text[max(0, a - 10):a] for n in self.names):
                return f"外地同名（{prev[-1][2]}{name}）"
        # a list of places (天津、北京、山东): a neighbour is another place across a separator
        left = text[max(0, a - 1):a]
        right = text[b:b + 1]
        near_left = [o for o in others if 0 <= a - 1 - o[1] <= 0] if left and left in _LIST_SEPARATORS else []
        near_right = [o for o in others if o[0] == b + 1] if right and right in _LIST_SEPARATORS else []
        if near_left and near_right or (near_left or near_right) and self._in_list(text, a, b, others):
            return "列举多地之一"
        return ""

    @staticmethod
    def _in_list(text: str, a: int, b: int, others) -> bool:
        """Is the name one of three or more places joined by separators?"""
        items = sorted([(o[0], o[1]) for o in others] + [(a, b)])
        i = items.index((a, b))
        run = 1
        j = i
        while j > 0 and items[j][0] - items[j - 1][1] == 1 and text[items[j - 1][1]] in _LIST_SEPARATORS:
            run, j = run + 1, j - 1
        j = i
        while j + 1 < len(items) and items[j + 1][0] - items[j][1] == 1 and text[items[j][1]] in _LIST_SEPARATORS:
            run, j = run + 1, j + 1
        return run >= 3


__all__ = ["INSTITUTION", "Mentions", "PlaceReader", "gazetteer"]
