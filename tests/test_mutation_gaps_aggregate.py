"""Aggregation tests written because a mutant of ``analysis.aggregate`` survived (issue 14).

Each test states the reference its expected values come from: the published definitions (weighted
means over the available children with renormalised weights, COINr ``a_amean``/``a_gmean``/``a_hmean``
and ``dat_thresh``; MPI of De Muro, Mazziotta & Pareto 2011 on 100 ± 10 standardised values with the
population sd; AMPI of Mazziotta & Pareto 2016 with goalposts; Copeland wins − losses of the OECD/JRC
Handbook 2008 and COINr ``a_copeland``), closed forms, or cases worked by hand in the comments — never
the function's own output. Surviving mutants that make no observable difference are listed under
"Equivalent" in ``tests/README.md``.
"""

import warnings
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import aggregate as ag
from analysis._errors import InputError
from analysis.framework import Framework, Node

NAN = np.nan


def _quiet(f, *args, **kw):
    """Call ``f`` with every warning turned into an error: the aggregators promise silent NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kw)


# --- means: missing data, weightless units and the availability threshold --------------------------

def test_means_give_nan_silently_for_a_unit_without_weight_or_data():
    # unit 1 has no available child and unit 2 only a child of weight 0: the weighted mean Σw·x/Σw is
    # 0/0, undefined -> NaN, without a RuntimeWarning (the module suppresses them on purpose)
    X = np.array([[1.0, 4.0, 2.0], [NAN, NAN, NAN], [NAN, NAN, 3.0]])
    w = np.array([1.0, 1.0, 0.0])
    np.testing.assert_allclose(_quiet(ag.arithmetic, X, w), [2.5, NAN, NAN])
    np.testing.assert_allclose(_quiet(ag.geometric, X, w), [2.0, NAN, NAN])           # sqrt(1·4)
    np.testing.assert_allclose(_quiet(ag.harmonic, X, w), [2 / (1 + 0.25), NAN, NAN])
    # complete data (the one-matrix-product path) with all weights 0: no mean, no warning
    assert np.isnan(_quiet(ag.arithmetic, np.array([[1.0, 2.0]]), np.zeros(2))).all()
    assert np.isnan(_quiet(ag.arithmetic, np.array([[1.0, 2.0]]), np.zeros((2, 2)))).all()


def test_availability_threshold_keeps_a_unit_exactly_at_the_share():
    # COINr dat_thresh: a unit is missing when its share of available children is *below* the threshold;
    # at exactly 1/2 it is kept. [2, -] with w (1, 1): arithmetic 2, geometric 2, harmonic 2.
    X = np.array([[2.0, NAN], [1.0, 4.0]])
    for f, full in ((ag.arithmetic, 2.5), (ag.geometric, 2.0), (ag.harmonic, 1.6)):
        np.testing.assert_allclose(f(X, np.ones(2), min_share=0.5), [2.0, full], err_msg=f.__name__)
    # the same threshold for the non-compensatory methods (c1 = [2, -, 0, 1], c2 = [1, 4, 0, 3])
    Y = np.array([[2.0, 1.0], [NAN, 4.0], [0.0, 0.0], [1.0, 3.0]])
    for f in (ag.mazziotta_pareto, ag.ampi):
        out = f(Y, np.ones(2), min_share=0.5)
        assert not np.isnan(out).any(), f.__name__
        assert np.isnan(f(Y, np.ones(2), min_share=0.6)[1])
    # Copeland: a unit with half its children takes part at min_share 0.5.
    # A = [2, -], B = [1, 1], C = [0, 0]: A beats B and C on child 1; B beats C -> 2, 0, -2
    Z = np.array([[2.0, NAN], [1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(ag.copeland(Z, np.ones(2), min_share=0.5), [2.0, 0.0, -2.0])
    np.testing.assert_array_equal(ag.copeland(Z, np.ones(2), min_share=0.6), [NAN, 1.0, -1.0])


def test_none_in_nested_lists_is_a_missing_value():
    # array-likes from JSON (null) or object columns: None converts to NaN (dtype float) and is left out
    X = [[1.0, None, 4.0], [2.0, 8.0, None]]
    w = [1.0, 5.0, 1.0]
    np.testing.assert_allclose(ag.arithmetic(X, w), [2.5, (2 + 40) / 6])
    np.testing.assert_allclose(ag.geometric(X, w), [2.0, (2 * 8 ** 5) ** (1 / 6)])
    np.testing.assert_allclose(ag.harmonic([[1.0, None, 4.0]], w), [2 / 1.25])
    Y = [[0.0, 1.0], [2.0, None], [4.0, 5.0]]
    mean, sd = ag.mpi_stats(Y)
    np.testing.assert_allclose(mean, [2.0, 3.0])
    np.testing.assert_allclose(sd, [np.sqrt(8 / 3), 2.0])
    ref, inf, sup = ag.ampi_goalposts(Y)
    np.testing.assert_allclose(np.column_stack([ref, inf, sup]), [[2.0, 0.0, 4.0], [3.0, 1.0, 5.0]])
    # c1 z = [100 − 10·2/sd1, 100, 100 + 10·2/sd1]; unit 2 has only c1 -> S = 0, MPI = its z = 100
    assert ag.mazziotta_pareto(Y, [1.0, 1.0])[1] == pytest.approx(100.0, rel=1e-13)


def test_non_positive_values_are_refused_with_the_reason_and_the_fix():
    with pytest.raises(InputError) as e:
        ag.geometric([[0.0, 4.0]], [1.0, 1.0])
    assert str(e.value) == ("geometric mean over non-positive values (it uses log): normalise to a range that "
                            "starts above 0, e.g. range [1, 100]")
    with pytest.raises(InputError) as e:
        ag.harmonic([[-1.0, 4.0]], [1.0, 1.0])
    assert str(e.value).startswith("harmonic mean over non-positive values (it uses 1/x): normalise")


# --- per-run inputs --------------------------------------------------------------------------------

def test_per_run_inputs_need_one_weight_vector_per_run():
    X3 = np.ones((4, 5, 3))
    for f in (ag.mazziotta_pareto, ag.ampi, ag.copeland):
        with pytest.raises(ValueError, match=r"need 3 weight vectors, got 2$"):
            f(X3, np.ones((2, 5)))


def test_frozen_stats_and_goalposts_apply_to_every_run():
    # per-run X (n, k, R) with frozen MPI stats / AMPI goalposts: run r uses the same yardstick as a
    # 2-D call on X[:, :, r]; by hand for run 0 (stats mean 2, sd 4 -> z = 100 + 2.5·(x − 2))
    rng = np.random.default_rng(4)
    X3 = rng.uniform(1, 9, (5, 3, 4))
    X3[0, :, 0] = [2.0, 6.0, 10.0]   # z = [100, 110, 120]: M = 110, S² = 200/3
    W = rng.uniform(0.5, 2, (4, 3))
    W[0] = 1.0
    stats = (np.full(3, 2.0), np.full(3, 4.0))
    out = ag.mazziotta_pareto(X3, W, stats=stats)
    assert out.shape == (5, 4)
    assert out[0, 0] == pytest.approx(110 - (200 / 3) / 110, rel=1e-13)
    for r in range(4):
        np.testing.assert_allclose(out[:, r], ag.mazziotta_pareto(X3[:, :, r], W[r], stats=stats), rtol=1e-13)
    # AMPI: goalposts ref 5, [1, 9] -> Δ = 4, r = 70 + 7.5·(x − 1); x = [2, 6, 10] -> [77.5, 107.5, 137.5]
    gp = (np.full(3, 5.0), np.full(3, 1.0), np.full(3, 9.0))
    out = ag.ampi(X3, W, goalposts=gp)
    assert out[0, 0] == pytest.approx(107.5 - 600.0 / 107.5, rel=1e-13)   # S² = (30² + 0 + 30²)/3 = 600
    for r in range(4):
        np.testing.assert_allclose(out[:, r], ag.ampi(X3[:, :, r], W[r], goalposts=gp), rtol=1e-13)


# --- Mazziotta–Pareto and AMPI ----------------------------------------------------------------------

def test_mpi_unit_without_children_is_nan_not_an_error():
    # c1 = [0, 2, -, 4], c2 = [1, 3, -, 5]: z of u1 = [100 − 10·√(3/2), same] -> S = 0, MPI = M; u3 has no value
    X = np.array([[0.0, 1.0], [2.0, 3.0], [NAN, NAN], [4.0, 5.0]])
    out = _quiet(ag.mazziotta_pareto, X, np.ones(2))
    np.testing.assert_allclose(out, [100 - 10 * np.sqrt(1.5), 100.0, NAN, 100 + 10 * np.sqrt(1.5)], rtol=1e-13)
    out = _quiet(ag.ampi, X, np.ones(2))
    np.testing.assert_allclose(out, [70.0, 100.0, NAN, 130.0], rtol=1e-13)


def test_mpi_refusal_with_normalised_weights_and_its_message():
    # 101 units at 0 and one at −1: z of the last = 100 − 10·√101 < 0 on both children, so M < 0 and cv is
    # undefined; weights that sum to 1 (as the engine's normalised weights) must be refused all the same
    X = np.vstack([np.zeros((101, 2)), [[-1.0, -1.0]]])
    with pytest.raises(InputError) as e:
        ag.mazziotta_pareto(X, np.array([0.5, 0.5]))
    msg = str(e.value)
    assert msg.startswith("Mazziotta–Pareto: unit number 102 has a mean normalised score ")
    assert msg.endswith("<= 0, so its coefficient of variation is undefined; check the goalposts or use another "
                        "method")


def test_ampi_mean_exactly_zero_is_refused_and_a_small_positive_mean_is_not():
    # goalposts ref 0, [−30, 30] -> Δ = 30, r = 70 + (x + 30) = x + 100
    gp = (np.zeros(2), np.full(2, -30.0), np.full(2, 30.0))
    # x = [−110, −90] -> r = [−10, 10], M = 0: cv = S/M undefined -> refused
    with pytest.raises(InputError, match=r"^adjusted Mazziotta–Pareto: unit number 1 has a mean normalised score 0 "):
        ag.ampi(np.array([[-110.0, -90.0], [0.0, 0.0]]), np.ones(2), goalposts=gp)
    # x = [−99.5, −99.5] -> r = [0.5, 0.5]: M = 0.5, S = 0, AMPI = 0.5 (defined, not refused)
    np.testing.assert_allclose(ag.ampi(np.array([[-99.5, -99.5], [0.0, 0.0]]), np.ones(2), goalposts=gp),
                               [0.5, 100.0])


def test_mpi_stats_column_rules():
    # exactly two values are enough to standardise: c1 = [1, -, 3] -> mean 2, population sd 1
    mean, sd = ag.mpi_stats(np.array([[1.0, 0.0], [NAN, 1.0], [3.0, 5.0]]))
    np.testing.assert_allclose([mean[0], sd[0]], [2.0, 1.0])
    with pytest.raises(InputError) as e:
        ag.mpi_stats(np.array([[1.0, 0.0], [NAN, 1.0], [NAN, 5.0]]))
    assert str(e.value) == ("Mazziotta–Pareto: child number 1 of this node has fewer than two available values "
                            "to standardise; drop it or use another method")
    # the message names the child that has fewer than two, not one that has exactly two
    with pytest.raises(InputError, match="child number 2 of this node has fewer than two"):
        ag.mpi_stats(np.array([[1.0, 0.0], [2.0, NAN], [NAN, NAN]]))
    # an all-missing column is refused the same way, without a RuntimeWarning on the way
    with pytest.raises(InputError, match="child number 2 of this node has fewer than two"):
        _quiet(ag.mpi_stats, np.array([[1.0, NAN], [2.0, NAN], [3.0, NAN]]))
    with pytest.raises(InputError) as e:
        ag.mpi_stats(np.array([[1.0, 7.0], [2.0, 7.0]]))
    assert str(e.value) == ("Mazziotta–Pareto: child number 2 of this node has the same value for every unit "
                            "(sd 0); drop it or use another method")
    # "no spread" is relative to the column's magnitude: values 1e6 apart by 1e-7 are rounding noise
    # (sd ≈ 9e-8 < 1e-12·1e6), refused as constant; the same spread around 0 is real and standardised
    with pytest.raises(InputError, match="same value for every unit"):
        ag.mpi_stats(np.array([[1e6, 1.0], [1e6, 2.0], [1e6 + 2e-7, 3.0]]))
    mean, sd = ag.mpi_stats(np.array([[0.0, 1.0], [0.0, 2.0], [2e-7, 3.0]]))
    assert sd[0] == pytest.approx(np.sqrt(2) / 3 * 2e-7, rel=1e-9)


def test_ampi_goalposts_of_an_all_missing_column_are_nan_and_refused():
    X = np.array([[1.0, NAN], [3.0, NAN]])
    ref, inf, sup = _quiet(ag.ampi_goalposts, X)
    np.testing.assert_allclose([ref[0], inf[0], sup[0]], [2.0, 1.0, 3.0])
    assert np.isnan([ref[1], inf[1], sup[1]]).all()
    with pytest.raises(InputError) as e:
        ag.ampi(X, np.ones(2))
    assert str(e.value) == ("adjusted Mazziotta–Pareto: child number 2 of this node has goalposts that span "
                            "nothing (min = max); drop it or use another method")


def test_ampi_default_keeps_units_with_missing_children_and_small_ranges():
    # c1 = [0, 0.5, 1] (a range below 1 is still a range): Ref 0.5, Δ 0.5 -> r = 70 + 60·x = [70, 100, 130]
    # c2 = [1, -, 3]: Ref 2, Δ 1 -> r = 70 + 30·(x − 1) = [70, -, 130]; u2 has only c1 -> AMPI = 100
    X = np.array([[0.0, 1.0], [0.5, NAN], [1.0, 3.0]])
    np.testing.assert_allclose(ag.ampi(X, np.ones(2)), [70.0, 100.0, 130.0], rtol=1e-13)


# --- Copeland ---------------------------------------------------------------------------------------

def test_copeland_tie_is_scale_free_under_rounding():
    # A = [1, 1, 0], B = [0, 0, 1], w = (5056.4, 2636.2, 7692.6): in exact arithmetic A's winning weight
    # 5056.4 + 2636.2 equals B's 7692.6, a tie (e_AB = 1/2); in floating point the difference is ~1e-12,
    # far below 1e-10 of the total weight. Scaling the weights must not change a tie (e_ij is a share).
    w = np.array([5056.4, 2636.2, 7692.6])
    assert Fraction("5056.4") + Fraction("2636.2") == Fraction("7692.6")
    X = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(ag.copeland(X, w), [0.0, 0.0])
    np.testing.assert_array_equal(ag.copeland(X, w / w.sum()), [0.0, 0.0])


def test_copeland_one_child_two_runs_and_zero_weight_runs():
    # one child: Copeland is the wins − losses of the ranking on it; x = [3, 1, 2] -> [2, −2, 0]
    X1 = np.array([[3.0], [1.0], [2.0]])
    np.testing.assert_array_equal(ag.copeland(X1, np.ones(1)), [2.0, -2.0, 0.0])
    np.testing.assert_array_equal(ag.copeland(X1, np.array([[1.0], [2.0], [0.5]])), [[2.0] * 3, [-2.0] * 3,
                                                                                      [0.0] * 3])
    # two weight vectors; A = [1, 2], B = [2, 1]: w (3, 1) -> B wins, (1, 3) -> A wins
    X = np.array([[1.0, 2.0], [2.0, 1.0]])
    np.testing.assert_array_equal(ag.copeland(X, np.array([[3.0, 1.0], [1.0, 3.0]])), [[-1.0, 1.0], [1.0, -1.0]])
    # a run without weight compares nothing: no score (NaN) in that run only
    np.testing.assert_array_equal(ag.copeland(X, np.array([[3.0, 1.0], [0.0, 0.0]])), [[-1.0, NAN], [1.0, NAN]])


def _copeland_by_definition(X, w):
    """Σ_j sign(e_ij − ½) with e_ij over the common children, exact fractions (integer weights)."""
    n, k = X.shape
    out = np.full(n, NAN)
    for i in range(n):
        if np.isnan(X[i]).all():
            continue
        s = 0
        for j in range(n):
            if j == i or np.isnan(X[j]).all():
                continue
            both = [c for c in range(k) if not (np.isnan(X[i, c]) or np.isnan(X[j, c]))]
            tot = sum(Fraction(int(w[c])) for c in both)
            if tot:
                e = sum(Fraction(int(w[c])) * (1 if X[i, c] > X[j, c] else Fraction(1, 2) if X[i, c] == X[j, c]
                                               else 0) for c in both) / tot
                s += (e > Fraction(1, 2)) - (e < Fraction(1, 2))
        out[i] = s
    return out


def test_copeland_in_small_blocks_with_two_children_and_many_runs(monkeypatch):
    # a small block size forces many row blocks (n² > block·k) and several chunks of runs, as for 514
    # units and a thousand runs; the result must still be the definition
    monkeypatch.setattr(ag, "_BLOCK", 200)
    rng = np.random.default_rng(12)
    X = rng.integers(0, 5, (30, 2)).astype(float)
    X[rng.random(X.shape) < 0.15] = NAN
    W = rng.integers(1, 4, (9, 2)).astype(float)
    got = ag.copeland(X, W)
    np.testing.assert_array_equal(got, np.column_stack([_copeland_by_definition(X, v) for v in W]))
    X5 = rng.integers(0, 4, (30, 5)).astype(float)
    W5 = rng.integers(1, 4, (9, 5)).astype(float)
    np.testing.assert_array_equal(ag.copeland(X5, W5), np.column_stack([_copeland_by_definition(X5, v)
                                                                         for v in W5]))


def test_copeland_per_run_inputs_with_a_unit_missing_in_one_run():
    # run 0: u3 has no value -> no score and not an opponent; run 1: complete
    X3 = np.zeros((3, 2, 2))
    X3[:, :, 0] = [[2.0, 2.0], [1.0, 1.0], [NAN, NAN]]
    X3[:, :, 1] = [[2.0, 2.0], [1.0, 1.0], [3.0, 0.0]]
    out = ag.copeland(X3, np.ones((2, 2)))
    # run 1: u1 beats u2 (both children), ties u3 (one win each); u2 loses to u1, ties u3 (1 vs 3, 1 vs 0)
    np.testing.assert_array_equal(out, [[1.0, 1.0], [-1.0, -1.0], [NAN, 0.0]])


# --- registry, node methods and the whole hierarchy -------------------------------------------------

def test_aggregate_matrix_defaults_and_min_share():
    X = np.array([[1.0, 3.0], [4.0, NAN]])
    np.testing.assert_allclose(ag.aggregate_matrix(X, np.ones(2)), [2.0, 4.0])      # arithmetic, min_share 0
    np.testing.assert_allclose(ag.aggregate_matrix(X, np.ones(2), "a_amean", min_share=0.75), [2.0, NAN])
    with pytest.raises(InputError) as e:
        ag.canonical("median")
    assert str(e.value) == ("unknown aggregation method 'median' (use one of arithmetic, geometric, harmonic, "
                            "mazziotta_pareto, ampi, copeland)")


def test_node_override_without_method_or_min_share_keeps_the_others():
    fw = SimpleNamespace(nodes={"A": SimpleNamespace(level=2), "B": SimpleNamespace(level=3)})
    spec = {"method": "harmonic", "min_share": 0.25, "by_level": {2: "geometric"},
            "by_node": {"A": {"min_share": 0.5}, "B": {"method": "copeland"}}}
    assert ag.node_method(spec, fw, "A") == ("geometric", 0.5)
    assert ag.node_method(spec, fw, "B") == ("copeland", 0.25)


def _two_level():
    nodes = [Node("I", None, 1.0, False), Node("P", "I", 1.0, False), Node("Q", "I", 1.0, False),
             Node("p1", "P", 1.0, True), Node("p2", "P", 1.0, True), Node("q1", "Q", 1.0, True),
             Node("q2", "Q", 1.0, True)]
    return Framework(nodes)


def test_aggregate_applies_min_share_and_names_the_node():
    fw = _two_level()
    norm = pd.DataFrame({"p1": [10.0, 20.0, 30.0], "p2": [NAN, 40.0, 50.0], "q1": [1.0, 2.0, 3.0],
                         "q2": [5.0, 6.0, 7.0]}, index=["a", "b", "c"])
    out = ag.aggregate(norm, fw, {"method": "arithmetic", "min_share": 0.6})
    # P of unit a has 1 of 2 children (share 0.5 < 0.6) -> missing; I of a = Q alone (share 0.5) -> missing
    assert np.isnan(out.at["a", "P"]) and np.isnan(out.at["a", "I"])
    np.testing.assert_allclose(out.loc["b"], [30.0, 4.0, 17.0])
    # an error inside a node carries the node and the original message
    bad = norm.assign(q1=[0.0, 2.0, 3.0])
    with pytest.raises(InputError) as e:
        ag.aggregate(bad, fw, {"method": "geometric"})
    assert e.value.node == "Q"
    assert e.value.message.startswith("geometric mean over non-positive values (it uses log)")
    assert "node 'Q'" in str(e.value)


def test_aggregate_with_a_reference_applies_min_share_at_every_level():
    # MPI at the index over the pillars P and Q, arithmetic pillars, min_share 0.6 everywhere. In the
    # reference, unit a has P missing (one of two children) -> its P is missing and it is left out of
    # the index's standardisation of P. By hand: reference P = [-, 30, 40, 20], Q = [3, 4, 5, 6]
    # -> stats P: mean 30, sd √(200/3); Q: mean 4.5, sd √1.25.
    fw = _two_level()
    ref = pd.DataFrame({"p1": [10.0, 20.0, 30.0, 10.0], "p2": [NAN, 40.0, 50.0, 30.0],
                        "q1": [1.0, 2.0, 3.0, 4.0], "q2": [5.0, 6.0, 7.0, 8.0]}, index=list("abcd"))
    new = ref.assign(p2=[20.0, 40.0, 50.0, 30.0])
    spec = {"method": "arithmetic", "min_share": 0.6, "by_node": {"I": "mazziotta_pareto"}}
    out = ag.aggregate(new, fw, spec, reference=ref)
    zP = 100 + 10 * (np.array([15.0, 30.0, 40.0, 20.0]) - 30.0) / np.sqrt(200 / 3)
    zQ = 100 + 10 * (np.array([3.0, 4.0, 5.0, 6.0]) - 4.5) / np.sqrt(1.25)
    M = (zP + zQ) / 2
    S2 = ((zP - zQ) / 2) ** 2
    np.testing.assert_allclose(out["I"].to_numpy(), M - S2 / M, rtol=1e-12)
    # and min_share applies to the scored table too: drop q2 of unit d -> its Q and I are missing
    out = ag.aggregate(new.assign(q2=[5.0, 6.0, 7.0, NAN]), fw, spec, reference=ref)
    assert np.isnan(out.at["d", "Q"]) and np.isnan(out.at["d", "I"])
    assert not np.isnan(out.loc[["a", "b", "c"], "I"]).any()
