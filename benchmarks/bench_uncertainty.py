"""Benchmark the uncertainty engine (prints ratios against baselines run in the same process).

1. ASEM (51 × 49): replay of a 1,000-run design vs the naive per-run rebuild with the core engine
   (and vs COINr's reported ~0.025 s per run).
2. Demo (514 × 54): 100,000 runs with weight noise on every level and two discrete factors, rank
   quantiles included, vs a bare matrix product of the same size (the physical floor).
Needs ../shared/data/asem for part 1 (skipped otherwise). Not a test.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import numpy as np

from analysis import build
from analysis.demo import DEMO_DIR
from analysis.uncertainty import Engine, sample

ASEM = Path(__file__).resolve().parents[2] / "shared" / "data" / "asem"


def asem() -> None:
    if not ASEM.exists():
        print("ASEM data not found: part 1 skipped")
        return
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}}
    ua = {"N": 1000, "seed": 1, "factors": [
        {"name": "w", "type": "weights", "level": 2, "noise": 0.25},
        {"name": "norm", "type": "choice", "step": "normalise",
         "alternatives": {"mm": {"method": "minmax", "range": [1, 100]},
                          "z": {"method": "zscore", "mean": 10, "sd": 2}}},
        {"name": "agg", "type": "choice", "step": "aggregate", "alternatives": {"a": "arithmetic", "g": "geometric"}}]}
    eng = Engine(ASEM / "ASEM_iMeta.csv", ASEM / "ASEM_iData.csv", spec, ua)
    runs = eng.resolve(sample(eng))
    eng.evaluate(runs)  # warm the upstream cache
    t = time.perf_counter()
    eng.evaluate(runs)
    t_fast = time.perf_counter() - t
    k = 40
    t = time.perf_counter()
    for r in range(k):
        key = eng.upstream_keys[runs.upstream[r]]
        build(eng.fw, eng.ds, {**spec, **key, "aggregate": eng.agg_specs[runs.agg[r]],
                               "weights": dict(zip(eng.nodes, runs.W[r]))})
    t_naive = (time.perf_counter() - t) / k
    print(f"ASEM replay 1,000 runs: {t_fast * 1e3:.1f} ms  ({t_fast:.4f} s; {t_fast / 1000 * 1e6:.1f} µs/run)")
    print(f"  naive per-run rebuild: {t_naive * 1e3:.2f} ms/run → speed-up ×{t_naive * 1000 / t_fast:.0f}")
    print(f"  vs COINr 0.025 s/run (reported): ×{0.025 * 1000 / t_fast:.0f}")


def demo(R: int = 100_000) -> None:
    data = DEMO_DIR / "smartcity_2025.csv"
    spec = {"impute": {"method": "group_median", "by": "province"}, "treat": {"method": "winsorise"},
            "normalise": {"method": "minmax", "range": [1, 100]},
            "levels": {"bands": [30, 40, 50, 60], "labels": ["M1", "M2", "M3", "M4", "M5"]}}
    ua = {"N": R, "seed": 2, "factors": [
        {"name": "w_all", "type": "weights", "level": "all", "noise": 0.25},
        {"name": "norm", "type": "choice", "step": "normalise",
         "alternatives": {"mm": {"method": "minmax", "range": [1, 100]}, "pr": {"method": "prank", "range": [1, 100]}}},
        {"name": "agg", "type": "choice", "step": "aggregate", "alternatives": {"a": "arithmetic", "g": "geometric"}}]}
    eng = Engine("kominfo_gm100sc", data, spec, ua)
    runs = eng.resolve(sample(eng))
    t = time.perf_counter()
    res = eng.evaluate(runs, keep_scores=False)
    t_eval = time.perf_counter() - t
    X = np.random.default_rng(0).random((514, 54))
    W = np.random.default_rng(1).random((R, 54))
    t = time.perf_counter()
    for s in range(0, R, 4096):
        X @ W[s:s + 4096].T
    t_mm = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"demo {R:,} runs (514 × 54, noise on {len(eng.nodes)} weights, 2 discrete factors, rank quantiles): "
          f"{t_eval:.2f} s, peak RSS {rss:.0f} MB")
    print(f"  bare matrix product 514×54 @ 54×{R:,}: {t_mm:.3f} s → ratio ×{t_eval / t_mm:.1f}")
    print(f"  check: median rank of unit 1 = {res.rank_stats['Median'].iloc[0]:.0f}")


if __name__ == "__main__":
    asem()
    demo()
