"""Independent review of the replay fast paths (issue 18): discrepancies found, one test each.

Every test here failed when it was written (2026-11-29, HEAD eaad617); the code was then fixed.
Each compares a fast path with the general path it shortcuts (``fit``/``apply`` column by column), or
checks that bad user input is refused as :class:`~analysis._errors.InputError` (product standard), as
it is elsewhere in the same call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis._errors import InputError
from analysis.framework import Framework, Node
from analysis.normalise import fit, indicator_params, normalise
from analysis.pipeline import build
from analysis.uncertainty import Engine
from analysis.weights.derive import weight_sets


def _wide_fw() -> Framework:
    return Framework([Node("I", None, 1.0, False), Node("x0", "I", 1.0, True, direction=1),
                      Node("x1", "I", 1.0, True, direction=-1), Node("x2", "I", 1.0, True, direction=1)])


@pytest.mark.parametrize("method", ["minmax", "zscore"])
def test_a_direction_parameter_is_refused_by_both_paths(method):
    """A ``direction`` key among the parameters (``normalise`` takes a plain dict; only the spec-file schema
    forbids the key) made ``fit`` learn on the node's direction and ``apply`` use the parameter's (min-max
    scores of -128), and the matrix path differ from both. An indicator's direction is the framework's:
    the key is refused, by ``fit`` and through ``normalise`` (the matrix path declines it)."""
    fw = _wide_fw()
    vals = pd.DataFrame({"x0": [1.0, 4.0, 2.0, 8.0], "x1": [3.0, 1.0, 5.0, 2.0], "x2": [2.0, 2.5, 9.0, 1.0]})
    spec = {"method": method, "direction": -1}
    with pytest.raises(InputError, match="'direction' is not a setting") as e:
        normalise(vals, fw, spec)
    assert e.value.column == "x0"
    m, p = indicator_params(spec, "x1")
    with pytest.raises(InputError, match="'direction' is not a setting"):
        fit(vals["x1"].to_numpy(dtype=float), m, p, direction=-1, code="x1")


def _result_with_a_one_child_group():
    """I ← (A ← a1 a2 a3, B ← b1): B has one child, so weight_sets does not optimise it."""
    fw = Framework([Node("I", None, 1.0, False),
                    Node("A", "I", 1.0, False), Node("a1", "A", 1.0, True), Node("a2", "A", 1.0, True),
                    Node("a3", "A", 1.0, True), Node("B", "I", 1.0, False), Node("b1", "B", 1.0, True)])
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.uniform(1, 50, (20, 4)), columns=fw.indicators)
    data.insert(0, "uCode", [f"u{i}" for i in range(20)])
    return build(fw, data, {"normalise": {"method": "minmax", "range": [1, 100]}})


def test_a_negative_lower_bound_is_refused_also_for_a_child_of_a_group_not_optimised():
    """``{'a1': -3}`` is refused ("lower weight bounds must be finite numbers >= 0"); ``{'b1': -3}`` names a
    weighted node too, but its group (one child) is skipped, so the bound is dropped without a word."""
    res = _result_with_a_one_child_group()
    with pytest.raises(InputError):
        weight_sets(res, methods=("optimised",), opt_min_weight={"a1": -3.0})
    with pytest.raises(InputError):
        weight_sets(res, methods=("optimised",), opt_min_weight={"b1": -3.0})


def test_a_missing_lower_bound_is_refused():
    """``{'a1': inf}`` is refused as not finite; ``{'a1': nan}`` is read as 0 (``_lower_bounds`` fills the
    reindexed Series with 0 before its finiteness check) and the optimisation runs."""
    res = _result_with_a_one_child_group()
    with pytest.raises(InputError):
        weight_sets(res, methods=("optimised",), opt_min_weight={"a1": np.inf})
    with pytest.raises(InputError):
        weight_sets(res, methods=("optimised",), opt_min_weight={"a1": np.nan})


@pytest.mark.parametrize("bounds", [
    pd.Series([0.2, 0.3], index=["a1", "a1"]),  # dict(Series) keeps a Series as the value: ValueError
    {"a1": "x"},                                # float('x') in _lower_bounds: ValueError
])
def test_a_malformed_lower_bound_table_is_an_input_error(bounds):
    res = _result_with_a_one_child_group()
    with pytest.raises(InputError):
        weight_sets(res, methods=("optimised",), opt_min_weight=bounds)


def test_a_negative_zero_cell_is_refused_as_before_when_a_zero_cell_comes_first():
    """Design labels "0.0" and "0.5" (a choice of ``min_share``), a float design column 0.0, -0.0, 0.5. Each
    cell read alone (the code before the factorised labels, e748d66): str(-0.0) = "-0.0" is no label and
    the whole number 0 is no position, so row 3 is refused. ``pd.factorize`` puts -0.0 into the group of
    0.0 (they compare equal), which is read by its first value, 0.0 → label "0.0": the cell is accepted.
    (With -0.0 first, the group reads "-0.0" and is refused, so the outcome depends on the row order.)"""
    fw = Framework([Node("I", None, 1.0, False), Node("x0", "I", 1.0, True), Node("x1", "I", 1.0, True)])
    data = pd.DataFrame({"uCode": ["a", "b", "c", "d"], "x0": [1.0, 2.0, 3.0, 5.0], "x1": [4.0, 1.0, 2.0, 3.0]})
    ua = {"factors": [{"name": "share", "type": "choice", "step": "aggregate",
                       "alternatives": {"0.0": {"min_share": 0.0}, "0.5": {"min_share": 0.5}}}]}
    eng = Engine(fw, data, {}, ua)
    with pytest.raises(InputError) as e:
        eng.resolve(pd.DataFrame({"share": [0.0, -0.0, 0.5]}))
    assert "value -0.0 is not an alternative of factor 'share'" in e.value.message
    assert e.value.row == 3 and e.value.column == "share"
