"""Calibration: does an office's labelling, chosen by the 待标注 queue, make the judgement better — and better
than labelling posts picked at random?

Simulates an office on the labelled real posts of ``../shared/data/dev``: the deployment starts from the shipped
models (Beijing's locality for the Weibo relevance set, A市's for the citizen messages; negativity over all 620
posts), the queue (:func:`yuqing.classify.calibration.choose`, over the deployment's current judgement) asks
for N posts, their dev labels stand for the monitor's answers, and the models are retrained exactly as
``yuqing classify retrain`` does (shipped corpus + the office's labels, each weighing ``OFFICE_WEIGHT`` rows;
for relevance also the decision threshold, calibrated on the scores the posts had when they were asked).
The queue asks in rounds (N = 50, 100, 200, 400), retraining after each, as an office labels a batch a week.

Honest measurement: each set is split into 5 folds; the office's posts are four folds, the fifth is never
labelled and is where the figure is taken; every fold takes its turn, so every post is measured once, by
models that never saw its label. The same N posts chosen at random (3 seeds, mean) are the comparison.
Where a pool has fewer posts than N, N is all of it (marked ``pool``): then queue and random are the same.

Targets (issue #13): at N = 200 negativity ROC AUC ≥ 0.92 and relevance F1 ≥ 0.90; the queue ahead of random
at every N.
"""
from __future__ import annotations

import os
import tempfile
import time

import devsets
import numpy as np
from bench_judgement import _config, _records

NS = (50, 100, 200, 400)
FOLDS = 5
SEEDS = 3


def _truth(task: str, rows: list[dict]) -> list[str]:
    from yuqing.classify import calibration as cal

    if task == "negativity":
        return [cal.NEGATIVE if r["negative"] else cal.NOT_NEGATIVE for r in rows]
    return [cal.RELEVANT if r["relevant"] else cal.IRRELEVANT for r in rows]


class Office:
    """One simulated deployment: its posts, the shipped models, a trainer for the task."""

    def __init__(self, task: str, cfg, rows: list[dict]):
        from yuqing.classify import calibration as cal
        from yuqing.classify.api import ModelSet

        self.task, self.cfg = task, cfg
        self.truth = _truth(task, rows)
        self.records = _records(rows, cfg.timezone)
        self.shipped = ModelSet.for_config(cfg)
        self.trainer = cal.Trainer(cfg, task)
        self.weight = float(os.environ.get("YUQING_BENCH_OFFICE_WEIGHT", cal.OFFICE_WEIGHT))
        if os.environ.get("YUQING_BENCH_THRESHOLD_PRIOR"):  # for tuning runs only
            cal.THRESHOLD_PRIOR = int(os.environ["YUQING_BENCH_THRESHOLD_PRIOR"])

    def judge(self, models, idx) -> list:
        from yuqing.classify import calibration as cal

        return cal.judge(self.cfg, [self.records[i] for i in idx], models)

    def retrain(self, asked: list[tuple[int, object]]):
        """Models after the office answered ``asked`` ((index, the post as judged when it was asked), …)."""
        from yuqing.classify import calibration as cal
        from yuqing.classify.api import ModelSet

        labs = [cal.Label(self.task, post, self.truth[i]) for i, post in asked]
        rows, _ = cal.office_examples(self.task, labs)
        model = self.trainer.fit(rows, weight=self.weight, positive=self.shipped.models()[self.task].positive)
        if self.task == "relevance":
            firm = [(cal.public_score(p), self.truth[i] == cal.RELEVANT) for i, p in asked if cal._gate(p) == "firm"]
            t = cal.best_threshold([s for s, _ in firm], [r for _, r in firm], self.cfg.thresholds.relevance_min)
            if t is not None:
                model.meta["threshold"] = t
        return ModelSet(**{**self.shipped.models(), self.task: model})


def simulate(office: Office, ns=NS, folds: int = FOLDS, seeds: int = SEEDS) -> dict:
    """{(strategy, N): (post indices, judged posts)} over all folds, and the pool sizes."""
    from sklearn.model_selection import StratifiedKFold

    from yuqing.classify import calibration as cal

    out: dict = {}
    pools = []
    split = StratifiedKFold(folds, shuffle=True, random_state=0).split(office.truth, office.truth)
    for f, (pool, test) in enumerate(split):
        pool = [int(i) for i in pool]
        pools.append(len(pool))
        # the queue: rounds, retraining after each
        models, asked = office.shipped, []
        for want in ns:
            n = min(want, len(pool))
            taken = {i for i, _ in asked}
            left = [i for i in pool if i not in taken]
            if n > len(asked):
                judged = office.judge(models, left)
                at = {p.id: i for i, p in zip(left, judged)}
                threshold = models.relevance.meta.get("threshold", office.cfg.thresholds.relevance_min)
                picks = cal.choose(judged, n - len(asked), labelled_texts=[office.records[i].text for i, _ in asked],
                                   relevance_min=threshold)
                if len(picks) < n - len(asked):  # the queue ran out of unlike posts: the rest in pool order
                    chosen = {p.post.id for p in picks}
                    extra = [p for p in judged if p.id not in chosen][: n - len(asked) - len(picks)]
                    picks += [cal.Pick(p, 0.0, cal.doubt(p), 0.0) for p in extra]
                asked += [(at[p.post.id], p.post) for p in picks]
                models = office.retrain(asked)
            out.setdefault(("queue", want), []).append((test, office.judge(models, test)))
        # random choice, answered all at once (scored by the shipped models, which had not seen them)
        shipped_pool = dict(zip(pool, office.judge(office.shipped, pool)))
        for seed in range(seeds):
            order = [int(i) for i in np.random.default_rng(1000 * f + seed).permutation(pool)]
            for n in ns:
                chosen = order[: min(n, len(pool))]
                models = office.retrain([(i, shipped_pool[i]) for i in chosen])
                out.setdefault((f"random{seed}", n), []).append((test, office.judge(models, test)))
        print(f"   [{office.task} fold {f + 1}/{folds}]", flush=True)
    return {"runs": out, "pool": min(pools)}


def _figure(office: Office, parts) -> dict:
    from yuqing.classify import calibration as cal

    idx = [int(i) for t, _ in parts for i in t]
    judged = [p for _, j in parts for p in j]
    return cal.figures(office.task, judged, [office.truth[i] for i in idx])


def report(office: Office, result: dict, name: str, ns=NS, seeds: int = SEEDS) -> dict:
    from yuqing.classify import calibration as cal

    key = "auc" if office.task == "negativity" else "f1"
    f = {}
    base = cal.figures(office.task, office.judge(office.shipped, range(len(office.records))), office.truth)
    f[f"{name}_N0_{key}"] = base[key]
    for n in ns:
        m = min(n, result["pool"])
        tag = f"{name}_N{n}" + ("_pool" if m < n else "")
        q = _figure(office, result["runs"][("queue", n)])
        r = [_figure(office, result["runs"][(f"random{s}", n)])[key] for s in range(seeds)]
        f[f"{tag}_queue_{key}"] = q[key]
        f[f"{tag}_random_{key}"] = round(float(np.mean(r)), 4)
        if office.task == "negativity":
            f[f"{tag}_queue_accuracy"] = q["accuracy"]
        else:
            f[f"{tag}_queue_precision"], f[f"{tag}_queue_recall"] = q["precision"], q["recall"]
    return f


def run(quick: bool = False) -> dict:
    if not devsets.available():
        return {"skipped": f"the dev sets are not available ({devsets.DEV})"}
    ns, folds, seeds = ((20,), 2, 1) if quick else (NS, FOLDS, SEEDS)
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        sets = [("negativity", "negativity", None, devsets.negativity())]
        sets += [(f"relevance_{k}", "relevance", k, devsets.relevance(k)) for k in ("beijing", "a")]
        only = os.environ.get("YUQING_BENCH_SETS")  # e.g. "relevance_beijing" while developing
        for name, task, key, rows in sets:
            if only and name not in only.split(","):
                continue
            if quick and name == "relevance_a":  # the same code as Beijing's; the smoke run skips it
                continue
            if quick:
                rows = rows[::8]
            start = time.perf_counter()
            cfg = _config(os.path.join(tmp, name), devsets.locality_config(key) if key else None)
            office = Office(task, cfg, rows)
            result = simulate(office, ns, folds, seeds)
            figures.update(report(office, result, name, ns, seeds))
            print(f"   [{name}: {time.perf_counter() - start:.0f} s]", flush=True)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=False), ensure_ascii=False, indent=1))
