"""The uncertainty engine's sampling, tested by the distribution of its draws.

Every test here draws many runs through the public entry points (``sample`` → ``Engine.resolve``,
``unit_design``) and compares the sample with the distribution the method names, never with a
rebuild from the same draws:

- uniform weight noise ``w·(1 + U(−f, f))`` (README, "Uncertainty and sensitivity"): bounds
  ``[w(1 − f), w(1 + f)]`` reached on both sides, mean ``w`` (unbiased), variance ``w² f² / 3``
  (the variance of ``U(−f, f)``), a uniform shape (Kolmogorov–Smirnov), independent across nodes;
- Dirichlet weights "around the nominal shares": within a parent the shares follow
  ``Dirichlet(c · s)`` with ``s`` the nominal shares and ``c`` the ``concentration`` (the sum of the
  Dirichlet parameters, ``α_0 = c``), so ``E[S_i] = s_i``, ``Var[S_i] = s_i (1 − s_i) / (c + 1)``,
  ``Cov[S_i, S_j] = −s_i s_j / (c + 1)`` and each margin is ``Beta(c s_i, c (1 − s_i))`` (Kotz,
  Balakrishnan & Johnson 2000, *Continuous Multivariate Distributions* vol. 1, ch. 49); the
  parent's total weight is kept;
- discrete factors (choices, exclusions, weight sets): every alternative in equal shares
  (Pearson's χ² goodness of fit against the uniform distribution on the labels);
- the Sobol'/Saltelli design: ``A`` and ``B`` uniform and independent, ``AB_g`` equal to ``A``
  except the columns of factor ``g``, taken from ``B`` (Saltelli et al. 2010).

Tolerances are stated next to each assertion in standard errors (SE) of the estimate; the seeds are
fixed, so the tests are deterministic, and the tolerances are wide enough (≥ 4.5 SE, or p-values
above 1e-4) that any seed would pass with overwhelming probability, yet a biased or mis-scaled
sampler fails by many SE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.framework import Framework, Node
from analysis.uncertainty import Engine, sample
from analysis.uncertainty.sensitivity import labelled_design, unit_design

#: nominal weights of the toy framework (relative within each parent), written out independently
#: of the engine: D0 has unequal shares 1:2:5, D1 3:1, D2 one child.
W_NOM = {"D0": 1.0, "D1": 2.0, "D2": 3.0, "x00": 1.0, "x01": 2.0, "x02": 5.0, "x10": 3.0, "x11": 1.0, "x20": 1.0}
CHILDREN = {"I": ["D0", "D1", "D2"], "D0": ["x00", "x01", "x02"], "D1": ["x10", "x11"], "D2": ["x20"]}
N_RUNS = 20_000


def _toy(n: int = 12, seed: int = 0):
    nodes = [Node("I", None, 1.0, False)]
    for agg in ("D0", "D1", "D2"):
        nodes.append(Node(agg, "I", W_NOM[agg], False))
        nodes += [Node(c, agg, W_NOM[c], True) for c in CHILDREN[agg]]
    fw = Framework(nodes)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(1, 10, (n, len(fw.indicators))), columns=fw.indicators)
    df.insert(0, "uCode", [f"u{i:02d}" for i in range(n)])
    return fw, df


def _engine(factors: list[dict], N: int = N_RUNS, seed: int = 7) -> Engine:
    fw, df = _toy()
    return Engine(fw, df, {"normalise": {"method": "minmax", "range": [1, 100]}},
                  {"N": N, "seed": seed, "factors": factors})


def _weights(eng: Engine, **kw) -> pd.DataFrame:
    """Runs × nodes weight matrix of a fresh Monte Carlo sample."""
    runs = eng.resolve(sample(eng, kind="mc", **kw))
    return pd.DataFrame(runs.W, columns=eng.nodes)


# --- uniform weight noise ------------------------------------------------------------------------

@pytest.mark.parametrize("f", [0.1, 0.3, 0.6])
def test_uniform_noise_bounds_mean_variance_and_shape(f):
    W = _weights(_engine([{"name": "w", "type": "weights", "level": "all", "noise": f}]))
    sd = f / np.sqrt(3)                                    # sd of U(−f, f)
    se_mean = sd / np.sqrt(N_RUNS)
    for c, w0 in W_NOM.items():
        m = W[c].to_numpy() / w0                           # the multiplier 1 + U(−f, f)
        # bounds respected, and both ends reached (P(no draw within 0.02 f of an end) < 1e-80)
        assert m.min() >= 1 - f - 1e-12 and m.max() <= 1 + f + 1e-12, c
        assert m.min() < 1 - 0.98 * f and m.max() > 1 + 0.98 * f, c
        # unbiased: the mean weight is the nominal weight (tolerance 5 SE)
        assert abs(m.mean() - 1) < 5 * se_mean, (c, m.mean())
        assert abs(W[c].mean() - w0) < 5 * se_mean * w0, c
        # variance f²/3; the SE of a sample variance of U(−f, f) is f² √(4/45 / N) ≈ 0.6 % of f²/3 here
        assert m.var(ddof=1) == pytest.approx(f ** 2 / 3, rel=0.04), c
        # uniform shape on [1 − f, 1 + f]
        assert stats.kstest(m, stats.uniform(loc=1 - f, scale=2 * f).cdf).pvalue > 1e-4, c
    # independent draws per node: |r| < 0.035 (SE of r under independence 1/√N = 0.007; 5 SE)
    R = np.corrcoef(W.to_numpy(), rowvar=False)
    assert np.abs(R[np.triu_indices_from(R, 1)]).max() < 0.035


def test_uniform_noise_only_on_the_named_level():
    W = _weights(_engine([{"name": "w", "type": "weights", "level": 2, "noise": 0.4}]))
    for c in ("x00", "x01", "x02", "x10", "x11", "x20"):           # level 1: untouched
        assert (W[c] == W_NOM[c]).all(), c
    for c in ("D0", "D1", "D2"):                                  # level 2: noisy, mean nominal
        assert W[c].std() > 0.2 * W_NOM[c] and abs(W[c].mean() / W_NOM[c] - 1) < 0.01, c


def test_uniform_noise_on_named_nodes_and_zero_noise():
    W = _weights(_engine([{"name": "w", "type": "weights", "nodes": ["x01", "D1"], "noise": 0.5}]))
    for c, w0 in W_NOM.items():
        moved = c in ("x01", "D1")
        assert (W[c] != w0).any() == moved, c
    W0 = _weights(_engine([{"name": "w", "type": "weights", "level": "all", "noise": 0.0}], N=200))
    assert (W0.to_numpy() == np.array([W_NOM[c] for c in W0.columns])).all()


def test_multipliers_given_directly_are_applied_as_given():
    """A replayed design may hold the multiplier ``1 + U(−f, f)`` itself (column ``name[node]*``)."""
    eng = _engine([{"name": "w", "type": "weights", "nodes": ["x00", "D2"], "noise": 0.2}], N=3)
    design = pd.DataFrame({"w[x00]*": [0.8, 1.0, 1.15], "w[D2]*": [1.2, 0.9, 1.0]})
    W = pd.DataFrame(eng.resolve(design).W, columns=eng.nodes)
    np.testing.assert_allclose(W["x00"], [0.8, 1.0, 1.15], rtol=0, atol=1e-12)
    np.testing.assert_allclose(W["D2"], [3.6, 2.7, 3.0], rtol=0, atol=1e-12)
    assert (W["x01"] == 2.0).all()


# --- Dirichlet weights ---------------------------------------------------------------------------

@pytest.mark.parametrize("c", [5.0, 40.0, 400.0])
def test_dirichlet_shares_mean_variance_covariance_and_margins(c):
    W = _weights(_engine([{"name": "w", "type": "weights", "level": 1, "distribution": "dirichlet",
                           "concentration": c}]))
    for parent in ("D0", "D1"):
        ch = CHILDREN[parent]
        nominal = np.array([W_NOM[x] for x in ch])
        s = nominal / nominal.sum()                                   # nominal shares
        B = W[ch].to_numpy()
        # the parent's total weight is kept in every run
        np.testing.assert_allclose(B.sum(axis=1), nominal.sum(), rtol=1e-12)
        S = B / B.sum(axis=1, keepdims=True)
        var = s * (1 - s) / (c + 1)                                   # Dirichlet variance, α_0 = c
        # mean = nominal shares (tolerance 5 SE, SE = √(var / N))
        np.testing.assert_array_less(np.abs(S.mean(axis=0) - s), 5 * np.sqrt(var / N_RUNS))
        # variance s(1 − s)/(c + 1): within 6 % (the sample variance's SE is ≈ 1–1.5 % here)
        np.testing.assert_allclose(S.var(axis=0, ddof=1), var, rtol=0.06)
        # covariance −s_i s_j / (c + 1) for each pair: within 8 %
        C = np.cov(S, rowvar=False)
        for i in range(len(ch)):
            for j in range(i + 1, len(ch)):
                assert C[i, j] == pytest.approx(-s[i] * s[j] / (c + 1), rel=0.08), (parent, i, j)
        # each margin is Beta(c s_i, c (1 − s_i))
        for i in range(len(ch)):
            assert stats.kstest(S[:, i], stats.beta(c * s[i], c * (1 - s[i])).cdf).pvalue > 1e-4, (parent, i)
    # a single child keeps its nominal weight; the other level is untouched
    assert (W["x20"] == 1.0).all()
    assert (W[["D0", "D1", "D2"]].to_numpy() == [1.0, 2.0, 3.0]).all()


def test_dirichlet_concentration_scales_the_spread():
    """Var[S_i] · (c + 1) is the same for every concentration: the spread shrinks as 1/(c + 1)."""
    s = np.array([1.0, 2.0, 5.0]) / 8.0
    for c in (2.0, 20.0, 200.0):
        W = _weights(_engine([{"name": "w", "type": "weights", "nodes": ["x00", "x01", "x02"],
                               "distribution": "dirichlet", "concentration": c}]))
        S = W[["x00", "x01", "x02"]].to_numpy() / 8.0
        np.testing.assert_allclose(S.var(axis=0, ddof=1) * (c + 1), s * (1 - s), rtol=0.06)


def test_dirichlet_on_every_level_keeps_each_parents_total():
    W = _weights(_engine([{"name": "w", "type": "weights", "level": "all", "distribution": "dirichlet",
                           "concentration": 30}], N=4000))
    for ch in CHILDREN.values():
        tot = sum(W_NOM[x] for x in ch)
        np.testing.assert_allclose(W[ch].sum(axis=1), tot, rtol=1e-12)
        shares = W[ch].mean(axis=0) / tot
        np.testing.assert_allclose(shares, [W_NOM[x] / tot for x in ch], atol=0.01)


# --- discrete factors ----------------------------------------------------------------------------

def _equal_shares(labels: pd.Series, expected: list[str]) -> None:
    counts = labels.value_counts().reindex(expected, fill_value=0)
    assert counts.sum() == len(labels) and set(labels) <= set(expected)
    k, n = len(expected), len(labels)
    # Pearson χ² against equal shares (k − 1 df); p > 1e-4
    assert stats.chisquare(counts.to_numpy()).pvalue > 1e-4, counts.to_dict()
    # and each share within 5 SE of 1/k (SE = √(p(1 − p)/N))
    p = 1 / k
    np.testing.assert_array_less(np.abs(counts.to_numpy() / n - p), 5 * np.sqrt(p * (1 - p) / n))


DISCRETE = [
    {"name": "norm", "type": "choice", "step": "normalise",
     "alternatives": {"mm": {"method": "minmax", "range": [1, 100]}, "z": {"method": "zscore", "mean": 50, "sd": 10},
                      "pr": {"method": "prank"}}},
    {"name": "agg", "type": "choice", "step": "aggregate", "alternatives": {"a": "arithmetic", "g": "geometric"}},
    {"name": "drop", "type": "exclude", "indicators": ["x00", "x01", "x10", "x11"]},
    {"name": "wset", "type": "weight_set", "sets": {f"s{i}": {"D0": float(i + 1)} for i in range(7)}},
]


def test_discrete_factors_draw_every_alternative_in_equal_shares():
    eng = _engine(DISCRETE)
    design = sample(eng, kind="mc")
    assert len(design) == N_RUNS
    _equal_shares(design["norm"], ["mm", "z", "pr"])
    _equal_shares(design["agg"], ["a", "g"])
    _equal_shares(design["drop"], ["none", "x00", "x01", "x10", "x11"])
    _equal_shares(design["wset"], [f"s{i}" for i in range(7)])
    # two discrete factors are drawn independently: χ² test of independence on the 3 × 2 table
    assert stats.chi2_contingency(pd.crosstab(design["norm"], design["agg"])).pvalue > 1e-4
    # the runs carry the drawn alternatives: the excluded indicator's weight is 0, the set's D0 weight
    runs = eng.resolve(design)
    W = pd.DataFrame(runs.W, columns=eng.nodes)
    for c in ("x00", "x01", "x10", "x11"):
        assert ((W[c] == 0) == (design["drop"] == c)).all(), c
    np.testing.assert_array_equal(W["D0"], design["wset"].str[1:].astype(int) + 1.0)
    methods = pd.Series([eng.upstream_keys[k]["normalise"]["method"] for k in runs.upstream])
    assert (methods.to_numpy() == design["norm"].map({"mm": "minmax", "z": "zscore", "pr": "prank"}).to_numpy()).all()


def test_labels_cut_the_unit_interval_into_equal_bins():
    """Label k of L covers [k/L, (k + 1)/L): the bin edges, checked at and next to each edge."""
    eng = _engine([DISCRETE[0]], N=10)
    dims = eng.dims()
    eps = 1e-9
    U = np.array([[0.0], [1 / 3 - eps], [1 / 3], [2 / 3 - eps], [2 / 3], [1 - eps]])
    got = labelled_design(U, dims, eng.ua.factors)["norm"].tolist()
    assert got == ["mm", "mm", "z", "z", "pr", "pr"]


# --- designs -------------------------------------------------------------------------------------

def test_monte_carlo_design_is_uniform_and_seeded():
    dims = [("a", "a"), ("w", "x"), ("w", "y")]
    U = unit_design(dims, 20_000, "mc", seed=3)
    assert U.shape == (20_000, 3) and (U >= 0).all() and (U < 1).all()
    for j in range(3):
        assert stats.kstest(U[:, j], "uniform").pvalue > 1e-4
    np.testing.assert_array_equal(U, unit_design(dims, 20_000, "mc", seed=3))
    assert not np.array_equal(U, unit_design(dims, 20_000, "mc", seed=4))
    assert unit_design([], 5, "mc").shape == (5, 0)


def test_sobol_design_blocks_and_independence():
    """Rows come in blocks of G + 2: A, AB_1 … AB_G, B (SALib's order); AB_g = A with g's columns from B."""
    dims = [("a", "a"), ("w", "x"), ("w", "y"), ("b", "b")]    # three factors, four columns
    groups = ["a", "w", "b"]
    N, D, G = 1024, 4, 3
    U = unit_design(dims, N, "sobol", seed=11)
    assert U.shape == (N * (G + 2), D)
    blocks = U.reshape(N, G + 2, D)
    A, B = blocks[:, 0], blocks[:, -1]
    for k, g in enumerate(groups):
        cols = np.array([d[0] == g for d in dims])
        AB = blocks[:, 1 + k]
        np.testing.assert_array_equal(AB[:, cols], B[:, cols])
        np.testing.assert_array_equal(AB[:, ~cols], A[:, ~cols])
    for M in (A, B):
        for j in range(D):
            # a (scrambled) Sobol' sequence is far more even than random draws: KS p-values near 1
            assert stats.kstest(M[:, j], "uniform").pvalue > 0.5
            assert abs(M[:, j].mean() - 0.5) < 0.01
    # B's rows are paired with A's at random: no column of B correlates with any column of A
    # (|r| < 0.14: 4.5 SE with SE = 1/√N ≈ 0.031), and B differs from A in every row
    R = np.corrcoef(A.T, B.T)[:D, D:]
    assert np.abs(R).max() < 0.14
    assert (A != B).all()


def test_sobol_labels_in_equal_shares_and_ab_changes_one_factor():
    eng = _engine(DISCRETE[:3], N=512)
    design = sample(eng, kind="sobol")
    G = 3
    assert len(design) == 512 * (G + 2)
    blocks = design.to_numpy(dtype=object).reshape(512, G + 2, G)
    A, B = pd.DataFrame(blocks[:, 0], columns=design.columns), pd.DataFrame(blocks[:, -1], columns=design.columns)
    _equal_shares(A["norm"], ["mm", "z", "pr"])
    _equal_shares(B["drop"], ["none", "x00", "x01", "x10", "x11"])
    for k in range(G):
        other = [j for j in range(G) if j != k]
        assert (blocks[:, 1 + k, other] == blocks[:, 0, other]).all()
        assert (blocks[:, 1 + k, k] == blocks[:, -1, k]).all()
        # A's and B's labels of one factor agree about as often as two independent draws (1/L)
        L = len(eng.ua.factors[k].labels)
        same = (blocks[:, 0, k] == blocks[:, -1, k]).mean()
        assert abs(same - 1 / L) < 5 * np.sqrt((1 / L) * (1 - 1 / L) / 512), (k, same)


# --- spec lookup and estimator defaults ----------------------------------------------------------

def test_spec_factor_lookup_names_the_file(tmp_path):
    from analysis import InputError
    from analysis.uncertainty import load_ua_spec

    p = tmp_path / "ua.yaml"
    p.write_text("N: 10\nfactors:\n  - {name: w, type: weights, level: all, noise: 0.2}\n", encoding="utf-8")
    ua = load_ua_spec(p)
    assert ua.factor("w").noise == 0.2 and ua.factor("w").type == "weights"
    with pytest.raises(InputError) as ei:
        ua.factor("zz")
    assert ei.value.message == "unknown factor 'zz'" and ei.value.file == str(p)


def test_coinr_estimator_defaults_and_a_constant_output():
    """Defaults: 500 resamples, seed 0, 90 % intervals (COINr's 5th and 95th percentiles); a constant
    output has no variance to share: NaN indices, and no floating-point warnings."""
    import warnings

    from analysis.uncertainty.sensitivity import sobol_coinr

    rng = np.random.default_rng(0)
    Y = rng.normal(size=64 * 4)
    d = sobol_coinr(Y, 2)
    pd.testing.assert_frame_equal(d, sobol_coinr(Y, 2, num_resamples=500, conf_level=0.90, seed=0))
    assert list(d.index) == ["X1", "X2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = sobol_coinr(np.ones(32 * 4), 2, num_resamples=20)
    assert c[["S1", "ST"]].isna().all().all()


def test_coinr_bootstrap_intervals_have_the_normal_width():
    """The percentile bootstrap of a mean of n terms: the 90 % interval is ≈ ±1.645 sd/√n (CLT).

    Independent normal outputs make the first-order terms ``yB·(yAB − yA)`` symmetric, so the
    percentile interval matches the normal one closely; with 4000 resamples the 5th/95th percentiles
    are known to about 2 %, so the width must agree within 6 % (20th/80th percentiles would be 49 %
    narrower, 1/30 and 29/30 11 % wider)."""
    from scipy import stats as sps

    from analysis.uncertainty.sensitivity import sobol_coinr, split_sobol

    rng = np.random.default_rng(1)
    n, G = 1024, 2
    Y = rng.normal(size=n * (G + 2))
    d = sobol_coinr(Y, G, num_resamples=4000, conf_level=0.90, seed=3)
    yA, yB, yAB = split_sobol(Y, G)
    V = np.var(np.r_[yA, yB], ddof=1)
    sd1 = (yB[:, None] * (yAB - yA[:, None])).std(axis=0, ddof=1) / V
    z = sps.norm.ppf(0.95)
    np.testing.assert_allclose(d["S1_high"] - d["S1_low"], 2 * z * sd1 / np.sqrt(n), rtol=0.06)
    sdt = ((yA[:, None] - yAB) ** 2).std(axis=0, ddof=1) / (2 * V)
    np.testing.assert_allclose(d["ST_high"] - d["ST_low"], 2 * z * sdt / np.sqrt(n), rtol=0.08)
    assert (d["S1_low"] < d["S1"]).all() and (d["S1"] < d["S1_high"]).all()
    assert (d["ST_low"] < d["ST"]).all() and (d["ST"] < d["ST_high"]).all()
    # a 50 % interval is narrower in the normal ratio z(0.75) / z(0.95)
    h = sobol_coinr(Y, G, num_resamples=4000, conf_level=0.50, seed=3)
    np.testing.assert_allclose((h["S1_high"] - h["S1_low"]) / (d["S1_high"] - d["S1_low"]),
                               sps.norm.ppf(0.75) / z, rtol=0.08)


def test_split_sobol_blocks_and_a_length_that_does_not_fit():
    from analysis.uncertainty.sensitivity import split_sobol

    Y = np.arange(12.0)                      # N = 3 blocks of G + 2 = 4 rows: A, AB_1, AB_2, B
    yA, yB, yAB = split_sobol(Y, 2)
    np.testing.assert_array_equal(yA, [0, 4, 8])
    np.testing.assert_array_equal(yB, [3, 7, 11])
    np.testing.assert_array_equal(yAB, [[1, 2], [5, 6], [9, 10]])
    with pytest.raises(ValueError, match=r"^output length 7 is not a multiple of G \+ 2 = 4$"):
        split_sobol(np.arange(7.0), 2)


# --- replayed Sobol' designs (COINr's block layout) and stability notes ---------------------------

def _coinr_design(ab_a: str = "AB_a", ab_b: str = "AB_b") -> pd.DataFrame:
    """Two factors a, b, N = 2 base points, in COINr's layout: blocks A, B, AB_a, AB_b stacked."""
    return pd.DataFrame({
        "block": ["A", "A", "B", "B", ab_a, ab_a, ab_b, ab_b],
        "a": [1, 2, 5, 6, 5, 6, 1, 2],
        "b": [3, 4, 7, 8, 3, 4, 7, 8]})


def test_coinr_blocks_by_name_or_number_and_salib_order():
    from analysis.uncertainty.sensitivity import design_blocks

    groups = {"a": ["a"], "b": ["b"]}
    want = [0, 4, 6, 2, 1, 5, 7, 3]        # per base point: A, AB_a, AB_b, B (SALib's order)
    for ab_a, ab_b in (("AB_a", "AB_b"), ("ab_A", "AB_B"), ("AB_1", "AB_2")):
        order, layout = design_blocks(_coinr_design(ab_a, ab_b), groups)
        assert layout == "coinr" and order.tolist() == want, (ab_a, ab_b)


@pytest.mark.parametrize("ab_a, ab_b, why", [
    ("AB_0", "AB_b", "block 'AB_0' is none of A, B, AB_<factor> (factors: a, b)"),
    ("AB_a", "AB_3", "block 'AB_3' is none of A, B, AB_<factor> (factors: a, b)"),
    ("AB_x", "AB_b", "block 'AB_x' is none of A, B, AB_<factor> (factors: a, b)"),
    ("CD_a", "AB_b", "block 'CD_a' is none of A, B, AB_<factor> (factors: a, b)"),
])
def test_coinr_block_labels_that_name_no_factor(ab_a, ab_b, why):
    from analysis import InputError
    from analysis.uncertainty.sensitivity import design_blocks

    with pytest.raises(InputError) as ei:
        design_blocks(_coinr_design(ab_a, ab_b), {"a": ["a"], "b": ["b"]}, file="d.csv")
    assert ei.value.message.endswith(": " + why) and ei.value.file == "d.csv"


def test_coinr_missing_and_unequal_blocks_are_named():
    from analysis import InputError
    from analysis.uncertainty.sensitivity import design_blocks

    groups = {"a": ["a"], "b": ["b"]}
    d = _coinr_design()
    with pytest.raises(InputError) as ei:
        design_blocks(d[d["block"].isin(["A", "B"])], groups)
    assert ei.value.message.endswith(": no rows in block(s) AB_a, AB_b")
    with pytest.raises(InputError) as ei:
        design_blocks(d.drop(index=5), groups)
    assert ei.value.message.endswith(": blocks of unequal size (A: 2, B: 2, AB_a: 1, AB_b: 2)")


def test_stability_notes_read_salib_and_coinr_intervals():
    from analysis.uncertainty.sensitivity import stability_notes

    salib = pd.DataFrame({"S1": [0.3], "S1_conf": [0.3], "ST": [0.4], "ST_conf": [0.05]}, index=["X1"])
    assert stability_notes(salib, 16) == [
        "N = 16 is too small for stable Sobol' indices: intervals wider than 0.5 (X1 S1 0 to 0.6); increase N"]
    coinr = pd.DataFrame({"S1": [0.3], "S1_low": [0.2], "S1_high": [0.35], "ST": [0.5], "ST_low": [0.1],
                          "ST_high": [1.2]}, index=["X1"])
    assert stability_notes(coinr, 8) == [
        "N = 8 is too small for stable Sobol' indices: intervals past 1 (X1 ST up to 1.2); intervals wider "
        "than 0.5 (X1 ST 0.1 to 1.2); increase N"]
    ok = pd.DataFrame({"S1": [0.3], "S1_conf": [0.02], "ST": [0.4], "ST_conf": [0.02]}, index=["X1"])
    assert stability_notes(ok, 2048) == []


def test_stability_notes_messages_and_their_boundaries():
    from analysis.uncertainty.sensitivity import stability_notes

    si = pd.DataFrame({"S1": [-0.2, -0.3, 0.2], "S1_conf": [0.1, 0.05, 0.2], "ST": [0.1, 0.1, 0.5],
                       "ST_conf": [0.05, 0.05, 0.05]}, index=["a", "b", "c"])
    assert stability_notes(si, 32) == [
        "N = 32 is too small for stable Sobol' indices: negative first-order index beyond its interval "
        "(a S1 = -0.2 (interval up to -0.1), b S1 = -0.3 (interval up to -0.25)); increase N"]
    # on the boundaries nothing is said: an interval ending at 0 or at 1, a width of exactly max_width
    edge = pd.DataFrame({"S1": [-0.25, 0.25], "S1_conf": [0.25, 0.25], "ST": [0.75, 0.5], "ST_conf": [0.25, 0.25]},
                        index=["a", "b"])
    assert stability_notes(edge, 64, max_width=0.5) == []
    past = pd.DataFrame({"S1": [0.2, 0.3], "S1_conf": [0.01, 0.01], "ST": [0.95, 0.99], "ST_conf": [0.1, 0.1]},
                        index=["a", "b"])
    assert stability_notes(past, 64) == [
        "N = 64 is too small for stable Sobol' indices: intervals past 1 (a ST up to 1.05, b ST up to 1.09); "
        "increase N"]
