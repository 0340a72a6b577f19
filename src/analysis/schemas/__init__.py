"""One schema per input kind, validated in one place for the command line, the notebooks and the dashboard.

=====================  ==========================================================
module                 input
=====================  ==========================================================
:mod:`.spec`           build spec (``spec.yaml``) and weight-set tables
:mod:`.uncertainty`    uncertainty spec (``ua.yaml``), its memory budget, design tables
:mod:`.run_config`     run configuration of ``maturasi run`` (``configs/*.yaml``)
:mod:`.scenario`       scenario files (YAML, XLSX)
:mod:`.ahp`            pairwise-comparison files (YAML, CSV, XLSX)
:mod:`.tables`         costs and budget tables
=====================  ==========================================================

Each failure is one :class:`~analysis._errors.InputError` line naming the file and the key, row or
column (:func:`~analysis.schemas._common.validate`). The framework's schema lives in
:mod:`analysis.framework`.
"""

from ._common import InputError, Schema, input_error, suggest, validate

__all__ = ["Schema", "validate", "input_error", "suggest", "InputError"]
