"""The planner dashboard in the browser (Panel).

:class:`PlannerApp` draws what :class:`~analysis.dashboard.model.Planner` computes: pick a
framework and a baseline run, pick a unit (optionally within a province; ASEAN Smart Cities
Network pilot cities carry ★ ASCN), move the sliders of its indicators, and read the score, rank,
level, dimension scores, peers and the least improvement to the next level; export the scenario
as YAML or as a scenario workbook (XLSX) for ``maturasi scenario``. A run on synthetic data (its
spec's ``note`` says so) shows a banner. Texts come from the project's catalogue
(:mod:`analysis.i18n`), numbers are formatted for the chosen language. Served from
``notebooks/dashboard.ipynb`` by ``maturasi dashboard`` (or ``panel serve notebooks/dashboard.ipynb``).

Elements the browser test reads carry stable ids: ``mtr-score``, ``mtr-rank``, ``mtr-level``,
``mtr-yaml``, ``mtr-synthetic`` (the banner), ``mtr-ascn``; every slider has the CSS class
``mtr-slider-<iCode>``.
"""

from __future__ import annotations

import html
import io
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import panel as pn

from .._errors import InputError
from ..i18n import format_number
from .labels import label
from .model import Planner, default_run, describe, find_runs, run_label

__all__ = ["PlannerApp", "build_app", "shared_planner"]

CSS = """
.mtr-cards {display: flex; gap: 10px; flex-wrap: wrap; font-family: sans-serif;}
.mtr-card {border: 1px solid #d0d7de; border-radius: 8px; padding: 6px 12px; min-width: 130px;}
.mtr-banner {background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 6px 12px;
  font-family: sans-serif; font-size: 14px; font-weight: 600; color: #4d2d00;}
.mtr-ascn {display: inline-block; background: #ddf4ff; border: 1px solid #54aeff; border-radius: 10px;
  padding: 1px 8px; font-size: 12px; font-weight: 400; color: #0550ae; vertical-align: middle;}
.mtr-runinfo {font-size: 12px; color: #57606a; font-family: sans-serif; overflow-wrap: anywhere;}
.mtr-k {font-size: 12px; color: #57606a;}
.mtr-v {font-size: 28px; font-weight: 600;}
.mtr-b {font-size: 12px; color: #57606a;}
.mtr-up {color: #1a7f37;} .mtr-down {color: #cf222e;}
.mtr-note {font-size: 12px; color: #57606a; font-family: sans-serif;}
.mtr-group {font-family: sans-serif; font-size: 13px; font-weight: 600; color: #24292f; margin: 8px 0 0 4px;}
table {border-collapse: collapse; font-family: sans-serif; font-size: 13px; max-width: 100%;}
th, td {border-bottom: 1px solid #d0d7de; padding: 3px 8px; text-align: right;}
td:nth-child(2), td:first-child {text-align: left;}
h3 {font-family: sans-serif; font-size: 16px; margin: 10px 0 4px 0;}
pre#mtr-yaml {font-size: 11px; background: #f6f8fa; padding: 6px; max-height: 220px; overflow: auto;}
"""


_CACHE: dict[tuple[str, float], Planner] = {}
_LOCK = threading.Lock()


def shared_planner(run: str) -> Planner:
    """One Planner per run folder (and manifest version) for all browser sessions of a server; a
    Planner is read-only once built, so sessions can share it."""
    key = (str(Path(run).resolve()), (Path(run) / "manifest.json").stat().st_mtime)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = Planner(run)
        return _CACHE[key]


class PlannerApp:
    """One browser session of the planner dashboard.

    Parameters
    ----------
    runs : path
        Folder holding baseline runs (``maturasi build`` / ``maturasi run`` outputs).
    run : path, optional
        The run to open first (added to the list when it is not under ``runs``).
    unit : str, optional
        The unit to open first (default: the first by name).
    lang : {"en", "id"}
    """

    def __init__(self, runs="reports", run=None, unit: str | None = None, lang: str = "en"):
        self.lang = lang
        self.runs = find_runs(runs)
        self.reason = "none"
        if run is not None and str(Path(run)) not in set(self.runs["run"]):
            extra = find_runs(Path(run))
            extra = extra[extra["run"] == str(Path(run))]
            if extra.empty:
                raise InputError("not a baseline run folder (no usable manifest.json)", file=run)
            self.runs = pd.concat([extra, self.runs], ignore_index=True)
        self.planner: Planner | None = None
        self.unit: str | None = None
        self.values: dict[str, float] = {}
        self._sliders: dict[str, pn.widgets.FloatSlider] = {}
        self._hold = False

        self.w_lang = pn.widgets.RadioButtonGroup(options={"English": "en", "Bahasa Indonesia": "id"}, value=lang)
        self.w_framework = pn.widgets.Select(options=sorted(set(self.runs["framework"])), width=300)
        self.w_run = pn.widgets.Select(options={}, width=300)
        self.p_runinfo = pn.pane.HTML(width=300, stylesheets=[CSS])
        self.w_province = pn.widgets.Select(options={}, width=300)
        self.w_unit = pn.widgets.Select(options={}, width=300, size=1)
        self.w_reset = pn.widgets.Button(width=300)
        self.w_apply = pn.widgets.Button(color="primary", width=300)
        self.w_download = pn.widgets.FileDownload(callback=self._download, filename="scenario.yaml", width=300,
                                                  color="success", embed=False)
        self.w_download_xlsx = pn.widgets.FileDownload(callback=self._download_xlsx, filename="scenario.xlsx",
                                                       width=300, color="success", embed=False)
        self.p_title = pn.pane.HTML(width=300)
        self.p_banner = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[CSS], visible=False)
        self.p_summary = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[CSS])
        self.p_dims = pn.pane.HTML(stylesheets=[CSS])
        self.p_peers = pn.pane.HTML(stylesheets=[CSS])
        self.p_path = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[CSS])
        self.p_yaml = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[CSS])
        self.p_note = pn.pane.HTML(width=300, stylesheets=[CSS])
        self.sliders = pn.Column(sizing_mode="stretch_width")
        self.last_path = None
        self.last_eval = None

        self.w_lang.param.watch(self._on_lang, "value")
        self.w_framework.param.watch(self._on_framework, "value")
        self.w_run.param.watch(self._on_run, "value")
        self.w_province.param.watch(self._on_province, "value")
        self.w_unit.param.watch(self._on_unit, "value")
        self.w_reset.on_click(lambda _e: self.reset())
        self.w_apply.on_click(lambda _e: self.apply_path())
        self._relabel()
        if len(self.runs):
            self._run = None
            self._want = unit
            start, self._start_reason = default_run(self.runs, None if run is None else str(Path(run)))
            self._start = start
            self._pick = start                 # the framework's run list opens on this one
            self.w_framework.value = self.runs[self.runs["run"] == start].iloc[0]["framework"]
            self._on_framework()               # (no event when the framework was already selected)
            self._pick = None
        else:
            self.p_summary.object = f"<p>{html.escape(label('no_runs', lang))}</p>"

    # --- layout ----------------------------------------------------------------------------------
    def view(self) -> pn.viewable.Viewable:
        side = pn.Column(self.p_title, self.w_lang, self.w_framework, self.w_run, self.p_runinfo, self.w_province,
                         self.w_unit, self.w_reset, self.w_apply, self.w_download, self.w_download_xlsx, self.p_note,
                         width=320)
        # the main column must fit beside the 320 px side bar in a 1,366 px window (a laptop): the
        # dimension and peer tables share a row that wraps, and every pane stretches to the width
        main = pn.Column(self.p_banner, self.p_summary,
                         pn.FlexBox(self.p_dims, self.p_peers, flex_wrap="wrap", sizing_mode="stretch_width"),
                         self.p_path, self.sliders, self.p_yaml, sizing_mode="stretch_width", min_width=600)
        return pn.Row(side, main, sizing_mode="stretch_width")

    # --- events ----------------------------------------------------------------------------------
    def _on_lang(self, *_):
        self.lang = self.w_lang.value
        self._relabel()
        if self.planner is not None and self.unit is not None:
            self._build_sliders()
            self.update()

    def _on_framework(self, *_):
        r = self.runs[self.runs["framework"] == self.w_framework.value]
        self._hold_run = True          # a new option list may select its first run: not loaded
        try:
            self.w_run.options = {run_label(row): row["run"] for _, row in r.iterrows()}
        finally:
            self._hold_run = False
        if getattr(self, "_pick", None) in self.w_run.values:
            self.w_run.value = self._pick
        else:
            # the demo run of the framework when there is one, else its first; never silently the newest
            self.w_run.value = default_run(r.reset_index(drop=True))[0]
        self._on_run()                 # (no event when the value did not change)

    def _on_run(self, *_):
        run = self.w_run.value
        if not run or run == self._run or getattr(self, "_hold_run", False):
            return
        planner = shared_planner(run)
        units = planner.units()
        codes = list(units["code"])
        if self._want is not None and self._want not in codes:
            raise InputError(f"unknown unit '{self._want}'", file=run)
        keep = next((c for c in (self._want, self.unit) if c in codes), codes[0])
        self._want = None
        self.reason = self._start_reason if run == self._start else "picked"
        self._run, self.planner, self.unit = run, planner, None
        self._hold = True
        try:
            self.w_province.options = self._province_options()
            self.w_province.value = ""
            self.w_province.visible = bool(planner.provinces())
            self.w_unit.options = dict(zip(units["label"], units["code"]))
            self.w_unit.value = keep
        finally:
            self._hold = False
        self._draw_run()
        self._on_unit()

    def _province_options(self) -> dict:
        return {label("all_provinces", self.lang): "", **{p: p for p in self.planner.provinces()}}

    def _on_province(self, *_):
        if self._hold or self.planner is None:
            return
        units = self.planner.units(self.w_province.value or None)
        codes = list(units["code"])
        self._hold = True
        try:
            self.w_unit.options = dict(zip(units["label"], units["code"]))
            self.w_unit.value = self.unit if self.unit in codes else codes[0]
        finally:
            self._hold = False
        self._on_unit()

    def _on_unit(self, *_):
        if self._hold or self.planner is None or not self.w_unit.value or self.w_unit.value == self.unit:
            return
        self.unit = self.w_unit.value
        self.values = {}
        self._build_sliders()
        self.update()

    def _on_slider(self, event, code: str):
        if self._hold:
            return
        self.values[code] = float(event.new)
        self.update()

    # --- actions ---------------------------------------------------------------------------------
    def set_value(self, code: str, value: float):
        """Move one slider (as a user would) and update."""
        self._sliders[code].value = float(value)

    def reset(self):
        self._set_all({c: s for c, s in self._base.items()})
        self.values = {}
        self.update()

    def apply_path(self):
        """Move the sliders to the least-improvement path's values."""
        p = self.last_path
        if p is None or not p.reachable:
            return
        moves = {c: float(r["new"]) for c, r in p.moves.iterrows() if r["change"] != 0}
        self._set_all(moves)
        self.values.update(moves)
        self.update()

    def _set_all(self, vals: dict):
        self._hold = True
        try:
            for c, v in vals.items():
                s = self._sliders[c]
                s.start, s.end = min(s.start, v), max(s.end, v)
                s.value = v
        finally:
            self._hold = False

    def scenario_yaml(self) -> str:
        return self.planner.scenario_yaml(self.unit, self.values)

    def _download(self):
        self.w_download.filename = f"scenario_{self.unit}.yaml"
        return io.StringIO(self.scenario_yaml())

    def scenario_xlsx(self) -> bytes:
        return self.planner.scenario_xlsx(self.unit, self.values)

    def _download_xlsx(self):
        self.w_download_xlsx.filename = f"scenario_{self.unit}.xlsx"
        return io.BytesIO(self.scenario_xlsx())

    # --- drawing ---------------------------------------------------------------------------------
    def _relabel(self):
        L = self.lang
        self.p_title.object = f"<h2 style='font-family:sans-serif;margin:4px 0'>{html.escape(label('title', L))}</h2>"
        self.w_framework.label = label("framework", L)
        self.w_run.label = label("run", L)
        self.w_province.label = label("province", L)
        self.w_unit.label = label("unit", L)
        self.w_reset.label = label("reset", L)
        self.w_apply.label = label("path_apply", L)
        self.w_download.label = label("export", L)
        self.w_download_xlsx.label = label("export_xlsx", L)
        self.p_note.object = f"<p class='mtr-note'>{html.escape(label('frozen_note', L))}</p>"
        if self.planner is not None:
            self._hold = True
            try:
                keep = self.w_province.value
                self.w_province.options = self._province_options()
                self.w_province.value = keep
            finally:
                self._hold = False
            self._draw_run()

    def _draw_run(self):
        """The banner for synthetic data, the chosen run's details and why it is open."""
        pl, L = self.planner, self.lang
        self.p_banner.object = (f"<div class='mtr-banner' id='mtr-synthetic'>⚠ {html.escape(label('synthetic', L))}"
                                "</div>") if pl.synthetic else ""
        self.p_banner.visible = pl.synthetic
        row = self.runs[self.runs["run"] == self._run]
        info = ""
        if len(row):
            r = row.iloc[0]
            info = (f"{html.escape(label('run_data', L))}: {html.escape(_shown_path(r['data']))}<br>"
                    f"{html.escape(label('run_date', L))}: {html.escape(str(r['created'])[:16].replace('T', ' '))}"
                    " UTC")
        why = {"demo": "demo_opened", "first": "first_opened"}.get(self.reason)
        if why:
            info += f"<br><i>{html.escape(label(why, L))}</i>"
        b = pl.b.bands
        if b is not None:
            names = [pl.level_name(lv, L) for lv in b.labels]
            edges = [format_number(e, L, 0 if float(e).is_integer() else 2) for e in b.bands]
            seq = html.escape(names[0]) + "".join(f" &lt; {e} ≤ {html.escape(n)}" for e, n in zip(edges, names[1:]))
            info += f"<br>{html.escape(label('levels', L))}: {seq}"
        self.w_run.label = label("run", L)
        self.p_runinfo.object = f"<div class='mtr-runinfo'>{info}</div>"

    def _build_sliders(self):
        pl, L = self.planner, self.lang
        tab = pl.sliders(self.unit, L)
        self._base = tab["baseline"].to_dict()
        self._sliders = {}
        sections = []
        for _dim, rows in tab.groupby("dimension", sort=False):
            ws = []
            for grp, grows in rows.groupby("group", sort=False):
                if grp != _dim:
                    ws.append(pn.pane.HTML(f"<div class='mtr-group'>{html.escape(grows['group_name'].iloc[0])}</div>",
                                           stylesheets=[CSS]))
                for c, r in grows.iterrows():
                    v = self.values.get(c, r["value"])
                    name = f"{r['name']}" + (f" [{r['unit']}]" if r["unit"] else "") + \
                        (f" · {label('imputed', L)}" if r["imputed"] else "")
                    if r["direction"] < 0:
                        name += " ↓"
                    s = pn.widgets.FloatSlider(label=name, start=r["lo"], end=r["hi"], step=r["step"], value=v,
                                               format=_slider_format(r["step"], L), sizing_mode="stretch_width",
                                               css_classes=[f"mtr-slider-{c}"])
                    s.param.watch(lambda e, c=c: self._on_slider(e, c), "value")
                    self._sliders[c] = s
                    ws.append(s)
            sections.append((f"{rows['dimension_name'].iloc[0]} ({len(rows)})", pn.Column(*ws,
                                                                                          sizing_mode="stretch_width")))
        # one card per dimension, the first open. Not pn.Accordion: its cards keep a 5 px margin on
        # top of the full width and stuck out 10 px to the right of a 1,366 px window.
        cards = [pn.Card(col, title=title, collapsed=i > 0, sizing_mode="stretch_width", margin=(4, 0))
                 for i, (title, col) in enumerate(sections)]
        self.sliders[:] = [pn.pane.HTML(f"<h3 style='font-family:sans-serif'>{html.escape(label('indicators', L))}"
                                        "</h3>"), *cards]

    def update(self):
        """Recompute and redraw everything for the current unit and values (sent to the browser as
        one change, so the page never shows a rank from one state beside a table from another)."""
        with pn.io.hold():
            self._update()

    def _update(self):
        pl, L, u = self.planner, self.lang, self.unit
        ev = pl.evaluate(u, self.values)
        self.last_eval = ev
        d = describe(ev, pl, L)
        name = pl.unit_name(u)
        up = "mtr-up" if ev.score > ev.baseline_score else ("mtr-down" if ev.score < ev.baseline_score else "")

        def card(key, vid, v, base, extra=""):
            return (f"<div class='mtr-card'><div class='mtr-k'>{html.escape(label(key, L))}</div>"
                    f"<div class='mtr-v'><span id='{vid}'>{html.escape(v)}</span>{extra}</div>"
                    f"<div class='mtr-b'>{html.escape(label('baseline', L))}: {html.escape(base)}</div></div>")

        gap = d["top"] or d["gap"]
        small = " style='font-size:16px'" if d["top"] else ""     # a phrase, not a number: keep the row on one line
        info = pl.units().set_index("code").loc[u]
        ascn = ""
        if pd.notna(info.get("ascn_pilot", pd.NA)):
            ascn = (f" <span class='mtr-ascn' id='mtr-ascn' title='{html.escape(label('ascn', L))}'>★ "
                    f"{html.escape(label('ascn', L))} ({html.escape(label('since', L))} "
                    f"{int(info['ascn_pilot'])})</span>")
        prov = f" · {html.escape(str(info['province']))}" if "province" in info.index and pd.notna(
            info["province"]) else ""
        self.p_summary.object = (
            f"<h2 style='font-family:sans-serif;margin:4px 0'>{html.escape(str(name))} "
            f"<small style='color:#57606a'>{html.escape(u)}{prov}</small>{ascn}</h2><div class='mtr-cards'>"
            + card("score", "mtr-score", d["score"], d["baseline_score"],
                   f" <small class='{up}'>{d['delta_score']}</small>")
            + card("rank", "mtr-rank", d["rank"], d["baseline_rank"],
                   f" <small>{label('of', L)} {d['n']}</small> <small class='{up}'>{d['delta_rank']}</small>")
            + card("level", "mtr-level", d["level"], d["baseline_level"])
            + f"<div class='mtr-card'><div class='mtr-k'>{html.escape(label('gap', L))}</div>"
              f"<div class='mtr-v' id='mtr-gap'{small}>{html.escape(gap)}</div></div></div>")
        dims = ev.dimensions.copy()
        dims.index = [pl.indicator_name(c, L) for c in dims.index]
        dims.columns = [label("baseline", L), label("scenario", L), label("change", L)]
        self.p_dims.object = f"<h3>{label('dimensions', L)}</h3>" + _table(dims, L, 2)
        peers = pl.peers(u, ev)
        basis = label("basis_cluster" if peers.attrs["basis"].startswith("cluster") else "basis_nearest", L)
        peers = peers.rename(columns={"uName": label("name", L), "score": label("score", L),
                                      "rank": label("rank", L), "level": label("level", L)})
        mark = peers.pop("scenario")
        if label("level", L) in peers.columns:
            peers[label("level", L)] = [pl.level_name(v, L) for v in peers[label("level", L)]]
        peers[label("score", L)] = [format_number(v, L, 2) for v in peers[label("score", L)]]
        rows = peers.to_html(index_names=False)
        me = html.escape(str(name))
        rows = rows.replace(f"<td>{me}</td>", f"<td><b>{me} ({label('scenario', L).lower()})</b></td>") \
            if mark.any() else rows
        self.p_peers.object = f"<h3>{label('peers', L)} <small>({basis})</small></h3>" + rows
        self._draw_path()
        yml = self.scenario_yaml()
        self.p_yaml.object = (f"<details><summary style='font-family:sans-serif'>{label('export', L)}</summary>"
                              f"<pre id='mtr-yaml'>{html.escape(yml)}</pre></details>")

    def _draw_path(self):
        pl, L = self.planner, self.lang
        if self.last_eval.next_edge is None:
            self.last_path = None
            self.p_path.object = f"<h3>{label('path', L)}</h3><p>{label('top_level', L)}</p>"
            return
        try:
            p = pl.path(self.unit, self.values)
        except InputError as e:          # e.g. on a level edge to the last digit
            self.last_path = None
            self.p_path.object = f"<h3>{label('path', L)}</h3><p>{html.escape(str(e))}</p>"
            return
        self.last_path = p
        goal = html.escape(pl.level_name(pl.b.level_of(p.target), L))
        tgt = format_number(p.target, L, 2)
        if not p.reachable:
            msg = (f"{goal} ({tgt}): {label('unreachable', L)} ({format_number(p.achieved_score, L, 2)} &lt; "
                   f"{tgt})")
        elif p.total_cost == 0:
            msg = f"{goal} ({tgt}): {label('nothing', L)}"
        else:
            msg = f"{goal} ({tgt}): {label('reachable', L)} — {len(p.moves[p.moves['change'] != 0])} " \
                  f"{label('indicators_moved', L)}"
        m = p.moves[np.abs(p.moves["change"]) > 0].copy()
        m.insert(0, label("indicator", L), [pl.indicator_name(c, L) for c in m.index])
        m = m[[label("indicator", L), "current", "new", "change", "normalised_change"]]
        m.columns = [label("indicator", L), label("current", L), label("new", L), label("change", L),
                     label("cost", L)]
        self.p_path.object = (f"<h3>{label('path', L)}</h3><p class='mtr-note' id='mtr-path-msg'>{msg}</p>"
                              + (_table(m, L, 3, index=False) if len(m) else ""))


def _shown_path(path) -> str:
    """A data path as the page shows it: relative to the working folder when it lies inside it."""
    p = Path(str(path))
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve())) if p.is_absolute() else str(p)
    except ValueError:
        return str(p)


def _table(df: pd.DataFrame, lang: str, decimals: int, index: bool = True) -> str:
    """``df`` as an HTML table with its numbers in ``lang``'s format (``48,76`` in Bahasa Indonesia)."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = [format_number(float(v), lang, decimals) for v in out[c]]
    return out.to_html(index=index, index_names=False)


def _slider_format(step: float, lang: str):
    """The slider's value display: as many decimals as the step has, in ``lang``'s number format."""
    from bokeh.models import CustomJSTickFormatter

    dec = max(0, -int(np.floor(np.log10(step) + 1e-9))) if step > 0 else 2
    loc = "id-ID" if lang == "id" else "en-US"
    return CustomJSTickFormatter(code=f"return tick.toLocaleString('{loc}', {{minimumFractionDigits: {dec}, "
                                      f"maximumFractionDigits: {dec}}});")


def build_app(runs="reports", run=None, unit: str | None = None, lang: str = "en") -> pn.viewable.Viewable:
    """The dashboard's layout for one session (see :class:`PlannerApp`).

    Bad input (an unknown unit in the URL, a run whose inputs changed since it was built…) gives a
    page that says what is wrong instead of a blank one.
    """
    pn.extension(throttled=True)
    try:
        return PlannerApp(runs, run, unit, lang).view()
    except InputError as e:
        return pn.pane.Alert(f"**Maturasi:** {html.escape(str(e), quote=False)}", alert_type="danger")
