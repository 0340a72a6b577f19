"""Lower weight bounds of :func:`analysis.weights.optimise_weights` bound shares of the parent.

The weights an aggregate uses are its children's weights normalised to sum 1 (OECD/JRC Handbook
2008, §6; COINr's weighted mean divides by the group's weight sum), so ``min_weight`` bounds each
component's share of its parent, with ``level`` as with ``node`` (before, with ``level``, it bounded
the share of the whole level: a scale no aggregate sees).

Expected values are closed forms. Level 1 of I ← P(a, b), Q(c, d) with a, b, c, d four ±1 Hadamard
columns: zero sample covariances and equal spread σ after min-max. With shares u (a + b = 1 and
c + d = 1 within P and Q; P and Q weigh ½ each) the index is ½ Σ u_i x_i, so

- against the index, r_i = u_i σ / √(Σ u_j² σ²): the normalised r² importances are u_i² / Σ u_j²;
  targets (9, 1, 9, 1) / 20 are reached exactly at u = (¾, ¼, ¾, ¼);
- against the parent, r²_a = u_a² / (u_a² + u_b²) (and likewise in Q), each parent's r² sum to 1, and
  the normalised importances are r² / 2. The objective separates by parent: in P it is
  2 (B(u_b) − 1/20)² with B(x) = x² / (2((1 − x)² + x²)) increasing on (0, 1), so a bound u_b ≥ m
  above ¼ binds at u_b = m.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import hadamard

from analysis import InputError, InputWarning, build
from analysis.framework import Framework, Node
from analysis.weights import optimise_weights
from analysis.weights.optimise import _diagnose

H = hadamard(16).astype(float)
TARGET = {"a": 9.0, "b": 1.0, "c": 9.0, "d": 1.0}


def _build(cols: dict[str, np.ndarray], parents: dict[str, str], aggs: dict[str, str] | None = None):
    """Index I over ``cols``; ``parents`` maps each column to its parent, ``aggs`` each aggregate to its own."""
    n = len(next(iter(cols.values())))
    data = pd.DataFrame({"uCode": [f"u{i:02d}" for i in range(n)], **cols})
    aggs = aggs or {p: "I" for p in set(parents.values()) - {"I"}}
    nodes = [Node("I", None, 1.0, False)] + [Node(a, aggs[a], 1.0, False) for a in sorted(aggs)]
    nodes += [Node(c, parents[c], 1.0, True) for c in cols]
    return build(Framework(nodes, "t"), data, {"normalise": {"method": "minmax"}})


def _two_by_two():
    cols = {x: H[:, i] for x, i in zip("abcd", (1, 2, 3, 4))}
    return _build(cols, {"a": "P", "b": "P", "c": "Q", "d": "Q"})


def _quiet(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return optimise_weights(**kw)


def test_level_bound_below_the_optimum_share_of_the_parent_does_not_bind():
    # the free optimum is u = (¾, ¼, ¾, ¼) of each parent; a bound of 0.2 on the share of the parent
    # leaves it alone. (On shares of the level it bound: b and d at 0.2 of the level leave P and Q at
    # most 0.6 each, so u_b ≥ 1/3.)
    res = _two_by_two()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        o = optimise_weights(res, level=1, target=TARGET, min_weight=0.2)
    np.testing.assert_allclose(o.table["weight"], [0.75, 0.25, 0.75, 0.25], atol=1e-6)
    np.testing.assert_allclose(o.weights[list("abcd")], [0.75, 0.25, 0.75, 0.25], atol=1e-6)
    np.testing.assert_allclose(o.weights[["P", "Q"]], 0.5, atol=1e-15)          # not optimised
    np.testing.assert_allclose(o.table["achieved"], [0.45, 0.05, 0.45, 0.05], atol=1e-7)
    np.testing.assert_allclose(o.table["lower"], 0.2, atol=1e-15)
    assert list(o.table["parent"]) == list("PPQQ")
    assert o.reachable and o.notes == [] and o.zero_weights == []


def test_level_bound_binds_on_the_share_of_the_parent():
    # 0.3 of each parent for each of four components is feasible (0.6 per parent) but was refused as
    # shares of the level (1.2 ≥ 1). It binds for b and d: u = (0.7, 0.3, 0.7, 0.3), importances
    # u² / Σu² = (0.49, 0.09, 0.49, 0.09) / 1.16. The corner is the optimum: see the check below.
    res = _two_by_two()
    with pytest.warns(InputWarning, match="unreachable with the lower weight bounds"):
        o = optimise_weights(res, level=1, target=TARGET, min_weight=0.3)
    np.testing.assert_allclose(o.table["weight"], [0.7, 0.3, 0.7, 0.3], atol=1e-6)
    np.testing.assert_allclose(o.weights[list("abcd")], [0.7, 0.3, 0.7, 0.3], atol=1e-6)
    ach = np.array([0.49, 0.09, 0.49, 0.09]) / 1.16
    np.testing.assert_allclose(o.table["achieved"], ach, atol=1e-6)
    assert o.objective == pytest.approx(((ach - np.array([9, 1, 9, 1]) / 20) ** 2).sum(), abs=1e-10)
    assert "optimised weights for level 1: b, d at the lower bound 0.3, 0.3" in o.notes
    assert not o.reachable

    # independent check of the corner: the closed-form objective over a grid of (u_b, u_d) in the box
    g = np.linspace(0.3, 0.7, 81)
    xb, xd = np.meshgrid(g, g)
    v = np.stack([(1 - xb) ** 2, xb ** 2, (1 - xd) ** 2, xd ** 2])
    f = ((v / v.sum(axis=0) - np.array([9, 1, 9, 1])[:, None, None] / 20) ** 2).sum(axis=0)
    assert np.unravel_index(f.argmin(), f.shape) == (0, 0)
    assert o.objective <= f.min() + 1e-12


def test_level_bounds_per_code_against_the_parent_separate_by_parent():
    # against the parent the objective separates: in P, b ≥ 0.3 binds (B increasing), so u_P = (0.7, 0.3)
    # and r² = (0.49, 0.09) / 0.58; in Q, d ≥ 0.1 does not bind and the target is reached, u_Q = (¾, ¼).
    # (On shares of the level: c = 3d ≥ 0.3 leaves P at most 0.6 of the level, so u_b ≥ 0.5.)
    res = _two_by_two()
    o = _quiet(result=res, level=1, target=TARGET, against="parent", min_weight={"b": 0.3, "d": 0.1})
    np.testing.assert_allclose(o.table["weight"], [0.7, 0.3, 0.75, 0.25], atol=1e-6)
    np.testing.assert_allclose(o.table["lower"], [0, 0.3, 0, 0.1], atol=1e-15)
    assert list(o.table["against"]) == list("PPQQ")
    np.testing.assert_allclose(o.table["r2"], [0.49 / 0.58, 0.09 / 0.58, 0.9, 0.1], atol=1e-6)
    np.testing.assert_allclose(o.table["achieved"], [0.49 / 1.16, 0.09 / 1.16, 0.45, 0.05], atol=1e-6)
    assert "optimised weights for level 1: b at the lower bound 0.3" in o.notes
    assert not o.reachable


def test_level_bounds_are_checked_per_parent_with_unequal_groups():
    # P(a, b) and Q(c, d, e): 0.3 each is 0.6 of P and 0.9 of Q (feasible; 1.5 of the level);
    # 0.4 each is 1.2 of Q: impossible, refused naming Q and its codes
    cols = {x: H[:, i] for x, i in zip("abcde", (1, 2, 3, 4, 5))}
    res = _build(cols, {"a": "P", "b": "P", "c": "Q", "d": "Q", "e": "Q"})
    o = _quiet(result=res, level=1, min_weight=0.3)
    w = o.table["weight"]
    assert (w >= 0.3 - 1e-9).all()
    assert w.groupby(o.table["parent"]).sum().to_dict() == pytest.approx({"P": 1.0, "Q": 1.0})
    # equal spreads and equal targets: within P and within Q the shares are equal by symmetry
    np.testing.assert_allclose(w[["a", "b"]], 0.5, atol=1e-6)
    np.testing.assert_allclose(w[["c", "d", "e"]], 1 / 3, atol=1e-6)
    with pytest.raises(InputError) as ei:
        optimise_weights(res, level=1, min_weight=0.4)
    assert ei.value.message == ("lower weight bounds for the children of 'Q' (c, d, e) sum to 1.2 > 1: their "
                                "shares of 'Q' cannot all reach them (use less than 0.333333 each)")
    assert ei.value.node == "Q"
    with pytest.raises(InputError) as ei:
        optimise_weights(res, level=1, min_weight={"a": 0.6, "b": 0.5, "c": 0.9})
    assert ei.value.node == "P" and "children of 'P' (a, b) sum to 1.1 > 1" in ei.value.message
    with pytest.raises(InputError) as ei:
        optimise_weights(res, level=1, min_weight={"c": 0.5, "d": 0.5})
    assert ei.value.message == ("lower weight bounds for the children of 'Q' (c, d, e) sum to 1: no freedom "
                                "left to optimise (use less than 0.333333 each)")
    assert ei.value.node == "Q"
    # ten bounds of 0.1 sum to 1 up to rounding: no freedom, not "impossible"
    cols = {f"x{i}": H[:, i + 1] for i in range(10)}
    res10 = _build(cols, {c: "I" for c in cols})
    with pytest.raises(InputError, match="sum to 1: no freedom left"):
        optimise_weights(res10, node="I", min_weight=0.1)


def test_level_with_a_parent_whose_other_children_sit_elsewhere():
    # I ← P(a, b), c: level 1 is a, b (children of P) and c (child of I beside P, level 2). c's siblings
    # outside the level (P) keep their share ½ of I, so c keeps the other ½; bounds on c are checked
    # against that ½. Against the parent, a and b reach equal importance at ½ each (equal spreads).
    cols = {x: H[:, i] for x, i in zip("abc", (1, 2, 3))}
    res = _build(cols, {"a": "P", "b": "P", "c": "I"})
    # u = ½ is also the best split of P for the whole objective (c's r² against I, 1 / (u_a² + u_b² + 1),
    # depends on P's split): a scan of the closed form below
    u = np.linspace(0.01, 0.99, 99)
    imp = np.stack([u ** 2 / (u ** 2 + (1 - u) ** 2), (1 - u) ** 2 / (u ** 2 + (1 - u) ** 2),
                    1 / (u ** 2 + (1 - u) ** 2 + 1)])
    assert u[(((imp / imp.sum(axis=0)) - 1 / 3) ** 2).sum(axis=0).argmin()] == pytest.approx(0.5)
    o = _quiet(result=res, level=1, against="parent", min_weight={"a": 0.2, "c": 0.4})
    np.testing.assert_allclose(o.weights[["a", "b", "P", "c"]], 0.5, atol=1e-6)
    np.testing.assert_allclose(o.table["weight"], 0.5, atol=1e-6)
    assert list(o.table["parent"]) == ["P", "P", "I"]
    with pytest.raises(InputError) as ei:
        optimise_weights(res, level=1, min_weight={"c": 0.6})
    assert ei.value.message == ("lower weight bounds for the children of 'I' (c) sum to 0.6 > 0.5, the share "
                                "of 'I' its other children leave: their shares of 'I' cannot all reach them "
                                "(use less than 0.5 each)")
    assert ei.value.node == "I"


def test_zero_weights_are_judged_within_the_parent():
    # 5e-7 is below 1e-6 of the level's largest weight (1.0) but not of its parent's (0.3): kept;
    # 2e-7 is below 1e-6 of 0.3 (3e-7): zero
    def table(e):
        return pd.DataFrame({"parent": ["P", "Q", "Q", "Q"], "target": 0.25, "achieved": 0.25,
                             "weight": [1.0, 0.3, 0.3, e], "lower": 0.0},
                            index=pd.Index(["a", "c", "d", "e"], name="code"))

    assert _diagnose(table(5e-7), 1e-3, "level 1")[1] == []
    assert _diagnose(table(2e-7), 1e-3, "level 1")[1] == ["e"]


def test_bound_margin_is_1e_12_either_side_of_the_share_held():
    # the documented rounding margin: bounds within 1e-12 of the share held leave no freedom (refused
    # as such, not as impossible); 1e-11 below it is accepted and the weights sit at the bounds
    cols = {x: H[:, i] for x, i in zip("ab", (1, 2))}
    res = _build(cols, {"a": "I", "b": "I"})
    for lb_b in (0.5 - 1e-12, 0.5 + 1e-12):
        assert 0.5 + lb_b in (1 - 1e-12, 1 + 1e-12)             # exact in binary: the edges themselves
        with pytest.raises(InputError, match=r"sum to 1: no freedom left to optimise \(use less than 0.5 each\)"):
            optimise_weights(res, node="I", min_weight={"a": 0.5, "b": lb_b})
    o = _quiet(result=res, node="I", min_weight={"a": 0.5, "b": 0.5 - 1e-11})
    np.testing.assert_allclose(o.table["weight"], [0.5, 0.5], atol=1e-10)


def test_starts_are_shares_of_each_parent():
    # the three starts (targets, current weights, equal weights) are rescaled within each parent; a
    # parent whose targets are all 0 starts from equal shares. Each start maps back through
    # lower + free · softmax(θ) to those shares.
    import analysis.weights.optimise as opt_mod

    seen = []
    real = opt_mod.least_squares

    def recording(fun, x0, **kw):
        seen.append(np.array(x0, dtype=float))
        return real(fun, x0, **kw)

    cols = {x: H[:, i] for x, i in zip("abcde", (1, 2, 3, 4, 5))}
    res = _build(cols, {"a": "P", "b": "P", "c": "Q", "d": "Q", "e": "Q"})
    lb = np.array([0.1, 0.0, 0.0, 0.2, 0.0])
    mp = pytest.MonkeyPatch()
    mp.setattr(opt_mod, "least_squares", recording)
    try:
        _quiet(result=res, level=1, target={"a": 3, "b": 1, "c": 0, "d": 0, "e": 0},
               min_weight=dict(zip("abcde", lb)))
    finally:
        mp.undo()
    assert len(seen) == 3                    # Q's importances cannot all be 0: never reached, all run
    want = [[0.75, 0.25, 1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 1 / 3, 1 / 3, 1 / 3]]
    for x0, s0 in zip(seen, want):
        back = np.empty(5)
        for ix in ([0, 1], [2, 3, 4]):
            e = np.exp(x0[ix] - x0[ix].max())
            back[ix] = lb[ix] + (1 - lb[ix].sum()) * e / e.sum()
        np.testing.assert_allclose(back, s0, atol=1e-12)
