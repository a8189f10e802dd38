"""Crawler rules without the network: times, locality matching, URLs and identities, near-duplicates,
encodings and block pages (on the real saved error pages, GBK originals included)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import LOCALITY, make_config, shared_data

from yuqing.crawlers.blocks import BLOCKED, CAPTCHA, LOGIN, detect_block, next_backoff
from yuqing.crawlers.dedup import NearDuplicateIndex, hamming, simhash, to_signed, to_unsigned
from yuqing.crawlers.encoding import decode_html, sniff_encoding
from yuqing.crawlers.matching import EXCLUDED, LOOKALIKE_ONLY, NO_KEYWORD, NO_LOCALITY, LocalityMatcher
from yuqing.crawlers.textutil import html_to_text, parse_count
from yuqing.crawlers.timeparse import find_time, parse_time
from yuqing.crawlers.urls import bid_to_mid, canonical_url, identity_of, mid_to_bid, url_identity
from yuqing.store import post_key

SH = ZoneInfo("Asia/Shanghai")
#: Friday 2026-11-20 14:00 in Shanghai
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)


def local(text):
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# -- time parsing -------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("刚刚", "2026-11-20 14:00"),
        ("5分钟前", "2026-11-20 13:55"),
        ("3小时前", "2026-11-20 11:00"),
        ("半小时前", "2026-11-20 13:30"),
        ("2天前", "2026-11-18 14:00"),
        ("今天 12:30", "2026-11-20 12:30"),
        ("昨天 08:00", "2026-11-19 08:00"),
        ("前天 23:10", "2026-11-18 23:10"),
        ("11月20日 14:00", "2026-11-20 14:00"),
        ("12月1日 09:00", "2025-12-01 09:00"),  # a year-less date in the future is last year's
        ("2026-11-20 12:00", "2026-11-20 12:00"),
        ("2026-11-20 12:00:30", "2026-11-20 12:00:30"),
        ("2026/11/20 08:05", "2026-11-20 08:05"),
        ("2026.11.20", "2026-11-20 00:00"),
        ("2026年11月20日", "2026-11-20 00:00"),
        ("2026年11月20日 下午3:05", "2026-11-20 15:05"),
        ("2026年11月20日 晚上8点30分", "2026-11-20 20:30"),
        ("发布时间：2019-09-18 06:23 来源：山西日报", "2019-09-18 06:23"),
        ("2007-08-20-23:59:59", "2007-08-20 23:59:59"),
        ("06-14", "2026-06-14 00:00"),  # m.weibo.cn, older API
        ("7-6", "2026-07-06 00:00"),  # 贴吧 list
        ("12:30", "2026-11-20 12:30"),  # 贴吧 list, today
        ("15:30", "2026-11-19 15:30"),  # a clock time later than now is yesterday's
        ("１１月２０日 １０：００", "2026-11-20 10:00"),  # full-width digits
    ],
)
def test_chinese_times_relative_to_now_in_shanghai(text, expected):
    assert parse_time(text, now=NOW) == local(expected).astimezone(timezone.utc)


@pytest.mark.parametrize(
    "value, expected_utc",
    [
        ("Sat Jun 29 12:40:09 +0800 2013", datetime(2013, 6, 29, 4, 40, 9, tzinfo=timezone.utc)),
        ("Tue, 10 Jun 2003 04:00:00 GMT", datetime(2003, 6, 10, 4, 0, tzinfo=timezone.utc)),
        ("2019-09-07T13:43:45+08:00", datetime(2019, 9, 7, 5, 43, 45, tzinfo=timezone.utc)),
        ("2026-11-20T04:00:00Z", datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)),
        (1494468860, datetime(2017, 5, 11, 2, 14, 20, tzinfo=timezone.utc)),
        ("1494468860000", datetime(2017, 5, 11, 2, 14, 20, tzinfo=timezone.utc)),
        (1494468860000, datetime(2017, 5, 11, 2, 14, 20, tzinfo=timezone.utc)),
    ],
)
def test_zoned_formats_and_timestamps(value, expected_utc):
    result = parse_time(value, now=NOW)
    assert result == expected_utc and result.tzinfo is not None


@pytest.mark.parametrize("junk", ["", None, "garbage", "1天内", "第13届", "42", True, "2026年13月45日"])
def test_unreadable_times_are_none(junk):
    assert parse_time(junk, now=NOW) is None


def test_a_long_run_of_digits_is_read_in_linear_time():
    # the relative-time pattern used to retry its count from every digit: 40,000 digits took minutes
    import time

    start = time.perf_counter()
    for junk in ("1" * 40_000, "19" * 20_000, "12 " * 10_000 + "5分钟"):
        assert parse_time(junk, now=NOW) is None
    assert time.perf_counter() - start < 2
    assert parse_time("x" * 1000 + "12345分钟前", now=NOW) == datetime(2026, 11, 11, 16, 15, tzinfo=timezone.utc)


def test_naive_datetimes_are_local_time_and_now_must_be_aware():
    assert parse_time(datetime(2026, 11, 20, 8, 0), now=NOW) == datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        parse_time("5分钟前", now=datetime(2026, 11, 20))


def test_find_time_ignores_relative_words_in_running_text():
    assert find_time("刚刚看到的消息，2019年5月18日下午召开", now=NOW) == local("2019-05-18 00:00").astimezone(timezone.utc)
    assert find_time("记者刚刚获悉", now=NOW) is None


# -- counts and text ------------------------------------------------------------

@pytest.mark.parametrize("value, n", [(12, 12), ("1,234", 1234), ("1.2万", 12000), ("100万+", 1_000_000),
                                      ("3亿", 300_000_000), ("转发 12", 12), ("转发", 0), (None, 0), ("评论 5", 5)])
def test_engagement_counts(value, n):
    assert parse_count(value) == n


def test_html_fragments_keep_line_breaks_and_emoticons():
    text = html_to_text('搬完这块砖<span class="url-icon"><img alt=[偷笑] src="x.png"></span><br />明天继续<script>x()</script>')
    assert text == "搬完这块砖[偷笑]\n明天继续"


# -- locality ----------------------------------------------------------------

@pytest.fixture
def matcher(tmp_path):
    cfg = make_config(tmp_path, keywords={"include": ["拆迁", "欠薪"], "exclude": ["招聘", "re:代理.{0,4}加盟"]})
    return LocalityMatcher.for_source(cfg)


def test_names_aliases_units_and_terms_match(matcher):
    assert matcher.match("东湖街道幸福社区拆迁补偿太低", "").matched == ["东湖街道", "幸福社区", "拆迁"]
    assert matcher.match("", "云溪大道发生车祸").locality == ["云溪", "云溪大道"]
    assert matcher.match("", "县长 接访").keep is False  # an official's title alone is not the locality


def test_lookalike_never_counts_on_its_own(matcher):
    verdict = matcher.match("云溪区召开经济工作会议", "云溪区地区生产总值增长6.8%")
    assert (verdict.keep, verdict.reason, verdict.detail) == (False, LOOKALIKE_ONLY, "云溪区")
    both = matcher.match("云溪区到云溪县城的公交什么时候开通？", "")
    assert both.keep and both.locality == ["云溪县", "云溪"]


def test_exclude_rules_plain_and_regex_win(matcher):
    assert matcher.match("城关镇招聘保安", "").reason == EXCLUDED
    verdict = matcher.match("云溪县奶茶店代理品牌加盟", "")
    assert (verdict.reason, verdict.detail) == (EXCLUDED, "re:代理.{0,4}加盟")
    assert matcher.match("在杭州吃到云溪米粉", "").keep  # a mention is a mention; relevance is classify's call
    assert matcher.match("西湖边的银杏黄了", "").reason == NO_LOCALITY


def test_full_width_and_spaces_do_not_hide_a_name(matcher):
    assert matcher.match("云 溪 县城关镇", "").keep


def test_a_post_in_traditional_characters_names_the_locality(matcher):
    told = matcher.match("雲溪縣東湖街道幸福社區拆遷補償太低", "")
    assert told.keep and {"云溪县", "东湖街道", "幸福社区", "拆迁"} <= set(told.matched)
    assert matcher.match("雲溪區召開經濟工作會議", "").reason == LOOKALIKE_ONLY


def test_per_source_overrides(tmp_path):
    cfg = make_config(tmp_path, keywords={"include": ["拆迁"], "exclude": ["招聘"]}, sources=[
        {"name": "board", "kind": "board", "require_locality": False, "exclude": ["测试"]},
        {"name": "strict", "kind": "weibo", "keywords": ["欠薪"], "options": {"require_keyword": True}},
    ])
    board = LocalityMatcher.for_source(cfg, cfg.source("board"))
    assert board.match("咨询社保缴费基数", "").keep  # the county's own board: every letter is about it
    assert board.match("测试留言", "").reason == EXCLUDED and board.match("招聘", "").reason == EXCLUDED
    strict = LocalityMatcher.for_source(cfg, cfg.source("strict"))
    assert strict.match("云溪县拆迁", "").reason == NO_KEYWORD
    assert strict.match("云溪县工地欠薪", "").matched == ["云溪县", "云溪", "欠薪"]


# -- URLs and identities ----------------------------------------------------------

@pytest.mark.parametrize(
    "url, canonical",
    [
        ("HTTP://WWW.Example.com:80/a/b.html?utm_source=wx&id=3&spm=1.2#frag", "http://www.example.com/a/b.html?id=3"),
        ("https://baijiahao.baidu.com/s?id=1783&wfr=spider&for=pc", "https://baijiahao.baidu.com/s?id=1783"),
        ("http://127.0.0.1:8765/news/a.html?from=timeline&share_token=abc&isappinstalled=0", "http://127.0.0.1:8765/news/a.html"),
        ("https://x.cn/p?b=2&a=1&utm_medium=social&share_source=copy", "https://x.cn/p?a=1&b=2"),
        ("http://mp.weixin.qq.com/s?__biz=MzA5==&mid=26&idx=2&sn=e1&chksm=8b&scene=6#rd",
         "http://mp.weixin.qq.com/s?__biz=MzA5%3D%3D&idx=2&mid=26&sn=e1"),
    ],
)
def test_canonical_urls_drop_tracking(url, canonical):
    assert canonical_url(url) == canonical


def test_a_temporary_weixin_link_keeps_what_identifies_it():
    assert "signature=abc" in canonical_url("http://mp.weixin.qq.com/s?src=3&timestamp=1500052504&signature=abc")


def test_weibo_ids_convert_both_ways_from_the_real_2017_page():
    # search.html: <div mid="4106162368327071"> links to weibo.com/2878821573/F2AjiyWfB
    assert mid_to_bid(4106162368327071) == "F2AjiyWfB" and bid_to_mid("F2AjiyWfB") == "4106162368327071"
    assert bid_to_mid("HyZVegYAP") == "4383411844046171"  # weibo_mobile/retweet01.json
    assert url_identity("http://weibo.com/2878821573/F2AjiyWfB?refer_flag=1001030103_") == "weibo:4106162368327071"
    assert url_identity("https://m.weibo.cn/status/4106162368327071") == "weibo:4106162368327071"


def test_identity_prefers_platform_ids_then_urls_then_text():
    assert identity_of({"identity": "tieba:150719031818", "url": "https://x.cn/a"}) == "tieba:150719031818"
    assert identity_of({"url": "https://tieba.baidu.com/p/9117905169?pid=150719031818&cid=0#150719031818"}) == "tieba:150719031818"
    assert identity_of({"url": "https://x.cn/a?utm_source=1"}) == "url:https://x.cn/a"
    a = identity_of({"title": "路灯坏了", "text": "幸福社区北门 路灯坏了"})
    assert a.startswith("text:") and a == identity_of({"title": "路灯坏了", "text": "幸福社区北门路灯坏了"})
    assert post_key(url_identity("https://x.cn/a?from=groupmessage")) == post_key(url_identity("https://x.cn/a"))


# -- near-duplicates ------------------------------------------------------------

ORIGINAL = "云溪县白沙镇化工厂又在偷排污水了，河水都变成黄色，味道刺鼻，村民根本不敢用水。"


def test_short_reposts_and_copies_are_linked_where_simhash_alone_fails():
    index = NearDuplicateIndex()
    index.add(1, ORIGINAL)
    index.add(2, "云溪县城关镇今天举办第十届稻花节，现场热闹非凡，游客络绎不绝。")
    copy = "转发：云溪县白沙镇化工厂又在偷排污水了!!河水都变成了黄色，气味刺鼻，村民根本不敢用 @云溪发布 http://t.cn/abc"
    assert index.find(copy)[0] == 1
    assert hamming(simhash(ORIGINAL), simhash(copy)) > 3  # what SimHash alone would have missed
    assert index.find("白沙镇村民反映自来水有异味，已向县水务局报告，等待检测结果。") is None
    assert index.find(ORIGINAL, exclude=1) is None  # a post is not its own duplicate


def test_long_copied_articles_are_linked_by_simhash():
    body = "".join(f"第{i}段：环保督察组在白沙工业园检查企业排污情况，责令限期整改。" for i in range(30))
    index = NearDuplicateIndex()
    index.add(7, body)
    match = index.find("来源：云溪融媒\n" + body + "\n责任编辑：王五")
    assert match is not None and match[0] == 7 and match[1] > 0.95
    assert index.find(body.replace("环保督察组", "教育督导组").replace("排污", "招生")) is None


def test_simhash_fits_a_signed_bigint():
    for text in (ORIGINAL, "a", "云溪" * 200):
        value = simhash(text)
        signed = to_signed(value)
        assert -(2**63) <= signed < 2**63 and to_unsigned(signed) == value


# -- encodings ------------------------------------------------------------------

def test_gbk_pages_decode_whatever_they_declare():
    page = '<html><head><meta charset="utf-8"><title>网络繁忙</title></head><body>抱歉，网络繁忙</body></html>'
    body = page.encode("gbk")
    text, enc = decode_html(body, "utf-8")
    assert enc == "gb18030" and "抱歉，网络繁忙" in text


def test_real_gbk_originals_and_the_utf8_page_that_declares_gb2312():
    folder = shared_data("pages", "weibo_pc", "original_gbk")
    for name, phrase in [("error_banned.html", "您的帐号存在异常"), ("error_busy.html", "抱歉，网络繁忙"),
                         ("error_loginerror.html", "新浪通行证")]:
        text, enc = decode_html((folder / name).read_bytes())
        assert enc == "gb18030" and phrase in text
    qq = shared_data("pages", "news", "qq_2.html").read_bytes()
    assert b'charset=gb2312' in qq[:3000].lower()
    text, enc = decode_html(qq)
    assert enc == "utf-8" and "数据业大整顿" in text


def test_sniffing_handles_boms_ascii_and_truncated_utf8():
    assert sniff_encoding(b"\xef\xbb\xbfhello") == "utf-8"
    assert sniff_encoding(b"<html>plain</html>", "gbk") == "gb18030"
    cut = ("云溪县" * 400).encode("utf-8")[:-1]  # a page cut inside its last character
    assert sniff_encoding(cut) == "utf-8"


# -- block pages ------------------------------------------------------------------

@pytest.mark.parametrize(
    "folder, name, state, rule",
    [
        ("weibo_pc", "error_accessdeny.html", CAPTCHA, "weibo_access_denied"),
        ("weibo_pc", "error_banned.html", BLOCKED, "weibo_account_banned"),
        ("weibo_pc", "error_busy.html", BLOCKED, "weibo_busy"),
        ("weibo_pc", "error_loginerror.html", LOGIN, "sina_login_error"),
        ("weibo_pc/original_gbk", "error_banned.html", BLOCKED, "weibo_account_banned"),
        ("weibo_pc/original_gbk", "error_busy.html", BLOCKED, "weibo_busy"),
        ("weibo_pc/original_gbk", "error_loginerror.html", LOGIN, "sina_login_error"),
        ("sogou_weixin", "search-gaokao-gzh-error.html", CAPTCHA, "sogou_antispider"),
    ],
)
def test_real_block_pages_are_recognised(folder, name, state, rule):
    text, _ = decode_html(shared_data("pages", *folder.split("/"), name).read_bytes())
    block = detect_block("https://s.weibo.com/weibo?q=x", 200, text)
    assert block is not None and (block.state, block.rule) == (state, rule)
    assert block.reason  # shown to monitors


def test_content_pages_are_not_blocks():
    pages = shared_data("pages")
    for path in [*sorted((pages / "news").glob("*.html")), pages / "weibo_pc" / "search.html",
                 pages / "baidu_web" / "test_web_normal.html", pages / "tieba" / "list_1.html",
                 pages / "sogou_weixin" / "search-gaokao-article.html", pages / "weibo_mobile" / "cards1.json"]:
        text, _ = decode_html(path.read_bytes())
        assert detect_block("https://example.cn/x", 200, text) is None, path.name


def test_current_login_walls_and_rate_limits():
    assert detect_block("https://passport.weibo.com/visitor/visitor?entry=miniblog", 200, "").state == LOGIN
    assert detect_block("https://m.weibo.cn/api/container/getIndex", 200, '{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome"}').state == LOGIN
    assert detect_block("https://m.weibo.cn/api/x", 200, '{"ok":0,"msg":"请求过于频繁，歇歇吧","errno":"100005"}').state == BLOCKED
    assert detect_block("https://wappass.baidu.com/static/captcha/tuxing.html", 200, "").state == CAPTCHA
    assert detect_block("https://www.baidu.com/s", 429, "").state == BLOCKED
    assert detect_block("https://www.baidu.com/s", 404, "<title>404</title>") is None


def test_back_off_doubles_and_is_capped():
    from datetime import timedelta

    busy = detect_block("https://m.weibo.cn/api/x", 429, "")
    first = next_backoff(busy, None)
    assert first == busy.backoff
    assert next_backoff(busy, first) == 2 * first
    assert next_backoff(busy, timedelta(hours=40)) == timedelta(hours=48)


def test_locality_fixture_is_the_fictional_county():
    assert LOCALITY["name"] == "云溪县" and "云溪区" in LOCALITY["lookalikes"]
