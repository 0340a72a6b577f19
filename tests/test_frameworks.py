"""Built-in frameworks: validate and build; SPBE and GM100SC worked examples."""

import numpy as np
import pandas as pd
import pytest

from analysis import build, builtin_frameworks, load_framework
from analysis.framework import FRAMEWORK_DIR
from analysis.levels import Bands
from analysis.spec import load_spec

SPECS = FRAMEWORK_DIR.parent / "specs"


def _random_data(fw, n=12, seed=0):
    rng = np.random.default_rng(seed)
    cols = {}
    for c in fw.indicators:
        node = fw.nodes[c]
        if node.goal_min is not None:
            cols[c] = rng.integers(int(node.goal_min), int(node.goal_max) + 1, n).astype(float)
        else:
            cols[c] = rng.uniform(1, 100, n)
        if node.denominator:
            cols[node.denominator] = rng.uniform(10, 1000, n)   # e.g. area for population density
    df = pd.DataFrame(cols)
    desa = "desa" in getattr(fw, "applies_to", ())  # a village index (IDM) takes village codes
    df.insert(0, "uCode", [f"{11 + i}.01.02.{2001 + i}" if desa else f"{11 + i}.{i + 1:02d}" for i in range(n)])
    return df


@pytest.mark.parametrize("name", sorted(builtin_frameworks()))
def test_builtin_framework_validates_and_builds(name):
    fw = load_framework(name)
    assert fw.meta.get("title") and fw.meta.get("nama")
    for node in fw.nodes.values():
        assert node.name and node.nama
    spec_file = {"spbe_2020": "spbe.yaml", "gm100sc_evaluation": "gm100sc_evaluation.yaml",
                 "kemendagri_spp_iso37122": "kemendagri_spp.yaml"}.get(name)
    if name == "welfare_capacity":
        spec = {"denominate": "framework", "normalise": {"method": "minmax"}}
        res = build(fw, _random_data(fw), spec)
        d = _random_data(fw)
        np.testing.assert_allclose(res.denominated["DENSITY"], d["DENSITY"] / d["area_km2"])
        return
    spec = load_spec(SPECS / spec_file) if spec_file else None
    res = build(fw, _random_data(fw), spec)
    assert res.index.notna().all()


def test_spbe_structure_and_weights():
    fw = load_framework("spbe_2020")
    assert len(fw.indicators) == 47
    assert len(fw.at_level(2)) == 8 and len(fw.at_level(3)) == 4
    dom = {c: fw.nodes[c].weight for c in fw.children(fw.root)}
    assert dom == {"SPBE_D1": 13.0, "SPBE_D2": 25.0, "SPBE_D3": 16.5, "SPBE_D4": 45.5}
    # PermenPANRB 59/2020: indicators per aspect 10, 4, 4, 2, 8, 3, 10, 6; TIK = indicators 15-18,
    # Penyelenggara SPBE = 19-20, so aspect weights TIK 10 and Penyelenggara 5 (not 7.5/7.5)
    members = {a: [int(c[-2:]) for c in fw.children(a)] for a in fw.at_level(2)}
    assert members == {"SPBE_A1": list(range(1, 11)), "SPBE_A2": [11, 12, 13, 14], "SPBE_A3": [15, 16, 17, 18],
                       "SPBE_A4": [19, 20], "SPBE_A5": list(range(21, 29)), "SPBE_A6": [29, 30, 31],
                       "SPBE_A7": list(range(32, 42)), "SPBE_A8": list(range(42, 48))}
    asp = {c: fw.nodes[c].weight for c in fw.at_level(2)}
    assert asp == {"SPBE_A1": 13.0, "SPBE_A2": 10.0, "SPBE_A3": 10.0, "SPBE_A4": 5.0, "SPBE_A5": 12.0,
                   "SPBE_A6": 4.5, "SPBE_A7": 27.5, "SPBE_A8": 18.0}
    assert fw.nodes["SPBE_A3"].nama == "Teknologi Informasi dan Komunikasi"
    assert fw.nodes["SPBE_A4"].nama == "Penyelenggara SPBE"
    assert fw.nodes["SPBE_I18"].nama == ("Tingkat Kematangan Penggunaan Sistem Penghubung Layanan "
                                         "Instansi Pusat/Pemerintah Daerah")
    # indicator weights of the regulation: 1.3 % (1-10), 2.5 % (11-20), 1.5 % (21-31), 2.75 % (32-41), 3 % (42-47)
    expected = [1.3] * 10 + [2.5] * 10 + [1.5] * 11 + [2.75] * 10 + [3.0] * 6
    assert [fw.nodes[c].weight for c in fw.indicators] == expected
    assert sum(fw.nodes[c].weight for c in fw.indicators) == pytest.approx(100.0)
    # no placeholder names left
    assert not [c for c in fw.indicators if fw.nodes[c].nama.startswith("Indikator ")]
    assert all(fw.nodes[c].nama.startswith("Tingkat Kematangan ") for c in fw.indicators)


def test_spbe_aspect_and_domain_scores_by_hand():
    """Indicator i at level ((i - 1) mod 5) + 1; aspect, domain and index scores worked by hand."""
    fw = load_framework("spbe_2020")
    levels = {c: float((i % 5) + 1) for i, c in enumerate(fw.indicators)}
    res = build(fw, pd.DataFrame([dict(levels, uCode="51.71")]), load_spec(SPECS / "spbe.yaml"))
    got = res.aggregates.iloc[0]
    hand = {
        "SPBE_A1": 30 / 10,        # 1 2 3 4 5 1 2 3 4 5
        "SPBE_A2": 10 / 4,         # 1 2 3 4
        "SPBE_A3": 11 / 4,         # 5 1 2 3   (indicators 15-18)
        "SPBE_A4": 9 / 2,          # 4 5       (indicators 19-20)
        "SPBE_A5": 21 / 8,         # 1 2 3 4 5 1 2 3
        "SPBE_A6": 10 / 3,         # 4 5 1
        "SPBE_A7": 30 / 10,        # 2 3 4 5 1 2 3 4 5 1
        "SPBE_A8": 17 / 6,         # 2 3 4 5 1 2
        "SPBE_D1": 3.0,
        "SPBE_D2": (10 * 2.5 + 10 * 2.75 + 5 * 4.5) / 25,       # = 3.0
        "SPBE_D3": (12 * 2.625 + 4.5 * 10 / 3) / 16.5,           # = 46.5 / 16.5
        "SPBE_D4": (27.5 * 3.0 + 18 * 17 / 6) / 45.5,            # = 133.5 / 45.5
        "SPBE": (13 * 3.0 + 75 + 46.5 + 133.5) / 100,            # = 2.94
    }
    for code, value in hand.items():
        assert got[code] == pytest.approx(value, abs=1e-12), code
    # the old, wrong split (15-17 under TIK, 18-20 under Penyelenggara) would give 8/3 and 4.0
    assert got["SPBE_A3"] != pytest.approx(8 / 3) and got["SPBE_A4"] != pytest.approx(4.0)
    assert res.levels.iloc[0] == "Baik"   # 2.94 lies in [2.6, 3.5)


def test_spbe_index_equals_flat_formula_and_predicates():
    fw = load_framework("spbe_2020")
    spec = load_spec(SPECS / "spbe.yaml")
    df = _random_data(fw, n=30, seed=3)
    df.loc[0, fw.indicators] = 3.0  # every indicator at level 3 -> index 3.0, "Baik"
    res = build(fw, df, spec)
    w = np.array([fw.nodes[c].weight for c in fw.indicators])
    flat = df[fw.indicators].to_numpy() @ w / 100  # index = sum(level x weight) / 100
    np.testing.assert_allclose(res.index.to_numpy(), flat, rtol=0, atol=1e-12)
    assert res.index.iloc[0] == pytest.approx(3.0) and res.levels.iloc[0] == "Baik"
    bands = Bands.from_spec(spec["levels"])
    edges = {1.79: "Kurang", 1.8: "Cukup", 2.59: "Cukup", 2.6: "Baik", 3.49: "Baik", 3.5: "Sangat Baik",
             4.19: "Sangat Baik", 4.2: "Memuaskan", 5.0: "Memuaskan", 1.0: "Kurang"}
    assert list(bands.assign(np.array(list(edges)))) == list(edges.values())
    # predicate of every unit agrees with the flat index
    assert list(res.levels) == list(bands.assign(flat))


def test_spbe_exact_edge_gets_the_regulation_predicate():
    """An index exactly on a band edge by the regulation's flat formula (21/5 = 4.2, "Memuaskan") gets
    that predicate although the nested weighted means land one rounding error below it (4.199999999999999)."""
    fw = load_framework("spbe_2020")
    levels = [int(c) for c in "45354443535554555444455343453355544534545543334"]
    assert len(levels) == 47
    w = np.array([fw.nodes[c].weight for c in fw.indicators])
    from fractions import Fraction
    exact = sum(Fraction(lv) * Fraction(str(wt)) for lv, wt in zip(levels, w)) / 100
    assert exact == Fraction(21, 5)                                  # the regulation's index: exactly 4.2
    df = pd.DataFrame([dict(zip(fw.indicators, map(float, levels)), uCode="31")])
    res = build(fw, df, load_spec(SPECS / "spbe.yaml"))
    assert res.index.iloc[0] == pytest.approx(4.2, abs=1e-12)
    assert res.levels.iloc[0] == "Memuaskan"
    bands = Bands.from_spec(load_spec(SPECS / "spbe.yaml")["levels"])
    assert list(bands.assign(np.array([4.199999999999999, 4.2 - 1e-6, np.nextafter(1.8, 0)]))) == [
        "Memuaskan", "Sangat Baik", "Cukup"]


def test_spbe_official_method_refuses_levels_off_the_scale_and_needs_all_47():
    """The regulation scores all 47 indicators at levels 1-5: a level 0 is refused (one line naming the
    indicator), a missing indicator leaves the index undefined rather than reweighting the others."""
    from analysis import InputError

    fw = load_framework("spbe_2020")
    spec = load_spec(SPECS / "spbe.yaml")
    row = {c: float((i % 5) + 1) for i, c in enumerate(fw.indicators)}
    bad = pd.DataFrame([{**row, "SPBE_I01": 0.0, "uCode": "31"}])
    with pytest.raises(InputError, match=r"unit 31: 0 is outside the scale \[1, 5\] of SPBE_I01"):
        build(fw, bad, spec)
    ok = build(fw, pd.DataFrame([{**row, "uCode": "31"}, {**row, "SPBE_I47": np.nan, "uCode": "32"}]), spec)
    assert ok.index.iloc[0] == pytest.approx(2.94)
    assert np.isnan(ok.index.iloc[1])


@pytest.mark.parametrize("unit, scores, final", [
    ("Kota Jambi 2024", [3.84, 3.18, 3.53, 3.63, 3.35], 3.48),
    ("Kota Kediri 2022", [3.60, 3.21, 3.23, 3.07, 3.65], 3.31),
])
def test_gm100sc_evaluation_reproduces_published_finals(unit, scores, final):
    fw = load_framework("gm100sc_evaluation")
    df = pd.DataFrame([dict(zip(fw.indicators, scores), uCode=unit)])
    res = build(fw, df, SPECS / "gm100sc_evaluation.yaml")
    assert abs(res.index.iloc[0] - final) <= 0.005 + 1e-9
    assert res.index.iloc[0] == pytest.approx(np.dot(scores, [0.1, 0.2, 0.3, 0.2, 0.2]))


def test_gm100sc_evaluation_weight_sets_are_the_published_ones():
    spec = load_spec(SPECS / "gm100sc_evaluation.yaml")
    assert spec.weight_set("kominfo_10_20_30_20_20") == {"EV_BASELINE": 10, "EV_OUTPUT": 20, "EV_OUTCOME": 30,
                                                         "EV_IMPACT": 20, "EV_QUICKWIN": 20}
    assert spec.weight_set("sleman_10_20_30_30_10") == {"EV_BASELINE": 10, "EV_OUTPUT": 20, "EV_OUTCOME": 30,
                                                        "EV_IMPACT": 30, "EV_QUICKWIN": 10}
    fw = load_framework("gm100sc_evaluation")
    assert {c: fw.nodes[c].weight for c in fw.indicators} == spec.weight_set("kominfo_10_20_30_20_20")
    # Kota Kediri 2022 under the Sleman set: 0.1*3.60 + 0.2*3.21 + 0.3*3.23 + 0.3*3.07 + 0.1*3.65 = 3.257
    df = pd.DataFrame([dict(zip(fw.indicators, [3.60, 3.21, 3.23, 3.07, 3.65]), uCode="35.71")])
    res = build(fw, df, spec.replace(weights="sleman_10_20_30_30_10"))
    assert res.index.iloc[0] == pytest.approx(3.257, abs=1e-12)
    # ... which is not the published 3.31: the 2022 evaluation used 10/20/30/20/20
    assert abs(res.index.iloc[0] - 3.31) > 0.05


def test_gm100sc_indeks_improvement_kediri_2022():
    """Indeks Improvement = final index minus the previous evaluation's final (Kominfo letter
    B-1003/DJAI/AI.01.04/12/2022 to Kota Kediri: 3.31 - 3.06 = 0.25); on a panel it is the
    ``score_change`` of ``compare_years``."""
    from analysis.compare import compare_years

    fw = load_framework("gm100sc_evaluation")
    # 2021: only the published final (3.06) is known; five equal dimension scores reproduce it exactly
    rows = [dict(zip(fw.indicators, [3.06] * 5), uCode="35.71", year=2021),
            dict(zip(fw.indicators, [3.60, 3.21, 3.23, 3.07, 3.65]), uCode="35.71", year=2022)]
    res = build(fw, pd.DataFrame(rows), SPECS / "gm100sc_evaluation.yaml")
    yoy = compare_years(res, 2021, 2022)
    assert yoy["score_2021"].iloc[0] == pytest.approx(3.06, abs=1e-12)
    assert yoy["score_2022"].iloc[0] == pytest.approx(3.315, abs=1e-12)   # published (rounded) 3.31
    improvement = yoy["score_change"].iloc[0]
    assert improvement == pytest.approx(3.315 - 3.06, abs=1e-12)
    assert abs(improvement - 0.25) <= 0.005 + 1e-9                          # published 0.25


def test_gm100sc_readiness_has_the_published_2019_aspects():
    fw = load_framework("gm100sc_readiness")
    assert fw.indicators == ["RD_VISION", "RD_REGULATION", "RD_POLICY", "RD_ITINFRA", "RD_APPS", "RD_IPM", "RD_KKD",
                             "RD_PLANNING", "RD_COMMIT"]
    assert not any("keamanan" in fw.nodes[c].nama.lower() or "security" in fw.nodes[c].name.lower()
                   for c in fw.indicators)
    # the 1-5 scale and the weights are the kit's own, and say so
    assert all("kit's own" in fw.nodes[c].unit and "kit's own" in fw.nodes[c].source for c in fw.indicators)


def test_kemendagri_spp_clauses_and_units_follow_iso_37122():
    fw = load_framework("kemendagri_spp_iso37122")
    clause = {c: fw.nodes[c].source.split("clause ")[1].split(" ")[0] for c in fw.indicators}
    assert clause == {"ISO_6_1": "6.1", "ISO_6_2": "6.2", "ISO_11_1": "11.1", "ISO_11_2": "11.2",
                      "ISO_21_2": "21.2", "ISO_21_3": "21.3", "ISO_12_1": "12.1", "ISO_12_2": "12.2",
                      "ISO_15_1": "15.1", "ISO_13_1": "13.1"}
    # the code carries the clause
    assert all(c == "ISO_" + clause[c].replace(".", "_") for c in fw.indicators)
    assert fw.nodes["ISO_21_2"].unit == "%" and "electronic" in fw.nodes["ISO_21_2"].name
    assert fw.nodes["ISO_15_1"].unit == "% of city area"
    # parent affairs: health under Kesehatan, housing meters under PKP, CCTV under Trantib, accessibility under Sosial
    assert [fw.nodes[c].parent for c in ("ISO_11_1", "ISO_12_1", "ISO_15_1", "ISO_13_1")] == \
        ["SPP_HEA", "SPP_PKP", "SPP_TRANTIB", "SPP_SOS"]
    # every indicator says which parts are the kit's own inference
    assert all("kit's own" in fw.nodes[c].source for c in fw.indicators)


def test_units_each_framework_applies_to(tmp_path):
    kinds = {name: load_framework(name).applies_to for name in builtin_frameworks()}
    assert kinds["spbe_2020"] == ("provinsi", "kabupaten", "kota")     # provinces have their own SPBE index
    for name in ("kemendagri_spp_iso37122", "gm100sc_readiness", "gm100sc_evaluation", "kominfo_gm100sc",
                 "welfare_capacity"):
        assert kinds[name] == ("kabupaten", "kota"), name
    # a province and a kota side by side build under SPBE (read from a file, so the unit check runs)
    fw = load_framework("spbe_2020")
    df = pd.DataFrame([dict({c: 3.0 for c in fw.indicators}, uCode="51"),
                       dict({c: 4.0 for c in fw.indicators}, uCode="51.71")])
    f = tmp_path / "spbe.csv"
    df.to_csv(f, index=False)
    res = build("spbe_2020", f, SPECS / "spbe.yaml")
    assert list(res.index.round(12)) == [3.0, 4.0] and list(res.levels) == ["Baik", "Sangat Baik"]
