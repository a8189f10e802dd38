"""Who may do what: the permission table of the roles (SPEC §1).

Roles are data: :data:`ROLE_PERMISSIONS` maps each :class:`~yuqing.domain.Role`
to the permissions it holds, :func:`user_can` answers for one user and
:func:`require` raises :class:`~yuqing.errors.PermissionDenied` with a message
naming the action and the roles that may do it. The workflow checks every
action here; the web app checks the same table before showing a button and
again, server-side, when the form is posted.
"""
from __future__ import annotations

from typing import Any

from yuqing.domain import Role
from yuqing.errors import PermissionDenied

#: the actor name of automatic actions (sync, deadline checks)
SYSTEM = "system"

# -- permissions, with the words shown when one is refused --------------------
VIEW_ALERTS = "alerts.view"
REPORT = "alerts.report"  # step 3 快报事实
CONSULT = "alerts.consult"  # step 4 会商措施
STATEMENT_STEP = "alerts.statement"  # step 5 形成通稿 (recording the approved version)
REPLY = "alerts.reply"  # step 6 正面回复
FOLLOW_UP = "alerts.follow_up"  # step 7 跟踪引导, and looping back to 会商
LOG_FOLLOW_UP = "alerts.log_follow_up"  # log a follow-up post against step 2
REPLY_LINKS = "alerts.reply_links"  # 网评员 record the links of comments they posted
CLOSE = "alerts.close"  # 缓退、平息
DISMISS = "alerts.dismiss"  # 误报
REGRADE = "alerts.regrade"  # correct the level of an event
CORRECT_CLOCK = "alerts.clock"  # correct where the 12-hour clock starts
DRAFT = "statements.draft"
REVIEW_1 = "statements.review.1"  # 信息员初审
REVIEW_2 = "statements.review.2"  # 科室负责人复审
REVIEW_3 = "statements.review.3"  # 分管领导终审
LIAISON_SEND = "liaison.send"
LIAISON_ANSWER = "liaison.answer"
CORRECT_LABELS = "labels.correct"
SEARCH_POSTS = "posts.search"
VIEW_LEDGER = "ledger.view"
VIEW_AUDIT = "audit.view"
VIEW_REPORTS = "reports.view"
VIEW_DELIVERIES = "notifications.view"
VIEW_MODELS = "models.view"  # the 模型 page: versions, figures on the office's labels
SWITCH_MODELS = "models.switch"  # switch, roll back or retrain a model

LABELS = {
    VIEW_ALERTS: "查看预警",
    REPORT: "快报事实",
    CONSULT: "记录会商措施",
    STATEMENT_STEP: "确认通稿",
    REPLY: "记录正面回复",
    FOLLOW_UP: "跟踪引导",
    LOG_FOLLOW_UP: "记录跟踪舆情",
    REPLY_LINKS: "登记评论链接",
    CLOSE: "办结预警",
    DISMISS: "标记误报",
    REGRADE: "调整级别",
    CORRECT_CLOCK: "更正起算时间",
    DRAFT: "起草通稿",
    REVIEW_1: "通稿初审（信息员）",
    REVIEW_2: "通稿复审（科室负责人）",
    REVIEW_3: "通稿终审（分管领导）",
    LIAISON_SEND: "发送舆情联系单",
    LIAISON_ANSWER: "登记联系单反馈",
    CORRECT_LABELS: "纠正分类标签",
    SEARCH_POSTS: "检索信息",
    VIEW_LEDGER: "查看台账",
    VIEW_AUDIT: "查看审计记录",
    VIEW_REPORTS: "查看日报月报",
    VIEW_DELIVERIES: "查看通知记录",
    VIEW_MODELS: "查看模型",
    SWITCH_MODELS: "切换或回退模型",
}

ALL = frozenset(LABELS)

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    # 舆情监控员 / 信息员: the queue, early steps, follow-up, first review, labels
    Role.MONITOR: frozenset({
        VIEW_ALERTS, REPORT, FOLLOW_UP, LOG_FOLLOW_UP, REPLY_LINKS, CLOSE, DISMISS, REGRADE, CORRECT_CLOCK,
        DRAFT, REVIEW_1, LIAISON_SEND, LIAISON_ANSWER, CORRECT_LABELS, SEARCH_POSTS, VIEW_REPORTS, VIEW_MODELS,
    }),
    # 网评员: the approved 通稿, the trend of posts, their reply links
    Role.COMMENTATOR: frozenset({VIEW_ALERTS, REPLY_LINKS, SEARCH_POSTS}),
    # 领导小组办公室 (also 科室负责人): carries out the procedure
    Role.OFFICE: frozenset({
        VIEW_ALERTS, REPORT, CONSULT, STATEMENT_STEP, REPLY, FOLLOW_UP, LOG_FOLLOW_UP, REPLY_LINKS, CLOSE,
        DISMISS, REGRADE, CORRECT_CLOCK, DRAFT, REVIEW_2, LIAISON_SEND, LIAISON_ANSWER, CORRECT_LABELS, SEARCH_POSTS,
        VIEW_LEDGER, VIEW_AUDIT, VIEW_REPORTS, VIEW_DELIVERIES, VIEW_MODELS,
    }),
    # 领导小组 / 分管领导: consultation, final approval, decisions
    Role.LEADER: frozenset({
        VIEW_ALERTS, CONSULT, STATEMENT_STEP, CLOSE, DISMISS, REGRADE, CORRECT_CLOCK, REVIEW_3, SEARCH_POSTS,
        VIEW_LEDGER, VIEW_AUDIT, VIEW_REPORTS,
    }),
    # 分析员: reads everything, corrects labels for retraining
    Role.ANALYST: frozenset({VIEW_ALERTS, CORRECT_LABELS, SEARCH_POSTS, VIEW_LEDGER, VIEW_REPORTS, VIEW_MODELS}),
    # 管理员: configuration and users; reads the records, takes no part in the procedure
    Role.ADMIN: frozenset({VIEW_ALERTS, SEARCH_POSTS, VIEW_LEDGER, VIEW_AUDIT, VIEW_REPORTS, VIEW_DELIVERIES,
                           VIEW_MODELS, SWITCH_MODELS}),
}

#: 三审三校: the permission and capacity of each review stage
REVIEW_STAGES: dict[int, tuple[str, str]] = {
    1: (REVIEW_1, "信息员"),
    2: (REVIEW_2, "科室负责人"),
    3: (REVIEW_3, "分管领导"),
}
REVIEW_STAGE_LABELS = {1: "初审", 2: "复审", 3: "终审"}


def role_of(user: Any) -> Role | None:
    """The role of a User row (or anything with ``.role``); None for the system or unknown."""
    if user is None or isinstance(user, str):
        return None
    try:
        return Role(getattr(user, "role", None))
    except ValueError:
        return None


def username_of(user: Any) -> str:
    if user is None:
        return SYSTEM
    if isinstance(user, str):
        return user
    return user.username


def permissions_of(user: Any) -> frozenset[str]:
    if isinstance(user, str) and user == SYSTEM:
        return ALL
    if getattr(user, "active", True) is False:
        return frozenset()
    role = role_of(user)
    return ROLE_PERMISSIONS.get(role, frozenset()) if role else frozenset()


def user_can(user: Any, permission: str) -> bool:
    """Whether ``user`` (a User row, or "system") holds ``permission``."""
    if permission not in LABELS:
        raise ValueError(f"unknown permission {permission!r}")
    return permission in permissions_of(user)


def roles_with(permission: str) -> list[Role]:
    return [r for r in Role if permission in ROLE_PERMISSIONS[r]]


def require(user: Any, permission: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``permission``."""
    if user_can(user, permission):
        return
    who = username_of(user)
    role = role_of(user)
    allowed = "、".join(r.label for r in roles_with(permission)) or "无"
    if getattr(user, "active", True) is False:
        raise PermissionDenied(f"用户 {who} 已停用，不能{LABELS[permission]}")
    raise PermissionDenied(
        f"{role.label if role else '未知角色'} {who} 无权{LABELS[permission]}（允许的角色：{allowed}）"
    )
