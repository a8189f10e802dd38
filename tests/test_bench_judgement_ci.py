"""The judgement benchmark's bootstrap intervals: they hold the figure, narrow as the sample grows, and are
reproducible (the benchmark prints them beside every main figure on the dev sets)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

bench = pytest.importorskip("bench_judgement")


def _labels(n: int, right: float, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.where(rng.random(n) < right, y, 1 - y)
    return y, p


def test_interval_holds_the_figure_and_narrows_with_more_posts():
    y, p = _labels(200, 0.85)
    acc = float(np.mean(y == p))
    lo, hi = bench.bootstrap_ci(bench._accuracy, y, p)
    assert lo < acc < hi
    assert 0.04 < hi - lo < 0.12  # about ±2·sqrt(0.85·0.15/200) ≈ ±0.05
    y4, p4 = _labels(3200, 0.85)
    lo4, hi4 = bench.bootstrap_ci(bench._accuracy, y4, p4)
    assert (hi4 - lo4) < (hi - lo) / 3  # 16 times the posts: a quarter of the width


def test_interval_is_reproducible_and_degenerate_when_every_post_is_right():
    y, p = _labels(120, 0.9)
    assert bench.bootstrap_ci(bench._f1, y, p) == bench.bootstrap_ci(bench._f1, y, p)
    assert bench.bootstrap_ci(bench._accuracy, y, y) == [1.0, 1.0]


def test_resamples_where_the_figure_is_undefined_are_left_out():
    y = np.array([1] * 2 + [0] * 60)  # most resamples of an AUC keep both classes; those that do not are skipped
    s = np.where(y == 1, 0.9, 0.1)
    lo, hi = bench.bootstrap_ci(bench._auc, y, s, resamples=200)
    assert lo == hi == 1.0
    # one class in every resample: no interval at all
    assert all(np.isnan(v) for v in bench.bootstrap_ci(bench._auc, np.zeros(5), np.zeros(5), resamples=20))


def test_fast_f1_figures_equal_sklearns():
    from sklearn.metrics import f1_score

    y, p = _labels(150, 0.8)
    assert bench._f1(y, p) == pytest.approx(f1_score(y, p))
    assert bench._f1(np.zeros(4), np.zeros(4)) == 0.0 == f1_score(np.zeros(4), np.zeros(4), zero_division=0)
    rng = np.random.default_rng(5)
    levels = rng.integers(0, 4, 90)
    graded = np.where(rng.random(90) < 0.7, levels, rng.integers(0, 4, 90))
    assert bench._macro_f1(levels, graded) == pytest.approx(f1_score(levels, graded, average="macro"))
