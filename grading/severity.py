"""The four-level severity of an event: a scikit-learn model bounded by the rubric's rules.

The model is one ``Pipeline``: TF-IDF over the event's tokens (from the
classify tokenizer, place names folded) beside the rubric's text signals, the
spread (posts, reposts, comments, likes, reach, 大V, verified, media level,
growth), topic and negativity, into a balanced logistic regression. It is
trained from the labelled events we ship (:mod:`yuqing.grading.corpus`) plus
the monitors' level corrections, and saved with joblib beside a JSON sidecar
(library versions, training-data hash, labels, cross-validated macro-F1, the
file's own SHA-256); the loader refuses a file whose sidecar does not match.

:func:`grade` gives the level: the rubric's floor, which the model may lower by
one level below 特别重大 (:meth:`yuqing.grading.rubric.RubricResult.apply`), with
the reasons in Chinese.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MaxAbsScaler
from yuqing.classify import signals
from yuqing.grading import rubric
from yuqing.grading.features import SUMMARY_CHARS, EventView, describe

from yuqing.classify.registry import TRAINING_LOCK, ModelRegistry, folder_lock
from yuqing.domain import Level
from yuqing.errors import YuqingError

log = logging.getLogger(__name__)

#: bump when features change (the code of the feature modules is hashed too): older model files are
#: then retrained, not loaded
FEATURE_VERSION = 2
MODEL_NAME = "severity"
LABELS = [lv.label for lv in Level.descending()]


# -- pipeline parts (module level, so they pickle) ---------------------------------

def identity(tokens):
    return tokens


class Pick(BaseEstimator, TransformerMixin):
    """Take one field of each sample dict."""

    def __init__(self, key: str = "tokens"):
        self.key = key

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [x[self.key] for x in X]


def build_pipeline(C: float = 1.0) -> Pipeline:
    words = Pipeline([
        ("pick", Pick("tokens")),
        ("tfidf", TfidfVectorizer(analyzer=identity, min_df=2, max_df=0.6, sublinear_tf=True, max_features=20000)),
    ])
    numeric = Pipeline([("pick", Pick("numeric")), ("dict", DictVectorizer()), ("scale", MaxAbsScaler())])
    return Pipeline([
        ("features", FeatureUnion([("words", words), ("numeric", numeric)], transformer_weights={"words": 0.7, "numeric": 1.0})),
        # fitted to convergence (tol): a fit stopped early ends where float noise in the features steers it,
        # and a post on a tie between two levels was graded differently from one run to the next
        ("clf", LogisticRegression(C=C, class_weight="balanced", max_iter=3000, tol=1e-7)),
    ])


# -- training data ------------------------------------------------------------------

@dataclass
class LabelledEvent:
    """One training example: an event's posts and its level."""

    posts: list  # PostRecord
    level: Level
    origin: str = "corpus"  # corpus, correction
    key: str = ""


def records_from_json(posts: list[dict], prefix: str = "") -> list:
    """Posts in the ``yuqing grade --input`` format as PostRecords (see :mod:`yuqing.intake`)."""
    from yuqing.intake import record_from_json

    return [record_from_json(p, line=i + 1, prefix=prefix) for i, p in enumerate(posts)]


def corpus_examples(cfg=None) -> list[LabelledEvent]:
    """The shipped labelled events, told of the deployment's own county (``cfg.locality.name``)."""
    from yuqing.classify.corpus import Filler
    from yuqing.grading.corpus import localize, training_events

    filler = Filler(cfg)
    out = []
    for e in training_events():
        e = localize(e, cfg.locality.name if cfg is not None else None, filler)
        out.append(LabelledEvent(records_from_json(e["posts"], prefix=f"corpus:{e['event']}:"), Level.parse(e["label"]),
                                 "corpus", e["event"]))
    return out


def data_hash(examples: list[LabelledEvent]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(f"{ex.key}\t{int(ex.level)}\t".encode())
        for p in ex.posts:
            h.update(f"{p.title}\t{p.text}\t{p.interactions}\t{p.media_level}\n".encode())
    return h.hexdigest()[:16]


# -- the model ------------------------------------------------------------------------

@dataclass
class SeverityModel:
    pipeline: Pipeline
    meta: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.meta.get("version", "unsaved")

    def predict(self, samples: list[dict]) -> list[tuple[Level, dict[str, float]]]:
        proba = self.pipeline.predict_proba(samples)
        classes = [Level(int(c)) for c in self.pipeline.classes_]
        out = []
        for row in proba:
            i = int(np.argmax(row))
            out.append((classes[i], {c.label: float(p) for c, p in zip(classes, row)}))
        return out

    # -- files --------------------------------------------------------------
    def save(self, model_dir: Path) -> Path:
        folder = Path(model_dir) / MODEL_NAME
        folder.mkdir(parents=True, exist_ok=True)
        version = self.meta.get("version") or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.meta["version"] = version
        path = folder / f"{MODEL_NAME}-{version}.joblib"
        tmp = path.with_suffix(f".joblib.{os.getpid()}.tmp")  # (a name of its own per process)
        joblib.dump(self.pipeline, tmp, compress=3)
        tmp.replace(path)
        self.meta["sha256"] = _sha256(path)
        self.meta["file"] = path.name
        path.with_suffix(".json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load_file(cls, path: Path) -> SeverityModel:
        side = Path(path).with_suffix(".json")
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise YuqingError(f"severity model {path}: sidecar {side.name} is missing or unreadable; run 'yuqing events retrain'") from e
        problems = _version_problems(meta)
        if problems:
            raise YuqingError(f"severity model {path.name} was saved with {problems}; run 'yuqing events retrain'")
        if meta.get("sha256") != _sha256(path):
            raise YuqingError(f"severity model {path.name} does not match its sidecar (not produced by this deployment?)")
        return cls(joblib.load(path), meta)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: the code that turns posts into features (the text signals are classify's: negativity reads them too)
_FEATURE_MODULES = (Path(signals.__file__), *(Path(__file__).with_name(n) for n in ("spread.py", "rubric.py", "features.py")))


def feature_signature() -> str:
    """A hash of the code that turns posts into features: a model from other code is not loaded."""
    h = hashlib.sha256(str(FEATURE_VERSION).encode())
    for path in _FEATURE_MODULES:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def corpus_signature() -> str:
    from importlib import resources

    from yuqing.grading.corpus import corpus_files

    h = hashlib.sha256()
    for name in corpus_files():
        h.update(name.encode())
        h.update(resources.files("yuqing.grading").joinpath("data", name).read_bytes())
    return h.hexdigest()[:16]


def _environment() -> dict:
    return {"sklearn": sklearn.__version__, "numpy": np.__version__, "joblib": joblib.__version__,
            "python": platform.python_version(), "feature_version": FEATURE_VERSION, "features": feature_signature()}


def _version_problems(meta: dict) -> str:
    env = _environment()
    diffs = [f"{k} {meta.get(k)} (installed {env[k]})" for k in ("sklearn", "feature_version", "features")
             if meta.get(k) != env[k]]
    return ", ".join(diffs)


def current_pointer(model_dir: Path) -> Path:
    return Path(model_dir) / MODEL_NAME / "current.json"


def classify_versions(model_dir: Path) -> dict[str, str]:
    """The classify models in use (their negativity and topic are features here)."""
    reg = ModelRegistry(model_dir)
    out = {}
    for task in ("topic", "negativity"):
        path = reg.current(task)
        if path is not None:
            out[task] = path.name
    return out


def load_current(model_dir: Path, check_classify: bool = True) -> SeverityModel | None:
    """The deployment's current model, or None when there is none, it no longer loads, or the
    classify models it was trained with have been replaced since."""
    pointer = current_pointer(model_dir)
    if not pointer.exists():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["file"]
        model = SeverityModel.load_file(pointer.parent / name)
    except (OSError, ValueError, KeyError, YuqingError) as e:
        log.info("severity model not loaded (%s); training a new one", e)
        return None
    if check_classify and model.meta.get("classify") is not None and model.meta["classify"] != classify_versions(model_dir):
        log.info("the classify models changed since the severity model was trained; retraining it")
        return None
    if model.meta.get("corpus") not in (None, corpus_signature()):
        log.info("the shipped training events changed since the severity model was trained; retraining it")
        return None
    return model


def set_current(model_dir: Path, model: SeverityModel) -> None:
    pointer = current_pointer(model_dir)
    tmp = pointer.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"file": model.meta["file"], "version": model.version}), encoding="utf-8")
    tmp.replace(pointer)


# -- featurising and training ------------------------------------------------------------

#: event texts whose words the featurizer remembers (and post texts, the grouping's)
EVENT_TEXTS_CACHED = 512


class Featurizer:
    """Turns posts into EventViews and model samples for one configuration."""

    def __init__(self, cfg, tokenizer=None):
        self.cfg = cfg
        if tokenizer is None:
            from yuqing.classify.tokenizer import Tokenizer

            # an event's text changes with every post it takes: a long memory of texts would rarely be read
            tokenizer = Tokenizer(cfg, cache_size=EVENT_TEXTS_CACHED)
        self.tokenizer = tokenizer

    def view(self, posts) -> EventView:
        return describe(posts, self.tokenizer, self.cfg)

    def rubric(self, view: EventView) -> rubric.RubricResult:
        return rubric.evaluate(view.signals, view.spread, view.negativity, self.cfg.thresholds, told=view.told)

    def sample(self, view: EventView, rules: rubric.RubricResult | None = None) -> dict:
        rules = rules or self.rubric(view)
        return view.sample(int(rules.floor))


def classify_for_training(cfg, examples: list[LabelledEvent]) -> None:
    """Fill topic and negativity of training posts the way live posts get them (classify's models)."""
    todo = [p for ex in examples for p in ex.posts if p.negativity is None or p.topic is None]
    if not todo:
        return
    try:
        from yuqing.classify.api import classify_records
    except ImportError as e:  # pragma: no cover - classify is part of yuqing
        log.warning("classify not available (%s); training without topic and negativity", e)
        return
    classify_records(cfg, todo)
    for p in todo:
        p.relevant = True


def train(cfg, examples: list[LabelledEvent] | None = None, *, C: float = 1.0, cv: int = 5,
          featurizer: Featurizer | None = None) -> SeverityModel:
    """Fit the pipeline on the examples (default: the shipped corpus) and score it by cross-validation."""
    examples = examples if examples is not None else corpus_examples(cfg)
    if len({ex.level for ex in examples}) < 2:
        raise YuqingError("training the severity model needs events of at least two levels")
    featurizer = featurizer or Featurizer(cfg)
    classify_for_training(cfg, examples)
    views = [featurizer.view(ex.posts) for ex in examples]
    rules = [featurizer.rubric(v) for v in views]
    X = [featurizer.sample(v, r) for v, r in zip(views, rules)]
    y = np.array([int(ex.level) for ex in examples])
    score = cross_validated_f1(X, y, rules, C=C, folds=cv) if cv else None
    pipe = build_pipeline(C).fit(X, y)
    meta = {
        **_environment(),
        "labels": LABELS,
        "trained_at": datetime.now(UTC).isoformat(),
        "examples": len(examples),
        "corrections": sum(ex.origin == "correction" for ex in examples),
        "per_level": {Level(lv).label: int((y == lv).sum()) for lv in sorted(set(y))},
        "data_hash": data_hash(examples),
        "tokenizer": getattr(featurizer.tokenizer, "signature", None),
        "cv_macro_f1": score,
        "C": C,
        "classify": classify_versions(cfg.model_dir),
        "corpus": corpus_signature(),
    }
    return SeverityModel(pipe, meta)


def _folds(y: np.ndarray, folds: int):
    smallest = min(np.bincount(y)[np.unique(y)])
    k = max(2, min(folds, int(smallest)))
    return StratifiedKFold(n_splits=k, shuffle=True, random_state=7).split(np.zeros(len(y)), y)


def out_of_fold(X: list[dict], y: np.ndarray, rules: list, *, C: float = 1.0, folds: int = 5,
                train_mask: np.ndarray | None = None) -> np.ndarray:
    """Final levels (model bounded by the rules) predicted out of fold.

    ``train_mask`` limits which examples each fold may train on (to compare training
    sets on the same test folds); every example is still predicted.
    """
    pred = np.zeros(len(y), dtype=int)
    for train_idx, test_idx in _folds(y, folds):
        if train_mask is not None:
            train_idx = train_idx[train_mask[train_idx]]
        pipe = build_pipeline(C).fit([X[i] for i in train_idx], y[train_idx])
        labels = [Level(int(c)).label for c in pipe.classes_]
        for i, row in zip(test_idx, pipe.predict_proba([X[i] for i in test_idx])):
            proba = dict(zip(labels, row.tolist()))
            pred[i] = int(rules[i].apply(Level(int(pipe.classes_[int(np.argmax(row))])), proba))
    return pred


def cross_validated_f1(X: list[dict], y: np.ndarray, rules: list, *, C: float = 1.0, folds: int = 5) -> float:
    """Macro-F1 of the final level (model bounded by the rules), out of fold."""
    return float(f1_score(y, out_of_fold(X, y, rules, C=C, folds=folds), average="macro"))


def ensure_model(cfg, deployment=None) -> SeverityModel:
    """The current model of the deployment, trained from the shipped corpus on first use (and when
    the features, the corpus or the classify models changed), with the deployment's level corrections."""
    model_dir = cfg.model_dir
    model = load_current(model_dir)
    if model is not None:
        return model
    with folder_lock(Path(model_dir) / MODEL_NAME, TRAINING_LOCK):  # one process trains, the others wait
        model = load_current(model_dir)  # (trained meanwhile by another)
        return model if model is not None else _train_current(cfg, deployment)


def _train_current(cfg, deployment=None) -> SeverityModel:
    model_dir = cfg.model_dir
    log.info("training the severity model from the shipped corpus")
    examples = corpus_examples(cfg)
    ids = []
    if deployment is not None:
        from yuqing.grading.retrain import correction_examples

        pairs = correction_examples(deployment)
        examples += [ex for _, ex in pairs]
        ids = [c.id for c, _ in pairs]
    model = train(cfg, examples, cv=0)
    model.meta["correction_ids"] = ids
    try:
        model.save(model_dir)
        set_current(model_dir, model)
    except OSError as e:  # a read-only model folder: use the model in memory
        log.warning("cannot save the severity model in %s: %s", model_dir, e)
    return model


# -- grading ---------------------------------------------------------------------------

@dataclass
class Grade:
    level: Level
    model_level: Level
    probabilities: dict[str, float]
    rules: rubric.RubricResult
    view: EventView
    reasons: list[str]


def grade(posts, model: SeverityModel, featurizer: Featurizer) -> Grade:
    """Grade one event from its posts."""
    return grade_many([posts], model, featurizer)[0]


#: events graded at once: the model reads their words together, and a batch of thousands of events would
#: hold all their texts and word lists at the same time
GRADE_CHUNK = 500


def grade_many(groups: list[list], model: SeverityModel, featurizer: Featurizer) -> list[Grade]:
    out = []
    for start in range(0, len(groups), GRADE_CHUNK):
        views = [featurizer.view(posts) for posts in groups[start:start + GRADE_CHUNK]]
        rules = [featurizer.rubric(v) for v in views]
        preds = model.predict([featurizer.sample(v, r) for v, r in zip(views, rules)])
        for view, r, (model_level, proba) in zip(views, rules, preds):
            level = r.apply(model_level, proba)
            # read by the model: a grade kept for long holds neither the event's words nor its whole text
            view.tokens, view.text = [], view.text[:SUMMARY_CHARS]
            out.append(Grade(level, model_level, proba, r, view, explain(level, model_level, proba, r, view)))
    return out


def explain(level: Level, model_level: Level, proba: dict[str, float], r: rubric.RubricResult, view: EventView) -> list[str]:
    """The reasons a monitor reads, in Chinese: the rules that fired, the model's view, the spread."""
    reasons = []
    for f in r.top_findings()[:4]:
        reasons.append(f"规则（不低于{f.level.label}）：{f.reason}")
    p = proba.get(model_level.label, 0.0)
    reasons.append(f"模型判断：{model_level.label}（概率{p:.0%}）")
    if level < r.floor:
        reasons.append(f"{rubric.LOWERED_BY_MODEL}：定为{level.label}")
    elif r.floor > model_level:
        reasons.append(f"规则下限{r.floor.label}高于模型判断，定为{level.label}")
    elif model_level > level:
        reasons.append(f"模型判断高于规则所示，以规则为准，定为{level.label}")
    s = view.spread
    spread = (f"传播：{s.post_count}条帖子，转发{s.reposts:,}、评论{s.comments:,}、点赞{s.likes:,}"
              f"（共{s.interactions:,}次互动）；媒体：{s.media_label()}")
    if s.big_v_posts:
        spread += f"；大V发帖{s.big_v_posts}条"
    reasons.append(spread)
    tone = []
    if view.topic:
        tone.append(f"话题：{view.topic}")
    if view.negativity is not None:
        tone.append(f"负面程度{view.negativity:.2f}")
    if tone:
        reasons.append("；".join(tone))
    return reasons
