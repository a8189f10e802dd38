"""The labelled pools of real posts in ``benchmarks/data`` (ids and our labels only): each id joins a post of
``../shared/data``, each label is one the dev conventions allow, and the relevance pool's posts name the city
they were labelled for. Skipped where ``../shared/data`` is absent."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

devsets = pytest.importorskip("devsets")

pytestmark = pytest.mark.skipif(not devsets.available(), reason="../shared/data (the real posts the pools label) is absent")

LEVELS = {"特别重大", "重大或较大", "一般", "影响较小"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_relevance_pool_joins_every_post_and_each_names_its_city():
    pool = devsets.pool_relevance()
    labels = _lines(devsets.POOL_RELEVANCE_LABELS)
    assert sum(len(rows) for _loc, rows in pool.values()) == len(labels) == 263
    assert len({(lab["id"], lab["locality"]) for lab in labels}) == len(labels)
    for key, (loc, rows) in pool.items():
        names = [loc["name"], *loc["aliases"], *loc["units"]]
        assert rows, key
        for row in rows:
            assert row["relevant"] in (0, 1) and row["picked"] in ("naming", "naming_blind", "county") and row["rationale"]
            assert any(n in row["text"] for n in names), (key, row["id"])


def test_the_negativity_and_severity_pools_join_and_stay_out_of_the_dev_sets():
    dev = {r["id"] for r in devsets.negativity()} | {r["id"] for r in devsets.severity()}
    negativity, severity = devsets.pool_negativity(), devsets.pool_severity()
    assert len(negativity) == 310 and len(severity) == 71
    assert all(r["negative"] in (0, 1) and r["text"] for r in negativity)
    assert all(r["level"] in LEVELS and r["text"] for r in severity)
    assert not dev & {r["id"] for r in negativity + severity}
