"""Helpers shared by benchmarks: the shared data folder, timing."""
from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared(*parts: str) -> Path | None:
    """A path under ../shared/data, or None when it is absent (the benchmark then reports 'skipped')."""
    p = SHARED_DATA.joinpath(*parts)
    return p if p.exists() else None


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
