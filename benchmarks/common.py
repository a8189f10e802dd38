"""Helpers shared by benchmarks: the shared data folder, timing."""
from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: real public datasets and saved pages (never copied into the repository); YUQING_SHARED_DATA moves it
SHARED_DATA = Path(os.environ.get("YUQING_SHARED_DATA") or ROOT.parent / "shared" / "data")


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


def locality() -> dict:
    """The fictional county of the demo, which the evaluation sets are written about."""
    from yuqing.demo.run import DEMO_LOCALITY

    return dict(DEMO_LOCALITY)


class OneCore:
    """Pin the process to one CPU and BLAS/OpenMP pools to one thread while timing (restored afterwards)."""

    def __enter__(self):
        from threadpoolctl import threadpool_limits

        self.saved = None
        if hasattr(os, "sched_getaffinity"):
            self.saved = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {min(self.saved)})
        self.limits = threadpool_limits(1)
        return self

    def __exit__(self, *exc):
        self.limits.unregister()
        if self.saved is not None:
            os.sched_setaffinity(0, self.saved)
