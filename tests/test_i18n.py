"""Bahasa Indonesia in the dashboard and on the command line: one catalogue, nothing left in English.

The catalogue mechanism itself (gettext, bilingual, CLDR number formats) is tested in
``tests/test_workbook.py``; here: every text the dashboard shows has its translation, the
Indonesian page shows no English text the catalogue translates, every unit of measurement and
node of the built-in frameworks reads in Indonesian, and ``maturasi --lang id`` speaks Indonesian.
"""

import ast
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import _lang, main, parser
from analysis.dashboard.labels import LABELS, label, measure
from analysis.demo import DEMO_DIR
from analysis.framework import builtin_frameworks, load_framework
from analysis.i18n import gettext, untranslated

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "src" / "analysis" / "dashboard"


def _label_keys(path: Path) -> set[str]:
    """The literal keys passed to ``label(...)`` in a source file."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "label" and node.args \
                and isinstance(node.args[0], ast.Constant):
            keys.add(node.args[0].value)
    return keys


def test_every_dashboard_text_has_its_indonesian_translation():
    used = _label_keys(DASHBOARD / "app.py") | _label_keys(DASHBOARD / "model.py")
    assert len(used) > 30
    assert used <= set(LABELS), f"label keys without a message: {sorted(used - set(LABELS))}"
    assert untranslated(sorted(LABELS.values())) == []
    # the dict literals in app.py that pick a key by condition ({"demo": "demo_opened", ...})
    assert {"demo_opened", "first_opened", "basis_cluster", "basis_nearest"} <= set(LABELS)


def test_a_missing_translation_is_noticed(monkeypatch):
    """The check above fails when a dashboard text has no Indonesian entry."""
    monkeypatch.setitem(LABELS, "new_text", "A text nobody translated")
    assert untranslated(sorted(LABELS.values())) == ["A text nobody translated"]
    assert label("new_text", "id") == "A text nobody translated"          # falls back to English


@pytest.mark.parametrize("name", sorted(builtin_frameworks()))
def test_built_in_frameworks_read_in_indonesian(name):
    """Every node has its Indonesian name (``nama``) and every unit of measurement its translation."""
    fw = load_framework(name)
    assert [c for c, n in fw.nodes.items() if not str(n.nama).strip()] == []
    units = sorted({n.unit for n in fw.nodes.values() if n.is_indicator and n.unit})
    assert untranslated(units) == []
    for u in units:
        assert measure(u, "en") == u and measure(u, "id").strip()


def test_units_of_measurement_in_indonesian():
    # spot checks against plain Indonesian (decimal comma, thousands dot, KBBI words)
    assert measure("% of services", "id") == "% layanan"
    assert measure("days", "id") == "hari"
    assert measure("per 1,000 firms", "id") == "per 1.000 usaha"
    assert measure(None, "id") == "" and measure("", "id") == ""


# --- the page in Indonesian --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app_id(tmp_path_factory):
    pytest.importorskip("panel")
    from analysis.dashboard.app import PlannerApp

    run = tmp_path_factory.mktemp("runs") / "demo-index"
    subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", "kominfo_gm100sc", "--data",
                    str(DEMO_DIR / "smartcity_panel.csv"), "--spec", str(DEMO_DIR / "spec.yaml"), "--out", str(run)],
                   check=True, capture_output=True)
    app = PlannerApp(run.parent, unit="73.71", lang="id")
    app.set_value("GOV_EGOV", 99.0)
    return app


def _page_text(app) -> str:
    """Every text the page shows: pane contents without tags, widget labels and slider names."""
    import panel as pn

    parts = []
    for obj in app.view().select(lambda o: True):
        if isinstance(obj, pn.pane.HTML):
            shown = re.sub(r"<pre[^>]*>.*?</pre>", " ", str(obj.object or ""), flags=re.S)   # a file's content
            parts.append(html.unescape(re.sub(r"<[^>]+>", " ", shown)))
        for attr in ("label", "name"):
            v = getattr(obj, attr, None)
            if isinstance(v, str) and isinstance(obj, pn.widgets.Widget):
                parts.append(v)
        if isinstance(obj, pn.widgets.Select):
            parts.extend(map(str, obj.options))
        if isinstance(obj, pn.Card):
            parts.append(str(obj.title))
    return "\n".join(parts)


def test_indonesian_page_shows_no_translated_english(app_id):
    text = _page_text(app_id)
    assert "Peringkat" in text and "Data demonstrasi sintetis" in text and "% layanan" in text
    english = [en for en in LABELS.values() if gettext(en, "id") != en and len(en) > 3 and en in text]
    assert english == []
    # the units of measurement on the sliders are Indonesian, numbers use the decimal comma
    assert "[% of services]" not in text and "[days]" not in text
    ev = app_id.last_eval
    assert f"{ev.score:.2f}".replace(".", ",") in text
    dims = html.unescape(re.sub(r"<[^>]+>", " ", app_id.p_dims.object))
    numbers = re.findall(r"-?\d+[.,]\d+", dims)
    assert len(numbers) >= 18 and all(re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d{2}", n) for n in numbers)


# --- the command line ----------------------------------------------------------------------------------
def _summaries(p):
    import argparse

    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            return {c.dest: c.help for c in a._choices_actions}
    return {}


def test_cli_help_summaries_are_translated():
    en, ind = _summaries(parser("en")), _summaries(parser("id"))
    assert untranslated(sorted(en.values())) == [], "a sub-command summary has no Indonesian entry"
    assert set(en) == set(ind) and all(ind[k] == gettext(en[k], "id") for k in en)
    assert ind["build"] == "hitung indeks dan tulis tabelnya"
    assert gettext(parser("en").description, "id") == parser("id").description != parser("en").description


def test_cli_help_in_indonesian(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "id", "--help"])
    out = capsys.readouterr().out
    assert "hitung indeks dan tulis tabelnya" in out and "dasbor perencana" in out


@pytest.mark.parametrize("argv, want", [
    (["build", "--framework", "nope", "--data", "x.csv", "--out", "o"],
     "maturasi: kesalahan: nope: berkas kerangka tidak ditemukan (nama bawaan: "),
    (["build", "--framework", "kominfo_gm100sc", "--data", "missing.csv", "--out", "o"],
     "maturasi: kesalahan: missing.csv: berkas data tidak ditemukan"),
])
def test_cli_refusals_in_indonesian(argv, want, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MATURASI_LANG", raising=False)
    assert main(["--lang", "id", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(want) and err.count("\n") == 1
    assert main([*argv[:1], "--lang", "id", *argv[1:]]) == 2          # --lang after the sub-command too
    assert capsys.readouterr().err == err
    monkeypatch.setenv("MATURASI_LANG", "id")                          # or from the environment
    assert main(argv) == 2 and capsys.readouterr().err == err
    assert main(["--lang", "en", *argv]) == 2
    assert capsys.readouterr().err.startswith("maturasi: error: ")


def test_message_templates_carry_their_fields():
    t = _lang.translate_message
    assert t("unknown unit '73.7'", "id") == "daerah '73.7' tidak dikenal"
    assert t("--unit '73.7': no such unit in the run (did you mean '73.71'?)", "id") == \
        "--unit '73.7': daerah ini tidak ada dalam hasil perhitungan (maksud Anda '73.71'?)"
    assert t("output folder 'a b' exists; use --force to replace an earlier Maturasi output", "id") == \
        "folder keluaran 'a b' sudah ada; gunakan --force untuk mengganti keluaran Maturasi sebelumnya"
    assert t("a message with no entry", "id") == "a message with no entry"
    assert t("unknown unit '73.7'", "en") == "unknown unit '73.7'"


def test_error_line_translates_the_location_words():
    from analysis import InputError

    e = InputError("unknown indicator 'X'", file="f.csv", row=3, column="GOV_EGOV")
    assert _lang.error_line(e, "id") == "f.csv, baris 3, kolom 'GOV_EGOV': indikator 'X' tidak dikenal"
    assert _lang.error_line(e, "en") == str(e)


def test_cli_lang_and_hoist():
    assert _lang.cli_lang(["build", "--lang", "id"]) == "id" and _lang.cli_lang(["--lang=id"]) == "id"
    assert _lang.hoist(["build", "-f", "x", "--lang", "id"]) == ["--lang", "id", "build", "-f", "x"]
    assert _lang.hoist(["dashboard", "--lang=id"]) == ["--lang=id", "dashboard"]
