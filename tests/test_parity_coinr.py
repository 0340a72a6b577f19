"""Parity with COINr 1.1.14 on its ASEM example (reference outputs in ../shared/data/asem)."""

import numpy as np
import pandas as pd

from analysis import build

from .conftest import ASEM, need


def test_minmax_amean_matches_coinr_at_every_level(asem_fw, asem_data):
    res = build(asem_fw, asem_data, {"normalise": {"method": "minmax", "range": [0, 100]}})
    ref = pd.read_csv(need(ASEM / "coinr_minmax0-100_amean_aggregates.csv")).set_index("uCode")
    got = res.aggregates.loc[ref.index, ref.columns]
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-9)
    refn = pd.read_csv(ASEM / "coinr_minmax0-100_normalised.csv").set_index("uCode")
    gotn = res.normalised.loc[refn.index, refn.columns]
    assert (gotn.isna().to_numpy() == refn.isna().to_numpy()).all()
    np.testing.assert_allclose(gotn.to_numpy(), refn.to_numpy(), rtol=0, atol=1e-9)


def test_ranks_match_coinr_exactly(asem_fw, asem_data):
    res = build(asem_fw, asem_data)
    ref = pd.read_csv(need(ASEM / "coinr_minmax0-100_amean_ranks.csv")).set_index("uCode")
    got = res.ranks.loc[ref.index, ref.columns].astype(int)
    assert (got.to_numpy() == ref.to_numpy()).all()


def test_nominal_of_ua_study_minmax_1_100(asem_fw, asem_data):
    res = build(asem_fw, asem_data, {"normalise": {"method": "minmax", "range": [1, 100]}})
    nom = pd.read_csv(need(ASEM / "ua_replay" / "simple_UA_N100_Nominal.csv")).set_index("uCode")
    np.testing.assert_allclose(res.index.loc[nom.index], nom["Score"], rtol=0, atol=1e-9)
    assert (res.ranks.loc[nom.index, "Index"].astype(int) == nom["Rank"]).all()
