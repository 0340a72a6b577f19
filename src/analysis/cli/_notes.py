"""Warnings raised while a command runs: recorded, never printed raw.

An :class:`~analysis.InputWarning` (something suspicious in the user's inputs) is shown after the
command as one ``note:`` line; every warning goes into the notes of the manifest of a command that
writes one, and is otherwise dropped (numerical and third-party warnings never reach the terminal).
"""

from __future__ import annotations

import contextlib
import logging
import warnings

from .._errors import InputWarning

__all__ = ["capture", "input_notes", "recorded"]

_records: dict[tuple[type, str], None] = {}


@contextlib.contextmanager
def capture(*, quiet_logging: bool = True):
    """Record the warnings of one command and, with ``quiet_logging``, keep unconfigured library log
    records (which Python would print as a last resort) off the terminal."""
    _records.clear()

    def record(message, category, filename, lineno, file=None, line=None):
        _records.setdefault((category, " ".join(str(message).split())), None)

    root = logging.getLogger()
    quiet = logging.NullHandler()
    if quiet_logging:
        root.addHandler(quiet)  # no "last resort" printing of library log records
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = record
            yield
    finally:
        root.removeHandler(quiet)


def input_notes() -> list[str]:
    """Messages of the :class:`InputWarning` s recorded so far."""
    return [msg for (cat, msg) in _records if issubclass(cat, InputWarning)]


def recorded() -> list[str]:
    """Every warning recorded so far, for a manifest's notes (``Category: message`` unless an InputWarning)."""
    return [msg if issubclass(cat, InputWarning) else f"{cat.__name__}: {msg}" for (cat, msg) in _records]
