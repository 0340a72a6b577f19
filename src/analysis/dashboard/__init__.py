"""Planner dashboard: what-if sliders, rank, level, peers and the path to the next level.

:mod:`.model` holds the state and every number (pure, tested without a browser); :mod:`.app`
draws it with Panel and is served from ``notebooks/dashboard.ipynb`` by ``maturasi dashboard``;
:mod:`.labels` names the texts it shows, translated through the project's catalogue (:mod:`analysis.i18n`).
"""

from .labels import LABELS, label, measure
from .model import Evaluation, Planner, default_run, find_runs, slider_step

__all__ = ["Planner", "Evaluation", "find_runs", "default_run", "slider_step", "LABELS", "label", "measure",
           "build_app", "PlannerApp"]


def __getattr__(name):
    if name in ("build_app", "PlannerApp"):
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
