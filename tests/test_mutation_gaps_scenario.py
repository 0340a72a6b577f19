"""Scenario tests written because a mutant of ``analysis.scenario`` survived (issue 14).

Small and fast on purpose (mutation testing runs them once per mutant): one five-unit baseline whose
every number is worked out by hand in the comments. Min-max normalisation to [0, 100] over the raw
values, median imputation, arithmetic mean with weights (a 1, b 1, c 2), so the index is
``I = (a' + b' + 2·c')/4`` with ``a' = 100·(a − 10)/30``, ``b' = 100·(b − 50)/40`` and, ``c`` being a
"lower is better" indicator, ``c' = 100·(5 − c)/4``. Expected values come from these closed forms and
from the scenario file format documented in :mod:`analysis.scenario`, never from the code's output.
"""

import copy
import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, build
from analysis import scenario as sc
from analysis.framework import Framework, Node

NAN = np.nan


def _data():
    return pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4", "u5"], "uName": ["A", "B", "C", "D", "E"],
                         "province": ["P", "P", "Q", "Q", "Q"], "cluster": [1, 2, 2, 1, 1],
                         "a": [10.0, 20.0, 30.0, 40.0, NAN], "b": [50.0, 60.0, 70.0, 80.0, 90.0],
                         "c": [1.0, 2.0, 3.0, 4.0, 5.0]})


def _framework():
    return Framework([Node("I", None, 1, False), Node("a", "I", 1, True, unit="%"),
                      Node("b", "I", 1, True, unit="score 0-100", goal_min=0.0, goal_max=95.0),
                      Node("c", "I", 2, True, direction=-1, goal_min=0.0, goal_max=10.0)])


SPEC = {"impute": {"method": "median"}, "normalise": {"method": "minmax"},
        "levels": {"bands": [40, 60], "labels": ["L1 low", "L2 mid", "L3 high"]}}
# baseline index: u1 (0 + 0 + 200)/4 = 50; u2 (33.33 + 25 + 150)/4 = 52.083; u3 (66.67 + 50 + 100)/4 = 54.167;
# u4 (100 + 75 + 50)/4 = 56.25; u5 (a imputed 25 -> 50; 100; 0)/4 = 37.5  -> ranks 4, 3, 2, 1, 5
BASE = {"u1": 50.0, "u2": 625 / 12, "u3": 650 / 12, "u4": 56.25, "u5": 37.5}


@pytest.fixture(scope="module")
def b():
    return sc.Baseline(build(_framework(), _data(), SPEC))


def _idx(a, bb, c):
    return (100 * (a - 10) / 30 + 100 * (bb - 50) / 40 + 2 * 100 * (5 - c) / 4) / 4


# --- reading changes -------------------------------------------------------------------------------

def _fail(m):
    return InputError(m)


@pytest.mark.parametrize("change, expected", [
    ("+5", ("absolute", 5.0)), ("-3", ("absolute", -3.0)), ("5", ("absolute", 5.0)), (" .5 ", ("absolute", 0.5)),
    ("+1e2", ("absolute", 100.0)), ("=80", ("value", 80.0)), ("=-2", ("value", -2.0)), ("= 7.5", ("value", 7.5)),
    ("+20%", ("relative", 0.2)), ("-20 %", ("relative", -0.2)), ("10%", ("relative", 0.1)),
    (3, ("absolute", 3.0)), (2.5, ("absolute", 2.5)), ("MEDIAN", ("to", "median")), (" p90 ", ("to", "p90")),
    ({"to": "best"}, ("to", "best")), ({"to": 80}, ("value", 80.0)), ({"to": 1.5}, ("value", 1.5)),
    ({"absolute": 2}, ("absolute", 2.0)), ({"relative": 0.1}, ("relative", 0.1)), ({"value": 3}, ("value", 3.0)),
])
def test_parse_change_reads_every_documented_form(change, expected):
    kind, amount = sc._parse_change(change, _fail)
    assert (kind, amount) == expected
    assert type(amount) is type(expected[1])


@pytest.mark.parametrize("change, message", [
    ({"to": "bogus"}, "unknown reference 'bogus' (use median, mean, best, p75, p90, goalpost, cluster_best)"),
    ({"by": 3}, "change must be one of absolute, relative, value, to"),
    ("lots", "cannot read change 'lots' (use +5, -3, =80, +20% or {to: median})"),
    (True, "cannot read change 'True' (use +5, -3, =80, +20% or {to: median})"),
    ("+-5", "cannot read change '+-5' (a sign goes before the number: +5, -3, =-2)"),
    ("-5%x", "cannot read change '-5%x' (use +5, -3, =80, +20% or {to: median})"),
    ("=5%", "'=5%': a target value cannot be a percentage change"),
])
def test_parse_change_refusals_say_what_to_write(change, message):
    with pytest.raises(InputError) as e:
        sc._parse_change(change, _fail)
    assert str(e.value) == message


def test_as_list_splits_commas_and_keeps_codes_as_text():
    assert sc._as_list(None) == []
    assert sc._as_list(" a, b,,c ,") == ["a", "b", "c"]
    assert sc._as_list([35.1, "x"]) == ["35.1", "x"]
    assert sc._as_list("") == []


# --- interventions: where they were written, and their errors ---------------------------------------

def test_intervention_label_and_error_name_the_cell_or_key():
    sheet = sc.Intervention(["u1"], None, ["a"], "absolute", 1.0, 2,
                            {"file": "s.xlsx", "row": 3, "columns": {"change": "Change", "units": "Units"}})
    assert sheet.label == "row 3"
    e = sheet.error("bad", "change")
    assert (e.file, e.row, e.column, e.message) == ("s.xlsx", 3, "Change", "bad")
    e = sheet.error("bad", "group", file="other.xlsx")
    assert (e.file, e.column) == ("s.xlsx", None)
    # the key as written wins over the position (line 2 here, key of a merged document interventions[7])
    yml = sc.Intervention(["u1"], None, ["a"], "absolute", 1.0, 2,
                          {"file": None, "key": "interventions[7]", "keys": {"units": "unit"}})
    assert yml.label == "interventions[7]"
    e = yml.error("bad", "units", file="s.yaml")
    assert (e.file, e.message) == ("s.yaml", "key 'interventions[7].unit': bad")
    assert yml.error("bad", "change").message == "key 'interventions[7].change': bad"
    assert yml.error("bad").message == "key 'interventions[7]': bad"
    bare = sc.Intervention(["u1"], None, ["a"], "absolute", 1.0, 4)
    assert bare.label == "intervention 4"
    assert bare.error("bad", "indicators").message == "key 'interventions[4].indicators': bad"


def test_load_scenario_from_a_dict():
    doc = {"name": "t", "year": 2025, "bounds": {"a": [0, 50]},
           "interventions": [{"unit": "u1", "indicator": "a", "change": "+5"},
                             {"units": ["u2", "u3"], "indicators": ["a", "b"], "change": "+10%"},
                             {"group": {"province": "Q"}, "indicators": "c", "change": {"to": "best"}}]}
    s = sc.load_scenario(doc)
    assert (s.name, s.year, s.source) == ("t", 2025, None)
    assert s.bounds == {"a": (0.0, 50.0)} and isinstance(s.bounds["a"][1], float)
    one, two, three = s.interventions
    assert (one.units, one.group, one.indicators, one.kind, one.amount, one.line) == (["u1"], None, ["a"], "absolute",
                                                                                       5.0, 1)
    assert one.origin == {"file": None, "key": "interventions[1]", "keys": {"units": "unit", "indicators": "indicator"}}
    assert two.origin["keys"] == {"units": "units", "indicators": "indicators"}
    assert (two.units, two.indicators, two.kind, two.amount) == (["u2", "u3"], ["a", "b"], "relative", 0.1)
    assert (three.units, three.group, three.indicators, three.kind, three.amount, three.line) == (
        None, {"province": "Q"}, ["c"], "to", "best", 3)
    assert sc.load_scenario(s) is s
    assert sc.load_scenario({"interventions": []}).name == "scenario"


def test_load_scenario_refusals(tmp_path):
    with pytest.raises(InputError) as e:
        sc.load_scenario({"interventions": [{"units": ["u1"], "group": {"province": "P"}, "indicators": ["a"],
                                             "change": "+1"}]})
    assert "'units' or 'group' in each intervention" in str(e.value)
    f = tmp_path / "empty.yaml"
    f.write_text("name: nothing\ninterventions: []\n")
    with pytest.raises(InputError) as e:
        sc.load_scenario(f)
    assert e.value.file == str(f)
    assert e.value.message == ("the scenario has no interventions (add at least one: units or group, indicators, "
                               "change)")
    f = tmp_path / "ok.yaml"
    f.write_text("name: yml\ninterventions:\n  - units: [u1]\n    indicators: [a]\n    change: '=12'\n")
    s = sc.load_scenario(f)
    assert (s.name, s.source, s.interventions[0].kind, s.interventions[0].amount) == ("yml", str(f), "value", 12.0)
    assert s.interventions[0].origin["file"] == str(f)


def test_unknown_codes_and_pairs():
    assert sc._unknown("unit", "u1;u2", ["u1", "u2"]) == ("unknown unit 'u1;u2': separate several codes with commas "
                                                         "(e.g. 'u1, u2')")
    assert sc._unknown("indicator", "zzz", ["a"]).startswith("unknown indicator 'zzz'")
    assert sc._unknown("unit", "u11", ["u1", "u2"]) == "unknown unit 'u11' (did you mean 'u1'?)"
    assert sc._unknown("unit", "3510", [35.1, 3510.5]).startswith("unknown unit '3510' (did you mean '3510.5'")
    r1 = sc.Intervention(None, None, [], "absolute", 0.0, 1, {"row": 2})
    r2 = sc.Intervention(None, None, [], "absolute", 0.0, 3, {"row": 5})
    y2 = sc.Intervention(None, None, [], "absolute", 0.0, 3, {"key": "interventions[3]"})
    assert sc._pair(r1, r2) == "rows 2 and 5"
    assert sc._pair(r1, y2) == "interventions 1 and 3"


# --- valid ranges -------------------------------------------------------------------------------------

@pytest.mark.parametrize("unit, goals, observed, expected", [
    ("score 1-5", (None, None), [2.0], (1.0, 5.0)),
    ("ratio 0–1", (None, None), [0.5], (0.0, 1.0)),
    ("Level 1 - 4", (None, None), [2.0], (1.0, 4.0)),
    ("skala -2-2", (None, None), [0.0], (-2.0, 2.0)),
    ("scale 0.5-9.5", (None, None), [1.0], (0.5, 9.5)),
    ("km 1-5", (None, None), [2.0], (0.0, np.inf)),          # a range in a unit that is not a scale: ignored
    ("level", (1.0, 7.0), [2.0], (1.0, 7.0)),
    ("skala", (0.0, 3.0), [-1.0], (0.0, 3.0)),
    ("index", (1.0, 7.0), [2.0], (0.0, np.inf)),             # goalposts are a valid range only for scales
    ("level", (1.0, None), [-2.0], (-np.inf, np.inf)),
    ("%", (None, None), [150.0], (0.0, 100.0)),
    ("Percent", (None, None), [5.0], (0.0, 100.0)),
    ("persen", (None, None), [5.0], (0.0, 100.0)),
    (None, (None, None), [0.0, NAN, 3.0], (0.0, np.inf)),
    ("", (None, None), [-0.5, 3.0], (-np.inf, np.inf)),
    ("", (None, None), [NAN], (-np.inf, np.inf)),
])
def test_valid_range_every_rule(unit, goals, observed, expected):
    node = Node("x", "I", 1, True, unit=unit, goal_min=goals[0], goal_max=goals[1])
    assert sc.valid_range(node, np.array(observed)) == expected


def test_valid_range_explicit_bounds_win():
    node = Node("x", "I", 1, True, unit="%")
    assert sc.valid_range(node, np.array([1.0]), {"x": (5.0, 6.0)}) == (5.0, 6.0)
    assert sc.valid_range(node, np.array([1.0]), {"y": (5.0, 6.0)}) == (0.0, 100.0)


# --- the baseline and applying interventions --------------------------------------------------------

def test_baseline_by_hand(b):
    assert b.year is None
    np.testing.assert_allclose(b.aggregates["I"].to_numpy(), list(BASE.values()), rtol=1e-13)
    assert list(b.ranks) == [4, 3, 2, 1, 5]
    assert b.imputed.at["u5", "a"] == 25.0 and np.isnan(b.raw.at["u5", "a"])
    # rank with another score, everyone else at baseline; ties share the better rank
    assert b.rank_of("u5", 60.0) == 1 and b.rank_of("u5", 53.0) == 3 and b.rank_of("u5", 50.0) == 4
    assert b.level_of(39.9) == "L1 low" and b.level_of(40.0) == "L2 mid" and b.level_of(60.0) == "L3 high"
    no_bands = copy.copy(b)
    no_bands.bands = None
    assert no_bands.level_of(50.0) is None
    # one unit scored alone on the frozen yardstick: every aggregate, named after the unit
    row = b.raw.loc["u5"].copy()
    row["a"] = 40.0
    out = b.score_row("u5", row)
    assert out.name == "u5" and list(out.index) == ["I"]
    assert out["I"] == pytest.approx(_idx(40, 90, 5))


@pytest.mark.parametrize("ref, expected", [
    ("median", 25.0), ("mean", 25.0), ("best", 40.0), ("p75", 32.5), ("p90", 37.0),
])
def test_targets_for_a_higher_is_better_indicator(b, ref, expected):
    # a = [10, 20, 30, 40] (u5 missing): median 25, mean 25, p75 32.5, p90 37 (linear interpolation)
    want = pytest.approx(expected)
    assert sc._targets(b, "a", ref, ["u1", "u2"], None) == {"u1": want, "u2": want}


def test_targets_for_a_lower_is_better_indicator_and_groups(b):
    # c = [1, 2, 3, 4, 5], lower is better: best = 1; p75 is the 25th percentile 2, p90 the 10th 1.4
    assert sc._targets(b, "c", "best", ["u5"], None) == {"u5": 1.0}
    assert sc._targets(b, "c", "p75", ["u5"], None) == {"u5": 2.0}
    assert sc._targets(b, "c", "p90", ["u5"], None) == {"u5": pytest.approx(1.4)}
    assert sc._targets(b, "c", "goalpost", ["u5"], None) == {"u5": 0.0}     # goal_min for direction −1
    assert sc._targets(b, "b", "goalpost", ["u5"], None) == {"u5": 95.0}    # goal_max for direction +1
    # best within one's cluster: cluster 1 = {u1, u4, u5} -> c 1, a 40; cluster 2 = {u2, u3} -> c 2, a 30
    assert sc._targets(b, "c", "cluster_best", ["u2", "u5"], None) == {"u2": 2.0, "u5": 1.0}
    assert sc._targets(b, "a", "cluster_best", ["u2", "u5"], None) == {"u2": 30.0, "u5": 40.0}
    assert sc._targets(b, "a", "cluster_best", ["u5"], "province") == {"u5": 40.0}
    with pytest.raises(InputError) as e:
        sc._targets(b, "a", "goalpost", ["u5"], None)
    assert (e.value.message, e.value.column) == ("indicator 'a' has no goalpost in the framework", "a")
    with pytest.raises(InputError, match="^'cluster_best' needs a 'region' column among the unit descriptors$"):
        sc._targets(b, "a", "cluster_best", ["u5"], "region")
    with pytest.raises(InputError, match="^unknown reference 'p50'$"):
        sc._targets(b, "a", "p50", ["u5"], None)


def _run(b, *its, mode="frozen", **kw):
    return sc.run_scenario(b, {"interventions": list(its), **kw}, mode=mode)


def test_every_kind_of_change_by_hand(b):
    r = _run(b, {"units": ["u1"], "indicators": ["a"], "change": "+6"},        # 10 -> 16
             {"units": ["u2"], "indicators": ["a"], "change": "+50%"},         # 20 -> 30
             {"units": ["u3"], "indicators": ["b"], "change": "=90"},          # 70 -> 90
             {"group": {"province": "Q"}, "indicators": ["c"], "change": {"to": "median"}},  # c -> 3, never worse
             {"units": ["u5"], "indicators": ["a"], "change": "+4"})           # missing: imputed 25 -> 29
    v = r.values
    assert (v.at["u1", "a"], v.at["u2", "a"], v.at["u3", "b"], v.at["u5", "a"]) == (16.0, 30.0, 90.0, 29.0)
    assert list(v["c"]) == [1.0, 2.0, 3.0, 3.0, 3.0]    # u3 keeps 3, u4 and u5 improve to 3
    ch = r.changed.set_index(["uCode", "iCode"])
    assert list(r.changed.columns) == ["uCode", "iCode", "before", "after", "intervention"]
    assert ("u3", "c") not in ch.index                  # unchanged cells are not listed
    assert ch.loc[("u4", "c"), "after"] == 3.0 and ch.loc[("u4", "c"), "intervention"] == 4
    assert np.isnan(ch.loc[("u5", "a"), "before"]) and ch.loc[("u5", "a"), "after"] == 29.0
    t = r.table
    exp = {"u1": _idx(16, 50, 1), "u2": _idx(30, 60, 2), "u3": _idx(30, 90, 3), "u4": _idx(40, 80, 3),
           "u5": _idx(29, 90, 3)}
    np.testing.assert_allclose(t["scenario_score"].to_numpy(), list(exp.values()), rtol=1e-12)
    np.testing.assert_allclose(t["delta_score"].to_numpy(), np.array(list(exp.values())) - list(BASE.values()),
                               rtol=1e-12, atol=1e-12)
    # u1 (20 + 0 + 200)/4 = 55, u2 (66.67 + 25 + 150)/4 = 60.42, u3 (66.67 + 100 + 100)/4 = 66.67,
    # u4 (100 + 75 + 100)/4 = 68.75, u5 (63.33 + 100 + 100)/4 = 65.83
    assert list(t["scenario_rank"]) == [5, 4, 2, 1, 3]
    assert list(t["baseline_rank"]) == [4, 3, 2, 1, 5]
    assert list(t["delta_rank"]) == [-1, -1, 0, 0, 2]
    assert list(t["uName"]) == ["A", "B", "C", "D", "E"] and t.columns[0] == "uName"
    assert t["changed"].all()
    assert list(t["baseline_level"]) == ["L2 mid", "L2 mid", "L2 mid", "L2 mid", "L1 low"]
    assert list(t["scenario_level"]) == ["L2 mid", "L3 high", "L3 high", "L3 high", "L3 high"]
    assert list(t["level_changed"]) == [False, True, True, True, True]
    np.testing.assert_allclose(r.deltas["I"].to_numpy(), t["delta_score"].to_numpy())
    assert r.name == "scenario" and r.mode == "frozen"
    assert r.unit("u1")["scenario_score"] == pytest.approx(exp["u1"])


def test_a_change_to_the_same_value_changes_nothing(b):
    r = _run(b, {"units": ["u1"], "indicators": ["a"], "change": "=10"})
    assert r.changed.empty and not r.table["changed"].any()
    pd.testing.assert_frame_equal(r.aggregates, b.aggregates)


def test_apply_refusals_name_the_problem(b):
    cases = [
        ({"units": ["u1"], "indicators": ["a"], "change": "=101"},
         "key 'interventions[1].change': a of u1 would become 101, outside its valid range [0, 100]"),
        ({"units": ["u1"], "indicators": ["b"], "change": "-51"},
         "key 'interventions[1].change': b of u1 would become -1, outside its valid range [0, 100]"),
        ({"group": {"province": "Z"}, "indicators": ["a"], "change": "+1"},
         "key 'interventions[1].group': no unit has province = Z"),
        ({"units": ["u9"], "indicators": ["a"], "change": "+1"}, "key 'interventions[1].units': unknown unit 'u9'"),
        ({"units": ["u1"], "indicators": ["q"], "change": "+1"},
         "key 'interventions[1].indicators': unknown indicator 'q'"),
        ({"group": {"region": "P"}, "indicators": ["a"], "change": "+1"},
         "key 'interventions[1].group': group column 'region' is not among the unit descriptors (uName, province, "
         "cluster)"),
    ]
    for it, msg in cases:
        with pytest.raises(InputError) as e:
            _run(b, it)
        assert str(e.value).startswith(msg), str(e.value)
    # bounds of the scenario widen or narrow the valid range; 1e-9 of slack at the edge
    _run(b, {"units": ["u1"], "indicators": ["a"], "change": "=100.0000000001"})
    with pytest.raises(InputError, match=r"outside its valid range \[0, 12\]"):
        _run(b, {"units": ["u1"], "indicators": ["a"], "change": "+3"}, bounds={"a": [0, 12]})
    with pytest.raises(InputError, match="interventions 1 and 2 both change a of u1"):
        _run(b, {"units": ["u1"], "indicators": ["a"], "change": "+1"},
             {"group": {"province": "P"}, "indicators": ["a"], "change": "+2"})


def test_renormalise_refits_on_the_changed_data(b):
    # u4's a from 40 to 70: frozen a' = 200 (not clipped by min-max); re-normalised the range is 10..70
    it = {"units": ["u4"], "indicators": ["a"], "change": "=70"}
    f, r = _run(b, it), _run(b, it, mode="renormalise")
    assert f.table.at["u4", "scenario_score"] == pytest.approx(_idx(70, 80, 4))
    assert f.table.at["u1", "delta_score"] == 0
    # re-normalised: a' = 100·(a − 10)/60 and u5's imputed median stays 25 (raw is re-imputed: median 25)
    assert r.table.at["u2", "scenario_score"] == pytest.approx((100 * 10 / 60 + 25 + 150) / 4)
    assert r.table.at["u4", "scenario_score"] == pytest.approx((100 + 75 + 50) / 4)
    m = sc.compare_modes(b.result, {"interventions": [it]})     # a built Result is accepted as well
    assert list(m.columns) == ["frozen_score", "renormalised_score", "frozen_rank", "renormalised_rank",
                               "score_difference"]
    np.testing.assert_allclose(m["score_difference"], m["renormalised_score"] - m["frozen_score"])
    assert m.at["u4", "frozen_score"] == pytest.approx(_idx(70, 80, 4))
    with pytest.raises(InputError, match="^unknown scenario mode 'fast' \\(use frozen or renormalise\\)$"):
        b.recompute(b.raw, "fast")


def test_compare_scenarios_and_contributions(b):
    s1 = {"interventions": [{"units": ["u1"], "indicators": ["a", "b"], "change": "+10"}]}
    s2 = {"interventions": [{"units": ["u1"], "indicators": ["c"], "change": "-1"}]}
    t = sc.compare_scenarios(b, {"one": s1, "two": s2}, units=["u1"])
    assert list(t["uCode"]) == ["u1", "u1"] and list(t["scenario"]) == ["one", "two"]
    # +10 on a: 100·10/30/4 = 8.333; +10 on b: 100·10/40/4 = 6.25; c 1 -> 0: 2·25/4 = 12.5
    np.testing.assert_allclose(t["delta_score"], [100 / 12 + 6.25, 12.5], rtol=1e-12)
    r = sc.run_scenario(b, s1)
    c = sc.contributions(b, r, "u1")
    assert c.name == "u1"
    assert c.to_dict() == {"a": pytest.approx(100 / 12), "b": pytest.approx(6.25)}
    assert sc.contributions(b, r, "u2").empty
    full = sc.compare_scenarios(b, {"one": s1})
    assert len(full) == 5


# --- targets for the path -----------------------------------------------------------------------------

def test_target_scores(b):
    assert sc._target_score(b, "u5", 47.5) == 47.5
    assert sc._target_score(b, "u5", "next") == 40.0             # 37.5 is in L1; L2 starts at 40
    assert sc._target_score(b, "u1", "next") == 60.0
    assert sc._target_score(b, "u1", "next", current=39.0) == 40.0
    assert sc._target_score(b, "u5", "L2") == 40.0 and sc._target_score(b, "u5", "L3 high") == 60.0
    assert sc._target_score(b, "u5", "L1") == -np.inf
    # rank:N -> just above the N-th of the others: others sorted 56.25, 54.17, 52.08, 50
    assert sc._target_score(b, "u5", "rank:1") == pytest.approx(56.25 + 1e-9)
    assert sc._target_score(b, "u5", "rank: 4") == pytest.approx(50.0 + 1e-9)
    assert sc._target_score(b, "u5", "rank:5") == 37.5          # last place: the lowest score
    with pytest.raises(InputError, match=r"^rank 6 is outside 1–5$"):
        sc._target_score(b, "u5", "rank:6")
    with pytest.raises(InputError, match=r"^rank 0 is outside 1–5$"):
        sc._target_score(b, "u5", "rank:0")
    with pytest.raises(InputError, match="after 'rank:' comes a whole number, e.g. rank:10"):
        sc._target_score(b, "u5", "rank:x")
    with pytest.raises(InputError, match="^cannot read target 'M9' \\(a score, 'next', 'rank:N' or a level"):
        sc._target_score(b, "u5", "M9")
    with pytest.raises(InputError, match="^cannot read target 'True'"):
        sc._target_score(b, "u5", True)
    with pytest.raises(InputError, match="^u4 is already in the top level$"):
        sc._target_score(b, "u4", "next", current=61.0)


def test_path_on_the_hand_baseline(b):
    # u5 to 40: index gains per raw unit a 100/30/4 = 0.8333, b none (u5 at the best 90), c 2·25/4 = 12.5 per
    # unit of decrease. Default cost = 1/range: a 1/30, c 1/4 -> gain per cost a 25, c 50: c moves first.
    # need 2.5 -> Δc = 0.2 (cost 0.05)
    p = sc.path_to_target(b, "u5", 40.0)
    assert (p.method, p.reachable, p.target, p.baseline_score) == ("lp", True, 40.0, 37.5)
    assert p.moves.at["c", "new"] == pytest.approx(4.8, abs=1e-6)
    assert p.total_cost == pytest.approx(0.05, abs=1e-7)
    assert p.moves.at["c", "normalised_change"] == pytest.approx(5.0, abs=1e-5)
    assert p.moves.at["a", "change"] == 0 and p.moves.index[0] == "c"
    assert p.achieved_score >= 40.0 - 1e-9 and p.message == "target reached"
    assert p.as_scenario()["interventions"] == [{"units": ["u5"], "indicators": ["c"],
                                                 "change": f"={float(p.moves.at['c', 'new'])!r}"}]
    assert p.as_scenario()["name"] == "path-u5"
    # own costs: a is cheap -> a moves; a cost for an indicator that may not move is refused
    q = sc.path_to_target(b, "u5", 40.0, costs={"a": 0.001, "c": 1.0})
    assert q.moves.at["a", "new"] == pytest.approx(28.0, abs=1e-6) and q.moves.at["c", "change"] == 0
    with pytest.raises(InputError, match="^cost given for 'b', which is not among the movable indicators$"):
        sc.path_to_target(b, "u5", 40.0, indicators=["a"], costs={"b": 1.0})
    # already there
    p0 = sc.path_to_target(b, "u4", 50.0)
    assert (p0.method, p0.total_cost, p0.reachable, p0.message) == ("none", 0.0, True, "already at or above the target")
    # unreachable with a alone up to its best 40: (100 + 100 + 0)/4 = 50 < 60
    pu = sc.path_to_target(b, "u5", 60.0, indicators=["a"])
    assert not pu.reachable and pu.achieved_score == pytest.approx(50.0)
    assert pu.message.startswith("unreachable: moving every indicator to its limit gives 50 < target 60")
    assert pu.moves.at["a", "new"] == 40.0
    # upper="range": a may go up to 100 (a percentage); 60 needs a' = 140, a = 10 + 1.4·30 = 52
    pr = sc.path_to_target(b, "u5", 60.0, indicators=["a"], upper="range")
    assert pr.reachable and pr.moves.at["a", "new"] == pytest.approx(52.0, abs=1e-6)
    pd_ = sc.path_to_target(b, "u5", 60.0, indicators=["a"], upper={"a": 45.0})
    assert not pd_.reachable and pd_.moves.at["a", "new"] == 45.0
    for bad, msg in (({"unit": "zz"}, "unknown unit 'zz'"), ({"indicators": ["q"]}, "unknown indicator 'q'"),
                     ({"start": {"q": 1.0}}, "unknown indicator 'q' in the starting values")):
        kw = {"unit": "u5", **bad}
        with pytest.raises(InputError) as e:
            sc.path_to_target(b, kw.pop("unit"), 40.0, **kw)
        assert e.value.message == msg
        assert e.value.column == (None if "unit" in bad else "q")


def test_path_from_a_start(b):
    # start with u5's c at 4.6: c' = 10, the index there is 37.5 + 5 = 42.5, so "next" is 60 and 40 needs nothing
    p = sc.path_to_target(b, "u5", 40.0, start={"c": 4.6})
    assert p.baseline_score == pytest.approx(42.5) and p.total_cost == 0
    assert sc.path_to_target(b, "u5", "next", start={"c": 4.6}).target == 60.0


# --- a run folder as a baseline ---------------------------------------------------------------------

def test_baseline_from_run_refuses_what_is_not_a_good_run(tmp_path):
    def refused(content, match, raw=False):
        d = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
        d.mkdir()
        if content is not None:
            (d / "manifest.json").write_bytes(content if raw else json.dumps(content).encode())
        with pytest.raises(InputError) as e:
            sc.baseline_from_run(d)
        assert re.search(match, e.value.message), e.value.message
        if content is not None:
            assert str(e.value.file) == str(d / "manifest.json")
        return e.value

    e = refused(None, "^not a run folder \\(no manifest.json\\)$")
    assert e.file is not None
    refused(b"\xff\xfe{", "manifest.json is not UTF-8 text; not a Maturasi run", raw=True)
    refused(b"{oops", r"manifest.json is not valid JSON \(.*, line 1\); not a Maturasi run", raw=True)
    refused(["a"], "^manifest.json is not a Maturasi manifest$")
    refused({"tool": "other"}, "^manifest.json is not a Maturasi manifest$")
    refused({"tool": "maturasi", "inputs": ["x"]}, "^manifest.json: 'inputs' is not a mapping$")
    refused({"tool": "maturasi", "status": "failed"}, "^this run failed; its tables are not a baseline$")
    refused({"inputs": {"framework": {"sha256": "x"}}}, "^manifest.json: input 'framework' names no path$")
    refused({"inputs": {"data": "data.csv"}}, "^manifest.json: input 'data' names no path$")
    refused({"inputs": {"data": {"path": "nowhere.csv"}}}, "^input 'data' of the run is not found at nowhere.csv$")
    f = tmp_path / "data.csv"
    f.write_text("x\n")
    refused({"inputs": {"data": {"path": str(f), "sha256": "0" * 64}}},
            f"^input 'data' \\({f}\\) has changed since the run \\(SHA-256 differs\\)$")


FW_YAML = """\
name: hand
tree:
  code: I
  children:
    - {code: a, weight: 1, direction: 1}
    - {code: b, weight: 3, direction: 1}
"""


def test_baseline_from_run_finds_the_inputs_and_the_year(tmp_path):
    from analysis.manifest import sha256

    src = tmp_path / "inputs"
    src.mkdir()
    fw = src / "fw.yaml"
    fw.write_text(FW_YAML)
    data = src / "data.csv"
    # two years; in 2024 u1 = (a 0, b 0), u2 = (10, 10); in 2025 u1 = (10, 0), u2 = (0, 10)
    data.write_text("uCode,year,a,b\nu1,2024,0,0\nu2,2024,10,10\nu1,2025,10,0\nu2,2025,0,10\n")
    spec = src / "spec.yaml"
    spec.write_text("normalise: {method: minmax, range: [0, 1]}\n")
    run = tmp_path / "run"
    run.mkdir()
    (run / "data.csv").write_bytes(data.read_bytes())          # found next to the manifest
    manifest = {"tool": "maturasi", "year": 2024, "inputs": {
        "framework": {"path": str(fw), "builtin": True},        # taken as written, no checksum
        "data": {"path": "data.csv", "sha256": sha256(data)},
        "spec": {"path": "moved/spec.yaml", "abspath": str(spec), "sha256": sha256(spec)}}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    b = sc.baseline_from_run(run)
    # the manifest's year; min-max to [0, 1] (the spec), weights 1 and 3: u1 0, u2 1
    assert b.year == 2024
    assert b.aggregates["I"].to_dict() == {"u1": 0.0, "u2": 1.0}
    b25 = sc.baseline_from_run(run, year=2025)
    assert b25.year == 2025
    assert b25.aggregates["I"].to_dict() == {"u1": 0.25, "u2": 0.75}
    # without a spec in the manifest the defaults apply (min-max to [0, 100])
    manifest["inputs"].pop("spec")
    manifest.pop("year")
    (run / "manifest.json").write_text(json.dumps(manifest))
    b = sc.baseline_from_run(run)
    assert b.year == 2025 and b.aggregates["I"].to_dict() == {"u1": 25.0, "u2": 75.0}


def test_default_costs_and_the_normalised_change(b):
    # one over the observed raw range: a 1/30, b 1/40, c 1/4; own costs: unnamed indicators cannot move (1e12)
    np.testing.assert_allclose(sc._costs(b, ["a", "b", "c"], None), [1 / 30, 1 / 40, 1 / 4])
    np.testing.assert_allclose(sc._costs(b, ["a", "b"], {"a": 2.0}), [2.0, 1e12])
    flat = copy.copy(b)
    flat.raw = b.raw.assign(a=7.0, b=NAN)
    np.testing.assert_allclose(sc._costs(flat, ["a", "b"], None), [1.0, 1.0])   # no range: cost 1 per unit
    # exact change of the normalised score through the frozen normalisation: a 10 -> 25 is 50 points,
    # c 5 -> 4 is +25 (lower is better)
    assert sc._normalised_change(b, "a", 10.0, 25.0) == pytest.approx(50.0)
    assert sc._normalised_change(b, "c", 5.0, 4.0) == pytest.approx(25.0)


def _panel(normalise=None):
    data = pd.DataFrame({"uCode": ["u1", "u2", "u3", "u4"] * 2, "year": [2024] * 4 + [2025] * 4,
                         "a": [0.0, 10.0, 20.0, 30.0, 5.0, 15.0, 25.0, 35.0],
                         "b": [0.0, 100.0, 50.0, 20.0, 10.0, 20.0, 30.0, 40.0]})
    fw = Framework([Node("I", None, 1, False), Node("a", "I", 1, True), Node("b", "I", 3, True)])
    return build(fw, data, {"weights": "equal",
                            "normalise": normalise or {"method": "minmax", "reference_year": 2024}})


def test_a_scenario_on_a_panel_runs_on_its_year():
    res = _panel()
    # 2024 on its own yardstick: u1 0, u2 (33.33 + 100)/2, u3 (66.67 + 50)/2, u4 (100 + 20)/2
    exp = [0.0, (100 / 3 + 100) / 2, (200 / 3 + 50) / 2, 60.0]
    it = [{"units": ["u1"], "indicators": ["b"], "change": "+10"}]
    for r in (sc.run_scenario(res, {"year": 2024, "interventions": it}),
              sc.run_scenario(res, {"interventions": it}, year=2024)):
        np.testing.assert_allclose(r.table["baseline_score"].to_numpy(), exp)
        assert r.table.at["u1", "scenario_score"] == pytest.approx(5.0)
        assert list(r.table["baseline_rank"]) == [4, 1, 3, 2]
    with pytest.raises(InputError, match="2023"):
        sc.run_scenario(res, {"year": 2023, "interventions": it})


def test_a_panel_with_a_reference_year_keeps_its_yardstick_in_both_modes():
    # min-max fitted on the reference year 2024 (a 0..30, b 0..100), equal weights (the spec's, not the
    # framework's 1 : 3), baseline year 2025: I = (100·a/30 + b)/2
    base = sc.Baseline(_panel())
    assert base.year == 2025
    np.testing.assert_allclose(base.aggregates["I"].to_numpy(), [(50 / 3 + 10) / 2, (50 + 20) / 2, (250 / 3 + 30) / 2,
                                                                 (350 / 3 + 40) / 2])
    it = {"units": ["u1"], "indicators": ["a"], "change": "=20"}          # a' = 200/3
    for mode in ("frozen", "renormalise"):     # the yardstick is another year's data: not refitted
        r = sc.run_scenario(base, {"interventions": [it]}, mode=mode)
        assert r.table.at["u1", "scenario_score"] == pytest.approx((200 / 3 + 10) / 2), mode
        assert r.table.at["u2", "delta_score"] == 0
        assert r.normalised.at["u1", "a"] == pytest.approx(200 / 3)
    # recompute: frozen by default, returns (normalised, aggregates)
    vals = base.raw.copy()
    vals.loc["u4", "b"] = 100.0
    norm, aggs = base.recompute(vals)
    assert norm.at["u4", "b"] == 100.0 and norm.at["u4", "a"] == pytest.approx(350 / 3)
    assert aggs.at["u4", "I"] == pytest.approx((350 / 3 + 100) / 2)


def test_scenario_file_errors_name_the_file_and_empty_contributions(b, tmp_path):
    f = tmp_path / "s.yaml"
    for line, msg in (("[u9]\n    indicators: [a]", "unknown unit 'u9'"), ("[u1]\n    indicators: [zz]",
                                                                           "unknown indicator 'zz'")):
        f.write_text(f"interventions:\n  - units: {line}\n    change: '+1'\n")
        with pytest.raises(InputError) as e:
            sc.run_scenario(b, f)
        assert str(e.value.file) == str(f) and msg in e.value.message
    # compare_scenarios and contributions also take a built Result; modes are passed through
    s1 = {"interventions": [{"units": ["u4"], "indicators": ["a"], "change": "=70"}]}
    t = sc.compare_scenarios(b.result, {"one": s1}, units=["u2"], mode="renormalise")
    assert t.at[0, "scenario_score"] == pytest.approx((100 * 10 / 60 + 25 + 150) / 4)
    m = sc.compare_modes(b, s1)
    assert m.at["u2", "renormalised_score"] == pytest.approx((100 * 10 / 60 + 25 + 150) / 4)
    r = sc.run_scenario(b, s1)
    c = sc.contributions(b.result, r, "u4")
    assert c.to_dict() == {"a": pytest.approx(100 * 30 / 30 / 4)}
    empty = sc.contributions(b, r, "u1")
    assert empty.empty and empty.name == "u1" and empty.dtype == float


def test_scenario_file_refusals_name_the_file_and_the_key(b, tmp_path):
    f = tmp_path / "s.yaml"
    cases = [
        ("  - units: [u1]\n    indicators: [a]\n    change: '=101'\n", "interventions[1].change"),
        ("  - group: {province: Z}\n    indicators: [a]\n    change: '+1'\n", "interventions[1].group"),
        ("  - group: {region: Z}\n    indicators: [a]\n    change: '+1'\n", "interventions[1].group"),
        ("  - units: [u1]\n    indicators: [a]\n    change: '+1'\n"
         "  - units: [u1]\n    indicators: [a]\n    change: '+2'\n", "interventions[2].indicators"),
    ]
    for body, key in cases:
        f.write_text("interventions:\n" + body)
        with pytest.raises(InputError) as e:
            sc.run_scenario(b, f)
        assert str(e.value.file) == str(f) and e.value.message.startswith(f"key '{key}': "), e.value.message
    # the valid range has 1e-9 of slack at both ends: 100.000000001 and -0.000000001 are accepted
    r = _run(b, {"units": ["u1"], "indicators": ["a"], "change": "=100.000000001"},
             {"units": ["u1"], "indicators": ["b"], "change": "=-0.000000001"})
    assert r.values.at["u1", "a"] == 100.000000001 and r.values.at["u1", "b"] == -1e-9


def test_to_a_reference_small_gains_better_units_kept_and_group_clusters(b):
    # c is lower-is-better: u2 (c 2) to p90 (the 10th percentile, 1.4) improves by 0.6
    r = _run(b, {"units": ["u2"], "indicators": ["c"], "change": {"to": "p90"}},
             {"group": {"province": "P"}, "indicators": ["b"], "change": {"to": "median"}})
    assert r.values.at["u2", "c"] == pytest.approx(1.4)
    # b median 70: u1 (50) and u2 (60) improve to 70
    assert list(r.values.loc[["u1", "u2"], "b"]) == [70.0, 70.0]
    # u1 and u2 are already better than the median of c (3): they keep their values
    r = _run(b, {"group": {"province": "P"}, "indicators": ["c"], "change": {"to": "median"}})
    assert r.changed.empty and list(r.values["c"]) == [1.0, 2.0, 3.0, 4.0, 5.0]
    # cluster_best within a group intervention: the group column is the cluster (best c in Q is 3)
    r = _run(b, {"group": {"province": "Q"}, "indicators": ["c"], "change": {"to": "cluster_best"}})
    assert list(r.values["c"]) == [1.0, 2.0, 3.0, 3.0, 3.0]
    # no interventions: an empty list of changes with its columns
    r = _run(b)
    assert list(r.changed.columns) == ["uCode", "iCode", "before", "after", "intervention"] and r.changed.empty


def test_a_missing_cell_that_was_not_imputed_needs_a_value(tmp_path):
    base = sc.Baseline(build(_framework(), _data(), {"normalise": {"method": "minmax"}}))
    f = tmp_path / "s.yaml"
    f.write_text("interventions:\n  - units: [u5]\n    indicators: [a]\n    change: '+1'\n")
    with pytest.raises(InputError) as e:
        sc.run_scenario(base, f)
    assert str(e.value.file) == str(f)
    assert e.value.message == ("key 'interventions[1].change': a of u5 is missing and was not imputed; use an "
                               "absolute value (=…)")
    r = sc.run_scenario(base.result, {"interventions": [{"units": ["u5"], "indicators": ["a"], "change": "=40"}]})
    # u5 = (100 + 100 + 0)/4 = 50 with a at the best 40
    assert r.table.at["u5", "scenario_score"] == pytest.approx(50.0)


@pytest.mark.parametrize("normalise", [{"method": "minmax"}, {"method": "minmax", "reference_year": 2025}])
def test_renormalise_refits_when_the_yardstick_is_the_scenario_year(normalise):
    # 2025 is normalised on itself (a 5..35, b 10..40). u1's a to 50 re-normalised: a 15..50, so u2's
    # a' = 0 and b' = 100·10/30 -> I = 50/3; frozen it keeps a' = 100·10/30 -> I = 100/3
    base = sc.Baseline(_panel(normalise))
    sc_ = {"interventions": [{"units": ["u1"], "indicators": ["a"], "change": "=50"}]}
    assert sc.run_scenario(base, sc_, mode="renormalise").table.at["u2", "scenario_score"] == pytest.approx(50 / 3)
    assert sc.run_scenario(base, sc_).table.at["u2", "scenario_score"] == pytest.approx(100 / 3)


def test_a_sheet_scenario_names_the_row_and_column_of_a_bad_cell(b, tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("units,indicators,change\nu1,a,+1\nu9,b,+2\n")
    s = sc.load_scenario(f)
    assert [it.label for it in s.interventions] == ["row 2", "row 3"]
    assert s.interventions[1].origin["file"] == str(f)
    with pytest.raises(InputError) as e:
        sc.run_scenario(b, s)
    assert (str(e.value.file), e.value.row, e.value.column) == (str(f), 3, "units")
    assert e.value.message.startswith("unknown unit 'u9'")
    # a refusal of the schema names the file too
    y = tmp_path / "s.yaml"
    y.write_text("interventions:\n  - units: [u1]\n    indicators: [a]\n    change: '+1'\n    colour: red\n")
    with pytest.raises(InputError) as e:
        sc.load_scenario(y)
    assert str(e.value.file) == str(y)


def test_intervention_guards_name_the_key(tmp_path):
    # the checks of one intervention mapping (also guarded by the schema when read from a file)
    for item, key, msg in (
            ({"units": ["u1"], "group": {"province": "P"}, "indicators": ["a"], "change": "+1"}, "units",
             "give either 'units' or 'group' in each intervention"),
            ({"units": [], "indicators": ["a"], "change": "+1"}, "units",
             "give either 'units' or 'group' in each intervention"),
            ({"unit": "u1", "indicators": [], "change": "+1"}, "indicators", "intervention names no indicator"),
            ({"unit": "u1", "indicator": "a", "change": "lots"}, "change", "cannot read change 'lots'")):
        with pytest.raises(InputError) as e:
            sc._intervention(item, 1, "f.yaml", None)
        assert e.value.file == "f.yaml"
        assert e.value.message.startswith(f"key 'interventions[2].{key}': {msg}"), e.value.message
    with pytest.raises(InputError) as e:
        sc._intervention({"unit": "u1", "indicator": "a", "change": "lots"}, 0, "f.csv",
                         {"row": 4, "columns": {"change": "Change"}})
    assert (e.value.file, e.value.row, e.value.column) == ("f.csv", 4, "Change")
