"""Schema of pairwise-comparison (AHP) files.

YAML::

    SCI:                                   # the node whose children are compared
      labels: [GOV, ECO, LIV]
      matrix: [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]     # or
      experts: {ana: [[…]], budi: {matrix: [[…]]}}
      expert_weights: {ana: 2, budi: 1}    # optional

(optionally under a top-level ``ahp:`` key). :class:`AHPNode` checks the keys, that the labels
are unique, that every matrix is square with one row and column per label, and that every
judgement is a finite positive number or a fraction ``"a/b"``. Reciprocity and the diagonal are
checked by :func:`analysis.weights.ahp.check_matrix` for every format (YAML, CSV, XLSX).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from ._common import Int, NonNegative, Schema, Text, validate

__all__ = ["AHPNode", "ExpertMatrix", "parse_judgement", "check_ahp_yaml", "AHP_CSV_COLUMNS"]

AHP_CSV_COLUMNS = ("node", "row", "col", "value", "expert")


def parse_judgement(v: Any) -> float:
    """A judgement as a float: a number, or a fraction written as text (``"1/3"``); else ``ValueError``."""
    if isinstance(v, bool):
        raise ValueError(f"judgement must be a number or a fraction, got {v!r}")
    if isinstance(v, (int, float)):
        x = float(v)
    else:
        s = str(v).strip()
        try:
            if "/" in s:
                a, b = s.split("/", 1)
                x = float(a) / float(b)
            else:
                x = float(s)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"judgement {v!r} is not a number or a fraction such as 1/3") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"judgement must be a finite number > 0, got {v!r}")
    return x


Judgement = Annotated[float, BeforeValidator(parse_judgement)]
Matrix = Annotated[list[list[Judgement]], Field(min_length=1)]
Code = Text | Int


class ExpertMatrix(Schema):
    matrix: Matrix


class AHPNode(Schema):
    """The comparisons of one node's children."""

    labels: Annotated[list[Code], Field(min_length=2)]
    matrix: Matrix | None = None
    experts: Annotated[dict[Code, Matrix | ExpertMatrix], Field(min_length=1)] | None = None
    expert_weights: dict[Code, NonNegative] | list[NonNegative] | None = None

    @model_validator(mode="after")
    def _shape(self):
        labels = [str(x) for x in self.labels]
        if len(set(labels)) != len(labels):
            dup = next(x for x in labels if labels.count(x) > 1)
            raise ValueError(f"label '{dup}' is listed twice")
        if (self.matrix is None) == (self.experts is None):
            raise ValueError("give either 'matrix' or 'experts'")
        mats = {"matrix": self.matrix} if self.matrix is not None else {
            str(k): (m.matrix if isinstance(m, ExpertMatrix) else m) for k, m in self.experts.items()}
        n = len(labels)
        for name, M in mats.items():
            who = "" if self.matrix is not None else f"expert '{name}': "
            if len(M) != n or any(len(r) != n for r in M):
                shape = f"{len(M)} rows of lengths {sorted({len(r) for r in M})}"
                raise ValueError(f"{who}matrix must be {n}×{n} (one row and column per label), got {shape}")
        return self

    def matrices(self) -> dict[str, list[list[float]]]:
        """``{expert: rows}`` (``{"matrix": rows}`` for a single matrix)."""
        if self.matrix is not None:
            return {"matrix": self.matrix}
        return {str(k): (m.matrix if isinstance(m, ExpertMatrix) else m) for k, m in self.experts.items()}


def check_ahp_yaml(doc: dict, source=None) -> dict[str, AHPNode]:
    """Validate a YAML comparison document: ``{node: AHPNode}`` (one InputError naming file and key)."""
    body = doc.get("ahp", doc) if isinstance(doc, dict) else doc
    prefix = ("ahp",) if isinstance(doc, dict) and "ahp" in doc else ()
    if isinstance(doc, dict) and "ahp" in doc and len(doc) > 1:
        other = next(k for k in doc if k != "ahp")
        from .._errors import InputError

        raise InputError(f"key '{other}': unknown key beside 'ahp'", file=source)
    if not isinstance(body, dict) or not body:
        from .._errors import InputError

        raise InputError("a comparison file must map each compared node to its labels and matrix", file=source)
    return {str(node): validate(AHPNode, d, file=source, prefix=prefix + (node,), root=doc)
            for node, d in body.items()}
