"""Scenarios and paths on a spec that denominates an indicator (``denominate: framework``).

Hand-worked case: indicator ``a`` is a count divided by ``pop``; ``b`` is a plain value. Min-max
0–100 on the ratio, arithmetic mean with equal weights, so I = (a' + b') / 2 with
a' = 100 (a/pop − 1) / 3 (ratios 1, 2, 3, 4) and b' = 100 (b − 10) / 30.
"""

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis import scenario as sc
from analysis.framework import Framework, Node

SPEC = {"denominate": "framework", "normalise": {"method": "minmax"}, "weights": "equal"}


def _data():
    # ratios a/pop: 1, 2, 3, 4; b: 10, 20, 30, 40
    return pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4"], "pop": [100.0, 50.0, 200.0, 25.0],
                         "a": [100.0, 100.0, 600.0, 100.0], "b": [10.0, 20.0, 30.0, 40.0]})


def _framework():
    return Framework([Node("I", None, 1, False), Node("a", "I", 1, True, denominator="pop"),
                      Node("b", "I", 1, True)])


def _index(ratio, b):
    return (100 * (ratio - 1) / 3 + 100 * (b - 10) / 30) / 2


@pytest.fixture(scope="module")
def result():
    return build(_framework(), _data(), SPEC)


def test_the_build_divides_by_the_denominator(result):
    np.testing.assert_allclose(result.aggregates["I"].to_numpy(),
                               [_index(1, 10), _index(2, 20), _index(3, 30), _index(4, 40)])


def test_a_scenario_recomputes_the_ratio_with_the_baseline_denominator(result):
    # u1: a 100 -> 250 with pop 100: ratio 2.5 (inside the frozen goalposts 1..4)
    out = sc.run_scenario(result, {"interventions": [{"units": ["u1"], "indicators": ["a"], "change": "=250"}]})
    assert out.aggregates.loc["u1", "I"] == pytest.approx(_index(2.5, 10), abs=1e-12)
    assert out.aggregates.loc["u2", "I"] == pytest.approx(_index(2, 20), abs=1e-12)


def test_a_path_moves_the_count_by_the_denominator(result):
    # u1 from I = 0 to 25: a' must reach 50, i.e. ratio 2.5, i.e. a = 250 with pop 100
    p = sc.path_to_target(result, "u1", to=25.0, indicators=["a"])
    assert p.reachable
    assert p.achieved_score == pytest.approx(25.0, abs=1e-6)
    assert float(p.moves.loc["a", "new"]) == pytest.approx(250.0, rel=1e-6)
