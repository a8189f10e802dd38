"""Every spider's parser on real saved pages (../shared/data/pages; skipped when absent) and on our own
samples of the current formats (yuqing/demo/site, served by the demo server), asserting real field values."""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import shared_data
from scrapy.http import HtmlResponse

from yuqing.crawlers.api import parse_page
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.items import PostItem
from yuqing.crawlers.spiders import spider_class
from yuqing.demo.server import serve_site
from yuqing.store import post_id, post_key

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(timezone.utc)


def page(*parts):
    return shared_data("pages", *parts).read_bytes()


def parse(kind, body, url=None):
    result = parse_page(kind, body, url=url, now=NOW)
    assert result.block is None, result.block
    return result.records


# -- 微博 PC search -------------------------------------------------------------

def test_weibo_2017_search_page_real():
    records = parse("weibo", page("weibo_pc", "search.html"))
    assert len(records) == 20  # the upstream test expects 20 results
    first = records[0]
    assert first.key == post_key("weibo:4106162368327071")
    assert first.url == "http://weibo.com/2878821573/F2AjiyWfB"
    assert first.author == "明星娱乐小马甲" and first.author_verified is True
    assert first.published_at == at("2017-05-11 10:14:20")  # date="1494468860000"
    assert (first.reposts, first.comments, first.likes) == (1, 0, 2)
    assert first.text.startswith("陈羽凡公司发文\n一是为陈羽凡的行为道歉\n二是谴责卓伟")
    music = next(r for r in records if r.author == "新浪音乐")
    assert (music.reposts, music.comments, music.likes) == (1, 6, 13)
    assert sum(r.author_verified for r in records) == 14  # icon_approve, _gold and _co badges


def test_weibo_2017_bigpipe_page_real():
    # search_fail.html delivers the list JSON-escaped inside STK.pageletM.view(...) scripts
    records = parse("weibo", page("weibo_pc", "search_fail.html"))
    assert len(records) == 19
    assert records[0].author == "财气网" and records[0].published_at == at("2017-04-17 15:01:55")
    assert records[0].text.startswith("发表了博文《网贷返利第一站——财气网安全风控再升级》")


def test_weibo_comment_list_is_not_posts():
    assert parse("weibo", page("weibo_pc", "comment.html")) == []


@pytest.fixture(scope="module")
def demo():
    server, base = serve_site(now=NOW, prefer=None)
    yield base
    server.stop()


def fetch(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return r.read()


def test_weibo_current_card_wrap_sample(demo):
    path = "/weibo?q=%E4%BA%91%E6%BA%AA&page=1"
    records = parse("weibo", fetch(demo, path), url=demo + path)
    assert [r.author for r in records] == ["幸福社区小李", "江南观察", "城关镇小王", "白沙河边人", "云溪路况", "云溪区发布", "东湖老街坊"]
    original, repost = records[0], records[1]
    assert original.key == post_key("weibo:5230000000001002")  # from the repost's card-comment block
    assert original.text.endswith("希望有关部门给个说法！@云溪发布 #云溪拆迁#")  # the folded full text
    assert original.published_at == at("2026-11-20 04:00")  # "今天 04:00" on the page
    assert repost.duplicate_of == post_id(original.key)
    assert repost.text.startswith("基层拆迁必须依法依规") and "【原微博】@幸福社区小李：昨天夜里两点多" in repost.text
    assert (repost.reposts, repost.comments, repost.likes, repost.author_verified) == (1200, 640, 3100, True)
    assert repost.published_at == at("2026-11-20 09:00")
    wages = records[2]
    assert wages.url == "http://weibo.com/7301100018/QcAr600gq" and (wages.reposts, wages.likes) == (67, 156)
    assert records[-1].published_at == at("2026-11-19 08:00")  # "11月19日 08:00"


# -- 微博 m.weibo.cn JSON -------------------------------------------------------

def test_weibo_mobile_timeline_real_2019():
    records = parse("weibo_mobile", page("weibo_mobile", "cards1.json"))
    assert len(records) == 11  # 10 cards, one a repost that brings its original
    first = records[0]
    assert first.key == post_key("weibo:4383183661430868") and first.url == "https://m.weibo.cn/status/HyTZc60ew"
    assert first.text == "搬完这块砖，就可以吃好吃的了[偷笑][偷笑][偷笑]"
    assert (first.reposts, first.comments, first.likes) == (240492, 95535, 348872)
    assert (first.author, first.author_followers, first.author_verified) == ("Dear-迪丽热巴", 63356825, True)
    assert first.published_at == at("2026-06-14 00:00")  # created_at "06-14", year from now
    hundred = next(r for r in records if r.key == post_key("weibo:4381207217392722"))
    assert hundred.reposts == 1_000_000  # "100万+"
    original = next(r for r in records if r.author == "代斯daisy")
    repost = next(r for r in records if r.key == post_key("weibo:4383180406740606"))
    assert repost.duplicate_of == post_id(original.key)


def test_weibo_mobile_statuses_show_and_extend_real():
    records = parse("weibo_mobile", page("weibo_mobile", "retweet01.json"))
    assert [r.author for r in records] == ["upupming", "九月九的晴天"]
    assert records[1].key == post_key("weibo:4383411844046171") and records[1].published_at == at("2019-06-15 11:44:46")
    long = parse("weibo_mobile", page("weibo_mobile", "statuses1.json"),
                 url="https://m.weibo.cn/statuses/extend?id=4383487819465288")
    assert len(long) == 1 and long[0].key == post_key("weibo:4383487819465288") and "Nature" in long[0].text


def test_weibo_mobile_2021_timeline_real():
    records = parse("weibo_mobile", page("weibo_mobile_recent", "MountainDash_nonebot-bison", "weibo_ak_list_0.json"))
    assert len(records) == 10
    first = records[0]
    assert first.published_at == at("2021-06-08 09:35:04") and (first.reposts, first.comments, first.likes) == (9079, 2126, 37053)
    assert first.author_followers == 1363591 and first.text.startswith("#明日方舟# #音律联觉#")


def test_weibo_mobile_search_container_sample(demo):
    path = "/api/container/getIndex?containerid=100103type%3D1%26q%3D%E4%BA%91%E6%BA%AA&page_type=searchall&page=1"
    body = fetch(demo, path)
    assert json.loads(body)["data"]["cards"][0]["card_type"] == 11  # the first hits sit in a card_group
    records = parse("weibo_mobile", body, url=demo + path)
    assert len(records) == 9
    dushi = records[0]
    assert (dushi.author, dushi.author_followers, dushi.author_verified) == ("江南都市报", 1_200_000, True)
    assert dushi.published_at == at("2026-11-20 13:50") and (dushi.reposts, dushi.comments, dushi.likes) == (530, 410, 1800)
    assert dushi.text.startswith("【记者探访云溪白沙河死鱼事件】") and dushi.text.endswith("#白沙河死鱼#")
    assert all("推广" not in r.text for r in records)  # the promoted card is skipped
    page2 = parse("weibo_mobile", fetch(demo, path.replace("page=1", "page=2")), url=demo + path)
    assert len(page2) == 7 and not ({r.key for r in page2} & {r.key for r in records})


def test_weibo_mobile_long_text_sample(demo):
    body = fetch(demo, "/statuses/extend?id=5230000000001002")
    records = parse("weibo_mobile", body, url=demo + "/statuses/extend?id=5230000000001002")
    assert records[0].text.count("\n") == 2 and "评估公司上门只量了面积就走了" in records[0].text


# -- 百度 -----------------------------------------------------------------------

def test_baidu_web_results_real():
    records = parse("baidu", page("baidu_web", "test_web_normal.html"))
    titles = [r.title for r in records]
    assert len(records) == 8  # organic results only: 百科 and 视频 cards are not posts
    assert titles[0] == "Welcome to Python.org" and "Python 基础教程 | 菜鸟教程" in titles
    runoob = records[titles.index("Python 基础教程 | 菜鸟教程")]
    assert runoob.published_at == at("2020-01-01 00:00") and not runoob.text.startswith("2020")
    zhihu = records[titles.index("你都用 Python 来做什么? - 知乎")]
    assert zhihu.author == "知乎" and zhihu.published_at == at("2019-03-28 00:00")
    assert records[0].url.startswith("http://www.baidu.com/link?url=yC-vpJc3cGCINc7SrFvV0A5")
    assert records[0].author == "www.python.org"


@pytest.mark.parametrize("name, count", [("test_web_none-pager.html", 0), ("test_web_invalid.html", 0),
                                         ("test_web_pages-single.html", 2), ("test_web_calc.html", 9)])
def test_baidu_empty_invalid_and_small_pages_real(name, count):
    assert len(parse("baidu", page("baidu_web", name))) == count


def test_baidu_pager_real():
    from yuqing.crawlers.spiders.baidu import BaiduSpider

    def has_next(name):
        return BaiduSpider.has_next(HtmlResponse(url="https://www.baidu.com/s", body=page("baidu_web", name), encoding="utf-8"))

    assert has_next("test_web_pages.html") and not has_next("test_web_pages-single.html")


def test_baidu_news_current_sample(demo):
    records = parse("baidu_news", fetch(demo, "/s?tn=news&wd=x&pn=0"), url=demo + "/s?tn=news&wd=x&pn=0")
    assert [r.author for r in records] == ["江南都市报", "澎湃新闻", "江南都市报", "江南法制报", "江南日报", "云溪区融媒体中心"]
    first = records[0]
    assert first.title == "云溪县东湖片区拆迁补偿引争议 夜间强拆致七旬老人受伤"
    assert first.url == demo + "/media/jnds/20261120/a1.html"  # wfr=spider&for=pc removed
    assert first.published_at == at("2026-11-20 12:00")  # "2小时前"
    assert records[4].published_at == at("2026-11-19 13:00")  # "昨天 13:00"
    assert parse("baidu_news", fetch(demo, "/s?tn=news&wd=x&pn=10")) == []


# -- 搜狗微信 ----------------------------------------------------------------------

def test_sogou_weixin_search_html_and_json_agree_real():
    html = parse("weixin", page("sogou_weixin", "search-gaokao-article.html"))
    js = parse("weixin", page("sogou_weixin", "search-gaokao-article.json"))
    assert len(html) == 10 and len(js) == 10
    assert html[0].title == js[0].title == "高考有多重要,为什么要重视高考?丨微观点"
    assert html[0].key == js[0].key == post_key("sogou_weixin:ab735a258a90e8e1-6bee54fcbd896b2a-83cfcd22fbb11285d4fbcc20fbf0e3aa")
    assert html[0].author == "占豪" and html[0].published_at == at("2017-07-01 19:35:51")
    assert js[0].url.startswith("http://mp.weixin.qq.com/s?__biz=MzA5OTA0NDIyMQ%3D%3D&idx=2&mid=2653887745")
    assert len({r.key for r in html} & {r.key for r in js}) == 4  # the two responses overlap in four articles


def test_weixin_article_pages_real():
    (post,) = parse("weixin", page("sogou_weixin", "article_detail_backgroud-image.html"))
    assert post.title == "4月6日周五【新闻速览一分钟】" and post.author == "华商报"
    assert post.key == post_key("weixin:ODUzMjkwMzYx:2654593305:1")
    assert post.published_at == at("2018-04-06 06:56:20") and len(post.text) > 500
    (voice,) = parse("weixin", page("sogou_weixin", "article_detail_mpvoice.html"))
    assert voice.title == "语音 | 早安武汉〔2018.3.19 周一〕" and voice.author == "长江日报"
    assert parse("weixin", page("sogou_weixin", "article_detail_expired.html")) == []  # 链接已过期
    assert parse("weixin", page("sogou_weixin", "search-gaokao-gzh.html")) == []  # accounts, not articles


def test_weixin_history_and_wap_list_real():
    history = parse("weixin", page("sogou_weixin", "bitsea-history.html"))
    assert len(history) == 10 and history[0].title == "帝都深处好修行" and history[0].author == "和菜头"
    assert history[0].url.startswith("https://mp.weixin.qq.com/s?")
    wap = parse("weixin", page("sogou_weixin", "wapindex-wap-0612-wap_8-0.html"))
    assert len(wap) == 15 and wap[0].title == "不做这个动作，你的轮胎3个月就要换!" and wap[0].author == "全球汽车精选"


def test_sogou_block_page_is_reported_not_parsed():
    result = parse_page("weixin", page("sogou_weixin", "search-gaokao-gzh-error.html"), now=NOW)
    assert result.block.state == "captcha" and result.records == []


def test_sogou_weixin_current_sample(demo):
    records = parse("weixin", fetch(demo, "/weixin?type=2&query=x&page=1"), url=demo + "/weixin?type=2&query=x&page=1")
    assert [r.author for r in records] == ["云溪身边事", "云溪发布", "云溪区发布"]
    assert records[0].published_at == at("2026-11-20 08:00")  # timeConvert('…')
    article_path = "/mp/s?__biz=MzA5NjYxMjM0MQ==&mid=2650001001&idx=1&sn=a1f0c3e9"
    (article,) = parse("weixin", fetch(demo, article_path), url=demo + article_path)
    assert article.title == "白沙河的鱼，为什么一夜之间死光了？" and article.author == "云溪身边事"
    assert article.text.startswith("11月19日一早，住在白沙镇柳树村的老刘") and "还我们一条清水河" in article.text


# -- 有道 -----------------------------------------------------------------------------

def test_youdao_sample(demo):
    records = parse("youdao", fetch(demo, "/search?q=x&start=0"), url=demo + "/search?q=x&start=0")
    assert [r.author for r in records] == ["www.jnhb.org.cn", "www.jnds.com.cn", "home.meishichina.com"]
    assert records[0].title == "云溪县白沙镇开展化工企业环保专项检查 - 江南环保网"
    assert records[2].published_at == at("2023-05-12 00:00")
    assert parse("youdao", fetch(demo, "/search?q=x&start=10")) == []


# -- 贴吧 -----------------------------------------------------------------------------

def test_tieba_thread_page_real_2024():
    records = parse("tieba", page("tieba_thread_recent", "note_detail.html"), url="https://tieba.baidu.com/p/9117905169")
    assert len(records) == 29  # 31 floors: an advert floor and an empty one are skipped
    thread = records[0]
    assert thread.key == post_key("tieba:150719031818") and thread.url == "https://tieba.baidu.com/p/9117905169"
    assert thread.title == "对于一个父亲来说，这个女儿14岁就死了" and thread.author == "章景轩"
    assert thread.published_at == at("2024-08-05 16:56") and thread.comments == 787
    reply = records[1]
    assert reply.key == post_key("tieba:150719088158") and reply.author == "杜草莓"
    assert reply.title == "回复：对于一个父亲来说，这个女儿14岁就死了" and reply.text.startswith("本来觉得就凭14岁的这点叛逆")


def test_tieba_forum_lists_real_old_and_2024():
    recent = parse("tieba", page("tieba_thread_recent", "tieba_note_list.html"))
    assert len(recent) == 48  # the thread list hides in a commented-out BigPipe pagelet
    assert recent[0].title == "盗墓笔记全集+txt小说，已整理" and recent[0].author == "公子伯仲" and recent[0].comments == 18
    assert recent[0].key == post_key("tieba:150544122828")  # first_post_id
    old = parse("tieba", page("tieba", "list_1.html"))
    assert len(old) == 50 and old[0].title == "【招聘】贴吧热议吧吧务邀请你的加入！！" and old[0].comments == 143


def test_tieba_search_and_lzl_real():
    hits = parse("tieba", page("tieba_thread_recent", "search_keyword_notes.html"))
    assert len(hits) == 10 and hits[0].key == post_key("tieba:150718967291")
    assert hits[0].author == "VR虚拟达人" and hits[0].published_at == at("2024-08-05 16:45")
    lzl = parse("tieba", page("tieba_thread_recent", "note_sub_comments.html"))
    assert len(lzl) == 9 and lzl[0].text == "陈芋汐水花也不小" and lzl[0].author == "可爱的搬运工94"


def test_tieba_demo_list_and_thread(demo):
    listed = parse("tieba", fetch(demo, "/f?kw=x"), url=demo + "/f?kw=x")
    assert len(listed) == 8 and listed[0].title == "东湖片区拆迁，补偿标准到底怎么定的？" and listed[0].comments == 86
    thread = parse("tieba", fetch(demo, "/p/9300000001"), url=demo + "/p/9300000001")
    assert len(thread) == 6 and thread[0].key == listed[0].key  # the list's first_post_id is the first floor
    assert thread[3].author == "东湖老街坊" and thread[3].published_at == at("2026-11-20 04:40")


# -- 留言板 -----------------------------------------------------------------------------

def test_people_board_json_sample(demo):
    records = parse("board", fetch(demo, "/v1/threads/list/df?fid=7421&page=1"))
    assert len(records) == 4
    first = records[0]
    assert first.title == "【投诉】东湖片区幸福社区夜间强拆，老人受伤谁负责？" and first.author == "网友eA8xQ2"
    assert first.url == "https://liuyan.people.com.cn/threads/content?tid=18900001"
    assert first.key == post_key("board:liuyan.people.com.cn:18900001")
    assert first.published_at == at("2026-11-20 07:20")  # threadsCheckTime in milliseconds


def test_mailbox_letter_and_list_sample(demo):
    (letter,) = parse("board", fetch(demo, "/mailbox/letter-1005.html"), url=demo + "/mailbox/letter-1005.html")
    assert letter.title == "【劳动保障】锦绣花园工地农民工工资被拖欠，请县长帮帮我们" and letter.author == "张师傅"
    assert letter.text.startswith("县长您好！我们是在城关镇锦绣花园安置房工地干活的农民工")
    assert letter.published_at == at("2026-11-20 10:30")
    listed = parse("board", fetch(demo, "/mailbox/list.html"), url=demo + "/mailbox/list.html")
    assert [r.title for r in listed][:2] == ["锦绣花园工地农民工工资被拖欠，请县长帮帮我们", "灵活就业人员社保补贴怎么申请？"]
    assert listed[0].key == letter.key  # the list row and the letter page are one letter


def test_board_options_map_another_api_and_letter_page():
    body = json.dumps({"code": 0, "data": {"rows": [
        {"id": 77, "title": "城关镇人民路路灯不亮", "content": "晚上一片漆黑，老人摔倒了", "userName": "市民",
         "createTime": "2026-11-20 10:00", "kind": "投诉"}]}}, ensure_ascii=False).encode("utf-8")
    options = {"items_path": "data.rows", "url_template": "https://12345.yunxi.gov.cn/letter/{id}",
               "fields": {"id": "id", "title": "title", "text": "content", "author": "userName",
                          "published_at": "createTime", "category": "kind"}}
    (post,) = parse_page("board", body, url="https://12345.yunxi.gov.cn/api/list", now=NOW, options=options).records
    assert (post.title, post.author, post.url) == ("【投诉】城关镇人民路路灯不亮", "市民", "https://12345.yunxi.gov.cn/letter/77")
    assert post.key == post_key("board:12345.yunxi.gov.cn:77") and post.published_at == at("2026-11-20 10:00")
    html = ("<html><body><div class='q'><h2 id='t'>咨询幸福社区停水</h2><span class='who'>李先生</span>"
            "<span class='when'>2026-11-19 08:30</span><div id='body'>幸福社区明天是否停水？要停多久？</div></div></body></html>")
    options = {"detail_title": "#t", "detail_text": "#body", "detail_author": ".who", "detail_date": ".when"}
    (letter,) = parse_page("board", html.encode("utf-8"), url="https://x.gov.cn/xj/9.html", now=NOW, options=options).records
    assert (letter.title, letter.author, letter.text) == ("咨询幸福社区停水", "李先生", "幸福社区明天是否停水？要停多久？")
    assert letter.published_at == at("2026-11-19 08:30")


# -- RSS --------------------------------------------------------------------------------

def test_rss_feed_sample(demo):
    records = parse("rss", fetch(demo, "/rss.xml"), url=demo + "/rss.xml")
    assert len(records) == 6
    festival = records[0]
    assert festival.url == demo + "/news/content/yx05.html"  # ?from=rss&utm_source=feed removed
    assert festival.published_at == at("2026-11-20 13:30") and festival.author == "云溪发布"
    assert festival.text.count("\n") >= 2 and "村集体经济收入" in festival.text  # content:encoded, not the teaser


# -- news: the general extractor on real pages it was not written for --------------------

NEWS = [
    # file, title, published (Shanghai), byline, body starts with, body contains
    ("163_1", '多地项目连环爆雷 狂奔的龙湖集团"暗伤"曝露？', "2019-09-07 13:43:45", "证券市场红周刊",
     "（原标题：多地项目连环爆雷", "这需要龙湖给投资者作一个交代"),
    ("163_7", "亚马逊海外购“限时快闪店”登陆拼多多", "2019-11-25 11:01:53", "新京报",
     "（原标题：“黑五”战役打响 亚马逊海外购登陆拼多多）", "新京报讯（记者 陆一夫）"),
    ("baijiahao_2", "日本最后一家传呼机公司停止服务，殡仪馆为BB机送终", "2019-09-30 22:46:13", "IT之家",
     "IT之家9月30日消息 据外媒报道", "没见过也没用过"),
    ("cjn_1", "外媒眼中的武汉长假：蓬勃发展，欢声笑语", "2020-10-04 20:30:00", "陈智",
     "长江网10月4日讯（记者陈智 整合）", "今年中国经济增速将达2%"),
    ("gsc_1", "2019年中国人文地理学术年会在重庆•西南大学成功举行！", "2019-05-18 00:00:00", "中国地理学会",
     "5月10-12日，2019年中国人文地理学术年会在重庆·西南大学举行", "人文地理学的最新研究成果"),
    ("hexun_1", "交通运输部：着力打造京津冀区域综合立体交通网络", "2019-09-26 10:56:28", None,
     "据财联社9月26日消息", "1.5小时交通圈"),
    ("ifeng_1", "女童眼睛被塞几十片纸，“无法用科学解释”", "2019-11-25 16:04:30", "段彦超",
     "澎湃新闻记者 段彦超 廖艳", "校园欺凌教育片"),
    ("other_1", "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007 年末国债余额限额的决议",
     "2007-08-20 23:59:59", "马娟", "全国人民代表大会常务委员会", "批准发行15500亿元特别国债购买外汇"),
    ("qq_2", "棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等", "2019-09-23 07:48:00", "棱镜",
     "划重点：", "第三方数据行业的整顿仍将持续"),
    ("shanxi_1", "山西品牌丝路行（南美站）正式启动", "2019-09-18 06:23:00", "山西日报",
     "图为山西品牌丝路行（南美站）启动仪式。", "刷新“走出去”的最远纪录"),
    ("sina_2", '60万"12306账号"外泄? 中铁总辟谣称消息不实', "2018-12-28 19:56:29", "新京报",
     "新京报快讯（记者 裴剑飞）", "避免非正常渠道购票带来的风险"),
    ("sina_5", "陈同佳刑满出狱 向潘晓颖家人鞠躬致歉", "2019-10-23 09:10:42", "环球网",
     "出狱了。据港媒刚刚消息", "向潘晓颖家人鞠躬致歉"),
    ("stcn_1", "午间公告：天奇股份中标广汽丰田项目；运达股份中标7亿元项目", "2019-09-26 12:11:00", "李在山",
     "证券时报e公司讯", "日本伊戈尔少数股权"),
    ("sxmu_1", "中华人民共和国监察法", "2018-05-17 00:00:00", None,
     "《中华人民共和国监察法》是为了推进全面依法治国", "第六十九条 本法自公布之日起施行"),
    ("thepaper_5", "柳叶刀：味觉嗅觉丧失是新冠感染最强预测指标，优于发烧咳嗽", "2020-06-06 10:08:00", "贺梨萍",
     "此前，发烧、咳嗽被认为是新冠病毒感染的最主要症状", "沉默传播者"),
    ("toutiao_4", "较强冷空气来袭 全国多地开启“抖抖抖”模式", "2019-11-25 10:37:31", "贾天勇",
     "综合消息，近日，较强冷空气袭击多地", "雨天出行注意交通安全"),
    ("wechat_1", "三星 Galaxy S20 系列手机正式发布", "2020-02-12 22:17:54", "爱否科技",
     "今天凌晨，三星在美国旧金山举行发布会", "Galaxy S20 Ultra"),
    ("xinhuanet_1", "法国全国大罢工再次严重影响交通", "2019-12-10 07:57:40", "新华网",
     "新华社巴黎12月9日电（记者唐霁）", "42种退休制度"),
    ("zsnews_1", "顺德区大良街道党工委委员潘卓辉一行到众创金融街开展调研工作", "2019-03-06 00:00:00", None,
     "2019年2月27日下午，佛山顺德区大良街道", "为中山经济发展提供创新驱动力"),
    ("zyyfy_1", "【不忘初心 牢记使命】我院医技药剂党支部举办2019年中药、药学理论知识与专业技能大赛",
     "2019-10-31 23:00:00", "医技药剂党支部", "本站讯（职工通讯员 李琴雯 刘会）", "提高医院的药学服务水平"),
]


@pytest.mark.parametrize("name, title, published, byline, starts, contains", NEWS, ids=[n[0] for n in NEWS])
def test_news_extractor_real_pages(name, title, published, byline, starts, contains):
    (post,) = parse("news", page("news", f"{name}.html"))
    assert post.title == title
    assert post.published_at == at(published)
    assert post.author == byline
    assert post.text.startswith(starts)
    assert contains in post.text
    # navigation, share bars and footers stay out of the body
    for junk in ("设为首页", "网站地图", "版权所有", "ICP备", "分享到："):
        assert junk not in post.text


def test_news_extractor_every_real_page():
    folder = shared_data("pages", "news")
    pages = sorted(folder.glob("*.html"))
    assert len(pages) == 41
    for path in pages:
        (post,) = parse("news", path.read_bytes())
        assert post.title and len(post.text) >= 90, path.name
        assert "\ufffd" not in post.title, path.name  # qq_2 declares gb2312 but is UTF-8
    dated = sum(parse("news", p.read_bytes())[0].published_at is not None for p in pages)
    assert dated >= 40  # readhub_1 shows only "昨天" without a year


def test_news_demo_gbk_article_behind_a_lying_header(demo):
    with urllib.request.urlopen(demo + "/news/content/yx07.html") as r:
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        body = r.read()
    assert body.decode("utf-8", "replace").count("\ufffd") > 10  # really GBK bytes
    (post,) = parse("news", body, url=demo + "/news/content/yx07.html")
    assert post.title == "县教育局通报云溪一中食堂食品安全检查情况" and post.author == "云溪县教育局"
    assert post.published_at == at("2026-11-20 10:40:00") and "停业整顿" in post.text


# -- the spider API directly (what Scrapy calls), and junk -----------------------------------

def test_spider_parse_page_yields_items_from_a_saved_response():
    spider = spider_class("weibo")(context=CrawlContext.offline_for("weibo", now=NOW))
    response = HtmlResponse(url="https://s.weibo.com/weibo?q=x", body=page("weibo_pc", "search.html"), encoding="utf-8")
    items = list(spider.parse_page(response))
    assert len(items) == 20 and all(isinstance(i, PostItem) for i in items)
    assert items[0]["identity"] == "weibo:4106162368327071" and items[0]["source"] == "parse-weibo"


@pytest.mark.parametrize("kind", ["news", "weibo", "weibo_mobile", "baidu", "baidu_news", "tieba", "weixin", "rss",
                                  "board", "youdao"])
@pytest.mark.parametrize("junk", [b"", b"\x00\x01\x02\xff\xfe" * 200, b"{not json", b"<html><body><p>",
                                  "<html><head><title>空</title></head><body>云溪</body></html>".encode("gbk")])
def test_junk_never_crashes_a_parser(kind, junk):
    result = parse_page(kind, junk, now=NOW)
    assert result.block is None
    assert all(r.key for r in result.records)
