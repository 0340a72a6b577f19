"""Review of the replay's identical-runs shortcut and the engine's nominal run (commits 58426bb..8d08e83).

Each test fails on a discrepancy found in review:

- identical runs evaluated once (``engine._distinct_rows`` + ``Engine.block_scores``): the scores are
  bit for bit those of evaluating every run, but the repeated columns come back Fortran-ordered
  (``S[:, inv]``), and numpy's reductions depend on the memory layout, so the per-unit ``ScoreMean`` and
  the per-run ``index_mean`` output (the Sobol' output ``index_mean``) change in the last bits — the
  same run gets a different ``index_mean`` depending on whether another run of its block repeats it;
- a panel study whose ``normalise.reference_year`` is not in the data is refused as
  "year 1999 is not in the data" (the engine picks the reference year as if it were the study year),
  where :func:`analysis.build` says "reference year 1999 is not in the data".

The reference of the first is the engine itself with the shortcut switched off (every run evaluated),
as the shortcut promises; of the second, :func:`analysis.build`'s refusal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis._errors import InputError
from analysis.framework import Framework
from analysis.uncertainty import Engine, sample
from analysis.uncertainty import engine as engine_mod

from .test_uncertainty import _toy as uncertainty_toy


def _toy(n: int = 40) -> tuple[Framework, pd.DataFrame]:
    """The toy index of ``test_uncertainty`` (3 dimensions × 3 indicators, one missing value), n units."""
    return uncertainty_toy(0, n)


def _discrete_ua(fw: Framework) -> dict:
    """Only discrete factors: 4 weight sets × 2 aggregations × 4 exclusions, so runs repeat."""
    nodes = [c for c in fw.nodes if c != fw.root]
    sets = {f"s{k}": {c: 1.0 + ((k * 7 + j) % 5) for j, c in enumerate(nodes)} for k in range(4)}
    return {"N": 200, "seed": 3, "factors": [
        {"name": "wset", "type": "weight_set", "sets": sets},
        {"name": "agg", "type": "choice", "step": "aggregate", "alternatives": {"a": "arithmetic", "g": "geometric"}},
        {"name": "drop", "type": "exclude", "indicators": ["x00", "x11", "x22"]}]}


@pytest.mark.parametrize("keep_scores", [True, False])
def test_repeated_runs_give_the_statistics_of_every_run_evaluated(monkeypatch, keep_scores):
    fw, df = _toy()
    eng = Engine(fw, df, {"normalise": {"method": "minmax", "range": [1, 100]}}, _discrete_ua(fw))
    runs = eng.resolve(sample(eng, kind="mc"))
    first, _ = engine_mod._distinct_rows(runs.W)
    assert first is not None and len(first) < len(runs.W)  # the design repeats runs
    got = eng.evaluate(runs, keep_scores=keep_scores)
    monkeypatch.setattr(engine_mod, "_distinct_rows", lambda W: (None, None))
    ref = eng.evaluate(runs, keep_scores=keep_scores)  # every run evaluated
    if keep_scores:
        np.testing.assert_array_equal(got.scores.to_numpy(), ref.scores.to_numpy())  # holds: same bits
    pd.testing.assert_frame_equal(got.rank_stats.drop(columns="ScoreMean"), ref.rank_stats.drop(columns="ScoreMean"),
                                  check_exact=True)  # holds
    # fail: the repeated columns are Fortran-ordered, the sums run in another order
    np.testing.assert_array_equal(got.rank_stats["ScoreMean"].to_numpy(), ref.rank_stats["ScoreMean"].to_numpy())
    np.testing.assert_array_equal(got.outputs["index_mean"].to_numpy(), ref.outputs["index_mean"].to_numpy())


def test_block_scores_of_repeated_runs_keep_the_layout_of_every_run_evaluated(monkeypatch):
    fw, df = _toy(12)
    eng = Engine(fw, df, {"normalise": {"method": "minmax", "range": [1, 100]}})
    eng.upstream_keys.append({s: eng._merge(s, {}) for s in ("impute", "treat", "normalise")})
    eng.agg_specs.append(eng._merge("aggregate", {}))
    X = eng.upstream(0)
    W = np.tile(eng.w_nom, (3, 1)) * np.array([[1.0], [0.5], [2.0]])
    W = W[[0, 1, 0, 2, 1]]
    S, _, _ = eng.block_scores(X, W, 0, 0)
    monkeypatch.setattr(engine_mod, "_distinct_rows", lambda W: (None, None))
    R, _, _ = eng.block_scores(X, W, 0, 0)
    np.testing.assert_array_equal(S, R)  # holds
    assert S.flags.c_contiguous == R.flags.c_contiguous  # fails: S[:, inv] is Fortran-ordered
    np.testing.assert_array_equal(S.mean(axis=0), R.mean(axis=0))
    np.testing.assert_array_equal(S.sum(axis=1), R.sum(axis=1))


def test_a_reference_year_not_in_the_panel_is_refused_as_build(tmp_path):
    fw, df = _toy(6)
    panel = pd.concat([df.assign(year=2023), df.assign(year=2024)], ignore_index=True)
    path = tmp_path / "panel.csv"
    panel.to_csv(path, index=False)
    spec = {"normalise": {"method": "minmax", "range": [1, 100], "reference_year": 1999}}
    with pytest.raises(InputError) as built:
        build(fw, path, spec)
    with pytest.raises(InputError) as engine:
        Engine(fw, path, spec, year=2024)
    assert "reference year 1999" in built.value.message
    assert (engine.value.message, engine.value.file, engine.value.row, engine.value.column, engine.value.node) == \
        (built.value.message, built.value.file, built.value.row, built.value.column, built.value.node)
