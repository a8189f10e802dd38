"""One way to show a time: stored in UTC, shown in the deployment's zone."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from yuqing.localtime import local_text, to_local

T = datetime(2026, 11, 20, 9, 5, tzinfo=timezone.utc)  # 17:05 in Shanghai


def test_a_utc_time_is_shown_in_the_zone():
    assert local_text(T) == "2026-11-20 17:05"
    assert local_text(T, "Asia/Urumqi") == "2026-11-20 15:05"
    assert local_text(T, ZoneInfo("Asia/Shanghai"), "%m月%d日 %H:%M") == "11月20日 17:05"


def test_a_naive_time_is_utc_as_stored_and_a_missing_one_a_dash():
    assert local_text(T.replace(tzinfo=None)) == "2026-11-20 17:05"
    assert to_local(T.replace(tzinfo=None)) == T
    assert local_text(None) == "—" and local_text(None, empty="") == ""
