"""The planner dashboard's state, as pure functions over a :class:`~analysis.scenario.Baseline`.

Nothing here imports Panel: the browser app (:mod:`analysis.dashboard.app`) only draws what
:class:`Planner` computes, so every number the dashboard shows is tested without a browser, and
is the number ``maturasi scenario`` gives for the exported YAML (the evaluation *is*
:func:`~analysis.scenario.run_scenario` on that scenario).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .._errors import InputError
from ..i18n import format_number
from ..levels import rank_desc
from ..scenario import Baseline, PathResult, baseline_from_run, path_to_target, run_scenario, valid_range
from .labels import label, measure

__all__ = ["find_runs", "default_run", "is_synthetic", "Planner", "Evaluation", "slider_step", "describe",
           "run_label"]

#: the start of the ``note`` the demonstration spec carries (data/demo/spec.yaml)
SYNTHETIC_NOTE = "synthetic demonstration data"
#: the folder name ``make demo`` gives the demonstration run
DEMO_RUN = "demo-index"


def is_synthetic(note) -> bool:
    """Whether a spec's ``note`` declares the data synthetic ("Synthetic demonstration data …")."""
    return isinstance(note, str) and SYNTHETIC_NOTE in note.lower()


def _is_demo_data(path: str) -> bool:
    parts = Path(str(path).replace("\\", "/")).parts
    return any(a == "data" and b == "demo" for a, b in zip(parts, parts[1:]))


def find_runs(root) -> pd.DataFrame:
    """Run folders under ``root`` (and ``root`` itself) that can serve as a scenario baseline.

    A run folder is any folder with a ``manifest.json`` written by ``maturasi build`` or
    ``maturasi run`` whose inputs name a framework and data and whose status is not failed.

    Returns
    -------
    DataFrame
        One row per run: ``run`` (path), ``name``, ``framework``, ``data`` (the data file as given
        to the build), ``created`` (UTC, ISO 8601), ``note`` (the spec's note), ``synthetic`` (the
        note declares synthetic data, :func:`is_synthetic`) and ``demo`` (the folder is
        ``demo-index`` or the data file is under ``data/demo/``); sorted by framework, then newest
        first.
    """
    root = Path(root)
    cols = ["run", "name", "framework", "data", "created", "note", "synthetic", "demo"]
    if not root.exists():
        return pd.DataFrame(columns=cols)
    cands = [root] + sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    rows = []
    for d in cands:
        mf = d / "manifest.json"
        if not mf.is_file():
            continue
        try:
            m = json.loads(mf.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        ins = m.get("inputs") or {}
        if m.get("status") == "failed" or not isinstance(ins.get("framework"), dict) or not ins.get("data"):
            continue
        fw = m.get("framework")
        fw = fw.get("name") if isinstance(fw, dict) else fw
        spec = m.get("spec") if isinstance(m.get("spec"), dict) else {}
        note = spec.get("note") if isinstance(spec.get("note"), str) else ""
        data = str(ins["data"].get("path"))
        rows.append({"run": str(d), "name": d.name, "framework": str(fw or ins["framework"].get("path")),
                     "data": data, "created": str(m.get("created_utc", "")), "note": note,
                     "synthetic": is_synthetic(note), "demo": d.name == DEMO_RUN or _is_demo_data(data)})
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out = out.sort_values(["framework", "created"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True)


def default_run(runs: pd.DataFrame, run=None) -> tuple[str | None, str]:
    """The run the dashboard opens first, and why: ``(run, reason)``.

    ``reason`` is ``"given"`` (``run`` was passed and is listed), ``"demo"`` (the run named
    ``demo-index``, else the newest run on ``data/demo/`` data), ``"first"`` (neither: the first
    row of ``runs``; the dashboard then says so) or ``"none"`` (no runs). Never silently the newest
    run: a user's latest experiment is not what a planner should see first.
    """
    if run is not None:
        hit = runs[runs["run"] == str(run)]
        if len(hit):
            return str(hit.iloc[0]["run"]), "given"
    if runs.empty:
        return None, "none"
    named = runs[runs["name"] == DEMO_RUN]
    if len(named):
        return str(named.iloc[0]["run"]), "demo"
    demo = runs[runs["demo"].astype(bool)]
    if len(demo):
        return str(demo.sort_values("created", ascending=False, kind="stable").iloc[0]["run"]), "demo"
    return str(runs.iloc[0]["run"]), "first"


def run_label(row) -> str:
    """What the run picker shows for a run: ``name · date · framework · data file``."""
    date = str(row["created"])[:16].replace("T", " ")
    return f"{row['name']} · {date} · {row['framework']} · {Path(str(row['data'])).name}"


def slider_step(lo: float, hi: float, n: int = 200) -> float:
    """A round step (1, 2 or 5 × 10^k) giving about ``n`` positions between ``lo`` and ``hi``."""
    span = float(hi - lo)
    if not np.isfinite(span) or span <= 0:
        return 1.0
    raw = span / n
    e = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10.0**e >= raw:
            return m * 10.0**e
    return 10.0 ** (e + 1)  # pragma: no cover


@dataclass
class Evaluation:
    """One unit under the planner's current values (frozen scenario)."""

    unit: str
    score: float
    rank: int
    n_units: int
    level: str | None
    baseline_score: float
    baseline_rank: int
    baseline_level: str | None
    next_edge: float | None          # lower edge of the level above the scenario level
    dimensions: pd.DataFrame         # per aggregate below the root: baseline, scenario, delta
    scenario: dict                   # the scenario that gives these numbers
    changed: pd.DataFrame            # changed cells: iCode, before, after


class Planner:
    """What-if state for one baseline: units, slider ranges, evaluation, peers, path and export.

    Parameters
    ----------
    baseline : Baseline, Result or path
        A baseline, a built result, or a run folder (rebuilt with its input hashes checked).
    run_dir : path, optional
        Recorded in exported scenarios (as a description) when given.
    peers : Series, optional
        Peer group of every unit (e.g. a typology's clusters). Default: the run's
        ``tables/cluster_members.csv`` when present; peers are then the nearest units within it.
    """

    def __init__(self, baseline, run_dir=None, peers: pd.Series | None = None):
        if isinstance(baseline, (str, Path)):
            run_dir = run_dir or baseline
            baseline = baseline_from_run(baseline)
        self.b = baseline if isinstance(baseline, Baseline) else Baseline(baseline)
        self.run_dir = None if run_dir is None else Path(run_dir)
        fw = self.fw = self.b.framework
        self.root = fw.root
        if peers is None and self.run_dir is not None:
            peers = _read_clusters(self.run_dir)
        self.peer_groups = None if peers is None else peers.reindex(self.b.raw.index)
        self.dimensions = [c for c in fw.children(self.root) if not fw.nodes[c].is_indicator]

    # --- what the pickers and sliders show ----------------------------------------------------
    @property
    def note(self) -> str:
        """The spec's ``note`` (e.g. "Synthetic demonstration data — …"), "" when there is none."""
        note = (self.b.spec or {}).get("note")
        return note if isinstance(note, str) else ""

    @property
    def synthetic(self) -> bool:
        """Whether the run's spec declares its data synthetic (the dashboard then shows a banner)."""
        return is_synthetic(self.note)

    def units(self, province: str | None = None) -> pd.DataFrame:
        """Units with a display label ``Name (code)``, sorted by name; province and ASCN membership.

        Parameters
        ----------
        province : str, optional
            Keep only the units of this province (the run's ``province`` column).

        Returns
        -------
        DataFrame
            ``code``, ``name``, ``province`` (when the data name one), ``ascn_pilot`` (the year the
            unit joined the ASEAN Smart Cities Network, ``<NA>`` otherwise; see
            :func:`analysis.select.with_ascn`) and ``label``: ``Name (code)``, with `` ★ ASCN`` for a
            pilot city.
        """
        df = self._units
        if province is not None:
            if "province" not in df.columns:
                raise InputError("this run's data name no province", column="province")
            if province not in set(df["province"]):
                raise InputError(f"unknown province '{province}'", column="province")
            df = df[df["province"] == province]
        return df.reset_index(drop=True)

    def provinces(self) -> list[str]:
        """The provinces of the run's units, sorted (empty when the data name none)."""
        u = self._units
        return sorted(set(u["province"].dropna().astype(str))) if "province" in u.columns else []

    @property
    def _units(self) -> pd.DataFrame:
        if getattr(self, "_units_cache", None) is None:
            from ..select import with_ascn

            u = self.b.units
            names = u["uName"] if "uName" in u.columns else pd.Series(u.index, index=u.index)
            df = pd.DataFrame({"code": u.index, "name": names.to_numpy()},
                              index=pd.Index(u.index, name="uCode"))
            if "province" in u.columns:
                df["province"] = u["province"].to_numpy()
            t = with_ascn(df[["name"]]) if len(df) else df   # ASCN members by Kemendagri code
            df["ascn_pilot"] = t["ascn_pilot"] if "ascn_pilot" in t.columns else \
                pd.array([pd.NA] * len(df), dtype="Int64")
            df["label"] = df["name"].astype(str) + " (" + df["code"].astype(str) + ")" + \
                np.where(df["ascn_pilot"].notna().to_numpy(bool), " ★ ASCN", "")
            self._units_cache = df.sort_values(["name", "code"]).reset_index(drop=True)
        return self._units_cache

    def unit_name(self, code: str) -> str:
        u = self.b.units
        return str(u.at[code, "uName"]) if "uName" in u.columns else str(code)

    def indicator_name(self, code: str, lang: str = "en") -> str:
        n = self.fw.nodes[code]
        return (n.nama or n.name or code) if lang == "id" else (n.name or n.nama or code)

    def sliders(self, unit: str, lang: str = "en") -> pd.DataFrame:
        """One row per indicator: its current value for ``unit`` and the slider's range and step.

        ``dimension`` is the indicator's ancestor just below the index, ``group`` its parent;
        ``unit`` is the unit of measurement in ``lang`` (Bahasa Indonesia from the catalogue).

        The range is the observed range across units (the best observed value is also the path's
        default cap), widened to include the unit's value and clipped to the valid range
        (:func:`~analysis.scenario.valid_range`); a missing value starts at the baseline's imputed
        value (``imputed`` is then true).
        """
        self._check_unit(unit)
        rows = []
        for c in self.fw.indicators:
            node = self.fw.nodes[c]
            obs = self.b.raw[c].to_numpy(float)
            lo_v, hi_v = valid_range(node, obs)
            raw = self.b.raw.at[unit, c]
            cur = float(self.b.imputed.at[unit, c]) if np.isnan(raw) else float(raw)
            ok = obs[~np.isnan(obs)]
            lo = float(np.nanmin([ok.min() if ok.size else np.nan, cur]))
            hi = float(np.nanmax([ok.max() if ok.size else np.nan, cur]))
            lo, hi = max(lo, lo_v), min(hi, hi_v)
            if not np.isfinite(cur):
                cur = lo
            if hi <= lo:
                hi = lo + 1.0
            step = slider_step(lo, hi)
            parent = node.parent
            top = c
            while self.fw.nodes[top].parent not in (self.root, None):
                top = self.fw.nodes[top].parent
            rows.append({"iCode": c, "name": self.indicator_name(c, lang), "unit": measure(node.unit, lang),
                         "dimension": top, "dimension_name": self.indicator_name(top, lang),
                         "group": parent, "group_name": self.indicator_name(parent, lang),
                         "direction": node.direction, "value": cur, "baseline": cur,
                         "imputed": bool(np.isnan(raw)), "lo": lo, "hi": hi, "step": step})
        return pd.DataFrame(rows).set_index("iCode")

    # --- evaluation ------------------------------------------------------------------------------
    def scenario(self, unit: str, values: dict, name: str | None = None) -> dict:
        """The scenario (``=value`` changes) that sets ``unit``'s indicators to ``values``.

        Only values that differ from the baseline's input are listed; numbers are written as
        Python's shortest round-trip repr, so reading the YAML back gives the very same floats.
        """
        self._check_unit(unit)
        its = []
        for c, v in values.items():
            if c not in self.fw.nodes or not self.fw.nodes[c].is_indicator:
                raise InputError(f"unknown indicator '{c}'", column=c)
            raw = self.b.raw.at[unit, c]
            base = float(self.b.imputed.at[unit, c]) if np.isnan(raw) else float(raw)
            v = float(v)
            if v != base:
                its.append({"units": [unit], "indicators": [c], "change": f"={v!r}"})
        doc = {"name": name or f"dashboard-{unit}"}
        if self.b.year is not None:
            doc["year"] = _plain(self.b.year)
        if self.run_dir is not None:
            doc["description"] = f"exported from the Maturasi dashboard; baseline run {self.run_dir}"
        doc["interventions"] = its
        return doc

    def scenario_yaml(self, unit: str, values: dict, name: str | None = None) -> str:
        """:meth:`scenario` as YAML, ready for ``maturasi scenario --run RUN --scenario FILE``."""
        head = ("# Maturasi skenario / what-if scenario. Ulangi dengan / reproduce with:\n"
                f"#   maturasi scenario --run {self.run_dir or 'RUN_DIR'} --scenario THIS.yaml --out OUT\n")
        return head + yaml.safe_dump(self.scenario(unit, values, name), sort_keys=False, allow_unicode=True)

    def scenario_xlsx(self, unit: str, values: dict, name: str | None = None) -> bytes:
        """The scenario as a scenario workbook (``.xlsx``) that ``maturasi scenario`` reads.

        The workbook is the planners' scenario template (:func:`analysis.scenario_template.
        write_template`: one row per indicator of ``unit``, instructions in Bahasa Indonesia and
        English) with the ``change`` column filled in for the indicators that move, as ``=value``
        text in Python's round-trip repr, so that reading it back gives the same floats as the YAML.
        """
        import tempfile

        import openpyxl

        from ..scenario_template import SHEET, TEMPLATE_COLUMNS, write_template

        changes = {it["indicators"][0]: it["change"] for it in self.scenario(unit, values, name)["interventions"]}
        with tempfile.TemporaryDirectory(prefix="maturasi-dash-") as tmp:
            f = write_template(self.b, [unit], Path(tmp) / "scenario.xlsx",
                               run_name=None if self.run_dir is None else self.run_dir.name)
            wb = openpyxl.load_workbook(f)
        ws = wb[SHEET]
        ci, cc = TEMPLATE_COLUMNS.index("indicators") + 1, TEMPLATE_COLUMNS.index("change") + 1
        for row in range(2, ws.max_row + 1):
            code = ws.cell(row=row, column=ci).value
            if code in changes:
                cell = ws.cell(row=row, column=cc)
                cell.value = changes[code]
                cell.data_type = "s"           # text, not a formula: '=91.3' is what the planner typed
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    def evaluate(self, unit: str, values: dict | None = None) -> Evaluation:
        """Score, rank, level and dimension scores of ``unit`` with ``values`` (frozen scenario)."""
        sc = self.scenario(unit, values or {})
        r = run_scenario(self.b, sc)
        t = r.table.loc[unit]
        aggs = r.aggregates.loc[unit]
        base = self.b.aggregates.loc[unit]
        dims = pd.DataFrame({"baseline": base[self.dimensions].astype(float),
                             "scenario": aggs[self.dimensions].astype(float)})
        dims["delta"] = dims["scenario"] - dims["baseline"]
        score = float(t["scenario_score"])
        bands = self.b.bands
        nxt = None
        if bands is not None:
            above = [e for e in bands.bands if e > score]
            nxt = float(above[0]) if above else None
        return Evaluation(unit, score, int(t["scenario_rank"]), int(r.table["scenario_score"].notna().sum()),
                          None if bands is None else str(t["scenario_level"]), float(t["baseline_score"]),
                          int(t["baseline_rank"]), None if bands is None else str(t["baseline_level"]), nxt,
                          dims, sc, r.changed[r.changed["uCode"] == unit][["iCode", "before", "after"]])

    def level_name(self, level: str | None, lang: str = "en") -> str:
        """A level label, with its Bahasa Indonesia name in ``lang='id'`` when the spec gives one."""
        if level is None:
            return "–"
        b = self.b.bands
        if lang == "id" and b is not None and b.names_id and level in b.labels:
            return str(b.names_id[b.labels.index(level)])
        return str(level)

    def peers(self, unit: str, ev: Evaluation | None = None, k: int = 6) -> pd.DataFrame:
        """The unit's peers with score, rank and level, and the unit itself as scenario.

        Peers keep their baseline scores (frozen scenario); ranks are those of the scenario, so a
        peer the unit overtakes drops one place.

        Peers are the ``k`` units nearest in baseline dimension scores (Euclidean), taken within
        the unit's peer group (cluster) when one is known.
        """
        self._check_unit(unit)
        agg = self.b.aggregates
        pool = agg.index.drop(unit)
        basis = "nearest"
        if self.peer_groups is not None and pd.notna(self.peer_groups.get(unit)):
            g = self.peer_groups
            pool = g.index[(g == g[unit]) & (g.index != unit)]
            basis = f"cluster {g[unit]}"
        X = agg.loc[pool, self.dimensions].to_numpy(float)
        x = agg.loc[unit, self.dimensions].to_numpy(float)
        d = pd.Series(np.sqrt(np.nansum((X - x) ** 2, axis=1)), index=pool)
        idx = list(d.sort_values(kind="stable").index[:k])
        scores = agg[self.root].astype(float).copy()
        if ev is not None:
            scores[unit] = ev.score        # ranks in the scenario: the unit may overtake its peers
        ranks = pd.Series(rank_desc(scores.to_numpy()), index=scores.index)
        rows = pd.DataFrame({"score": scores.loc[idx], "rank": ranks.loc[idx].astype(int)},
                            index=pd.Index(idx, name="uCode"))
        if self.b.bands is not None:
            rows["level"] = self.b.bands.assign(rows["score"].to_numpy())
        rows["scenario"] = False
        if ev is not None:
            me = {"score": ev.score, "rank": ev.rank, "scenario": True}
            if self.b.bands is not None:
                me["level"] = ev.level
            rows = pd.concat([rows, pd.DataFrame([me], index=pd.Index([unit], name="uCode"))])
        if "uName" in self.b.units.columns:
            rows.insert(0, "uName", self.b.units["uName"].reindex(rows.index))
        rows = rows.sort_values(["score"], ascending=False, kind="stable")
        rows.attrs["basis"] = basis
        return rows

    def path(self, unit: str, values: dict | None = None, to="next", **kw) -> PathResult:
        """Least improvement from the current ``values`` to ``to`` (default: the next level)."""
        return path_to_target(self.b, unit, to, start=values or None, **kw)

    def _check_unit(self, unit):
        if unit not in self.b.raw.index:
            raise InputError(f"unknown unit '{unit}'")


def _plain(x):
    return x.item() if isinstance(x, np.generic) else x


def _read_clusters(run_dir: Path) -> pd.Series | None:
    """Cluster membership written by ``maturasi run`` (``tables/cluster_members.csv``), if any."""
    f = Path(run_dir) / "tables" / "cluster_members.csv"
    if not f.is_file():
        return None
    df = pd.read_csv(f, dtype={"uCode": str})
    if "uCode" not in df.columns or "cluster" not in df.columns:
        return None
    return df.set_index("uCode")["cluster"]


def describe(ev: Evaluation, planner: Planner, lang: str = "en") -> dict:
    """Display strings for an evaluation (used by the app and its tests), in ``lang``'s number format.

    Scores have two decimals, ranks none (:func:`analysis.i18n.format_number`: ``48,76`` in Bahasa
    Indonesia); changes carry their sign.
    """
    lv = planner.level_name(ev.level, lang)
    lb = planner.level_name(ev.baseline_level, lang)
    gap = None if ev.next_edge is None else ev.next_edge - ev.score

    def signed(x, dec):
        return ("+" if x >= 0 else "") + format_number(x, lang, dec)

    return {"score": format_number(ev.score, lang, 2), "rank": format_number(ev.rank, lang, 0),
            "n": format_number(ev.n_units, lang, 0), "level": lv,
            "baseline_score": format_number(ev.baseline_score, lang, 2),
            "baseline_rank": format_number(ev.baseline_rank, lang, 0),
            "baseline_level": lb, "delta_score": signed(ev.score - ev.baseline_score, 2),
            "delta_rank": signed(ev.baseline_rank - ev.rank, 0),
            "gap": "–" if gap is None else format_number(gap, lang, 2),
            "top": label("top_level", lang) if ev.next_edge is None else ""}
