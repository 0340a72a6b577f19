"""Clustering: model selection, stability, profiles, peer ranks and the boundary join."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from analysis import build
from analysis.cluster import fit_labels, peer_ranks, select_k, stability, typology
from analysis.demo import DEMO_DIR

from .conftest import SHARED, need


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=400, centers=4, n_features=5, cluster_std=0.6, center_box=(-10, 10), random_state=3)
    return X, y


@pytest.mark.parametrize("choose", ["silhouette", "gap", "ch", "db"])
def test_selection_picks_true_k_on_blobs(blobs, choose):
    X, _ = blobs
    sel = select_k(X, range(2, 8), seed=1, n_ref=10, choose=choose)
    assert sel.k == 4, sel.table
    assert "k = 4" in sel.reason and sel.table.loc[4, "chosen"]


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_methods_recover_blobs(blobs, method):
    X, y = blobs
    assert adjusted_rand_score(y, fit_labels(X, 4, method, seed=0)) > 0.99


def test_stability_high_on_blobs_low_on_noise(blobs):
    X, y = blobs
    s = stability(X, fit_labels(X, 4), 4, n_boot=25, seed=2)
    assert (s.jaccard > 0.85).all() and s.unstable == [] and s.mean_ari > 0.95
    noise = np.random.default_rng(0).uniform(size=(300, 6))
    t = stability(noise, fit_labels(noise, 5), 5, n_boot=25, seed=2)
    assert len(t.unstable) >= 3 and t.mean_ari < 0.7


def test_hdbscan_marks_outliers(blobs):
    X, _ = blobs
    Xo = np.vstack([X, [[40, 40, 40, 40, 40]]])
    lab = fit_labels(Xo, None, "hdbscan")
    assert lab[-1] == -1 and len(set(lab[:-1]) - {-1}) == 4


@pytest.fixture(scope="module")
def demo():
    return build("kominfo_gm100sc", DEMO_DIR / "smartcity_panel.csv", DEMO_DIR / "spec.yaml")


def test_profiles_equal_independent_groupby(demo):
    ty = typology(demo, k=3, n_boot=0, seed=0)
    T = demo.aggregates.xs(2025, level="year")
    units = demo.units.xs(2025, level="year")
    lab = ty.labels
    dims = demo.framework.children("SCI")
    exp = pd.DataFrame({d: T[d].groupby(lab.to_numpy()).mean() for d in dims})
    np.testing.assert_allclose(ty.profiles.means[dims].to_numpy(), exp.to_numpy(), rtol=1e-12)
    assert ty.profiles.sizes.sum() == 514
    ct = pd.crosstab(units["type"], lab)
    assert ty.profiles.crosstabs["type"].equals(ct)
    # clusters ordered by mean index, medoids are members, labels bilingual
    m = T["SCI"].groupby(lab).mean()
    assert m.is_monotonic_decreasing
    for c, r in ty.profiles.medoids.iterrows():
        assert lab[r["uCode"]] == c
    assert ty.profiles.labels["label_id"].str.contains("terkuat").all()


def test_peer_ranks(demo):
    lab = pd.Series(np.arange(514) % 3, index=demo.aggregates.xs(2025, level="year").index)
    p = peer_ranks(demo, lab)
    g = p[p["cluster"] == 1]
    assert (g["rank_in_cluster"] == g["index"].rank(ascending=False, method="min")).all()
    assert g["gap_to_best"].min() == 0 and (g["gap_to_best"] == g["index"].max() - g["index"]).all()


def test_boundaries_crosswalk_places_all_514():
    from analysis.audit import units_of
    from analysis.maps import join_units, read_boundaries

    res = build("kominfo_gm100sc", DEMO_DIR / "smartcity_2025.csv",
                {"normalise": {"method": "minmax"}, "impute": {"method": "median"}})
    b = read_boundaries(need(SHARED / "data" / "indonesia" / "districts514_simplified.geojson"))
    fo, report = join_units(units_of(res), b)
    assert len(fo) + len(report) == 514
    assert len(fo) == 514, report.to_string()
    assert fo.is_unique
    # Kemendagri 63.02 Kabupaten Kotabaru is BPS 6302 "Kota Baru": a kabupaten despite its name
    assert int(b.table.iloc[fo["63.02"]]["districtID"]) == 6302


def test_cluster_cli_without_boundaries_skips_maps(tmp_path):
    from analysis.cli import main

    out = tmp_path / "cl"
    rc = main(["cluster", "-f", "kominfo_gm100sc", "-d", str(DEMO_DIR / "smartcity_panel.csv"), "-s",
               str(DEMO_DIR / "spec.yaml"), "-o", str(out), "--k", "3", "--n-boot", "5"])
    assert rc == 0
    assert (out / "tables" / "clusters.csv").exists() and not (out / "figures" / "map_clusters.png").exists()
    import json

    assert "maps skipped" in " ".join(json.loads((out / "manifest.json").read_text())["notes"])
