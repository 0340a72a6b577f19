"""Command line: ``maturasi build | validate | run | uncertainty | weights | cluster | scenario | …``.

One module per command group (:mod:`.build`, :mod:`.weighting`, :mod:`.cluster`, :mod:`.uncertainty`,
:mod:`.scenario`, :mod:`.run`, :mod:`.dashboard`); each adds its sub-commands to the parser and calls the
library. :func:`main` turns an :class:`~analysis.InputError` into one line on stderr.

Exit codes: 0 success, 2 bad input (one line naming file, row/column and problem), 1 internal error,
3 (``path``) target not reachable.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from .._errors import InputError
from . import build, cluster, dashboard, run, scenario, uncertainty, weighting

__all__ = ["main", "parser"]

_GROUPS = (build, uncertainty, weighting, cluster, scenario, dashboard, run)


def parser() -> argparse.ArgumentParser:
    """The ``maturasi`` argument parser with every sub-command."""
    p = argparse.ArgumentParser(prog="maturasi", description="Composite-indicator engine for smart-city maturity "
                                "indices (Indonesia's 514 kabupaten/kota).")
    sub = p.add_subparsers(dest="command", required=True)
    for group in _GROUPS:
        group.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one ``maturasi`` command; return its exit code."""
    args = parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            return args.func(args)
    except InputError as e:
        print(f"maturasi: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130
