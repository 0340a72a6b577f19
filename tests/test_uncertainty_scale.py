"""Uncertainty at village scale: rank histograms (exact and binned), backends, grouped design resolution.

References are independent of the engine: ``scipy.stats.rankdata`` for ranks, ``numpy.quantile``
(type 7 = R's default, Hyndman & Fan 1996) on every run's ranks for the quantiles, and a row-by-row
resolution written here for the designs.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from analysis import InputError
from analysis.schemas.uncertainty import estimate_bytes
from analysis.uncertainty import Engine, sample
from analysis.uncertainty import backend as bk
from analysis.uncertainty.engine import rank_columns

from .conftest import ASEM, need
from .fixtures import asem_ua


def _toy(n=60, seed=0, ties=True):
    from analysis.framework import Framework, Node

    nodes = [Node("I", None, 1.0, False)]
    for d in range(3):
        nodes.append(Node(f"D{d}", "I", 1.0 + d, False))
        for i in range(3):
            nodes.append(Node(f"x{d}{i}", f"D{d}", 1.0 + (i * d) % 3, True))
    fw = Framework(nodes)
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 6, (n, 9)).astype(float) if ties else rng.lognormal(2, 0.6, (n, 9))
    df = pd.DataFrame(X, columns=fw.indicators)
    df.insert(0, "uCode", [f"u{i:04d}" for i in range(n)])
    return fw, df


SPEC = {"normalise": {"method": "minmax", "range": [1, 100]},
        "levels": {"bands": [40, 55, 70], "labels": ["L1", "L2", "L3", "L4"]}}
UA = {"N": 120, "seed": 7, "factors": [
    {"name": "w", "type": "weights", "level": "all", "noise": 0.4},
    {"name": "agg", "type": "choice", "step": "aggregate", "alternatives": {"a": "arithmetic", "g": "geometric"}}]}


def _exact_rank_quantiles(scores: np.ndarray, p: float) -> np.ndarray:
    ranks = np.column_stack([rankdata(-scores[:, r], method="min") for r in range(scores.shape[1])])
    return np.quantile(ranks, p, axis=1)  # numpy's default is type 7


# --- ranks and histograms -----------------------------------------------------------------------------
def test_rank_columns_equals_rankdata_min_with_ties_and_nan():
    rng = np.random.default_rng(3)
    S = rng.integers(0, 7, (300, 11)).astype(float)  # many ties
    S[5, 2] = S[9, 2] = np.nan
    got = rank_columns(S)
    for j in range(S.shape[1]):
        col = S[:, j]
        want = rankdata(np.where(np.isnan(col), np.inf, -col), method="min").astype(float)
        want[np.isnan(col)] = np.nan
        np.testing.assert_array_equal(got[:, j], want)


def test_exact_histogram_quantiles_are_type7():
    rng = np.random.default_rng(1)
    n, R = 40, 57
    ranks = rng.integers(1, n + 1, (n, R)).astype(float)
    h = bk.RankHistogram(n, 1)
    h.add(h.bins_of(ranks))
    for p in (0.05, 0.5, 0.95, 0.0, 1.0):
        np.testing.assert_array_equal(h.quantile(p), np.quantile(ranks, p, axis=1))
    # hand-checked: ranks 1, 2, 10 → median 2, Q95 = 2 + 0.9·8 = 9.2 (h = 1.9)
    h = bk.RankHistogram(10, 1)
    h.add(h.bins_of(np.array([[1.0, 2.0, 10.0]] + [[1.0, 1.0, 1.0]] * 9)))
    assert h.quantile(0.5)[0] == 2.0 and h.quantile(0.95)[0] == pytest.approx(9.2)


@pytest.mark.parametrize("width", [2, 7, 50])
def test_binned_quantiles_within_the_stated_bound(width):
    rng = np.random.default_rng(width)
    n, R = 600, 301
    centre = rng.integers(1, n + 1, n)
    ranks = np.clip(centre[:, None] + rng.normal(0, 40, (n, R)).round(), 1, n)
    h = bk.RankHistogram(n, width)
    assert h.max_error == width - 1 and not h.exact
    h.add(h.bins_of(ranks))
    for p in (0.05, 0.5, 0.95):
        err = np.abs(h.quantile(p) - np.quantile(ranks, p, axis=1))
        assert err.max() <= width - 1 + 1e-9


def test_a_unit_never_ranked_has_no_quantile():
    h = bk.RankHistogram(3, 1)
    h.add(h.bins_of(np.array([[1.0, 2.0], [np.nan, np.nan], [2.0, 1.0]])))
    q = h.quantile(0.5)
    assert np.isnan(q[1]) and q[0] == 1.5 and q[2] == 1.5
    np.testing.assert_array_equal(h.available(), [2, 0, 2])


def test_bin_width_rule_and_memory_at_village_scale():
    assert bk.rank_bin_width(bk.EXACT_MAX_UNITS) == 1
    assert bk.rank_bin_width(bk.EXACT_MAX_UNITS + 1) == int(np.ceil((bk.EXACT_MAX_UNITS + 1) / bk.DEFAULT_BINS))
    assert bk.rank_bin_width(83_764) == 84 and bk.rank_bin_width(10, max_bins=3) == 4
    # 83,764 villages × 10,000 runs without per-run scores: far below 8 GiB (a units × units histogram: 52 GiB)
    need = estimate_bytes(83_764, 10_000, False, n_nodes=53, n_dims=54)
    assert need < 2 * 2 ** 30, need / 2 ** 30


# --- the engine ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def study():
    fw, df = _toy(n=60)
    eng = Engine(fw, df, SPEC, UA)
    return eng, eng.resolve(sample(eng))


def test_exact_quantiles_and_level_shares_against_every_runs_ranks(study):
    eng, runs = study
    res = eng.evaluate(runs, keep_scores=True, chunk=16)
    S = res.scores.to_numpy()
    for col, p in (("Median", 0.5), ("Q5", 0.05), ("Q95", 0.95)):
        np.testing.assert_array_equal(res.rank_stats[col].to_numpy(), _exact_rank_quantiles(S, p))
    ranks = np.column_stack([rankdata(-S[:, r], method="min") for r in range(S.shape[1])])
    np.testing.assert_allclose(res.rank_stats["Mean"], ranks.mean(axis=1), rtol=0, atol=1e-12)
    lev = np.searchsorted([40, 55, 70], S, side="right")
    want = np.stack([(lev == k).mean(axis=1) for k in range(4)], axis=1)
    np.testing.assert_allclose(res.level_shares.to_numpy(), want, rtol=0, atol=1e-15)
    assert res.timings["rank_quantiles"] == "exact"


def test_binned_quantiles_above_the_threshold(study, monkeypatch):
    eng, runs = study
    monkeypatch.setattr(bk, "EXACT_MAX_UNITS", 20)  # 60 units: above it → DEFAULT_BINS bins
    monkeypatch.setattr(bk, "DEFAULT_BINS", 12)  # width 5
    res = eng.evaluate(runs, keep_scores=True, chunk=16)
    assert res.timings["rank_bin_width"] == 5 and res.timings["rank_quantiles"] == "binned, within 4 ranks"
    S = res.scores.to_numpy()
    for col, p in (("Median", 0.5), ("Q5", 0.05), ("Q95", 0.95)):
        err = np.abs(res.rank_stats[col].to_numpy() - _exact_rank_quantiles(S, p))
        assert err.max() <= 4 and err.max() > 0  # binned, and within the bound
    exact = eng.evaluate(runs, keep_scores=False, chunk=16, rank_bins=60)  # one bin per rank again
    np.testing.assert_array_equal(exact.rank_stats["Q95"].to_numpy(), _exact_rank_quantiles(S, 0.95))
    # the mean rank and the level shares are exact either way
    pd.testing.assert_series_equal(res.rank_stats["Mean"], exact.rank_stats["Mean"])
    pd.testing.assert_frame_equal(res.level_shares, exact.level_shares)


def test_tasks_depend_on_the_design_only(study):
    eng, runs = study
    a = bk.plan_tasks(runs.upstream, runs.agg, 60, chunk=16)
    assert sorted(np.concatenate([t.idx for t in a]).tolist()) == list(range(len(runs.W)))
    assert all(len(t.idx) <= 16 and len({runs.agg[i] for i in t.idx}) == 1 for t in a)
    assert max(len(t.idx) for t in bk.plan_tasks(runs.upstream, runs.agg, 10 ** 6)) == bk.BLOCK_CELLS // 10 ** 6
    one = eng.evaluate(runs, chunk=16, n_jobs=1)
    two = eng.evaluate(runs, chunk=16, n_jobs=2)
    for x, y in ((one.rank_stats, two.rank_stats), (one.level_shares, two.level_shares),
                 (one.outputs, two.outputs), (one.scores, two.scores)):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.mark.skipif(bool(os.environ.get("MUTANT_UNDER_TEST")),
                    reason="a Dask cluster started in mutmut's forked child process hangs")
def test_dask_on_worker_processes_gives_identical_tables(study):
    """Workers in other processes (as on a cluster): the kernel travels by pickle; same tables bit for bit."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    eng, runs = study
    kern = pickle.loads(pickle.dumps(eng.kernel()))
    assert not hasattr(kern, "ds") and not hasattr(kern, "nominal")
    local = eng.evaluate(runs, chunk=16)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dist = eng.evaluate(runs, chunk=16, backend="dask", scheduler=cluster.scheduler_address)
        with Client(cluster) as client:
            again = eng.evaluate(runs, chunk=16, backend="dask", client=client)
    for other in (dist, again):
        pd.testing.assert_frame_equal(local.rank_stats, other.rank_stats, check_exact=True)
        pd.testing.assert_frame_equal(local.level_shares, other.level_shares, check_exact=True)
        pd.testing.assert_frame_equal(local.outputs, other.outputs, check_exact=True)
        pd.testing.assert_frame_equal(local.scores, other.scores, check_exact=True)


def test_unknown_backend_is_an_input_error(study):
    eng, runs = study
    with pytest.raises(InputError, match="unknown backend 'spark'"):
        eng.evaluate(runs, backend="spark")


# --- designs resolved by groups ---------------------------------------------------------------------------
def _row_by_row(eng: Engine, design: pd.DataFrame):
    """Reference: each row resolved on its own (labels, weight sets, exclusions, merged steps)."""
    W, keys = [], []
    for r in range(len(design)):
        w = eng.w_nom.copy()
        up = {s: dict(eng.spec.get(s) or {}) for s in ("impute", "treat", "normalise")}
        agg = dict(eng.spec.get("aggregate") or {})
        for f in eng.ua.factors:
            v = design[f.column or f.name].iloc[r]
            lab = str(v) if str(v) in f.labels else f.labels[int(float(v)) - 1]
            if f.type == "weight_set":
                for c, x in f.sets[lab].items():
                    if c in eng.node_ix:
                        w[eng.node_ix[c]] = x
            elif f.type == "choice":
                (agg if f.step == "aggregate" else up[f.step]).update(f.alternatives[lab])
        W.append(w)
        keys.append((up, agg))
    return np.array(W), keys


def test_grouped_resolution_equals_row_by_row_on_coinrs_design():
    ua_dir = ASEM / "ua_replay"
    ua = asem_ua(need(ua_dir / "simple_noisy_weights_seed42_100sets.csv"))
    from analysis.schemas.uncertainty import load_design

    eng = Engine(need(ASEM / "ASEM_iMeta.csv"), ASEM / "ASEM_iData.csv",
                 {"normalise": {"method": "minmax", "range": [1, 100]}}, ua)
    design = load_design(ua_dir / "simple_UA_N100_design.csv", eng.ua)
    design = design.sample(frac=1.0, random_state=3)  # any row order
    runs = eng.resolve(design)
    W, keys = _row_by_row(eng, design)
    np.testing.assert_array_equal(runs.W, W)
    for r, (up, agg) in enumerate(keys):
        got = eng.upstream_keys[runs.upstream[r]]
        assert all(got[s] == up[s] for s in up) and eng.agg_specs[runs.agg[r]] == agg
    assert len(eng.upstream_keys) == 2 and len(eng.agg_specs) == 2
    # groups are registered in order of first appearance, as row by row
    first = design["norm_f_n"].iloc[0]
    assert eng.upstream_keys[0]["normalise"] == {**eng.spec.get("normalise"), **eng.ua.factors[1].alternatives[first]}


def test_a_bad_label_names_the_first_bad_row():
    fw, df = _toy(n=12)
    eng = Engine(fw, df, SPEC, {"N": 4, "factors": [UA["factors"][1]]})
    d = pd.DataFrame({"agg": ["a", "g", "zz", "b", "zz"]})
    with pytest.raises(InputError) as e:
        eng.resolve(d)
    assert e.value.row == 4 and "'zz'" in str(e.value) and e.value.column == "agg"
    d = pd.DataFrame({"agg": [1, 2, 2.0, "1"]})  # 1-based numbers, as COINr's idx_ columns
    runs = eng.resolve(d)
    assert [eng.agg_specs[k]["method"] for k in runs.agg] == ["arithmetic", "geometric", "geometric", "arithmetic"]
