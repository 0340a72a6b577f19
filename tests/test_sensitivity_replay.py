"""Sobol' indices from replayed designs (SALib's order and COINr's block layout), the nominal run,
and the small-N warning — against analytic Ishigami indices and COINr's published formulas."""

from __future__ import annotations

import json
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, InputWarning, pipeline
from analysis.cli import main
from analysis.data import load_data
from analysis.framework import load_framework
from analysis.uncertainty import Engine, sample, sobol_design, sobol_indices
from analysis.uncertainty.sensitivity import (
    design_blocks,
    problem,
    salib_order,
    sobol_coinr,
    sobol_salib,
    stability_notes,
)

# Ishigami (a = 7, b = 0.1) on [−π, π]³: analytic indices (Ishigami & Homma 1990; Sobol' & Levitan 1999)
S1 = np.array([0.3139, 0.4424, 0.0])
ST = np.array([0.5576, 0.4424, 0.2437])
X3 = ["x1", "x2", "x3"]
GROUPS = {x: [x] for x in X3}


def _ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def _salib_design(N: int, seed: int = 3) -> pd.DataFrame:
    """SALib's own Saltelli sampler (not our wrapper), first and total order only."""
    from SALib.sample import sobol

    prob = {"num_vars": 3, "names": X3, "bounds": [[-np.pi, np.pi]] * 3}
    return pd.DataFrame(sobol.sample(prob, N, calc_second_order=False, seed=seed), columns=X3)


def _coinr_design(N: int, seed: int = 5, shuffle: bool = True) -> pd.DataFrame:
    """COINr's SA_sample layout built by hand: A, B, then AB_i = A with column i from B; a block column."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(-np.pi, np.pi, (N, 3))
    B = rng.uniform(-np.pi, np.pi, (N, 3))
    parts = [pd.DataFrame(A, columns=X3).assign(block="A"), pd.DataFrame(B, columns=X3).assign(block="B")]
    for i, x in enumerate(X3):
        AB = A.copy()
        AB[:, i] = B[:, i]
        parts.append(pd.DataFrame(AB, columns=X3).assign(block=f"AB_{x}"))
    df = pd.concat(parts, ignore_index=True)
    if shuffle:  # blocks interleaved: only the block column (and the order within a block) tells the runs apart
        lab = df["block"].to_numpy()
        keys = np.empty(len(df))
        for b in dict.fromkeys(lab):
            ix = np.flatnonzero(lab == b)
            keys[ix] = np.sort(rng.random(len(ix)))
        df = df.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)
    return df


def _coinr_reference(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """COINr's SA_estimate formulas written out from its documentation (R's var with n − 1)."""
    y = _ishigami(df[X3].to_numpy())
    yA, yB = y[df["block"] == "A"], y[df["block"] == "B"]
    V = np.var(np.r_[yA, yB], ddof=1)
    N = yA.size
    si, sti = [], []
    for x in X3:
        yAB = y[df["block"] == f"AB_{x}"]
        si.append(np.mean(yB * (yAB - yA)) / V)
        sti.append(np.sum((yA - yAB) ** 2) / (2 * N * V))
    return np.array(si), np.array(sti)


# --- estimators on designs in both layouts -----------------------------------------------------------
def test_salib_layout_gives_the_analytic_ishigami_indices():
    df = _salib_design(2 ** 13)
    order, layout = design_blocks(df, GROUPS)
    assert layout == "salib" and (order == np.arange(len(df))).all()
    Y = salib_order(_ishigami(df[X3].to_numpy()), order)
    dims = [(x, x) for x in X3]
    si = sobol_salib(problem(dims), Y, num_resamples=200, seed=1)
    np.testing.assert_allclose(si["S1"], S1, atol=0.03)
    np.testing.assert_allclose(si["ST"], ST, atol=0.03)
    co = sobol_coinr(Y, 3, X3, num_resamples=200, seed=1)
    np.testing.assert_allclose(co["S1"], S1, atol=0.03)
    np.testing.assert_allclose(co["ST"], ST, atol=0.03)
    assert not stability_notes(si, 2 ** 13) and not stability_notes(co, 2 ** 13)


def test_coinr_block_layout_gives_coinrs_numbers_and_the_analytic_indices():
    df = _coinr_design(2 ** 13)
    order, layout = design_blocks(df, GROUPS)
    assert layout == "coinr"
    Y = salib_order(_ishigami(df[X3].to_numpy()), order)
    co = sobol_coinr(Y, 3, X3, num_resamples=200, seed=1)
    ref_si, ref_st = _coinr_reference(df)
    np.testing.assert_allclose(co["S1"], ref_si, rtol=1e-12, atol=1e-14)  # COINr's Si and STi exactly
    np.testing.assert_allclose(co["ST"], ref_st, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(co["S1"], S1, atol=0.04)
    np.testing.assert_allclose(co["ST"], ST, atol=0.03)
    # COINr's bootstrap reports the 5th and 95th percentiles: the interval holds the estimate
    assert ((co["S1_low"] <= co["S1"]) & (co["S1"] <= co["S1_high"])).all()
    assert ((co["ST_low"] <= co["ST"]) & (co["ST"] <= co["ST_high"])).all()
    dims = [(x, x) for x in X3]
    si = sobol_salib(problem(dims), Y, num_resamples=200, seed=1)
    np.testing.assert_allclose(si["ST"], ST, atol=0.03)


def test_block_labels_by_number_and_case():
    df = _coinr_design(64, shuffle=False)
    df["block"] = df["block"].replace({"AB_x1": "ab_X1", "AB_x2": "AB_2"})
    order, layout = design_blocks(df, GROUPS)
    ref = design_blocks(_coinr_design(64, shuffle=False), GROUPS)[0]
    assert layout == "coinr" and (order == ref).all()


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d.assign(block=d["block"].replace({"B": "C"})), "block 'C'"),
    (lambda d: d[d["block"] != "AB_x3"], "AB_x3"),
    (lambda d: d.drop(index=d.index[d["block"] == "A"][:1]), "unequal size"),
    (lambda d: d.assign(x2=np.where(d["block"] == "AB_x1", 9.0, d["x2"])), "factor 'x2' from A"),
    (lambda d: d.drop(columns="block").iloc[:-1], "not a multiple of G + 2"),
    (lambda d: d.drop(columns="block").sample(frac=1.0, random_state=0), "does not take factor"),
])
def test_a_design_in_neither_layout_is_one_line_naming_the_file(mutate, needle):
    df = mutate(_coinr_design(16, shuffle=False)).reset_index(drop=True)
    with pytest.raises(InputError) as e:
        design_blocks(df, GROUPS, file="study/design.csv")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("study/design.csv") and needle in msg, msg
    assert "SALib" in msg and "COINr" in msg


# --- small-N warning ----------------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", ["salib", "coinr"])
def test_small_n_warns_for_8_and_not_for_2048(estimator):
    from analysis.uncertainty.sensitivity import unit_design

    dims = [(x, x) for x in X3]
    found = {}
    for N in (8, 2048):
        Y = _ishigami(-np.pi + 2 * np.pi * unit_design(dims, N, "sobol", seed=1))
        si = (sobol_salib(problem(dims), Y, num_resamples=300, seed=1) if estimator == "salib"
              else sobol_coinr(Y, 3, X3, num_resamples=300, seed=1))
        found[N] = stability_notes(si, N)
    assert len(found[8]) == 1 and found[8][0].startswith("N = 8 is too small for stable Sobol' indices: ")
    assert found[8][0].endswith("; increase N")
    assert found[2048] == []


def test_stability_signs_each_trigger():
    base = pd.DataFrame({"S1": [0.3, 0.2], "S1_conf": [0.02, 0.02], "ST": [0.5, 0.3], "ST_conf": [0.02, 0.02]},
                        index=["a", "b"])
    assert stability_notes(base, 500) == []
    neg = base.assign(S1=[-0.1, 0.2])
    assert "negative first-order" in stability_notes(neg, 64)[0]
    past = base.assign(ST=[0.99, 0.3])
    assert "past 1" in stability_notes(past, 64)[0]
    over = base.assign(S1=[0.3, 0.45])
    assert "first order above total order (b" in stability_notes(over, 64)[0]
    assert stability_notes(base.assign(S1=[0.3, 0.34]), 64) == []  # within the margin


# --- the engine: nominal run and replay through the CLI ------------------------------------------------
FW = """
name: t
tree:
  code: IDX
  name: Index
  children:
    - code: D1
      weight: 1
      children:
        - {code: a, weight: 1, direction: 1}
        - {code: b, weight: 2, direction: -1}
    - code: D2
      weight: 2
      children:
        - {code: c, weight: 1, direction: 1}
        - {code: d, weight: 1, direction: 1}
"""
UA = """
N: 16
seed: 4
factors:
  - {name: w, type: weights, level: 2, noise: 0.3}
  - name: norm
    type: choice
    step: normalise
    alternatives: {mm: {method: minmax, range: [1, 100]}, z: {method: zscore, mean: 50, sd: 10}}
  - {name: agg, type: choice, step: aggregate, alternatives: {a: arithmetic, g: geometric}}
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    d = tmp_path_factory.mktemp("sens")
    rng = np.random.default_rng(11)
    rows = []
    for y in (2023, 2024, 2025):
        X = rng.lognormal(2, 0.5, (30, 4)) * (1 + 0.05 * (y - 2024))
        for i in range(30):
            rows.append({"uCode": f"U{i:02d}", "year": y, **dict(zip("abcd", X[i]))})
    pd.DataFrame(rows).to_csv(d / "panel.csv", index=False)
    pd.DataFrame([r for r in rows if r["year"] == 2025]).drop(columns="year").to_csv(d / "data.csv", index=False)
    (d / "fw.yaml").write_text(textwrap.dedent(FW))
    (d / "ua.yaml").write_text(UA)
    (d / "spec.yaml").write_text("normalise: {method: minmax, range: [0, 100]}\n")
    (d / "spec_ref.yaml").write_text("normalise: {method: minmax, range: [1, 100], reference_year: 2024}\n"
                                     "treat: {method: winsorise, winmax: 2}\n")
    return d


def test_nominal_is_the_built_index_not_the_first_alternatives(study):
    fw = load_framework(study / "fw.yaml")
    eng = Engine(fw, study / "data.csv", study / "spec.yaml", study / "ua.yaml")
    res = eng.evaluate(eng.resolve(sample(eng, N=8)), keep_scores=False)
    built = pipeline.build(fw, study / "data.csv", study / "spec.yaml")
    pd.testing.assert_series_equal(res.nominal["Rank"].astype(float), built.ranks[fw.root].astype(float),
                                   check_names=False)
    np.testing.assert_allclose(res.nominal["Score"], built.index, rtol=0, atol=1e-12)
    assert eng.nominal_alternatives() == {"norm": None, "agg": "a"}  # [1, 100] is not the spec's [0, 100]


def test_nominal_with_a_reference_year_is_the_published_panel_index(study):
    """The spec normalises every year on 2024: the nominal of 2025 is the panel build's 2025, not a
    2025-only rebuild (which normalises 2025 on itself)."""
    fw = load_framework(study / "fw.yaml")
    panel = load_data(study / "panel.csv", fw)
    built = pipeline.build(fw, panel, study / "spec_ref.yaml")
    pub_rank = built.ranks[fw.root].xs(2025, level="year")
    pub = built.index.xs(2025, level="year")
    ua = {"N": 8, "factors": [{"name": "w", "type": "weights", "level": 2, "noise": 0.2},
                              {"name": "norm", "type": "choice", "step": "normalise",
                               "alternatives": {"spec": {"method": "minmax"}, "pr": {"method": "prank"}}}]}
    eng = Engine(fw, panel, study / "spec_ref.yaml", ua, year=2025)
    res = eng.evaluate(eng.resolve(sample(eng)), keep_scores=False)
    assert (res.nominal["Rank"] == pub_rank.loc[res.nominal.index]).all()
    np.testing.assert_allclose(res.nominal["Score"], pub.loc[res.nominal.index], rtol=0, atol=1e-12)
    assert eng.nominal_alternatives() == {"norm": "spec"}
    # the run at the nominal weights with the spec's own alternative is the published index
    d = pd.DataFrame({"norm": ["spec"], **{f"w[{c}]": [0.5] for c in eng.ua.factors[0].nodes}})
    one = eng.evaluate(eng.resolve(d))
    np.testing.assert_allclose(one.scores.iloc[:, 0], pub.loc[one.scores.index], rtol=0, atol=1e-9)
    self_normalised = Engine(fw, panel.for_year(2025), study / "spec_ref.yaml", ua).nominal.index
    assert not np.allclose(self_normalised.to_numpy(), pub.loc[self_normalised.index].to_numpy())


def _cli(study, out, *extra):
    return main(["sensitivity", "-f", str(study / "fw.yaml"), "-d", str(study / "data.csv"),
                 "-s", str(study / "spec.yaml"), "--ua", str(study / "ua.yaml"), "-o", str(out), *map(str, extra)])


@pytest.mark.parametrize("estimator", ["salib", "coinr"])
def test_cli_replay_of_a_design_equals_the_in_process_study(study, tmp_path, capsys, estimator):
    fw = load_framework(study / "fw.yaml")
    eng = Engine(fw, study / "data.csv", study / "spec.yaml", study / "ua.yaml")
    design, order, _ = sobol_design(eng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        si, _ = sobol_indices(eng, eng.evaluate(eng.resolve(design)), order, estimator=estimator)
    # SALib's order, as written by the kit
    design.to_csv(tmp_path / "salib.csv", index_label="run")
    # the same runs in COINr's block layout, blocks stacked A, B, AB_w, AB_norm, AB_agg
    G = 3
    names = ["A", "AB_w", "AB_norm", "AB_agg", "B"]
    blocks = pd.Series(np.tile(names, len(design) // (G + 2)))
    co = pd.concat([design.assign(block=blocks)[blocks == b] for b in ["A", "B", "AB_w", "AB_norm", "AB_agg"]])
    co.insert(0, "rep", np.arange(1, len(co) + 1))
    co.to_csv(tmp_path / "coinr.csv", index=False)
    for name in ("salib", "coinr"):
        out = tmp_path / f"out_{name}"
        assert _cli(study, out, "--design", tmp_path / f"{name}.csv", "--estimator", estimator) == 0
        capsys.readouterr()
        got = pd.read_csv(out / "sobol.csv", index_col="factor")
        pd.testing.assert_frame_equal(got, si.astype(float), check_exact=False, rtol=1e-5, atol=1e-6)
        m = json.loads((out / "manifest.json").read_text())
        assert m["design_layout"] == name and m["base_points"] == 16 and m["runs"] == len(design)
        assert m["nominal"]["alternatives"] == {"norm": None, "agg": "a"}


def test_cli_refuses_a_design_in_neither_layout(study, tmp_path, capsys):
    fw = load_framework(study / "fw.yaml")
    eng = Engine(fw, study / "data.csv", study / "spec.yaml", study / "ua.yaml")
    sample(eng, N=30).to_csv(tmp_path / "mc.csv", index_label="run")  # 30 MC runs: 6 blocks of 5 by count only
    assert _cli(study, tmp_path / "o", "--design", tmp_path / "mc.csv") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("maturasi: error: ") and "mc.csv" in err[0], err
    assert "SALib" in err[0] and "COINr" in err[0]
    assert not (tmp_path / "o").exists()


def test_cli_notes_a_too_small_n(study, tmp_path, capsys):
    assert _cli(study, tmp_path / "o", "--N", "4") == 0
    err = capsys.readouterr().err
    notes = [ln for ln in err.splitlines() if "too small for stable Sobol' indices" in ln]
    assert len(notes) == 1 and notes[0].startswith("note: ") and "N = 4" in notes[0], err
    m = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert any("N = 4 is too small" in n for n in m["notes"])
