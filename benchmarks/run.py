"""Run the benchmarks and print their figures.

Each ``benchmarks/bench_*.py`` has a ``run(quick: bool) -> dict`` that returns
named figures (rates, ratios, scores) and may print progress. ``--quick`` uses
smaller inputs (what the test suite runs to keep benchmarks from rotting).

    python benchmarks/run.py                 # all
    python benchmarks/run.py classify grade  # those whose name contains a word
    python benchmarks/run.py --quick --json  # small inputs, figures as JSON
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(words: list[str]) -> list[Path]:
    files = sorted(HERE.glob("bench_*.py"))
    if words:
        files = [f for f in files if any(w in f.stem for w in words)]
    return files


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="run only benchmarks whose file name contains one of these")
    ap.add_argument("--quick", action="store_true", help="small inputs, for smoke runs")
    ap.add_argument("--json", action="store_true", help="print all figures as one JSON object at the end")
    args = ap.parse_args(argv)
    results: dict[str, dict] = {}
    failed = 0
    for path in discover(args.names):
        name = path.stem.removeprefix("bench_")
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            figures = load(path).run(quick=args.quick)
        except Exception as e:  # report and go on with the others
            failed += 1
            print(f"   FAILED: {type(e).__name__}: {e}", flush=True)
            continue
        if figures.get("skipped"):
            print(f"   skipped: {figures['skipped']}")
        for key, value in figures.items():
            if key != "skipped":
                shown = f"{value:.4g}" if isinstance(value, float) else value
                print(f"   {key}: {shown}")
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
        results[name] = figures
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
