"""The methodology report, checked by looking at it (issue 15).

A small run of the CI pipeline writes report.html and report.pdf (the same HTML printed on A4 by
headless Chromium); every PDF page is converted to PNG with pdftoppm and kept in the run's
``pages/`` folder (under pytest's temporary folder) for review. The tests check the page count,
that no page is mostly empty, that every figure and table has a number and a caption, that
figures are vector graphics, and that no absolute path and no raw column name appears. The
limitations are checked on a hand-made run folder whose results call for each caveat.
"""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.report.document import HEADINGS, caveats, relative
from analysis.report.pdf import find_browser, pdf_pages, pdf_text

from .conftest import ROOT

CI = ROOT / "configs" / "ci.yaml"
SMALL = {"N": 60, "sobol_N": 16, "n_boot": 2, "cluster_n_boot": 2, "weight_methods": ["equal", "entropy", "pca"]}
ABSOLUTE = re.compile(r"(?<![\w.:])/(?:tmp|home|work|root|usr|var|opt|mnt|Users)/")

needs_tools = pytest.mark.skipif(find_browser() is None or shutil.which("pdftoppm") is None,
                                 reason="Chromium and poppler-utils are needed (scripts/install-browser.sh)")


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """A small CI run (or the run folder named by MATURASI_REPORT_RUN, to review an existing run)."""
    import os
    from pathlib import Path

    from analysis.report.runner import run

    if os.environ.get("MATURASI_REPORT_RUN"):
        return Path(os.environ["MATURASI_REPORT_RUN"])
    out = tmp_path_factory.mktemp("report") / "ci"
    m = run(CI, out, overrides=SMALL, progress=False)
    assert m["status"] == "ok", m.get("failure")
    return out


def _strip_data_uris(text: str) -> str:
    return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", text)


@needs_tools
def test_pdf_is_typeset_a4_with_numbered_pages(report_run):
    pdf = report_run / "report.pdf"
    n = pdf_pages(pdf)
    assert 12 <= n <= 60, n
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info and re.search(r"Page size:\s+59[45]\.\d* x 841\.\d* pts", info), info
    pages = pdf_text(pdf)
    assert len(pages) == n
    for i, t in enumerate(pages, 1):
        assert f"{i} / {n}" in t, f"page {i} has no page number"
        if i > 1:
            assert "methodology report" in t, f"page {i} has no running header"


@needs_tools
def test_page_previews_are_kept_and_no_page_is_mostly_empty(report_run):
    from PIL import Image

    n = pdf_pages(report_run / "report.pdf")
    pngs = sorted((report_run / "pages").glob("page_*.png"))
    assert len(pngs) == n
    for p in pngs[:-1]:   # the last page may end where the text ends
        a = np.asarray(Image.open(p).convert("L"), dtype=float)
        h = a.shape[0]
        body = a[int(0.06 * h):int(0.93 * h)]          # without the running header and the page number
        inked = np.where((body < 200).sum(axis=1) > 2)[0]
        assert len(inked), f"{p.name} is empty"
        reach = (inked.max() + 0.06 * h) / h
        assert reach > 0.5, f"{p.name}: content stops at {reach:.0%} of the page"


@needs_tools
def test_every_figure_and_table_is_numbered_and_captioned(report_run):
    html = _strip_data_uris((report_run / "report.html").read_text(encoding="utf-8"))
    figs = re.findall(r"<figure[^>]*>.*?</figure>", html, flags=re.S)
    caps = [re.search(r"<figcaption><b>Figure (\d+) / Gambar \1\.</b> (.+?)</figcaption>", f, flags=re.S) for f in figs]
    assert len(figs) >= 8 and all(caps), "a figure without a numbered caption"
    assert [int(c.group(1)) for c in caps] == list(range(1, len(figs) + 1))
    assert all(len(c.group(2)) > 20 for c in caps)
    tables = re.findall(r"<table(?![^>]*class='meta')[^>]*>.*?</table>", html, flags=re.S)
    tcaps = [re.search(r"<caption><b>Table (\d+) / Tabel \1\.</b> (.+?)</caption>", t, flags=re.S) for t in tables]
    assert len(tables) >= 8 and all(tcaps), "a table without a numbered caption"
    assert [int(c.group(1)) for c in tcaps] == list(range(1, len(tables) + 1))
    text = "\n".join(pdf_text(report_run / "report.pdf"))
    for k in range(1, len(figs) + 1):
        assert f"Figure {k} / Gambar {k}." in text
    for k in range(1, len(tables) + 1):
        assert f"Table {k} / Tabel {k}." in text


@needs_tools
def test_figures_are_vector_and_claims_of_all_units_hold(report_run):
    import subprocess

    listing = subprocess.run(["pdfimages", "-list", str(report_run / "report.pdf")], capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()
    assert len(listing) <= 2, "raster images in the PDF:\n" + "\n".join(listing[:8])   # header lines only
    n = len(pd.read_csv(report_run / "tables" / "ua_rank_stats.csv"))
    html = _strip_data_uris((report_run / "report.html").read_text(encoding="utf-8"))
    parts = -(-n // 180)
    for k in range(1, parts + 1):
        assert f"Rank intervals of all {n} units, part {k} of {parts}" in html


@needs_tools
def test_no_absolute_path_no_raw_names_and_bilingual(report_run):
    text = "\n".join(pdf_text(report_run / "report.pdf"))
    html = _strip_data_uris((report_run / "report.html").read_text(encoding="utf-8"))
    for doc in (text, html):
        assert not ABSOLUTE.search(doc), ABSOLUTE.search(doc)
        assert str(report_run) not in doc and str(ROOT) not in doc
    for raw in ("uCode", "moved_gt_10", "S1_conf", "level_changes", "mean_abs_shift", "weighted_mean"):
        assert raw not in text, raw
    assert not re.search(r"\bnan\b|\bNaN\b|\bSCI\b", text)
    for en, ind in (("Summary", "Ringkasan"), ("Method", "Metode"), ("Limitations and caveats", "Keterbatasan")):
        assert en in text and ind in text
    assert "Synthetic demonstration data" in text and "data/demo/smartcity_panel.csv" in text
    for ref in ("Handbook on Constructing Composite Indicators", "COINr", "Saltelli", "PP 59/2022"):
        assert ref in text, ref


def test_report_headings_have_indonesian_text():
    from analysis.i18n import untranslated

    assert untranslated(HEADINGS) == []


def test_relative_paths_never_absolute(tmp_path):
    assert relative(ROOT / "data" / "demo" / "spec.yaml") == "data/demo/spec.yaml"
    assert relative(tmp_path / "x.csv") == "x.csv (outside the project folder)"
    assert relative("configs/ci.yaml") == "configs/ci.yaml" and relative(None) == "—"


def _fake_run(tmp_path):
    """A run folder whose results call for every generated caveat."""
    (tmp_path / "state").mkdir()
    (tmp_path / "tables").mkdir()
    state = {
        "02_weighting": {"sets": ["nominal", "entropy", "optimised"], "reference": "nominal",
                         "optimised": {"SCI": {"reachable": True, "zero_weights": ["BRA", "ENV"], "notes": []}}},
        "03_uncertainty_sensitivity": {"runs": 100, "factors": ["w_dimensions"], "output": "mean_abs_rank_shift",
                                       "median_interval_width": 120.0, "sobol_N": 64, "sobol_runs": 448,
                                       "sobol": [{"factor": "w_dimensions", "S1": -0.02, "S1_conf": 0.3,
                                                  "ST": 0.1, "ST_conf": 0.05}]},
        "04_clustering": {"k": 3, "structure": False, "method": "kmeans", "on": "dimensions", "mean_ari": 0.4},
    }
    for k, v in state.items():
        (tmp_path / "state" / f"{k}.json").write_text(json.dumps(v))
    return tmp_path


def caveat_run(tmp_path):
    """The demo panel built, and a run folder whose results call for every caveat (:func:`_fake_run`) with a
    weight set that changes the level of 80 % of the units: (result, run folder, number of units)."""
    from analysis import build
    from analysis.select import cross_section

    res = build("kominfo_gm100sc", ROOT / "data" / "demo" / "smartcity_panel.csv", ROOT / "data" / "demo" / "spec.yaml")
    run = _fake_run(tmp_path)
    n = len(cross_section(res))
    pd.DataFrame({"set": ["nominal", "entropy"], "level_changes": [0, int(0.8 * n)]}).to_csv(
        run / "tables" / "weights_summary.csv", index=False)
    return res, run, n


def test_caveats_are_generated_from_the_results(tmp_path):
    res, run, n = caveat_run(tmp_path)
    text = "\n".join(caveats(res, run))
    assert "synthetic demonstration data" in text
    assert "BRA, ENV" in text and "weight of about zero" in text
    assert f"{int(0.8 * n)} of {n} units" in text and "entropy weights" in text
    assert "N = 64" in text and "Negative first-order" in text and "wider than ±0.1" in text
    assert "120 places" in text and "no clear structure" in text and "0.40" in text
    fw = res.framework
    own = [c for c, nd in fw.nodes.items() if nd.source and "kit's own" in nd.source.lower()]
    assert f"{len(own)} of the framework's {len(fw.nodes)} nodes" in text
    # a run that calls for none of them: no caveat about weights, Sobol' or the typology
    for f in (run / "state").glob("*.json"):
        f.unlink()
    (run / "tables" / "weights_summary.csv").unlink()
    quiet = "\n".join(caveats(res, run))
    assert "Sobol'" not in quiet and "about zero" not in quiet and "typology" not in quiet


def test_sobol_convergence_subsets_are_complete_designs():
    """The first m base samples of a Saltelli design are a design of size m: on the Ishigami function
    (a = 7, b = 0.1) every subset estimates the analytical indices (Saltelli et al. 2008, §4.8:
    S = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244). Misaligned blocks would give nonsense."""
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    from analysis.report.steps import sobol_convergence

    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = sobol_sample.sample(prob, 1024, calc_second_order=False, seed=3)
    Y = Ishigami.evaluate(X)
    conv = sobol_convergence(prob, Y, 1024, seed=3)
    assert sorted(conv["n"].unique()) == [256, 512, 1024]
    assert (conv["runs"] == conv["n"] * 5).all()                      # N (D + 2) model runs
    exact = pd.DataFrame({"S1": [0.3139, 0.4424, 0.0], "ST": [0.5576, 0.4424, 0.2437]}, index=["x1", "x2", "x3"])
    for n, part in conv.groupby("n"):
        est = part.set_index("factor")[["S1", "ST"]]
        tol = 0.15 if n < 1024 else 0.08
        assert (est - exact).abs().to_numpy().max() < tol, (n, est)
