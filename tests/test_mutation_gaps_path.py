"""Mutation gaps of the path solver in :mod:`analysis.scenario` (``path_to_target`` and its helpers).

Expected values are worked by hand from the documented contract (the least-cost raw moves that lift a
unit's index to a target, through the baseline's frozen treatment and normalisation) or found by brute
force in the test itself: a grid of candidate raw values scored with the frozen recomputation
(:meth:`Baseline.score_rows`), never with the solver. The helpers are checked on small inputs whose
answer is closed form: breakpoints of a piecewise-affine raw → normalised map (clip values, goalposts,
a capped target), the gains per segment of an additive index, the mixed-integer program that fills
the segments of an indicator in order.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis import scenario as sc
from analysis.framework import Framework, Node

NAN = np.nan


# --- a hand-worked baseline ------------------------------------------------------------------------
# Index I = arithmetic mean of a, b (weight 1 each) and c (weight 2, lower is better), min-max 0–100:
#   a' = 100 (a − 10)/30, b' = 100 (b − 50)/40, c' = 100 (5 − c)/4, I = (a' + b' + 2 c')/4.
# u1 (10, 50, 1) 50; u2 (20, 60, 2) 52.083; u3 (30, 70, 3) 54.167; u4 (40, 80, 4) 56.25;
# u5 (25, 90, 5): (50 + 100 + 0)/4 = 37.5.
def _data():
    return pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4", "u5"],
                         "a": [10.0, 20.0, 30.0, 40.0, 25.0], "b": [50.0, 60.0, 70.0, 80.0, 90.0],
                         "c": [1.0, 2.0, 3.0, 4.0, 5.0]})


def _framework(**a_kw):
    return Framework([Node("I", None, 1, False), Node("a", "I", 1, True, **a_kw), Node("b", "I", 1, True),
                      Node("c", "I", 2, True, direction=-1)])


SPEC = {"normalise": {"method": "minmax"}, "levels": {"bands": [40, 60], "labels": ["L1", "L2", "L3"]}}


def _index(a, b, c):
    return (100 * (a - 10) / 30 + 100 * (b - 50) / 40 + 2 * 100 * (5 - c) / 4) / 4


@pytest.fixture(scope="module")
def hand():
    return sc.Baseline(build(_framework(), _data(), SPEC))


def _rescore(b, unit, p) -> float:
    row = b.raw.loc[[unit], b.framework.indicators].copy()
    for c, v in p.moves["new"].items():
        row[c] = v
    return float(b.score_rows(unit, row.to_numpy(float))[0])


def test_hand_baseline_is_as_worked(hand):
    np.testing.assert_allclose(hand.aggregates["I"].to_numpy(),
                               [_index(*r) for r in _data()[["a", "b", "c"]].to_numpy()])


# --- the path on the hand baseline: closed forms ------------------------------------------------------
def test_one_indicator_needs_the_closed_form_raw_change(hand):
    # u5 by a alone: ΔI = w·100·Δa/(30·4) with w = 1, so Δa = (T − 37.5)·30·4/100
    for target in (40.0, 45.0, 49.0):
        p = sc.path_to_target(hand, "u5", target, indicators=["a"])
        need = (target - 37.5) * 30 * 4 / 100
        assert p.method == "lp" and p.reachable
        assert p.moves.at["a", "new"] == pytest.approx(25.0 + need, abs=1e-6)
        assert p.moves.at["a", "change"] == pytest.approx(need, abs=1e-6)
        assert p.total_cost == pytest.approx(need / 30, abs=1e-7)                 # default cost 1/range
        assert p.moves.at["a", "normalised_change"] == pytest.approx(100 * need / 30, abs=1e-5)
        assert p.achieved_score == pytest.approx(_rescore(hand, "u5", p), abs=1e-12)
        assert p.achieved_score == pytest.approx(target, abs=1e-5)


def test_lower_is_better_moves_down_and_the_weight_counts(hand):
    # u5 by c alone (weight 2 of 4, lower is better): ΔI = 2·100·(−Δc)/(4·4), so −Δc = (T − 37.5)·16/200
    p = sc.path_to_target(hand, "u5", 45.0, indicators=["c"])
    need = (45.0 - 37.5) * 16 / 200
    assert p.moves.at["c", "new"] == pytest.approx(5.0 - need, abs=1e-7)
    assert p.moves.at["c", "change"] == pytest.approx(-need, abs=1e-7)
    assert p.total_cost == pytest.approx(need / 4, abs=1e-8)
    assert p.moves.at["c", "cost"] == pytest.approx(need / 4, abs=1e-8)


def test_a_target_within_the_tolerance_needs_no_move(hand):
    # u4 is at 56.25; a target within the reach tolerance 1e-9 · 56.25 = 5.6e-8 counts as reached
    p = sc.path_to_target(hand, "u4", 56.25 + 5e-8)
    assert (p.method, p.total_cost, p.reachable) == ("none", 0.0, True)
    assert (p.moves["change"] == 0).all() and (p.moves["cost"] == 0).all()
    q = sc.path_to_target(hand, "u4", 56.25 + 1e-7)      # beyond it (though within the margin tol): a move
    assert q.method == "lp" and q.reachable and q.total_cost > 0


def test_the_default_target_is_the_next_level(hand):
    p = sc.path_to_target(hand, "u5")
    assert p.target == 40.0 and p.reachable and p.moves.at["c", "new"] == pytest.approx(4.8, abs=1e-7)


def test_the_next_level_edge_is_reached_not_missed_by_rounding(hand):
    # u5 (37.5) to "next" = the edge 40: the achieved score must count as level L2 (levels.reach)
    from analysis.levels import reach

    p = sc.path_to_target(hand, "u5", "next")
    assert p.target == 40.0 and p.reachable
    assert reach(p.achieved_score) >= 40.0
    assert hand.level_of(p.achieved_score) == "L2"


# --- _breakpoints on hand-made fitted maps -------------------------------------------------------------
def _fake(fitted: dict, treatment: pd.DataFrame | None = None, denominated=()):
    return SimpleNamespace(fitted=fitted, _denominated=set(denominated),
                           treatment=pd.DataFrame() if treatment is None else treatment)


def _bp(b, code, x0, d, cap):
    pts, exact = sc._breakpoints(b, [code], pd.Series({code: x0}), np.array([float(d)]), np.array([float(cap)]))
    return list(pts[0]), exact


@pytest.mark.parametrize("fitted, treat, den", [
    ({"method": "rank", "direction": 1}, None, ()),
    ({"method": "prank", "direction": 1}, None, ()),
    ({"method": "goalposts", "direction": 1, "min": -100.0, "max": 100.0, "transform": "log"}, None, ()),
    ({"method": "minmax", "direction": 1}, pd.DataFrame({"fallback": ["log"]}, index=["a"]), ()),
    ({"method": "minmax", "direction": 1}, None, ("a",)),
])
def test_a_map_that_is_not_piecewise_affine_is_sampled_at_twelve_even_steps(fitted, treat, den):
    pts, exact = _bp(_fake({"a": fitted}, treat, den), "a", 3.0, 1, 6.0)
    assert exact is False
    np.testing.assert_allclose(pts, [k * 6.0 / 12 for k in range(13)], rtol=0, atol=1e-12)


@pytest.mark.parametrize("fitted", [{"method": "minmax", "direction": 1}, {"method": "zscore", "direction": 1},
                                    {"method": "goalposts", "direction": 1, "min": -100.0, "max": 100.0},
                                    {"method": "target", "direction": 1, "target": 100.0, "cap": False}])
def test_an_affine_map_has_only_the_ends_of_the_box(fitted):
    assert _bp(_fake({"a": fitted}), "a", 3.0, 1, 6.0) == ([0.0, 6.0], True)


def test_goalposts_inside_the_box_are_breakpoints_even_close_to_the_start():
    f = {"a": {"method": "goalposts", "direction": 1, "min": 2.0, "max": 8.0}}
    # higher is better from 1.5: the goalposts lie 0.5 and 6.5 raw units up
    assert _bp(_fake(f), "a", 1.5, 1, 10.0) == ([0.0, 0.5, 6.5, 10.0], True)
    assert _bp(_fake(f), "a", 1.5, 1, 5.0) == ([0.0, 0.5, 5.0], True)       # 6.5 lies outside the box
    # lower is better from 8.5: the goalposts lie 0.5 (max) and 6.5 (min) raw units down
    f["a"]["direction"] = -1
    assert _bp(_fake(f), "a", 8.5, -1, 10.0) == ([0.0, 0.5, 6.5, 10.0], True)
    # nothing at the start itself or behind it
    assert _bp(_fake(f), "a", 8.0, -1, 10.0) == ([0.0, 6.0, 10.0], True)


def test_clip_values_are_breakpoints_also_for_goalposts():
    tr = pd.DataFrame({"winsorised": ["winlo"], "clip_lo": [3.0], "clip_hi": [NAN], "fallback": [None]}, index=["a"])
    mm = {"a": {"method": "minmax", "direction": 1}}
    assert _bp(_fake(mm, tr), "a", 1.0, 1, 6.0) == ([0.0, 2.0, 6.0], True)
    gp = {"a": {"method": "goalposts", "direction": 1, "min": 0.0, "max": 5.0}}
    assert _bp(_fake(gp, tr), "a", 1.0, 1, 6.0) == ([0.0, 2.0, 4.0, 6.0], True)


def test_a_capped_target_is_a_breakpoint_an_uncapped_one_is_not():
    # target normalisation stores target·direction; the raw target is 7 in both directions
    up = {"a": {"method": "target", "direction": 1, "target": 7.0, "lo": 0.0, "cap": True}}
    assert _bp(_fake(up), "a", 1.5, 1, 10.0) == ([0.0, 5.5, 10.0], True)
    down = {"a": {"method": "target", "direction": -1, "target": -7.0, "lo": -20.0, "cap": True}}
    assert _bp(_fake(down), "a", 12.0, -1, 10.0) == ([0.0, 5.0, 10.0], True)
    up["a"]["cap"] = False
    assert _bp(_fake(up), "a", 1.5, 1, 10.0) == ([0.0, 10.0], True)
    no_cap_key = {"a": {"method": "target", "direction": 1, "target": 7.0, "lo": 0.0}}
    assert _bp(_fake(no_cap_key), "a", 1.5, 1, 10.0) == ([0.0, 10.0], True)


def test_an_indicator_that_cannot_move_has_an_empty_box():
    f = {"a": {"method": "rank", "direction": 1}, "b": {"method": "minmax", "direction": 1}}
    pts, exact = sc._breakpoints(_fake(f), ["a", "b"], pd.Series({"a": 1.0, "b": 2.0}), np.array([1.0, 1.0]),
                                 np.array([0.0, 4.0]))
    assert [list(p) for p in pts] == [[0.0, 0.0], [0.0, 4.0]] and exact is True


# --- _segments: gains per segment from one recomputation ------------------------------------------------
def _additive(s0, maps):
    """Scores of move rows under an additive index: s0 + Σ_j g_j(d_j), with g_j piecewise linear."""
    def scores(D):
        D = np.atleast_2d(D)
        return s0 + sum(np.interp(D[:, j], *maps[j]) for j in range(D.shape[1]))
    return scores


def test_segments_give_the_slope_of_every_piece():
    # indicator 0: gain 0 up to 2, then 3 per unit up to 5; indicator 1: 0.5 per unit up to 4
    scores = _additive(10.0, [([0, 2, 5], [0, 0, 9]), ([0, 4], [0, 2])])
    segs = sc._segments(scores, 10.0, [np.array([0.0, 2.0, 5.0]), np.array([0.0, 4.0])])
    assert [(j, pytest.approx(L), pytest.approx(s)) for j, L, s in segs] == [(0, 2.0, 0.0), (0, 3.0, 3.0),
                                                                             (1, 4.0, 0.5)]


def test_segments_skip_an_empty_box_and_refuse_a_non_additive_index():
    scores = _additive(1.0, [([0, 1], [0, 0]), ([0, 2], [0, 4])])
    assert [(j, L, pytest.approx(s)) for j, L, s in
            sc._segments(scores, 1.0, [np.array([0.0, 0.0]), np.array([0.0, 2.0])])] == [(1, 2.0, 2.0)]

    def product(D):   # s0 + d0·d1: no gain from either alone, a gain at the corner
        D = np.atleast_2d(D)
        return 1.0 + D[:, 0] * D[:, 1]
    assert sc._segments(product, 1.0, [np.array([0.0, 1.0]), np.array([0.0, 1.0])]) is None
    calls = []
    assert sc._segments(lambda D: calls.append(D) or np.array([2.0]), 1.0, []) == [] and calls == []


# --- _solve_segments: the least-cost fill, brute-forced ----------------------------------------------------
def _brute_fill(segs, cost, need, n, steps=400):
    """Cheapest move (grid over each indicator's total move) whose gain, segments filled in order, reaches
    ``need``."""
    import itertools

    by = {j: [(L, s) for jj, L, s in segs if jj == j] for j in range(n)}
    tops = [sum(L for L, _ in by[j]) for j in range(n)]

    def gain(j, d):
        g, left = 0.0, d
        for L, s in by[j]:
            use = min(left, L)
            g += use * s
            left -= use
        return g
    best = np.inf
    grids = [np.linspace(0, t, steps + 1) if t > 0 else [0.0] for t in tops]
    for d in itertools.product(*grids):
        if sum(gain(j, d[j]) for j in range(n)) >= need - 1e-12:
            best = min(best, float(np.dot(cost, d)))
    return best, max(c * t / steps for c, t in zip(cost, tops))


def test_segments_of_an_indicator_fill_in_order():
    # indicator 0: 2 units at slope 1, then 2 at slope 5; indicator 1: 10 at slope 2; both cost 1 a unit.
    # need 8: the steep second piece of 0 needs the first filled: 2 + 6/5 = 3.2 (cheaper than 8/2 = 4 by 1)
    segs = [(0, 2.0, 1.0), (0, 2.0, 5.0), (1, 10.0, 2.0)]
    d, ok = sc._solve_segments(segs, np.array([1.0, 1.0]), 8.0, 2)
    assert ok and d == pytest.approx([3.2, 0.0], abs=1e-7)
    best, step = _brute_fill(segs, [1.0, 1.0], 8.0, 2, steps=100)
    assert best == pytest.approx(3.2, abs=step + 1e-9)
    # dearer indicator 0 (cost 2): 2·3.2 = 6.4 > 4, so indicator 1 alone
    d, ok = sc._solve_segments(segs, np.array([2.0, 1.0]), 8.0, 2)
    assert ok and d == pytest.approx([0.0, 4.0], abs=1e-7)
    # need 14: all of 0 (gain 12, cost 4) + 1 unit of 1 = 5, against 2 + 5 = 7 the other way round
    d, ok = sc._solve_segments(segs, np.array([1.0, 1.0]), 14.0, 2)
    assert ok and d == pytest.approx([4.0, 1.0], abs=1e-7)


def test_every_indicator_with_pieces_fills_them_in_order():
    # the same problem with the two-piece indicator last: 2 + 6/5 = 3.2, not 8/5 on the steep piece alone
    d, ok = sc._solve_segments([(0, 10.0, 2.0), (1, 2.0, 1.0), (1, 2.0, 5.0)], np.array([1.0, 1.0]), 8.0, 2)
    assert ok and d == pytest.approx([0.0, 3.2], abs=1e-7)
    # two indicators with two pieces each, need 6: 0 costs 2 + 4/5 = 2.8, 1 costs 2 + 4/6 = 2.667
    segs = [(0, 2.0, 1.0), (0, 2.0, 5.0), (1, 2.0, 1.0), (1, 2.0, 6.0)]
    d, ok = sc._solve_segments(segs, np.array([1.0, 1.0]), 6.0, 2)
    assert ok and d == pytest.approx([0.0, 2 + 4 / 6], abs=1e-7)
    best, step = _brute_fill(segs, [1.0, 1.0], 6.0, 2, steps=100)
    assert best == pytest.approx(2 + 4 / 6, abs=step + 1e-9)


def test_solve_segments_reports_an_unreachable_need():
    segs = [(0, 2.0, 1.0), (0, 2.0, -3.0), (1, 1.0, 2.0)]   # the most to gain: 2 + 2 = 4 (a falling piece adds nothing)
    d, ok = sc._solve_segments(segs, np.array([1.0, 1.0]), 4.5, 2)
    assert not ok and list(d) == [0.0, 0.0]
    d, ok = sc._solve_segments(segs, np.array([1.0, 1.0]), 4.0, 2)
    assert ok and d == pytest.approx([2.0, 1.0], abs=1e-7)
    assert sc._solve_segments([], np.array([1.0]), 0.5, 1)[1] is False


# --- the results' fields -----------------------------------------------------------------------------------
def test_already_there_reports_the_target_and_the_unchanged_score(hand):
    p = sc.path_to_target(hand, "u4", 50.0)
    assert (p.unit, p.target, p.baseline_score, p.achieved_score) == ("u4", 50.0, 56.25, 56.25)
    assert (p.total_cost, p.reachable, p.method) == (0.0, True, "none")
    m = p.moves
    assert list(m.columns) == ["current", "new", "change", "cost", "normalised_change"]
    assert all(m[c].dtype == np.float64 for c in m.columns)
    assert m["new"].to_dict() == {"a": 40.0, "b": 80.0, "c": 4.0} == m["current"].to_dict()


def test_unreachable_reports_the_cost_of_moving_every_indicator_to_its_limit(hand):
    # u5 with a and b: a 25 -> 40 (best observed), b already the best 90: (100 + 100 + 0)/4 = 50 < 60
    p = sc.path_to_target(hand, "u5", 60.0, indicators=["a", "b"])
    assert (p.unit, p.target, p.baseline_score, p.reachable, p.method) == ("u5", 60.0, 37.5, False, "lp")
    assert p.achieved_score == pytest.approx(50.0)
    assert p.total_cost == pytest.approx(15 / 30)
    assert p.moves.at["a", "new"] == 40.0 and p.moves.at["a", "cost"] == pytest.approx(0.5)
    assert p.moves.at["a", "normalised_change"] == pytest.approx(50.0)
    assert p.moves.at["b", "change"] == 0.0 and p.moves.at["b", "cost"] == 0.0


def test_a_full_move_lands_exactly_on_the_limit_under_rank_normalisation():
    # rank normalisation counts ties: a raw value one rounding step above the best observed 0.9 would
    # rank above every unit. u2 moves a from 0.3 to the best 0.9, and 0.3 + (0.9 − 0.3) is not 0.9 in
    # floating point, so the full move must be set to the limit, not added up.
    assert 0.3 + (0.9 - 0.3) != 0.9
    data = _data().assign(a=[0.1, 0.3, 0.5, 0.7, 0.9])
    b = sc.Baseline(build(_framework(), data, {"normalise": {"method": "minmax", "overrides": {"a": "rank"}}}))
    p = sc.path_to_target(b, "u2", 99.0, indicators=["a"])
    assert not p.reachable and p.method == "slsqp"
    assert p.moves.at["a", "new"] == 0.9
    # scored with the raw value exactly 0.9: rank 5 of 5 (the baseline's normalised a of u5)
    row = b.raw.loc[["u2"], b.framework.indicators].assign(a=0.9).to_numpy(float)
    assert p.achieved_score == float(b.score_rows("u2", row)[0])
    assert p.achieved_score == pytest.approx((5 + b.normalised.at["u2", "b"] + 2 * b.normalised.at["u2", "c"]) / 4)


def test_rank_normalisation_is_solved_by_slsqp_and_checked_by_brute_force():
    data = _data().assign(a=[0.1, 0.3, 0.5, 0.7, 0.9])
    b = sc.Baseline(build(_framework(), data, {"normalise": {"method": "minmax", "overrides": {"a": "rank"}}}))
    s0 = float(b.aggregates.at["u2", "I"])
    # u2's a = 0.3 ties with the reference value 0.3 (rank 2, ties at the lowest rank); anything above it
    # ranks 3, one rank adds 1/4 to the index. The achieved score must be the score of the reported raw
    # value (a solver's move below rounding once reported "no move" with the score of a tiny move).
    p = sc.path_to_target(b, "u2", s0 + 0.25, indicators=["a"])
    assert p.method == "slsqp" and p.reachable
    assert p.achieved_score == _rescore(b, "u2", p)
    assert p.achieved_score == pytest.approx(s0 + 0.25)
    assert 0.3 < p.moves.at["a", "new"] <= 0.9
    assert p.total_cost == pytest.approx(p.moves.at["a", "change"] / 0.8, rel=1e-9)


# --- a geometric index: the non-linear branch ---------------------------------------------------------------
GEO = {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"method": "geometric"}}


@pytest.fixture(scope="module")
def geo():
    return sc.Baseline(build(_framework(), _data(), GEO))


def _score_at(base, unit, **values) -> float:
    row = base.raw.loc[[unit], base.framework.indicators].assign(**values).to_numpy(float)
    return float(base.score_rows(unit, row)[0])


def test_geometric_index_by_hand(geo):
    # a' = 1 + 99 (a − 10)/30, b' = 1 + 99 (b − 50)/40, c' = 1 + 99 (5 − c)/4, I = (a' b' c'^2)^(1/4)
    def gi(a, b, c):
        return ((1 + 99 * (a - 10) / 30) * (1 + 99 * (b - 50) / 40) * (1 + 99 * (5 - c) / 4) ** 2) ** 0.25
    np.testing.assert_allclose(geo.aggregates["I"].to_numpy(),
                               [gi(*r) for r in _data()[["a", "b", "c"]].to_numpy()], rtol=1e-12)
    assert _score_at(geo, "u4", b=90.0, c=1.0) == pytest.approx(gi(40, 90, 1), rel=1e-12)


def test_a_target_at_the_best_reachable_score_is_reached_without_warnings(geo):
    # u4: a is already the best (cannot move), b 80 -> 90 and c 4 -> 1 may move. The target is the score
    # with both at their limits: the product is supermodular, so the sum of the one-at-a-time gains falls
    # short of it (the average-slope LP has no solution) and only the corner reaches it.
    import warnings

    s0 = float(geo.aggregates.at["u4", "I"])
    best = _score_at(geo, "u4", b=90.0, c=1.0)
    assert (_score_at(geo, "u4", b=90.0) - s0) + (_score_at(geo, "u4", c=1.0) - s0) < best - s0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = sc.path_to_target(geo, "u4", best)
    assert p.method == "slsqp" and p.reachable
    assert p.achieved_score == pytest.approx(best, abs=1e-6)
    assert p.achieved_score == _rescore(geo, "u4", p)
    assert p.moves.at["b", "new"] == pytest.approx(90.0, abs=1e-4)
    assert p.moves.at["c", "new"] == pytest.approx(1.0, abs=1e-4)
    assert p.moves.at["a", "change"] == 0.0


def test_geometric_unreachable_is_said_with_the_cost_of_the_full_move(geo):
    # u5 by c alone (5 -> 1, the best): cost 4 · 1/4 = 1, and the score there is the best reachable
    p = sc.path_to_target(geo, "u5", 99.0, indicators=["c"])
    assert (p.unit, p.target, p.method) == ("u5", 99.0, "slsqp") and p.reachable is False
    assert p.baseline_score == float(geo.aggregates.at["u5", "I"])
    assert p.total_cost == pytest.approx(1.0)
    assert p.achieved_score == pytest.approx(_score_at(geo, "u5", c=1.0), rel=1e-12)
    assert p.message == (f"unreachable within the limits: the best reachable score is {p.achieved_score:.4g} "
                         f"< target 99")


def test_a_reachable_non_linear_path_says_so(geo):
    s0 = float(geo.aggregates.at["u5", "I"])
    p = sc.path_to_target(geo, "u5", s0 + 1.0)
    assert (p.unit, p.baseline_score, p.target, p.method, p.reachable) == ("u5", s0, s0 + 1.0, "slsqp", True)
    assert p.message == "target reached (local optimum, not exact)"
    assert p.achieved_score == _rescore(geo, "u5", p) and p.achieved_score >= s0 + 1.0 - 1e-6
    assert all(p.moves[c].dtype == np.float64 for c in p.moves.columns)
    assert p.total_cost == pytest.approx(float(p.moves["cost"].sum()), rel=1e-12)


# --- _move_limit and _moves on hand-made baselines -------------------------------------------------------------
def _limit_base(direction, treatment=None, denominated=()):
    node = Node("a", "I", 1, True, direction=direction)
    return SimpleNamespace(framework=SimpleNamespace(nodes={"a": node}), raw=pd.DataFrame({"a": [2.0, 5.0, 9.0, NAN]}),
                           _denominated=set(denominated), treatment=pd.DataFrame() if treatment is None else treatment)


def test_move_limit_of_every_kind_of_upper():
    up, down = _limit_base(1), _limit_base(-1)
    assert sc._move_limit(up, "a", 1, "best", None) == 9.0          # the best observed value
    assert sc._move_limit(down, "a", -1, "best", None) == 2.0
    assert sc._move_limit(up, "a", 1, "range", None) == 9.0         # non-negative data: [0, ∞) -> the best
    assert sc._move_limit(down, "a", -1, "range", None) == 0.0
    assert sc._move_limit(up, "a", 1, "range", {"a": (1.0, 7.5)}) == 7.5
    assert sc._move_limit(up, "a", 1, "best", {"a": (1.0, 7.5)}) == 7.5   # the best, but inside the bounds
    assert sc._move_limit(down, "a", -1, "best", {"a": (3.0, 7.5)}) == 3.0
    assert sc._move_limit(up, "a", 1, {"a": 6.0}, None) == 6.0
    assert sc._move_limit(up, "a", 1, {"b": 6.0}, None) == 9.0       # a limit for another indicator


def test_move_limit_stops_at_the_clip_value_on_the_side_of_improvement():
    tr = pd.DataFrame({"winsorised": ["winhi,winlo"], "clip_lo": [3.0], "clip_hi": [8.0], "fallback": [None]},
                      index=["a"])
    assert sc._move_limit(_limit_base(1, tr), "a", 1, "best", None) == 8.0
    assert sc._move_limit(_limit_base(-1, tr), "a", -1, "best", None) == 3.0
    assert sc._move_limit(_limit_base(-1, tr), "a", -1, {"a": 4.0}, None) == 4.0   # not past the user's limit
    # a denominated indicator's clip applies to the ratio, not to the raw value
    assert sc._move_limit(_limit_base(1, tr, ("a",)), "a", 1, "best", None) == 9.0
    assert sc._move_limit(_limit_base(-1, tr, ("a",)), "a", -1, "best", None) == 2.0
    top = tr.assign(winsorised="winhi")    # only the top was Winsorised: no stop going down
    assert sc._move_limit(_limit_base(-1, top), "a", -1, "best", None) == 2.0


def test_moves_table_by_hand():
    fitted = {"a": {"method": "minmax", "direction": 1, "lo": 0.0, "hi": 10.0},
              "c": {"method": "minmax", "direction": -1, "lo": -4.0, "hi": 0.0}}
    b = SimpleNamespace(_denominated={"r"}, treatment=pd.DataFrame(), fitted=fitted)
    x0 = pd.Series({"a": 2.0, "c": 3.0, "r": 0.5})
    dirs = np.array([1.0, -1.0, 1.0])
    cap = np.array([5.0, 2.0, 1.0])
    lims = np.array([7.0, 1.0, 1.5])
    cost = np.array([0.1, 1.0, 3.0])
    # a moves 2.5 (cost 0.25, normalised 25), c the whole way down to its limit 1 (cost 2, normalised 50),
    # r (denominated) does not move: a below-rounding move and a negative one count as none
    for dr in (1e-13, -0.5):
        m = sc._moves(b, ["a", "c", "r"], x0, dirs, np.array([2.5, 2.0, dr]), cap, lims, cost)
        assert m.index.name == "iCode" and list(m.index) == ["c", "a", "r"]   # dearest first
        assert m.loc["a"].to_dict() == pytest.approx({"current": 2.0, "new": 4.5, "change": 2.5, "cost": 0.25,
                                                      "normalised_change": 25.0})
        assert m.loc["c"].to_dict() == pytest.approx({"current": 3.0, "new": 1.0, "change": -2.0, "cost": 2.0,
                                                      "normalised_change": 50.0})
        assert m.loc["r"].to_dict() == {"current": 0.5, "new": 0.5, "change": 0.0, "cost": 0.0,
                                        "normalised_change": 0.0}
    assert sc._snap(np.array([-0.5, 1e-13, 0.3, 5.0]), np.array([1.0, 1.0, 1.0, 2.0])).tolist() == [0.0, 0.0, 0.3, 2.0]


def test_a_missing_cell_that_was_not_imputed_cannot_move():
    # no imputation: u5 without a scores (100 + 2·0)/3 = 33.33 (the mean over the available weights).
    # 40 needs c' up by 10 (ΔI = 2Δc'/3), c = 5 − 0.4 = 4.6 at cost 0.4/4 = 0.1; a stays missing
    data = _data()
    data.loc[4, "a"] = NAN
    b = sc.Baseline(build(_framework(), data, SPEC))
    assert b.aggregates.at["u5", "I"] == pytest.approx(100 / 3)
    p = sc.path_to_target(b, "u5", "next")
    assert p.target == 40.0 and p.method == "lp" and p.reachable
    assert p.moves.at["c", "new"] == pytest.approx(4.6, abs=1e-7)
    assert p.total_cost == pytest.approx(0.1, abs=1e-7)
    assert np.isnan(p.moves.at["a", "new"]) and p.moves.at["a", "cost"] == 0.0


def test_bounds_limit_a_move_to_the_valid_range(hand):
    # upper="range": a (no unit, non-negative data) has the valid range [0, ∞); unbounded above, the limit
    # is the best observed value 40 (it once was +∞, which left a unable to move: "unreachable" at 37.5)
    p = sc.path_to_target(hand, "u5", 60.0, indicators=["a"], upper="range")
    assert p.reachable is False and p.moves.at["a", "new"] == 40.0
    assert p.achieved_score == pytest.approx(_index(40.0, 90.0, 5.0))
    # bounds [0, 52]: 60 needs a' = 140, a = 10 + 1.4·30 = 52, reachable; with a ≤ 50 it is not
    r = sc.path_to_target(hand, "u5", 60.0, indicators=["a"], upper="range", bounds={"a": (0.0, 52.0)})
    assert r.reachable and r.moves.at["a", "new"] == pytest.approx(52.0, abs=1e-6)
    q = sc.path_to_target(hand, "u5", 60.0, indicators=["a"], upper="range", bounds={"a": (0.0, 50.0)})
    assert q.reachable is False and q.moves.at["a", "new"] == 50.0
    assert q.achieved_score == pytest.approx(_index(50.0, 90.0, 5.0))


def test_a_panel_baseline_is_used_as_it_is():
    # 2025 normalised with 2024's min-max (a 0–30, b 0–100), equal weights: u1 (5, 10) scores (16.67 + 10)/2.
    # 20 needs a' up by 13.33: a = 5 + 4 = 9, at cost 4/30 (the 2025 range of a is 5–35)
    data = pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4"] * 2, "year": [2024] * 4 + [2025] * 4,
                         "a": [0.0, 10.0, 20.0, 30.0, 5.0, 15.0, 25.0, 35.0],
                         "b": [0.0, 100.0, 50.0, 20.0, 10.0, 20.0, 30.0, 40.0]})
    fw = Framework([Node("I", None, 1, False), Node("a", "I", 1, True), Node("b", "I", 3, True)])
    res = build(fw, data, {"weights": "equal", "normalise": {"method": "minmax", "reference_year": 2024}})
    b = sc.Baseline(res, 2025)
    p = sc.path_to_target(b, "u1", 20.0, indicators=["a"])
    assert p.baseline_score == pytest.approx((100 * 5 / 30 + 10) / 2)
    assert p.moves.at["a", "new"] == pytest.approx(9.0, abs=1e-6)
    assert p.total_cost == pytest.approx(4 / 30, abs=1e-7)


def test_geometric_with_one_indicator_needs_the_closed_form_value(geo):
    # u5: b' = 100 (the best b), c' = 1 (the worst c), so I = (a' · 100 · 1²)^(1/4) and a target T needs
    # a' = T⁴/100, a = 10 + 30 (a' − 1)/99 — the least move, as the index rises with a
    s0 = float(geo.aggregates.at["u5", "I"])
    assert s0 == pytest.approx((50.5 * 100) ** 0.25)
    for target in (9.0, 9.5):
        p = sc.path_to_target(geo, "u5", target, indicators=["a"])
        a = 10 + 30 * (target ** 4 / 100 - 1) / 99
        assert p.method == "slsqp" and p.reachable
        assert p.moves.at["a", "new"] == pytest.approx(a, abs=1e-5)
        assert p.total_cost == pytest.approx((a - 25) / 30, abs=1e-6)
        assert p.achieved_score == _rescore(geo, "u5", p) == pytest.approx(target, abs=1e-6)


# --- the choice after SLSQP: its result, its start or the full move (hand-made candidates) ----------
_CAP = np.array([4.0, 2.0])
_T = 50.0


def _cand(move, score, cost):
    return np.array(move, dtype=float), float(score), float(cost)


@pytest.mark.parametrize("found, start, expect", [
    # both reach: the cheaper wins, a tie keeps the start
    ((1, 0, 52.0, 1.0), (0, 1, 51.0, 2.0), "found"),
    ((1, 0, 52.0, 3.0), (0, 1, 51.0, 2.0), "start"),
    ((1, 0, 52.0, 2.0), (0, 1, 51.0, 2.0), "start"),
    # only one reaches: that one, whatever the costs
    ((1, 0, 52.0, 9.0), (0, 1, 49.0, 2.0), "found"),
    ((1, 0, 49.0, 1.0), (0, 1, 51.0, 2.0), "start"),
    # neither reaches: the full move
    ((1, 0, 49.0, 1.0), (0, 1, 48.0, 2.0), "cap"),
    # "reaches" means a score of at least the target up to EDGE_RTOL · |score| (1e-9 · 50 = 5e-8 here)
    ((1, 0, _T, 1.0), (0, 1, 51.0, 2.0), "found"),
    ((1, 0, _T - 2.5e-8, 1.0), (0, 1, 51.0, 2.0), "found"),
    ((1, 0, _T - 7.5e-8, 1.0), (0, 1, 51.0, 2.0), "start"),
    ((1, 0, 52.0, 3.0), (0, 1, _T, 2.0), "start"),
    ((1, 0, 52.0, 3.0), (0, 1, _T - 2.5e-8, 2.0), "start"),
    ((1, 0, 49.0, 3.0), (0, 1, _T - 7.5e-8, 2.0), "cap"),
    ((1, 0, 52.0, 3.0), (0, 1, _T - 7.5e-8, 2.0), "found"),
])
def test_better_of_accepts_a_local_result_only_when_it_reaches_and_is_no_dearer(found, start, expect):
    f, s = _cand(found[:2], *found[2:]), _cand(start[:2], *start[2:])
    got = sc._better_of(f, s, _CAP, _T)
    want = {"found": f[0], "start": s[0], "cap": _CAP}[expect]
    np.testing.assert_array_equal(got, want)
    if expect == "cap":
        assert got is not _CAP   # a copy: the caller's box is not handed out to be changed


# --- survivors of the seeded whole-module sample (seed 7) ------------------------------------------
def test_snap_keeps_a_move_of_exactly_the_rounding_threshold():
    # "a move below 1e-12 raw units is none": 1e-12 itself is a move, half of it is not
    got = sc._snap(np.array([1e-12, 0.5e-12, -0.5e-12, 3.0, -1.0]), np.array([1.0, 1.0, 1.0, 2.0, 1.0]))
    np.testing.assert_array_equal(got, [1e-12, 0.0, 0.0, 2.0, 0.0])


def test_solve_segments_reaches_a_large_need_equal_to_the_total_up_to_rounding():
    # one segment of length 1 and slope 1e4 − 5e-9 gives at most 1e4 − 5e-9; a need of 1e4 is within the
    # relative rounding 1e-12 · 1e4 = 1e-8 of it, so it is reachable: the whole segment
    d, ok = sc._solve_segments([(0, 1.0, 1e4 - 5e-9)], np.array([1.0]), 1e4, 1)
    assert ok
    assert d[0] == pytest.approx(1.0, abs=1e-9)
    # 1e-7 short is more than rounding: unreachable
    d, ok = sc._solve_segments([(0, 1.0, 1e4 - 1e-7)], np.array([1.0]), 1e4, 1)
    assert not ok and d[0] == 0.0


def test_path_to_target_takes_a_built_result_as_its_baseline():
    # the same hand-worked case as above, from the Result of build() instead of a Baseline:
    # u1 (10, 50, 1) scores 50; 55 needs a' up by 20 (weight 1 of 4): a = 10 + 30 · 0.2 = 16
    res = build(_framework(), _data(), SPEC)
    p = sc.path_to_target(res, "u1", 55.0, indicators=["a"])
    assert p.reachable and p.baseline_score == pytest.approx(50.0)
    assert p.moves.at["a", "new"] == pytest.approx(16.0, abs=1e-6)


def test_a_missing_candidate_cell_takes_the_baseline_imputed_value(hand):
    # no indicator is denominated, so a NaN in a candidate row is the unit's imputed value (its raw
    # value here): u2 (NaN, 60, 2) scores as (20, 60, 2) = 52.083
    got = hand.score_rows("u2", np.array([[NAN, 60.0, 2.0], [20.0, NAN, NAN]]))
    np.testing.assert_allclose(got, [_index(20, 60, 2)] * 2, rtol=1e-12)


def test_a_level_is_also_found_by_its_id():
    # bands 40 | 60 with labels L1–L3 and ids low/mid/high: "mid" starts at 40, "high" at 60
    spec = {"normalise": {"method": "minmax"},
            "levels": {"bands": [40, 60], "labels": ["L1", "L2", "L3"], "labels_id": ["low", "mid", "high"]}}
    b = sc.Baseline(build(_framework(), _data(), spec))
    assert sc._target_score(b, "u1", "mid") == 40.0
    assert sc._target_score(b, "u1", "high") == 60.0
    assert sc._target_score(b, "u1", "low") == -np.inf


@pytest.mark.parametrize("it, part", [
    (sc.Intervention(None, None, ["zz"], "absolute", 1.0, 1), "indicator"),
    (sc.Intervention(None, {"region": "N"}, ["a"], "absolute", 1.0, 1), "group column"),
])
def test_check_references_names_the_scenario_file(it, part):
    units = pd.DataFrame({"uName": ["one", "two"]}, index=pd.Index(["u1", "u2"], name="uCode"))
    with pytest.raises(sc.InputError) as e:
        sc.check_references(it, ["a", "b"], units, file="plans.yaml")
    assert e.value.file == "plans.yaml" and part in str(e.value)


def test_a_manifest_that_is_not_utf8_is_said_so(tmp_path):
    (tmp_path / "manifest.json").write_bytes(b'{"inputs": "\xff\xfe"}')
    with pytest.raises(sc.InputError) as e:
        sc.baseline_from_run(tmp_path)
    assert e.value.message == "manifest.json is not UTF-8 text; not a Maturasi run"
    assert e.value.file == str(tmp_path / "manifest.json")


def _panel(**spec):
    data = pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4"] * 2, "year": [2024] * 4 + [2025] * 4,
                         "region": ["N", "S", "N", "S", "S", "S", "N", "N"],
                         "a": [0.0, 10.0, 20.0, 30.0, 5.0, 15.0, 25.0, 35.0],
                         "b": [0.0, 100.0, 50.0, 20.0, 10.0, 20.0, 30.0, 40.0]})
    fw = Framework([Node("I", None, 1, False), Node("a", "I", 1, True), Node("b", "I", 3, True)])
    return build(fw, data, {"weights": "equal", "normalise": {"method": "minmax", "reference_year": 2024},
                            **spec})


def test_a_panel_baseline_has_the_unit_descriptors_of_its_year():
    res = _panel()
    assert sc.Baseline(res, 2024).units["region"].to_dict() == {"u1": "N", "u2": "S", "u3": "N", "u4": "S"}
    assert sc.Baseline(res, 2025).units["region"].to_dict() == {"u1": "S", "u2": "S", "u3": "N", "u4": "N"}


def test_mpi_of_a_later_year_is_recomputed_on_the_reference_years_standardisation():
    # MPI standardises with the mean and deviation of the reference year (2024) in the build; the frozen
    # recomputation of a 2025 unit's unchanged raw values must give its built score, which differs from
    # the one standardised on 2025 itself (u1: 91.21 vs 86.58). By hand (Mazziotta & Pareto, population
    # deviations): 2024 a' = 0, 33.3, 66.7, 100 (mean 50, sd 37.27), b' = 0, 100, 50, 20 (mean 42.5,
    # sd 37.67); u1 2025 a' = 16.67, b' = 10 → z = 91.06, 91.37; MPI = M − S²/M = 91.2134
    res = _panel(aggregate={"method": "mpi"})
    b = sc.Baseline(res, 2025)
    for u in ("u1", "u2", "u3", "u4"):
        got = b.score_rows(u, b.raw.loc[[u]].to_numpy(float))[0]
        assert got == pytest.approx(float(b.aggregates.at[u, "I"]), rel=1e-12)
    assert float(b.aggregates.at["u1", "I"]) == pytest.approx(91.2134, abs=1e-4)


# --- SLSQP failing (a stand-in that returns no move), so that its start or the full move is reported ------
def _no_move(*args, **kwargs):
    return SimpleNamespace(x=np.zeros(len(args[1])))


def test_a_failed_local_search_keeps_its_start(geo, monkeypatch):
    # u5 by a alone (25 → 40, cost 1/30 per unit): I = (a' · 100)^(1/4) is concave in a, so the start (the
    # LP on the average slope over the box, (10 − s0)/15) reaches the target; SLSQP "returns" no move,
    # which misses, so the start is kept: a = 25 + 15 (T + tol − s0)/(10 − s0)
    monkeypatch.setattr("scipy.optimize.minimize", _no_move)
    s0, T = (50.5 * 100) ** 0.25, 9.0
    p = sc.path_to_target(geo, "u5", T, indicators=["a"])
    d = 15 * (T + 1e-7 - s0) / (10 - s0)
    assert p.method == "slsqp" and p.reachable
    assert p.moves.at["a", "new"] == pytest.approx(25 + d, abs=1e-9)
    assert p.total_cost == pytest.approx(d / 30, abs=1e-10)


def test_a_failed_local_search_from_a_start_that_misses_takes_the_full_move(geo, monkeypatch):
    # both the start (a stand-in LP that proposes no move) and SLSQP miss: every indicator to its limit,
    # which reaches the target (a = 40 gives I = 10 ≥ 9)
    monkeypatch.setattr("scipy.optimize.linprog",
                        lambda c, **kw: SimpleNamespace(status=0, x=np.zeros(len(c))))
    monkeypatch.setattr("scipy.optimize.minimize", _no_move)
    p = sc.path_to_target(geo, "u5", 9.0, indicators=["a"])
    assert p.method == "slsqp" and p.reachable
    assert p.moves.at["a", "new"] == 40.0
    assert p.total_cost == pytest.approx(15 / 30)
    assert p.achieved_score == pytest.approx(10.0, rel=1e-12)


# --- survivors of the seed-8 sample ---------------------------------------------------------------------
@pytest.mark.parametrize("it, words", [
    (sc.Intervention(["u1"], None, ["zz"], "absolute", 1.0, 1), "unknown indicator"),
    (sc.Intervention(None, {"region": "W"}, ["a"], "absolute", 1.0, 1), "no unit has region = W"),
])
def test_scenario_errors_name_the_scenario_file(it, words):
    b = sc.Baseline(_panel(), 2025)
    with pytest.raises(sc.InputError) as e:
        sc.apply_interventions(b, sc.Scenario("s", [it], source="plans.yaml"))
    assert e.value.file == "plans.yaml"
    if words != "unknown indicator":
        assert words in e.value.message


def test_a_panel_baseline_defaults_to_the_last_of_three_years():
    data = pd.DataFrame({"uCode": ["u1", "u2"] * 3, "year": [2023, 2023, 2024, 2024, 2025, 2025],
                         "a": [0.0, 10.0, 3.0, 10.0, 7.0, 10.0]})
    fw = Framework([Node("I", None, 1, False), Node("a", "I", 1, True)])
    b = sc.Baseline(build(fw, data, {"normalise": {"method": "minmax"}}))
    assert b.year == 2025 and b.raw.at["u1", "a"] == 7.0


@pytest.mark.parametrize("unit", ["capability scale", "maturity level", "skala kapabilitas"])
def test_the_goalposts_bound_a_capability_scale(unit):
    # a unit naming a scale (without a written range) with goalposts 1 and 5: the valid range is 1–5
    node = SimpleNamespace(code="a", unit=unit, goal_min=1, goal_max=5)
    assert sc.valid_range(node, np.array([2.0, 3.0])) == (1.0, 5.0)
    plain = SimpleNamespace(code="a", unit="count", goal_min=1, goal_max=5)
    assert sc.valid_range(plain, np.array([2.0, 3.0])) == (0.0, np.inf)


@pytest.mark.parametrize("unit", [1e-12, 1e-9, 1.0])
@pytest.mark.parametrize("T", [51.0, 74.0, 75.0])
def test_path_is_the_same_in_tiny_raw_units(unit, T):
    """Raw units must not matter (independent review): a = (0, 1, 2, 4)·unit, b = (0, 10, 5, 10),
    min-max, I = (a' + b')/2 with a' = 25 a/unit and b'(u3) = 50; u3 starts at 50 and needs a' = 2T − 50,
    i.e. a/unit = (2T − 50)/25, a move of (2T − 100)/25 over a range of 4: cost 2(T − 50)/100."""
    df = pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4"], "a": np.array([0.0, 1.0, 2.0, 4.0]) * unit,
                       "b": [0.0, 10.0, 5.0, 10.0]})
    fw = Framework([Node("I", None, 1, False), Node("a", "I", 1, True), Node("b", "I", 1, True)])
    p = sc.path_to_target(sc.Baseline(build(fw, df, {"normalise": {"method": "minmax"}})), "u3", T, indicators=["a"])
    assert p.reachable and p.achieved_score == pytest.approx(T, abs=1e-6)
    assert p.total_cost == pytest.approx(2 * (T - 50) / 100, rel=1e-6)
    assert p.moves.loc["a", "new"] / unit == pytest.approx((2 * T - 50) / 25, rel=1e-6)
