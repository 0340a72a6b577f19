"""Invariants checked on random inputs (hypothesis)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis import aggregate as ag
from analysis import build, load_framework
from analysis import normalise as nm
from analysis.framework import Framework, Node
from analysis.levels import rank_desc

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(arrays(float, st.integers(2, 40), elements=finite), st.floats(-50, 50), st.floats(1, 100))
def test_minmax_in_range(x, lo, width):
    if np.ptp(x) < 1e-9 * max(1.0, np.abs(x).max()):
        return
    y = nm.minmax(x, range=(lo, lo + width))
    assert np.all(y >= lo - 1e-9 * width) and np.all(y <= lo + width + 1e-9 * width)
    assert np.isclose(y.min(), lo) and np.isclose(y.max(), lo + width)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e3, allow_nan=False), min_size=1, max_size=60, unique=True))
def test_ranks_are_a_permutation_without_ties(vals):
    r = rank_desc(np.array(vals))
    assert sorted(r.astype(int)) == list(range(1, len(vals) + 1))


@settings(max_examples=100, deadline=None)
@given(arrays(float, st.integers(1, 12), elements=st.floats(0.0, 10.0)), st.data())
def test_renormalised_weights_sum_to_one(w, data):
    if w.sum() == 0:
        return
    k = w.size
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=k, max_size=k)))
    X = np.where(mask, np.nan, 1.0)[None, :]
    # a row of ones aggregates to exactly 1 iff the available weights are renormalised to sum 1
    out = ag.arithmetic(X, w)
    if (w[~mask]).sum() > 0:
        assert np.isclose(out[0], 1.0)
    else:
        assert np.isnan(out[0])


def _tiny_framework() -> Framework:
    nodes = [Node("I", None, 1.0, False)]
    for d in range(2):
        nodes.append(Node(f"D{d}", "I", 1.0 + d, False))
        for i in range(3):
            nodes.append(Node(f"x{d}{i}", f"D{d}", 1.0 + i, True, direction=1 if (i + d) % 2 == 0 else -1))
    return Framework(nodes)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["arithmetic", "geometric"]), st.integers(0, 5),
       st.floats(0.1, 50))
def test_index_monotone_in_each_positive_indicator(seed, method, which, bump):
    fw = _tiny_framework()
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(0, 100, (15, 6)), columns=fw.indicators)
    df.insert(0, "uCode", [f"u{i}" for i in range(15)])
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": {"method": method}}
    base = build(fw, df, spec)
    code = fw.indicators[which]
    up = df.copy()
    unit = int(rng.integers(15))
    sign = fw.nodes[code].direction
    up.loc[unit, code] += sign * bump
    # frozen normalisation: improving one unit must not lower its index
    new = build(fw, up, spec, fitted=base.fitted)
    assert new.index.iloc[unit] >= base.index.iloc[unit] - 1e-12


def test_framework_weights_effective_sum_to_one():
    fw = load_framework(_tiny_framework())
    assert np.isclose(fw.effective_weights().sum(), 1.0)
