"""The planner dashboard's texts: keys mapped to English messages of the project's one catalogue.

The Bahasa Indonesia texts live in ``analysis/locale/id/LC_MESSAGES/maturasi.po`` with every other
translation of the kit (:mod:`analysis.i18n`); this module only names the messages the dashboard
shows, so that the app refers to them by key and a test can check that each has its translation.
Units of measurement (the frameworks' ``unit`` field, e.g. ``"% of services"``) are translated
through the same catalogue by :func:`measure`.
"""

from __future__ import annotations

from ..i18n import LANGS, gettext

__all__ = ["LABELS", "LANGS", "label", "measure"]

#: dashboard text key -> English message id (translated by :func:`analysis.i18n.gettext`)
LABELS: dict[str, str] = {
    "title": "Smart-city maturity · what-if planner",
    "language": "Language",
    "framework": "Framework",
    "run": "Run (baseline)",
    "unit": "City / regency",
    "province": "Province",
    "all_provinces": "All provinces",
    "ascn": "ASEAN Smart Cities Network pilot city",
    "since": "since",
    "score": "Index score",
    "rank": "Rank",
    "of": "of",
    "level": "Maturity level",
    "levels": "Maturity levels of this run",
    "baseline": "Baseline",
    "scenario": "Scenario",
    "change": "Change",
    "gap": "Points to the next level",
    "top_level": "already at the top level",
    "indicators": "Indicators: move the sliders",
    "dimensions": "Dimensions",
    "peers": "Peers",
    "path": "Least improvement to the next level",
    "path_apply": "Apply path to sliders",
    "reset": "Reset to baseline",
    "export": "Export scenario (YAML)",
    "export_xlsx": "Export scenario (Excel)",
    "reproduce": "Reproduce with",
    "indicator": "Indicator",
    "current": "Current",
    "new": "New",
    "imputed": "imputed",
    "frozen_note": ("Normalisation, outlier treatment and imputation are frozen at the baseline: "
                    "other units keep their scores."),
    "no_runs": "No baseline runs found. Build one with `maturasi build … --out reports/NAME`.",
    "reachable": "target reached",
    "unreachable": "unreachable within the limits",
    "nothing": "no change needed",
    "basis_nearest": "nearest dimension profiles",
    "basis_cluster": "nearest within the typology cluster",
    "name": "Name",
    "dimension": "Dimension",
    "cost": "Effort (share of observed range)",
    "indicators_moved": "indicator(s) to move",
    "changed": "Changed indicators",
    "synthetic": "Synthetic demonstration data — not official statistics. Scores, ranks and levels "
                 "illustrate the method only.",
    "run_data": "Data",
    "run_date": "Built",
    "demo_opened": "Opened the demonstration run.",
    "first_opened": "No run was given and no demonstration run was found: the first run in the list is "
                    "open. Pick the baseline above.",
}


def label(key: str, lang: str | None = "en") -> str:
    """The dashboard text ``key`` in ``lang`` ("en" or "id"), from the catalogue."""
    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}' (use en or id)")
    return gettext(LABELS[key], lang)


def measure(unit: str | None, lang: str | None = "en") -> str:
    """A framework's unit of measurement (``node.unit``) in ``lang``; "" when there is none."""
    return "" if not unit else gettext(str(unit), lang)
