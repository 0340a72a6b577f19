"""Arguments and checks shared by the sub-command modules of :mod:`analysis.cli`.

The checks raise :class:`~analysis.InputError` naming the option, so that :func:`analysis.cli.main`
answers a bad value with one line and exit code 2 before any work is done.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
from collections.abc import Iterable
from pathlib import Path

from .._errors import InputError

__all__ = ["Parser", "add_inputs", "add_force", "inputs_of", "listing", "at_least", "finite", "check_out", "check_year",
           "suggest", "run_inputs"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose refusals are one line, like every other error of the command line.

    ``maturasi: error: cluster: argument --k: invalid int value: 'abc' (see 'maturasi cluster --help')``,
    exit code 2. Sub-command parsers are of the same class.
    """

    def error(self, message: str):
        command = self.prog.removeprefix("maturasi").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"maturasi: error: {where}{' '.join(message.split())} (see '{self.prog} --help')\n")


def add_inputs(q: argparse.ArgumentParser, *, spec_help: str = "build spec (YAML)") -> None:
    """``--framework``, ``--data`` and ``--spec``: the three inputs of a build."""
    q.add_argument("--framework", "-f", required=True, help="framework YAML/CSV/XLSX or built-in name")
    q.add_argument("--data", "-d", required=True, help="data table (CSV/XLSX, wide or long)")
    q.add_argument("--spec", "-s", default=None, help=spec_help)


def add_force(q: argparse.ArgumentParser) -> None:
    """``--force``: allow replacing an earlier Maturasi output folder."""
    q.add_argument("--force", action="store_true", help="replace an earlier Maturasi output in --out")


def inputs_of(args: argparse.Namespace, *extra: str) -> dict:
    """The named input files of a command (framework, data, spec and ``extra`` options that are set)."""
    d = {"framework": args.framework, "data": args.data, "spec": getattr(args, "spec", None)}
    for k in extra:
        if getattr(args, k, None):
            d[k] = getattr(args, k)
    return d


def listing(tmp: Path) -> list[str]:
    """Files written under ``tmp`` (relative), plus the manifest about to be written."""
    from ..manifest import TMP_MARKER

    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*")
                  if p.is_file() and p.name not in (TMP_MARKER, "manifest.json")) + ["manifest.json"]


def at_least(value: int | None, low: int, flag: str) -> None:
    """Refuse ``flag``'s value when it is below ``low`` (``None`` = not given)."""
    if value is not None and value < low:
        raise InputError(f"{flag} must be at least {low} (got {value})")


def finite(value: float | None, flag: str, *, low: float | None = None, high: float | None = None) -> None:
    """Refuse a non-finite value of ``flag``, or one outside ``[low, high]``."""
    if value is None:
        return
    if not math.isfinite(value):
        raise InputError(f"{flag} must be a finite number (got {value})")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"{flag} must be between {low:g} and {high:g} (got {value:g})")


def check_out(args: argparse.Namespace, inputs) -> None:
    """Refuse ``--out`` before any work: it must be new, or an earlier Maturasi output with ``--force``."""
    from ..manifest import check_out as refuse_out

    refuse_out(args.out, inputs=inputs, force=args.force)


def check_year(result, year, data) -> None:
    """Refuse a ``--year`` that is not in ``result`` (naming the data file) or given for a cross-section."""
    if year is None:
        return
    if result.year is None:
        raise InputError(f"--year {year}: the data have no year column (one cross-section)", file=data)
    from ..select import year_slice

    try:
        year_slice(result.aggregates, result, year)
    except InputError as e:
        raise InputError(f"--year {year}: {e.message}", file=data) from None


def suggest(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known word, or ``""``."""
    close = difflib.get_close_matches(str(word), sorted(map(str, known)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def run_inputs(run: str | Path) -> list[Path]:
    """A run folder and the input files its manifest names (an output must not touch them)."""
    run = Path(run)
    found = [run]
    try:
        m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return found
    for entry in (m.get("inputs") or {}).values() if isinstance(m, dict) else ():
        if isinstance(entry, dict) and not entry.get("builtin"):
            for key in ("abspath", "path"):
                if entry.get(key):
                    found.append(Path(entry[key]))
    return found
