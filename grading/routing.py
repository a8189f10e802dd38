"""Graded response (分级响应, SPEC §2): who leads and who must be informed at each level.

The table lives in the configuration (``alerts.routing``: level → lead, inform);
this module reads it for one level and words it for people. ``alerts/`` uses it
to address reports and notifications; the event pages show it beside the level.
"""
from __future__ import annotations

from dataclasses import dataclass

from yuqing.domain import Level


@dataclass(frozen=True)
class Response:
    level: Level
    lead: str  # who leads the response
    inform: tuple[str, ...]  # who must be reported to
    propaganda: str | None  # the county 宣传部, told of every level-I issue

    @property
    def audience(self) -> list[str]:
        """Everyone who hears of the issue: the lead, those informed, 宣传部 for level I; no repeats."""
        names = [self.lead, *self.inform]
        if self.propaganda:
            names.append(self.propaganda)
        return list(dict.fromkeys(n for n in names if n))

    def describe(self) -> str:
        """One line in Chinese, e.g. ``II级（重大或较大）：分管领导牵头，报领导小组、县政府、县委宣传部``."""
        told = list(dict.fromkeys([*self.inform, *([self.propaganda] if self.propaganda else [])]))
        return f"{self.level.roman}级（{self.level.label}）：{self.lead}牵头，报{'、'.join(told)}"


def response_for(cfg, level) -> Response:
    """The configured response to an issue at ``level`` (a Level, its Chinese name or number)."""
    level = Level.parse(level)
    route = cfg.alerts.route(level)
    propaganda = cfg.alerts.propaganda_contact if level == Level.SPECIAL else None
    return Response(level=level, lead=route.lead, inform=tuple(route.inform), propaganda=propaganda)


def lead_for(cfg, level) -> str:
    return response_for(cfg, level).lead


def inform_for(cfg, level) -> list[str]:
    """Who must be informed at ``level`` (the lead is not repeated)."""
    r = response_for(cfg, level)
    return [n for n in r.audience if n != r.lead]


def table(cfg) -> list[Response]:
    """The whole table, most severe first (for help pages and reports)."""
    return [response_for(cfg, lv) for lv in Level.descending()]
