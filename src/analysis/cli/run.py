"""``maturasi run``: the notebook pipeline for a run config."""

from __future__ import annotations

import argparse
import os
import sys

from ._args import add_force

__all__ = ["register", "cmd_run"]


def register(sub) -> None:
    """Add the run sub-command."""
    r = sub.add_parser("run", help="run the notebook pipeline (papermill) for a config: tables, figures, report")
    r.add_argument("config", help="run config (YAML)")
    r.add_argument("--out", "-o", default=None, help="run folder (default reports/<name>; new, or an earlier "
                   "output with --force)")
    add_force(r)
    r.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config parameter (repeatable; YAML values; paths relative to the current "
                   "folder); spec.<path>=VALUE changes the build spec, e.g. -p spec.normalise.method=zscore "
                   "-p spec.weights=equal (the run writes the effective spec to spec.yaml)")
    r.add_argument("--dry-run", action="store_true", help="check the config, its inputs and --out only; run nothing")
    r.add_argument("--no-progress", action="store_true")
    r.set_defaults(func=cmd_run)


def _lang(args: argparse.Namespace, m: dict) -> str:
    """The language of the summary line: ``--lang`` or ``MATURASI_LANG`` when given, else the config's ``lang``."""
    given = getattr(args, "cli_lang", None) or os.environ.get("MATURASI_LANG")
    lang = given or (m.get("config") or {}).get("lang") or "en"
    return lang if lang in ("en", "id") else "en"


def cmd_run(args: argparse.Namespace) -> int:
    from ..report.runner import parse_overrides, run, summary_line
    from ._lang import translate_message

    m = run(args.config, args.out, overrides=parse_overrides(args.parameter), dry_run=args.dry_run,
            progress=False if args.no_progress else None, force=args.force)
    if m["status"] == "dry-run":
        return 0
    print(translate_message(summary_line(m), _lang(args, m)), file=sys.stdout if m["status"] == "ok" else sys.stderr)
    if m["status"] != "ok":
        return 2 if (m.get("failure") or {}).get("error") == "InputError" else 1
    return 0
