"""The judgement benchmark's check that the readings and the severity model's lowering hold on posts not read:
it counts, per half of a dev set, the posts they moved to their label and the posts they moved away from it."""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

bench = pytest.importorskip("bench_judgement")
devsets = pytest.importorskip("devsets")

from yuqing.domain import Level  # noqa: E402


def _ids(half: str, n: int) -> list[str]:
    ids = (f"ced-{i}" for i in range(10_000))
    return [i for i in ids if devsets.half(i) == half][:n]


def _rec(score: float, public: float, final: float, rule: str | None = None):
    ex = {"score": score, "public": public, **({"rule": rule} if rule else {})}
    return SimpleNamespace(negativity=final, explanation={"negativity": ex})


def test_readings_counted_by_half_and_by_whether_they_turned_a_post_to_its_label():
    a, b = _ids("A", 3), _ids("B", 3)
    rows = [{"id": i, "negative": v} for i, v in zip(a + b, (1, 0, 1, 1, 1, 0))]
    recs = [
        _rec(0.2, 0.9, 0.64, "文中写明危害（死亡）"),   # A: raised to negative, labelled 1: right
        _rec(0.2, 0.9, 0.64, "文中写明危害（死亡）"),   # A: raised, labelled 0: wrong
        _rec(0.9, 0.9, 0.95, "文中写明危害（死亡）"),   # A: negative already: nothing turned
        _rec(0.1, 0.1, 0.61, "文中警示诈骗或拐卖"),      # B: right
        _rec(0.2, 0.2, 0.2),                            # B: no reading
        _rec(0.9, 0.9, 0.35, "留言仅为咨询或建议"),      # B: lowered, labelled 0: right
    ]
    got = bench.turned_by_readings(rows, recs)
    assert got == {"negativity_readings_turned_right_half_A": 1, "negativity_readings_turned_wrong_half_A": 1,
                   "negativity_readings_turned_right_half_B": 2, "negativity_readings_turned_wrong_half_B": 0}


def test_model_lowering_counted_against_the_label():
    a, b = _ids("A", 2), _ids("B", 2)
    rows = [{"id": i} for i in a + b]
    levels = [bench.LEVELS.index(x) for x in ("一般", "重大或较大", "影响较小", "一般")]

    def grade(level: Level, floor: Level):
        return SimpleNamespace(level=level, rules=SimpleNamespace(floor=floor))

    grades = [grade(Level.GENERAL, Level.MAJOR),   # A: lowered to its label
              grade(Level.GENERAL, Level.MAJOR),   # A: lowered, the floor was right
              grade(Level.MINOR, Level.GENERAL),   # B: lowered to its label
              grade(Level.GENERAL, Level.GENERAL)]  # B: not lowered
    got = bench.lowered_by_model(rows, levels, grades)
    assert got == {"severity_model_lowered_right_half_A": 1, "severity_model_lowered_wrong_half_A": 1,
                   "severity_model_lowered_right_half_B": 1, "severity_model_lowered_wrong_half_B": 0}
