"""Every benchmark still runs: each ``benchmarks/bench_*.py`` on small inputs (``--quick``).

The figures themselves are printed by ``python benchmarks/run.py``; here we only
check that each benchmark finishes and returns numbers, so none of them rots.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
NAMES = sorted(p.stem.removeprefix("bench_") for p in BENCHMARKS.glob("bench_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_benchmark_runs_on_small_inputs(name):
    out = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--json", f"bench_{name}"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    figures = json.loads(out.stdout[out.stdout.index("\n{") + 1:])[name]
    if "skipped" in figures:
        pytest.skip(f"benchmark {name} skipped: {figures['skipped']}")
    numbers = {k: v for k, v in figures.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    assert numbers, f"benchmark {name} returned no figures: {figures}"
