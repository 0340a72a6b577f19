"""Every method text has a faithful Bahasa Indonesia version (issue 16).

``methodology/methods/<name>.md`` (English) must have ``<name>.id.md`` with the same headings, the
same formulas and code (every ``$…$`` and backtick span verbatim, every fenced block identical), the
same choice sections (``## <choice>`` names the report looks up) and the same citations (author
names and years).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.report.steps import METHOD_DIR, method_text

ENGLISH = sorted(p for p in METHOD_DIR.glob("*.md") if not p.name.endswith(".id.md"))
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+?\$", re.S)
CODE = re.compile(r"``.+?``|`[^`]+?`", re.S)
YEAR = re.compile(r"(?<![\d.,/])(?:19|20)\d\d\b|(?<=/)20\d\d\b")
WORD = re.compile(r"\b[A-Z][A-Za-z’'–-]+")


def _norm(s: str) -> str:
    return " ".join(s.split())


def _fences(t: str) -> list[str]:
    return FENCE.findall(t)


def _prose(t: str) -> str:
    return FENCE.sub("", t)


def _headings(t: str) -> list[str]:
    return [ln for ln in _prose(t).splitlines() if ln.startswith("#")]


def _spans(rx: re.Pattern, t: str) -> list[str]:
    return sorted(_norm(s) for s in rx.findall(_prose(t)))


def _citations(t: str) -> set[tuple[str, str]]:
    """(name, year) pairs: capitalised words in the clause just before each year."""
    out = set()
    prose = MATH.sub(" ", CODE.sub(" ", _prose(t)))
    for m in YEAR.finditer(prose):
        clause = re.split(r"[(;:]|\.\s|\n\n", prose[max(0, m.start() - 50):m.start()].rstrip(" (\n"))[-1]
        for w in WORD.findall(clause):
            if w not in {"The", "A", "An"}:
                    out.add((w, m.group()))
    return out


def _pair(p: Path) -> tuple[str, str]:
    q = p.with_name(p.stem + ".id.md")
    assert q.exists(), f"{q.name} missing: every method text needs a Bahasa Indonesia version"
    return p.read_text(encoding="utf-8"), q.read_text(encoding="utf-8")


def test_there_are_method_texts() -> None:
    assert len(ENGLISH) >= 9


@pytest.mark.parametrize("p", ENGLISH, ids=lambda p: p.stem)
def test_structure_and_formulas_match(p: Path) -> None:
    en, id_ = _pair(p)
    he, hi = _headings(en), _headings(id_)
    assert [h.split()[0] for h in he] == [h.split()[0] for h in hi]
    # choice sections are looked up by name (``## minmax``): method names stay verbatim
    choice = re.compile(r"^## [a-z_]+$")
    assert [h for h in he if choice.match(h)] == [h for h in hi if choice.match(h)]
    assert _spans(MATH, en) == _spans(MATH, id_)
    assert sum("$$" in ln for ln in en.splitlines()) == sum("$$" in ln for ln in id_.splitlines())
    assert _spans(CODE, en) == _spans(CODE, id_)
    assert _fences(en) == _fences(id_)


@pytest.mark.parametrize("p", ENGLISH, ids=lambda p: p.stem)
def test_citations_match(p: Path) -> None:
    en, id_ = _pair(p)
    years_en = sorted(YEAR.findall(_prose(en)))
    assert years_en == sorted(YEAR.findall(_prose(id_)))
    missing = {(w, y) for w, y in _citations(en) if w not in id_}
    assert not missing, f"names cited in {p.name} missing from the Indonesian text: {missing}"


def test_citation_extraction_finds_authors() -> None:
    en = (METHOD_DIR / "aggregate.md").read_text(encoding="utf-8")
    names = {w for w, _ in _citations(en)}
    assert {"Muro", "Mazziotta", "Pareto"} <= names
    assert {("Saisana", "2005"), ("Tarantola", "2005"), ("Hyndman", "1996")} <= _citations(
        (METHOD_DIR / "uncertainty.md").read_text(encoding="utf-8"))


def test_method_text_picks_indonesian() -> None:
    en = method_text("normalise", "minmax")
    id_ = method_text("normalise", "minmax", lang="id")
    assert en.startswith("Indicators come in different units")
    assert id_.startswith("Indikator memiliki satuan")
    assert "`(x − min)/(max − min)·100`" in id_
    assert method_text("aggregate", "geometric", lang="id") != method_text("aggregate", "geometric")


def test_report_method_section_shows_both_languages():
    """The report prints each method text in English and then in Bahasa Indonesia."""
    from analysis.report.document import Document, _method
    from analysis.report.steps import method_text

    doc = Document("t")
    _method(doc, "normalise", "minmax")
    html = "".join(doc.parts)
    ind = method_text("normalise", "minmax", lang="id")
    assert ind != method_text("normalise", "minmax")
    assert "class='idtext' lang='id'" in html and ind.split()[0] in html
