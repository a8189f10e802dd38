"""Grading figures on evaluation sets written independently of our training data.

* ``benchmarks/data/grading_eval.jsonl`` — labelled events (``{"event", "label", "posts"}``):
  macro-F1 of the four levels (target ≥ 0.75), share of events graded within one
  level of the label (≥ 95%), 特别重大 events graded 影响较小 (must be 0).
* ``benchmarks/data/grouping_eval.jsonl`` — posts with their true ``event``:
  pairwise precision, recall and F1 of the grouping (target F1 ≥ 0.9).
* Throughput on one core: posts per second of the grading step (grouping and
  grading, posts already classified) beside those of the classify step.
* Growth (``grading_scale.py``, real posts from ``../shared/data``): posts per second and peak
  memory for one batch of 1k, 4k, 16k and 64k posts (targets at 16k: ≥ 1,000 posts/s, < 600 MB),
  and the time to grade 1,000 new posts against a store of 1k, 10k and 100k open events (target:
  100k costs at most twice 1k).

The evaluation files are read here and nowhere else; only aggregate figures are printed.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

from common import OneCore, locality

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GRADING_EVAL = HERE / "data" / "grading_eval.jsonl"
GROUPING_EVAL = HERE / "data" / "grouping_eval.jsonl"


def _config(data_dir: Path):
    from yuqing.config import from_dict

    return from_dict({"locality": locality(), "storage": {"data_dir": str(data_dir)}})


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def severity_figures(cfg, events: list[dict]) -> dict:
    from sklearn.metrics import f1_score
    from yuqing.grading.api import Grader, grade_event_posts
    from yuqing.intake import record_from_json

    from yuqing.domain import Level

    grader = Grader.for_config(cfg)
    truth, pred = [], []
    for n, e in enumerate(events):
        records = [record_from_json(p, line=i + 1, prefix=f"eval:{n}:") for i, p in enumerate(e["posts"])]
        g = grade_event_posts(cfg, records, grader)
        truth.append(int(Level.parse(e["label"])))
        pred.append(int(g.level))
    within = sum(abs(t - p) <= 1 for t, p in zip(truth, pred)) / len(truth)
    confusion = Counter(zip(truth, pred))
    figures = {
        "events": len(events),
        "macro_f1": float(f1_score(truth, pred, average="macro", labels=[1, 2, 3, 4])),
        "within_one_level": within,
        "special_graded_minor": confusion[(4, 1)],
        "accuracy": sum(t == p for t, p in zip(truth, pred)) / len(truth),
    }
    for lv in Level.descending():
        row = [confusion[(int(lv), int(c))] for c in Level.descending()]
        figures[f"confusion_{lv.roman}"] = "/".join(map(str, row))  # label row → graded I/II/III/IV
    return figures


def pairwise(truth: list[str], pred: list[int]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering against the true one."""
    def pairs(labels):
        groups: dict = {}
        for i, lab in enumerate(labels):
            groups.setdefault(lab, []).append(i)
        return {pair for members in groups.values() for pair in combinations(members, 2)}

    t, p = pairs(truth), pairs(pred)
    tp = len(t & p)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def grouping_figures(cfg, posts: list[dict]) -> dict:
    from yuqing.grading.api import Grader, grade_records
    from yuqing.intake import record_from_json

    grader = Grader.for_config(cfg)
    records = [record_from_json(p, line=i + 1, prefix="group:") for i, p in enumerate(posts)]
    results = grade_records(cfg, records, grader)
    truth = [str(p["event"]) for p in posts]
    pred = [ev.id for _, ev, _, _ in results]
    precision, recall, f1 = pairwise(truth, pred)
    return {"posts": len(posts), "true_events": len(set(truth)), "found_events": len(set(pred)),
            "pairwise_precision": precision, "pairwise_recall": recall, "pairwise_f1": f1}


def throughput(cfg, posts: list[dict], repeat: int) -> dict:
    from yuqing.grading.api import Grader, grade_records
    from yuqing.intake import record_from_json

    grader = Grader.for_config(cfg)
    batches = [[record_from_json(p, line=i + 1, prefix=f"speed:{k}:") for i, p in enumerate(posts)] for k in range(repeat)]
    n = sum(len(b) for b in batches)
    out: dict = {}
    with OneCore():
        try:
            from yuqing.classify.api import classify_records
        except ImportError as e:
            out["classify_posts_per_s"] = f"unavailable ({e})"
        else:
            classify_records(cfg, [record_from_json(p, prefix="warm:") for p in posts[:20]])  # load the models
            start = time.perf_counter()
            for b in batches:
                classify_records(cfg, b)
            out["classify_posts_per_s"] = n / (time.perf_counter() - start)
        for b in batches:  # grading reads topic and negativity as classify left them
            for r in b:
                r.relevant = True
                if r.negativity is None:
                    r.negativity = 0.5
                if r.topic is None:
                    r.topic = "其他"
        start = time.perf_counter()
        for b in batches:
            grade_records(cfg, b, grader)
        out["grading_posts_per_s"] = n / (time.perf_counter() - start)
    return out


def scaling(tmp: Path, model_dir: Path, quick: bool) -> dict:
    """The growth curve of grading, each size in a process of its own (see grading_scale.py)."""
    import grading_scale

    if grading_scale.real_posts() is None:
        return {"scaling_skipped": "../shared/data absent (weibo_ced/posts.jsonl, complaints/messages_*.csv)"}
    out: dict = {}
    for n in (300,) if quick else (1000, 4000, 16000, 64000):
        r = grading_scale.run_in_child("batch", n, model_dir)
        out[f"batch_{n}"] = (f"{r['posts_per_s']} posts/s ({r['vs_bare_jieba']}× bare jieba.lcut on the same "
                             f"posts, {r['bare_jieba_posts_per_s']}/s), peak {r['peak_rss_mb']} MB "
                             f"({r['rss_before_mb']} MB before), {r['events']} events, the largest of "
                             f"{r['largest_event']} posts" + ("" if r["origin_pair_recall"] is None else
                                                              f"; same-origin pairs P {r['origin_pair_precision']} "
                                                              f"R {r['origin_pair_recall']}")) if "failed" not in r else r["failed"]
        if n == 16000 and "failed" not in r:
            out["batch_16k_posts_per_s"], out["batch_16k_peak_mb"] = r["posts_per_s"], r["peak_rss_mb"]
            out["batch_16k_vs_bare_jieba"] = r["vs_bare_jieba"]
    seconds = {}
    for n in (100, 1000) if quick else (1000, 10000, 100000):
        r = grading_scale.run_in_child("store", n, model_dir, 100 if quick else 1000)
        out[f"store_{n}_open_events"] = (f"{r['seconds']} s for {r['new_posts']} new posts "
                                         f"({r['joined_events']} joined open events, {r['new_events']} new)"
                                         if "failed" not in r else r["failed"])
        seconds[n] = r.get("seconds")
    small, large = min(seconds), max(seconds)
    if seconds[small] and seconds[large]:
        out["store_cost_ratio_largest_to_smallest"] = seconds[large] / seconds[small]
    return out


def run(quick: bool = False) -> dict:
    missing = [p.name for p in (GRADING_EVAL, GROUPING_EVAL) if not p.exists()]
    if len(missing) == 2:
        return {"skipped": f"evaluation sets absent: benchmarks/data/{' and '.join(missing)} "
                           "(written independently of the training data; the figures need them)"}
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-grading-") as tmp:
        cfg = _config(Path(tmp))
        from yuqing.grading.api import Grader

        start = time.perf_counter()
        Grader.for_config(cfg)
        figures["model_ready_s"] = time.perf_counter() - start
        speed_posts: list[dict] = []
        if GRADING_EVAL.exists():
            events = _read(GRADING_EVAL)
            if quick:
                events = events[:40]
            figures.update({f"severity_{k}": v for k, v in severity_figures(cfg, events).items()})
            speed_posts += [p for e in events for p in e["posts"]]
        else:
            figures["severity_skipped"] = f"{GRADING_EVAL.name} absent"
        if GROUPING_EVAL.exists():
            posts = _read(GROUPING_EVAL)
            if quick:
                posts = posts[:120]
            figures.update({f"grouping_{k}": v for k, v in grouping_figures(cfg, posts).items()})
            speed_posts = posts + speed_posts
        else:
            figures["grouping_skipped"] = f"{GROUPING_EVAL.name} absent"
        if speed_posts:
            figures.update(throughput(cfg, speed_posts, repeat=1 if quick else 3))
        figures.update(scaling(Path(tmp), cfg.model_dir, quick))
    targets = []
    if "severity_macro_f1" in figures:
        targets += [figures["severity_macro_f1"] >= 0.75, figures["severity_within_one_level"] >= 0.95,
                    figures["severity_special_graded_minor"] == 0]
    if "grouping_pairwise_f1" in figures:
        targets.append(figures["grouping_pairwise_f1"] >= 0.9)
    if "batch_16k_posts_per_s" in figures:
        targets += [figures["batch_16k_posts_per_s"] >= 1000, figures["batch_16k_peak_mb"] < 600]
    if "store_cost_ratio_largest_to_smallest" in figures and not quick:
        targets.append(figures["store_cost_ratio_largest_to_smallest"] <= 2)
    figures["targets_met"] = all(targets) if targets else None
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    for k, v in run(quick="--quick" in sys.argv).items():
        print(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}")
