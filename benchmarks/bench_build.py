"""Benchmark: full build on the demo (514 × 54) and on a synthetic 100,000-unit table.

Prints times and the per-unit ratio (the engine should scale linearly). Not a test.
Run: ``python benchmarks/bench_build.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analysis import build, load_framework
from analysis.demo import DEMO_DIR


def best_of(fn, n=3):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main() -> None:
    fw = load_framework("kominfo_gm100sc")
    demo = pd.read_csv(DEMO_DIR / "smartcity_2025.csv", dtype={"uCode": str})
    spec = {"impute": {"method": "median"}, "treat": {"method": "winsorise"},
            "normalise": {"method": "minmax", "range": [0, 100]}, "aggregate": {"method": "arithmetic"}}
    t_demo = best_of(lambda: build(fw, demo, spec))
    rng = np.random.default_rng(0)
    n = 100_000
    idx = rng.integers(0, len(demo), n)
    big = demo.iloc[idx].reset_index(drop=True)
    num = big[fw.indicators].to_numpy() * rng.lognormal(0, 0.05, (n, len(fw.indicators)))
    big[fw.indicators] = num
    big["uCode"] = [f"U{i:06d}" for i in range(n)]
    t_big = best_of(lambda: build(fw, big, spec), n=1)
    print(f"demo build (514 × {len(fw.indicators)}):        {t_demo * 1e3:8.1f} ms")
    print(f"synthetic build (100,000 × {len(fw.indicators)}): {t_big * 1e3:8.1f} ms")
    print(f"time ratio big/demo: {t_big / t_demo:.1f}  (units ratio {n / len(demo):.1f}; "
          f"per-unit cost ratio {(t_big / n) / (t_demo / len(demo)):.2f})")


if __name__ == "__main__":
    main()
