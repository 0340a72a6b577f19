"""The engine's fast paths of the replay (issue 18) give exactly what the paths they shortcut give.

- the means of nodes whose children are all indicators, one mask and one log/reciprocal pass for the
  whole upstream matrix, against :func:`analysis.aggregate.aggregate_matrix` node by node;
- the level-by-level aggregation with a per-spec plan against the loop it replaced (children stacked
  and :func:`~analysis.uncertainty.engine._batched` node by node);
- indicator columns read as a slice (``select_columns``) against ``df[codes]``;
- the cross-section build stopped after normalisation against the full build's normalised table;
- design labels factorised once against each cell read alone, and choice combinations keyed as one
  number against rows compared whole.

Equality is exact (values, dtypes, labels). Timings are in ``benchmarks/bench_replay.py``, never here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis._errors import InputError
from analysis.aggregate import aggregate_matrix, node_method
from analysis.framework import Framework, Node
from analysis.normalise import _one_method, column_rows
from analysis.pipeline import _other_columns, build, build_cross_section, resolve_weights, select_columns
from analysis.spec import load_spec
from analysis.uncertainty import Engine
from analysis.uncertainty.engine import _batched, _FlatChildren

NAN = np.nan


def _matrix(n: int, k: int, seed: int, gaps: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 100.0, (n, k))
    X[rng.random((n, k)) < gaps] = NAN
    return X


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic"])
@pytest.mark.parametrize("gaps", [0.0, 0.25])
@pytest.mark.parametrize("min_share", [0.0, 0.5])
def test_flat_means_equal_aggregate_matrix_node_by_node(method, gaps, min_share):
    X = _matrix(23, 9, seed=4, gaps=gaps)
    X[2, :4] = NAN  # a unit with nothing in the first node
    rng = np.random.default_rng(9)
    W = rng.uniform(0, 3, (17, 9))
    W[3, :4] = 0.0  # a run that weighs the first node's children 0
    flat = _FlatChildren(X)
    for cols in ([0, 1, 2, 3], [4, 5], [6, 7, 8], [8, 0, 5]):
        cols = np.array(cols, dtype=np.intp)
        got = flat.mean(cols, W[:, cols], method, min_share)
        with np.errstate(invalid="ignore", divide="ignore"):
            want = aggregate_matrix(np.column_stack([X[:, j] for j in cols]), W[:, cols], method, min_share)
        np.testing.assert_array_equal(got, want)  # bit for bit, NaN where aggregate_matrix has NaN


@pytest.mark.parametrize("method", ["geometric", "harmonic"])
def test_flat_mean_leaves_a_non_positive_value_to_the_general_path(method):
    X = _matrix(6, 3, seed=1, gaps=0.0)
    X[4, 1] = -2.0
    W = np.ones((2, 3))
    assert _FlatChildren(X).mean(np.array([0, 1, 2]), W, method, 0.0) is None
    with pytest.raises(InputError, match=f"{method} mean over non-positive values"):
        aggregate_matrix(X, W, method)
    # another node's columns are unaffected
    np.testing.assert_array_equal(_FlatChildren(X).mean(np.array([0, 2]), W[:, :2], method, 0.0),
                                  aggregate_matrix(X[:, [0, 2]], W[:, :2], method))


def test_flat_mean_declines_the_other_methods():
    X = _matrix(6, 3, seed=1, gaps=0.0)
    for method in ("mazziotta_pareto", "ampi", "copeland"):
        assert _FlatChildren(X).mean(np.array([0, 1, 2]), np.ones((2, 3)), method, 0.0) is None


# --- aggregation level by level with a plan, against the loop it replaced --------------------------

def _fw() -> Framework:
    """Unbalanced: I ← (A ← a1 a2 a3, B ← (B1 ← b1 b2, b3), c), so B mixes an aggregate and an indicator
    and I mixes aggregates and an indicator."""
    return Framework([Node("I", None, 1.0, False),
                      Node("A", "I", 2.0, False), Node("a1", "A", 1.0, True), Node("a2", "A", 2.0, True),
                      Node("a3", "A", 1.0, True),
                      Node("B", "I", 1.0, False), Node("B1", "B", 1.0, False), Node("b1", "B1", 1.0, True),
                      Node("b2", "B1", 3.0, True), Node("b3", "B", 1.0, True),
                      Node("c", "I", 1.0, True)])


def _old_loop(eng: Engine, Xn: np.ndarray, W: np.ndarray, agg_spec: dict) -> dict:
    fw = eng.fw
    vals = {c: Xn[:, j] for j, c in enumerate(fw.indicators)}
    for code in fw.aggregates:
        ch = fw.children(code)
        method, min_share = node_method(agg_spec, fw, code)
        vals[code] = _batched([vals[c] for c in ch], W[:, [eng.node_ix[c] for c in ch]], method, min_share,
                              W.shape[0])
    return vals


@pytest.mark.parametrize("agg", [
    {"method": "arithmetic"}, {"method": "geometric"}, {"method": "harmonic"},
    {"method": "arithmetic", "min_share": 0.6},
    {"method": "geometric", "by_level": {2: "arithmetic"}},
    {"method": "arithmetic", "by_node": {"A": "mazziotta_pareto", "B1": {"method": "harmonic", "min_share": 0.5}}},
])
def test_aggregation_with_a_plan_equals_the_node_by_node_loop(agg):
    fw = _fw()
    rng = np.random.default_rng(3)
    data = pd.DataFrame(rng.uniform(1, 50, (12, 7)), columns=fw.indicators)
    data.iloc[1, [0, 1, 2]] = NAN
    data.iloc[5, 4] = NAN
    data.insert(0, "uCode", [f"u{i}" for i in range(12)])
    eng = Engine(fw, data, {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": agg})
    Xn = eng.upstream(0) if eng.upstream_keys else None
    if Xn is None:
        key = {s: eng._merge(s, {}) for s in ("impute", "treat", "normalise")}
        eng.upstream_keys.append(key)
        Xn = eng.upstream(0)
    W = np.tile(eng.w_nom, (9, 1)) * rng.uniform(0.2, 1.8, (9, len(eng.nodes)))
    W[2, eng.node_ix["a1"]] = W[2, eng.node_ix["a2"]] = W[2, eng.node_ix["a3"]] = 0.0  # A emptied in run 2
    got = eng.aggregate_runs(Xn, W, agg)
    want = _old_loop(eng, Xn, W, agg)
    assert got.keys() == want.keys()
    for code in fw.aggregates:
        np.testing.assert_array_equal(got[code], want[code], err_msg=code)
    # the nominal run is the built index, bit for bit
    nominal = eng.aggregate_runs(Xn, eng.w_nom[None, :], agg)["I"][:, 0]
    np.testing.assert_array_equal(nominal, build(fw, data, eng.spec).index.to_numpy(dtype=float))


# --- columns read as a slice -----------------------------------------------------------------------

@pytest.mark.parametrize("columns, codes", [
    (["a", "b", "c", "d"], ["a", "b", "c"]),   # leading: a slice
    (["a", "b", "c"], ["a", "b", "c"]),        # all of them
    (["x", "a", "b"], ["a", "b"]),             # not leading: by label
    (["a", "b", "a2", "c"], ["a", "c"]),       # not contiguous
    (["a", "b", "c", "a"], ["a", "b"]),        # a repeated label after the leading ones
])
def test_select_columns_equals_lookup_by_label(columns, codes):
    df = pd.DataFrame(np.arange(3.0 * len(columns)).reshape(3, len(columns)), columns=columns,
                      index=pd.Index(["u1", "u2", "u3"], name="uCode"))
    df[columns[-1]] = df.iloc[:, -1].astype(str) if len(set(columns)) == len(columns) else df.iloc[:, -1]
    pd.testing.assert_frame_equal(select_columns(df, codes), df[codes])
    drop = set(codes)
    pd.testing.assert_frame_equal(_other_columns(df, codes), df[[c for c in df.columns if c not in drop]])


def test_selected_columns_are_a_copy_on_write():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "d": [5.0, 6.0]})
    sub = select_columns(df, ["a", "b"])
    sub.loc[0, "a"] = 99.0
    assert df.loc[0, "a"] == 1.0


# --- the cross-section stopped after normalisation ------------------------------------------------

@pytest.mark.parametrize("spec", [
    {"normalise": {"method": "zscore", "mean": 10, "sd": 2}},
    {"normalise": {"method": "minmax"}, "treat": {"method": "winsorise"}, "impute": {"method": "mean"}},
])
def test_cross_section_through_normalise_equals_the_full_build(spec):
    fw = _fw()
    rng = np.random.default_rng(8)
    vals = pd.DataFrame(rng.lognormal(2, 1, (15, 7)), columns=fw.indicators,
                        index=pd.Index([f"u{i}" for i in range(15)], name="uCode"))
    vals.iloc[3, 2] = NAN
    units = pd.DataFrame(index=vals.index)
    sp = load_spec(spec)
    full = build_cross_section(vals, units, fw, sp, resolve_weights(fw, sp))
    part = build_cross_section(vals, units, fw, sp, None, through="normalise")
    assert part[6] is None
    for i in (0, 1, 2, 4):
        pd.testing.assert_frame_equal(part[i], full[i])
    assert part[5].keys() == full[5].keys()


# --- design labels and choice combinations --------------------------------------------------------

UA = {"factors": [
    {"name": "norm", "type": "choice", "step": "normalise",
     "alternatives": {"m": {"method": "minmax", "range": [1, 100]}, "z": {"method": "zscore", "mean": 10, "sd": 2},
                      "r": {"method": "rank"}}},
    {"name": "treat", "type": "choice", "step": "treat",
     "alternatives": {"none": {"method": "none"}, "w": {"method": "winsorise"}}},
    {"name": "agg", "type": "choice", "step": "aggregate",
     "alternatives": {"a": {"method": "arithmetic"}, "g": {"method": "geometric"}}},
]}


def _engine() -> Engine:
    fw = _fw()
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.uniform(1, 50, (8, 7)), columns=fw.indicators)
    data.insert(0, "uCode", [f"u{i}" for i in range(8)])
    return Engine(fw, data, {"normalise": {"method": "minmax", "range": [1, 100]}}, UA)


def test_runs_resolve_to_the_merged_steps_of_their_labels():
    eng = _engine()
    rng = np.random.default_rng(0)
    design = pd.DataFrame({"norm": rng.choice(["m", "z", "r"], 60), "treat": rng.choice(["none", "w"], 60),
                           "agg": rng.choice(["a", "g"], 60)})
    runs = eng.resolve(design)
    alts = {f.name: f.alternatives for f in eng.ua.factors}
    for r, row in design.iterrows():
        up = eng.upstream_keys[runs.upstream[r]]
        assert up["normalise"] == {**(eng.spec.get("normalise") or {}), **alts["norm"][row["norm"]]}
        assert up["treat"] == {**(eng.spec.get("treat") or {}), **alts["treat"][row["treat"]]}
        assert eng.agg_specs[runs.agg[r]] == {**(eng.spec.get("aggregate") or {}), **alts["agg"][row["agg"]]}
    # distinct combinations in order of first appearance, each merged once
    firsts = design.drop_duplicates(["norm", "treat"])
    assert len(eng.upstream_keys) == len(firsts)
    assert [eng.upstream_keys.index(eng.upstream_keys[runs.upstream[i]]) for i in firsts.index] == \
        list(range(len(firsts)))


@pytest.mark.parametrize("cells", [
    ["z", "m", "z", "r"],                       # labels (str column)
    [2, 1, 2, 3],                               # positions, int column
    [2.0, 1.0, 2.0, 3.0],                       # positions, float column
    pd.array(["z", "m", "z", "r"], dtype=object),  # object column
    np.array(["z", 1, 2.0, "r"], dtype=object),    # mixed object column
])
def test_label_positions_of_typed_and_object_columns(cells):
    eng = _engine()
    f = eng.ua.factors[0]
    got = eng._label_index(pd.DataFrame({"norm": cells}), f)
    want = [f.labels.index(c) if isinstance(c, str) else int(c) - 1 for c in list(cells)]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cells, shown, row", [
    (["z", "m", "q", "r"], "'q'", 4),
    ([1, 2, 4, 1], "4", 4),
    ([1.0, 1.5, 2.0], "1.5", 3),
    ([1.0, NAN, 2.0], "nan", 3),
    ([True, False], "True", 2),
    (np.array([1, True], dtype=object), "True", 3),
])
def test_a_cell_that_is_no_alternative_is_refused_at_its_first_row(cells, shown, row):
    eng = _engine()
    with pytest.raises(InputError) as e:
        eng._label_index(pd.DataFrame({"norm": cells}), eng.ua.factors[0])
    assert f"value {shown} is not an alternative of factor 'norm'" in e.value.message
    assert e.value.row == row and e.value.column == "norm"


def test_resolved_design_is_a_new_table_with_a_plain_index():
    eng = _engine()
    design = pd.DataFrame({"norm": ["m", "z"], "treat": ["none", "w"], "agg": ["a", "g"]})
    runs = eng.resolve(design)
    assert runs.design is not design
    pd.testing.assert_frame_equal(runs.design, design)
    named = design.set_index(pd.RangeIndex(2, name="run"))
    pd.testing.assert_frame_equal(eng.resolve(named).design, design)
    shifted = design.set_index(pd.RangeIndex(5, 7))
    pd.testing.assert_frame_equal(eng.resolve(shifted).design, design)


# --- min-max and z-score of all indicators at once -------------------------------------------------

def _wide_fw(k: int, dirs: list[int]) -> Framework:
    nodes = [Node("I", None, 1.0, False)]
    nodes += [Node(f"x{j}", "I", 1.0, True, direction=dirs[j % len(dirs)]) for j in range(k)]
    return Framework(nodes)


def _by_column(values: pd.DataFrame, fw: Framework, spec: dict, reference: pd.DataFrame | None = None):
    """fit and apply column by column, as normalise did before its matrix path (the reference)."""
    from analysis.normalise import apply, fit, indicator_params

    ref = values if reference is None else reference
    out, fits = {}, {}
    for c in fw.indicators:
        method, p = indicator_params(spec, c)
        f = fit(ref[c].to_numpy(dtype=float), method, p, direction=fw.nodes[c].direction, node=fw.nodes[c], code=c)
        out[c], fits[c] = apply(values[c].to_numpy(dtype=float), f), f
    return pd.DataFrame(out, index=values.index), fits


@pytest.mark.parametrize("spec", [
    {"method": "minmax", "range": [1, 100]}, {"method": "minmax"},
    {"method": "zscore", "mean": 10, "sd": 2}, {"method": "zscore"},
])
@pytest.mark.parametrize("n", [2, 9, 51, 300])  # 300 > 128: numpy's pairwise summation blocks
@pytest.mark.parametrize("gaps", [0.0, 0.2])
def test_normalise_all_columns_at_once_equals_column_by_column(spec, n, gaps):
    from analysis.normalise import normalise

    fw = _wide_fw(7, [1, -1, 1])
    rng = np.random.default_rng(n)
    vals = pd.DataFrame(rng.lognormal(3, 2, (n, 7)) * 10.0 ** rng.integers(-3, 4, 7), columns=fw.indicators)
    if gaps and n > 3:
        vals = vals.mask(rng.random((n, 7)) < gaps)
        vals.iloc[0, :] = vals.iloc[0, :].fillna(1.0)
        vals.iloc[1, :] = vals.iloc[1, :].fillna(2.0)
    rows = column_rows(vals, fw.indicators)
    assert _one_method(rows, rows, fw.indicators, fw, spec) is not None  # the matrix path is taken
    got, gfits = normalise(vals, fw, spec)
    want, wfits = _by_column(vals, fw, spec)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert gfits == wfits
    assert [list(f) for f in gfits.values()] == [list(f) for f in wfits.values()]  # same keys, same order
    ref = vals * 1.5 + 3
    got, _ = normalise(vals, fw, spec, reference=ref)
    pd.testing.assert_frame_equal(got, _by_column(vals, fw, spec, reference=ref)[0], check_exact=True)


@pytest.mark.parametrize("method", ["minmax", "zscore"])
@pytest.mark.parametrize("case, message", [
    ("constant", "indicator is constant"),
    ("empty", "indicator has no data to normalise"),
    ("one", None),
])
def test_normalise_refusals_unchanged_by_the_matrix_path(method, case, message):
    from analysis.normalise import normalise

    fw = _wide_fw(3, [1])
    vals = pd.DataFrame({"x0": [1.0, 2.0, 4.0], "x1": [4.0, 5.0, 7.0], "x2": [1.0, 9.0, 2.0]})  # no sd is 1
    if case == "constant":
        vals["x1"] = 5.0
    elif case == "empty":
        vals["x1"] = NAN
    else:
        vals = vals.iloc[:1]
        message = "z-score needs at least two values" if method == "zscore" else "indicator is constant"
    with pytest.raises(InputError) as e:
        normalise(vals, fw, {"method": method})
    assert message in e.value.message
    assert e.value.column == ("x1" if case != "one" else "x0")


@pytest.mark.parametrize("method", ["minmax", "zscore"])
def test_normalise_one_indicator_at_once_equals_column_by_column(method):
    from analysis.normalise import normalise

    fw = _wide_fw(1, [-1])
    vals = pd.DataFrame({"x0": [3.0, 1.0, 8.0, NAN, 2.5]})
    rows = column_rows(vals, fw.indicators)
    assert _one_method(rows, rows, fw.indicators, fw, {"method": method}) is not None
    pd.testing.assert_frame_equal(normalise(vals, fw, {"method": method})[0],
                                  _by_column(vals, fw, {"method": method})[0], check_exact=True)


@pytest.mark.parametrize("method", ["minmax", "zscore"])
def test_normalise_of_no_units_is_refused_as_column_by_column(method):
    from analysis.normalise import normalise

    fw = _wide_fw(2, [1])
    with pytest.raises(InputError, match="indicator has no data to normalise") as e:
        normalise(pd.DataFrame({"x0": [], "x1": []}, dtype=float), fw, {"method": method})
    assert e.value.column == "x0"


@pytest.mark.parametrize("rng_", [[100, 1], [5, 5], [1, 2, 3]])
def test_a_bad_min_max_range_is_refused_as_column_by_column(rng_):
    from analysis.normalise import normalise

    fw = _wide_fw(2, [1])
    vals = pd.DataFrame({"x0": [1.0, 2.0, 4.0], "x1": [4.0, 5.0, 7.0]})
    with pytest.raises(InputError, match="normalisation range must be") as e:
        normalise(vals, fw, {"method": "minmax", "range": rng_})
    assert e.value.column == "x0"


def test_z_score_of_a_column_with_one_value_is_refused_as_column_by_column():
    from analysis.normalise import normalise

    fw = _wide_fw(2, [1])
    vals = pd.DataFrame({"x0": [1.0, 2.0, 4.0], "x1": [NAN, 5.0, NAN]})
    with pytest.raises(InputError, match="z-score needs at least two values") as e:
        normalise(vals, fw, {"method": "zscore"})
    assert e.value.column == "x1"


def test_choice_combinations_beyond_one_number_are_compared_row_by_row():
    """16 choice factors of 16 alternatives: 16**16 combinations exceed an int64 key, so the rows of
    labels are compared whole; each run still gets the merged steps of its labels."""
    fw = _fw()
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.uniform(1, 50, (8, 7)), columns=fw.indicators)
    data.insert(0, "uCode", [f"u{i}" for i in range(8)])
    factors = [{"name": f"f{i}", "type": "choice", "step": "normalise",
                "alternatives": {f"a{j}": {"method": "minmax", "range": [j, 100 + j + i]} for j in range(16)}}
               for i in range(16)]
    eng = Engine(fw, data, {"normalise": {"method": "minmax", "range": [1, 100]}}, {"factors": factors})
    design = pd.DataFrame({f"f{i}": rng.choice([f"a{j}" for j in range(16)], 40) for i in range(16)})
    design.iloc[7] = design.iloc[3]  # a repeated combination
    runs = eng.resolve(design)
    for r in range(len(design)):
        last = factors[-1]["alternatives"][design.iloc[r, -1]]  # the last factor's step wins
        assert eng.upstream_keys[runs.upstream[r]]["normalise"] == last
    assert runs.upstream[7] == runs.upstream[3]
    # equal merged steps are one upstream table, numbered in order of first appearance
    last = design.iloc[:, -1]
    assert len(eng.upstream_keys) == last.nunique()
    assert list(runs.upstream[sorted(last.drop_duplicates().index)]) == list(range(last.nunique()))


def test_framework_weights_equal_a_series_of_the_node_weights():
    fw = _fw()
    want = pd.Series({c: n.weight for c, n in fw.nodes.items() if n.parent is not None}, dtype=float)
    for _ in range(2):  # the second call reuses the labels
        got = fw.weights()
        pd.testing.assert_series_equal(got, want)
        got["A"] = 99.0  # a caller's change stays in its copy
    pd.testing.assert_series_equal(fw.weights(), want)


# --- identical runs evaluated once ------------------------------------------------------------------

def test_distinct_rows_are_first_occurrences_in_order():
    from analysis.uncertainty.engine import _distinct_rows

    W = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [0.0, 1.0], [3.0, 4.0], [-0.0, 1.0]])
    first, inv = _distinct_rows(W)
    np.testing.assert_array_equal(first, [0, 1, 3, 5])  # -0.0 is not 0.0 bit for bit: its own run
    np.testing.assert_array_equal(inv, [0, 1, 0, 2, 1, 3])
    np.testing.assert_array_equal(W[first][inv], W)
    assert _distinct_rows(np.array([[1.0, 2.0], [2.0, 1.0]])) == (None, None)
    assert _distinct_rows(np.ones((1, 3))) == (None, None)
    assert _distinct_rows(np.ones((4, 0))) == (None, None)
    Wf = np.asfortranarray(np.tile([[5.0, 6.0, 7.0]], (3, 1)))
    first, inv = _distinct_rows(Wf)
    np.testing.assert_array_equal(first, [0])
    np.testing.assert_array_equal(inv, [0, 0, 0])


@pytest.mark.parametrize("agg", [{"method": "arithmetic"}, {"method": "geometric"},
                                 {"method": "arithmetic", "by_node": {"A": "copeland"}}])
def test_a_block_with_repeated_runs_equals_each_run_evaluated(monkeypatch, agg):
    from analysis.uncertainty import engine as engine_mod

    fw = _fw()
    rng = np.random.default_rng(3)
    data = pd.DataFrame(rng.uniform(1, 50, (12, 7)), columns=fw.indicators)
    data.iloc[1, [0, 1]] = NAN
    data.insert(0, "uCode", [f"u{i}" for i in range(12)])
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": agg,
            "levels": {"bands": [30, 60], "labels": ["L1", "L2", "L3"]}}
    eng = Engine(fw, data, spec)
    eng.upstream_keys.append({s: eng._merge(s, {}) for s in ("impute", "treat", "normalise")})
    eng.agg_specs.append(eng._merge("aggregate", {}))
    X = eng.upstream(0)
    base = np.tile(eng.w_nom, (4, 1)) * rng.uniform(0.2, 1.8, (4, len(eng.nodes)))
    W = base[[0, 1, 0, 2, 3, 1, 0, 3]]
    S, (ri, nan), L = eng.block_scores(X, W, 0, 0)
    monkeypatch.setattr(engine_mod, "_distinct_rows", lambda W: (None, None))
    for r in range(len(W)):  # each run alone, nothing shared
        s1, (r1, n1), l1 = eng.block_scores(X, W[r:r + 1], 0, 0)
        # the same number up to the summation order of a matrix product over a block of runs
        np.testing.assert_allclose(S[:, r], s1[:, 0], rtol=1e-13, atol=0)
        np.testing.assert_array_equal(ri[:, r], r1[:, 0])
        np.testing.assert_array_equal(L[:, r], l1[:, 0])
    assert ri.dtype == np.int32 and S.shape == (12, 8)


def test_labels_made_once_are_not_shared_between_results():
    fw = _fw()
    fw.weights().index.name = "changed"
    assert fw.weights().index.name is None
    from analysis.uncertainty.engine import run_labels

    a = pd.DataFrame(np.zeros((1, 3)), columns=run_labels(3).copy())
    a.columns.name = "run"
    assert run_labels(3).name is None and list(run_labels(3)) == ["r_1", "r_2", "r_3"]


def test_weight_sets_listing_the_same_nodes_read_at_once_equal_node_by_node():
    from analysis.uncertainty.spec import Factor

    eng = _engine()
    sets = {f"s{k}": {"a2": 1.0 + k, "I": 1.0, "B1": 2.5, "a1": 3, "c": 0.25 * k} for k in range(5)}
    f = Factor(name="w", type="weight_set", sets=sets)
    from .test_replay_speed_equivalence import set_matrix_by_node

    ref = set_matrix_by_node(eng, f)
    np.testing.assert_array_equal(eng._set_matrix(f), ref)
    sets["s3"] = {"a1": 3, "a2": 4.0, "I": 1.0, "B1": 2.5, "c": 0.75}  # one set in another order
    np.testing.assert_array_equal(eng._set_matrix(Factor(name="w", type="weight_set", sets=sets)), ref)


# --- the nominal run: build's numbers without its summary tables ----------------------------------

@pytest.mark.parametrize("spec", [
    {"normalise": {"method": "minmax", "range": [1, 100]}, "levels": {"bands": [30, 60], "labels": ["a", "b", "c"]}},
    {"normalise": {"method": "zscore"}, "aggregate": {"method": "arithmetic", "min_share": 0.6},
     "impute": {"method": "mean"}, "treat": {"method": "winsorise"}},
])
def test_nominal_run_equals_build(spec):
    fw = _fw()
    rng = np.random.default_rng(5)
    data = pd.DataFrame(rng.lognormal(2, 1, (15, 7)), columns=fw.indicators)
    data.iloc[2, [0, 1]] = NAN
    data.insert(0, "uCode", [f"u{i}" for i in range(15)])
    eng = Engine(fw, data, spec)
    ref = build(fw, data, spec)
    pd.testing.assert_frame_equal(eng.nominal.normalised, ref.normalised, check_exact=True)
    pd.testing.assert_frame_equal(eng.nominal.aggregates, ref.aggregates, check_exact=True)
    pd.testing.assert_series_equal(eng.nominal.index, ref.index, check_exact=True)
    if ref.levels is None:
        assert eng.nominal.levels is None
    else:
        pd.testing.assert_series_equal(eng.nominal.levels, ref.levels)


@pytest.mark.parametrize("spec, message", [
    ({"impute": {"method": "group_mean"}}, "needs 'by'"),
    ({"normalise": {"method": "zscore"}, "aggregate": {"method": "geometric"}}, "geometric mean over non-positive"),
    ({"normalise": {"method": "goalposts"}}, "goalposts normalisation needs"),
])
def test_nominal_run_refuses_as_build(tmp_path, spec, message):
    fw = _fw()
    data = pd.DataFrame(np.arange(1.0, 29.0).reshape(4, 7), columns=fw.indicators)
    data.insert(0, "uCode", ["u0", "u1", "u2", "u3"])
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    with pytest.raises(InputError) as built:
        build(fw, path, spec)
    with pytest.raises(InputError) as engine:
        Engine(fw, path, spec)
    assert message in built.value.message
    assert (engine.value.message, engine.value.file, engine.value.row, engine.value.column, engine.value.node) == \
        (built.value.message, built.value.file, built.value.row, built.value.column, built.value.node)


def test_an_unknown_node_of_a_weight_set_table_is_refused_at_its_line(tmp_path):
    path = tmp_path / "sets.csv"
    path.write_text("set,iCode,Weight\ns1,a1,1\ns1,a2,2\ns2,a1,1\ns2,zz,3\n")
    fw = _fw()
    data = pd.DataFrame(np.arange(1.0, 29.0).reshape(4, 7), columns=fw.indicators)
    data.insert(0, "uCode", ["u0", "u1", "u2", "u3"])
    ua = {"factors": [{"name": "w", "type": "weight_set", "file": str(path)}]}
    with pytest.raises(InputError) as e:
        Engine(fw, data, {}, ua)
    assert e.value.message == "weight set 's2' names unknown node 'zz'"
    assert (e.value.file, e.value.row, e.value.column) == (str(path), 5, "iCode")


def test_a_missing_cell_of_a_text_design_column_is_refused_at_its_row():
    eng = _engine()
    cells = pd.Series(["z", None, "m", "z"], dtype="str")
    with pytest.raises(InputError) as e:
        eng._label_index(pd.DataFrame({"norm": cells}), eng.ua.factors[0])
    assert "value nan is not an alternative of factor 'norm'" in e.value.message
    assert e.value.row == 3
