"""Reading YAML input files (specs, frameworks, run configs, scenarios, AHP matrices)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ._errors import InputError
from .tables import read_text

__all__ = ["read_yaml", "parse_yaml"]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                # YAML 1.1 reads the keys on/off/yes/no as booleans (`levels: {on: GOV}` lost its key);
                # an unquoted word used as a key is meant as text
                if key_node.tag == _BOOL_TAG and isinstance(key_node, yaml.ScalarNode) and key_node.style is None:
                    key_node.tag = _STR_TAG
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: let PyYAML report it
                    continue
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise _DuplicateKey(key, line, first)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


# PyYAML follows YAML 1.1, where ``1e-3`` and ``1.0e5`` (no dot, or no sign in the exponent) are
# text; YAML 1.2 and every user read them as numbers.
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


class _DuplicateKey(Exception):
    def __init__(self, key, line: int, first: int):
        super().__init__(key, line, first)
        self.key, self.line, self.first = key, line, first


def _yaml_problem(e: yaml.YAMLError) -> str:
    """A one-line description of a PyYAML error with its line and column."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    context = getattr(e, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = f"{problem} ({context})" if context else problem
    return " ".join(f"{where}{what}".split())


def parse_yaml(text: str, file=None):
    """Parse YAML text strictly (duplicate keys refused); errors name ``file`` and the line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as e:
        raise InputError(f"line {e.line}: duplicate key '{e.key}' (first given on line {e.first})",
                         file=file) from None
    except yaml.YAMLError as e:
        raise InputError(f"not valid YAML: {_yaml_problem(e)}", file=file) from None
    except (ValueError, TypeError, OverflowError) as e:  # e.g. a timestamp PyYAML cannot build
        raise InputError(f"not valid YAML: {' '.join(str(e).split())}", file=file) from None


def read_yaml(path: str | Path, what: str = "file") -> dict:
    """Parse a YAML file that must hold a mapping (a file with only comments gives ``{}``).

    A missing, folder, unreadable, empty (0-byte) or non-UTF-8 file, invalid YAML, a key given
    twice in one mapping, or a document that is not a mapping is an :class:`InputError` naming
    the file and ``what`` it was meant to be. UTF-8 with a byte-order mark and UTF-16 with a
    byte-order mark are read.
    """
    path = Path(path)
    text = read_text(path, what)
    doc = parse_yaml(text, file=path)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError(f"a {what} must be a mapping", file=path)
    return doc
