"""Planner dashboard: its numbers (model) and its widgets (Panel, without a browser)."""

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import InputError
from analysis.dashboard import LABELS, Planner, find_runs, label, slider_step
from analysis.dashboard.model import default_run, describe, is_synthetic, run_label
from analysis.demo import DEMO_DIR
from analysis.i18n import untranslated
from analysis.scenario import baseline_from_run, load_scenario, run_scenario, valid_range


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo-index"
    subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", "kominfo_gm100sc", "--data",
                    str(DEMO_DIR / "smartcity_panel.csv"), "--spec", str(DEMO_DIR / "spec.yaml"), "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def planner(run_dir):
    return Planner(run_dir)


def test_find_runs_lists_usable_runs_only(run_dir, tmp_path):
    runs = find_runs(run_dir.parent)
    assert list(runs["run"]) == [str(run_dir)] and runs.at[0, "framework"] == "kominfo_gm100sc"
    bad = tmp_path / "failed"
    bad.mkdir()
    (bad / "manifest.json").write_text(json.dumps({"status": "failed", "inputs": {"framework": {"path": "x"},
                                                                                  "data": {"path": "y"}}}))
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "manifest.json").write_text("{not json")
    assert find_runs(tmp_path).empty and find_runs(tmp_path / "absent").empty


def test_labels_are_complete_in_both_languages():
    # the dashboard's texts are messages of the one catalogue (analysis.i18n), each with its Indonesian
    assert untranslated(sorted(LABELS.values())) == []
    for key, en in LABELS.items():
        assert label(key, "en") == en and label(key, "id").strip(), key
    assert label("rank", "id") == "Peringkat" and label("province", "id") == "Provinsi"
    with pytest.raises(ValueError, match="unknown language"):
        label("rank", "fr")


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(1e-6, 1e6))
def test_slider_step_is_round_and_gives_about_200_positions(lo, span):
    s = slider_step(lo, lo + span)
    mant = s / 10 ** math.floor(math.log10(s) + 1e-12)
    assert any(abs(mant - m) < 1e-9 for m in (1, 2, 5, 10))
    assert 80 <= span / s <= 200 + 1e-9


def test_sliders_start_at_the_units_values_within_valid_ranges(planner):
    b = planner.b
    for code in ("73.71", "35.10", b.raw.index[0]):
        tab = planner.sliders(code)
        assert list(tab.index) == b.framework.indicators
        for c, r in tab.iterrows():
            lo, hi = valid_range(b.framework.nodes[c], b.raw[c].to_numpy(float))
            assert lo <= r["lo"] <= r["value"] <= r["hi"] <= hi
            assert r["value"] == (b.imputed.at[code, c] if r["imputed"] else b.raw.at[code, c])
            assert planner.fw.nodes[r["dimension"]].parent == planner.fw.root
    assert set(planner.sliders("73.71", "id")["name"]) != set(planner.sliders("73.71", "en")["name"])


def test_untouched_sliders_give_the_baseline_and_an_empty_scenario(planner):
    ev = planner.evaluate("73.71", planner.sliders("73.71")["value"].to_dict())
    assert ev.scenario["interventions"] == []
    b = planner.b
    assert ev.score == b.aggregates.at["73.71", b.framework.root] and ev.rank == b.ranks["73.71"]
    assert ev.level == ev.baseline_level and (ev.dimensions["delta"] == 0).all()


def test_evaluation_is_the_engines_result_for_the_exported_yaml(planner, run_dir, tmp_path):
    vals = {"GOV_EGOV": 91.3, "ENV_LED": 60.05, "SOC_DIGLIT": 4.5}
    ev = planner.evaluate("35.10", vals)
    text = planner.scenario_yaml("35.10", vals)
    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    sc = load_scenario(f)
    assert {it.indicators[0]: it.amount for it in sc.interventions} == vals     # floats survive exactly
    # a fresh baseline rebuilt from the run, as `maturasi scenario` does it
    r = run_scenario(baseline_from_run(run_dir, sc.year), sc)
    assert r.table.at["35.10", "scenario_score"] == ev.score
    assert r.table.at["35.10", "scenario_rank"] == ev.rank and r.table.at["35.10", "scenario_level"] == ev.level
    assert ev.rank == planner.b.rank_of("35.10", ev.score)
    # and through the command line
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "analysis.cli", "scenario", "--run", str(run_dir), "--scenario", str(f),
                    "--out", str(out)], check=True, capture_output=True)
    t = pd.read_csv(out / "scenario_frozen.csv", index_col=0, dtype={0: str})
    assert t.at["35.10", "scenario_rank"] == ev.rank and t.at["35.10", "scenario_level"] == ev.level
    assert t.at["35.10", "scenario_score"] == pytest.approx(ev.score, rel=1e-9)
    assert (out / "scenario.yaml").read_text(encoding="utf-8") == text


def test_odd_floats_round_trip_through_the_yaml(planner):
    vals = {"GOV_EGOV": 0.1 + 0.2, "GOV_COMPLAINT": 1e-5, "GOV_OSS": 123456.78901234567}
    sc = load_scenario(yaml.safe_load(planner.scenario_yaml("73.71", vals)))
    assert {it.indicators[0]: it.amount for it in sc.interventions} == vals


def test_peers_are_the_nearest_profiles_and_include_the_scenario_row(planner):
    ev = planner.evaluate("73.71", {"GOV_EGOV": 99.0})
    p = planner.peers("73.71", ev, k=5)
    assert len(p) == 6 and p["scenario"].sum() == 1 and p.loc["73.71", "score"] == ev.score
    agg = planner.b.aggregates[planner.dimensions]
    d = np.sqrt(((agg - agg.loc["73.71"]) ** 2).sum(axis=1)).drop("73.71").sort_values(kind="stable")
    assert set(p.index) - {"73.71"} == set(d.index[:5])
    assert list(p["score"]) == sorted(p["score"], reverse=True)
    # ranks are the scenario's: the full frozen scenario ranks every unit the same way, and a peer
    # the unit overtakes drops a place (the path to the next level, L5, lifts 73.71 past a nearest peer on the demo)
    moves = planner.path("73.71").moves
    ev2 = planner.evaluate("73.71", moves.loc[moves["change"] != 0, "new"].to_dict())
    for e in (ev, ev2):
        p = planner.peers("73.71", e)
        full = run_scenario(planner.b, e.scenario).table
        assert (p["rank"] == full.loc[p.index, "scenario_rank"]).all()
    others = p.drop("73.71").index
    assert (p.loc[others, "rank"] > planner.b.ranks[others]).any()
    groups = pd.Series(np.where(agg.index.str.startswith("73"), "sul", "other"), index=agg.index)
    p2 = Planner(planner.b, peers=groups).peers("73.71", k=3)
    assert p2.attrs["basis"] == "cluster sul" and all(c.startswith("73") for c in p2.index)


def test_path_from_the_sliders_reaches_the_next_level(planner):
    vals = {"GOV_EGOV": 80.0}
    p = planner.path("73.71", vals)
    ev = planner.evaluate("73.71", vals)
    assert p.target == ev.next_edge and p.reachable
    moved = dict(vals)
    moved.update({c: r["new"] for c, r in p.moves.iterrows() if r["change"] != 0})
    after = planner.evaluate("73.71", moved)
    assert after.score >= p.target - 1e-6 and after.level != ev.level


def test_bad_input_is_named(planner, tmp_path):
    with pytest.raises(InputError, match="unknown unit 'XX'"):
        planner.sliders("XX")
    with pytest.raises(InputError, match="unknown indicator 'NOPE'"):
        planner.scenario("73.71", {"NOPE": 1.0})
    with pytest.raises(InputError, match="no manifest.json"):
        Planner(tmp_path)


# --- the Panel app, driven in Python --------------------------------------------------------------
@pytest.fixture(scope="module")
def app(run_dir):
    pytest.importorskip("panel")
    from analysis.dashboard.app import PlannerApp

    return PlannerApp(run_dir.parent, unit="73.71")


def _shown(app, el):
    import re

    m = re.search(rf"id='{el}'>([^<]*)<", app.p_summary.object)
    return m.group(1)


def test_app_shows_what_the_engine_computes(app):
    assert app.unit == "73.71" and len(app._sliders) == 54
    assert _shown(app, "mtr-rank") == str(int(app.planner.b.ranks["73.71"]))
    app.set_value("GOV_EGOV", 100.0)
    ev = app.planner.evaluate("73.71", {"GOV_EGOV": 100.0})
    assert app.values == {"GOV_EGOV": 100.0}
    assert _shown(app, "mtr-rank") == str(ev.rank) and _shown(app, "mtr-score") == f"{ev.score:.2f}"
    assert yaml.safe_load(app.scenario_yaml())["interventions"][0]["change"] == "=100.0"
    app.apply_path()
    assert app.last_eval.score >= app.last_eval.baseline_score and app.last_eval.level == "L5 Leading"
    app.w_lang.value = "id"
    assert "Peringkat" in app.p_summary.object and "Pembanding" in app.p_peers.object
    assert "Unggul" in _shown(app, "mtr-level")
    app.reset()
    assert app.values == {} and _shown(app, "mtr-rank") == str(int(app.planner.b.ranks["73.71"]))
    app.w_lang.value = "en"


def test_app_unknown_unit_and_empty_folder(run_dir, tmp_path):
    pytest.importorskip("panel")
    from analysis.dashboard.app import PlannerApp

    with pytest.raises(InputError, match="unknown unit"):
        PlannerApp(run_dir.parent, unit="00.00")
    empty = PlannerApp(tmp_path)
    assert "No baseline runs" in empty.p_summary.object
    from analysis.dashboard import build_app

    page = build_app(run_dir.parent, unit="00.00")
    assert "unknown unit '00.00'" in page.object and page.alert_type == "danger"


def test_dashboard_command_without_runs_is_a_clear_error(tmp_path):
    # the timeout only guards against a server that never returns; importing panel on a loaded
    # machine can take a while, so it is generous
    r = subprocess.run([sys.executable, "-m", "analysis.cli", "dashboard", "--runs", str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "no baseline runs" in r.stderr


def test_dashboard_notebook_builds_the_app(run_dir, monkeypatch):
    """The served notebook's code, run as panel serve runs it (its cells in order)."""
    pytest.importorskip("panel")
    import jupytext

    from analysis.report.runner import NOTEBOOK_DIR

    nb = jupytext.read(NOTEBOOK_DIR / "dashboard.py")
    monkeypatch.setenv("MATURASI_RUNS", str(run_dir.parent))
    monkeypatch.setenv("MATURASI_UNIT", "35.10")
    monkeypatch.setenv("MATURASI_LANG", "id")
    ns: dict = {}
    for c in nb.cells:
        if c.cell_type == "code":
            exec(compile(c.source, "dashboard.py", "exec"), ns)
    assert ns["unit"] == "35.10" and ns["lang"] == "id"
    summary = ns["app"][1][1].object          # [0] is the synthetic-data banner
    assert "Banyuwangi" in summary and "Peringkat" in summary
    assert "Data demonstrasi sintetis" in ns["app"][1][0].object


def test_app_switches_framework_and_run(run_dir, tmp_path):
    """Two runs of two frameworks: picking the other framework loads its run, keeping the unit."""
    pytest.importorskip("panel")
    import shutil

    from analysis.dashboard.app import PlannerApp
    from analysis.framework import builtin_frameworks

    runs = tmp_path / "runs"
    shutil.copytree(run_dir, runs / "a")
    text = builtin_frameworks()["kominfo_gm100sc"].read_text(encoding="utf-8")
    fw = tmp_path / "variant.yaml"
    fw.write_text(text.replace("name: kominfo_gm100sc", "name: gm100sc_variant", 1), encoding="utf-8")
    spec = yaml.safe_load((DEMO_DIR / "spec.yaml").read_text(encoding="utf-8"))
    spec["aggregate"] = {"method": "geometric"}
    spec["normalise"] = {"method": "minmax", "range": [1, 100]}      # each year its own yardstick
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", str(fw), "--data",
                    str(DEMO_DIR / "smartcity_panel.csv"), "--spec", str(tmp_path / "spec.yaml"), "--out",
                    str(runs / "b")], check=True, capture_output=True)
    found = find_runs(runs)
    assert sorted(found["framework"]) == ["gm100sc_variant", "kominfo_gm100sc"]
    app = PlannerApp(runs, unit="35.10")
    first = app._run
    app.w_framework.value = next(f for f in app.w_framework.options if f != app.w_framework.value)
    assert app._run != first and app.unit == "35.10"
    b = baseline_from_run(app._run)
    assert app.last_eval.score == b.aggregates.at["35.10", b.framework.root]
    assert app.planner.b.spec["aggregate"]["method"] != baseline_from_run(first).spec["aggregate"]["method"]


# --- which run opens, the synthetic banner, provinces, ASCN, formats, XLSX (issue 16) -----------------
def _runs_table(rows):
    cols = ["run", "name", "framework", "data", "created", "note", "synthetic", "demo"]
    return pd.DataFrame(rows, columns=cols)


def test_default_run_is_the_given_one_or_the_demo_never_the_newest():
    mine = ["/r/mine", "mine", "kominfo_gm100sc", "my_city.csv", "2026-12-01T09:00:00Z", "", False, False]
    demo_data = ["/r/other", "other", "kominfo_gm100sc", "data/demo/smartcity_panel.csv", "2026-11-02T00:00:00Z",
                 "", False, True]
    demo = ["/r/demo-index", "demo-index", "kominfo_gm100sc", "data/demo/smartcity_panel.csv",
            "2026-11-01T00:00:00Z", "", True, True]
    assert default_run(_runs_table([mine, demo_data, demo])) == ("/r/demo-index", "demo")   # by name first
    assert default_run(_runs_table([mine, demo_data])) == ("/r/other", "demo")             # then by its data
    assert default_run(_runs_table([mine, demo_data, demo]), "/r/mine") == ("/r/mine", "given")
    assert default_run(_runs_table([mine])) == ("/r/mine", "first")                         # said on the page
    assert default_run(_runs_table([])) == (None, "none")
    assert run_label(pd.Series(dict(zip(_runs_table([]).columns, mine)))) == \
        "mine · 2026-12-01 09:00 · kominfo_gm100sc · my_city.csv"


def test_find_runs_reads_the_synthetic_note_and_the_demo_data(run_dir):
    r = find_runs(run_dir.parent).iloc[0]
    assert r["synthetic"] and r["demo"] and r["note"].startswith("Synthetic demonstration data")
    assert r["data"].endswith("data/demo/smartcity_panel.csv")
    assert is_synthetic("Synthetic demonstration data — not official statistics")
    assert not is_synthetic("BPS Susenas 2024") and not is_synthetic(None)


def test_planner_knows_synthetic_data_from_the_spec(run_dir):
    p = Planner(baseline_from_run(run_dir), run_dir)
    assert p.synthetic and "not official statistics" in p.note
    p.b.spec = {"note": "Official figures, BPS 2024"}
    assert not p.synthetic


def test_province_filter(planner):
    units = planner.b.units
    provinces = planner.provinces()
    assert provinces == sorted(set(units["province"])) and "Sulawesi Selatan" in provinces
    sulsel = planner.units("Sulawesi Selatan")
    assert set(sulsel["code"]) == set(units.index[units["province"] == "Sulawesi Selatan"])
    assert "73.71" in set(sulsel["code"]) and (sulsel["province"] == "Sulawesi Selatan").all()
    assert list(sulsel["name"]) == sorted(sulsel["name"])
    assert sum(len(planner.units(p)) for p in provinces) == len(planner.units()) == len(units)
    with pytest.raises(InputError, match="unknown province 'Atlantis'"):
        planner.units("Atlantis")


def test_ascn_pilot_cities_are_marked(planner):
    from analysis.select import ascn_pilots

    u = planner.units().set_index("code")
    # ASEAN Smart Cities Network, 2018 pilot cities in Indonesia: Jakarta, Makassar, Banyuwangi
    assert u.at["73.71", "ascn_pilot"] == 2018 and u.at["35.10", "ascn_pilot"] == 2018
    assert u.at["73.71", "label"] == "Kota Makassar (73.71) ★ ASCN"
    assert pd.isna(u.at["73.01", "ascn_pilot"]) and "ASCN" not in u.at["73.01", "label"]
    marked = set(u.index[u["label"].str.endswith("★ ASCN")])
    assert marked == set(ascn_pilots(planner.b.raw).index)


def test_indonesian_numbers_and_units(planner):
    ev = planner.evaluate("73.71", {"GOV_EGOV": 99.0})
    en, ind = describe(ev, planner, "en"), describe(ev, planner, "id")
    assert en["score"] == f"{ev.score:.2f}" and ind["score"] == f"{ev.score:.2f}".replace(".", ",")
    assert ind["delta_score"] == "+" + f"{ev.score - ev.baseline_score:.2f}".replace(".", ",")
    assert ind["rank"] == str(ev.rank) and ind["n"] == "514"
    assert ind["level"] in planner.b.spec["levels"]["labels_id"]           # the spec's Indonesian names
    assert en["level"] in planner.b.spec["levels"]["labels"]
    s_en, s_id = planner.sliders("73.71", "en"), planner.sliders("73.71", "id")
    assert s_en.at["GOV_EGOV", "unit"] == "% of services" and s_id.at["GOV_EGOV", "unit"] == "% layanan"
    assert s_id.at["GOV_COMPLAINT", "unit"] == "hari"


def test_xlsx_export_round_trips_through_maturasi_scenario(planner, run_dir, tmp_path):
    """The dashboard's Excel scenario gives `maturasi scenario` the same numbers as its YAML."""
    from analysis.schemas.scenario import read_scenario_xlsx

    vals = {"GOV_EGOV": 91.3, "ENV_LED": 60.05, "SOC_DIGLIT": 4.5, "GOV_OSS": 0.1 + 0.2}
    ev = planner.evaluate("35.10", vals)
    f = tmp_path / "s.xlsx"
    f.write_bytes(planner.scenario_xlsx("35.10", vals))
    sc = load_scenario(read_scenario_xlsx(f))
    assert {it.indicators[0]: it.amount for it in sc.interventions} == vals    # the same floats
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "analysis.cli", "scenario", "--run", str(run_dir), "--scenario",
                        str(f), "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(out / "scenario_frozen.csv", index_col=0, dtype={0: str})
    assert t.at["35.10", "scenario_rank"] == ev.rank and t.at["35.10", "scenario_level"] == ev.level
    assert t.at["35.10", "scenario_score"] == pytest.approx(ev.score, rel=1e-9)
    y = tmp_path / "s.yaml"
    y.write_text(planner.scenario_yaml("35.10", vals), encoding="utf-8")
    r2 = run_scenario(baseline_from_run(run_dir), load_scenario(y)).table
    assert r2.at["35.10", "scenario_score"] == ev.score


def test_app_banner_provinces_and_default_run(run_dir, tmp_path):
    """The app opens the demo run (not a newer experiment), says the data are synthetic, filters by province."""
    pytest.importorskip("panel")
    import shutil

    from analysis.dashboard.app import PlannerApp

    runs = tmp_path / "runs"
    shutil.copytree(run_dir, runs / "demo-index")
    shutil.copytree(run_dir, runs / "zz-my-experiment")
    mf = runs / "zz-my-experiment" / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    m["created_utc"] = "2099-01-01T00:00:00Z"                 # the newest run: not opened by default
    mf.write_text(json.dumps(m), encoding="utf-8")
    assert find_runs(runs).iloc[0]["name"] == "zz-my-experiment"
    app = PlannerApp(runs, unit="73.71")
    assert app._run == str(runs / "demo-index") and app.reason == "demo"
    assert app.p_banner.visible and "mtr-synthetic" in app.p_banner.object
    assert "Synthetic demonstration data" in app.p_banner.object
    assert "smartcity_panel.csv" in app.p_runinfo.object and "demonstration run" in app.p_runinfo.object
    assert "L1 Early" in app.p_runinfo.object and "mtr-ascn" in app.p_summary.object
    assert all(" · kominfo_gm100sc · smartcity_panel.csv" in k for k in app.w_run.options)
    app.w_province.value = "Jawa Timur"
    assert set(app.w_unit.options.values()) == set(app.planner.units("Jawa Timur")["code"])
    assert app.unit == app.w_unit.value and app.unit.startswith("35.")
    app.w_lang.value = "id"
    assert "Data demonstrasi sintetis" in app.p_banner.object and "L1 Awal" in app.p_runinfo.object
    assert "Semua provinsi" in app.w_province.options and app.w_province.value == "Jawa Timur"
    ev = app.last_eval
    assert f"id='mtr-score'>{ev.score:.2f}<".replace(".", ",") in app.p_summary.object
    assert app.scenario_xlsx()[:2] == b"PK"                     # an xlsx (zip) file
    app2 = PlannerApp(runs, run=runs / "zz-my-experiment", unit="73.71")
    assert app2._run == str(runs / "zz-my-experiment") and app2.reason == "given"
