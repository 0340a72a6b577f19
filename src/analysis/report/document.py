"""The methodology report: one HTML document, generated from a run, printed to PDF by :mod:`.pdf`.

The report follows the structure of a methods paper (title page, summary, data and coverage,
method, results, robustness, weighting alternatives, typology, scenarios, limitations, references,
appendix). Every section is generated from the run — the build spec for the method, the run's
tables and summaries for the results — and every figure and table is numbered and captioned.
Figures are embedded as SVG (vector in the PDF). Every text is in English and then in Bahasa
Indonesia through :mod:`analysis.i18n`: headings and column names, captions, paragraphs
(:meth:`Document.say`), warnings, limitations, formulas with words, method names in tables and
figure alt texts. A text is a :class:`Msg`: an English message of the catalogue with named fields
(:class:`Num` numbers in each language's format, :class:`Term` names with their Indonesian name,
:class:`Join` lists); ``tests/test_report_body_id.py`` and ``tests/test_report_captions_id.py`` fail
for a text without its Indonesian entry. Text the user or the framework wrote (the spec's note, the
framework's caveats, unit and indicator names) is shown as written. No absolute path is written:
inputs are named relative to the project folder (or by file name when they lie outside it).

The limitations section is generated from the results: optimised weights at zero, Sobol' indices
estimated on a small sample or with negative first-order estimates, weight sets that change most
units' levels, parts of the framework marked as the kit's own in their ``source``, wide rank
intervals, a typology without structure, and synthetic data.
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..i18n import bilingual, format_number, gettext
from .steps import load_summary, method_text

__all__ = ["Document", "report_html", "caveats", "relative", "PROJECT_ROOT", "REFERENCES", "HEADINGS", "NAMES", "Msg",
           "Term", "Num", "Join", "caption_html", "inline_html", "cluster_note", "path_message"]

PROJECT_ROOT = Path(__file__).resolve().parents[3]

#: headings and column names of the report (each has a Bahasa Indonesia entry in the catalogue)
HEADINGS = ("Summary", "Data and coverage", "Method", "Results", "Robustness", "Weighting alternatives",
            "Typology", "Scenarios", "Limitations and caveats", "References", "Appendix", "Contents",
            "Imputation", "Outlier treatment", "Normalisation", "Weights", "Aggregation", "Levels (bands)",
            "Province roll-up", "Uncertainty analysis", "Sensitivity analysis", "Software and inputs",
            "Figure", "Table", "Dimension", "Indicators", "Data availability", "Lowest availability",
            "Source", "Rank", "Unit", "Province", "Index", "Level", "Units", "From score", "Rank interval",
            "Weight set", "Rank correlation with the nominal set", "Mean rank shift", "Largest rank shift",
            "Units moving more than 10 places", "Units changing level", "Factor", "First-order index",
            "Total-order index", "Base sample", "Model runs", "Cluster", "Size", "Label", "Typical unit",
            "Scenario", "Units changed", "Level changes", "Mean change in the index", "Package", "Version",
            "Input", "File", "SHA-256", "Population-weighted mean", "Mean", "Setting", "Value",
            "Synthetic demonstration data", "Warning", "Unit profiles", "Indicator", "Change", "From", "To",
            "Label (Bahasa Indonesia)", "Level (Bahasa Indonesia)", "Share of units (%)", "± (95%)",
            "ASCN member since")

REFERENCES = [
    "OECD/JRC (2008). Handbook on Constructing Composite Indicators: Methodology and User Guide. OECD "
    "Publishing, Paris. https://doi.org/10.1787/9789264043466-en",
    "Becker, W., Caperna, G., Del Sorbo, M., Norlén, H., Papadimitriou, E., Saisana, M. (2022). COINr: An R "
    "package for developing composite indicators. Journal of Open Source Software 7(78), 4567. "
    "https://doi.org/10.21105/joss.04567",
    "Saltelli, A., Ratto, M., Andres, T., Campolongo, F., Cariboni, J., Gatelli, D., Saisana, M., Tarantola, S. "
    "(2008). Global Sensitivity Analysis: The Primer. Wiley, Chichester.",
    "Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010). Variance based "
    "sensitivity analysis of model output. Design and estimator for the total sensitivity index. Computer "
    "Physics Communications 181(2), 259–270. https://doi.org/10.1016/j.cpc.2009.09.018",
    "Saisana, M., Saltelli, A., Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as tools "
    "for the quality assessment of composite indicators. Journal of the Royal Statistical Society A 168(2), "
    "307–323.",
    "Herman, J., Usher, W. (2017). SALib: An open-source Python library for sensitivity analysis. Journal of "
    "Open Source Software 2(9), 97. https://doi.org/10.21105/joss.00097",
]

#: human names of the run's methods and factors (each has a Bahasa Indonesia entry in the catalogue)
NAMES = {"equal": "equal weights", "entropy": "entropy weights", "critic": "CRITIC weights",
         "pca": "PCA weights", "optimised": "optimised weights", "bod": "benefit of the doubt",
         "nominal": "framework (nominal) weights", "ahp": "AHP weights", "budget": "budget allocation",
         "w_dimensions": "weights of the dimensions (noise)", "w_elements": "weights of the elements (noise)",
         "normalisation": "normalisation method", "aggregation": "aggregation method",
         "winmax": "Winsorisation limit", "imputation": "imputation method", "minmax": "min–max",
         "zscore": "z-score", "goalposts": "goalposts", "prank": "percentile rank", "rank": "rank",
         "arithmetic": "weighted arithmetic mean", "geometric": "weighted geometric mean",
         "harmonic": "weighted harmonic mean", "mazziotta_pareto": "Mazziotta–Pareto index",
         "ampi": "adjusted Mazziotta–Pareto index", "copeland": "Copeland", "winsorise": "Winsorisation",
         "group_median": "median of the unit's group", "group_mean": "mean of the unit's group",
         "median": "median", "mean": "mean", "none": "none", "framework": "the framework's weights",
         "mean_abs_rank_shift": "mean absolute rank shift", "log": "log transform", "group": "group",
         "first level": "first level", "kmeans": "k-means", "ward": "Ward's hierarchical clustering",
         "gmm": "Gaussian mixture model", "hdbscan": "HDBSCAN", "dimensions": "dimensions", "elements": "elements",
         "indicators": "indicators"}


def _n(x) -> Term:
    """The human name of a method or factor, with its Bahasa Indonesia name from the catalogue."""
    return Term(NAMES.get(str(x), str(x)))


def _names(codes: pd.Series) -> pd.Series:
    """:func:`_n` of each code, kept as :class:`Term` objects (a table shows them in both languages)."""
    return pd.Series([_n(c) for c in codes], index=codes.index, dtype=object)


def _node(fw, code: str) -> Term:
    """The name of a framework node in English, with its Bahasa Indonesia name (``nama``)."""
    nd = fw.nodes[code]
    return Term(nd.name or code, nd.nama or nd.name or code)


def _level_term(bands, label):
    """A level's label in English, with its Bahasa Indonesia label (the spec's ``labels_id``) where it has one."""
    ids = list(getattr(bands, "names_id", None) or [])
    if label not in bands.labels:
        return label
    i = list(bands.labels).index(label)
    return Term(label, ids[i] if i < len(ids) else label)


def relative(path, root: Path = PROJECT_ROOT) -> str:
    """``path`` relative to the project folder; only the file name when it lies outside (never absolute)."""
    if path is None:
        return "—"
    p = Path(str(path))
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(root).as_posix()
    except ValueError:
        return f"{p.name} (outside the project folder)"


def _svg(fig) -> str:
    """A matplotlib figure as an SVG data URI (closed afterwards)."""
    import matplotlib.pyplot as plt

    from ..figures import vector_colorbars

    vector_colorbars(fig)
    buf = io.BytesIO()
    with plt.rc_context({"svg.hashsalt": "maturasi"}):   # same run → same SVG ids → the same HTML
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def _col(en: str) -> str:
    """A column heading: English over Bahasa Indonesia (same word once)."""
    ind = gettext(en, "id")
    e = html.escape(en)
    return e if ind == en else f"{e}<br><span class='id'>{html.escape(ind)}</span>"


class Term(str):
    """A word or name filled into a message: the English text (this string) and its Bahasa Indonesia
    form ``ind`` (by default the catalogue's translation, else the English text)."""

    ind: str

    def __new__(cls, en, ind: str | None = None):
        obj = super().__new__(cls, str(en))
        obj.ind = gettext(str(en), "id") if ind is None else str(ind)
        return obj

    def text(self, lang: str) -> str:
        return self.ind if lang == "id" else str(self)


@dataclass(frozen=True)
class Num:
    """A number filled into a message with ``decimals`` decimals in each language's format
    (:func:`analysis.i18n.format_number`); ``decimals=None`` keeps as many as the value needs (``:g``)."""

    value: float
    decimals: int | None = 1

    def text(self, lang: str) -> str:
        d = self.decimals
        if d is None:
            g = f"{float(self.value):g}"
            d = len(g.split(".")[1]) if "." in g and "e" not in g else 0
        return format_number(float(self.value), lang, d)


@dataclass(frozen=True)
class Join:
    """Several values filled into one placeholder, joined by ``sep`` (each in the message's language)."""

    items: tuple
    sep: str = ", "

    def __init__(self, items, sep: str = ", "):
        object.__setattr__(self, "items", tuple(items))
        object.__setattr__(self, "sep", sep)

    def text(self, lang: str) -> str:
        return self.sep.join(_field(v, lang) for v in self.items)


def _field(value, lang: str) -> str:
    """A value filled into a message template: integers as they are in English and with Indonesian
    thousands separators in Bahasa Indonesia (``1.234``), other numbers with one decimal, :class:`Num`
    with its decimals, :class:`Term`, :class:`Msg` and :class:`Join` in the message's language, text as is."""
    if hasattr(value, "text") and callable(value.text):
        return value.text(lang)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value)) if lang == "en" else format_number(int(value), lang, 0)
    return format_number(float(value), lang, 1)


class Msg(str):
    """A message of the catalogue with its fields filled in: the English text (this string), and
    :meth:`text` in either language.

    ``en`` is the English message (a template with ``{name}`` placeholders) and has a Bahasa Indonesia
    entry in ``analysis/locale/id/LC_MESSAGES/maturasi.po``; the fields are filled in each language's
    format (:func:`_field`). Without an entry the Indonesian text is ``None`` (and
    ``tests/test_report_body_id.py`` fails).
    """

    template: str
    fields: dict

    def __new__(cls, en: str, /, **fields):
        obj = super().__new__(cls, en.format(**{k: _field(v, "en") for k, v in fields.items()}))
        obj.template, obj.fields = en, fields
        return obj

    @property
    def ind(self) -> str | None:
        """The Bahasa Indonesia text, or ``None`` when the catalogue has no entry for the template."""
        t = gettext(self.template, "id")
        if t == self.template:
            return None
        return t.format(**{k: _field(v, "id") for k, v in self.fields.items()})

    def text(self, lang: str) -> str:
        return (self.ind or str(self)) if lang == "id" else str(self)


def _both(msgs) -> tuple[str, str | None]:
    """English and Bahasa Indonesia text of one or several messages (joined by a space); the Indonesian
    text is ``None`` when a message has no entry (plain strings count as untranslated)."""
    msgs = [msgs] if isinstance(msgs, str) else list(msgs)
    en = " ".join(str(m) for m in msgs)
    ind = [m.ind if isinstance(m, Msg) else getattr(m, "ind", None) for m in msgs]
    return en, (None if any(i is None for i in ind) else " ".join(ind))


def inline_html(msgs) -> str:
    """One or several messages in English, then in Bahasa Indonesia (italic, after " / ")."""
    en, ind = _both(msgs)
    if ind is None or ind == en:
        return html.escape(en)
    return f"{html.escape(en)} <span class='id' lang='id'>/ {html.escape(ind)}</span>"


def caption_html(en: str, fields: dict | None = None) -> str:
    """A caption in English, then in Bahasa Indonesia (italic, after " / ", as in the headings).

    ``en`` is a message of the catalogue; a template's ``{name}`` placeholders are filled from ``fields``
    in each language's number format (:func:`analysis.i18n.format_number`). Without an Indonesian entry
    only the English text is shown (``tests/test_report_captions_id.py`` fails for such a caption).
    """
    return inline_html(Msg(en, **(fields or {})))


def _alt(n: int, caption: str, fields: dict | None) -> str:
    """The alt text of figure ``n``: its caption in English, then in Bahasa Indonesia."""
    en, ind = _both(Msg(caption, **(fields or {})))
    return html.escape(f"Figure {n}: {en}" + (f" / Gambar {n}: {ind}" if ind else ""), quote=True)


def _fmt(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    if hasattr(v, "text") and callable(v.text):   # a Term, Msg or Join: English over Bahasa Indonesia
        en, ind = v.text("en"), v.text("id")
        return html.escape(en) if ind == en else f"{html.escape(en)}<br><span class='id'>{html.escape(ind)}</span>"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}".replace(",", " ")
    if isinstance(v, (float, np.floating)):
        return f"{v:.{digits}f}" if digits >= 0 else f"{int(round(v)):,}".replace(",", " ")
    s = str(v)
    return "—" if s.lower() in ("nan", "none", "<na>") else html.escape(s)


@dataclass
class Document:
    """An HTML report under construction: sections, numbered figures and tables, warnings."""

    title: str
    parts: list[str] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)
    n_fig: int = 0
    n_tab: int = 0

    def section(self, en: str, anchor: str, *, page_break: bool = False) -> None:
        n = len(self.sections) + 1
        self.sections.append((anchor, en))
        cls = " class='newpage'" if page_break else ""
        self.parts.append(f"<h2 id='{anchor}'{cls}>{n}. {html.escape(en)} <span class='id'>/ "
                          f"{html.escape(gettext(en, 'id'))}</span></h2>")

    def sub(self, en: str) -> None:
        ind = gettext(en, "id")
        tail = "" if ind == en else f" <span class='id'>/ {html.escape(ind)}</span>"
        self.parts.append(f"<h3>{html.escape(en)}{tail}</h3>")

    def p(self, text: str, *, raw: bool = False) -> None:
        """A paragraph as given (the method texts: :func:`_method` follows it with its Indonesian text)."""
        self.parts.append(f"<p>{text if raw else html.escape(text)}</p>")

    def id_p(self, text: str) -> None:
        """A paragraph in Bahasa Indonesia."""
        self.parts.append(f"<p class='idtext' lang='id'>{html.escape(text)}</p>")

    def say(self, *msgs: Msg) -> None:
        """A paragraph of messages of the catalogue: in English, then in Bahasa Indonesia (italic)."""
        en, ind = _both(msgs)
        self.p(en)
        if ind is not None and ind != en:
            self.id_p(ind)

    def items(self, lines: list[Msg]) -> None:
        """A list: each item in English, then in Bahasa Indonesia (italic, on its own line)."""
        out = []
        for x in lines:
            en, ind = _both(x)
            tail = "" if ind is None or ind == en else f"<br><span class='id' lang='id'>{html.escape(ind)}</span>"
            out.append(f"<li>{html.escape(en)}{tail}</li>")
        if out:
            self.parts.append("<ul class='bi'>" + "".join(out) + "</ul>")

    def warn(self, msg: Msg) -> None:
        """A warning in English, then in Bahasa Indonesia."""
        self.parts.append(f"<div class='warn'><b>Warning / Peringatan.</b> {inline_html(msg)}</div>")

    def formula(self, tex_like: str) -> None:
        """A displayed formula; one with words (a :class:`Msg`) also in Bahasa Indonesia, below it."""
        en, ind = _both(tex_like)
        tail = "" if ind is None or ind == en else f"<br><span class='id' lang='id'>{html.escape(ind)}</span>"
        self.parts.append(f"<div class='formula'>{html.escape(en)}{tail}</div>")

    def figure(self, fig, caption: str, *, cls: str = "", fields: dict | None = None) -> int:
        """A numbered figure; ``caption`` is an English message of the catalogue (see :func:`caption_html`)."""
        self.n_fig += 1
        self.parts.append(f"<figure class='{cls}'><img src='{_svg(fig)}' alt='{_alt(self.n_fig, caption, fields)}'>"
                          f"<figcaption><b>Figure {self.n_fig} / Gambar {self.n_fig}.</b> "
                          f"{caption_html(caption, fields)}</figcaption></figure>")
        return self.n_fig

    def figure_file(self, svg: Path, caption: str, *, width: str = "100%", fields: dict | None = None) -> int | None:
        if not svg.exists():
            return None
        self.n_fig += 1
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.read_bytes()).decode()
        alt = _alt(self.n_fig, caption, fields)
        self.parts.append(f"<figure><img src='{uri}' alt='{alt}' style='max-width:{width}'>"
                          f"<figcaption><b>Figure {self.n_fig} / Gambar {self.n_fig}.</b> "
                          f"{caption_html(caption, fields)}</figcaption></figure>")
        return self.n_fig

    def table(self, df: pd.DataFrame, caption: str, columns: dict[str, str], *, digits: dict | None = None,
              cls: str = "", split: int = 1, fields: dict | None = None) -> int:
        """A numbered table of ``df``'s ``columns`` (``{column: English heading}``), caption above.

        ``caption`` is an English message of the catalogue, filled from ``fields`` (:func:`caption_html`).

        ``split=2`` sets a long, narrow table in two side-by-side halves (rows 1…m | m+1…n).
        """
        self.n_tab += 1
        cols = [c for c in columns if c in df.columns]
        head = "".join(f"<th class='{'gap' if i and j == 0 else ''}'>{_col(columns[c])}</th>"
                       for i in range(split) for j, c in enumerate(cols))
        per = int(np.ceil(len(df) / split)) if len(df) else 0
        body = []
        for k in range(per):
            cells = []
            for i in range(split):
                if k + i * per >= len(df):
                    cells += ["<td></td>"] * len(cols)
                    continue
                r = df.iloc[k + i * per]
                for j, c in enumerate(cols):
                    v = r[c]
                    num = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                    klass = ("num " if num else "") + ("gap" if i and j == 0 else "")
                    cells.append(f"<td class='{klass.strip()}'>{_fmt(v, (digits or {}).get(c, 2))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        if per <= 25:   # a short table is never split from its caption or over two pages
            cls = f"{cls} keep".strip()
        self.parts.append(f"<table class='{cls}'><caption><b>Table {self.n_tab} / Tabel {self.n_tab}.</b> "
                          f"{caption_html(caption, fields)}</caption><thead><tr>{head}</tr></thead><tbody>"
                          + "".join(body) + "</tbody></table>")
        return self.n_tab

    def html(self, *, front: str = "") -> str:
        toc = "".join(f"<li><a href='#{a}'>{html.escape(t)} <span class='id'>/ {html.escape(gettext(t, 'id'))}"
                      f"</span></a></li>" for a, t in self.sections)
        head_title = html.escape(self.title).replace('"', "'")
        short = head_title.replace("\\", "")
        short = short if len(short) <= 60 else short[:57].rstrip(" —/") + "…"
        css = CSS.replace("@@TITLE@@", short)
        return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                f"<title>{html.escape(self.title)}</title><style>{css}</style></head><body>"
                f"{front}<nav class='toc'><h2 class='plain'>Contents <span class='id'>/ Daftar isi</span></h2>"
                f"<ol>{toc}</ol></nav>" + "\n".join(self.parts) + "</body></html>")


CSS = """
@page { size: A4; margin: 20mm 18mm 18mm 18mm;
  @top-left { content: "@@TITLE@@"; font: 7.5pt sans-serif; color: #666; }
  @top-right { content: "Maturasi methodology report"; font: 7.5pt sans-serif; color: #666; }
  @bottom-center { content: counter(page) " / " counter(pages); font: 8pt sans-serif; color: #444; } }
@page :first { @top-left { content: none; } @top-right { content: none; } }
html { font-family: "DejaVu Serif", Georgia, serif; font-size: 10pt; line-height: 1.38; color: #111; }
body { max-width: 174mm; margin: 0 auto; }
h1 { font: bold 21pt sans-serif; margin: 0 0 4mm; }
h2, h3, caption, figcaption, th, nav, .titlepage .meta, .warn { font-family: "DejaVu Sans", sans-serif; }
h2 { font-size: 14pt; margin: 0 0 3mm; border-bottom: 1px solid #999; padding-bottom: 1mm; }
h2.newpage { break-before: page; }
h2, h3 { break-after: avoid; } h2 + p, h3 + p { break-before: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; break-after: avoid; }
.id { color: #555; font-weight: normal; font-style: italic; }
p { margin: 0 0 2.2mm; text-align: justify; hyphens: auto; }
p.idtext { font-style: italic; color: #333; }
figure { margin: 3mm 0 5mm; break-inside: avoid; text-align: center; }
figure img { max-width: 100%; max-height: 225mm; }
figure.tall img { height: 188mm; }
figcaption, caption { font-size: 8.5pt; text-align: left; color: #222; margin-top: 1.5mm; }
caption { caption-side: top; margin-bottom: 1.5mm; }
table { border-collapse: collapse; width: 100%; font: 8pt "DejaVu Sans", sans-serif; margin: 3mm 0 5mm;
  break-inside: auto; }
table.small { font-size: 7pt; }
table.split, table.keep { break-inside: avoid; }
table.split td { white-space: nowrap; padding-top: 0.4mm; padding-bottom: 0.4mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { text-align: left; border-bottom: 1px solid #333; border-top: 1px solid #333; padding: 1mm 1.5mm;
  vertical-align: bottom; font-size: 7.5pt; }
td { border-bottom: 0.5px solid #ddd; padding: 0.7mm 1.5mm; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.gap, td.gap { border-left: 1px solid #999; padding-left: 3mm; }
.warn { border-left: 3px solid #c0392b; background: #fbeeee; padding: 2mm 3mm; margin: 2mm 0 3mm;
  font-size: 8.5pt; break-inside: avoid; }
.formula { font-family: "DejaVu Serif", serif; font-style: italic; text-align: center; margin: 2mm 0 3mm; }
.titlepage { height: 250mm; display: flex; flex-direction: column; justify-content: center; break-after: page; }
.titlepage .sub { font: 13pt sans-serif; color: #333; margin-bottom: 8mm; }
.titlepage .meta td { border: none; padding: 0.8mm 3mm 0.8mm 0; font-size: 9.5pt; }
.synthetic { border: 2px solid #c0392b; color: #c0392b; font: bold 11pt sans-serif; padding: 3mm; margin: 8mm 0; }
nav.toc { margin-bottom: 8mm; } nav.toc ol { font-size: 10.5pt; line-height: 1.8; }
nav.toc a { color: #111; text-decoration: none; } h2.plain { border: none; }
ol.refs li { margin-bottom: 1.5mm; font-size: 9pt; }
ul.bi li { margin-bottom: 1.8mm; text-align: left; break-inside: avoid; } ul.bi li .id { color: #333; }
p + p.idtext, p.idtext + ul.bi { break-before: avoid; }
blockquote.quoted { margin: 0 0 3mm 6mm; padding-left: 3mm; border-left: 2px solid #bbb; color: #333; }
.formula .id { font-size: 9pt; }
@media screen { body { padding: 10mm; } h2.newpage { margin-top: 12mm; } .titlepage { height: auto; } }
"""


# --- helpers reading the run ------------------------------------------------------------------------
def _read(run: Path, name: str, **kw) -> pd.DataFrame | None:
    p = run / "tables" / f"{name}.csv"
    return pd.read_csv(p, dtype={"uCode": str, "unit": str, "medoid": str}, **kw) if p.exists() else None


def _method(doc: Document, step: str, choice: str | None = None) -> None:
    """The method text of ``step`` in English, then in Bahasa Indonesia (``methodology/methods/*.id.md``)."""
    en = method_text(step, choice)
    doc.p(en)
    ind = method_text(step, choice, lang="id")
    if ind and ind != en:
        doc.id_p(ind)


def kit_own_nodes(framework) -> list[str]:
    """Codes of the framework's nodes whose ``source`` marks them as the kit's own proposal or inference."""
    return [c for c, n in framework.nodes.items() if n.source and "kit's own" in n.source.lower()]


def caveats(result, run_dir, *, sobol_small: int = 512) -> list[Msg]:
    """Limitations that the run's results call for, one sentence each (messages of the catalogue: the
    English text, and the Bahasa Indonesia one as ``.ind``).

    Generated from the run: optimised weights at zero, small-N or negative Sobol' estimates, weight
    sets that change the level of most units, wide rank intervals, typology structure, the framework's
    parts marked "kit's own", synthetic data, imputed cells.
    """
    run = Path(run_dir)
    out: list[Msg] = []
    fw = result.framework
    note = str(result.spec.get("note") or "")
    if "synthetic" in note.lower() or "sintetis" in note.lower():
        out.append(Msg("The data are synthetic demonstration data: no statement in this report describes a real "
                       "kabupaten/kota, and the numbers must not be cited as results."))
    own = kit_own_nodes(fw)
    if own:
        n_ind = sum(1 for c in own if c in fw.indicators)
        out.append(Msg("{own} of the framework's {nodes} nodes ({ind} indicators) are marked \"kit's own\" in their "
                       "source: they are this kit's proposal or inference, not taken from a published document; "
                       "conclusions about them are conclusions about the proposal.",
                       own=len(own), nodes=len(fw.nodes), ind=n_ind))
    s2 = load_summary(run, "02_weighting")
    for node, o in (s2.get("optimised") or {}).items():
        z = o.get("zero_weights") or []
        if z:
            out.append(Msg("Optimised weights under {node}: {count} component(s) ({codes}) received a weight of about "
                           "zero — the optimisation removes them from the index; such a weight set is a diagnostic, "
                           "not a recommendation.", node=str(node), count=len(z), codes=", ".join(map(str, z[:6]))))
    ws = _read(run, "weights_summary")
    if ws is not None and "level_changes" in ws:
        n_units = len(result.ranks) if result.year is None else None
        from ..audit import cross_section

        n_units = n_units or len(cross_section(result, year=None))
        for _, r in ws.iterrows():
            lc = r.get("level_changes")
            if pd.notna(lc) and lc > 0.5 * n_units:
                out.append(Msg("Under {set}, {changed} of {n} units ({share}%) change maturity level: the levels "
                               "depend on the weighting more than on the data for most units.", set=_n(r["set"]),
                               changed=int(lc), n=n_units, share=Num(100 * lc / n_units, 0)))
    s3 = load_summary(run, "03_uncertainty_sensitivity")
    if s3.get("sobol"):
        n_s = s3.get("sobol_N")
        neg = [r["factor"] for r in s3["sobol"] if r.get("S1", 0) < 0]
        wide = [r["factor"] for r in s3["sobol"] if r.get("S1_conf", 0) > 0.1]
        if n_s is not None and n_s < sobol_small:
            out.append(Msg("The Sobol' indices rest on a base sample of N = {N} ({runs} model runs); below about "
                           "{small} the estimates are rough — read them as an ordering of the factors, not as shares "
                           "of variance.", N=n_s, runs=s3.get("sobol_runs") or "—", small=sobol_small))
        if neg:
            out.append(Msg("Negative first-order estimates for {factors}: a first-order index cannot be negative, so "
                           "these are estimation noise around a small true value.", factors=Join(map(_n, neg))))
        if wide:
            out.append(Msg("The 95% confidence interval of the first-order index is wider than ±0.1 for {factors}: "
                           "increase the Sobol' sample size before relying on them.", factors=Join(map(_n, wide))))
    w = s3.get("median_interval_width")
    if w is not None and w > 50:
        out.append(Msg("The median 90% rank interval spans {width} places: single ranks are not meaningful for most "
                       "units; report levels or rank bands instead.", width=Num(w, 0)))
    s4 = load_summary(run, "04_clustering")
    if s4 and not s4.get("structure", True):
        if s4.get("method") == "hdbscan":      # k = 0 or 1: HDBSCAN made no partition at all
            out.append(Msg("HDBSCAN found no cluster structure (k = {k}): it made no partition of the units into "
                           "types; units in no cluster are noise (label −1).", k=int(s4.get("k") or 0)))
        elif s4.get("k") == 1:                 # the gap statistic chose k = 1: one group of all units
            out.append(Msg("The gap statistic found no cluster structure: all units form one group, so the "
                           "typology makes no partition."))
        else:
            out.append(Msg("The clustering found no clear structure: the typology is a partition of a continuum."))
    if s4.get("mean_ari") is not None and s4["mean_ari"] < 0.6:
        out.append(Msg("The typology is not stable under resampling (mean adjusted Rand index {ari}); cluster "
                       "membership of units near the borders is uncertain.", ari=Num(s4["mean_ari"], 2)))
    s1 = load_summary(run, "01_data_audit")
    if s1 and s1.get("availability", 1) < 0.95:
        out.append(Msg("{missing}% of the data cells were missing and were imputed ({method}); imputed values carry "
                       "no information about the unit itself.", missing=Num(100 * (1 - s1["availability"]), 1),
                       method=_n((result.spec.get("impute") or {}).get("method", "none"))))
    if "reference_year" in (result.spec.get("normalise") or {}):
        out.append(Msg("The normalisation is fitted on one reference year; scores of later years can leave the "
                       "0–100 range and compare with that year's yardstick, not with each other's."))
    return out


def _num_text(x: str) -> Num:
    """A number written in an English message (``0.55``, ``1e+02``) as a :class:`Num` with the same decimals."""
    dec = len(x.split(".")[1]) if "." in x and "e" not in x.lower() else 0
    return Num(float(x), dec)


def cluster_note(note: str) -> list[Msg | str]:
    """A note of the typology (``analysis.cluster`` and ``report.steps.write_typology``, English) as messages
    of the catalogue; a note of another form is returned as it is (English only)."""
    import re

    from ..cluster import NO_STRUCTURE

    t = str(note).strip().rstrip(".")
    tail = None
    if t.endswith("; " + NO_STRUCTURE):
        t, tail = t[: -len(NO_STRUCTURE) - 2], Msg("No cluster structure: the gap statistic chooses k = 1 (the "
                                                   "data are no more clustered than uniform reference data; "
                                                   "Tibshirani et al. 2001).")
    if m := re.fullmatch(r"k = (\d+) by (\w+)(?:, agreeing with (.+?))? \((.*)\)", t):
        k, by, agree, others = m.groups()
        msg = (Msg("k = {k} chosen by {by}, agreeing with {agree} (the other criteria: {others}).", k=int(k), by=by,
                   agree=agree, others=others) if agree else
               Msg("k = {k} chosen by {by} (the other criteria: {others}).", k=int(k), by=by, others=others))
        return [msg, tail] if tail else [msg]
    if m := re.fullmatch(re.escape(NO_STRUCTURE) + r": all (\d+) units form one group; give k \(--k\) to force a "
                         r"partition", t):
        return [Msg("No cluster structure: the gap statistic chooses k = 1 (the data are no more clustered than "
                    "uniform reference data; Tibshirani et al. 2001); all {n} units form one group — give k (--k) "
                    "to force a partition.", n=int(m.group(1)))]
    if m := re.fullmatch(r"HDBSCAN found no cluster structure \(k = 0: all (\d+) units are noise, label −1\)", t):
        return [Msg("HDBSCAN found no cluster structure (k = 0: all {n} units are noise, label −1).",
                    n=int(m.group(1)))]
    if m := re.fullmatch(r"HDBSCAN found no cluster structure \(k = 1: one cluster of (\d+) units, (\d+) units are "
                         r"noise, label −1\)", t):
        return [Msg("HDBSCAN found no cluster structure (k = 1: one cluster of {size} units, {noise} units are noise, "
                    "label −1).", size=int(m.group(1)), noise=int(m.group(2)))]
    if m := re.fullmatch(r"cluster (\d+) is unstable: mean bootstrap Jaccard ([\d.]+) < ([\d.]+)", t):
        return [Msg("Cluster {c} is unstable: mean bootstrap Jaccard {j} < {limit}.", c=m.group(1),
                    j=_num_text(m.group(2)), limit=_num_text(m.group(3)))]
    if m := re.fullmatch(r"(\d+) units are outliers \(label −1\)", t):
        return [Msg("{n} units are outliers (label −1).", n=int(m.group(1)))]
    if m := re.fullmatch(r"(\d+) units have no boundary \(see tables/map_unmatched\.csv\)", t):
        return [Msg("{n} units have no boundary (see tables/map_unmatched.csv).", n=int(m.group(1)))]
    if t == "no boundary file given: maps skipped":
        return [Msg("No boundary file given: maps skipped.")]
    return [f"{t}."]


def path_message(message: str) -> Msg | str:
    """The outcome of a path to a target (:func:`analysis.scenario.path_to_target`, English) as a message of
    the catalogue; a message of another form is returned as it is."""
    import re

    t = str(message)
    fixed = {"target reached": Msg("target reached"),
             "target reached (local optimum, not exact)": Msg("target reached (local optimum, not exact)"),
             "already at or above the target": Msg("already at or above the target")}
    if t in fixed:
        return fixed[t]
    num = r"(-?[\d.]+(?:e[+-]?\d+)?)"
    if m := re.fullmatch(r"unreachable: moving every indicator to its limit gives " + num + " < target " + num, t):
        return Msg("unreachable: moving every indicator to its limit gives {best} < target {target}",
                   best=_num_text(m.group(1)), target=_num_text(m.group(2)))
    if m := re.fullmatch(r"unreachable within the limits: the best reachable score is " + num + " < target " + num,
                         t):
        return Msg("unreachable within the limits: the best reachable score is {best} < target {target}",
                   best=_num_text(m.group(1)), target=_num_text(m.group(2)))
    return t


def _method_section(doc: Document, result, T: pd.DataFrame) -> None:
    sp = result.spec
    fw = result.framework
    imp = sp.get("impute") or {}
    trt = sp.get("treat") or {}
    nrm = sp.get("normalise") or {}
    agg = sp.get("aggregate") or {}
    doc.section("Method", "method")
    doc.say(Msg("Each step below is generated from the build spec of this run and follows the OECD/JRC Handbook "
                "(2008); the computations agree with COINr where COINr has the method. Notation: x_ui is the value "
                "of indicator i for unit u, y_ui its normalised value, w_i its weight within its parent."))
    rows = []
    doc.sub("Imputation")
    m = imp.get("method", "none")
    by = Term(imp["by"], gettext(str(imp["by"]).capitalize(), "id").lower()) if imp.get("by") else None
    txt = [Msg("Method: {method}, groups: {by}.", method=_n(m), by=by) if by is not None
           else Msg("Method: {method}.", method=_n(m))]
    if m.startswith("group_"):
        txt.append(Msg("A missing x_ui is replaced by the {stat} of indicator i over the units of u's {by} in the "
                       "same year.", stat=_n("median" if "median" in m else "mean"), by=by or _n("group")))
    doc.say(*txt)
    _method(doc, "impute", m)
    rows.append((Term("Imputation"), _n(m)))
    doc.sub("Outlier treatment")
    m = trt.get("method", "none")
    if m == "winsorise":
        doc.say(Msg("An indicator is treated when its skewness exceeds {skew} in absolute value and its kurtosis "
                    "exceeds {kurt} (Handbook 2008; COINr's default rule). The most extreme value is set to the next "
                    "one, one point at a time, up to {winmax} points; an indicator still outside the limits is "
                    "treated by {fallback} instead:", skew=Num(trt.get("skew", 2), None),
                    kurt=Num(trt.get("kurt", 3.5), None), winmax=trt.get("winmax", 5),
                    fallback=_n(trt.get("fallback", "log"))))
        doc.formula(Msg("x′ = ln(x − min(x) + 1)  when Winsorisation fails"))
    else:
        doc.say(Msg("Method: {method}.", method=_n(m)))
    _method(doc, "treat", m)
    rows.append((Term("Outlier treatment"),
                 Msg("{method} (|skew| > {skew}, kurtosis > {kurt}, at most {winmax} points)", method=_n(m),
                     skew=Num(trt.get("skew", 2), None), kurt=Num(trt.get("kurt", 3.5), None),
                     winmax=trt.get("winmax", 5)) if m == "winsorise" else _n(m)))
    doc.sub("Normalisation")
    m = nrm.get("method", "minmax")
    lo, hi = (nrm.get("range") or [0, 100])[:2]
    formulas = {"minmax": f"y_ui = {lo} + ({hi} − {lo}) · (x_ui − min_u x_ui) / (max_u x_ui − min_u x_ui)",
                "zscore": "y_ui = (x_ui − mean_u x_ui) / sd_u x_ui",
                "prank": Msg("y_ui = percentile rank of x_ui among the units"),
                "goalposts": Msg("y_ui = 100 · (x_ui − L_i) / (U_i − L_i), clipped to [0, 100]")}
    doc.say(Msg("Method: {method}, range [{lo}, {hi}]; indicators with direction −1 are reversed first (x ↦ −x).",
                method=_n(m), lo=Num(lo, None), hi=Num(hi, None)))
    if m in formulas:
        doc.formula(formulas[m])
    ov = nrm.get("overrides") or {}
    if ov:
        doc.say(Msg("Exceptions: {exceptions} (goalposts L_i, U_i from the framework: {formula}).",
                    exceptions=Join((Msg("{code} by {method}", code=str(c), method=_n((v or {}).get("method", "?")))
                                     for c, v in ov.items()), "; "), formula=formulas["goalposts"]))
    if nrm.get("reference_year"):
        doc.say(Msg("min and max are taken from the reference year {year} and applied to every year, so that scores "
                    "compare across years.", year=str(nrm["reference_year"])))
    _method(doc, "normalise", m)
    rows.append((Term("Normalisation"), Join((_n(m), f"[{lo}, {hi}]"), " ") if not ov else
                 Msg("{method} [{lo}, {hi}], {count} exceptions", method=_n(m), lo=Num(lo, None), hi=Num(hi, None),
                     count=len(ov))))
    doc.sub("Weights")
    w = sp.get("weights")
    dims = fw.children(fw.root)
    doc.say(Msg("Weights: {weights}. Within each parent the weights are renormalised to sum to one; the index has "
                "{d} dimensions with nominal weights {list}.", weights=_n(w), d=len(dims),
                list=Join(Join((_node(fw, d), Num(fw.nodes[d].weight, None)), " ") for d in dims)))
    _method(doc, "weights")
    rows.append((Term("Weights"), _n(w)))
    doc.sub("Aggregation")
    m = agg.get("method", "arithmetic")
    af = {"arithmetic": "I_u = Σ_i w_i y_ui / Σ_i w_i", "geometric": "I_u = Π_i y_ui^(w_i / Σ w)",
          "mazziotta_pareto": Msg("MPI_u = M_u − S_u · cv_u  (mean, standard deviation and coefficient of variation "
                                  "of the standardised y_ui)")}
    txt = [Msg("Method: {method} at every level (indicators → elements → dimensions → index).", method=_n(m))]
    if agg.get("min_share"):
        txt.append(Msg("An aggregate is computed only when at least {share}% of its weight is observed.",
                       share=Num(100 * agg["min_share"], 0)))
    doc.say(*txt)
    if m in af:
        doc.formula(af[m])
    _method(doc, "aggregate", m)
    rows.append((Term("Aggregation"), Msg("{method}, min. share {share}", method=_n(m),
                                          share=Num(agg["min_share"], None)) if agg.get("min_share") else _n(m)))
    lv = sp.get("levels") or {}
    if lv.get("bands"):
        doc.sub("Levels (bands)")
        labs = lv.get("labels") or []
        labs_id = lv.get("labels_id") or []
        lab = [Term(x, labs_id[i] if i < len(labs_id) else x) for i, x in enumerate(labs)]
        doc.say(Msg("Levels are bands of the index: {bands} (below {first}: {label}).",
                    bands=Join((Msg("{label}: index ≥ {limit}", label=lab[i], limit=Num(b, None))
                                for i, b in enumerate(lv["bands"], 1) if i < len(lab)), "; "),
                    first=Num(lv["bands"][0], None), label=lab[0] if lab else _n("first level")))
        _method(doc, "levels")
        rows.append((Term("Levels (bands)"), Join(Num(b, None) for b in lv["bands"])))
    doc.table(pd.DataFrame(rows, columns=["step", "value"], dtype=object), "The method of this run in one table "
              "(from the build spec).", {"step": "Setting", "value": "Value"})


def report_html(result, run_dir, *, title: str = "", year=None, inputs: dict | None = None,
                seeds: dict | None = None) -> str:
    """The whole report as one self-contained HTML document (figures as SVG data URIs).

    Parameters
    ----------
    result : Result
        The build of this run (framework, spec, scores).
    run_dir : path
        The run folder: ``tables/`` and ``state/`` written by the notebooks.
    title : str
        The run's title.
    year : int, optional
        The year reported (default: the latest).
    inputs : dict, optional
        ``{name: path}`` of the run's input files, hashed in the appendix (paths shown relative).
    seeds : dict, optional
        The seeds of the run's random steps.
    """
    from .. import figures as F
    from ..audit import cross_section, units_of
    from ..levels import Bands, rank_desc
    from ..manifest import package_versions, sha256

    run = Path(run_dir)
    fw = result.framework
    root = fw.root
    T = cross_section(result, year=year)
    u = units_of(result, year)
    names = u["uName"] if "uName" in u else pd.Series(T.index, index=T.index)
    prov = u["province"] if "province" in u else None
    dims = fw.children(fw.root)
    sp = result.spec
    yr = year if year is not None else (result.years[-1] if getattr(result, "years", None) else None)
    title = title or fw.meta.get("title", fw.name)
    doc = Document(title=title)
    S = {s: load_summary(run, s) for s in ("01_data_audit", "02_weighting", "03_uncertainty_sensitivity",
                                           "04_clustering", "05_scenarios")}
    note = str(sp.get("note") or "")
    synthetic = "synthetic" in note.lower() or "sintetis" in note.lower()
    bands = Bands.from_spec(sp.get("levels"))
    score = T[root]
    rank = pd.Series(rank_desc(score.to_numpy()).astype(int), index=T.index)
    # the ranking tables show the level's English label (Table "Units per maturity level" gives both labels):
    # two labels in a narrow column wrap every row and push the tables apart
    level = pd.Series(bands.assign(score.to_numpy()), index=T.index) if bands is not None else None
    n = len(T)

    # --- title page -------------------------------------------------------------------------------
    meta_rows = [("Framework / Kerangka", f"{fw.meta.get('title', fw.name)}"),
                 ("", f"<span class='id'>{html.escape(str(fw.meta.get('nama', '')))}</span>"),
                 ("Data", html.escape(relative((inputs or {}).get("data")))),
                 ("Year / Tahun", "—" if yr is None else str(yr)), ("Units / Daerah", f"{n} kabupaten/kota"),
                 ("Indicators / Indikator", str(len(fw.indicators)))]
    front = (f"<section class='titlepage'><h1>{html.escape(title)}</h1>"
             "<div class='sub'>Methodology report / Laporan metodologi</div><table class='meta'>"
             + "".join(f"<tr><td><b>{k}</b></td><td>{v if '<span' in v else html.escape(v)}</td></tr>"
                       for k, v in meta_rows) + "</table>"
             + (f"<div class='synthetic'>{html.escape(bilingual('Synthetic demonstration data'))}<br>"
                f"<span style='font-weight:normal;font-size:9pt'>{html.escape(note)}</span></div>" if synthetic
                else (f"<p class='note'>{html.escape(note)}</p>" if note else ""))   # the spec's own words
             + "<p style='font:9pt sans-serif;color:#555'>" + inline_html(Msg(
                 "Generated by Maturasi from the run's build spec and results; every number in the text is "
                 "computed, not typed.")) + "</p></section>")

    # --- summary ----------------------------------------------------------------------------------
    cav = caveats(result, run)
    doc.section("Summary", "summary", page_break=False)
    lv_counts = level.value_counts() if level is not None else None
    top = rank.idxmin()
    s3 = S["03_uncertainty_sensitivity"]
    st_top = max(s3.get("sobol") or [{}], key=lambda r: r.get("ST", -1)) if s3.get("sobol") else None
    title_fw = Term(fw.meta.get("title", fw.name), fw.meta.get("nama") or fw.meta.get("title", fw.name))
    txt = [Msg("The {title} was computed for {n} units and {k} indicators in {year}.", title=title_fw, n=n,
               k=len(fw.indicators), year=str(yr)) if yr is not None else
           Msg("The {title} was computed for {n} units and {k} indicators.", title=title_fw, n=n,
               k=len(fw.indicators)),
           Msg("The index has median {median} (range {lo}–{hi}); the highest score is {top} ({score}).",
               median=Num(score.median()), lo=Num(score.min()), hi=Num(score.max()), top=str(names.get(top, top)),
               score=Num(score[top]))]
    if lv_counts is not None:
        txt.append(Msg("Levels: {counts}.", counts=Join(Msg("{level}: {count} units", level=_level_term(bands, lab),
                                                            count=int(lv_counts.get(lab, 0))) for lab in bands.labels)))
    if s3.get("median_interval_width") is not None:
        txt.append(Msg("Under the uncertainty analysis ({runs} Monte Carlo runs) the median 90% rank interval spans "
                       "{width} places.", runs=s3["runs"], width=Num(s3["median_interval_width"], 0)))
    if st_top:
        txt.append(Msg("The most influential choice is the {factor} (total-order Sobol' index {st}).",
                       factor=_n(st_top["factor"]), st=Num(st_top["ST"], 2)))
    txt.append(Msg("The section on limitations lists {count} caveats generated from these results.", count=len(cav)))
    doc.say(*txt)

    # --- data and coverage ------------------------------------------------------------------------
    doc.section("Data and coverage", "data", page_break=True)
    s1 = S["01_data_audit"]
    av = _read(run, "audit_availability_indicators")
    rows = []
    for d in dims:
        ind = fw.indicators_under(d)
        a = av.set_index("iCode").reindex(ind)["available"] if av is not None else pd.Series(dtype=float)
        rows.append({"dim": f"{fw.nodes[d].name} / {fw.nodes[d].nama or ''}", "k": len(ind),
                     "w": fw.nodes[d].weight, "avail": 100 * a.mean() if len(a) else np.nan,
                     "low": 100 * a.min() if len(a) else np.nan,
                     "src": (fw.nodes[d].source or "—")[:140]})
    txt = [Msg("Data file: {file}. {n} units, {k} indicators in {d} dimensions.",
               file=relative((inputs or {}).get("data")), n=n, k=len(fw.indicators), d=len(dims))]
    if s1:
        txt.append(Msg("Mean data availability {avail}% (lowest unit {low}%); {flags} indicators flagged for "
                       "skewness and kurtosis.", avail=Num(100 * s1["availability"]),
                       low=Num(100 * s1["min_unit_availability"]), flags=s1["outlier_flags"]))
    doc.say(*txt)
    doc.table(pd.DataFrame(rows), "Dimensions of the framework: number of indicators, nominal weight, data "
              "availability (% of units with a value; mean and lowest indicator) and the source of the dimension.",
              {"dim": "Dimension", "k": "Indicators", "w": "Weights", "avail": "Data availability",
               "low": "Lowest availability", "src": "Source"}, digits={"avail": 1, "low": 1, "w": 2}, cls="small")
    raw = cross_section(result, "raw", year, aggregates=False)
    doc.figure(F.missingness(raw, fw), "Missing data: units (rows, most missing on top) × indicators (columns, "
               "grouped by dimension); black = missing. All {n} units are shown.", fields={"n": n})

    _method_section(doc, result, T)

    # --- results ----------------------------------------------------------------------------------
    doc.section("Results", "results")
    if bands is not None:
        doc.figure(F.index_histogram(score, list(bands.bands), bands.labels, xlabel=f"{fw.nodes[root].name} / "
                                     f"{fw.nodes[root].nama or ''}"),
                   "Distribution of the index over the {n} units, coloured by maturity level (dashed: level "
                   "limits). Number of units per level in brackets.", fields={"n": n})
        lvt = _read(run, "report_levels")
        if lvt is not None:
            lvt["share"] = 100 * lvt["units"] / lvt["units"].sum()
            doc.table(lvt, "Units per maturity level.", {"level": "Level", "tingkat": "Level (Bahasa Indonesia)",
                      "from score":
                      "From score", "units": "Units", "share": "Share of units (%)"}, digits={"share": 1})
    rs = _read(run, "ua_rank_stats")
    rs = rs.set_index("uCode") if rs is not None else None
    tab = pd.DataFrame({"rank": rank, "name": names.reindex(T.index), "prov": prov.reindex(T.index) if prov is not
                        None else "", "score": score, "level": level if level is not None else ""})
    if rs is not None:
        tab["interval"] = [f"{rs.at[c, 'Q5']:.0f}–{rs.at[c, 'Q95']:.0f}" if c in rs.index else "—" for c in tab.index]
    tab = tab.sort_values("rank")
    cols = {"rank": "Rank", "name": "Unit", "prov": "Province", "score": "Index", "level": "Level",
            "interval": "Rank interval"}
    doc.table(tab.head(15), "The 15 units with the highest index, with the 5–95% rank interval from the "
              "uncertainty analysis.", cols, digits={"score": 1})
    doc.table(tab.tail(15), "The 15 units with the lowest index.", cols, digits={"score": 1})
    mp = run / "figures" / "map_index.svg"
    if mp.exists():
        doc.figure_file(mp, "Map of the index (boundary file of the run).")
    try:
        from ..select import ascn_pilots

        asc = ascn_pilots(tab.rename_axis("uCode"))
    except Exception:  # noqa: BLE001 - without the reference table the section is left out
        asc = None
    if asc is not None and len(asc):
        asc = asc.assign(joined=asc["ascn_pilot"].astype("Int64").astype(str))
        # a reference table in small type: it, the roll-up heading and the province figure share a page
        doc.table(asc, "Members of the ASEAN Smart Cities Network (ASCN) among the units, with the year they joined. "
                  "ASCN publishes no score or ranking: membership is shown for reference, not as a benchmark.",
                  {**cols, "joined": "ASCN member since"}, digits={"score": 1}, cls="small")
    if prov is not None:
        doc.sub("Province roll-up")
        if not mp.exists():
            doc.say(Msg("No boundary file was given to this run (config key boundaries), so no map is drawn; the "
                        "geography is shown by province."))
        from ..rollup import rollup

        try:
            wcol = "population" if "population" in u else None
            ru = rollup(result, "provinsi", weight=wcol).reset_index()
            if "year" in ru and yr is not None:
                ru = ru[ru["year"] == yr]
            ru = ru[ru["measure"] == root].sort_values("mean", ascending=False)
        except Exception:  # noqa: BLE001 - a roll-up that cannot be formed is left out, not fatal
            ru = None
        means = prov.reindex(T.index).to_frame("p").assign(s=score).groupby("p")["s"].mean()
        doc.figure(F.province_strip(score, prov.reindex(T.index), means, xlabel=fw.nodes[root].name or root),
                   "The index of every unit (dots, all {n}) by province, provinces sorted by their unweighted "
                   "mean (red bar). A province's mean is a summary of its units, not an index of the province.",
                   fields={"n": n})
        if ru is not None and len(ru):
            doc.table(ru, "Province roll-up of the index (analysis.rollup): units, unweighted mean (every "
                      "kabupaten/kota counts once) and population-weighted mean (the score of the average resident).",
                      {"uName": "Province", "n_units": "Units", "mean": "Mean",
                       "weighted_mean": "Population-weighted mean"}, digits={"mean": 1, "weighted_mean": 1},
                      cls="small split", split=2)

    # --- robustness ---------------------------------------------------------------------------------
    if s3:
        doc.section("Robustness", "robustness")
        doc.sub("Uncertainty analysis")
        doc.say(Msg("{runs} Monte Carlo runs (seed {seed}) vary {factors} at once; every run rebuilds the index and "
                    "ranks the units (Saisana, Saltelli & Tarantola 2005). The rank interval of a unit is the 5th to "
                    "95th percentile of its ranks.", runs=s3["runs"], seed=str(s3.get("seed", "—")),
                    factors=Join(map(_n, s3["factors"]))))
        if rs is not None:
            wid = (rs["Q95"] - rs["Q5"])
            doc.say(Msg("Interval width: median {median} places, 90th percentile {p90}; {wide} of {n} units have an "
                        "interval wider than 100 places.", median=Num(wid.median(), 0), p90=Num(wid.quantile(0.9), 0),
                        wide=int((wid > 100).sum()), n=len(rs)))
        ls = _read(run, "ua_level_shares")
        if ls is not None:
            p = ls.drop(columns=["uCode"]).max(axis=1)
            doc.say(Msg("Level stability: {stable} of {n} units keep their most likely level in at least 90% of the "
                        "runs; {unsure} have no level with a probability of one half.", stable=int((p >= 0.9).sum()),
                        n=len(ls), unsure=int((p < 0.5).sum())))
        if rs is not None:
            parts = max(1, int(np.ceil(len(rs) / 180)))   # at most 90 rows per column: 5.5 pt labels at A4
            per = int(np.ceil(len(rs) / parts))
            for i in range(parts):
                a, b = i * per, min(len(rs), (i + 1) * per)
                doc.figure(F.rank_interval_columns(rs, rs["uName"] if "uName" in rs else None, start=a, stop=b,
                                                   ncols=2, height=7.4, label_size=5.3),
                           "Rank intervals of all {total} units, part {part} of {parts} (nominal ranks "
                           "{first}–{last}): line = 5–95% interval, dot = median, black tick = nominal rank. The 10 "
                           "best units are green, the 10 worst red.", cls="tall",
                           fields={"total": len(rs), "part": i + 1, "parts": parts, "first": a + 1, "last": b})
        si = _read(run, "ua_sobol")
        if si is not None:
            doc.sub("Sensitivity analysis")
            n_s = s3.get("sobol_N")
            if s3.get("sobol_runs"):
                txt = Msg("Sobol' first-order (S_i) and total-order (S_Ti) indices of the output '{output}', "
                          "estimated with Saltelli's design and estimators (Saltelli et al. 2010) via SALib; base "
                          "sample N = {N} ({runs} model runs), 95% bootstrap confidence intervals.",
                          output=_n(s3.get("output")), N=n_s if n_s else "—", runs=s3["sobol_runs"])
            else:
                txt = Msg("Sobol' first-order (S_i) and total-order (S_Ti) indices of the output '{output}', "
                          "estimated with Saltelli's design and estimators (Saltelli et al. 2010) via SALib; base "
                          "sample N = {N}, 95% bootstrap confidence intervals.", output=_n(s3.get("output")),
                          N=n_s if n_s else "—")
            doc.say(txt, Msg("S_i is the share of the output variance due to the factor alone; S_Ti includes its "
                             "interactions."))
            from ..uncertainty.figures import sobol_bars

            si2 = si.set_index("factor").rename(index=_n)
            doc.figure(sobol_bars(si2, title=""), "Sobol' first-order and total-order indices with 95% confidence "
                       "intervals.")
            si["name"] = _names(si["factor"])
            doc.table(si, "Sobol' indices with the half-width of their 95% confidence intervals.",
                      {"name": "Factor", "S1": "First-order index", "S1_conf": "± (95%)", "ST": "Total-order index",
                       "ST_conf": "± (95%)"}, digits={"S1": 3, "S1_conf": 3, "ST": 3, "ST_conf": 3})
            neg = si[si["S1"] < 0]
            if len(neg):
                doc.warn(Msg("Negative first-order estimates ({factors}): a variance share cannot be negative; these "
                             "factors have a first-order effect near zero that the sample cannot resolve.",
                             factors=Join(map(_n, neg["factor"]))))
            if n_s is not None and n_s < 512:
                doc.warn(Msg("Small Sobol' sample (N = {N}): the indices are rough estimates; the convergence table "
                             "shows how much they still move.", N=n_s))
            cv = _read(run, "ua_sobol_convergence")
            if cv is not None and len(cv):
                cv["name"] = _names(cv["factor"])
                doc.table(cv, "Convergence: the same indices estimated on the first quarter, half and all of the "
                          "base sample. Indices that still move between the rows have not converged.",
                          {"n": "Base sample", "runs": "Model runs", "name": "Factor", "S1": "First-order index",
                           "ST": "Total-order index"}, digits={"S1": 3, "ST": 3}, cls="small")

    # --- weighting alternatives ------------------------------------------------------------------
    s2 = S["02_weighting"]
    if s2:
        doc.section("Weighting alternatives", "weights")
        doc.say(Msg("The index is recomputed with each alternative weight set, everything else unchanged, and "
                    "compared with the nominal (framework) weights: {sets}.", sets=Join(map(_n, s2["sets"]))))
        W = _read(run, "weights")
        if W is not None:
            W = W.set_index(W.columns[0]).rename_axis(None)
            Wd = W.reindex(dims)
            doc.figure(F.dimension_weight_bars(Wd, labels={d: fw.nodes[d].name or d for d in dims},
                                               set_labels={c: _n(c) for c in W.columns}),
                       "Weight of each dimension within the index under each weight set.")
        ws = _read(run, "weights_summary")
        if ws is not None:
            ws["name"] = _names(ws["set"])
            doc.table(ws, "Each weight set against the nominal weights ({n} units).",
                      {"name": "Weight set", "spearman": "Rank correlation with the nominal set",
                       "mean_abs_shift": "Mean rank shift", "max_abs_shift": "Largest rank shift",
                       "moved_gt_10": "Units moving more than 10 places", "level_changes": "Units changing level"},
                      digits={"spearman": 3, "mean_abs_shift": 1, "max_abs_shift": -1, "moved_gt_10": -1,
                              "level_changes": -1}, fields={"n": n})
            for _, r in ws.iterrows():
                if pd.notna(r.get("level_changes")) and r["level_changes"] > 0.5 * n:
                    doc.warn(Msg("Under {set}, {changed} of {n} units change maturity level: levels under this set "
                                 "are not comparable with the nominal ones.", set=_n(r["set"]),
                                 changed=int(r["level_changes"]), n=n))
        for node, o in (s2.get("optimised") or {}).items():
            if o.get("zero_weights"):
                doc.warn(Msg("Optimised weights under {node}: {codes} at about zero (the optimiser drops them).",
                             node=str(node), codes=", ".join(map(str, o["zero_weights"]))))
        cmp = _read(run, "weights_comparison")
        if cmp is not None and {"set", "rank"}.issubset(cmp.columns):
            R = cmp.pivot_table(index="uCode", columns="set", values="rank")
            ref = s2.get("reference", "nominal")
            if ref in R:
                doc.figure(F.rank_shift_scatter(R, ref, list(R.columns), labels={c: _n(c) for c in R.columns}),
                           "Rank under the nominal weights (x) against the rank under each alternative set (y), all "
                           "{n} units; red: units moving more than 10 places.", fields={"n": len(R)})

    # --- typology ---------------------------------------------------------------------------------
    s4 = S["04_clustering"]
    if s4:
        doc.section("Typology", "typology")
        txt = [Msg("{k} clusters ({method} on the {on}).", k=s4["k"], method=_n(s4["method"]), on=_n(s4["on"]))]
        if s4.get("mean_ari") is not None:
            txt.append(Msg("Mean adjusted Rand index over bootstrap resamples {ari}.", ari=Num(s4["mean_ari"], 2)))
        doc.say(*txt, *(m for x in s4.get("notes") or [] if str(x).strip() for m in cluster_note(x)))
        cl = pd.DataFrame(s4.get("clusters") or [])
        if len(cl):
            cl["typical"] = cl.get("medoid_uName", cl.get("medoid_uCode", ""))
            doc.table(cl, "Clusters: label, size and the unit nearest the cluster's centre.",
                      {"cluster": "Cluster", "label_en": "Label", "label_id": "Label (Bahasa Indonesia)",
                       "size": "Size", "typical": "Typical unit"})
        doc.figure_file(run / "figures" / "cluster_profiles.svg", "Cluster profiles: mean dimension score per "
                        "cluster (numbers), colour = deviation from the mean of the clusters.", width="80%")
        doc.figure_file(run / "figures" / "map_clusters.svg", "Map of the typology.")

    # --- scenarios --------------------------------------------------------------------------------
    s5 = S["05_scenarios"]
    if s5 and (s5.get("scenarios") or s5.get("paths")):
        doc.section("Scenarios", "scenarios")
        if s5.get("scenarios"):
            doc.table(pd.DataFrame(s5["scenarios"]), "What-if scenarios: units whose data change, units changing "
                      "level, mean change of the index of the changed units.",
                      {"name": "Scenario", "units_changed": "Units changed", "level_changes": "Level changes",
                       "mean_delta_score": "Mean change in the index"})
        for p in s5.get("paths") or []:
            doc.say(Msg("{name} ({unit}): from {start} to the target {target}: {message}.", name=str(p["name"]),
                        unit=str(p["unit"]), start=Num(p["from"]), target=Num(p["target"]),
                        message=path_message(p["message"])))
            mv = pd.DataFrame(p.get("moves") or [])
            if len(mv):
                mv = mv.reindex(mv["change"].abs().sort_values(ascending=False).index).head(10)
                c0 = mv.columns[0]
                mv["name"] = [f"{c} — {fw.nodes[c].name}" if c in fw.nodes else str(c) for c in mv[c0]]
                doc.table(mv, "Least change to reach the target for {name}: indicators that move (at most 10), "
                          "in the indicators' own units.",
                          {"name": "Indicator", "current": "From", "new": "To", "change": "Change"}, cls="small",
                          fields={"name": p["name"]})

    # --- limitations --------------------------------------------------------------------------------
    doc.section("Limitations and caveats", "limitations")
    doc.say(Msg("Generated from this run's results:"))
    doc.items(cav)
    if fw.meta.get("caveats"):
        doc.say(Msg("Caveats stated by the framework (quoted from its definition file, in its own words):"))
        doc.parts.append(f"<blockquote class='quoted'>{html.escape(str(fw.meta['caveats']).replace('`', ''))}"
                         "</blockquote>")

    # --- references --------------------------------------------------------------------------------
    doc.section("References", "references")
    refs = REFERENCES + [str(s) for s in (fw.meta.get("sources") or [])]
    doc.parts.append("<ol class='refs'>" + "".join(f"<li>{html.escape(r)}</li>" for r in refs) + "</ol>")

    # --- appendix ----------------------------------------------------------------------------------
    doc.section("Appendix", "appendix")
    doc.sub("Software and inputs")
    vers = package_versions()
    try:
        from importlib.metadata import version

        vers = {"maturasi": version("maturasi"), **vers}
    except Exception:  # noqa: BLE001
        pass
    doc.table(pd.DataFrame(sorted(vers.items()), columns=["p", "v"]), "Software versions of this run.",
              {"p": "Package", "v": "Version"}, cls="small", split=2)
    seeds = dict(seeds or {})
    if s3.get("sobol_N") and seeds.get("Sobol' base sample") is None:
        seeds["Sobol' base sample"] = s3["sobol_N"]
    if s3.get("seed") is not None:
        seeds["seed of the uncertainty and Sobol' designs"] = s3["seed"]
    if seeds:
        doc.table(pd.DataFrame([(k, str(v)) for k, v in seeds.items() if v is not None], columns=["k", "v"]),
                  "Seeds and sample sizes of the random steps (same config and seed → the same tables).",
                  {"k": "Setting", "v": "Value"}, cls="small")
    rows = []
    for k, v in (inputs or {}).items():
        if v and Path(str(v)).is_file():
            rows.append({"k": k, "f": relative(v), "h": sha256(v)[:16] + "…"})
        elif v:
            rows.append({"k": k, "f": relative(v) if os.sep in str(v) else str(v), "h": "built-in"})
    if rows:
        doc.table(pd.DataFrame(rows), "Inputs of the run (paths relative to the project folder), with the first "
                  "16 hex digits of their SHA-256; manifest.json has the full hashes.",
                  {"k": "Input", "f": "File", "h": "SHA-256"}, cls="small")
    return doc.html(front=front)
