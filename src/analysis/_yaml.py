"""Reading YAML input files (specs, frameworks, run configs, scenarios, AHP matrices)."""

from __future__ import annotations

from pathlib import Path

import yaml

from ._errors import InputError

__all__ = ["read_yaml"]


def read_yaml(path: str | Path, what: str = "file") -> dict:
    """Parse a YAML file that must hold a mapping (an empty file gives ``{}``).

    A missing file, invalid YAML or a document that is not a mapping is an :class:`InputError`
    naming the file and ``what`` it was meant to be.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} not found", file=path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise InputError(f"not valid YAML: {e}", file=path) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError(f"a {what} must be a mapping", file=path)
    return doc
