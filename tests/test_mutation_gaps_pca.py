"""Tests written because mutants of ``weights/pca.py``, ``weights/derive.py`` and ``weights/ahp.py`` survived.

Every expected value comes from an independent reference, never from the function's own output:

- varimax: Kaiser's (1958) closed form for two factors. With ``u_j = x_j² − y_j²``, ``v_j = 2 x_j y_j``
  (rows of the loading matrix, Kaiser-normalised or not), ``A = Σu``, ``B = Σv``, ``C = Σ(u² − v²)``,
  ``D = 2 Σ u v``, the criterion is maximised by the rotation angle
  ``tan 4φ = (D − 2AB/p) / (C − (A² − B²)/p)`` (Kaiser H.F. (1958) The varimax criterion for analytic
  rotation in factor analysis. *Psychometrika* 23(3):187–200; Harman (1976) *Modern Factor Analysis*
  §14.4).
- PCA: correlation matrices with known eigen-structure (two variables: eigenvalues ``1 ± r`` and
  eigenvectors ``(1, ±1)/√2``; an equicorrelation matrix with a sign flip), KMO = 1/2 for two
  variables (the partial correlation equals the correlation), Bartlett's χ² with ``|R| = 1 − r²``,
  eigenpairs checked by ``R v = λ v`` (a property, not a re-computation).
- AHP: Saaty's random index table (Saaty 1980; R.W. Saaty 1987), the GCI thresholds of Aguarón &
  Moreno-Jiménez (2003) and hand-worked matrices (a consistent matrix has ``a_ij = w_i / w_j`` and
  priorities ``w``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from analysis import InputError

from .test_mutation_gaps_weights import _exact_corr

# --- helpers ---------------------------------------------------------------------------------------------




def _kaiser_two_factors(L: np.ndarray, normalize: bool = True) -> np.ndarray:
    """Varimax of a p × 2 loading matrix by Kaiser's (1958) closed-form rotation angle."""
    L = np.asarray(L, dtype=float)
    h = np.sqrt((L ** 2).sum(axis=1)) if normalize else np.ones(len(L))
    h = np.where(h == 0, 1.0, h)
    x, y = L[:, 0] / h, L[:, 1] / h
    u, v = x * x - y * y, 2 * x * y
    p = len(L)
    A, B, C, D = u.sum(), v.sum(), (u * u - v * v).sum(), 2 * (u * v).sum()
    phi = math.atan2(D - 2 * A * B / p, C - (A * A - B * B) / p) / 4
    c, s = math.cos(phi), math.sin(phi)
    return np.column_stack([x * c + y * s, -x * s + y * c]) * h[:, None]


def _distance_up_to_order_and_sign(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference between two loading matrices after the best column permutation and signs."""
    k = a.shape[1]
    best = math.inf
    for perm in itertools.permutations(range(k)):
        for signs in itertools.product((1.0, -1.0), repeat=k):
            best = min(best, float(np.abs(a - b[:, perm] * np.array(signs)).max()))
    return best


# --- varimax ---------------------------------------------------------------------------------------------

_L = np.array([[0.8, 0.3], [0.7, 0.5], [0.2, 0.9], [0.3, 0.1], [0.6, -0.4]])


def test_varimax_matches_kaisers_closed_form_with_and_without_normalisation():
    from analysis.weights.pca import varimax

    kaiser = _kaiser_two_factors(_L, normalize=True)
    raw = _kaiser_two_factors(_L, normalize=False)
    # the two definitions differ here (rows with very different communalities)
    assert _distance_up_to_order_and_sign(kaiser, raw) > 0.1
    # tol=1e-10 (the default): the closed form to rounding (statsmodels' GPA alone at 1e-5 is ~2e-5 off here)
    assert _distance_up_to_order_and_sign(varimax(_L), kaiser) < 1e-12
    assert _distance_up_to_order_and_sign(varimax(_L, normalize=False), raw) < 1e-12
    # rotation keeps the communalities (row sums of squares)
    np.testing.assert_allclose((varimax(_L, normalize=False) ** 2).sum(axis=1), (_L ** 2).sum(axis=1), atol=1e-12)


def test_varimax_keeps_a_zero_row_and_counts_it():
    """A zero row has no Kaiser weight (it stays 0, no 0/0) but counts in p of the criterion."""
    from analysis.weights.pca import varimax

    Z = np.vstack([_L, [0.0, 0.0]])
    r = varimax(Z)
    assert np.isfinite(r).all() and (r[-1] == 0).all()
    assert _distance_up_to_order_and_sign(r, _kaiser_two_factors(Z)) < 1e-12
    # p = 6, not 5: the angle differs from the one without the zero row
    assert _distance_up_to_order_and_sign(r[:-1], _kaiser_two_factors(_L)) > 1e-3


def _pair_angles(L: np.ndarray, normalize: bool) -> float:
    """How far Kaiser's closed-form rotation moves any pair of columns (0 at a varimax optimum); with Kaiser
    normalisation the rows are scaled by their length over all factors first."""
    h = np.sqrt((L ** 2).sum(axis=1)) if normalize else np.ones(len(L))
    N = L / h[:, None]
    return max(_distance_up_to_order_and_sign(_kaiser_two_factors(N[:, [i, j]], False), N[:, [i, j]])
               for i, j in itertools.combinations(range(L.shape[1]), 2))


@pytest.mark.parametrize("normalize", [True, False])
def test_varimax_of_three_factors_is_stationary_for_every_pair(normalize):
    """At a varimax optimum no pair of factors can be improved: Kaiser's closed-form rotation of each pair
    leaves it where it is. The rotation is orthogonal (L_rot = L T with TᵀT = I)."""
    from analysis.weights.pca import varimax

    L = np.array([[0.7, 0.4, 0.1], [0.8, 0.2, 0.3], [0.6, 0.5, -0.2], [0.2, 0.8, 0.1], [0.3, 0.7, 0.4],
                  [0.1, 0.3, 0.9], [0.4, 0.1, 0.7], [0.5, 0.5, 0.5]])
    r = varimax(L, normalize=normalize)
    assert _pair_angles(r, normalize) < 1e-9
    assert _pair_angles(L, normalize) > 1e-2                   # the input was not a varimax solution
    T = np.linalg.lstsq(L, r, rcond=None)[0]
    np.testing.assert_allclose(T.T @ T, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(L @ T, r, atol=1e-10)
    # a loose tolerance stops the sweeps early: still orthogonal, no longer stationary to 1e-9
    loose = varimax(L, normalize=normalize, tol=0.05)
    assert _pair_angles(loose, normalize) > 1e-9


def test_varimax_reaches_the_optimum_statsmodels_finds():
    """Another implementation: statsmodels' gradient projection (Bernaards & Jennrich 2005) on random 12 × 4
    loadings. The varimax criterion has local optima; from the unrotated start Kaiser's pairwise sweeps
    alone stop at a lower one on the first of these matrices."""
    from statsmodels.multivariate.factor_rotation import rotate_factors

    from analysis.weights.pca import varimax

    def criterion(M):
        N = M / np.sqrt((M ** 2).sum(axis=1))[:, None]
        return ((N ** 4).sum(axis=0) - (N ** 2).sum(axis=0) ** 2 / len(N)).sum()

    rng = np.random.default_rng(0)
    for _ in range(3):
        L = rng.normal(size=(12, 4))
        h = np.sqrt((L ** 2).sum(axis=1))
        ref = rotate_factors(L / h[:, None], "varimax", tol=1e-6)[0] * h[:, None]
        r = varimax(L)
        assert criterion(r) >= criterion(ref) - 1e-9
        assert _distance_up_to_order_and_sign(r, ref) < 1e-4


def test_varimax_of_one_factor_is_a_copy():
    from analysis.weights.pca import varimax

    L = np.array([[0.5], [-0.7], [0.2]])
    r = varimax(L)
    np.testing.assert_array_equal(r, L)
    assert r is not L


# --- _tidy_factors ---------------------------------------------------------------------------------------

def test_tidy_factors_orders_by_explained_variance_and_makes_the_largest_loading_positive():
    from analysis.weights.pca import _tidy_factors

    L = np.array([[0.2, -0.9], [0.1, -0.8], [0.7, 0.1]])
    # sums of squares: 0.54 and 1.46 -> the second column first; its largest |loading| (−0.9) is made
    # positive; the first column's largest (0.7) already is
    want = np.array([[0.9, 0.2], [0.8, 0.1], [-0.1, 0.7]])
    np.testing.assert_allclose(_tidy_factors(L), want, atol=1e-15)
    # already tidy: unchanged
    np.testing.assert_allclose(_tidy_factors(want), want, atol=1e-15)
    # the sign follows the largest |loading|, not the first row: 0.9 stays, −0.8 is turned
    L = np.array([[-0.1, 0.3], [0.9, 0.2], [0.5, -0.8]])
    np.testing.assert_allclose(_tidy_factors(L), [[-0.1, -0.3], [0.9, -0.2], [0.5, 0.8]], atol=1e-15)


# --- pca / pc1 -------------------------------------------------------------------------------------------

_BASE3 = np.array([[1.0, 0.6, 0.5], [0.6, 1.0, 0.4], [0.5, 0.4, 1.0]])


@pytest.mark.parametrize("signs", [(1, 1, 1), (1, 1, -1), (1, -1, -1), (-1, 1, 1)])
def test_pca_eigenpairs_descending_with_positive_column_sums(signs):
    """``pca`` returns eigenpairs of R (``R v = λ v``, orthonormal), descending, each vector's sum positive."""
    from analysis.weights.pca import pca

    D = np.diag(signs).astype(float)
    R = D @ _BASE3 @ D
    X = _exact_corr(R, n=30)
    vals, vecs, n = pca(X)
    assert n == 30
    assert (np.diff(vals) < 0).all()
    np.testing.assert_allclose(R @ vecs, vecs * vals, atol=1e-9)
    np.testing.assert_allclose(vecs.T @ vecs, np.eye(3), atol=1e-9)
    assert (vecs.sum(axis=0) > 0).all()
    # the eigenvalues of D R0 D are those of R0: trace 3, determinant |R0|
    assert vals.sum() == pytest.approx(3.0) and np.prod(vals) == pytest.approx(np.linalg.det(_BASE3))


def test_pc1_loadings_sum_positive_even_when_the_sum_is_below_one():
    """R = D R0 D with D = diag(1, −1, −1), R0 equicorrelation 1/2: PC1 = (1, −1, −1)/√3 (eigenvalue 2),
    whose sum −1/√3 is negative: the sign is turned to (−1, 1, 1)/√3, sum 1/√3 < 1."""
    from analysis.weights import pca_weights

    D = np.diag([1.0, -1.0, -1.0])
    R = D @ (0.5 * np.eye(3) + 0.5) @ D
    r = pca_weights(_exact_corr(R, n=40), "pc1")
    np.testing.assert_allclose(r.weights.to_numpy(), np.array([-1.0, 1.0, 1.0]) / math.sqrt(3), atol=1e-9)
    np.testing.assert_allclose(r.eigenvalues.to_numpy(), [2.0, 0.5, 0.5], atol=1e-9)


def test_pc1_result_fields_of_two_variables_closed_form():
    """Two variables at r = 0.6: eigenvalues 1.6, 0.4; PC1 = (1, 1)/√2; KMO = 1/2 (overall and per
    variable); Bartlett χ² = −(n − 1 − 9/6) ln(1 − r²) with 1 df."""
    from scipy import stats as sps

    from analysis.weights import pca_weights

    n, r = 20, 0.6
    X = _exact_corr(np.array([[1.0, r], [r, 1.0]]), n=n)
    X.columns = ["a", "b"]
    res = pca_weights(X, "pc1")
    np.testing.assert_allclose(res.eigenvalues.to_numpy(), [1.6, 0.4], atol=1e-12)
    assert list(res.eigenvalues.index) == ["PC1", "PC2"]
    np.testing.assert_allclose(res.explained.to_numpy(), [0.8, 0.2], atol=1e-12)
    assert list(res.explained.index) == ["PC1", "PC2"]
    w = 1 / math.sqrt(2)
    np.testing.assert_allclose(res.weights.to_numpy(), [w, w], atol=1e-12)
    assert list(res.weights.index) == ["a", "b"]
    assert list(res.loadings.index) == ["a", "b"] and list(res.loadings.columns) == ["PC1"]
    np.testing.assert_allclose(res.loadings.to_numpy(), [[w], [w]], atol=1e-12)
    assert res.kmo == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(res.kmo_per_variable.to_numpy(), [0.5, 0.5], atol=1e-12)
    assert list(res.kmo_per_variable.index) == ["a", "b"]
    chi2 = -(n - 1 - 9 / 6) * math.log(1 - r * r)
    assert res.bartlett[0] == pytest.approx(chi2, rel=1e-9) and res.bartlett[1] == 1
    assert res.bartlett[2] == pytest.approx(sps.chi2.sf(chi2, 1), rel=1e-9)
    assert res.n == n and res.method == "pc1" and res.assigned is None


def _two_blocks() -> pd.DataFrame:
    """Blocks (3 at ρ = 0.8, 3 at ρ = 0.5): eigenvalues 2.6, 2.0, 0.5, 0.5, 0.2, 0.2 (shares 43.3 %, 33.3 %…)."""
    R = np.eye(6)
    R[:3, :3] = 0.2 * np.eye(3) + 0.8
    R[3:, 3:] = 0.5 * np.eye(3) + 0.5
    return _exact_corr(R)


def test_pca_weights_retention_options_are_used():
    import warnings

    from analysis.weights import pca_weights

    X = _two_blocks()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pca_weights(X).n_factors == 2
        assert pca_weights(X, min_eigen=2.1).n_factors == 1                 # 2.0 is not > 2.1
        assert pca_weights(X, min_share=0.35).n_factors == 1                # 2.0 / 6 = 33 % is not > 35 %
        assert pca_weights(X, min_eigen=0.4, min_share=0.05).n_factors == 4
        # no factor qualifies: the note names the largest eigenvalue and its share (2.6, 43.3 %)
        r = pca_weights(X, min_eigen=3.0)
    assert r.n_factors == 1 and "(largest eigenvalue 2.6, share 43.3%)" in r.notes[0]


def test_pca_weights_cumulative_check_is_strict_and_names_the_rule():
    import warnings

    from analysis import InputWarning
    from analysis.weights import pca_weights

    X = _two_blocks()
    # one factor requested: 2.6 / 6 = 43.3 % < 60 %
    msg = (r"^PCA weights: the 1 kept factor\(s\) \(1 factors as requested\) explain 43\.3% of the variance, "
           r"below the 60% the Handbook uses as a check$")
    with pytest.warns(InputWarning, match=msg):
        r = pca_weights(X, n_factors=1)
    assert r.cumulative == pytest.approx(2.6 / 6) and len(r.notes) == 1
    # "less than": a cumulative share equal to cum_share is enough
    c = r.cumulative
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pca_weights(X, n_factors=1, cum_share=c).notes == []
    with pytest.warns(InputWarning, match="explain 43.3% of the variance, below the 43%"):
        pca_weights(X, n_factors=1, cum_share=float(np.nextafter(c, 1.0)))


def test_pca_weights_unrotated_and_single_factor_loadings_are_scaled_eigenvectors():
    """Without rotation (or with one factor) the loadings are ``v √λ``: ``R L = L Λ``, ``LᵀL = Λ``, and each
    column keeps the eigenvector's sign (sum positive), even when its largest |loading| is negative."""
    import warnings

    from analysis.weights import pca_weights

    D = np.diag([-1.0, 1.0, 1.0])
    R = D @ _BASE3 @ D
    X = _exact_corr(R, n=30)
    lam = np.sort(np.linalg.eigvalsh(R))[::-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = [(pca_weights(X, n_factors=1), 1), (pca_weights(X, n_factors=1, rotate=False), 1),
                 (pca_weights(X, n_factors=2, rotate=False), 2)]
    for r, k in cases:
        L = r.loadings.to_numpy()
        np.testing.assert_allclose(R @ L, L * lam[:k], atol=1e-9)
        np.testing.assert_allclose(L.T @ L, np.diag(lam[:k]), atol=1e-9)
        assert (L.sum(axis=0) > 0).all()
        assert list(r.loadings.index) == ["v0", "v1", "v2"]
    assert cases[0][0].loadings.to_numpy()[0, 0] < 0          # the largest |loading| is negative here
    # rotated two-factor loadings are no longer eigenvectors (varimax moved them)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        L2 = pca_weights(X, n_factors=2).loadings.to_numpy()
    assert np.abs(R @ L2 - L2 * lam[:2]).max() > 1e-3


def test_pca_weights_handbook_reports_kmo_per_variable_closed_form():
    """Block-diagonal R (3 at ρ = 0.8, 3 at ρ = 0.5): partial correlations ρ / (1 + ρ) within a block,
    0 across, so per-variable KMO = 1 / (1 + (1 + ρ)⁻²) and overall Σr² / (Σr² + Σq²)."""
    from analysis.weights import pca_weights

    r = pca_weights(_two_blocks())
    per = [1 / (1 + 1.8 ** -2)] * 3 + [1 / (1 + 1.5 ** -2)] * 3
    np.testing.assert_allclose(r.kmo_per_variable.to_numpy(), per, rtol=1e-9)
    assert list(r.kmo_per_variable.index) == [f"v{i}" for i in range(6)]
    r2, q2 = 6 * 0.64 + 6 * 0.25, 6 * (0.8 / 1.8) ** 2 + 6 * (0.5 / 1.5) ** 2
    assert r.kmo == pytest.approx(r2 / (r2 + q2), rel=1e-9)
    assert list(r.loadings.index) == list(r.weights.index) == [f"v{i}" for i in range(6)]
    assert list(r.scaled.index) == [f"v{i}" for i in range(6)] and list(r.scaled.columns) == ["F1", "F2"]
    assert list(r.factor_share.index) == ["F1", "F2"] and list(r.loadings.columns) == ["F1", "F2"]


def test_kmo_and_bartlett_of_a_duplicated_indicator():
    """b = 2a makes R singular (R = [[1, 1, r], [1, 1, r], [r, r, 1]]): KMO falls back on the Moore–Penrose
    inverse. Worked by hand on the range of R (basis (1, 1, 0)/√2, (0, 0, 1)): R⁺_aa = R⁺_ab = 1/(4(1 − r²)),
    R⁺_ac = −r/(2(1 − r²)), R⁺_cc = 1/(1 − r²), so the anti-image correlations are q_ab = −1 and q_ac = r:
    q² = r² entry by entry and KMO = 1/2 overall and per variable. Bartlett: |R| = 0, χ² = ∞, p = 0, df an int."""
    from analysis.weights import bartlett, kmo

    X = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 4, 6, 8, 10], "c": [1.0, 0, 2, 1, 3]})
    overall, per = kmo(X)
    assert overall == pytest.approx(0.5, abs=1e-9)
    np.testing.assert_allclose(per.to_numpy(), 0.5, atol=1e-9)
    chi2, df, pv = bartlett(X)
    assert chi2 == math.inf and pv == 0.0 and df == 3 and type(df) is int
    df2 = bartlett(_two_blocks())[1]
    assert df2 == 15 and type(df2) is int


# --- AHP: check_matrix -----------------------------------------------------------------------------------

def _refused(A, labels=None, **kw) -> InputError:
    from analysis.weights.ahp import check_matrix

    with pytest.raises(InputError) as ei:
        check_matrix(A, labels, where={"file": "f.yaml", "node": "N"}, **kw)
    assert ei.value.file == "f.yaml" and ei.value.node == "N"
    return ei.value


def test_check_matrix_refusals_are_exact_and_name_file_and_node():
    M3 = [[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]]
    df = pd.DataFrame(M3, index=list("abc"), columns=list("abd"))
    assert _refused(df).message == "matrix row labels ['a', 'b', 'c'] differ from column labels ['a', 'b', 'd']"
    assert _refused([[1, "x"], [1, 1]]).message == "comparison matrix has a non-numeric entry"
    assert _refused([[1, 2], [0.5]]).message == "comparison matrix has a non-numeric entry"      # ragged
    assert _refused([[1, 2, 3], [0.5, 1, 1]]).message == "comparison matrix is not square (shape (2, 3))"
    assert _refused([1, 2, 3]).message == "comparison matrix is not square (shape (3,))"
    assert _refused(M3, ["a", "b"]).message == "2 labels for a 3×3 matrix"
    assert _refused(M3, ["a", "b", "a"]).message == "duplicated labels in the comparison matrix"
    bad = np.array(M3)
    bad[1, 2], bad[2, 1] = np.nan, np.inf
    assert _refused(bad, list("abc")).message == "entry (b, c) is missing or not finite"
    bad = np.array(M3)
    bad[2, 0] = np.inf
    assert _refused(bad, list("abc")).message == "entry (c, a) is missing or not finite"
    bad = np.array(M3)
    bad[2, 1], bad[1, 2] = 0.0, -2.0
    assert _refused(bad, list("abc")).message == "entry (b, c) = -2 is not positive"
    bad[1, 2] = 2.0
    assert _refused(bad, list("abc")).message == "entry (c, b) = 0 is not positive"


def test_check_matrix_diagonal_and_reciprocity_tolerance():
    import warnings

    from analysis.weights.ahp import check_matrix

    # the diagonal may be off by tol = 1e-3 (absolute); the worst entry is named
    ok = [[1.0005, 3], [1 / 3, 0.9995]]
    np.testing.assert_array_equal(check_matrix(ok).to_numpy(), [[1.0, 3], [1 / 3, 1.0]])  # a_ii = 1
    D = [[1.0015, 2, 4], [0.5, 0.997, 2], [0.25, 0.5, 1]]
    assert _refused(D, list("abc")).message == "diagonal entry (b, b) = 0.997, not 1"
    D[1][1] = 1.003
    assert _refused(D, list("abc")).message == "diagonal entry (b, b) = 1.003, not 1"
    # reciprocity: |a_ij a_ji − 1| ≤ tol; 1/3 written as 0.333 passes, 0.332 does not
    assert check_matrix([[1, 3], [0.333, 1]]).iloc[1, 0] == 0.333
    assert _refused([[1, 3], [0.332, 1]], ["x", "y"]).message == (
        "matrix is not reciprocal: a[x,y] = 3 but a[y,x] = 0.332 (should be 0.333333)")
    # the largest violation is named
    R = [[1, 2, 4], [0.5, 1, 3], [0.25, 0.5, 1]]      # a_bc · a_cb = 1.5, a_ac · a_ca = 1
    R[0][2] = 5.0                                     # a_ac · a_ca = 1.25 < 1.5
    assert _refused(R, list("abc")).message == (
        "matrix is not reciprocal: a[b,c] = 3 but a[c,b] = 0.5 (should be 0.333333)")
    # the diagonal tolerance is absolute only (no relative part): 1.001005 is refused
    assert _refused([[1.001005, 3], [1 / 3, 1]], ["x", "y"]).message == "diagonal entry (x, x) = 1.001, not 1"
    # "within tol" includes tol itself: 3 · 0.5 − 1 = 0.5 exactly, and 9.5 = 9 + tol is still on the scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_matrix([[1, 3], [0.5, 1]], tol=0.5)
        check_matrix([[1, 9.5], [1 / 9.5, 1]], tol=0.5)
    # a looser tolerance accepts rounder judgements
    check_matrix([[1, 3], [0.33, 1]], tol=0.02)
    with pytest.raises(InputError):
        check_matrix([[1, 3], [0.33, 1]])
    with pytest.raises(InputError):
        check_matrix([[1.02, 3], [1 / 3, 1]])
    check_matrix([[1.02, 3], [1 / 3, 1]], tol=0.05)


def test_check_matrix_labels_and_saaty_scale_warning():
    import warnings

    from analysis import InputWarning
    from analysis.weights.ahp import check_matrix

    M = [[1, 9, 4], [1 / 9, 1, 0.5], [0.25, 2, 1]]
    df = pd.DataFrame(M, index=list("xyz"), columns=list("xyz"))
    r = check_matrix(df)
    assert list(r.index) == list("xyz") and list(r.columns) == list("xyz")
    assert r.to_numpy().dtype == float
    # explicit labels win over a DataFrame's (whose columns are then not compared)
    r = check_matrix(pd.DataFrame(M, index=list("xyz"), columns=list("uvw")), ["p", "q", "r"])
    assert list(r.index) == ["p", "q", "r"] and list(r.columns) == ["p", "q", "r"]
    assert list(check_matrix(M).index) == [0, 1, 2]
    # 9 (and 9 + tol) is on the scale: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_matrix(M)
        check_matrix([[1, 9.0009], [1 / 9.0009, 1]])
    with pytest.warns(InputWarning, match="^matrix: judgement 9.002 is beyond Saaty's 1–9 scale$"):
        check_matrix([[1, 9.002], [1 / 9.002, 1]])
    with pytest.warns(InputWarning, match="^GOV: judgement 12 is beyond Saaty's 1–9 scale$"):
        check_matrix([[1, 1 / 12], [12, 1]], where={"node": "GOV"})


# --- AHP: priorities, ahp --------------------------------------------------------------------------------

def test_priorities_of_hand_worked_matrices():
    from analysis.weights.ahp import priorities

    # consistent: a_ij = w_i / w_j, both methods return w exactly
    w = np.array([0.5, 0.3, 0.15, 0.05])
    A = w[:, None] / w[None, :]
    for m in ("eigen", "eigenvector", "geometric", "geometric_mean", "rgm", "rgmm"):
        np.testing.assert_allclose(priorities(A, m), w, rtol=1e-12)
    # 3×3 inconsistent [[1, 2, 8], [1/2, 1, 2], [1/8, 1/2, 1]]: row geometric means 16^(1/3), 1, 1/16^(1/3)
    B = [[1, 2, 8], [0.5, 1, 2], [0.125, 0.5, 1]]
    g = np.array([16 ** (1 / 3), 1.0, 16 ** (-1 / 3)])
    np.testing.assert_allclose(priorities(B, "geometric"), g / g.sum(), rtol=1e-12)
    # for a 3×3 reciprocal matrix the Perron vector is the row geometric mean as well (Saaty 1980)
    np.testing.assert_allclose(priorities(B), g / g.sum(), rtol=1e-10)
    # a 4×4 whose eigenvector differs from the geometric mean: check A v = λ_max v with v > 0, Σv = 1
    C = np.array([[1, 5, 6, 7], [1 / 5, 1, 4, 6], [1 / 6, 1 / 4, 1, 4], [1 / 7, 1 / 6, 1 / 4, 1]])
    v = priorities(C)
    lam = (C @ v / v).mean()
    np.testing.assert_allclose(C @ v, lam * v, rtol=1e-10)
    assert (v > 0).all() and v.sum() == pytest.approx(1.0) and lam == pytest.approx(4.39, abs=0.005)
    assert np.abs(v - priorities(C, "geometric")).max() > 1e-3
    with pytest.raises(InputError) as ei:
        priorities(C, "mean")
    assert ei.value.message == "unknown AHP priority method 'mean' (use eigen or geometric)"


def test_ahp_result_fields_by_method():
    from analysis.weights import ahp

    B = [[1, 2, 8], [0.5, 1, 2], [0.125, 0.5, 1]]
    g = np.array([16 ** (1 / 3), 1.0, 16 ** (-1 / 3)])
    # ρ = a c / b = 2·2/8 = 1/2: λ_max = 1 + ρ^{1/3} + ρ^{−1/3}; GCI = ln²ρ / 3
    rho = 0.5
    lam = 1 + rho ** (1 / 3) + rho ** (-1 / 3)
    e = ahp(B, ["x", "y", "z"], node="N", warn=False)
    assert list(e.weights.index) == ["x", "y", "z"]
    np.testing.assert_allclose(e.weights.to_numpy(), g / g.sum(), rtol=1e-10)
    assert e.lambda_max == pytest.approx(lam, rel=1e-10)
    assert e.ci == pytest.approx((lam - 3) / 2, rel=1e-9) and e.cr == pytest.approx((lam - 3) / 2 / 0.58, rel=1e-9)
    assert math.isnan(e.gci) and e.measure == "CR" and e.method == "eigen" and e.node == "N"
    # every judgement of a 3×3 is off by the same |ln ρ| / 3: the first pair is named
    assert e.worst_pair == ("x", "y") and list(e.matrix.index) == ["x", "y", "z"]
    q = ahp(B, ["x", "y", "z"], method="geometric", warn=False)
    np.testing.assert_allclose(q.weights.to_numpy(), g / g.sum(), rtol=1e-12)
    assert math.isnan(q.lambda_max) and math.isnan(q.ci) and math.isnan(q.cr)
    assert q.gci == pytest.approx(math.log(rho) ** 2 / 3, rel=1e-12) and q.measure == "GCI"
    assert q.method == "geometric" and q.node is None and q.threshold == 0.31
    # "rgmm/aij"-style names count as geometric too (group results append the aggregation)
    assert ahp(B, method="rgmm", warn=False).measure == "GCI"


def test_ahp_warns_with_node_or_matrix_and_stays_silent_when_asked():
    import warnings

    from analysis import InputWarning
    from analysis.weights import ahp

    A = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.warns(InputWarning, match=r"^node 'GOV': consistency ratio"):
        ahp(A, node="GOV")
    with pytest.warns(InputWarning, match=r"^matrix: consistency ratio"):
        ahp(A)
    with pytest.warns(InputWarning, match=r"^matrix: geometric consistency index"):
        ahp(A, method="geometric")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ahp(A, warn=False)
    with pytest.raises(InputError) as ei:
        ahp([[1, 2], [2, 1]], ["a", "b"], node="GOV", file="w.yaml")
    assert ei.value.node == "GOV" and ei.value.file == "w.yaml"


@pytest.mark.parametrize("n, want", [(1, math.nan), (2, math.nan), (3, 0.31), (4, 0.35), (5, 0.37), (6, 0.37),
                                     (10, 0.37), (40, 0.37)])
def test_gci_threshold_of_aguaron_moreno_jimenez(n, want):
    from analysis.weights.ahp import gci_threshold

    got = gci_threshold(n)
    assert (math.isnan(got) and math.isnan(want)) or got == want


# --- derive.weight_sets ----------------------------------------------------------------------------------

def _positive_panel(n: int = 30):
    """Two years on I = D0 (x00, x01, x02) + D1 (x10, x11); each group shares a common factor, so every
    correlation within a group is positive (the first principal component loads positively)."""
    from analysis import build
    from analysis.framework import Framework, Node

    nodes = [Node("I", None, 1.0, False), Node("D0", "I", 1.0, False), Node("D1", "I", 1.0, False)]
    nodes += [Node(c, "D0", 1.0, True) for c in ("x00", "x01", "x02")]
    nodes += [Node(c, "D1", 1.0, True) for c in ("x10", "x11")]
    fw = Framework(nodes, "t")
    rng = np.random.default_rng(11)
    frames = []
    for year, load in ((2024, (1.0, 2.0, 0.5)), (2025, (0.3, 1.0, 3.0))):
        f0, f1 = rng.normal(size=n), rng.normal(size=n)
        X = np.column_stack([a * f0 + rng.normal(size=n) for a in load]
                            + [f1 + 0.5 * rng.normal(size=n) for _ in range(2)])
        df = pd.DataFrame(X, columns=fw.indicators)
        df.insert(0, "uCode", [f"u{i:02d}" for i in range(n)])
        df.insert(1, "Year", year)
        frames.append(df)
    return build(fw, pd.concat(frames, ignore_index=True), {"normalise": {"method": "minmax", "range": [0, 100]}})


def _shannon_weights(Z: np.ndarray) -> np.ndarray:
    Z = (Z - Z.min(0)) / (Z.max(0) - Z.min(0))
    P = Z / Z.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.where(P > 0, P * np.log(P), 0.0).sum(0) / np.log(len(Z))
    return (1 - e) / (1 - e).sum()


def test_weight_sets_entropy_and_pc1_of_the_chosen_year():
    import warnings

    from analysis.weights.derive import weight_sets

    res = _positive_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sets, details = weight_sets(res, ("entropy", "pca_pc1"), year=2024)
    assert list(sets) == ["entropy", "pca_pc1"] and details == {}
    T = res.normalised.xs(2024, level="Year")
    Z = T[["x00", "x01", "x02"]].to_numpy(float)
    np.testing.assert_allclose(sets["entropy"][["x00", "x01", "x02"]], _shannon_weights(Z), rtol=1e-10)
    # pc1: two positively correlated indicators load (1, 1)/√2 -> ½ each within D1
    np.testing.assert_allclose(sets["pca_pc1"][["x10", "x11"]], [0.5, 0.5], rtol=1e-10)
    # D0: an eigenvector of that year's correlation matrix for its largest eigenvalue, positive, summing to 1
    w = sets["pca_pc1"][["x00", "x01", "x02"]].to_numpy()
    R = np.corrcoef(Z, rowvar=False)
    lam = np.linalg.eigvalsh(R).max()
    np.testing.assert_allclose(R @ w, lam * w, rtol=1e-9)
    assert (w > 0).all() and w.sum() == pytest.approx(1.0)


def test_weight_sets_bod_keeps_positive_columns_and_reads_missing_as_zero():
    """BoD scores (Cherchye et al. 2007): unit c maximises Σ w_i y_ci subject to Σ w_i y_di ≤ 1 for every
    unit d, w ≥ 0 (solved here with SciPy's linprog). Columns whose minimum is positive are used as they
    are (no shift to 0), and a missing value counts as 0."""
    import warnings

    from scipy.optimize import linprog

    from analysis import build
    from analysis.framework import Framework, Node
    from analysis.weights.derive import weight_sets

    nodes = [Node("I", None, 1.0, False)] + [Node(c, "I", 1.0, True) for c in ("a", "b", "c")]
    rng = np.random.default_rng(6)
    data = pd.DataFrame(rng.uniform(1, 10, (12, 3)), columns=["a", "b", "c"])
    data.iloc[0, 0] = np.nan            # here reading it as 1 instead of 0 would move scores by 2.3 points
    data.insert(0, "uCode", [f"u{i:02d}" for i in range(12)])
    res = build(Framework(nodes, "t"), data, {"normalise": {"method": "minmax", "range": [0.5, 10]}})
    T = res.normalised[["a", "b", "c"]]
    assert T.isna().to_numpy().sum() == 1 and (T.min() == 0.5).all()
    Y = T.fillna(0.0).to_numpy(float)
    want = [-linprog(-Y[c], A_ub=Y, b_ub=np.ones(len(Y)), bounds=(0, None), method="highs").fun
            for c in range(len(Y))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sets, details = weight_sets(res, ("bod",))
    np.testing.assert_allclose(sets["bod"].to_numpy(), 100 * np.array(want), rtol=1e-6, atol=1e-6)


def test_derive_weights_passes_options_to_the_method():
    """One group of six indicators with two exact correlation blocks (eigenvalues 2.6 and 2.0 kept):
    Handbook weights 2.6/4.6/3 and 2.0/4.6/3; with ``max_factors=1`` only the first block's factor
    (eigenvector (1, 1, 1, 0, 0, 0)/√3) is kept, so the second block gets no weight."""
    from analysis import build
    from analysis.framework import Framework, Node
    from analysis.weights import derive_weights

    X = _two_blocks()
    cols = list(X.columns)
    fw = Framework([Node("I", None, 1.0, False)] + [Node(c, "I", 1.0, True) for c in cols], "t")
    data = X.copy()
    data.insert(0, "uCode", [f"u{i:02d}" for i in range(len(X))])
    res = build(fw, data, {"normalise": {"method": "minmax", "range": [0, 100]}})
    np.testing.assert_allclose(derive_weights(res, "pca")[cols], [2.6 / 13.8] * 3 + [2.0 / 13.8] * 3, atol=1e-9)
    np.testing.assert_allclose(derive_weights(res, "pca", max_factors=1)[cols], [1 / 3] * 3 + [0.0] * 3, atol=1e-9)


def test_worst_pair_is_the_perturbed_judgement():
    """A consistent 4×4 matrix (w = 0.4, 0.3, 0.2, 0.1) with a_bc doubled: with row-geometric-mean priorities
    the perturbed pair deviates by ln 2 · (1 − 2/n) = ln 2 / 2 on the log scale, every other pair by at most
    ln 2 / n = ln 2 / 4, so (b, c) is the most inconsistent judgement."""
    from analysis.weights import ahp

    w = np.array([0.4, 0.3, 0.2, 0.1])
    A = w[:, None] / w[None, :]
    A[1, 2] *= 2
    A[2, 1] /= 2
    r = ahp(A, list("abcd"), method="geometric", warn=False)
    assert r.worst_pair == ("b", "c")
    assert r.gci == pytest.approx(2 * math.log(2) ** 2 / (4 * 3), rel=1e-12)


def test_ahp_diagonal_within_tolerance_is_read_as_one():
    """a_ii = 1 by definition: a diagonal typed 1.0005 / 0.9995 gives the priorities of the exact
    matrix [[1, 3], [1/3, 1]], i.e. (3/4, 1/4) by both methods, and the caller's array is untouched."""
    from analysis.weights.ahp import ahp, check_matrix
    A = np.array([[1.0005, 3.0], [1 / 3, 0.9995]])
    M = check_matrix(A, ["x", "y"])
    assert M.to_numpy()[0, 0] == 1.0 and M.to_numpy()[1, 1] == 1.0
    assert A[0, 0] == 1.0005 and A[1, 1] == 0.9995
    for method in ("eigen", "geometric"):
        np.testing.assert_allclose(ahp(A, ["x", "y"], method=method).weights.to_numpy(), [0.75, 0.25], rtol=1e-12)
