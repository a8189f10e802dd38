"""The office's labels: given in the 待标注 queue, undone, disagreed on, resolved, and read for training.

Every label is a :class:`~yuqing.models.LabelCorrection` row (task, the post,
the text as labelled, the answer, who, when, ``origin``). Nothing is deleted:
an undone label is marked withdrawn, and every change is in the audit trail.
A post labelled for one task by two people with different answers is a
*disagreement*; it is left out of training until someone resolves it (the
answer is recorded with origin ``resolved`` and the others are withdrawn).

Role checks happen where the action is taken (the web views check the
permission table of :mod:`yuqing.alerts.permissions` server-side; the CLI is
the server's administrator); this module records who did what.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing import audit
from yuqing.classify.calibration import IRRELEVANT, NEGATIVE, NOT_NEGATIVE, RELEVANT, Pick, choose, public_score
from yuqing.domain import Level
from yuqing.errors import YuqingError
from yuqing.models import LabelCorrection, utcnow
from yuqing.store import PostQuery

#: the tasks the queue asks for, in the order of the labelling page
QUEUE_TASKS = ("relevance", "negativity", "topic", "post_level")
#: the post's own level (a label of one post, not of an event; the severity learner reads events)
POST_LEVEL = "post_level"
#: the queue chooses among posts of this many recent days
RECENT_DAYS = 30
#: … and among at most this many of them (newest first)
CANDIDATES = 3000


def allowed(cfg, task: str) -> list[str]:
    """The answers a task takes, in the model's words."""
    if task == "relevance":
        return [RELEVANT, IRRELEVANT]
    if task == "negativity":
        return [NEGATIVE, NOT_NEGATIVE]
    if task == "topic":
        return list(cfg.classify.topics)
    if task == POST_LEVEL:
        return [lv.label for lv in Level.descending()]
    raise YuqingError(f"unknown label task {task!r}; allowed: {', '.join(QUEUE_TASKS)}")


def model_answer(cfg, task: str, post) -> str | None:
    """What the judgement said, in the same words (the ``old_label`` of a label)."""
    if task == "relevance":
        return None if post.relevant is None else (RELEVANT if post.relevant else IRRELEVANT)
    if task == "negativity":
        return None if post.negativity is None else (NEGATIVE if post.negativity >= 0.5 else NOT_NEGATIVE)
    if task == "topic":
        return post.topic
    return None if post.level is None else Level(post.level).label


def model_score(task: str, post) -> float | None:
    """The judgement's score of the post for a task, kept with a label (see ``LabelCorrection.model_score``)."""
    if task == "relevance":
        return public_score(post)
    if task == "negativity":
        return post.negativity
    return None


def label_post(session: Session, deployment, post_id: int, answers: dict[str, str], *, by: str,
               now: datetime | None = None) -> list[LabelCorrection]:
    """Record one labeller's answers for a post (task → answer; empty answers are skipped)."""
    now = now or utcnow()
    cfg = deployment.config
    post = deployment.posts.get(int(post_id))
    if post is None:
        raise YuqingError(f"没有编号为 {post_id} 的信息")
    rows = []
    for task in QUEUE_TASKS:
        value = (answers.get(task) or "").strip()
        if not value:
            continue
        if value not in allowed(cfg, task):
            raise YuqingError(f"“{value}”不是可选的标注（{'、'.join(allowed(cfg, task))}）")
        row = LabelCorrection(task=task, post_id=post.id, event_id=post.event_id, text=post.full_text[:20000],
                              old_label=model_answer(cfg, task, post), new_label=value, reason="待标注",
                              by_user=by, at=now, origin="queue", model_score=model_score(task, post))
        session.add(row)
        rows.append(row)
    if not rows:
        raise YuqingError("请至少选择一项标注")
    session.flush()
    for row in rows:
        audit.record(session, by, "label.add", row, at=now, post_id=post.id, task=row.task, model=row.old_label,
                     label=row.new_label)
    return rows


def undo_last(session: Session, *, by: str, now: datetime | None = None) -> list[LabelCorrection]:
    """Withdraw the labeller's last answers in the queue (one post's, given together); returns them."""
    now = now or utcnow()
    last = session.scalars(select(LabelCorrection).where(
        LabelCorrection.by_user == by, LabelCorrection.origin == "queue", LabelCorrection.withdrawn_at.is_(None))
        .order_by(LabelCorrection.at.desc(), LabelCorrection.id.desc()).limit(1)).first()
    if last is None:
        raise YuqingError("没有可以撤销的标注")
    rows = list(session.scalars(select(LabelCorrection).where(
        LabelCorrection.by_user == by, LabelCorrection.origin == "queue", LabelCorrection.withdrawn_at.is_(None),
        LabelCorrection.post_id == last.post_id, LabelCorrection.at == last.at)))
    for row in rows:
        row.withdrawn_at, row.withdrawn_by = now, by
        audit.record(session, by, "label.undo", row, at=now, post_id=row.post_id, task=row.task, label=row.new_label)
    session.flush()
    return rows


def active(session: Session, task: str | None = None) -> list[LabelCorrection]:
    """Labels not withdrawn, oldest first."""
    q = select(LabelCorrection).where(LabelCorrection.withdrawn_at.is_(None))
    if task is not None:
        q = q.where(LabelCorrection.task == task)
    return list(session.scalars(q.order_by(LabelCorrection.at, LabelCorrection.id)))


@dataclass
class Disagreement:
    task: str
    post_id: int
    answers: dict[str, str]  # labeller → answer
    text: str


def _by_post(rows: list[LabelCorrection]) -> dict[tuple[str, int], list[LabelCorrection]]:
    out: dict[tuple[str, int], list[LabelCorrection]] = defaultdict(list)
    for r in rows:
        if r.post_id is not None:
            out[(r.task, r.post_id)].append(r)
    return out


def _decided(rows: list[LabelCorrection]) -> tuple[LabelCorrection | None, dict[str, str]]:
    """(the label to learn from, or None when labellers disagree; each labeller's latest answer)."""
    resolved = [r for r in rows if r.origin == "resolved"]
    if resolved:
        return resolved[-1], {}
    latest: dict[str, LabelCorrection] = {}
    for r in rows:
        latest[r.by_user] = r
    answers = {u: r.new_label for u, r in latest.items()}
    if len(set(answers.values())) > 1:
        return None, answers
    return rows[-1], answers


def disagreements(session: Session) -> list[Disagreement]:
    out = []
    for (task, pid), rows in _by_post(active(session)).items():
        chosen, answers = _decided(rows)
        if chosen is None:
            out.append(Disagreement(task, pid, answers, rows[-1].text))
    return out


def resolve(session: Session, deployment, post_id: int, task: str, value: str, *, by: str, reason: str = "",
            now: datetime | None = None) -> LabelCorrection:
    """Settle a disagreement: record the answer (origin ``resolved``) and withdraw the others."""
    now = now or utcnow()
    if value not in allowed(deployment.config, task):
        raise YuqingError(f"“{value}”不是可选的标注")
    rows = [r for r in active(session, task) if r.post_id == int(post_id)]
    if not rows:
        raise YuqingError("这条信息没有这一项标注")
    for r in rows:
        r.withdrawn_at, r.withdrawn_by = now, by
    row = LabelCorrection(task=task, post_id=int(post_id), event_id=rows[-1].event_id, text=rows[-1].text,
                          old_label=rows[-1].old_label, new_label=value, reason=(reason or "").strip() or "裁定分歧",
                          by_user=by, at=now, origin="resolved")
    session.add(row)
    session.flush()
    audit.record(session, by, "label.resolve", row, at=now, post_id=row.post_id, task=task, label=value,
                 answers={r.by_user: r.new_label for r in rows}, reason=row.reason)
    return row


def training_rows(session: Session, task: str) -> list[LabelCorrection]:
    """The labels of a task to learn from: one per post (the resolved or agreed answer), disagreements left
    out, withdrawn labels left out; labels of texts without a post (given on the command line) as they are."""
    rows = active(session, task)
    out = [r for r in rows if r.post_id is None]
    for _key, group in _by_post(rows).items():
        chosen, _ = _decided(group)
        if chosen is not None:
            out.append(chosen)
    return sorted(out, key=lambda r: (r.at, r.id))


def labelled_post_ids(session: Session) -> set[int]:
    """Posts that already hold an active relevance or negativity label."""
    return {pid for pid, in session.execute(select(LabelCorrection.post_id).where(
        LabelCorrection.withdrawn_at.is_(None), LabelCorrection.post_id.is_not(None),
        LabelCorrection.task.in_(("relevance", "negativity"))))}


def queue(session: Session, deployment, n: int = 20, *, skip: set[int] | frozenset = frozenset(),
          now: datetime | None = None) -> list[Pick]:
    """The next ``n`` posts to label, best first (:func:`~yuqing.classify.calibration.choose`)."""
    now = now or utcnow()
    cfg = deployment.config
    done = labelled_post_ids(session)
    posts = [p for p in deployment.posts.search(PostQuery(since=now - timedelta(days=RECENT_DAYS), limit=CANDIDATES))
             if p.classified_at is not None and p.id not in done and p.id not in skip and p.duplicate_of is None]
    texts = list(dict.fromkeys(r.text for r in session.scalars(select(LabelCorrection).where(
        LabelCorrection.withdrawn_at.is_(None), LabelCorrection.task.in_(("relevance", "negativity")))
        .order_by(LabelCorrection.id.desc()).limit(2000))))
    from yuqing.classify.api import ModelSet, relevance_threshold

    threshold = relevance_threshold(cfg, ModelSet.for_config(cfg))
    return choose(posts, n, labelled_texts=texts, relevance_min=threshold, tz=cfg.timezone)
