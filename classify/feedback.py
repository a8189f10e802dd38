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

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from yuqing.classify.api import ensure_models
from yuqing.classify.calibration import OFFICE_WEIGHT, Label, best_threshold, office_examples
from yuqing.classify.corpus import Example, shipped
from yuqing.classify.labels import training_rows
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
        rows = training_rows(s, task)
        s.expunge_all()
    posts = {p.id: p for p in deployment.posts.get_many({c.post_id for c in rows if c.post_id is not None})}
    corrections, skipped, ids, new_ids, used, scored = [], [], [], [], [], []
    for c in rows:
        try:
            label = normalize_label(task, c.new_label, old, topics if task == "topic" else None)
        except YuqingError as e:
            skipped.append(f"correction {c.id}: {e}")
            continue
        if not (c.text or "").strip():
            skipped.append(f"correction {c.id}: no text")
            continue
        post = posts.get(c.post_id)
        if task == "relevance" and post is not None and not office_examples(task, [Label(task, post, label)])[0]:
            skipped.append(f"correction {c.id}: the place rules decided this post, not the model")
            continue
        corrections.append(Example(c.text, label))
        if c.model_score is not None:
            scored.append((c.model_score, label == old.positive))
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
    def fit(rows_base: list[Example], rows_office: list[Example], folds: int = 0, source: str = "") -> TextModel:
        # the office's own labels weigh OFFICE_WEIGHT written rows each
        return TextModel.train(task, rows_base + rows_office, tokenizer, cv_folds=folds, positive=old.positive,
                               sample_weight=[1.0] * len(rows_base) + [OFFICE_WEIGHT] * len(rows_office),
                               source=source)

    baseline = fit(base_train, [e for e, u in corr_train if u])
    candidate = fit(base_train, [e for e, _ in corr_train])
    old_score = baseline.evaluate(held)
    new_score = candidate.evaluate(held)
    switched = new_score["macro_f1"] >= old_score["macro_f1"]
    final = fit(base, corr, 3, f"shipped corpus + {len(corr)} office label(s) × {OFFICE_WEIGHT:g}"
                + (f" + {len(extra)} extra row(s)" if extra else ""))
    if task == "relevance":
        # the decision threshold, calibrated on the office's labels scored by the models current when they were given
        threshold = best_threshold([v for v, _ in scored], [r for _, r in scored], cfg.thresholds.relevance_min)
        if threshold is not None:
            final.meta["threshold"] = threshold
            final.meta["threshold_labels"] = len(scored)
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


# -- how the models do on the office's own labels -----------------------------------------------------------

#: cross-validation folds of ``calibrate``'s "would a retrain be better" estimate
CALIBRATE_FOLDS = 5
#: a task needs this many labels (with both answers) before a retrain is estimated
MIN_LABELS = 20


@dataclass
class TaskFigures:
    """One task's labels and figures on the office's own posts."""

    task: str
    version: str
    labels: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    by_answer: dict[str, int] = field(default_factory=dict)
    disagreements: int = 0
    unseen: int = 0  # labels the current model did not learn from
    current: dict[str, Any] | None = None  # the current judgement on those (held out, so honest)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    wrong: list[dict[str, Any]] = field(default_factory=list)  # the most confident mistakes
    rules_missed: int = 0  # relevance: labelled relevant, turned away by the place rules
    estimate: dict[str, Any] | None = None  # k-fold: the current recipe vs a retrain on the same rows
    note: str = ""

    @property
    def key(self) -> str:
        return {"relevance": "f1", "negativity": "auc"}.get(self.task, "accuracy")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def lines(self) -> list[str]:
        out = [f"{self.task}: {self.labels} label(s) ({', '.join(f'{k} {v}' for k, v in self.by_answer.items()) or 'none'}); "
               f"by source: {', '.join(f'{k} {v}' for k, v in self.by_source.items()) or '-'}"
               + (f"; {self.disagreements} disagreement(s) to resolve" if self.disagreements else "")]
        out.append(f"  current model {self.version}")
        if self.current:
            figs = ", ".join(f"{k} {v}" for k, v in self.current.items() if k not in ("tp", "fp", "fn"))
            out.append(f"  on {self.unseen} label(s) it did not learn from: {figs}")
        else:
            out.append("  no labels it did not learn from yet")
        if self.rules_missed:
            out.append(f"  {self.rules_missed} post(s) labelled 相关 were turned away by the place rules "
                       "(check the locality's aliases and units)")
        if self.estimate:
            e = self.estimate
            out.append(f"  {e['folds']}-fold on the office's labels: {self.key} {e['current']} now, {e['retrained']} "
                       f"retrained → {'retrain (yuqing classify retrain --task ' + self.task + ')' if e['better'] else 'no gain from retraining yet'}")
        elif self.note:
            out.append(f"  {self.note}")
        return out


def _figures_key(task: str, figs: dict[str, Any]) -> float:
    key = {"relevance": "f1", "negativity": "auc"}.get(task, "accuracy")
    return float(figs.get(key) or 0.0)


def calibrate(deployment, tasks: tuple[str, ...] = TASKS, *, estimate: bool = True, seed: int = 0) -> list[TaskFigures]:
    """Each task's labels (by source), the current judgement on the labels its model did not learn from, and —
    with ``estimate`` — whether a retrain would be better (k-fold over the office's labels, both recipes judged
    on the same held-out posts)."""
    from yuqing.classify import calibration as cal
    from yuqing.classify.api import ModelSet
    from yuqing.classify.labels import disagreements

    cfg = deployment.config
    models = ModelSet.for_config(cfg)
    with deployment.sessions() as s:
        rows = {task: training_rows(s, task) for task in tasks}
        split = Counter(d.task for d in disagreements(s))
        s.expunge_all()
    wanted = {r.post_id for rs in rows.values() for r in rs if r.post_id is not None}
    posts = {p.id: p for p in deployment.posts.get_many(wanted)}
    out = []
    for task in tasks:
        model = models.models()[task]
        tf = TaskFigures(task, model.version, disagreements=split.get(task, 0))
        pairs = [(r, posts[r.post_id]) for r in rows[task] if r.post_id in posts]
        tf.labels = len(rows[task])
        tf.by_answer = dict(Counter(r.new_label for r in rows[task]).most_common())
        tf.by_source = dict(Counter(p.source for _, p in pairs).most_common())
        if task == "relevance":
            tf.rules_missed = sum(1 for r, p in pairs if r.new_label == cal.RELEVANT and cal._gate(p) != "firm")
        unseen = [(r, p) for r, p in pairs if r.used_in_model != model.version]
        tf.unseen = len(unseen)
        if unseen:
            judged = cal.judge(cfg, [p for _, p in unseen], models)
            truth = [r.new_label for r, _ in unseen]
            tf.current = cal.figures(task, judged, truth)
            tf.confusion = cal.confusion(task, judged, truth)
            ranked = sorted(zip(judged, truth), key=lambda jt: -cal.confidence_wrong(task, jt[0], jt[1]))
            tf.wrong = [{"post_id": j.id, "title": (j.title or j.text or "")[:80], "source": j.source,
                         "label": t, "judged": cal.predicted(task, j), "sure": round(cal.confidence_wrong(task, j, t), 3)}
                        for j, t in ranked[:10] if cal.confidence_wrong(task, j, t) > 0]
        if estimate:
            seen = [(r, p) for r, p in pairs if r.used_in_model == model.version]
            tf.estimate, tf.note = _estimate(cfg, task, seen, unseen, models, seed)
        out.append(tf)
    return out


def _estimate(cfg, task: str, seen: list, pairs: list, models, seed: int) -> tuple[dict[str, Any] | None, str]:
    """k-fold over the labels the current model did not learn from (``pairs``): the current models vs a
    retrain (shipped corpus + the labels it learnt from + the other folds' labels), judged on the same posts."""
    from sklearn.model_selection import StratifiedKFold

    from yuqing.classify import calibration as cal
    from yuqing.classify.api import ModelSet

    truth = np.array([r.new_label for r, _ in pairs])
    if len(pairs) < MIN_LABELS or len(set(truth.tolist())) < 2 or np.unique(truth, return_counts=True)[1].min() < 2:
        return None, (f"too few new labels to estimate a retrain (need {MIN_LABELS} the current model did not learn "
                      "from, with each answer at least twice)")
    folds = int(min(CALIBRATE_FOLDS, np.unique(truth, return_counts=True)[1].min()))
    trainer = cal.Trainer(cfg, task)
    now_judged, new_judged, order = [], [], []
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(truth, truth):
        rows, _ = cal.office_examples(task, [cal.Label(task, p, r.new_label) for r, p in seen]
                                      + [cal.Label(task, pairs[i][1], truth[i]) for i in train_idx])
        candidate = trainer.fit(rows, positive=models.models()[task].positive)
        swapped = ModelSet(**{**models.models(), task: candidate})
        test_posts = [pairs[i][1] for i in test_idx]
        now_judged += cal.judge(cfg, test_posts, models)
        new_judged += cal.judge(cfg, test_posts, swapped)
        order += list(test_idx)
    y = [truth[i] for i in order]
    now_f, new_f = cal.figures(task, now_judged, y), cal.figures(task, new_judged, y)
    a, b = _figures_key(task, now_f), _figures_key(task, new_f)
    return {"folds": folds, "current": round(a, 4), "retrained": round(b, 4), "better": b > a,
            "current_figures": now_f, "retrained_figures": new_f}, ""


def switch_model(deployment, task: str, version: str, *, by: str, reason: str = "") -> Path:
    """Make an existing model version of ``task`` current (roll back or forward); audited."""
    if task not in TASKS:
        raise YuqingError(f"unknown task {task!r}; allowed: {', '.join(TASKS)}")
    reg = ModelRegistry(deployment.config.model_dir)
    path = reg.new_path(Path(version).name.removesuffix(".joblib"))
    if not path.exists():
        raise YuqingError(f"no model file {path.name} in {reg.dir}")
    TextModel.load(path, task)  # refuses a broken or foreign file
    old = reg.current(task)
    reg.set_current(task, path, reason=reason or "chosen by hand", source="use", by=by)
    with deployment.sessions() as s, s.begin():
        audit.record(s, by, "classify.switch", _ModelRef(task), task=task, version=path.stem,
                     previous=old.stem if old else None, reason=reason)
    return path


def versions(deployment, task: str) -> list[dict[str, Any]]:
    """Every saved version of a task's model, newest first, with what it was trained on."""
    reg = ModelRegistry(deployment.config.model_dir)
    current = reg.current(task)
    out = []
    for path in reversed(reg.versions(task)):
        try:
            meta = json.loads(TextModel.sidecar(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        out.append({"version": path.stem, "current": current is not None and path.name == current.name,
                    "trained_at": meta.get("trained_at"), "n_examples": meta.get("n_examples"),
                    "source": meta.get("data_source"), "held_out": meta.get("held_out")})
    return out
