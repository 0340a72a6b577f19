"""Non-compensatory aggregators against their published definitions (issue 14, items 1 and 4).

Copeland (OECD/JRC Handbook 2008; COINr ``a_copeland``): score = Σ_j sign(e_ij − ½), e_ij the weighted
share of the indicators both units have on which i beats j, ties counting ½. MPI (De Muro, Mazziotta &
Pareto 2011): z = 100 + 10·(x − mean)/sd with the population sd, then M − S·cv per unit (population sd
over the indicators). AMPI (Mazziotta & Pareto 2016): r = 70 + 60·(x − (Ref − Δ))/(2Δ), then the same.
Expected values are worked out by hand in the comments (exact fractions) or by a brute-force reading
of the definition with exact rational arithmetic, never by the code under test.
"""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from analysis import InputError
from analysis import aggregate as ag

NAN = np.nan


# --- Copeland -------------------------------------------------------------------------------------

def _copeland_exact(X, w):
    """The definition read literally, with exact fractions (integer weights): a reference, not the code."""
    n, k = X.shape
    out = []
    for i in range(n):
        if np.isnan(X[i]).all():
            out.append(NAN)
            continue
        s = 0
        for j in range(n):
            if j == i or np.isnan(X[j]).all():
                continue
            common = [c for c in range(k) if not np.isnan(X[i, c]) and not np.isnan(X[j, c])]
            tot = sum(Fraction(int(w[c])) for c in common)
            if tot == 0:
                continue
            e = sum(Fraction(int(w[c])) * (1 if X[i, c] > X[j, c] else Fraction(1, 2) if X[i, c] == X[j, c] else 0)
                    for c in common) / tot
            s += (e > Fraction(1, 2)) - (e < Fraction(1, 2))
        out.append(float(s))
    return np.array(out)


def test_copeland_issue_example_wins_minus_losses():
    # [10, 10, 0] vs [6, 6, 6]: e = 2/3 -> the first wins. Both beat [5, 5, 5] (e = 2/3 and 1).
    # The old weighted Borda count gave 2/3 + 2/3 = 4/3 and 1/3 + 1 = 4/3 (a tie); Copeland gives 2, 0, -2.
    X = np.array([[10.0, 10.0, 0.0], [6.0, 6.0, 6.0], [5.0, 5.0, 5.0]])
    np.testing.assert_array_equal(ag.copeland(X, np.ones(3)), [2.0, 0.0, -2.0])


def test_copeland_ties_count_half():
    # A = [1, 2], B = [1, 1], C = [0, 3], equal weights.
    # A-B: tie on 1, A wins 2 -> e_AB = 1/2·1/2 + 1/2 = 3/4 -> A +1, B -1
    # A-C: A wins 1, C wins 2 -> e = 1/2 -> 0 ;  B-C: B wins 1, C wins 2 -> 0
    X = np.array([[1.0, 2.0], [1.0, 1.0], [0.0, 3.0]])
    np.testing.assert_array_equal(ag.copeland(X, np.ones(2)), [1.0, -1.0, 0.0])
    # all ties: every e_ij = 1/2, every score 0
    np.testing.assert_array_equal(ag.copeland(np.ones((4, 3)), np.ones(3)), [0.0] * 4)


def test_copeland_weights_decide_the_pair():
    # A = [1, 2], B = [2, 1]: w = (3, 1) -> e_AB = 1/4, B wins; w = (1, 3) -> A wins; w = (1, 1) -> tie
    X = np.array([[1.0, 2.0], [2.0, 1.0]])
    np.testing.assert_array_equal(ag.copeland(X, np.array([3.0, 1.0])), [-1.0, 1.0])
    np.testing.assert_array_equal(ag.copeland(X, np.array([1.0, 3.0])), [1.0, -1.0])
    np.testing.assert_array_equal(ag.copeland(X, np.array([1.0, 1.0])), [0.0, 0.0])
    # a batch of weight vectors gives one column per run
    np.testing.assert_array_equal(ag.copeland(X, np.array([[3.0, 1.0], [1.0, 3.0], [1.0, 1.0]])),
                                  [[-1.0, 1.0, 0.0], [1.0, -1.0, 0.0]])


def test_copeland_missing_values_compare_on_common_indicators():
    # A = [1, -, 5], B = [2, 3, 4], C = [-, 1, 1], w = (1, 1, 2)
    # A-B on {1, 3}: A loses 1 (w 1), wins 3 (w 2) -> e_AB = 2/3 -> A +1, B -1
    # A-C on {3}: A wins -> A +1, C -1 ;  B-C on {2, 3}: B wins both -> B +1, C -1
    # (COINr fills e_BA = 1 - e_AB without renormalising: e_AB = 2/4, a tie, and row order matters)
    X = np.array([[1.0, NAN, 5.0], [2.0, 3.0, 4.0], [NAN, 1.0, 1.0]])
    np.testing.assert_array_equal(ag.copeland(X, np.array([1.0, 1.0, 2.0])), [2.0, 0.0, -2.0])
    # equal weights: A-B is a tie (one win each on the common indicators)
    np.testing.assert_array_equal(ag.copeland(X, np.ones(3)), [1.0, 1.0, -2.0])
    # no indicator in common: a tie; a unit without values gets no score and is not an opponent
    Y = np.array([[1.0, NAN], [NAN, 2.0], [NAN, NAN], [0.0, 0.0]])
    np.testing.assert_array_equal(ag.copeland(Y, np.ones(2)), [1.0, 1.0, NAN, -2.0])


def test_copeland_min_share_removes_units_from_the_tournament():
    X = np.array([[1.0, NAN, NAN], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    np.testing.assert_array_equal(ag.copeland(X, np.ones(3), min_share=0.5), [NAN, -1.0, 1.0])


@pytest.mark.parametrize("block", [4_000_000, 200])
@pytest.mark.parametrize("seed", range(4))
def test_copeland_equals_exact_definition_and_ignores_row_order(seed, block, monkeypatch):
    monkeypatch.setattr(ag, "_BLOCK", block)  # 200: many row blocks and run chunks, as for 514 units
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, (30, 5)).astype(float)  # many ties
    X[rng.random(X.shape) < 0.2] = NAN
    X[7] = NAN
    w = rng.integers(0, 5, 5).astype(float)
    w[0] = max(w[0], 1.0)
    ref = _copeland_exact(X, w)
    got = ag.copeland(X, w)
    np.testing.assert_array_equal(got, ref)
    assert np.all((got[~np.isnan(got)] % 1) == 0)
    perm = rng.permutation(len(X))
    np.testing.assert_array_equal(ag.copeland(X[perm], w), got[perm])
    W = np.vstack([w, rng.integers(1, 5, (3, 5))]).astype(float)
    np.testing.assert_array_equal(ag.copeland(X, W), np.column_stack([_copeland_exact(X, v) for v in W]))
    # float weights that sum to a tie only up to rounding (0.1 + 0.2 vs 0.3) still tie
    Z = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(ag.copeland(Z, np.array([0.1, 0.2, 0.3])), [0.0, 0.0])


def test_copeland_batch_and_per_run_inputs_equal_the_loop():
    rng = np.random.default_rng(5)
    X = np.round(rng.normal(size=(25, 6)), 1)
    X[rng.random(X.shape) < 0.15] = NAN
    W = rng.dirichlet(np.ones(6), 9)
    B = ag.copeland(X, W)
    X3 = np.stack([X + rng.normal(scale=0.05, size=X.shape) for _ in range(9)], axis=2)
    B3 = ag.copeland(X3, W)
    for r in range(9):
        np.testing.assert_array_equal(B[:, r], ag.copeland(X, W[r]))
        np.testing.assert_array_equal(B3[:, r], ag.copeland(X3[:, :, r], W[r]))


# --- Mazziotta–Pareto -----------------------------------------------------------------------------

# Three indicators over four units whose population sd is 1 (sample sd would be sqrt(4/3)):
# c1 = [0, 0, 2, 2] -> z = [90, 90, 110, 110]; c2 = [2, 0, 2, 0] -> [110, 90, 110, 90];
# c3 = [4, 0, 0, 4] (mean 2, sd 2) -> [110, 90, 90, 110].
MPI_X = np.array([[0.0, 2.0, 4.0], [0.0, 0.0, 0.0], [2.0, 2.0, 0.0], [2.0, 0.0, 4.0]])
# per unit z: u1 [90, 110, 110], u2 [90, 90, 90], u3 [110, 110, 90], u4 [110, 90, 110]
# u1: M = 310/3, S² = ((−40/3)² + 2·(20/3)²)/3 = 800/9 ; u2: M = 90, S = 0 ; u3, u4: M = 310/3, S² = 800/9
_M, _S2 = Fraction(310, 3), Fraction(800, 9)
MPI_MINUS = [float(_M - _S2 / _M), 90.0, float(_M - _S2 / _M), float(_M - _S2 / _M)]
MPI_PLUS = [float(_M + _S2 / _M), 90.0, float(_M + _S2 / _M), float(_M + _S2 / _M)]


def test_mpi_hand_computed_negative_penalty_for_a_positive_index():
    np.testing.assert_allclose(ag.mazziotta_pareto(MPI_X, np.ones(3)), MPI_MINUS, rtol=1e-13)
    # 103.333 - 0.860 = 102.473: the balanced-but-low unit u2 stays at 90
    assert ag.mazziotta_pareto(MPI_X, np.ones(3))[0] == pytest.approx(102.4731182795699, rel=1e-12)


def test_mpi_positive_penalty_for_a_negative_index():
    np.testing.assert_allclose(ag.mazziotta_pareto(MPI_X, np.ones(3), polarity=-1), MPI_PLUS, rtol=1e-13)


def test_mpi_weighted_mean_and_population_sd():
    # w = (2, 1, 1), u1 z = [90, 110, 110]: M = (180 + 220)/4 = 100, S² = (2·100 + 100 + 100)/4 = 100
    # MPI = 100 − 100/100 = 99 ; u3 z = [110, 110, 90]: M = 105, S² = (2·25 + 25 + 225)/4 = 75 -> 105 − 75/105
    out = ag.mazziotta_pareto(MPI_X, np.array([2.0, 1.0, 1.0]))
    np.testing.assert_allclose(out[[0, 1, 2]], [99.0, 90.0, 105.0 - 75.0 / 105.0], rtol=1e-13)


def test_mpi_is_invariant_to_affine_normalisation_upstream():
    rng = np.random.default_rng(3)
    X = rng.lognormal(1, 0.5, (40, 5))
    X[rng.random(X.shape) < 0.1] = NAN
    w = rng.uniform(0.5, 2, 5)
    base = ag.mazziotta_pareto(X, w)
    for a, b in ((1.0, 0.0), (100.0, -3.0), (0.01, 50.0)):
        np.testing.assert_allclose(ag.mazziotta_pareto(a * X + b, w), base, rtol=1e-12)
    # z-scores around 0 give the same MPI as the 100 ± 10 scores: the aggregator standardises itself
    z = (X - np.nanmean(X, 0)) / np.nanstd(X, 0)
    np.testing.assert_allclose(ag.mazziotta_pareto(z, w), ag.mazziotta_pareto(100 + 10 * z, w), rtol=1e-12)


def test_mpi_missing_values():
    # c1 = [0, -, 2, 1]: mean 1, population sd sqrt(2/3) ; c2 = [0, 0, 2, 2]: z = [90, 90, 110, 110]
    X = np.array([[0.0, 0.0], [NAN, 0.0], [2.0, 2.0], [1.0, 2.0]])
    s = np.sqrt(2 / 3)
    z1 = [100 - 10 / s, NAN, 100 + 10 / s, 100.0]
    z2 = [90.0, 90.0, 110.0, 110.0]
    exp = []
    for a, b in zip(z1, z2):
        if np.isnan(a):
            exp.append(b)  # only one child: S = 0
            continue
        M, S2 = (a + b) / 2, ((a - b) / 2) ** 2
        exp.append(M - S2 / M)
    np.testing.assert_allclose(ag.mazziotta_pareto(X, np.ones(2)), exp, rtol=1e-13)
    out = ag.mazziotta_pareto(X, np.ones(2), min_share=0.75)
    assert np.isnan(out[1]) and not np.isnan(out[[0, 2, 3]]).any()


def test_mpi_refuses_inputs_that_break_its_assumptions():
    with pytest.raises(InputError, match="same value for every unit") as e:
        ag.mazziotta_pareto(np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]]), np.ones(2))
    assert "\n" not in str(e.value) and "child number 2" in str(e.value)
    with pytest.raises(InputError, match="fewer than two"):
        ag.mazziotta_pareto(np.array([[1.0, 5.0], [2.0, NAN], [3.0, NAN]]), np.ones(2))
    # 101 units at 0 and one at −1: that unit's z = 100 − 10·sqrt(101) < 0 on both children, so M <= 0
    X = np.vstack([np.zeros((101, 2)), [[-1.0, -1.0]]])
    with pytest.raises(InputError, match="unit number 102 .* <= 0") as e:
        ag.mazziotta_pareto(X, np.ones(2))
    assert "\n" not in str(e.value)


def test_mpi_batch_and_per_run_inputs_equal_the_loop():
    rng = np.random.default_rng(8)
    X = rng.normal(50, 10, (30, 4))
    X[rng.random(X.shape) < 0.1] = NAN
    W = rng.dirichlet(np.ones(4), 6)
    X3 = np.stack([X * rng.uniform(0.5, 2) + rng.normal(size=X.shape) for _ in range(6)], axis=2)
    for f in (ag.mazziotta_pareto, ag.ampi):
        B, B3 = f(X, W), f(X3, W)
        for r in range(6):
            np.testing.assert_allclose(B[:, r], f(X, W[r]), rtol=1e-13)
            np.testing.assert_allclose(B3[:, r], f(X3[:, :, r], W[r]), rtol=1e-13)


# --- Adjusted MPI ---------------------------------------------------------------------------------

# c1 = [0, 10, 20, 30]: Ref = mean 15, Inf 0, Sup 30, Δ = 15 -> Min 0, Max 30 -> r = [70, 90, 110, 130]
# c2 = [10, 10, 10, 40]: Ref 17.5, Δ = 15 -> Min 2.5, Max 32.5 -> r = 70 + 2·(x − 2.5) = [85, 85, 85, 145]
AMPI_X = np.array([[0.0, 10.0], [10.0, 10.0], [20.0, 10.0], [30.0, 40.0]])
_R = [(70, 85), (90, 85), (110, 85), (130, 145)]


def _mc(a, b):  # mean and population variance of two values
    return (a + b) / 2, ((a - b) / 2) ** 2


def test_ampi_hand_computed_with_data_goalposts():
    exp_minus = [m - s2 / m for m, s2 in (_mc(a, b) for a, b in _R)]
    exp_plus = [m + s2 / m for m, s2 in (_mc(a, b) for a, b in _R)]
    np.testing.assert_allclose(ag.ampi(AMPI_X, np.ones(2)), exp_minus, rtol=1e-13)
    np.testing.assert_allclose(ag.ampi(AMPI_X, np.ones(2), polarity=-1), exp_plus, rtol=1e-13)
    # u1: r = [70, 85] -> M = 77.5, S = 7.5, AMPI− = 77.5 − 56.25/77.5
    assert ag.ampi(AMPI_X, np.ones(2))[0] == pytest.approx(77.5 - 56.25 / 77.5, rel=1e-13)


def test_ampi_fixed_goalposts_make_a_unit_independent_of_the_others():
    gp = (np.array([15.0, 17.5]), np.array([0.0, 10.0]), np.array([30.0, 40.0]))
    full = ag.ampi(AMPI_X, np.ones(2), goalposts=gp)
    np.testing.assert_allclose(full, ag.ampi(AMPI_X, np.ones(2)), rtol=1e-13)  # same goalposts as the data
    # a later period: the same unit values give the same AMPI whatever the other units do
    later = np.vstack([AMPI_X[:2], [[100.0, -50.0], [5.0, 5.0]]])
    np.testing.assert_allclose(ag.ampi(later, np.ones(2), goalposts=gp)[:2], full[:2], rtol=1e-13)


def test_ampi_refusals():
    with pytest.raises(InputError, match="span nothing"):
        ag.ampi(np.array([[1.0, 2.0], [1.0, 3.0]]), np.ones(2))
    gp = (np.array([100.0, 100.0]), np.array([90.0, 90.0]), np.array([110.0, 110.0]))
    with pytest.raises(InputError, match="<= 0"):  # r = 70 + 3·(x − 90) <= 0 for x far below the goalposts
        ag.ampi(np.array([[0.0, 0.0], [100.0, 100.0]]), np.ones(2), goalposts=gp)


# --- registry and the engine's copy ---------------------------------------------------------------

def test_ampi_is_registered_and_validated_by_the_spec_schema():
    assert "ampi" in ag.AGGREGATORS and ag.canonical("AMPI") == "ampi"
    from analysis.schemas import spec as schema

    assert "ampi" in schema.AGGREGATION_METHODS


METHODS = ["arithmetic", "geometric", "harmonic", "mazziotta_pareto", "ampi", "copeland"]


def _toy_engine():
    from analysis.framework import Framework, Node
    from analysis.uncertainty import Engine

    nodes = [Node("I", None, 1.0, False)]
    for d in range(3):
        nodes.append(Node(f"D{d}", "I", 1.0, False))
        for i in range(3):
            nodes.append(Node(f"x{d}{i}", f"D{d}", 1.0, True, direction=1 if i != 1 else -1))
    fw = Framework(nodes)
    rng = np.random.default_rng(11)
    df = pd.DataFrame(rng.lognormal(2, 0.6, (30, 9)), columns=fw.indicators)
    df.insert(0, "uCode", [f"u{i:02d}" for i in range(30)])
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}}
    return fw, Engine(fw, df, spec, {"factors": []})


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_engine_aggregation_equals_aggregate(method, missing):
    fw, eng = _toy_engine()
    rng = np.random.default_rng(hash(method) % 2**32)
    Xn = eng.nominal.normalised[fw.indicators].to_numpy(dtype=float).copy()
    Xn = np.round(Xn, 0)  # ties for Copeland
    if missing:
        Xn[rng.random(Xn.shape) < 0.1] = NAN
    W = rng.uniform(0.1, 3.0, (7, len(eng.nodes)))
    norm = pd.DataFrame(Xn, columns=fw.indicators)
    for spec in ({"method": method}, {"method": "arithmetic", "by_level": {3: method}},
                 {"method": method, "by_level": {3: "arithmetic"}}):
        for want in (None, [fw.root]):
            got = eng.aggregate_runs(Xn, W, spec, want=want)
            for r in range(len(W)):
                ref = ag.aggregate(norm, fw, spec, weights=dict(zip(eng.nodes, W[r])))
                for code in (want or fw.aggregates):
                    np.testing.assert_allclose(got[code][:, r], ref[code].to_numpy(), rtol=1e-12, atol=1e-12,
                                               err_msg=f"{method} {spec} node {code} run {r}")


# --- frozen yardstick: baseline / reference year --------------------------------------------------

def _toy_build(method, years=None, seed=2):
    from analysis.framework import Framework, Node

    nodes = [Node("I", None, 1.0, False), Node("A", "I", 1.0, False), Node("B", "I", 2.0, False)]
    nodes += [Node(c, p, 1.0 + i, True) for i, (c, p) in enumerate([("a1", "A"), ("a2", "A"), ("b1", "B"),
                                                                     ("b2", "B")])]
    fw = Framework(nodes)
    rng = np.random.default_rng(seed)
    n = 12
    frames = []
    for y in years or [None]:
        df = pd.DataFrame(rng.lognormal(2, 0.5, (n, 4)), columns=fw.indicators)
        df.insert(0, "uCode", [f"u{i:02d}" for i in range(n)])
        if y is not None:
            df.insert(1, "year", y)
        frames.append(df)
    return fw, pd.concat(frames, ignore_index=True), {"aggregate": {"method": method}}


@pytest.mark.parametrize("method", ["mazziotta_pareto", "ampi"])
def test_reference_identity_and_frozen_scenario_scoring(method):
    from analysis import build
    from analysis.scenario import Baseline

    fw, df, spec = _toy_build(method)
    res = build(fw, df, spec)
    norm = res.normalised[fw.indicators]
    np.testing.assert_allclose(ag.aggregate(norm, fw, spec["aggregate"], reference=norm).to_numpy(),
                               res.aggregates.to_numpy(), rtol=1e-13)
    b = Baseline(res)
    # one unit scored alone on the frozen yardstick: its unchanged values give its baseline score
    # (before: the standardisation ran over that single row and was refused)
    for code in ("u00", "u05"):
        assert b.score_row(code, b.raw.loc[code])[fw.root] == pytest.approx(res.aggregates.at[code, fw.root],
                                                                            rel=1e-12)
    # a better value on one indicator raises the unit's frozen score
    row = b.raw.loc["u05"].copy()
    row["b1"] *= 1.5
    assert b.score_row("u05", row)[fw.root] > res.aggregates.at["u05", fw.root]


def test_ampi_reference_year_goalposts_make_years_comparable():
    from analysis import build

    fw, df, spec = _toy_build("ampi", years=[2023, 2024])
    # unit u03 has the same raw values in both years; the other units change
    df.loc[(df.uCode == "u03") & (df.year == 2024), fw.indicators] = \
        df.loc[(df.uCode == "u03") & (df.year == 2023), fw.indicators].to_numpy()
    spec = {**spec, "normalise": {"method": "minmax", "reference_year": 2023}}
    res = build(fw, df, spec)
    idx = res.aggregates[fw.root]
    assert idx.loc[("u03", 2024)] == pytest.approx(idx.loc[("u03", 2023)], rel=1e-12)
    # without a reference year each year is rescaled on itself and the same values score differently
    res2 = build(fw, df, {**spec, "normalise": {"method": "minmax"}})
    idx2 = res2.aggregates[fw.root]
    assert abs(idx2.loc[("u03", 2024)] - idx2.loc[("u03", 2023)]) > 1e-6
