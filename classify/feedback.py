"""Learning from the monitors' corrections: fold them into a new model, switch only if it is not worse.

A correction is a :class:`yuqing.models.LabelCorrection` row (task relevance,
topic or negativity; the text as labelled; the new label). :func:`retrain`
adds every correction of the task to the shipped corpus (and any extra CSV the
office gives), holds out a stratified part of both, trains a candidate on the
rest and scores it on the held-out rows beside the current model's recipe
(the rows it learnt from) refitted on the same training split, so neither
side is scored on rows it was trained on. The candidate (refitted on all
rows) becomes current only when its macro-F1 is at least the old one's; either way both files are kept and the
result is logged in the registry. Corrections folded into the new current
model are marked ``used_in_model`` with its version.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from yuqing.classify.api import ensure_models
from yuqing.classify.corpus import Example, shipped
from yuqing.classify.model import TASKS, TextModel
from yuqing.classify.registry import ModelRegistry
from yuqing.classify.tokenizer import Tokenizer

from yuqing import audit
from yuqing.errors import YuqingError
from yuqing.models import LabelCorrection

log = logging.getLogger(__name__)

_YES = {"1", "true", "yes", "y", "是", "对"}
_NO = {"0", "false", "no", "n", "否", "不"}
_RELEVANT = _YES | {"相关", "relevant"}
_IRRELEVANT = _NO | {"无关", "不相关", "irrelevant", "not relevant"}
_NEGATIVE = _YES | {"负面", "negative", "neg", "消极"}
_NOT_NEGATIVE = _NO | {"非负面", "正面", "中性", "positive", "neutral", "pos", "not negative"}


def normalize_label(task: str, label: str, model: TextModel | None = None, topics: list[str] | None = None) -> str:
    """A correction's label in the model's vocabulary (相关/无关, 负面/非负面, or a topic)."""
    raw = (label or "").strip()
    low = raw.lower()
    if task == "topic":
        if topics is not None and raw not in topics:
            raise YuqingError(f"topic correction {raw!r} is not a configured topic ({', '.join(topics)})")
        return raw
    yes, no = (_RELEVANT, _IRRELEVANT) if task == "relevance" else (_NEGATIVE, _NOT_NEGATIVE)
    if model is not None and raw in model.labels:
        return raw
    if low in yes:
        pos = model.positive if model is not None else ("相关" if task == "relevance" else "负面")
        return pos
    if low in no:
        if model is not None:
            return next(lab for lab in model.labels if lab != model.positive)
        return "无关" if task == "relevance" else "非负面"
    raise YuqingError(f"{task} correction label {raw!r} is not understood")


@dataclass
class RetrainReport:
    task: str
    corrections: int
    new_corrections: int
    held_out: int
    old_version: str
    new_version: str
    old_score: dict[str, float]
    new_score: dict[str, float]
    switched: bool
    path: Path | None = None
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            (f"task {self.task}: {self.corrections} correction(s) ({self.new_corrections} new), "
            f"held-out rows {self.held_out}"),
            f"old {self.old_version}: macro-F1 {self.old_score['macro_f1']:.4f}, accuracy {self.old_score['accuracy']:.4f}",
            f"new {self.new_version}: macro-F1 {self.new_score['macro_f1']:.4f}, accuracy {self.new_score['accuracy']:.4f}",
            ("switched to the new model" if self.switched else "kept the old model (the new one is worse)"),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "corrections": self.corrections, "new_corrections": self.new_corrections,
                "held_out": self.held_out, "old_version": self.old_version, "new_version": self.new_version,
                "old": self.old_score, "new": self.new_score, "switched": self.switched,
                "path": str(self.path) if self.path else None, "skipped": self.skipped}


def _split(n_base_labels: np.ndarray, n_corr_labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Held-out masks for base rows (20 %) and corrections (30 %, at least one when there are two or more)."""
    rng = np.random.default_rng(seed)

    def stratified(labels: np.ndarray, frac: float, at_least_one: bool) -> np.ndarray:
        mask = np.zeros(len(labels), dtype=bool)
        for lab in np.unique(labels):
            idx = np.flatnonzero(labels == lab)
            k = round(len(idx) * frac)
            if len(idx) >= 2:
                k = max(k, 1) if at_least_one else k
                k = min(k, len(idx) - 1)
            else:
                k = 0
            mask[rng.permutation(idx)[:k]] = True
        if at_least_one and len(labels) >= 2 and not mask.any():
            mask[rng.integers(len(labels))] = True
        return mask

    return stratified(n_base_labels, 0.2, False), stratified(n_corr_labels, 0.3, True)


def retrain(deployment, task: str, extra: list[Example] | None = None, *, force: bool = False, seed: int = 0,
            by: str = "system") -> RetrainReport:
    """Train a new model of ``task`` with the corrections; switch to it only if it is not worse."""
    if task not in TASKS:
        raise YuqingError(f"unknown task {task!r}; allowed: {', '.join(TASKS)}")
    cfg = deployment.config
    paths = ensure_models(cfg)
    old = TextModel.load(paths[task], task)
    topics = list(cfg.classify.topics)
    reg = ModelRegistry(cfg.model_dir)

    with deployment.sessions() as s:
        rows = list(s.scalars(select(LabelCorrection).where(LabelCorrection.task == task).order_by(LabelCorrection.id)))
        corrections, skipped, ids, new_ids, used = [], [], [], [], []
        for c in rows:
            try:
                label = normalize_label(task, c.new_label, old, topics if task == "topic" else None)
            except YuqingError as e:
                skipped.append(f"correction {c.id}: {e}")
                continue
            if not (c.text or "").strip():
                skipped.append(f"correction {c.id}: no text")
                continue
            corrections.append(Example(c.text, label))
            ids.append(c.id)
            used.append(bool(c.used_in_model))
            if not c.used_in_model:
                new_ids.append(c.id)
    if not new_ids and not extra and not force:
        raise YuqingError(f"no new {task} corrections since the last retraining; nothing to do (use --force to retrain anyway)")

    base = shipped(task, cfg, topics) + list(extra or [])
    corr = corrections
    tokenizer = Tokenizer(cfg)
    base_mask, corr_mask = _split(np.array([e.label for e in base]), np.array([e.label for e in corr] or [""])[: len(corr)],
                                  seed)
    # The current model was trained on every base row, so scoring the file itself on held-out base rows would
    # flatter it. Both recipes are refitted on the same training split instead: the old one on the rows the
    # current model learnt from (base rows and corrections already folded in), the new one on those plus the new
    # corrections; both are scored on the same held-out rows (base rows and corrections, old and new).
    base_train = [e for e, m in zip(base, base_mask) if not m]
    corr_train = [(e, u) for e, m, u in zip(corr, corr_mask, used) if not m]
    held = [e for e, m in zip(base, base_mask) if m] + [e for e, m in zip(corr, corr_mask) if m]
    baseline = TextModel.train(task, base_train + [e for e, u in corr_train if u], tokenizer, cv_folds=0,
                               positive=old.positive)
    candidate = TextModel.train(task, base_train + [e for e, _ in corr_train], tokenizer, cv_folds=0,
                                positive=old.positive)
    old_score = baseline.evaluate(held)
    new_score = candidate.evaluate(held)
    switched = new_score["macro_f1"] >= old_score["macro_f1"]
    final = TextModel.train(task, base + corr, tokenizer, cv_folds=3, positive=old.positive,
                            source=f"shipped corpus + {len(corr)} correction(s)" + (f" + {len(extra)} extra row(s)" if extra else ""))
    final.meta["held_out"] = {"rows": len(held), "old": _brief(old_score), "new": _brief(new_score),
                              "old_version": old.version}
    path = final.save(reg.new_path(final.version))
    summary = {"old": _brief(old_score), "new": _brief(new_score), "held_out": len(held),
               "corrections": len(corr), "by": by}
    if switched:
        reg.set_current(task, path, reason="retrained with corrections", source="retrain", **summary)
        with deployment.sessions() as s, s.begin():
            for c in s.scalars(select(LabelCorrection).where(LabelCorrection.id.in_(ids))):
                c.used_in_model = final.version
            audit.record(s, by, "classify.retrain", _ModelRef(task), task=task, version=final.version, switched=True, **summary)
    else:
        reg.record(task, file=path.name, reason="retrained with corrections; not switched (worse)", source="retrain",
                   switched=False, **summary)
        with deployment.sessions() as s, s.begin():
            audit.record(s, by, "classify.retrain", _ModelRef(task), task=task, version=final.version, switched=False, **summary)
    report = RetrainReport(task, len(corr), len(new_ids), len(held), old.version, final.version, _brief(old_score),
                           _brief(new_score), switched, path, skipped)
    for line in report.lines():
        log.info("%s", line)
    return report


class _ModelRef:
    """What a retraining's audit entry is about: the task's model."""

    __tablename__ = "model"

    def __init__(self, task: str):
        self.id = task


def _brief(m: dict[str, Any]) -> dict[str, float]:
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}


def add_correction(deployment, task: str, text: str, new_label: str, *, by: str, old_label: str | None = None,
                   post_id: int | None = None, event_id: int | None = None, reason: str = "") -> int:
    """Store a monitor's correction (the web queue and the CLI call this); returns its id."""
    if task not in TASKS:
        raise YuqingError(f"unknown task {task!r}; allowed: {', '.join(TASKS)}")
    cfg = deployment.config
    label = normalize_label(task, new_label, None, list(cfg.classify.topics) if task == "topic" else None)
    with deployment.sessions() as s, s.begin():
        row = LabelCorrection(task=task, post_id=post_id, event_id=event_id, text=text, old_label=old_label,
                              new_label=label, reason=reason, by_user=by)
        s.add(row)
        s.flush()
        audit.record(s, by, "classify.correct", row, task=task, post_id=post_id, old=old_label, new=label)
        return row.id
