"""Every figure and table caption of the methodology report reads in Bahasa Indonesia too.

A caption is an English message of the catalogue (``analysis/locale/id/LC_MESSAGES/maturasi.po``),
a template with named placeholders where it carries numbers or names; the report shows the
English text, then the Indonesian one (italic, after " / ", as the headings do), with numbers in
the Indonesian format. Checked twice: statically, every caption at every call site of
``analysis/report/document.py`` (including sections a given run leaves out) is a plain literal with
an Indonesian entry and the same placeholders; and on a generated report, every ``<figcaption>``
and ``<caption>`` carries the catalogue's translation of its English text.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.i18n import catalogue, gettext, untranslated
from analysis.report.document import caption_html

from .conftest import ROOT

DOCUMENT = ROOT / "src" / "analysis" / "report" / "document.py"
CAPTIONED = {"figure": 1, "figure_file": 1, "table": 1}   # method name -> position of the caption argument


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _caption_calls() -> list[ast.Call]:
    tree = ast.parse(DOCUMENT.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in CAPTIONED and isinstance(node.func.value, ast.Name) and node.func.value.id == "doc"]


# --- every call site ---------------------------------------------------------------------------------
def test_every_caption_is_a_translated_catalogue_literal():
    calls = _caption_calls()
    assert len(calls) >= 26
    captions = []
    for call in calls:
        arg = call.args[CAPTIONED[call.func.attr]]
        where = f"document.py line {call.lineno}"
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
            f"{where}: the caption must be a plain string literal (a template with fields=, no f-string)"
        captions.append(arg.value)
        en, ind = arg.value, gettext(arg.value, "id")
        assert ind != en, f"{where}: no Indonesian entry for the caption {en!r}"
        assert _placeholders(ind) == _placeholders(en), f"{where}: the translation has other placeholders"
        fields = [k.value for k in call.keywords if k.arg == "fields"]
        if _placeholders(en):
            assert len(fields) == 1 and isinstance(fields[0], ast.Dict), f"{where}: fields={{...}} is missing"
            keys = {k.value for k in fields[0].keys}
            assert keys == _placeholders(en), f"{where}: fields {sorted(keys)} ≠ placeholders"
        else:
            assert not fields, f"{where}: fields given to a caption without placeholders"
    assert untranslated(captions) == []


def test_a_caption_without_translation_is_noticed():
    """The checks above fail for an English-only caption: it has no entry, and is shown in English only."""
    assert untranslated(["A caption nobody translated."]) == ["A caption nobody translated."]
    assert caption_html("A caption nobody translated.") == "A caption nobody translated."
    assert "lang='id'" not in caption_html("A caption nobody translated.")


def test_caption_fields_in_each_language_format():
    # hand-written: Indonesian uses a dot between thousands (CLDR id_ID), English keeps the plain integer
    got = caption_html("Each weight set against the nominal weights ({n} units).", {"n": 1234})
    assert got == ("Each weight set against the nominal weights (1234 units). <span class='id' lang='id'>/ "
                   "Perbandingan setiap skema bobot dengan bobot nominal (1.234 kabupaten/kota).</span>")
    got = caption_html("Least change to reach the target for {name}: indicators that move (at most 10), in the "
                       "indicators' own units.", {"name": "Kota <Makassar>"})
    assert "target for Kota &lt;Makassar&gt;: " in got and "indicators&#x27; own units." in got
    assert "<span class='id' lang='id'>/ Perubahan terkecil untuk mencapai sasaran bagi Kota &lt;Makassar&gt;:" in got
    assert caption_html("Map of the typology.") == \
        "Map of the typology. <span class='id' lang='id'>/ Peta tipologi.</span>"


# --- a generated report ------------------------------------------------------------------------------
def _template_regex(template: str) -> re.Pattern:
    """``template`` as a regular expression: each ``{field}`` matches any text."""
    parts = re.split(r"\{[a-z_]+\}", html.escape(template))
    return re.compile("(.+?)".join(re.escape(p) for p in parts) + r"\Z", flags=re.S)


def check_captions_bilingual(report: str) -> int:
    """Every figure and table caption of ``report`` (HTML): English text of a catalogue message, then its
    Indonesian translation with the same field values; returns the number of captions."""
    report = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", report)
    caps = re.findall(r"<figcaption><b>Figure (\d+) / Gambar \1\.</b> (.+?)</figcaption>", report, flags=re.S)
    caps += re.findall(r"<caption><b>Table (\d+) / Tabel \1\.</b> (.+?)</caption>", report, flags=re.S)
    assert len(caps) == report.count("<figcaption>") + report.count("<caption>")
    messages = {en: ind for en, ind in catalogue("id").items() if en != ind}
    for num, text in caps:
        m = re.fullmatch(r"(.+?) <span class='id' lang='id'>/ (.+?)</span>", text, flags=re.S)
        assert m, f"caption {num} is in English only: {text[:90]!r}"
        en, ind = m.groups()
        found = [(k, hit) for k in messages if (hit := _template_regex(k).match(en))]
        assert found, f"caption {num}: {en[:90]!r} is no message of the catalogue"
        assert ind.strip() and ind != en
        found = [(k, hit) for k, hit in found if _template_regex(messages[k]).match(ind)]
        assert found, f"caption {num}: {ind[:90]!r} ≠ its catalogue entry"
        for v in found[0][1].groups():   # a field's value shows in both texts (numbers in the Indonesian format)
            v_id = re.sub(r"(?<=\d)(?=(\d{3})+\b)", ".", v) if v.isdigit() else v
            assert v_id in ind, f"caption {num}: field value {v!r} is not in the Indonesian text"
    return len(caps)


_SVG = "<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20'><rect width='40' height='20'/></svg>"


@pytest.fixture(scope="module")
def built():
    from analysis import build

    return build("kominfo_gm100sc", ROOT / "data" / "demo" / "smartcity_panel.csv",
                 ROOT / "data" / "demo" / "spec.yaml")


def _run_folder(run: Path, result) -> Path:
    """A run folder with a small table for every section, so that every caption of the report is written."""
    from analysis.audit import cross_section

    fw = result.framework
    T = cross_section(result)
    codes = list(T.index[:24])
    (run / "state").mkdir(parents=True)
    (run / "tables").mkdir()
    (run / "figures").mkdir()
    for f in ("map_index", "cluster_profiles", "map_clusters"):
        (run / "figures" / f"{f}.svg").write_text(_SVG)
    factors = ["w_dimensions", "normalisation"]
    sobol = [{"factor": f, "S1": 0.2, "S1_conf": 0.05, "ST": 0.3, "ST_conf": 0.05} for f in factors]
    state = {
        "01_data_audit": {"availability": 0.96, "min_unit_availability": 0.5, "outlier_flags": 3},
        "02_weighting": {"sets": ["nominal", "equal"], "reference": "nominal"},
        "03_uncertainty_sensitivity": {"runs": 50, "seed": 1, "factors": factors, "output": "mean_abs_rank_shift",
                                       "sobol_N": 64, "sobol_runs": 256, "median_interval_width": 20.0,
                                       "sobol": sobol},
        "04_clustering": {"k": 2, "structure": True, "method": "kmeans", "on": "dimensions", "clusters": [
            {"cluster": 0, "label_en": "Leaders", "label_id": "Pelopor", "size": 12, "medoid_uName": "A"},
            {"cluster": 1, "label_en": "Followers", "label_id": "Pengikut", "size": 12, "medoid_uName": "B"}]},
        "05_scenarios": {"scenarios": [{"name": "s", "units_changed": 1, "level_changes": 0, "mean_delta_score": 0.4}],
                         "paths": [{"unit": codes[0], "name": "Kota Contoh", "from": 50.0, "target": 60.0,
                                    "message": "target reached", "moves": [
                                        {"iCode": fw.indicators[0], "current": 1.0, "new": 2.0, "change": 1.0}]}]},
    }
    for k, v in state.items():
        (run / "state" / f"{k}.json").write_text(json.dumps(v))
    tables = {
        "audit_availability_indicators": pd.DataFrame({"iCode": fw.indicators, "available": 0.95}),
        "report_levels": pd.DataFrame({"level": ["L1", "L2"], "tingkat": ["T1", "T2"], "from score": ["—", "50"],
                                       "units": [10, 14]}),
        "ua_rank_stats": pd.DataFrame({"uCode": codes, "Nominal": np.arange(1, 25), "Median": np.arange(1, 25),
                                       "Q5": np.arange(1, 25), "Q95": np.arange(3, 27)}),
        "ua_sobol": pd.DataFrame(sobol),
        "ua_sobol_convergence": pd.DataFrame([{"n": n, "runs": 4 * n, **s} for n in (32, 64) for s in sobol]),
        "weights": pd.DataFrame({"": fw.children(fw.root), "nominal": 0.5, "equal": 0.5}),
        "weights_summary": pd.DataFrame({"set": ["nominal", "equal"], "spearman": [1.0, 0.9], "mean_abs_shift": 0.0,
                                         "max_abs_shift": 0.0, "moved_gt_10": 0, "level_changes": 0}),
        "weights_comparison": pd.DataFrame({"uCode": codes * 2, "set": ["nominal"] * 24 + ["equal"] * 24,
                                            "rank": list(range(1, 25)) * 2}),
    }
    for k, df in tables.items():
        df.to_csv(run / "tables" / f"{k}.csv", index=False)
    return run


def test_generated_report_has_every_caption_in_both_languages(built, tmp_path):
    from analysis.report.document import report_html

    run = _run_folder(tmp_path / "run", built)
    report = report_html(built, run, title="t", inputs={"data": ROOT / "data" / "demo" / "smartcity_panel.csv"},
                         seeds={"seed": 1})
    n = check_captions_bilingual(report)
    calls = _caption_calls()
    assert n == len(calls)     # this run folder calls for every caption once (one rank-interval part)
    assert "Peta tipologi." in report and "Tabel 1." in report and "Gambar 1." in report


def test_a_report_with_an_english_only_caption_fails_the_check():
    bad = "<figure><figcaption><b>Figure 1 / Gambar 1.</b> Map of the typology.</figcaption></figure>"
    with pytest.raises(AssertionError, match="English only"):
        check_captions_bilingual(bad)
    wrong = ("<table><caption><b>Table 1 / Tabel 1.</b> Map of the typology. <span class='id' lang='id'>/ "
             "Peta indeks.</span></caption></table>")
    with pytest.raises(AssertionError, match="catalogue entry"):
        check_captions_bilingual(wrong)


@pytest.mark.skipif(not os.environ.get("MATURASI_REPORT_RUN"), reason="set MATURASI_REPORT_RUN to check a run")
def test_an_existing_run_report_has_bilingual_captions():
    """The report.html of the run folder named by MATURASI_REPORT_RUN (as in tests/test_report_pages.py)."""
    report = (Path(os.environ["MATURASI_REPORT_RUN"]) / "report.html").read_text(encoding="utf-8")
    assert check_captions_bilingual(report) >= 16
