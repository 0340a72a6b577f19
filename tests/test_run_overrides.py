"""``maturasi run … -p``: changing the method without a new spec file, input paths from the current
folder, ``profile_units: all``, and the run-config keys ``lang`` and ``xlsx`` (issues 15 and 16).

Everything but one test uses the runner's checks only (``--dry-run``, :func:`effective_spec`); one
real run executes a single notebook on the CI config with ``spec.normalise.method=zscore`` and
``spec.weights=equal`` and checks the run folder's ``spec.yaml``, manifest and ``results.xlsx``
against a build of the same spec written by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from analysis import InputError, build
from analysis.report.runner import RUNNER_KEYS, effective_spec, load_config, parse_overrides, run, split_overrides
from analysis.spec import load_spec

from .conftest import ROOT

CI = ROOT / "configs" / "ci.yaml"
DEMO_SPEC = ROOT / "data" / "demo" / "spec.yaml"


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=600)


def _effective(*items: str, config=CI) -> dict:
    ov = parse_overrides(list(items))
    cfg, path = load_config(config, ov)
    return effective_spec(cfg, split_overrides(ov)[1], path)


# --- spec overrides -----------------------------------------------------------------------------------
def test_spec_overrides_are_split_from_the_config_keys():
    ov = parse_overrides(["N=30", "spec.normalise.method=zscore", "spec.weights=equal", "spec.aggregate.min_share=1"])
    cfg, spec = split_overrides(ov)
    assert cfg == {"N": 30}
    assert spec == {"normalise.method": "zscore", "weights": "equal", "aggregate.min_share": 1}


def test_effective_spec_changes_only_the_named_keys():
    written = yaml.safe_load(DEMO_SPEC.read_text(encoding="utf-8"))
    eff = _effective("spec.normalise.method=zscore", "spec.weights=equal")
    assert eff["normalise"]["method"] == "zscore" and eff["weights"] == "equal"
    # everything else as the spec file has it (the goalposts overrides, the levels, the seed …)
    assert eff["normalise"]["overrides"] == written["normalise"]["overrides"]
    assert {k: v for k, v in eff.items() if k not in ("normalise", "weights")} == \
        {k: v for k, v in written.items() if k not in ("normalise", "weights")}
    assert load_spec(eff).get("normalise")["method"] == "zscore"
    assert _effective() is None          # no spec override: the config's spec file is used as it is


def test_a_step_written_as_a_string_takes_a_dotted_override(tmp_path):
    (tmp_path / "spec.yaml").write_text("normalise: minmax\naggregate: geometric\n", encoding="utf-8")
    cfg = CI.read_text(encoding="utf-8").replace("../data/demo/spec.yaml", "spec.yaml")
    cfg = cfg.replace("../data/demo/", str(ROOT / "data" / "demo") + "/")
    (tmp_path / "run.yaml").write_text(cfg, encoding="utf-8")
    eff = _effective("spec.normalise.method=rank", "spec.levels.bands=[40, 60]",
                     "spec.levels.labels=[low, mid, high]", config=tmp_path / "run.yaml")
    assert eff == {"normalise": {"method": "rank"}, "aggregate": "geometric",
                   "levels": {"bands": [40, 60], "labels": ["low", "mid", "high"]}}


@pytest.mark.parametrize("item, needles", [
    ("spec.normalise.method=foo", ["-p spec.normalise.method=foo", "normalise.method", "zscore"]),
    ("spec.weights=3", ["-p spec.weights=3", "weights"]),
    ("spec.normalise.nope=1", ["-p spec.normalise.nope=1", "nope", "unknown key"]),
    ("spec.aggregate.min_share=2", ["-p spec.aggregate.min_share=2", "min_share"]),
    ("spec.seed.x=1", ["-p spec.seed.x=1", "'seed'", "not a mapping"]),
])
def test_a_bad_spec_override_names_the_option(item, needles):
    with pytest.raises(InputError) as e:
        _effective(item)
    for n in needles:
        assert n in str(e.value), (n, str(e.value))


def test_a_bad_spec_override_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out"
    r = _cli("run", str(CI), "--dry-run", "--out", str(out), "-p", "spec.normalise.method=foo")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "-p spec.normalise.method=foo" in lines[0], r.stderr
    assert not out.exists()
    r = _cli("run", str(CI), "--dry-run", "--out", str(out), "-p", "spec.=1")
    assert r.returncode == 2 and "spec." in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_dry_run_checks_the_effective_spec_against_the_framework(tmp_path, capsys):
    m = run(CI, tmp_path / "out", overrides=parse_overrides(["spec.normalise.method=zscore", "spec.weights=equal"]),
            dry_run=True)
    assert m["status"] == "dry-run" and m["spec"]["weights"] == "equal"
    assert "spec overrides: spec.normalise.method=zscore, spec.weights=equal" in capsys.readouterr().out
    # a weight set the spec does not define: refused by the build's checks before anything runs
    with pytest.raises(InputError) as e:
        run(CI, tmp_path / "out", overrides=parse_overrides(["spec.weights=nosuchset"]), dry_run=True)
    assert "nosuchset" in str(e.value)
    assert not (tmp_path / "out").exists()


# --- -p paths are relative to the current folder -------------------------------------------------------
def test_override_paths_are_resolved_against_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "mine.yaml").write_text(DEMO_SPEC.read_text(encoding="utf-8").replace("weights: framework",
                                                                                       "weights: equal"),
                                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cfg, _ = load_config(CI, parse_overrides(["spec=mine.yaml"]))
    assert cfg["spec"] == str(tmp_path / "mine.yaml")      # not configs/mine.yaml
    with pytest.raises(InputError) as e:
        load_config(CI, parse_overrides(["ua=sub/none.yaml"]))
    assert str(e.value) == f"-p ua=sub/none.yaml: file not found: {tmp_path / 'sub' / 'none.yaml'}"
    with pytest.raises(InputError) as e:
        load_config(CI, parse_overrides(["scenarios=[gone.yaml]"]))
    assert str(tmp_path / "gone.yaml") in str(e.value) and "-p scenarios" in str(e.value)
    cfg, _ = load_config(CI, parse_overrides(["framework=kominfo_gm100sc"]))   # a built-in name stays a name
    assert cfg["framework"] == "kominfo_gm100sc"


def test_config_override_errors_name_the_option():
    for item, needle in (("N=0", "-p N=0: key 'N'"), ("lang=fr", "-p lang=fr: key 'lang'"),
                         ("xlsx=3", "-p xlsx=3: key 'xlsx'"), ("sede=1", "-p sede=1: unknown parameter 'sede'")):
        with pytest.raises(InputError) as e:
            ov = parse_overrides([item])
            cfg, path = load_config(CI, ov)
            run(CI, None, overrides=ov, dry_run=True)
        assert needle in str(e.value), str(e.value)


# --- profile_units: all, lang, xlsx ---------------------------------------------------------------------
def test_profile_units_all_reaches_the_report_notebook(tmp_path):
    m = run(CI, tmp_path / "out", overrides=parse_overrides(["profile_units=all"]), dry_run=True)
    assert m["plan"]["99_report"]["profile_units"] == "all"
    cfg_all = tmp_path / "all.yaml"
    cfg_all.write_text(CI.read_text(encoding="utf-8").replace('profile_units: ["73.71"]', "profile_units: all")
                       .replace("../data/demo/", str(ROOT / "data" / "demo") + "/"), encoding="utf-8")
    m = run(cfg_all, tmp_path / "out", dry_run=True)
    assert m["plan"]["99_report"]["profile_units"] == "all"
    with pytest.raises(InputError) as e:
        run(CI, tmp_path / "out", overrides=parse_overrides(["profile_units=some"]), dry_run=True)
    assert "profile_units" in str(e.value)


def test_lang_and_xlsx_are_runner_keys_with_types(tmp_path):
    assert "lang" in RUNNER_KEYS and "xlsx" in RUNNER_KEYS
    m = run(CI, tmp_path / "out", overrides=parse_overrides(["lang=id", "xlsx=true"]), dry_run=True)
    assert all("lang" not in p and "xlsx" not in p for p in m["plan"].values())   # not notebook parameters
    for bad in ("lang=fr", "lang=3", "xlsx=maybe", "xlsx=1"):
        with pytest.raises(InputError):
            run(CI, tmp_path / "out", overrides=parse_overrides([bad]), dry_run=True)


# --- one real run ---------------------------------------------------------------------------------------
def test_a_run_with_spec_overrides_records_and_uses_the_effective_spec(tmp_path):
    """One notebook on the CI config: the run folder's spec.yaml is the effective spec, the notebook read
    it, the manifest holds it, and results.xlsx (xlsx: true) has the scores of a build with that spec made
    here by hand from the demo spec (zscore normalisation, equal weights) — not those of the demo spec."""
    import openpyxl

    from analysis.workbook import SHEETS, header_of, results_sheets

    out = tmp_path / "run"
    ov = parse_overrides(["notebooks=[01_data_audit]", "spec.normalise.method=zscore", "spec.weights=equal",
                          "xlsx=true", "lang=id"])
    m = run(CI, out, overrides=ov, progress=False)
    assert m["status"] == "ok", m.get("failure")
    written = yaml.safe_load((out / "spec.yaml").read_text(encoding="utf-8"))
    assert written["normalise"]["method"] == "zscore" and written["weights"] == "equal"
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["spec"]["normalise"]["method"] == "zscore" and man["spec"]["weights"] == "equal"
    assert man["inputs"]["spec"]["path"] == str(DEMO_SPEC)            # the original file is still hashed
    assert man["overrides"]["spec.weights"] == "equal" and man["config"]["lang"] == "id"
    nb_spec = man["notebooks"][0]["parameters"]["spec"]
    assert nb_spec.endswith("spec.yaml") and nb_spec != str(DEMO_SPEC)
    assert "spec.yaml" in man["outputs"] and "results.xlsx" in man["outputs"]

    # the reference: the demo spec changed by hand, built here
    by_hand = load_spec(DEMO_SPEC).to_dict()
    by_hand["normalise"]["method"] = "zscore"
    by_hand["weights"] = "equal"
    ref = build("kominfo_gm100sc", ROOT / "data" / "demo" / "smartcity_panel.csv", by_hand)
    demo = build("kominfo_gm100sc", ROOT / "data" / "demo" / "smartcity_panel.csv", DEMO_SPEC)
    wb = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    rows = list(wb[SHEETS["results"]].iter_rows(values_only=True))
    j = rows[0].index(header_of("SCI", ref.framework))
    got = np.array([r[j] for r in rows[1:]], dtype=float)
    want = results_sheets(ref)["results"]["SCI"].to_numpy(float)
    other = results_sheets(demo)["results"]["SCI"].to_numpy(float)
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
    assert not np.allclose(got, other, equal_nan=True)                 # the override changed the index

    # reproducible: the written spec.yaml given back with -p spec=… is the same spec
    again = parse_overrides([f"spec={out / 'spec.yaml'}"])
    cfg, _ = load_config(CI, again)
    assert load_spec(cfg["spec"]).to_dict() == load_spec(written).to_dict()


# --- the README's real-data example ---------------------------------------------------------------------
def test_readme_welfare_example_runs_from_the_project_root(tmp_path):
    """The papermill command of the README, from the project root, as written but for where it writes
    (the executed notebook and ``run_dir`` in a temporary folder instead of ``reports/``)."""
    import re
    import shlex

    from .conftest import SHARED, need

    need(SHARED / "data" / "indonesia")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cmd = re.search(r"(\.venv/bin/papermill notebooks/example_welfare_capacity\.ipynb .*?)\n```", readme, re.S)
    assert cmd, "README: the welfare example's papermill command"
    argv = shlex.split(cmd.group(1).replace("\\\n", " "))
    assert argv[1] == "notebooks/example_welfare_capacity.ipynb" and argv[2] == "reports/welfare.ipynb"
    argv[0] = str(ROOT / argv[0])
    argv[2] = str(tmp_path / "welfare.ipynb")
    r = subprocess.run([*argv, "-p", "run_dir", str(tmp_path / "welfare"), "--no-progress-bar"],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "welfare" / "year_over_year.csv").is_file()
    assert (tmp_path / "welfare" / "figures" / "map_wci_2025.svg").is_file()      # the boundary file was found
    import nbformat

    book = nbformat.read(tmp_path / "welfare.ipynb", as_version=4)
    text = json.dumps([c.get("outputs") for c in book.cells if c.cell_type == "code"])
    assert "514 units" in text and "0 join problems" in text
    assert str(ROOT / "methodology" / "specs" / "welfare_capacity.yaml") in text
