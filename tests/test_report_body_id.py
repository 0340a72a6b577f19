"""Every body paragraph, warning, limitation and figure alt text of the methodology report reads in
Bahasa Indonesia too (the captions are checked by tests/test_report_captions_id.py).

A text of the report is a message of the catalogue (``analysis/locale/id/LC_MESSAGES/maturasi.po``):
an English template with named placeholders, filled in each language's number format
(``analysis.i18n.format_number``: ``1.234`` and ``0,54`` in Bahasa Indonesia). The report shows a
paragraph in English and then in Bahasa Indonesia (``<p class='idtext' lang='id'>``), a warning and a
limitation in English then in Bahasa Indonesia (``<span class='id' lang='id'>``), and a figure's alt
text as ``Figure n: … / Gambar n: …``. Checked twice: statically, every ``Msg`` of
``analysis/report/document.py`` and ``render.py`` (including sections a given run leaves out) is a
plain literal with an Indonesian entry and the same placeholders; and on a generated report whose
results call for every warning, no paragraph, warning, limitation or alt text is English only, and
the numbers of each English text appear in the Indonesian one in the Indonesian format.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import string
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from analysis.i18n import gettext, untranslated
from analysis.report.document import NAMES, Document, Msg, Num, Term, cluster_note, path_message

from .conftest import ROOT
from .test_report_captions_id import _run_folder

REPORT = ROOT / "src" / "analysis" / "report"
VARIABLE_TEMPLATE = {"caption_html", "_alt"}     # functions that pass a caller's (checked) caption to Msg


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _functions(tree: ast.AST):
    for f in ast.walk(tree):
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f


# --- every call site ---------------------------------------------------------------------------------
def _msg_calls() -> list[tuple[str, str, ast.Call]]:
    out = []
    for path in (REPORT / "document.py", REPORT / "render.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in _functions(tree):
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Msg":
                    out.append((path.name, fn.name, node))
    return out


def test_every_body_message_is_a_translated_catalogue_literal():
    calls = _msg_calls()
    assert len(calls) >= 70
    for file, fn, call in calls:
        where = f"{file} line {call.lineno} ({fn})"
        arg = call.args[0]
        if fn in VARIABLE_TEMPLATE:
            continue
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
            f"{where}: the message must be a plain string literal (a template with keyword fields, no f-string)"
        en, ind = arg.value, gettext(arg.value, "id")
        assert ind != en, f"{where}: no Indonesian entry for {en!r}"
        assert _placeholders(ind) == _placeholders(en), f"{where}: the translation has other placeholders"
        keys = {k.arg for k in call.keywords}
        assert None not in keys, f"{where}: fields must be named"
        assert keys == _placeholders(en), f"{where}: fields {sorted(keys)} ≠ placeholders"


def test_the_report_writes_no_english_only_paragraph_or_warning():
    """Paragraphs go through Document.say (messages); doc.p / doc.id_p only in _method (the method texts,
    with their own Indonesian files); every warning is a message."""
    tree = ast.parse((REPORT / "document.py").read_text(encoding="utf-8"))
    for fn in _functions(tree):
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and getattr(node.func.value, "id", None) == "doc":
                where = f"document.py line {node.lineno} ({fn.name})"
                if node.func.attr in ("p", "id_p"):
                    assert fn.name == "_method", f"{where}: a paragraph outside doc.say"
                if node.func.attr == "warn":
                    assert isinstance(node.args[0], ast.Call) and getattr(node.args[0].func, "id", "") == "Msg", where


def test_method_and_factor_names_have_indonesian_names():
    assert untranslated(sorted(set(NAMES.values()))) == []
    assert Term(NAMES["equal"]).ind == "bobot setara"
    assert Term(NAMES["w_dimensions"]).text("id") == "bobot dimensi (gangguan acak)"


def test_numbers_in_each_language_format():
    # hand-written: Indonesian uses a dot between thousands and a decimal comma (CLDR id_ID)
    m = Msg("Interval width: median {median} places, 90th percentile {p90}; {wide} of {n} units have an "
            "interval wider than 100 places.", median=Num(65.2, 0), p90=Num(1234.4, 0), wide=12, n=1514)
    assert m == ("Interval width: median 65 places, 90th percentile 1,234; 12 of 1514 units have an interval "
                 "wider than 100 places.")
    assert m.ind == ("Lebar interval: median 65 peringkat, persentil ke-90 1.234; 12 dari 1.514 kabupaten/kota "
                     "memiliki interval lebih lebar dari 100 peringkat.")
    m = Msg("The typology is not stable under resampling (mean adjusted Rand index {ari}); cluster membership "
            "of units near the borders is uncertain.", ari=Num(0.4, 2))
    assert "(mean adjusted Rand index 0.40)" in m and "(rata-rata adjusted Rand index 0,40)" in m.ind


def test_typology_notes_and_path_outcomes_are_translated():
    from analysis.cluster import NO_STRUCTURE

    (m,) = cluster_note("cluster 2 is unstable: mean bootstrap Jaccard 0.52 < 0.6")
    assert m == "Cluster 2 is unstable: mean bootstrap Jaccard 0.52 < 0.6."
    assert m.ind == "Klaster 2 tidak stabil: rata-rata indeks Jaccard bootstrap 0,52 < 0,6."
    a, b = cluster_note("k = 3 by gap, agreeing with ch (silhouette → 4, ch → 3, db → 2); " + NO_STRUCTURE)
    assert a.ind == ("k = 3 dipilih menurut kriteria gap, sejalan dengan ch (kriteria lainnya: silhouette → 4, "
                     "ch → 3, db → 2).")
    assert b.ind.startswith("Tidak ada struktur klaster: statistik gap memilih k = 1")
    (m,) = cluster_note(f"{NO_STRUCTURE}: all 1514 units form one group; give k (--k) to force a partition")
    assert "seluruh 1.514 kabupaten/kota membentuk satu kelompok" in m.ind
    assert cluster_note("a note of a new kind") == ["a note of a new kind."]          # English only: noticed below
    assert path_message("target reached").ind == "target tercapai"
    m = path_message("unreachable within the limits: the best reachable score is 57.25 < target 60")
    assert m.ind == ("tidak tercapai dalam batas yang ditetapkan: skor terbaik yang dapat dicapai adalah 57,25 < "
                     "target 60")
    assert path_message("something else") == "something else"


def test_every_caveat_has_its_indonesian_text(tmp_path):
    from analysis.report.document import caveats

    from .test_report_pages import caveat_run

    res, run, _ = caveat_run(tmp_path)
    (run / "state" / "01_data_audit.json").write_text(json.dumps({"availability": 0.9}))
    cav = caveats(res, run)
    assert len(cav) >= 11
    for c in cav:
        assert isinstance(c, Msg) and c.ind and c.ind != c, c
    text = "\n".join(c.ind for c in cav)
    assert "10,0% sel data tidak tersedia" in text and "dengan bobot entropi" in text.lower()
    assert "120 peringkat" in text and "0,40" in text and "N = 64 (448 evaluasi model)" in text


# --- a generated report ------------------------------------------------------------------------------
_WORD = re.compile(r"\b(the|and|are|is|of|units|with|which|from|to)\b", flags=re.I)
_KEEP = ("benefit of the doubt", "kit's own")       # names kept in English inside the Indonesian text


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


_SPELLED = {"sepuluh": "10", "lima belas": "15"}   # Indonesian style spells a number that opens a sentence


def _digits(text: str) -> Counter:
    """The numbers of ``text`` without their separators (1,234.5 and 1.234,5 both give 12345)."""
    for word, num in _SPELLED.items():
        text = re.sub(rf"\b{word}\b", num, text, flags=re.I)
    return Counter(re.sub(r"[.,]", "", t) for t in re.findall(r"\d(?:[\d.,]*\d)?", text))


def check_pair(en: str, ind: str | None, what: str) -> None:
    """``ind`` is the Bahasa Indonesia text of ``en``: present, not English, same numbers, Indonesian format."""
    assert ind, f"{what} is in English only: {en[:90]!r}"
    assert ind != en, f"{what}: the Indonesian text repeats the English one: {en[:90]!r}"
    rest = ind
    for k in _KEEP:
        rest = rest.replace(k, "")
    assert not _WORD.search(rest), f"{what}: English words in the Indonesian text: {ind[:120]!r}"
    assert _digits(en) == _digits(ind), f"{what}: other numbers in the Indonesian text: {en[:60]!r} / {ind[:60]!r}"
    for a, b in re.findall(r"(?<![\d.,])(\d+)\.(\d+)(?![\d.,]*\d)", en):
        if len(b) != 3:   # an English decimal: a decimal comma in Indonesian (a unit code such as (73.71) stays)
            assert f"{a},{b}" in ind or f"({a}.{b})" in ind, f"{what}: {a}.{b} is not {a},{b} in {ind[:120]!r}"
    for t in re.findall(r"(?<![\d.,])\d{4,}(?![\d.,]*\d)", en):
        if not 1900 <= int(t) <= 2100:   # thousands with a dot (a year stays as it is)
            assert f"{int(t):,}".replace(",", ".") in ind, f"{what}: {t} has no thousands dot in {ind[:120]!r}"


def check_body_bilingual(report: str) -> dict[str, int]:
    """Every paragraph, warning, limitation, formula with words and figure alt text of ``report`` (HTML)
    has its Bahasa Indonesia text; returns how many of each were checked."""
    report = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", report)
    counts = Counter()
    for m in re.finditer(r"<p>(.*?)</p>\s*", report, flags=re.S):
        nxt = re.match(r"<p class='idtext' lang='id'>(.*?)</p>", report[m.end():], flags=re.S)
        check_pair(_plain(m.group(1)), _plain(nxt.group(1)) if nxt else None, "a paragraph")
        counts["paragraphs"] += 1
    lists = "".join(re.findall(r"<ul class='bi'>(.*?)</ul>", report, flags=re.S))   # not the references
    for what, pattern, where in (
            ("a warning", r"<div class='warn'><b>Warning / Peringatan\.</b> (.*?)</div>", report),
            ("a limitation", r"<li>(.*?)</li>", lists),
            ("a formula", r"<div class='formula'>(.*?)</div>", report),
            ("the title page note", r"<p style='[^']*'>(.*?)</p>", report)):
        for m in re.finditer(pattern, where, flags=re.S):
            text = m.group(1)
            if what == "a formula" and not re.search(r"[a-z]{4,}", re.sub(r"\b\w+_\w+\b", "", text)):
                continue    # a formula without words
            sep = r"<br><span class='id' lang='id'>" if what in ("a limitation", "a formula") else \
                r" <span class='id' lang='id'>/ "
            parts = re.split(sep, text, maxsplit=1)
            check_pair(_plain(parts[0]), _plain(parts[1]) if len(parts) == 2 else None, what)
            counts[what] += 1
    for n, alt in re.findall(r"<img[^>]* alt='Figure (\d+): ([^']*)'", report):
        parts = re.split(rf" / Gambar {n}: ", html.unescape(alt), maxsplit=1)
        check_pair(parts[0], parts[1] if len(parts) == 2 else None, f"the alt text of figure {n}")
        counts["alt texts"] += 1
    assert counts["alt texts"] == report.count("<figure"), "a figure whose alt text is not 'Figure n: …'"
    return dict(counts)


def _rich_run(run: Path, result) -> Path:
    """The caption test's run folder, with results that call for every warning and note of the report."""
    _run_folder(run, result)
    st = run / "state"
    s2 = {"sets": ["nominal", "equal", "optimised"], "reference": "nominal",
          "optimised": {"SCI": {"reachable": True, "zero_weights": ["BRA", "ENV"], "notes": []}}}
    (st / "02_weighting.json").write_text(json.dumps(s2))
    s3 = json.loads((st / "03_uncertainty_sensitivity.json").read_text())
    s3["sobol"][0]["S1"] = -0.02
    s3["sobol"][0]["S1_conf"] = 0.3
    s3["median_interval_width"] = 1234.0
    (st / "03_uncertainty_sensitivity.json").write_text(json.dumps(s3))
    pd.DataFrame(s3["sobol"]).to_csv(run / "tables" / "ua_sobol.csv", index=False)
    s4 = json.loads((st / "04_clustering.json").read_text())
    s4.update(mean_ari=0.54, structure=False, notes=["k = 2 by silhouette (ch → 2, db → 3, gap → 2)",
                                                     "cluster 1 is unstable: mean bootstrap Jaccard 0.52 < 0.6",
                                                     "no boundary file given: maps skipped"])
    (st / "04_clustering.json").write_text(json.dumps(s4))
    s5 = json.loads((st / "05_scenarios.json").read_text())
    s5["paths"][0]["message"] = "unreachable within the limits: the best reachable score is 57.25 < target 60"
    (st / "05_scenarios.json").write_text(json.dumps(s5))
    ws = pd.read_csv(run / "tables" / "weights_summary.csv")
    ws.loc[1, "level_changes"] = 400                      # 400 of the 514 units: a warning
    ws.to_csv(run / "tables" / "weights_summary.csv", index=False)
    codes = pd.read_csv(run / "tables" / "ua_rank_stats.csv", dtype={"uCode": str})["uCode"]
    pd.DataFrame({"uCode": codes, "L1": 0.95, "L2": 0.05}).to_csv(run / "tables" / "ua_level_shares.csv", index=False)
    return run


@pytest.fixture(scope="module")
def built():
    from analysis import build

    return build("kominfo_gm100sc", ROOT / "data" / "demo" / "smartcity_panel.csv",
                 ROOT / "data" / "demo" / "spec.yaml")


def test_generated_report_has_every_body_text_in_both_languages(built, tmp_path):
    from analysis.report.document import report_html

    run = _rich_run(tmp_path / "run", built)
    report = report_html(built, run, title="t", inputs={"data": ROOT / "data" / "demo" / "smartcity_panel.csv"},
                         seeds={"seed": 1})
    n = check_body_bilingual(report)
    assert n["paragraphs"] >= 25 and n["a warning"] == 4 and n["a limitation"] >= 8 and n["alt texts"] >= 10, n
    assert n["a formula"] >= 1 and n["the title page note"] == 1, n
    for ind in ("Estimasi orde pertama bernilai negatif", "Sampel Sobol&#x27; kecil (N = 64)",
                "400 dari 514 kabupaten/kota berpindah tingkat kematangan",
                "Bobot hasil optimasi pada SCI: BRA, ENV",
                "Median lebar interval peringkat 90% adalah 1.234 peringkat", "Klaster 1 tidak stabil",
                "skor terbaik yang dapat dicapai adalah 57,25 &lt; target 60",
                "Rata-rata adjusted Rand index pada sampel ulang bootstrap: 0,54.", "alt='Figure 1: Missing data",
                " / Gambar 1: Data yang tidak tersedia"):
        assert ind in report, ind


def test_profiles_page_alt_texts_in_both_languages(tmp_path):
    from analysis.report.render import _profiles_html

    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "profile_73_71.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    page = _profiles_html(tmp_path, "t")
    (alt,) = re.findall(r"alt='([^']*)'", page)
    en, ind = html.unescape(alt).split(" / ", 1)
    assert en.startswith("Profile of unit 73.71: dimension scores")
    assert ind.startswith("Profil daerah 73.71: skor dimensi")
    assert "Profil daerah" in page


def test_an_english_only_text_fails_the_check():
    doc = Document("t")
    doc.say(Msg("Method: {method}.", method=Term("min–max")))
    assert check_body_bilingual("".join(doc.parts)) == {"paragraphs": 1}
    doc.say("A paragraph nobody translated.")            # a plain string: no Indonesian entry
    with pytest.raises(AssertionError, match="paragraph is in English only"):
        check_body_bilingual("".join(doc.parts))
    with pytest.raises(AssertionError, match="warning is in English only"):
        check_body_bilingual("<div class='warn'><b>Warning / Peringatan.</b> Small sample.</div>")
    bad = "<p>Median 48.7 of 1514 units.</p><p class='idtext' lang='id'>Median 48.7 dari 1514 kabupaten/kota.</p>"
    with pytest.raises(AssertionError, match="is not 48,7"):
        check_body_bilingual(bad)
    with pytest.raises(AssertionError, match="English words"):
        check_body_bilingual("<p>Method: none.</p><p class='idtext' lang='id'>Metode: none of the above.</p>")
    with pytest.raises(AssertionError, match="alt text"):
        check_body_bilingual("<figure><img src='' alt='Figure 1'></figure>")
    with pytest.raises(AssertionError, match="figure 1 is in English only"):
        check_body_bilingual("<figure><img src='' alt='Figure 1: Map of the typology.'></figure>")


@pytest.mark.skipif(not os.environ.get("MATURASI_REPORT_RUN"), reason="set MATURASI_REPORT_RUN to check a run")
def test_an_existing_run_report_has_bilingual_body_text():
    """The report.html of the run folder named by MATURASI_REPORT_RUN (as in tests/test_report_pages.py)."""
    report = (Path(os.environ["MATURASI_REPORT_RUN"]) / "report.html").read_text(encoding="utf-8")
    assert check_body_bilingual(report)["paragraphs"] >= 20
