"""Classify posts: is each about the locality (relevance), which risk area (topic), how negative.

Other stages call two functions:

* :func:`classify_records` fills ``relevant``, ``relevance``, ``topic``,
  ``negativity``, ``explanation`` and ``classified_at`` of
  :class:`~yuqing.store.PostRecord` values (in place, and returns them);
* :func:`classify_pending` does that for the posts the store has not
  classified yet and writes the results back through ``posts.update``.

Models come from the deployment's model directory (:mod:`.registry`). When a
task has no model yet, one is trained from the shipped corpus with the
locality's names filled in (deterministic, a few seconds) and saved there.
Each batch is segmented once and the three models share the segmentation.
"""
from __future__ import annotations

import gc

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from yuqing.classify.corpus import shipped, shipped_hash
from yuqing.classify.features import compose, make_docs
from yuqing.classify.model import TASKS, TITLE_REPEAT, TextModel
from yuqing.classify.registry import ModelRegistry
from yuqing.classify.tokenizer import Tokenizer

from yuqing.errors import YuqingError
from yuqing.models import utcnow

log = logging.getLogger(__name__)

#: posts entered by hand (群众反映) are relevant by definition
ALWAYS_RELEVANT_KINDS = frozenset({"manual"})
#: kinds whose posts may not repeat the locality's name (the locality's own message board)
NAME_OPTIONAL_KINDS = frozenset({"manual", "board"})

_cache: dict[str, tuple[float, ModelSet]] = {}
_cache_lock = threading.Lock()
_train_lock = threading.Lock()


def _config(deployment_or_config):
    return getattr(deployment_or_config, "config", deployment_or_config)


def shipped_version(task: str, tokenizer: Tokenizer, topics: Sequence[str]) -> str:
    import hashlib

    extra = hashlib.sha256("|".join(topics).encode("utf-8")).hexdigest()[:4] if task == "topic" else ""
    return f"{task}-shipped-{shipped_hash(task)[:8]}{extra}-{tokenizer.signature[:8]}"


def train_shipped(cfg, task: str, cv_folds: int = 3) -> TextModel:
    """The model of a task trained on the shipped corpus, filled in for this deployment."""
    tokenizer = Tokenizer(cfg)
    topics = list(cfg.classify.topics) if cfg is not None else None
    examples = shipped(task, cfg, topics)
    return TextModel.train(task, examples, tokenizer, cv_folds=cv_folds, source="shipped corpus",
                           version=shipped_version(task, tokenizer, topics or []))


def ensure_models(cfg) -> dict[str, Path]:
    """Make sure every task has a current model; train shipped ones where missing or outdated."""
    reg = ModelRegistry(cfg.model_dir)
    tokenizer = Tokenizer(cfg)
    out = {}
    with _train_lock:
        for task in TASKS:
            path = reg.current(task)
            want = shipped_version(task, tokenizer, list(cfg.classify.topics))
            if path is not None and path.name.startswith(f"{task}-shipped-") and path.stem != want:
                log.info("the configuration changed since the shipped %s model was trained; retraining", task)
                path = None
            if path is None:
                target = reg.new_path(want)
                if not target.exists():
                    log.info("training the %s model from the shipped corpus (first use)", task)
                    model = train_shipped(cfg, task)
                    model.save(target)
                reg.set_current(task, target, reason="shipped corpus", source="shipped")
                path = target
            out[task] = path
    return out


@dataclass
class ModelSet:
    """The current relevance, topic and negativity models of a deployment."""

    relevance: TextModel
    topic: TextModel
    negativity: TextModel

    @classmethod
    def for_config(cls, cfg) -> ModelSet:
        reg = ModelRegistry(cfg.model_dir)
        key = str(Path(cfg.model_dir).resolve())
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] == reg.stamp() and hit[0]:
                return hit[1]
        paths = ensure_models(cfg)
        models = cls(**{task: TextModel.load(paths[task], task) for task in TASKS})
        # the models' vocabularies are millions of long-lived objects: keep them out of the cyclic
        # garbage collector's full passes, which otherwise stall the hot path every few thousand posts
        gc.collect()
        gc.freeze()
        with _cache_lock:
            _cache[key] = (reg.stamp(), models)
        return models

    def models(self) -> dict[str, TextModel]:
        return {"relevance": self.relevance, "topic": self.topic, "negativity": self.negativity}

    def predict(self, texts: Sequence[str], explain: bool = True) -> dict[str, list]:
        """Each task's predictions for the texts, segmenting them once when the models share a tokenizer."""
        from yuqing.classify.scoring import Scorer

        models = self.models()
        if len({m.tokenizer.signature for m in models.values()}) == 1:
            scorer = getattr(self, "_scorer", None)
            if scorer is None:
                scorer = self._scorer = Scorer(models)
            docs = make_docs(texts, self.relevance.tokenizer)
            scored = scorer.score(docs)
            return {task: m.predictions(scored[task], explain) for task, m in models.items()}
        return {task: m.predict(texts, explain) for task, m in models.items()}


def _mentions(cfg, text: str) -> bool:
    """Does the text name the locality, a sub-unit or a local term (look-alike places do not count)?"""
    loc = cfg.locality
    for other in loc.lookalikes:
        text = text.replace(other, "")
    return any(n and n in text for n in [*loc.names(), *loc.terms])


def classify_records(deployment_or_config, records: list, models: ModelSet | None = None) -> list:
    """Fill the classification fields of each record (in place) and return the records."""
    cfg = _config(deployment_or_config)
    if not records:
        return records
    models = models or ModelSet.for_config(cfg)
    texts = [compose(r.text or "", r.title or "", TITLE_REPEAT) for r in records]
    preds = models.predict(texts)
    now = utcnow()
    for i, rec in enumerate(records):
        rel, top, neg = preds["relevance"][i], preds["topic"][i], preds["negativity"][i]
        relevant = rel.label == models.relevance.positive
        rule = None
        if rec.kind in ALWAYS_RELEVANT_KINDS:
            relevant, rule = True, "人工录入的群众反映"
        elif relevant and rec.kind not in NAME_OPTIONAL_KINDS and not _mentions(cfg, f"{rec.title}\n{rec.text}"):
            relevant, rule = False, "未提及本地地名（仅同名或相似地名）"
        rec.relevant = relevant
        rec.relevance = rel.score
        rec.topic = top.label
        rec.negativity = neg.score
        rec.explanation = {
            "relevance": {"label": rel.label, "score": rel.score, "words": [list(w) for w in rel.words],
                          **({"rule": rule} if rule else {})},
            "topic": {"label": top.label, "score": top.score, "words": [list(w) for w in top.words]},
            "negativity": {"label": neg.label, "score": neg.score, "words": [list(w) for w in neg.words]},
            "models": {task: m.version for task, m in models.models().items()},
        }
        rec.classified_at = now
    return records


FIELDS = ("relevant", "relevance", "topic", "negativity", "explanation", "classified_at")


def classify_pending(deployment, limit: int | None = None, batch: int = 1000) -> int:
    """Classify posts not classified yet (all of them, or at most ``limit``); returns how many."""
    models = ModelSet.for_config(deployment.config)
    done = 0
    while limit is None or done < limit:
        n = batch if limit is None else min(batch, limit - done)
        posts = deployment.posts.pending("classify", limit=n)
        if not posts:
            break
        classify_records(deployment, posts, models)
        deployment.posts.update({p.id: {f: getattr(p, f) for f in FIELDS} for p in posts})
        done += len(posts)
        log.info("classified %d post(s)", done)
        if len(posts) < n:
            break
    return done


def classify_texts(cfg, texts: Iterable[str]) -> list[dict]:
    """Convenience for notebooks: the three predictions for plain texts."""
    from yuqing.store import PostRecord, post_key

    records = [PostRecord(key=post_key(f"text:{i}:{t}"), source="text", kind="text", text=t)
               for i, t in enumerate(texts)]
    classify_records(cfg, records)
    return [{"text": r.text, "relevant": r.relevant, "relevance": r.relevance, "topic": r.topic,
             "negativity": r.negativity, "explanation": r.explanation} for r in records]


__all__ = ["ModelSet", "YuqingError", "classify_pending", "classify_records", "ensure_models", "train_shipped"]
