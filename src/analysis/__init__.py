"""Maturasi: composite-indicator engine for smart-city maturity indices.

The package follows the method's order: :mod:`framework` → :mod:`data` → :mod:`denominate` →
:mod:`impute` → :mod:`treat` → :mod:`normalise` → :mod:`aggregate` → :mod:`levels`, composed by
:func:`build` (:mod:`pipeline`) from one :class:`Spec` into one :class:`Result`.
"""

from ._errors import InputError, InputWarning
from .data import Dataset, load_data
from .framework import Framework, Node, builtin_frameworks, load_framework
from .levels import Bands
from .pipeline import Result, build, resolve_weights
from .spec import Spec, load_spec

__version__ = "0.1.0"

__all__ = ["InputError", "InputWarning", "Dataset", "load_data", "Framework", "Node", "builtin_frameworks",
           "load_framework", "Bands", "Result", "build", "resolve_weights", "Spec", "load_spec", "__version__"]
