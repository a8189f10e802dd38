"""Recognising pages that are not content: login walls, captchas, bans, "network busy".

A crawler that stores these as posts fills the store with junk and keeps
hammering a site that has already said no. :func:`detect_block` looks at a
response (URL, status, decoded text) and returns a :class:`Block` naming the
source state (``login``, ``captcha`` or ``blocked``) and a reason in Chinese
for the monitors, or None for an ordinary page. The block middleware stops
the source and the health extension sets ``SourceStatus.state`` and
``backoff_until``.

The rules are written against real pages (``../shared/data/pages``): weibo's
访问受限 captcha page, the 新浪通行证 login error, the 帐号存在异常 (20003)
ban, the 网络繁忙 page, and 搜狗's 您的访问出错了 anti-spider page; plus the
current equivalents (passport.weibo.com visitor walls, m.weibo.cn JSON errors,
百度安全验证, the WeChat 环境异常 check).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

LOGIN, CAPTCHA, BLOCKED = "login", "captcha", "blocked"
BLOCK_STATES = (LOGIN, CAPTCHA, BLOCKED)


@dataclass(frozen=True)
class Block:
    state: str  # login, captcha or blocked
    reason: str  # shown to monitors (Chinese)
    rule: str  # which rule fired (for logs and tests)
    backoff: timedelta  # the first back-off for this kind of block

    def __str__(self) -> str:
        return f"{self.state}: {self.reason}"


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TAGS = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.I | re.S)


def _title(text: str) -> str:
    m = _TITLE.search(text[:20000])
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


def _visible(text: str, limit: int = 60000) -> str:
    return re.sub(r"\s+", " ", _TAGS.sub(" ", text[:limit]))


def _json_block(text: str) -> Block | None:
    head = text.lstrip()[:2000]
    if not head.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    ok = data.get("ok")
    msg = str(data.get("msg") or data.get("message") or data.get("errmsg") or "")
    url = str(data.get("url") or "")
    if ok == -100 or "passport.weibo" in url or ("login" in url.lower() and ok in (0, -100)):
        return Block(LOGIN, "微博接口要求登录（ok=-100），请配置登录 Cookie", "weibo_json_login", timedelta(hours=6))
    if "频繁" in msg or str(data.get("errno")) in ("100005", "20003") or data.get("error_code") in (10023, 10024):
        return Block(BLOCKED, f"接口限制访问：{msg or data.get('errno')}", "json_rate_limited", timedelta(hours=1))
    return None


def detect_block(url: str, status: int, text: str) -> Block | None:
    """The block this response is, or None. ``text`` is the decoded body (may be empty for binary)."""
    host = (urlsplit(url).hostname or "").lower()
    path = urlsplit(url).path.lower()
    if host.startswith("passport.weibo") or host == "login.sina.com.cn" or host.startswith("passport.sina"):
        return Block(LOGIN, "被重定向到新浪登录页，需要登录 Cookie", "weibo_passport", timedelta(hours=6))
    if host == "wappass.baidu.com" or "/static/captcha" in path:
        return Block(CAPTCHA, "百度安全验证（需要输入验证码）", "baidu_wappass", timedelta(hours=2))
    if "antispider" in path or host == "antispider.sogou.com":
        return Block(CAPTCHA, "搜狗反爬验证页（访问过于频繁）", "sogou_antispider_url", timedelta(hours=2))
    js = _json_block(text) if text else None
    if js:
        return js
    title = _title(text) if text else ""
    if text and len(text) < 400_000:
        body = _visible(text)
        if "访问受限" in title and "验证码" in body:
            return Block(CAPTCHA, "微博访问受限：需要输入验证码", "weibo_access_denied", timedelta(hours=2))
        if "帐号存在异常" in body or "账号存在异常" in body or "(20003)" in body:
            return Block(BLOCKED, "微博账号异常被限制登录（20003）", "weibo_account_banned", timedelta(hours=24))
        if "网络繁忙" in body and ("404错误" in title or "请稍后再试" in body) and len(body) < 20000:
            return Block(BLOCKED, "微博提示“抱歉，网络繁忙”（限流）", "weibo_busy", timedelta(minutes=30))
        if "新浪通行证" in title and ("retcode=" in text or "ajaxlogin" in text):
            return Block(LOGIN, "新浪通行证登录失败（登录名或密码错误 / Cookie 失效）", "sina_login_error", timedelta(hours=6))
        if title.startswith("Sina Visitor System") or "visitor/visitor" in text[:5000]:
            return Block(LOGIN, "新浪访客验证页，需要登录 Cookie", "weibo_visitor", timedelta(hours=6))
        if "您的访问出错了" in body and ("验证码" in body or "seccodeImage" in text):
            return Block(CAPTCHA, "搜狗：您的访问过于频繁，需要输入验证码", "sogou_antispider", timedelta(hours=2))
        if "百度安全验证" in title or ("网络不给力" in body and "安全验证" in body):
            return Block(CAPTCHA, "百度安全验证（需要输入验证码）", "baidu_security_check", timedelta(hours=2))
        if "环境异常" in body and "完成验证后即可继续访问" in body:
            return Block(CAPTCHA, "微信：当前环境异常，需要完成验证", "weixin_env_check", timedelta(hours=2))
        if title in ("登录", "用户登录", "请登录", "账号登录") and len(body) < 5000:
            return Block(LOGIN, f"需要登录：{title}", "login_title", timedelta(hours=6))
    if status == 429:
        return Block(BLOCKED, "HTTP 429：请求过多，被限流", "http_429", timedelta(minutes=30))
    if status == 403 and host and any(h in host for h in ("weibo", "baidu", "sogou", "qq.com", "youdao")):
        return Block(BLOCKED, "HTTP 403：站点拒绝访问", "http_403", timedelta(hours=1))
    return None


def next_backoff(block: Block, previous: timedelta | None, cap: timedelta = timedelta(hours=48)) -> timedelta:
    """Back off longer each time a source is blocked again: double the previous span, at least the rule's own."""
    if previous is None or previous <= timedelta(0):
        return min(block.backoff, cap)
    return min(max(block.backoff, previous * 2), cap)


__all__ = ["Block", "detect_block", "next_backoff", "LOGIN", "CAPTCHA", "BLOCKED", "BLOCK_STATES"]
