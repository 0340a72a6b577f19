"""Tests written because mutants of ``analysis.weights`` survived (see tests/README.md, mutation testing).

Expected values come from independent references, never from the function's own output:

- closed forms worked by hand: the row geometric mean of a (weighted) geometric mean of matrices,
  Saaty's ``λ_max = 1 + ρ^{1/3} + ρ^{−1/3}`` of a 3×3 matrix with ``ρ = a c / b`` (so
  ``CI = (λ_max − 3) / 2`` and ``CR = CI / 0.58``), shares of a budget allocation;
- published tables: Saaty's random index (1980; R.W. Saaty 1987), Aguarón & Moreno-Jiménez's
  (2003) GCI thresholds;
- the error contract of ``analysis._errors.InputError``: each refusal names its file, node, row or
  column and says what is wrong in words (the key words are asserted, case-sensitively).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, InputWarning
from analysis.framework import Framework, Node
from analysis.weights import ahp, ahp_group, ahp_weights, budget_allocation, read_ahp
from analysis.weights.ahp import consistency_line, consistency_table

A3 = np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])        # a = 3, b = 5, c = 2
B3 = np.array([[1, 1, 3], [1, 1, 3], [1 / 3, 1 / 3, 1]])            # consistent: w ∝ (3, 3, 1)
BAD3 = np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])      # cyclic judgements: very inconsistent


def rgm(A) -> np.ndarray:
    """Row geometric means, normalised (written out, not the package's function)."""
    A = np.asarray(A, dtype=float)
    g = np.prod(A, axis=1) ** (1.0 / A.shape[0])
    return g / g.sum()


def lam3(A) -> float:
    """Saaty's λ_max of a 3×3 reciprocal matrix in closed form: 1 + ρ^{1/3} + ρ^{−1/3}, ρ = a12 a23 / a13."""
    rho = A[0, 1] * A[1, 2] / A[0, 2]
    return 1 + rho ** (1 / 3) + rho ** (-1 / 3)


def err(fn, *args, msg: str, inside: bool = False, **where) -> InputError:
    """Call ``fn``; it must raise InputError whose message starts with ``msg`` (or contains it, ``inside``)
    and whose fields equal ``where``."""
    with pytest.raises(InputError) as ei:
        fn(*args)
    e = ei.value
    assert isinstance(e.message, str) and (msg in e.message if inside else e.message.startswith(msg)), e.message
    for k, v in where.items():
        assert getattr(e, k) == (str(v) if k == "file" and v is not None else v), (k, getattr(e, k))
    return e


def fw2() -> Framework:
    """I = D0 (x00, x01, x02) + D1 (x10, x11); every weight 1."""
    nodes = [Node("I", None, 1.0, False), Node("D0", "I", 1.0, False), Node("D1", "I", 1.0, False)]
    nodes += [Node(c, "D0", 1.0, True) for c in ("x00", "x01", "x02")]
    nodes += [Node(c, "D1", 1.0, True) for c in ("x10", "x11")]
    return Framework(nodes, "t")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --- group AHP ------------------------------------------------------------------------------------

def test_group_list_names_experts_and_each_expert_node():
    g = ahp_group([A3, B3], list("xyz"), node="N", warn=False)
    assert list(g.experts) == ["expert1", "expert2"]
    assert g.experts["expert1"].node == "N/expert1" and g.experts["expert2"].node == "N/expert2"
    assert ahp_group({"ana": A3}, warn=False).experts["ana"].node == "ana"     # no node: the expert's name
    assert g.method == "eigen/aij" and g.node == "N"
    assert ahp_group([A3, B3], aggregation="aip", warn=False).method == "eigen/aip-geometric"
    assert ahp_group([A3, B3], aggregation="aip", aip_mean="arithmetic", warn=False).method == "eigen/aip-arithmetic"


def test_group_aij_weighted_is_rgm_of_weighted_geometric_mean():
    # AIJ with expert weights 3:1 and the geometric method: priorities are the row geometric means of
    # A3^0.75 · B3^0.25 (element-wise), written out here
    target = rgm(A3 ** 0.75 * B3 ** 0.25)
    for ew in ([3, 1], [0.75, 0.25], {"a": 3, "b": 1}):
        g = ahp_group({"a": A3, "b": B3}, list("xyz"), method="geometric", expert_weights=ew, warn=False)
        np.testing.assert_allclose(g.weights.to_numpy(), target, rtol=1e-12)
        np.testing.assert_allclose(g.matrix.to_numpy(), A3 ** 0.75 * B3 ** 0.25, rtol=1e-12)
    # a dict that leaves out an expert gives it weight 0 (the group is the other expert)
    g = ahp_group({"a": A3, "b": B3}, method="geometric", expert_weights={"b": 2.0}, warn=False)
    np.testing.assert_allclose(g.weights.to_numpy(), rgm(B3), rtol=1e-12)
    # a zero weight is allowed as long as some weight is positive; sums below 1 are rescaled
    g = ahp_group([A3, B3], method="geometric", expert_weights=[1, 0], warn=False)
    np.testing.assert_allclose(g.weights.to_numpy(), rgm(A3), rtol=1e-12)
    g = ahp_group([A3, B3], method="geometric", expert_weights=[0.2, 0.2], warn=False)
    np.testing.assert_allclose(g.weights.to_numpy(), rgm(np.sqrt(A3 * B3)), rtol=1e-12)


def test_group_aip_geometric_mean_and_consistency_fields_are_weighted_means():
    wa, wb = rgm(A3), rgm(B3)
    g = ahp_group([A3, B3], method="geometric", aggregation="aip", expert_weights=[3, 1], warn=False)
    expect = wa ** 0.75 * wb ** 0.25
    np.testing.assert_allclose(g.weights.to_numpy(), expect / expect.sum(), rtol=1e-12)
    assert g.measure == "GCI" and g.worst_pair is None and g.matrix.isna().all().all()
    assert all(t == np.float64 for t in g.matrix.dtypes) and list(g.matrix.index) == [0, 1, 2]
    assert ahp_group([A3, B3], aggregation="aip", node="N", warn=False).node == "N"
    # eigenvector method: λ_max, CI, CR are the expert-weighted means of the closed forms
    e = ahp_group([A3, B3], aggregation="aip", expert_weights=[3, 1], warn=False)
    lam = 0.75 * lam3(A3) + 0.25 * 3.0
    assert e.lambda_max == pytest.approx(lam, rel=1e-9)
    assert e.ci == pytest.approx(0.75 * (lam3(A3) - 3) / 2, rel=1e-7)
    assert e.cr == pytest.approx(0.75 * (lam3(A3) - 3) / 2 / 0.58, rel=1e-7)
    assert e.measure == "CR" and math.isnan(e.gci)
    a = ahp_group([A3, B3], aggregation="aip", aip_mean="arithmetic", expert_weights=[1, 3], warn=False)
    ea = ahp(A3).weights.to_numpy()
    np.testing.assert_allclose(a.weights.to_numpy(), 0.25 * ea + 0.75 * wb, rtol=1e-9)


def test_group_refusals_name_file_node_and_problem():
    with pytest.raises(InputError) as ei:
        ahp_group({}, node="N", file="f.yaml")
    assert ei.value.message == "group AHP needs at least one matrix"
    assert ei.value.file == "f.yaml" and ei.value.node == "N"
    with pytest.raises(InputError) as ei:
        ahp_group({"a": A3}, expert_weights={"a": 1, "zed": 2}, node="N", file="f.yaml")
    assert "unknown expert 'zed'" in ei.value.message and ei.value.file == "f.yaml" and ei.value.node == "N"
    for ew in ([1, 2, 3], [2, -1], [0, 0], [-1, -1]):
        with pytest.raises(InputError) as ei:
            ahp_group([A3, B3], expert_weights=ew, node="N", file="f.yaml")
        assert "expert weights must be non-negative, one per expert, not all zero" == ei.value.message
        assert ei.value.file == "f.yaml" and ei.value.node == "N"
    L1 = pd.DataFrame(A3, index=list("xyz"), columns=list("xyz"))
    L2 = pd.DataFrame(B3, index=list("xyw"), columns=list("xyw"))
    with pytest.raises(InputError) as ei:
        ahp_group({"a": L1, "b": L2}, node="N", file="f.yaml")
    assert ei.value.message == "expert 'b' compares ['x', 'y', 'w'], others compare ['x', 'y', 'z']"
    assert ei.value.file == "f.yaml" and ei.value.node == "N"
    with pytest.raises(InputError) as ei:
        ahp_group([A3, B3], aggregation="aip", aip_mean="median")
    assert ei.value.message == "unknown AIP mean 'median'"
    with pytest.raises(InputError) as ei:
        ahp_group([A3, B3], aggregation="mean", node="N", file="f.yaml")
    assert ei.value.message == "unknown group aggregation 'mean' (use aij or aip)"
    assert ei.value.file == "f.yaml" and ei.value.node == "N"


def test_group_warnings_name_the_group_and_never_the_experts_matrices_in_aij():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ahp_group({"a": BAD3, "b": BAD3}, list("xyz"), node="N")
    msgs = [str(w.message) for w in rec if issubclass(w.category, InputWarning)]
    assert len(msgs) == 1 and msgs[0].startswith("node 'N': consistency ratio"), msgs
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ahp_group({"a": BAD3, "b": BAD3}, list("xyz"), node="N", aggregation="aip")
    msgs = [str(w.message) for w in rec if issubclass(w.category, InputWarning)]
    assert len(msgs) == 2 and msgs[0].startswith("node 'N', expert 'a': consistency ratio"), msgs
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ahp_group({"a": BAD3}, node="N", warn=False)
        ahp_group({"a": BAD3}, node="N", aggregation="aip", warn=False)
    assert not [w for w in rec if issubclass(w.category, InputWarning)]


# --- AHP weights on a framework ---------------------------------------------------------------------

def test_ahp_weights_single_and_group_nodes(tmp_path):
    comps = {"D0": {"labels": ["x00", "x01", "x02"], "experts": {"matrix": B3}},
             "D1": {"labels": ["x11", "x10"], "experts": {"a": np.array([[1, 4], [1 / 4, 1]]),
                                                          "b": np.array([[1, 1], [1.0, 1]])},
                    "expert_weights": {"a": 1, "b": 0}}}
    w, res = ahp_weights(fw2(), comps, method="geometric")
    np.testing.assert_allclose(w[["x00", "x01", "x02"]], [3 / 7, 3 / 7, 1 / 7], rtol=1e-12)
    # expert b has weight 0: D1's weights are expert a's, x11 four times x10
    assert w["x11"] == pytest.approx(0.8) and w["x10"] == pytest.approx(0.2)
    assert w["D0"] == 0.5 and w["D1"] == 0.5                           # not compared: framework's
    assert res["D0"].node == "D0" and res["D0"].measure == "GCI" and res["D0"].method == "geometric"
    assert res["D1"].node == "D1" and res["D1"].method == "geometric/aij" and set(res["D1"].experts) == {"a", "b"}
    _, r2 = ahp_weights(fw2(), comps, aggregation="aip")
    assert r2["D1"].method == "eigen/aip-geometric" and r2["D1"].measure == "CR"
    assert r2["D1"].weights["x11"] == pytest.approx(0.8)               # AIP with weights 1:0 is expert a


def test_ahp_weights_refusals_name_file_and_node(tmp_path):
    fw = fw2()
    for node in ("x00", "ZZ"):
        with pytest.raises(InputError) as ei:
            ahp_weights(fw, {node: {"labels": ["a", "b"], "experts": {"matrix": np.eye(2)}}})
        assert ei.value.message == "comparisons given for a node that is not an aggregate of the framework"
        assert ei.value.node == node and ei.value.file is None
    p = write(tmp_path, "c.yaml", "x00:\n  labels: [a, b]\n  matrix: [[1, 2], ['1/2', 1]]\n")
    with pytest.raises(InputError) as ei:
        ahp_weights(fw, p)
    assert ei.value.file == str(p) and ei.value.node == "x00"
    p = write(tmp_path, "d.yaml", "D1:\n  labels: [x10, x12]\n  matrix: [[1, 2], ['1/2', 1]]\n")
    with pytest.raises(InputError) as ei:
        ahp_weights(fw, p)
    assert ei.value.file == str(p) and ei.value.node == "D1" and "unknown ['x12'], missing ['x11']" in ei.value.message
    # a group from a file: errors of one expert name the file
    p = write(tmp_path, "e.yaml", "D1:\n  labels: [x10, x11]\n  experts:\n    a: [[1, 2], ['1/2', 1]]\n"
                                  "    b: [[1, 3], ['1/3', 1]]\n  expert_weights: {a: 1, b: 3}\n")
    w, res = ahp_weights(fw, p, method="geometric")
    expect = np.array([2 ** 0.25 * 3 ** 0.75, 1.0])                    # weighted geometric mean of 2 and 3
    np.testing.assert_allclose(w[["x10", "x11"]], expect / expect.sum(), rtol=1e-12)


def test_ahp_weights_warn_by_default_and_not_when_asked(tmp_path):
    comps = {"D0": {"labels": ["x00", "x01", "x02"], "experts": {"matrix": BAD3}}}
    with pytest.warns(InputWarning, match="node 'D0': consistency ratio"):
        ahp_weights(fw2(), comps)
    grp = {"D0": {"labels": ["x00", "x01", "x02"], "experts": {"a": BAD3, "b": BAD3}}}
    with pytest.warns(InputWarning, match="node 'D0': geometric consistency index"):
        ahp_weights(fw2(), grp, method="geometric")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ahp_weights(fw2(), comps, warn=False)
        ahp_weights(fw2(), grp, warn=False)
    assert not [w for w in rec if issubclass(w.category, InputWarning)]


# --- reading comparisons ----------------------------------------------------------------------------

def test_read_ahp_formats_and_file_errors(tmp_path):
    p = write(tmp_path, "c.yml", "I:\n  labels: [a, b]\n  matrix: [[1, 4], ['1/4', 1]]\n")
    d = read_ahp(p)
    np.testing.assert_array_equal(d["I"]["experts"]["matrix"], [[1, 4], [0.25, 1]])
    assert d["I"]["labels"] == ["a", "b"] and d["I"]["expert_weights"] is None
    err(read_ahp, write(tmp_path, "e.yaml", ""), msg="the comparison file is empty", file=tmp_path / "e.yaml")
    err(read_ahp, write(tmp_path, "e.csv", ""), msg="the AHP comparison file is empty", file=tmp_path / "e.csv")
    err(read_ahp, write(tmp_path, "c.txt", "x"), msg="unknown AHP format (use .yaml, .csv or .xlsx)",
        file=tmp_path / "c.txt")
    err(read_ahp, tmp_path / "none.txt", msg="file not found", file=tmp_path / "none.txt")
    # a schema error names the file
    err(read_ahp, write(tmp_path, "k.yaml", "I:\n  labels: [a, b]\n  matrix: [[1, 3], ['1/3', 1]]\n  bogus: 1\n"),
        msg="unknown key", inside=True, file=tmp_path / "k.yaml")


def test_read_ahp_checks_each_matrix_and_names_the_expert(tmp_path):
    e = err(read_ahp, write(tmp_path, "m.yaml", "I:\n  labels: [a, b]\n  matrix: [[1, 3], [0.5, 1]]\n"),
            msg="matrix is not reciprocal: a[a,b] = 3 but a[b,a] = 0.5", file=tmp_path / "m.yaml", node="I")
    assert e.message.startswith("matrix is not reciprocal")
    e = err(read_ahp, write(tmp_path, "x.yaml", "I:\n  labels: [a, b]\n  experts: {ana: [[1, 3], [0.5, 1]]}\n"),
            msg="matrix is not reciprocal: a[a,b] = 3", inside=True, file=tmp_path / "x.yaml", node="I")
    assert e.message.startswith("expert 'ana': matrix is not reciprocal")


def test_read_ahp_yaml_expert_weights(tmp_path):
    d = read_ahp(write(tmp_path, "w.yaml", "I:\n  labels: [a, b]\n  experts: {p: [[1, 2], ['1/2', 1]], "
                                          "q: [[1, 2], ['1/2', 1]]}\n  expert_weights: {p: 2, q: 1}\n"))
    assert d["I"]["expert_weights"] == {"p": 2.0, "q": 1.0}
    assert list(d["I"]["experts"]) == ["p", "q"]
    d = read_ahp(write(tmp_path, "l.yaml", "I:\n  labels: [a, b]\n  experts: {p: [[1, 2], ['1/2', 1]], "
                                          "q: [[1, 2], ['1/2', 1]]}\n  expert_weights: [1, 3]\n"))
    assert d["I"]["expert_weights"] == [1, 3]


def test_read_ahp_csv_full_matrix_experts_and_order(tmp_path):
    p = write(tmp_path, "g.csv", "node,row,col,value,expert\n"
                                  "I,D0,D1,1/2,\n"
                                  "D1,x10,x11,3, ana \n"
                                  "D1,x11,x10,0.333,ana\n"
                                  "D1,x10,x10,1,ana\n"
                                  "D1,x11,x10,2,budi\n")
    d = read_ahp(p)
    assert list(d) == ["I", "D1"]                                     # in the order of the file, not sorted
    assert list(d["D1"]["experts"]) == ["ana", "budi"]               # names stripped
    np.testing.assert_array_equal(d["D1"]["experts"]["ana"], [[1, 3], [0.333, 1]])   # as given, not refilled
    # budi named the pair the other way round: his matrix is put in ana's label order
    assert d["D1"]["labels"] == ["x10", "x11"]
    np.testing.assert_array_equal(d["D1"]["experts"]["budi"], [[1, 0.5], [2, 1]])
    assert list(d["I"]["experts"]) == ["matrix"] and d["I"]["expert_weights"] is None
    np.testing.assert_array_equal(d["I"]["experts"]["matrix"], [[1, 0.5], [2, 1]])
    # labels are text as written (codes with leading zeros stay codes)
    q = write(tmp_path, "z.csv", "node,row,col,value\n010,007,008,3\n")
    assert list(read_ahp(q)) == ["010"] and read_ahp(q)["010"]["labels"] == ["007", "008"]


def test_read_ahp_csv_refusals_name_file_row_column_and_node(tmp_path):
    def csv(name, body):
        return write(tmp_path, name, body)

    p = csv("a.csv", "node,row,value\nI,a,3\n")
    err(read_ahp, p, msg="AHP CSV needs columns ['col', 'node', 'row', 'value'] (and optionally 'expert')", file=p)
    p = csv("b.csv", "node,row,col,value,valeu\nI,a,b,3,1\n")
    e = err(read_ahp, p, msg="unknown column 'valeu' (did you mean 'value'?)", file=p, column="valeu")
    assert e.message == "unknown column 'valeu' (did you mean 'value'?)"
    p = csv("c.csv", "node,row,col,value\nI,a,b,3\nI,,b,3\n")
    e = err(read_ahp, p, msg="empty 'row'", file=p, row=3, column="row")
    assert e.message == "empty 'row'"
    p = csv("d.csv", "node,row,col,value\nI,a,b,3\nI,b,c,abc\n")
    e = err(read_ahp, p, msg="abc", inside=True, file=p, node="I", row=3, column="value")
    p = csv("e.csv", "node,row,col,value\nI,a,b,3\nI,a,a,1.5\n")
    e = err(read_ahp, p, msg="diagonal entry (a, a) = 1.5, not 1", file=p, row=3, node="I")
    assert e.message == "diagonal entry (a, a) = 1.5, not 1"
    p = csv("f.csv", "node,row,col,value\nI,a,b,3\nI,b,a,1/3\nI,a,b,3\n")
    e = err(read_ahp, p, msg="entry (a, b) is given twice", file=p, row=4, node="I")
    assert e.message == "entry (a, b) is given twice"
    p = csv("g.csv", "node,row,col,value,expert\nI,a,b,3,p\nI,a,c,3,q\n")
    e = err(read_ahp, p, msg="expert 'q' compares ['a', 'c'], others ['a', 'b']", file=p, node="I")
    p = csv("h.csv", "node,row,col,value\n")
    err(read_ahp, p, msg="AHP CSV has no judgements", file=p)


def test_read_ahp_xlsx_sheets_per_node_and_expert(tmp_path):
    p = tmp_path / "c.xlsx"
    with pd.ExcelWriter(p) as xw:
        pd.DataFrame({"code": ["a", "b"], "a": [1, "1/4"], "b": [4, 1]}).to_excel(xw, sheet_name="I", index=False)
        pd.DataFrame({"code": ["x", "y"], "x": [1, 2], "y": [0.5, 1]}).to_excel(xw, sheet_name="D@ana", index=False)
        pd.DataFrame({"code": ["x", "y"], "x": [1, 3], "y": ["1/3", 1]}).to_excel(xw, sheet_name="D@budi", index=False)
    d = read_ahp(p)
    assert list(d) == ["I", "D"]
    assert d["I"]["labels"] == ["a", "b"] and list(d["I"]["experts"]) == ["matrix"]
    np.testing.assert_array_equal(d["I"]["experts"]["matrix"], [[1, 4], [0.25, 1]])
    assert d["D"]["labels"] == ["x", "y"] and list(d["D"]["experts"]) == ["ana", "budi"]
    np.testing.assert_allclose(d["D"]["experts"]["budi"], [[1, 1 / 3], [3, 1]], rtol=1e-15)
    assert d["D"]["expert_weights"] is None
    q = tmp_path / "h.xlsx"
    with pd.ExcelWriter(q) as xw:
        pd.DataFrame({"code": ["a", "b"], "a": [1, 0.5], "c": [2, 1]}).to_excel(xw, sheet_name="I", index=False)
    e = err(read_ahp, q, msg="sheet 'I': header ['a', 'c'] differs from row labels ['a', 'b']", file=q, node="I")
    q = tmp_path / "v.xlsx"
    with pd.ExcelWriter(q) as xw:
        pd.DataFrame({"code": ["a", "b"], "a": [1, "x"], "b": [2, 1]}).to_excel(xw, sheet_name="I@e", index=False)
    e = err(read_ahp, q, msg="sheet 'I@e': ", file=q, node="I", row=3, column="a")
    assert e.message.startswith("sheet 'I@e': ")
    q = tmp_path / "m.xlsx"
    with pd.ExcelWriter(q) as xw:
        pd.DataFrame({"code": ["a", "b"], "a": [1, 0.5], "b": [3, 1]}).to_excel(xw, sheet_name="I@e", index=False)
    e = err(read_ahp, q, msg="expert 'e': matrix is not reciprocal", file=q, node="I")
    e = err(read_ahp, q, msg="matrix is not reciprocal", inside=True, file=q, node="I")


# --- consistency report ----------------------------------------------------------------------------

def test_consistency_table_columns_and_rows():
    assert list(consistency_table({}).columns) == ["node", "method", "n", "measure", "value", "threshold",
                                                   "consistent", "lambda_max", "CI", "CR", "GCI", "worst_pair"]
    res = {"P": ahp(A3, list("xyz"), node="P"), "Q": ahp(np.array([[1, 2], [0.5, 1]]), ["u", "v"], node="Q"),
           "G": ahp(A3, list("xyz"), method="geometric", node="G")}
    tab = consistency_table(res)
    assert list(tab.columns) == ["node", "method", "n", "measure", "value", "threshold", "consistent",
                                 "lambda_max", "CI", "CR", "GCI", "worst_pair"]
    t = tab.set_index("node")
    assert t.loc["P", "method"] == "eigen" and t.loc["P", "n"] == 3 and t.loc["P", "consistent"] == True  # noqa: E712
    assert t.loc["P", "lambda_max"] == pytest.approx(lam3(A3), rel=1e-9)
    assert t.loc["P", "CI"] == pytest.approx((lam3(A3) - 3) / 2, rel=1e-7)
    assert t.loc["P", "CR"] == pytest.approx((lam3(A3) - 3) / 2 / 0.58, rel=1e-7)
    assert t.loc["P", "value"] == t.loc["P", "CR"] and math.isnan(t.loc["P", "GCI"])
    # GCI of the 3×3 matrix in closed form: ln²(a c / b) / 3
    assert t.loc["G", "GCI"] == pytest.approx(math.log(3 * 2 / 5) ** 2 / 3, rel=1e-10)
    assert t.loc["G", "threshold"] == 0.31 and t.loc["G", "measure"] == "GCI"
    # the worst pair, "i vs j"; none for n = 2
    assert t.loc["Q", "worst_pair"] == "" and t.loc["Q", "consistent"] == True  # noqa: E712
    assert " vs " in t.loc["P", "worst_pair"] and t.loc["P", "worst_pair"].count(" vs ") == 1
    assert set(t.loc["P", "worst_pair"].split(" vs ")) <= set("xyz")


def test_consistency_line_texts():
    assert consistency_line(ahp(np.array([[1, 2], [0.5, 1]]))) == "matrix: CR 0 (eigen; consistent, n = 2)"
    cr = (lam3(A3) - 3) / 2 / 0.58
    assert consistency_line(ahp(A3, node="P")) == f"P: CR {cr:.3f} ≤ 0.10 (eigen; consistent)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        bad = ahp(BAD3, node="B")
        g = ahp(BAD3, node="B", method="geometric")
    assert consistency_line(bad) == f"B: CR {bad.cr:.3f} > 0.10 (eigen; revise)"
    # GCI = ln²(a c / b) / 3 with a = c = 9, b = 1/9
    assert consistency_line(g) == f"B: GCI {math.log(9 * 9 * 9) ** 2 / 3:.3f} > 0.31 (geometric; revise)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        big = ahp(np.ones((11, 11)), node="L")
    assert consistency_line(big) == "L: CR not defined for n = 11 (eigen)"


# --- budget allocation -------------------------------------------------------------------------------

def _alloc():
    return pd.DataFrame({"D0": [60, 40, 50], "D1": [40, 60, 50],
                         "x00": [50, 20, 30], "x01": [25, 40, 30], "x02": [25, 40, 40]},
                        index=["e1", "e2", "e3"])


def test_budget_mean_median_and_summary_by_hand():
    r = budget_allocation(fw2(), _alloc())
    # mean shares: x00 (0.5 + 0.2 + 0.3)/3, x01 (0.25 + 0.4 + 0.3)/3, x02 (0.25 + 0.4 + 0.4)/3
    np.testing.assert_allclose(r.weights[["x00", "x01", "x02"]], [1.0 / 3, 0.95 / 3, 1.05 / 3], rtol=1e-12)
    assert r.weights["D0"] == pytest.approx(0.5) and r.weights["x10"] == 0.5       # D1 not allocated
    m = budget_allocation(fw2(), _alloc(), combine="median")
    # median shares 0.3, 0.3, 0.4 (already summing to 1)
    np.testing.assert_allclose(m.weights[["x00", "x01", "x02"]], [0.3, 0.3, 0.4], rtol=1e-12)
    s = r.summary
    assert s.index.name == "code" and list(s.columns) == ["parent", "n_experts", "mean", "median", "sd", "min",
                                                          "max", "weight"]
    assert s.loc["x00", "parent"] == "D0" and s.loc["D1", "parent"] == "I"
    assert s.loc["x02", "n_experts"] == 3 and s.loc["x02", "mean"] == pytest.approx(35.0)
    assert s.loc["x02", "median"] == 40 and s.loc["x02", "min"] == 25 and s.loc["x02", "max"] == 40
    assert s.loc["x00", "sd"] == pytest.approx(np.sqrt(((50 - 100 / 3) ** 2 + (20 - 100 / 3) ** 2
                                                        + (30 - 100 / 3) ** 2) / 2))
    assert s.loc["x01", "weight"] == pytest.approx(0.95 / 3)
    assert r.allocations.loc["e2", "x00"] == 20


def test_budget_expert_skipping_a_node_and_any_total():
    A = _alloc().astype(float)
    A.loc["e3", ["x00", "x01", "x02"]] = np.nan                 # e3 does not judge D0's children
    r = budget_allocation(fw2(), A)
    np.testing.assert_allclose(r.weights[["x00", "x01", "x02"]], [0.35, 0.325, 0.325], rtol=1e-12)
    assert r.summary.loc["x00", "n_experts"] == 2
    B = pd.DataFrame({"x10": [3.0, 1.0], "x11": [1.0, 1.0]}, index=["p", "q"])     # totals 4 and 2
    r = budget_allocation(fw2(), B, budget=None)
    np.testing.assert_allclose(r.weights[["x10", "x11"]], [0.625, 0.375], rtol=1e-12)
    # the budget check has a relative tolerance: 100.00005 passes with tol 1e-6 · 100
    C = pd.DataFrame({"x10": [60.00005], "x11": [40.0]}, index=["p"])
    assert budget_allocation(fw2(), C).weights["x10"] == pytest.approx(0.6, rel=1e-6)
    err(budget_allocation, fw2(), pd.DataFrame({"x10": [60.5], "x11": [40.0]}, index=["p"]),
        msg="expert 'p' allocates 100.5 points over the children of 'D1', not 100", node="D1")
    r = budget_allocation(fw2(), pd.DataFrame({"x10": [6.0], "x11": [4.0]}, index=["p"]), budget=10)
    assert r.weights["x10"] == pytest.approx(0.6)


def test_budget_refusals(tmp_path):
    fw = fw2()
    A = _alloc()
    dup = pd.concat([A, A.iloc[[0]]])
    err(budget_allocation, fw, dup, msg="expert 'e1' is listed twice", file=None)
    err(budget_allocation, fw, A.assign(I=1), msg="budget allocation names unknown node 'I'", column="I", file=None)
    err(budget_allocation, fw, A.assign(x00=["a", 20, 30]), msg="non-numeric points 'a' from expert 'e1'",
        column="x00", file=None)
    err(budget_allocation, fw, A.assign(x00=[50, np.inf, 30]), msg="points must be finite, got inf",
        column="x00", file=None)
    err(budget_allocation, fw, A.assign(x00=[0, -20, 30]), msg="negative points from expert 'e2'", column="x00")
    err(budget_allocation, fw, A.drop(columns="x02"), msg="budget for 'D0' lacks its child 'x02'", node="D0")
    B = A.astype(float)
    B.loc["e2", "x01"] = np.nan
    err(budget_allocation, fw, B, msg="expert 'e2' leaves 'x01' blank in 'D0'", node="D0", file=None)
    # an expert who skips a node does not stop the checks of the experts after them
    S = A.astype(float)
    S.loc["e1", ["x00", "x01", "x02"]] = np.nan
    S.loc["e2", "x00"] = 30
    err(budget_allocation, fw, S, msg="expert 'e2' allocates 110 points over the children of 'D0', not 100")
    # the tolerance is relative to the budget but at least tol in absolute terms (max(1, budget))
    T = pd.DataFrame({"x10": [0.6 + 1.5e-6], "x11": [0.4]}, index=["p"])
    with pytest.raises(InputError, match="allocates 1 points over the children of 'D1', not 1"):
        budget_allocation(fw, T, budget=1.0)
    Z = pd.DataFrame({"x10": [0.0], "x11": [0.0]}, index=["z"])
    with pytest.raises(InputError) as ei:
        budget_allocation(fw, Z, budget=None)
    assert ei.value.message == "expert 'z' allocates no points in 'D1'" and ei.value.node == "D1"
    with pytest.raises(InputError) as ei:
        budget_allocation(fw, A, combine="mode")
    assert ei.value.message == "unknown combination 'mode' (use mean or median)"
    # a file: errors name it
    p = tmp_path / "b.csv"
    p.write_text("expert,x10,x11\np,70,40\n")
    with pytest.raises(InputError) as ei:
        budget_allocation(fw, p)
    assert ei.value.file == str(p) and ei.value.node == "D1" and "allocates 110 points" in ei.value.message
    p.write_text("expert,x10,x11\np,70,30\n")
    assert budget_allocation(fw, p).weights["x10"] == pytest.approx(0.7)
    p.write_text("expert,x10,x11\np,70,30\np,60,40\n")            # the table check names the file too
    with pytest.raises(InputError) as ei:
        budget_allocation(fw, p)
    assert ei.value.file == str(p)
    # checks that need the framework name the file as well
    for text, where in (("expert,x10,zz\np,70,30\n", {"column": "zz"}),
                        ("expert,x10\np,100\n", {"node": "D1"}),
                        ("expert,x10,x11,x00,x01,x02\np,70,30,50,,50\n", {"node": "D0"})):
        p.write_text(text)
        with pytest.raises(InputError) as ei:
            budget_allocation(fw, p)
        assert ei.value.file == str(p), text
        for k, v in where.items():
            assert getattr(ei.value, k) == v, (text, k)


# --- equal and explicit weights ----------------------------------------------------------------------

def test_equal_and_explicit_weights():
    from analysis.weights import equal_weights, explicit_weights

    nodes = [Node("I", None, 1.0, False), Node("A", "I", 3.0, False), Node("B", "I", 1.0, False),
             Node("a1", "A", 2.0, True), Node("a2", "A", 6.0, True), Node("b1", "B", 5.0, True)]
    fw = Framework(nodes, "t")
    e = equal_weights(fw)
    assert e.to_dict() == {"A": 0.5, "B": 0.5, "a1": 0.5, "a2": 0.5, "b1": 1.0}
    x = explicit_weights(fw)
    assert x.to_dict() == {"A": 0.75, "B": 0.25, "a1": 0.25, "a2": 0.75, "b1": 1.0}
    y = explicit_weights(fw, {"a1": 6.0})
    assert y["a1"] == 0.5 and y["A"] == 0.75


# --- weight sets (the report's comparison of weighting methods) -------------------------------------

def _panel_result(n: int = 40):
    """A two-year panel on I = D0 (x00, x01, x02) + D1 (x10, x11) + D2 (x20), framework weights unequal.

    2024's data are independent noise; in 2025 x00 is the reverse of x01 (so its first principal
    component within D0 loads negatively on one of them).
    """
    nodes = [Node("I", None, 1.0, False), Node("D0", "I", 2.0, False), Node("D1", "I", 1.0, False),
             Node("D2", "I", 1.0, False)]
    nodes += [Node(c, "D0", w, True) for c, w in (("x00", 1.0), ("x01", 2.0), ("x02", 1.0))]
    nodes += [Node(c, "D1", 1.0, True) for c in ("x10", "x11")] + [Node("x20", "D2", 1.0, True)]
    fw = Framework(nodes, "t")
    rng = np.random.default_rng(5)
    frames = []
    for year in (2024, 2025):
        X = rng.uniform(0, 10, (n, 6))
        if year == 2025:
            X[:, 0] = 10 - X[:, 1] + rng.normal(0, 0.5, n)
        df = pd.DataFrame(X, columns=fw.indicators)
        df.insert(0, "uCode", [f"u{i:02d}" for i in range(n)])
        df.insert(1, "Year", year)
        frames.append(df)
    from analysis import build

    return build(fw, pd.concat(frames, ignore_index=True), {"normalise": {"method": "minmax", "range": [0, 100]}})


def test_weight_sets_equal_framework_and_unknown_method():
    from analysis.weights.derive import weight_sets

    res = _panel_result()
    sets, details = weight_sets(res, ("equal", "framework"))
    assert list(sets) == ["equal", "framework"] and details == {}
    assert sets["equal"][["D0", "D1", "D2", "x00", "x10", "x20"]].tolist() == [1 / 3, 1 / 3, 1 / 3, 1 / 3, 0.5, 1.0]
    assert sets["framework"][["D0", "D1", "x01", "x00"]].tolist() == [0.5, 0.25, 0.5, 0.25]
    with pytest.raises(InputError) as ei:
        weight_sets(res, ("equal", "zz"))
    assert ei.value.message == ("unknown weighting method 'zz' (use equal, framework, entropy, critic, pca, "
                                "pca_pc1, optimised, bod)")


def test_weight_sets_data_driven_use_the_chosen_year():
    from analysis.weights import critic_weights
    from analysis.weights.derive import weight_sets

    res = _panel_result()
    for year in (2024, 2025):
        T = res.normalised.xs(year, level="Year")
        sets, _ = weight_sets(res, ("critic",), year=year)
        # D0's children are weighted by CRITIC on that year's normalised indicators (hand-checked formula)
        Z = T[["x00", "x01", "x02"]].to_numpy(float)
        Z = (Z - Z.min(0)) / (Z.max(0) - Z.min(0))
        C = Z.std(0, ddof=1) * (1 - np.corrcoef(Z, rowvar=False)).sum(0)
        np.testing.assert_allclose(sets["critic"][["x00", "x01", "x02"]], C / C.sum(), rtol=1e-9)
        np.testing.assert_allclose(critic_weights(T[["x00", "x01", "x02"]]).to_numpy(), C / C.sum(), rtol=1e-9)


def test_weight_sets_pca_variants_and_the_pc1_refusal():
    from analysis.weights import pca_weights
    from analysis.weights.derive import weight_sets

    res = _panel_result()
    T = res.normalised.xs(2024, level="Year")
    sets, _ = weight_sets(res, ("pca",), year=2024)
    # D1 (two indicators): one factor kept; weights are the squared loadings, scaled: (½, ½) for two variables
    np.testing.assert_allclose(sets["pca"][["x10", "x11"]], [0.5, 0.5], rtol=1e-9)
    np.testing.assert_allclose(sets["pca"][["x00", "x01", "x02"]],
                               pca_weights(T[["x00", "x01", "x02"]]).weights.to_numpy(), rtol=1e-9)
    # in 2025 x00 is the reverse of x01: the first component loads negatively on one of them
    with pytest.raises(InputError) as ei:
        weight_sets(res, ("pca_pc1",), year=2025)
    e = ei.value
    assert e.node in ("x00", "x01")
    assert e.message == (f"pca_pc1: the first principal component loads negatively on '{e.node}' within its "
                         f"group, so its loadings cannot be weights; use 'pca' (the Handbook's rotated factors) "
                         f"instead")


def test_weight_sets_optimised_gives_equal_importance_per_group():
    from analysis.weights.derive import weight_sets

    res = _panel_result()
    sets, details = weight_sets(res, ("optimised",), year=2024)
    w = sets["optimised"]
    assert set(details["optimised"]) == {"I", "D0", "D1"}              # D2 has one child: nothing to optimise
    T = res.normalised.xs(2024, level="Year")
    # recompute the aggregates with the optimised weights (weighted arithmetic means) and check that each
    # child's squared correlation with its parent is the same within the group
    sc = {c: T[c].to_numpy(float) for c in T.columns}
    for agg, ch in (("D0", ["x00", "x01", "x02"]), ("D1", ["x10", "x11"]), ("D2", ["x20"])):
        sc[agg] = sum(w[c] * sc[c] for c in ch)
    sc["I"] = sum(w[c] * sc[c] for c in ("D0", "D1", "D2"))
    for agg, ch in (("D0", ["x00", "x01", "x02"]), ("D1", ["x10", "x11"]), ("I", ["D0", "D1", "D2"])):
        r2 = np.array([np.corrcoef(sc[c], sc[agg])[0, 1] ** 2 for c in ch])
        np.testing.assert_allclose(r2 / r2.sum(), 1 / len(ch), atol=2e-3)
        assert w[ch].sum() == pytest.approx(1.0)
    sets, details = weight_sets(res, ("optimised",), year=2024, opt_min_weight=0.3)
    assert (sets["optimised"][["x00", "x01", "x02", "D0", "D1", "D2"]] >= 0.3 - 1e-9).all()
    assert (details["optimised"]["D0"].table["lower"] == 0.3).all()


def test_weight_sets_bod_scores_against_linprog():
    from scipy.optimize import linprog

    from analysis import build
    from analysis.weights.derive import weight_sets

    res = _panel_result()
    zres = build(res.framework, pd.concat([res.raw.xs(2024, level="Year").reset_index()]),
                 {"normalise": {"method": "zscore"}})
    for r, year in ((res, 2024), (zres, None)):
        T = r.normalised.xs(year, level="Year") if year else r.normalised
        Y = (T - T.min().clip(upper=0)).to_numpy(float)     # shifted to start at 0 where a column is negative
        want = []
        for c in range(len(Y)):
            lp = linprog(-Y[c], A_ub=Y, b_ub=np.ones(len(Y)), bounds=(0, None), method="highs")
            want.append(-lp.fun)
        sets, details = weight_sets(r, ("bod",), year=year)
        np.testing.assert_allclose(sets["bod"].to_numpy(), 100 * np.array(want), rtol=1e-6, atol=1e-6)
        assert details["bod"].scores.max() == pytest.approx(1.0)
    # share bounds are passed on: with every indicator's contribution at least 10 %, no unit keeps a
    # score of 100 by ignoring five indicators
    sets, details = weight_sets(res, ("bod",), year=2024, bod_lower=0.1)
    sh = details["bod"].shares
    assert (sh.to_numpy()[(T := res.normalised.xs(2024, level="Year")).to_numpy() > 0] >= 0.1 - 1e-6).all()
    sets2, d2 = weight_sets(res, ("bod",), year=2024, bod_upper=0.3, bod_share="weight")
    assert (d2["bod"].normalised_weights.to_numpy() <= 0.3 + 1e-6).all()


def test_weight_sets_ahp_and_budget_sets():
    from analysis.weights.derive import weight_sets

    res = _panel_result()
    comps = {"D0": {"labels": ["x00", "x01", "x02"], "experts": {"matrix": B3}}}
    budget = pd.DataFrame({"x10": [70.0, 50.0], "x11": [30.0, 50.0]}, index=["p", "q"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        sets, details = weight_sets(res, (), ahp=comps, budget=budget)
    assert list(sets) == ["ahp", "budget"]
    np.testing.assert_allclose(sets["ahp"][["x00", "x01", "x02"]], [3 / 7, 3 / 7, 1 / 7], rtol=1e-9)
    assert details["ahp"]["D0"].measure == "CR"
    np.testing.assert_allclose(sets["budget"][["x10", "x11"]], [0.6, 0.4], rtol=1e-12)
    assert details["budget"].summary.loc["x10", "mean"] == 60.0


# --- PCA / factor analysis -----------------------------------------------------------------------------

def _exact_corr(R: np.ndarray, n: int = 50, seed: int = 1) -> pd.DataFrame:
    """Data whose sample correlation matrix is exactly ``R`` (whitened noise coloured by Cholesky)."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, R.shape[0]))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False))).T
    return pd.DataFrame(Z @ np.linalg.cholesky(R).T, columns=[f"v{i}" for i in range(R.shape[0])])


def _equi(p: int, rho: float) -> np.ndarray:
    return (1 - rho) * np.eye(p) + rho * np.ones((p, p))


@pytest.mark.parametrize("p, rho", [(3, 0.5), (4, 0.3), (6, 0.7)])
def test_kmo_and_bartlett_of_an_equicorrelation_matrix_closed_form(p, rho):
    """Equicorrelation ρ: partial correlations ρ / (1 + (p − 2) ρ), so KMO = 1 / (1 + (1 + (p − 2) ρ)^−2);
    |R| = (1 − ρ)^{p−1} (1 + (p − 1) ρ) in Bartlett's χ² = −(n − 1 − (2p + 5)/6) ln|R|."""
    from scipy import stats as sps

    from analysis.weights import bartlett, kmo

    n = 50
    X = _exact_corr(_equi(p, rho), n=n)
    overall, per = kmo(X)
    want = 1 / (1 + (1 + (p - 2) * rho) ** -2)
    assert overall == pytest.approx(want, rel=1e-9)
    np.testing.assert_allclose(per.to_numpy(), want, rtol=1e-9)
    assert list(per.index) == list(X.columns) and per.name == "KMO"
    chi2, df, pv = bartlett(X)
    logdet = (p - 1) * math.log(1 - rho) + math.log(1 + (p - 1) * rho)
    assert chi2 == pytest.approx(-(n - 1 - (2 * p + 5) / 6) * logdet, rel=1e-9)
    assert df == p * (p - 1) // 2 and pv == pytest.approx(sps.chi2.sf(chi2, df), rel=1e-9)


def test_bartlett_of_a_singular_matrix_is_infinite():
    from analysis.weights import bartlett

    X = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8], "c": [1.0, 0, 2, 1]})
    assert bartlett(X) == (float("inf"), 3, 0.0)


def test_pca_weights_result_fields_on_two_blocks():
    """Two blocks (3 at ρ = 0.8, 3 at ρ = 0.5): eigenvalues 2.6, 2.0, then 0.5, 0.5, 0.2, 0.2."""
    from analysis.weights import pca_weights

    R = np.eye(6)
    R[:3, :3], R[3:, 3:] = _equi(3, 0.8), _equi(3, 0.5)
    X = _exact_corr(R)
    r = pca_weights(X)
    np.testing.assert_allclose(r.eigenvalues.to_numpy(), [2.6, 2.0, 0.5, 0.5, 0.2, 0.2], atol=1e-9)
    assert list(r.eigenvalues.index) == [f"PC{i}" for i in range(1, 7)]
    np.testing.assert_allclose(r.explained.to_numpy(), np.array([2.6, 2.0, 0.5, 0.5, 0.2, 0.2]) / 6, atol=1e-9)
    assert r.n_factors == 2 and r.cumulative == pytest.approx(4.6 / 6) and r.notes == []
    assert r.method == "handbook" and r.n == 50
    assert list(r.loadings.columns) == ["F1", "F2"] and list(r.assigned) == ["F1"] * 3 + ["F2"] * 3
    # within a block every loading is √(λ/3) after rotation (the blocks are already simple structure)
    np.testing.assert_allclose(np.abs(r.loadings.to_numpy()), [[math.sqrt(2.6 / 3), 0]] * 3
                               + [[0, math.sqrt(2.0 / 3)]] * 3, atol=1e-6)
    assert (r.loadings.to_numpy().max(axis=0) > 0).all()                 # each factor's largest loading positive
    # between-factor weighting: Expl./Tot = 2.6/4.6 and 2.0/4.6; within a factor 1/3 each
    np.testing.assert_allclose(r.factor_share.to_numpy(), [2.6 / 4.6, 2.0 / 4.6], atol=1e-9)
    np.testing.assert_allclose(r.weights.to_numpy(), [2.6 / 4.6 / 3] * 3 + [2.0 / 4.6 / 3] * 3, atol=1e-9)
    np.testing.assert_allclose(r.scaled.to_numpy().sum(axis=0), [1.0, 1.0], atol=1e-12)
    assert list(r.weights.index) == list(X.columns)
    # KMO and Bartlett are reported with the weights
    from analysis.weights import bartlett, kmo

    assert r.kmo == kmo(X)[0] and r.bartlett == bartlett(X)


def test_pca_weights_options_and_refusals():
    from analysis.weights import pca_weights

    R = np.eye(6)
    R[:3, :3], R[3:, 3:] = _equi(3, 0.8), _equi(3, 0.5)
    X = _exact_corr(R)
    # max_factors caps the rule; n_factors fixes the number (1..p), out of range is refused
    assert pca_weights(X, max_factors=1).n_factors == 1
    assert pca_weights(X, n_factors=6).n_factors == 6 and pca_weights(X, n_factors=1).n_factors == 1
    for bad in (0, 7):
        with pytest.raises(InputError) as ei:
            pca_weights(X, n_factors=bad)
        assert ei.value.message == f"n_factors must be between 1 and 6, got {bad}"
    with pytest.raises(InputError) as ei:
        pca_weights(X, method="fa")
    assert ei.value.message == "unknown PCA weighting 'fa' (use handbook or pc1)"
    # unrotated: the loadings are the eigenvectors times √λ
    u = pca_weights(X, rotate=False)
    vals, vecs = np.linalg.eigh(R)
    L0 = vecs[:, ::-1][:, :2] * np.sqrt(vals[::-1][:2])
    np.testing.assert_allclose(np.abs(u.loadings.to_numpy()), np.abs(L0), atol=1e-6)
    # no factor passes both criteria: 12 indicators at ρ = −0.05 have eigenvalues 1.05 (× 11, 8.75 % each)
    # and 0.45; one factor is kept, with a note and a warning
    Y = _exact_corr(_equi(12, -0.05), n=80)
    with pytest.warns(InputWarning, match="PCA weights: no factor has an eigenvalue > 1 and a variance share > 10%"):
        r = pca_weights(Y)
    assert r.n_factors == 1 and "(largest eigenvalue 1.05, share 8.8%)" in r.notes[0]
    assert r.notes[0].endswith("one factor kept") and len(r.notes) == 2
    assert "the 1 kept factor(s) (eigenvalue > 1 and share > 10%) explain 8.8% of the variance" in r.notes[1]
    # the pc1 variant: first eigenvector, signs making the sum positive
    p1 = pca_weights(X, "pc1")
    v = np.linalg.eigh(R)[1][:, -1]
    v = v * np.sign(v.sum())
    np.testing.assert_allclose(p1.weights.to_numpy(), v, atol=1e-9)
    assert p1.assigned is None and list(p1.loadings.columns) == ["PC1"] and p1.method == "pc1"
    # too few complete units, a constant indicator
    with pytest.raises(InputError) as ei:
        pca_weights(pd.DataFrame({"a": [1.0, 2, np.nan], "b": [1.0, 3, 2]}))
    assert ei.value.message == "PCA needs at least 3 complete units; 2 are complete"
    with pytest.raises(InputError) as ei:
        pca_weights(pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 1, 1]}))
    assert ei.value.message == "indicator 'b' is constant; PCA is undefined" and ei.value.column == "b"


def test_retained_factors_rule_edges():
    from analysis.weights.pca import retained_factors

    assert retained_factors([3.0, 2.0, 1.5]) == 3                       # every factor qualifies
    assert retained_factors([2.0, 1.5, 1.0, 0.5]) == 2                  # "larger than one": 1.0 is not
    assert retained_factors([1.5, 2.0, 0.5]) == 2                       # order does not matter
    # the share rule on its own: 1.2 of 13 is 9.2 % (< 10 %), 1.4 of 13 is 10.8 %
    assert retained_factors([6.0, 1.4, 1.2] + [0.44] * 10) == 2
    assert retained_factors([2.0, 1.5, 1.0, 0.5], min_eigen=0.9) == 3
    assert retained_factors([2.0, 1.5, 1.0, 0.5], min_share=0.3) == 1


# --- third round: AHP core details ---------------------------------------------------------------------

def one_off(n: int, t: float) -> np.ndarray:
    """Consistent matrix of priorities 1, 2, …, n with judgement (0, 1) multiplied by ``t``."""
    w = np.arange(1.0, n + 1)
    A = w[:, None] / w[None, :]
    A[0, 1] *= t
    A[1, 0] /= t
    return A


def test_two_by_two_has_zero_ci_and_gci_uses_the_given_priorities():
    r = ahp(np.array([[1, 5], [0.2, 1]]))
    assert (r.lambda_max, r.ci, r.cr) == (2.0, 0.0, 0.0)
    from analysis.weights.ahp import gci

    # GCI with given priorities w: 2/((n−1)(n−2)) Σ_{i<j} ln²(a_ij w_j / w_i), here n = 3 (factor 1)
    w = np.array([0.5, 0.3, 0.2])
    e = [A3[0, 1] * w[1] / w[0], A3[0, 2] * w[2] / w[0], A3[1, 2] * w[2] / w[1]]
    assert gci(A3, w) == pytest.approx(sum(math.log(x) ** 2 for x in e), rel=1e-12)
    assert gci(A3, w) != pytest.approx(gci(A3))


def test_worst_pair_and_its_consistent_value_in_the_warning():
    """With one judgement of a consistent matrix off by t = 9, that judgement is the worst; the warning
    quotes it and the value w_i / w_j the priorities imply."""
    A = one_off(4, 9.0)
    labels = ["p", "q", "r", "s"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = ahp(A, labels, method="geometric", node="N")
    assert res.worst_pair == ("p", "q")
    w = res.weights
    ws = [x for x in rec if issubclass(x.category, InputWarning)]
    assert len(ws) == 1
    msg = str(ws[0].message)
    assert f"the most inconsistent judgement is p vs q (a = {A[0, 1]:g}, consistent value {w['p'] / w['q']:.3g})" in msg
    # CR undefined (n > 10): one warning saying so
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ahp(one_off(11, 2.0))
    ws = [x for x in rec if "published for n ≤ 10" in str(x.message)]
    assert len(ws) == 1
    # the table shows the worst pair too
    assert consistency_table({"N": res}).loc[0, "worst_pair"] == "p vs q"


def test_read_ahp_xlsm_empty_workbook_and_no_scale_warning(tmp_path):
    p = tmp_path / "c.xlsm"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        pd.DataFrame({"code": ["a", "b"], "a": [1, 0.25], "b": [4, 1]}).to_excel(xw, sheet_name="I", index=False)
    np.testing.assert_array_equal(read_ahp(p)["I"]["experts"]["matrix"], [[1, 4], [0.25, 1]])
    q = tmp_path / "e.xlsx"
    q.write_bytes(b"")
    err(read_ahp, q, msg="the AHP comparison file is empty", file=q)
    # a judgement beyond Saaty's 1–9 scale is read without a warning (it is reported when weights are computed)
    y = write(tmp_path, "s.yaml", "I:\n  labels: [a, b]\n  matrix: [[1, 12], ['1/12', 1]]\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_ahp(y)


def test_budget_without_a_fixed_total_accepts_small_totals():
    r = budget_allocation(fw2(), pd.DataFrame({"x10": [0.3], "x11": [0.2]}, index=["p"]), budget=None)
    assert r.weights["x10"] == pytest.approx(0.6)


# --- derived weights ----------------------------------------------------------------------------------

def _one_level_result(weights=None):
    from analysis import build

    nodes = [Node("I", None, 1.0, False)] + [Node(c, "I", 1.0, True) for c in "abc"]
    rng = np.random.default_rng(11)
    data = pd.DataFrame({"uCode": [f"u{i}" for i in range(30)], "a": rng.uniform(size=30),
                         "b": rng.exponential(size=30), "c": rng.normal(size=30)})
    spec = {"normalise": {"method": "zscore"}}
    if weights:
        spec["weights"] = weights
    return build(Framework(nodes, "t"), data, spec)


def test_derived_entropy_is_shannon_entropy_of_min_max_scaled_data():
    from analysis.weights import derive_weights

    res = _one_level_result()
    X = res.normalised[["a", "b", "c"]].to_numpy(float)           # z-scores: negative values
    Z = (X - X.min(0)) / (X.max(0) - X.min(0))                     # scaled to [0, 1] within the cross-section
    P = Z / Z.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.where(P > 0, P * np.log(P), 0.0).sum(0) / np.log(len(Z))
    d = 1 - e
    np.testing.assert_allclose(derive_weights(res, "entropy")[["a", "b", "c"]], d / d.sum(), rtol=1e-10)
    with pytest.raises(InputError) as ei:
        derive_weights(res, "zz")
    assert ei.value.message == "unknown weighting method 'zz' (use equal, framework, entropy, critic, pca)"


def test_derived_weights_keep_the_results_weights_on_levels_not_derived():
    from analysis.weights import derive_weights

    fw = fw2()
    rng = np.random.default_rng(4)
    data = pd.DataFrame(rng.uniform(1, 10, (30, 5)), columns=fw.indicators)
    data.insert(0, "uCode", [f"u{i}" for i in range(30)])
    from analysis import build

    res = build(fw, data, {"weights": {"x00": 1.0, "x01": 2.0, "x02": 5.0, "x10": 3.0, "x11": 1.0}})
    w = derive_weights(res, "critic", levels=[3])            # only the children of the root (level 3)
    # level 1 keeps the result's weights (normalised within parents), not the framework's equal ones
    np.testing.assert_allclose(w[["x00", "x01", "x02", "x10", "x11"]], [1 / 8, 2 / 8, 5 / 8, 0.75, 0.25],
                               rtol=1e-12)
    assert w[["D0", "D1"]].sum() == pytest.approx(1.0) and w["D0"] != 0.5


def test_derived_weights_use_the_results_aggregation_and_weights():
    """Root level re-weighted by CRITIC on the dimension scores the result's spec makes (weighted geometric
    means with the result's weights). With two columns CRITIC's conflict terms are equal (1 − r each),
    so the weights are proportional to the standard deviations of the min-max scaled scores."""
    from analysis import build
    from analysis.weights import derive_weights

    fw = fw2()
    rng = np.random.default_rng(8)
    data = pd.DataFrame(rng.uniform(1, 10, (30, 5)), columns=fw.indicators)
    data.insert(0, "uCode", [f"u{i}" for i in range(30)])
    wts = {"x00": 1.0, "x01": 2.0, "x02": 5.0, "x10": 3.0, "x11": 1.0}
    res = build(fw, data, {"weights": wts, "normalise": {"method": "minmax", "range": [1, 100]},
                           "aggregate": {"method": "geometric"}})
    X = res.normalised
    d0 = np.exp((np.log(X[["x00", "x01", "x02"]]) * np.array([1, 2, 5]) / 8).sum(axis=1))
    d1 = np.exp((np.log(X[["x10", "x11"]]) * np.array([3, 1]) / 4).sum(axis=1))
    sd = np.array([((v - v.min()) / (v.max() - v.min())).std(ddof=1) for v in (d0, d1)])
    w = derive_weights(res, "critic", levels=[3])
    np.testing.assert_allclose(w[["D0", "D1"]], sd / sd.sum(), rtol=1e-9)


# --- entropy and CRITIC: refusals, names and shift invariance (mutation survivors of weights/entropy.py) --
def test_entropy_critic_need_two_complete_units():
    from analysis.weights.entropy import critic_weights, entropy_weights

    two = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [3.0, 1.0, 5.0]})
    w = entropy_weights(two)                                  # two complete units are enough
    # p_a = (1/3, 2/3), p_b = (3/4, 1/4): e = H(p)/ln 2, d = 1 - e
    def d(p):
        return 1 + sum(x * np.log(x) for x in p) / np.log(2)
    da, db = d([1 / 3, 2 / 3]), d([3 / 4, 1 / 4])
    np.testing.assert_allclose(w, [da / (da + db), db / (da + db)], rtol=1e-12)
    assert w.name == "entropy"
    c = critic_weights(pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [3.0, 1.0, 4.0], "c": [0.0, 1.0, 7.0]}))
    assert c.name == "CRITIC"
    one = pd.DataFrame({"a": [1.0, np.nan], "b": [3.0, 1.0]})
    with pytest.raises(InputError, match="^entropy weights need at least 2 complete units"):
        entropy_weights(one)
    with pytest.raises(InputError, match="^CRITIC weights need at least 2 complete units"):
        critic_weights(one)


def test_entropy_refusals_name_the_column():
    from analysis.weights.entropy import entropy_weights

    # row-major, the first negative cell is in column c (row 0); b is negative too (row 1); a has a 0 and 0.5
    X = pd.DataFrame({"a": [0.0, 0.5, 2.0], "b": [1.0, -1.0, 2.0], "c": [-3.0, 1.0, 2.0]})
    with pytest.raises(InputError, match="^column 'c': entropy weights need non-negative values") as e:
        entropy_weights(X)
    assert e.value.column == "c"
    Z = pd.DataFrame({"a": [0.2, 0.3], "b": [0.0, 0.0], "c": [1.0, 2.0]})   # a sums to 0.5, b to 0
    with pytest.raises(InputError, match="^column 'b': indicator is zero for every unit") as e:
        entropy_weights(Z)
    assert e.value.column == "b"
    with pytest.raises(InputError, match="^every indicator is constant: entropy weights are undefined"):
        entropy_weights(pd.DataFrame({"a": [2.0, 2.0, 2.0, 2.0], "b": [5.0, 5.0, 5.0, 5.0]}))


def test_critic_is_shift_invariant_and_names_a_constant_column():
    """CRITIC min-max scales each indicator first, so adding a constant to a column changes nothing
    (Diakoulaki et al. 1995); the hand case of test_weights with every column shifted."""
    from analysis.weights.entropy import critic_weights

    X = pd.DataFrame({"a": [10.0, 11.0, 12.0], "b": [5.0, 7.0, 9.0], "c": [3.0, 1.0, 2.0]})
    C = 0.5 * np.array([1.5, 1.5, 3.0])            # as for (0, 1, 2), (0, 2, 4), (2, 0, 1)
    np.testing.assert_allclose(critic_weights(X), C / C.sum(), rtol=1e-12)
    K = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 4.0, 4.0], "c": [1.0, 0.0, 2.0]})
    with pytest.raises(InputError, match="^column 'b': indicator is constant; CRITIC is undefined") as e:
        critic_weights(K)
    assert e.value.column == "b"
