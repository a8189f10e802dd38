"""The severity rubric as rules: casualty counts (Chinese numerals too), mass-incident words, floors and caps."""
from __future__ import annotations

import pytest
from yuqing.grading import rubric
from yuqing.classify.signals import (
    claimed_shares,
    count_deaths,
    count_injured,
    count_sick,
    crowd_size,
    parse_number,
    read_harm,
    read_signals,
)
from yuqing.grading.spread import measure

from yuqing.config import Thresholds
from yuqing.domain import Level
from yuqing.store import PostRecord, post_key


@pytest.mark.parametrize("text,value", [
    ("三", 3), ("两", 2), ("十二", 12), ("二十多", 20), ("一百零五", 105), ("3", 3), ("３０", 30), ("上百", 100), ("十", 10),
    ("一千二百", 1200), ("两万", 20000), ("数十", 20),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_parse_number_refuses_words():
    assert parse_number("村民") is None
    assert parse_number("") is None


@pytest.mark.parametrize("text,deaths", [
    ("事故造成3人死亡", 3),
    ("两人遇难", 2),
    ("造成一死三伤", 1),
    ("3死2伤", 3),
    ("一名男子当场死亡", 1),
    ("死亡人数升至5人", 5),
    ("截至目前已致2死", 2),
    ("老人不幸身亡", 1),
    ("云溪一中的三个孩子周末结伴去水库游泳，全部溺水身亡", 3),
    ("死了三个人", 3),
    ("夺走两条鲜活的生命", 2),
    ("交通事故未造成人员伤亡", 0),
    ("今年交通事故死亡率下降", 0),
    ("今天热死了", 0),
    ("养殖场病死猪乱扔", 0),
    ("3个鱼塘的鱼全部死亡", 0),
    # harm denied in the ways news says it
    ("化工厂爆炸，所幸无人死亡", 0),
    ("大巴侧翻，车上无人死亡，5人受伤", 0),
    ("两车相撞，没有造成人员死亡", 0),
    ("一名未成年人死亡", 1),
    # figures of speech and threats are no deaths
    ("晚上施工吵死了，这物业真是害死人", 0),
    ("拖欠工资一年，工人扬言要跳楼讨薪", 0),
    ("杀狗场被捣毁，几百只狗无人领养就要安乐死了", 0),
    ("昨天一名讨薪工人跳楼", 1),
    # a relative's natural death that a letter starts from is no incident; a death at work or after a crash is
    ("我父亲去年去世后，抚恤金至今没有发放", 0),
    ("我爷爷去世了，想咨询丧葬费怎么报销", 0),
    ("丈夫因工去世后，单位不给工伤赔偿", 1),
    ("老人被撞后送医，不幸去世", 1),
    # the killing told before its count, as crime and traffic news put it
    ("一辆货车失控撞死3人", 3),
    ("歹徒持刀砍死两名村民", 2),
    ("男子杀害一家三口后潜逃", 3),
    ("化工厂爆炸炸死4名工人", 4),
    ("他说自己杀了3个人", 3),
    ("货车撞死3个月大的婴儿", 1),
    ("车祸撞死了一头牛", 0),
    # a school year is no count
    ("看着15岁初三学生被打死", 1),
    ("高三学生坠楼", 1),
    ("三学生溺亡", 3),
    # two of a family dead together, not an orphan's past
    ("家中失火，父母双亡，弟弟伤势很严重，想见她最后一面", 2),
    ("夫妻双双遇难，留下一个三岁的孩子", 2),
    ("他自幼父母双亡，靠捡垃圾读完高中", 0),
    # children mourned as angels in heaven are counted
    ("躲入垃圾桶烧火取暖，因一氧化碳中毒而亡。但愿5位小天使在天堂不再有寒冷", 5),
    ("幼儿园的20位小天使表演了节目", 0),
    # an animal's death, with no person named after the animal, is no death; a person's near an animal is
    ("残疾猫在玩伴狗患癌死亡后绝食去世", 0),
    ("家里一只叫洁洁的公狗上个月因癌症去世", 0),
    ("一只幼猴将被活取猴脑。没有买卖，就没有杀害！", 0),
    ("遛狗的老人被车撞死", 1),
    ("一只狗冲出来，女孩被撞身亡", 1),
    # a statistic, a metaphor, a virus's maker and a death supposed are no deaths
    ("矿难死亡人数占全球80％", 0),
    ("新闻已死？新闻未必死了，新闻肯定更浮躁了", 0),
    ("自产木马病毒，自产自杀，欺骗广大用户", 0),
    ("请好好珍惜他，因为也许不知道什么时候，他就死了", 0),
    ("这样的逻辑，要把李天一害死！", 0),  # threatened, not told
    ("城管把小贩逼死了", 1),
    ("据媒体报道，这位歌手系他杀，犯罪嫌疑人已被抓获", 1),
    ("他直接操刀就剁，死伤的都是这些部门欺负过他的人", 1),
    ("车祸没有造成死伤", 0),
    ("一妇女喝了罐饮料，被送进医院，离开了世界。验尸死于细螺旋体病", 1),
    ("全球每年有大量人死于吸烟", 0),  # a statistic
    ("政府及市管中心串通一气，置百姓生死于不顾", 0),
    ("医生为他移植了一名死于心脏病的男子的器官", 0),  # an illness's natural death
    ("有部分农户为了减轻生产成本还是冒险通行", 0),  # 减轻|生产, no 轻生
    ("他因欠债轻生，留下两个孩子", 1),
    # a policy's definition quoted in an enquiry
    ("独生子女是指父母唯一子女，或曾有兄弟姐妹但兄弟姐妹均于他们生育子女前死亡", 0),
    # livestock's deaths, a figure of speech
    ("菲律宾和德国牲畜食用某些种类的转基因玉米后死亡了", 0),
    ("转基因食品吃了就是慢性自杀", 0),
    ("他家的猪跑了，老王追出去被车撞死了", 1),
    ("我父亲李柏树于17年10月在A6区被撞身亡", 1),  # a name holding 树 is a person's
    ("清晨有人在宰牛，牛叫声，被杀过程中蹬得车子的响声", 0),
    # what might happen
    ("一旦医院建成，废弃药物、尸体、病毒传染等将严重危害周围居民健康", 0),
    ("昨天工地坍塌致2人死亡，一旦再下雨还会塌", 2),
])
def test_count_deaths(text, deaths):
    assert count_deaths(text) == deaths


@pytest.mark.parametrize("text,deaths", [
    ("邻县发生矿难，5人遇难，我县立即开展安全检查", 0),
    ("云溪区一化工厂爆炸，3人死亡", 0),  # the look-alike district, another place
    ("南河县发生车祸，3人死亡", 0),
    ("云溪县白沙镇发生车祸，3人死亡", 3),
    ("追授在抗洪中牺牲的三名同志烈士称号", 0),
    ("消防开展应急演练，模拟3人被困死亡", 0),
    ("十年前这里发生过矿难，12人遇难，如今已是生态公园", 0),
    ("网传白沙镇车祸死了3个人，经核实系谣言，实际无人员伤亡", 0),
])
def test_deaths_elsewhere_past_drills_and_denied_rumours_do_not_count(text, deaths):
    own = ("云溪县", "云溪", "白沙镇")
    assert read_signals(text, (), own, ("云溪区",)).deaths == deaths


def test_injured_sick_crowd_and_claimed_shares():
    assert count_injured("事故致1死10伤") == 10
    assert count_injured("12人受伤，其中3人重伤") == 12
    # the injuring told before its count, as crime and traffic news put it
    assert count_injured("歹徒在菜市场持刀砍伤5人") == 5
    assert count_injured("失控车辆撞伤两名行人") == 2
    assert count_injured("锅炉爆炸炸伤了6名工人") == 6
    assert count_injured("保安打伤3个月大婴儿的父亲") == 0
    assert count_sick("30多名学生出现呕吐腹泻症状") == 30
    assert count_sick("截至今晚，中毒人数升至45人") == 45  # the count after the illness
    assert count_sick("送医治疗的学生已达32名") == 32
    assert count_sick("老人已住院达3个月") == 0
    assert crowd_size("二十多名村民聚集在县政府门口") == 20
    assert crowd_size("上百人围在门口") == 100
    # places and things counted in 家 or 个 are not a crowd; people are, whatever the measure word
    assert crowd_size("共检查单位218家，发现并督促整改火灾隐患364处，整改问题12个") == 0
    assert crowd_size("32家商户的老板和员工到镇政府反映") == 32
    # households tallied in a notice are homes, not a crowd; households acting together are
    assert crowd_size("柳树村征收范围内房屋评估结果公示：共计612户，公示期7天，有异议的可书面提出") == 0
    assert crowd_size("柳树村30多户村民聚集在镇政府门口讨要补偿款") == 30
    assert crowd_size("十几户拆迁户联名反映补偿标准太低；补偿方案涉及612户") == 10
    assert crowd_size("等了3个小时") == 0
    assert claimed_shares("帖子转发评论已超过两万次") == 20000
    assert claimed_shares("阅读量破亿") == 0


def _posts(text: str, interactions: int = 0, media: str = "self", followers: int | None = None, n: int = 1):
    out = []
    for i in range(n):
        out.append(PostRecord(key=post_key(f"t:{text}:{i}"), source="weibo", kind="weibo", text=text,
                              reposts=interactions // 2 if i == 0 else 0, comments=interactions - interactions // 2 if i == 0 else 0,
                              media_level=media, author_followers=followers))
    return out


def _rules(text: str, negativity: float | None = 0.8, thresholds: Thresholds | None = None, **spread):
    t = thresholds or Thresholds()
    return rubric.evaluate(read_signals(text, ("县委书记", "县长", "副县长")), measure(_posts(text, **spread), t.big_v_followers),
                           negativity, t)


def _fires(text: str, rule: str, **spread) -> bool:
    """Whether a rule of the rubric fires on a text told negatively (0.95)."""
    return rule in {f.rule for f in _rules(text, negativity=0.95, **spread).floors}


@pytest.mark.parametrize("text,floor", [
    ("白沙镇一矿井发生透水事故，造成3人死亡", Level.SPECIAL),
    ("化工厂爆炸，两人遇难，五人受伤", Level.MAJOR),
    ("一名工人从脚手架坠落身亡", Level.MAJOR),
    ("上百名村民堵路，交通中断三小时", Level.SPECIAL),
    ("五十多名群众围堵县政府大门", Level.SPECIAL),
    ("十几名工人聚集在县政府门口讨薪", Level.SPECIAL),
    ("十几名农民工到项目部讨要被拖欠的工资", Level.MAJOR),
    ("明天上午九点大家到县政府门口集合，人越多越好", Level.SPECIAL),
    ("凌晨一伙人开着挖掘机强拆民房，老人被打伤", Level.MAJOR),
    ("实名举报副县长收受贿赂", Level.MAJOR),
    ("幼儿园二十多个孩子食物中毒送医", Level.MAJOR),
    ("央视曝光云溪县化工厂偷排污水", Level.SPECIAL),
    ("#云溪县城管掀翻菜摊# 冲上热搜，网友纷纷批评", Level.SPECIAL),
    ("城关镇一仓库起火，未造成人员伤亡", Level.GENERAL),  # a negative local item: 一般 however little it spread
    ("今日凌晨云溪县发生4.5级地震，暂无人员伤亡报告", Level.GENERAL),  # a disaster that harmed nobody
    ("白沙镇发生4.2级地震，所幸无人伤亡", Level.GENERAL),
    ("白沙镇发生4.2级地震，无一人伤亡", Level.GENERAL),
    ("云溪县发生5.8级地震，房屋倒塌多间，伤亡情况正在统计", Level.SPECIAL),
    ("几名村民昨天跪在镇政府门口讨说法", Level.SPECIAL),
    # a letter that asks the 政府 for help in one sentence and 跪求 its leaders in another: nobody gathered
    ("我当了四十多年兽医，多次拖着病体求助政府，至今没有结果。跪求领导替民做主！", Level.GENERAL),
    ("数千居民与学生跪求政府停建学校上游的填埋场", Level.SPECIAL),  # a plea many make is an act
    ("公司无故辞退我们，至今拖欠我们的五险一金，请政府为我们做主", Level.MAJOR),  # a group's benefits
    # the official a letter is addressed to is not the one it accuses
    ("尊敬的领导：我们小区保安打人，请领导处理", Level.GENERAL),
    ("请问领导，单位克扣我们的加班费怎么办？", Level.GENERAL),
    ("杨县长：我们村的村主任贪污扶贫款", Level.MAJOR),
    ("李局长您好，城管队员当街打人", Level.MAJOR),
    # someone beaten unconscious, someone swept away and missing, a water supply cut for a whole town
    ("城管执法时将一名摊贩打得昏死过去，围观群众愤怒", Level.MAJOR),
    ("一场暴雨致县城多处内涝，一名老人被冲走，目前下落不明", Level.MAJOR),
    ("网传县自来水厂水源被污染，全城停水", Level.MAJOR),
    ("小区每逢下雨就内涝，希望有关部门尽快修好排水管", Level.GENERAL),
    ("他喝得不省人事，被朋友扛回了家", Level.GENERAL),
    ("一辆大客车坠入山谷，车上乘客死伤惨重", Level.SPECIAL),  # heavy casualties told in words
    # someone beaten until they fainted or burned with acid; one who did not faint
    ("一名男子被城管打得昏厥过去，送医后仍未醒", Level.MAJOR),
    ("女子被前男友泼硫酸，面部严重烧伤", Level.MAJOR),
    ("男子被打后没有昏厥，只是擦伤", Level.GENERAL),
    # officials feasting on public money or showing riches they cannot have earned; an official pushing an old man down
    ("镇领导用公款大吃大喝，一年招待费上百万", Level.MAJOR),
    ("局长天价烟、名表缠身，网友人肉出其多套房产", Level.MAJOR),
    ("城管掀翻老人的菜摊，还把老人推倒在地", Level.MAJOR),
    # germs in the water of a thousand households
    ("小区二次供水检出大肠杆菌，上千户居民饮水受影响", Level.MAJOR),
    # a beating that left a man in a coma for good; enforcers' blows that drew blood; a trip on public money; a bribe
    # at a checkpoint; villagers forced to sign. Force used in enforcing alone stays a local complaint (a dev label)
    ("男子被城管打成植物人，家属讨说法无门", Level.MAJOR),
    ("城管执法时将小贩打得头破血流", Level.MAJOR),
    ("副县长公款出国旅游，花费数十万元", Level.MAJOR),
    ("交警收钱放行超载货车", Level.MAJOR),
    ("镇干部强迫村民签字同意征地", Level.MAJOR),
    ("交警暴力执法，强行拖走女车主", Level.GENERAL),
    # police cars smashed in a clash; hundreds of drivers on strike over their fees
    ("村民与开发商雇来的人发生冲突，警车被砸", Level.SPECIAL),
    ("数百名出租车司机集体停运，抗议份子钱过高", Level.MAJOR),
    # villages flooded by a flash flood, a tower crane collapsed, a child taken by a stranger, a newborn stolen
    ("暴雨导致山洪暴发，多个村庄被淹，数千群众被紧急转移", Level.MAJOR),
    ("工地塔吊倒塌，砸中路过的公交车", Level.MAJOR),
    ("小学生放学路上被陌生人抱走，至今下落不明", Level.MAJOR),
    ("医院新生儿被偷，监控拍下可疑女子", Level.MAJOR),
    # a headmaster's harassment, an official's son's wedding that took in gifts; a rumour of an explosion spread wide
    # (传疯了), a water scare that emptied the shops' shelves (抢购一空)
    ("我县一名女教师被校长性骚扰，微博求助", Level.MAJOR),
    ("网友曝光镇党委书记儿子婚礼大操大办，收礼百万", Level.MAJOR),
    ("有人说化工厂要爆炸了，大家赶紧跑，已经传疯了", Level.MAJOR),
    ("网传县城自来水有毒，超市矿泉水被抢购一空", Level.MAJOR),
    # the China News Service's site as the story's source
    ("中新网消息，某镇一化工厂偷排污水被查处", Level.SPECIAL),
    # rubbish on a roof that flies about (垃圾满天飞) is no rumour flying about
    ("小区楼顶垃圾满天飞，社区回复的情况不实，无人管理", Level.GENERAL),
])
def test_floors(text, floor):
    assert _rules(text).floor == floor


@pytest.mark.parametrize("text,threat", [
    # content threatening social stability (SPEC: 特别重大): inmates escaped in numbers, a terror attack
    ("【绵阳看守所越狱46人 大多为重犯】现已发出通缉令，请各位小心", True),
    ("昨夜数十名重犯集体越狱，警方正在全城搜捕", True),
    ("3名在押人员从看守所脱逃，警方悬赏通缉", True),
    ("火车站发生暴恐袭击事件，多名旅客受伤", True),
    # one prisoner's escape, people escaping a fire, a series, a drill, a ghost story
    ("一名犯人在就医途中脱逃，已被抓获", False),
    ("火灾中多名群众成功逃脱", False),
    ("周末在家看美剧越狱第三季，十几个人集体越狱太精彩了", False),
    ("县公安局举行反恐怖袭击演练", False),
    ("深夜讲了一个灵异恐怖事件", False),
])
def test_a_threat_to_stability_is_special(text, threat):
    assert _fires(text, "stability_threat") is threat
    if threat:
        assert _rules(text).floor == Level.SPECIAL


def test_a_threat_to_stability_told_calmly_is_no_issue():
    assert "stability_threat" not in {f.rule for f in _rules("3名在押人员从看守所脱逃", negativity=0.1).floors}


def test_a_crowd_told_in_words_is_said_in_words():
    [finding] = [f for f in _rules("化工厂晚上偷排废气，附近村民很多人咳嗽").floors if f.rule == "incident_many"]
    assert "（很多人）" in finding.reason and "约2人" not in finding.reason  # (多人 is read as a count of two)


def test_thresholds_come_from_configuration():
    text = "事故造成3人死亡"
    assert _rules(text).floor == Level.SPECIAL
    assert _rules(text, thresholds=Thresholds(deaths_special=5)).floor == Level.MAJOR
    assert _rules("两人遇难", thresholds=Thresholds(deaths_major=3, deaths_special=5)).floor < Level.MAJOR


def test_spread_floors_and_allegations():
    allegation = "网友举报县长贪污受贿，要求严查"
    assert _rules(allegation, interactions=500).floor == Level.MAJOR
    viral = _rules(allegation, interactions=12000)
    assert viral.floor == Level.SPECIAL and any(f.rule == "allegation_viral" for f in viral.floors)
    complaint = "小区物业不作为，电梯坏了一个月没人修，投诉无门"
    assert _rules(complaint, interactions=50).floor == Level.GENERAL  # a negative complaint, limited spread
    assert _rules(complaint, interactions=300).floor == Level.GENERAL
    assert _rules(complaint, interactions=3000, media="provincial").floor == Level.MAJOR
    assert _rules(complaint, interactions=3000, followers=500000).floor == Level.MAJOR
    assert _rules(complaint, interactions=50, media="central").floor == Level.SPECIAL


def test_caps_for_low_risk():
    positive = _rules("为云溪县政务服务中心点赞，十分钟就办好了", negativity=0.05, interactions=5000)
    assert positive.cap == Level.MINOR and positive.apply(Level.SPECIAL) == Level.MINOR
    quiet = _rules("白沙镇中心小学今天开运动会", negativity=0.45, interactions=20)
    assert quiet.cap == Level.GENERAL and quiet.apply(Level.MAJOR) == quiet.floor  # the model never raises a floor
    # a cap never lowers a floor, nor does the model lower a 特别重大
    deaths = _rules("车祸致三人死亡", negativity=0.0)
    assert deaths.apply(Level.MINOR) == Level.SPECIAL


@pytest.mark.parametrize("text,deaths", [
    ("小区有人在办葬礼，虽然说死者为大，逝世的人我们怀念，但是电子鞭炮声音实在太大", 0),  # a funeral's noise
    ("老人去世后家属在小区搭灵堂办丧事，吵得无法入睡", 0),
    ("我的公公在重症监护室住院46天，最后还是多器官衰竭而死亡了，为什么不能优先用血", 0),  # an illness
    ("父亲被车撞身亡，家里办完丧事后肇事司机不见了", 1),  # an accident's death stays read
])
def test_a_funeral_and_an_illness_tell_no_death_of_an_issue(text, deaths):
    assert count_deaths(text) == deaths


#: (a game hero's name, 死亡颂唱者, is no death at all: test_a_name_holding_death_s_word_is_no_death)
CALM_DEATHS = [
    "今晚看了法国的《刺猬的优雅》，非常沉静而忧伤的电影。人生，死亡，阅读。人应当如何渡过短暂的一生，发人深省。",
    "一头母象在死去朋友的尸体旁守护了数小时，赶走那些想要接近的秃鹫和鬣狗。",
]


@pytest.mark.parametrize("text", CALM_DEATHS)
def test_one_death_read_in_a_post_the_models_find_calm_is_no_death_of_an_issue(text):
    assert "deaths_major" not in {f.rule for f in _rules(text, negativity=0.05, interactions=700).floors}
    # the same words where the models are not sure of calm stay read as the words say
    assert "deaths_major" in {f.rule for f in _rules(text, negativity=0.3, interactions=700).floors}


def test_three_deaths_stay_read_however_calmly_told():
    assert "deaths_special" in {f.rule for f in _rules("车祸致三人死亡", negativity=0.05).floors}


def test_the_model_lowers_a_floor_below_special_by_one_level_at_most():
    complaint = _rules("小区物业不作为，电梯坏了一个月没人修，投诉无门", interactions=50)
    assert complaint.floor == Level.GENERAL
    assert complaint.apply(Level.MINOR) == Level.MINOR
    assert complaint.apply(Level.GENERAL) == complaint.apply(Level.SPECIAL) == Level.GENERAL
    # a serious allegation against an official or an office is 重大或较大 in the conventions' own words: kept
    allegation = _rules("网友举报县长贪污受贿，要求严查", interactions=500)
    assert allegation.floor == Level.MAJOR
    assert allegation.apply(Level.MINOR) == allegation.apply(Level.GENERAL) == Level.MAJOR
    assert allegation.apply(Level.SPECIAL) == Level.MAJOR
    office = _rules("规划档案遗失是假的，县政府拒绝信息公开，这里官商勾结", interactions=0)
    assert office.floor == Level.MAJOR and office.apply(Level.MINOR) == Level.MAJOR
    # a group claiming what it is owed is 重大或较大 in SPEC §4's own words: the model does not lower it
    wages = _rules("我们二十多个农民工干了两年，工程款一分没拿到，多次去劳动局讨要都没有回复，请领导为我们做主",
                   negativity=0.95)
    assert wages.floor == Level.MAJOR and wages.apply(Level.MINOR) == Level.MAJOR


def test_a_complaint_is_lowered_to_a_minor_one_only_when_the_model_is_more_sure_than_not():
    """A model torn between 一般 and 影响较小 leaves a complaint the text tells at 一般 (SPEC §4); a floor set by spread
    alone it still lowers by its most likely level."""
    torn = {"影响较小": 0.35, "一般": 0.29, "重大或较大": 0.2, "特别重大": 0.16}
    sure = {"影响较小": 0.55, "一般": 0.3, "重大或较大": 0.1, "特别重大": 0.05}
    complaint = _rules("小区物业不作为，电梯坏了一个月没人修，投诉无门", interactions=50)
    assert {f.rule for f in complaint.floors} == {"negative_complaint"}
    assert complaint.apply(Level.MINOR, torn) == Level.GENERAL
    assert complaint.apply(Level.MINOR, sure) == complaint.apply(Level.MINOR) == Level.MINOR
    spread = _rules("今天的路况真让人无语", interactions=500)
    assert {f.rule for f in spread.floors} == {"negative_spread"}
    assert spread.apply(Level.MINOR, torn) == Level.MINOR


def test_who_a_letter_reports_to_and_who_it_is_about():
    """The discipline commission is where wrongs are reported (举报到县纪委), not who did them; a gang of
    swindlers is no group claiming its money; pushing an employee to resign is a labour dispute."""
    polluter = _rules("县纪委、监委：沙溪村炼油厂严重污染环境，县环保局为企业一路开绿灯，办理了环评，"
                      "希望县纪委为我们作主，查一查有无违纪行为", negativity=0.95)
    assert polluter.floor == Level.GENERAL
    # (the same letter about the county head himself is an allegation against a named official)
    assert _rules("县长为炼油厂当保护伞，希望县纪委查一查有无违纪行为", negativity=0.95).floor == Level.MAJOR
    scam = _rules("新菜市场里一群无良之人推销保健品，说能治百病，受害的都是老年人辛苦攒下的血汗钱，请政府严惩",
                  negativity=0.95)
    assert "group_protest" not in {f.rule for f in scam.floors}
    assert "group_protest" in {f.rule for f in _rules("一群农民工讨要被拖欠的工资，多次反映无果",
                                                       negativity=0.95).floors}
    # an allegation is against the official named in the sentence that tells it, not one named elsewhere
    preamble = _rules("换届选举工作要求严肃查处违纪违法行为。我们村的村支书当选人前年违法超生了一个孩子，这样的人能当选吗",
                      negativity=0.95)
    assert "allegation" not in {f.rule for f in preamble.floors}
    assert "allegation" in {f.rule for f in _rules("我们村的村支书收受开发商好处费，违纪违法，请严查",
                                                    negativity=0.95).floors}
    resign = _rules("我是派遣到交警大队的工作人员，怀孕六个月，单位逼迫我辞职，请领导帮忙", negativity=0.9)
    assert resign.floor == Level.GENERAL
    assert _rules("城管逼迫摊贩交钱才能走，不交就扣车", negativity=0.9).floor == Level.MAJOR


def test_an_inspection_that_counts_units_is_not_an_incident_affecting_many():
    notice = ("为有效预防和遏制冬季火灾事故，县消防救援大队近日在全县范围内开展冬季消防安全大检查。检查重点为人员密集场所、"
              "高层建筑和出租屋，共检查单位218家，发现并督促整改火灾隐患364处。")
    assert _rules(notice, negativity=0.16).floor < Level.MAJOR


def test_a_calm_notice_with_incident_words_is_a_neutral_mention():
    notice = "为有效预防冬季火灾事故，县消防救援大队开展消防安全大检查，共检查单位218家，督促整改火灾隐患364处。"
    calm = _rules(notice, negativity=0.02)
    assert calm.floor == Level.MINOR and calm.cap == Level.MINOR
    # the same words told as a complaint, or with people harmed, keep their floors
    assert _rules(notice, negativity=0.7).floor == Level.GENERAL  # 218家 are the units inspected, not people
    # 200 residents complaining of fire hazards complain of what might happen (一般); of a fire, of an incident (重大)
    assert _rules(notice.replace("共检查单位218家", "200多名居民反映"), negativity=0.7).floor == Level.GENERAL
    assert _rules("200多名居民反映，小区昨晚发生火灾，物业至今不管", negativity=0.7).floor == Level.MAJOR
    fire = "城关镇一批发市场发生火灾，200多名商户受灾，3人受伤送医"
    assert _rules(fire, negativity=0.02).cap is None or _rules(fire, negativity=0.02).cap > Level.MINOR
    poisoning = "县疾控通报：实验小学三十名学生食物中毒，已全部送医"
    assert _rules(poisoning, negativity=0.05).floor == Level.MAJOR


@pytest.mark.parametrize("text", [
    "尊敬的领导：我丈夫前几年工伤瘫痪在床，家里没有收入，申请低保两次都没批，请求解决。",  # the harm is background
    "这段路坑坑洼洼好几个月了，我妈骑车摔了一跤，还好没骨折，这路到底什么时候修？",  # an injury denied
    "急寻昨天下午在公园失踪的10岁女孩，请大家帮忙转发。",  # a missing child's appeal: 一般 by the rubric
    "小区门口车多车速快，老人小孩走这里有严重生命危险，物业不管不问，请求解决。",  # a danger, no one harmed
    "段子：我因一场车祸昏迷了三个月，老子不管你们黑谁。",  # a complaint in one word beside a coma told
])
def test_a_complaint_whose_serious_injury_is_not_what_it_complains_of(text):
    assert "serious_injury" not in {f.rule for f in _rules(text, negativity=0.95).floors}


def test_an_interruption_is_no_injury():
    assert read_signals("专家发言刚开口就被打断，会上不准念稿。").serious_injury == []
    assert read_signals("他被城管打断了腿，至今住院。").serious_injury == ["打断了腿"]


def test_harm_over_or_denied_is_no_complaint():
    saved = read_signals("医院成功抢救三名重伤工人，三人均已脱离危险，家属送来锦旗致谢。")
    assert saved.complaint == [] and read_harm(saved, 0.3).benign
    assert read_signals("路口没有红绿灯，孩子过马路非常危险。").complaint == ["危险"]  # a danger complained of
    assert read_signals("货车侧翻，所幸无人死亡，司机受伤。").complaint == ["受伤"]


def test_reasons_are_chinese():
    r = _rules("事故造成3人死亡")
    reason = r.top_findings()[0].reason
    assert "死亡3人" in reason and all(not ch.isascii() or ch.isdigit() or ch in "（）" for ch in reason if not ch.isspace())


@pytest.mark.parametrize("text,year,deaths", [
    ("2009年夏天，柳树村山洪暴发，7名村民遇难。如今村里建起了防洪堤", 2025, 0),  # a year before the event's
    ("2025年3月2日，白沙镇一民房倒塌，3人死亡", 2025, 3),  # this year: the incident itself
    ("1999年建成的白沙镇大桥昨晚垮塌，3人死亡", 2025, 3),  # the sentence names the old year, the deaths are now
    ("2009年夏天，柳树村山洪暴发，7名村民遇难", None, 7),  # no post time: the year cannot be told apart
    ("白沙镇货车撞死3人，司机王某，男，1987年3月15日生，已被控制", 2025, 3),  # a date of birth dates nothing
    ("截至目前，白沙镇此次事故累计造成5人死亡", 2025, 5),  # one incident's toll so far
    ("今年全县累计发生交通事故12起，死亡8人", 2025, 0),  # a tally of incidents
    # last year's deaths told as the background of a letter about something else
    ("学校好了伤疤忘了疼（去年6月12日3个学生溺水身亡，校方没责任？）。今年开学老师又乱收补课费", 2025, 0),
    ("去年12月31日晚，白沙镇广场踩踏致3人死亡", 2025, 3),  # the last weeks' news in a new year
    ("白沙镇这个路口从去年到现在已经撞死3人了", 2025, 3),  # lasting till now
    ("前年白沙镇山洪，7名村民遇难", None, 0),  # (no post time needed: the words say when)
    ("2024年8月30日，白沙镇一民房倒塌，3人死亡，至今无人担责", 2025, 3),  # the year before: the issue retold
    ("2023年8月30日，白沙镇一民房倒塌，3人死亡", 2025, 0),  # two years before: history
])
def test_deaths_in_a_sentence_dated_to_an_earlier_year_do_not_count(text, year, deaths):
    assert read_signals(text, (), ("云溪县", "云溪", "白沙镇", "柳树村"), (), year=year).deaths == deaths


@pytest.mark.parametrize("text,owed", [
    # a debt told from the day it began is today's claim, however long ago that was
    ("2018年底，会所因经营不善关门，有些技师和员工的工资都没拿到", True),
    ("2017年6月起我及其他九人为他提供劳务，工资至今一分没付", True),
    # a past year's payment made is the past
    ("2018年底，会所关门时发清了员工的工资", False),
])
def test_a_sentence_dated_to_an_earlier_year_that_tells_money_still_owed_is_kept(text, owed):
    assert bool(read_signals(text, (), ("云溪县",), (), year=2019).owed) is owed


def test_a_group_owed_wages_since_an_earlier_year_is_a_group_claim():
    text = ("投诉白沙镇水艺会所拖欠工资。2018年底，会所因经营不善关门，当时发了一部分工资，我们二十多名技师和员工的工资"
            "都没拿到，押金也没退。我们也召集大家一起去老板上班的地方要了，老板说转给别人了。")
    sig = read_signals(text, (), ("云溪县", "白沙镇"), (), year=2019)
    r = rubric.evaluate(sig, measure(_posts(text), Thresholds().big_v_followers), 0.95, Thresholds())
    assert "group_protest" in {f.rule for f in r.floors}
    assert sig.gather_call == []  # a group's own act told, not a call to gather
    assert r.floor == Level.MAJOR


@pytest.mark.parametrize("text,deaths", [
    ("高校又出凶杀案，一女生在食堂门口被男友刺杀", 1),
    ("副站长一家四口人被灭门", 4),
    ("调查地沟油的记者，身中10余刀，惨死", 1),
    ("学者在医院因突发心脏病险些去世", 0),  # a near miss
    ("副局长拿枪顶着记者的头说：再来采访就打死你", 0),  # a threat, not a death
    ("三只流浪狗被打死了", 0),
    ("那名男子婚后不久就杀了人，死者是他的妻子", 1),  # a killing told as 杀了人
    ("回顾一下：三月结婚，六月杀妻", 1),
    ("网传这位歌手的真实死因即将公布", 1),  # a cause of death: someone died
    ("请问游乐场的过山车、跳楼机是否属于特种设备？", 0),  # a ride
    ("前几天到乡下参加了一位长者的遗体告别仪式，封棺时撒了雄黄", 0),  # a funeral
    ("南北横线是一条生命线，至今未能完工", 0),
    ("为何牺牲我们业主的出行安全？", 0),  # interests given up
    ("消防员在火场英勇牺牲", 1),
    ("为了避免发生更大的死亡事故，请尽快安装护栏", 0),
    ("小区唯一的出口也被堵死了", 0),
    ("白蚁防治治标不治本", 0),
    ("我父亲于2013年逝世，母亲年迈，想咨询抚养问题", 0),  # a letter's relative, dead of age
    ("父亲在车祸中去世，肇事司机至今未赔偿", 1),
    ("网传演员今早病逝于医院，享年53岁", 1),  # a celebrity's death is news
    ("一名工人送医后不治", 1),
    ("水里漂着苍蝇的尸体", 0),
    ("嫌犯在山脚下被捕，自杀未成", 0),
])
def test_deaths_told_without_a_count_and_near_misses(text, deaths):
    assert count_deaths(text) == deaths


@pytest.mark.parametrize("text,rule", [
    ("河南某房管局副局长枪顶记者头威胁", "official_wrongdoing"),
    ("派出所以扫黄为名把人抓走，首饰全部掠去", "official_wrongdoing"),
    ("红十字会又一次发灾难财，买一万的药要开五万的发票", "official_wrongdoing"),
    ("县红十字会的人来买了1万多元的救灾药品，但要求我们开5万多元的发票", "official_wrongdoing"),
    ("红十字买1W的药品，却要求开5W的发票", "official_wrongdoing"),
    # wrongs wished away are not told: a wish list (当官不受贿，城管不打人，房子不强拆)
    ("中国公民的共同梦想：1、上学不收费；7、当官不受贿；8、城管不打人；11、房子不强拆", None),
    ("当官的受贿，城管不打人", "official_wrongdoing"),
    ("三岁男孩在小区门口被人抱走，至今下落不明", "abduction"),
    ("大桥垮塌，桥体里塞满编织袋", "structure_collapse"),
    ("强烈地震造成大量房屋倒塌，伤亡人数还在上升", "disaster_casualties"),
    ("据新华社报道，某市公安局党委委员持假身份证经商", "central_media"),
    ("山区孩子每天溜索过江上学，新华社旗下报纸的记者王某某质问：修桥的钱去哪了？", "central_media"),  # its reporter asks
    ("他说被带走后，检察院的办案人员打了他上百个耳光", "official_wrongdoing"),
    ("孩子术后呼吸衰竭送进ICU抢救，医院却推卸责任，请求解决医疗纠纷", "serious_injury"),  # the harm complained of
    ("这条负面帖子已被转发评论上千次", None),
])
def test_rules_for_what_real_posts_tell(text, rule):
    r = _rules(text, negativity=0.9, interactions=300)
    fired = {f.rule for f in r.floors}
    if rule is None:
        assert fired <= {"negative_spread", "negative_complaint"}, fired
    else:
        assert rule in fired, fired


def test_a_court_trying_a_case_is_no_allegation_against_the_court():
    r = _rules("区人民法院昨天开庭审理了一起非法拘禁案，五名被告当庭认罪", negativity=0.9)
    assert "official_wrongdoing" not in {f.rule for f in r.floors}


def test_a_central_outlet_named_in_passing_is_not_central_coverage():
    calm = _rules("今日起全市公立医院取消药品加成，新华社记者某某摄", negativity=0.2)
    assert "central_media" not in {f.rule for f in calm.floors}
    credit = _rules("交通信号灯突然熄灭，交通瘫痪半小时。新华网http://t.cn/abc", negativity=0.9)
    assert "central_media" not in {f.rule for f in credit.floors}
    # an outlet that does not cover the story is no coverage
    for text in ("谁说央视不关注民生？", "小区垃圾堆了一个月，央视没有报道，本地媒体也不管"):
        assert "central_media" not in {f.rule for f in _rules(text, negativity=0.9).floors}
    assert "central_media" in {f.rule for f in _rules("小区垃圾堆了一个月，央视记者暗访曝光", negativity=0.9).floors}
    # an outlet exposing the story covers it; its staff's tip is a person's
    assert "central_media" in {f.rule for f in _rules("【人民网揭出黑幕：七成电表被蓄意加速】", negativity=0.9).floors}
    assert "central_media" not in {f.rule for f in _rules("【央视员工爆料：某局长一人吃着509份低保】", negativity=0.9).floors}
    # a post opening with the programme it retells cites it; a programme named further on is in passing
    opening = _rules("《央视焦点访谈》某饮料厂承认产品含有禁用农药，可致癌", negativity=0.9)
    assert "central_media" in {f.rule for f in opening.floors}
    passing = _rules("饮料厂承认产品含有禁用农药，我爸天天看《新闻联播》也不知道", negativity=0.9)
    assert "central_media" not in {f.rule for f in passing.floors}


def test_a_negative_story_past_a_thousand_interactions_is_major_and_good_news_is_not():
    assert _rules("网友曝光某婚恋网站系统自动生成情书骗钱", negativity=0.9, interactions=1200).floor == Level.MAJOR
    good = _rules("为政务服务中心点赞，十分钟就办好了", negativity=0.05, interactions=5000)
    assert good.floor == Level.MINOR and good.cap == Level.MINOR


def test_a_letter_is_read_from_its_opening():
    from yuqing.grading.features import LETTER_LEAD_CHARS, event_text

    history = "我们村的历史要从上世纪说起。" * 20  # a long retelling before the matter
    tail = "二十年前这里发生过矿难，5人遇难。"
    letter = PostRecord(key=post_key("letter"), source="board", kind="board", title="请求修缮村道",
                        text="尊敬的县长：村里的道路坑洼不平，雨天无法通行，请求修缮。" + history + tail)
    text, _title = event_text([letter])
    assert "请求修缮" in text and tail not in text and len(text) < LETTER_LEAD_CHARS * 2 + 20
    weibo = PostRecord(key=post_key("weibo"), source="weibo", kind="weibo", text=letter.text)
    assert tail in event_text([weibo])[0]  # other posts are read whole


@pytest.mark.parametrize("text,deaths", [
    ("5名大学生在出租房内身亡，疑似煤气中毒", 5),
    ("五儿童垃圾箱内闷死", 5),
    ("一女子从营业部楼顶跳楼", 1),
    ("男子欲跳楼，被消防员成功救下", 0),
    # a body found, a fall, a death on the spot, a death caused; a lethal dose or rate is none
    ("城南出租屋发现一具女尸，警方已介入调查", 1),
    ("工地脚手架倒塌，3名工人坠亡", 3),
    ("老人被一辆闯红灯的轿车撞倒，当场毙命", 1),
    ("这名女童被继母虐待致死，邻居称经常听到哭声", 1),
    ("这种蘑菇误食可致死，上山请勿采摘", 0),
    ("该病毒致死率约为百分之三", 0),
    # a death told as a rescue that failed; a rescue that nearly failed is none
    ("产妇剖腹产后大出血，最终没能抢救过来", 1),
    ("男孩送医后经抢救无效，家属在医院门口哭成一团", 1),
    ("孩子差点没救过来，幸好送医及时", 0),
    # a death told in the words of a harm; a fading vigour is none, nor are a tribute's gentle words (愿英灵安息, 辞世)
    ("这位环卫工再也没能醒来", 1),
    ("一场大火夺去了三名孩子的生命", 1),
    ("因医院拒收，孕妇死在了门口", 1),
    ("男子葬身火海", 1),
    ("这座老城失去生命力了", 0),
    ("清明节到了，缅怀先烈，愿英灵安息", 0),
    ("国画大师今晨在京辞世，各界人士前往吊唁", 0),
])
def test_more_ways_deaths_are_told(text, deaths):
    assert count_deaths(text) == deaths


def test_fiction_tells_no_harm():
    """A text that calls itself fiction (a 微小说, a #段子#) tells of deaths and injuries that happened to nobody."""
    story = "她收到他从远方寄来的信。结婚，生子，养老。最后，她先去世了，再也没有醒来。@经典丶微小说"
    assert count_deaths(story) == 1  # the words are a death's
    assert read_signals(story).deaths == 0
    assert read_signals("#段子#我因一场惨烈车祸昏迷了3个月，医生说我下辈子就是个植物人了").serious_injury == []
    assert read_signals("她先去世了，再也没有醒来").deaths == 1


def test_group_claims_mass_hazards_and_disasters_told_in_passing():
    group = _rules("全县教师第13个月工资近两年分文未发，多次反映无果", negativity=0.9)
    assert "group_protest" in {f.rule for f in group.floors}
    dye = _rules("某品牌紫薯被指用墨水染色，消费者担忧", negativity=0.9)
    assert "incident_many" in {f.rule for f in dye.floors}
    # a disaster named beside a grievance with no casualties of its own is not a disaster with casualties
    fares = _rules("地震发生后航空公司取消机票折扣，乘客不满。航空公司称按规定执行", negativity=0.9)
    assert "disaster_casualties" not in {f.rule for f in fares.floors}
    quake = _rules("地震造成房屋倒塌，已有多人伤亡", negativity=0.9)
    assert "disaster_casualties" in {f.rule for f in quake.floors}


@pytest.mark.parametrize("text,negativity", [
    # a disaster under way told as its relief or mourning, however calm or warm: graded by the disaster (SPEC §4)
    ("感动，地震发生时一只大熊猫紧紧抱住警察的腿。地震无情人有情，为灾区祈福", 0.1),
    ("#地震温情#天快黑了，灾区的人民怎么度过这个夜晚。又还有多少人等着我们去救", 0.45),
    ("#地震#余震不断，悲惨一幕继续发生，祈祷中！", 0.99),
])
def test_a_disaster_told_as_its_relief_or_mourning_is_special_whatever_the_tone(text, negativity):
    r = _rules(text, negativity=negativity)
    assert "disaster_relief" in {f.rule for f in r.floors} and r.floor == Level.SPECIAL


@pytest.mark.parametrize("text", [
    "市地震局组织地震应急救援演练，搜救队员熟练完成各项科目",  # a drill
    "地震发生后航空公司取消机票折扣，乘客不满",  # a disaster named beside another grievance
    "台风天气注意安全，祈福平安",  # no disaster under way: a wish
    "地震来了怎么办？科普：躲在坚固的桌子下，等待救援人员",  # a tip
])
def test_a_disaster_named_without_its_relief_or_in_a_drill_is_no_disaster(text):
    assert "disaster_relief" not in {f.rule for f in _rules(text, negativity=0.3).floors}


def test_households_are_read_as_households_and_a_notice_tally_is_no_crowd():
    """定级依据 says what the text counts: a notice's 共计612户 is not 612 people demanding anything, and
    thirty households demanding their compensation are 30户, not 30 people."""
    notice = _rules("柳树村征收补偿评估结果公示：本次征收房屋共计612户，补偿款按评估结果发放，公示期7天，"
                    "有异议的村民可书面反映", negativity=0.6)
    assert not any("612" in f.reason for f in notice.floors)
    group = _rules("柳树村30多户村民到镇政府集体讨要拖欠的补偿款和安置补贴，多次反映无果", negativity=0.9)
    protest = [f for f in group.floors if f.rule == "group_protest"]
    assert protest and protest[0].reason.startswith("约30户")


def test_households_count_as_a_crowd_when_their_act_follows_in_the_next_clause():
    """The clause around a household count reaches to the sentence's end, past a comma: 30多户村民，到镇政府门口聚集."""
    from yuqing.classify.signals import crowd

    assert crowd("共有30多户村民，到镇政府门口聚集讨说法") == (30, "户")
    assert crowd("本小区共计612户，物业费从下月起上涨") == (0, "人")  # homes tallied, no act


def test_an_event_is_named_after_the_post_that_best_says_what_the_issue_is():
    from datetime import UTC, datetime, timedelta

    from yuqing.grading.features import event_title

    t0 = datetime(2025, 3, 1, tzinfo=UTC)

    def p(i, text, title="", negativity=0.8, kind="weibo"):
        return PostRecord(key=post_key(f"title{i}"), source=kind, kind=kind, title=title, text=text,
                          published_at=t0 + timedelta(hours=i), negativity=negativity)

    demolition = [
        p(0, "柳树村征收房屋评估结果已公示，共计612户，公示期7天。", title="关于柳树村征收房屋评估结果的公示",
          negativity=0.2, kind="news"),
        p(1, "#云溪县强拆# 柳树村夜间强拆，老人被推倒受伤送医，太欺负人了！凌晨两点挖掘机就来了"),
        p(2, "柳树村半夜强拆，老人受伤住院，谁来管管？挖掘机凌晨开进村"),
        p(3, "转发 //@柳树村小王: 柳树村夜间强拆，老人受伤，求扩散"),
    ]
    title = event_title(demolition)
    assert "强拆" in title and "公示" not in title
    # the authorities' answer, however much it repeats the story, does not name the issue
    answer = p(4, "【关于柳树村夜间强拆老人受伤有关情况的说明】近日，网民反映柳树村夜间强拆、老人受伤，县里高度重视……",
               negativity=0.95, kind="news")
    assert "强拆" in event_title([*demolition, answer]) and "情况的说明" not in event_title([*demolition, answer])
    festival = [
        p(0, "副县长一行到桃源村调研乡村旅游工作，听取汇报", title="副县长到桃源村调研", negativity=0.1, kind="news"),
        p(1, "桃源村桃花节开幕，漫山桃花引来上万游客赏花", title="桃源村桃花节开幕 上万游客赏花", negativity=0.1,
          kind="news"),
        p(2, "周末去桃源村看桃花节，桃花开得正好，游客好多", negativity=0.1),
        p(3, "桃花节人太多了，桃源村的桃花真美", negativity=0.1),
    ]
    assert "桃花节" in event_title(festival)
    # a thread's question and its reply (whose title is the thread's) do not outvote the complaint, nor does the answer
    canteen = [
        p(0, "孩子说最近食堂饭菜很难吃，米饭有怪味，好几个同学吃完拉肚子，有没有人管管？", title="一中今年的食堂是不是换承包商了？",
          negativity=0.94, kind="tieba"),
        p(1, "是真的，我们班也有同学吃完不舒服去了医务室", title="回复：一中今年的食堂是不是换承包商了？", negativity=0.23,
          kind="tieba"),
        p(2, "针对家长反映一中食堂米饭有异味、部分学生午餐后腹部不适，县教育局开展食品安全专项检查。",
          title="县教育局通报一中食堂食品安全检查情况", negativity=0.97, kind="news"),
        p(3, "近一周一中食堂米饭有明显霉味，多名学生饭后腹痛，被送到医务室。", title="【投诉】一中食堂饭菜变质，多名学生腹痛",
          negativity=0.99, kind="board"),
        p(4, "一中食堂的米饭有股霉味，好几个孩子中午吃完饭肚子疼，家长群都炸了，学校到底有没有人管？", negativity=0.99),
    ]
    title = event_title(canteen)
    assert "霉味" in title or "变质" in title, title
    assert event_title([p(9, "@某人 【突发】白沙镇一仓库起火。消防已到场", negativity=0.9)]) == "【突发】白沙镇一仓库起火"
    long = "白沙镇工业园的化工厂又在晚上偷偷排污，白沙河下游全是死鱼，河水发黄，味道刺鼻，村民不敢用水"
    assert event_title([p(10, long)]) == "白沙镇工业园的化工厂又在晚上偷偷排污，白沙河下游全是死鱼，河水发黄，味道刺鼻"


@pytest.mark.parametrize("text,mass", [
    ("上下班时交通堵塞严重，希望增加一个右拐专用车道。", False),  # a traffic jam is no mass incident
    ("这段拥堵路段每天堵半小时，渣土车还鸣笛示威。", False),
    ("数百辆救护车堵路上，短短30公里走了8个小时。", False),
    ("工人罢工第2日，为讨公道造成交通堵塞，特警奉命驱赶。", True),  # a jam protesters made
    ("工资拖欠半年至今未解决，春节将近，请领导重视，不要酿成群体性事件！", False),  # feared, not told
    ("几百名村民在镇政府门口堵路，要求归还征地款。", True),
])
def test_mass_incident_words_told_as_people_gathering(text, mass):
    assert bool(read_signals(text).mass_strong) is mass


@pytest.mark.parametrize("text", [
    "这里人口聚集，附近却没有一所公立幼儿园。",
    "所长多次组织参与聚众赌博活动，参赌人数众多。",
    "人行道全被围挡围了起来，市民下车没地方走。",
    "搞个绿化带，路两边的商铺被堵门，苦不堪言。",
    "我替社区几千户居民为民请愿，请尽快开办幼儿园。",
    "市场门口商贩堵路，居民出行困难",  # stalls in the way
    "高峰期经常发生车辆剐蹭后堵路",  # a jam after a scrape
    "架空层本可以让老人们聚在一起聊聊天，望政府重视",  # neighbours chatting
    "很多家长守在电脑面前寸步不离都没有报名成功",  # parents at a screen
])
def test_words_that_hold_a_gathering_word_tell_no_gathering(text):
    sig = read_signals(text)
    assert sig.gathering == [] and sig.gather_call == [], (sig.gathering, sig.gather_call)


def test_a_risk_of_infection_named_is_no_incident():
    text = "快速理发存在传播血液疾病（如hiv病毒）的高风险，剃刀在多人头上反复使用，建议相关部门加强管控"
    assert read_signals(text).incident == []
    assert "incident_many" not in {f.rule for f in _rules(text, negativity=0.9).floors}
    assert read_signals("医院输血导致二十多名患者感染丙肝病毒").incident


def test_a_government_named_as_whose_rules_is_no_place_of_a_gathering():
    text = ("物业工作人员说“政府的文件在我们公司算个屁”，这时一个工作人员带来了20来个人拍着服务台，然后是围攻")
    sig = read_signals(text)
    assert sig.gathered_at == []
    assert "mass_incident" not in {f.rule for f in _rules(text, negativity=0.95).floors}
    assert read_signals("二十多名村民聚集在镇政府门口讨说法").gathered_at


@pytest.mark.parametrize("text,call", [
    ("我多次到窗口交涉，得到回复都是必须本人到场申请办理。", False),
    ("约定时间到期后并未执行，期间数次上门维权。", False),  # a contract's terms
    ("学生自发组织四处维权，教育局说无法解决。", False),  # defending rights is no gathering
    ("小学每天早上八点集合学生做操，声音越来越大。", False),
    ("业主们明天上午9点到县政府门口集合，不见不散！", True),
    ("诉求无门，不得已计划组织聚众维权示威。", True),
    ("楼盘的业主们，周一早上八点半县政府门口见！人越多越有用！", True),
    ("柳树村全体村民：明天早上八点，每户至少出一个人，到村委会门口集合，一起去镇政府！", True),
    ("每户出一个人参加明天的村民代表选举，请准时到会", False),  # a meeting
    ("下午整理教室，请大家安排好时间来支援我们，并在群里按照时间接龙", False),  # a chore signed up for
    ("工友们，大家都来支援老李，一起去讨说法！", True),
    ("这位处长为了私利，多次组织不合理的上访，挑动业主闹事", False),  # an accusation of the past
    ("我们也召集大家一起去老板上班的地方要了，老板不认账", False),  # a group's own act told
    ("请大家和我们一起去县政府讨说法！", True),
])
def test_calls_to_gather(text, call):
    assert bool(read_signals(text).gather_call) is call


@pytest.mark.parametrize("text,incident", [
    ("小区消防通道堵塞，存在严重安全隐患，上万居民生命安全受威胁", []),  # a hazard: what might happen
    ("老房子有极大的火灾隐患，希望修缮", []),
    ("夜间施工噪音污染严重，上百居民无法休息", []),  # a nuisance
    ("消防通道常年被堵，小区几百户居民，万一发生火灾后果不堪设想", []),  # what might happen
    ("整个小区八百多户只有一个出入口，请开设东门，以防发生火灾时无路可逃", []),  # (以防, 一但, 生怕: feared)
    ("开发商把消防通道当车位卖，一但发生火灾，整栋楼的人都跑不出去", []),
    ("楼下有人挖地基，我们整栋楼的住户诚恐诚惶，生怕哪天楼会坍塌", []),
    ("别墅区塌方式违建，上百户业主多次反映无人处理", []),  # a figure of speech
    ("小区水箱长年不洗，自来水一股霉味，霉是一种强致癌物，全小区几百户都在喝", []),  # a hazard named
    ("职中商店向全校学生出售假烟、啤酒和一级致癌物槟榔", []),
    ("公司资金链断裂，老板跑路，上百名投资者血本无归", []),  # money running out, no structure breaking
    ("这家公司自产木马病毒再卖杀毒软件，欺骗广大用户", []),  # a computer's virus
    ("学校爆发诺如病毒感染，上百名学生呕吐腹泻", ["病毒"]),
    ("小区连续停水一个星期，几百户居民无法做饭洗澡，自来水公司不管", []),  # a utility's service: a local complaint
    ("化工厂偷排污水，河水严重污染，全村饮用水受影响", ["污染", "偷排", "饮用水"]),
    ("小区昨晚发生火灾，多人受伤", ["火灾"]),
])
def test_a_hazard_or_a_nuisance_is_no_incident(text, incident):
    assert set(incident) <= set(read_signals(text).incident)
    assert bool(read_signals(text).incident) is bool(incident)
    if not incident:
        assert "incident_many" not in {f.rule for f in _rules(text, negativity=0.95).floors}


@pytest.mark.parametrize("text,rule", [
    # an official said to keep riches or mistresses: an allegation when the official is in the same sentence
    ("网友爆料：某县民政局长一人名下七套房子、三个情妇，要求纪委调查", "allegation"),
    ("有人举报镇党委书记包二奶，群众议论纷纷", "allegation"),
    # harm done by officials or their kin: a woman left in icy water by the city's inspectors till she passed out,
    # a girl cut again and again by an official's son, an old man slapped by a man from an enforcement van
    ("城管不让她上岸，她在冰水里泡了两个小时，最后昏死过去", "official_wrongdoing"),
    ("派出所所长之子当街持刀连砍女孩十几刀", "serious_injury"),
    ("从执法车上下来一人，扇了卖菜老人几个耳光", "official_wrongdoing"),
    ("举报拆迁办在征收过程中威胁恐吓当地住户", "official_wrongdoing"),
    # deaths told in words the counted patterns do not hold
    ("流浪儿童躲进垃圾箱取暖，因一氧化碳中毒而亡", "deaths_major"),
    ("摆摊的妇女被城管推下台阶，竟成了永别", "deaths_major"),
])
def test_harm_by_officials_and_deaths_told_in_other_words(text, rule):
    assert rule in {f.rule for f in _rules(text, negativity=0.95, interactions=300).floors}


@pytest.mark.parametrize("text", [
    "我想买第二套住房，请问公积金贷款政策是什么？领导能否答复",  # a letter's second home
    "开发商一共建了四百多套房子，至今没有交房，业主们很着急",  # houses, no official
    "乱砍滥伐的问题请林业局领导重视",  # felling trees is no cutting of people
])
def test_houses_and_cutting_that_are_no_allegation_nor_injury(text):
    fired = {f.rule for f in _rules(text, negativity=0.95, interactions=300).floors}
    assert not fired & {"allegation", "official_wrongdoing", "serious_injury"}, fired


@pytest.mark.parametrize("text,massacre", [
    ("日本前首相参观南京大屠杀纪念馆", False),  # history's
    ("一起来找出屠杀猫咪的场所", False),  # animals'
    ("武装分子在村里屠杀平民", True),
    # the marathon bombing by its name, as MH370 by its (the dev conventions treat both as local)
    ("#波士顿爆炸# 网友指出波士顿爆炸中被炸断双腿却一脸平静者原本就是残疾的士兵", True),
    ("他在马拉松终点等女友，却等来了马拉松爆炸的消息", True),
])
def test_a_massacre_now_is_a_mass_casualty_and_history_is_not(text, massacre):
    assert bool(read_signals(text).mass_casualty) is massacre


@pytest.mark.parametrize("text,deaths", [
    ("一只救了32条人命的搜救犬牺牲了，为它默哀", 0),  # lives saved, and a dog's death
    ("屈原虽九死而无悔", 0),
    ("他九死一生，终于获救", 0),
    ("车祸夺走了三十二条人命", 32),
    ("律师称他是第一个与被害女子发生关系的，不构成轮奸", 0),  # a crime's victim, not killed
    ("被害人当场死亡", 1),
    ("这位老奶奶老伴死了，儿子在外打工，她每天捡垃圾", 0),  # a relative's death as the story's background
    ("我父亲被人打死了", 1),
    ("转发十份，至少有一条生命将会被挽救回来", 0),  # a life to be saved
    ("补课减一点，学生有牵挂也不至于高考后自杀", 0),  # a fear a letter says is spared
    ("请将我的遗体解剖以免遭受活埋之苦", 0),  # a dead poet's wish, retold
    ("外墙瓷砖脱落，真担心会掉下来砸死人", 0),  # what could kill
    ("经与开发商沟通无果，别让普通老百姓因此而受伤及丧命", 0),  # a death to prevent
    ("走廊栏杆间隙很宽，存在极大安全隐患，坠楼，高空抛物", 0),  # a hazard listed
])
def test_lives_saved_victims_idioms_animals_and_backgrounds_are_no_deaths(text, deaths):
    assert count_deaths(text) == deaths


def test_a_death_dated_to_an_earlier_century_is_history():
    assert read_signals("1849年10月17日，诗人在巴黎因病去世。", year=2013).deaths == 0
    assert read_signals("2013年10月17日，诗人在巴黎因车祸去世。", year=2013).deaths == 1


@pytest.mark.parametrize("text,wrongs,incident", [
    ("全国交警集中查处酒驾，一经查获，一律拘役六个月", [], []),  # a crackdown, not drink-driving police
    ("派出所民警醉驾撞人后逃逸", ["醉驾"], []),
    ("校内网泄露出的招生名单显示全部内定", [], []),  # information leaked, not a chemical
    ("化工厂氨气泄露，周边居民紧急疏散", [], ["氨气泄露"]),
])
def test_a_crackdown_is_no_wrong_and_a_leak_of_names_no_incident(text, wrongs, incident):
    sig = read_signals(text)
    assert sig.official_wrongs == wrongs and sig.incident == incident


@pytest.mark.parametrize("text,protest", [
    # homeowners whose flats came late or leak are no group owed wages or compensation (SPEC §4)
    ("我们是某小区的全体业主，开发商延期交房，房屋质量问题严重，业主们多次投诉无果", False),
    ("我住在安置小区，楼下货运部噪音太大，很多人都投诉过", False),  # housing named after resettlement
    ("我们三十多名农民工被拖欠工资一年，多次讨要无果", True),
    ("全体村民的安置费至今没有发放，大家多次上访", True),
    # a group that names money or benefits but is owed nothing: pupils of a school complained of, a suggestion,
    # owners complaining of a developer's sale (SPEC §4: no group claim)
    ("举报天华路某英语机构无证办学，招收的200多名幼儿都没有消防保障，学费也很高，希望有关部门管一管", False),
    ("强烈建议提高市直单位公积金缴存比例，对于收入不高的体制群体来说，生活太难了", False),
    ("开发商违法出售人防车位，全体业主的购房款里是否已含车位成本？请政府查处", False),
    # owed and named so: withheld, not paid back, claimed
    ("我们十个农民工去年在师大附中装洗脸台，工资到现在都没拿到", True),
    ("公司资金链断裂，两百多名投资者的本金血本无归，恳请政府帮助", True),
])
def test_a_group_claim_is_for_wages_or_compensation_owed(text, protest):
    assert _fires(text, "group_protest") is protest


@pytest.mark.parametrize("text,injury", [
    ("某游泳健身中心没有卫生许可证", []),  # a gym, not 身中数刀
    ("业主冒着生命危险在车库测了一下甲醛", []),  # a figure of speech
    ("防治人员天天跑断腿也没有用", []),
    ("记者身中10余刀，送医抢救", ["抢救", "身中"]),
    # people stuck in a lift are no serious injury; miners trapped underground are
    ("数次业主被困电梯，电梯内无任何信号", []),
    ("上个月我母亲被困在电梯里二十多分钟，物业一直拖着不修", []),
    ("电梯突然停在半空，三名乘客被困，消防赶来救出", []),
    ("矿井透水，3名工人被困井下", ["被困"]),
])
def test_figures_of_speech_a_gym_and_a_stuck_lift_are_no_serious_injury(text, injury):
    assert sorted(read_signals(text).serious_injury) == sorted(injury)


@pytest.mark.parametrize("text,injury", [
    # a patient's stay in hospital or an hour of the night is no violence that makes an injury an incident
    ("我妈在外地帮我带孩子，摔倒了骨折，住院，请问异地医保怎么报销", False),
    ("本人因病住院抢救，花费六七万元，生活困难，请求政府帮助", False),
    # harm to rights, feelings or health at large, earth dug away and a torn ligament are no serious injury
    ("开发商的行为已经严重伤害了我们业主的切身利益", False),
    ("噪音长期扰民，对市民身心将造成严重伤害", False),
    ("采砂场挖沙子把河堤都挖掉了，噪声很大，污染河流", False),
    ("我右胫骨平台粉碎性骨折并交叉韧带断裂，请问可以办几级残疾证", False),
    ("城管殴打小贩致其骨折，送医住院", True),
    ("游医冒充专家，把我孩子造成严重伤害，至今还在康复医院治疗，投诉无门，请求严查", True),
])
def test_a_patient_harm_at_large_and_earth_dug_are_no_serious_injury(text, injury):
    assert _fires(text, "serious_injury") is injury


@pytest.mark.parametrize("text,deaths", [
    ("白蚁防治所只在业主家喷点药，室外的蚁窝不治，有鬼用哟", 0),  # a nest left untreated
    ("一名工人送医后不治", 1),
    ("有人在办葬礼，虽然说死者为大，但鞭炮声音实在太大", 0),  # a saying
    ("有一些土胚房，孤寡老人都死了一二十年，房子还在", 0),  # a death long past
    ("物业负责人当着警察的面说，业主来一个打死一个", 0),  # a thug's boast
])
def test_untreated_sayings_deaths_long_past_and_boasts_are_no_deaths(text, deaths):
    assert count_deaths(text) == deaths


@pytest.mark.parametrize("text,protest", [
    # one worker's or buyer's claim, whatever its words for all (所有材料, 全部费用): no group claim
    ("我在工地工伤，公司不承认我是员工，不给赔偿，我递交了所有工作记录本和工资流水，投诉无门", False),
    ("我所有费用都交了，至今四年还没拿到房产证，开发商不给说法，要求赔偿，投诉无门", False),
    ("A市所有协管员的心声：我们的工资待遇多年没有提高，多次反映无果", True),
    # a body of staff named as one: a group's claim
    ("请求解决县农机局一部分职工的医保问题，多次反映无果", True),
    ("县教师队伍的第十三个月工资最近两年分文不发，太不公平", True),
    ("反映街道中心学校退休教师的安置问题，一个月了还没有回复", True),
    ("我是一个退休工人，女儿给我买的房子开发商不退房款，投诉无门", False),  # one retired worker
])
def test_words_for_all_that_name_no_people_make_no_group_claim(text, protest):
    assert _fires(text, "group_protest") is protest


@pytest.mark.parametrize("text,many,interactions", [
    # a neighbourhood's standing nuisance or hazard nobody spread: a local complaint, however many it names
    ("小区附近修建搅拌厂，严重污染环境，上千户居民深受其害", False, 0),
    ("学校周边众多，连过街天桥都没有，导致交通事故频发", False, 0),
    ("九价疫苗一针难求，上千人在排队预约", False, 0),
    # the same spread widely, people made ill, or a whole town affected: an incident affecting many
    ("小区附近修建搅拌厂，严重污染环境，上千户居民深受其害", True, 3000),
    ("化工厂晚上偷排废气，附近村民很多人咳嗽", True, 0),
    ("网传县自来水厂水源被污染，全城停水", True, 0),
])
def test_a_local_nuisance_nobody_spread_is_no_incident_affecting_many(text, many, interactions):
    assert _fires(text, "incident_many", interactions=interactions) is many


@pytest.mark.parametrize("text,wrong", [
    ("希望B9市委市政府以及B9市教育局的领导们能管一下，幼儿园向每位家长收取30元", False),  # the addressee
    ("请求胡书记责令相关部门取消年费，并退还已收取的年费和服务费", False),
    ("我是A市长郡中学的学生，学校周六补课还要收取很多补考费", False),  # a masked city before 长郡
    ("电梯井经常泡水，已严重威胁业主的生命财产安全，烦请政府职能部门重视", False),  # a danger, not a threat
    ("镇政府工作人员威胁村民不签字就不给补偿", True),
    # fees charged (收取) and fraud suspected (涉嫌) are complaints; money taken as a bribe is a wrong
    ("县二中领导办补习班，向每个高三学生收取六千元补课费", False),
    ("交警大队扣车后违规收取车主停车费、拖车费，请领导查一查", False),
    ("某商务公司涉嫌诈骗三千多万，我们向派出所报案，民警至今没有答复", False),
    ("原区委书记被认定收取包工头一百四十万元，另两名副区长各收取三十万", True),
    ("村支书在征地中收取好处，把补偿款打到亲戚账上", True),
    # a protector wondered about is a suspicion; an office said to be one is a wrong
    ("塑料厂污水直排河里，百姓多次向环保局投诉无果，不知是否某些保护伞在暗中保护，请求政府有关单位整改", False),
    ("黑网吧开业半个月，公安、工商没人查处，不知道是有关部门不作为还是有人充当保护伞", False),
    ("业主违规加建一层，区城管不作为、当保护伞，请依法拆除", True),
    # an animal put down is no person killed
    ("派出所协调后，门面老板答应要么将狗送走，要么将狗打死，结果什么都没做", False),
])
def test_addressees_masked_names_and_dangers_are_no_official_wrong(text, wrong):
    assert bool(read_signals(text).official_wrongs) is wrong


@pytest.mark.parametrize("text,rule", [
    ("宿舍存在重大火灾隐患，继续居住极易发生群死群伤，请求退费", None),  # casualties feared
    ("大客车坠入山谷，造成群死群伤", "mass_casualty"),
    ("噪音严重影响我们及孩子们的健康。跪求政府部门重视并及时处理，我们全体业主强烈要求整改", None),  # one letter's plea
    ("数千居民与学生跪求政府，不要在学校上游建填埋场", "mass_incident"),
    ("为修路堵路，施工方将我们唯一出入的道路封闭，请领导重视", None),  # construction, not a blockade
    ("工厂噪音黑烟扰民，周边人口日益聚集，两百多户居民希望政府重视", None),  # where people live
    ("卫生院空无一人，当地数千名群众就医很不方便", None),  # care out of reach, nobody ill
    ("学校食堂午饭后，一百二十名学生出现呕吐送医", "sick_special"),
])
def test_feared_casualties_pleas_roadworks_and_care_out_of_reach(text, rule):
    fired = {f.rule for f in _rules(text, negativity=0.95).floors}
    special = fired & {"mass_casualty", "mass_incident", "sick_special"}
    assert special == ({rule} if rule else set()), fired


@pytest.mark.parametrize("text,rule", [
    # buildings listed past a comma where people have come to live, and a population counted
    ("我们这里聚集了中国铁建城、方略潇邦、星城国际、圣力华苑、明天一城，三景国际、华天小镇等楼盘，据说将有30多万人口，"
     "但附近没有一所公立医院，当地政府好像并没有这种打算", None),
    ("这里聚集了上百名村民，堵在镇政府门口", "mass_incident"),
    ("这里聚集了很多村民，在镇政府门口讨说法", "mass_incident"),
    # what surrounds a place is not a crowd besieging it
    ("泉溪镇围着学校烧垃圾，有一些学生出现咳嗽，头晕，但政府不作为", None),
    ("三十多名村民围着镇政府大门讨说法", "mass_incident"),
    # children brought to a class are no crowd gathered
    ("普通居民楼周末高峰期集聚幼儿30多人，画室内无消防设施，政府部门也不管", None),
    ("三十多名家长聚集在教育局门口，要求退还择校费", "mass_incident"),
    # what a hazard would be is a casualty feared
    # a road fenced off by works is no blockade by people
    ("A市茂楚企业管理有限公司违法施工，将居民出入道路围堵，政府部门不作为", None),
    ("开发商违规施工，数十名业主将工地围堵", "mass_incident"),
    ("电动车起火引起汽车爆炸将会是A市重特大事故！存在巨大的安全隐患", None),
    ("昨天A市化工厂发生重大事故，多人被困", "mass_casualty"),
])
def test_buildings_listed_what_surrounds_a_place_children_at_class_and_a_hazard_as_it_would_be(text, rule):
    fired = {f.rule for f in _rules(text, negativity=0.95).floors}
    special = fired & {"mass_casualty", "mass_incident"}
    assert special == ({rule} if rule else set()), fired


@pytest.mark.parametrize("text,rule", [
    # a petition written (请愿书) or a letter's plea to the government (向政府请愿出面处理) is no crowd petitioning
    ("我们五十户住户写了书面的请愿书，签字按了手印，交到区政府，至今没有答复", None),
    ("我们是美食城的全体商户，向政府请愿出面处理虚假招商纠纷，骗了上千万的资金", None),
    ("两百多名商户聚集在区政府门口请愿，要求退还押金", "mass_incident"),
    # a gang beating one man (聚众殴打, the crime of 聚众斗殴) and six men beating a clerk are violence, not a crowd
    ("物业招集七名保安聚众殴打一名业主，打人保安至今仍在上班，派出所不管", None),
    ("请公安局依法追究三人聚众斗殴的刑事责任，严惩包庇他们的派出所办案人员", None),
    ("以曾某为首的六人拒绝出示身份证，还群殴酒店员工", None),
    ("两村为争水源发生群殴，三百多名村民卷入，多人受伤", "mass_incident"),
    # a robber's or a neighbour's ambush (拦路抢劫, 拦路要挟) is no road blocked by a crowd
    ("邻居入室打人、拦路要挟恐吓，村干部要求我低头认错", None),
    ("几百名村民在镇政府门口拦路，要求归还征地款", "mass_incident"),
])
def test_a_petition_written_a_gang_s_beating_and_an_ambush_are_no_mass_incident(text, rule):
    fired = {f.rule for f in _rules(text, negativity=0.95).floors}
    special = fired & {"mass_incident", "gather_call"}
    assert special == ({rule} if rule else set()), fired


@pytest.mark.parametrize("text,accused", [
    ("J8县常发驾校及平安驾校长期在乡下私设训练点，其本质就是行业黑恶势力", False),  # 驾校长期: no headmaster
    ("我向酒店工作人员反映，万一出现敲诈偷盗怎么办", False),  # a business's staff
    ("饭店油烟扰民，我向J市长热线反映多次，难道有保护伞", False),  # a mayor's hotline
    ("A市政府领导：小区公共资源被医院侵占，业主强烈反对", False),  # the addressee, a masked city before it
    ("尊敬的A市政府领导：小区停车位、绿化休息区的公共资源被侵占", False),  # the same after 尊敬的
    ("A5区融圣国际小区长城物业强行霸占本小区的物业管理权", False),  # 小区长城: no district head
    ("区长收受开发商贿赂", True),
    ("镇政府工作人员收受好处费，为违建开绿灯", True),
    ("所长包庇黑恶势力，群众敢怒不敢言", True),
])
def test_a_title_in_another_word_a_business_staff_and_a_hotline_are_no_official_accused(text, accused):
    assert bool(read_signals(text).leaders) is accused


@pytest.mark.parametrize("text,leader", [
    ("我是A3区长房云时代小区的业主，开发商在博才小学旁建了垃圾站", False),  # a masked district before 长房
    ("A5区长郡语外第一附小开学半年未开放食堂，家长很不满意", False),
    ("K6县县长收受开发商好处费", True),
])
def test_a_masked_district_before_a_name_in_chang_is_no_official(text, leader):
    assert ("区长" in read_signals(text).leaders or "县长" in read_signals(text).leaders) is leader


@pytest.mark.parametrize("text,group", [
    ("请问军官配偶通过工作取得A市集体户口满2年，可否作为军转安置到A市的条件", False),  # a registration, not a group
    ("村里的集体土地被征收，补偿款至今未发到我手里", False),
    ("我们退休人员集体到区政府反映养老金的问题", True),
    ("拆迁办公示分两批次拆迁，第一批到潘家塘组队长家，补偿何时到位", False),  # a batch, not a group
    ("准备在村里发展养殖，想引进一批牛羊，请问有哪些补贴", False),
    ("厂里一批老职工的工资被拖欠了半年", True),
    ("签订拆迁安置协议一年内的属于刚需群体，一年后还未购房的是否不属于", False),  # a policy's category
    ("群体上访讨要补偿款", True),
    # a member's share of what the village owns, and what a school does as one
    ("户口迁出的人还能不能继续享受原村组的集体待遇和农业补贴", False),
    ("防止将课后服务变相成为集体教学或补课，财政补贴给予教师适当补助", False),
    ("四十多名工人集体到公司讨要工资", True),
])
def test_a_collective_registration_or_ownership_is_no_group_acting(text, group):
    sig = read_signals(text)
    assert bool(sig.group or "集体" in sig.protest) is group


@pytest.mark.parametrize("text,wrong", [
    ("被烧烤店老板殴打，头部被砖头砸伤，事后报警给派出所，至今未受理抓人", False),  # the owner's, not the police's
    ("所有置业顾问无视政府规定，拒绝办理公积金贷款，各种方式引导业主办理商贷，威胁扣除每人二十万定金", False),  # a developer's sellers
    ("开发商雇人殴打业主，派出所民警在场不管", False),
    ("派出所民警殴打上访老人", True),
    ("男子被城管打死", True),
    ("镇政府工作人员威胁村民不签字就不给补偿", True),
])
def test_a_wrong_done_by_a_shop_owner_a_developer_or_a_neighbour_is_no_official_wrong(text, wrong):
    assert bool(read_signals(text).official_wrongs) is wrong


@pytest.mark.parametrize("text,trending", [
    ("她是靠全党、全国人民无数双手捧起来的偶像", False),  # a phrase, not a trend
    ("依据全国人民代表大会常务委员会的决定", False),
    ("此事登上热搜，全网热议", True),
])
def test_the_whole_nation_named_is_no_trend(text, trending):
    assert bool(read_signals(text).trending) is trending


@pytest.mark.parametrize("text,mass", [
    ("最新消息，庐山大部分老房子已经坍塌，已有伤亡，没紧急事不要前往", True),  # houses fallen with casualties
    ("荥经到芦山的唯一通道，数百辆救护车堵在路上，许多伤员快不行了", True),  # many wounded
    ("老街大部分房子已经坍塌，所幸无人伤亡", False),
    ("一名伤员被送往医院", False),
])
def test_houses_fallen_with_casualties_and_many_wounded_are_mass_casualties(text, mass):
    assert bool(read_signals(text).mass_casualty) is mass


@pytest.mark.parametrize("text,rule", [
    # abuse of an office's power in so many words (利用职权, 利用职务之便) is an allegation against the official
    ("反映东湖街道民政办主任赵某某利用职权为其亲属违规办理低保，涉及4户9人", "allegation"),
    ("县公安局一干警利用职务之便查询他人行踪，泄露给讨债公司", "official_wrongdoing"),
])
def test_abuse_of_an_office_is_an_allegation(text, rule):
    assert _fires(text, rule)


@pytest.mark.parametrize("text,alleged", [
    ("足浴店挂牌洗脚实际涉黄，请问公安局领导为什么他的店可正常营业，是有保护伞后台硬吗？", False),
    ("请县纪委查一查，派出所所长就是这个赌场的保护伞，每月收钱", True),
])
def test_a_protector_wondered_about_is_no_allegation(text, alleged):
    assert ("保护伞" in read_signals(text).allegations) is alleged


@pytest.mark.parametrize("text,disaster", [
    ("04月20日08时02分【四川雅安发生7级地震】祈祷平安！", True),  # a strong earthquake is a disaster
    ("某县发生6.5级地震，暂无人员伤亡报告", False),  # unless the text denies harm
    ("【广东河源4.8级地震已发生30次余震】今晨发生4.8级地震", False),  # a weak one is a notice
])
def test_a_strong_earthquake_named_is_a_disaster(text, disaster):
    assert bool(read_signals(text).disaster) is disaster


def test_a_negative_item_of_a_kind_the_conventions_name_is_not_lowered_to_minor():
    from yuqing.classify.signals import negative_by_convention

    text = "【恐怖新骗局】看得我汗毛都竖起来了，转给身边的朋友，一定认真读完！"
    told = negative_by_convention(text)
    assert told and "骗局" in told
    t = Thresholds()
    spread = measure(_posts(text, interactions=300), t.big_v_followers)
    kept = rubric.evaluate(read_signals(text), spread, 0.6, t, told=told)
    assert kept.floor == Level.GENERAL and kept.apply(Level.MINOR) == Level.GENERAL  # no minor complaint
    assert told in [f.reason for f in kept.floors]
    plain = rubric.evaluate(read_signals(text), spread, 0.6, t)  # the model may lower an ordinary 一般
    assert plain.apply(Level.MINOR) == Level.MINOR
    # a letter's own kind is judged as letters are: no fraud warning on a board
    assert negative_by_convention(text, board=True) is None


@pytest.mark.parametrize("text,harm", [
    # a product or a food said to hold something harmful, told as news with no warning: the conventions' claim that
    # a product is unsafe
    ("【儿童玩具再陷“激素门”：双酚A旧伤未愈，邻苯二甲酸酯再添新忧】我国儿童健康堪忧", "激素门"),
    ("3.15 禁用化妆品名单（真的假的？）含有激素的护肤品品牌列表：……", "含有激素"),
    ("记者买来12只大闸蟹送检，11个样本检出瘦肉精", "瘦肉精"),
    ("质检部门抽检结果：本批次奶粉未检出三聚氰胺，全部合格", None),  # the harm ruled out
    ("网传某品牌牙膏含致癌物，官方已辟谣", None),  # a rumour denied
    ("今天给儿子买了个新玩具，他开心坏了", None),  # no harm
])
def test_a_product_said_to_hold_something_harmful_is_negative_by_convention(text, harm):
    from yuqing.classify.signals import negative_by_convention

    told = negative_by_convention(text)
    if harm is None:
        assert told is None
    else:
        assert told and harm in told
        assert negative_by_convention(text, board=True) is None  # a letter is judged as letters are


@pytest.mark.parametrize("text,day", [
    # a product said to be made on a day no calendar has: its dates mocked as faked
    ("2月30号，我们在休假，蒙牛却在为我们生产良心奶。。。", "2月30号"),
    ("【良心奶】当我们2月30日在休息的时候，它依然在生产着优质牛奶！", "2月30日"),
    ("4月31日生产的月饼，你敢吃吗？", "4月31日"),
    ("该批产品于12月30日生产，保质期一年", None),  # a day that exists
    ("#段子#2月30日，我因一场惨烈车祸昏迷了3个月之久", None),  # a joke's impossible day, nothing made on it
])
def test_a_product_made_on_a_day_no_calendar_has_is_negative_by_convention(text, day):
    from yuqing.classify.signals import negative_by_convention

    told = negative_by_convention(text)
    assert (told is None) if day is None else (told and day in told)


def test_a_share_of_village_benefits_asked_about_is_no_group_claim():
    text = ("咨询农村户口迁移与集体待遇享受等相关问题|农村户口人一旦把户口迁移出，这些人还能不能继续拥有原农村户口地的"
            "村集体资产和农业补贴政策待遇？望予以阐明政策。")
    assert not _fires(text, "group_protest")
    assert _fires("我们四十多名工人集体到公司讨要拖欠的工资", "group_protest")


@pytest.mark.parametrize("text,crowd", [
    ("我是退休职工，工作了几十年，3年前1200，今年还只有1200元", 0),  # years worked, not people
    ("损失上千元，跑了数十次", 0),
    ("厂里有众多问题没有解决", 0),
    ("几十名村民聚集在村部门口", 20),
    ("上千人在广场围观", 1000),
    ("众多业主反映", 20),
])
def test_a_vague_count_of_years_money_or_things_is_no_crowd(text, crowd):
    assert crowd_size(text) == crowd


def test_a_retiree_s_own_pension_is_no_group_claim():
    text = ("我是卫生局系统的退休职工，今年的退休工资怎么还只发到二月份？我今年78了，工作了几十年，到头来养老保险金"
            "都不能按时足额领取。3年前1200，今年怎么还只有1200元呢？为什么不给我们调整呢？")
    assert not _fires(text, "group_protest")


@pytest.mark.parametrize("text,owed", [
    ("上班高峰时段近一小时不发一趟车，严重影响乘客通勤", []),
    ("公司连续三个月不发工资", ["不发"]),
])
def test_a_bus_that_does_not_run_is_no_pay_withheld(text, owed):
    assert read_signals(text).owed == owed


@pytest.mark.parametrize("text,alleged", [
    ("宝骏巴士近一小时不发车，还望查明原因，如非特殊情况，或系工作人员渎职行为，请予以处理", []),  # a condition put
    ("若系违规审批，请依法追究", []),
    ("镇干部渎职，对违建不闻不问", ["渎职"]),
    ("请查一查村支书是否存在贪污行为", ["贪污"]),  # a question a letter puts is still its allegation
])
def test_a_wrong_supposed_as_a_condition_is_no_allegation(text, alleged):
    assert read_signals(text, ("村支书", "镇干部", "工作人员")).allegations == alleged


@pytest.mark.parametrize("text,serious", [
    ("牛棚棚顶被部分震坏，一头悲催的奶牛轻微烧伤", False),
    ("锅炉爆炸，两名工人严重烧伤", True),
])
def test_a_light_burn_is_no_serious_injury(text, serious):
    assert bool(read_signals(text).serious_injury) is serious


@pytest.mark.parametrize("text,deaths", [
    ("全班29名男生为挽留唯一女生遭拒后集体自杀", 29),  # a rumour, graded by what it claims
    ("3名学生集体服毒", 3),
    ("30多名工人扬言要集体跳楼", 0),  # a threat
    ("5名村民集体服毒未遂", 0),
])
def test_a_group_s_deaths_told_as_one_act_are_counted(text, deaths):
    assert count_deaths(text) == deaths


@pytest.mark.parametrize("text,leaders", [
    ("传原海军副司令员王守业落马，导火索是一个文艺女兵情妇", ["司令员"]),  # a general is an official
    ("网传湖南省司法厅副厅长儿子婚宴20警车助阵，百万礼金入囊，厅长敛财", ["厅长"]),
    ("举报A2区红磨坊歌厅长期无证经营，执法局渎职", []),  # a hall's name, no department head
])
def test_generals_and_department_heads_are_officials_a_hall_is_none(text, leaders):
    assert read_signals(text).leaders == leaders


@pytest.mark.parametrize("text,deaths", [
    ("问：老赵，你都要死了，还学什么电脑？答：可是，我现在还活着啊！", 0),  # dying, not dead
    ("病人快死了也没人管", 0),
    ("老人被撞后死了", 1),
])
def test_dying_is_no_death(text, deaths):
    assert read_signals(text).deaths == deaths


@pytest.mark.parametrize("text,claim", [
    ("我投诉装修公司拖欠工资，我和一些工友于2018年3月份在工地上刮胶做了2个多月，工程款还欠2万多至今还没付", True),
    ("为何还要让我们农民工流血流汗还要流泪？公司恶意拖欠血汗钱不给", True),
    ("公司拖欠员工工资一直不发，目前我们已有数名同事提交劳动仲裁", True),
    ("施工队拖欠本人工资110700元未付清，本人只想要回自己的血汗钱", False),  # one worker's own pay
    ("以治理拖欠农民工工资为由，要求潜在投标人到指定单位开具证明", False),  # a policy's name
    ("现在工地根本没有几个工人在干活，开发商拖欠工程款，交房遥遥无期", False),  # few at work, no group owed
])
def test_several_workers_owed_pay_are_a_group_claim(text, claim):
    assert _fires(text, "group_protest") is claim


@pytest.mark.parametrize("text,incident", [
    ("开发商将消防通道当车位卖，出了火灾怎么办？", []),  # a fire asked about
    ("全国各地机动车起火事故频发，本小区车库每天都停满了", []),  # fires elsewhere, cited as a warning
    ("一个烟头就能引发重大火灾事故，楼梯堵塞后火灾风险更大", []),
    ("夜宵摊的油烟、污垢随时都会发生电路短路引起火灾", []),
    ("活鸡叫卖，还可能会传播禽流感", []),
    ("昨晚小区3栋发生火灾，烧毁两户", ["火灾"]),
    ("化工厂爆炸事故造成多人受伤", ["爆炸", "事故"]),
])
def test_a_fire_feared_asked_about_or_elsewhere_is_no_incident(text, incident):
    assert read_signals(text).incident == incident


@pytest.mark.parametrize("text,violent", [
    ("请求强制拆除楚天中苑封堵消防通道的铁门", False),  # a demolition asked for, of what was built against the rules
    ("违建门楼确实于12月28日深夜已经拆除，但光源污染依然存在", False),
    ("执法部门对非法洗沙场进行依法取缔，设备全部强制拆除", False),
    ("物业以没有执法权不能强行拆除推脱责任", False),
    ("街道办主任采取暴力手段违法强拆居民房屋", True),
    ("镇政府以违建为由强拆我家房屋", True),  # a home, whatever the pretext
    ("拆迁办深夜强拆了我们村十几户", True),
])
def test_an_illegal_structure_pulled_down_is_no_violent_demolition(text, violent):
    assert bool(read_signals(text).demolition_violent) is violent


@pytest.mark.parametrize("text,incident", [
    ("【怎么鉴定地沟油】炒菜时放一颗剥皮的蒜头，如果蒜子变红色就是地沟油，含有大量黄曲霉素。", []),  # a tip
    ("渐冻人萧建华先生在遭遇重疾、医疗事故等等不幸后，质问所有保险营销员", []),  # one patient's harm
    ("警方查获地沟油20吨，已流入市场", ["地沟油"]),
])
def test_a_tip_for_telling_gutter_oil_and_one_patient_s_malpractice_are_no_incident(text, incident):
    assert read_signals(text).incident == incident


@pytest.mark.parametrize("text,deaths", [
    ("初二某男因琐事纠纷，持刀将三个初三学生捅死，省委宣传部封锁媒体", 3),  # the killed counted before how
    ("歹徒把两名村民活活打死", 2),
    ("3名学生打死了一条狗", 0),
    ("城管把小动物活活摔死，有小狗、小兔子", 0),  # animals
    ("城管把小贩活活打死", 1),
])
def test_the_killed_counted_before_how_and_animals_killed(text, deaths):
    assert count_deaths(text) == deaths


@pytest.mark.parametrize("text,threat", [
    ("【求证实】中日交火45分钟，日方宙斯盾级足柄号驱逐舰当场被击中沉没", True),  # an armed clash claimed
    ("护卫舰与日本驱逐舰发生冲突。双方互相开火射击，并动用了舰舰导弹", True),
    ("您反映的问题已转交火马冲镇核实、办复", False),  # a town's name
    ("越媒叫嚣：如果中国不释放越南渔民，越南海军就应该在南海与中国开战！", False),  # a threat of war, no clash
])
def test_an_armed_clash_claimed_threatens_stability(text, threat):
    assert bool(read_signals(text).stability_threat) is threat


@pytest.mark.parametrize("text,gathered", [
    ("8月20日，100多位受害者齐聚省政府，要求立案", True),
    ("各界人士齐聚一堂庆祝建校60周年", False),  # guests at a celebration
    ("群星齐聚春晚舞台", False),
])
def test_victims_met_at_a_government_building_are_a_gathering_guests_are_none(text, gathered):
    assert bool(read_signals(text).gathering) is gathered


@pytest.mark.parametrize("text,fires", [
    ("湖楚财富不兑付2千出借人的钱，两千余名出借人已沦为金融难民，请领导做主", True),
    ("我们是58车贷p2p平台的受害人，来自全国各地共5600多人，被其诈骗3.08亿", True),
    ("九九社区联盟涉嫌传销，在省内大量发展会员，已发展了上万人参加，望有关部门重视", True),
    ("我在理财平台投了5万，平台跑路了，请帮我追回", False),  # one investor
    ("全市开展防范非法集资宣传月活动，发放资料三千余份，覆盖群众上万人", False),  # a campaign, calm
])
def test_a_scheme_that_took_many_people_s_money_is_a_risk_to_many(text, fires):
    assert ("money_lost" in {f.rule for f in _rules(text, negativity=0.95 if fires else 0.2).floors}) is fires


@pytest.mark.parametrize("text,fires", [
    ("酒吧一帅气男子当场被阉割，案发现场莉莉玛莲酒吧，四人进入该酒吧将一男子当场阉割", True),
    ("湖州一帅哥在酒吧闹事，被内保请到里间，结果直接被“切睾”了", True),
    ("前几天湖州莉莉玛莲有人被人在酒吧当场把小鸡鸡给切了，而且事情闹大了，太恐怖了", True),
    ("这部电影的引进版被阉割了二十分钟，删减得面目全非", False),  # a film cut, no man hurt
    ("阉割版的手机系统功能少了一半", False),
])
def test_a_man_castrated_is_a_serious_injury_and_a_film_cut_is_not(text, fires):
    assert _fires(text, "serious_injury") is fires


@pytest.mark.parametrize("text,fires", [
    ("李双江之子李天一涉嫌强奸罪被批捕。律师团表示，李天一因是第一个与被害女子发生关系，所以不构成轮奸罪", True),
    ("一名7岁女童放学途中遭性侵，嫌疑人已被警方抓获", True),
    ("女子深夜回家被强奸，警方已立案侦查", True),
    ("男子尾随女子欲行不轨，强奸未遂后被路人制服", False),  # attempted, nobody harmed so
    ("律师认为此案不构成轮奸罪", False),  # a charge ruled out
    ("开发商私自更改图纸，这实属对业主强奸式的接受变更", False),  # a figure of speech
])
def test_a_rape_told_as_done_is_graded_as_a_serious_injury(text, fires):
    assert _fires(text, "serious_injury") is fires
    if fires:  # told for what it is, not as an injury
        reason = next(f.reason for f in _rules(text, negativity=0.95).floors if f.rule == "serious_injury")
        assert reason.startswith("发生强奸、性侵等严重人身侵害") and "重伤" not in reason


@pytest.mark.parametrize("text,fires", [
    # officials' sex scandal: the scandal is theirs, though the woman is named first
    ("【反腐女侠】赵红霞，山城弱女子一枚，分别和雷政富等11人走完上床、拍片、捉奸的流程，一举睡翻六厅级干，频引重庆官场地震", True),
    ("赵红霞靠一人之力，凭一张床，已拿下11位厅级贪官，还有20位高官已锁定目标", True),
    ("网曝某局长不雅视频流出，纪委已介入调查", True),
    ("明星夫妻被拍到捉奸现场，娱乐圈又一桩性丑闻", False),  # no official
    ("政府应严惩贪官，还百姓一片蓝天", False),  # a call, no official accused
])
def test_an_official_s_sex_scandal_and_corrupt_officials_counted_are_wrongs(text, fires):
    assert _fires(text, "official_wrongdoing") is fires


@pytest.mark.parametrize("text,fires", [
    # an official said to have fled abroad or to steal what the office keeps
    ("就连这样的楷模，也在当高官、享厚禄后，拍屁股外逃了！", True),
    ("村干部把全村的土地补偿款据为己有，监守自盗", True),
    ("他在看守所的特审室里遭到刑讯逼供，被迫认罪", True),  # the office named by its place
    ("58车贷的董事长已外逃美国半年，至今未被通缉", False),  # a company's boss, no official
    ("警方抓获一名盗窃嫌疑人，追回被盗电动车三辆", False),  # the police at work
])
def test_an_official_said_to_have_fled_or_to_steal_what_he_keeps_is_a_wrong(text, fires):
    assert _fires(text, "official_wrongdoing") is fires


@pytest.mark.parametrize("text,fires", [
    ("新增500台出租车经营权竞标方案量身定制、指标内定，标的上亿元", True),
    ("教育局营养餐采购项目，采购单位违法为一家公司量身制作招标文件，造成屡次陪标串标", True),
    ("举报今年公开招聘中小学英语岗位存在内定黑幕，录取的两人都是本校编外教师", True),
    ("今年公开招聘的岗位条件是给局长亲戚量身打造的", True),  # (no 标 nor 定 in the text)
    ("请问今年事业单位招聘考试是否存在暗箱操作？成绩为何迟迟不公布", False),  # asked, not alleged
    ("这家店的西装是量身定制的，价格合理", False),  # no public process
    ("业委会在选聘物业公司过程中暗箱操作，业主不知情", False),  # an owners' committee, no public tender
])
def test_a_public_tender_or_recruitment_said_to_be_rigged_is_an_official_wrong(text, fires):
    assert _fires(text, "official_wrongdoing") is fires


@pytest.mark.parametrize("text,deaths", [
    ("他没死 已经抢救过来了 昨天说死是因为当地人看到爆炸很厉害，媒体直接说明他死了", 0),
    ("网传某歌手去世，经纪人说去世的消息是假的", 0),
    ("昨天爆出车祸死讯，今天又说死讯是谣言", 0),
    ("车祸致司机当场死亡，乘客没有受伤", 1),
    ("三人死亡，一人没死", 3),  # a toll counted stays
])
def test_a_death_told_and_then_denied_is_no_death(text, deaths):
    assert count_deaths(text) == deaths


@pytest.mark.parametrize("text,fires", [
    ("黑心商贩给没熟的西瓜打针，注射的是禁用食品添加剂，瓜瓤发红还没有瓜味", True),
    ("无良商贩在西瓜里注射禁用添加剂，大家买瓜当心", True),
    ("养殖场给大闸蟹用激素催长，当年下苗当年上市，你还敢吃吗", True),
    ("饮料厂消毒用的含氯处理水混进了生产线，几万箱可乐已经流入市场", True),
    ("紧急通知：外省有300多头牛感染了炭疽，大家最近不要吃牛肉", True),
    ("超市蔬菜抽检全部合格，未检出禁用农药", False),  # an inspection passed
    ("本店大闸蟹生态养殖，不使用激素，欢迎到超市选购", False),  # a harm ruled out
    ("医生提醒：感冒了别吃抗生素，多休息", False),  # no food sold
    ("记者调查发现，养殖户滥用抗生素的问题在国外也很普遍", False),  # no food sold, no warning
])
def test_a_food_sold_to_the_public_said_to_hold_something_harmful_affects_many(text, fires):
    """A food-safety scare reaches every buyer: the conventions grade it by what it claims (重大或较大)."""
    assert _fires(text, "incident_many") is fires


@pytest.mark.parametrize("text,deaths", [
    ("你们这些没素质的人，祝你们早日车祸撞死", 0),  # a curse: nobody died
    ("谁骂我就咒他出门被车撞死", 0),
    ("看到这种人贩子，恨不得打死他", 0),
    ("民警祝某在执勤时被货车撞死", 1),  # 祝 a surname
    ("祝家庄一村民被人打死", 1),  # 祝 a place's name
])
def test_a_death_wished_on_someone_is_no_death(text, deaths):
    assert count_deaths(text) == deaths
    assert read_signals(text, ("公安局",)).deaths == deaths


def test_a_curse_beside_an_office_is_no_wrong_of_the_office():
    assert not read_signals("公安局也罚过我了，你们这些人，祝你们早日车祸撞死", ("公安局",)).official_wrongs


@pytest.mark.parametrize("text,deaths", [
    ("#英雄联盟# 本周免费英雄：光辉女郎、死亡颂唱者、盖伦、艾希", 0),  # a game hero's name
    ("重温《死亡笔记》，还是那么好看", 0),  # a film's
    ("一名骑士在比赛中坠马死亡", 1),
])
def test_a_name_holding_death_s_word_is_no_death(text, deaths):
    assert count_deaths(text) == deaths


def test_a_letter_retelling_last_year_s_rigged_tender_alleges_it_now():
    """A letter of 2019 telling how a tender was rigged in 2018 is today's allegation, not history."""
    text = ("县卫健局采购医疗设备，招标文件照着一家公司的产品量身定做，2018年5月挂网，"
            "2018年7月在只有两家陪标公司参与下开标。")
    assert read_signals(text, (), ("云溪县",), (), year=2019).official_wrongs
    assert not read_signals(text, (), ("云溪县",), (), year=2021).official_wrongs  # three years on: the past


def test_a_food_scare_s_reason_says_how_it_reaches_every_buyer():
    [sold] = [f.reason for f in _rules("无良商贩在西瓜里注射禁用添加剂", negativity=0.95).floors if f.rule == "incident_many"]
    [warned] = [f.reason for f in _rules("外省有300多头牛感染了炭疽，大家不要吃牛肉", negativity=0.95).floors
                if f.rule == "incident_many"]
    assert "（食品在售）" in sold and "禁用添加剂" in sold
    assert "（警示勿食）" in warned
