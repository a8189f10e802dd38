"""The office teaches the models: the 待标注 queue (one post at a time, by keyboard) and the 模型 page.

Views only read and call :mod:`yuqing.classify.labels` (labels, undo,
disagreements) and :mod:`yuqing.classify.feedback` (figures, retrain,
switch). Monitors and analysts label; everyone with the model permission
reads the 模型 page; only the administrator switches, rolls back or retrains.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from yuqing.alerts import permissions as perm
from yuqing.classify import labels
from yuqing.errors import YuqingError
from yuqing.web.auth import requires

bp = Blueprint("calibration", __name__)

#: posts held in the labeller's session between two computations of the queue
BATCH = 20
#: posts a labeller skipped that stay out of their queue (per session: the session is a cookie, which browsers
#: cap at 4 KB, and a post id takes about 20 bytes)
MAX_SKIPPED = 60
#: keys of the labelling page: relevance, negativity, level; topics take the letters in TOPIC_KEYS
KEYS = {"relevance": ["1", "2"], "negativity": ["3", "4"], "post_level": ["7", "8", "9", "0"]}
TOPIC_KEYS = "asdfghjkl"
TASK_LABELS = {"relevance": "相关性", "negativity": "倾向", "topic": "话题", "post_level": "级别"}


def _user() -> str:
    return perm.username_of(g.user)


def _next_post():
    """The first post of the labeller's batch still unlabelled; a new batch when it runs out.

    The session (a signed cookie, kept small) holds only the batch's post ids and which of them were unlike
    anything labelled; the reasons shown are worked out again from the post."""
    from yuqing.classify.api import ModelSet, relevance_threshold
    from yuqing.classify.calibration import Pick, doubt

    skipped = set(session.get("label_skipped", []))
    done = labels.labelled_post_ids(g.db)
    novel = set(session.get("label_novel", []))
    for pid in session.get("label_batch", []):
        if pid not in done and pid not in skipped:
            post = g.deployment.posts.get(pid)
            if post is not None:
                threshold = relevance_threshold(g.config, ModelSet.for_config(g.config))
                return post, Pick(post, 0.0, doubt(post, threshold), 1.0 if pid in novel else 0.0).reasons
    picks = labels.queue(g.db, g.deployment, BATCH, skip=skipped)
    session["label_batch"] = [p.post.id for p in picks]
    session["label_novel"] = [p.post.id for p in picks if p.novelty >= 0.8]
    if not picks:
        return None, []
    return picks[0].post, picks[0].reasons


@bp.get("/label")
@requires(perm.CORRECT_LABELS)
def label_page():
    cfg = g.config
    post, why = _next_post()
    options = {task: labels.allowed(cfg, task) for task in labels.QUEUE_TASKS}
    keys = {**KEYS, "topic": list(TOPIC_KEYS[: len(options["topic"])])}
    mine = [r for r in labels.active(g.db) if r.by_user == _user() and r.origin == "queue"]
    return render_template(
        "label.html", post=post, why=why, options=options, keys=keys, task_labels=TASK_LABELS,
        model={task: labels.model_answer(cfg, task, post) for task in labels.QUEUE_TASKS} if post else {},
        mine=len({r.post_id for r in mine}), split=len(labels.disagreements(g.db)),
        can_switch=perm.user_can(g.user, perm.SWITCH_MODELS),
    )


@bp.post("/label/<int:post_id>")
@requires(perm.CORRECT_LABELS)
def label_post(post_id: int):
    answers = {task: request.form.get(task, "") for task in labels.QUEUE_TASKS}
    try:
        labels.label_post(g.db, g.deployment, post_id, answers, by=_user())
        g.db.commit()
    except YuqingError as e:
        g.db.rollback()
        flash(str(e), "error")
    return redirect(url_for("calibration.label_page"), code=303)


@bp.post("/label/<int:post_id>/skip")
@requires(perm.CORRECT_LABELS)
def skip(post_id: int):
    skipped = [p for p in session.get("label_skipped", []) if p != post_id] + [post_id]
    session["label_skipped"] = skipped[-MAX_SKIPPED:]
    return redirect(url_for("calibration.label_page"), code=303)


@bp.post("/label/undo")
@requires(perm.CORRECT_LABELS)
def undo():
    try:
        rows = labels.undo_last(g.db, by=_user())
        g.db.commit()
    except YuqingError as e:
        g.db.rollback()
        flash(str(e), "error")
        return redirect(url_for("calibration.label_page"), code=303)
    pid = rows[0].post_id
    batch = [p for p in session.get("label_batch", []) if p != pid]
    session["label_batch"] = [pid, *batch]
    flash(f"已撤销对信息 #{pid} 的标注，请重新标注", "info")
    return redirect(url_for("calibration.label_page"), code=303)


@bp.get("/label/disagreements")
@requires(perm.CORRECT_LABELS)
def disagreements_page():
    items = labels.disagreements(g.db)
    return render_template("disagreements.html", items=items, task_labels=TASK_LABELS,
                           options={t: labels.allowed(g.config, t) for t in labels.QUEUE_TASKS})


@bp.post("/label/resolve")
@requires(perm.CORRECT_LABELS)
def resolve():
    f = request.form
    try:
        labels.resolve(g.db, g.deployment, f.get("post_id", type=int) or 0, f.get("task", ""), f.get("value", ""),
                       by=_user(), reason=f.get("reason", ""))
        g.db.commit()
        flash("已裁定", "info")
    except YuqingError as e:
        g.db.rollback()
        flash(str(e), "error")
    return redirect(url_for("calibration.disagreements_page"), code=303)


# -- the 模型 page -------------------------------------------------------------------------------------------

@bp.get("/models")
@requires(perm.VIEW_MODELS)
def models_page():
    from yuqing.classify.feedback import calibrate, versions
    from yuqing.classify.registry import ModelRegistry

    tasks = ("relevance", "negativity", "topic")
    figures = {t.task: t for t in calibrate(g.deployment, tasks, estimate=False)}
    reg = ModelRegistry(g.config.model_dir)
    history = {task: [{**h, "at": _when(h.get("at"))} for h in reversed(reg.history(task))] for task in tasks}
    vers = {task: [{**v, "trained_at": _when(v.get("trained_at"))} for v in versions(g.deployment, task)]
            for task in tasks}
    return render_template("models.html", tasks=tasks, figures=figures, history=history, versions=vers,
                           task_names={"relevance": "相关性", "negativity": "负面倾向", "topic": "话题"},
                           can_switch=perm.user_can(g.user, perm.SWITCH_MODELS))


def _when(value):
    """A stored ISO time (UTC) as a datetime for the page's local-time filter."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.post("/models/<task>/use")
@requires(perm.SWITCH_MODELS)
def use(task: str):
    from yuqing.classify.feedback import switch_model

    if task not in ("relevance", "negativity", "topic"):
        abort(404)
    try:
        path = switch_model(g.deployment, task, request.form.get("version", ""), by=_user(),
                            reason=request.form.get("reason", "").strip() or "管理员在模型页面切换")
        flash(f"已切换为 {path.stem}", "info")
    except YuqingError as e:
        flash(str(e), "error")
    return redirect(url_for("calibration.models_page"), code=303)


@bp.post("/models/<task>/retrain")
@requires(perm.SWITCH_MODELS)
def retrain(task: str):
    from yuqing.classify.feedback import retrain as do_retrain

    if task not in ("relevance", "negativity", "topic"):
        abort(404)
    try:
        report = do_retrain(g.deployment, task, by=_user())
    except YuqingError as e:
        flash("自上次训练以来没有新的标注，无需重新训练" if "nothing to do" in str(e) else f"重新训练失败：{e}", "error")
        return redirect(url_for("calibration.models_page"), code=303)
    else:
        flash(("已切换到新模型" if report.switched else "新模型在留出标注上不优于现有模型，保留现有模型")
              + f"（留出 {report.held_out} 条；宏F1 {report.old_score['macro_f1']:.3f} → {report.new_score['macro_f1']:.3f}）",
              "info")
    return redirect(url_for("calibration.models_page"), code=303)
