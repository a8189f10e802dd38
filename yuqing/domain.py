"""The domain's words, defined once: the four levels, the seven steps, the roles.

Everything else in yuqing imports these. They are plain enums with no
database or web dependency, so any stage can use them.

Glossary (Chinese term → identifier):
    舆情 post/issue → ``Post`` / ``Event``;  预警 → ``Alert``;  级别 → ``Level``;
    处置步骤 → ``Step``;  角色 → ``Role``;  通稿 → statement;  会商 → consult;
    舆情联系单 → liaison form;  日报 → digest;  月报 → monthly report.
"""
from __future__ import annotations

import enum


class Level(enum.IntEnum):
    """The official four-level severity scale. Larger value = more severe.

    ``Level.SPECIAL > Level.MINOR`` holds, so ``max()`` gives the most severe.
    """

    MINOR = 1  # IV 影响较小
    GENERAL = 2  # III 一般
    MAJOR = 3  # II 重大或较大
    SPECIAL = 4  # I 特别重大

    @property
    def label(self) -> str:
        """The Chinese name, as shown to users and written in reports."""
        return _LEVEL_LABELS[self]

    @property
    def roman(self) -> str:
        """The official numeral: I is the most severe."""
        return {4: "I", 3: "II", 2: "III", 1: "IV"}[int(self)]

    @classmethod
    def parse(cls, value: "str | int | Level") -> "Level":
        """Accept a Level, its Chinese name, its English name, numeral or value."""
        if isinstance(value, Level):
            return value
        if isinstance(value, int):
            return cls(value)
        text = str(value).strip()
        for level in cls:
            if text in (level.label, level.name, level.name.lower(), level.roman, str(int(level))):
                return level
        allowed = "、".join(level.label for level in cls.descending())
        raise ValueError(f"unknown level {value!r}; allowed: {allowed}")

    @classmethod
    def descending(cls) -> list["Level"]:
        """Most severe first, the order of every list shown to users."""
        return sorted(cls, reverse=True)


_LEVEL_LABELS = {
    Level.SPECIAL: "特别重大",
    Level.MAJOR: "重大或较大",
    Level.GENERAL: "一般",
    Level.MINOR: "影响较小",
}


class Step(enum.IntEnum):
    """The seven steps of the response procedure, in order."""

    DISCOVER = 1  # 发现舆情
    MONITOR = 2  # 监测舆情
    REPORT = 3  # 快报事实
    CONSULT = 4  # 会商措施
    STATEMENT = 5  # 形成通稿
    REPLY = 6  # 正面回复
    FOLLOW_UP = 7  # 跟踪引导

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]

    @classmethod
    def parse(cls, value: "str | int | Step") -> "Step":
        if isinstance(value, Step):
            return value
        if isinstance(value, int) or str(value).strip().isdigit():
            return cls(int(value))
        text = str(value).strip()
        for step in cls:
            if text in (step.label, step.name, step.name.lower(), step.label[:2]):
                return step
        allowed = ", ".join(f"{s.value}={s.name.lower()}({s.label})" for s in cls)
        raise ValueError(f"unknown step {value!r}; allowed: {allowed}")


_STEP_LABELS = {
    Step.DISCOVER: "发现舆情",
    Step.MONITOR: "监测舆情",
    Step.REPORT: "快报事实",
    Step.CONSULT: "会商措施",
    Step.STATEMENT: "形成通稿",
    Step.REPLY: "正面回复",
    Step.FOLLOW_UP: "跟踪引导",
}


class AlertStatus(enum.StrEnum):
    """Where an alert stands: being handled, finished (办结), or found a false alarm (误报).

    A ``StrEnum``: equal to its value (``AlertStatus.OPEN == "open"``); stored as the value."""

    OPEN = "open"
    CLOSED = "closed"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return {"open": "办理中", "closed": "已办结", "dismissed": "误报"}[self.value]


class Role(str, enum.Enum):
    """Who a user is in the office (SPEC §1). Permissions hang off roles."""

    MONITOR = "monitor"  # 舆情监控员 / 信息员
    COMMENTATOR = "commentator"  # 网评员
    OFFICE = "office"  # 领导小组办公室 (also 科室负责人)
    LEADER = "leader"  # 领导小组 / 分管领导
    ANALYST = "analyst"  # 分析员
    ADMIN = "admin"  # 管理员

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.MONITOR: "舆情监控员",
    Role.COMMENTATOR: "网评员",
    Role.OFFICE: "领导小组办公室",
    Role.LEADER: "领导",
    Role.ANALYST: "分析员",
    Role.ADMIN: "管理员",
}


class MediaLevel(str, enum.Enum):
    """How far a source's voice carries (央媒 / 省媒 / 本地媒体 / 自媒体)."""

    CENTRAL = "central"
    PROVINCIAL = "provincial"
    LOCAL = "local"
    SELF = "self"

    @property
    def label(self) -> str:
        return {"central": "中央媒体", "provincial": "省级媒体", "local": "本地媒体", "self": "自媒体"}[self.value]


#: Topics (risk areas) of SPEC §2; a deployment may configure its own list.
DEFAULT_TOPICS = (
    "脱贫攻坚",
    "生态环境",
    "金融债务",
    "征地拆迁",
    "教育医疗",
    "社会保障",
    "公共安全",
    "社会稳定",
    "退役军人",
    "权力监督",
    "其他",
)

#: Hours from the issue arising to the positive reply (SPEC §2 step 6).
DEFAULT_REPLY_HOURS = 12

#: The zone every time is shown in; times are stored in UTC.
DISPLAY_TZ = "Asia/Shanghai"

#: The earliest year a date given by a person may lie in (a post's publish time, a digest's date, a
#: report's month), in local time: an earlier one is a typo, not anything the office watched.
EARLIEST_YEAR = 2000
