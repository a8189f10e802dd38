"""Where a post points: the locality itself, or past it (outlets, time zones, accounts, datelines, lists,
a same-named district of another city)."""
from __future__ import annotations

import pytest

from yuqing.classify.places import PlaceReader
from yuqing.config import Locality

CITY = Locality(name="北京市", aliases=["北京", "京城"], units=["东城区", "朝阳区", "海淀区"], lookalikes=["北京时间"])
COUNTY = Locality(name="云溪县", aliases=["云溪"], units=["城关镇", "白沙镇"], terms=["云溪大道"], lookalikes=["云溪区"])


@pytest.fixture(scope="module")
def city():
    return PlaceReader(CITY)


@pytest.mark.parametrize("text", [
    "北京朝阳区一小区凌晨起火，两人受伤送医",
    "今天北京的大雨又差点把车泡了",
    "【北京已开征房产税】北京市地方税务局今日证实……",
    "朝阳区三里屯附近一辆车撞上护栏",
    "湖南临武城管打死瓜农，北京城管痛击带女儿练摊的父亲，四川达州城管……",  # a roundup with a local incident
])
def test_the_place_itself(city, text):
    m = city.read("", text)
    assert m.names_it and not m.elsewhere, (m.own, m.passing)


@pytest.mark.parametrize("text,why", [
    ("北京时间3月12日消息，一位演员在浙江病逝", "相似地名"),
    ("据北京晚报报道，国家质检总局公布进口不合格食品名单", "机构、媒体或品牌名"),
    ("《全球通史》北京大学出版社出版，赞誉如潮", "机构、媒体或品牌名"),
    ("@北京李海:山西朔州强拆中发生三死一伤", "账号名"),
    ("中新社北京4月17日电 总理谈全国食品安全", "新闻电头"),
    ("天津、北京、山东、江苏发出警示！隐翅虫有毒", "列举多地之一"),
    ("河南许昌市东城区强拆现场，拆迁人员打人", "外地同名"),
    ("一架客机在飞往北京途中返航，机上乘客平安", "行程地点"),
    ("14名村民进京反映问题，被当地政府接离北京，途中一人遭殴打", "行程地点"),
])
def test_passing_mentions_do_not_count(city, text, why):
    m = city.read("", text)
    assert not m.names_it
    assert any(why in reason for _w, reason in m.passing), m.passing
    assert m.reason().startswith("仅顺带提及本地")


def test_a_distance_from_a_place_named_there_points_here():
    m = PlaceReader(COUNTY).read("", "离云溪县政府一公里左右的楼盘，业主反映房屋渗水严重")
    assert m.names_it and not m.passing


def test_a_passing_mention_beside_a_real_one_still_points_here(city):
    m = city.read("", "据北京晚报报道，昨天北京朝阳区发生一起车祸")
    assert m.names_it and m.own == ["北京", "朝阳区"]


def test_a_title_about_another_city_is_theirs_but_a_province_is_not():
    reader = PlaceReader(Locality(name="A市", units=["A1区", "A7县"]))
    other = reader.read("B6县明阳学校乱收费，请给个说法", "我儿子去年去了A市培训，学校收费不合理")
    assert other.names_it and other.elsewhere and "B6县" in other.reason()
    province = reader.read("西地省电京物业公司电梯频现故障", "A1区某小区电梯经常停运")
    assert province.names_it and not province.elsewhere
    # a complaint's verb is no part of a name, and a kind of zone is no other place
    service = reader.read("投诉西地省A7县服务区高速交警乱执法", "进入A7县服务区休息时被罚款")
    assert not service.elsewhere and service.title_others == ["西地省"]
    zone = reader.read("A市师范学院附属经开区幼儿园夜间施工扰民", "工地离小区不到5米，噪声刺耳")
    assert not zone.elsewhere and not zone.others


def test_look_alikes_and_local_terms():
    reader = PlaceReader(COUNTY)
    assert not reader.read("", "云溪区召开经济工作会议").names_it
    assert reader.read("", "云溪大道上两车相撞").names_it
    assert reader.read("", "云溪区和云溪县交界处发生山火").names_it


def test_other_places_are_listed_without_false_ones(city):
    m = city.read("关于榔梨镇机械厂的问题", "咨询小孩城乡居民医保政策，我在长沙市工作")
    assert m.others == ["榔梨镇", "长沙市"]
    assert not any(o.endswith("城乡") for o in m.others)


# -- read on Weibo posts about other cities (benchmarks/data/pool_relevance.jsonl: the same readings, on real posts) --

OTHER_CITY = Locality(name="南岭市", aliases=["南岭", "岭城"], units=["沙河坝区", "东湖区", "滨江新区"])


@pytest.fixture(scope="module")
def other_city():
    return PlaceReader(OTHER_CITY)


@pytest.mark.parametrize("text", [
    "4岁南岭男孩划伤宝马，车主打了孩子一耳光",  # its people
    "南岭女环卫工怕费鞋赤脚扫积水，每年长冻疮",
    "南岭32岁的杨女士昨日抢救无效死于休克，医生称是肺鼠疫",  # a resident by age
    "南岭游行打砸抢者资料公布！",  # its events
    "南岭家乐福发生突发事件，所有出入口封闭",  # a spot a little further on
    "3月11日中午南岭汇豪天下附近丢失！求大家转发",
    "于1月7日在南岭爱绿双语幼儿园门口被抢走",
    "沈阳出现两起，南岭也有妈妈上当",  # one more place it happened
    "经调查显示，南岭、银川等地确有相关规定",  # one of the places where it is so
    "2013年在中国南岭，几千头死猪出现在江里，水务局说水质没有问题",  # the scene of what follows
    "这新闻看得我凌乱了！【南岭伪娘遭强暴，商贩拔刀相助】",  # a headline within the post
    "世纪佳缘无照经营 南岭查封 http://t.cn/x",  # its authorities' act
    "南岭市高清探头全部启动，副驾驶不系安全带同样处罚",  # the formal name, in so many words
    "网友说他的车停沙河坝被拧了螺丝",  # a district without its suffix
])
def test_more_ways_a_post_sets_its_matter_in_the_place(other_city, text):
    m = other_city.read("", text)
    assert m.names_it and m.firmly and not m.elsewhere, (m.own, m.anchored, m.passing)


@pytest.mark.parametrize("text,why", [
    ("中国人拍的《南岭十三钗》在日本票房为零", "作品名"),
    ("杨澜承认入了美国籍，《南岭论坛》消息", "作品名"),
    ("而9月12日既是南岭大屠杀纪念日，又是国难日", "历史事件"),
    ("这个女兵就是南岭军区前线文工团的演员", "机构、媒体或品牌名"),
    ("南岭航空一航班疑因机械故障迫降海口", "机构、媒体或品牌名"),
    ("地震后，广州、南岭飞往成都的机票都取消了折扣", "行程地点"),
    ("得了大点的病就要往南岭或者香港跑", "行程地点"),
    ("现在广州到南岭的火车上，一路电闪雷鸣", "行程地点"),
    ("北大一天课，晚到南岭给市委领导讲课，接着去福州调研", "行程地点"),
])
def test_more_passing_mentions(other_city, text, why):
    m = other_city.read("", text)
    assert not m.names_it
    assert any(why in reason for _w, reason in m.passing), m.passing


def test_a_place_s_own_documents_in_title_marks_are_its_own(other_city):
    m = other_city.read("", "国务院批复《南岭市关于撤销东湖区建制的请示》")
    assert m.names_it and not any(reason == "作品名" for _w, reason in m.passing)


def test_someone_s_death_in_a_hospital_of_the_place_does_not_set_a_matter_there(other_city):
    death = other_city.read("", "著名学者章先生今日零点在南岭华山医院去世，享年77岁")
    assert death.names_it and not death.firmly
    # an incident of the place whose victim is taken to hospital still is
    incident = other_city.read("", "昨晚南岭一男子被砍伤，送南岭人民医院抢救")
    assert incident.firmly


# -- read on Weibo posts about counties (a county office's own case) --

def test_the_places_a_county_lies_in_are_not_elsewhere():
    reader = PlaceReader(Locality(name="芦山县", aliases=["芦山"]))
    # the prefecture written before the county's name, as an address: a title naming it is the county's too
    quake = reader.read("", "#雅安灾情#【伟大母亲 为救儿子身亡】雅安芦山县灾区的废墟中，一个八岁小男孩被救出")
    assert quake.firmly and not quake.elsewhere and quake.parents == ["雅安"]
    aftershock = PlaceReader(Locality(name="东源县", aliases=["东源"])).read(
        "", "【广东河源4.8级地震已发生30次余震】今晨2时34分，广东河源市东源县发生4.8级地震。")
    assert not aftershock.elsewhere
    # a title naming another city that the text never writes before the county's name stays theirs
    assert reader.read("【雅安一桥梁垮塌】", "芦山县组织人员前往支援").elsewhere
    # a district's name is not its own across the country: 许昌市东城区 is not 北京's 东城区
    district = PlaceReader(Locality(name="东城区")).read("", "【许昌一男子被打】许昌市东城区一男子被打")
    assert district.elsewhere and not district.parents


@pytest.mark.parametrize("text", [
    "【最可爱的人！】图为网友摄于芦山现场，武警战士把干粮喂给小孩吃",
    "芦山灾区急需帐篷和药品",
    "#芦山地震#捐款到底去了哪里？",
])
def test_the_scene_of_a_disaster_is_the_place_itself(text):
    m = PlaceReader(Locality(name="芦山县", aliases=["芦山"])).read("", text)
    assert m.firmly, m.own


def test_a_hometown_is_no_place():
    m = PlaceReader(Locality(name="会理县", aliases=["会理"])).read(
        "", "【公务员大方自嘲、推介家乡景色】四川会理县公务员孙正东合成了领导视察照片")
    assert not m.elsewhere and "推介家乡" not in m.others and "家乡" not in "".join(m.others)
