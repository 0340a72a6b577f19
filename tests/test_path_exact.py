"""The path to a target against brute force: exact moves through frozen treatment and normalisation.

Small frameworks (two dimensions, five indicators, fifteen units). The brute force scores a grid of
candidate raw values of three movable indicators with the baseline's frozen recomputation
(:meth:`Baseline.score_rows`, the ground truth) and keeps the cheapest candidate that reaches the
target. The path's cost can never be below that minimum by more than rounding (the grid points are
feasible moves), and, rounded up onto the grid, the path's optimum is itself a grid candidate, so the
minimum can exceed the path's cost by at most one grid step's cost per indicator.
"""

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis.framework import Framework, Node
from analysis.normalise import apply as napply
from analysis.scenario import Baseline, path_to_target

MOVABLE = ["a", "b", "c"]


def _baseline(spec: dict, *, outlier: float | None = None, low_outlier: float | None = None, seed: int = 3,
              second_outlier: float | None = None):
    rng = np.random.default_rng(seed)
    n = 15
    a = rng.uniform(0, 10, n)
    if outlier is not None:
        a[-1] = outlier
    if second_outlier is not None:
        a[-2] = second_outlier
    if low_outlier is not None:
        a[0] = low_outlier
    data = pd.DataFrame({"uCode": [f"u{i:02d}" for i in range(n)], "a": a, "b": rng.uniform(0, 50, n),
                         "c": rng.uniform(0, 1, n), "d": rng.uniform(10, 20, n), "e": rng.uniform(1, 5, n)})
    nodes = [Node("I", None, 1, False), Node("D1", "I", 1, False), Node("D2", "I", 2, False),
             Node("a", "D1", 1, True), Node("b", "D1", 2, True), Node("c", "D2", 1, True),
             Node("d", "D2", 1, True), Node("e", "D2", 1, True)]
    return Baseline(build(Framework(nodes), data, spec))


def _default_cost(b: Baseline, inds) -> np.ndarray:
    """The documented default: one over the observed raw range, per raw unit."""
    return np.array([1.0 / (b.raw[c].max() - b.raw[c].min()) for c in inds])


def _brute(b: Baseline, unit: str, target: float, cost: np.ndarray, tops: dict, n: int = 41):
    """Cheapest grid candidate (over MOVABLE, each from its current value to ``tops``) reaching ``target``.

    Returns the minimum cost and the largest cost of one grid step summed over the indicators."""
    x0 = b.raw.loc[unit, MOVABLE].to_numpy(float)
    grids = [np.unique(np.concatenate([np.linspace(x0[j], t, n) for t in np.atleast_1d(tops[c])]))
             for j, c in enumerate(MOVABLE)]
    cand = np.array(list(itertools.product(*grids)))
    rows = np.repeat(b.raw.loc[[unit], b.framework.indicators].to_numpy(float), len(cand), axis=0)
    cols = [b.framework.indicators.index(c) for c in MOVABLE]
    rows[:, cols] = cand
    s = b.score_rows(unit, rows)
    c = (np.abs(cand - x0) * cost).sum(axis=1)
    ok = s >= target
    assert ok.any(), "the brute-force grid must contain a feasible point"
    step = sum(cost[j] * np.max(np.diff(g)) for j, g in enumerate(grids))
    return float(c[ok].min()), float(step)


def _rescore(b: Baseline, unit: str, p) -> float:
    row = b.raw.loc[[unit], b.framework.indicators].copy()
    for c, v in p.moves["new"].items():
        row[c] = v
    return float(b.score_rows(unit, row.to_numpy(float))[0])


def _check_against_brute(b, unit, p, tops, cost):
    assert p.reachable
    assert p.achieved_score == pytest.approx(_rescore(b, unit, p), abs=1e-12)
    assert p.achieved_score >= p.target - 1e-6
    best, step = _brute(b, unit, p.target, cost, tops)
    assert best >= p.total_cost - 1e-6          # nothing on the grid is cheaper than the optimum
    assert best <= p.total_cost + step + 1e-9   # and the grid's best is within one step of it
    return best


# (a) everything linear ----------------------------------------------------------------------------
def test_linear_arithmetic_is_exact_lp_and_matches_brute_force():
    b = _baseline({"normalise": {"method": "minmax"}})
    unit = b.aggregates["I"].idxmin()
    target = float(b.aggregates["I"].median())
    costs = {"a": 1.0, "b": 0.3, "c": 20.0}
    p = path_to_target(b, unit, target, indicators=MOVABLE, costs=costs)
    assert p.method == "lp"
    tops = {c: b.raw[c].max() for c in MOVABLE}
    best = _check_against_brute(b, unit, p, tops, np.array([costs[c] for c in MOVABLE]))
    # and scipy's general-purpose minimiser, from many starts, finds nothing cheaper either
    from scipy.optimize import minimize

    x0 = b.raw.loc[unit, MOVABLE].to_numpy(float)
    hi = np.array([tops[c] for c in MOVABLE])
    cols = [b.framework.indicators.index(c) for c in MOVABLE]
    base = b.raw.loc[[unit], b.framework.indicators].to_numpy(float)

    def score(x):
        r = base.copy()
        r[0, cols] = x
        return float(b.score_rows(unit, r)[0])

    k = np.array([costs[c] for c in MOVABLE])
    rng = np.random.default_rng(0)
    for _ in range(3):
        z = x0 + rng.uniform(0, 1, 3) * (hi - x0)
        r = minimize(lambda x: float(k @ (x - x0)), z, method="SLSQP", bounds=list(zip(x0, hi)),
                     constraints=[{"type": "ineq", "fun": lambda x: score(x) - target}])
        if r.success and score(r.x) >= target - 1e-9:
            assert float(k @ (r.x - x0)) >= p.total_cost - 1e-5
    assert best >= p.total_cost - 1e-6


# (b) a Winsorised indicator ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def wins():
    b = _baseline({"treat": {"method": "winsorise"}, "normalise": {"method": "minmax"}}, outlier=60.0)
    assert b.treatment.at["a", "winsorised"] == "winhi"   # the top of 'a' was clipped
    return b


def test_moves_stop_at_the_clip_value_and_reach_the_target(wins):
    b = wins
    clip = float(b.treatment.at["a", "clip_hi"])
    assert b.raw["a"].max() > clip + 10   # the best observed value lies far beyond the clip
    unit = b.aggregates["I"].idxmin()
    target = float(b.aggregates["I"].median())
    p = path_to_target(b, unit, target, indicators=MOVABLE)
    assert p.method == "lp"   # capped at the clip, the map is linear on the box: exact
    assert p.moves.at["a", "new"] <= clip + 1e-12
    assert p.moves.at["a", "new"] == pytest.approx(clip)   # the cheap indicator is used up to its clip
    cost = _default_cost(b, MOVABLE)
    # the brute force may go up to the best observed value, past the clip: it finds nothing cheaper
    best = _check_against_brute(b, unit, p, {"a": [clip, b.raw["a"].max()], "b": b.raw["b"].max(),
                                             "c": b.raw["c"].max()}, cost)
    assert best == pytest.approx(p.total_cost, abs=0.02)


def test_cost_is_raw_change_over_observed_range_and_never_counts_points_past_the_clip(wins):
    b = wins
    clip = float(b.treatment.at["a", "clip_hi"])
    unit = b.aggregates["I"].idxmin()
    p = path_to_target(b, unit, float(b.aggregates["I"].median()), indicators=MOVABLE, upper={"a": 60.0})
    assert p.moves.at["a", "new"] <= clip + 1e-12   # even an explicit limit past the clip stops at it
    k = pd.Series(_default_cost(b, MOVABLE), index=MOVABLE)
    np.testing.assert_allclose(p.moves["cost"], (p.moves["change"].abs() * k[p.moves.index]), rtol=1e-9, atol=1e-12)
    assert p.total_cost == pytest.approx(float(p.moves["cost"].sum()), rel=1e-9)
    # the normalised change is the one the index receives: min-max of the clipped value
    f = b.fitted["a"]
    x0 = b.raw.at[unit, "a"]
    exact = napply(np.array([min(p.moves.at["a", "new"], clip)]), f)[0] - napply(np.array([x0]), f)[0]
    assert p.moves.at["a", "normalised_change"] == pytest.approx(exact, rel=1e-9)
    # a unit that starts past the clip gains nothing from 'a': it is not moved and costs nothing
    q = path_to_target(b, unit, float(b.aggregates["I"].median()), indicators=MOVABLE, start={"a": 30.0})
    assert q.moves.at["a", "change"] == 0 and q.moves.at["a", "cost"] == 0
    assert q.achieved_score >= q.target - 1e-6


def test_a_dead_zone_below_a_low_clip_is_piecewise_exact():
    b = _baseline({"treat": {"method": "winsorise"}, "normalise": {"method": "minmax"}}, low_outlier=-50.0)
    assert b.treatment.at["a", "winsorised"] == "winlo"
    unit = "u00"   # the low outlier: raising 'a' gains nothing until the clip value
    lo = float(b.treatment.at["a", "clip_lo"])
    target = float(b.aggregates["I"].quantile(0.6))
    costs = {"a": 0.002, "b": 0.05, "c": 5.0}
    p = path_to_target(b, unit, target, indicators=MOVABLE, costs=costs)
    assert p.method == "lp-piecewise"
    assert p.moves.at["a", "new"] > lo   # worth crossing the dead zone at this cost
    # the normalised change counts only the points the index receives: from the clip value up
    f = b.fitted["a"]
    exact = napply(np.array([p.moves.at["a", "new"]]), f)[0] - napply(np.array([lo]), f)[0]
    assert p.moves.at["a", "normalised_change"] == pytest.approx(exact, rel=1e-9)
    best = _check_against_brute(b, unit, p, {"a": [lo, b.raw["a"].max()], "b": b.raw["b"].max(),
                                             "c": b.raw["c"].max()}, np.array([costs[c] for c in MOVABLE]))
    assert best == pytest.approx(p.total_cost, abs=0.01)


def test_a_log_treated_indicator_is_not_labelled_exact():
    b = _baseline({"treat": {"method": "winsorise", "winmax": 1}, "normalise": {"method": "minmax"}},
                  outlier=100.0, second_outlier=80.0)
    assert b.treatment.at["a", "fallback"] == "log"   # one Winsorised point is not enough: log instead
    unit = b.aggregates["I"].idxmin()
    target = float(b.aggregates["I"].median())
    p = path_to_target(b, unit, target, indicators=MOVABLE)
    assert p.method == "slsqp"
    best = _check_against_brute(b, unit, p, {c: b.raw[c].max() for c in MOVABLE}, _default_cost(b, MOVABLE))
    assert best == pytest.approx(p.total_cost, abs=0.03)


# (c) geometric mean at the index level -----------------------------------------------------------
def test_geometric_index_is_not_labelled_exact_and_is_verified_against_brute_force():
    b = _baseline({"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"by_node": {"I": "geometric"}}})
    unit = b.aggregates["I"].idxmin()
    target = float(b.aggregates["I"].quantile(0.3))
    p = path_to_target(b, unit, target, indicators=MOVABLE)
    assert p.method == "slsqp"
    tops = {c: b.raw[c].max() for c in MOVABLE}
    best = _check_against_brute(b, unit, p, tops, _default_cost(b, MOVABLE))
    assert best == pytest.approx(p.total_cost, abs=0.02)


def test_geometric_with_one_movable_indicator_is_not_an_lp():
    """One indicator is trivially additive; the index is still concave in it, so not an exact LP."""
    b = _baseline({"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"by_node": {"I": "geometric"}}})
    unit = b.aggregates["I"].idxmin()
    x0, hi = b.raw.at[unit, "b"], b.raw["b"].max()
    cols = b.framework.indicators.index("b")
    rows = np.repeat(b.raw.loc[[unit], b.framework.indicators].to_numpy(float), 2001, axis=0)
    rows[:, cols] = np.linspace(x0, hi, 2001)
    s = b.score_rows(unit, rows)
    target = float(s[0] + 0.5 * (s[-1] - s[0]))
    p = path_to_target(b, unit, target, indicators=["b"])
    assert p.method == "slsqp" and p.reachable
    assert p.achieved_score == pytest.approx(_rescore(b, unit, p), abs=1e-12)
    need = rows[np.argmax(s >= target), cols]   # the least value reaching the target, on a fine grid
    assert p.moves.at["b", "new"] == pytest.approx(need, abs=(hi - x0) / 2000)


# (d) unreachable ----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [{"normalise": {"method": "minmax"}},
                                  {"normalise": {"method": "minmax", "range": [1, 100]},
                                   "aggregate": {"by_node": {"I": "geometric"}}}])
def test_unreachable_target_is_reported(spec):
    b = _baseline(spec)
    unit = b.aggregates["I"].idxmin()
    p = path_to_target(b, unit, 99.0, indicators=["c"])
    assert not p.reachable and "unreachable" in p.message
    assert p.achieved_score == pytest.approx(_rescore(b, unit, p), abs=1e-12)
    assert p.achieved_score < 99.0
    assert p.moves.at["c", "new"] == pytest.approx(b.raw["c"].max())
