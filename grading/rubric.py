"""The severity rubric of SPEC §4 as rules: floors the model cannot go below, caps for low-risk events.

A rule reads the event's text signals (:mod:`yuqing.classify.signals`), its
spread (:mod:`yuqing.grading.spread`) and its negativity, compares them with the
deployment's ``thresholds`` and, when it fires, sets a floor with a reason in
Chinese ("文本记载死亡3人（达到3人）"). Caps keep the model from over-grading
an event with no risk at all. The level finally given is
``max(floor, min(model, cap))`` (a cap never lowers a floor).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from yuqing.classify.signals import (
    CALM_BELOW,
    FOOD_SOLD,
    FOOD_WARNED,
    INJURED_MAJOR,
    LIFE_IN_DANGER,
    NEGATIVE_AT,
    NEUTRAL_BELOW,
    RAPE_WORDS,
    SURE_NEGATIVE,
    TextSignals,
    read_harm,
)
from yuqing.grading.spread import Spread

from yuqing.domain import Level

#: the rules whose only evidence of harm is the negativity judgement, beside how far the post spread
SPREAD_RULES = frozenset({"central_media", "trending", "viral_against_leadership", "national_spread", "spread_major",
                          "big_voice", "viral_negative", "rumour_fast"})
#: people made ill, or people counted near an incident, from which it "affects many"
AFFECTED_MANY = 10
#: people from which a wage or compensation protest is a group protest
GROUP_PROTEST = 5
#: victims or members of a scheme counted (数千名学生, 两千余名出借人, 发展了上万人) from which it is a risk to many, not one
#: investor's loss
MONEY_LOST_VICTIMS = 100
#: a negative story with this many times ``interactions_special`` has spread nationally
NATIONAL_FACTOR = 5
#: posts per hour (with at least this many posts) that make a rumour fast-spreading
FAST_POSTS_PER_HOUR = 3.0
FAST_MIN_POSTS = 6


@dataclass
class Finding:
    """One rule that fired."""

    rule: str  # identifier, e.g. "deaths_special"
    level: Level  # the floor (or cap) it sets
    reason: str  # in Chinese, for the monitor


#: rules that read harm told in words: their floor is the level whatever the model says
HARM_RULES = frozenset({"deaths_special", "mass_casualty", "disaster_casualties", "injuries_special", "sick_special",
                        "deaths_major", "serious_injury", "injured_many", "abduction", "structure_collapse"})
#: rules whose floor the model does not lower: harm told in words, and a group claiming what it is owed (SPEC §4
#: names it 重大或较大 in so many words; on the severity dev set the model lowered two of the three such letters,
#: both wrongly, and none of the rule's misreadings), and a negative item of a kind the conventions name (a fraud
#: warned of, a fee rumour: no minor complaint), and a serious allegation against an official or an office (the
#: conventions name it 重大或较大 in so many words: corruption, abuse of power; the model lowered one such dev letter,
#: 出租车经营权…量身定制、指标内定, and one of the 1,000 unlabelled letters, 官商勾结, both to 一般)
KEPT_RULES = HARM_RULES | {"group_protest", "money_lost", "told_negative", "allegation", "official_wrongdoing"}
#: floors the severity model lowers only when it puts more than LOWER_OVER of its probability below them: a
#: negative complaint with little spread (SPEC §4: 一般; every board letter, a post below interactions_minor), which a
#: model torn between 一般 and 影响较小 lowered to a minor one (of the 1,000 unlabelled board letters, 9 such lowered
#: complaints, read: 道路坑洼, 红绿灯错乱, 涉黄…保护伞). Not a 一般 set by spread: on Weibo posts the same check kept
#: jokes and quotes barely read negative at 一般 (19 of the unlabelled posts), so it is not made there.
SURE_LOWER_RULES = frozenset({"negative_complaint"})
LOWER_OVER = 0.5
#: the reason shown when the model lowered a floor (see :meth:`RubricResult.apply`)
LOWERED_BY_MODEL = "模型判断该事件较规则所示轻微，下调一级（特别重大、死伤等危害、群体讨薪、集资受损、对干部或机关的严重指控与文中写明的负面情形不下调）"


@dataclass
class RubricResult:
    floors: list[Finding] = field(default_factory=list)
    caps: list[Finding] = field(default_factory=list)
    negative: bool = False
    risky: bool = False

    @property
    def floor(self) -> Level:
        return max((f.level for f in self.floors), default=Level.MINOR)

    @property
    def cap(self) -> Level:
        return min((c.level for c in self.caps), default=Level.SPECIAL)

    def apply(self, model_level: Level, probabilities: dict[str, float] | None = None) -> Level:
        """The level after the rules: the rubric's floor, one step milder where the model judges the event milder.

        The rules read what the rubric names (deaths, a mass incident, an allegation, the spread); the
        model, trained on events we wrote, weighs how the posts tell it. On real posts graded by the
        rubric (the severity dev set) its raises above the floor were wrong three times in four, while
        its "milder than the floor" finds the minor complaints the rules file as 一般: so it may lower a
        floor by one level, never a 特别重大 nor a floor set by harm told in words, a group's claim or a serious
        allegation (:data:`KEPT_RULES`: what the rubric grades by deaths, injuries, a group owed money or an
        official's corruption stays so), and never raise one. A complaint with little spread
        (:data:`SURE_LOWER_RULES`) it lowers to a minor one only where, given its ``probabilities``, it puts more
        than half of them below the floor (LOWER_OVER): a model torn between 一般 and 影响较小 (0.35 against 0.29)
        leaves the complaint at 一般, as SPEC §4 grades it.
        """
        floor = self.floor
        if Level(model_level) < floor < Level.SPECIAL and not self.kept_at_floor:
            if probabilities is None or not self._floor_by(SURE_LOWER_RULES) or sum(
                    p for label, p in probabilities.items() if Level.parse(label) < floor) > LOWER_OVER:
                return Level(int(floor) - 1)
        return floor

    def _floor_by(self, rules: frozenset[str]) -> bool:
        """The floor is set by these rules alone."""
        floor = self.floor
        return all(f.rule in rules for f in self.floors if f.level == floor)

    @property
    def kept_at_floor(self) -> bool:
        """The floor is set by harm told in so many words (a death, an injury, an abduction …), a group's claim or a
        serious allegation against an official or an office (:data:`KEPT_RULES`)."""
        floor = self.floor
        return any(f.rule in KEPT_RULES for f in self.floors if f.level == floor)

    def top_findings(self) -> list[Finding]:
        """The rules that set the floor, most severe first."""
        return sorted(self.floors, key=lambda f: -int(f.level))


def _fmt(n: int) -> str:
    return f"{n:,}"


def _words(words: list[str], limit: int = 3) -> str:
    return "、".join(f"“{w}”" for w in words[:limit])


def evaluate(sig: TextSignals, spread: Spread, negativity: float | None, thresholds,
             told: str | None = None) -> RubricResult:
    """Every rule of the rubric against one event (``told``: why it is negative by a kind the conventions name in
    so many words, if it is)."""
    t = thresholds
    r = RubricResult()
    neg = negativity if negativity is not None else 0.0
    harm = read_harm(sig, negativity)
    benign, grievance, notice, content_risk = harm.benign, harm.grievance, harm.notice, harm.content_risk
    complaint = bool(sig.complaint)
    # negative: classify's 舆情负面 judgement decides; without one (or to catch what it missed), harm told in
    # so many words (deaths, a mass incident) or a complaint
    if negativity is None:
        r.negative = not notice and (content_risk or bool(sig.critical_coverage) or complaint)
    else:
        r.negative = not notice and (neg >= NEGATIVE_AT or (content_risk and neg >= CALM_BELOW))
    r.risky = content_risk or bool(sig.gathering or sig.clash or sig.incident or sig.rumour or sig.violence)
    add = r.floors.append
    S, M, G = Level.SPECIAL, Level.MAJOR, Level.GENERAL

    # -- 特别重大 ------------------------------------------------------------
    if sig.deaths >= t.deaths_special:
        add(Finding("deaths_special", S, f"文本记载死亡{sig.deaths}人（达到{t.deaths_special}人即特别重大）"))
    if sig.mass_casualty:
        add(Finding("mass_casualty", S, f"出现群死群伤类表述：{_words(sig.mass_casualty)}"))
    if sig.disaster and not benign:
        add(Finding("disaster_casualties", S, f"重大自然灾害造成伤亡或损毁：{_words(sig.disaster, 2)}"))
    elif sig.disaster_relief:
        # a post about a disaster under way, told as its relief or mourning (a tribute, a panda hugging a rescuer): graded
        # by the disaster, not by its tone (SPEC §4 conventions: a tribute to a Boston bombing victim is 特别重大)
        add(Finding("disaster_relief", S, f"涉及重大自然灾害的救灾、悼念或灾区情况：{_words(sig.disaster_relief)}"))
    if sig.injured >= t.injuries_special:
        add(Finding("injuries_special", S, f"文本记载受伤{sig.injured}人（达到{t.injuries_special}人视为群死群伤）"))
    elif sig.sick >= t.sick_special and not notice:
        add(Finding("sick_special", S, f"文本记载{sig.sick}人中毒、感染或发病（达到{t.sick_special}人为大规模群体伤害）"))
    mass = []
    if sig.mass_strong:
        mass.append(f"出现群体性事件表述：{_words(sig.mass_strong)}")
    if sig.gathering and grievance and (sig.crowd >= t.crowd_special or sig.gathered_at):
        where = f"在{sig.gathered_at[0]}" if sig.gathered_at else ""
        size = f"约{sig.crowd}{sig.crowd_unit}" if sig.crowd else "多人"
        mass.append(f"{size}{where}{_words(sig.gathering, 2)}")
    if sig.clash and grievance and sig.crowd >= t.crowd_special:
        mass.append(f"约{sig.crowd}{sig.crowd_unit}卷入{_words(sig.clash, 2)}")
    if mass:
        add(Finding("mass_incident", S, "群体性事件：" + "；".join(mass)))
    if sig.stability_threat and not benign and (r.negative or content_risk):
        add(Finding("stability_threat", S, f"出现威胁社会安全稳定的内容：“{sig.stability_threat[0]}”"))
    if sig.gather_call and grievance and not benign:
        add(Finding("gather_call", S, f"出现煽动聚集、号召集合的内容：“{sig.gather_call[0][:30]}”"))
    # what central media and hot searches pick up is special only when it is bad news (a critical programme
    # named in a calm notice is not)
    bad_news = not benign and (neg >= NEGATIVE_AT or content_risk)
    if bad_news and ("central" in spread.media_levels or _central_in_text(sig)):
        who = "、".join(sig.central_media[:2]) or "中央媒体"
        add(Finding("central_media", S, f"负面报道被{who}关注或转载"))
    if bad_news and sig.trending:
        add(Finding("trending", S, f"负面话题登上全国热搜或全网热议：{_words(sig.trending)}"))
    shares = max(spread.reposts_or_comments, sig.shares)
    if sig.allegations and sig.leaders and shares >= t.interactions_special:
        add(Finding("allegation_viral", S,
                    f"针对{sig.leaders[0]}的{_words(sig.allegations, 2)}等指控转发评论达{_fmt(shares)}次"
                    f"（达到{_fmt(t.interactions_special)}次）"))
    elif bad_news and sig.leaders and sig.complaint and shares >= t.interactions_special:
        add(Finding("viral_against_leadership", S,
                    f"针对{sig.leaders[0]}的负面内容转发评论达{_fmt(shares)}次（达到{_fmt(t.interactions_special)}次）"))
    if bad_news and max(spread.interactions, shares) >= t.interactions_special * NATIONAL_FACTOR:
        add(Finding("national_spread", S, f"负面内容互动达{_fmt(max(spread.interactions, shares))}次"
                                          f"（{NATIONAL_FACTOR}倍于{_fmt(t.interactions_special)}次），已形成全国性传播"))

    # -- 重大或较大 -----------------------------------------------------------
    # one or two deaths read in a calm post (below CALM_BELOW: 人生，死亡，阅读 in a film's review, a game hero named
    # 死亡颂唱者, an elephant guarding its dead friend) are no deaths of an issue: classify's models are sure the post
    # tells no harm, and words are what the reading went by (three deaths or more stay read, whatever the tone)
    told_calmly = negativity is not None and negativity < CALM_BELOW
    if t.deaths_major <= sig.deaths < t.deaths_special and not told_calmly:
        add(Finding("deaths_major", M, f"文本记载死亡{sig.deaths}人（{t.deaths_major}—{t.deaths_special - 1}人为重大或较大）"))
    if sig.serious_injury and not benign and (sig.injured or sig.deaths or sig.incident or _violent(sig) or sig.clash
                                              or _harm_complained_of(sig, r.negative)):
        hurt = [w for w in sig.serious_injury if w not in RAPE_WORDS]
        rape = [w for w in sig.serious_injury if w in RAPE_WORDS]
        add(Finding("serious_injury", M, "；".join(
            ([f"有人员重伤或危重：{_words(hurt)}"] if hurt else []) + ([f"发生强奸、性侵等严重人身侵害：{_words(rape)}"] if rape else []))))
    elif sig.injured >= INJURED_MAJOR and sig.injured < t.injuries_special:
        add(Finding("injured_many", M, f"文本记载受伤{sig.injured}人"))
    if sig.allegations and sig.leaders and shares < t.interactions_special:
        add(Finding("allegation", M, f"指控地方干部（{sig.leaders[0]}）{_words(sig.allegations, 2)}等严重问题"))
    elif sig.official_wrongs and r.negative and not benign:
        add(Finding("official_wrongdoing", M, f"指称公职人员或机关{_words(sig.official_wrongs, 3)}等严重问题"))
    if sig.abduction and r.negative:
        add(Finding("abduction", M, f"儿童被拐、被抢或器官被摘等已发生的严重侵害：{_words(sig.abduction, 2)}"))
    affected = max(sig.sick, sig.crowd)
    if sig.incident and not benign and not notice and not _local_nuisance(sig, spread) \
            and (sig.many or sig.sick >= AFFECTED_MANY // 2 or affected >= AFFECTED_MANY):
        # (多人, 很多人 read as a count of two: said as the words, not as 约2人)
        many = (f"约{affected}{sig.crowd_unit if affected == sig.crowd and affected > sig.sick else '人'}"
                if affected >= AFFECTED_MANY // 2 or not sig.many else max(sig.many, key=len))
        add(Finding("incident_many", M, f"食品、药品、环境或安全事件影响多人（{many}）：{_words(sig.incident)}"))
    if sig.collapse and not notice and not benign:
        add(Finding("structure_collapse", M, f"公共设施或建筑垮塌：“{sig.collapse[0]}”"))
    # a group owed its wages, fees or benefits, acting to claim them (讨要, 维权, 上访, 罢工), or a body of staff complaining
    # of its pay or benefits: not owners, parents or pupils complaining of a price, a school or a developer, nor a
    # suggestion about benefits
    claim = sig.protest or sig.owed or (sig.complaint and sig.staff)
    if (sig.wage or sig.benefits) and claim and (sig.crowd >= GROUP_PROTEST or _group_words(sig)):
        size = f"约{sig.crowd}{sig.crowd_unit}" if sig.crowd >= GROUP_PROTEST else "多人"
        add(Finding("group_protest", M, f"{size}集体讨要或反映{_words(sig.wage + sig.benefits, 2)}"))
    if sig.money_lost and sig.crowd >= MONEY_LOST_VICTIMS and r.negative and not benign:
        add(Finding("money_lost", M, f"非法集资、传销或平台爆雷等金融风险涉及约{sig.crowd}{sig.crowd_unit}：{_words(sig.money_lost, 2)}"))
    if sig.demolition_violent:
        add(Finding("violent_demolition", M, f"暴力或强制拆迁纠纷：{_words(sig.demolition_violent)}"))
    denied = bool(sig.denial)
    fast = bool(sig.fast_spread) or (not denied and (
        spread.interactions >= t.interactions_major
        or (spread.post_count >= FAST_MIN_POSTS and spread.posts_per_hour >= FAST_POSTS_PER_HOUR)))
    if sig.rumour and fast and r.negative and not benign:
        how = _words(sig.fast_spread, 2) if sig.fast_spread else f"互动{_fmt(spread.interactions)}次"
        add(Finding("rumour_fast", M, f"涉及本地的传言快速传播（{how}）：{_words(sig.rumour, 2)}"))
    big_voice = []
    if "provincial" in spread.media_levels or sig.provincial_media:
        big_voice.append("省级媒体")
    if spread.big_v_posts or sig.big_v:
        big_voice.append("大V")
    if r.negative and spread.interactions >= t.interactions_major:
        who = f"{'、'.join(big_voice)}传播的" if big_voice else ""
        add(Finding("big_voice" if big_voice else "spread_major", M,
                    f"{who}负面内容互动{_fmt(spread.interactions)}次（达到{_fmt(t.interactions_major)}次，已较大范围传播）"))
    if r.negative and spread.interactions >= t.interactions_special:
        add(Finding("viral_negative", M, f"负面内容互动达{_fmt(spread.interactions)}次（达到{_fmt(t.interactions_special)}次）"))

    if not content_risk and negativity is not None and neg < SURE_NEGATIVE:
        for f in r.floors:
            if f.rule in SPREAD_RULES and f.level > G:
                f.level = G
                f.reason += "（负面判断把握不足，仅凭传播最高定为一般）"

    # -- 一般 ------------------------------------------------------------------
    if r.negative and spread.interactions >= t.interactions_minor:
        add(Finding("negative_spread", G, f"负面内容互动{_fmt(spread.interactions)}次（达到{_fmt(t.interactions_minor)}次，"
                                          f"超出影响较小的范围）"))
    elif r.negative and negativity is not None:
        # SPEC §4: a negative complaint about local services or officials' conduct, however little it spread
        add(Finding("negative_complaint", G, "负面投诉或负面信息（传播有限）"))
    if r.negative and told:
        # a negative item, not a minor complaint: the model does not lower it to 影响较小 (a fraud warned of, a fee
        # rumour, a boycott: the severity model read such posts as barely negative and lowered some copies of a
        # story and not others)
        add(Finding("told_negative", G, told))

    # -- caps --------------------------------------------------------------------
    if not r.floors:
        calm = bool(sig.positive or sig.enquiry) or (negativity is not None and negativity < NEUTRAL_BELOW)
        only_incident_words = notice and not (content_risk or sig.gathering or sig.clash or sig.rumour or sig.violence)
        if not r.negative and (not r.risky or only_incident_words) and (not sig.complaint or notice) and calm \
                and neg < NEUTRAL_BELOW:
            r.caps.append(Finding("neutral", Level.MINOR, "无负面或风险内容，属中性或正面提及"))
        elif not r.risky and spread.interactions < t.interactions_minor and spread.top_media in ("local", "self") \
                and not spread.big_v_posts:
            r.caps.append(Finding("low_spread", G, f"无风险词且互动不足{_fmt(t.interactions_minor)}次，"
                                                   f"本地媒体或自媒体范围，最高为一般"))
    return r


def _central_in_text(sig: TextSignals) -> bool:
    return bool(sig.central_media)


#: complaint words (besides the harm's own) that make a text a complaint about the harm it tells
HARM_COMPLAINT_WORDS = 2


def _harm_complained_of(sig: TextSignals, negative: bool) -> bool:
    """A negative complaint about a life in danger (a child in ICU after an operation, 请求解决医疗纠纷): the harm is what
    it complains of, told in more than a word — not its background (a husband 瘫痪在床 in a letter about benefits), a
    missing child's appeal (失踪 is both the harm and the complaint) nor a joke's 昏迷 beside a 不管."""
    return negative and any(w in LIFE_IN_DANGER for w in sig.serious_injury) \
        and len({w for w in sig.complaint if w not in sig.serious_injury}) >= HARM_COMPLAINT_WORDS


#: incident words a neighbourhood's standing grievance is told in: pollution, a smell, a dilapidated house, accidents
#: (交通事故频发), the gas or water supply, vaccines to be had (九价疫苗一针难求; not 假疫苗, 问题疫苗) — a nuisance,
#: a hazard or a service, not something that happened to people
NUISANCE_INCIDENTS = frozenset(("污染", "排污", "直排", "偷排", "恶臭", "异味", "超标", "危房", "事故", "燃气", "煤气",
                                "水质", "饮用水", "疫苗"))
#: words for many that tell a town's or a city's incident, not a neighbourhood's (水源被污染，全城停水)
WIDESPREAD = frozenset(("全城", "全镇", "全乡"))
#: interactions below which nobody has spread a post (a letter to the government board has none)
UNSPREAD = 100


def _local_nuisance(sig: TextSignals, spread: Spread) -> bool:
    """A local complaint about a standing nuisance or hazard (a factory's smell, dust from a mixing plant, a road where
    accidents happen), nobody made ill, hurt or killed, nobody spreading it and no town or city affected: the dev
    labels grade every such board letter 一般 (a local complaint), however many residents it names — it is no
    incident affecting many."""
    return (set(sig.incident) <= NUISANCE_INCIDENTS and not (sig.sick or sig.deaths or sig.injured or sig.serious_injury)
            and max(spread.interactions, sig.shares) < UNSPREAD and not WIDESPREAD.intersection(sig.many))


#: violence words that only set the scene: a stay in hospital (for an illness, after a fall) or an hour of the night
SCENE_WORDS = frozenset(("住院", "凌晨", "半夜"))


def _violent(sig: TextSignals) -> bool:
    """Violence told, not only its scene: an injury beside a stay in hospital is a patient's, not a victim's."""
    return any(w not in SCENE_WORDS for w in sig.violence)


#: words for many that name no people (所有工作记录本, 全部工资, 大量材料, 广大, 市民): no group claims by them alone
NOT_PEOPLE_MANY = frozenset(("所有", "几乎所有", "全部", "大量", "众多", "广大", "市民", "消费者", "无数", "成片", "一大片",
                             "大面积", "流入市场", "流向市场", "流入餐桌", "端上餐桌", "销往", "出售给", "卖给",
                             FOOD_SOLD, FOOD_WARNED))


def _group_words(sig: TextSignals) -> bool:
    return bool(sig.group) or any(w not in NOT_PEOPLE_MANY for w in sig.many) or sig.crowd >= GROUP_PROTEST
