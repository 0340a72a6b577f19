"""Official methods of the built-in official frameworks.

Some built-in frameworks are official indices with a fixed method, published with the regulation
that defines them; building one of them without a spec means building it the official way:

==========================  ======================================  ==================================
built-in framework          official method (``methodology/specs``)  defined by
==========================  ======================================  ==================================
``idm``                     ``idm.yaml``                            Permendesa PDTT 2/2016
``spbe_2020``               ``spbe.yaml``                           PermenPANRB 59/2020
``gm100sc_evaluation``      ``gm100sc_evaluation.yaml``             Kominfo GM100SC evaluation
==========================  ======================================  ==================================

The other built-in frameworks have no official method (their specs in ``methodology/specs`` are
this kit's documented choices): ``maturasi build`` without ``--spec`` builds them with the kit's
defaults and says so in a ``note:`` line.
"""

from __future__ import annotations

from pathlib import Path

from .framework import FRAMEWORK_DIR, Framework

__all__ = ["SPEC_DIR", "OFFICIAL_SPECS", "official_spec", "is_builtin"]

SPEC_DIR = FRAMEWORK_DIR.parent / "specs"
#: Built-in framework name → file of its official method in :data:`SPEC_DIR`.
OFFICIAL_SPECS = {"idm": "idm.yaml", "spbe_2020": "spbe.yaml", "gm100sc_evaluation": "gm100sc_evaluation.yaml"}


def is_builtin(framework: Framework) -> bool:
    """Whether ``framework`` was read from the kit's own ``methodology/frameworks`` folder."""
    if not framework.source_file:
        return False
    return Path(framework.source_file).resolve().parent == FRAMEWORK_DIR.resolve()


def official_spec(framework: Framework) -> Path | None:
    """The official method (a build spec file) of a built-in official framework, else None.

    A user's own copy of a built-in framework (another folder) has no official method: only the
    framework shipped with the kit is known to be the official one.

    Examples
    --------
    >>> from analysis.framework import load_framework
    >>> official_spec(load_framework("spbe_2020")).name
    'spbe.yaml'
    >>> official_spec(load_framework("kominfo_gm100sc")) is None
    True
    """
    name = OFFICIAL_SPECS.get(Path(framework.source_file or "").stem)
    if name is None or not is_builtin(framework):
        return None
    return SPEC_DIR / name
