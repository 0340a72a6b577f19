"""Benchmark: what the planner dashboard does on every slider move, on the demo (514 × 54).

Baselines run in the same process:
- candidate scoring: ``Baseline.score_rows`` (one frozen recomputation of k candidate rows) vs k
  one-row recomputations;
- the path to the next level (geometric/log-treated specs go through SLSQP): the batched
  implementation vs the same optimisation scoring one candidate per call (the former design).
Run: ``python benchmarks/bench_scenario.py``. Not a test.
"""

from __future__ import annotations

import time

import numpy as np

from analysis import build
from analysis.dashboard import Planner
from analysis.demo import DEMO_DIR
from analysis.scenario import Baseline, path_to_target


def timed(fn, repeat=1):
    t = time.perf_counter()
    for _ in range(repeat):
        out = fn()
    return (time.perf_counter() - t) / repeat, out


class OneByOne(Baseline):
    """The baseline design: every candidate row is its own recomputation."""

    def score_rows(self, code, rows):
        return np.concatenate([super(OneByOne, self).score_rows(code, r[None, :]) for r in np.atleast_2d(rows)])


def main() -> None:
    res = build("kominfo_gm100sc", DEMO_DIR / "smartcity_panel.csv", DEMO_DIR / "spec.yaml")
    b, slow = Baseline(res), OneByOne(res)
    unit = "73.71"
    rows = np.repeat(b.raw.loc[[unit]].to_numpy(float), 55, axis=0)
    rows[np.arange(1, 55), np.arange(54)] *= 1.1
    t_fast, a = timed(lambda: b.score_rows(unit, rows), 5)
    t_slow, c = timed(lambda: slow.score_rows(unit, rows))
    print(f"score 55 candidate rows   batched {t_fast * 1e3:7.1f} ms   one by one {t_slow * 1e3:7.1f} ms   "
          f"×{t_slow / t_fast:5.1f}   max |diff| {np.abs(a - c).max():.1e}")
    for u in (unit, "35.10"):
        t_fast, p = timed(lambda u=u: path_to_target(b, u, "next"))
        t_slow, q = timed(lambda u=u: path_to_target(slow, u, "next"))
        print(f"path {u} → next level ({p.method})   batched {t_fast:6.2f} s   one by one {t_slow:6.2f} s   "
              f"×{t_slow / t_fast:5.1f}   cost {p.total_cost:.6g} vs {q.total_cost:.6g}")
    pl = Planner(b)
    t_eval, _ = timed(lambda: pl.evaluate(unit, {"GOV_EGOV": 90.0}), 5)
    t_path, _ = timed(lambda: pl.path(unit, {"GOV_EGOV": 90.0}))
    print(f"dashboard slider move: evaluate {t_eval * 1e3:.0f} ms + path {t_path * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
