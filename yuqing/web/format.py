"""Template filters: local times, durations, levels, steps, safe links.

Times are stored in UTC and shown in the deployment's zone (Asia/Shanghai).
``safe_href`` lets a link through only when it is http(s): crawled URLs are
untrusted, and autoescaping alone does not stop a ``javascript:`` link.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from yuqing.alerts.notify import format_duration, format_time_left
from yuqing.domain import Level, Role, Step
from yuqing.localtime import local_text


def safe_href(url) -> str | None:
    if not url or not isinstance(url, str):
        return None
    u = url.strip()
    if u.lower().startswith(("http://", "https://")) and not any(c in u for c in "\r\n\t"):
        return u
    return None


#: what each audited action is called on the pages
ACTIONS = {
    "alert.open": "生成预警", "alert.step": "办理步骤", "alert.escalate": "升级", "alert.level_lowered": "降级",
    "alert.close": "办结", "alert.dismiss": "标记误报", "alert.reopen": "重新打开", "alert.merged": "并入其他预警",
    "alert.moved": "随事件转移", "alert.overdue": "超时督办", "alert.reminder": "时限提醒", "alert.follow_up": "跟踪引导",
    "alert.loop": "退回会商", "alert.reply_links": "登记评论链接", "alert.clock_moved": "起算时间提前",
    "alert.clock_corrected": "更正起算时间", "statement.draft": "起草通稿", "statement.approve": "通稿审核通过",
    "statement.return": "通稿退回", "liaison.send": "发送联系单", "liaison.answer": "联系单反馈",
    "liaison.overdue": "联系单超时", "event.regrade": "调整级别", "event.level": "事件定级", "event.merge": "合并事件",
    "event.merged_into": "事件被合并", "event.split": "拆分事件", "event.split_from": "由拆分产生",
    "label.correct": "纠正标签", "label.add": "标注", "label.undo": "撤销标注", "label.resolve": "裁定标注分歧",
    "classify.correct": "纠正标签", "classify.retrain": "模型重新训练", "classify.switch": "切换模型",
    "model.kept": "保留模型", "model.switch": "切换模型", "post.enter": "录入群众反映", "user.login": "登录",
    "user.logout": "退出", "user.password": "修改密码", "user.create": "新建用户", "user.update": "修改用户",
    "duty.add": "新增值班", "duty.remove": "删除值班", "scheduler.take_over": "接管中断的定时任务",
    "source.state": "来源状态", "source.backoff_cleared": "来源恢复", "report.jianbao": "生成舆情简报",
}
#: the words of audit details
DETAIL_KEYS = {
    "level": "级别", "old_level": "原级别", "new_level": "新级别", "reason": "理由", "reasons": "依据", "step": "步骤",
    "note": "说明", "by": "办理人", "event_id": "事件", "post_id": "信息", "task": "标签类型", "label": "标注",
    "old_label": "原标签", "new_label": "新标签", "model": "模型判断", "old": "原", "new": "新", "status": "状态",
    "issue_started_at": "起算时间", "deadline_at": "回复时限", "old_start": "原起算时间", "new_start": "新起算时间",
    "old_deadline": "原时限", "new_deadline": "新时限", "version": "版本", "previous": "原版本", "switched": "已切换",
    "into_alert": "并入预警", "level_by": "定级方式", "unit": "单位", "answers": "各人标注", "correction_id": "标注编号",
    "old_post_id": "原起算信息", "round": "轮次", "decision": "结论", "number": "期号", "posts": "信息",
    "alerts": "预警",
}
_VALUES = {"model": "模型", "rule": "规则", "system": "系统", "open": "办理中", "closed": "已办结", "dismissed": "误报",
           "merged": "已合并", "relevance": "相关性", "negativity": "倾向", "topic": "话题", "post_level": "级别",
           "relevant": "相关", "irrelevant": "不相关", "negative": "负面", "not_negative": "非负面",
           "pass": "通过", "return": "退回", True: "是", False: "否"}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def audit_details(detail: dict | None, zone) -> list[tuple[str, str]]:
    """An audit entry's details as (Chinese key, value) pairs: times local, codes in words."""
    out = []
    for key, value in (detail or {}).items():
        if value in (None, "", []) or key == "attachments":
            continue
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
            try:
                value = local_text(datetime.fromisoformat(value), zone)
            except ValueError:
                pass
        elif key in ("level", "old_level", "new_level") and isinstance(value, int):
            try:
                value = Level(value).label
            except ValueError:
                pass
        elif key == "step" and isinstance(value, int):
            try:
                value = Step(value).label
            except ValueError:
                pass
        elif isinstance(value, (list, tuple)):
            value = "；".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = "；".join(f"{_VALUES.get(k, k)}：{_VALUES.get(v, v)}" for k, v in value.items())
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            value = _VALUES.get(value, value)
        out.append((DETAIL_KEYS.get(key, key), str(value)))
    return out


def highlight(text: str | None, q: str | None, n: int = 300) -> Markup:
    """The text (escaped: it is crawled and untrusted) cut to about ``n`` characters around the first word
    searched, every searched word marked with <mark>."""
    text = (text or "").strip()
    words = [w for w in (q or "").split() if w][:10]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE) \
        if words else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - n // 3) if first and first.start() > n // 2 else 0
    clipped = text[start:start + n]
    prefix, suffix = ("…" if start else ""), ("…" if start + n < len(text) else "")
    if pattern is None:
        return escape(prefix + clipped + suffix)
    out, pos = [escape(prefix)], 0
    for m in pattern.finditer(clipped):
        out += [escape(clipped[pos:m.start()]), Markup("<mark>"), escape(m.group()), Markup("</mark>")]
        pos = m.end()
    out += [escape(clipped[pos:]), escape(suffix)]
    return Markup("").join(out)


def install(app, cfg) -> None:
    zone = ZoneInfo(cfg.timezone)

    def localtime(t: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if t is None or t == "":
            return "—"
        if isinstance(t, str):
            try:
                t = datetime.fromisoformat(t)
            except ValueError:
                return t
        return local_text(t, zone, fmt)

    def iso(t: datetime | None) -> str:
        if t is None:
            return ""
        return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    def duration(d: timedelta | None) -> str:
        return "—" if d is None else format_duration(d)

    def level_label(v) -> str:
        try:
            lv = Level.parse(v)
        except (ValueError, TypeError):
            return str(v)
        return f"{lv.roman}级 {lv.label}"

    def step_label(v) -> str:
        try:
            return Step.parse(v).label
        except (ValueError, TypeError):
            return str(v)

    def role_label(v) -> str:
        try:
            return Role(v).label
        except ValueError:
            return str(v)

    def truncate_text(s: str | None, n: int = 200) -> str:
        s = (s or "").strip()
        return s if len(s) <= n else s[:n] + "…"

    app.jinja_env.filters.update(
        localtime=localtime, iso=iso, duration=duration, level_label=level_label, step_label=step_label,
        role_label=role_label, safe_href=safe_href, clip=truncate_text,
        time_left=lambda deadline, now: format_time_left(deadline, now),
        source_label=cfg.source_label,
        source_labels=lambda names: "、".join(cfg.source_label(n) for n in (names or [])),
        action_label=action_label, highlight=highlight, audit_details=lambda d: audit_details(d, zone),
    )
    app.jinja_env.globals.update(Level=Level, Step=Step, tzname=cfg.timezone, locality=cfg.locality.name)
