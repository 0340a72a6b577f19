"""Tests written because mutants of ``analysis.uncertainty.engine`` survived (issue #14).

Every expected value comes from an independent reference: ``scipy.stats.rankdata`` for ranks,
``numpy.quantile`` (type 7) for rank and score quantiles, :func:`analysis.build` and
:func:`analysis.aggregate.aggregate` (the published implementation, itself tested against COINr) for
the index of each run, arithmetic worked by hand for the batched means, and the design's own draws
turned into weights here (``w (1 + noise (2u − 1))``, an excluded indicator weighing 0) — never the
engine's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import aggregate as ag
from analysis import build
from analysis._errors import InputError
from analysis.framework import Framework, Node
from analysis.uncertainty import Engine, sample
from analysis.uncertainty.engine import _batched

NAN = np.nan
#: nominal weights of the toy framework (relative within each parent); D2 has a single indicator
W_NOM = {"D0": 1.0, "D1": 2.0, "D2": 3.0, "x00": 1.0, "x01": 2.0, "x02": 5.0, "x10": 3.0, "x11": 1.0,
         "x20": 1.0}
CHILDREN = {"I": ["D0", "D1", "D2"], "D0": ["x00", "x01", "x02"], "D1": ["x10", "x11"], "D2": ["x20"]}
NODES = ["D0", "x00", "x01", "x02", "D1", "x10", "x11", "D2", "x20"]  # framework order without the root
BANDS = [35.0, 50.0, 65.0]
NORM = {"method": "minmax", "range": [1, 100]}


def _fw() -> Framework:
    nodes = [Node("I", None, 1.0, False)]
    for d in ("D0", "D1", "D2"):
        nodes.append(Node(d, "I", W_NOM[d], False))
        nodes += [Node(c, d, W_NOM[c], True) for c in CHILDREN[d]]
    return Framework(nodes)


def _data(n: int = 9, seed: int = 5, missing: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.lognormal(2, 0.6, (n, 6)), columns=["x00", "x01", "x02", "x10", "x11", "x20"])
    if missing:
        df.loc[0, ["x00", "x01", "x02"]] = NAN  # unit u0 has nothing in D0
        df.loc[3, "x11"] = NAN
    df.insert(0, "uCode", [f"u{i}" for i in range(n)])
    return df


def _spec(levels_on: str | None = None, **agg) -> dict:
    lev = {"bands": BANDS, "labels": ["L1", "L2", "L3", "L4"]}
    if levels_on:
        lev["on"] = levels_on
    return {"normalise": NORM, "levels": lev, "aggregate": {"method": "arithmetic", **agg}}


def _ranks(S: np.ndarray) -> np.ndarray:
    """rankdata(−s, 'min') per column, NaN kept."""
    out = np.full(S.shape, NAN)
    for r in range(S.shape[1]):
        ok = ~np.isnan(S[:, r])
        out[ok, r] = stats.rankdata(-S[ok, r], method="min")
    return out


# --- evaluate: every statistic against every run's index computed by analysis.aggregate ------------

UA = {"N": 30, "seed": 3, "factors": [
    {"name": "w", "type": "weights", "level": "all", "noise": 0.4},
    {"name": "norm", "type": "choice", "step": "normalise",
     "alternatives": {"one": {"method": "minmax", "range": [1, 100]}, "ten": {"method": "minmax", "range": [10, 100]}}},
    {"name": "agg", "type": "choice", "step": "aggregate",
     "alternatives": {"a": {"method": "arithmetic"}, "g": {"method": "geometric"}, "h": {"method": "harmonic"}}},
    {"name": "drop", "type": "exclude", "indicators": ["x00", "x20"]},
]}
AGG = {"a": "arithmetic", "g": "geometric", "h": "harmonic"}
RANGE = {"one": [1, 100], "ten": [10, 100]}


def _reference_scores(fw, df, design, levels_on=None, **agg):
    """Each run's index (and the level column) from build's normalised table and aggregate()."""
    norms = {k: build(fw, df, {**_spec(**agg), "normalise": {"method": "minmax", "range": v}}).normalised[fw.indicators]
             for k, v in RANGE.items()}
    S, L = [], []
    for _, row in design.iterrows():
        w = {c: W_NOM[c] * (1 + 0.4 * (2 * row[f"w[{c}]"] - 1)) for c in NODES}
        if row["drop"] != "none":
            w[row["drop"]] = 0.0
        a = ag.aggregate(norms[row["norm"]], fw, {"method": AGG[row["agg"]], **agg}, weights=w)
        S.append(a["I"].to_numpy())
        L.append(a[levels_on or "I"].to_numpy())
    return np.column_stack(S), np.column_stack(L)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's all-NaN slices in the references
@pytest.mark.parametrize("missing", [False, True])
def test_evaluate_statistics_equal_numpy_on_every_runs_index(missing):
    fw, df = _fw(), _data(missing=missing)
    agg = {"min_share": 0.9} if missing else {}  # u0 (no D0) has no index then: NaN scores and ranks
    eng = Engine(fw, df, _spec(**agg), UA)
    design = sample(eng, kind="mc")
    assert set(design["drop"]) == {"none", "x00", "x20"} and set(design["agg"]) == set(AGG)
    res = eng.evaluate(eng.resolve(design), keep_scores=True, chunk=7)
    S, _ = _reference_scores(fw, df, design, **agg)
    R = len(design)
    assert list(res.scores.columns) == [f"r_{i + 1}" for i in range(R)] and list(res.scores.index) == list(eng.units)
    np.testing.assert_allclose(res.scores.to_numpy(), S, rtol=1e-10, atol=1e-10)
    assert np.isnan(S).any() == missing

    nominal = build(fw, df, _spec(**agg))
    nom = nominal.index.to_numpy()
    nom_rank = _ranks(nom[:, None])[:, 0]
    np.testing.assert_array_equal(res.nominal["Score"].to_numpy(), nom)
    np.testing.assert_array_equal(res.nominal["Rank"].to_numpy(), nom_rank)
    assert list(res.nominal["Level"]) == list(nominal.levels)

    ranks = _ranks(S)
    st = res.rank_stats
    np.testing.assert_array_equal(st["Nominal"].to_numpy(), nom_rank)
    np.testing.assert_array_equal(st["ScoreNominal"].to_numpy(), nom)
    ok = ~np.isnan(S).all(axis=1)  # units with an index in some run
    np.testing.assert_allclose(st["Mean"].to_numpy()[ok], np.nanmean(ranks[ok], axis=1), rtol=1e-12)
    for col, p in (("Median", 0.5), ("Q5", 0.05), ("Q95", 0.95)):
        np.testing.assert_allclose(st[col].to_numpy()[ok], np.nanquantile(ranks[ok], p, axis=1), rtol=1e-12)
    for col, p in (("ScoreMedian", 0.5), ("ScoreQ5", 0.05), ("ScoreQ95", 0.95)):
        np.testing.assert_allclose(st[col].to_numpy()[ok], np.nanquantile(S[ok], p, axis=1), rtol=1e-10)
    np.testing.assert_allclose(st["ScoreMean"].to_numpy(), np.nansum(S, axis=1) / R, rtol=1e-10)
    if missing:
        assert not ok.all() and np.isnan(st["ScoreMedian"].to_numpy()[~ok]).all()

    # per run: mean |rank − nominal rank| and the mean index (over the units with a score)
    np.testing.assert_allclose(res.outputs["mean_abs_rank_shift"].to_numpy(),
                               np.nanmean(np.abs(ranks - nom_rank[:, None]), axis=0), rtol=1e-12)
    np.testing.assert_allclose(res.outputs["index_mean"].to_numpy(), np.nanmean(S, axis=0), rtol=1e-10)

    lev = np.where(np.isnan(S), -1, np.searchsorted(BANDS, S, side="right"))
    want = np.stack([(lev == k).sum(axis=1) / R for k in range(4)], axis=1)
    np.testing.assert_allclose(res.level_shares.to_numpy(), want, rtol=0, atol=1e-15)
    assert list(res.level_shares.columns) == ["L1", "L2", "L3", "L4"]
    pd.testing.assert_frame_equal(res.design, design.reset_index(drop=True))
    t = res.timings
    assert (t["runs"], t["upstream_tables"], t["backend"], t["rank_bin_width"], t["rank_quantiles"]) == \
        (R, 2, "local", 1, "exact")
    assert t["tasks"] >= -(-R // 7) and t["evaluate"] > 0


def test_levels_on_a_dimension_and_scores_not_kept():
    fw, df = _fw(), _data()
    ua = {**UA, "N": 12}
    eng = Engine(fw, df, _spec(levels_on="D1"), ua)
    design = sample(eng, kind="mc")
    res = eng.evaluate(eng.resolve(design), keep_scores=False)
    S, L = _reference_scores(fw, df, design, levels_on="D1")
    assert res.scores is None and "ScoreQ5" not in res.rank_stats
    want = np.stack([(np.searchsorted(BANDS, L, side="right") == k).mean(axis=1) for k in range(4)], axis=1)
    np.testing.assert_allclose(res.level_shares.to_numpy(), want, rtol=0, atol=1e-15)
    np.testing.assert_allclose(res.rank_stats["ScoreMean"].to_numpy(), S.mean(axis=1), rtol=1e-10)


def test_no_levels_means_no_level_shares():
    fw, df = _fw(), _data()
    spec = {"normalise": NORM}
    eng = Engine(fw, df, spec, {"N": 4, "factors": [UA["factors"][0]]})
    res = eng.evaluate(eng.resolve(sample(eng)))
    assert res.level_shares is None and "Level" not in res.nominal
    assert eng.block_scores(eng.upstream(0), eng.w_nom[None, :], 0, 0)[2] is None


# --- a node whose only indicator is excluded (a bug the mutants revealed) ---------------------------

@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic"])
def test_excluding_a_nodes_only_indicator_renormalises_as_aggregate_does(method):
    """Excluding x20 empties D2: the index is the mean over D0 and D1 (aggregate()), not NaN.

    Before, the effective-weight shortcut gave every unit NaN in such runs (0/0 shares of D2).
    """
    fw, df = _fw(), _data()
    eng = Engine(fw, df, {"normalise": NORM, "aggregate": {"method": method}},
                 {"N": 4, "factors": [{"name": "drop", "type": "exclude", "indicators": ["x00", "x20"]}]})
    design = pd.DataFrame({"drop": ["x20", "none", "x00", "x20"]})
    runs = eng.resolve(design)
    norm = eng.nominal.normalised[fw.indicators]
    X = norm.to_numpy()
    got = eng.aggregate_runs(X, runs.W, {"method": method}, want=["I", "D2"])
    res = eng.evaluate(runs, keep_scores=True)
    for r, drop in enumerate(design["drop"]):
        w = {**W_NOM, **({drop: 0.0} if drop != "none" else {})}
        ref = ag.aggregate(norm, fw, {"method": method}, weights=w)
        assert not ref["I"].isna().any()
        np.testing.assert_allclose(got["I"][:, r], ref["I"].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(res.scores.iloc[:, r].to_numpy(), ref["I"].to_numpy(), rtol=1e-12)
        np.testing.assert_array_equal(np.isnan(got["D2"][:, r]), drop == "x20")
    # by hand for one unit: the arithmetic mean of D0 and D1 with weights 1 : 2
    if method == "arithmetic":
        d0 = X[0, :3] @ np.array([1, 2, 5]) / 8
        d1 = X[0, 3:5] @ np.array([3, 1]) / 4
        assert got["I"][0, 0] == pytest.approx((d0 + 2 * d1) / 3, rel=1e-12)


# --- the batched means, by hand ----------------------------------------------------------------------

A2 = np.array([[2.0, 4.0], [8.0, NAN]])  # child a: units × runs (per-run values)
B1 = np.array([4.0, 2.0])  # child b: the same in every run
WB = np.array([[1.0, 3.0], [1.0, 1.0]])  # runs × children


def test_batched_means_with_a_missing_child_by_hand():
    """Weighted means over the available children; unit 1 lacks a in run 1: b alone (renormalised)."""
    ari = _batched([A2, B1], WB, "arithmetic", 0.0, 2)
    np.testing.assert_allclose(ari, [[(2 + 12) / 4, (4 + 4) / 2], [(8 + 6) / 4, 2.0]], rtol=1e-14)
    geo = _batched([A2, B1], WB, "geometric", 0.0, 2)
    np.testing.assert_allclose(geo, [[2 ** 1.75, 4.0], [2 ** 1.5, 2.0]], rtol=1e-14)
    har = _batched([A2, B1], WB, "harmonic", 0.0, 2)
    np.testing.assert_allclose(har, [[4 / (1 / 2 + 3 / 4), 4.0], [4 / (1 / 8 + 3 / 2), 2.0]], rtol=1e-14)
    # COINr's dat_thresh: a share of available children below min_share is missing; 1/2 is enough for 0.5
    np.testing.assert_array_equal(np.isnan(_batched([A2, B1], WB, "arithmetic", 0.5, 2)), False)
    np.testing.assert_array_equal(np.isnan(_batched([A2, B1], WB, "geometric", 0.6, 2)),
                                  [[False, False], [False, True]])
    # a run whose available weight is 0: missing
    np.testing.assert_array_equal(np.isnan(_batched([A2, B1], np.array([[1.0, 3.0], [1.0, 0.0]]), "harmonic",
                                                    0.0, 2)), [[False, False], [False, True]])


def test_batched_complete_data_by_hand_and_zero_weight_runs():
    A = np.array([[2.0, 4.0], [8.0, 1.0]])
    ari = _batched([A, B1], WB, "arithmetic", 0.0, 2)
    np.testing.assert_allclose(ari, [[14 / 4, 4.0], [14 / 4, 1.5]], rtol=1e-14)
    geo = _batched([A, B1], WB, "geometric", 0.0, 2)
    np.testing.assert_allclose(geo, [[2 ** 1.75, 4.0], [2 ** 1.5, np.sqrt(2)]], rtol=1e-14)
    har = _batched([A, B1], WB, "harmonic", 0.0, 2)
    np.testing.assert_allclose(har, [[3.2, 4.0], [4 / 1.625, 2 / 1.5]], rtol=1e-14)
    Z = np.array([[1.0, 3.0], [0.0, 0.0]])
    for m in ("arithmetic", "geometric"):
        out = _batched([A, B1], Z, m, 0.0, 2)
        assert np.isnan(out[:, 1]).all() and np.isfinite(out[:, 0]).all()


def test_batched_one_dimensional_children_and_the_published_methods():
    X = np.array([[3.0, 5.0], [6.0, 2.0], [4.0, 4.0]])
    W = np.array([[1.0, 1.0], [3.0, 1.0]])
    got = _batched([X[:, 0], X[:, 1]], W, "amean", 0.0, 2)  # an alias, canonicalised
    np.testing.assert_allclose(got, [[4.0, 3.5], [4.0, 5.0], [4.0, 4.0]], rtol=1e-14)
    # MPI, AMPI, Copeland on per-run children: analysis.aggregate's function, run by run
    A = np.array([[3.0, 5.0], [6.0, 2.0], [4.0, 9.0]])
    for m in ("mazziotta_pareto", "mpi", "ampi", "copeland"):
        out = _batched([A, X[:, 1]], W, m, 0.0, 2)
        for r in range(2):
            ref = ag.aggregate_matrix(np.column_stack([A[:, r], X[:, 1]]), W[r], m)
            np.testing.assert_allclose(out[:, r], ref, rtol=1e-12, err_msg=m)


@pytest.mark.parametrize("method", ["geometric", "harmonic"])
@pytest.mark.parametrize("missing", [False, True])
def test_batched_refuses_non_positive_values(method, missing):
    A = np.array([[2.0, 0.0], [8.0, NAN if missing else 1.0]])
    with pytest.raises(InputError, match=f"{method} mean over non-positive values"):
        _batched([A, B1], WB, method, 0.0, 2)
    A = np.array([[2.0, -1.0], [8.0, NAN if missing else 1.0]])
    with pytest.raises(InputError, match=f"{method} mean over non-positive values"):
        _batched([A, B1], WB, method, 0.0, 2)


# --- the effective-weight shortcut -------------------------------------------------------------------

def test_effective_weights_are_products_of_shares_by_hand():
    fw, df = _fw(), _data()
    eng = Engine(fw, df, {"normalise": NORM}, {"factors": []})
    W = np.array([[W_NOM[c] for c in NODES], [2.0, 1, 1, 2, 1, 1, 3, 1, 1]])
    inds, E = eng.effective_weights(W, "I")
    assert inds == ["x00", "x01", "x02", "x10", "x11", "x20"]
    np.testing.assert_allclose(E[0], [1 / 6 * 1 / 8, 1 / 6 * 2 / 8, 1 / 6 * 5 / 8, 2 / 6 * 3 / 4, 2 / 6 / 4, 3 / 6],
                               rtol=1e-14)
    # second run: D0 : D1 : D2 = 2 : 1 : 1, x00 : x01 : x02 = 1 : 1 : 2, x10 : x11 = 1 : 3
    np.testing.assert_allclose(E[1], [1 / 8, 1 / 8, 1 / 4, 1 / 16, 3 / 16, 1 / 4], rtol=1e-14)
    inds, E = eng.effective_weights(W, "D1")
    assert inds == ["x10", "x11"]
    np.testing.assert_allclose(E, [[0.75, 0.25], [0.25, 0.75]], rtol=1e-14)


@pytest.mark.parametrize("method", ["geometric", "harmonic"])
def test_shortcut_refuses_non_positive_values_naming_the_node(method):
    fw, df = _fw(), _data()
    eng = Engine(fw, df, {"normalise": NORM}, {"factors": []})
    X = eng.nominal.normalised[fw.indicators].to_numpy(dtype=float).copy()
    X[2, 1] = 0.0
    with pytest.raises(InputError, match=f"{method} mean over non-positive values") as e:
        eng.aggregate_runs(X, eng.w_nom[None, :], {"method": method}, want=["I"])
    assert e.value.node == "I" and "reference" not in str(e.value)
    X[2, 1] = 0.5  # positive again: the shortcut's value is aggregate()'s
    got = eng.aggregate_runs(X, eng.w_nom[None, :], {"method": method}, want=["I"])["I"][:, 0]
    ref = ag.aggregate(pd.DataFrame(X, columns=fw.indicators), fw, {"method": method})["I"].to_numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_level_by_level_errors_name_the_node_and_the_normalisation():
    fw, df = _fw(), _data()
    eng = Engine(fw, df, {"normalise": NORM}, {"factors": []})
    X = eng.nominal.normalised[fw.indicators].to_numpy(dtype=float).copy()
    X[2, 1] = -1.0
    X[4, 0] = NAN  # missing data: no shortcut
    eng._current_norm = "minmax"
    msg = r"geometric mean over non-positive.*\(in runs with normalisation minmax\)$"
    with pytest.raises(InputError, match=msg) as e:
        eng.aggregate_runs(X, eng.w_nom[None, :], {"method": "geometric"}, want=["I"])
    assert e.value.node == "D0"
    assert e.value.message.count("in runs with") == 1
