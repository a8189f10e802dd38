"""Retraining the severity model with the monitors' level corrections.

Each ``LabelCorrection`` of task ``level`` names an event and the level a
monitor gave it. :func:`retrain` adds them to the shipped corpus (the latest
correction of an event wins; the event's posts as they are now, or the text
kept in the correction if the event is gone), trains a candidate model and
compares it with the current one on the same cross-validation folds over all
examples: the current model's training set is the corpus plus the corrections
it already used. The candidate is saved either way; the deployment switches to
it only when it is not worse (macro-F1 of the final level), and the corrections
are then marked as used. Old model files are kept.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sklearn.metrics import f1_score
from sqlalchemy import select
from yuqing.grading.severity import (
    Featurizer,
    LabelledEvent,
    classify_for_training,
    corpus_examples,
    load_current,
    out_of_fold,
    set_current,
    train,
)

from yuqing import audit
from yuqing.domain import Level
from yuqing.models import LabelCorrection, utcnow
from yuqing.store import PostRecord, post_key

log = logging.getLogger(__name__)


class _ModelRef:
    """How the audit log names the severity model (object type "models", id "severity")."""

    __tablename__ = "models"
    id = "severity"


MODEL_REF = _ModelRef()


@dataclass
class RetrainResult:
    old_version: str | None
    new_version: str
    switched: bool
    old_f1: float | None
    new_f1: float
    corrections: int
    new_corrections: int
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        old = f"{self.old_f1:.3f}" if self.old_f1 is not None else "n/a"
        verdict = "switched to the new model" if self.switched else "kept the current model (the new one is worse)"
        return [f"corrections: {self.corrections} ({self.new_corrections} new)",
                f"macro-F1 on the same folds: current {old}, new {self.new_f1:.3f}",
                f"{verdict}: {self.new_version if self.switched else self.old_version}", *self.notes]


def correction_examples(deployment) -> list[tuple[LabelCorrection, LabelledEvent]]:
    """The level corrections as training examples, the latest per event (or per text)."""
    from yuqing.grading.events import event_posts

    with deployment.sessions() as s:
        rows = list(s.scalars(select(LabelCorrection).where(LabelCorrection.task == "level")
                              .order_by(LabelCorrection.at, LabelCorrection.id)))
        s.expunge_all()
    latest: dict[str, LabelCorrection] = {}
    for c in rows:
        latest[f"event:{c.event_id}" if c.event_id else f"text:{c.text}"] = c
    out = []
    for key, c in latest.items():
        try:
            level = Level.parse(c.new_label)
        except ValueError:
            log.warning("level correction %s has an unknown label %r; skipped", c.id, c.new_label)
            continue
        posts = event_posts(deployment, c.event_id) if c.event_id else []
        if not posts:
            posts = [PostRecord(key=post_key(f"correction:{c.id}"), source="correction", kind="manual", text=c.text,
                                published_at=c.at, relevant=True)]
        out.append((c, LabelledEvent(posts, level, "correction", key)))
    return out


def retrain(deployment, *, now: datetime | None = None, folds: int = 5, by: str = audit.SYSTEM) -> RetrainResult:
    now = now or utcnow()
    cfg = deployment.config
    current = load_current(cfg.model_dir)
    used = set((current.meta.get("correction_ids") or []) if current else [])
    pairs = correction_examples(deployment)
    corpus = corpus_examples(cfg)
    examples = corpus + [ex for _, ex in pairs]
    ids = [c.id for c, _ in pairs]
    featurizer = Featurizer(cfg)
    candidate = train(cfg, examples, cv=0, featurizer=featurizer)
    candidate.meta["correction_ids"] = ids
    # compare on the same folds: the current training set (corpus + corrections already used) vs all
    classify_for_training(cfg, examples)
    views = [featurizer.view(ex.posts) for ex in examples]
    rules = [featurizer.rubric(v) for v in views]
    X = [featurizer.sample(v, r) for v, r in zip(views, rules)]
    y = np.array([int(ex.level) for ex in examples])
    old_mask = np.array([True] * len(corpus) + [c.id in used for c, _ in pairs])
    new_pred = out_of_fold(X, y, rules, folds=folds)
    new_f1 = float(f1_score(y, new_pred, average="macro"))
    old_f1 = None
    if current is not None:
        old_pred = out_of_fold(X, y, rules, folds=folds, train_mask=old_mask)
        old_f1 = float(f1_score(y, old_pred, average="macro"))
    candidate.meta["cv_macro_f1"] = new_f1
    candidate.save(cfg.model_dir)
    switched = old_f1 is None or new_f1 >= old_f1
    if switched:
        set_current(cfg.model_dir, candidate)
        with deployment.sessions() as s, s.begin():
            for c in s.scalars(select(LabelCorrection).where(LabelCorrection.id.in_(ids or [-1]))):
                c.used_in_model = candidate.version
            audit.record(s, by, "model.switch", MODEL_REF, at=now, version=candidate.version,
                         old_version=current.version if current else None, macro_f1=round(new_f1, 4),
                         old_macro_f1=round(old_f1, 4) if old_f1 is not None else None, corrections=len(ids))
        from yuqing.grading.api import Grader

        Grader.forget()
    else:
        with deployment.sessions() as s, s.begin():
            audit.record(s, by, "model.kept", MODEL_REF, at=now, version=current.version, candidate=candidate.version,
                         macro_f1=round(old_f1, 4), candidate_macro_f1=round(new_f1, 4))
    return RetrainResult(current.version if current else None, candidate.version, switched, old_f1, new_f1,
                         len(ids), len([i for i in ids if i not in used]))
