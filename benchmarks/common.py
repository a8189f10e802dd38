"""Helpers shared by benchmarks: the shared data folder, timing."""
from __future__ import annotations

import time
import os
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
