"""Statistical audit and weight-set comparison: closed forms and independent computations."""

import numpy as np
import pandas as pd
import pytest

from analysis import build, load_framework
from analysis.audit import (
    audit,
    correlation_ratio,
    cronbach_alpha,
    cross_section,
    importance,
    leave_one_out,
    with_parents,
    within_groups,
)
from analysis.compare import compare_weight_sets
from analysis.framework import Framework, Node
from analysis.weights import pca_weights

from .conftest import ASEM, need


def test_cronbach_alpha_closed_form():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 4)) + rng.normal(size=(200, 1)))
    k = 4
    alt = k / (k - 1) * (1 - X.var(ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert cronbach_alpha(X) == pytest.approx(alt, rel=1e-12)
    # standardised items with common correlation ρ: α = kρ / (1 + (k − 1)ρ)
    rho = 0.4
    C = np.full((k, k), rho) + (1 - rho) * np.eye(k)
    Z = rng.multivariate_normal(np.zeros(k), C, size=400)
    Z = (Z - Z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False))).T @ np.linalg.cholesky(C).T
    assert cronbach_alpha(pd.DataFrame(Z)) == pytest.approx(k * rho / (1 + (k - 1) * rho), rel=1e-9)


def test_correlation_ratio_linear_equals_r2_and_catches_nonlinear():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, 500)
    assert correlation_ratio(x, 3 * x + 2) == pytest.approx(1.0, abs=1e-8)
    y = x + rng.normal(scale=0.5, size=500)
    r2 = np.corrcoef(x, y)[0, 1] ** 2
    assert correlation_ratio(x, y) == pytest.approx(r2, abs=0.01)
    assert correlation_ratio(x, y, "linear") == pytest.approx(r2, rel=1e-12)
    q = x ** 2 + rng.normal(scale=0.05, size=500)
    assert np.corrcoef(x, q)[0, 1] ** 2 < 0.05
    # population value: V(x²) = 1/5 − 1/9 = 4/45 for x ~ U(−1, 1); noise variance 0.05²
    true = (4 / 45) / (4 / 45 + 0.05 ** 2)
    assert correlation_ratio(x, q) == pytest.approx(true, abs=0.015)
    assert correlation_ratio(x, q, "loess", frac=0.2) == pytest.approx(true, abs=0.03)


@pytest.fixture(scope="module")
def demo():
    from analysis.demo import DEMO_DIR

    return build("kominfo_gm100sc", DEMO_DIR / "smartcity_panel.csv", DEMO_DIR / "spec.yaml")


def test_within_group_flags_and_with_parents(demo):
    w = within_groups(demo)
    T = cross_section(demo)
    row = w.iloc[0]
    assert row["r"] == pytest.approx(T[row["var1"]].corr(T[row["var2"]]))
    assert (w["negative"] == (w["r"] < 0)).all() and (w["near_duplicate"] == (w["r"].abs() > 0.92)).all()
    p = with_parents(demo, method="spearman")
    assert p.loc["GOV_EGOV", "r_parent"] == pytest.approx(T["GOV_EGOV"].corr(T["GOV_PS"], method="spearman"))
    assert p.loc["GOV", "r_index"] == pytest.approx(p.loc["GOV", "r_parent"])


def test_importance_table_and_bootstrap(demo):
    imp = importance(demo, level=3, n_boot=30, seed=1)
    assert set(imp.index) == set(demo.framework.children("SCI"))
    assert imp["importance"].sum() == pytest.approx(1.0)
    assert (imp["eta2_lo"] <= imp["eta2_hi"]).all()
    assert importance(demo, level=3, n_boot=30, seed=1).equals(imp)   # reproducible


def test_leave_one_out_duplicate_dimension_moves_nobody():
    rng = np.random.default_rng(2)
    n = 50
    a = rng.normal(size=n)
    data = pd.DataFrame({"uCode": [f"u{i}" for i in range(n)], "a1": a, "a2": a * 2, "b1": rng.normal(size=n)})
    nodes = [Node("I", None, 1, False), Node("A", "I", 1, False), Node("B", "I", 1, False),
             Node("a1", "A", 1, True), Node("a2", "A", 1, True), Node("b1", "B", 1, True)]
    res = build(Framework(nodes), data)
    s, d = leave_one_out(res, level=1)
    assert s.loc["a1", "mean_abs_shift"] == 0 and s.loc["a2", "mean_abs_shift"] == 0
    assert "b1" not in s.index          # an only child cannot be left out
    s2, d2 = leave_one_out(res, level=2)
    A, idx = res.aggregates["A"], res.aggregates["I"]
    assert s2.loc["B", "spearman"] == pytest.approx(A.corr(idx, method="spearman"))   # without B: A alone
    np.testing.assert_array_equal(d2["B"] + d2["nominal_rank"], A.rank(ascending=False, method="min"))


def test_full_audit_runs_and_reports(demo):
    a = audit(demo, n_boot=10)
    assert len(a.availability_units) == 514
    assert a.reliability.loc["ECO_WEL", "alpha"] < 0   # demo has a conflicting welfare group
    assert any("negatively correlated" in n for n in a.notes)


def test_compare_weight_sets(demo):
    fw = demo.framework
    eq = pd.Series(1.0, index=fw.weights().index)
    tilt = fw.weights().copy()
    tilt["GOV"] = 5.0
    c = compare_weight_sets(demo, {"framework": fw.weights(), "equal": eq, "tilt": tilt})
    assert len(c.tidy) == 514 * 4
    assert c.summary.loc["framework", "mean_abs_shift"] == 0
    T = cross_section(demo)
    np.testing.assert_allclose(c.scores["nominal"], T["SCI"], rtol=1e-12)
    assert c.summary.loc["tilt", "spearman"] < 1
    shift = c.tidy[c.tidy["set"] == "tilt"].set_index("uCode")["rank_shift"]
    assert (shift == c.ranks["tilt"] - c.ranks["nominal"]).all()


def test_asem_audit_matches_independent_computations():
    fw = load_framework(need(ASEM / "ASEM_iMeta.csv"))
    res = build(fw, ASEM / "ASEM_iData.csv", {"normalise": {"method": "minmax", "range": [0, 100]}})
    T = cross_section(res)
    p = with_parents(res)
    for c in ("LPI", "Flights", "Conn", "Sust"):
        assert p.loc[c, "r_parent"] == pytest.approx(T[c].corr(T[fw.nodes[c].parent]), rel=1e-12)
    ch = fw.children("Physical")
    C = T[ch].cov()
    k = len(ch)
    assert cronbach_alpha(T[ch]) == pytest.approx(k / (k - 1) * (1 - np.trace(C) / C.to_numpy().sum()))
    raw = res.raw[ch].dropna()
    v = np.linalg.eigh(np.corrcoef(raw.to_numpy(), rowvar=False))[1][:, -1]
    np.testing.assert_allclose(np.abs(pca_weights(res.raw[ch], "pc1").weights), np.abs(v), rtol=1e-9)
