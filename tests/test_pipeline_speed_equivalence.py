"""The faster demo pipeline computes the same numbers as before (issue 18, "the whole pipeline in 90 s").

Each fast path is compared with the straightforward computation it replaced, exactly (``==``, not a
tolerance), on data chosen to reach its awkward branches: missing pairs, few distinct values (the
conditional-mean fit and fewer spline segments), resamples where y is constant.

- correlation ratio (audit 01): one spline basis for every permutation of the chance baseline, the
  design rows of all bootstrap resamples from one call, stacked small factorisations
  (``engine="fast"``) against one fit per permutation and resample (``engine="reference"``);
- optimised weights (weighting 02): only the ancestors of the optimised codes re-aggregated, against
  the importances of a full :func:`analysis.aggregate` of the returned weights;
- bootstrap stability (clustering 04): the label of each distinct unit drawn, against the per-unit
  dictionary and unit sets of the earlier code.
"""

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis.aggregate import aggregate
from analysis.audit import importance
from analysis.audit.importance import correlation_ratio, eta2_interval
from analysis.cluster import fit_labels, stability
from analysis.demo import DEMO_DIR
from analysis.select import cross_section
from analysis.weights import optimise_weights


def _data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    if kind == "continuous, missing pairs":
        x = rng.normal(size=120)
        y = np.sin(2 * x) + rng.normal(scale=0.5, size=120)
        x[[3, 40, 77]] = np.nan
        y[[5, 40, 90]] = np.nan
        return x, y
    if kind == "12 distinct values":      # segments = distinct − 1 varies between resamples
        x = rng.integers(0, 12, 80).astype(float)
        return x, x ** 2 / 10 + rng.normal(size=80)
    if kind == "4 distinct values":       # conditional means, no spline
        x = rng.integers(0, 4, 60).astype(float)
        return x, x + rng.normal(size=60)
    if kind == "tiny, y often constant":  # resamples with constant y or x give 0 without correction
        return np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    raise ValueError(kind)


KINDS = ["continuous, missing pairs", "12 distinct values", "4 distinct values", "tiny, y often constant"]


def _same(a, b) -> bool:
    return all((np.isnan(u) and np.isnan(v)) or u == v for u, v in zip(a, b, strict=True))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("adjusted", [True, False])
def test_eta2_interval_fast_equals_reference(kind, adjusted):
    x, y = _data(kind)
    kw = dict(n_boot=40, n_perm=12, seed=5, adjusted=adjusted)
    fast, ref = eta2_interval(x, y, **kw), eta2_interval(x, y, engine="reference", **kw)
    assert _same(fast, ref), (fast, ref)
    boots = [np.random.default_rng(i).integers(0, len(x), len(x)) for i in range(25)]
    fast = eta2_interval(x, y, boots=boots, n_perm=7, seed=1, adjusted=adjusted)
    ref = eta2_interval(x, y, boots=boots, n_perm=7, seed=1, adjusted=adjusted, engine="reference")
    assert _same(fast, ref), (fast, ref)


@pytest.mark.parametrize("kind", KINDS[:3])
def test_adjusted_correlation_ratio_fast_equals_reference(kind):
    x, y = _data(kind)
    assert correlation_ratio(x, y, adjusted=True, n_perm=30, seed=2) == \
        correlation_ratio(x, y, adjusted=True, n_perm=30, seed=2, engine="reference")


@pytest.fixture(scope="module")
def demo():
    return build("kominfo_gm100sc", DEMO_DIR / "smartcity_panel.csv", DEMO_DIR / "spec.yaml")


def test_importance_table_fast_equals_reference_on_demo(demo):
    kw = dict(n_boot=8, n_perm=4, seed=11, year=2025)
    pd.testing.assert_frame_equal(importance(demo, **kw), importance(demo, engine="reference", **kw),
                                  check_exact=True)


@pytest.mark.parametrize("node", ["GOV", "GOV_PS", "SCI"])
def test_optimised_importances_are_those_of_the_full_aggregation(demo, node):
    """The optimiser re-aggregates only the ancestors of the optimised codes; a full aggregation of the
    weights it returns must give the importances (r²) it reports (node mode, as notebook 02 uses it)."""
    o = optimise_weights(demo, year=2025, node=node)
    fw = demo.framework
    T = cross_section(demo, "normalised", 2025, aggregates=False)[fw.indicators]
    full = pd.concat([T, aggregate(T, fw, demo.spec.get("aggregate") or {}, o.weights)], axis=1)
    for c, r in o.table.iterrows():
        r2 = np.corrcoef(full[c].to_numpy(float), full[r["against"]].to_numpy(float))[0, 1] ** 2
        assert r2 == pytest.approx(r["r2"], rel=1e-10, abs=1e-14), c


def _stability_as_before(X, labels, k, n_boot, seed, n_init=10):
    """The earlier code: a dict from unit to bootstrap label, and unit sets per cluster."""
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    clusters = [c for c in np.unique(labels) if c >= 0]
    jac, aris = {c: [] for c in clusters}, []
    for b in range(n_boot):
        idx = rng.integers(0, len(X), len(X))
        uniq = np.unique(idx)
        lb = fit_labels(X[idx], k, seed=seed + b + 1, n_init=n_init)
        first = {u: lb[i] for i, u in enumerate(idx)}
        lb_u = np.array([first[u] for u in uniq])
        lo_u = labels[uniq]
        aris.append(adjusted_rand_score(lo_u, lb_u))
        for c in clusters:
            a = set(uniq[lo_u == c])
            if a:
                jac[c].append(max(len(a & set(uniq[lb_u == d])) / len(a | set(uniq[lb_u == d]))
                                  for d in np.unique(lb_u)))
    return {c: np.mean(v) for c, v in jac.items()}, np.array(aris)


def test_stability_equals_the_earlier_computation():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(m, 1.0, size=(60, 3)) for m in (0.0, 2.5, 5.0)])
    lab = fit_labels(X, 3, seed=0)
    s = stability(X, lab, 3, n_boot=6, seed=4)
    jac, ari = _stability_as_before(X, lab, 3, 6, 4)
    assert s.jaccard.to_dict() == jac
    assert np.array_equal(s.ari, ari)


def test_unknown_engine_is_refused():
    from analysis import InputError

    x, y = _data("continuous, missing pairs")
    with pytest.raises(InputError, match="unknown engine 'turbo'"):
        eta2_interval(x, y, n_boot=2, engine="turbo")
    with pytest.raises(InputError, match="unknown engine 'turbo'"):
        correlation_ratio(x, y, adjusted=True, engine="turbo")
