"""The three classifiers: build, train, cross-validate, save, load, predict and explain.

Each model is one scikit-learn :class:`~sklearn.pipeline.Pipeline`
(``features`` → ``clf``): word and character n-gram TF-IDF from one
segmentation (:class:`~yuqing.classify.features.TextFeatures`, which carries the
tokenizer) into a class-balanced linear SVM whose scores are calibrated to
probabilities (``CalibratedClassifierCV``, sigmoid). A saved model is two files:
``NAME.joblib`` and ``NAME.joblib.json``, the sidecar with the library
versions, the training data's hash, the date, the labels and the
cross-validated metrics. :func:`TextModel.load` checks the sidecar first and
refuses a file it did not write (hash mismatch) or one written by other
library versions (pickles are not portable across them).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from yuqing.classify.corpus import Example, data_hash
from yuqing.classify.features import DocBatch, TextFeatures, compose, make_docs
from yuqing.classify.tokenizer import TOKENIZER_VERSION, Tokenizer

from yuqing.errors import YuqingError

log = logging.getLogger(__name__)

TASKS = ("relevance", "topic", "negativity")
FORMAT_VERSION = 1
PRODUCER = "yuqing.classify"
#: a binary task's label whose probability is the score (relevance: 相关, negativity: 负面)
POSITIVE_NAMES = {
    "relevance": ("相关", "relevant", "yes", "true", "1", "是", "y"),
    # 0/1 labels follow the sentiment data sets' convention (ChnSentiCorp, waimai_10k: 1 = positive,
    # 0 = negative), so for negativity "0" is the negative label; name another with --positive
    "negativity": ("负面", "negative", "neg", "消极", "差评", "yes", "true", "是", "y", "0"),
}
#: hyper-parameters per task (chosen by cross-validation, see benchmarks/bench_classify.py)
_COMMON = {"word_min_df": 1, "char_min_df": 2, "cjk_only": False, "class_weight": "balanced"}
TASK_PARAMS: dict[str, dict[str, Any]] = {
    "relevance": {**_COMMON, "word_ngrams": (1, 2), "char_ngrams": (1, 2), "word_weight": 1.0, "char_weight": 0.6,
                  "C": 0.5},
    # topic: word unigrams + Chinese character 1–2-grams (digits, Latin and punctuation say little about the
    # subject and add noise on small data sets)
    "topic": {**_COMMON, "word_ngrams": (1, 1), "char_ngrams": (1, 2), "word_weight": 1.0, "char_weight": 1.0,
              "cjk_only": True, "C": 1.0},
    # negativity (舆情负面, trained on our corpus, measured on the real posts of ../shared/data/dev): word 1–2-grams
    # and character 1–2-grams at full weight, C 0.3, no class weighting (the calibrator learns the prior).
    # On the dev sets C 0.1–1.0, char weight 0.5–1.0, word unigrams only and balanced weights all land within
    # ±0.004 AUC; character trigrams add nothing (0.9217 vs 0.9216) and cost a third of the classify step.
    "negativity": {**_COMMON, "word_ngrams": (1, 2), "char_ngrams": (1, 2), "word_weight": 1.0, "char_weight": 1.0,
                   "C": 0.3, "class_weight": None},
}
#: how many times a title is repeated before the body (titles say what a post is about)
TITLE_REPEAT = 4
EXPLAIN_WORDS = 5


def library_versions() -> dict[str, str]:
    import joblib
    import scipy
    import sklearn

    return {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "tokenizer": str(TOKENIZER_VERSION),
        "format": str(FORMAT_VERSION),
    }


def _compatible(saved: dict[str, str]) -> list[str]:
    """Which saved versions differ in a way that makes the pickle unsafe to load."""
    now = library_versions()
    bad = []
    for key in ("python", "scikit-learn", "tokenizer", "format"):
        if saved.get(key) != now[key]:
            bad.append(f"{key} {saved.get(key)} (installed {now[key]})")
    for key in ("numpy", "scipy"):
        if (saved.get(key) or "").split(".")[:2] != now[key].split(".")[:2]:
            bad.append(f"{key} {saved.get(key)} (installed {now[key]})")
    return bad


def positive_label(task: str, labels: Sequence[str], explicit: str | None = None) -> str | None:
    """The label whose probability is the task's score, for binary tasks."""
    if task == "topic":
        return None
    if explicit is not None:
        if explicit not in labels:
            raise YuqingError(f"--positive {explicit!r} is not one of the labels: {', '.join(labels)}")
        return explicit
    if len(labels) != 2:
        raise YuqingError(f"the {task} task needs exactly two labels, found {len(labels)}: {', '.join(labels)}")
    for name in POSITIVE_NAMES[task]:
        for label in labels:
            if label.strip().lower() == name:
                return label
    raise YuqingError(
        f"cannot tell which of the labels {', '.join(labels)} means "
        f"{'relevant' if task == 'relevance' else 'negative'}; name it with --positive"
    )


def build_pipeline(task: str, tokenizer: Tokenizer, labels: Sequence[str], params: dict | None = None):
    """An untrained pipeline for a task; small data sets get a plain logistic regression."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    p = {**TASK_PARAMS[task], **(params or {})}
    features = TextFeatures(
        tokenizer,
        word_ngrams=p["word_ngrams"],
        char_ngrams=p["char_ngrams"],
        word_weight=p["word_weight"],
        char_weight=p["char_weight"],
        min_df=p["word_min_df"],
        char_min_df=p["char_min_df"],
        cjk_only=p["cjk_only"],
    )
    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    if len(counts) < 2:
        raise YuqingError(f"the training data has only one label ({labels[0]}); a classifier needs at least two")
    if counts.min() >= 6:
        svm = LinearSVC(C=p["C"], class_weight=p["class_weight"], max_iter=5000, random_state=0)
        clf = CalibratedClassifierCV(svm, method="sigmoid", cv=min(3, int(counts.min())), ensemble=False)
    else:
        clf = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
    return Pipeline([("features", features), ("clf", clf)])


def metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None) -> dict[str, Any]:
    """accuracy, macro_f1 and per-label precision/recall/f1/support."""
    from sklearn.metrics import (
        accuracy_score,
        f1_score,
        precision_recall_fscore_support,
    )

    labels = sorted(set(y_true) | set(y_pred)) if labels is None else list(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
        present = [lab for lab in labels if lab in set(y_true)]
        macro = f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0) if present else 0.0
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(macro), 4),
        "per_label": {
            lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4),
                  "support": int(s[i])}
            for i, lab in enumerate(labels)
        },
    }


def texts_of(examples: Sequence[Example]) -> list[str]:
    return [compose(e.text, e.title, TITLE_REPEAT) for e in examples]


def cross_validate(task: str, examples: Sequence[Example], tokenizer: Tokenizer, folds: int = 5, seed: int = 0,
                   params: dict | None = None) -> dict[str, Any]:
    """Stratified k-fold metrics of the pipeline as :func:`train` builds it (segmenting each text once)."""
    from sklearn.model_selection import StratifiedKFold

    y = np.array([e.label for e in examples])
    counts = np.unique(y, return_counts=True)[1]
    folds = int(min(folds, counts.min()))
    if folds < 2:
        raise YuqingError("too few examples per label to cross-validate (each label needs at least 2)")
    docs = make_docs(texts_of(examples), tokenizer)
    pred = np.empty(len(y), dtype=object)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in skf.split(np.zeros(len(y)), y):
        pipe = build_pipeline(task, tokenizer, y[train_idx], params)
        pipe.fit(DocBatch([docs[i] for i in train_idx]), y[train_idx])
        pred[test_idx] = pipe.predict(DocBatch([docs[i] for i in test_idx]))
    out = metrics(list(y), list(pred), sorted(set(y)))
    out["folds"] = folds
    return out


@dataclass(slots=True)
class Prediction:
    label: str
    score: float  # binary tasks: probability of the positive label; topic: of the predicted label
    confidence: float  # probability of the predicted label
    words: list[tuple[str, float]] = field(default_factory=list)


class TextModel:
    """A trained pipeline for one task, with its metadata."""

    def __init__(self, task: str, pipeline, meta: dict[str, Any]):
        self.task = task
        self.pipeline = pipeline
        self.meta = meta

    # -- facts -------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    @property
    def positive(self) -> str | None:
        return self.meta.get("positive")

    @property
    def tokenizer(self) -> Tokenizer:
        return self.pipeline.named_steps["features"]._tokenizer()

    @property
    def version(self) -> str:
        return self.meta.get("version", "")

    # -- training ----------------------------------------------------------
    @classmethod
    def train(cls, task: str, examples: Sequence[Example], tokenizer: Tokenizer, *, cv_folds: int = 5,
              seed: int = 0, positive: str | None = None, params: dict | None = None,
              source: str = "", version: str | None = None, docs: Sequence | None = None,
              sample_weight: Sequence[float] | None = None) -> TextModel:
        """Fit the task's pipeline on ``examples``; ``docs`` (their segmented texts, in order) saves segmenting
        them again, ``sample_weight`` weighs rows (an office's own labels count more than the written corpus)."""
        if task not in TASKS:
            raise YuqingError(f"unknown task {task!r}; allowed: {', '.join(TASKS)}")
        if not examples:
            raise YuqingError("no training examples")
        y = np.array([e.label for e in examples])
        labels = sorted(set(y.tolist()))
        pos = positive_label(task, labels, positive)
        cv = None
        if cv_folds and cv_folds >= 2 and np.unique(y, return_counts=True)[1].min() >= 2:
            cv = cross_validate(task, examples, tokenizer, cv_folds, seed, params)
        pipe = build_pipeline(task, tokenizer, y, params)
        if docs is not None and len(docs) != len(examples):
            raise ValueError("docs must match examples one for one")
        fit_params = {}
        if sample_weight is not None:
            fit_params["clf__sample_weight"] = np.asarray(sample_weight, dtype=float)
        pipe.fit(DocBatch(docs) if docs is not None else make_docs(texts_of(examples), tokenizer), y, **fit_params)
        dhash = data_hash(list(examples))
        now = datetime.now(UTC)
        meta = {
            "producer": PRODUCER,
            "task": task,
            "version": version or f"{task}-{now:%Y%m%dT%H%M%S}Z-{dhash[:8]}",
            "trained_at": now.isoformat(timespec="seconds"),
            "data_sha256": dhash,
            "data_source": source,
            "n_examples": len(examples),
            "label_counts": {lab: int((y == lab).sum()) for lab in labels},
            "labels": labels,
            "positive": pos,
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in {**TASK_PARAMS[task], **(params or {})}.items()},
            "title_repeat": TITLE_REPEAT,
            "tokenizer": {"signature": tokenizer.signature, "words": len(tokenizer.words),
                          "stopwords": len(tokenizer.stopwords)},
            "cv": cv,
            "versions": library_versions(),
        }
        return cls(task, pipe, meta)

    # -- files -------------------------------------------------------------
    @staticmethod
    def sidecar(path: Path) -> Path:
        return path.with_name(path.name + ".json")

    def save(self, path: str | Path) -> Path:
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # a name of its own per process: two writing the same model at once must not mix their files
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        joblib.dump(self.pipeline, tmp, compress=3)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        meta = {**self.meta, "file": path.name, "file_sha256": digest}
        side = self.sidecar(path)
        side_tmp = side.with_name(f"{side.name}.{os.getpid()}.tmp")
        side_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
        side_tmp.replace(side)
        self.meta = meta
        return path

    @classmethod
    def intact(cls, path: str | Path) -> bool:
        """Whether a model file is there with the metadata written with it (a save cut short, or two
        processes saving at once before the lock, leaves a file that ``load`` refuses)."""
        path = Path(path)
        try:
            meta = json.loads(cls.sidecar(path).read_text(encoding="utf-8"))
            return meta.get("file_sha256") == hashlib.sha256(path.read_bytes()).hexdigest()
        except (OSError, ValueError, AttributeError):
            return False

    @classmethod
    def load(cls, path: str | Path, task: str | None = None) -> TextModel:
        import joblib

        path = Path(path)
        side = cls.sidecar(path)
        if not path.exists():
            raise YuqingError(f"{path}: no such model file")
        if not side.exists():
            raise YuqingError(f"{path}: no metadata file {side.name} beside it; only models written by "
                              f"'yuqing classify train' can be loaded")
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise YuqingError(f"{side}: the metadata is not valid JSON") from None
        if meta.get("producer") != PRODUCER:
            raise YuqingError(f"{path}: not a yuqing model (producer {meta.get('producer')!r})")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != meta.get("file_sha256"):
            raise YuqingError(f"{path}: the file does not match its metadata (changed after it was saved); "
                              f"retrain it with 'yuqing classify train'")
        bad = _compatible(meta.get("versions", {}))
        if bad:
            raise YuqingError(f"{path}: written with other library versions ({'; '.join(bad)}); "
                              f"retrain it with 'yuqing classify train'")
        if task is not None and meta.get("task") != task:
            raise YuqingError(f"{path}: a {meta.get('task')} model, not a {task} model")
        pipeline = joblib.load(path)
        return cls(meta["task"], pipeline, meta)

    # -- prediction --------------------------------------------------------
    def docs(self, texts: Sequence[str]) -> DocBatch:
        return make_docs(texts, self.tokenizer)

    @property
    def scorer(self):
        from yuqing.classify.scoring import Scorer

        s = getattr(self, "_scorer", None)
        if s is None:
            s = self._scorer = Scorer({self.task: self})
        return s

    def predict(self, docs, explain: bool = True) -> list[Prediction]:
        """Labels, scores and (optionally) the words that drove each prediction."""
        docs = make_docs(docs, self.tokenizer)
        if not len(docs):
            return []
        return self.predictions(self.scorer.score(docs)[self.task], explain)

    def predictions(self, scored, explain: bool = True) -> list[Prediction]:
        """:class:`Prediction` values from a :class:`~yuqing.classify.scoring.Scored` batch."""
        proba = scored.proba
        classes = scored.classes
        best = proba.argmax(axis=1)
        idx = np.arange(len(best))
        conf = proba[idx, best]
        score = proba[:, classes.index(self.positive)] if self.positive is not None else conf
        words = self._explain(scored, best) if explain else [[] for _ in range(len(best))]
        return [Prediction(classes[b], s, c, w)
                for b, s, c, w in zip(best.tolist(), np.round(score, 4).tolist(), np.round(conf, 4).tolist(), words)]

    def _word_coef(self) -> np.ndarray:
        """Linear weights of the word features, one column per class."""
        cached = getattr(self, "_coef_cache", None)
        if cached is not None:
            return cached
        clf = self.pipeline.named_steps["clf"]
        est = clf.calibrated_classifiers_[0].estimator if hasattr(clf, "calibrated_classifiers_") else clf
        coef = np.asarray(est.coef_, dtype=np.float64)
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        features = self.pipeline.named_steps["features"]
        kind, vec, _w = features.blocks_[0]
        n_word = len(vec.vocab_) if kind == "word" else 0
        self._coef_cache = np.ascontiguousarray(coef[:, :n_word].T)
        return self._coef_cache

    def _explain(self, scored, best: np.ndarray, k: int = EXPLAIN_WORDS) -> list[list[tuple[str, float]]]:
        """The k word features with the largest positive share (weight × tf-idf) in each prediction."""
        n = len(best)
        out: list[list[tuple[str, float]]] = [[] for _ in range(n)]
        if scored.word_rows is None or not len(scored.word_rows):
            return out
        coef = self._word_coef()
        names = self.pipeline.named_steps["features"].blocks_[0][1].feature_names_
        rows, cols = scored.word_rows, scored.word_cols
        contrib = scored.word_vals * coef[cols, best[rows]]
        keep = contrib > 0
        rows, cols, contrib = rows[keep], cols[keep], contrib[keep]
        if not len(rows):
            return out
        # order by row, then by contribution (largest first): one argsort on a combined key
        order = np.argsort(rows - contrib / (contrib.max() * 2.0), kind="stable")
        rows, cols, contrib = rows[order], cols[order], contrib[order]
        starts = np.searchsorted(rows, np.arange(n))
        top = (np.arange(len(rows)) - starts[rows]) < k
        rows = rows[top]
        pairs = list(zip(names[cols[top]].tolist(), np.round(contrib[top], 4).tolist()))
        bounds = np.searchsorted(rows, np.arange(n + 1)).tolist()
        return [pairs[bounds[i]:bounds[i + 1]] for i in range(n)]

    # -- evaluation --------------------------------------------------------
    def evaluate(self, examples: Sequence[Example]) -> dict[str, Any]:
        preds = self.predict(texts_of(examples), explain=False)
        y_true = [e.label for e in examples]
        y_pred = [p.label for p in preds]
        labels = sorted(set(self.labels) | set(y_true))
        out = metrics(y_true, y_pred, labels)
        unknown = sorted(set(y_true) - set(self.labels))
        if unknown:
            out["labels_unknown_to_model"] = unknown
        return out

    def describe(self) -> dict[str, Any]:
        m = self.meta
        cv = m.get("cv") or {}
        return {"task": self.task, "version": m.get("version"), "trained_at": m.get("trained_at"),
                "n_examples": m.get("n_examples"), "labels": m.get("labels"),
                "cv_accuracy": cv.get("accuracy"), "cv_macro_f1": cv.get("macro_f1"),
                "platform": platform.python_implementation()}
