"""Publish times as Chinese sites show them, parsed to timezone-aware UTC.

One function, :func:`parse_time`, handles what the sources print: 刚刚,
5分钟前, 半小时前, 3小时前, 今天 12:30, 昨天 08:00, 前天, 11月20日 14:00,
06-14 (m.weibo.cn), 7-6 and 12:30 (贴吧 lists), 2026-11-20 12:00,
2026/11/20, 2026年11月20日 下午3:05, ISO 8601 with offsets, RFC 822 (RSS),
weibo's ``Sat Jun 29 12:40:09 +0800 2013``, and epoch timestamps in seconds or
milliseconds. Relative forms are resolved against an injectable ``now``;
times without a zone are taken as local time in ``tz`` (Asia/Shanghai unless
the deployment says otherwise). A year-less date that would lie in the future
is taken from the previous year. Anything unrecognised gives ``None``.
"""
from __future__ import annotations

import re
import time as _time
import unicodedata
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"

_WEIBO = re.compile(r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4}) (\d{4})")
_RFC822 = re.compile(r"^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(:\d{2})?\s*([A-Z]{1,4}|[+-]\d{4})?$")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_PERIOD = r"(上午|下午|晚上|晚间|凌晨|早上|中午|傍晚|夜间)?"
_CLOCK = _PERIOD + r"\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})\s*秒?)?"
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})(?![\d:])"
)
_ABSOLUTE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:[\sT\-,，]*" + _CLOCK + r")?"
)
# (?<!\d): a count starts where its digits start, so a long run of digits is tried once, not from each digit
_RELATIVE = re.compile(r"((?<!\d)\d+|半|一|两|二|三|几)\s*(秒钟|秒|分钟|分|个小时|小时|天|日|周|星期|个月|月|年)\s*(?:以)?前")
_DAY_WORD = re.compile(r"(今天|昨天|前天|今日|昨日)(?:\s*" + _CLOCK + r")?")
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:\s*" + _CLOCK + r")?")
_DASH_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_CLOCK_ONLY = re.compile(r"^" + _PERIOD + r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_NUMBER_WORDS = {"半": 0.5, "一": 1, "两": 2, "二": 2, "三": 3, "几": 3}
_UNIT_SECONDS = {
    "秒": 1, "秒钟": 1, "分": 60, "分钟": 60, "小时": 3600, "个小时": 3600, "天": 86400, "日": 86400,
    "周": 7 * 86400, "星期": 7 * 86400, "个月": 30 * 86400, "月": 30 * 86400, "年": 365 * 86400,
}


@lru_cache(maxsize=16)
def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or DEFAULT_TZ)


def parse_time(value, now: datetime | None = None, tz: str | None = DEFAULT_TZ) -> datetime | None:
    """Parse ``value`` (text, timestamp, struct_time or datetime) to an aware UTC datetime, or None."""
    zone = _zone(tz)
    now = _aware_now(now)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _to_utc(value if value.tzinfo else value.replace(tzinfo=zone))
    if isinstance(value, date):
        return _to_utc(datetime(value.year, value.month, value.day, tzinfo=zone))
    if isinstance(value, _time.struct_time):  # feedparser's *_parsed fields are UTC
        return datetime(*value[:6], tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return _from_timestamp(value)
    text = unicodedata.normalize("NFKC", str(value)).replace("&nbsp;", " ").strip()
    if not text:
        return None
    try:
        return _parse_text(text, now, zone)
    except (ValueError, OverflowError):
        return None


def _aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def _to_utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)


def _from_timestamp(value: float) -> datetime | None:
    if value > 1e14 or value < 0:  # microseconds or junk
        return None
    if value > 1e11:  # milliseconds
        value = value / 1000
    if value < 315532800:  # before 1980: not a publish time
        return None
    return datetime.fromtimestamp(value, tz=timezone.utc)


def _hour(period: str | None, hour: int) -> int:
    if period in ("下午", "晚上", "晚间", "傍晚", "夜间") and hour < 12:
        return hour + 12
    if period == "中午" and hour < 11:
        return hour + 12
    return hour


def _local(zone: ZoneInfo, y: int, mo: int, d: int, period=None, h=None, mi=None, s=None) -> datetime:
    hour = _hour(period, int(h)) if h is not None else 0
    return datetime(int(y), int(mo), int(d), hour, int(mi or 0), int(s or 0), tzinfo=zone)


def _yearless(zone: ZoneInfo, now: datetime, mo: int, d: int, period=None, h=None, mi=None, s=None) -> datetime:
    local_now = now.astimezone(zone)
    dt = _local(zone, local_now.year, mo, d, period, h, mi, s)
    if dt > local_now + timedelta(days=2):
        dt = _local(zone, local_now.year - 1, mo, d, period, h, mi, s)
    return dt


def _parse_text(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    if text.isdigit() and len(text) in (10, 13):
        return _from_timestamp(int(text))
    m = _WEIBO.search(text)
    if m:
        mon, day, hh, mm, ss, off, year = m.groups()
        if mon in _MONTHS:
            sign = 1 if off[0] == "+" else -1
            offset = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
            return _to_utc(datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=offset))
    if _RFC822.match(text):
        dt = parsedate_to_datetime(text)
        return _to_utc(dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc))
    m = _ISO.search(text)
    if m:
        y, mo, d, h, mi, s, off = m.groups()
        if off == "Z":
            zone_ = timezone.utc
        else:
            off = off.replace(":", "")
            sign = 1 if off[0] == "+" else -1
            zone_ = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
        return _to_utc(datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=zone_))
    m = _ABSOLUTE.search(text)
    if m:
        y, mo, d, period, h, mi, s = m.groups()
        if h is not None and int(h) > 23:
            h = mi = s = None
        return _to_utc(_local(zone, y, mo, d, period, h, mi, s))
    if "刚刚" in text or "刚才" in text:
        return now.astimezone(timezone.utc)
    m = _RELATIVE.search(text)
    if m:
        n, unit = m.groups()
        amount = _NUMBER_WORDS.get(n) or float(n)
        return _to_utc(now - timedelta(seconds=amount * _UNIT_SECONDS[unit]))
    m = _DAY_WORD.search(text)
    if m:
        word, period, h, mi, s = m.groups()
        back = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}[word]
        day = now.astimezone(zone).date() - timedelta(days=back)
        if h is None:
            return _to_utc(datetime(day.year, day.month, day.day, tzinfo=zone)) if back else now.astimezone(timezone.utc)
        return _to_utc(_local(zone, day.year, day.month, day.day, period, h, mi, s))
    m = _MONTH_DAY.search(text)
    if m:
        mo, d, period, h, mi, s = m.groups()
        return _to_utc(_yearless(zone, now, int(mo), int(d), period, h, mi, s))
    m = _DASH_MONTH_DAY.match(text)
    if m:
        mo, d, h, mi, s = m.groups()
        return _to_utc(_yearless(zone, now, int(mo), int(d), None, h, mi, s))
    m = _CLOCK_ONLY.match(text)
    if m:
        period, h, mi, s = m.groups()
        local_now = now.astimezone(zone)
        dt = _local(zone, local_now.year, local_now.month, local_now.day, period, h, mi, s)
        if dt > local_now + timedelta(minutes=5):  # a list showing 23:50 just after midnight
            dt -= timedelta(days=1)
        return _to_utc(dt)
    return None


def find_time(text: str, now: datetime | None = None, tz: str | None = DEFAULT_TZ) -> datetime | None:
    """Like :func:`parse_time` but only for absolute dates found anywhere in free text (article bylines)."""
    if not text:
        return None
    norm = unicodedata.normalize("NFKC", text)
    for pattern in (_ISO, _ABSOLUTE):
        m = pattern.search(norm)
        if m:
            return parse_time(m.group(0), now=now, tz=tz)
    return None


__all__ = ["parse_time", "find_time", "DEFAULT_TZ"]
