"""AHP consistency against published numbers and closed forms (issue 14, item 8).

Independent references, not the code compared with itself:

- Geometric consistency index (GCI) of the row-geometric-mean method: the four 5×5 matrices of
  Escobar, Aguarón & Moreno-Jiménez (2015), "Some extensions of the precise consistency consensus
  matrix", *Decision Support Systems*, doi:10.1016/j.dss.2015.04.005, Tables 1–3 (priorities and GCIs printed to three
  decimals), and two closed forms derived by hand (below).
- Thresholds 0.31 (n = 3), 0.35 (n = 4), 0.37 (n > 4): Aguarón & Moreno-Jiménez (2003), *EJOR*
  147(1):137–145, as restated in Escobar et al. (2015), section 2.
- Saaty's random index, n = 1..10 (Saaty 1980; R.W. Saaty 1987, *Mathematical Modelling* 9:161–176),
  entry by entry, and the consistency ratio of Saaty's (1977) light-intensity matrix
  (*J. Math. Psychol.* 15:234–281: λ_max = 4.39).

Closed forms used (derivations in the test docstrings):

- one judgement of an otherwise consistent n×n matrix multiplied by ``t``:
  ``GCI = 2 ln²t / (n (n − 1))``;
- the 3×3 matrix ``[[1, a, b], [1/a, 1, c], [1/b, 1/c, 1]]``: ``GCI = ln²(a c / b) / 3`` and
  ``λ_max = 1 + ρ^{1/3} + ρ^{−1/3}`` with ``ρ = a c / b``.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from analysis._errors import InputWarning
from analysis.framework import Framework, Node
from analysis.weights.ahp import (
    RANDOM_INDEX,
    ahp,
    ahp_group,
    consistency,
    consistency_line,
    consistency_table,
    consistent_matrix,
    gci,
    gci_threshold,
)

#: Saaty (1980, 1987): RI for n = 1..10, typed from the publication (not imported from the code).
SAATY_RI = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}

#: Escobar, Aguarón & Moreno-Jiménez (2015), Table 1 (upper triangles, row by row) and Table 3.
ESCOBAR_2015 = {
    "PSOE": ([[3, 5, 8, 6], [3, 5, 4], [3, 2], [1 / 3]],
             [0.513, 0.251, 0.115, 0.042, 0.079], 0.143),
    "PP": ([[3, 7, 9, 5], [3, 7, 1], [5, 1 / 5], [1 / 5]],
           [0.520, 0.195, 0.072, 0.030, 0.182], 0.303),
    "PAR": ([[5, 7, 7, 5], [1, 5, 1], [5, 1 / 3], [1 / 5]],
            [0.560, 0.135, 0.101, 0.035, 0.168], 0.298),
    "NP": ([[1 / 2, 1 / 5, 1 / 8, 1 / 7], [1 / 4, 1 / 6, 1 / 5], [1 / 4, 1 / 3], [3]],
           [0.038, 0.059, 0.149, 0.480, 0.274], 0.203),
}


def from_upper(rows) -> np.ndarray:
    """Reciprocal matrix from its strict upper triangle given row by row."""
    n = len(rows) + 1
    A = np.eye(n)
    for i, row in enumerate(rows):
        for k, v in enumerate(row):
            j = i + 1 + k
            A[i, j], A[j, i] = v, 1.0 / v
    return A


def one_judgement_off(n: int, t: float, w=None) -> np.ndarray:
    """A consistent n×n matrix (priorities ``w``) with judgement (0, 1) multiplied by ``t``."""
    w = np.linspace(2.0, 1.0, n) if w is None else np.asarray(w, dtype=float)
    A = consistent_matrix(w)
    A[0, 1] *= t
    A[1, 0] /= t
    return A


def t_for_gci(n: int, g: float) -> float:
    """The factor ``t`` that gives GCI = g in :func:`one_judgement_off` (closed form inverted)."""
    return math.exp(math.sqrt(g * n * (n - 1) / 2))


def power_lambda(A: np.ndarray) -> float:
    """Principal eigenvalue by power iteration (independent of numpy.linalg.eig)."""
    v = np.ones(len(A))
    for _ in range(500):
        v = A @ v
        v /= v.sum()
    return float((A @ v / v).mean())


# --- GCI: published example ---------------------------------------------------------------------
@pytest.mark.parametrize("party", list(ESCOBAR_2015))
def test_gci_escobar_aguaron_moreno_jimenez_2015(party):
    upper, w_pub, gci_pub = ESCOBAR_2015[party]
    r = ahp(from_upper(upper), list("12345"), method="geometric", warn=False)
    np.testing.assert_allclose(r.weights.to_numpy(), w_pub, atol=0.0006)
    assert r.measure == "GCI"
    assert r.gci == pytest.approx(gci_pub, abs=0.0006)   # natural log: log10 would give 0.027 for PSOE
    assert r.threshold == 0.37 and r.consistent          # all four are below the n > 4 threshold
    assert math.isnan(r.cr) and math.isnan(r.lambda_max)  # no CR from a "geometric λ"


# --- GCI: closed forms --------------------------------------------------------------------------
@pytest.mark.parametrize("a, b, c", [(3, 5, 2), (2, 9, 1 / 3), (1 / 7, 4, 5), (9, 1 / 9, 9), (2, 6, 3)])
def test_gci_3x3_closed_form(a, b, c):
    """Row log-means r_i give ε12 = ε23 = −ε13 = δ/3 with δ = ln(ac/b); Σ ε² = δ²/3, 2/((n−1)(n−2)) = 1."""
    A = np.array([[1, a, b], [1 / a, 1, c], [1 / b, 1 / c, 1]], dtype=float)
    delta = math.log(a * c / b)
    assert gci(A) == pytest.approx(delta ** 2 / 3, rel=1e-12, abs=1e-15)
    assert ahp(A, method="geometric", warn=False).gci == pytest.approx(delta ** 2 / 3, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 8, 12])
@pytest.mark.parametrize("t", [1.5, 4.0, 1 / 9])
def test_gci_one_judgement_off_closed_form(n, t):
    """Perturbing a_12 by s = ln t: ε12 = s(1 − 2/n), ε1j = −s/n, ε2j = s/n (j ≥ 3); Σ ε² = s²(n − 2)/n."""
    assert gci(one_judgement_off(n, t)) == pytest.approx(2 * math.log(t) ** 2 / (n * (n - 1)), rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_gci_zero_for_consistent_and_2x2(n):
    w = np.arange(1, n + 1, dtype=float)
    assert gci(consistent_matrix(w)) == pytest.approx(0.0, abs=1e-24)
    assert gci(one_judgement_off(2, 5.0)) == 0.0


@pytest.mark.parametrize("method, measure", [("eigen", "CR"), ("geometric", "GCI")])
def test_2x2_is_always_consistent(method, measure):
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        r = ahp([[1, 9], [1 / 9, 1]], method=method, node="pair")
    assert r.measure == measure and r.index == 0.0 and r.consistent is True
    assert consistency_line(r) == f"pair: {measure} 0 ({method}; consistent, n = 2)"


# --- GCI thresholds ------------------------------------------------------------------------------
def test_gci_threshold_values():
    assert [gci_threshold(n) for n in (3, 4)] == [0.31, 0.35]
    assert all(gci_threshold(n) == 0.37 for n in range(5, 31))
    assert math.isnan(gci_threshold(2))


@pytest.mark.filterwarnings("ignore:.*beyond Saaty's 1–9 scale")
@pytest.mark.parametrize("n, limit", [(3, 0.31), (4, 0.35), (5, 0.37), (7, 0.37), (12, 0.37)])
def test_gci_threshold_decides_and_warns(n, limit):
    """GCI just below the limit is consistent (no warning); just above, it warns with the limit."""
    d = 2e-4
    below = one_judgement_off(n, t_for_gci(n, limit - d))
    above = one_judgement_off(n, t_for_gci(n, limit + d))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)               # large n: judgements beyond 1–9
        warnings.filterwarnings("error", message=".*consistency", category=InputWarning)
        ok = ahp(below, method="geometric", node="N")
    assert ok.gci == pytest.approx(limit - d, rel=1e-9) and ok.consistent
    msg = (rf"node 'N': geometric consistency index {limit + d:.3f} > {limit:.2f} "
           rf"\(Aguarón & Moreno-Jiménez threshold for n = {n}\).*most inconsistent")
    with pytest.warns(InputWarning, match=msg):
        bad = ahp(above, method="geometric", node="N")
    assert bad.consistent is False and bad.threshold == limit


# --- Saaty's random index and CR ---------------------------------------------------------------
def test_random_index_entries_are_saatys():
    assert RANDOM_INDEX == SAATY_RI
    for n, ri in SAATY_RI.items():
        assert RANDOM_INDEX[n] == ri, n


@pytest.mark.parametrize("n", range(3, 11))
def test_cr_uses_saatys_ri_for_each_n(n):
    A = one_judgement_off(n, 3.0)
    lam = power_lambda(A)
    r = ahp(A, warn=False)
    assert r.measure == "CR" and math.isnan(r.gci)
    assert r.lambda_max == pytest.approx(lam, rel=1e-9)
    assert r.ci == pytest.approx((lam - n) / (n - 1), rel=1e-6)
    assert r.cr == pytest.approx((lam - n) / (n - 1) / SAATY_RI[n], rel=1e-6)


def test_cr_saaty_1977_light_intensity():
    """Saaty (1977), experiment 1: λ_max = 4.39, so CI = 0.13 and CR = 0.13 / RI(4) = 0.144."""
    A = [[1, 5, 6, 7], [1 / 5, 1, 4, 6], [1 / 6, 1 / 4, 1, 4], [1 / 7, 1 / 6, 1 / 4, 1]]
    with pytest.warns(InputWarning, match=r"consistency ratio 0\.14\d > 0\.10"):
        r = ahp(A, node="light")
    assert r.lambda_max == pytest.approx(4.39, abs=0.005)
    assert r.ci == pytest.approx(0.13, abs=0.002)
    assert r.cr == pytest.approx(0.39 / 3 / 0.90, abs=0.003)
    assert r.threshold == 0.10 and r.consistent is False


@pytest.mark.parametrize("a, b, c", [(3, 5, 2), (2, 9, 1 / 3), (5, 7, 3)])
def test_cr_3x3_closed_form(a, b, c):
    """For a 3×3 reciprocal matrix λ_max = 1 + ρ^{1/3} + ρ^{−1/3}, ρ = ac/b; CR = (λ_max − 3) / 2 / 0.58."""
    A = np.array([[1, a, b], [1 / a, 1, c], [1 / b, 1 / c, 1]], dtype=float)
    rho = a * c / b
    lam = 1 + rho ** (1 / 3) + rho ** (-1 / 3)
    lam_r, ci, cr = consistency(A)
    assert lam_r == pytest.approx(lam, rel=1e-10)
    assert cr == pytest.approx((lam - 3) / 2 / 0.58, rel=1e-9)


def test_cr_undefined_beyond_saatys_table():
    A = one_judgement_off(11, 3.0)
    with pytest.warns(InputWarning, match=r"published for n ≤ 10.*not defined.*geometric"):
        r = ahp(A, node="big")
    assert math.isnan(r.cr) and r.consistent is None
    assert r.ci == pytest.approx((power_lambda(A) - 11) / 10, rel=1e-6)
    g = ahp(A, method="geometric", warn=False)       # GCI is defined for every n
    assert g.gci == pytest.approx(2 * math.log(3.0) ** 2 / (11 * 10), rel=1e-12) and g.consistent


# --- groups and the report consumers -------------------------------------------------------------
def test_group_aip_gci_is_weighted_mean_and_aij_is_gci_of_aggregate():
    A1 = from_upper(ESCOBAR_2015["PSOE"][0])
    A2 = from_upper(ESCOBAR_2015["PP"][0])
    aip = ahp_group([A1, A2], method="geometric", aggregation="aip", expert_weights=[3, 1], warn=False)
    assert aip.measure == "GCI"
    assert aip.gci == pytest.approx(0.75 * 0.143 + 0.25 * 0.303, abs=0.0006)
    aij = ahp_group([A1, A2], method="geometric", warn=False)
    assert aij.gci == pytest.approx(gci(np.sqrt(A1 * A2)), rel=1e-12)


def test_consistency_table_and_line_show_the_methods_measure():
    A = from_upper(ESCOBAR_2015["PP"][0])
    res = {"G": ahp(A, list("abcde"), method="geometric", node="G", warn=False),
           "E": ahp(A, list("abcde"), node="E", warn=False)}
    tab = consistency_table(res).set_index("node")
    assert tab.loc["G", "measure"] == "GCI" and tab.loc["G", "threshold"] == 0.37
    assert tab.loc["G", "value"] == pytest.approx(0.303, abs=0.0006) and math.isnan(tab.loc["G", "CR"])
    assert tab.loc["E", "measure"] == "CR" and tab.loc["E", "threshold"] == 0.10
    assert tab.loc["E", "value"] == tab.loc["E", "CR"] and math.isnan(tab.loc["E", "GCI"])
    assert consistency_line(res["G"]) == "G: GCI 0.303 ≤ 0.37 (geometric; consistent)"
    assert consistency_line(res["E"]).startswith("E: CR ")


def test_weight_sets_pass_the_ahp_method_to_the_consistency_report():
    """``weight_sets(..., ahp_method=)`` (used by the report step and the CLI) reports GCI or CR per method."""
    from analysis.weights.derive import weight_sets

    nodes = [Node("I", None, 1.0, False)] + [Node(c, "I", 1.0, True) for c in "abcde"]
    fw = Framework(nodes, "t")
    comps = {"I": {"labels": list("abcde"), "experts": {"matrix": from_upper(ESCOBAR_2015["NP"][0])}}}
    result = SimpleNamespace(framework=fw)
    sets, details = weight_sets(result, (), ahp=comps, ahp_method="geometric")
    r = details["ahp"]["I"]
    assert r.measure == "GCI" and r.gci == pytest.approx(0.203, abs=0.0006)
    np.testing.assert_allclose(sets["ahp"][list("abcde")], ESCOBAR_2015["NP"][1], atol=0.0006)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        _, details = weight_sets(result, (), ahp=comps)
    assert details["ahp"]["I"].measure == "CR" and not math.isnan(details["ahp"]["I"].cr)
