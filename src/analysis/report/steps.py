"""The work behind each notebook of ``maturasi run``: tables to ``tables/``, figures to ``figures/``.

Every step takes a built :class:`~analysis.pipeline.Result` (or the inputs), writes CSV and
Parquet tables and PNG/SVG figures under the run folder, and returns a small JSON-able summary that
the report assembles. Notebooks stay thin: a parameters cell, one call per step, a few displays.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import figures as F
from ..manifest import write_json

__all__ = ["folders", "write_table", "save_summary", "load_summary", "data_audit", "weighting", "uncertainty",
           "clustering", "scenarios", "sobol_convergence"]


def folders(run_dir) -> tuple[Path, Path, Path]:
    run = Path(run_dir)
    t, f, s = run / "tables", run / "figures", run / "state"
    for p in (t, f, s):
        p.mkdir(parents=True, exist_ok=True)
    return t, f, s


def write_table(df: pd.DataFrame, tables: Path, name: str, *, index: bool = True) -> None:
    """CSV (full precision) and Parquet side by side."""
    df.to_csv(tables / f"{name}.csv", index=index, float_format="%.10g")
    try:
        out = df.copy()
        out.columns = [str(c) for c in out.columns]
        if index:
            out = out.reset_index()
            out.columns = [str(c) for c in out.columns]
        for c in out.columns:
            if out[c].dtype == object:
                out[c] = out[c].astype("string")
        out.to_parquet(tables / f"{name}.parquet", index=False)
    except (ImportError, ValueError):  # pragma: no cover - parquet engine missing
        pass


def save_summary(run_dir, step: str, summary: dict) -> None:
    _, _, s = folders(run_dir)
    write_json(summary, s / f"{step}.json")


def load_summary(run_dir, step: str) -> dict:
    p = Path(run_dir) / "state" / f"{step}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


# --- 01 data audit ----------------------------------------------------------------------------
def data_audit(result, run_dir, *, year=None, n_boot: int = 100, seed: int = 0) -> dict:
    from ..audit import audit, corr_matrix, cross_section

    t, f, _ = folders(run_dir)
    a = audit(result, year=year, n_boot=n_boot, seed=seed)
    for name, df in a.tables().items():
        write_table(df, t, f"audit_{name}")
    fw = result.framework
    T = cross_section(result, year=year)
    dims = fw.children(fw.root)
    F.save(F.correlation_heatmap(corr_matrix(T[dims + [fw.root]]), title="Dimensions and index / Dimensi dan indeks"),
           f / "audit_corr_dimensions")
    F.save(F.importance_vs_weight(a.importance), f / "audit_importance")
    raw = cross_section(result, "raw", year, aggregates=False)
    F.save(F.missingness(raw, fw), f / "audit_missingness")
    F.save(F.distributions(cross_section(result, "normalised", year, aggregates=False), fw), f / "audit_distributions")
    summary = {"units": int(len(T)), "indicators": len(fw.indicators),
               "availability": float(a.availability_units["available"].mean()),
               "min_unit_availability": float(a.availability_units["available"].min()),
               "outlier_flags": int(a.indicator_stats["outlier_flag"].sum()),
               "flags": a.notes, "alpha": a.reliability["alpha"].dropna().round(3).to_dict(),
               "loo_max_mean_shift": float(a.loo_summary["mean_abs_shift"].max())}
    save_summary(run_dir, "01_data_audit", summary)
    return summary


# --- 02 weighting -----------------------------------------------------------------------------
def weighting(result, run_dir, *, methods=("equal", "entropy", "critic", "pca", "optimised", "bod"), ahp=None,
              budget=None, bod_lower=None, bod_upper=None, year=None, names=None, opt_min_weight=None,
              ahp_method: str = "eigen") -> dict:
    from ..compare import compare_weight_sets
    from ..weights.derive import weight_sets

    t, f, _ = folders(run_dir)
    sets, details = weight_sets(result, list(methods), ahp=ahp, budget=budget, bod_lower=bod_lower,
                                bod_upper=bod_upper, year=year, opt_min_weight=opt_min_weight, ahp_method=ahp_method)
    cmp = compare_weight_sets(result, sets, year=year)
    W = cmp.weights.dropna(axis=1, how="all")
    write_table(W, t, "weights")
    long = W.reset_index(names="iCode").melt(id_vars="iCode", var_name="set", value_name="Weight")
    write_table(long[["set", "iCode", "Weight"]], t, "weight_sets", index=False)
    write_table(cmp.tidy, t, "weights_comparison", index=False)
    write_table(cmp.summary, t, "weights_summary")
    if "ahp" in details:
        from ..weights.ahp import consistency_table

        write_table(consistency_table(details["ahp"]), t, "ahp_consistency", index=False)
    if "budget" in details:
        write_table(details["budget"].summary, t, "budget_summary")
    if "bod" in details:
        b = details["bod"]
        write_table(b.scores.to_frame("BoD"), t, "bod_scores")
        write_table(b.shares, t, "bod_shares")
    if "optimised" in details:
        write_table(pd.concat({n: o.table for n, o in details["optimised"].items()}, names=["node"]), t,
                    "optimised_importance")
    fw = result.framework
    dims = fw.children(fw.root)
    F.save(F.weight_bars(W, dims, labels={d: fw.nodes[d].name or d for d in dims}), f / "weights_dimensions")
    for s in W.columns:
        if s != cmp.reference:
            F.save(F.rank_shift_slope(cmp, s, names=names), f / f"weights_rank_shift_{s}")
    F.save(F.correlation_heatmap(cmp.scores.corr(method="spearman"),
                                 title="Spearman correlation of the index across weight sets"), f / "weights_sets_corr")
    summary = {"sets": list(cmp.scores.columns), "reference": cmp.reference,
               "summary": cmp.summary.round(4).reset_index().to_dict(orient="records")}
    if "optimised" in details:
        summary["optimised"] = {n: {"reachable": o.reachable, "zero_weights": o.zero_weights, "notes": o.notes}
                                for n, o in details["optimised"].items()}
    if "ahp" in details:
        from ..weights.ahp import consistency_line

        def num(x: float) -> float | None:
            return None if np.isnan(x) else round(float(x), 4)

        summary["ahp"] = {n: {"method": r.method, "measure": r.measure, "value": num(r.index),
                              "threshold": num(r.threshold), "consistent": r.consistent, "line": consistency_line(r)}
                          for n, r in details["ahp"].items()}
    save_summary(run_dir, "02_weighting", summary)
    return summary


# --- 03 uncertainty and sensitivity -----------------------------------------------------------
def uncertainty(framework, data, spec, ua, run_dir, *, year=None, N: int | None = None, sobol_N: int | None = None,
                seed: int | None = None) -> dict:
    from ..data import load_data
    from ..framework import load_framework
    from ..select import pick_year
    from ..uncertainty import output_values
    from ..uncertainty.engine import Engine
    from ..uncertainty.figures import rank_intervals, sobol_bars
    from ..uncertainty.sensitivity import labelled_design, problem, sobol_salib, unit_design
    from ..uncertainty.spec import load_ua_spec

    t, f, _ = folders(run_dir)
    fw = load_framework(framework)
    panel = load_data(data, fw)
    ds = pick_year(panel, year)
    u = load_ua_spec(ua)
    if N:
        u.N = int(N)
    if seed is not None:
        u.seed = int(seed)
    # the whole panel goes in: with normalise.reference_year the nominal run is the built index of `year`
    eng = Engine(fw, panel, spec, u,
                 year=None if panel.year is None else (panel.years[-1] if year is None else year))
    from ..uncertainty import sample

    res = eng.evaluate(eng.resolve(sample(eng, kind="mc")), keep_scores=False)
    names = ds.units["uName"] if "uName" in ds.units else None
    stats = res.rank_stats.copy()
    if names is not None:
        stats.insert(0, "uName", names)
    write_table(stats, t, "ua_rank_stats")
    if res.level_shares is not None:
        write_table(res.level_shares, t, "ua_level_shares")
    F.save(rank_intervals(res.rank_stats, names), f / "ua_rank_intervals")
    dims = eng.dims()
    si = None
    if dims:
        n_s = int(sobol_N or max(64, u.N // (len(dims) + 2)))
        design = labelled_design(unit_design(dims, n_s, "sobol", u.seed), dims, u.factors)
        rs = eng.evaluate(eng.resolve(design), keep_scores=u.output.startswith("rank:"))
        Y = np.asarray(output_values(rs, u.output, eng))
        si = sobol_salib(problem(dims), Y, seed=u.seed)
        write_table(si, t, "ua_sobol")
        F.save(sobol_bars(si), f / "ua_sobol")
        conv = sobol_convergence(problem(dims), Y, n_s, seed=u.seed)
        if len(conv):
            write_table(conv, t, "ua_sobol_convergence", index=False)
    width = (stats["Q95"] - stats["Q5"]) if "Q95" in stats else None
    summary = {"runs": int(u.N), "factors": [fa.name for fa in u.factors], "output": u.output, "seed": int(u.seed),
               "sobol_N": n_s if dims else None, "sobol_runs": int(n_s * (len(dims) + 2)) if dims else None,
               "median_interval_width": float(width.median()) if width is not None else None,
               "sobol": si.round(4).reset_index().to_dict(orient="records") if si is not None else []}
    save_summary(run_dir, "03_uncertainty_sensitivity", summary)
    return summary


def sobol_convergence(prob: dict, Y: np.ndarray, n: int, *, seed: int = 0) -> pd.DataFrame:
    """Sobol' indices estimated on the first n/4, n/2 and n base samples of one Saltelli design.

    In SALib's row order every base sample is one block of ``G + 2`` consecutive rows (A, the G
    rows AB_i, B; Saltelli et al. 2010, without second-order rows), so the first ``m`` blocks are a
    complete design of size ``m``: the estimates at growing ``m`` show whether the indices have
    settled (a convergence check of the kind Saltelli et al. 2008, ch. 4, recommend).
    """
    import warnings

    from ..uncertainty.sensitivity import sobol_salib

    step = len(Y) // n
    rows = []
    for m in sorted({max(8, n // 4), max(8, n // 2), n}):
        if m > n:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = sobol_salib(prob, Y[: m * step], seed=seed)
        for fac, r in si.iterrows():
            rows.append({"n": m, "runs": m * step, "factor": fac, "S1": r["S1"], "ST": r["ST"],
                         "S1_conf": r["S1_conf"], "ST_conf": r["ST_conf"]})
    return pd.DataFrame(rows)


# --- 04 clustering ----------------------------------------------------------------------------
def clustering(result, run_dir, *, on="dimensions", method="kmeans", k=None, ks=range(2, 9), choose="silhouette",
               n_boot: int = 50, seed: int = 0, year=None, boundaries=None, boundary_code=None) -> dict:
    from ..cluster import typology

    t, f, _ = folders(run_dir)
    ty = typology(result, on=on, method=method, k=k, ks=ks, choose=choose, n_boot=n_boot, seed=seed, year=year)
    notes = write_typology(ty, result, t, f, boundaries=boundaries, boundary_code=boundary_code, year=year)
    lab = ty.profiles.labels.join(ty.profiles.sizes.rename("size")).join(ty.profiles.medoids.add_prefix("medoid_"))
    summary = {"k": int(ty.k), "structure": bool(ty.structure), "method": method, "on": on, "notes": notes,
               "clusters": lab.reset_index().to_dict(orient="records"),
               "mean_ari": ty.stability.mean_ari if ty.stability is not None else None}
    save_summary(run_dir, "04_clustering", summary)
    return summary


def write_typology(ty, res, tables: Path, figs: Path, *, boundaries=None, boundary_code=None, year=None) -> list[str]:
    """Write a typology's tables and figures; returns notes (choice of k, unstable clusters, maps)."""
    notes = list(ty.notes)
    fw = res.framework
    dims = fw.children(fw.root)
    names = {d: f"{fw.nodes[d].name or d}" for d in dims}
    write_table(ty.peers, tables, "cluster_members")
    write_table(ty.profiles.means, tables, "cluster_profiles")
    lab = ty.profiles.labels.join(ty.profiles.sizes.rename("size")).join(ty.profiles.medoids.add_prefix("medoid_"))
    if ty.stability is not None:
        lab = lab.join(ty.stability.jaccard).join(ty.stability.dissolved)
    write_table(lab, tables, "clusters")
    for b, ct in ty.profiles.crosstabs.items():
        write_table(ct, tables, f"cluster_by_{b}")
    if ty.selection is not None:
        write_table(ty.selection.table, tables, "k_selection")
        F.save(F.selection_plot(ty.selection.table, ty.k), figs / "k_selection")
        notes.insert(0, ty.selection.reason)
    F.save(F.profile_heatmap(ty.profiles.means[dims], ty.profiles.labels, names=names), figs / "cluster_profiles")
    radar_labels = {c: f"{c}: {ty.profiles.labels.loc[c, 'label_en'].split(':')[0]}" for c in ty.profiles.labels.index}
    F.save(F.radar(ty.profiles.means[dims], names=names, labels=radar_labels), figs / "cluster_radar")
    if ty.method == "ward":
        F.save(F.dendrogram(ty.features, ty.k), figs / "dendrogram")
    if boundaries:
        from ..audit import units_of
        from ..maps import choropleth, join_units, read_boundaries

        b = read_boundaries(boundaries)
        fo, rep = join_units(units_of(res, year), b, code=boundary_code)
        write_table(rep, tables, "map_unmatched", index=False)
        if len(rep):
            notes.append(f"{len(rep)} units have no boundary (see tables/map_unmatched.csv)")
        lbl = {c: f"{c}: {ty.profiles.labels.loc[c, 'label_en'].split(':')[0]}" for c in ty.profiles.labels.index}
        F.save(choropleth(ty.labels, b, fo, categorical=True, title="City typology / Tipologi kota",
                          legend_title="cluster", labels=lbl), figs / "map_clusters")
        F.save(choropleth(ty.peers["index"], b, fo, title=f"{fw.nodes[fw.root].name or fw.root}",
                          legend_title=fw.root), figs / "map_index")
    else:
        notes.append("no boundary file given: maps skipped")
    return notes


# --- 05 scenarios -----------------------------------------------------------------------------
def scenarios(result, run_dir, *, scenario_files=(), path_units=(), path_to="next", year=None) -> dict:
    from ..scenario import Baseline, compare_scenarios, contributions, load_scenario, path_to_target, run_scenario

    t, f, _ = folders(run_dir)
    b = Baseline(result, year)
    out = {"scenarios": [], "paths": []}
    scs = {}
    for p in scenario_files:
        sc = load_scenario(p)
        scs[sc.name] = sc
        r = run_scenario(b, sc)
        write_table(r.table, t, f"scenario_{sc.name}")
        moved = r.table[r.table["changed"]]
        out["scenarios"].append({"name": sc.name, "units_changed": int(len(moved)),
                                 "level_changes": int(moved.get("level_changed", pd.Series(dtype=bool)).sum()),
                                 "mean_delta_score": float(moved["delta_score"].mean()) if len(moved) else 0.0})
        for u in list(moved.index)[:3]:
            c = contributions(b, r, u)
            nm = b.units["uName"].get(u, u) if "uName" in b.units else u
            F.save(F.waterfall(c, float(r.table.at[u, "baseline_score"]), title=f"{nm} — {sc.name}"),
                   f / f"scenario_{sc.name}_{u.replace('.', '_')}")
    if len(scs) > 1:
        write_table(compare_scenarios(b, scs), t, "scenarios_compared", index=False)
    for u in path_units:
        p = path_to_target(b, u, path_to)
        write_table(p.moves, t, f"path_{u.replace('.', '_')}")
        out["paths"].append({"unit": u, "name": str(b.units["uName"].get(u, u)) if "uName" in b.units else u,
                             "from": p.baseline_score, "target": p.target, "reachable": p.reachable,
                             "message": p.message, "cost": p.total_cost,
                             "moves": p.moves[p.moves["change"].abs() > 0].round(4).reset_index()
                             .to_dict(orient="records")})
    save_summary(run_dir, "05_scenarios", out)
    return out


# --- 99 report --------------------------------------------------------------------------------
METHOD_DIR = Path(__file__).resolve().parents[3] / "methodology" / "methods"


def method_text(step: str, choice: str | None = None, lang: str = "en") -> str:
    """Justification text for a method choice from ``methodology/methods/<step>.md``.

    The file's first paragraph is the general text; a ``## <choice>`` section, when present, is
    appended. ``lang="id"`` reads the Bahasa Indonesia version ``<step>.id.md`` (falling back to
    English when there is none).
    """
    p = METHOD_DIR / f"{step}.md"
    if lang == "id" and (METHOD_DIR / f"{step}.id.md").exists():
        p = METHOD_DIR / f"{step}.id.md"
    if not p.exists():
        return ""
    txt = p.read_text(encoding="utf-8")
    parts = re.split(r"^## +", txt, flags=re.M)
    head = parts[0].split("\n", 1)[1].strip() if parts[0].startswith("#") else parts[0].strip()
    out = head.split("\n\n")[0]
    if choice:
        for sec in parts[1:]:
            name, _, body = sec.partition("\n")
            if name.strip().lower() == str(choice).lower():
                out += "\n\n" + body.strip()
                break
    return out


def report_tables(result, run_dir, *, year=None, top: int = 15, title: str = "") -> dict:
    """Top and bottom units, level counts and the method choices with their justification."""
    from ..audit import cross_section, units_of
    from ..levels import Bands, rank_desc

    t, _, _ = folders(run_dir)
    fw = result.framework
    T = cross_section(result, year=year)
    u = units_of(result, year)
    root = fw.root
    tab = pd.DataFrame({"uName": u["uName"].reindex(T.index) if "uName" in u else T.index,
                        "province": u["province"].reindex(T.index) if "province" in u else "",
                        root: T[root].round(2), "rank": rank_desc(T[root].to_numpy()).astype(int)}, index=T.index)
    bands = Bands.from_spec(result.spec.get("levels"))
    if bands is not None:
        tab["level"] = bands.assign(T[root].to_numpy())
        counts = tab["level"].value_counts().reindex(bands.labels).fillna(0).astype(int)
        lv = pd.DataFrame({"level": bands.labels, "tingkat": bands.names_id or bands.labels,
                           "from score": ["—"] + [f"{b:g}" for b in bands.bands], "units": counts.to_numpy()})
        write_table(lv, t, "report_levels", index=False)
    tab = tab.sort_values("rank")
    write_table(tab.head(top).reset_index(), t, "report_top", index=False)
    write_table(tab.tail(top).reset_index(), t, "report_bottom", index=False)
    sp = result.spec
    agg = (sp.get("aggregate") or {}).get("method", "arithmetic")
    norm = (sp.get("normalise") or {}).get("method", "minmax")
    imp = (sp.get("impute") or {}).get("method", "none")
    trt = (sp.get("treat") or {}).get("method", "none")
    methods = [f"Imputation / imputasi: {imp}", f"Outlier treatment / penanganan pencilan: {trt}",
               f"Normalisation / normalisasi: {norm}", f"Weights / bobot: {sp.get('weights')}",
               f"Aggregation / agregasi: {agg}"]
    texts = {"impute": method_text("impute", imp), "treat": method_text("treat", trt),
             "normalise": method_text("normalise", norm), "weights": method_text("weights"),
             "aggregate": method_text("aggregate", agg), "levels": method_text("levels")}
    summary = {"subtitle": f"{fw.meta.get('title', fw.name)} — {len(T)} units, {len(fw.indicators)} indicators"
               + (f", year {year}" if year is not None else ""),
               "intro": [str(sp.get("note") or "")], "methods": methods, "texts": texts, "title": title}
    save_summary(run_dir, "99_report", summary)
    return summary
