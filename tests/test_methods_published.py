"""Methods as published: Winsorisation and frozen treatment, the gap statistic, the correlation ratio.

Each test asserts one outcome computed by hand or by an independent reference (scipy's bias-corrected
skewness and kurtosis, closed-form population values), so that a wrong formula cannot pass:

- Winsorisation (COINr ``winsorise``; OECD/JRC Handbook): the most extreme value on the side of the
  skew takes the next value, one step at a time, re-checking after each step, up to ``winmax`` points
  (ties move together and count each). Frozen re-application clips only the Winsorised side(s) at the
  last value kept; untreated indicators are left alone.
- Gap statistic (Tibshirani, Walther & Hastie 2001, JRSS B 63:411–423): ``s_k = sd_k·sqrt(1 + 1/B)``
  and the smallest k with ``Gap(k) ≥ Gap(k+1) − s_{k+1}``, k = 1 included.
- Correlation ratio η² (Paruolo, Saisana & Saltelli 2013): the adjusted estimate is unbiased for
  independent x, y at n = 30 and its 95 % bootstrap interval covers the population value at its
  nominal rate.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.audit.importance import bc_interval, correlation_ratio, eta2_interval
from analysis.cluster import NO_STRUCTURE, Selection, cluster_labels, gap_rule, gap_values, select_k
from analysis.treat import apply_treatment, treat, treat_frozen, winsorise


# --- Winsorisation: the number of points -------------------------------------------------------------
def _fails(x) -> bool:
    """COINr's check with scipy's bias-corrected statistics (independent of analysis.treat)."""
    return abs(stats.skew(x, bias=False)) >= 2.0 and stats.kurtosis(x, bias=False) >= 3.5


# 1..27 and four high outliers: 800 -> 300 (fails), both 300s -> 200 (fails), three 200s -> 150 (passes)
TOP = np.array(list(range(1, 28)) + [150, 200, 300, 800], dtype=float)


def test_hand_case_needs_exactly_three_steps():
    steps = [TOP, np.minimum(TOP, 300), np.minimum(TOP, 200), np.minimum(TOP, 150)]
    assert [_fails(s) for s in steps] == [True, True, True, False]


@pytest.mark.parametrize("winmax, nwin, cap", [(5, 3, 150.0), (3, 3, 150.0), (2, 2, 200.0), (1, 1, 300.0)])
def test_winsorise_number_of_points_and_values(winmax, nwin, cap):
    xw, n, flags = winsorise(TOP, winmax=winmax)
    assert n == nwin
    np.testing.assert_array_equal(xw, np.minimum(TOP, cap))
    np.testing.assert_array_equal(np.flatnonzero(flags == "winhi"), np.arange(31 - nwin, 31))
    assert not (flags == "winlo").any()


def test_winsorise_ties_move_together_and_count_each():
    # 1..29, 80, 120, 120, 150: 150 -> 120 (1 point, fails), then the three 120s -> 80 (3 points, passes)
    x = np.array(list(range(1, 30)) + [80, 120, 120, 150], dtype=float)
    assert _fails(x) and _fails(np.minimum(x, 120)) and not _fails(np.minimum(x, 80))
    xw, n, _ = winsorise(x, winmax=2)      # below winmax after one point, so the tied step runs
    assert n == 3
    np.testing.assert_array_equal(xw, np.minimum(x, 80))
    xw1, n1, _ = winsorise(x, winmax=1)
    assert n1 == 1
    np.testing.assert_array_equal(xw1, np.minimum(x, 120))


def test_winsorise_coinr_documented_example_one_outcome():
    # COINr's example c(1:10, 30, 100): one point, 100 -> 30, then the check passes
    x = np.array(list(range(1, 11)) + [30, 100], dtype=float)
    assert _fails(x) and not _fails(np.minimum(x, 30))
    xw, n, flags = winsorise(x, winmax=5)
    assert n == 1
    np.testing.assert_array_equal(xw, np.minimum(x, 30))
    assert list(flags).count("winhi") == 1 and flags[-1] == "winhi"


def test_winsorise_low_side():
    xw, n, flags = winsorise(-TOP, winmax=5)
    assert n == 3
    np.testing.assert_array_equal(xw, np.maximum(-TOP, -150))
    assert (flags == "winlo").sum() == 3 and not (flags == "winhi").any()


# --- frozen treatment ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    plain = np.linspace(10.0, 40.0, 31)
    ref = pd.DataFrame({"top": TOP, "bottom": -TOP, "plain": plain})
    treated, details = treat(ref, "winsorise", winmax=5)
    return ref, treated, details


def test_details_record_only_the_winsorised_side(fitted):
    _, _, d = fitted
    assert d.at["top", "winsorised"] == "winhi" and d.at["top", "n_winsorised"] == 3
    assert d.at["top", "clip_hi"] == 150.0 and np.isnan(d.at["top", "clip_lo"])
    assert d.at["bottom", "winsorised"] == "winlo" and d.at["bottom", "clip_lo"] == -150.0
    assert np.isnan(d.at["bottom", "clip_hi"])
    assert d.at["plain", "n_winsorised"] == 0 and bool(d.at["plain", "pass_raw"])


def test_frozen_clips_only_the_winsorised_side(fitted):
    ref, treated, d = fitted
    new = pd.DataFrame({"top": [-1000.0, 0.5, 149.0, 150.0, 151.0, 1e4, np.nan],
                        "bottom": [1000.0, -0.5, -149.0, -150.0, -151.0, -1e4, np.nan],
                        "plain": [-1e6, 0.0, 25.0, 41.0, 1e6, 5.0, np.nan]})
    out = treat_frozen(new, d)
    # below the reference minimum (1): not clipped, the low side was not Winsorised
    np.testing.assert_array_equal(out["top"], [-1000.0, 0.5, 149.0, 150.0, 150.0, 150.0, np.nan])
    np.testing.assert_array_equal(out["bottom"], [1000.0, -0.5, -149.0, -150.0, -150.0, -150.0, np.nan])
    # an untreated indicator keeps every value, even far outside the reference range
    np.testing.assert_array_equal(out["plain"], new["plain"])
    # the reference itself, re-treated frozen, gives the fresh treatment
    pd.testing.assert_frame_equal(treat_frozen(ref, d), treated)


def test_frozen_log_fallback_applies_the_reference_transform():
    rec = {"fallback": "log", "log_min": 2.0, "log_max": 102.0, "winsorised": ""}
    out = apply_treatment(np.array([2.0, 50.0, 500.0, -7.0]), rec)
    # log(x − 2 + 0.01·100); below the reference minimum the value is set to it
    np.testing.assert_allclose(out, np.log([1.0, 49.0, 499.0, 1.0]))


def test_frozen_reads_the_sides_from_the_record():
    # a record with both clip values but only the top side Winsorised clips the top only
    rec = {"winsorised": "winhi", "clip_lo": 5.0, "clip_hi": 9.0}
    np.testing.assert_array_equal(apply_treatment(np.array([1.0, 7.0, 12.0]), rec), [1.0, 7.0, 9.0])
    both = {"winsorised": "winhi,winlo", "clip_lo": 5.0, "clip_hi": 9.0}
    np.testing.assert_array_equal(apply_treatment(np.array([1.0, 7.0, 12.0]), both), [5.0, 7.0, 9.0])
    assert apply_treatment(np.array([1.0, 12.0]), {"winsorised": "", "clip_lo": 5.0, "clip_hi": 9.0}).tolist() == [
        1.0, 12.0]


# --- gap statistic --------------------------------------------------------------------------------
def test_gap_values_by_hand():
    logw = np.array([2.0, 1.0])
    ref = np.array([[3.0, 2.0], [3.2, 2.4], [2.8, 1.6], [3.0, 2.0]])   # B = 4 reference sets
    gap, s = gap_values(logw, ref)
    np.testing.assert_allclose(gap, [1.0, 1.0], atol=1e-12)
    # sd with divisor B: sqrt(0.08/4) and sqrt(0.32/4); times sqrt(1 + 1/4)
    np.testing.assert_allclose(s, [np.sqrt(0.02 * 1.25), np.sqrt(0.08 * 1.25)], rtol=1e-12)


def test_gap_rule_smallest_k_within_one_standard_error():
    ks = [1, 2, 3, 4]
    # k=1: 0.5 < 0.7 − 0.05; k=2: 0.7 < 0.8 − 0.05; k=3: 0.8 ≥ 0.81 − 0.05 -> 3 (the plain maximum is 4)
    assert gap_rule(ks, [0.5, 0.7, 0.8, 0.81], [0.05] * 4) == 3
    # the standard error of k + 1, not of k: 1.0 ≥ 1.4 − 0.5 holds, 1.0 ≥ 1.4 − 0.1 does not
    assert gap_rule([1, 2], [1.0, 1.4], [0.1, 0.5]) == 1
    # equality counts (≥), with numbers exact in binary
    assert gap_rule([1, 2, 3], [1.0, 1.5, 1.25], [0.25, 0.5, 0.25]) == 1
    assert gap_rule([1, 2, 3], [1.0, 1.75, 1.5], [0.25, 0.5, 0.25]) == 2
    # no k satisfies the rule
    assert gap_rule([1, 2], [0.0, 1.0], [0.1, 0.1]) is None
    # candidates restrict the choice, k + 1 is still looked up
    assert gap_rule([1, 2, 3], [1.0, 1.0, 1.0], [0.1] * 3, candidates=[2, 3]) == 2


def _blob(seed: int, d: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(300, d))


def test_one_gaussian_blob_has_no_cluster_structure():
    sel = select_k(_blob(0, 3), range(2, 4), seed=0, n_ref=5, n_init=3, choose="gap")
    assert sel.k == 1 and sel.no_structure and NO_STRUCTURE in sel.reason
    assert 1 in sel.table.index and sel.table.loc[1, "chosen"]
    assert np.isnan(sel.table.loc[1, "silhouette"]) and sel.table.loc[1, "sizes"] == "300"
    # the other criteria choose among k ≥ 2, and the reason still reports the gap's k = 1
    other = select_k(_blob(0, 3), range(2, 4), seed=0, n_ref=5, n_init=3, choose="silhouette")
    assert other.k >= 2 and other.no_structure and "gap → 1" in other.reason


def test_one_gaussian_blob_k1_in_most_seeds():
    ks = [select_k(_blob(s, 2 + s % 4), range(2, 4), seed=s, n_ref=5, n_init=3, choose="gap").k for s in range(10)]
    assert sum(k == 1 for k in ks) >= 8, ks


def test_three_separated_blobs_give_three():
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=300, centers=[[0, 0, 0], [8, 0, 0], [0, 8, 0]], cluster_std=1.0, random_state=4)
    sel = select_k(X, range(2, 5), seed=0, n_ref=5, n_init=3, choose="gap")
    assert sel.k == 3 and not sel.no_structure, sel.table


def test_single_cluster_label():
    from analysis.framework import load_framework

    fw = load_framework("kominfo_gm100sc")
    dims = fw.children(fw.root)
    lab = cluster_labels(pd.DataFrame([np.full(len(dims), 50.0)], columns=dims), fw)
    assert lab.loc[0, "label_en"] == "All units" and lab.loc[0, "label_id"] == "Semua unit"


@pytest.fixture(scope="module")
def res():
    from analysis import build
    from analysis.demo import DEMO_DIR

    return build("kominfo_gm100sc", DEMO_DIR / "smartcity_2025.csv",
                 {"normalise": {"method": "minmax"}, "impute": {"method": "median"}})


def test_typology_without_structure_is_one_group(monkeypatch, res):
    from analysis import cluster

    sel = Selection(pd.DataFrame({"gap": [0.1]}, index=pd.Index([1], name="k")), 1, "k = 1 by gap", True)
    monkeypatch.setattr(cluster, "select_k", lambda *a, **k: sel)
    ty = cluster.typology(res, choose="gap", n_boot=5)
    assert ty.k == 1 and not ty.structure and ty.stability is None
    assert (ty.labels == 0).all() and ty.profiles.sizes.tolist() == [len(ty.labels)]
    assert any("no cluster structure" in n for n in ty.notes)
    assert (ty.peers["rank_in_cluster"] == ty.peers["rank_national"]).all()
    # asking for a partition still gives one
    assert cluster.typology(res, k=2, n_boot=0).k == 2


# --- correlation ratio η² -------------------------------------------------------------------------
def test_bc_interval_is_the_percentile_interval_at_the_stated_level():
    boot = np.arange(1, 2001) / 2000.0
    lo, hi = bc_interval(boot, np.median(boot))             # default level 0.95, z0 = 0
    np.testing.assert_allclose([lo, hi], np.quantile(boot, [0.025, 0.975]), atol=1e-9)
    lo, hi = bc_interval(boot, np.median(boot), ci=0.8)
    np.testing.assert_allclose([lo, hi], np.quantile(boot, [0.1, 0.9]), atol=1e-9)
    # bias correction: 30 % of the replicates below the estimate -> z0 = Φ⁻¹(0.3)
    est = np.quantile(boot, 0.3) + 1e-6
    z0 = stats.norm.ppf(0.3)
    q = stats.norm.cdf(2 * z0 + stats.norm.ppf([0.025, 0.975]))
    np.testing.assert_allclose(bc_interval(boot, est), np.quantile(boot, q), atol=1e-9)


def test_adjusted_eta2_exact_cases():
    x = np.linspace(-1, 1, 40)
    assert correlation_ratio(x, 3 * x + 2, adjusted=True, n_perm=5) == pytest.approx(1.0, abs=1e-8)
    # straight line: exactly the adjusted R², 1 − (1 − r²)(n − 1)/(n − 2)
    y = x + np.random.default_rng(3).normal(size=40)
    r2 = np.corrcoef(x, y)[0, 1] ** 2
    assert correlation_ratio(x, y, "linear", adjusted=True) == pytest.approx(1 - (1 - r2) * 39 / 38, rel=1e-12)
    # the interval's default level is 95 %
    assert eta2_interval(x, y, n_boot=40, n_perm=5) == eta2_interval(x, y, n_boot=40, n_perm=5, ci=0.95)
    assert eta2_interval(x, y, n_boot=40, n_perm=5)[1] < eta2_interval(x, y, n_boot=40, n_perm=5, ci=0.9)[1]


def test_adjusted_eta2_is_unbiased_for_independent_pairs_at_n30():
    rng = np.random.default_rng(2013)
    pairs = [(rng.uniform(size=30), rng.normal(size=30)) for _ in range(300)]
    raw = np.mean([correlation_ratio(x, y) for x, y in pairs])
    adj = np.mean([correlation_ratio(x, y, adjusted=True, n_perm=20, seed=i) for i, (x, y) in enumerate(pairs)])
    assert raw > 0.07             # the plain estimate's bias (about 0.10) that the adjustment removes
    assert abs(adj) <= 0.03, adj


def test_eta2_interval_covers_the_population_value_at_its_nominal_rate():
    # y = x + e, x ~ U(0, 1), e ~ N(0, 1/12): η² = R² = V(x)/(V(x) + V(e)) = 1/2 in closed form
    rng = np.random.default_rng(1996)
    n, sims, true = 100, 200, 0.5
    hits, est = 0, []
    for i in range(sims):
        x = rng.uniform(size=n)
        y = x + rng.normal(0.0, np.sqrt(1 / 12), n)
        e, lo, hi = eta2_interval(x, y, n_boot=100, n_perm=10, seed=i)
        hits += lo <= true <= hi
        est.append(e)
    cover = hits / sims
    assert 0.90 <= cover <= 0.985, cover
    assert abs(np.mean(est) - true) < 0.02


def test_importance_reports_the_adjusted_eta2_and_its_95_percent_interval(res):
    from analysis.audit.importance import importance
    from analysis.select import cross_section

    imp = importance(res, level=3, n_boot=20, n_perm=5, seed=3)
    T = cross_section(res)
    rng = np.random.default_rng(3)
    boots = [rng.integers(0, len(T), len(T)) for _ in range(20)]
    for c, row in imp.iterrows():
        x, y = T[c].to_numpy(float), T[row["against"]].to_numpy(float)
        e, lo, hi = eta2_interval(x, y, ci=0.95, n_perm=5, seed=3, boots=boots)
        assert (row["eta2"], row["eta2_lo"], row["eta2_hi"]) == pytest.approx((e, lo, hi), abs=1e-12)
        assert row["eta2_raw"] == pytest.approx(correlation_ratio(x, y), abs=1e-12)
    assert imp.groupby("parent")["importance"].sum().to_numpy() == pytest.approx(1.0)


def test_reference_year_treatment_clips_only_the_winsorised_side():
    """The panel built on a reference year: the other years' values are clipped at the reference's
    upper Winsorisation boundary only; values below the reference minimum are kept."""
    from analysis import build
    from analysis.demo import DEMO_DIR

    res = build("kominfo_gm100sc", DEMO_DIR / "smartcity_panel.csv",
                {"impute": {"method": "median"}, "treat": {"method": "winsorise"},
                 "normalise": {"method": "minmax", "reference_year": 2023}})
    tr = res.treatment.xs(2023, level=0)
    top = tr.index[tr["winsorised"] == "winhi"]
    assert len(top) and not (tr["winsorised"] == "winlo").any()
    below = 0
    for y in (2024, 2025):
        imp, out = res.imputed.xs(y, level="year"), res.treated.xs(y, level="year")
        for c in tr.index:
            if tr.at[c, "fallback"] == "log":     # the reference's log transform, log(x − min + 0.01·range)
                mn, mx = tr.at[c, "log_min"], tr.at[c, "log_max"]
                expected = np.log(np.maximum(imp[c], mn) - mn + 0.01 * (mx - mn))
            else:
                expected = np.minimum(imp[c], tr.at[c, "clip_hi"]) if c in top else imp[c]
            np.testing.assert_array_equal(out[c].to_numpy(), expected.to_numpy(), err_msg=f"{c} {y}")
        below += sum(int((imp[c] < res.imputed.xs(2023, level="year")[c].min()).sum()) for c in top)
    assert below > 0     # the case that matters: values below the reference minimum exist and are kept
