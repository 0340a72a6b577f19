"""Uncertainty engine: nominal identity, batched = naive rebuild, COINr replay, Sobol' on Ishigami."""

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis.uncertainty import Engine, replay, run_uncertainty, sample
from analysis.uncertainty.sensitivity import problem, sobol_coinr, sobol_salib, unit_design

from .conftest import ASEM, need
from .fixtures import asem_ua

UA = ASEM / "ua_replay"


def _toy(seed=0, n=25):
    from analysis.framework import Framework, Node

    nodes = [Node("I", None, 1.0, False)]
    for d in range(3):
        nodes.append(Node(f"D{d}", "I", 1.0 + d, False))
        for i in range(3):
            nodes.append(Node(f"x{d}{i}", f"D{d}", 1.0 + (i * d) % 3, True, direction=1 if i != 1 else -1))
    fw = Framework(nodes)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.lognormal(2, 0.6, (n, 9)), columns=fw.indicators)
    df.iloc[3, 2] = np.nan
    df.insert(0, "uCode", [f"u{i:02d}" for i in range(n)])
    df.insert(1, "grp", ["a", "b"] * (n // 2) + ["a"] * (n % 2))
    return fw, df


def test_zero_noise_single_alternative_equals_nominal():
    fw, df = _toy()
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}}
    ua = {"N": 50, "factors": [
        {"name": "w", "type": "weights", "level": "all", "noise": 0.0},
        {"name": "norm", "type": "choice", "step": "normalise", "alternatives": {"mm": {"method": "minmax"}}}]}
    res = run_uncertainty(fw, df, spec, ua)
    nom = build(fw, df, spec).index.to_numpy()
    np.testing.assert_allclose(res.scores.to_numpy(), np.repeat(nom[:, None], 50, axis=1), rtol=0, atol=1e-12)
    assert (res.outputs["mean_abs_rank_shift"] == 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_equals_naive_rebuild(seed):
    fw, df = _toy(seed)
    spec = {"impute": {"method": "group_mean", "by": "grp"}, "normalise": {"method": "minmax", "range": [1, 100]}}
    ua = {"N": 30, "seed": seed, "factors": [
        {"name": "wd", "type": "weights", "level": 2, "noise": 0.4},
        {"name": "wi", "type": "weights", "level": 1, "distribution": "dirichlet", "concentration": 20},
        {"name": "norm", "type": "choice", "step": "normalise",
         "alternatives": {"mm": {"method": "minmax"}, "z": {"method": "zscore", "mean": 50, "sd": 10},
                          "pr": {"method": "prank"}}},
        {"name": "agg", "type": "choice", "step": "aggregate",
         "alternatives": {"a": "arithmetic", "g": "geometric", "h": "harmonic"}},
        {"name": "imp", "type": "choice", "step": "impute", "alternatives": {"m": {"method": "mean"},
                                                                               "g": {}}},
        {"name": "drop", "type": "exclude", "indicators": ["x00", "x11", "x22"]}]}
    eng = Engine(fw, df, spec, ua)
    design = sample(eng)
    runs = eng.resolve(design)
    res = eng.evaluate(runs)
    for r in range(len(design)):
        key = eng.upstream_keys[runs.upstream[r]]
        s = {**spec, **key, "aggregate": eng.agg_specs[runs.agg[r]],
             "weights": dict(zip(eng.nodes, runs.W[r]))}
        drop = [c for c in fw.indicators if runs.W[r, eng.node_ix[c]] == 0]
        s["weights"] = {k: v for k, v in s["weights"].items() if k not in drop}
        naive = build(fw.without(drop), df.drop(columns=drop), s).index.to_numpy()
        np.testing.assert_allclose(res.scores.iloc[:, r].to_numpy(), naive, rtol=0, atol=1e-12)


def _asem_ua():
    return asem_ua(need(UA / "simple_noisy_weights_seed42_100sets.csv"))


def test_replay_coinr_ua_design():
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}}
    res = replay(need(ASEM / "ASEM_iMeta.csv"), ASEM / "ASEM_iData.csv", spec, _asem_ua(),
                 UA / "simple_UA_N100_design.csv")
    ref = pd.read_csv(UA / "simple_UA_N100_Scores.csv").set_index("uCode")
    got = res.scores.loc[ref.index]
    np.testing.assert_allclose(got.to_numpy(), ref.drop(columns="Nominal").to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.nominal.loc[ref.index, "Score"], ref["Nominal"], atol=1e-9)
    des = pd.read_csv(UA / "simple_UA_N100_design.csv")
    np.testing.assert_allclose(res.outputs["mean_abs_rank_shift"], des["target_MeanAbsRankChange"], atol=1e-12)
    rs = pd.read_csv(UA / "simple_UA_N100_RankStats.csv").set_index("uCode")
    cols = ["Nominal", "Mean", "Median", "Q5", "Q95"]
    np.testing.assert_allclose(res.rank_stats.loc[rs.index, cols].to_numpy(), rs[cols].to_numpy(), atol=1e-9)


def _ishigami(X, a=7.0, b=0.1):
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


ISHI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHI_ST = np.array([0.5576, 0.4424, 0.2437])


def test_sobol_estimators_on_ishigami():
    dims = [("x1", "x1"), ("x2", "x2"), ("x3", "x3")]
    U = unit_design(dims, 2 ** 13, "sobol", seed=7)
    Y = _ishigami(-np.pi + 2 * np.pi * U)
    si = sobol_salib(problem(dims), Y, num_resamples=300, seed=1)
    for i, name in enumerate(["x1", "x2", "x3"]):
        assert abs(si.loc[name, "S1"] - ISHI_S1[i]) <= max(si.loc[name, "S1_conf"], 0.01)
        assert abs(si.loc[name, "ST"] - ISHI_ST[i]) <= max(si.loc[name, "ST_conf"], 0.01)
    co = sobol_coinr(Y, 3, ["x1", "x2", "x3"], num_resamples=300, seed=1)
    assert ((co["S1_low"] - 0.01 <= ISHI_S1) & (ISHI_S1 <= co["S1_high"] + 0.01)).all()
    assert ((co["ST_low"] - 0.01 <= ISHI_ST) & (ISHI_ST <= co["ST_high"] + 0.01)).all()


def test_same_seed_same_tables():
    fw, df = _toy()
    ua = {"N": 40, "seed": 3, "factors": [{"name": "w", "type": "weights", "level": 2, "noise": 0.3}]}
    a = run_uncertainty(fw, df, None, ua)
    b = run_uncertainty(fw, df, None, ua)
    pd.testing.assert_frame_equal(a.rank_stats, b.rank_stats)
    pd.testing.assert_frame_equal(a.scores, b.scores)


def test_dask_backend_gives_identical_results():
    pytest.importorskip("dask.distributed")
    fw, df = _toy()
    ua = {"N": 60, "seed": 5, "factors": [
        {"name": "w", "type": "weights", "level": "all", "noise": 0.3},
        {"name": "agg", "type": "choice", "step": "aggregate", "alternatives": {"a": "arithmetic", "g": "geometric"}}]}
    eng = Engine(fw, df, {"normalise": {"method": "minmax", "range": [1, 100]}}, ua)
    runs = eng.resolve(sample(eng))
    local = eng.evaluate(runs, chunk=16)
    dist = eng.evaluate(runs, chunk=16, backend="dask")
    pd.testing.assert_frame_equal(local.scores, dist.scores)
    pd.testing.assert_frame_equal(local.rank_stats, dist.rank_stats)
