"""Hand-computed cases for every normaliser, aggregator, imputer and the treatment rule."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import InputError
from analysis import aggregate as ag
from analysis import normalise as nm
from analysis.impute import impute
from analysis.levels import Bands, rank_desc
from analysis.treat import kurtosis, log_ct, passes, skewness, treat_series, winsorise

NAN = np.nan


def test_minmax_hand():
    x = np.array([2.0, 4.0, NAN, 10.0])
    np.testing.assert_allclose(nm.minmax(x), [0, 25, NAN, 100])
    np.testing.assert_allclose(nm.minmax(x, range=(1, 11)), [1, 3.5, NAN, 11])
    np.testing.assert_allclose(nm.minmax(x, direction=-1), [100, 75, NAN, 0])


def test_zscore_uses_sample_sd_and_rescales():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    sd = np.sqrt(((x - 2.5) ** 2).sum() / 3)
    np.testing.assert_allclose(nm.zscore(x), (x - 2.5) / sd)
    np.testing.assert_allclose(nm.zscore(x, mean=10, sd=2), (x - 2.5) / sd * 2 + 10)
    np.testing.assert_allclose(nm.zscore(x, direction=-1), -(x - 2.5) / sd)


def test_rank_ties_min_nan_kept():
    x = np.array([3.0, 1.0, 3.0, NAN, 2.0])
    np.testing.assert_array_equal(nm.rank(x), [3, 1, 3, NAN, 2])
    np.testing.assert_array_equal(nm.rank(x, direction=-1), [1, 4, 1, NAN, 3])


def test_prank_goalposts_target_ordinal():
    x = np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(nm.apply(x, nm.fit(x, "prank", {"range": [0, 1]})), [0, 0.5, 1])
    f = nm.fit(x, "goalposts", {"min": 15, "max": 25, "range": [0, 100]})
    np.testing.assert_allclose(nm.apply(x, f), [0, 50, 100])
    f = nm.fit(x, "goalposts", {"min": 15, "max": 25}, direction=-1)
    np.testing.assert_allclose(nm.apply(x, f), [100, 50, 0])
    f = nm.fit(np.array([1.0, 10, 100]), "goalposts", {"min": 1, "max": 100, "transform": "log", "range": [0, 1]})
    np.testing.assert_allclose(nm.apply(np.array([1.0, 10, 100]), f), [0, 0.5, 1])
    # COINr n_dist2targ: 1 - (t - x)/(t - min), uncapped by default (cap_max = FALSE), capped with cap: true
    f = nm.fit(x, "target", {"target": 25, "range": [0, 1]})
    np.testing.assert_allclose(nm.apply(x, f), [0, 1 - 5 / 15, 1 + 5 / 15])
    f = nm.fit(x, "target", {"target": 25, "range": [0, 1], "cap": True})
    np.testing.assert_allclose(nm.apply(x, f), [0, 1 - 5 / 15, 1])
    f = nm.fit(np.array([1.0, 3, 5]), "ordinal", {"scale": [1, 5], "range": [0, 100]})
    np.testing.assert_allclose(nm.apply(np.array([1.0, 3, 5]), f), [0, 50, 100])
    with pytest.raises(InputError, match="outside the scale"):
        nm.apply(np.array([6.0]), f)


def test_constant_indicator_is_an_error_for_spread_methods():
    with pytest.raises(InputError, match="constant"):
        nm.minmax(np.array([3.0, 3.0, 3.0]))
    with pytest.raises(InputError, match="constant"):
        nm.zscore(np.array([3.0, 3.0, 3.0]))


def test_arithmetic_renormalises_over_available():
    X = np.array([[10.0, 20.0, 30.0], [10.0, NAN, 30.0], [NAN, NAN, NAN]])
    w = np.array([1.0, 2.0, 1.0])
    out = ag.arithmetic(X, w)
    np.testing.assert_allclose(out[:2], [(10 + 40 + 30) / 4, (10 + 30) / 2])
    assert np.isnan(out[2])
    out = ag.arithmetic(X, w, min_share=0.9)
    assert np.isnan(out[1]) and not np.isnan(out[0])


def test_geometric_harmonic_hand():
    X = np.array([[1.0, 4.0], [2.0, NAN]])
    w = np.array([1.0, 3.0])
    np.testing.assert_allclose(ag.geometric(X, w), [np.exp((0 + 3 * np.log(4)) / 4), 2.0])
    np.testing.assert_allclose(ag.harmonic(X, w), [4 / (1 + 3 / 4), 2.0])
    with pytest.raises(InputError, match="range that starts above 0"):
        ag.geometric(np.array([[0.0, 1.0]]), w)
    with pytest.raises(InputError, match="non-positive"):
        ag.harmonic(np.array([[-1.0, 1.0]]), w)


def test_batched_weights_equal_loop():
    rng = np.random.default_rng(1)
    X = rng.uniform(1, 100, (20, 4))
    X[3, 1] = NAN
    W = rng.uniform(0.1, 2, (7, 4))
    for f in (ag.arithmetic, ag.geometric, ag.harmonic, ag.mazziotta_pareto):
        B = f(X, W)
        for r in range(7):
            np.testing.assert_allclose(B[:, r], f(X, W[r]), rtol=1e-13)


def test_mazziotta_pareto_hand():
    # MPI standardises each column first (population sd): [90, 100] -> z [90, 110]; [110, 100] -> [110, 90];
    # both units then have M = 100, S = 10, cv = 0.1 and MPI = 100 - 10 * 0.1 = 99 (published definition,
    # see tests/test_aggregate_published.py for more cases)
    X = np.array([[90.0, 110.0], [100.0, 100.0]])
    out = ag.mazziotta_pareto(X, np.array([1.0, 1.0]))
    np.testing.assert_allclose(out, [99.0, 99.0])


def test_copeland_hand():
    X = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]])
    w = np.array([1.0, 1.0])
    # every pair splits the two indicators (e_ij = 1/2): all ties, Copeland = wins - losses = 0
    np.testing.assert_allclose(ag.copeland(X, w), [0.0, 0.0, 0.0])
    X = np.array([[3.0, 3.0], [2.0, 2.0], [1.0, 1.0]])
    np.testing.assert_allclose(ag.copeland(X, w), [2.0, 0.0, -2.0])


def test_skew_kurt_match_bias_corrected_sample_statistics():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 30, 100.0])
    assert skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))


def test_winsorise_coinr_example():
    # COINr's documented example: 1:10 plus two outliers, winmax 2
    x = np.array(list(range(1, 11)) + [30, 100], dtype=float)
    assert not passes(x)
    xw, nwin, flags = winsorise(x, winmax=5)
    # one step: 100 -> 30, after which the check passes (skew 1.71, kurtosis 1.82); one outcome asserted
    x1 = x.copy()
    x1[x1 == 100] = 30
    assert passes(x1)
    np.testing.assert_array_equal(xw, x1)
    assert nwin == 1
    assert list(flags).count("winhi") == 1


def test_fallback_log_applies_to_original():
    rng = np.random.default_rng(0)
    x = np.exp(rng.normal(0, 2.0, 200))
    y, rec = treat_series(x, winmax=1)
    assert rec["fallback"] == "log"
    np.testing.assert_allclose(y, log_ct(x))
    np.testing.assert_allclose(log_ct(np.array([1.0, 2.0, 11.0])), np.log([0.1, 1.1, 10.1]))


def test_impute_mean_median_group():
    df = pd.DataFrame({"a": [1.0, NAN, 3.0, 10.0, NAN], "b": [NAN, 2.0, 2.0, 4.0, 6.0]})
    g = pd.Series(["x", "x", "x", "y", "y"])
    np.testing.assert_allclose(impute(df, "mean")["a"], [1, 14 / 3, 3, 10, 14 / 3])
    np.testing.assert_allclose(impute(df, "median")["b"], [3, 2, 2, 4, 6])
    np.testing.assert_allclose(impute(df, "group_mean", groups=g)["a"], [1, 2, 3, 10, 10])
    np.testing.assert_allclose(impute(df, "group_median", groups=g)["b"], [2, 2, 2, 4, 6])
    out = impute(df, "iterative", seed=0)
    assert not out.isna().any().any()


def test_rank_desc_and_bands_edges():
    np.testing.assert_array_equal(rank_desc(np.array([5.0, 9.0, 5.0, NAN])), [2, 1, 2, NAN])
    b = Bands([1.8, 2.6, 3.5, 4.2], ["Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan"])
    got = b.assign(np.array([1.79, 1.8, 2.59, 2.6, 3.49, 3.5, 4.19, 4.2, 5.0]))
    assert list(got) == ["Kurang", "Cukup", "Cukup", "Baik", "Baik", "Sangat Baik", "Sangat Baik",
                         "Memuaskan", "Memuaskan"]
