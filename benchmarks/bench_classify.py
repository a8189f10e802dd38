"""Classifier figures on real labelled data, and the speed of the classify step.

* ``complaints/labeled.csv`` (330 messages to a city message board, 7 classes):
  stratified 5-fold cross-validated macro-F1 of the topic pipeline exactly as
  ``yuqing classify train --task topic`` builds it (the whole pipeline, TF-IDF
  vocabulary included, is refitted inside each fold). Target ≥ 0.80.
* ``sentiment/chnsenticorp_htl.csv`` (7,765 hotel reviews): 5-fold accuracy of
  the negativity pipeline as the CLI trains it — a printed reference only: review
  sentiment is not 舆情负面 (the judgement on real posts is ``bench_judgement``).
* Throughput on one core of the whole classify step (segmentation plus the
  relevance, topic and negativity models, with explanations) on ~200-character
  posts, beside bare ``jieba.lcut`` on the same texts. Target ≥ 5× jieba.

The models timed are the shipped ones a new office gets on day one (trained
from ``classify/data`` for the test county). ``quick`` uses subsets.
Skips with a reason when ``../shared/data`` is absent.
"""
from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

from common import OneCore, locality, shared

POST_CHARS = 200


def _posts(path: Path, n: int) -> list[str]:
    """Distinct ~200-character posts cut from real message-board letters."""
    out: list[str] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = " ".join((row.get("text") or "").split())
            for start in range(0, max(len(text) - POST_CHARS // 2, 1), POST_CHARS):
                piece = text[start:start + POST_CHARS]
                if len(piece) >= POST_CHARS // 2 and piece not in seen:
                    seen.add(piece)
                    out.append(piece)
                if len(out) >= n:
                    return out
    return out


def _rate(fn, texts: list[str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def throughput(n: int) -> dict:
    import jieba
    from yuqing.classify.api import ModelSet

    from yuqing.config import from_dict

    path = shared("complaints", "messages_votes.csv")
    texts = _posts(path, n)
    figures: dict = {"posts_timed": len(texts), "mean_post_chars": round(sum(map(len, texts)) / len(texts), 1)}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = from_dict({"locality": locality(), "storage": {"data_dir": tmp}})
        models = ModelSet.for_config(cfg)  # trains the shipped models (first use), not timed
        jieba.setLogLevel(60)
        jieba.initialize()
        tokenizer = models.relevance.tokenizer

        def classify_step(batch: list[str]) -> None:
            tokenizer._cache.clear()  # every post is new to the step: no cache hits
            for i in range(0, len(batch), 1000):
                models.predict(batch[i:i + 1000], explain=True)

        def bare_jieba(batch: list[str]) -> None:
            for t in batch:
                jieba.lcut(t)

        with OneCore():
            classify_step(texts[:200])  # warm up
            step = _rate(classify_step, texts, 3)
            bare = _rate(bare_jieba, texts, 2)
    figures["classify_step_posts_per_s"] = round(step)
    figures["bare_jieba_lcut_posts_per_s"] = round(bare)
    figures["classify_step_vs_jieba"] = round(step / bare, 2)
    return figures


def _cv(task: str, path: Path, limit: int | None, seeds: list[int]) -> list[dict]:
    from yuqing.classify.corpus import read_csv
    from yuqing.classify.model import cross_validate
    from yuqing.classify.tokenizer import Tokenizer

    examples = read_csv(path)  # exactly what `yuqing classify train --data` reads
    if limit is not None and len(examples) > limit:
        step = len(examples) / limit
        examples = [examples[int(i * step)] for i in range(limit)]
    tokenizer = Tokenizer(None)  # `yuqing classify train` without a configuration
    return [cross_validate(task, examples, tokenizer, folds=5, seed=s) for s in seeds]


def run(quick: bool = False) -> dict:
    complaints = shared("complaints", "labeled.csv")
    hotel = shared("sentiment", "chnsenticorp_htl.csv")
    votes = shared("complaints", "messages_votes.csv")
    if complaints is None or hotel is None or votes is None:
        return {"skipped": "../shared/data (complaints/, sentiment/) is not available"}
    figures: dict = {}

    seeds = [0] if quick else [0, 1, 2]
    topic = _cv("topic", complaints, None, seeds)
    figures["topic_cv5_macro_f1"] = topic[0]["macro_f1"]
    figures["topic_cv5_accuracy"] = topic[0]["accuracy"]
    if len(topic) > 1:
        figures["topic_cv5_macro_f1_mean_3_shuffles"] = round(sum(m["macro_f1"] for m in topic) / len(topic), 4)
    figures["topic_rows"] = topic[0]["n"]

    neg = _cv("negativity", hotel, 1500 if quick else None, seeds)
    figures["negativity_cv5_accuracy"] = neg[0]["accuracy"]
    figures["negativity_cv5_macro_f1"] = neg[0]["macro_f1"]
    if len(neg) > 1:
        figures["negativity_cv5_accuracy_mean_3_shuffles"] = round(sum(m["accuracy"] for m in neg) / len(neg), 4)
    figures["negativity_rows"] = neg[0]["n"]

    figures.update(throughput(600 if quick else 4000))
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=False), ensure_ascii=False, indent=1))
