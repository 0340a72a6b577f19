"""Writing a build's tables to a folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .manifest import atomic_dir, manifest, write_json
from .pipeline import Result
from .workbook import results_sheets, write_workbook

__all__ = ["write_result"]


def _about(result: Result, command: str, inputs: dict, note: str | None) -> dict:
    from . import __version__

    fw = result.framework
    return {"Title": fw.meta.get("title", fw.name), "Framework": f"{fw.name} ({fw.meta.get('nama', '')})",
            "Note": note, "Data": ", ".join(f"{k}: {Path(v).name}" for k, v in inputs.items() if v),
            "Year": result.year, "Units": int(result.aggregates.shape[0]), "Command": f"maturasi {command}",
            "Software": f"maturasi {__version__}"}


def _csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, float_format="%.17g")


def write_result(result: Result, out: str | Path, *, inputs: dict, command: str = "build",
                 force: bool = False, xlsx: bool = False, extra_tables: dict | None = None) -> Path:
    """Write scores, normalised values, ranks, levels and a manifest atomically into ``out``.

    ``out`` must not exist, or be an earlier Maturasi output and ``force`` be true; it must not be,
    contain or lie inside one of ``inputs`` (see :func:`analysis.manifest.atomic_dir`).

    Files: ``scores.csv`` (every aggregate, the index last, full precision), ``normalised.csv``,
    ``ranks.csv``, ``percentiles.csv``, ``levels.csv`` (when bands are given), ``treatment.csv`` (when a
    treatment ran), ``results.csv`` (tidy table with names and groups) and ``manifest.json``.
    With ``xlsx``, also ``results.xlsx`` (:mod:`analysis.workbook`: README, results, indicators,
    normalised values and ``extra_tables``, e.g. a province roll-up), holding the same values.
    ``extra_tables`` (sheet key to flat table) are also written as ``<key>.csv``.
    """
    out = Path(out)
    note = result.spec.get("note")
    with atomic_dir(out, inputs=inputs, force=force) as tmp:
        files = ["scores.csv", "normalised.csv", "ranks.csv", "percentiles.csv", "results.csv"]
        _csv(result.aggregates, tmp / "scores.csv")
        _csv(result.normalised, tmp / "normalised.csv")
        result.ranks.to_csv(tmp / "ranks.csv")
        _csv(result.percentiles, tmp / "percentiles.csv")
        _csv(result.table(), tmp / "results.csv")
        if result.levels is not None:
            result.levels.to_frame("Level").to_csv(tmp / "levels.csv")
            files.append("levels.csv")
        if result.treatment is not None and len(result.treatment.columns):
            result.treatment.to_csv(tmp / "treatment.csv")
            files.append("treatment.csv")
        if note:
            (tmp / "README.txt").write_text(f"{note}\n", encoding="utf-8")
            files.append("README.txt")
        for key, table in (extra_tables or {}).items():
            table.to_csv(tmp / f"{key}.csv", index=False, float_format="%.17g")
            files.append(f"{key}.csv")
        if xlsx:
            write_workbook(tmp / "results.xlsx", {**results_sheets(result), **(extra_tables or {})},
                           about=_about(result, command, inputs, note), framework=result.framework)
            files.append("results.xlsx")
        notes = list(result.warnings)
        if note:
            notes.insert(0, note)
        m = manifest(command=command, inputs=inputs, spec=result.spec.to_dict(), seed=result.spec.get("seed"),
                     timings=result.timings, notes=notes, outputs=files + ["manifest.json"],
                     extra={"framework": result.framework.name, "units": int(result.aggregates.shape[0]),
                            "indicators": len(result.framework.indicators)})
        write_json(m, tmp / "manifest.json")
    return out
