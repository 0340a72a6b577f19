"""Tests written for mutants that survived ``scripts/mutation.sh`` (see tests/README.md).

Every expected value comes from an independent reference — a published value (Excel's ``SKEW``/``KURT``
help examples), another implementation (SciPy's bias-corrected moments, which are e1071 type 2),
COINr's documented defaults, or a case worked by hand — never from the function's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import treat as tr

# --- treat: skewness / kurtosis -------------------------------------------------------------------------

EXCEL = [3, 4, 5, 2, 3, 4, 5, 6, 4, 7]   # Excel help: SKEW(...) = 0.359543, KURT(...) = -0.151799637


def test_skew_kurt_match_excel_help_values():
    assert tr.skewness(EXCEL) == pytest.approx(0.359543, abs=1e-6)
    assert tr.kurtosis(EXCEL) == pytest.approx(-0.151799637, abs=1e-9)


@pytest.mark.parametrize("x", [[0.0, 1.0, 5.0], [1.0, 2.0, 2.5, 9.0], [0.0, 0.0, 1.0, 7.0, 3.0]])
def test_skew_kurt_defined_from_smallest_n(x):
    """G1 needs n >= 3 and G2 n >= 4 (SciPy's bias-corrected moments are the same estimators)."""
    assert tr.skewness(x) == pytest.approx(stats.skew(x, bias=False), rel=1e-12)
    if len(x) >= 4:
        assert tr.kurtosis(x) == pytest.approx(stats.kurtosis(x, fisher=True, bias=False), rel=1e-12)
    else:
        assert np.isnan(tr.kurtosis(x))


def test_skew_kurt_undefined_below_minimum_n_and_nan_ignored():
    assert np.isnan(tr.skewness([1.0, 2.0]))
    assert np.isnan(tr.kurtosis([1.0, 2.0, 4.0]))
    x = [3.0, np.nan, 4.0, 5.0, 2.0, 3.0, 4.0, 5.0, 6.0, 4.0, 7.0]
    assert tr.skewness(x) == pytest.approx(0.359543, abs=1e-6)


def test_constant_indicator_has_zero_shape_statistics():
    """No spread: nothing is skewed (the module's convention; a constant never fails the check)."""
    assert tr.skewness([2.0, 2.0, 2.0, 2.0]) == 0.0
    assert tr.kurtosis([2.0, 2.0, 2.0, 2.0]) == 0.0
    assert tr.passes([2.0, 2.0, 2.0, 2.0])


# --- treat: the pass rule and its COINr defaults (check_SkewKurt: skew_thresh = 2, kurt_thresh = 3.5) ------

# skew 2.26, kurtosis 5.85 (SciPy): fails at |skew| > 2 & kurt > 3.5, would pass with a threshold of 3 on skew
X_SKEW = np.r_[np.arange(8.0), 21.0]
# skew 2.26, kurtosis 4.15: fails at the defaults, would pass with kurt_thresh 4.5
X_KURT = np.r_[np.zeros(10), 1.0, 1.5]


def test_pass_rule_uses_coinr_default_thresholds():
    for x in (X_SKEW, X_KURT):
        s, k = stats.skew(x, bias=False), stats.kurtosis(x, bias=False)
        assert 2 < s < 3 and 3.5 < k
        assert not tr.passes(x)
    assert stats.kurtosis(X_KURT, bias=False) < 4.5
    assert tr.passes(X_SKEW, skew=3.0) and tr.passes(X_KURT, kurt=4.5)


def test_pass_rule_is_and_of_failures():
    """Fail only when both are exceeded; an undefined statistic (n < 4) passes."""
    assert tr.passes(X_SKEW, kurt=6.0)          # kurtosis below threshold alone passes
    assert tr.passes(X_SKEW, skew=2.3)          # skew below threshold alone passes
    assert tr.passes([1.0, 2.0, 50.0])          # kurtosis undefined at n = 3


# --- treat: Winsorising, worked by hand --------------------------------------------------------------------

def test_winsorise_one_point_by_hand():
    """0..7 and 21: the top point moves to the next value, 7, and the check then passes."""
    x, nwin, flags = tr.winsorise(X_SKEW)
    np.testing.assert_array_equal(x, np.r_[np.arange(8.0), 7.0])
    assert nwin == 1
    assert list(flags) == [""] * 8 + ["winhi"]


def test_winsorise_low_tail_by_hand():
    x, nwin, flags = tr.winsorise(-X_SKEW)
    np.testing.assert_array_equal(x, -np.r_[np.arange(8.0), 7.0])
    assert nwin == 1 and flags[-1] == "winlo" and set(flags[:-1]) == {""}


def test_winsorise_passing_input_untouched():
    x, nwin, flags = tr.winsorise(np.array(EXCEL, dtype=float))
    np.testing.assert_array_equal(x, EXCEL)
    assert nwin == 0 and set(flags) == {""}


# Six distinct far outliers on 60 small values (skew 3.0, kurtosis 7.6): five steps are not enough
X_HEAVY = np.r_[np.arange(60.0) % 4, 100.0, 110.0, 120.0, 130.0, 140.0, 150.0]


def test_winsorise_stops_at_coinr_default_winmax_of_five():
    x, nwin, flags = tr.winsorise(X_HEAVY)
    assert nwin == 5
    assert (flags == "winhi").sum() == 5
    # the five largest all took the value of the sixth largest, 100
    np.testing.assert_array_equal(np.sort(x)[-6:], [100.0] * 6)
    assert not tr.passes(x)
    x1, n1, _ = tr.winsorise(X_HEAVY, winmax=1)
    assert n1 == 1 and x1.max() == 140.0


def test_treat_series_falls_back_to_log_ct_on_original_values():
    x, rec = tr.treat_series(X_HEAVY)
    mn, mx = X_HEAVY.min(), X_HEAVY.max()
    np.testing.assert_allclose(x, np.log(X_HEAVY - mn + 0.01 * (mx - mn)))   # COINr log_CT, by its formula
    assert rec["fallback"] == "log" and rec["n_winsorised"] == 0 and rec["winsorised"] == ""
    assert rec["log_min"] == mn and rec["log_max"] == mx
    assert rec["skew"] == pytest.approx(stats.skew(X_HEAVY, bias=False))
    assert rec["kurt"] == pytest.approx(stats.kurtosis(X_HEAVY, bias=False))
    assert rec["pass_raw"] is False
    assert rec["skew_treated"] == pytest.approx(stats.skew(x, bias=False))
    assert rec["kurt_treated"] == pytest.approx(stats.kurtosis(x, bias=False))


def test_treat_series_record_after_winsorising():
    x, rec = tr.treat_series(X_SKEW)
    assert rec["n_winsorised"] == 1 and rec["winsorised"] == "winhi" and rec["pass_treated"] is True
    assert rec["clip_hi"] == 7.0 and np.isnan(rec["clip_lo"])
    assert rec["skew_treated"] == pytest.approx(stats.skew(x, bias=False))
    assert rec["kurt_treated"] == pytest.approx(stats.kurtosis(x, bias=False))


def test_treat_table_overrides_columns_and_details():
    df = pd.DataFrame({"a": X_SKEW, "b": X_SKEW * 2, "c": X_SKEW + 1})
    out, det = tr.treat(df, overrides={"b": "none", "c": {"winmax": 0, "fallback": "none"}})
    assert out["a"].max() == 7.0                      # treated with the defaults
    np.testing.assert_array_equal(out["b"], df["b"])  # override by method name
    np.testing.assert_array_equal(out["c"], df["c"])  # override by a parameter dict: no step allowed
    assert list(det.index) == ["a", "b", "c"]
    assert "_flags" not in det.columns
    assert det.loc["a", "n_winsorised"] == 1 and det.loc["c", "n_winsorised"] == 0
    assert det.loc["a", "skew"] == pytest.approx(stats.skew(X_SKEW, bias=False))
    out2, det2 = tr.treat(df, columns=["b"])
    assert list(det2.index) == ["b"] and out2["b"].max() == 14.0
    np.testing.assert_array_equal(out2["a"], df["a"])


def test_winsorised_sides_from_clip_values_of_older_tables():
    assert tr.winsorised_sides({"clip_hi": 5.0, "clip_lo": np.nan}) == {"winhi"}
    assert tr.winsorised_sides({"clip_lo": 1.0}) == {"winlo"}
    assert tr.winsorised_sides({"clip_hi": 5.0, "clip_lo": 1.0}) == {"winhi", "winlo"}
    assert tr.winsorised_sides({"clip_hi": None}) == set()
    assert tr.winsorised_sides({"winsorised": "winhi, winlo"}) == {"winhi", "winlo"}
    np.testing.assert_array_equal(tr.apply_treatment(np.array([0.0, 3.0, 9.0]), {"clip_hi": 5.0}),
                                  [0.0, 3.0, 5.0])


# --- normalise: every method on a hand case (formulas of COINr's n_* functions and the module table) -------

from types import SimpleNamespace  # noqa: E402

from analysis import normalise as nz  # noqa: E402

X4 = np.array([1.0, 2.0, 4.0, 5.0])


def _norm(x, method, params=None, direction=1, node=None):
    return nz.apply(np.asarray(x, dtype=float), nz.fit(np.asarray(x, dtype=float), method, params,
                                                       direction=direction, node=node))


def test_minmax_by_hand_default_range_direction_and_custom_range():
    np.testing.assert_allclose(_norm(X4, "minmax"), [0, 25, 75, 100])
    np.testing.assert_allclose(_norm(X4, "minmax", direction=-1), [100, 75, 25, 0])
    np.testing.assert_allclose(_norm(X4, "minmax", {"range": [1, 10]}), [1, 3.25, 7.75, 10])
    np.testing.assert_allclose(nz.minmax(X4, range=(0, 1)), [0, 0.25, 0.75, 1])


def test_zscore_by_hand_sample_sd_and_rescaling():
    z = np.array([-2.0, -1.0, 1.0, 2.0]) / np.sqrt(10 / 3)      # mean 3, sample sd sqrt(10/3)
    np.testing.assert_allclose(_norm(X4, "zscore"), z)
    np.testing.assert_allclose(_norm(X4, "zscore", {"mean": 100, "sd": 10}), 100 + 10 * z)
    np.testing.assert_allclose(nz.zscore(X4, direction=-1), -z)


def test_rank_and_prank_by_hand_ties_at_minimum_nan_kept():
    x = np.array([1.0, 2.0, 2.0, 5.0, np.nan])
    np.testing.assert_array_equal(nz.rank(x), [1, 2, 2, 4, np.nan])
    np.testing.assert_array_equal(nz.rank(x, direction=-1), [4, 2, 2, 1, np.nan])
    np.testing.assert_allclose(_norm(x, "prank"), [0, 100 / 3, 100 / 3, 100, np.nan])
    np.testing.assert_allclose(_norm(x, "prank", {"range": [1, 4]}), [1, 2, 2, 4, np.nan])


def test_goalposts_by_hand_clipped_reversed_and_log():
    node = SimpleNamespace(goal_min=0.0, goal_max=10.0, transform=None)
    np.testing.assert_allclose(_norm([-5, 5, 15], "goalposts", node=node), [0, 50, 100])
    np.testing.assert_allclose(_norm([-5, 2.5, 15], "goalposts", node=node, direction=-1), [100, 75, 0])
    np.testing.assert_allclose(_norm([10.0, 1000.0], "goalposts", {"min": 1, "max": 100, "transform": "log"}),
                               [50, 100])
    with pytest.raises(Exception, match="positive"):
        _norm([0.0, 5.0], "goalposts", {"min": 1, "max": 100, "transform": "log"})
    with pytest.raises(Exception, match="min < max"):
        nz.fit(X4, "goalposts", {"min": 5, "max": 5})
    with pytest.raises(Exception, match="needs 'min' and 'max'"):
        nz.fit(X4, "goalposts", {"min": 5})


def test_target_by_hand_uncapped_default_capped_and_reversed():
    np.testing.assert_allclose(_norm(X4, "target", {"target": 4}), [0, 100 / 3, 100, 400 / 3])
    np.testing.assert_allclose(_norm(X4, "target", {"target": 4, "cap": True}), [0, 100 / 3, 100, 100])
    # direction -1: (max − x)/(max − t)
    np.testing.assert_allclose(_norm(X4, "target", {"target": 2}, direction=-1), (5 - X4) / 3 * 100)
    np.testing.assert_allclose(_norm(X4, "target", node=SimpleNamespace(target=3.0)), [0, 50, 150, 200])
    with pytest.raises(Exception, match="divides by zero"):
        nz.fit(X4, "target", {"target": 1})
    with pytest.raises(Exception, match="'cap' must be"):
        nz.fit(X4, "target", {"target": 4, "cap": "yes"})


def test_ordinal_and_none_by_hand():
    np.testing.assert_allclose(_norm([1, 3, 5], "ordinal"), [0, 50, 100])
    np.testing.assert_allclose(_norm([1, 3, 5], "ordinal", direction=-1), [100, 50, 0])
    np.testing.assert_allclose(_norm([0, 5, 10], "ordinal", {"scale": [0, 10], "range": [1, 2]}), [1, 1.5, 2])
    with pytest.raises(Exception, match="outside the scale"):
        _norm([1, 6], "ordinal")
    np.testing.assert_array_equal(_norm(X4, "none", direction=-1), -X4)


@pytest.mark.parametrize("method,params,x", [
    ("minmax", {}, [2.0, 2.0]), ("zscore", {}, [2.0]), ("zscore", {}, [2.0, 2.0]), ("prank", {}, [2.0]),
    ("minmax", {}, [np.nan, np.nan]), ("target", {}, [1.0, 2.0]), ("minmax", {"range": [100, 0]}, [1.0, 2.0]),
    ("minmax", {"range": [0, 50, 100]}, [1.0, 2.0]), ("bogus", {}, [1.0, 2.0]),
])
def test_normaliser_refuses_degenerate_inputs(method, params, x):
    from analysis._errors import InputError
    with pytest.raises(InputError):
        _norm(x, method, params)


def test_indicator_params_merges_global_spec_and_overrides():
    spec = {"method": "zscore", "mean": 100, "reference_year": 2020,
            "overrides": {"a": "rank", "b": {"method": "minmax", "range": [1, 10]}, "c": {"sd": 5}}}
    assert nz.indicator_params(spec, "a") == ("rank", {"mean": 100})
    assert nz.indicator_params(spec, "b") == ("minmax", {"mean": 100, "range": [1, 10]})
    assert nz.indicator_params(spec, "c") == ("zscore", {"mean": 100, "sd": 5})
    assert nz.indicator_params({}, "z") == ("minmax", {})


def test_target_notes_name_each_variant():
    f_cap = {"method": "target", "cap": True}
    f_unc = {"method": "target", "cap": False}
    notes = nz.target_notes({2020: {"a": f_cap, "b": f_unc}, "c": {"method": "minmax"}})
    assert len(notes) == 2
    assert "b" in notes[0] and "uncapped" in notes[0]
    assert "a" in notes[1] and "capped (cap: true)" in notes[1]
    assert nz.target_notes({"c": {"method": "minmax"}}) == []


# --- aggregate: weighted means over available children, by hand; MPI/AMPI by their published formulas ------

from analysis import aggregate as ag  # noqa: E402
from analysis._errors import InputError  # noqa: E402

NAN = np.nan


def test_arithmetic_by_hand_complete_missing_min_share_and_batch():
    np.testing.assert_allclose(ag.arithmetic([[1.0, 2.0, 3.0]], [1.0, 1.0, 2.0]), [2.25])
    X = np.array([[1.0, 2.0, NAN], [4.0, NAN, NAN]])
    np.testing.assert_allclose(ag.arithmetic(X, [1.0, 2.0, 3.0]), [5 / 3, 4.0])
    np.testing.assert_allclose(ag.arithmetic(X, [1.0, 2.0, 3.0], min_share=0.5), [5 / 3, NAN])
    np.testing.assert_allclose(ag.arithmetic(X, [1.0, 2.0, 3.0], min_share=0.7), [NAN, NAN])
    W = np.array([[1.0, 1.0, 1.0], [3.0, 1.0, 0.0]])
    np.testing.assert_allclose(ag.arithmetic([[1.0, 2.0, 3.0]], W), [[2.0, 1.25]])
    np.testing.assert_allclose(ag.arithmetic(X, W), [[1.5, 1.25], [4.0, 4.0]])
    assert np.isnan(ag.arithmetic([[1.0, 2.0]], [0.0, 0.0])).all()          # no weight: no mean
    assert np.isnan(ag.arithmetic([[NAN, 2.0]], [1.0, 0.0])).all()          # only a weightless child


def test_geometric_and_harmonic_by_hand():
    np.testing.assert_allclose(ag.geometric([[1.0, 4.0]], [1.0, 1.0]), [2.0])
    np.testing.assert_allclose(ag.geometric([[2.0, 8.0, NAN]], [1.0, 3.0, 5.0]), [2 ** 2.5])
    np.testing.assert_allclose(ag.harmonic([[1.0, 4.0]], [1.0, 1.0]), [1.6])
    np.testing.assert_allclose(ag.harmonic([[2.0, NAN, 4.0]], [1.0, 9.0, 3.0]), [4 / (0.5 + 0.75)])
    np.testing.assert_allclose(ag.geometric([[1.0, 4.0], [NAN, 9.0]], [1.0, 1.0], min_share=0.6), [2.0, NAN])
    np.testing.assert_allclose(ag.harmonic([[1.0, 4.0], [NAN, 9.0]], [1.0, 1.0], min_share=0.6), [1.6, NAN])
    for f, what in ((ag.geometric, "geometric"), (ag.harmonic, "harmonic")):
        with pytest.raises(InputError, match=what):
            f([[0.0, 4.0]], [1.0, 1.0])
    with pytest.raises(InputError, match="log"):
        ag.geometric([[-1.0, 4.0]], [1.0, 1.0])
    with pytest.raises(InputError, match="1/x"):
        ag.harmonic([[-1.0, 4.0]], [1.0, 1.0])


def _mpi_by_formula(X, w, polarity=1):
    """De Muro, Mazziotta & Pareto (2011), weighted as Mazziotta & Pareto (2022): complete data only."""
    X = np.asarray(X, float)
    z = 100 + 10 * (X - X.mean(axis=0)) / X.std(axis=0, ddof=0)
    w = np.asarray(w, float) / np.sum(w)
    M = z @ w
    S = np.sqrt(((z - M[:, None]) ** 2) @ w)
    return M - polarity * S * S / M


XM = np.array([[1.0, 5.0, 2.0], [2.0, 1.0, 4.0], [4.0, 3.0, 3.0], [7.0, 2.0, 1.0]])


@pytest.mark.parametrize("w", [[1.0, 1.0, 1.0], [1.0, 2.0, 5.0]])
@pytest.mark.parametrize("polarity", [1, -1])
def test_mpi_equals_its_published_formula(w, polarity):
    np.testing.assert_allclose(ag.mazziotta_pareto(XM, np.array(w), polarity=polarity),
                               _mpi_by_formula(XM, w, polarity), rtol=1e-12)
    # affine upstream normalisation does not change the MPI (it standardises)
    np.testing.assert_allclose(ag.mazziotta_pareto(3 * XM + 7, np.array(w), polarity=polarity),
                               _mpi_by_formula(XM, w, polarity), rtol=1e-12)


def test_mpi_population_stats_and_refusals():
    mean, sd = ag.mpi_stats(np.array([[1.0, 2.0], [3.0, NAN], [5.0, 4.0]]))
    np.testing.assert_allclose(mean, [3.0, 3.0])
    np.testing.assert_allclose(sd, [np.sqrt(8 / 3), 1.0])
    with pytest.raises(InputError, match="fewer than two"):
        ag.mpi_stats(np.array([[1.0, 2.0], [NAN, 3.0]]))
    with pytest.raises(InputError, match="same value"):
        ag.mpi_stats(np.array([[1.0, 2.0], [1.0, 3.0]]))
    # frozen stats: standardise with the given mean and sd
    z = 100 + 10 * (XM - 2.0) / 4.0
    M = z.mean(axis=1)
    S = z.std(axis=1)
    np.testing.assert_allclose(ag.mazziotta_pareto(XM, np.ones(3), stats=(np.full(3, 2.0), np.full(3, 4.0))),
                               M - S * S / M)


def test_ampi_equals_its_published_formula():
    ref, inf, sup = XM.mean(axis=0), XM.min(axis=0), XM.max(axis=0)
    delta = (sup - inf) / 2
    r = 70 + 60 * (XM - (ref - delta)) / (sup - inf)
    M, S = r.mean(axis=1), r.std(axis=1)
    np.testing.assert_allclose(ag.ampi(XM, np.ones(3)), M - S * S / M, rtol=1e-12)
    np.testing.assert_allclose(ag.ampi(XM, np.ones(3), polarity=-1), M + S * S / M, rtol=1e-12)
    g = (np.full(3, 4.0), np.zeros(3), np.full(3, 8.0))     # ref 4, goalposts 0..8 -> 70 + 60·x/8
    r2 = 70 + 60 * XM / 8
    M2, S2 = r2.mean(axis=1), r2.std(axis=1)
    np.testing.assert_allclose(ag.ampi(XM, np.ones(3), goalposts=g), M2 - S2 * S2 / M2, rtol=1e-12)
    with pytest.raises(InputError, match="span nothing"):
        ag.ampi(XM, np.ones(3), goalposts=(np.ones(3), np.ones(3), np.ones(3)))


def test_mpi_missing_child_renormalises_and_min_share():
    X = np.array([[1.0, 5.0, NAN], [2.0, 1.0, 4.0], [4.0, 3.0, 3.0], [7.0, 2.0, 1.0]])
    mean = np.nanmean(X, axis=0)
    sd = np.nanstd(X, axis=0)
    z0 = 100 + 10 * (X[0, :2] - mean[:2]) / sd[:2]
    M, S = z0.mean(), z0.std()
    assert ag.mazziotta_pareto(X, np.ones(3))[0] == pytest.approx(M - S * S / M, rel=1e-12)
    assert np.isnan(ag.mazziotta_pareto(X, np.ones(3), min_share=0.8)[0])


def test_aliases_canonical_and_node_method_precedence():
    assert ag.canonical("a_gmean") == "geometric" and ag.canonical("MPI") == "mazziotta_pareto"
    assert ag.canonical("a_copeland") == "copeland" and ag.canonical("hmean") == "harmonic"
    with pytest.raises(InputError, match="unknown aggregation"):
        ag.canonical("median")
    np.testing.assert_allclose(ag.aggregate_matrix([[1.0, 4.0]], [1.0, 1.0], "gmean"), [2.0])
    fw = SimpleNamespace(nodes={"A": SimpleNamespace(level=2), "B": SimpleNamespace(level=2),
                                "C": SimpleNamespace(level=3)})
    spec = {"method": "harmonic", "min_share": 0.25, "by_level": {"2": "geometric"},
            "by_node": {"B": {"method": "copeland", "min_share": 0.5}}}
    assert ag.node_method(spec, fw, "A") == ("geometric", 0.25)
    assert ag.node_method(spec, fw, "B") == ("copeland", 0.5)
    assert ag.node_method(spec, fw, "C") == ("harmonic", 0.25)
    assert ag.node_method({"by_node": {"C": "mpi"}}, fw, "C") == ("mazziotta_pareto", 0.0)
    assert ag.node_method({}, fw, "C") == ("arithmetic", 0.0)


# --- treat: second round (survivors of the first rerun) -----------------------------------------------------

def _coinr_pass(x, skew=2.0, kurt=3.5):
    """The rule by SciPy's estimators: pass if |G1| < skew or G2 < kurt."""
    return bool(abs(stats.skew(x, bias=False)) < skew or stats.kurtosis(x, bias=False) < kurt)


def test_thresholds_reach_every_check():
    # a kurtosis threshold above the raw kurtosis (5.85) makes X_SKEW pass before any step
    x, rec = tr.treat_series(X_SKEW, kurt=6.0)
    assert rec["pass_raw"] is True and rec["pass_treated"] is True and rec["n_winsorised"] == 0
    np.testing.assert_array_equal(x, X_SKEW)
    assert tr.winsorise(X_SKEW, kurt=6.0)[1] == 0
    assert tr.winsorise(X_SKEW, skew=2.3)[1] == 0
    # kurtosis threshold 7: stop at the first step after which the rule passes (SciPy re-checks each step)
    x = np.sort(X_HEAVY)
    steps = 0
    while not _coinr_pass(x, kurt=7.0):
        x[x == x.max()] = x[x < x.max()].max()
        steps += 1
    assert 0 < steps < 5
    assert tr.winsorise(X_HEAVY, kurt=7.0)[1] == steps
    _, rec = tr.treat_series(X_HEAVY, kurt=7.0)
    assert rec["n_winsorised"] == steps and rec["pass_treated"] is True
    # default thresholds in treat_series: X_KURT (kurtosis 4.15) fails
    assert tr.treat_series(X_KURT)[1]["pass_raw"] is False


def test_untreated_and_log_records():
    _, rec = tr.treat_series(np.array(EXCEL, dtype=float))
    assert rec["pass_raw"] is True and rec["pass_treated"] is True
    assert rec["winsorised"] == "" and rec["fallback"] == "" and rec["n_winsorised"] == 0
    _, rec = tr.treat_series(X_SKEW, method="none")
    assert rec["pass_raw"] is False and rec["pass_treated"] is False
    xl, rec = tr.treat_series(X_HEAVY)
    assert rec["pass_treated"] is _coinr_pass(xl)
    _, rec = tr.treat_series(X_HEAVY, kurt=1000.0)
    assert rec["pass_raw"] is True
    xl, rec = tr.treat_series(X_HEAVY, skew=0.1, kurt=-10.0)   # nothing passes: log, and still failing
    assert rec["fallback"] == "log" and rec["pass_treated"] is False


def test_treat_table_defaults_fall_back_to_log_after_five_points():
    out, det = tr.treat(pd.DataFrame({"h": X_HEAVY}))
    assert det.loc["h", "fallback"] == "log"
    mn, mx = X_HEAVY.min(), X_HEAVY.max()
    np.testing.assert_allclose(out["h"], np.log(X_HEAVY - mn + 0.01 * (mx - mn)))
    out, det = tr.treat(pd.DataFrame({"h": X_HEAVY}), columns=[])
    assert det.empty
    np.testing.assert_array_equal(out["h"], X_HEAVY)


def test_treat_refuses_unknown_method_and_fallback():
    with pytest.raises(InputError, match="unknown treatment method"):
        tr.treat_series(X_SKEW, method="trim")
    with pytest.raises(InputError, match="unknown fallback"):
        tr.treat_series(X_HEAVY, fallback="sqrt")


def test_pass_rule_boundaries_and_undefined_kurtosis():
    """The rule is strict (``|skew| < skew or kurt < kurt``), and an undefined statistic passes."""
    s, k = abs(tr.skewness(X_SKEW)), tr.kurtosis(X_SKEW)
    assert not tr.passes(X_SKEW, skew=s, kurt=-100.0)
    assert not tr.passes(X_SKEW, skew=0.0, kurt=k)
    assert tr.passes([1.0, 2.0, 50.0], skew=1.0)        # skew 1.73 > 1 but kurtosis undefined at n = 3


def test_frozen_clip_without_a_value_is_no_clip():
    x = np.array([0.0, 3.0, 9.0])
    np.testing.assert_array_equal(tr.apply_treatment(x, {"winsorised": "winhi", "clip_hi": None}), x)
    np.testing.assert_array_equal(tr.apply_treatment(x, {"winsorised": "winhi,winlo", "clip_hi": 5.0,
                                                         "clip_lo": 1.0}), [1.0, 3.0, 5.0])


# --- normalise: second round ---------------------------------------------------------------------------------

def test_normaliser_edges_by_hand():
    with pytest.raises(InputError):
        _norm(X4, "minmax", {"range": [5, 5]})
    np.testing.assert_allclose(_norm([1.0, 3.0], "zscore"), [-1 / np.sqrt(2), 1 / np.sqrt(2)])   # n = 2 works
    np.testing.assert_allclose(_norm([1.0, 3.0], "prank"), [0, 100])
    with pytest.raises(InputError, match="positive"):
        _norm([1.0, 5.0], "goalposts", {"min": 0, "max": 100, "transform": "log"})
    node = SimpleNamespace(goal_min=1.0, goal_max=100.0, transform="log")
    np.testing.assert_allclose(_norm([10.0], "goalposts", node=node), [50])
    # a range that does not start at 0: l + y·(u − l)
    np.testing.assert_allclose(_norm([-5, 5, 15], "goalposts", {"min": 0, "max": 10, "range": [10, 20]}),
                               [10, 15, 20])
    np.testing.assert_allclose(_norm(X4, "target", {"target": 4, "range": [10, 20]}), [10, 40 / 3, 20, 70 / 3])
    # a fitted target record without 'cap' (older runs) is uncapped, as COINr's default
    f = {"method": "target", "direction": 1, "target": 4.0, "lo": 1.0}
    np.testing.assert_allclose(nz.apply(X4, f), [0, 100 / 3, 100, 400 / 3])


def test_normalise_table_reference_frozen_direction_and_error_column():
    fw = SimpleNamespace(indicators=["a", "b", "t"],
                         nodes={"a": SimpleNamespace(direction=1), "b": SimpleNamespace(direction=-1),
                                "t": SimpleNamespace(direction=1, target=4.0)})
    vals = pd.DataFrame({"a": X4, "b": X4, "t": X4}, index=list("pqrs"))
    out, fits = nz.normalise(vals, fw, {"method": "minmax", "overrides": {"t": "target"}})
    np.testing.assert_allclose(out["a"], [0, 25, 75, 100])
    np.testing.assert_allclose(out["b"], [100, 75, 25, 0])
    np.testing.assert_allclose(out["t"], [0, 100 / 3, 100, 400 / 3])
    assert list(out.index) == list("pqrs") and fits["b"]["direction"] == -1
    out_default, _ = nz.normalise(vals, fw)                         # default spec: minmax … target needs one
    np.testing.assert_allclose(out_default["a"], [0, 25, 75, 100])
    ref = pd.DataFrame({"a": [0.0, 10.0], "b": [0.0, 10.0], "t": [0.0, 10.0]})
    out2, _ = nz.normalise(vals, fw, {"method": "minmax", "overrides": {"t": "target"}}, reference=ref)
    np.testing.assert_allclose(out2["a"], X4 * 10)                  # fitted on the reference's 0..10
    np.testing.assert_allclose(out2["t"], X4 / 4 * 100)
    frozen = {"a": {"method": "minmax", "direction": 1, "lo": 0.0, "hi": 2.0}}
    out3, fits3 = nz.normalise(vals, fw, {"method": "minmax", "overrides": {"t": "target"}}, fitted=frozen)
    np.testing.assert_allclose(out3["a"], X4 * 50)
    np.testing.assert_allclose(out3["b"], [100, 75, 25, 0])       # not in `fitted`: fitted on the values
    assert fits3["a"] is frozen["a"]
    with pytest.raises(InputError) as e:
        nz.normalise(vals.assign(b=np.nan), fw, {"method": "minmax", "overrides": {"t": "target"}})
    assert "b" in str(e.value) and "no data" in str(e.value)
    bad = {"a": {"method": "ordinal", "direction": 1, "scale": [1.0, 2.0]}}
    with pytest.raises(InputError) as e:
        nz.normalise(vals, fw, {"overrides": {"t": "target"}}, fitted=bad)
    assert "outside the scale" in str(e.value) and "a" in str(e.value).split("outside")[0]


@pytest.mark.parametrize("method,params,x", [
    ("minmax", {}, [2.0, 2.0]), ("zscore", {}, [2.0]), ("zscore", {}, [2.0, 2.0]), ("prank", {}, [2.0]),
    ("minmax", {}, [np.nan]), ("target", {}, [1.0, 2.0]), ("target", {"target": 1.0}, [1.0, 2.0]),
    ("target", {"target": 3.0, "cap": 1}, [1.0, 2.0]), ("goalposts", {"min": 2, "max": 1}, [1.0]),
    ("goalposts", {}, [1.0]), ("bogus", {}, [1.0]),
])
def test_fit_errors_name_the_indicator(method, params, x):
    with pytest.raises(InputError) as e:
        nz.fit(np.array(x), method, params, code="ind_7")
    assert e.value.column == "ind_7"
