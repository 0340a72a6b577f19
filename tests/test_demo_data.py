"""``maturasi demo-data`` never overwrites a file it did not write (issue 13)."""

import hashlib

from analysis.cli import main


def _h(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_demo_data_leaves_identical_files_and_refuses_edited_ones(tmp_path, capsys):
    assert main(["demo-data", "--out", str(tmp_path)]) == 0
    panel, latest = tmp_path / "smartcity_panel.csv", tmp_path / "smartcity_2025.csv"
    before = _h(panel)
    assert main(["demo-data", "--out", str(tmp_path)]) == 0  # same bytes: nothing to do
    assert _h(panel) == before
    latest.write_text("my own edits\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    capsys.readouterr()
    assert main(["demo-data", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "smartcity_2025.csv" in err[0] and "--force" in err[0]
    assert latest.read_text() == "my own edits\n" and notes.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "smartcity_2025.csv", "smartcity_panel.csv"]
    assert main(["demo-data", "--out", str(tmp_path), "--force"]) == 0
    assert latest.read_text() != "my own edits\n" and notes.read_text() == "keep me\n"


def test_demo_data_refuses_a_file_as_out(tmp_path, capsys):
    f = tmp_path / "x.csv"
    f.write_text("a\n")
    assert main(["demo-data", "--out", str(f)]) == 2
    assert f.read_text() == "a\n"


def test_shipped_demo_is_the_generators_output(tmp_path):
    """data/demo/*.csv are exactly what ``maturasi demo-data`` writes (regenerated, not edited)."""
    from analysis.demo import DEMO_DIR

    assert main(["demo-data", "--out", str(tmp_path)]) == 0
    for name in ("smartcity_panel.csv", "smartcity_2025.csv"):
        assert _h(tmp_path / name) == _h(DEMO_DIR / name), name


def test_demo_names_and_labels_are_official_or_neutral():
    import pandas as pd
    import yaml

    from analysis.demo import DEMO_DIR

    d = pd.read_csv(DEMO_DIR / "smartcity_2025.csv", dtype={"uCode": str})
    provinces = set(d["province"])
    assert {"DKI Jakarta", "DI Yogyakarta", "Kepulauan Bangka Belitung", "Papua Barat Daya"} <= provinces
    assert not any(p.startswith(("Dki", "Daerah")) for p in provinces) and len(provinces) == 38
    # Kemendagri's M1–M5 names are not used for the demonstration index (issue 17)
    levels = yaml.safe_load((DEMO_DIR / "spec.yaml").read_text())["levels"]
    words = " ".join(levels["labels"] + levels["labels_id"])
    assert not any(w in words for w in ("Pratama", "Muda", "Madya", "Utama", "Paripurna", "M1", "M5"))
    assert "synthetic" in (DEMO_DIR / "README.md").read_text().lower()


def test_demo_generator_is_seeded():
    from analysis.demo import generate

    a, b, c = generate(seed=1), generate(seed=1), generate(seed=2)
    assert a.equals(b) and not a.equals(c)
    assert a.groupby("year")["population"].sum().is_monotonic_increasing


def test_demo_matches_its_province_targets():
    """Province totals and population-weighted means equal the published province figures
    (analysis.demo_calibration) in the series' data year, up to the files' rounding; the generator
    weights by the 2024 population."""
    import numpy as np
    import pandas as pd

    from analysis.demo import DEMO_DIR
    from analysis.demo_calibration import INTERNET, PROVINCE

    d = pd.read_csv(DEMO_DIR / "smartcity_panel.csv", dtype={"uCode": str, "province_code": str})
    pop = d[d.year == 2024].set_index("uCode")["population"]
    for year, col, i, tol in ((2024, "population", 0, 40), (2024, "area_km2", 1, 1.0), (2024, "ECO_POVERTY", 2, 0.01),
                              (2024, "SOC_RLS", 3, 0.01), (2024, "ECO_GRDPPC", 4, 0.05),
                              (2023, "ECO_UNEMP", 5, 0.01), (2023, "SOC_INTERNET", None, 0.01)):
        t = d[d.year == year]
        for p, g in t.groupby("province_code"):
            want = INTERNET[p] if i is None else PROVINCE[p][i]
            got = g[col].sum() if i in (0, 1) else np.average(g[col], weights=g["uCode"].map(pop))
            assert abs(got - want) <= tol, (col, p, got, want)
