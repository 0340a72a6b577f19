"""``maturasi idm path``: every village's least path to its next IDM status."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .._errors import InputError
from . import _notes
from ._args import add_force, check_out, listing

__all__ = ["register", "cmd_idm_path"]


def register(sub) -> None:
    """Add the ``idm`` command group (``idm path``)."""
    g = sub.add_parser("idm", help="Indeks Desa Membangun (village development index) tools")
    gs = g.add_subparsers(dest="idm_command", required=True)
    p = gs.add_parser("path", help="least score points (and least IDM increase) of every village to its next status")
    p.add_argument("--data", "-d", required=True,
                   help="IDM scores (uCode, year, IKS_01…IKL_03) or the ministry's export (kode_desa, tahun…)")
    p.add_argument("--framework", "-f", default="idm", help="the IDM framework (default: built-in idm)")
    p.add_argument("--year", type=int, default=None, help="one year of a panel (default: every year)")
    p.add_argument("--scores", choices=["published", "any"], default="published",
                   help="allowed scores of each indicator: those the ministry uses (default) or every whole score")
    p.add_argument("--out", "-o", required=True, help="output folder (new, or an earlier output with --force)")
    add_force(p)
    p.set_defaults(func=cmd_idm_path)


def _table(path: str):
    """The data file, or the ministry's open-data export (``kode_desa``, ``tahun``, …) in the kit's layout."""
    from ..idm import read_published
    from ..tables import read_table

    head = read_table(path, what="data")
    if "uCode" not in head.columns and "kode_desa" in head.columns:
        return read_published(path)
    return path


def cmd_idm_path(args: argparse.Namespace) -> int:
    from ..data import load_data
    from ..framework import load_framework
    from ..idm import intervention_value, path_to_next_status
    from ..manifest import atomic_dir, manifest, write_json

    inputs = {"framework": args.framework, "data": args.data}
    check_out(args, inputs)
    t0 = time.perf_counter()
    fw = load_framework(args.framework)
    # a framework that names its official export's columns (idm: kode_desa) reads the file itself, so
    # refusals name the file; otherwise the export is converted first
    ds = load_data(args.data if fw.meta.get("code_columns") else _table(args.data), fw)
    ds.source = args.data
    raw = ds.values[fw.indicators]
    if args.year is not None:
        if ds.year is None:
            from ..data import YEAR_COLUMNS

            col = next((c for c in YEAR_COLUMNS if c in ds.units.columns), None)
            held = sorted({str(v) for v in ds.units[col].dropna()}) if col else []
            if held == [str(args.year)]:
                args.year = None            # the one year the data hold
            else:
                raise InputError(f"--year {args.year}: the data hold " + (
                    f"only {col} {', '.join(held)}" if held else "no year column (one cross-section)"),
                    file=args.data)
    if args.year is not None:
        if args.year not in ds.years:
            raise InputError(f"--year {args.year} is not in the data (years: {ds.years})", file=args.data)
        raw = raw[raw.index.get_level_values(ds.year) == args.year]
    try:
        path = path_to_next_status(raw, fw, allowed="published" if args.scores == "published" else None)
    except InputError as e:
        raise InputError(e.message, file=args.data, column=e.column) from None
    value = intervention_value(raw, fw).stack().rename("value_to_5").reset_index()
    value = value.rename(columns={value.columns[-2]: "iCode"})
    value = value[value["value_to_5"] > 0]
    names = ds.units[["uName"]] if "uName" in ds.units.columns else None
    table = path if names is None else names.join(path, how="right")
    out = Path(args.out)
    with atomic_dir(out, inputs=inputs, force=args.force) as tmp:
        table.to_csv(tmp / "path.csv", float_format="%.12g")
        value.to_csv(tmp / "values.csv", index=False, float_format="%.12g")
        m = manifest(command="idm path", inputs=inputs, timings={"total": time.perf_counter() - t0},
                     notes=_notes.recorded(), outputs=listing(tmp),
                     extra={"year": args.year, "scores": args.scores, "villages": int(len(path))})
        write_json(m, tmp / "manifest.json")
    from types import SimpleNamespace

    from ..audit.duplicates import duplicate_notes

    for note in duplicate_notes(SimpleNamespace(raw=ds.values[fw.indicators], year=ds.year)):
        print(f"note: {note}", file=sys.stderr)
    todo = path["points"].notna()
    print(f"{len(path)} villages: {int(todo.sum())} below Mandiri need a median of "
          f"{float(path.loc[todo, 'points'].median()) if todo.any() else 0:g} score points to the next status → {out}")
    return 0
