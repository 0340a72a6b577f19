"""The report's uncertainty step uses the built index as its nominal run (issue 14, item 11)."""

import pandas as pd

from analysis.pipeline import build
from analysis.report import steps

DEMO = ("kominfo_gm100sc", "data/demo/smartcity_panel.csv", "data/demo/spec.yaml")


def test_report_nominal_ranks_are_the_built_ranks(tmp_path):
    fw, data, spec = DEMO
    steps.uncertainty(fw, data, spec, "data/demo/ua.yaml", tmp_path, year=2025, N=20, sobol_N=8, seed=1)
    stats = pd.read_csv(tmp_path / "tables" / "ua_rank_stats.csv", dtype={"uCode": str}).set_index("uCode")
    res = build(fw, data, spec)
    built = res.ranks.xs(2025, level="year")[res.framework.root].reindex(stats.index)
    assert len(stats) == 514
    assert (stats["Nominal"] == built).all()
