"""Tests written because mutants of ``analysis.uncertainty.engine`` survived (issue #14).

Every expected value comes from an independent reference: ``scipy.stats.rankdata`` for ranks,
``numpy.quantile`` (type 7) for rank and score quantiles, :func:`analysis.build` and
:func:`analysis.aggregate.aggregate` (the published implementation, itself tested against COINr) for
the index of each run, arithmetic worked by hand for the batched means, and the design's own draws
turned into weights here (``w (1 + noise (2u − 1))``, an excluded indicator weighing 0) — never the
engine's own output.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import aggregate as ag
from analysis import build
from analysis._errors import InputError
from analysis.framework import Framework, Node
from analysis.uncertainty import Engine, sample
from analysis.uncertainty.engine import _batched, canonical_step, rank_columns, rank_int

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
    ok = ~np.isnan(S).all(axis=1)  # units with an index in some run; the others have no statistics
    np.testing.assert_allclose(st["Mean"].to_numpy(), np.nanmean(ranks, axis=1), rtol=1e-12)
    for col, p in (("Median", 0.5), ("Q5", 0.05), ("Q95", 0.95)):
        np.testing.assert_allclose(st[col].to_numpy()[ok], np.nanquantile(ranks[ok], p, axis=1), rtol=1e-12)
    for col, p in (("ScoreMedian", 0.5), ("ScoreQ5", 0.05), ("ScoreQ95", 0.95)):
        np.testing.assert_allclose(st[col].to_numpy()[ok], np.nanquantile(S[ok], p, axis=1), rtol=1e-10)
    # the mean over the runs in which the unit has an index (before: missing scores counted as 0)
    np.testing.assert_allclose(st["ScoreMean"].to_numpy(), np.nanmean(S, axis=1), rtol=1e-10)
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
    assert list(res.level_shares.index) == list(eng.units)
    pd.testing.assert_frame_equal(res.design, design.reset_index(drop=True))
    t = res.timings
    assert (t["runs"], t["upstream_tables"], t["backend"], t["rank_bin_width"], t["rank_quantiles"]) == \
        (R, 2, "local", 1, "exact")
    assert t["tasks"] >= -(-R // 7) and 0 < t["evaluate"] < 60


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
    assert e.value.message == f"{method} mean over non-positive values: normalise to a range above 0"
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


def test_batched_min_share_on_children_shared_by_every_run():
    """1-D children (the indicators) with a missing value: COINr's dat_thresh applies there too."""
    a = np.array([2.0, NAN, 6.0])
    b = np.array([4.0, 3.0, 2.0])
    W = np.array([[1.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(_batched([a, b], W, "arithmetic", 0.0, 2), [[3.0, 3.5], [3.0, 3.0], [4.0, 3.0]])
    out = _batched([a, b], W, "arithmetic", 0.6, 2)
    np.testing.assert_array_equal(np.isnan(out), [[False, False], [True, True], [False, False]])


def test_batched_with_more_units_than_runs_and_exact_messages():
    """Three units, two runs (so a (n,) child cannot pass for a (1, R) row), by hand."""
    A = np.array([[2.0, 4.0], [8.0, NAN], [1.0, 1.0]])
    b = np.array([4.0, 2.0, 1.0])
    W = np.array([[1.0, 3.0], [1.0, 1.0]])
    np.testing.assert_allclose(_batched([A, b], W, "arithmetic", 0.0, 2), [[3.5, 4.0], [3.5, 2.0], [1.0, 1.0]])
    np.testing.assert_allclose(_batched([A, b], W, "geometric", 0.0, 2),
                               [[2 ** 1.75, 4.0], [2 ** 1.5, 2.0], [1.0, 1.0]], rtol=1e-14)
    np.testing.assert_allclose(_batched([b, A], W[:, ::-1], "harmonic", 0.0, 2),
                               [[3.2, 4.0], [4 / 1.625, 2.0], [1.0, 1.0]], rtol=1e-14)
    for method, X in (("geometric", A * [[1.0, 1.0], [1.0, 1.0], [0.0, 1.0]]),
                      ("geometric", np.where(np.isnan(A), 1.0, A) * [[1.0, 1.0], [1.0, 1.0], [0.0, 1.0]]),
                      ("harmonic", A * [[1.0, 1.0], [1.0, 1.0], [0.0, 1.0]])):
        with pytest.raises(InputError) as e:
            _batched([X, b], W, method, 0.0, 2)
        assert e.value.message == f"{method} mean over non-positive values: normalise to a range above 0"


# --- designs resolved into runs ------------------------------------------------------------------------

def _eng(factors, spec=None, **kw):
    return Engine(_fw(), _data(), spec or {"normalise": NORM}, {"N": 8, "factors": factors, **kw})


def test_resolve_merges_choices_over_the_spec_in_order_of_first_appearance():
    f = [{"name": "n1", "type": "choice", "step": "normalise",
          "alternatives": {"mm": {"method": "minmax"}, "z": {"method": "zscore", "mean": 50, "sd": 10}}},
         {"name": "n2", "type": "choice", "step": "normalise", "column": "col2",
          "alternatives": {"lo": {"range": [1, 50]}, "hi": {"range": [1, 100]}}},
         {"name": "ag", "type": "choice", "step": "aggregate",
          "alternatives": {"g": {"method": "geometric"}, "a": {"method": "arithmetic"}}}]
    eng = _eng(f, {"normalise": NORM, "aggregate": {"method": "arithmetic", "min_share": 0.5}})
    d = pd.DataFrame({"n1": ["z", "mm", "z", 1], "col2": ["hi", "lo", "hi", "hi"], "ag": ["a", "g", "a", "2"]})
    runs = eng.resolve(d)
    assert runs.upstream.tolist() == [0, 1, 0, 2] and runs.agg.tolist() == [0, 1, 0, 0]
    assert eng.upstream_keys[0]["normalise"] == {"method": "zscore", "range": [1, 100], "mean": 50, "sd": 10}
    assert eng.upstream_keys[1]["normalise"] == {"method": "minmax", "range": [1, 50]}
    assert eng.upstream_keys[2]["normalise"] == {"method": "minmax", "range": [1, 100]}
    assert eng.agg_specs == [{"method": "arithmetic", "min_share": 0.5}, {"method": "geometric", "min_share": 0.5}]
    assert runs.design.index.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(runs.W, np.tile([W_NOM[c] for c in NODES], (4, 1)))
    # the same design again adds no new tables or aggregations
    again = eng.resolve(d.iloc[::-1])
    assert again.upstream.tolist() == [2, 0, 1, 0] and len(eng.upstream_keys) == 3 and len(eng.agg_specs) == 2
    # the upstream tables are build's normalised tables for those specs
    np.testing.assert_allclose(eng.upstream(1), build(_fw(), _data(), {"normalise": {"method": "minmax",
                               "range": [1, 50]}}).normalised[eng.fw.indicators].to_numpy(), rtol=1e-13)
    assert eng.upstream(1) is eng.upstream(1)  # cached
    empty = eng.resolve(d.iloc[:0])
    assert empty.W.shape == (0, 9) and empty.upstream.shape == (0,) and empty.agg.shape == (0,)


def test_exclusions_and_weight_sets_resolved_by_hand():
    f = [{"name": "drop", "type": "exclude", "indicators": ["x01", "x20"]},
         {"name": "ws", "type": "weight_set", "sets": {"flat": {"D0": 1, "D1": 1, "D2": 1, "I": 5},
                                                       "x": {"x02": 0.5}, "root": {"I": 2}}}]
    eng = _eng(f)
    d = pd.DataFrame({"drop": ["x01", "none", "x20", "3", "none"], "ws": ["flat", "x", "2", 1, "root"]})
    W = pd.DataFrame(eng.resolve(d).W, columns=NODES)
    want = pd.DataFrame([W_NOM] * 5)[NODES]  # the root's weight is no node weight: set "root" changes nothing
    want.loc[0, "x01"] = want.loc[2, "x20"] = want.loc[3, "x20"] = 0.0
    want.loc[[0, 3], ["D0", "D1", "D2"]] = 1.0
    want.loc[[1, 2], "x02"] = 0.5
    pd.testing.assert_frame_equal(W, want.astype(float))


def test_numbered_labels_are_read_as_labels_before_positions():
    """Alternatives named "2" and "1": the value 1 is the label "1" (the second alternative)."""
    f = [{"name": "ag", "type": "choice", "step": "aggregate",
          "alternatives": {"2": {"method": "geometric"}, "1": {"method": "arithmetic"}, "z": {"method": "harmonic"}}}]
    eng = _eng(f)
    runs = eng.resolve(pd.DataFrame({"ag": [1, 2.0, "1", "z", 3]}))
    assert [eng.agg_specs[k]["method"] for k in runs.agg] == ["arithmetic", "geometric", "arithmetic", "harmonic",
                                                              "harmonic"]


@pytest.mark.parametrize("bad, row", [(["a", 0], 3), (["a", "a", 4], 4), (["x", "a"], 2), ([np.inf, "a"], 2),
                                      (["a", 1.5, "q"], 3)])
def test_a_value_that_is_no_alternative_names_its_row(bad, row):
    f = [{"name": "ag", "type": "choice", "step": "aggregate", "column": "AG",
          "alternatives": {"a": {"method": "arithmetic"}, "g": {"method": "geometric"}, "h": {"method": "harmonic"}}}]
    eng = _eng(f)
    with pytest.raises(InputError) as e:
        eng.resolve(pd.DataFrame({"AG": bad}))
    assert e.value.row == row and e.value.column == "AG"
    assert f"value {bad[row - 2]!r} is not an alternative of factor 'ag' (a, g, h)" in e.value.message
    with pytest.raises(InputError, match="design has no column 'AG' for factor 'ag'"):
        eng.resolve(pd.DataFrame({"ag": ["a"]}))


def test_many_labels_are_cut_after_eight_in_the_message():
    f = [{"name": "ws", "type": "weight_set", "sets": {f"s{i}": {"D0": i + 1} for i in range(10)}}]
    with pytest.raises(InputError) as e:
        _eng(f).resolve(pd.DataFrame({"ws": ["s1", "s99"]}))
    assert "(s0, s1, s2, s3, s4, s5, s6, s7…)" in e.value.message
    f = [{"name": "ws", "type": "weight_set", "sets": {f"s{i}": {"D0": i + 1} for i in range(8)}}]
    with pytest.raises(InputError) as e:
        _eng(f).resolve(pd.DataFrame({"ws": ["s99"]}))
    assert e.value.message.endswith("(s0, s1, s2, s3, s4, s5, s6, s7)")
    f = [{"name": "ws", "type": "weight_set", "sets": {f"s{i}": {"D0": i + 1} for i in range(9)}}]
    with pytest.raises(InputError) as e:
        _eng(f).resolve(pd.DataFrame({"ws": ["s99"]}))
    assert e.value.message.endswith("(s0, s1, s2, s3, s4, s5, s6, s7…)")


def test_weight_columns_uniform_draws_multipliers_and_missing_columns():
    eng = _eng([{"name": "w", "type": "weights", "nodes": ["x00", "D1"], "noise": 0.25}])
    W = pd.DataFrame(eng.resolve(pd.DataFrame({"w[x00]": [0.0, 0.5, 1.0], "w[D1]*": [0.75, 1.0, 1.25]})).W,
                     columns=NODES)
    np.testing.assert_allclose(W["x00"], [0.75, 1.0, 1.25], rtol=1e-14)
    np.testing.assert_allclose(W["D1"], [1.5, 2.0, 2.5], rtol=1e-14)
    with pytest.raises(InputError, match=r"design has no column 'w\[D1\]' for factor 'w'"):
        eng.resolve(pd.DataFrame({"w[x00]": [0.5]}))
    zero = _eng([{"name": "w", "type": "weights", "nodes": ["x00"], "noise": 0.0}])
    np.testing.assert_array_equal(zero.resolve(pd.DataFrame({"w[x00]*": [1.3, 0.2]})).W[:, 1], [1.0, 1.0])


def test_dirichlet_extreme_draws_stay_finite_and_keep_the_parent_total():
    """u = 0 or 1 (the ends of a replayed design) give finite shares that sum to the parent's weight."""
    eng = _eng([{"name": "w", "type": "weights", "level": 1, "distribution": "dirichlet", "concentration": 20}])
    cols = {c: [0.0, 1.0, 0.5, 1.0] for c in ("x00", "x01", "x02", "x10", "x11", "x20")}
    cols["x01"] = [1.0, 0.0, 0.5, 1.0]
    W = pd.DataFrame(eng.resolve(pd.DataFrame({f"w[{c}]": v for c, v in cols.items()})).W, columns=NODES)
    assert np.isfinite(W.to_numpy()).all() and (W.to_numpy() >= 0).all()
    np.testing.assert_allclose(W[["x00", "x01", "x02"]].sum(axis=1), 8.0, rtol=1e-12)
    np.testing.assert_allclose(W[["x10", "x11"]].sum(axis=1), 4.0, rtol=1e-12)
    np.testing.assert_allclose(W["x20"], 1.0, rtol=1e-12)
    # run 0: x01 at its top quantile, the others at the bottom → x01 takes (almost) everything
    assert W.loc[0, "x01"] > 7.5 and W.loc[1, "x01"] < 0.5
    # the same u for every child: Gamma(α_i) medians, larger for the larger nominal share
    assert W.loc[2, "x00"] < W.loc[2, "x01"] < W.loc[2, "x02"]


# --- factors checked against the framework -----------------------------------------------------------

@pytest.mark.parametrize("factor, msg", [
    ({"name": "w", "type": "weights", "nodes": ["x00", "zz", "I"], "noise": 0.1},
     r"factor 'w' names unknown node\(s\) \['zz', 'I'\]"),
    ({"name": "w", "type": "weights", "level": 7, "noise": 0.1}, r"factor 'w': no weighted nodes at level\(s\) \[7\]"),
    ({"name": "d", "type": "exclude", "indicators": ["x00", "D0"]}, "factor 'd' excludes unknown indicator 'D0'"),
    ({"name": "s", "type": "weight_set", "sets": {"a": {"D0": 1}, "b": {"D9": 2}}},
     "weight set 'b' names unknown node 'D9'"),
])
def test_factors_naming_unknown_nodes_are_refused(factor, msg):
    with pytest.raises(InputError, match=msg):
        _eng([factor])


def test_weight_factor_nodes_by_level_and_design_dimensions():
    eng = _eng([{"name": "a", "type": "weights", "level": [1, "2"], "noise": 0.1},
                {"name": "b", "type": "weights", "level": "2", "noise": 0.1},
                {"name": "c", "type": "weights", "noise": 0.1},
                {"name": "d", "type": "weights", "nodes": ["x11", "D0"], "noise": 0.1},
                {"name": "e", "type": "exclude", "indicators": ["x00"]}])
    a, b, c, d, _ = eng.ua.factors
    assert a.nodes == NODES and c.nodes == NODES and d.nodes == ["x11", "D0"]
    assert b.nodes == ["D0", "D1", "D2"]  # level 1: the indicators, level 2: the dimensions
    assert eng.dims() == ([("a", n) for n in NODES] + [("b", n) for n in b.nodes] + [("c", n) for n in NODES]
                          + [("d", "x11"), ("d", "D0"), ("e", "e")])


def test_nominal_alternatives_compare_steps_by_value():
    f = [{"name": "n", "type": "choice", "step": "normalise",
          "alternatives": {"ten": {"range": [10, 100]}, "same": {"method": "minmax", "range": [1.0, 100.0]}}},
         {"name": "t", "type": "choice", "step": "treat", "alternatives": {"w": {"method": "winsorise"}}},
         {"name": "drop", "type": "exclude", "indicators": ["x00"]}]
    assert _eng(f).nominal_alternatives() == {"n": "same", "t": None}


def test_canonical_step_numbers_lists_and_flags():
    assert canonical_step({"a": 1, "b": [1, 2.5], "c": {3: True}, "d": "x"}) == \
        {"a": 1.0, "b": (1.0, 2.5), "c": {"3": True}, "d": "x"}
    assert canonical_step({"f": False})["f"] is False and canonical_step({"f": True})["f"] is True
    assert canonical_step({"r": (1, 2)}) == canonical_step({"r": [1.0, 2.0]})


def test_engine_year_arguments():
    fw, df = _fw(), _data()
    with pytest.raises(InputError, match="year 2025: the data have no year column"):
        Engine(fw, df, {"normalise": NORM}, {"factors": []}, year=2025)
    panel = pd.concat([df.assign(year=2024), df.assign(year=2025)], ignore_index=True)
    with pytest.raises(InputError, match=r"choose a year \(2024, 2025\)"):
        Engine(fw, panel, {"normalise": NORM}, {"factors": []})
    other = _data(seed=9)
    panel = pd.concat([df.assign(year=2024), other.assign(year=2025)], ignore_index=True)
    eng = Engine(fw, panel, {"normalise": NORM}, None, year="2024")  # not the last year
    assert eng.ua.factors == [] and eng._ref is None
    np.testing.assert_allclose(eng.nominal.index.to_numpy(), build(fw, df, {"normalise": NORM}).index.to_numpy())
    with pytest.raises(InputError, match="unknown unit 'u77'"):
        Engine(fw, df, {"normalise": NORM}, {"factors": [], "output": "rank:u77"})


def test_reference_year_nominal_is_the_panel_index_in_the_years_row_order():
    """With normalise.reference_year the nominal is the published panel index, rows as in the year's data."""
    fw = _fw()
    a, b = _data(seed=1), _data(seed=2)
    b = b.iloc[[4, 1, 7, 0, 2, 8, 3, 6, 5]]  # another unit order in the analysed year
    panel = pd.concat([a.assign(year=2024), b.assign(year=2025)], ignore_index=True)
    spec = {"normalise": {**NORM, "reference_year": 2024}}
    eng = Engine(fw, panel, spec, {"factors": []}, year=2025)
    ref = build(fw, panel, spec).index.xs(2025, level="year")
    assert list(eng.units) == list(b["uCode"])
    np.testing.assert_allclose(eng.nominal.index.to_numpy(), ref.reindex(b["uCode"]).to_numpy(), rtol=1e-13)
    # the runs use the reference year's yardstick: one run at the nominal weights is the nominal index
    runs = eng.resolve(pd.DataFrame(index=range(1)))
    S = eng.block_scores(eng.upstream(0), runs.W, 0, 0)[0]
    np.testing.assert_allclose(S[:, 0], eng.nominal.index.to_numpy(), rtol=1e-12)
    assert eng.kernel()._ref is True  # the kernel only knows that a reference year is used
    # values of this year below the reference year's range: the message says why
    X = eng.upstream(0).copy()
    X[0, 0] = -3.0
    for method in ("geometric", "harmonic"):
        with pytest.raises(InputError, match="normalised values of this year are at or below 0"):
            eng.aggregate_runs(X, runs.W, {"method": method}, want=["I"])


# --- the kernel sent to workers, the memory budget ---------------------------------------------------

def test_kernel_carries_no_data_and_scores_blocks_as_the_engine():
    import pickle

    eng = _eng([UA["factors"][0], UA["factors"][2]], {"normalise": NORM, "levels": {"bands": BANDS,
                                                                                     "labels": list("abcd")}})
    runs = eng.resolve(sample(eng))
    X = eng.upstream(0)
    k = pickle.loads(pickle.dumps(eng.kernel()))
    for gone in ("ds", "nominal", "units"):
        assert not hasattr(k, gone)
    assert k._cache == {} and k._ref is None and eng._cache and eng.nominal is not None
    for a in range(len(eng.agg_specs)):
        mine, theirs = eng.block_scores(X, runs.W, 0, a), k.block_scores(X, runs.W, 0, a)
        np.testing.assert_array_equal(mine[0], theirs[0])
        np.testing.assert_array_equal(mine[2], theirs[2])


def test_a_replayed_design_is_budgeted_by_its_rows_and_kept_scores(monkeypatch):
    from analysis.schemas import uncertainty as su

    eng = _eng([UA["factors"][0]])
    runs = eng.resolve(pd.DataFrame({f"w[{c}]": np.full(3000, 0.5) for c in NODES}))
    n = len(eng.units)
    lo = su.estimate_bytes(n, 3000, False, n_nodes=9, n_dims=9)
    hi = su.estimate_bytes(n, 3000, True, n_nodes=9, n_dims=9)
    assert su.estimate_bytes(n, 8, True, n_nodes=9, n_dims=9) < lo < hi
    monkeypatch.setattr(su, "available_memory", lambda: (lo + hi) // 2)
    with pytest.raises(InputError, match="key 'N': 3000 runs"):
        eng.evaluate(runs, keep_scores=True)
    assert eng.evaluate(runs, keep_scores=False).timings["runs"] == 3000


# --- ranks ---------------------------------------------------------------------------------------------

def test_rank_int_ties_missing_last_and_empty_shapes():
    S = np.array([[3.0, 1.0, 7.0], [5.0, NAN, 7.0], [3.0, 2.0, 7.0], [1.0, 2.0, NAN], [NAN, 0.5, 7.0]])
    ri, nan = rank_int(S)
    assert ri.dtype == np.int32 and ri.shape == S.shape
    np.testing.assert_array_equal(nan, np.isnan(S))
    np.testing.assert_array_equal(ri, [[2, 3, 1], [1, 5, 1], [2, 1, 1], [4, 1, 5], [5, 4, 1]])
    r = rank_columns(S)
    for j in range(3):
        ok = ~np.isnan(S[:, j])
        np.testing.assert_array_equal(r[ok, j], stats.rankdata(-S[ok, j], method="min"))
        assert np.isnan(r[~ok, j]).all()
    full, none = rank_int(np.array([[1.0, 2.0], [2.0, 2.0], [0.0, 3.0]]))
    assert none is None
    np.testing.assert_array_equal(full, [[2, 2], [1, 2], [3, 1]])
    np.testing.assert_array_equal(rank_columns(np.array([[4.0, 1.0], [3.0, 2.0]])), [[1.0, 2.0], [2.0, 1.0]])
    for shape in ((0, 3), (4, 0)):
        z, m = rank_int(np.zeros(shape))
        assert z.shape == shape and z.dtype == np.int32 and m is None
    z, m = rank_int(np.full((2, 0), NAN))
    assert z.shape == (2, 0)
    z, m = rank_int(np.array([[NAN]]))
    assert m.tolist() == [[True]] and z.shape == (1, 1)


def test_no_runs_give_no_statistics():
    """An empty design: every statistic of every unit is missing (not 0)."""
    eng = _eng([UA["factors"][0]])
    res = eng.evaluate(eng.resolve(pd.DataFrame({f"w[{c}]": [] for c in NODES})), keep_scores=True)
    st = res.rank_stats
    for col in ("Mean", "Median", "Q5", "Q95", "ScoreMean", "ScoreQ5", "ScoreMedian", "ScoreQ95"):
        assert st[col].isna().all(), col
    assert not st["Nominal"].isna().any() and res.scores.shape == (9, 0) and len(res.outputs) == 0


@pytest.mark.skipif(bool(os.environ.get("MUTANT_UNDER_TEST")),
                    reason="a Dask cluster started in mutmut's forked child process hangs")
def test_dask_backend_with_a_given_client_gives_the_local_tables():
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    eng = _eng([UA["factors"][0], UA["factors"][2]])
    runs = eng.resolve(sample(eng))
    local = eng.evaluate(runs, chunk=3)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dist = eng.evaluate(runs, chunk=3, backend="dask", client=client)
        assert client.status == "running"  # a client the caller gave is not closed
    assert dist.timings["backend"] == "dask"
    for a, b in ((local.rank_stats, dist.rank_stats), (local.outputs, dist.outputs), (local.scores, dist.scores)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    with pytest.raises(InputError, match="unknown backend 'spark'"):
        eng.evaluate(runs, backend="spark")


# --- the uncertainty spec (analysis.uncertainty.spec) --------------------------------------------------

def test_load_ua_spec_from_a_mapping_copies_it_and_has_no_source():
    from analysis.uncertainty.spec import load_ua_spec

    d = {"N": 16, "seed": 4, "factors": [{"name": "w", "type": "weights", "nodes": ["x00", 7], "noise": 0.1},
                                          {"name": "ag", "type": "choice", "step": "aggregate",
                                           "alternatives": {"g": "geometric", 2: {"method": "harmonic"}}}]}
    ua = load_ua_spec(d)
    assert ua.source is None and ua.N == 16 and ua.seed == 4
    w, agg = ua.factors
    assert w.nodes == ["x00", "7"] and w.level is None and w.noise == 0.1
    assert agg.alternatives == {"g": {"method": "geometric"}, "2": {"method": "harmonic"}}
    d["factors"][0]["noise"] = 0.9  # the caller's mapping changes later: the spec keeps its own copy
    assert ua.raw["factors"][0]["noise"] == 0.1 and ua.raw is not d
    assert load_ua_spec(ua) is ua
    assert ua.design == "mc" and ua.keep_scores is True  # the defaults
    other = load_ua_spec({"design": "sobol", "keep_scores": False, "factors": []})
    assert other.design == "sobol" and other.keep_scores is False


def test_load_ua_spec_errors_name_the_file(tmp_path):
    from analysis.uncertainty.spec import load_ua_spec

    p = tmp_path / "ua.yaml"
    p.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_ua_spec(p)
    assert "uncertainty spec must be a mapping" in e.value.message and e.value.file in (p, str(p))
    p.write_text("N: 0\nfactors: []\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_ua_spec(p)
    assert str(e.value.file) == str(p) and "N" in e.value.message
    p.write_text("factors:\n  - {name: s, type: weight_set, file: sets.csv}\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_ua_spec(p)
    assert e.value.message == "key 'factors.s.file': weight-set table not found: sets.csv"
    assert str(e.value.file) == str(p)
    # a relative table path is read next to the spec
    (tmp_path / "sets.csv").write_text("set,iCode,Weight\nflat,D0,1\nflat,D1,1\nd0,D0,2\nd0,D1,1\n", encoding="utf-8")
    ua = load_ua_spec(p)
    assert ua.factors[0].sets == {"flat": {"D0": 1.0, "D1": 1.0}, "d0": {"D0": 2.0, "D1": 1.0}}
    assert ua.source == str(p)


# --- Sobol' designs replayed (analysis.uncertainty.sensitivity) ----------------------------------------

def _salib_design() -> pd.DataFrame:
    """Factors w (two columns) and c, N = 2 base points in SALib's order: A, AB_w, AB_c, B per base point."""
    A = [(1, 2, 3), (4, 5, 6)]
    B = [(7, 8, 9), (10, 11, 12)]
    rows = []
    for a, b in zip(A, B):
        rows += [a, (b[0], b[1], a[2]), (a[0], a[1], b[2]), b]
    return pd.DataFrame(rows, columns=["w[x]", "w[y]", "c"], dtype=float)


GROUPS = {"w": ["w[x]", "w[y]"], "c": ["c"]}


def test_a_salib_design_is_read_in_its_own_order():
    from analysis.uncertainty.sensitivity import design_blocks

    order, layout = design_blocks(_salib_design(), GROUPS)
    assert layout == "salib" and order.tolist() == list(range(8))


@pytest.mark.parametrize("cells, why", [
    # AB_w of base point 2 (row 6) keeps w[y] from A: it must take factor w from B
    ({(5, "w[y]"): 5.0}, "run 6 (AB_w of base point 2) does not take factor 'w' from B"),
    # both base points broken: the first is named
    ({(1, "w[x]"): 1.0, (5, "w[x]"): 4.0}, "run 2 (AB_w of base point 1) does not take factor 'w' from B"),
    # AB_c of base point 2 (row 7) has w[x] from B: every other factor must come from A
    ({(6, "w[x]"): 10.0}, "run 7 (AB_c of base point 2) does not take factor 'w' from A"),
    ({(6, "c"): 6.0}, "run 7 (AB_c of base point 2) does not take factor 'c' from B"),
])
def test_a_broken_ab_row_is_named_exactly(cells, why):
    from analysis.uncertainty.sensitivity import design_blocks

    d = _salib_design()
    for (r, c), v in cells.items():
        d.loc[r, c] = v
    with pytest.raises(InputError) as e:
        design_blocks(d, GROUPS, file="d.csv")
    assert e.value.message.endswith(": " + why) and e.value.file == "d.csv"


@pytest.mark.parametrize("R", [0, 7])
def test_a_length_that_is_no_salib_design_is_named(R):
    from analysis.uncertainty.sensitivity import design_blocks

    d = pd.concat([_salib_design()] * 2, ignore_index=True).iloc[:R]
    with pytest.raises(InputError) as e:
        design_blocks(d, GROUPS)
    assert e.value.message.endswith(f": {R} runs is not a multiple of G + 2 = 4 and there is no 'block' column")


def test_sobol_unit_design_is_seeded():
    from analysis.uncertainty.sensitivity import unit_design

    dims = [("a", "a"), ("w", "x"), ("w", "y")]
    U = unit_design(dims, 16, "sobol", seed=5)
    assert U.shape == (16 * 4, 3)
    np.testing.assert_array_equal(U, unit_design(dims, 16, "sobol", seed=5))
    assert not np.array_equal(U, unit_design(dims, 16, "sobol", seed=6))


def test_coinr_intervals_of_a_factor_without_influence_are_the_point_zero():
    """Y = x_a: factor b never changes the output, so every bootstrap term of b is 0 (Jansen's and
    Saltelli's numerators vanish) and its interval is [0, 0], while a's total index is 1 analytically
    (its interval is a's own, not pooled with b's zeros)."""
    from analysis.uncertainty.sensitivity import sobol_coinr, unit_design

    U = unit_design([("a", "a"), ("b", "b")], 256, "sobol", seed=1)
    si = sobol_coinr(U[:, 0], 2, names=["a", "b"])
    assert (si.loc["b"] == 0).all()
    assert si.loc["a", "ST"] == pytest.approx(1.0, abs=0.1) and si.loc["a", "ST_low"] > 0.8
    assert si.loc["a", "S1_low"] > 0.5 and si.loc["a", "ST_high"] < 1.2
    # two base points: the resamples still draw both (a bootstrap over one point would have no spread)
    si2 = sobol_coinr(U[:8, 0], 2, names=["a", "b"])
    assert si2.loc["a", "ST_low"] < si2.loc["a", "ST_high"] and si2.loc["a", "S1_low"] < si2.loc["a", "S1_high"]


def test_factor_errors_from_a_spec_file_name_the_file(tmp_path):
    p = tmp_path / "ua.yaml"
    for factor in ("{name: w, type: weights, nodes: [x00, zz], noise: 0.1}",
                   "{name: w, type: weights, level: 9, noise: 0.1}",
                   "{name: d, type: exclude, indicators: [D0]}",
                   "{name: s, type: weight_set, sets: {a: {D0: 1}, b: {D9: 2}}}"):
        p.write_text(f"N: 4\nfactors:\n  - {factor}\n", encoding="utf-8")
        with pytest.raises(InputError) as e:
            Engine(_fw(), _data(), {"normalise": NORM}, p)
        assert str(e.value.file) == str(p), factor


def test_a_numeric_value_that_is_no_alternative_is_shown_as_written():
    f = [{"name": "ag", "type": "choice", "step": "aggregate",
          "alternatives": {"a": {"method": "arithmetic"}, "g": {"method": "geometric"}}}]
    with pytest.raises(InputError) as e:
        _eng(f).resolve(pd.DataFrame({"ag": [1, 2, 5, 2]}))
    assert e.value.row == 4 and e.value.message == "value 5 is not an alternative of factor 'ag' (a, g)"


def test_stability_note_first_order_above_total_order_by_more_than_both_half_widths():
    """S1 − ST is noted when above max(margin, half-width of S1's interval + half-width of ST's)."""
    from analysis.uncertainty.sensitivity import stability_notes

    #           gap S1 − ST: 0.1 (< 0.15), 0.2 (> 0.15), 0.13, 0.14 (< 0.15), 0.25 (= 0.25, not above), 0.3
    si = pd.DataFrame({"S1": [0.5, 0.6, 0.53, 0.54, 0.75, 0.7], "S1_conf": [0.1, 0.1, 0.1, 0.1, 0.125, 0.1],
                       "ST": [0.4, 0.4, 0.4, 0.4, 0.5, 0.4], "ST_conf": [0.05, 0.05, 0.05, 0.05, 0.125, 0.05]},
                      index=list("pqrstu"))
    assert stability_notes(si, 64) == [
        "N = 64 is too small for stable Sobol' indices: first order above total order "
        "(q S1 = 0.6 > ST = 0.4, u S1 = 0.7 > ST = 0.4); increase N"]


def test_stability_note_lists_every_wide_interval():
    from analysis.uncertainty.sensitivity import stability_notes

    si = pd.DataFrame({"S1": [0.3, 0.2], "S1_conf": [0.3, 0.05], "ST": [0.4, 0.4], "ST_conf": [0.05, 0.3]},
                      index=["a", "b"])
    assert stability_notes(si, 16) == [
        "N = 16 is too small for stable Sobol' indices: intervals wider than 0.5 (a S1 0 to 0.6, b ST 0.1 to 0.7); "
        "increase N"]


def test_salib_problem_names_weight_dimensions_by_node():
    """SALib's problem: one U(0, 1) variable per design column, ``w[x]`` for a weight factor's node."""
    from analysis.uncertainty.sensitivity import problem

    assert problem([("a", "a"), ("w", "x"), ("w", "y")]) == {
        "num_vars": 3, "names": ["a", "w[x]", "w[y]"], "bounds": [[0.0, 1.0]] * 3, "groups": ["a", "w", "w"]}


def test_one_run_at_the_nominal_weights_and_binned_rank_quantiles():
    """One run with every multiplier 1: its ranks are the nominal ranks (scipy), so the mean rank is the
    nominal rank; 3 rank bins over 9 units: width 3, quantiles within 2 ranks."""
    fw, df = _fw(), _data()
    eng = _eng([UA["factors"][0]], _spec())
    one = eng.resolve(pd.DataFrame({f"w[{c}]": [0.5] for c in NODES}))
    nom_rank = stats.rankdata(-build(fw, df, _spec()).index.to_numpy(), method="min")
    res = eng.evaluate(one, keep_scores=False)
    np.testing.assert_array_equal(res.rank_stats["Mean"].to_numpy(), nom_rank)
    runs = eng.resolve(pd.DataFrame({f"w[{c}]": np.linspace(0, 1, 12) for c in NODES}))
    t = eng.evaluate(runs, rank_bins=3).timings
    assert t["rank_bin_width"] == 3 and t["rank_quantiles"] == "binned, within 2 ranks"


def test_level_by_level_errors_name_the_runs_normalisation():
    """Mixed methods (no shortcut): a geometric root over z-scores names the normalisation of those runs."""
    eng = _eng([{"name": "n", "type": "choice", "step": "normalise",
                 "alternatives": {"mm": {"method": "minmax"}, "z": {"method": "zscore"}}}],
               {"normalise": NORM, "aggregate": {"method": "arithmetic", "by_level": {3: "geometric"}}})
    runs = eng.resolve(pd.DataFrame({"n": ["mm", "z"]}))
    X = eng.upstream(0).copy()
    eng.block_scores(X, runs.W[:1], 0, 0)  # positive: fine
    X[0, :3] = -50.0  # a negative D0, as z-scores give
    with pytest.raises(InputError, match=r"\(in runs with normalisation zscore\)$"):
        eng.block_scores(X, runs.W[1:], 1, 0)


def test_dirichlet_concentration_is_relative_to_the_parents_total_below_one():
    """A parent whose weights sum to 0.4 (set by a weight set first): shares still follow
    Dirichlet(c · s), mean s = (0.75, 0.25), Var = s(1 − s)/(c + 1) (not the variance of c · w)."""
    f = [{"name": "ws", "type": "weight_set", "sets": {"small": {"x10": 0.3, "x11": 0.1}}},
         {"name": "w", "type": "weights", "nodes": ["x10", "x11"], "distribution": "dirichlet",
          "concentration": 20}]
    eng = Engine(_fw(), _data(), {"normalise": NORM}, {"N": 4000, "seed": 2, "factors": f})
    W = pd.DataFrame(eng.resolve(sample(eng, kind="mc")).W, columns=NODES)
    np.testing.assert_allclose(W["x10"] + W["x11"], 0.4, rtol=1e-12)
    share = (W["x10"] / 0.4).to_numpy()
    var = 0.75 * 0.25 / 21
    assert abs(share.mean() - 0.75) < 5 * np.sqrt(var / 4000)
    assert abs(share.var(ddof=1) / var - 1) < 0.15  # SE of a variance ratio ≈ √(2/N) ≈ 0.02


def test_kernel_of_a_reference_year_engine_knows_the_reference():
    fw = _fw()
    panel = pd.concat([_data(seed=1).assign(year=2024), _data(seed=2).assign(year=2025)], ignore_index=True)
    eng = Engine(fw, panel, {"normalise": {**NORM, "reference_year": 2024}}, {"factors": []}, year=2025)
    assert eng.kernel()._ref is True and _eng([]).kernel()._ref is None


def test_upstream_tables_that_differ_in_every_step_are_built_for_them():
    """Imputation, treatment and normalisation all other than the spec's: build's table for that spec."""
    f = [{"name": "imp", "type": "choice", "step": "impute", "alternatives": {"m": {"method": "mean"}}},
         {"name": "tr", "type": "choice", "step": "treat", "alternatives": {"w": {"method": "winsorise"}}},
         {"name": "n", "type": "choice", "step": "normalise", "alternatives": {"r": {"range": [10, 20]}}}]
    fw, df = _fw(), _data(missing=True)
    eng = Engine(fw, df, {"normalise": NORM, "aggregate": {"method": "arithmetic"}}, {"N": 2, "factors": f})
    eng.resolve(pd.DataFrame({"imp": ["m"], "tr": ["w"], "n": ["r"]}))
    spec = {"impute": {"method": "mean"}, "treat": {"method": "winsorise"},
            "normalise": {**NORM, "range": [10, 20]}}
    np.testing.assert_allclose(eng.upstream(0), build(fw, df, spec).normalised[fw.indicators].to_numpy(),
                               rtol=1e-12)


def test_the_budget_counts_the_rank_bins_asked_for(monkeypatch):
    """Fewer rank bins need less memory: a study that fits with 3 bins per unit is accepted."""
    from analysis.schemas import uncertainty as su

    eng = _eng([UA["factors"][0]])
    runs = eng.resolve(pd.DataFrame({f"w[{c}]": np.full(50, 0.5) for c in NODES}))
    few = su.estimate_bytes(9, 50, False, n_nodes=9, n_dims=9, rank_bins=3)
    assert su.estimate_bytes(9, 50, False, n_nodes=9, n_dims=9) > few
    monkeypatch.setattr(su, "available_memory", lambda: few)
    assert eng.evaluate(runs, keep_scores=False, rank_bins=3).timings["rank_bin_width"] == 3
    with pytest.raises(InputError, match="key 'N'"):
        eng.evaluate(runs, keep_scores=False)


def test_no_spec_means_the_default_method_as_build():
    fw, df = _fw(), _data()
    eng = Engine(fw, df, None, {"factors": []})
    np.testing.assert_allclose(eng.nominal.index.to_numpy(), build(fw, df).index.to_numpy(), rtol=1e-13)


def test_progress_bar_when_asked(capsys):
    eng = _eng([UA["factors"][0]])
    runs = eng.resolve(pd.DataFrame({f"w[{c}]": np.linspace(0, 1, 5) for c in NODES}))
    eng.evaluate(runs, progress=True)
    err = capsys.readouterr().err
    assert "runs (local)" in err and "5/5" in err and "run/s" in err
    eng.evaluate(runs, progress=False)
    assert capsys.readouterr().err == ""
