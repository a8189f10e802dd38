"""The deployment's whole judgement on posts we write: relevance (a public matter that points at the place),
舆情负面 (negative about a public matter), and ``yuqing classify predict --input``."""
from __future__ import annotations

import json

import pytest
import yaml
from conftest import LOCALITY, copy_models

from yuqing.classify.api import (
    LOOSE_FACTOR,
    OFF_PLACE_FACTOR,
    NEGATIVE_AT,
    SURE_NEGATIVE,
    classify_records,
    judge_relevance,
    judgement,
    public_negativity,
    told_negativity,
)
from yuqing.cli import main
from yuqing.config import from_dict
from yuqing.intake import read_posts


@pytest.fixture(scope="module")
def cfg(tmp_path_factory, shipped_models):
    d = tmp_path_factory.mktemp("judgement")
    copy_models(shipped_models, d / "data" / "models")
    path = d / "yuqing.yaml"
    path.write_text(yaml.safe_dump({"locality": LOCALITY, "storage": {"data_dir": str(d / "data")}},
                                   allow_unicode=True), encoding="utf-8")
    return path


def _record(text: str, title: str = "", source: str = "weibo"):
    line = json.dumps({"id": "x", "text": text, "title": title, "source": source}, ensure_ascii=False)
    return read_posts([line.encode()], strict=True).records[0]


@pytest.mark.parametrize("text, told", [
    ("【紧急寻人】三岁男孩昨天下午在城南菜市场门口被拐，穿红色外套，家人悬赏十万求扩散！", "拐卖"),
    ("著名演员今晨因心脏病在家中去世，终年七十五岁，多部作品陪伴几代人。", "死亡"),
    ("昨夜一辆大货车与客车相撞，造成3人死亡、12人受伤，事故原因正在调查。", "死亡"),
])
def test_harm_told_in_words_is_negative_when_the_models_are_unsure(text, told):
    cfg = from_dict({"locality": LOCALITY})
    score, rule = told_negativity(cfg, _record(text), 0.3)
    # surer than the models' barely-negative posts, not sure enough for spread alone to take it past 一般
    assert NEGATIVE_AT + 0.1 <= score < SURE_NEGATIVE and rule.startswith("文中写明危害") and told in rule
    # the models' order is kept among such posts
    assert told_negativity(cfg, _record(text), 0.2)[0] < score


@pytest.mark.parametrize("text", [
    "消防大队今天在县第一中学开展火灾应急疏散演练，全校师生有序撤离。",  # a drill: incident words told calmly
    "周末去城南公园看了菊花展，人山人海，拍了好多照片。",  # nothing harmful
    "医护人员成功抢救三名重伤工人，家属送来锦旗致谢。",  # good news told in incident words
])
def test_notices_drills_and_good_news_are_not_raised(text):
    cfg = from_dict({"locality": LOCALITY})
    assert told_negativity(cfg, _record(text), 0.3) == (0.3, None)


def test_history_retold_is_not_raised():
    cfg = from_dict({"locality": LOCALITY})
    film = "电影今天上映，影片讲述1976年7月唐山大地震中24万人遇难的故事。"
    line = json.dumps({"id": "x", "text": film, "source": "weibo", "published_at": "2010-07-22T10:00:00+08:00"},
                      ensure_ascii=False)
    assert told_negativity(cfg, read_posts([line.encode()], strict=True).records[0], 0.3) == (0.3, None)
    # the same told of this year is harm
    assert told_negativity(cfg, _record(film.replace("1976年7月", "")), 0.3)[0] >= NEGATIVE_AT


@pytest.mark.parametrize("title, text", [
    ("请问县医保局异地就医如何备案？", "请问在外地工作的职工，异地就医需要提前备案吗？具体如何办理，需要哪些材料？"),
    ("建议在城南新区增设公交线路", "城南新区入住居民越来越多，建议增设一条到县城中心的公交线路，希望有关部门考虑。"),
])
def test_a_letter_that_only_asks_or_suggests_is_not_negative(title, text):
    cfg = from_dict({"locality": LOCALITY})
    score, rule = told_negativity(cfg, _record(text, title, source="board"), 0.6)
    assert score < NEGATIVE_AT and rule.startswith("留言仅为咨询或建议")
    assert told_negativity(cfg, _record(text, title, source="board"), 0.55)[0] < score  # the order kept
    # the models sure it is negative, or the same words posted on Weibo: left as scored
    assert told_negativity(cfg, _record(text, title, source="board"), 0.75) == (0.75, None)
    assert told_negativity(cfg, _record(text, title), 0.6) == (0.6, None)


def test_a_letter_that_asks_about_a_problem_it_reports_stays_negative():
    cfg = from_dict({"locality": LOCALITY})
    letter = _record("我们小区停水三天了，物业推诿不管，请问到底谁来管？", "小区停水三天无人管", source="board")
    assert told_negativity(cfg, letter, 0.6) == (0.6, None)


@pytest.mark.parametrize("title, text, said", [
    ("城南路坑坑洼洼", "城南路建材市场门口这段路坑坑洼洼，下雨全是泥，天晴一身灰，请安排解决，谢谢！", "坑洼"),
    ("县政务中心窗口态度恶劣", "上周去县政务中心办社保，窗口工作人员态度恶劣，材料齐全也拒绝受理。", "态度恶劣"),
    ("人民路红绿灯损坏", "人民路与解放路口的行人红绿灯损坏半个月了，行人只能硬闯，请尽快维修。", "损坏"),
    # 希望 that only asks for the problem to be dealt with closes a complaint; it is no suggestion
    ("城东路边每晚焚烧垃圾", "城东路对面一到天黑就焚烧垃圾，严重污染周边居民空气，希望有关部门及时处理。", "污染"),
    ("楼下烧烤店营业到深夜", "楼下烧烤店每天营业到凌晨，食客大声喧哗，严重影响附近居民睡眠。", "严重影响"),
])
def test_a_letter_that_reports_a_problem_and_asks_nothing_is_negative(title, text, said):
    cfg = from_dict({"locality": LOCALITY})
    score, rule = told_negativity(cfg, _record(text, title, source="board"), 0.35)
    assert NEGATIVE_AT + 0.1 <= score < SURE_NEGATIVE and rule.startswith("留言反映具体问题") and said in rule
    assert told_negativity(cfg, _record(text, title, source="board"), 0.25)[0] < score  # the order kept
    # the models sure it is no problem (a letter scored calm), or the same words on Weibo: left as scored
    assert told_negativity(cfg, _record(text, title, source="board"), 0.05) == (0.05, None)
    assert told_negativity(cfg, _record(text, title), 0.35) == (0.35, None)


@pytest.mark.parametrize("title, text", [
    # it asks as well (the letter's question decides, as in test_a_letter_that_only_asks_or_suggests_is_not_negative)
    ("城南路何时修", "城南路坑坑洼洼，请问什么时候修？", ),
    ("城南路何时修", "城南路坑坑洼洼，希望告知什么时候维修？", ),  # 希望 beside a question: the question decides
    # 不发 inside 不发达 is no unpaid wage: a suggestion for new roads
    ("给县城增加快速路的办法", "县城快速路里程已经落后，交通不发达，可以考虑把环城路改造成快速路。"),
    # nothing complained of
    ("县图书馆开放时间", "县图书馆周末开放到晚上九点，借书还书都很方便。"),
    # a letter of thanks tells the trouble it was helped out of
    ("感谢交警一路开道送孕妇就医", "早上妻子临产，出门遇上早高峰堵车，我向执勤交警求助，交警一路开道把我们送到医院。"),
])
def test_a_letter_that_asks_or_complains_of_nothing_is_not_raised_as_a_reported_problem(title, text):
    cfg = from_dict({"locality": LOCALITY})
    score, rule = told_negativity(cfg, _record(text, title, source="board"), 0.35)
    assert not (rule or "").startswith("留言反映具体问题")


def test_only_an_unsure_score_is_raised():
    cfg = from_dict({"locality": LOCALITY})
    rec = _record("昨夜一辆大货车与客车相撞，造成3人死亡、12人受伤。")
    assert told_negativity(cfg, rec, 0.05) == (0.05, None)  # the models are sure it is no negative matter
    assert told_negativity(cfg, rec, 0.8) == (0.8, None)  # already negative


HARM_TOLD = [
    "据网友爆料，今天上午城南小学门口一名女童被陌生男子强行抱走，家长已报警，目前孩子仍下落不明。",
    "【紧急寻人】三岁男孩昨天下午在城南菜市场门口被拐，穿红色外套，家人悬赏十万求扩散！",
    "网传某知名歌手昨晚在家中去世，年仅四十二岁，经纪公司尚未回应。",
    "美国加州一所中学发生枪击，造成3人死亡、5人受伤，枪手已被警方击毙。",
    "昨夜一辆大货车与客车相撞，造成3人死亡、12人受伤，事故原因正在调查。",
    "一名女大学生求职无门，爬上高压线塔轻生，送医后抢救无效身亡。",
    "感动！外卖小哥跳河救人的视频刷屏了，可惜落水的老人最终还是没能救回来，不幸身亡。",  # told as a hero's story
]


def test_classify_reads_harm_where_the_models_are_unsure(cfg):
    from yuqing.config import load

    conf = load(cfg)
    recs = classify_records(conf, [_record(t) for t in HARM_TOLD])
    raised = 0
    for rec in recs:
        neg = rec.explanation["negativity"]
        score, rule = told_negativity(conf, rec, public_negativity(neg["score"], neg["public"]))
        assert rec.negativity == score and neg.get("rule") == rule
        if rule:
            raised += 1
            assert rec.negativity >= NEGATIVE_AT
            assert any(r.startswith("负面：文中写明危害（") for r in judgement(conf, rec)["reasons"])
    assert raised, [round(r.negativity, 2) for r in recs]  # the shipped models are unsure of a death told as a hero's story


def test_negativity_needs_both_a_negative_tone_and_a_public_matter():
    assert public_negativity(0.9, 0.9) == pytest.approx(0.9)
    assert public_negativity(0.95, 0.1) < 0.5  # a sad love quote: negative tone, no public matter
    assert public_negativity(0.1, 0.95) < 0.5  # a calm notice: public matter, nothing negative
    assert public_negativity(1.0, 0.25) == pytest.approx(0.5)


@pytest.mark.parametrize("text,relevant,factor,rule", [
    ("云溪县城关镇一小区凌晨起火，两人受伤送医", True, 1.0, None),
    ("白沙镇柳树村的自来水又停了三天", True, 1.0, None),  # a unit names the place firmly
    ("云溪很安全，大家放心来玩", False, LOOSE_FACTOR, "仅泛泛提及本地一次"),
    ("云溪区召开经济工作会议，部署四季度工作", False, OFF_PLACE_FACTOR, "仅顺带提及本地"),  # the look-alike district
    ("国务院常务会议部署稳就业工作", False, OFF_PLACE_FACTOR, "未提及本地地名"),
])
def test_relevance_is_a_public_matter_that_points_firmly_at_the_place(tmp_path, text, relevant, factor, rule):
    config = from_dict({"locality": LOCALITY, "storage": {"data_dir": str(tmp_path)}})
    ok, score, why, _mentions = judge_relevance(config, _record(text), public=0.9)
    assert ok is relevant and score == pytest.approx(0.9 * factor)
    assert (why is None) if rule is None else why.startswith(rule)


def test_a_private_matter_at_the_place_is_not_relevant(tmp_path):
    config = from_dict({"locality": LOCALITY, "storage": {"data_dir": str(tmp_path)}})
    ok, score, why, _ = judge_relevance(config, _record("云溪县城关镇新开了一家奶茶店，第二杯半价"), public=0.1)
    assert not ok and score == pytest.approx(0.1) and why.startswith("非公共事务")


def test_hand_entries_are_relevant_and_board_posts_must_name_the_place(tmp_path):
    config = from_dict({"locality": LOCALITY, "storage": {"data_dir": str(tmp_path)},
                        "sources": [{"name": "county-board", "kind": "board", "require_locality": False}]})
    manual = _record("有群众反映小区门口垃圾没人清运", source="manual")
    assert judge_relevance(config, manual, public=0.3)[0]
    # the county's own board (configured require_locality: false): a letter naming no place is ours
    own = _record("小区门口的路灯坏了半个月", title="路灯坏了", source="county-board")
    assert judge_relevance(config, own, public=0.9)[0]
    # a board given as input, not configured: it must name the place; another city's letter is not ours
    other = _record("我儿子在云溪县读书，但南河县的学校乱收费", title="南河县明德学校乱收费", source="message_board")
    assert other.kind == "board" and not judge_relevance(config, other, public=0.9)[0]
    # a letter about an institution named after the place is the place's own matter on a board, in passing elsewhere
    school = dict(text="云溪大学组织学生干部连续查寝，只为迎接领导检查，影响学生休息。", title="云溪大学连续查寝影响学生生活")
    assert judge_relevance(config, _record(**school, source="message_board"), public=0.9)[0]
    assert not judge_relevance(config, _record(**school), public=0.9)[0]
    # a letter naming the place once, and no other place, points at it; a Weibo post's single loose mention does not
    once = dict(text="我长住云溪，父母随我一起住，每次网上养老认证都不成功，请求解决。", title="请求解决异地网上认证")
    assert judge_relevance(config, _record(**once, source="message_board"), public=0.9)[0]
    assert not judge_relevance(config, _record(**once), public=0.9)[0]


def _predict(cfg, tmp_path, posts, capsys, *extra):
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(p if isinstance(p, str) else json.dumps(p, ensure_ascii=False) for p in posts) + "\n",
                    encoding="utf-8")
    rc = main(["--config", str(cfg), "classify", "predict", "--input", str(path), *extra])
    out, err = capsys.readouterr()
    return rc, [json.loads(line) for line in out.splitlines()], err


POSTS = [
    {"id": "fire", "text": "云溪县白沙镇一化工厂凌晨发生爆炸，已造成两人死亡、五人受伤，附近居民被紧急疏散", "source": "weibo"},
    {"id": "concert", "text": "下周六某歌手巡回演唱会来到云溪县体育馆，门票已经开抢啦，粉丝们冲鸭！", "source": "weibo"},
    {"id": "quake", "text": "【突发】土耳其发生7.8级强烈地震，目前已造成上千人遇难，救援仍在进行", "source": "weibo"},
    {"id": "ask", "title": "请问城关镇新生儿医保在哪里办理？", "text": "请问在城关镇出生的孩子办医保需要带哪些材料？谢谢",
     "source": "message_board"},
]


def test_predict_input_judges_each_post_and_stores_nothing(cfg, tmp_path, capsys):
    rc, rows, err = _predict(cfg, tmp_path, POSTS, capsys)
    assert rc == 0, err
    by_id = {r["id"]: r for r in rows}
    assert list(by_id) == [p["id"] for p in POSTS]
    for r in rows:
        assert set(r) >= {"id", "relevant", "relevance", "topic", "negativity", "negative", "reasons"}
        assert 0 <= r["relevance"] <= 1 and 0 <= r["negativity"] <= 1 and r["reasons"]
    assert by_id["fire"]["relevant"] and by_id["fire"]["negative"] and by_id["fire"]["topic"] == "公共安全"
    assert not by_id["concert"]["relevant"] and not by_id["concert"]["negative"]
    assert not by_id["quake"]["relevant"] and by_id["quake"]["negative"]  # negative news, not about the county
    assert by_id["ask"]["relevant"] and not by_id["ask"]["negative"]
    assert not (tmp_path / "data" / "yuqing.sqlite3").exists()


def test_predict_input_reports_bad_lines_and_names_unknown_fields_once(cfg, tmp_path, capsys):
    posts = [{**POSTS[0], "time": "2013-04-21 10:00", "user_followers": 10}, '{"id": "broken", "text": ',
             POSTS[2]]
    rc, rows, err = _predict(cfg, tmp_path, posts, capsys)
    assert rc == 1 and [r["id"] for r in rows] == ["fire", "quake"]
    lines = err.splitlines()
    assert lines[0].startswith("yuqing: error: line 2: malformed JSON")
    assert lines[1].startswith("yuqing: warning: ignored unknown field(s) 'time' (line 1), 'user_followers' (line 1)")
    assert len(lines) == 2


def test_predict_needs_input_or_model(cfg, capsys):
    assert main(["--config", str(cfg), "classify", "predict"]) == 2
    assert "--input FILE.jsonl" in capsys.readouterr().err


def test_classify_records_explains_the_place_and_the_two_scores(cfg):
    from yuqing.config import load

    config = load(cfg)
    (rec,) = classify_records(config, [_record(POSTS[0]["text"])])
    ex = rec.explanation
    assert ex["relevance"]["places"]["own"] and "public" in ex["negativity"]
    assert rec.negativity == public_negativity(ex["negativity"]["score"], ex["relevance"]["score"])


def test_a_post_in_traditional_characters_is_judged_as_in_simplified_and_stored_as_posted(cfg):
    from yuqing.config import load

    config = load(cfg)
    told = "雲溪縣白沙鎮化工廠又在偷排污水，河裡的魚都死光了，村民不敢用水，環保局卻說沒有問題！"
    simple = "云溪县白沙镇化工厂又在偷排污水，河里的鱼都死光了，村民不敢用水，环保局却说没有问题！"
    trad, simp = classify_records(config, [_record(told), _record(simple)])
    assert trad.explanation["relevance"]["places"]["own"] == simp.explanation["relevance"]["places"]["own"]
    assert "云溪县" in trad.explanation["relevance"]["places"]["own"]
    assert (trad.relevant, trad.relevance, trad.topic, trad.negativity) == \
        (simp.relevant, simp.relevance, simp.topic, simp.negativity)
    assert trad.relevant and trad.negativity >= NEGATIVE_AT and trad.text == told


def test_a_letter_that_asks_tells_its_harm_as_background():
    cfg = from_dict({"locality": LOCALITY})
    enquiry = _record("我妈前一阵子摔倒骨折住院，请问异地医保报销程序是怎样的？", "咨询异地医保报销", source="board")
    assert told_negativity(cfg, enquiry, 0.3) == (0.3, None)  # not raised for the fracture
    assert told_negativity(cfg, enquiry, 0.6)[0] < NEGATIVE_AT  # a pure enquiry
    complaint = _record("我妈在医院摔倒骨折，医院推卸责任不管不问，请求解决。", "医院推卸责任", source="board")
    assert told_negativity(cfg, complaint, 0.3)[0] >= NEGATIVE_AT  # the harm is what it complains of


@pytest.mark.parametrize("told,calm,why", [
    # a boycott over a nation's grievance: the convention's protest; a film praised is none
    ("那天是南京大屠杀纪念日，勿忘国耻，大家一起让这部日本电影票房为零！", "这部日本动画电影画面很美，周末去看了，推荐给大家。",
     "南京大屠杀"),
    # the day the invasion began, remembered with hostility: the convention's national grievance
    ("又到九一八，日本至今还在做它的大国梦，一直对我们虎视眈眈，我们不能忘记！", "九月十八日那天秋高气爽，我们一家去公园看菊花展。",
     "九一八"),
    # a warning that something kills: the convention's safety scare; a tip that claims no hazard is none
    ("警示！这种虫身上有毒液，碰到皮肤就死定了，请传出去！", "提醒：花露水属易燃品，涂完别马上做饭。", "毒液"),
    # a food said to be unsafe: the convention's unsafe-product claim; a recipe that names what it holds is none
    ("紧急通知：大家千万不要再买樱桃，今年樱桃里寄生了一种蛆虫！", "提醒：芝麻含有丰富的维生素E，千万别错过这款面膜。", "蛆虫"),
    ("请立即停止使用微波炉，大家都知道微波炉的危害之大！", "提醒：微波炉加热鸡蛋前先戳个孔，受热更均匀。", "危害之大"),
])
def test_a_boycott_or_a_deadly_warning_is_negative_where_the_models_are_unsure(told, calm, why):
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(told), 0.3)
    assert score >= NEGATIVE_AT and why in reason
    assert told_negativity(cfg, _record(calm), 0.3) == (0.3, None)
    # however calm the models find it: the kind is the conventions' own, told in so many words
    score, reason = told_negativity(cfg, _record(told), 0.05)
    assert score >= NEGATIVE_AT and why in reason
    assert told_negativity(cfg, _record(calm), 0.05) == (0.05, None)


def test_harm_told_calmly_enough_stays_calm():
    cfg = from_dict({"locality": LOCALITY})  # a death in a post the models find calm is a notice's, as before
    assert told_negativity(cfg, _record("著名演员今晨因心脏病在家中去世，终年七十五岁。"), 0.05) == (0.05, None)


@pytest.mark.parametrize("text", [
    "#微信#收费将于7月1日开始，信息5分一条，语音1毛一条，你还会用吗？",
    "据传移动下月1日开始对微信微博进行收费，包月10元。",
    "中国移动9月1日起率先对微信收费，两种标准任选。",
])
def test_a_service_said_to_start_charging_is_negative_where_the_models_are_unsure(text):
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(text), 0.3)
    assert score >= NEGATIVE_AT and "收费" in reason


@pytest.mark.parametrize("text,source", [
    ("腾讯辟谣：微信不会收费，网传7月1日开始收费系谣言。", "weibo"),  # the calm clarification is not
    ("新款手机下周起涨价，欲购从速！", "weibo"),  # an ad
    ("住房不收费，看病不花钱，这是别人家的福利。", "weibo"),  # no charge starting
    ("请问小区停车场将于下月开始收费，标准在哪里公示？", "board"),  # a letter's enquiry is judged as letters are
])
def test_a_fee_denied_sold_or_asked_about_raises_nothing(text, source):
    cfg = from_dict({"locality": LOCALITY})
    assert told_negativity(cfg, _record(text, source=source), 0.3) == (0.3, None)


@pytest.mark.parametrize("text,word", [
    ("【恐怖新骗局】看得我汗毛都竖起来了，转给身边的朋友，一定认真读完！", "骗局"),
    ("今晚在步行街亲身经历绑架事件，姑娘们都长点心，人贩子太恐怖了！", "绑架"),
])
def test_a_fraud_or_abduction_warned_of_is_negative_where_the_models_are_unsure(text, word):
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(text), 0.3)
    assert score >= NEGATIVE_AT and word in reason


def test_cruelty_to_animals_is_negative_and_the_slang_is_not():
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record("发一张今天看到的图片，幼猴紧紧搂住即将被“活取猴脑”的妈妈。"), 0.02)
    assert score >= NEGATIVE_AT and "活取" in reason
    for text, word in (("网上流传一种“盆景猫”，小猫被塞进玻璃瓶里养大，太残忍了", "盆景猫"),
                       ("城管赶小贩，把笼子里的小狗小兔活活踩死", "活活踩死")):
        score, reason = told_negativity(cfg, _record(text), 0.04)
        assert score >= NEGATIVE_AT and word in reason
    assert told_negativity(cfg, _record("情人节满街秀恩爱，又被虐狗了。"), 0.3) == (0.3, None)


@pytest.mark.parametrize("text,word", [
    ("果然是小日本在搞鬼！", "小日本"),
    ("听说已经下令，日本船只再闯入钓鱼岛12海里以内，海军可以立即进行军事打击。哈哈，大快人心！", "钓鱼岛"),
    ("网传中日军舰在钓鱼岛海域交火45分钟，一艘驱逐舰被击沉，求证实！", "钓鱼岛"),
])
def test_hostility_to_japan_or_a_clash_over_the_islands_is_negative_however_cheerful(text, word):
    """National anger and war scares are 负面 (the conventions), even told with 大快人心."""
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(text), 0.05)
    assert score >= NEGATIVE_AT and "对日敌意或领土争端" in reason and word in reason


@pytest.mark.parametrize("text", [
    "总理说，钓鱼岛是中国的，这一点毫不含糊。",  # the islands named, no clash
    "老电视剧《地道战》又重播了，鬼子进村那段还是那么好笑。",  # a film's 鬼子
    "南海的海鲜真新鲜，这次旅行吃得很满足。",  # the South China Sea as a place
])
def test_the_islands_or_an_old_film_alone_raise_nothing(text):
    cfg = from_dict({"locality": LOCALITY})
    assert told_negativity(cfg, _record(text), 0.3) == (0.3, None)


@pytest.mark.parametrize("text,word", [
    ("商场门口一个年轻人嫌女孩挡路，一脚把她踹下台阶，男的继续施暴，女孩躺在地上哭。", "施暴"),
    ("研究生持刀刺向导师后投案自首，称自己并不后悔。", "持刀刺"),
    ("城管队员在街头扇了摊主两个耳光，视频在网上流传。", "耳光"),
])
def test_a_person_beaten_or_stabbed_is_negative_where_the_models_are_unsure(text, word):
    """Violence is 负面 (the conventions) however calmly it is told."""
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(text), 0.3)
    assert score >= NEGATIVE_AT and "暴力" in reason and word in reason


def test_a_person_beaten_until_she_faints_is_harm_told():
    """Fainting after a beating is a serious injury: the harm is the reason, not only the violence."""
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record("男的继续施暴，女孩当场昏厥。"), 0.3)
    assert score >= NEGATIVE_AT and "重伤" in reason


@pytest.mark.parametrize("text", [
    "警方通报：经调查，保安没有殴打顾客，双方已和解。",  # denied
    "下半场他一脚踢进了扳平的一球，全场沸腾。",  # a kick at a ball
    "周末和朋友打了一下午羽毛球，累趴了。",  # a game
    "专家的新说法等于打了自己一记耳光。",  # a figure of speech
    "看看在你生日那天你干了神马……“我抽了最恨的人一耳光”（转）",  # a birthday meme: only 扇 is read
])
def test_violence_denied_or_a_game_raises_nothing(text):
    cfg = from_dict({"locality": LOCALITY})
    assert told_negativity(cfg, _record(text), 0.3) == (0.3, None)


@pytest.mark.parametrize("text,word", [
    ("乡长在大街上办了一场简朴婚礼，感叹社会主义好。一年天朝乡，十万血花银。", "天朝"),
    ("这段演讲说出了我们的心声，估计马上要被和谐了……", "被和谐"),
    ("看守所里又有人被自杀了，家属至今见不到遗体。", "被自杀"),
])
def test_political_irony_is_negative_however_calm(text, word):
    """Criticism of government by sarcasm is 负面 (the conventions): the era's words of irony say so."""
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(text), 0.02)
    assert score >= NEGATIVE_AT and word in reason


@pytest.mark.parametrize("text", [
    "天朝上国的气度，从明代的瓷器里就看得出来。",  # history's
    "构建和谐社会，从邻里互助做起。",  # a slogan, said straight
    "早高峰过马路就像躲猫猫一样。",  # a figure of speech
])
def test_words_like_irony_said_straight_raise_nothing(text):
    cfg = from_dict({"locality": LOCALITY})
    assert told_negativity(cfg, _record(text), 0.3) == (0.3, None)


@pytest.mark.parametrize("text", [
    "别再道德绑架了，捐不捐是人家的自由，大家注意说话分寸。",  # a figure of speech
    "处女座装傻的功夫炉火纯青，骗到所有人。",  # no warning, no fraud named
])
def test_no_swindle_warned_of_raises_nothing(text):
    cfg = from_dict({"locality": LOCALITY})
    assert told_negativity(cfg, _record(text), 0.3) == (0.3, None)


@pytest.mark.parametrize("text,negative", [
    ("【新版假币又来了】100元编号CE86、CH31开头均为假币，请转发给你的朋友，让更多的人知道。", True),
    ("新版假钞又来了，收钱时千万要当心。", True),
    ("央行发布新版人民币防伪特征介绍，识别假币可看水印和安全线。", False),  # a notice, no warning
])
def test_counterfeit_notes_warned_of_are_a_fraud_warning(text, negative):
    """A warning of counterfeit notes going round is the conventions' fraud warning (负面), however calm its words;
    a bank's notice on telling notes apart warns of nothing."""
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(text), 0.3)
    assert (score >= NEGATIVE_AT) is negative
    assert (reason is not None and "假" in reason) is negative


@pytest.mark.parametrize("text,tribute", [
    ("#微讯# 5月29日是传奇歌手Jeff Buckley溺水身亡15周年。他生前留下的作品不多但首首让人难忘。[蜡烛][蜡烛]", True),
    ("今天是哥哥逝世十周年的忌日，永远怀念。", True),
    ("今年4月1日是张国荣逝世十周年，据媒体报道，张国荣系他杀，警方已将犯罪嫌疑人抓获。", False),  # a crime claimed
    ("汶川地震遇难五周年，豆腐渣校舍至今无人问责。", False),  # a grievance
    ("青志协十五周年，转发送纪念明信片。", False),  # no death remembered
])
def test_a_tribute_on_a_death_s_anniversary_is_not_negative(text, tribute):
    """Tributes and obituaries are 0 (the conventions), however sure the models are that a death is negative; a post
    that claims a crime or a grievance on the day stays as the models score it."""
    cfg = from_dict({"locality": LOCALITY})
    score, reason = told_negativity(cfg, _record(text), 0.93)
    assert (score < NEGATIVE_AT) is tribute
    assert (reason is not None and "周年" in reason) is tribute


def test_under_developed_is_no_unpaid_wage():
    from yuqing.classify.signals import read_signals

    assert "不发" not in read_signals("县城快速路里程已经落后，交通不发达，可以考虑改造环城路。").complaint
    assert "不发" in read_signals("工地干了半年，老板一直不发工资，交通也不发达。").complaint
    assert "不发" in read_signals("卫生局迟迟不发放新的执业许可证。").complaint
