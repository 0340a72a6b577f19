"""Consistency of the scenario module: one reachability rule in every branch of the path solver, and the
mutation survivors of ``Baseline._aggregate_rows`` (grouped imputation) and ``_clips`` (which clips the
frozen treatment really applies).

Expected values are worked by hand (min-max and goalpost normalisation, arithmetic and geometric means
of a five-unit case), or come from :func:`analysis.treat.apply_treatment` (the frozen treatment the
clip values must mirror); never from the function under test.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis import scenario as sc
from analysis.framework import Framework, Node
from analysis.levels import EDGE_RTOL
from analysis.treat import apply_treatment

NAN = np.nan


# --- a hand-worked baseline ----------------------------------------------------------------------------
# I = (a' + b' + 2 c')/4 with a' = 100 (a − 10)/30, b' = 100 (b − 50)/40, c' = 100 (5 − c)/4 (lower is
# better). u5 = (25, 90, 5): I = (50 + 100 + 0)/4 = 37.5. Moving a alone up to the best observed a = 40
# gives a' = 100, so the best reachable score by a is (100 + 100 + 0)/4 = 50 exactly.
def _data(**extra):
    return pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4", "u5"], "a": [10.0, 20.0, 30.0, 40.0, 25.0],
                         "b": [50.0, 60.0, 70.0, 80.0, 90.0], "c": [1.0, 2.0, 3.0, 4.0, 5.0], **extra})


def _framework():
    return Framework([Node("I", None, 1, False), Node("a", "I", 1, True), Node("b", "I", 1, True),
                      Node("c", "I", 2, True, direction=-1)])


@pytest.fixture(scope="module")
def hand():
    return sc.Baseline(build(_framework(), _data(), {"normalise": {"method": "minmax"}}))


@pytest.fixture(scope="module")
def capped():
    # a normalised by goalposts 10 and 35 (capped): a' = 100 (a − 10)/25, at most 100. u5: a' = 60,
    # I = (60 + 100 + 0)/4 = 40; a may move to 40 but gains nothing past 35: best (100 + 100)/4 = 50,
    # reached by a = 35 already (a breakpoint inside the box: the piecewise program)
    spec = {"normalise": {"method": "minmax", "overrides": {"a": {"method": "goalposts", "min": 10, "max": 35}}}}
    return sc.Baseline(build(_framework(), _data(), spec))


GEO = {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"method": "geometric"}}


@pytest.fixture(scope="module")
def geo():
    return sc.Baseline(build(_framework(), _data(), GEO))


def _geo_index(a, b, c):
    # a' = 1 + 99 (a − 10)/30 and so on, I = (a' b' c'^2)^(1/4)
    return ((1 + 99 * (a - 10) / 30) * (1 + 99 * (b - 50) / 40) * (1 + 99 * (5 - c) / 4) ** 2) ** 0.25


def _offsets(best):
    """Targets around the best reachable score and the verdict the rule gives: reached when
    best + EDGE_RTOL · max(1, |best|) >= target (the tolerance is 5e-8 at a score of 50)."""
    tol = EDGE_RTOL * max(1.0, abs(best))
    return [(best - 1e-3, True), (best, True), (best + 1e-11, True), (best + 0.5 * tol, True),
            (best + 2 * tol, False), (best + 1e-6, False), (best + 1e-3, False)]


def _slsqp_only(monkeypatch):
    # the same problem through the non-linear branch: no additive shortcut, SLSQP on the recomputed score
    monkeypatch.setattr(sc, "_linear_aggregation", lambda b: False)


def test_the_hand_cases_are_as_worked(hand, capped, geo):
    np.testing.assert_allclose(hand.aggregates["I"].to_numpy(), [50.0, 625 / 12, 650 / 12, 56.25, 37.5])
    assert capped.aggregates.at["u5", "I"] == pytest.approx(40.0, abs=1e-12)
    assert geo.aggregates.at["u5", "I"] == pytest.approx(_geo_index(25, 90, 5), rel=1e-12)


@pytest.mark.parametrize("case, method", [("hand", "lp"), ("capped", "lp-piecewise")])
def test_the_verdict_is_the_same_in_the_linear_and_the_slsqp_branch(case, method, hand, capped, monkeypatch):
    """Independent review: a target 1e-12 … 1e-6 above the best reachable score was reached in the
    SLSQP branch and unreachable in the linear one. Both now follow one rule on the closed-form best,
    and a move called reached has a score that reaches the target by that same rule."""
    b = {"hand": hand, "capped": capped}[case]
    best = 50.0                      # closed form (see the fixtures)
    # the least move to the best: a to where a' = 100 (a = 40 by min-max, 35 by the goalposts), at a cost
    # of 1/30 per raw unit (the observed range of a is 30)
    a_best = {"hand": 40.0, "capped": 35.0}[case]
    lin = {}
    for T, expect in _offsets(best):
        p = sc.path_to_target(b, "u5", T, indicators=["a"])
        assert p.method == method and p.reachable is expect, (T - best, p.message)
        if expect:
            assert p.achieved_score + EDGE_RTOL * max(1.0, abs(p.achieved_score)) >= T
        if T >= best:
            assert p.moves.at["a", "new"] == pytest.approx(a_best if expect else 40.0, abs=1e-9)
            assert p.total_cost == pytest.approx(((a_best if expect else 40.0) - 25.0) / 30, abs=1e-9)
        lin[T] = p
    _slsqp_only(monkeypatch)
    for T, expect in _offsets(best):
        q = sc.path_to_target(b, "u5", T, indicators=["a"])
        assert q.method == "slsqp" and q.reachable is expect, (T - best, q.message)
        assert q.reachable is lin[T].reachable
        if expect:
            assert q.achieved_score + EDGE_RTOL * max(1.0, abs(q.achieved_score)) >= T
        else:            # unreachable: the full move and its score, the best reachable one
            assert q.moves.at["a", "new"] == lin[T].moves.at["a", "new"] == 40.0
            assert q.achieved_score == lin[T].achieved_score == pytest.approx(best, abs=1e-12)


def test_a_geometric_index_follows_the_same_rule(geo):
    # u5 by c alone (5 -> 1, the best observed): the best reachable score is I(25, 90, 1) in closed form
    best = _geo_index(25.0, 90.0, 1.0)
    for T, expect in _offsets(best):
        p = sc.path_to_target(geo, "u5", T, indicators=["c"])
        assert p.method == "slsqp" and p.reachable is expect, (T - best, p.message)
        if not expect:
            assert p.achieved_score == pytest.approx(best, rel=1e-12)


def test_reaches_is_the_band_edge_rule():
    # s reaches T when s + 1e-9 · max(1, |s|) >= T: relative above 1, absolute below
    assert sc._reaches(50.0, 50.0) and sc._reaches(50.0, 50.0 + 4e-8) and not sc._reaches(50.0, 50.0 + 6e-8)
    assert sc._reaches(0.5, 0.5 + 0.9e-9) and not sc._reaches(0.5, 0.5 + 1.1e-9)
    assert sc._reaches(-200.0, -200.0 + 1.9e-7) and not sc._reaches(-200.0, -200.0 + 2.1e-7)
    assert sc._reaches(60.0, 50.0) and not sc._reaches(40.0, 50.0)
    # on the edge of the tolerance itself: reached, as a score on a band edge is in the upper level
    for s in (50.0, 0.5, -200.0):
        edge = s + EDGE_RTOL * max(1.0, abs(s))
        assert sc._reaches(s, edge) and not sc._reaches(s, np.nextafter(edge, np.inf))


def test_the_next_level_is_reached_exactly_when_its_level_is_given(hand):
    # bands at 40 and 50: u5 (37.5) to "next" = 40; the path's verdict and the level of its score agree
    b = sc.Baseline(build(_framework(), _data(), {"normalise": {"method": "minmax"},
                                                  "levels": {"bands": [40, 50], "labels": ["L1", "L2", "L3"]}}))
    p = sc.path_to_target(b, "u5", "next", indicators=["a"])
    assert p.target == 40.0 and p.reachable and b.level_of(p.achieved_score) == "L2"
    q = sc.path_to_target(b, "u5", "L3", indicators=["a"])      # 50 is the best by a: reached on the edge
    assert q.target == 50.0 and q.reachable and b.level_of(q.achieved_score) == "L3"


def test_a_start_just_below_a_level_edge_is_not_already_there():
    # u4 is at 56.25, the edge of L2 is 8e-8 above it: more than the tolerance 1e-9 · 56.25 = 5.6e-8, so
    # u4 is in L1 and "next" needs a move (it was called "already at or above the target" within 1e-7)
    edge = 56.25 + 8e-8
    b = sc.Baseline(build(_framework(), _data(), {"normalise": {"method": "minmax"},
                                                  "levels": {"bands": [edge], "labels": ["L1", "L2"]}}))
    assert b.level_of(56.25) == "L1"
    p = sc.path_to_target(b, "u4", "next")
    assert p.target == edge and p.method == "lp" and p.reachable and p.total_cost > 0
    assert b.level_of(p.achieved_score) == "L2"
    # within the tolerance it is already on the edge: no move, and the level says so too
    near = 56.25 + 5e-8
    c = sc.Baseline(build(_framework(), _data(), {"normalise": {"method": "minmax"},
                                                  "levels": {"bands": [near, 60.0], "labels": ["L1", "L2", "L3"]}}))
    assert c.level_of(56.25) == "L2"
    q = sc.path_to_target(c, "u4", "L2")
    assert (q.method, q.reachable, q.total_cost) == ("none", True, 0.0)


# --- Baseline._aggregate_rows with grouped imputation (mutant 31: the unit descriptors dropped) ----------
# impute group_mean by province: u5 (province Q) has a missing; Q's observed a are 30 and 40 -> 35.
# a' = 100 (35 − 10)/30 = 250/3, so I(u5) = (250/3 + 100 + 0)/4.
@pytest.fixture(scope="module")
def grouped():
    data = _data(province=["P", "P", "Q", "Q", "Q"]).assign(a=[10.0, 20.0, 30.0, 40.0, NAN])
    spec = {"impute": {"method": "group_mean", "by": "province"}, "normalise": {"method": "minmax"}}
    return sc.Baseline(build(_framework(), data, spec))


def test_rows_of_a_grouped_imputation_baseline_are_scored_with_the_frozen_group_value(grouped):
    assert grouped.imputed.at["u5", "a"] == pytest.approx(35.0)
    s5 = (250 / 3 + 100 + 0) / 4
    assert grouped.aggregates.at["u5", "I"] == pytest.approx(s5)
    rows = np.array([[NAN, 90.0, 5.0], [NAN, 70.0, 5.0], [40.0, 90.0, 3.0]])
    got = grouped.score_rows("u5", rows)
    np.testing.assert_allclose(got, [s5, (250 / 3 + 50 + 0) / 4, (100 + 100 + 100) / 4], rtol=1e-12)
    row = grouped.score_row("u5", pd.Series({"a": NAN, "b": 80.0, "c": 4.0}))
    assert row["I"] == pytest.approx((250 / 3 + 75 + 50) / 4)
    # a path on it: c alone to 50 needs 2 c' = 200 − 250/3 − 100, c = 5 − 4 c'/100
    p = sc.path_to_target(grouped, "u5", 50.0, indicators=["c"])
    c_new = 5 - 4 * ((200 - 250 / 3 - 100) / 2) / 100
    assert p.method == "lp" and p.reachable and p.moves.at["c", "new"] == pytest.approx(c_new, abs=1e-7)


# --- _clips mirrors the frozen treatment (mutants 9, 12, 19) ------------------------------------------------
def _fake(rec: dict):
    return SimpleNamespace(treatment=pd.DataFrame([rec], index=pd.Index(["a"], name="iCode")))


def _applied_clips(rec: dict) -> tuple[float | None, float | None]:
    """The clip values apply_treatment really applies to ``rec``: it maps a low and a high probe value
    onto a clip value when it clips that side (probes 1e6 beyond every clip in the cases below)."""
    lo, hi = apply_treatment(np.array([-1e6, 1e6]), rec)
    return (None if lo == -1e6 else float(lo)), (None if hi == 1e6 else float(hi))


@pytest.mark.parametrize("rec, expect", [
    ({"winsorised": "winhi", "clip_hi": 7.0, "clip_lo": NAN, "fallback": ""}, (None, 7.0)),
    ({"winsorised": "winhi,winlo", "clip_hi": 7.0, "clip_lo": 2.0, "fallback": ""}, (2.0, 7.0)),
    ({"winsorised": "", "clip_hi": 7.0, "clip_lo": 2.0, "fallback": ""}, (None, None)),
    # a clip that is recorded but not finite is not applied
    ({"winsorised": "winhi", "clip_hi": NAN, "clip_lo": NAN, "fallback": ""}, (None, None)),
    ({"winsorised": "winlo", "clip_hi": NAN, "clip_lo": -np.inf, "fallback": ""}, (None, None)),
])
def test_clips_are_the_ones_the_frozen_treatment_applies(rec, expect):
    assert _applied_clips(rec) == expect         # the reference: what apply_treatment does
    assert sc._clips(_fake(rec), "a") == expect


def test_a_side_named_without_a_clip_value_has_no_clip():
    rec = {"winsorised": "winhi", "fallback": ""}          # no clip column at all
    assert _applied_clips(rec) == (None, None)
    assert sc._clips(_fake(rec), "a") == (None, None)


def test_a_log_fallback_applies_no_clip_whatever_else_is_recorded():
    # the log fallback transforms the original values (COINr log_CT); apply_treatment clips nothing there,
    # even when a clip value and a side are recorded beside it
    rec = {"winsorised": "winhi,winlo", "clip_hi": 7.0, "clip_lo": 2.0, "fallback": "log",
           "log_min": 1.0, "log_max": 10.0}
    y = apply_treatment(np.array([3.0, 8.0, 9.0]), rec)
    np.testing.assert_allclose(y, np.log(np.array([3.0, 8.0, 9.0]) - 1.0 + 0.09))   # 8 and 9 stay apart
    assert sc._clips(_fake(rec), "a") == (None, None)
    # and a record with no treatment at all
    assert sc._clips(SimpleNamespace(treatment=pd.DataFrame()), "a") == (None, None)


def test_a_rank_target_is_set_by_the_other_units_only(hand):
    # u3 (baseline 54.17, rank 2) starting from a = 10 instead of 30: a' = 0, I = (0 + 50 + 100)/4 = 37.5.
    # "rank:3" means beating the third best of the OTHER units (56.25, 52.08, 50, 37.5): T = 50 + 1e-9,
    # not its own baseline score counted among them (that would give 52.08). By a alone: a' = 50, a = 25.
    p = sc.path_to_target(hand, "u3", "rank:3", indicators=["a"], start={"a": 10.0})
    assert p.baseline_score == pytest.approx(37.5)
    assert p.target == pytest.approx(50.0 + 1e-9, abs=1e-12)
    assert p.method == "lp" and p.reachable
    assert p.moves.at["a", "new"] == pytest.approx(25.0, abs=1e-6)
