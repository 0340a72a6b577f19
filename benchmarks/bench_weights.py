"""Benchmark: benefit of the doubt on all 514 kab/kota × 54 indicators, and correlation ratios.

Baselines run in the same process:
- BoD: one :func:`scipy.optimize.linprog` (HiGHS) call per unit from scratch, vs the warm-started
  single HiGHS model (target: under 10 s for 514 × ~60).
- Correlation ratio: :func:`scipy.interpolate.make_smoothing_spline` with GCV, vs our P-spline with
  the Demmler–Reinsch GCV grid (what makes bootstrap intervals affordable).
Run: ``python benchmarks/bench_weights.py``. Not a test.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.interpolate import make_smoothing_spline

from analysis import build
from analysis.audit import correlation_ratio, cross_section
from analysis.demo import DEMO_DIR
from analysis.weights import benefit_of_doubt


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    res = build("kominfo_gm100sc", DEMO_DIR / "smartcity_panel.csv", DEMO_DIR / "spec.yaml")
    T = cross_section(res, "normalised", aggregates=False)
    Y = (T - T.min().clip(upper=0)).fillna(0.0)
    print(f"BoD on {Y.shape[0]} units × {Y.shape[1]} indicators")
    for label, kw in [("no bounds", {}), ("contribution shares 0.5%–20%", {"lower": 0.005, "upper": 0.2}),
                      ("weight shares 1%–10%", {"lower": 0.01, "upper": 0.1, "share": "weight"})]:
        t_fast, a = timed(lambda kw=kw: benefit_of_doubt(Y, **kw))
        t_base, b = timed(lambda kw=kw: benefit_of_doubt(Y, solver="scipy", **kw))
        diff = float(np.abs(a.scores - b.scores).max())
        print(f"  {label:32s} warm HiGHS {t_fast:6.2f} s   linprog per unit {t_base:6.2f} s   "
              f"×{t_base / t_fast:4.1f}   max |Δscore| {diff:.1e}   efficient {len(a.efficient)}")

    x = T["GOV_EGOV"].to_numpy()
    y = res.aggregates.xs(2025, level="year")["GOV"].to_numpy()
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    keep = np.concatenate([[True], np.diff(xs) > 1e-9])

    def scipy_eta():
        f = make_smoothing_spline(xs[keep], ys[keep])(xs)
        return f.var() / ys.var()

    n = 20
    t_base, e_base = timed(lambda: [scipy_eta() for _ in range(n)])
    t_fast, e_fast = timed(lambda: [correlation_ratio(x, y) for _ in range(n)])
    print(f"correlation ratio (n = {len(x)}): P-spline {t_fast / n * 1e3:.1f} ms, make_smoothing_spline "
          f"{t_base / n * 1e3:.1f} ms (×{t_base / t_fast:.0f}); η² {e_fast[0]:.4f} vs {e_base[0]:.4f}")


if __name__ == "__main__":
    main()
