"""The queue and the alert page, with every action of the procedure as a POST form.

Views only read and call :mod:`yuqing.alerts.workflow` (or the corrections
module); they never set an alert's state themselves. A refused action (wrong
role) is a 403; an action out of order shows the workflow's message on the
alert page.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from yuqing import audit
from yuqing.alerts import briefing, corrections, liaison, workflow
from yuqing.alerts import permissions as perm
from yuqing.alerts.api import STATUS_FILTERS, QueueFilter, queue
from yuqing.alerts.clock import timeliness
from yuqing.alerts.corrections import NEGATIVITY, RELEVANCE
from yuqing.alerts.models import LiaisonForm, Statement
from yuqing.alerts.review import can_review, review_statement
from yuqing.alerts.statements import approved_statement, draft_statement, statements_of
from yuqing.domain import Level, Step
from yuqing.errors import PermissionDenied, YuqingError
from yuqing.models import Alert, utcnow
from yuqing.store import PostQuery
from yuqing.web.auth import requires

bp = Blueprint("alerts", __name__)

POSTS_ON_PAGE = 100


def _int_list(values: list[str]) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(Level.parse(v)))
        except (ValueError, TypeError):
            continue
    return out


@bp.get("/")
@requires(perm.VIEW_ALERTS)
def queue_page():
    cfg = g.config
    f = QueueFilter(
        levels=_int_list(request.args.getlist("level")),
        topic=request.args.get("topic") or None,
        source=request.args.get("source") or None,
        status=request.args.get("status") if request.args.get("status") in STATUS_FILTERS else "open",
        page=request.args.get("page", 1, type=int) or 1,
        per_page=50,
    )
    now = utcnow()
    page = queue(g.db, f, now)
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "page"}
    return render_template(
        "queue.html", page=page, f=f, now=now, statuses=STATUS_FILTERS, topics=cfg.classify.topics,
        sources=[s.name for s in cfg.sources], levels=Level.descending(), timeliness=timeliness,
        page_args=args, next_steps=workflow.next_steps,
    )


def _load(alert_id: int) -> Alert:
    alert = g.db.get(Alert, alert_id)
    if alert is None:
        abort(404)
    return alert


@bp.get("/alerts/<int:alert_id>")
@requires(perm.VIEW_ALERTS)
def alert_page(alert_id: int):
    alert = _load(alert_id)
    dep = g.deployment
    now = utcnow()
    event = alert.event
    posts = dep.posts.search(PostQuery(event_id=event.id, sort="oldest", limit=POSTS_ON_PAGE))
    total_posts = dep.posts.count(PostQuery(event_id=event.id)) if len(posts) >= POSTS_ON_PAGE else len(posts)
    statements = statements_of(g.db, alert)
    approved = approved_statement(g.db, alert)
    forms = liaison.liaison_forms(g.db, alert)
    trail = audit.trail(g.db, "alerts", alert.id)
    actions = workflow.allowed_actions(alert, g.user)
    nxt = workflow.next_steps(alert)
    return render_template(
        "alert.html", alert=alert, event=event, posts=posts, total_posts=total_posts, statements=statements,
        approved=approved, forms=forms, trail=trail, actions=actions, next_step=nxt[0] if nxt else None,
        now=now, t=timeliness(alert, now), can_review=lambda st: can_review(st, g.user),
        review_stage_labels=perm.REVIEW_STAGE_LABELS, review_capacities={k: v[1] for k, v in perm.REVIEW_STAGES.items()},
        topics=g.config.classify.topics, relevance_labels=RELEVANCE, negativity_labels=NEGATIVITY,
        levels=Level.descending(), current=workflow.current_record(alert), report_draft=_report_draft(alert, event, posts),
        county_needed=alert.level >= Level.MAJOR, config_units=g.config.locality.units,
        step_states=_step_states(alert), clock_post=_clock_post(alert, posts),
        can_correct_clock=perm.user_can(g.user, perm.CORRECT_CLOCK),
    )


def _clock_post(alert: Alert, posts: list):
    """The post that started the alert's clock (None when unknown or gone)."""
    if alert.clock_post_id is None:
        return None
    for p in posts:
        if p.id == alert.clock_post_id:
            return p
    return g.deployment.posts.get(alert.clock_post_id)


@bp.post("/alerts/<int:alert_id>/clock")
@requires(perm.CORRECT_CLOCK)
def correct_clock(alert_id: int):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    alert = _load(alert_id)
    f = request.form
    post_id = f.get("post_id", type=int)
    post = g.deployment.posts.get(post_id) if post_id else None

    def act(db):
        if post_id:
            if post is None or post.event_id != alert.event_id or post.when is None:
                raise YuqingError("所选信息不属于本事件，或没有发布时间")
            start = post.when
        else:
            try:
                local = datetime.strptime(f.get("started_at", "").strip(), "%Y-%m-%dT%H:%M")
            except ValueError:
                raise YuqingError("请选择起算的信息，或填写起算时间（年-月-日 时:分）") from None
            start = local.replace(tzinfo=ZoneInfo(g.config.timezone))
        workflow.correct_clock(db, alert, start, by=g.user, reason=f.get("reason", ""), post_id=post_id or None)

    return _act(alert_id, act, "起算时间已更正")


def _step_states(alert: Alert) -> dict[int, str]:
    """done / current / todo for the progress bar; 监测 runs alongside while the alert is open."""
    cur = alert.current_step
    rec = workflow.current_record(alert)
    cur_done = rec is None or rec.completed_at is not None
    states = {}
    for s in Step:
        if s == Step.DISCOVER:
            states[s] = "done"
        elif s == Step.MONITOR:
            states[s] = "current" if alert.status == "open" else "done"
        elif s < cur or (s == cur and (cur_done or alert.status != "open")):
            states[s] = "done"
        elif s == cur:
            states[s] = "current"
        else:
            states[s] = "todo"
    return {int(k): v for k, v in states.items()}


def _report_draft(alert: Alert, event, posts) -> str:
    """The 快报 draft for the monitor to edit (alerts/briefing.py)."""
    return briefing.report_draft(alert, event, posts, g.config)


def _act(alert_id: int, fn: Callable, done: str, anchor: str = ""):
    """Run a workflow action in the request's transaction; messages for the user, 403 for a refused role."""
    db = g.db
    try:
        fn(db)
        db.commit()
    except PermissionDenied as e:
        db.rollback()
        abort(403, description=str(e))
    except YuqingError as e:
        db.rollback()
        flash(str(e), "error")
    else:
        flash(done, "ok")
    return redirect(url_for("alerts.alert_page", alert_id=alert_id) + anchor, 303)


def _links(field: str = "links") -> list[str]:
    raw = "\n".join(request.form.getlist(field))
    return [x.strip() for x in raw.replace(",", "\n").split() if x.strip()]


@bp.post("/alerts/<int:alert_id>/advance")
@requires(perm.VIEW_ALERTS)  # the step's own permission is checked by the workflow (403 when refused)
def advance(alert_id: int):
    alert = _load(alert_id)
    try:
        step = Step.parse(request.form.get("step", ""))
    except ValueError:
        abort(400)
    attachments: list = [*_links()]
    if request.form.get("county", "").strip():
        attachments.append({"kind": "county", "text": request.form["county"].strip()})
    note = request.form.get("note", "")
    label = "退回会商" if alert.current_step == Step.FOLLOW_UP and step == Step.CONSULT else step.label
    return _act(alert_id, lambda db: workflow.advance(db, alert, step, by=g.user, note=note, attachments=attachments),
                f"已办理：{label}")


@bp.post("/alerts/<int:alert_id>/close")
@requires(perm.CLOSE)
def close(alert_id: int):
    alert = _load(alert_id)
    return _act(alert_id, lambda db: workflow.close(db, alert, by=g.user, note=request.form.get("note", "")), "预警已办结")


@bp.post("/alerts/<int:alert_id>/dismiss")
@requires(perm.DISMISS)
def dismiss(alert_id: int):
    alert = _load(alert_id)
    return _act(alert_id, lambda db: workflow.dismiss(db, alert, by=g.user, reason=request.form.get("reason", "")),
                "已标记为误报")


@bp.post("/alerts/<int:alert_id>/follow-up")
@requires(perm.LOG_FOLLOW_UP)
def follow_up(alert_id: int):
    alert = _load(alert_id)
    return _act(alert_id, lambda db: workflow.log_follow_up(db, alert, by=g.user, note=request.form.get("note", ""),
                                                            links=_links()), "已记录跟踪情况", "#timeline")


@bp.post("/alerts/<int:alert_id>/reply-links")
@requires(perm.REPLY_LINKS)
def reply_links(alert_id: int):
    alert = _load(alert_id)
    return _act(alert_id, lambda db: workflow.add_reply_links(db, alert, by=g.user, links=_links(),
                                                              note=request.form.get("note", "")), "已登记评论链接")


@bp.post("/alerts/<int:alert_id>/statements")
@requires(perm.DRAFT)
def draft(alert_id: int):
    alert = _load(alert_id)
    return _act(alert_id, lambda db: draft_statement(db, alert, by=g.user, text=request.form.get("text", ""),
                                                              title=request.form.get("title", "")),
                "通稿已提交审核", "#statements")


@bp.post("/statements/<int:statement_id>/review")
@requires(perm.VIEW_ALERTS)  # the stage's permission (信息员/科室负责人/分管领导) is checked by the workflow
def review(statement_id: int):
    st = g.db.get(Statement, statement_id)
    if st is None:
        abort(404)
    decision = request.form.get("decision")
    if decision not in ("pass", "return"):
        abort(400)
    revised = request.form.get("revised_text") or None
    if revised is not None and revised.strip() == st.text.strip():
        revised = None
    done = "已通过审核" if decision == "pass" else "已退回"
    return _act(st.alert_id, lambda db: review_statement(db, st, by=g.user, decision=decision,
                                                                 note=request.form.get("note", ""), revised_text=revised),
                done, "#statements")


@bp.post("/alerts/<int:alert_id>/liaison")
@requires(perm.LIAISON_SEND)
def liaison_send(alert_id: int):
    alert = _load(alert_id)
    return _act(alert_id, lambda db: liaison.send_liaison(db, alert, by=g.user, unit=request.form.get("unit", ""),
                                                           content=request.form.get("content", "")),
                "联系单已发出", "#liaison")


@bp.post("/liaison/<int:form_id>/answer")
@requires(perm.LIAISON_ANSWER)
def liaison_answer(form_id: int):
    form = g.db.get(LiaisonForm, form_id)
    if form is None:
        abort(404)
    return _act(form.alert_id, lambda db: liaison.answer_liaison(db, form, by=g.user, answer=request.form.get("answer", "")),
                "已登记反馈", "#liaison")


@bp.post("/alerts/<int:alert_id>/level")
@requires(perm.REGRADE)
def regrade(alert_id: int):
    alert = _load(alert_id)
    level = request.form.get("level", "")
    return _act(alert_id, lambda db: corrections.regrade(db, g.deployment, alert, level, by=g.user,
                                                         reason=request.form.get("reason", "")), "级别已调整")


@bp.post("/alerts/<int:alert_id>/posts/<int:post_id>/correct")
@requires(perm.CORRECT_LABELS)
def correct(alert_id: int, post_id: int):
    alert = _load(alert_id)
    post = g.deployment.posts.get(post_id)
    if post is None or post.event_id != alert.event_id:
        abort(404)
    changes = {k: request.form.get(k, "") for k in ("relevance", "topic", "negativity")}
    return _act(alert_id, lambda db: corrections.correct_post(db, g.deployment, post_id, by=g.user, changes=changes,
                                                              reason=request.form.get("reason", ""), alert=alert),
                "标签已纠正，将用于模型再训练", f"#post-{post_id}")


@bp.get("/notifications")
@requires(perm.VIEW_DELIVERIES)
def deliveries():
    from yuqing.alerts.models import NotificationDelivery

    from yuqing.alerts.models import OutboxMessage

    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = list(g.db.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id.desc())
                             .limit(100).offset((page - 1) * 100)))
    waiting = list(g.db.scalars(select(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending", "failed")))
                                .order_by(OutboxMessage.id).limit(200)))
    return render_template("deliveries.html", rows=rows, page=page, waiting=waiting)
