"""Development script: render the severity model's generated training events from scenario templates.

    python scripts/grading_corpus.py      # rewrites grading/data/generated.jsonl

For every topic and level, incidents with slots (places, counts, companies,
officials) filled at random and spreads drawn to fit the level; complaint
scenarios are also rendered amplified (provincial media or a 大V past the
interaction threshold, central media, a national hot search, spread across the
country) with the level the rubric gives them then. Deterministic: the same seed
gives the same file (``tests/test_grading_corpus.py`` checks the shipped one is
current). The product reads the file through ``yuqing.grading.corpus``; this
script is not installed.
"""
from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from yuqing.domain import Level
from yuqing.grading.corpus import COUNTIES, DATA_DIR, GENERATED, dumps

SEED = 20240605

COMPANIES = ["鑫源建筑公司", "宏达置业", "恒通物流公司", "金泰化工厂", "华兴纺织厂", "盛世房地产开发公司", "顺达劳务公司",
             "绿源食品厂", "东方水泥厂", "永利砖厂", "瑞丰建材公司", "天成建设集团", "新宇电子厂", "康源制药厂",
             "福来养殖场", "景润置业", "中恒路桥公司", "众鑫矿业公司"]
ESTATES = ["阳光花园", "锦绣家园", "御景湾小区", "翡翠城", "金色港湾小区", "滨江名苑", "学府壹号", "幸福里小区"]
HOSPITALS = ["县人民医院", "县中医院", "镇卫生院", "县妇幼保健院", "仁爱医院"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭"]
OFFICIALS = ["县委书记", "县长", "副县长", "镇党委书记", "镇长", "副镇长", "村支书", "村主任", "局长", "街道办主任",
             "国土局局长", "住建局副局长", "扶贫办主任"]
CN_NUM = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十", 11: "十一",
          12: "十二", 13: "十三", 15: "十五", 20: "二十", 30: "三十", 40: "四十", 50: "五十", 60: "六十", 80: "八十",
          100: "一百", 200: "二百", 300: "三百"}


def _cn(rng: random.Random, n: int) -> str:
    """A count written as people write it: 3, 三, 3名… (Chinese numerals about half the time)."""
    if n in CN_NUM and rng.random() < 0.5:
        return CN_NUM[n]
    return str(n)


# -- spreads ----------------------------------------------------------------------

#: interaction bands: (low, high) per name
BANDS = {"tiny": (0, 40), "low": (5, 95), "mid": (120, 900), "high": (1200, 8000), "viral": (12000, 40000),
         "national": (60000, 200000)}


@dataclass
class Scenario:
    """One kind of incident, written as templates."""

    key: str
    topic: str
    level: Level
    titles: list[str]
    cores: list[str]  # the facts, one sentence or two
    details: list[str] = field(default_factory=list)
    reactions: list[str] = field(default_factory=list)
    bands: tuple[str, ...] = ("low", "mid")
    media: tuple[str, ...] = ("self", "local")
    amplify: bool = False  # render amplified variants (provincial/大V, central, hot search)
    slots: dict = field(default_factory=dict)  # extra slot name → list of values or (lo, hi) ints


def _S(key, topic, level, titles, cores, details=(), reactions=(), bands=("low", "mid"), media=("self", "local"),
       amplify=False, **slots):
    return Scenario(key, topic, Level.parse(level), list(titles), list(cores), list(details), list(reactions),
                    tuple(bands), tuple(media), amplify, slots)


SCENARIOS: list[Scenario] = [
    # ---------------- 特别重大 ----------------
    _S("mine_accident", "公共安全", "特别重大",
       ["{county}{town}一矿井发生透水事故", "突发！{county}{company}发生安全事故", "{town}矿难：{dead}名矿工遇难"],
       ["{date}，{county}{town}{company}井下发生透水事故，造成{dead}人死亡、{injured}人受伤。",
        "{county}{town}一处矿山{date}发生事故，目前已确认{dead}名工人遇难，另有{injured}人被送往{hospital}救治。",
        "据了解，{company}在{town}的作业点发生坍塌，{dead}人不幸身亡，事故原因正在调查。"],
       ["现场已拉起警戒线，应急、公安等部门正在处置。", "家属聚在矿区门口等消息。", "有工友说之前就反映过安全隐患。"],
       ["太惨了，{dead}条人命啊", "愿逝者安息，一定要查清责任！", "安全生产不是口号"],
       bands=("mid", "high", "viral"), media=("self", "local", "provincial"), dead=(3, 12), injured=(0, 9)),
    _S("fire_deaths", "公共安全", "特别重大",
       ["{county}一民房凌晨起火", "{road}一商铺发生火灾", "痛心！{town}火灾致{dead}人遇难"],
       ["{date}凌晨，{county}{town}{road}一栋自建房突发火灾，火灾造成{dead}人死亡。",
        "{county}{road}一家门面失火，住在楼上的一家{dead}口全部遇难。",
        "{town}一出租屋{date}起火，消防救出多人，但仍有{dead}人因吸入浓烟死亡。"],
       ["起火原因初步怀疑是电动车充电引发。", "消防部门接警后十分钟赶到现场。", "邻居说火势很大，根本进不去。"],
       ["电动车别在楼道充电了", "太可怕了，愿逝者安息", "消防通道为什么被堵？"],
       bands=("mid", "high", "viral"), media=("self", "local", "provincial"), dead=(3, 8)),
    _S("traffic_deaths", "公共安全", "特别重大",
       ["{road}发生重大交通事故", "{county}境内一大货车与客车相撞", "{town}车祸多人死亡"],
       ["{date}下午，一辆大货车在{county}{road}与一辆中巴车相撞，事故已造成{dead}死{injured}伤。",
        "{county}{town}路段发生一起交通事故，截至目前{dead}人遇难，{injured}人受伤正在{hospital}抢救。"],
       ["交警已封闭该路段。", "伤者已全部送医。", "事故原因还在调查中。"],
       ["这个路口早就该装红绿灯了", "祈祷伤者平安", "货车超载谁来管？"],
       bands=("mid", "high", "viral"), media=("self", "local", "provincial"), dead=(3, 9), injured=(2, 15)),
    _S("drowning_students", "教育医疗", "特别重大",
       ["{county}{town}{dead}名学生溺亡", "痛心！{village}河道发生溺水事件"],
       ["{date}，{county}{town}{village}附近河道发生一起溺水事件，{dead}名在校学生不幸溺亡。",
        "{school}的{dead}个孩子周末结伴去{village}水库游泳，全部溺水身亡。"],
       ["学校已暂停课外活动并开展防溺水排查。", "家长情绪激动。"],
       ["防溺水教育一定要做到位", "心疼孩子们"],
       bands=("mid", "high"), media=("self", "local"), dead=(3, 5)),
    _S("road_block", "征地拆迁", "特别重大",
       ["{town}村民堵路讨说法", "{county}{village}村民围堵道路", "现场：{county}数十村民拦路"],
       ["{date}上午，{county}{town}{village}{crowd}多名村民因征地补偿问题聚集在{road}，堵路长达三个小时。",
        "因不满{company}征地补偿标准，{village}上百名村民堵塞{road}交通，与现场工作人员发生冲突。",
        "{county}{town}{crowd}余名群众在{road}拉横幅、堵路，要求公开征地补偿款去向。"],
       ["交通一度中断，大量车辆滞留。", "现场有警车赶到维持秩序。", "有人在现场拍视频发到网上。"],
       ["补偿款都去哪了？", "这么多人都来了，事情不小", "希望政府好好解决，别激化矛盾"],
       bands=("mid", "high", "viral"), media=("self", "local"), crowd=(30, 300)),
    _S("siege_government", "社会稳定", "特别重大",
       ["{crowd}多人围堵{county}政府", "{county}政府门口聚集大批群众", "紧急：群众围堵{town}政府"],
       ["{date}，{crowd}多名{people}聚集在{county}政府门口，围堵大门，要求{demand}。",
        "今天上午，大批{people}围堵{town}政府，现场情绪激动，部分人员与工作人员发生推搡冲突。",
        "{county}{town}{people}{crowd}余人到镇政府静坐、拉横幅，要求{demand}，政府大门被堵。"],
       ["县里已派出工作组现场劝解。", "现场聚集人员越来越多。", "警方正在维持秩序。"],
       ["事情闹这么大，早干嘛去了", "希望依法处理，理性表达诉求"],
       bands=("mid", "high", "viral"), media=("self", "local"), crowd=(30, 500),
       people=["业主", "村民", "拆迁户", "工人", "集资户", "退役人员", "家长"],
       demand=["退还集资款", "兑现补偿", "给个说法", "解决房产证问题", "查处开发商"]),
    _S("clash", "社会稳定", "特别重大",
       ["{town}发生警民冲突", "{county}{village}发生大规模冲突", "{county}出现打砸事件"],
       ["{date}晚，{county}{town}因{cause}引发群体性事件，数百名群众与执法人员发生冲突，多辆车被砸。",
        "{village}村民与{company}施工人员发生大规模冲突，双方{crowd}多人卷入，有人受伤。",
        "{county}{town}有人打砸{place}，现场一片狼藉，聚集人员超过{crowd}人。"],
       ["视频在网上流传。", "有关部门已介入调查。"],
       ["太乱了，赶紧控制住局面", "打砸违法，但事情起因也要查清楚"],
       bands=("mid", "high", "viral"), media=("self", "local"), crowd=(50, 400),
       cause=["一起交通事故处置", "征地纠纷", "城管执法", "选举纠纷", "污染问题"], place=["派出所", "镇政府", "执法车辆", "厂区"]),
    _S("gather_call", "社会稳定", "特别重大",
       ["扩散！明天都去{county}政府", "{company}受害者集合通知", "{town}的乡亲们看过来"],
       ["所有被{company}骗的人，明天上午九点到{county}政府门口集合，人越多越好，不见不散！",
        "号召{town}的乡亲们{date}一起去镇政府讨说法，不解决就不走，大家转发扩散！",
        "{estate}的业主们，周六上午八点在售楼处集合，一起去{county}政府拉横幅维权，都来！"],
       ["群里已经有上百人报名。", "请大家互相转告。"],
       ["我去！", "算我一个", "这种号召是违法的吧"],
       bands=("tiny", "low", "mid", "high"), media=("self",)),
    _S("central_media_neg", "生态环境", "特别重大",
       ["央视曝光{county}{company}偷排污水", "新华社调查：{county}{village}河水变黑", "人民日报点名{county}"],
       ["央视记者暗访发现，{county}{town}{company}长期通过暗管向河道偷排污水，当地监管形同虚设。",
        "新华社记者近日在{county}调查发现，{village}一带河水发黑发臭，村民反映多年无人管。",
        "人民日报评论点名{county}：{issue}问题长期得不到解决，群众意见很大。"],
       ["报道播出后引发网友热议。", "县里连夜成立调查组。"],
       ["被央视曝光了才管？", "地方监管部门干什么去了"],
       bands=("mid", "high", "viral"), media=("central", "provincial", "self"),
       issue=["扶贫资金被挪用", "学生营养餐缩水", "违建别墅", "污染", "欠薪"]),
    _S("hot_search", "权力监督", "特别重大",
       ["#{county}{subject}#冲上热搜", "{county}一事登上微博热搜", "全网热议：{county}{subject}"],
       ["{county}{subject}一事登上微博热搜，阅读量过亿，网友纷纷质疑当地相关部门。",
        "今天#{county}{subject}#冲上热搜第{rank}，全国网友都在关注，当地迟迟没有回应。"],
       ["评论区几乎一边倒地批评。", "多家媒体跟进报道。"],
       ["这事必须给全国人民一个交代", "又是{county}，上次的事还没完"],
       bands=("high", "viral"), media=("self", "provincial"), rank=(1, 30),
       subject=["城管掀翻摊贩", "干部酒驾撞人", "学校食堂饭菜发霉", "官员天价招待", "强拆老人房屋", "派出所不立案"]),
    _S("allegation_viral", "权力监督", "特别重大",
       ["实名举报{county}{official}{crime}", "{county}{official}被指{crime}", "网曝{county}{official}{crime}"],
       ["网友实名举报{county}{official}{surname}某{crime}，涉及金额数百万元，帖子转发评论已超过{viral}次。",
        "一段视频显示{county}{official}{crime}，视频在网上疯传，评论区要求严查。"],
       ["目前纪委尚未回应。", "举报人称已掌握证据。"],
       ["严查！", "希望纪委介入", "这就是当地的官场生态？"],
       bands=("viral",), media=("self",), viral=["一万", "两万", "3万", "五万"],
       crime=["受贿", "滥用职权", "包庇黑恶势力", "侵吞扶贫款", "权色交易", "违规提拔亲属"]),
    # ---------------- 重大或较大 ----------------
    _S("accident_one_death", "公共安全", "重大或较大",
       ["{county}{town}发生一起{accident}", "{road}{accident}致{dead}人死亡", "{company}工地发生意外"],
       ["{date}，{county}{town}{company}工地发生{accident}，造成{dead}人死亡。",
        "{county}{road}发生{accident}，一名{victim}当场身亡。",
        "{town}{village}发生{accident}，{dead}名{victim}经抢救无效死亡，另有{injured}人受伤。"],
       ["相关部门已介入调查。", "事故企业已停工整顿。", "家属要求给个说法。"],
       ["安全措施根本不到位", "又出人命了", "一路走好"],
       bands=("low", "mid", "high"), media=("self", "local"), dead=(1, 2), injured=(0, 3),
       accident=["高处坠落事故", "交通事故", "触电事故", "塌方事故", "车辆侧翻事故", "燃气爆炸"],
       victim=["工人", "老人", "男子", "骑车人", "外卖员", "村民"]),
    _S("hospital_death", "教育医疗", "重大或较大",
       ["{hospital}产妇死亡 家属质疑", "{county}{hospital}一患者术后身亡", "家属讨说法：人好好地进去，怎么就没了"],
       ["{date}，{county}{hospital}一名{patient}在手术后死亡，家属认为医院存在医疗过失。",
        "我父亲在{county}{hospital}输液后不治身亡，医院至今没有给出合理解释。"],
       ["家属在医院门口摆放花圈。", "县卫健局已介入调解。"],
       ["医院要给个说法", "等待调查结果"],
       bands=("low", "mid", "high"), media=("self", "local"), patient=["产妇", "患者", "老人", "儿童"]),
    _S("serious_injury", "公共安全", "重大或较大",
       ["{county}{town}{incident}致人重伤", "{school}学生被打伤住院", "{road}一男子被砍伤"],
       ["{date}，{county}{town}发生{incident}，一名{victim}受重伤，目前仍在{hospital}重症监护室抢救。",
        "{school}一名学生在校内被多人殴打，颅内出血，伤势严重。"],
       ["警方已控制嫌疑人。", "学校回应称正在调查。"],
       ["太吓人了", "严惩凶手"],
       bands=("low", "mid", "high"), media=("self", "local"),
       incident=["持刀伤人事件", "锅炉爆炸", "电梯坠落", "斗殴事件"], victim=["村民", "工人", "路人", "学生"]),
    _S("official_allegation", "权力监督", "重大或较大",
       ["举报{county}{town}{official}{crime}", "{village}{official}{crime}，谁来管？", "{county}{official}被举报"],
       ["本人实名举报{county}{town}{official}{surname}某{crime}，相关证据已提交县纪委。",
        "{village}{official}{surname}某长期{crime}，村民敢怒不敢言。",
        "网友爆料：{county}{official}{crime}，还把亲戚安排进单位。"],
       ["村民联名签字的材料已经寄出。", "帖子被转发了几百次。"],
       ["查一查就知道了", "这种干部必须处理"],
       bands=("low", "mid", "high"), media=("self",),
       crime=["贪污扶贫款", "截留低保金", "收受开发商贿赂", "滥用职权打压村民", "侵占集体土地", "优亲厚友分配危房改造名额",
              "挪用征地补偿款", "充当黑恶势力保护伞"]),
    _S("food_poisoning", "教育医疗", "重大或较大",
       ["{school}多名学生食物中毒", "{county}一婚宴后{sick}人中毒送医", "{school}食堂出事了"],
       ["{date}，{county}{school}{sick}多名学生在食堂午餐后陆续出现呕吐、腹泻症状，已送{hospital}治疗。",
        "{town}{village}一户人家办酒席，{sick}多名宾客饭后出现食物中毒症状。"],
       ["市场监管部门已封存留样食品。", "部分学生已出院。"],
       ["孩子们的饭都管不好？", "食堂承包商要查"],
       bands=("low", "mid", "high"), media=("self", "local"), sick=(10, 80)),
    _S("water_pollution_many", "生态环境", "重大或较大",
       ["{county}{town}自来水出现异味", "{company}排污致{village}河流大面积死鱼", "{town}上千户居民停水"],
       ["{date}起，{county}{town}上千户居民家中自来水发黄有异味，多人饮用后出现腹泻。",
        "{company}偷排废水，导致{village}下游河道大面积死鱼，周边多个村的灌溉用水受到影响。",
        "{town}化工园区发生泄漏，附近数百名居民被紧急疏散。"],
       ["环保部门已采样检测。", "自来水公司称正在排查原因。"],
       ["水都不能喝了，怎么生活", "环保局去查查吧"],
       bands=("low", "mid", "high"), media=("self", "local")),
    _S("wage_group", "社会保障", "重大或较大",
       ["{crowd}名农民工讨薪无果", "{company}拖欠工资 工人集体讨薪", "{county}{town}工地农民工讨要血汗钱"],
       ["{date}，{crowd}多名农民工在{county}{town}{company}项目部讨要被拖欠的工资，金额达{amount}万元。",
        "{company}拖欠{crowd}名工人近一年工资共{amount}万元，工人们集体到公司讨薪。",
        "{county}{company}的{crowd}余名工人拉横幅讨薪，称老板已经半年没发工资。"],
       ["劳动监察大队已介入。", "工人们说快过年了，家里等着钱用。"],
       ["欠薪可耻", "工人的血汗钱一分都不能少"],
       bands=("low", "mid", "high"), media=("self", "local"), crowd=(6, 28), amount=(20, 300)),
    _S("compensation_group", "征地拆迁", "重大或较大",
       ["{village}村民集体讨要征地补偿款", "{county}{town}拆迁户集体维权", "{village}群众上访讨说法"],
       ["{county}{town}{village}{crowd}多户村民集体到镇里讨要拖欠三年的征地补偿款。",
        "{estate}拆迁项目的{crowd}名拆迁户集体维权，称补偿款被层层克扣。"],
       ["镇里答复正在协调资金。", "村民们已经跑了好几趟。"],
       ["补偿款为什么一拖再拖", "希望早日解决"],
       bands=("low", "mid", "high"), media=("self", "local"), crowd=(8, 28)),
    _S("violent_demolition", "征地拆迁", "重大或较大",
       ["{town}凌晨强拆，老人被打伤", "{county}{village}暴力拆迁", "{estate}项目强拆民房"],
       ["{date}凌晨，数十名身份不明人员闯入{county}{town}{village}，用挖掘机强拆村民住房，一名老人被打伤住院。",
        "{county}{village}村民{surname}某称，自家房屋在补偿未谈妥的情况下被强行拆除，家中物品全被埋。",
        "{company}雇人对{village}未签约的房屋实施强拆，村民上前阻拦遭到殴打。"],
       ["村民已报警。", "镇政府称对此事不知情。"],
       ["这是违法强拆！", "无法无天了"],
       bands=("low", "mid", "high"), media=("self", "local")),
    _S("rumour_fast", "社会稳定", "重大或较大",
       ["网传{county}{rumour}？", "{county}{rumour}的消息在朋友圈疯传", "关于{county}{rumour}的传言"],
       ["这两天朋友圈疯传{county}{rumour}，很多人信以为真，群里都在转。",
        "网传{county}{rumour}，相关视频短时间内大量转发，引发当地群众恐慌。"],
       ["有关部门尚未辟谣。", "不少人跑去超市抢购。"],
       ["真的假的？", "官方赶紧出来说明一下"],
       bands=("high", "mid"), media=("self",),
       rumour=["要封城", "自来水被投毒", "学校有人贩子抢孩子", "化工厂爆炸", "银行要倒闭", "发生命案"]),
    _S("bigv_negative", "其他", "重大或较大",
       ["大V转发：{county}{complaint_short}", "{county}{complaint_short}，被百万粉丝博主曝光"],
       ["知名博主发文曝光{county}{complaint}，转发评论超过{band_text}。",
        "百万粉丝大V转发了{county}{complaint}的帖子，评论区骂声一片。"],
       ["当地部门已关注。"],
       ["又一个地方被曝光了", "希望当地认真对待"],
       bands=("high",), media=("self",),
       complaint=["城管暴力执法", "医院乱收费", "学校违规补课收费", "景区宰客", "村干部骂人"],
       complaint_short=["城管执法引争议", "医院收费乱象", "学校违规补课", "景区宰客"], band_text=["一千次", "两千次", "五千次"]),
    _S("provincial_negative", "教育医疗", "重大或较大",
       ["省电视台曝光{county}{issue}", "{county}{issue}，省级媒体追问"],
       ["省电视台记者暗访发现{county}{town}{issue}，相关视频播出后引发大量关注。",
        "据省级媒体报道，{county}{issue}问题突出，群众反映强烈。"],
       ["县里表示将立即整改。"],
       ["被省台曝光了", "整改要动真格"],
       bands=("high",), media=("provincial",),
       issue=["学校食堂卫生脏乱", "卫生院乱收费", "黑诊所非法行医", "养老院虐待老人", "私人诊所违规输液"]),
    _S("veteran_group", "退役军人", "重大或较大",
       ["{crowd}名退役老兵集体反映待遇问题", "{county}退役军人集体上访"],
       ["{county}{crowd}多名退役军人集体到县退役军人事务局反映安置待遇长期未落实。",
        "{crowd}余名退役老兵联名反映{county}拖欠优抚补助，已多次上访无果。"],
       ["事务局表示正在核实。"],
       ["老兵的待遇要落实", "不能让英雄流血又流泪"],
       bands=("low", "mid"), media=("self",), crowd=(10, 28)),
    _S("finance_group", "金融债务", "重大或较大",
       ["{company}非法集资跑路", "{county}{company}爆雷 数百人血本无归", "集资户集体讨要本金"],
       ["{county}{company}以高息为诱饵吸收群众资金{amount}万元，老板已失联，{crowd}多名集资户集体讨要本金。",
        "{county}一家投资公司爆雷，上百名群众的存款取不出来，集资户们到公司讨说法。"],
       ["公安机关已立案侦查。", "很多老人把养老钱都投进去了。"],
       ["血汗钱啊", "非法集资害人"],
       bands=("low", "mid", "high"), media=("self", "local"), crowd=(10, 29), amount=(300, 5000)),
    _S("poverty_fraud", "脱贫攻坚", "重大或较大",
       ["{village}扶贫款被截留", "{county}{town}干部虚报冒领扶贫资金", "扶贫物资去哪了？"],
       ["{county}{town}{village}村干部截留贫困户扶贫补助，{crowd}多户贫困户多年没领到钱。",
        "网友举报{county}扶贫办主任{surname}某套取扶贫资金，把扶贫项目交给亲戚承包。"],
       ["县纪委已接到举报。"],
       ["扶贫款都敢贪", "严查到底"],
       bands=("low", "mid"), media=("self",), crowd=(5, 30)),
    # ---------------- 一般 ----------------
    _S("individual_wage", "社会保障", "一般",
       ["{company}拖欠我工资不给", "求助：在{town}打工被欠薪", "老板拖欠工资怎么办"],
       ["我在{county}{company}干了{months}个月，老板一直拖着工资不给，找了好几次都说没钱。",
        "本人在{county}{town}工地打工，包工头拖欠我{amount}千元工钱，去劳动监察反映也没结果。"],
       ["希望有关部门帮帮忙。", "家里老人还等着钱看病。"],
       ["去劳动仲裁吧", "顶上去"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True, months=(2, 10), amount=(3, 30)),
    _S("individual_compensation", "征地拆迁", "一般",
       ["{village}拆迁补偿不合理", "关于{town}征地补偿的问题", "我家的拆迁款算少了"],
       ["我家在{county}{town}{village}，房子被列入拆迁范围，给的补偿标准比邻村低很多，希望领导关注。",
        "{county}{town}征收我家两亩地，补偿款到现在只给了一半，村里说上面没拨下来。"],
       ["已经多次向镇里反映。", "请相关部门核实。"],
       ["同样遇到这种情况", "补偿要公开透明"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True),
    _S("pollution_complaint", "生态环境", "一般",
       ["{company}噪音扰民", "{village}附近的{company}天天冒黑烟", "投诉{town}{company}排放异味"],
       ["{county}{town}{company}每天晚上开工到凌晨，噪音太大，附近居民根本睡不着。",
        "{village}旁边的{company}烟囱天天冒黑烟，气味很难闻，希望环保部门来查一下。",
        "{estate}楼下的烧烤店油烟直排，投诉多次没人管。"],
       ["已经打过12345。", "希望尽快处理。"],
       ["同住附近，确实很吵", "环保局管管吧"],
       bands=("tiny", "low", "mid"), media=("self", "local"), amplify=True),
    _S("school_complaint", "教育医疗", "一般",
       ["{school}乱收费？", "{school}强制学生买教辅", "反映{school}课后服务问题"],
       ["{county}{school}要求每个学生交{amount}百元资料费，家长有意见但不敢说。",
        "{school}老师在班级群里要求家长必须购买指定教辅，不买就点名批评。",
        "{county}{school}放学太早又不提供课后服务，双职工家庭接孩子很困难。"],
       ["希望教育局核实。"],
       ["我们学校也这样", "教育局管一管"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True, amount=(2, 9)),
    _S("hospital_complaint", "教育医疗", "一般",
       ["{hospital}服务态度差", "在{hospital}看病排了一上午", "{hospital}检查费用太高"],
       ["昨天带孩子去{county}{hospital}看病，护士态度恶劣，排队三个小时才看上。",
        "{county}{hospital}做个检查花了{amount}百元，很多项目根本没必要，感觉被坑了。"],
       ["希望医院改进。"],
       ["一样的经历", "看病难啊"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True, amount=(5, 30)),
    _S("service_complaint", "其他", "一般",
       ["{town}办事难", "{county}政务服务中心推诿扯皮", "{community}物业不作为"],
       ["去{county}政务服务中心办证，跑了四趟，每次都说材料不全，工作人员推诿扯皮。",
        "{county}{community}物业收费不干活，电梯坏了一个月没人修，业主投诉无门。",
        "{town}派出所办户口迁移，工作人员态度很差，让我们回去等通知就再没下文。"],
       ["希望相关部门重视。"],
       ["办事效率太低", "同感"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True),
    _S("official_conduct", "权力监督", "一般",
       ["{town}干部工作时间打游戏", "{village}村干部态度恶劣", "{county}某单位工作人员上班玩手机"],
       ["去{county}{town}便民服务中心办事，工作人员上班时间在玩手机游戏，让群众干等。",
        "{village}村主任说话很冲，村民去问低保的事被骂了出来。"],
       ["作风问题要整改。"],
       ["门难进脸难看", "拍下来发给纪委"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True),
    _S("road_complaint", "其他", "一般",
       ["{road}坑洼不平 出行困难", "{village}的路烂了几年没人修", "{road}路灯不亮"],
       ["{county}{road}到处是大坑，一下雨全是积水，电动车经常摔倒，希望尽快修修。",
        "{village}通往镇上的水泥路坏了好几年，村民多次反映，一直没人管。"],
       ["希望交通部门安排维修。"],
       ["天天走这条路，确实烂", "等了好几年了"],
       bands=("tiny", "low", "mid"), media=("self", "local"), amplify=True),
    _S("social_security_complaint", "社会保障", "一般",
       ["{town}低保评定不公", "我的养老金为什么停发了", "医保报销太难"],
       ["{county}{town}{village}的低保名额都给了村干部的亲戚，真正困难的人却评不上。",
        "我母亲的养老金上个月突然停发，去社保局问说要重新认证，来回跑了好几次。"],
       ["希望民政部门核查。"],
       ["低保要公开公示", "同样问题"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True),
    _S("debt_complaint", "金融债务", "一般",
       ["{county}一家网贷公司暴力催收", "{company}欠款不还", "买房定金退不回来"],
       ["我在{county}{estate}交了{amount}万元定金，后来不买了，开发商一直拖着不退。",
        "{county}一家借贷公司的人天天打电话骚扰我的家人，威胁要上门。"],
       ["已向派出所报案。"],
       ["这种公司要查", "小心套路贷"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True, amount=(1, 10)),
    _S("veteran_individual", "退役军人", "一般",
       ["退役军人优待证办理问题", "老兵补助迟迟不到位"],
       ["我是{county}{town}的退役军人，优抚补助申请了半年还没下来，去问就说在走流程。",
        "{county}退役军人事务局电话一直打不通，想咨询安置政策找不到人。"],
       ["希望尽快解决。"],
       ["老兵不容易", "帮顶"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True),
    _S("minor_traffic", "公共安全", "一般",
       ["{road}发生一起车祸", "{town}两车相撞", "{road}一电动车与轿车相撞"],
       ["{date}下午，{county}{road}一辆轿车与电动车相撞，电动车驾驶人轻伤，已送医。",
        "{county}{town}路口两车追尾，无人员伤亡，造成交通拥堵半小时。"],
       ["交警已到场处理。"],
       ["这个路口经常出事", "开车注意安全"],
       bands=("tiny", "low", "mid"), media=("self", "local")),
    _S("small_fire", "公共安全", "一般",
       ["{town}一仓库起火", "{estate}一住户家中失火", "{road}一商铺着火"],
       ["{date}，{county}{town}一处废品仓库起火，消防及时扑灭，未造成人员伤亡。",
        "{county}{estate}一户居民家中厨房失火，所幸没有人员受伤。"],
       ["起火原因正在调查。"],
       ["注意用火安全", "消防来得很快"],
       bands=("low", "mid"), media=("self", "local")),
    _S("denied_rumour", "社会稳定", "一般",
       ["{county}辟谣：网传{rumour}不实", "关于{county}{rumour}的传言，官方回应了"],
       ["针对网传{county}{rumour}一事，县相关部门回应称系谣言，已对造谣者依法处理。",
        "有人在群里说{county}{rumour}，经核实为不实信息，请大家不要信谣传谣。"],
       ["公安机关提醒网民理性发声。"],
       ["不信谣不传谣", "造谣的要处理"],
       bands=("low", "mid"), media=("local", "self"),
       rumour=["要封城", "自来水被投毒", "学校有人贩子", "银行要倒闭"]),
    _S("poverty_complaint", "脱贫攻坚", "一般",
       ["{village}扶贫项目烂尾", "贫困户帮扶不到位", "{village}扶贫产业园荒废"],
       ["{county}{town}{village}投资建的扶贫大棚建好后一直闲置，贫困户一点收益都没有。",
        "我家是{county}{village}的贫困户，帮扶干部一年就来一次，拍照就走。"],
       ["希望扶贫办重视。"],
       ["形式主义害死人", "帮扶要落到实处"],
       bands=("tiny", "low", "mid"), media=("self",), amplify=True),
    # ---------------- 影响较小 ----------------
    _S("enquiry", "其他", "影响较小",
       ["请问{county}{service}在哪里办", "咨询一下{town}{service}", "{county}{service}需要什么材料"],
       ["请问{county}办理{service}需要带哪些材料？在哪个窗口？",
        "想咨询一下，{county}{town}{service}现在可以网上办理吗？",
        "有谁知道{county}{service}周六上班吗？"],
       [],
       ["可以打12345问问", "去政务中心二楼"],
       bands=("tiny", "low"), media=("self",),
       service=["身份证", "居住证", "不动产登记", "医保转移", "社保卡", "结婚登记", "营业执照", "公积金提取"]),
    _S("suggestion", "其他", "影响较小",
       ["建议{road}增设公交站", "关于{county}{thing}的建议", "给{town}提个建议"],
       ["建议{county}在{road}增设一个公交站，附近居民出行会方便很多。",
        "希望{county}多建几个{thing}，周末带孩子没地方去。",
        "建议{town}菜市场门口划一些停车位，现在停车很乱。"],
       [],
       ["支持这个建议", "同意"],
       bands=("tiny", "low"), media=("self",), thing=["口袋公园", "公共厕所", "图书馆", "篮球场", "停车场"]),
    _S("positive_news", "脱贫攻坚", "影响较小",
       ["{county}{town}特色产业助农增收", "{village}：小山村变成网红打卡地", "{county}举办{festival}"],
       ["{county}{town}发展特色种植，今年{village}的{crop}喜获丰收，村民人均增收{amount}千元。",
        "{county}{village}通过乡村振兴，环境焕然一新，吸引大批游客打卡。",
        "{date}，{county}第{rank}届{festival}在{town}开幕，现场热闹非凡。"],
       [],
       ["为家乡点赞", "越来越好了", "有空去看看"],
       bands=("tiny", "low", "mid", "high"), media=("local", "provincial", "central", "self"),
       crop=["猕猴桃", "茶叶", "脐橙", "葡萄", "高山蔬菜"], festival=["油菜花节", "美食文化节", "采摘节", "龙舟赛"],
       amount=(2, 9), rank=(2, 12)),
    _S("positive_service", "社会保障", "影响较小",
       ["点赞{county}{unit}", "感谢{town}的工作人员", "{county}{unit}暖心服务"],
       ["今天去{county}{unit}办事，工作人员很耐心，十分钟就办好了，必须点赞！",
        "{town}的网格员冒雨帮独居老人送药，太暖心了。"],
       [],
       ["赞", "好人好事"],
       bands=("tiny", "low", "mid"), media=("self", "local"),
       unit=["政务服务中心", "社保局", "不动产登记中心", "派出所户籍窗口", "医保中心"]),
    _S("neutral_mention", "其他", "影响较小",
       ["{county}{town}天气", "周末去{county}玩", "{county}的{food}"],
       ["周末去了{county}{town}，{food}很好吃，风景也不错。",
        "{county}今天下了一场大雨，{road}有点堵。",
        "{county}{road}新开了一家书店，环境不错。"],
       [],
       ["下次也去", "我家乡"],
       bands=("tiny", "low", "mid"), media=("self",), food=["米粉", "豆腐", "腊肉", "烤鱼"]),
    _S("minor_complaint", "其他", "影响较小",
       ["{estate}门口的垃圾桶满了", "{road}路边有点乱", "{community}广场舞声音有点大"],
       ["{county}{estate}门口的垃圾桶满了两天了，希望环卫早点来清理一下。",
        "{community}晚上广场舞音响有点大，希望能小一点。",
        "{road}一个路灯不亮了，晚上走路有点黑。"],
       [],
       ["确实", "已反映"],
       bands=("tiny", "low"), media=("self",), amplify=True),
    _S("govt_notice", "公共安全", "影响较小",
       ["{county}开展{campaign}", "{county}发布{notice}", "{town}组织{campaign}"],
       ["{county}近日开展{campaign}，排查隐患{amount}十余处，已全部整改。",
        "{county}发布{notice}，提醒广大群众注意安全。"],
       [],
       ["安全第一"],
       bands=("tiny", "low", "mid"), media=("local", "self", "provincial"),
       campaign=["安全生产大检查", "防溺水宣传进校园", "消防演练", "食品安全检查", "燃气安全排查"],
       notice=["暴雨预警", "高温提示", "春节期间烟花爆竹燃放通告", "交通管制通告"], amount=(2, 9)),
]

# -- posts ------------------------------------------------------------------------------

SOURCES = {
    "self": [("weibo", "微博"), ("tieba", "百度贴吧"), ("douyin", "抖音"), ("board", "领导留言板"), ("weixin", "微信公众号"),
             ("forum", "本地论坛")],
    "local": [("county-news", "县融媒体中心"), ("city-daily", "市日报"), ("county-tv", "县电视台")],
    "provincial": [("province-news", "省日报"), ("province-tv", "省广播电视台")],
    "central": [("xinhua", "新华社"), ("cctv", "央视新闻"), ("people", "人民网")],
}
REPOST_LINES = ["转发微博", "扩散", "转发", "关注", "求关注", "顶", "帮转", "已转", "求扩散"]


def _slot_value(rng: random.Random, spec):
    if isinstance(spec, tuple):
        return rng.randint(*spec)
    return rng.choice(spec)


def _base_slots(rng: random.Random) -> dict:
    county = rng.choice(list(COUNTIES)) if rng.random() < 0.6 else "云溪县"
    c = COUNTIES[county]
    day = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 500), hours=rng.randint(0, 23))
    local_day = day + timedelta(hours=8)
    return {
        "county": county,
        "town": rng.choice(c["towns"]),
        "village": rng.choice(c["villages"]),
        "community": rng.choice(c["communities"]),
        "road": rng.choice(c["roads"]),
        "school": rng.choice(c["schools"]),
        "company": rng.choice(COMPANIES),
        "estate": rng.choice(ESTATES),
        "hospital": rng.choice(HOSPITALS),
        "surname": rng.choice(SURNAMES),
        "official": rng.choice(OFFICIALS),
        "date": rng.choice([f"{local_day.month}月{local_day.day}日", "昨天", "今天", "前天", "本周一", "日前", "近日"]),
        "_start": day,
    }


class _Fmt(dict):
    def __missing__(self, key):  # an unknown slot stays visible, so a test catches it
        return "{" + key + "}"


def _fill(template: str, slots: dict) -> str:
    return template.format_map(_Fmt(slots))


def _spread(rng: random.Random, band: str) -> tuple[int, int, int]:
    lo, hi = BANDS[band]
    total = rng.randint(lo, hi)
    a = rng.random()
    b = rng.random() * (1 - a)
    reposts = int(total * a * 0.6)
    comments = int(total * b * 0.8)
    return reposts, comments, max(total - reposts - comments, 0)


def _split(total: tuple[int, int, int], n: int, rng: random.Random) -> list[tuple[int, int, int]]:
    """Share an event's engagement over its posts, the first post usually taking most."""
    weights = [rng.random() ** 2 for _ in range(n)]
    weights[0] += 1.5
    s = sum(weights)
    return [tuple(int(x * w / s) for x in total) for w in weights]


def render(rng: random.Random, sc: Scenario, serial: int, amplified: str | None = None) -> dict:
    """One event of a scenario: 1–8 posts in several voices, with a spread that fits its level."""
    slots = _base_slots(rng)
    for name, spec in sc.slots.items():
        v = _slot_value(rng, spec)
        slots[name] = _cn(rng, v) if isinstance(spec, tuple) and name in ("dead", "injured", "crowd", "sick") else v
    for name in ("dead", "injured", "crowd", "sick"):
        slots.setdefault(name, "")
    level = sc.level
    band = rng.choice(sc.bands)
    media_choices = list(sc.media)
    big_v = False
    if amplified == "big_voice":
        band, level = "high", max(level, Level.MAJOR)
        if rng.random() < 0.5:
            media_choices = ["provincial"]
        else:
            big_v = True
    elif amplified == "central":
        band, level, media_choices = rng.choice(["mid", "high"]), Level.SPECIAL, ["central"]
    elif amplified == "hot_search":
        band, level = rng.choice(["high", "viral"]), Level.SPECIAL
    elif amplified == "national":  # a complaint that spread across the country
        band, level = "national", Level.SPECIAL
    elif amplified == "spread":  # a minor complaint that spread past the minor band
        band, level = "mid", max(level, Level.GENERAL)
    core = _fill(rng.choice(sc.cores), slots)
    title = _fill(rng.choice(sc.titles), slots)
    n_posts = rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8])
    total = _spread(rng, band)
    shares = _split(total, n_posts, rng)
    start = slots["_start"]
    posts = []
    for i in range(n_posts):
        media = rng.choice(media_choices) if i == 0 or rng.random() < 0.5 else "self"
        src, src_label = rng.choice(SOURCES[media])
        detail = _fill(rng.choice(sc.details), slots) if sc.details and rng.random() < 0.7 else ""
        reaction = _fill(rng.choice(sc.reactions), slots) if sc.reactions else ""
        if i == 0:
            text, ptitle = f"{core}{detail}", title
            if amplified == "central":
                text = f"{rng.choice(['央视新闻', '新华社', '人民日报'])}报道：{text}"
            if amplified == "hot_search":
                text = f"{text}#{slots['county']}{title[-8:]}#登上微博热搜，网友热议。"
            if amplified == "big_voice" and big_v:
                text = f"【扩散】{text}（百万粉丝博主转发）"
        else:
            kind = rng.random()
            if kind < 0.3:
                text, ptitle = f"{rng.choice(REPOST_LINES)} //@{rng.choice(SURNAMES)}网友: {core[:60]}", ""
            elif kind < 0.55:
                asks = ["怎么样了", "有进展吗", "没人管吗", "大家怎么看"] if sc.level > Level.MINOR else ["大家去过吗", "真不错", "支持"]
                text, ptitle = f"{reaction}{'，' if reaction else ''}{slots['town']}这件事{rng.choice(asks)}", ""
            elif kind < 0.8:
                text, ptitle = f"{title}。{detail}{reaction}", title
            else:
                text, ptitle = f"据{src_label}消息，{core}", title
        followers = rng.choice([50, 300, 1200, 8000, 30000]) if not big_v else rng.choice([150000, 800000, 2000000])
        if media in ("local", "provincial", "central"):
            followers = rng.choice([50000, 200000, 1500000])
        reposts, comments, likes = shares[i]
        when = start + timedelta(minutes=rng.randint(0, 60 * 36) if i else 0)
        posts.append({
            "id": f"g{serial}-{i}",
            "title": ptitle,
            "text": text,
            "source": src,
            "url": f"https://example.invalid/{src}/{serial}/{i}",
            "published_at": when.isoformat(),
            "reposts": reposts, "comments": comments, "likes": likes,
            "author_followers": followers,
            "author_verified": media != "self" or (big_v and i == 0) or rng.random() < 0.1,
            "media_level": media,
        })
    return {"event": f"G{serial}", "label": Level(level).label, "topic": sc.topic, "source": "generated",
            "scenario": sc.key + (f"+{amplified}" if amplified else ""), "posts": posts}


def generate(seed: int = SEED, per_scenario: int = 9) -> list[dict]:
    """Every scenario rendered ``per_scenario`` times; complaint scenarios also amplified."""
    rng = random.Random(seed)
    events = []
    serial = 0
    for sc in SCENARIOS:
        for _ in range(per_scenario):
            serial += 1
            events.append(render(rng, sc, serial))
        if sc.amplify:
            kinds = ["big_voice", "big_voice", "central", "hot_search", "national"]
            if sc.level == Level.MINOR:
                kinds = ["spread", "spread", "spread"]
            for kind in kinds:
                serial += 1
                events.append(render(rng, sc, serial, amplified=kind))
    return events


def main(argv: list[str] | None = None) -> int:
    out = DATA_DIR / GENERATED
    events = generate()
    out.write_text(dumps(events), encoding="utf-8")
    counts = {lv.label: sum(e["label"] == lv.label for e in events) for lv in Level.descending()}
    print(f"wrote {len(events)} events to {out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
