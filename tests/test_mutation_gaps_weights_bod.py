"""Tests written because mutants of ``analysis.weights.bod``, ``.optimise`` and ``._common`` survived.

Expected values come from independent references, never from the functions' own output:

- benefit of the doubt is a linear program (Cherchye, Moesen, Rogge & Van Puyenbroeck 2007;
  OECD/JRC Handbook 2008, §6.4): two-indicator LPs solved by hand (the optimum is a vertex of the
  polygon ``Y w ≤ 1, w ≥ 0`` cut by the share bounds; along a ray ``w₂ = m w₁`` the score is a
  ratio of linear functions of ``m``, monotone, so the bound on ``m`` that binds gives the vertex),
  and random LPs formulated here and solved with :func:`scipy.optimize.linprog`;
- optimised weights (Becker et al. 2017, linear version; COINr ``get_opt_weights``): on components
  with zero sample covariance the correlation of component i with the weighted mean is
  ``r_i = w_i σ_i / √(Σ_j w_j² σ_j²)``, so equal ``r²`` (or ``r``) importances need ``w_i ∝ 1/σ_i``
  and targets ``t`` need ``w_i σ_i ∝ √t_i`` (``r²``) or ``∝ t_i`` (``r``); zero covariances are
  exact with the columns of a Hadamard matrix. An unreachable case in closed form:
  ``c = (a + b)/√2`` with ``a ⟂ b`` of equal spread; whatever the weights, ``r²_a + r²_b = 1`` and
  ``r²_c = ½ + √(pq)`` (``p = r²_a``), so the best equal-importance fit is ``p = ½`` with achieved
  importances ``(¼, ¼, ½)``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import hadamard
from scipy.optimize import linprog, minimize_scalar

from analysis import InputError, InputWarning, build
from analysis.framework import Framework, Node
from analysis.weights import benefit_of_doubt, optimise_weights
from analysis.weights import bod as bod_mod
from analysis.weights._common import as_matrix, complete_rows, group_weights, normalise_within

# --- benefit of the doubt: hand-solved LPs --------------------------------------------------------
# A = (4, 1), B = (1, 4) span the frontier; C = (2, 2) and D = (1, 1) lie inside it. For C and D the
# objective y·w ∝ w₁ + w₂ is maximised at the vertex where 4w₁ + w₂ = 1 and w₁ + 4w₂ = 1 meet:
# w = (0.2, 0.2), scores 0.8 and 0.4.
HAND = pd.DataFrame({"p": [4.0, 1.0, 2.0, 1.0], "q": [1.0, 4.0, 2.0, 1.0]}, index=list("ABCD"))


def test_bod_hand_lp_scores_weights_and_shares():
    for solver in ("highs", "scipy"):
        r = benefit_of_doubt(HAND, solver=solver)
        np.testing.assert_allclose(r.scores, [1.0, 1.0, 0.8, 0.4], atol=1e-9)
        assert r.scores.name == "BoD" and list(r.scores.index) == list("ABCD")
        np.testing.assert_allclose(r.weights.loc[["C", "D"]], [[0.2, 0.2], [0.2, 0.2]], atol=1e-9)
        np.testing.assert_allclose(r.shares.loc[["C", "D"]], 0.5, atol=1e-9)
        np.testing.assert_allclose(r.normalised_weights.loc[["C", "D"]], 0.5, atol=1e-9)
        assert list(r.efficient) == ["A", "B"]
        assert list(r.weights.columns) == ["p", "q"] and list(r.shares.index) == list("ABCD")
        assert list(r.shares.columns) == ["p", "q"] and list(r.normalised_weights.columns) == ["p", "q"]
        assert list(r.normalised_weights.index) == list("ABCD") and list(r.weights.index) == list("ABCD")


def test_bod_weights_are_in_the_units_of_the_data():
    # q measured in tenths: the LP is the same with w_q / 10, so C's weights are (0.2, 0.02)
    Y = HAND.assign(q=HAND["q"] * 10)
    for solver in ("highs", "scipy"):
        r = benefit_of_doubt(Y, solver=solver)
        np.testing.assert_allclose(r.scores, [1.0, 1.0, 0.8, 0.4], atol=1e-9)
        np.testing.assert_allclose(r.weights.loc["C"], [0.2, 0.02], atol=1e-9)
        np.testing.assert_allclose(r.normalised_weights.loc["C"], [0.2 / 0.22, 0.02 / 0.22], atol=1e-9)
        np.testing.assert_allclose(r.shares.loc["C"], [0.5, 0.5], atol=1e-9)
        np.testing.assert_allclose((Y.to_numpy() * r.weights.to_numpy()).sum(axis=1), r.scores, atol=1e-9)


@pytest.mark.parametrize("bounds, b_score", [({"lower": 0.4}, 4 / 7), ({"upper": 0.6}, 4 / 7),
                                             ({"lower": {"q": 0.4}}, 1.0), ({"upper": {"p": 0.6}}, 1.0)])
def test_bod_contribution_bounds_hand_vertex(bounds, b_score):
    # A with q's contribution ≥ 0.4 (equivalently p's ≤ 0.6): q w₂ ≥ 0.4 (4w₁ + w₂) → w₂ ≥ 8/3 w₁.
    # On w₂ = m w₁ the binding row is w₁ + 4w₂ ≤ 1, score (4 + m)/(1 + 4m), decreasing: m = 8/3,
    # w = (3/35, 8/35), score 4/7, shares (0.6, 0.4). C and D already meet the bound (scores kept);
    # B = (1, 4) is A mirrored, so the symmetric bounds (both indicators) give it 4/7 as well.
    for solver in ("highs", "scipy"):
        r = benefit_of_doubt(HAND, solver=solver, **bounds)
        np.testing.assert_allclose(r.scores, [4 / 7, b_score, 0.8, 0.4], atol=1e-9)
        np.testing.assert_allclose(r.weights.loc["A"], [3 / 35, 8 / 35], atol=1e-9)
        np.testing.assert_allclose(r.shares.loc["A"], [0.6, 0.4], atol=1e-9)
        assert list(r.efficient) == ([] if b_score < 1 else ["B"])


def test_bod_lower_bound_waived_for_a_zero_value():
    # E = (3, 0) (first and later rows): q's lower bound cannot hold, so it is waived; E's score is
    # max 3w₁ s.t. 4w₁ + w₂ ≤ 1 → 3/4. Units after E must get their own bound back (A: 4/7).
    for order in (list("EABCD"), list("ABECD"), list("ABCDE")):
        Y = pd.concat([HAND, pd.DataFrame({"p": [3.0], "q": [0.0]}, index=["E"])]).loc[order]
        for solver in ("highs", "scipy"):
            r = benefit_of_doubt(Y, lower=0.4, solver=solver)
            np.testing.assert_allclose(r.scores[list("ABCDE")], [4 / 7, 4 / 7, 0.8, 0.4, 0.75], atol=1e-9)
            np.testing.assert_allclose(r.shares.loc["E"], [1.0, 0.0], atol=1e-9)


@pytest.mark.parametrize("bounds", [{"upper": {"p": 0.3}}, {"lower": {"q": 0.7}}])
def test_bod_weight_share_bounds_hand_vertex(bounds):
    # share="weight" bounds w_i / Σw in the data's units. Data with q in tenths; C = (2, 20):
    # w₁ ≤ 0.3 (w₁ + w₂) → w₂ = m w₁ with m ≥ 7/3; binding row w₁ + 40 w₂ ≤ 1; score
    # (2 + 20m)/(1 + 40m), decreasing in m → m = 7/3: w = (3/283, 7/283), score 146/283.
    Y = HAND.assign(q=HAND["q"] * 10)
    for solver in ("highs", "scipy"):
        r = benefit_of_doubt(Y, share="weight", solver=solver, **bounds)
        np.testing.assert_allclose(r.scores["C"], 146 / 283, atol=1e-9)
        np.testing.assert_allclose(r.weights.loc["C"], [3 / 283, 7 / 283], atol=1e-9)
        np.testing.assert_allclose(r.normalised_weights.loc["C"], [0.3, 0.7], atol=1e-9)
        assert (r.normalised_weights.to_numpy()[:, 0] <= 0.3 + 1e-9).all()


def _linprog_bod(Y, lo=None, up=None, share="contribution"):
    """BoD scores formulated directly on the raw data (no rescaling) and solved by linprog."""
    n, k = Y.shape
    out = []
    for c in range(n):
        base = Y[c] if share == "contribution" else np.ones(k)
        rows = []
        for i in range(k):
            if lo is not None and lo[i] > 0 and base[i] > 0:     # lo_i Σ base_j w_j − base_i w_i ≤ 0
                r = lo[i] * base.copy()
                r[i] -= base[i]
                rows.append(r)
            if up is not None and up[i] < 1:                      # base_i w_i − up_i Σ base_j w_j ≤ 0
                r = -up[i] * base.copy()
                r[i] += base[i]
                rows.append(r)
        A = np.vstack([Y] + [np.array(rows).reshape(-1, k)])
        b = np.concatenate([np.ones(n), np.zeros(len(rows))])
        res = linprog(-Y[c], A_ub=A, b_ub=b, bounds=(0, None), method="highs")
        out.append(-res.fun)
    return np.array(out)


@pytest.mark.parametrize("share", ["contribution", "weight"])
def test_bod_random_lps_against_linprog(share):
    rng = np.random.default_rng(11)
    Y = rng.uniform(0, 1, size=(25, 4)) * [1.0, 5.0, 0.2, 2.0]
    Y[[0, 7, 13], [1, 2, 0]] = 0.0                      # zeros: the lower bounds are waived there
    lo = np.array([0.15, 0.1, 0.0, 0.2])
    up = np.array([0.5, 1.0, 0.6, 0.45])
    df = pd.DataFrame(Y, columns=list("abcd"))
    for solver in ("highs", "scipy"):
        r = benefit_of_doubt(df, lower=dict(zip("abcd", lo)), upper=dict(zip("abcd", up)), share=share,
                             solver=solver)
        np.testing.assert_allclose(r.scores, _linprog_bod(Y, lo, up, share), atol=1e-8)
        np.testing.assert_allclose(r.shares.sum(axis=1), 1.0, atol=1e-9)
        np.testing.assert_allclose(r.normalised_weights.sum(axis=1), 1.0, atol=1e-9)
        np.testing.assert_allclose((Y * r.weights.to_numpy()).sum(axis=1), r.scores, atol=1e-8)
        assert (Y @ r.weights.to_numpy().T).max() <= 1 + 1e-8
    np.testing.assert_allclose(benefit_of_doubt(df).scores, _linprog_bod(Y), atol=1e-8)


def test_bod_frontier_units_score_one():
    rng = np.random.default_rng(3)
    Y = pd.DataFrame(rng.uniform(0.1, 1, size=(30, 3)), columns=list("xyz"))
    r = benefit_of_doubt(Y)
    # the unit with the largest value of an indicator is efficient (all weight on that indicator)
    for c in Y.columns:
        assert r.scores[Y[c].idxmax()] == pytest.approx(1.0, abs=1e-9)
    assert set(r.efficient) == set(r.scores.index[r.scores > 1 - 1e-7])
    assert (r.scores <= 1.0).all() and (r.scores >= 0.0).all()


def _err(fn, *a, **kw) -> InputError:
    with pytest.raises(InputError) as ei:
        fn(*a, **kw)
    return ei.value


def test_bod_refusals_name_what_is_wrong():
    Y = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 3.0]}, index=["u", "v", "w"])
    e = _err(benefit_of_doubt, Y.assign(b=[2.0, np.nan, 3.0]))
    assert e.message == "benefit of the doubt needs complete data (impute first)"
    assert (e.row, e.column) == ("v", "b")
    e = _err(benefit_of_doubt, Y.assign(a=[0.0, 0.5, -0.5]))     # 0 and 0.5 are fine; -0.5 is named
    assert e.message == "benefit of the doubt needs non-negative values; found -0.5"
    assert (e.row, e.column) == ("w", "a")
    e = _err(benefit_of_doubt, Y, share="pie")
    assert e.message == "unknown share type 'pie' (use contribution or weight)"
    e = _err(benefit_of_doubt, Y, solver="glpk")
    assert e.message == "unknown solver 'glpk' (use highs or scipy)"
    e = _err(benefit_of_doubt, Y, lower={"zz": 0.1})
    assert e.message == "lower share bound names unknown indicator 'zz'" and e.column == "zz"
    e = _err(benefit_of_doubt, Y, upper={"zz": 0.9})
    assert e.message == "upper share bound names unknown indicator 'zz'" and e.column == "zz"
    assert _err(benefit_of_doubt, Y, lower=-0.1).message == "lower share bounds must lie in [0, 1]"
    assert _err(benefit_of_doubt, Y, upper=1.5).message == "upper share bounds must lie in [0, 1]"
    assert _err(benefit_of_doubt, Y, upper={"a": 1.2}).message == "upper share bounds must lie in [0, 1]"
    assert _err(benefit_of_doubt, Y, lower=0.6).message == "lower share bounds sum to 1.2 > 1: infeasible"
    assert _err(benefit_of_doubt, Y, upper=0.4).message == "upper share bounds sum to 0.8 < 1: infeasible"
    e = _err(benefit_of_doubt, Y, lower={"b": 0.5}, upper={"b": 0.4})
    assert e.message == "lower share bound exceeds the upper bound" and e.column == "b"
    e = _err(benefit_of_doubt, Y.assign(a=Y["a"] / 10, b=0.0))        # a's maximum 0.3 is positive
    assert e.message == "indicator is zero for every unit; benefit of the doubt cannot weight it"
    assert e.column == "b"
    Y3 = Y.assign(c=[1.0, 1.0, 1.0])
    e = _err(benefit_of_doubt, Y3, lower={"a": 0.6, "b": 0.6})     # c's bound (absent) counts as 0
    assert e.message == "lower share bounds sum to 1.2 > 1: infeasible"
    e = _err(benefit_of_doubt, Y3, lower={"a": 0.3, "b": 0.5}, upper={"a": 0.3, "b": 0.4})
    assert e.message == "lower share bound exceeds the upper bound" and e.column == "b"   # a: equal is fine


def test_bod_unit_with_only_zeros_scores_zero_without_warnings():
    Y = pd.concat([HAND, pd.DataFrame({"p": [0.0], "q": [0.0]}, index=["Z"])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = benefit_of_doubt(Y)
    assert r.scores["Z"] == 0.0
    np.testing.assert_allclose(r.scores[list("ABCD")], [1.0, 1.0, 0.8, 0.4], atol=1e-9)


def test_bod_bounds_at_the_edges_are_accepted():
    # bounds exactly at 0 and 1 and sums exactly 1 are feasible; a dict fills the others with 0 / 1
    r = benefit_of_doubt(HAND, lower=0.5, upper=0.5)
    np.testing.assert_allclose(r.shares, 0.5, atol=1e-9)
    # both contributions ½: A needs 4w₁ = w₂ = 4t, rows 8t ≤ 1 and 17t ≤ 1 → score 8/17 (B mirrored)
    np.testing.assert_allclose(r.scores, [8 / 17, 8 / 17, 0.8, 0.4], atol=1e-9)
    r = benefit_of_doubt(HAND, lower={"p": 1.0})                 # all contribution from p
    np.testing.assert_allclose(r.scores, [1.0, 0.25, 0.5, 0.25], atol=1e-9)
    r = benefit_of_doubt(HAND, upper={"q": 0.0})                 # q must contribute nothing
    np.testing.assert_allclose(r.scores, [1.0, 0.25, 0.5, 0.25], atol=1e-9)
    r = benefit_of_doubt(HAND, lower=0.0, upper=1.0)
    np.testing.assert_allclose(r.scores, [1.0, 1.0, 0.8, 0.4], atol=1e-9)


def test_bod_highs_banner_is_silenced_and_stdout_restored(capfd, monkeypatch):
    import highspy

    monkeypatch.setattr(bod_mod, "_HIGHS_STARTED", False)
    capfd.readouterr()
    h = bod_mod._quiet_highs()
    assert isinstance(h, highspy.Highs)
    assert bod_mod._HIGHS_STARTED is True
    os.write(1, b"after\n")
    os.write(2, b"err\n")
    out, err = capfd.readouterr()
    assert (out, err) == ("after\n", "err\n")               # both descriptors point where they did
    assert isinstance(bod_mod._quiet_highs(), highspy.Highs)    # later instances: no redirection
    os.write(1, b"x\n")
    assert capfd.readouterr().out == "x\n"


def test_bod_solver_prints_nothing(capfd):
    capfd.readouterr()
    benefit_of_doubt(HAND, lower=0.1, upper=0.9)
    benefit_of_doubt(HAND, lower=0.1, upper=0.9, share="weight")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --- optimised weights ---------------------------------------------------------------------------
H = hadamard(16).astype(float)


def _build(cols: dict[str, np.ndarray], parents: dict[str, str] | None = None, weights=None):
    n = len(next(iter(cols.values())))
    data = pd.DataFrame({"uCode": [f"u{i:02d}" for i in range(n)], **cols})
    parents = parents or {c: "I" for c in cols}
    aggs = sorted(set(parents.values()) - {"I"})
    nodes = [Node("I", None, 1.0, False)] + [Node(a, "I", 1.0, False) for a in aggs]
    nodes += [Node(c, parents[c], (weights or {}).get(c, 1.0), True) for c in cols]
    return build(Framework(nodes, "t"), data, {"normalise": {"method": "minmax"}})


def _orthogonal():
    # a ⟂ b ⟂ c exactly (disjoint Hadamard columns), different spreads after min-max
    return {"a": H[:, 1], "b": H[:, 2] + 0.5 * H[:, 3], "c": H[:, 4] + 3.0 * H[:, 5]}


@pytest.mark.parametrize("measure", ["r2", "r"])
@pytest.mark.parametrize("target", [None, [1.0, 2.0, 3.0], {"a": 2.0, "b": 1.0, "c": 1.0}])
def test_optimised_weights_closed_form_on_orthogonal_components(measure, target):
    res = _build(_orthogonal())
    s = res.normalised[list("abc")].std(ddof=0).to_numpy()
    t = np.ones(3) if target is None else np.asarray(list(target.values()) if isinstance(target, dict)
                                                       else target)
    t = t / t.sum()
    want = (np.sqrt(t) if measure == "r2" else t) / s
    want = want / want.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        o = optimise_weights(res, node="I", measure=measure, target=target)
    np.testing.assert_allclose(o.weights[list("abc")], want, atol=1e-7)
    np.testing.assert_allclose(o.table["weight"], want, atol=1e-7)
    np.testing.assert_allclose(o.table["target"], t, atol=1e-12)
    np.testing.assert_allclose(o.table["achieved"], t, atol=1e-7)
    np.testing.assert_allclose(o.table["initial_weight"], 1 / 3, atol=1e-12)
    r = want * s / np.sqrt((want ** 2 * s ** 2).sum())
    np.testing.assert_allclose(o.table[measure], r ** 2 if measure == "r2" else r, atol=1e-7)
    assert list(o.table["against"]) == ["I"] * 3 and o.table.index.name == "code"
    assert o.reachable and o.zero_weights == [] and o.notes == []
    assert o.objective < 1e-12 and o.max_error < 1e-7 and o.success and o.nfev > 0
    assert (o.table["lower"] == 0).all()


def test_optimised_weights_unreachable_closed_form():
    # c = (a + b)/√2: best fit p = ½, achieved importances (¼, ¼, ½), objective 1/24
    a, b = H[:, 1], H[:, 2]
    res = _build({"a": a, "b": b, "c": (a + b) / np.sqrt(2)})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        o = optimise_weights(res, node="I")
    np.testing.assert_allclose(o.table["achieved"], [0.25, 0.25, 0.5], atol=1e-6)
    assert o.objective == pytest.approx(1 / 24, abs=1e-9)
    assert not o.reachable
    w = o.table["weight"]
    assert w["a"] == pytest.approx(w["b"], abs=1e-6)            # α = β: a and b weigh the same
    msgs = [str(x.message) for x in rec if issubclass(x.category, InputWarning)]
    assert msgs[0] == ("optimised weights for I: the target importances are unreachable with non-negative "
                       "weights (largest gap 0.167); achieved a 0.250 (target 0.333), b 0.250 (target 0.333), "
                       "c 0.500 (target 0.333)")


def test_optimised_weights_reach_tol_decides_reachable():
    a, b = H[:, 1], H[:, 2]
    res = _build({"a": a, "b": b, "c": (a + b) / np.sqrt(2)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        o = optimise_weights(res, node="I", reach_tol=0.17)   # largest gap 1/6 ≈ 0.1667
    assert o.reachable and o.notes == []
    with pytest.warns(InputWarning, match="unreachable"):
        o = optimise_weights(res, node="I", reach_tol=0.16)
    assert not o.reachable


def test_optimised_weights_min_weight_binding_closed_form():
    # orthogonal a, b, c: equal importance needs w ∝ 1/σ; a lower bound above that share binds, and
    # the split of the rest between b and c minimises the closed-form objective (1-D, solved here)
    res = _build(_orthogonal())
    s = res.normalised[list("abc")].std(ddof=0).to_numpy()
    free = (1 / s) / (1 / s).sum()
    lb_a = free[0] + 0.1
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        o = optimise_weights(res, node="I", min_weight={"a": lb_a})
    w = o.table["weight"].to_numpy()
    assert w[0] == pytest.approx(lb_a, abs=1e-6)

    def objective(wb):
        v = np.array([lb_a, wb, 1 - lb_a - wb]) ** 2 * s ** 2
        return ((v / v.sum() - 1 / 3) ** 2).sum()

    best = minimize_scalar(objective, bounds=(0, 1 - lb_a), method="bounded", options={"xatol": 1e-12})
    assert w[1] == pytest.approx(best.x, abs=1e-6)
    assert o.objective == pytest.approx(best.fun, abs=1e-10)
    np.testing.assert_allclose(o.table["lower"], [lb_a, 0, 0], atol=1e-12)
    assert any(n == f"optimised weights for I: a at the lower bound {lb_a:g}" for n in o.notes)
    assert not o.reachable
    # the binding bound itself is not warned about; the unreachable target is
    msgs = [str(x.message) for x in rec if issubclass(x.category, InputWarning)]
    assert not any("at the lower bound" in m for m in msgs)
    assert any("unreachable with the lower weight bounds" in m for m in msgs)
    # a bound below the free optimum does not bind and changes nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        o2 = optimise_weights(res, node="I", min_weight=float(free.min()) - 0.05)
    np.testing.assert_allclose(o2.table["weight"], free, atol=1e-7)
    assert o2.notes == [] and o2.reachable


def test_optimised_weights_level_reports_shares_of_the_parent():
    # level 1 of I ← P(a, b), Q(c, d): four orthogonal ±1 components of equal spread. Equal importance
    # against the index needs equal effective weights: a = b and c = d within parents. Weights, initial
    # weights and bounds are shares of the parent (what aggregate() uses), not COINr's level-wide OptWeight
    cols = {x: H[:, i] for x, i in zip("abcd", (1, 2, 3, 4))}
    res = _build(cols, parents={"a": "P", "b": "P", "c": "Q", "d": "Q"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        o = optimise_weights(res, level=1, min_weight=0.1)
    assert list(o.table.index) == list("abcd") and list(o.table["against"]) == ["I"] * 4
    assert list(o.table["parent"]) == list("PPQQ")
    np.testing.assert_allclose(o.table["initial_weight"], 0.5, atol=1e-12)
    np.testing.assert_allclose(o.weights[list("abcd")], 0.5, atol=1e-7)        # within parents
    np.testing.assert_allclose(o.table["weight"], 0.5, atol=1e-7)
    assert (o.table["weight"] >= 0.1 - 1e-12).all()
    np.testing.assert_allclose(o.table["achieved"], 0.25, atol=1e-7)
    assert o.reachable and o.notes == []


def test_optimised_weights_refusals():
    res = _build(_orthogonal())
    assert _err(optimise_weights, res).message == "give exactly one of 'node' and 'level'"
    assert _err(optimise_weights, res, node="I", level=1).message == "give exactly one of 'node' and 'level'"
    e = _err(optimise_weights, res, node="a")
    assert e.message == "not an aggregate of the framework" and e.node == "a"
    e = _err(optimise_weights, res, node="zz")
    assert e.message == "not an aggregate of the framework" and e.node == "zz"
    assert _err(optimise_weights, res, level=5).message == "no weighted nodes at level 5; levels are 1–2"
    assert _err(optimise_weights, res, node="I", against="root").message == (
        "unknown 'against' 'root' (use parent or index)")
    e = _err(optimise_weights, res, node="I", target={"a": 1, "b": 1, "c": 1, "zz": 1})
    assert e.message == "target given for 'zz', which is not being optimised" and e.node == "zz"
    e = _err(optimise_weights, res, node="I", target={"a": 1, "b": 1})
    assert e.message == "no target for 'c'" and e.node == "c"
    assert _err(optimise_weights, res, node="I", target=[1, 1]).message == "2 targets for 3 components"
    for bad in ([1, -1, 1], [0, 0, 0]):
        assert _err(optimise_weights, res, node="I", target=bad).message == (
            "targets must be non-negative and not all zero")
    assert _err(optimise_weights, res, node="I", measure="tau").message == (
        "unknown importance measure 'tau' (use r2, r or eta2)")
    for bad in (-0.1, float("nan"), {"a": float("inf")}):
        assert _err(optimise_weights, res, node="I", min_weight=bad).message == (
            "lower weight bounds must be finite numbers >= 0")
    assert _err(optimise_weights, res, node="I", min_weight=1 / 3).message == (
        "lower weight bounds for the children of 'I' (a, b, c) sum to 1: no freedom left to optimise (use "
        "less than 0.333333 each)")
    e = _err(optimise_weights, res, node="I", min_weight={"zz": 0.1})
    assert e.message == "lower weight bound for 'zz', which is not being optimised" and e.node == "zz"


def test_optimised_weights_against_index_from_a_child_node():
    # node P's children compared with the index (against="index") instead of P itself
    cols = {x: H[:, i] for x, i in zip("abc", (1, 2, 3))}
    res = _build(cols, parents={"a": "P", "b": "P", "c": "I"})
    o = optimise_weights(res, node="P", against="index")
    assert list(o.table["against"]) == ["I", "I"]
    o2 = optimise_weights(res, node="P")
    assert list(o2.table["against"]) == ["P", "P"]
    # by symmetry both give a = b
    np.testing.assert_allclose(o.weights[["a", "b"]], 0.5, atol=1e-7)
    np.testing.assert_allclose(o.weights[["P", "c"]], 0.5, atol=1e-12)      # untouched weights


# --- _common ---------------------------------------------------------------------------------------
def _fw():
    nodes = [Node("I", None, 1.0, False), Node("P", "I", 2.0, False), Node("Q", "I", 1.0, False),
             Node("a", "P", 1.0, True), Node("b", "P", 3.0, True), Node("c", "Q", 5.0, True)]
    return Framework(nodes, "t")


def test_normalise_within_by_hand():
    fw = _fw()
    w = normalise_within(fw, {})
    np.testing.assert_allclose(w[["P", "Q", "a", "b", "c"]], [2 / 3, 1 / 3, 0.25, 0.75, 1.0], atol=1e-15)
    w = normalise_within(fw, pd.Series({"a": 2.0, "Q": 2}))
    np.testing.assert_allclose(w[["P", "Q", "a", "b", "c"]], [0.5, 0.5, 0.4, 0.6, 1.0], atol=1e-15)
    w = normalise_within(fw, {"a": 0.0})
    assert w["a"] == 0.0 and w["b"] == 1.0
    e = _err(normalise_within, fw, {"zz": 1.0})
    assert e.message == "weight given for unknown node 'zz'" and e.node == "zz"
    e = _err(normalise_within, fw, {"b": -1.0})
    assert e.message == "weight -1.0 is negative or missing" and e.node == "b"
    e = _err(normalise_within, fw, {"a": 0.0, "b": -1.0})          # a zero weight is allowed: b is named
    assert e.message == "weight -1.0 is negative or missing" and e.node == "b"
    e = _err(normalise_within, fw, {"b": float("nan")})
    assert e.message == "weight nan is negative or missing" and e.node == "b"
    e = _err(normalise_within, fw, {"a": 0.0, "b": 0.0})
    assert e.message == "weights of the children sum to zero" and e.node == "P"


def test_complete_rows_and_as_matrix():
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "b": [1.0, 2.0, np.nan, 4.0]})
    e = _err(complete_rows, X, "entropy")
    assert e.message == "entropy needs at least 3 units with complete data; 2 are complete"
    assert (e.row, e.column, e.node) == (None, None, None)
    X2 = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0, 5.0], "b": [1.0, 2.0, 3.0, 4.0, 5.0]})
    assert list(complete_rows(X2, "x").index) == [0, 2, 3, 4]
    assert list(complete_rows(X2.drop(index=4), "x").index) == [0, 2, 3]     # exactly 3 is enough
    M, cols = as_matrix(pd.DataFrame({"x": [1, 2], "y": [3, 4]}))
    assert M.dtype == float and cols == ["x", "y"]
    M, cols = as_matrix([[1, 2, 3]])
    assert M.dtype == float and cols == [0, 1, 2]


def test_group_weights_applies_the_method_per_group():
    fw = _fw()
    T = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0], "P": [1.0, 1.0], "Q": [2.0, 2.0]})
    calls = []

    def colsum(X, power=1.0):
        calls.append(list(X.columns))
        return (X.sum() ** power).iloc[::-1]            # reversed order: matched by name

    w = group_weights(fw, T, colsum)
    # P: a 3, b 7 → 0.3, 0.7; Q: only c → 1 (method not called); I: P 2, Q 4 → 1/3, 2/3
    np.testing.assert_allclose(w[["a", "b", "c", "P", "Q"]], [0.3, 0.7, 1.0, 1 / 3, 2 / 3], atol=1e-15)
    assert calls == [["a", "b"], ["P", "Q"]]
    w = group_weights(fw, T, colsum, power=2.0)         # keyword arguments reach the method
    np.testing.assert_allclose(w[["a", "b", "P", "Q"]], [9 / 58, 49 / 58, 0.2, 0.8], atol=1e-15)
    calls.clear()
    w = group_weights(fw, T, colsum, level=2)            # the groups of level-2 nodes (P, Q) only
    np.testing.assert_allclose(w[["a", "b", "c", "P", "Q"]], [0.3, 0.7, 1.0, 2 / 3, 1 / 3], atol=1e-15)
    assert calls == [["a", "b"]]
    calls.clear()
    w = group_weights(fw, T, colsum, nodes=["I"], base={"P": 1, "Q": 1, "a": 1, "b": 1, "c": 1},  # integers
                      power=0.5)
    r2 = np.sqrt(2)
    np.testing.assert_allclose(w[["a", "b", "c", "P", "Q"]], [0.5, 0.5, 1.0, r2 / (r2 + 2), 2 / (r2 + 2)],
                               atol=1e-15)
    e = _err(group_weights, fw, T, colsum, level=7)
    assert e.message == "no aggregates at level 7; aggregate levels are [2, 3]"
    e = _err(group_weights, fw, T.drop(columns="b"), colsum)
    assert e.message == "no data for 'b' (needed to weight the children of 'P')" and e.node == "P"


def test_optimised_weights_zero_target_gives_a_reported_zero_weight():
    # target 0 for c on orthogonal components: w_c σ_c ∝ √0, so w_c → 0 and w_a, w_b ∝ 1/σ
    res = _build(_orthogonal())
    s = res.normalised[list("abc")].std(ddof=0).to_numpy()
    with pytest.warns(InputWarning) as rec:
        o = optimise_weights(res, node="I", target=[1.0, 1.0, 0.0])
    want = np.array([1 / s[0], 1 / s[1]]) / (1 / s[0] + 1 / s[1])
    np.testing.assert_allclose(o.weights[["a", "b"]], want, atol=1e-6)
    assert o.weights["c"] < 1e-6 * o.weights.max()
    assert o.zero_weights == ["c"] and o.reachable
    note = ("optimised weights for I: the weight of c is ~0 (below 1e-6 of the largest), so it no longer counts "
            "in the index; set a lower bound (min_weight) to keep it")
    assert o.notes == [note]
    assert [str(x.message) for x in rec] == [note]


def test_optimised_weights_level_against_coinr_objective_by_nelder_mead():
    # COINr get_opt_weights (optype "balance", Pearson): w ← w / Σw over the level, re-aggregate, r of
    # each level node with the index, objective log(Σ (itarg − r/Σr)² / n). Written out here with
    # plain NumPy (min-max, weighted means) and minimised by Nelder–Mead with tight tolerances
    # (COINr's own default reltol = 0.1 stops early); ours must reach the same optimum.
    from scipy.optimize import minimize

    rng = np.random.default_rng(21)
    n = 60
    z = rng.normal(size=n)
    raw = {"a": z + 0.5 * rng.normal(size=n), "b": rng.normal(size=n), "c": z + rng.normal(size=n),
           "d": rng.exponential(size=n)}
    res = _build(raw, parents={"a": "P", "b": "P", "c": "Q", "d": "Q"})
    X = {k: (v - v.min()) / (v.max() - v.min()) for k, v in raw.items()}
    itarg = np.array([1.0, 2.0, 1.0, 1.0]) / 5

    def importances(w):
        w = np.abs(w) / np.abs(w).sum()
        P = (w[0] * X["a"] + w[1] * X["b"]) / (w[0] + w[1])
        Q = (w[2] * X["c"] + w[3] * X["d"]) / (w[2] + w[3])
        idx = (P + Q) / 2
        r = np.array([np.corrcoef(X[k], idx)[0, 1] for k in "abcd"])
        return r / r.sum()

    nm = minimize(lambda w: np.log(((itarg - importances(w)) ** 2).sum() / 4), itarg, method="Nelder-Mead",
                  options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000, "maxfev": 40000})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        o = optimise_weights(res, level=1, measure="r", target=dict(zip("abcd", itarg * 5)))
    want = importances(nm.x)
    np.testing.assert_allclose(o.table["achieved"], want, atol=1e-5)
    assert o.objective <= ((itarg - want) ** 2).sum() + 1e-10
    np.testing.assert_allclose(o.table["achieved"], importances(o.table["weight"].to_numpy()), atol=1e-10)


def test_optimised_weights_eta2_closed_form():
    # Walsh columns: x_a = h1 + 2h2, x_b = h4 + 2h8, x_c = h5 + 3h10 take 4 values each, and no
    # column of one lies in the group generated by another's, so E(x_j | x_i) is constant: the
    # regression of the index on x_i is linear, η²_i = r²_i, and the r² closed form holds (w ∝ 1/σ)
    cols = {"a": H[:, 1] + 2 * H[:, 2], "b": H[:, 4] + 2 * H[:, 8], "c": H[:, 5] + 3 * H[:, 10]}
    res = _build(cols)
    s = res.normalised[list("abc")].std(ddof=0).to_numpy()
    want = (1 / s) / (1 / s).sum()
    o = optimise_weights(res, node="I", measure="eta2")
    np.testing.assert_allclose(o.table["weight"], want, atol=1e-6)
    np.testing.assert_allclose(o.table["achieved"], 1 / 3, atol=1e-6)
    # η² by hand (between-group over total sum of squares) at the optimum: 1/3 of the variance each
    idx = (res.normalised[list("abc")].to_numpy() * o.weights[list("abc")].to_numpy()).sum(axis=1)

    def anova(x, y):
        m = y.mean()
        return sum((x == v).sum() * (y[x == v].mean() - m) ** 2 for v in np.unique(x)) / ((y - m) ** 2).sum()

    np.testing.assert_allclose(o.table["eta2"], [anova(res.normalised[c].to_numpy(), idx) for c in "abc"],
                               atol=1e-9)


def test_optimised_weights_target_matched_by_name_and_proportions_summing_to_one():
    res = _build(_orthogonal())
    s = res.normalised[list("abc")].std(ddof=0).to_numpy()
    t = np.array([0.5, 0.25, 0.25])
    want = np.sqrt(t) / s / (np.sqrt(t) / s).sum()
    o = optimise_weights(res, node="I", target={"c": 0.25, "a": 0.5, "b": 0.25})
    np.testing.assert_allclose(o.table["target"], t, atol=1e-15)
    np.testing.assert_allclose(o.table["weight"], want, atol=1e-7)
    o = optimise_weights(res, node="I", target=pd.Series({"b": 1, "c": 1, "a": 2}))
    np.testing.assert_allclose(o.table["target"], t, atol=1e-15)


def test_optimised_weights_follow_the_built_aggregation_method():
    # a geometric-mean index: importances are taken from the geometric aggregate (recomputed here)
    cols = {"a": H[:, 1] + 2 * H[:, 2], "b": H[:, 4] + 2 * H[:, 8], "c": H[:, 5] + 3 * H[:, 10]}
    n = len(H)
    data = pd.DataFrame({"uCode": [f"u{i:02d}" for i in range(n)], **cols})
    nodes = [Node("I", None, 1.0, False)] + [Node(c, "I", 1.0, True) for c in cols]
    res = build(Framework(nodes, "t"), data, {"normalise": {"method": "minmax", "range": [1, 100]},
                                              "aggregate": {"method": "geometric"}})
    o = optimise_weights(res, node="I", measure="r")
    X = res.normalised[list("abc")].to_numpy()
    w = o.weights[list("abc")].to_numpy()
    geo = np.exp(np.log(X) @ w / w.sum())
    r = np.array([np.corrcoef(X[:, i], geo)[0, 1] for i in range(3)])
    np.testing.assert_allclose(o.table["r"], r, atol=1e-9)
    np.testing.assert_allclose(o.table["achieved"], r / r.sum(), atol=1e-9)
    ar = (X @ w) / w.sum()                           # the arithmetic mean would give other importances
    r_ar = np.array([np.corrcoef(X[:, i], ar)[0, 1] for i in range(3)])
    assert np.abs(r_ar - r).max() > 1e-3


def test_diagnose_thresholds_and_lists():
    from analysis.weights.optimise import _diagnose

    def table(weight, lower, achieved=(0.3, 0.3, 0.4), target=(0.3, 0.3, 0.4)):
        return pd.DataFrame({"target": target, "achieved": achieved, "weight": weight, "lower": lower},
                            index=pd.Index(["a", "b", "c"], name="code"))

    # zero means below 1e-6 of the largest weight (0.5 → 5e-7): 1e-6 is not zero, 4e-7 is
    ok, zero, notes = _diagnose(table([0.5, 0.499999, 1e-6], [0, 0, 0]), 1e-3, "I")
    assert ok and zero == [] and notes == []
    ok, zero, notes = _diagnose(table([0.5, 4e-7, 3e-7], [0, 0, 0]), 1e-3, "I")
    assert zero == ["b", "c"]
    assert notes == ["optimised weights for I: the weight of b, c is ~0 (below 1e-6 of the largest), so it no "
                     "longer counts in the index; set a lower bound (min_weight) to keep it"]
    # a weight at its (positive) lower bound is not "zero"; two bounds listed with their values
    ok, zero, notes = _diagnose(table([0.8, 0.1, 0.1], [0.0, 0.1, 0.1]), 1e-3, "level 1")
    assert zero == [] and notes == ["optimised weights for level 1: b, c at the lower bound 0.1, 0.1"]
    # reach_tol is inclusive: a gap of exactly 0.25 with reach_tol 0.25 is reachable
    ok, _, _ = _diagnose(table([0.4, 0.3, 0.3], [0, 0, 0], achieved=(0.5, 0.25, 0.25), target=(0.25, 0.5, 0.25)),
                         0.25, "I")
    assert ok


def test_optimised_weights_starts_and_evaluation_count(monkeypatch):
    # Several starts guard against local minima: a reached target stops after the first; otherwise all
    # three run, the best is kept and nfev adds up every solver's evaluations
    import analysis.weights.optimise as opt_mod

    calls = []
    real = opt_mod.least_squares

    def counting(*a, **kw):
        r = real(*a, **kw)
        calls.append((r.nfev, r.cost))
        return r

    monkeypatch.setattr(opt_mod, "least_squares", counting)
    o = optimise_weights(_build(_orthogonal()), node="I")
    assert len(calls) == 1 and o.nfev == calls[0][0]
    calls.clear()
    a, b = H[:, 1], H[:, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        o = optimise_weights(_build({"a": a, "b": b, "c": (a + b) / np.sqrt(2)}), node="I")
    assert len(calls) == 3 and o.nfev == sum(c[0] for c in calls)
    assert o.objective == pytest.approx(2 * min(c[1] for c in calls), abs=1e-12)


def test_optimised_weights_keep_the_method_of_unchanged_aggregates():
    # I ← P(a, b), Q(c, d), all geometric means; optimising P's children leaves Q as built (geometric),
    # and the index is the geometric mean of P and Q: recomputed here
    cols = {"a": H[:, 1] + 2 * H[:, 2], "b": H[:, 4] + 2 * H[:, 8], "c": H[:, 5] + 3 * H[:, 10],
            "d": H[:, 3] + 0.5 * H[:, 12]}
    n = len(H)
    data = pd.DataFrame({"uCode": [f"u{i:02d}" for i in range(n)], **cols})
    nodes = [Node("I", None, 1.0, False), Node("P", "I", 1.0, False), Node("Q", "I", 1.0, False)]
    nodes += [Node(c, "P" if c in "ab" else "Q", 1.0, True) for c in cols]
    res = build(Framework(nodes, "t"), data, {"normalise": {"method": "minmax", "range": [1, 100]},
                                              "aggregate": {"method": "geometric"}})
    o = optimise_weights(res, node="P", against="index", measure="r")
    X = res.normalised[list("abcd")].to_numpy()
    w = o.weights[["a", "b"]].to_numpy()
    P = np.exp(np.log(X[:, :2]) @ w)
    Q = np.exp(np.log(X[:, 2:]).mean(axis=1))
    idx = np.sqrt(P * Q)
    r = np.array([np.corrcoef(X[:, i], idx)[0, 1] for i in range(2)])
    np.testing.assert_allclose(o.table["r"], r, atol=1e-9)


@pytest.mark.parametrize("min_share", [0.0, 0.7])
def test_optimised_weights_with_missing_values_use_pairwise_complete_units(min_share):
    # aggregates are means over the available children (and NaN below min_share); importances are
    # correlations over the units where both the component and the index are known, as COINr's
    # get_corr (use = "pairwise.complete.obs"), recomputed here with pandas
    rng = np.random.default_rng(5)
    n = 40
    raw = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    raw.loc[[3, 17], "a"] = np.nan
    raw.loc[[17, 25], "c"] = np.nan
    data = raw.assign(uCode=[f"u{i:02d}" for i in range(n)])
    nodes = [Node("I", None, 1.0, False)] + [Node(c, "I", 1.0, True) for c in "abc"]
    res = build(Framework(nodes, "t"), data, {"normalise": {"method": "minmax"},
                                              "aggregate": {"min_share": min_share}})
    o = optimise_weights(res, node="I", measure="r")
    N = res.normalised[list("abc")]
    w = o.weights[list("abc")]
    known = N.notna()
    idx = (N.fillna(0) * w).sum(axis=1) / (known * w).sum(axis=1)
    idx[known.mean(axis=1) < min_share] = np.nan                  # unit 17 has 1 of 3 at min_share 0.7
    r = np.array([N[c].corr(idx) for c in "abc"])
    np.testing.assert_allclose(o.table["r"], r, atol=1e-9)
    np.testing.assert_allclose(o.table["achieved"], 1 / 3, atol=1e-6)


def test_optimised_weights_solver_settings_and_starts(monkeypatch):
    # documented: trust-region least squares ("trf") with ftol = xtol = gtol = tol and max_nfev, started
    # from the targets, the current weights and equal weights (each start maps back to those weights)
    import analysis.weights.optimise as opt_mod

    seen = []
    real = opt_mod.least_squares

    def recording(fun, x0, **kw):
        seen.append((np.array(x0, dtype=float), kw))
        return real(fun, x0, **kw)

    monkeypatch.setattr(opt_mod, "least_squares", recording)
    a, b = H[:, 1], H[:, 2]
    res = _build({"a": a, "b": b, "c": (a + b) / np.sqrt(2)}, weights={"a": 1.0, "b": 2.0, "c": 5.0})
    lb = np.array([0.05, 0.1, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        optimise_weights(res, node="I", tol=1e-10, max_nfev=321,
                         min_weight=dict(zip("abc", lb)))
    assert len(seen) == 3                                           # unreachable: every start runs
    for _, kw in seen:
        assert kw["method"] == "trf"
        assert kw["xtol"] == kw["ftol"] == kw["gtol"] == 1e-10 and kw["max_nfev"] == 321
    starts = [np.full(3, 1 / 3), np.array([1, 2, 5]) / 8, np.full(3, 1 / 3)]
    for (x0, _), s0 in zip(seen, starts):
        e = np.exp(x0 - x0.max())
        np.testing.assert_allclose(lb + (1 - lb.sum()) * e / e.sum(), s0, atol=1e-12)


def test_optimise_refuses_an_undefined_importance_in_one_line():
    """A component known in only two units has no defined correlation over them (two points always
    correlate ±1; here the index is equal at both, so r is 0/0): refused naming it, not a crash."""
    rng = np.random.default_rng(1)
    a, b = rng.uniform(size=10), rng.uniform(size=10)
    a[:3], b[:3] = [1.0, 0.5, 0.0], [1.0, 0.5, 0.0]
    c = np.full(10, np.nan)
    c[:2] = [0.0, 1.0]
    res = _build({"a": a, "b": b, "c": c})
    with pytest.raises(InputError, match="importance of 'c' is undefined: fewer than 3 units") as e:
        optimise_weights(res, node="I")
    assert e.value.node == "c" and "\n" not in str(e.value)


def test_optimise_needs_three_complete_pairs():
    # c known in exactly three units (0, 1, 2) is used; the same with only two is refused
    rng = np.random.default_rng(2)
    a, b = rng.uniform(size=12), rng.uniform(size=12)
    c = np.full(12, np.nan)
    c[:3] = [0.0, 0.7, 1.0]
    optimise_weights(_build({"a": a, "b": b, "c": c}), node="I", measure="r")
    c[2] = np.nan
    with pytest.raises(InputError, match="importance of 'c' is undefined"):
        optimise_weights(_build({"a": a, "b": b, "c": c}), node="I", measure="r")
