"""Command line: ``maturasi build | validate | run | uncertainty | weights | cluster | scenario | …``.

One module per command group (:mod:`.build`, :mod:`.uncertainty`, :mod:`.weighting`, :mod:`.cluster`,
:mod:`.scenario`, :mod:`.dashboard`, :mod:`.run`); each adds its sub-commands to the parser and calls
the library. :func:`main` turns a user error into one line on stderr:

* exit 0: success (an :class:`~analysis.InputWarning` is shown as one ``note:`` line; other warnings
  go into the output's manifest, never to the terminal);
* exit 2: bad input — an :class:`~analysis.InputError`, or a user's file that cannot be read or
  written (missing, a folder, no permission, disk full) — one line naming the file;
* exit 3 (``path``): the target cannot be reached;
* exit 1: an internal error (a traceback).

``--lang id`` (anywhere on the line) or ``MATURASI_LANG=id`` gives the top-level help, the error
line and the most common refusals in Bahasa Indonesia (:mod:`._lang` lists what is translated).
"""

from __future__ import annotations

import argparse
import errno
import sys

from .._errors import InputError
from . import _lang, _notes, build, cluster, dashboard, idm, rollup, run, scenario, uncertainty, weighting
from ._args import Parser

__all__ = ["main", "parser"]

_GROUPS = (build, uncertainty, weighting, cluster, scenario, rollup, dashboard, run, idm)
# errors about a path the user gave (not a bug of the kit)
_USER_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.ENOSPC, errno.EROFS,
                errno.ENAMETOOLONG, errno.ELOOP, errno.EEXIST, errno.ENOTEMPTY, getattr(errno, "EDQUOT", errno.ENOSPC)}


def parser(lang: str = "en") -> argparse.ArgumentParser:
    """The ``maturasi`` argument parser with every sub-command (summaries in ``lang``)."""
    p = Parser(prog="maturasi", description="Composite-indicator engine for smart-city maturity "
                                "indices (Indonesia's 514 kabupaten/kota).")
    p.add_argument("--lang", choices=["en", "id"], default=None, dest="cli_lang",
                   help=_lang.gettext("language of the messages: en (English) or id (Bahasa Indonesia)", lang))
    sub = p.add_subparsers(dest="command", required=True)
    for group in _GROUPS:
        group.register(sub)
    _lang.translate_help(p, lang)
    return p


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _os_error(e: OSError) -> str | None:
    """One line for an OSError about a user's path, or None when it is not clearly one."""
    if getattr(e, "filename", None) is None or e.errno not in _USER_ERRNOS:
        return None
    return _one_line(f"{e.filename}: {e.strerror or e}")


def main(argv: list[str] | None = None) -> int:
    """Run one ``maturasi`` command; return its exit code."""
    argv = _lang.hoist(sys.argv[1:] if argv is None else argv)
    lang = _lang.cli_lang(argv)
    args = parser(lang).parse_args(argv)
    error = _lang.prefix(lang)
    try:
        with _notes.capture(quiet_logging=args.command != "dashboard"):  # a server's log stays visible
            code = args.func(args)
    except InputError as e:
        print(f"{error} {_one_line(_lang.error_line(e, lang))}", file=sys.stderr)
        return 2
    except OSError as e:
        line = _os_error(e)
        if line is None:
            raise
        if lang != "en" and e.strerror:
            line = _one_line(f"{e.filename}: {_lang.gettext(e.strerror, lang)}")
        print(f"{error} {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C: the temporary output is already removed
        print(f"maturasi: {_lang.gettext('interrupted', lang)}", file=sys.stderr)
        return 130
    for note in _notes.input_notes():
        print(f"{_lang.gettext('note:', lang)} {_lang.translate_message(note, lang)}", file=sys.stderr)
    return code
