"""The Indeks Desa Membangun built in: the official method reproduces the ministry's published
sub-indices, index, status and distance to the next status; the least path to the next status is
exact (brute force on small cases, greedy where points are not lumped); the audit catches the
published 2024 copy of IKS_30 into IKS_31.

The reproduction tests read ``../shared/data/indonesia/idm`` (real published data, 2,567 villages,
2021–2024) and are skipped when that folder is absent.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import build, load_framework
from analysis.audit.duplicates import duplicate_notes, year_duplicates
from analysis.cli import main
from analysis.idm import (
    EDGES,
    PUBLISHED_SCORES,
    STATUS,
    greedy_points,
    groups_of,
    increments,
    intervention_value,
    least_points,
    ministry_distance,
    path_to_next_status,
    status,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "indonesia" / "idm"
CSV = SHARED / "idm_desa_2021_2024.csv"
needs_shared = pytest.mark.skipif(not CSV.is_file(), reason="../shared IDM data not present")
SUBS = {"IKS": 35, "IKE": 12, "IKL": 3}
TOL = 1e-12


def _codes(prefix: str, n: int) -> list[str]:
    return [f"{prefix}_{i:02d}" for i in range(1, n + 1)]


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return pd.read_csv(CSV, dtype={"kode_desa": str, "kode_kec": str, "kode_kab": str, "kode_prov": str})


@pytest.fixture(scope="module")
def published_path(published) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The corrected published table and :func:`path_to_next_status` of every row (computed once)."""
    d = _corrected(published)
    ind = _codes("IKS", 35) + _codes("IKE", 12) + _codes("IKL", 3)
    return d, path_to_next_status(d[ind], "idm")


@pytest.fixture(scope="module")
def corrected_build(published, tmp_path_factory):
    """The corrected published table and its build with the official method (once per module)."""
    d = _corrected(published)
    return d, build("idm", _as_input(d, tmp_path_factory.mktemp("idm") / "idm.csv", False))


def _corrected(d: pd.DataFrame) -> pd.DataFrame:
    """The shared README's correction of 2024: true IKS_31 = IKS_31 − (Σ IKS scores − 175 · IKS)."""
    d = d.copy()
    off = d[_codes("IKS", 35)].sum(axis=1) - 175 * d["IKS"]
    y24 = d["tahun"] == 2024
    d.loc[y24, "IKS_31"] = (d.loc[y24, "IKS_31"] - off[y24]).round().astype(int)
    return d


def _as_input(d: pd.DataFrame, path: Path, dotted: bool) -> Path:
    code = d["kode_desa"]
    if dotted:
        code = code.str[:2] + "." + code.str[2:4] + "." + code.str[4:6] + "." + code.str[6:]
    cols = ["tahun"] + _codes("IKS", 35) + _codes("IKE", 12) + _codes("IKL", 3)
    d[cols].assign(uCode=code, uName=d["nama_desa"]).to_csv(path, index=False)
    return path


def _dotted(code: pd.Series) -> pd.Series:
    return code.str[:2] + "." + code.str[2:4] + "." + code.str[4:6] + "." + code.str[6:]


# --- the official method reproduces the published numbers -----------------------------------------

@needs_shared
@pytest.mark.parametrize("dotted", [False, True], ids=["codes-without-dots", "codes-with-dots"])
def test_build_reproduces_published_idm(published, tmp_path, dotted):
    d = _corrected(published)
    res = build("idm", _as_input(d, tmp_path / "idm.csv", dotted))   # no spec: the official method
    assert res.spec.source and res.spec.source.endswith("idm.yaml")
    key = pd.MultiIndex.from_arrays([_dotted(d["kode_desa"]), d["tahun"]])
    got = res.aggregates.reindex(key)
    assert got.notna().all().all()
    worst = {}
    for col in ("IKS", "IKE", "IKL", "IDM"):
        err = np.abs(got[col].to_numpy() - d[col].to_numpy())
        for y in (2021, 2022, 2023, 2024):
            worst[(col, y)] = float(err[(d["tahun"] == y).to_numpy()].max())
    assert max(worst.values()) <= TOL, worst
    lv = res.levels.reindex(key).to_numpy()
    assert (lv == d["STATUS"].to_numpy()).all()


@needs_shared
def test_2024_as_published_differs_only_in_iks(published, tmp_path):
    """Without the correction, 2024's shown IKS_31 gives IKS off by exactly ±4/175 in 628 rows."""
    res = build("idm", _as_input(published, tmp_path / "idm.csv", False))
    d = published
    key = pd.MultiIndex.from_arrays([_dotted(d["kode_desa"]), d["tahun"]])
    got = res.aggregates.reindex(key)
    off = (got["IKS"].to_numpy() - d["IKS"].to_numpy()) * 175
    y24 = (d["tahun"] == 2024).to_numpy()
    assert np.abs(off[~y24]).max() <= 175 * TOL
    assert np.sum(np.abs(off[y24]) > 0.5) == 628
    np.testing.assert_allclose(np.abs(off[y24][np.abs(off[y24]) > 0.5]), 4.0, atol=1e-9)
    assert np.abs(got["IKE"].to_numpy() - d["IKE"].to_numpy()).max() <= TOL


@needs_shared
def test_cli_build_without_spec_uses_the_official_method(published, tmp_path):
    d = _corrected(published[published["tahun"] == 2023])
    out = tmp_path / "out"
    assert main(["build", "--framework", "idm", "--data", str(_as_input(d, tmp_path / "d.csv", False)),
                 "--out", str(out)]) == 0
    sc = pd.read_csv(out / "scores.csv", dtype={"uCode": str}).set_index("uCode")
    lv = pd.read_csv(out / "levels.csv", dtype={"uCode": str}).set_index("uCode")
    codes = _dotted(d["kode_desa"])
    for col in ("IKS", "IKE", "IKL", "IDM"):
        assert np.abs(sc.loc[codes, col].to_numpy() - d[col].to_numpy()).max() <= TOL
    assert (lv.loc[codes, "Level"].to_numpy() == d["STATUS"].to_numpy()).all()


@needs_shared
def test_ministry_distance_reproduces_published_summary(published_path):
    d, p = published_path
    assert np.abs(p["IDM"] - d["IDM"]).max() <= TOL
    assert (p["STATUS"] == d["STATUS"]).all()
    md = ministry_distance(d["IDM"])
    assert (md["TARGET_STATUS"].str.upper() == d["TARGET_STATUS"]).all()
    assert (md["SKOR_MINIMAL"] == d["SKOR_MINIMAL"]).all()
    assert np.abs(p["PENAMBAHAN"] - d["PENAMBAHAN"]).max() <= TOL
    assert np.abs(md["PENAMBAHAN"] - d["PENAMBAHAN"]).max() <= TOL


# --- status bands ------------------------------------------------------------------------------------

def test_status_bands_are_the_ministry_s():
    # IDM ≤ 0.4907 Sangat Tertinggal < Tertinggal ≤ 0.5989 < Berkembang ≤ 0.7072 < Maju ≤ 0.8155 < Mandiri
    x = np.array([0.0, 0.4907, 3092 / 6300, 0.5989, 0.59891, 0.7072, 0.70721, 0.8155, 5138 / 6300, 1.0])
    assert list(status(x)) == ["Sangat Tertinggal", "Sangat Tertinggal", "Tertinggal", "Tertinggal", "Berkembang",
                               "Berkembang", "Maju", "Maju", "Mandiri", "Mandiri"]
    # the kit's bands (an edge goes up) agree: no IDM (a multiple of 1/6300) lies on an edge
    assert all((e * 6300).denominator != 1 for e in EDGES)
    res = build("idm", _village_table(np.array([[3] * 50, [5] * 50, [0] * 50])))
    assert list(res.levels) == ["Berkembang", "Mandiri", "Sangat Tertinggal"]


def _village_table(scores: np.ndarray) -> pd.DataFrame:
    fw = load_framework("idm")
    df = pd.DataFrame(scores, columns=fw.indicators)
    df.insert(0, "uCode", [f"11.01.02.{2001 + i}" for i in range(len(df))])
    return df


# --- the ministry's value of an intervention --------------------------------------------------------

def test_intervention_value_is_the_ministry_formula():
    fw = load_framework("idm")
    rng = np.random.default_rng(1)
    s = pd.DataFrame(rng.integers(0, 6, size=(20, 50)), columns=fw.indicators)
    v = intervention_value(s, fw)
    for sub, n in SUBS.items():
        for c in _codes(sub, n):
            np.testing.assert_allclose(v[c], (5 - s[c]) / (3 * 5 * n), rtol=0, atol=1e-15)
    # raising everything to 5 closes the whole gap to IDM = 1
    idm = sum(s[_codes(k, n)].sum(axis=1) / (5 * n) for k, n in SUBS.items()) / 3
    np.testing.assert_allclose(v.sum(axis=1), 1 - idm, atol=1e-12)
    assert groups_of(fw).units == [12, 35, 140] and groups_of(fw).scale == 6300


# --- the least path: exact ---------------------------------------------------------------------------

def _small_framework(tmp_path: Path, sizes=(3, 2, 1), weights=(1, 1, 1)) -> Path:
    lines = ["name: small", "tree:", "  code: IDX", "  children:"]
    for d, (n, w) in enumerate(zip(sizes, weights)):
        lines += [f"  - code: D{d}", f"    weight: {w}", "    children:"]
        lines += [f"    - {{code: D{d}_{i}, weight: 1, direction: 1, min: 0, max: 5}}" for i in range(n)]
    p = tmp_path / "small.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _brute(scores: np.ndarray, opts: list[tuple[int, ...]], units: np.ndarray, need: int):
    """Every combination of increments: least points (then least gain), and least gain."""
    best = best_gain = None
    for combo in itertools.product(*opts):
        c = np.array(combo)
        gain = int(c @ units)
        if gain < need:
            continue
        pts = int(c.sum())
        if best is None or (pts, gain) < best:
            best = (pts, gain)
        if best_gain is None or (gain, pts) < best_gain:
            best_gain = (gain, pts)
    return best, best_gain


@pytest.mark.parametrize("sizes, weights", [((3, 2, 1), (1, 1, 1)), ((2, 2, 2), (1, 2, 1)), ((4, 1, 1), (2, 1, 1))])
def test_least_points_equals_brute_force(tmp_path, sizes, weights):
    fw = load_framework(_small_framework(tmp_path, sizes, weights))
    g = groups_of(fw)
    codes = [c for m in g.members for c in m]
    units = np.repeat(g.units, [len(m) for m in g.members])
    rng = np.random.default_rng(sum(sizes) * 7 + weights[1])
    scales = [(0, 5), (1, 5), (0, 3, 5), (1, 3, 5), (1, 2, 3, 4, 5), (0, 1, 2, 3, 4, 5)]
    allowed = {c: scales[rng.integers(len(scales))] for c in codes}
    scores = np.array([[rng.choice(allowed[c]) for c in codes] for _ in range(40)])
    m = scores @ units
    need = rng.integers(1, g.scale // 3, size=len(scores))
    sol = least_points(scores, g, need, allowed)
    for v in range(len(scores)):
        opts = [increments(int(s), allowed[c]) for s, c in zip(scores[v], codes)]
        best, best_gain = _brute(scores[v], opts, units, int(need[v]))
        if best is None:
            assert not sol["reachable"][v]
            continue
        assert sol["reachable"][v]
        assert (sol["points"][v], sol["gain"][v]) == best
        assert (sol["least_gain"][v], sol["least_gain_points"][v]) == best_gain
        # the moves are the solution: allowed scores, points and gain add up
        for key_pts, key_gain, key_moves in (("points", "gain", "moves"),
                                             ("least_gain_points", "least_gain", "least_gain_moves")):
            mv = sol[key_moves][v]
            assert sum(b - a for _, a, b in mv) == sol[key_pts][v]
            after = dict(zip(codes, scores[v]))
            for c, a, b in mv:
                assert after[c] == a and b in allowed[c] and b > a
                after[c] = b
            assert np.array([after[c] for c in codes]) @ units - m[v] == sol[key_gain][v]


def test_greedy_is_optimal_when_points_are_not_lumped():
    fw = load_framework("idm")
    g = groups_of(fw)
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 6, size=(300, 50))
    p = path_to_next_status(pd.DataFrame(scores, columns=[c for m in g.members for c in m]), fw, allowed=None)
    col = np.cumsum([0] + [len(m) for m in g.members])
    units = np.repeat(g.units, [len(m) for m in g.members])
    for v in range(len(scores)):
        if p["STATUS"].iloc[v] == "Mandiri":
            continue
        m = int(scores[v] @ units)
        k = STATUS.index(p["STATUS"].iloc[v])
        need = math.floor(EDGES[k] * 6300) + 1 - m
        caps = [int((5 - scores[v, col[d]:col[d + 1]]).sum()) for d in range(3)]
        _, total = greedy_points(caps, g.units, need)
        assert p["points"].iloc[v] == total


@needs_shared
def test_path_on_published_data(published_path):
    d, p = published_path
    ind = _codes("IKS", 35) + _codes("IKE", 12) + _codes("IKL", 3)
    todo = p["STATUS"] != "Mandiri"
    assert p.loc[~todo, "points"].isna().all()
    q, dd = p[todo], d[todo]
    # the least increase passes the band edge, which lies 0.0001 below the ministry's SKOR_MINIMAL
    edge = dd["SKOR_MINIMAL"] - 0.0001
    assert (q["IDM"] + q["least_idm_gain"] > edge).all()
    assert (q["least_idm_gain"] > dd["PENAMBAHAN"] - 0.0001 - TOL).all()
    assert (q["least_idm_gain"] <= q["idm_gain"] + TOL).all()
    assert (q["least_gain_points"] >= q["points"]).all()
    after = pd.Series(status(q["idm_after"].to_numpy())).map(STATUS.index).to_numpy()
    assert (after >= q["NEXT_STATUS"].map(STATUS.index).to_numpy()).all()   # a lump may skip a status
    # replay a sample of moves on the scores: the IDM after them is the one reported
    fw = load_framework("idm")
    units = pd.Series(np.repeat(groups_of(fw).units, [35, 12, 3]), index=ind)
    for i in q.sample(300, random_state=0).index:
        s = d.loc[i, ind].astype(int).copy()
        for mv in q.at[i, "moves"].split("; "):
            c, ab = mv.split(" ")
            a, b = map(int, ab.split("→"))
            assert s[c] == a and b in PUBLISHED_SCORES[c]
            s[c] = b
        assert (s @ units) / 6300 == pytest.approx(q.at[i, "idm_after"], abs=1e-12)


def test_path_refuses_scores_that_are_not_whole_numbers():
    from analysis._errors import InputError

    fw = load_framework("idm")
    s = pd.DataFrame([[3] * 50], columns=fw.indicators).astype(float)
    s.iloc[0, 4] = 2.5
    with pytest.raises(InputError, match="whole numbers"):
        path_to_next_status(s, fw)


def test_idm_path_cli(tmp_path, capsys):
    df = _village_table(np.array([[3] * 50, [5] * 50, [1] * 50]))
    df.to_csv(tmp_path / "v.csv", index=False)
    assert main(["idm", "path", "--data", str(tmp_path / "v.csv"), "--out", str(tmp_path / "o")]) == 0
    p = pd.read_csv(tmp_path / "o" / "path.csv", dtype={"uCode": str}).set_index("uCode")
    assert p.loc["11.01.02.2001", "points"] == 5 and p.loc["11.01.02.2001", "NEXT_STATUS"] == "Maju"
    assert pd.isna(p.loc["11.01.02.2002", "points"])
    assert (tmp_path / "o" / "values.csv").is_file() and (tmp_path / "o" / "manifest.json").is_file()
    df["IKS_01"] = df["IKS_01"].astype(float)
    df.loc[0, "IKS_01"] = 2.5
    df.to_csv(tmp_path / "w.csv", index=False)
    capsys.readouterr()
    assert main(["idm", "path", "--data", str(tmp_path / "w.csv"), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "whole numbers" in err[0] and not (tmp_path / "o2").exists()


def test_builtin_without_official_method_says_so(tmp_path, capsys):
    data = Path(__file__).resolve().parents[1] / "data" / "demo" / "smartcity_2025.csv"
    code = main(["build", "-f", "kominfo_gm100sc", "-d", str(data), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 0
    assert [e for e in err if e.startswith("note:") and "no official method" in e and "--spec" in e]


def test_official_specs_of_builtins():
    from analysis.official import official_spec

    assert official_spec(load_framework("idm")).name == "idm.yaml"
    assert official_spec(load_framework("spbe_2020")).name == "spbe.yaml"
    assert official_spec(load_framework("gm100sc_evaluation")).name == "gm100sc_evaluation.yaml"
    assert official_spec(load_framework("welfare_capacity")) is None


# --- the audit catches the 2024 copy ---------------------------------------------------------------

@needs_shared
def test_audit_flags_the_2024_copy(published, tmp_path):
    res = build("idm", _as_input(published, tmp_path / "idm.csv", False))
    notes = duplicate_notes(res)
    assert len(notes) == 1
    assert notes[0].startswith("IKS_30 and IKS_31 are identical in 2024") and "2021, 2022, 2023" in notes[0]
    from analysis.audit import audit

    a = audit(res, year=2024, n_boot=2)
    assert a.notes[0] == notes[0]
    # after the README's correction the two differ in 2024 too: nothing to flag
    fixed = build("idm", _as_input(_corrected(published), tmp_path / "fixed.csv", False))
    assert duplicate_notes(fixed) == []


def test_year_duplicates_synthetic():
    rng = np.random.default_rng(3)
    idx = pd.MultiIndex.from_product([[f"u{i}" for i in range(40)], [2021, 2022, 2023]], names=["uCode", "year"])
    a = rng.integers(0, 6, len(idx)).astype(float)
    b = rng.integers(0, 6, len(idx)).astype(float)
    yr = idx.get_level_values("year")
    b = np.where(yr == 2022, a, b)               # a copy in 2022 only
    c = np.where(yr == 2023, 2 * a + 1, rng.integers(0, 6, len(idx)))  # affine copy in 2023: r = 1, not equal
    e = a.copy()                                  # identical every year: not this check's business
    df = pd.DataFrame({"A": a, "B": b, "C": c, "E": e}, index=idx)
    got = year_duplicates(df, "year")
    pairs = {(r.var1, r.var2): (r.years_copy, r.kind) for r in got.itertuples()}
    assert pairs[("A", "B")] == ("2022", "identical")
    assert pairs[("A", "C")] == ("2023", "correlation ±1")
    assert ("A", "E") not in pairs
    assert year_duplicates(df, None).empty
    assert year_duplicates(df.iloc[:30], "year").empty   # too few units a year to judge


# --- the ministry's table, the repair, the bottlenecks and the worked example ------------------------

@needs_shared
def test_read_published_and_repair(published):
    from analysis.idm import read_published, repair_from_subindex

    d = read_published(CSV)
    assert d["uCode"].iloc[0] == "11.01.02.2001" and "tahun" in d.columns and "uName" in d.columns
    fixed = repair_from_subindex(d, "IKS_31", "IKS", year=2024)
    ref = _corrected(published)
    assert (fixed["IKS_31"].to_numpy() == ref["IKS_31"].to_numpy()).all()
    assert (fixed.loc[d["tahun"] < 2024, "IKS_31"] == d.loc[d["tahun"] < 2024, "IKS_31"]).all()
    assert set(fixed["IKS_31"].unique()) <= {1, 5}


def test_bottlenecks_count_the_moves():
    from analysis.idm import bottlenecks

    path = pd.DataFrame({"moves": ["IKL_03 0→5; IKE_02 1→3", "IKL_03 3→5", "", "IKS_04 2→3"]})
    b = bottlenecks(path)
    assert list(b.index[:1]) == ["IKL_03"] and b.at["IKL_03", "villages"] == 2 and b.at["IKL_03", "points"] == 7
    assert b.at["IKL_03", "share"] == pytest.approx(2 / 3) and b.at["IKE_02", "points"] == 2
    assert b.at["IKL_03", "nama"] == "Skor Tanggap Bencana"


@needs_shared
def test_worked_example_notebook(tmp_path):
    pm = pytest.importorskip("papermill")
    nb = Path(__file__).resolve().parents[1] / "notebooks" / "idm_example.ipynb"
    pm.execute_notebook(str(nb), str(tmp_path / "nb.ipynb"), parameters={"idm_dir": str(SHARED),
                        "run_dir": str(tmp_path / "rep"), "N": 8}, kernel_name="python3", progress_bar=False,
                        cwd=str(tmp_path))
    trans = pd.read_csv(tmp_path / "rep" / "status_transitions.csv", index_col=0)
    assert trans.to_numpy().sum() > 2000
    for f in ("path_2024.csv", "bottlenecks_2024.csv", "provinces_2024.csv", "status_stability_2024.csv"):
        assert (tmp_path / "rep" / f).is_file()


@needs_shared
def test_idm_path_cli_reads_the_ministry_s_export(published, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["idm", "path", "--data", str(CSV), "--year", "2023", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "IKS_30 and IKS_31 are identical in 2024" in err        # the audit's warning, seen at once
    p = pd.read_csv(out / "path.csv", dtype={"uCode": str})
    d = published[published["tahun"] == 2023]
    p = p.set_index("uCode").loc[_dotted(d["kode_desa"])]
    assert np.abs(p["PENAMBAHAN"].to_numpy() - d["PENAMBAHAN"].to_numpy()).max() <= 1e-11   # CSV: 12 digits
    assert (p["STATUS"].to_numpy() == d["STATUS"].to_numpy()).all()


def test_lumped_points_defeat_greedy_but_not_the_exact_solver():
    """The docstring's example: IKL_01 may only jump 0 → 5 (700/6300), two IKE points (70/6300) suffice."""
    fw = load_framework("idm")
    g = groups_of(fw)
    codes = [c for m in g.members for c in m]
    s = np.full((1, 50), 5)
    s[0, codes.index("IKL_01")] = 0
    s[0, codes.index("IKE_01")] = 3
    allowed = {"IKL_01": (0, 5)}
    sol = least_points(s, g, np.array([36]), allowed)
    assert sol["points"][0] == 2 and sol["moves"][0] == [("IKE_01", 3, 5)] and sol["gain"][0] == 70
    pts, total = greedy_points([0, 2, 5], g.units, 36)     # as if IKL points came one by one
    assert total == 1 and pts == [0, 0, 1]                  # infeasible here: the lump is 5 points


@pytest.mark.parametrize("name, spec_file", [("spbe_2020", "spbe.yaml"),
                                             ("gm100sc_evaluation", "gm100sc_evaluation.yaml")])
def test_other_official_frameworks_build_with_their_method_without_spec(name, spec_file, tmp_path):
    from analysis.official import SPEC_DIR

    fw = load_framework(name)
    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.integers(1, 6, size=(8, len(fw.indicators))).astype(float), columns=fw.indicators)
    df.insert(0, "uCode", [f"{11 + i}.71" for i in range(8)])
    official = build(fw, df, SPEC_DIR / spec_file)
    default = build(fw, df)
    pd.testing.assert_frame_equal(default.aggregates, official.aggregates)
    assert default.spec.to_dict() == official.spec.to_dict()
    # a 1-5 index, not min-max 0-100: the official method has no normalisation
    assert default.index.between(1, 5).all()
    df.to_csv(tmp_path / "d.csv", index=False)
    assert main(["build", "-f", name, "-d", str(tmp_path / "d.csv"), "-o", str(tmp_path / "o")]) == 0
    sc = pd.read_csv(tmp_path / "o" / "scores.csv", dtype={"uCode": str}).set_index("uCode")
    np.testing.assert_allclose(sc[fw.root].to_numpy(), official.index.to_numpy(), rtol=0, atol=1e-12)


@needs_shared
@pytest.mark.parametrize("to, column, digits", [("kecamatan", "kode_kec", 6), ("kabkota", "kode_kab", 4),
                                                 ("provinsi", "kode_prov", 2)])
def test_rollup_of_villages_matches_the_ministry_s_regions(corrected_build, to, column, digits):
    """desa → kecamatan → kab/kota → province from the codes agrees with the ministry's own region columns."""
    from analysis.rollup import rollup

    d, res = corrected_build
    got = rollup(res, to, columns=["IDM"]).xs("IDM", level="measure")
    code = d[column].astype(str).str.zfill(digits)
    dotted = code.str.findall(r"\d\d").str.join(".") if digits < 10 else code
    ref = d.assign(parent=dotted).groupby(["parent", "tahun"])["IDM"].agg(["mean", "size"])
    got = got.reindex(ref.index)
    assert np.abs(got["mean"].to_numpy() - ref["mean"].to_numpy()).max() <= 1e-12
    assert (got["n_units"].to_numpy() == ref["size"].to_numpy()).all()
    shares = rollup(res, to, columns=["IDM"]).xs(2024, level="tahun")
    st = shares[shares.index.get_level_values("measure").str.startswith("Level=")]
    np.testing.assert_allclose(st.groupby(level="uCode")["mean"].sum(), 1.0, atol=1e-12)


@needs_shared
def test_build_reads_the_ministry_export_as_published(tmp_path):
    """`maturasi build --framework idm --data <the ministry's export>` (kode_desa, tahun, published IKS…
    IDM columns): codes read from kode_desa, the published sub-indices kept as IKS_data…, and the
    computed index equals the published one (2023)."""
    d = pd.read_csv(CSV, dtype={"kode_desa": str, "kode_kec": str, "kode_kab": str, "kode_prov": str})
    src = tmp_path / "idm_2023.csv"
    d[d["tahun"] == 2023].to_csv(src, index=False)
    assert main(["build", "--framework", "idm", "--data", str(src), "--out", str(tmp_path / "b")]) == 0
    r = pd.read_csv(tmp_path / "b" / "results.csv", dtype={"uCode": str})
    assert r["uCode"].str.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}").all()
    assert np.abs(r["IDM"] - r["IDM_data"]).max() <= TOL
    assert np.abs(r["IKS"] - r["IKS_data"]).max() <= TOL
    assert (r["Level"] == r["STATUS"]).all()
