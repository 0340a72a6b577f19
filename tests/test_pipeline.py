"""The notebook pipeline (maturasi run) on the CI config: runs, manifest, reproducibility, failures."""

import hashlib
import json
import shutil

import pytest
import yaml

from analysis import InputError
from analysis.report.runner import NOTEBOOK_DIR, NOTEBOOKS, check_parameters, load_config, run

from .conftest import ROOT

CI = ROOT / "configs" / "ci.yaml"


def sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def ci_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "ci"
    m = run(CI, out, progress=False)
    return out, m


def test_every_notebook_runs_and_report_exists(ci_run):
    out, m = ci_run
    assert m["status"] == "ok", m.get("failure")
    assert [r["notebook"] for r in m["notebooks"]] == NOTEBOOKS
    assert all(r["status"] == "ok" for r in m["notebooks"])
    for f in ("report.html", "report.pdf", "profiles.html"):
        assert (out / f).stat().st_size > 10_000
    for nb in NOTEBOOKS:
        assert (out / "notebooks" / f"{nb}.ipynb").exists()
    assert (out / "tables" / "ua_rank_stats.csv").exists() and (out / "tables" / "ua_rank_stats.parquet").exists()
    assert (out / "figures" / "cluster_profiles.svg").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "L5 Unggul" in html and "steps.report_tables" not in html   # bilingual labels, code hidden


def test_manifest_lists_inputs_with_hashes(ci_run):
    out, _ = ci_run
    m = json.loads((out / "manifest.json").read_text())
    cfg = yaml.safe_load(CI.read_text())
    assert m["inputs"]["data"]["sha256"] == sha((CI.parent / cfg["data"]).resolve())
    assert m["inputs"]["spec"]["sha256"] == sha((CI.parent / cfg["spec"]).resolve())
    assert m["inputs"]["config"]["sha256"] == sha(CI)
    assert m["inputs"]["scenarios[0]"]["sha256"] == sha((CI.parent / cfg["scenarios"][0]).resolve())
    assert m["seed"] == cfg["seed"] and "pandas" in m["packages"]
    assert all("seconds" in r for r in m["notebooks"])


def test_same_seed_gives_identical_tables(ci_run, tmp_path):
    out, _ = ci_run
    nbs = ["01_data_audit", "03_uncertainty_sensitivity", "04_clustering"]
    m = run(CI, tmp_path / "again", overrides={"notebooks": nbs}, progress=False)
    assert m["status"] == "ok"
    again = tmp_path / "again" / "tables"
    names = sorted(p.name for p in again.glob("*.csv"))
    assert len(names) > 15
    for n in names:
        assert sha(again / n) == sha(out / "tables" / n), n
    for n in sorted(p.name for p in again.glob("*.parquet")):
        assert sha(again / n) == sha(out / "tables" / n), n


def test_broken_input_is_refused_before_anything_is_written(tmp_path):
    bad = tmp_path / "data.csv"
    src = (CI.parent / yaml.safe_load(CI.read_text())["data"]).resolve()
    shutil.copy(src, bad)
    lines = bad.read_text().splitlines()
    cols = lines[0].split(",")
    row = lines[5].split(",")
    row[cols.index("GOV_EGOV")] = "lots"
    lines[5] = ",".join(row)
    bad.write_text("\n".join(lines) + "\n")
    cfg = yaml.safe_load(CI.read_text())
    for k in ("data", "spec", "ua"):
        cfg[k] = str((CI.parent / cfg[k]).resolve())
    cfg["scenarios"] = [str((CI.parent / s).resolve()) for s in cfg["scenarios"]]
    cfg["data"] = str(bad)
    c = tmp_path / "broken.yaml"
    c.write_text(yaml.safe_dump(cfg))
    with pytest.raises(InputError, match="GOV_EGOV") as e:
        run(c, tmp_path / "out", overrides={"notebooks": ["01_data_audit", "99_report"]}, progress=False)
    assert "data.csv" in str(e.value) and "\n" not in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml", "data.csv"]


def test_failing_notebook_stops_the_run_and_keeps_it(tmp_path, monkeypatch):
    import nbformat

    from analysis.report import runner

    # a copy of the notebooks in which 99_report fails in its last cell
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    for nb in NOTEBOOK_DIR.glob("*.ipynb"):
        shutil.copy(nb, nbs / nb.name)
    book = nbformat.read(nbs / "99_report.ipynb", as_version=4)
    failing = 'from analysis import InputError\nraise InputError("unit 99.99 has no profile")'
    book.cells.append(nbformat.v4.new_code_cell(failing))
    nbformat.write(book, nbs / "99_report.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", nbs)
    m = run(CI, tmp_path / "out", overrides={"notebooks": ["99_report", "01_data_audit"]}, progress=False)
    assert m["status"] == "failed"
    assert m["failure"]["notebook"] == "99_report" and m["failure"]["error"] == "InputError"
    assert "99.99" in m["failure"]["message"]
    out = tmp_path / "out"
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "failed" and [r["notebook"] for r in man["notebooks"]] == ["99_report"]
    assert (out / "notebooks" / "99_report.ipynb").exists()
    assert not (out / "report.html").exists()


def test_parameters_checked_before_running(tmp_path):
    cfg, path = load_config(CI)
    with pytest.raises(InputError, match="unknown parameter 'n_boots' \\(did you mean 'n_boot'\\?\\)"):
        check_parameters({**cfg, "n_boots": 3}, NOTEBOOKS, source=path)
    with pytest.raises(InputError, match="parameter 'N' should be of the type of its default.*got str 'many'"):
        check_parameters({**cfg, "N": "many"}, NOTEBOOKS, source=path)
    m = run(CI, tmp_path / "dry", dry_run=True)
    assert m["status"] == "dry-run" and not (tmp_path / "dry").exists()


def test_notebooks_are_stripped_and_paired():
    import jupytext
    import nbformat

    others = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb") if p.stem not in NOTEBOOKS)
    assert "dashboard" in others
    for nb in NOTEBOOKS + others:
        ipynb = nbformat.read(NOTEBOOK_DIR / f"{nb}.ipynb", as_version=4)
        assert all(not c.get("outputs") for c in ipynb.cells if c.cell_type == "code"), nb
        py = jupytext.read(NOTEBOOK_DIR / f"{nb}.py")
        assert [c.source for c in py.cells] == [c.source for c in ipynb.cells], f"{nb}: .py and .ipynb differ"
        assert any("parameters" in c.metadata.get("tags", []) for c in ipynb.cells), nb
