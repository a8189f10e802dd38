"""The procedure's transitions, declared once: from which step to which, who may, what it records.

Read by the workflow (:func:`yuqing.alerts.workflow.next_steps` and ``advance``), by
the web app's buttons (``allowed_actions``) and by the role checks alike. Steps 1
发现 and 2 监测 open by themselves when the alert opens; closing (缓退、平息) from
step 7 and dismissing (误报) are actions of their own, not steps.
"""
from __future__ import annotations

from dataclasses import dataclass

from yuqing.alerts import permissions as perm
from yuqing.domain import Step


@dataclass(frozen=True)
class Transition:
    source: Step  # the alert's current step
    target: Step  # the step recorded
    permission: str  # who may (see alerts/permissions.py)
    records: str  # what the office records with it (Chinese, as the forms ask)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Step.MONITOR, Step.REPORT, perm.REPORT, "快报事实：时间、地点、涉及人员、简要经过、信息来源"),
    Transition(Step.REPORT, Step.CONSULT, perm.CONSULT, "会商结果（重大或较大及以上须先记录县级处置意见）"),
    Transition(Step.CONSULT, Step.STATEMENT, perm.STATEMENT_STEP, "三审三校后审定的通稿"),
    Transition(Step.STATEMENT, Step.REPLY, perm.REPLY, "正面回复的内容或发布链接（回复时限就此停止）"),
    Transition(Step.REPLY, Step.FOLLOW_UP, perm.FOLLOW_UP, "开始跟踪引导"),
    Transition(Step.FOLLOW_UP, Step.CONSULT, perm.FOLLOW_UP, "退回会商：跟踪中出现无法解答的疑问"),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def from_step(step: Step) -> list[Transition]:
    """The transitions out of ``step``, in the table's order."""
    return [t for t in TRANSITIONS if t.source == step]


def transition(source: Step, target: Step) -> Transition | None:
    return _BY_PAIR.get((Step(source), Step(target)))


def permission_to_record(step: Step) -> str:
    """The permission that records ``step`` when coming to it the usual way (for a step already open)."""
    return next(t.permission for t in TRANSITIONS if t.target == step and t.source == Step(step - 1))
