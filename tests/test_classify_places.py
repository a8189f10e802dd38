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
