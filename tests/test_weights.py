"""Weighting methods against worked examples, closed forms and brute force."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import InputError, InputWarning, build
from analysis.framework import Framework, Node
from analysis.weights import (
    ahp,
    ahp_group,
    ahp_weights,
    bartlett,
    benefit_of_doubt,
    budget_allocation,
    critic_weights,
    derive_weights,
    entropy_weights,
    equal_weights,
    kmo,
    optimise_weights,
    pca_weights,
    read_ahp,
)
from analysis.weights.ahp import RANDOM_INDEX, consistent_matrix


def two_level(k=3, groups=2):
    nodes = [Node("I", None, 1.0, False)]
    for g in range(groups):
        nodes.append(Node(f"D{g}", "I", 1.0, False))
        for i in range(k):
            nodes.append(Node(f"x{g}{i}", f"D{g}", 1.0, True))
    return Framework(nodes, "t")


# --- AHP --------------------------------------------------------------------------------------
def test_ahp_saaty_1977_light_intensity():
    # Saaty (1977), J. Math. Psych. 15, experiment 1: eigenvector (.61, .24, .10, .05), λmax = 4.39
    A = [[1, 5, 6, 7], [1 / 5, 1, 4, 6], [1 / 6, 1 / 4, 1, 4], [1 / 7, 1 / 6, 1 / 4, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ahp(A)
    np.testing.assert_allclose(r.weights, [0.61, 0.24, 0.10, 0.05], atol=0.011)
    assert r.lambda_max == pytest.approx(4.39, abs=0.005)
    assert r.ci == pytest.approx((r.lambda_max - 4) / 3)
    assert r.cr == pytest.approx(r.ci / 0.90)


def test_ahp_3x3_by_hand():
    A = np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    g = np.array([15 ** (1 / 3), (2 / 3) ** (1 / 3), 0.1 ** (1 / 3)])
    r = ahp(A, ["a", "b", "c"], method="geometric")
    np.testing.assert_allclose(r.weights, g / g.sum(), rtol=1e-12)
    # eigenvector by power iteration (independent of numpy.linalg.eig)
    v = np.ones(3)
    for _ in range(200):
        v = A @ v
        v /= v.sum()
    lam = (A @ v / v).mean()
    e = ahp(A, ["a", "b", "c"])
    np.testing.assert_allclose(e.weights, v, rtol=1e-10)
    assert e.lambda_max == pytest.approx(lam, rel=1e-10)
    assert e.cr == pytest.approx((lam - 3) / 2 / 0.58, rel=1e-9)
    assert e.cr < 0.1


@pytest.mark.parametrize("method", ["eigen", "geometric"])
def test_ahp_consistent_matrix_recovers_weights(method):
    w = np.array([0.5, 0.2, 0.2, 0.1])
    r = ahp(consistent_matrix(w), method=method)
    np.testing.assert_allclose(r.weights, w, rtol=1e-12)
    assert abs(r.index) < 1e-12 and r.consistent  # CR (eigen) or GCI (geometric)


def test_ahp_inconsistency_warning_names_node_and_pair():
    A = np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    with pytest.warns(InputWarning, match=r"node 'GOV'.*consistency ratio .* > 0.10.*most inconsistent"):
        r = ahp(A, ["x", "y", "z"], node="GOV")
    assert r.cr > 0.1 and set(r.worst_pair) <= {"x", "y", "z"}


@pytest.mark.parametrize("A, msg", [
    ([[1, 2], [0.5, 1], [1, 1]], "not square"),
    ([[1, 3], [3, 1]], "not reciprocal"),
    ([[1, -2], [-0.5, 1]], "not positive"),
    ([[2, 2], [0.5, 1]], "diagonal"),
])
def test_ahp_matrix_errors(A, msg):
    with pytest.raises(InputError, match=msg):
        ahp(A, node="N")


def test_ahp_random_index_table():
    assert RANDOM_INDEX[3] == 0.58 and RANDOM_INDEX[4] == 0.90 and RANDOM_INDEX[9] == 1.45


def test_group_aij_is_ahp_of_geometric_mean_and_aip():
    A1 = np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    A2 = np.array([[1, 1, 3], [1, 1, 3], [1 / 3, 1 / 3, 1]])
    g = ahp_group({"a": A1, "b": A2}, list("xyz"))
    np.testing.assert_allclose(g.weights, ahp(np.sqrt(A1 * A2), list("xyz")).weights, rtol=1e-12)
    p = ahp_group([A1, A2], list("xyz"), aggregation="aip", aip_mean="arithmetic")
    w1, w2 = ahp(A1).weights.to_numpy(), ahp(A2).weights.to_numpy()
    np.testing.assert_allclose(p.weights, (w1 + w2) / 2, rtol=1e-12)
    same = ahp_group([A1, A1], list("xyz"))
    np.testing.assert_allclose(same.weights, ahp(A1, list("xyz")).weights, rtol=1e-12)


def test_ahp_weights_from_yaml_and_label_check(tmp_path):
    fw = two_level()
    f = tmp_path / "ahp.yaml"
    f.write_text("I:\n  labels: [D1, D0]\n  matrix: [[1, 3], ['1/3', 1]]\n"
                 "D0:\n  labels: [x00, x01, x02]\n  experts:\n    a: [[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]]\n"
                 "    b: [[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]]\n".replace("1/2,", "'1/2',").replace("1/4,", "'1/4',"))
    w, res = ahp_weights(fw, f)
    assert w["D1"] == pytest.approx(0.75) and w["D0"] == pytest.approx(0.25)
    np.testing.assert_allclose(w[["x00", "x01", "x02"]], [4 / 7, 2 / 7, 1 / 7], rtol=1e-10)
    assert w["x10"] == pytest.approx(1 / 3)
    bad = tmp_path / "bad.yaml"
    bad.write_text("I:\n  labels: [D0, DX]\n  matrix: [[1, 3], [0.3333333, 1]]\n")
    with pytest.raises(InputError, match="unknown \\['DX'\\], missing \\['D1'\\]"):
        ahp_weights(fw, bad)


def test_ahp_csv_upper_triangle(tmp_path):
    f = tmp_path / "ahp.csv"
    f.write_text("node,row,col,value\nI,D0,D1,1/4\n")
    d = read_ahp(f)
    np.testing.assert_allclose(d["I"]["experts"]["matrix"], [[1, 0.25], [4, 1]])


# --- budget, equal ----------------------------------------------------------------------------
def test_budget_allocation_mean_and_checks():
    fw = two_level()
    A = pd.DataFrame({"D0": [60, 40], "D1": [40, 60], "x00": [50, 20], "x01": [25, 40], "x02": [25, 40]},
                     index=["e1", "e2"])
    r = budget_allocation(fw, A)
    assert r.weights["D0"] == pytest.approx(0.5)
    np.testing.assert_allclose(r.weights[["x00", "x01", "x02"]], [0.35, 0.325, 0.325])
    assert r.summary.loc["x00", "sd"] == pytest.approx(np.std([50, 20], ddof=1))
    assert budget_allocation(fw, A, combine="median").weights["x00"] == pytest.approx(0.35)
    A2 = A.copy()
    A2.loc["e2", "x02"] = 10
    with pytest.raises(InputError, match="expert 'e2' allocates 70 points over the children of 'D0'"):
        budget_allocation(fw, A2)
    with pytest.raises(InputError, match="unknown node 'zz'"):
        budget_allocation(fw, A.assign(zz=1))


def test_equal_weights():
    w = equal_weights(two_level(k=4))
    assert w["x00"] == 0.25 and w["D0"] == 0.5


# --- PCA --------------------------------------------------------------------------------------
def test_pca_one_factor_matches_numpy_hand_computation():
    rng = np.random.default_rng(1)
    f = rng.normal(size=200)
    X = pd.DataFrame({f"v{i}": f * (i + 1) / 3 + rng.normal(size=200) for i in range(4)})
    R = np.corrcoef(X.to_numpy(), rowvar=False)
    vals, vecs = np.linalg.eigh(R)
    v1 = vecs[:, -1] * np.sign(vecs[:, -1].sum())
    r = pca_weights(X)
    assert (r.eigenvalues > 1).sum() == 1
    np.testing.assert_allclose(r.weights, v1 ** 2 / (v1 ** 2).sum(), rtol=1e-10)
    np.testing.assert_allclose(pca_weights(X, "pc1").weights, v1, rtol=1e-10)


def test_pca_two_factors_rotation_is_orthogonal_and_weights_sum_to_one():
    rng = np.random.default_rng(2)
    f, g = rng.normal(size=(2, 300))
    X = pd.DataFrame({"a": f + .3 * rng.normal(size=300), "b": f + .3 * rng.normal(size=300),
                      "c": g + .3 * rng.normal(size=300), "d": g + .3 * rng.normal(size=300)})
    r = pca_weights(X)
    assert r.loadings.shape[1] == 2
    vals, vecs = np.linalg.eigh(np.corrcoef(X.to_numpy(), rowvar=False))
    L0 = vecs[:, -2:] * np.sqrt(vals[-2:])
    L = r.loadings.to_numpy()
    np.testing.assert_allclose(L @ L.T, L0 @ L0.T, atol=1e-8)   # a rotation keeps communalities
    assert r.assigned["a"] == r.assigned["b"] != r.assigned["c"] == r.assigned["d"]
    assert r.weights.sum() == pytest.approx(1.0)


def test_kmo_and_bartlett_closed_forms_two_variables():
    rng = np.random.default_rng(3)
    x = rng.normal(size=50)
    X = pd.DataFrame({"x": x, "y": x + rng.normal(size=50)})
    overall, per = kmo(X)
    assert overall == pytest.approx(0.5) and per.to_numpy() == pytest.approx([0.5, 0.5])
    r = np.corrcoef(X["x"], X["y"])[0, 1]
    chi2, df, p = bartlett(X)
    assert df == 1 and chi2 == pytest.approx(-(50 - 1 - 9 / 6) * np.log(1 - r ** 2))


# --- entropy, CRITIC ---------------------------------------------------------------------------
def test_entropy_by_hand():
    X = pd.DataFrame({"a": [1.0, 1.0, 1.0, 1.0], "b": [1.0, 0.0, 0.0, 0.0], "c": [2.0, 1.0, 1.0, 0.0]})
    # a: uniform → e = 1, d = 0; b: all mass on one unit → e = 0, d = 1;
    # c: p = (.5, .25, .25, 0) → e = 1.5 ln2 / ln4 = 0.75, d = 0.25
    w = entropy_weights(X)
    np.testing.assert_allclose(w, [0, 1 / 1.25, 0.25 / 1.25], atol=1e-12)


def test_critic_by_hand():
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [0.0, 2.0, 4.0], "c": [2.0, 0.0, 1.0]})
    # min-max: a = b = (0, .5, 1), c = (1, 0, .5); sd = .5 each; r_ab = 1, r_ac = r_bc = -.5
    C = 0.5 * np.array([0 + 1.5, 0 + 1.5, 1.5 + 1.5])
    np.testing.assert_allclose(critic_weights(X), C / C.sum(), rtol=1e-12)


# --- BoD --------------------------------------------------------------------------------------
def brute_bod(Y, n=20001):
    th = np.linspace(0, np.pi / 2, n)
    D = np.stack([np.cos(th), np.sin(th)])
    S = Y @ D
    return (S / S.max(axis=0)).max(axis=1)


def test_bod_two_indicators_matches_grid_and_efficient_score_one():
    rng = np.random.default_rng(4)
    Y = pd.DataFrame(rng.uniform(0.1, 1, size=(40, 2)), columns=["p", "q"])
    r = benefit_of_doubt(Y)
    np.testing.assert_allclose(r.scores, brute_bod(Y.to_numpy()), atol=2e-4)
    best = {Y["p"].idxmax(), Y["q"].idxmax()}
    assert best <= set(r.efficient)
    np.testing.assert_allclose((Y.to_numpy() * r.weights.to_numpy()).sum(axis=1), r.scores, atol=1e-9)
    assert (Y.to_numpy() @ r.weights.to_numpy().T).max() <= 1 + 1e-9


@pytest.mark.parametrize("share", ["contribution", "weight"])
def test_bod_share_bounds_respected_and_solvers_agree(share):
    rng = np.random.default_rng(5)
    Y = pd.DataFrame(rng.uniform(0, 100, size=(60, 5)) * [1, 2, 1, 3, 1], columns=list("abcde"))
    r = benefit_of_doubt(Y, lower=0.1, upper=0.4, share=share)
    s = benefit_of_doubt(Y, lower=0.1, upper=0.4, share=share, solver="scipy")
    np.testing.assert_allclose(r.scores, s.scores, atol=1e-8)
    sh = r.shares if share == "contribution" else r.normalised_weights
    pos = Y.to_numpy() > 0
    assert (sh.to_numpy()[pos] >= 0.1 - 1e-7).all() and (sh.to_numpy() <= 0.4 + 1e-7).all()
    assert (r.scores <= benefit_of_doubt(Y).scores + 1e-9).all()   # bounds can only lower scores


def test_bod_errors():
    with pytest.raises(InputError, match="non-negative"):
        benefit_of_doubt(pd.DataFrame({"a": [1.0, -1.0], "b": [1.0, 2.0]}))
    with pytest.raises(InputError, match="lower share bounds sum to 1.2"):
        benefit_of_doubt(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0]}), lower=0.6)


# --- optimised weights ------------------------------------------------------------------------
def _indep_result(seed=6, n=400):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"uCode": [f"u{i}" for i in range(n)], "a": rng.uniform(size=n),
                         "b": rng.normal(size=n), "c": rng.exponential(size=n)})
    nodes = [Node("I", None, 1.0, False)] + [Node(c, "I", 1.0, True) for c in "abc"]
    return build(Framework(nodes, "t"), data, {"normalise": {"method": "minmax"}})


@pytest.mark.parametrize("target", [None, {"a": 1, "b": 2, "c": 3}])
@pytest.mark.parametrize("measure", ["r2", "r"])
def test_optimised_weights_reach_reachable_targets(target, measure):
    res = _indep_result()
    o = optimise_weights(res, node="I", target=target, measure=measure)
    assert o.max_error < 1e-4
    assert o.weights[["a", "b", "c"]].sum() == pytest.approx(1.0)
    # re-check the achieved importances independently
    idx = (res.normalised[["a", "b", "c"]] * o.weights[["a", "b", "c"]]).sum(axis=1)
    r = np.array([np.corrcoef(res.normalised[c], idx)[0, 1] for c in "abc"])
    imp = r ** 2 if measure == "r2" else r
    np.testing.assert_allclose(imp / imp.sum(), o.table["target"], atol=1e-4)


# --- derived weights and properties ------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["entropy", "critic", "pca", "equal"]))
def test_derived_weights_sum_to_one_within_parents(seed, method):
    rng = np.random.default_rng(seed)
    fw = two_level(k=3, groups=2)
    n = 30
    data = pd.DataFrame(rng.normal(size=(n, 6)) + rng.normal(size=(n, 1)), columns=fw.indicators)
    data.insert(0, "uCode", [f"u{i}" for i in range(n)])
    res = build(fw, data)
    w = derive_weights(res, method)
    assert (w >= -1e-12).all()
    for agg in fw.aggregates:
        assert w[fw.children(agg)].sum() == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore::analysis.InputWarning")
@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.05, 10), min_size=2, max_size=9))
def test_ahp_property_consistent_recovers(ws):
    w = np.array(ws) / sum(ws)
    for m in ("eigen", "geometric"):
        np.testing.assert_allclose(ahp(consistent_matrix(w), method=m).weights, w, rtol=1e-9)
