"""Sobol' designs give a choice factor's AB_i rows a label independent of A's (H16).

SALib's Saltelli design takes A and B from columns j and j + D of one scrambled Sobol' sequence;
scrambling only flips leading bits, and for the demo's 27 dimensions columns 24 and 51 have the same
leading bit over the first 32 or 64 points. A two-alternative choice factor reads only that bit, so
its AB rows equalled A and its Sobol' indices were exactly 0 (the demo's ``normalisation``).
"""

import numpy as np
import pytest

from analysis.uncertainty.sensitivity import labelled_design, problem, sobol_salib, split_sobol, unit_design
from analysis.uncertainty.spec import load_ua_spec

# the demo's design dimensions: 6 + 18 weight draws, then three two-alternative choice factors
DIMS = ([("w_dimensions", f"d{i}") for i in range(6)] + [("w_elements", f"e{i}") for i in range(18)]
        + [("normalisation", "normalisation"), ("aggregation", "aggregation"), ("winmax", "winmax")])
UA = load_ua_spec({"factors": [
    {"name": "w_dimensions", "type": "weights", "nodes": [f"d{i}" for i in range(6)], "noise": 0.25},
    {"name": "w_elements", "type": "weights", "nodes": [f"e{i}" for i in range(18)], "noise": 0.25},
    {"name": "normalisation", "type": "choice", "step": "normalise",
     "alternatives": {"minmax": {"method": "minmax"}, "percentile_rank": {"method": "prank"}}},
    {"name": "aggregation", "type": "choice", "step": "aggregate",
     "alternatives": {"arithmetic": "arithmetic", "mpi": "mazziotta_pareto"}},
    {"name": "winmax", "type": "choice", "step": "treat", "alternatives": {"w3": {"winmax": 3}, "w5": {"winmax": 5}}},
]})
CHOICES = ["normalisation", "aggregation", "winmax"]
G = 5


@pytest.mark.parametrize("N,seed", [(32, 7), (32, 42), (64, 7), (64, 42), (256, 3)])
def test_ab_rows_differ_from_a_in_factor_i_labels_only(N, seed):
    design = labelled_design(unit_design(DIMS, N, "sobol", seed), DIMS, UA.factors)
    assert len(design) == N * (G + 2)
    rows = np.arange(len(design)).reshape(N, G + 2)
    A = design.iloc[rows[:, 0]].reset_index(drop=True)
    B = design.iloc[rows[:, -1]].reset_index(drop=True)
    groups = list(dict.fromkeys(g for g, _ in DIMS))
    for k, g in enumerate(groups):
        AB = design.iloc[rows[:, 1 + k]].reset_index(drop=True)
        for col in design.columns:
            own = col == g or col.startswith(f"{g}[")
            assert (AB[col] == (B[col] if own else A[col])).all(), (g, col)
    for c in CHOICES:  # the labels of A and B are paired independently: they differ in a fair share of points
        share = (A[c] != B[c]).mean()
        assert 0.2 <= share <= 0.8, (c, share)


@pytest.mark.parametrize("N,seed", [(32, 7), (64, 42)])
def test_only_choice_factor_matters_gets_the_variance(N, seed):
    U = unit_design(DIMS, N, "sobol", seed)
    design = labelled_design(U, DIMS, UA.factors)
    Y = np.where(design["normalisation"] == "percentile_rank", 15.0, 0.0) + 1e-3 * U[:, 0]
    si = sobol_salib(problem(DIMS), Y, num_resamples=100, seed=seed)
    assert si.loc["normalisation", "ST"] > 0.5
    for g in ("w_dimensions", "w_elements", "aggregation", "winmax"):
        assert abs(si.loc[g, "ST"]) < 0.05, (g, si.loc[g, "ST"])
    yA, yB, yAB = split_sobol(Y, G)
    assert (yAB[:, 2] != yA).any()


def test_demo_normalisation_has_a_nonzero_index():
    from analysis.data import load_data
    from analysis.demo import DEMO_DIR
    from analysis.framework import load_framework
    from analysis.uncertainty import output_values
    from analysis.uncertainty.engine import Engine

    fw = load_framework("kominfo_gm100sc")
    ds = load_data(DEMO_DIR / "smartcity_panel.csv", fw)
    u = load_ua_spec(DEMO_DIR / "ua.yaml")
    u.seed = 7
    eng = Engine(fw, ds, DEMO_DIR / "spec.yaml", u, year=2025)
    dims = eng.dims()
    design = labelled_design(unit_design(dims, 32, "sobol", u.seed), dims, u.factors)
    rs = eng.evaluate(eng.resolve(design), keep_scores=False)
    Y = np.asarray(output_values(rs, u.output, eng))
    si = sobol_salib(problem(dims), Y, seed=u.seed)
    assert si.loc["normalisation", "ST"] > 0
    assert si.loc["normalisation", "ST_conf"] > 0
