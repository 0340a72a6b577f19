"""Units of the right kind (Kemendagri codes, ``applies_to``), provinces as units, roll-ups, ASCN pilots.

References are independent of the code under test: the kab/kota names of the Kemendagri table
(``KOTA …`` / ``KABUPATEN …``), published counts (416 kabupaten and 98 kota, 38 provinces; Aceh 23,
Jawa Barat 27, Jawa Timur 38, DKI Jakarta 6 kab/kota), means worked by hand, and a plain loop over
the units for the roll-up of a real build.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, build, load_data, load_framework
from analysis.cli import main
from analysis.rollup import rollup, rollup_wide
from analysis.select import ascn_pilots, ascn_table, with_ascn
from analysis.units import (
    normalise_code,
    parent_code,
    parse_applies_to,
    province_name,
    provinces,
    regencies,
    unit_kind,
)

from .fixtures import FW_ABC, one_line, write

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "smartcity_panel.csv"
LEVELS = {"bands": [40, 60, 80], "labels": ["L1", "L2", "L3", "L4"]}

# --- kinds of unit ----------------------------------------------------------------------------


def test_kab_kota_kind_agrees_with_the_official_names():
    reg = pd.read_csv(ROOT / "data" / "reference" / "regencies.csv", dtype=str)
    from_name = np.where(reg["name"].str.startswith("KOTA "), "kota", "kabupaten")
    assert [unit_kind(c) for c in reg["code"]] == list(from_name)
    assert (from_name == "kabupaten").sum() == 416 and (from_name == "kota").sum() == 98


@pytest.mark.parametrize("code, kind", [
    ("11", "provinsi"), ("96", "provinsi"), ("11.01", "kabupaten"), ("11.69", "kabupaten"), ("11.71", "kota"),
    ("73.71", "kota"), ("11.01.02", "kecamatan"), ("11.01.02.2001", "desa"), ("11.71.01.1001", "desa"),
    ("1101022001", "desa"), (" 35.10 ", "kabupaten"),
    # not Kemendagri codes: no kind, not checked
    ("AUT", None), ("u1", None), ("35.1", None), ("0035", None), ("3510", None), ("05.20", None), ("1", None),
    ("11.70", None), ("11.00", None), ("11.01.2", None), ("11.01.02.201", None), ("110102200", None),
])
def test_unit_kind(code, kind):
    assert unit_kind(code) == kind


def test_ten_digit_village_codes_are_normalised():
    assert normalise_code("1101022001") == "11.01.02.2001"
    assert normalise_code("7371") == "7371"   # four digits could be anything (a year): left alone
    assert parent_code("1101022001", "kecamatan") == "11.01.02"
    assert parent_code("11.01.02.2001", "provinsi") == "11"
    assert parent_code("73", "provinsi") is None and parent_code("AUT", "provinsi") is None


@pytest.mark.parametrize("value, kinds", [
    (None, ("kabupaten", "kota")), ("kabkota", ("kabupaten", "kota")), ("kota", ("kota",)),
    ("provinsi", ("provinsi",)), ("desa", ("desa",)), (["kabkota", "provinsi"], ("provinsi", "kabupaten", "kota")),
    (["kota", "kabupaten"], ("kabupaten", "kota")),
])
def test_parse_applies_to(value, kinds):
    assert parse_applies_to(value) == kinds


@pytest.mark.parametrize("value, needle", [
    ("city", "unknown 'applies_to' value 'city'"), ("kabkot", "did you mean 'kabkota'"), ([], "must be one of"),
    (3, "must be one of"), ([True], "unknown 'applies_to' value True"), ({"a": 1}, "must be one of"),
])
def test_parse_applies_to_refuses(value, needle):
    with pytest.raises(InputError, match=needle.replace("(", r"\(")):
        parse_applies_to(value, file="fw.yaml")


def test_builtin_frameworks_state_their_kinds():
    assert load_framework("kominfo_gm100sc").applies_to == ("kabupaten", "kota")
    assert "provinsi" in load_framework("spbe_2020").applies_to


def _fw(tmp_path, applies_to=None):
    text = FW_ABC if applies_to is None else FW_ABC.replace("name: t\n", f"name: t\napplies_to: {applies_to}\n")
    return write(tmp_path / "fw.yaml", text)


def _data(tmp_path, codes, name="data.csv"):
    rows = [f"{c},{i + 1},{5 - i},{i * 2 + 1}" for i, c in enumerate(codes)]
    return write(tmp_path / name, "uCode,a,b,c\n" + "\n".join(rows) + "\n")


def test_framework_default_is_kab_kota(tmp_path):
    fw = load_framework(_fw(tmp_path))
    assert fw.applies_to == ("kabupaten", "kota")
    assert load_data(_data(tmp_path, ["35.10", "73.71", "AUT"]), fw).values.shape[0] == 3
    with pytest.raises(InputError, match=r"unit '35' is a provinsi .*applies to kab/kota units only"):
        load_data(_data(tmp_path, ["35.10", "35"]), fw)


def test_framework_applies_to_unknown_value_names_the_file(tmp_path):
    with pytest.raises(InputError, match=r"fw\.yaml: unknown 'applies_to' value 'kabupatenkota'"):
        load_framework(_fw(tmp_path, "kabupatenkota"))


def test_wrong_kind_is_one_line_with_file_row_unit_kind_and_allowed(tmp_path, capsys):
    fw = _fw(tmp_path, "kota")
    data = _data(tmp_path, ["73.71", "31.71", "35.10", "32.11"])
    code = main(["validate", "--framework", str(fw), "--data", str(data)])
    line = one_line(code, capsys.readouterr().err)
    assert str(data) in line and "row 4" in line and "'35.10'" in line
    assert "is a kabupaten" in line and "applies to kota units only" in line
    code = main(["build", "--framework", str(fw), "--data", str(data), "--out", str(tmp_path / "o")])
    one_line(code, capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_provinces_are_units_of_their_own(tmp_path):
    p = provinces()
    assert len(p) == 38 and p["uCode"].is_unique
    assert province_name("31") == "DKI Jakarta" and province_name("34") == "DI Yogyakarta"
    assert province_name("19") == "Kepulauan Bangka Belitung" and province_name("96") == "Papua Barat Daya"
    fw = load_framework(_fw(tmp_path, "[provinsi, kabkota]"))
    ds = load_data(_data(tmp_path, p["uCode"]), fw)
    assert list(ds.values.index) == list(p["uCode"])
    res = build(fw, ds)
    assert res.index.notna().all() and len(res.index) == 38
    # a province table is refused by a kab/kota framework
    with pytest.raises(InputError, match="unit '11' is a provinsi"):
        load_data(_data(tmp_path, p["uCode"]), load_framework(_fw(tmp_path, "kabkota")))


def test_village_codes_without_dots_become_dotted(tmp_path):
    fw = load_framework(_fw(tmp_path, "desa"))
    ds = load_data(_data(tmp_path, ["1101022001", "11.01.02.2002", "7371010001"]), fw)
    assert list(ds.values.index) == ["11.01.02.2001", "11.01.02.2002", "73.71.01.0001"]
    with pytest.raises(InputError, match="duplicated unit code '11.01.02.2001'"):
        load_data(_data(tmp_path, ["1101022001", "11.01.02.2001"]), fw)
    with pytest.raises(InputError, match=r"unit '11.01' is a kabupaten.*applies to desa units only"):
        load_data(_data(tmp_path, ["11.01"]), fw)


def test_regencies_counts_per_province():
    per = regencies()["province_code"].value_counts()
    assert (per["11"], per["31"], per["32"], per["35"]) == (23, 6, 27, 38)
    assert per.sum() == 514
    assert regencies().set_index("uCode").loc["31.71", "province"] == "DKI Jakarta"


# --- roll-up ----------------------------------------------------------------------------------

def _scores():
    idx = pd.Index(["73.71", "73.01", "73.02", "35.10", "35.71"], name="uCode")
    return pd.DataFrame({"A": [40.0, 60.0, np.nan, 80.0, 20.0], "B": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=idx)


def test_rollup_by_hand():
    s = _scores()
    pop = pd.Series([1_400_000, 200_000, 400_000, np.nan, 700_000], index=s.index)
    t = rollup(s, "provinsi", weight=pop)
    a73, b73, a35, b35 = (t.loc[(p, m)] for p in ("73", "35") for m in ("A", "B"))
    assert (a73["n_units"], a73["n_missing"], a73["mean"]) == (3, 1, 50.0)
    assert a73["weighted_mean"] == pytest.approx((1.4 * 40 + 0.2 * 60) / 1.6)
    assert b73["mean"] == 2.0 and b73["weighted_mean"] == pytest.approx((1.4 * 1 + 0.2 * 2 + 0.4 * 3) / 2.0)
    assert a73["n_weight_missing"] == 0 and a35["n_weight_missing"] == 1
    assert a35["mean"] == 50.0 and a35["weighted_mean"] == 20.0   # 35.10 has no population
    assert b35["weighted_mean"] == 5.0
    assert (a73["uName"], a35["uName"]) == ("Sulawesi Selatan", "Jawa Timur")
    assert (a73["n_reference"], a35["n_reference"]) == (24, 38)
    assert list(t.index.get_level_values("uCode").unique()) == ["35", "73"]


def test_rollup_without_weight_has_no_weighted_columns_and_all_missing_is_nan():
    s = _scores()
    s.loc[["35.10", "35.71"], "A"] = np.nan
    t = rollup(s, "provinsi")
    assert "weighted_mean" not in t.columns
    assert math.isnan(t.loc[("35", "A"), "mean"]) and t.loc[("35", "A"), "n_missing"] == 2
    assert rollup_wide(t).loc["73", "B"] == 2.0


def test_zero_weights_give_nan_not_a_division_error():
    s = _scores()
    t = rollup(s, "provinsi", weight=pd.Series(0.0, index=s.index))
    assert t["weighted_mean"].isna().all() and t["mean"].notna().all()


def test_equal_weights_give_the_unweighted_mean():
    s = _scores()
    t = rollup(s, "provinsi", weight=pd.Series(7.0, index=s.index))
    np.testing.assert_allclose(t["weighted_mean"], t["mean"])


def test_weighted_rollup_composes_through_the_levels():
    rng = np.random.default_rng(1)
    codes = [f"11.{k:02d}.{c:02d}.{2000 + v}" for k in (1, 2, 71) for c in (1, 2, 3)
             for v in range(1, 2 + (c + k) % 4)]
    idx = pd.Index(codes, name="uCode")
    x = pd.DataFrame({"IDM": rng.uniform(0.4, 0.9, len(codes))}, index=idx)
    pop = pd.Series(rng.integers(300, 5000, len(codes)).astype(float), index=idx)
    direct = rollup(x, "kabkota", weight=pop)
    kec = rollup(x, "kecamatan", weight=pop).xs("IDM", level="measure")
    kec_pop = pop.groupby([parent_code(c, "kecamatan") for c in codes]).sum()
    two_step = rollup(kec[["weighted_mean"]].rename(columns={"weighted_mean": "IDM"}), "kabkota",
                      weight=kec_pop.reindex(kec.index))
    np.testing.assert_allclose(two_step["weighted_mean"], direct["weighted_mean"])
    assert direct.loc[("11.71", "IDM"), "uName"] == "Kota Banda Aceh"
    # the unweighted mean is the plain mean of the villages
    assert direct.loc[("11.02", "IDM"), "mean"] == pytest.approx(x.loc[x.index.str.startswith("11.02.")].IDM.mean())


def test_level_shares():
    idx = pd.Index(["11.01.01.2001", "11.01.01.2002", "11.01.02.2001", "11.02.01.2001"], name="uCode")
    x = pd.DataFrame({"IDM": [0.55, 0.75, 0.85, 0.65]}, index=idx)
    lv = pd.Series(["Tertinggal", "Maju", "Mandiri", None], index=idx)
    pop = pd.Series([100.0, 300.0, 600.0, 50.0], index=idx)
    t = rollup(x, "kabkota", levels=lv, weight=pop)
    assert list(t.loc["11.01"].index) == ["IDM", "Level=Tertinggal", "Level=Maju", "Level=Mandiri"]
    assert t.loc[("11.01", "Level=Maju"), "mean"] == pytest.approx(1 / 3)
    assert t.loc[("11.01", "Level=Mandiri"), "weighted_mean"] == pytest.approx(0.6)
    assert t.loc[("11.02", "Level=Maju"), "n_missing"] == 1 and math.isnan(t.loc[("11.02", "Level=Maju"), "mean"])


@pytest.mark.parametrize("kw, needle", [
    ({"to": "kota"}, "unknown roll-up level 'kota'"),
    ({"to": "provinsi", "codes": ["73.71", "73"]}, "unit '73' is a provinsi"),
    ({"to": "provinsi", "codes": ["73.71", "AUT"]}, "unit 'AUT' is not a Kemendagri code"),
    ({"to": "kabkota", "codes": ["73.71", "73.72"]}, "unit '73.71' is a kota"),
    ({"to": "provinsi", "weight": [1, -1]}, "negative or not finite"),
    ({"to": "provinsi", "weight": [1, np.inf]}, "negative or not finite"),
    ({"to": "provinsi", "weight": ["1", "many"]}, "weight 'many' is not a number"),
    ({"to": "provinsi", "weight": "population"}, "weight column 'population' is not in the table"),
])
def test_rollup_refusals(kw, needle):
    codes = kw.get("codes", ["73.71", "73.01"])
    s = pd.DataFrame({"A": [1.0, 2.0]}, index=pd.Index(codes, name="uCode"))
    w = kw.get("weight")
    if isinstance(w, list):
        w = pd.Series(w, index=s.index)
    with pytest.raises(InputError, match=needle):
        rollup(s, kw["to"], weight=w)


@pytest.fixture(scope="module")
def demo_result():
    """The demo panel (514 kab/kota, several years, with population) built with four bands."""
    return build("kominfo_gm100sc", DEMO, {"levels": LEVELS}), DEMO


def test_rollup_of_a_build_agrees_with_a_plain_loop(demo_result):
    res, _ = demo_result
    t = rollup(res, "provinsi", weight="population")
    root = res.framework.root
    agg, units, lv = res.aggregates, res.units, res.levels
    year = agg.index.get_level_values(1)[-1]
    for prov in ("31", "73", "94"):
        rows = [i for i in agg.index if i[1] == year and i[0].split(".")[0] == prov]
        x = np.array([agg.loc[i, root] for i in rows])
        w = np.array([units.loc[i, "population"] for i in rows], dtype=float)
        ok = ~np.isnan(x)
        r = t.loc[(prov, year, root)]
        assert r["n_units"] == len(rows) and r["n_missing"] == (~ok).sum()
        assert r["mean"] == pytest.approx(sum(x[ok]) / ok.sum(), rel=1e-12)
        assert r["weighted_mean"] == pytest.approx(sum(w[ok] * x[ok]) / sum(w[ok]), rel=1e-12)
        share = sum(1 for i in rows if lv[i] == "L3") / sum(1 for i in rows if lv[i] is not None)
        assert t.loc[(prov, year, "Level=L3"), "mean"] == pytest.approx(share)
    assert set(t.index.get_level_values("measure")) == set(agg.columns) | {f"Level={x}" for x in "L1 L2 L3 L4".split()}
    assert t.index.get_level_values("uCode").nunique() == 38


# --- ASCN -------------------------------------------------------------------------------------

def test_ascn_table_and_filter():
    a = ascn_table()
    assert a.loc["73.71", "ascn_pilot"] == 2018 and a.loc["35.10", "ascn_pilot"] == 2018
    assert a.loc["32.11", "ascn_pilot"] == 2024 and a.loc["31", "ascn_pilot"] == 2018
    assert a["source"].str.len().gt(20).all()
    reg = regencies().set_index("uCode")
    for code in a.index:   # every code is a real unit with the right name
        name = province_name(code) if len(code) == 2 else reg.loc[code, "uName"]
        assert name == a.loc[code, "uName"]
    t = pd.DataFrame({"INDEX": [1.0, 2.0, 3.0, 4.0]},
                     index=pd.Index(["73.71", "73.01", "32.11", "31.74"], name="uCode"))
    joined = with_ascn(t)["ascn_pilot"]
    assert joined.iloc[0] == 2018 and pd.isna(joined.iloc[1]) and str(joined.dtype) == "Int64"
    assert ascn_pilots(t).index.tolist() == ["73.71", "32.11", "31.74"]
    assert ascn_pilots(t, as_of=2023).index.tolist() == ["73.71", "31.74"]
    asem = pd.DataFrame({"x": [1.0]}, index=pd.Index(["AUT"], name="uCode"))
    assert "ascn_pilot" not in with_ascn(asem).columns and ascn_pilots(asem).empty


def test_results_table_has_ascn_pilot(demo_result):
    res, _ = demo_result
    t = res.table()
    assert "ascn_pilot" not in res.units.columns
    year = t.index.get_level_values(1)[-1]
    cross = t.xs(year, level=1)
    assert cross.loc["73.71", "ascn_pilot"] == 2018 and pd.isna(cross.loc["73.01", "ascn_pilot"])
    assert set(ascn_pilots(cross).index) == {"31.71", "31.72", "31.73", "31.74", "31.75", "73.71", "35.10", "32.11"}


# --- command line -----------------------------------------------------------------------------

def test_cli_rollup(demo_result, tmp_path, capsys):
    _, data = demo_result
    spec = write(tmp_path / "spec.yaml", "levels: {bands: [40, 60, 80], labels: [L1, L2, L3, L4]}\n")
    run = tmp_path / "run"
    assert main(["build", "--framework", "kominfo_gm100sc", "--data", str(data), "--spec", str(spec),
                 "--out", str(run)]) == 0
    out = tmp_path / "prov"
    assert main(["rollup", "--run", str(run), "--to", "provinsi", "--weight", "population", "--out", str(out)]) == 0
    assert "38 provinsi" in capsys.readouterr().out
    t = pd.read_csv(out / "rollup_provinsi.csv", dtype={"uCode": str})
    assert {"uCode", "year", "measure", "uName", "n_units", "mean", "weighted_mean"} <= set(t.columns)
    m = json.loads((out / "manifest.json").read_text())
    assert m["tool"] == "maturasi" and m["command"] == "rollup" and "rollup_provinsi.csv" in m["outputs"]
    # refusals: one line, exit 2, nothing written
    code = main(["rollup", "--run", str(run), "--to", "provinsi", "--weight", "penduduk", "--out", str(tmp_path / "x")])
    assert "weight column 'penduduk' is not in the data" in one_line(code, capsys.readouterr().err)
    with pytest.raises(SystemExit) as e:   # argparse: one line, exit 2
        main(["rollup", "--run", str(run), "--to", "negara", "--out", str(tmp_path / "y")])
    assert "invalid choice: 'negara'" in one_line(e.value.code, capsys.readouterr().err)
    code = main(["rollup", "--run", str(run), "--to", "provinsi", "--out", str(out)])
    one_line(code, capsys.readouterr().err)   # exists, no --force
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_cli_build_rollup(demo_result, tmp_path, capsys):
    _, data = demo_result
    out = tmp_path / "b"
    assert main(["build", "--framework", "kominfo_gm100sc", "--data", str(data), "--spec",
                 str(ROOT / "data" / "demo" / "spec.yaml"), "--out", str(out), "--rollup", "provinsi",
                 "--rollup-weight", "population"]) == 0
    t = pd.read_csv(out / "rollup_provinsi.csv", dtype={"uCode": str})
    assert t["uCode"].nunique() == 38 and t["weighted_mean"].notna().any()
    assert "rollup_provinsi.csv" in json.loads((out / "manifest.json").read_text())["outputs"]
    results = pd.read_csv(out / "results.csv", dtype={"uCode": str})
    assert results.loc[results["uCode"] == "35.10", "ascn_pilot"].eq(2018).all()
    capsys.readouterr()
    code = main(["build", "--framework", "kominfo_gm100sc", "--data", str(data), "--spec",
                 str(ROOT / "data" / "demo" / "spec.yaml"), "--out", str(tmp_path / "c"), "--rollup-weight", "x"])
    assert "--rollup-weight needs --rollup" in one_line(code, capsys.readouterr().err)
    code = main(["build", "--framework", "kominfo_gm100sc", "--data", str(data), "--spec",
                 str(ROOT / "data" / "demo" / "spec.yaml"), "--out", str(tmp_path / "c"), "--rollup", "provinsi",
                 "--rollup-weight", "penduduk"])
    line = one_line(code, capsys.readouterr().err)
    assert str(data) in line and "weight column 'penduduk' is not in the data" in line
    assert not (tmp_path / "c").exists()


def test_rollup_weight_refusal_names_the_data_file(tmp_path):
    """A negative population in the data of a build is refused naming that data file."""
    df = pd.read_csv(DEMO, dtype={"uCode": str})
    df = df[df["year"] == df["year"].max()].copy()
    df.loc[df.index[3], "population"] = -5
    path = tmp_path / "panel_bad_population.csv"
    df.to_csv(path, index=False)
    res = build("kominfo_gm100sc", str(path), {"levels": LEVELS})
    with pytest.raises(InputError, match="negative or not finite") as e:
        rollup(res, "provinsi", weight="population")
    assert "panel_bad_population.csv" in str(e.value)
