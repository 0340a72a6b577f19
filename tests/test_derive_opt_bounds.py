"""``weight_sets(..., opt_min_weight={code: bound})`` gives each group the bounds of its own children.

Before, the whole dict went to every group's :func:`analysis.weights.optimise_weights`, which refuses
a bound on a code it is not optimising, so a dict naming children of two groups was always refused.
Closed form: orthogonal Hadamard columns of equal spread (``test_optimise_level_bounds``); with equal
importance as the target each parent's free optimum is ½, ½, so a bound of 0.6 on b (or d) binds at
0.6 and the other group stays at ½.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analysis import InputError, InputWarning
from analysis.weights.derive import weight_sets

from .test_optimise_level_bounds import _two_by_two


def _sets(bounds):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return weight_sets(_two_by_two(), methods=("optimised",), opt_min_weight=bounds)


def test_bounds_naming_children_of_two_groups_reach_each_group():
    sets, details = _sets({"b": 0.6, "d": 0.6})
    w = sets["optimised"]
    assert w["b"] / (w["a"] + w["b"]) == pytest.approx(0.6, abs=1e-6)
    assert w["d"] / (w["c"] + w["d"]) == pytest.approx(0.6, abs=1e-6)
    assert set(details["optimised"]) >= {"P", "Q"}


def test_a_bound_on_one_group_leaves_the_other_free():
    w = _sets({"b": 0.6})[0]["optimised"]
    assert w["b"] / (w["a"] + w["b"]) == pytest.approx(0.6, abs=1e-6)
    assert w["d"] / (w["c"] + w["d"]) == pytest.approx(0.5, abs=1e-6)


def test_a_bound_on_an_unknown_code_is_refused():
    with pytest.raises(InputError, match="opt_min_weight names 'zz', which is not a weighted node"):
        _sets({"zz": 0.3})


@pytest.mark.parametrize("bounds", [{"a": float("nan")}, {"a": "x"}, {"a": None}, float("nan"),
                                    pd.Series([0.1, 0.2], index=["a", "a"])])
def test_optimise_refuses_a_missing_or_malformed_bound(bounds):
    from analysis.weights import optimise_weights

    with pytest.raises(InputError, match="lower weight bound"):
        optimise_weights(_two_by_two(), node="P", min_weight=bounds)
