"""Built-in frameworks: validate and build; SPBE and GM100SC worked examples."""

import numpy as np
import pandas as pd
import pytest

from analysis import build, builtin_frameworks, load_framework
from analysis.framework import FRAMEWORK_DIR
from analysis.levels import Bands
from analysis.spec import load_spec

SPECS = FRAMEWORK_DIR.parent / "specs"


def _random_data(fw, n=12, seed=0):
    rng = np.random.default_rng(seed)
    cols = {}
    for c in fw.indicators:
        node = fw.nodes[c]
        if node.goal_min is not None:
            cols[c] = rng.integers(int(node.goal_min), int(node.goal_max) + 1, n).astype(float)
        else:
            cols[c] = rng.uniform(1, 100, n)
        if node.denominator:
            cols[node.denominator] = rng.uniform(10, 1000, n)   # e.g. area for population density
    df = pd.DataFrame(cols)
    df.insert(0, "uCode", [f"{11 + i}.{i + 1:02d}" for i in range(n)])
    return df


@pytest.mark.parametrize("name", sorted(builtin_frameworks()))
def test_builtin_framework_validates_and_builds(name):
    fw = load_framework(name)
    assert fw.meta.get("title") and fw.meta.get("nama")
    for node in fw.nodes.values():
        assert node.name and node.nama
    spec_file = {"spbe_2020": "spbe.yaml", "gm100sc_evaluation": "gm100sc_evaluation.yaml",
                 "kemendagri_spp_iso37122": "kemendagri_spp.yaml"}.get(name)
    if name == "welfare_capacity":
        spec = {"denominate": "framework", "normalise": {"method": "minmax"}}
        res = build(fw, _random_data(fw), spec)
        d = _random_data(fw)
        np.testing.assert_allclose(res.denominated["DENSITY"], d["DENSITY"] / d["area_km2"])
        return
    spec = load_spec(SPECS / spec_file) if spec_file else None
    res = build(fw, _random_data(fw), spec)
    assert res.index.notna().all()


def test_spbe_structure_and_weights():
    fw = load_framework("spbe_2020")
    assert len(fw.indicators) == 47
    assert len(fw.at_level(2)) == 8 and len(fw.at_level(3)) == 4
    dom = {c: fw.nodes[c].weight for c in fw.children(fw.root)}
    assert dom == {"SPBE_D1": 13.0, "SPBE_D2": 25.0, "SPBE_D3": 16.5, "SPBE_D4": 45.5}
    assert sum(fw.nodes[c].weight for c in fw.indicators) == pytest.approx(100.0)


def test_spbe_index_equals_flat_formula_and_predicates():
    fw = load_framework("spbe_2020")
    spec = load_spec(SPECS / "spbe.yaml")
    df = _random_data(fw, n=30, seed=3)
    df.loc[0, fw.indicators] = 3.0  # every indicator at level 3 -> index 3.0, "Baik"
    res = build(fw, df, spec)
    w = np.array([fw.nodes[c].weight for c in fw.indicators])
    flat = df[fw.indicators].to_numpy() @ w / 100  # index = sum(level x weight) / 100
    np.testing.assert_allclose(res.index.to_numpy(), flat, rtol=0, atol=1e-12)
    assert res.index.iloc[0] == pytest.approx(3.0) and res.levels.iloc[0] == "Baik"
    bands = Bands.from_spec(spec["levels"])
    edges = {1.79: "Kurang", 1.8: "Cukup", 2.59: "Cukup", 2.6: "Baik", 3.49: "Baik", 3.5: "Sangat Baik",
             4.19: "Sangat Baik", 4.2: "Memuaskan", 5.0: "Memuaskan", 1.0: "Kurang"}
    assert list(bands.assign(np.array(list(edges)))) == list(edges.values())
    # predicate of every unit agrees with the flat index
    assert list(res.levels) == list(bands.assign(flat))


@pytest.mark.parametrize("unit, scores, final", [
    ("Kota Jambi 2024", [3.84, 3.18, 3.53, 3.63, 3.35], 3.48),
    ("Kota Kediri 2022", [3.60, 3.21, 3.23, 3.07, 3.65], 3.31),
])
def test_gm100sc_evaluation_reproduces_published_finals(unit, scores, final):
    fw = load_framework("gm100sc_evaluation")
    df = pd.DataFrame([dict(zip(fw.indicators, scores), uCode=unit)])
    res = build(fw, df, SPECS / "gm100sc_evaluation.yaml")
    assert abs(res.index.iloc[0] - final) <= 0.005 + 1e-9
    assert res.index.iloc[0] == pytest.approx(np.dot(scores, [0.1, 0.2, 0.3, 0.2, 0.2]))
