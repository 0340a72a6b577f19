"""The command line in English or Bahasa Indonesia (``maturasi --lang id …``).

The language comes from ``--lang en|id`` anywhere on the command line (``maturasi --lang id build …``
or ``maturasi dashboard --lang id``), else the environment variable ``MATURASI_LANG``, else English.
Through the project's one catalogue (:mod:`analysis.i18n`) it translates:

* the top-level help: the description and the one-line summary of every sub-command
  (``maturasi --lang id --help``);
* the one-line error (``maturasi: kesalahan: …``) with its location words (file, node, row, column)
  and, for the most common refusals, the message itself. A message is translated when the
  catalogue holds it exactly, or holds a *template* of it: a msgid with numbered fields ``{0}``,
  ``{1}`` (``"unknown unit '{0}'"``) matching the whole message; the fields are carried over
  unchanged. A closing suggestion ``(did you mean 'x'?)`` is translated on its own. Messages
  without an entry stay in English;
* the ``note:`` prefix of input notes and the ``interrupted`` line.

Option help texts, argparse's own usage errors and the sub-commands' progress lines stay English.
"""

from __future__ import annotations

import argparse
import os
import re
from functools import cache

from ..i18n import LANGS, catalogue, gettext

__all__ = ["cli_lang", "hoist", "translate_help", "translate_message", "error_line", "prefix", "gettext"]

_SUGGESTION = re.compile(r" \(did you mean '([^']*)'\?\)$")


def cli_lang(argv: list[str] | None) -> str:
    """The language of the command line's messages: ``--lang`` in ``argv``, ``MATURASI_LANG``, or "en".

    An unknown value gives "en" here (the parser then refuses it with its usual message).
    """
    argv = list(argv or [])
    value = None
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
            break
        if a.startswith("--lang="):
            value = a.split("=", 1)[1]
            break
    if value is None:
        value = os.environ.get("MATURASI_LANG")
    value = (value or "en").strip().lower()
    return value if value in LANGS else "en"


def hoist(argv: list[str]) -> list[str]:
    """``argv`` with its first ``--lang X`` (or ``--lang=X``) moved to the front, where the top-level
    parser reads it: ``maturasi build --lang id …`` works as ``maturasi --lang id build …``."""
    argv = list(argv)
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return [a, argv[i + 1], *argv[:i], *argv[i + 2:]]
        if a.startswith("--lang="):
            return [a, *argv[:i], *argv[i + 1:]]
    return argv


def translate_help(parser: argparse.ArgumentParser, lang: str) -> None:
    """Translate ``parser``'s description and its sub-commands' summary lines in place."""
    if lang == "en":
        return
    if parser.description:
        parser.description = gettext(parser.description, lang)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.help:
                    choice.help = gettext(choice.help, lang)
            for sub in action.choices.values():
                if sub.description:
                    sub.description = gettext(sub.description, lang)


@cache
def _templates(lang: str) -> list[tuple[re.Pattern, str]]:
    """The catalogue's entries with numbered fields, as (regular expression, translation)."""
    out = []
    for msgid, text in catalogue(lang).items():
        if "{0}" not in msgid:
            continue
        parts = re.split(r"\{(\d)\}", msgid)
        rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<f{p}>.*?)" for i, p in enumerate(parts))
        out.append((re.compile(f"^{rx}$", re.S), text))
    # the longest literal text first, so that a specific template wins over a general one
    out.sort(key=lambda t: -len(re.sub(r"\(\?P<f\d>\.\*\?\)", "", t[0].pattern)))
    return out


def translate_message(message: str, lang: str) -> str:
    """``message`` in ``lang`` when the catalogue has it or a template of it; else unchanged."""
    if lang == "en":
        return message
    tail = ""
    m = _SUGGESTION.search(message)
    if m:
        message, tail = message[: m.start()], gettext(" (did you mean '{0}'?)", lang).format(m.group(1))
    exact = gettext(message, lang)
    if exact != message:
        return exact + tail
    for rx, text in _templates(lang):
        hit = rx.match(message)
        if hit:
            fields = {int(k[1:]): v for k, v in hit.groupdict().items()}
            return text.format(*(fields[i] for i in range(len(fields)))) + tail
    return message + tail


def error_line(e, lang: str) -> str:
    """The text after ``maturasi: error:`` for an :class:`~analysis.InputError` ``e`` in ``lang``."""
    if lang == "en":
        return str(e)
    where = []
    if e.file:
        where.append(e.file)
    if e.node is not None:
        where.append(gettext("node '{0}'", lang).format(e.node))
    if e.row is not None:
        where.append(gettext("row {0}", lang).format(e.row))
    if e.column is not None:
        where.append(gettext("column '{0}'", lang).format(e.column))
    text = translate_message(e.message, lang)
    return f"{', '.join(where)}: {text}" if where else text


def prefix(lang: str) -> str:
    """``maturasi: error:`` in ``lang``."""
    return gettext("maturasi: error:", lang)
