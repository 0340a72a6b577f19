"""JupyterLab workflow (issue 15): every notebook runs top to bottom with its default parameters.

The default parameters point at the demo data relative to ``notebooks/`` (where JupyterLab runs a
notebook), so *Run All* works without editing; ``maturasi run`` replaces them. Running every notebook
takes minutes on two cores: the start-here notebook and the scenarios notebook are executed here with
papermill (only ``run_dir`` is moved to a temporary folder), the others are checked for defaults
that exist. The jupytext pairing JupyterLab uses is checked through jupytext's own configuration
lookup.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

from analysis.report.runner import NOTEBOOK_DIR, NOTEBOOKS

from .conftest import ROOT

ALL = ["00_start_here", *NOTEBOOKS]
PATH_PARAMS = ("data", "spec", "ua", "framework")


def _defaults(nb: str) -> dict:
    import papermill as pm

    params = pm.inspect_notebook(str(NOTEBOOK_DIR / f"{nb}.ipynb"))
    return {k: ast.literal_eval(v["default"]) for k, v in params.items()}


@pytest.mark.parametrize("nb", ALL)
def test_default_inputs_exist_relative_to_the_notebooks(nb):
    d = _defaults(nb)
    assert d.get("data"), f"{nb}: no default data (Run All would fail)"
    for k in PATH_PARAMS:
        v = d.get(k)
        if isinstance(v, str) and v.endswith((".csv", ".yaml", ".xlsx", ".parquet")):
            assert (NOTEBOOK_DIR / v).resolve().is_file(), f"{nb}: default {k} = {v} does not exist"
    for v in d.get("scenarios") or []:
        assert (NOTEBOOK_DIR / v).resolve().is_file(), f"{nb}: default scenario {v} does not exist"
    if "run_dir" in d:   # outputs of Run All stay under reports/, never in notebooks/
        assert (NOTEBOOK_DIR / d["run_dir"]).resolve().is_relative_to(ROOT / "reports")


def test_runner_does_not_inherit_the_demo_defaults(tmp_path):
    """A config that names no spec, ua or scenarios gets None/[] — not the notebooks' demo files."""
    from analysis.report.runner import check_parameters

    cfg = {"framework": "kominfo_gm100sc", "data": str(ROOT / "data" / "demo" / "smartcity_panel.csv")}
    plan = check_parameters(cfg, NOTEBOOKS)
    assert plan["03_uncertainty_sensitivity"]["ua"] is None and plan["01_data_audit"]["spec"] is None
    assert plan["05_scenarios"]["scenarios"] == [] and plan["05_scenarios"]["path_units"] == []


def test_jupytext_pairs_every_notebook_in_jupyterlab(tmp_path):
    """JupyterLab's contents manager (jupytext's, as `make lab` serves the project folder) pairs a notebook
    saved in notebooks/ with a py:percent script, and reads an edit of the script back into the notebook."""
    import nbformat
    from jupyter_server.services.contents.largefilemanager import LargeFileManager
    from jupytext.config import find_jupytext_configuration_file
    from jupytext.sync_contentsmanager import build_sync_jupytext_contents_manager_class

    assert Path(find_jupytext_configuration_file(str(NOTEBOOK_DIR))).resolve() == ROOT / "jupytext.toml"
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    (tmp_path / "notebooks").mkdir()
    cm = build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    cm.save({"type": "notebook", "content": nb}, "notebooks/new.ipynb")
    script = tmp_path / "notebooks" / "new.py"
    assert "# %%\nx = 1" in script.read_text(encoding="utf-8")
    script.write_text(script.read_text(encoding="utf-8").replace("x = 1", "x = 2"), encoding="utf-8")
    assert cm.get("notebooks/new.ipynb")["content"].cells[0].source == "x = 2"
    for nb_name in ALL:
        meta = json.loads((NOTEBOOK_DIR / f"{nb_name}.ipynb").read_text(encoding="utf-8"))["metadata"]
        assert meta["jupytext"]["formats"] == "ipynb,py:percent", nb_name
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"jupyterlab>=' in pyproject and "jupyterlab" in (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "\nlab:" in (ROOT / "Makefile").read_text(encoding="utf-8")


def _execute(nb: str, tmp_path: Path, **params) -> dict:
    """Run ``nb`` as JupyterLab would (working directory notebooks/), with its defaults except ``params``."""
    import nbformat
    import papermill as pm

    out = tmp_path / f"{nb}.ipynb"
    pm.execute_notebook(str(NOTEBOOK_DIR / f"{nb}.ipynb"), str(out), parameters=params, cwd=str(NOTEBOOK_DIR),
                        kernel_name="python3", progress_bar=False)
    return nbformat.read(out, as_version=4)


def test_start_here_runs_with_its_defaults(tmp_path):
    book = _execute("00_start_here", tmp_path)
    text = json.dumps([c.get("outputs") for c in book.cells if c.cell_type == "code"])
    assert "Spearman rho" in text and "Q95" in text
    assert not any(o.get("output_type") == "error" for c in book.cells for o in c.get("outputs", []))
    # both languages in the text cells
    md = " ".join(c.source for c in book.cells if c.cell_type == "markdown")
    assert "Start here" in md and "Mulai di sini" in md and "Membangun indeks" in md


def test_scenarios_notebook_runs_with_its_defaults(tmp_path):
    run_dir = tmp_path / "run"
    _execute("05_scenarios", tmp_path, run_dir=str(run_dir))
    assert (run_dir / "tables" / "path_73_71.csv").exists()
    assert any(p.name.startswith("scenario_") for p in (run_dir / "tables").iterdir())
    shutil.rmtree(run_dir)


@pytest.mark.skipif(not os.environ.get("MATURASI_ALL_NOTEBOOKS"),
                    reason="minutes on two cores: set MATURASI_ALL_NOTEBOOKS=1 to run every notebook")
def test_every_notebook_runs_with_its_defaults(tmp_path):
    """Run All, notebook after notebook, into one run folder (what a researcher does in JupyterLab)."""
    run_dir = tmp_path / "run"
    for nb in NOTEBOOKS:
        _execute(nb, tmp_path, run_dir=str(run_dir))
    assert (run_dir / "report.html").stat().st_size > 100_000
