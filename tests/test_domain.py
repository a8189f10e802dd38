"""The four levels are one ordered type; the seven steps are in order."""
import pytest

from yuqing.domain import Level, Step


def test_levels_are_ordered_by_severity():
    assert Level.SPECIAL > Level.MAJOR > Level.GENERAL > Level.MINOR
    assert [lv.label for lv in Level.descending()] == ["特别重大", "重大或较大", "一般", "影响较小"]
    assert [lv.roman for lv in Level.descending()] == ["I", "II", "III", "IV"]
    assert max(Level.MINOR, Level.MAJOR) is Level.MAJOR


@pytest.mark.parametrize("text, level", [("特别重大", Level.SPECIAL), ("II", Level.MAJOR), ("general", Level.GENERAL), (1, Level.MINOR)])
def test_level_parse(text, level):
    assert Level.parse(text) is level


def test_level_parse_error_lists_allowed():
    with pytest.raises(ValueError, match="allowed: 特别重大、重大或较大、一般、影响较小"):
        Level.parse("严重")


def test_steps():
    assert [s.label for s in Step] == ["发现舆情", "监测舆情", "快报事实", "会商措施", "形成通稿", "正面回复", "跟踪引导"]
    assert Step.parse("reply") is Step.REPLY
    assert Step.parse("6") is Step.REPLY
    assert Step.parse("会商措施") is Step.CONSULT
