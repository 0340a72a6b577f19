"""Arguments and small helpers shared by the sub-command modules of :mod:`analysis.cli`."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_inputs", "add_force", "inputs_of", "listing"]


def add_inputs(q: argparse.ArgumentParser, *, spec_help: str = "build spec (YAML)") -> None:
    """``--framework``, ``--data`` and ``--spec``: the three inputs of a build."""
    q.add_argument("--framework", "-f", required=True, help="framework YAML/CSV/XLSX or built-in name")
    q.add_argument("--data", "-d", required=True, help="data table (CSV/XLSX, wide or long)")
    q.add_argument("--spec", "-s", default=None, help=spec_help)


def add_force(q: argparse.ArgumentParser) -> None:
    """``--force``: allow replacing an earlier Maturasi output folder."""
    q.add_argument("--force", action="store_true", help="replace an earlier Maturasi output in --out")


def inputs_of(args: argparse.Namespace, *extra: str) -> dict:
    """The named input files of a command, for its manifest (``None`` entries are dropped there)."""
    d = {"framework": args.framework, "data": args.data, "spec": getattr(args, "spec", None)}
    for k in extra:
        if getattr(args, k, None):
            d[k] = getattr(args, k)
    return d


def listing(tmp: Path) -> list[str]:
    """Files written under ``tmp`` (relative), plus the manifest about to be written."""
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()) + ["manifest.json"]
