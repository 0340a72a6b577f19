"""Writing a build's tables to a folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .manifest import atomic_dir, manifest, write_json
from .pipeline import Result

__all__ = ["write_result"]


def _csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, float_format="%.17g")


def write_result(result: Result, out: str | Path, *, inputs: dict, command: str = "build",
                 force: bool = False) -> Path:
    """Write scores, normalised values, ranks, levels and a manifest atomically into ``out``.

    ``out`` must not exist, or be an earlier Maturasi output and ``force`` be true; it must not be,
    contain or lie inside one of ``inputs`` (see :func:`analysis.manifest.atomic_dir`).

    Files: ``scores.csv`` (every aggregate, the index last, full precision), ``normalised.csv``,
    ``ranks.csv``, ``percentiles.csv``, ``levels.csv`` (when bands are given), ``treatment.csv`` (when a
    treatment ran), ``results.csv`` (tidy table with names and groups) and ``manifest.json``.
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
        notes = list(result.warnings)
        if note:
            notes.insert(0, note)
        m = manifest(command=command, inputs=inputs, spec=result.spec.to_dict(), seed=result.spec.get("seed"),
                     timings=result.timings, notes=notes, outputs=files + ["manifest.json"],
                     extra={"framework": result.framework.name, "units": int(result.aggregates.shape[0]),
                            "indicators": len(result.framework.indicators)})
        write_json(m, tmp / "manifest.json")
    return out
