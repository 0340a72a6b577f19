"""The fast paths of the replay (issue 18: COINr's ASEM study from files in milliseconds) give exactly
what the general paths give.

Each fast path is compared with the path it shortcuts, which stays in the code for every case the fast
path does not take: number columns of a clean CSV parsed in one call against the checked cell-by-cell
reader; ``to_numbers`` as one block against column by column; weight sets grouped set by set against
row by row (and the same refusals); the indicator matrix read at once in normalise/aggregate against
column by column; ranks and percentiles of all columns at once against column by column; the engine's
reuse of the nominal build's table against a fresh cross-section build; the weight-set matrix set by
set against node by node. Equality is exact (values, dtypes, labels). Timings are measured in
``benchmarks/bench_replay.py``, never here.
"""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import aggregate as aggregate_mod
from analysis import levels, tables
from analysis import normalise as normalise_mod
from analysis._errors import InputError
from analysis.data import load_data
from analysis.framework import load_framework
from analysis.pipeline import build, build_cross_section, resolve_weights
from analysis.schemas import spec as spec_schema
from analysis.schemas.spec import read_weight_sets
from analysis.tables import read_table, to_numbers
from analysis.uncertainty import Engine, replay
from analysis.uncertainty.spec import Factor

from .fixtures import FW_ABCD, asem_ua, write

ASEM = Path(__file__).resolve().parents[2] / "shared" / "data" / "asem"

# number columns the block parser must type as each column alone: whole numbers (int64), with NA
# (float64), signs and leading zeros, more than 15 digits, beyond 2**53, floats, mixed, scientific
NUMBERS = """\
uCode,whole,whole_na,signs,digits16,beyond,floats,mixed,sci,label,empty
A,1,4,+5,1234567890123456,9007199254740993,0.1,1,1e3,x,
B,22,NA,-0,1234567890123457,9007199254740995,2.5,2.5,2.5E-3,y,NA
C,-3,,007,-1234567890123456,-9007199254740993,-1e-300,3,-4e10,z,
D,40,7,12,0,1,3.14159265358979311,4.0,5,w,-
"""


def _checked(monkeypatch) -> None:
    monkeypatch.setattr(tables, "_read_clean_csv", lambda text, text_columns: None)


def test_number_columns_parsed_together_equal_the_checked_reader(tmp_path, monkeypatch):
    p = write(tmp_path / "n.csv", NUMBERS)
    assert tables._read_clean_csv(p.read_text(), set()) is not None  # the fast path is taken
    fast = read_table(p)
    _checked(monkeypatch)
    slow = read_table(p)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast["whole"].dtype == np.int64 and fast["whole_na"].dtype == np.float64
    assert list(fast.attrs["source_rows"]) == list(slow.attrs["source_rows"])


@pytest.mark.parametrize("cells", [["1", "x"], ["1", "inf"], ["1.5", "1e400"], ["2", "TRUE"], ["3", "NA"]])
def test_a_column_the_block_cannot_parse_is_typed_alone(tmp_path, monkeypatch, cells):
    p = write(tmp_path / "m.csv", f"uCode,a,b\nA,1,{cells[0]}\nB,2.5,{cells[1]}\n")
    fast = None
    try:
        fast = read_table(p)
    except InputError as e:
        fast = str(e)
    _checked(monkeypatch)
    try:
        slow = read_table(p)
    except InputError as e:
        slow = str(e)
    if isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_to_numbers_as_one_block_equals_column_by_column(tmp_path, monkeypatch):
    df = read_table(write(tmp_path / "n.csv", NUMBERS))
    cols = ["whole", "whole_na", "signs", "floats", "mixed", "sci", "empty"]
    fast = to_numbers(df, cols)
    monkeypatch.setattr(tables, "_numeric_block", lambda *a: None)
    pd.testing.assert_frame_equal(fast, to_numbers(df, cols), check_exact=True)


def test_to_numbers_refuses_the_same_first_cell(tmp_path, monkeypatch):
    df = read_table(write(tmp_path / "n.csv", NUMBERS))
    with pytest.raises(InputError) as fast:
        to_numbers(df, ["whole", "whole_na", "empty"], required=True, file="n.csv")
    monkeypatch.setattr(tables, "_numeric_block", lambda *a: None)
    with pytest.raises(InputError) as slow:
        to_numbers(df, ["whole", "whole_na", "empty"], required=True, file="n.csv")
    assert str(fast.value) == str(slow.value)
    assert "row 3" in str(fast.value) and "whole_na" in str(fast.value)


SETS = """\
set,iCode,Level,Weight
s1,a,1,1
s1,b,1,2.5
s1,D1,2,1
s2,b,1,0.5
s2,a,1,3
s2,c,1,1
"""


def _row_by_row(path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(spec_schema, "_clean_sets", lambda *a: None)
        return read_weight_sets(path)


@pytest.mark.parametrize("text", [SETS, SETS.replace("s2,b,1,0.5\n", "") + "s1,c,1,0.5\n",  # s1 split
                                  "iCode,Weight\na,1\nb,2\n"])
def test_weight_sets_grouped_equal_row_by_row(tmp_path, monkeypatch, text):
    p = write(tmp_path / "sets.csv", text)
    fast, slow = read_weight_sets(p), _row_by_row(p, monkeypatch)
    assert list(fast) == list(slow)
    for name in slow:
        assert type(fast[name]) is type(slow[name])
        assert list(fast[name].items()) == list(slow[name].items())
        assert list(fast[name].lines.items()) == list(slow[name].lines.items())
        assert fast[name].file == slow[name].file


@pytest.mark.parametrize("bad, message", [("s2,a,1,-1", "weight must be >= 0"), ("s2,, 1,1", "empty indicator code"),
                                          ("s2,b,1,1", "listed twice")])
def test_weight_set_refusals_unchanged(tmp_path, monkeypatch, bad, message):
    p = write(tmp_path / "sets.csv", SETS + bad + "\n")
    with pytest.raises(InputError) as fast:
        read_weight_sets(p)
    with pytest.raises(InputError) as slow:
        _row_by_row(p, monkeypatch)
    assert str(fast.value) == str(slow.value)
    assert message in str(fast.value) and "row 8" in str(fast.value)


def _frame(seed: int, ties: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 6, (30, 5)).astype(float) if ties else rng.normal(size=(30, 5))
    X[rng.random(X.shape) < 0.15] = np.nan
    return pd.DataFrame(X, columns=list("vwxyz"), index=pd.Index([f"u{i}" for i in range(30)], name="uCode"))


@pytest.mark.parametrize("seed, ties", [(1, False), (2, True), (3, True)])
def test_ranks_and_percentiles_of_all_columns_equal_column_by_column(seed, ties):
    df = _frame(seed, ties)
    by_column = df.apply(lambda s: pd.Series(levels.rank_desc(s.to_numpy()), index=s.index)).astype("Int64")
    pd.testing.assert_frame_equal(levels.ranks(df), by_column, check_exact=True)
    pct = df.apply(lambda s: s.rank(method="max", pct=True) * 100)
    pd.testing.assert_frame_equal(levels.percentiles(df), pct, check_exact=True)


DATA = """\
uCode,a,b,c,d
A,1,10,3.5,2
B,2,NA,1.25,7
C,5,30,2,NA
D,3,25,8,1
E,4,12,6,3
"""


def _tiny(tmp_path):
    return write(tmp_path / "fw.yaml", FW_ABCD), write(tmp_path / "d.csv", DATA)


@pytest.mark.parametrize("spec", [{"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": "geometric"},
                                  {"normalise": {"method": "zscore", "mean": 10, "sd": 2}},
                                  {"normalise": {"method": "rank"}, "aggregate": "harmonic"}])
def test_normalise_and_aggregate_on_the_matrix_equal_column_by_column(tmp_path, monkeypatch, spec):
    fw, data = _tiny(tmp_path)
    fast = build(fw, data, spec)
    monkeypatch.setattr(normalise_mod, "column_rows", lambda df, codes: None)
    monkeypatch.setattr(aggregate_mod, "_columns", lambda df, codes: {c: df[c].to_numpy(dtype=float) for c in codes})
    slow = build(fw, data, spec)
    for part in ("normalised", "aggregates", "ranks", "percentiles"):
        pd.testing.assert_frame_equal(getattr(fast, part), getattr(slow, part), check_exact=True)


def test_engine_table_of_the_spec_own_steps_equals_a_fresh_build(tmp_path):
    fw_path, data = _tiny(tmp_path)
    spec = {"normalise": {"method": "minmax", "range": [1, 100]}}
    ua = {"factors": [{"name": "n", "type": "choice", "step": "normalise",
                       "alternatives": {"own": {"method": "minmax", "range": [1, 100]},
                                        "z": {"method": "zscore", "mean": 10, "sd": 2}}}]}
    eng = Engine(fw_path, data, spec, ua)
    runs = eng.resolve(pd.DataFrame({"n": ["own", "z", "own"]}))
    fw = load_framework(fw_path)
    ds = load_data(data, fw)
    for k in sorted(set(runs.upstream.tolist())):
        sp = {**eng.spec.to_dict(), **eng.upstream_keys[k]}
        from analysis.spec import load_spec

        sp = load_spec(sp)
        fresh = build_cross_section(ds.values, ds.units, fw, sp, resolve_weights(fw, sp))[4]
        np.testing.assert_array_equal(eng.upstream(k), fresh[fw.indicators].to_numpy(dtype=float))


def test_weight_set_matrix_equals_node_by_node(tmp_path):
    fw_path, data = _tiny(tmp_path)
    eng = Engine(fw_path, data, None, None)
    f = Factor(name="w", type="weight_set",
               sets={"s1": {"a": 2.0, "b": 1.0, "D1": 3.0}, "s2": {"b": 0.5, "a": 1.5},
                     "s3": {"a": 1.0, "b": 4.0, "IDX": 1.0}, "s4": {"D1": 1.0, "a": 2.0, "b": 1.0}})
    np.testing.assert_array_equal(eng._set_matrix(f), set_matrix_by_node(eng, f))


def set_matrix_by_node(eng: Engine, f: Factor) -> np.ndarray:
    """The weight sets of ``f`` as a matrix (sets × the engine's nodes, NaN where not set), node by node."""
    ref = np.full((len(f.labels), len(eng.nodes)), np.nan)
    for k, name in enumerate(f.labels):
        for c, v in f.sets[name].items():
            if c in eng.node_ix:
                ref[k, eng.node_ix[c]] = float(v)
    return ref


@pytest.mark.parametrize("enabled", [True, False])
def test_replay_leaves_the_garbage_collector_as_it_was(tmp_path, enabled):
    fw, data = _tiny(tmp_path)
    ua = {"factors": [{"name": "agg", "type": "choice", "step": "aggregate",
                       "alternatives": {"am": "arithmetic", "gm": "geometric"}}]}
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        replay(fw, data, {"normalise": {"method": "minmax", "range": [1, 100]}}, ua,
               pd.DataFrame({"agg": ["am", "gm"]}))
        assert gc.isenabled() is enabled
        with pytest.raises(InputError):
            replay(fw, data, None, ua, pd.DataFrame({"agg": ["am", "nope"]}))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


@pytest.mark.skipif(not ASEM.exists(), reason="needs ../shared/data/asem")
def test_asem_replay_equals_the_general_paths(tmp_path, monkeypatch):
    """COINr's ASEM study (100 runs) through every fast path, and through none of them: identical."""
    ua = asem_ua(ASEM / "ua_replay" / "simple_noisy_weights_seed42_100sets.csv")
    args = (ASEM / "ASEM_iMeta.csv", ASEM / "ASEM_iData.csv", {"normalise": {"method": "minmax", "range": [1, 100]}},
            ua, ASEM / "ua_replay" / "simple_UA_N100_design.csv")
    fast = replay(*args)
    _checked(monkeypatch)
    monkeypatch.setattr(tables, "_clean_columns", lambda text, text_columns: None)
    monkeypatch.setattr(tables, "_numeric_block", lambda *a: None)
    monkeypatch.setattr(spec_schema, "_clean_sets", lambda *a: None)
    monkeypatch.setattr(spec_schema, "_read_clean_sets", lambda p: None)
    monkeypatch.setattr(normalise_mod, "column_rows", lambda df, codes: None)
    monkeypatch.setattr(aggregate_mod, "_columns", lambda df, codes: {c: df[c].to_numpy(dtype=float) for c in codes})
    slow = replay(*args)
    for part in ("nominal", "rank_stats", "scores", "outputs"):
        pd.testing.assert_frame_equal(getattr(fast, part), getattr(slow, part), check_exact=True)


def _sets_or_error(path):
    try:
        out = read_weight_sets(path)
    except InputError as e:
        return str(e)
    # repr: the weights bit for bit (-0.0 is not 0.0), and their types
    return repr([(name, type(ws), ws.file, list(ws.items()), list(ws.lines.items())) for name, ws in out.items()])


def _through_read_table(path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(spec_schema, "_read_clean_sets", lambda p: None)
        return _sets_or_error(path)


@pytest.mark.parametrize("text", [
    SETS, "iCode,Weight\na,1\nb,2\n", " set , iCode ,Weight\n s1 , a , 0.1\ns1,b,1e-3\n",
    '"set","iCode","Level","Weight"\n1,"a",1,1\n1,"b",1,0.30000000000000004\n2,"a",1,-0.0\n2,"b",1,.5\n',
    "set,iCode,Weight\ns1,a,1234567890123456789\ns1,b,0.1000000000000000055511151231257827\n",
    "set,iCode,Weight\ns1,a,9007199254740993\ns1,b,7\n", "set,iCode,Weight\ns1,NA,1\nNA,b,+2\n",
    # unusual: the checked reader reads or refuses these, the fast path leaves them to it
    "set,iCode,Weight\ns1,a,1\ns1,b,-1\n", "set,iCode,Weight\ns1,a,1\ns1,,1\n", "set,iCode,Weight\ns1,a,1\ns1,a,2\n",
    "set,iCode,Weight\ns1,a,NA\n", "set,iCode,Weight\ns1,a,\n", "set,iCode,Weight\ns1,a,1e400\n",
    "set,iCode,Weight\ns1,a,inf\n", "set,iCode,Weight\ns1,a,x\n", "set,iCode,Weight\ns1,a,1,5\n",
    "set,iCode,Weight\ns1,a,1\ns2,b,1\ns1,c,1\n", "set,iCode,Weight\n,a,1\n", "set;iCode;Weight\ns1;a;1\n",
    "set,iCode,Weight\n\ns1,a,1\n", "set,iCode,Weight\ns1,a,99999999999999999999\n", "iCode,W\na,1\n",
    "set,iCode,Weight\r\ns1,a,1\r\n", "set,iCode,Weight\rs1,a,1\r", "set,iCode,iCode,Weight\ns1,a,b,1\n",
    "set,iCode,Weight\n", 'set,iCode,Weight\ns1,"a\nb",1\n', "set,iCode,Weight\ns1,a,1_0\n",
    "set,iCode,Weight\ns1,a,TRUE\n", "set,iCode,Weight\ns1,a,٣\n",
    *(f"set,iCode,Weight\ns1,a,0.5\ns1,b,{c}\n" for c in ("NaN", "nan", "null", "None", "-", "—", "N/A", "<NA>",
                                                        " 1e5 ", "1.", "+.5", "0x10", "1 000", "1,5", "-nan")),
])
def test_clean_weight_set_table_equals_read_table(tmp_path, monkeypatch, text):
    """The weight-set table read without a DataFrame == through read_table: the same sets, weights
    (bit for bit), lines and file, or the same refusal."""
    p = write(tmp_path / "sets.csv", text)
    assert _sets_or_error(p) == _through_read_table(p, monkeypatch)
    for bad in (tmp_path / "missing.csv", write(tmp_path / "empty.csv", "")):
        assert _sets_or_error(bad) == _through_read_table(bad, monkeypatch)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("set,iCode,Weight\ns1,é,1\n".encode("latin-1"))
    assert _sets_or_error(latin) == _through_read_table(latin, monkeypatch)


def test_clean_weight_set_table_is_taken(tmp_path):
    assert spec_schema._read_clean_sets(write(tmp_path / "sets.csv", SETS)) is not None
    assert spec_schema._read_clean_sets(write(tmp_path / "bad.csv", SETS + "s2,a,1,-1\n")) is None


@pytest.mark.skipif(not ASEM.exists(), reason="needs ../shared/data/asem")
def test_asem_weight_sets_without_a_table_equal_read_table(monkeypatch):
    p = ASEM / "ua_replay" / "simple_noisy_weights_seed42_100sets.csv"
    assert spec_schema._read_clean_sets(p) is not None
    assert _sets_or_error(p) == _through_read_table(p, monkeypatch)


@pytest.mark.parametrize("seed", range(6))
def test_ranks_of_the_columns_sorted_together_equal_rank_desc(seed):
    """The ranks of all columns from one sort == scipy's 'min' ranks column by column: ties, missing
    values, -0.0 and 0.0, an all-missing column, a single row, an infinite value (ranked one by one)."""
    rng = np.random.default_rng(seed)
    for n in (1, 2, 7, 51):
        X = rng.integers(0, 4, (n, 6)).astype(float) if seed % 2 else rng.normal(size=(n, 6))
        X[rng.random(X.shape) < 0.2] = np.nan
        X[rng.random(X.shape) < 0.1] = -0.0
        X[:, 5] = np.nan
        if seed == 4:
            X[0, 0] = -np.inf
        by_column = np.column_stack([levels.rank_desc(X[:, j]) for j in range(X.shape[1])])
        np.testing.assert_array_equal(levels._rank_desc_columns(X), by_column)


# --- readers that take a clean CSV's typed columns without building a table ---------------------------

def _outcome(fn, *args):
    """What a reader gives: its result, or the message of its refusal (file, line and column included)."""
    try:
        return fn(*args)
    except InputError as e:
        return f"InputError: {e}"


def _fast_and_general(monkeypatch, fn, *args):
    """``fn(*args)`` with every fast path of the CSV reader, and with the checked cell-by-cell reader alone."""
    fast = _outcome(fn, *args)
    with monkeypatch.context() as m:
        m.setattr(tables, "_read_clean_csv", lambda text, text_columns: None)
        m.setattr(tables, "_clean_columns", lambda text, text_columns: None)
        m.setattr(spec_schema, "_read_clean_sets", lambda p: None)
        general = _outcome(fn, *args)
    return fast, general


def _write_bytes(path: Path, text: str, variant: str = "plain") -> Path:
    """``text`` as UTF-8, with a byte-order mark (``bom``) or Windows line ends (``crlf``)."""
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if variant == "bom" else b"") + text.encode("utf-8"))
    return path


IMETA = """\
"Level","iCode","iName","Direction","Weight","Unit","Target","Denominator","Parent","Type"
1,"a","Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicator"
1,"b","Indicator b",-1,0.5,"%",,"Population","D1","Indicator"
1,"c","Indicator c",1,2,NA,NA,NA,"D2","Indicator"
2,"D1","Dimension one",NA,1,NA,NA,NA,"IDX","Aggregate"
2,"D2","Dimension two",NA,1.5,NA,NA,NA,"IDX","Aggregate"
3,"IDX","Index",NA,NA,NA,NA,NA,NA,"Aggregate"
NA,"Population","Population",NA,NA,NA,NA,NA,NA,"Denominator"
NA,"grp","Group",NA,NA,NA,NA,NA,NA,"Group"
"""

#: (line, replacement): a row of IMETA changed so that the table is read differently or refused
IMETA_EDITS = [
    (None, None),
    (2, '1,"a","Indicator a",1,x,"Score 1-5",4.5,NA,"D1","Indicator"'),          # a weight that is text
    (2, '1,"a","Indicator a",1,"1,5","Score 1-5",4.5,NA,"D1","Indicator"'),      # a decimal comma
    (2, '1,"a","Indicator a",1,,"Score 1-5",4.5,NA,"D1","Indicator"'),           # an empty weight
    (2, '1,"a","Indicator a",1,NA,"Score 1-5",4.5,NA,"D1","Indicator"'),         # an NA weight
    (2, '1,"a","Indicator a",1,-1,"Score 1-5",4.5,NA,"D1","Indicator"'),         # a negative weight
    (2, '1,"a","Indicator a",1,inf,"Score 1-5",4.5,NA,"D1","Indicator"'),        # not finite
    (2, '1,"a","Indicator a",1,1e400,"Score 1-5",4.5,NA,"D1","Indicator"'),      # too large
    (2, '1,"a","Indicator a",2,1,"Score 1-5",4.5,NA,"D1","Indicator"'),          # a direction of 2
    (2, '1,"a","Indicator a",TRUE,1,"Score 1-5",4.5,NA,"D1","Indicator"'),       # a boolean
    (2, '1.5,"a","Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicator"'),        # a fractional level
    (2, '1,"b","Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicator"'),          # a duplicated code
    (2, '1,"","Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicator"'),           # an empty code
    (2, '1,NA,"Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicator"'),           # an NA code
    (2, '1,"a","Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicatr"'),           # an unknown type
    (2, '1,"a","Indicator a",1,1,"Score 1-5",4.5,NA,"D9","Indicator"'),          # an unknown parent
    (2, '1,"a","Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicator",'),         # an extra empty field
    (2, '1,"a","Indicator a",1,1,"Score 1-5",4.5,NA,"D1","Indicator",x'),        # an extra field
    (2, '1,"a","Indicator a",1,1,"Score 1-5",4.5,NA,"D1"'),                      # a field missing
    (2, ' 1 , a , Indicator a ,1,1,Score 1-5, 4.5 ,NA,D1,Indicator'),            # blanks around cells
    (2, '1,"a","Indicator ""a""",1,1,"Score 1-5",4.5,NA,"D1","Indicator"'),      # a quote in a name
    (2, '1,"a","Indicator\na",1,1,"Score 1-5",4.5,NA,"D1","Indicator"'),         # a name across lines
    (2, ''),                                                                     # a blank line
    (2, '1;"a";"Indicator a";1;1;"Score 1-5";4.5;NA;"D1";"Indicator"'),          # semicolons
    (3, '1,"b","Indicator b",-1,0.5,"%",4.5.1,"Population","D1","Indicator"'),   # a target that is text
    (3, '1,"b","Indicator b",-1,0.5,"%",-,"Population","D1","Indicator"'),       # an NA marker
    (4, '1,"c","Indicator c",1,2,NA,NA,NA,"D2","Other"'),                        # D2 left without children
    (1, '"Level","iCode","iName","Direction","Weight","Unit","Target","Denominator","Parent"'),  # no Type
    (1, '"Level","iCode","iName","Direction","Weight","Unit","Target","Unit","Parent","Type"'),  # a name twice
]


@pytest.mark.parametrize("variant", ["plain", "bom", "crlf"])
@pytest.mark.parametrize("line, row", IMETA_EDITS)
def test_framework_table_from_typed_columns_equals_the_checked_reader(tmp_path, monkeypatch, line, row, variant):
    """A COINr iMeta table read from the typed columns (no table built) == through read_table's checked
    reader: the same nodes, names, weights, levels, unit columns, or the same refusal."""
    lines = IMETA.splitlines()
    if line is not None:
        lines[line - 1] = row
    p = _write_bytes(tmp_path / "iMeta.csv", "\n".join(lines) + "\n", variant)
    fast, general = _fast_and_general(monkeypatch, load_framework, p)
    if isinstance(general, str):
        assert fast == general
        return
    assert list(fast.nodes.items()) == list(general.nodes.items())
    assert (fast.name, fast.meta, fast.indicators, fast.aggregates, fast.root, fast.source_file) == \
           (general.name, general.meta, general.indicators, general.aggregates, general.root, general.source_file)
    for code, node in general.nodes.items():  # the types too: 1 is not 1.0
        assert [type(getattr(fast.nodes[code], k)) for k in vars(node)] == [type(v) for v in vars(node).values()]


def test_framework_table_takes_the_typed_columns(tmp_path, monkeypatch):
    p = write(tmp_path / "iMeta.csv", IMETA)
    seen = []
    real = tables._clean_columns
    monkeypatch.setattr(tables, "_clean_columns", lambda *a: seen.append(1) or real(*a))
    monkeypatch.setattr(tables, "_read_clean_csv", lambda *a: pytest.fail("a table was built"))
    assert load_framework(p).indicators == ["a", "b", "c"] and seen


@pytest.mark.skipif(not ASEM.exists(), reason="needs ../shared/data/asem")
def test_asem_framework_and_data_equal_the_checked_reader(monkeypatch):
    fast, general = _fast_and_general(monkeypatch, load_framework, ASEM / "ASEM_iMeta.csv")
    assert list(fast.nodes.items()) == list(general.nodes.items()) and fast.meta == general.meta
    d_fast, d_general = _fast_and_general(monkeypatch, load_data, ASEM / "ASEM_iData.csv", general)
    _same_dataset(d_fast, d_general)


def _same_dataset(fast, general) -> None:
    if isinstance(general, str):
        assert fast == general
        return
    for part in ("values", "units"):
        a, b = getattr(fast, part), getattr(general, part)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.dtypes.tolist() == b.dtypes.tolist()
        assert a.index.dtype == b.index.dtype and a.columns.dtype == b.columns.dtype and a.index.name == b.index.name
    assert (fast.year, fast.source, fast.notes) == (general.year, general.source, general.notes)


DESIGN = """\
"rep","block","u_Weights","idx_Weights","norm_f_n","f_ag","target_x","regen_failed"
1,"UA",0.65,2,"n_zscore","a_gmean",2.31,FALSE
2,"UA",0.57,1,"n_minmax","a_gmean",3.05,FALSE
3,"UA",0.12,3,"n_minmax","a_amean",1.5,FALSE
"""

#: (line, replacement) in DESIGN
DESIGN_EDITS = [
    (None, None),
    (2, '1,"UA",0.65,2,"n_zscor","a_gmean",2.31,FALSE'),      # an unknown alternative
    (2, '1,"UA",0.65,,"n_zscore","a_gmean",2.31,FALSE'),      # an empty label
    (2, '1,"UA",0.65,NA,"n_zscore","a_gmean",2.31,FALSE'),    # an NA label
    (2, '1,"UA",0.65,2.0,"n_zscore","a_gmean",2.31,FALSE'),   # a set by its number, as a float
    (2, '1,"UA",0.65,7,"n_zscore","a_gmean",2.31,FALSE'),     # no set 7
    (2, '1,"UA",0.65,s2,"n_zscore","a_gmean",2.31,FALSE'),    # a set by its name
    (2, '1,"UA",0.65,2,1,"a_gmean",2.31,FALSE'),              # an alternative by its number
    (2, '1,"UA",0.65,2,"n_zscore","a_gmean",x,FALSE'),        # text in a bookkeeping column
    (2, '1,"UA",0.65,2,"n_zscore","a_gmean",2,31,FALSE'),     # a decimal comma, unquoted
    (2, '1,"UA",0.65,2,"n_zscore","a_gmean","2,31",FALSE'),   # a decimal comma, quoted
    (2, '1,"UA",0.65,2," n_zscore ","a_gmean",2.31,FALSE'),   # blanks around a label
    (2, 'r1,"UA",0.65,2,"n_zscore","a_gmean",2.31,FALSE'),    # a run number that is text
    (2, 'NA,"UA",0.65,2,"n_zscore","a_gmean",2.31,FALSE'),    # a run number missing
    (3, '1,"UA",0.57,1,"n_minmax","a_gmean",3.05,FALSE'),     # a run number twice
    (2, ''),                                                  # a blank line
    (1, '"rep","block","u_Weights","idx_Weights","norm_f_n","f_ag","target_x","regen_failed","extra"'),
    (1, '"run","block","u_Weights","idx_Weights","norm_f_n","f_ag","target_x","regen_failed"'),
    (1, '"n","block","u_Weights","idx_Weights","norm_f_n","f_ag","target_x","regen_failed"'),  # unknown
    (1, '"rep","block","u_Weights","idx_Weights","norm","f_ag","target_x","regen_failed"'),    # no factor column
    (1, '"rep","block","u_Weights","idx_Weights","norm_f_n","f_ag","target_x","target_x"'),   # a name twice
]

DESIGN_UA = {"factors": [
    {"name": "Weights", "type": "weight_set", "column": "idx_Weights",
     "sets": {"s1": {"a": 1}, "s2": {"a": 2}, "s3": {"a": 3}}},
    {"name": "Normalisation", "type": "choice", "step": "normalise", "column": "norm_f_n",
     "alternatives": {"n_minmax": {"method": "minmax", "range": [1, 100]}, "n_zscore": {"method": "zscore"}}},
    {"name": "Aggregation", "type": "choice", "step": "aggregate", "column": "f_ag",
     "alternatives": {"a_amean": "arithmetic", "a_gmean": "geometric"}}]}


def _same_design(fast, general) -> None:
    if isinstance(general, str):
        assert fast == general
        return
    pd.testing.assert_frame_equal(fast, general, check_exact=True)
    assert fast.dtypes.tolist() == general.dtypes.tolist()
    assert (fast.index.dtype, fast.index.name, fast.columns.dtype) == \
           (general.index.dtype, general.index.name, general.columns.dtype)
    assert list(fast.attrs["source_rows"]) == list(general.attrs["source_rows"])


@pytest.mark.parametrize("extra", ["error", "ignore"])
@pytest.mark.parametrize("variant", ["plain", "bom", "crlf"])
@pytest.mark.parametrize("line, row", DESIGN_EDITS)
def test_design_from_typed_columns_equals_the_checked_reader(tmp_path, monkeypatch, line, row, variant, extra):
    """A design read from the typed columns (one table built) == through read_table's checked reader and
    load_design's checks: the same table (values, dtypes, index, source lines), or the same refusal."""
    from analysis.schemas.uncertainty import load_design
    from analysis.uncertainty.spec import load_ua_spec

    lines = DESIGN.splitlines()
    if line is not None:
        lines[line - 1] = row
    p = _write_bytes(tmp_path / "design.csv", "\n".join(lines) + "\n", variant)
    ua = load_ua_spec(DESIGN_UA)
    _same_design(*_fast_and_general(monkeypatch, lambda: load_design(p, ua, extra=extra)))


def test_design_takes_the_typed_columns(tmp_path, monkeypatch):
    from analysis.schemas.uncertainty import load_design
    from analysis.uncertainty.spec import load_ua_spec

    p = write(tmp_path / "design.csv", DESIGN)
    monkeypatch.setattr(tables, "_read_clean_csv", lambda *a: pytest.fail("read_table was used"))
    assert load_design(p, load_ua_spec(DESIGN_UA)).index.tolist() == [1, 2, 3]


DATA_WIDE = """\
"uCode","uName","grp","Time","a","b","c","Population","extra"
"AUT","Austria","L",2018,1,10.5,3,8.7,1
"BEL","Belgium","M",2018,2,NA,1.25,11.4,2
"35.10","Kab. Banyuwangi","M",2018,5,30,2,1.7,3
"73.71","Kota Makassar","S",2018,3,25,8,1.4,4
"""

#: (line, replacement) in DATA_WIDE
DATA_EDITS = [
    (None, None),
    (2, '"AUT","Austria","L",2018,x,10.5,3,8.7,1'),              # text in an indicator
    (2, '"AUT","Austria","L",2018,"1,5",10.5,3,8.7,1'),          # a decimal comma
    (2, '"AUT","Austria","L",2018,1,10.5,3,8.7,"1,5"'),          # ... in a column no one reads as numbers
    (2, '"AUT","Austria","L",2018,,10.5,3,8.7,1'),               # an empty cell
    *((2, f'"AUT","Austria","L",2018,{na},10.5,3,8.7,1') for na in ("NA", "N/A", "#N/A", "NaN", "-", "null", "None")),
    (2, '"AUT","Austria","L",2018,inf,10.5,3,8.7,1'),            # not finite
    (2, '"AUT","Austria","L",2018,1e400,10.5,3,8.7,1'),          # too large
    (2, '"AUT","Austria","L",2018,TRUE,10.5,3,8.7,1'),           # a boolean
    (2, '"AUT","Austria","L",2018,1,10.5,3,,1'),                 # a denominator missing
    (2, '"AUT","Austria","L",2018,1,10.5,3,x,1'),                # a denominator that is text
    (3, '"AUT","Belgium","M",2018,2,NA,1.25,11.4,2'),            # a duplicated code
    (3, '"","Belgium","M",2018,2,NA,1.25,11.4,2'),               # an empty code
    (3, 'NA,"Belgium","M",2018,2,NA,1.25,11.4,2'),               # a code "NA" (a code, not missing)
    (3, '"35","Jawa Timur","M",2018,2,NA,1.25,11.4,2'),          # a province among kab/kota
    (3, '"3510012001","Desa","M",2018,2,NA,1.25,11.4,2'),        # a village code, without dots
    (3, '"BEL","Belgium","M",2019,2,NA,1.25,11.4,2'),            # two years: a panel
    (3, '"BEL","Belgium","M",,2,NA,1.25,11.4,2'),                # a year missing
    (3, '"BEL","Belgium","M",2018.0,2,NA,1.25,11.4,2'),          # a year as a float
    (3, '"BEL","Belgium","M",2018,2,NA,1.25,11.4'),              # a field missing
    (3, ' BEL , Belgium ,M, 2018 , 2 ,NA,1.25,11.4,2'),          # blanks around cells
    (3, '"BEL","Belgium ""B""","M",2018,2,NA,1.25,11.4,2'),      # a quote in a name
    (3, ''),                                                     # a blank line
    (1, '"uCode","uName","grp","Time","a","b","c","Population","D1"'),      # a column named like an aggregate
    (1, '"uCode","uName","D1_data","Time","a","b","c","Population","D1"'),  # ... and its new name taken
    (1, '"uCode","uName","grp","Year","a","b","c","Population","extra"'),   # another year column
    (1, '"uCode","uName","grp","Time","a","b","x","Population","extra"'),   # an indicator missing
    (1, '"uCode","uName","grp","Time","a","b","c","Pop","extra"'),          # the denominator missing
    (1, '"kode","uName","grp","Time","a","b","c","Population","extra"'),    # no uCode
    (1, '"uCode","uName","grp","Time","a","b","c","Population","c"'),       # a name twice
    (1, '"uCode","uName","iCode","value","a","b","c","Population","extra"'),  # a long table's columns
]


@pytest.mark.parametrize("require_all", [True, False])
@pytest.mark.parametrize("variant", ["plain", "bom", "crlf"])
@pytest.mark.parametrize("line, row", DATA_EDITS)
def test_data_from_typed_columns_equals_the_checked_reader(tmp_path, monkeypatch, line, row, variant, require_all):
    """A wide data table read from the typed columns (no intermediate table) == through read_table's checked
    reader and load_data's steps: the same values (bit for bit, memory layout too), unit data, index and
    notes, or the same refusal."""
    fw = load_framework(write(tmp_path / "iMeta.csv", IMETA))
    lines = DATA_WIDE.splitlines()
    if line is not None:
        lines[line - 1] = row
    p = _write_bytes(tmp_path / "data.csv", "\n".join(lines) + "\n", variant)
    fast, general = _fast_and_general(monkeypatch, lambda: load_data(p, fw, require_all=require_all))
    _same_dataset(fast, general)
    if not isinstance(general, str):
        assert fast.values.to_numpy().strides == general.values.to_numpy().strides
        assert fast.values.attrs == general.values.attrs
        assert list(fast.units.attrs["source_rows"]) == list(general.units.attrs["source_rows"])


def test_data_takes_the_typed_columns(tmp_path, monkeypatch):
    fw = load_framework(write(tmp_path / "iMeta.csv", IMETA))
    p = write(tmp_path / "data.csv", DATA_WIDE)
    monkeypatch.setattr(tables, "_read_clean_csv", lambda *a: pytest.fail("read_table was used"))
    ds = load_data(p, fw)
    assert ds.values.index.tolist() == ["AUT", "BEL", "35.10", "73.71"]
    assert ds.notes == ["numeric columns not in the framework kept as unit data: extra"]


def _records_way(text):
    records = tables._clean_records(text)
    return None if records is None else (records[0], [list(c) for c in zip(*records[1:])])


@pytest.mark.parametrize("seed", range(4))
def test_a_text_is_split_as_the_csv_reader_splits_it(seed):
    """Split at line ends and commas, quotes of whole fields taken off == csv.reader(strict=True) and the
    clean-file checks of _clean_records, on random texts of commas, line ends (\\n, \\r\\n, lone \\r),
    quotes (whole fields, doubled, inside a field, across lines), blanks, Unicode separators, NUL and
    letters: the same header and cells, or both not clean."""
    rng = np.random.default_rng(seed)
    cells = ["a", "b", "1", " ", "", "é", "\t", "\u2028", "\x0c", "\x1c", '"a"', '""', '"a b"', '"é"']
    tokens = [",", "\n", "\r\n", "\r", "\n\n", " ", "", "\x85", '"', '""', '","', '"\n', '\n"', "\x00"]
    taken = 0
    for _ in range(2500):
        n, rows = rng.integers(1, 5), rng.integers(0, 5)
        end = "\r\n" if rng.random() < 0.3 else "\n"
        lines = [",".join(f"h{j}" + "".join(rng.choice(cells, size=rng.integers(0, 2))) for j in range(n))]
        lines += [",".join("".join(rng.choice(cells, size=rng.integers(0, 3))) for _ in range(n)) for _ in range(rows)]
        text = end.join(lines) + (end if rng.random() < 0.7 else "")
        for _ in range(rng.integers(0, 3)):  # damage: a token put anywhere
            i = rng.integers(0, len(text) + 1)
            text = text[:i] + rng.choice(tokens) + text[i:]
        fast = tables._clean_cells(text)
        assert (None if fast is None else (list(fast[0]), [list(c) for c in fast[1]])) == _records_way(text), text
        taken += fast is not None
    assert taken > 300  # clean texts were met, not only refusals


def test_a_field_longer_than_the_csv_limit_is_not_clean(monkeypatch):
    import csv

    text = "k,v\n" + "a" * 40 + ",1\n"
    assert tables._clean_cells(text) is not None
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(30)
        assert tables._clean_cells(text) is None and _records_way(text) is None
    finally:
        csv.field_size_limit(limit)


def test_long_text_columns_from_pyarrow_equal_the_series_arrays():
    """A long text column's array built from one pyarrow.array == pd.Series(cells).array: the same texts
    (any Unicode), the same dtype; a column with a missing cell, a short one and numbers as before."""
    rng = np.random.default_rng(7)
    alphabet = list("abcXYZ019 ,;\"'-_.") + ["é", "ß", "中", "🙂", "e\u0301", "\u2028", "\t"]
    text = ["".join(rng.choice(alphabet, size=rng.integers(0, 12))) for _ in range(300)]
    cols = [text, text[:10], [*text[:99], np.nan], np.arange(300), ["same"] * 300]
    for got, col in zip(tables.column_arrays(cols), cols):
        want = tables.column_array(col)
        assert got.dtype == want.dtype
        pd.testing.assert_series_equal(pd.Series(got), pd.Series(want), check_exact=True)
        assert list(got) == list(want) if not isinstance(col, list) or np.nan not in col else True


def test_a_long_design_equals_the_checked_reader(tmp_path, monkeypatch):
    from analysis.schemas.uncertainty import load_design
    from analysis.uncertainty.spec import load_ua_spec

    rng = np.random.default_rng(3)
    rows = [f'{i},"UA",{rng.random()!r},{rng.integers(1, 4)},"{rng.choice(["n_minmax", "n_zscore"])}",'
            f'"{rng.choice(["a_amean", "a_gmean"])}",{rng.random()!r},FALSE' for i in range(1, 301)]
    text = DESIGN.splitlines()[0] + "\n" + "\n".join(rows) + "\n"
    ua = load_ua_spec(DESIGN_UA)
    for p in (write(tmp_path / "q.csv", text), write(tmp_path / "plain.csv", text.replace('"', ""))):
        fast, general = _fast_and_general(monkeypatch, lambda p=p: load_design(p, ua))
        assert not isinstance(fast, str) and len(fast) == 300
        _same_design(fast, general)
        table, checked = _fast_and_general(
            monkeypatch, lambda p=p: read_table(p, text_columns=["idx_Weights", "norm_f_n", "f_ag"]))
        pd.testing.assert_frame_equal(table, checked, check_exact=True)  # read_table's own fast path too
        pd.testing.assert_frame_equal(fast, checked.set_index("rep"), check_exact=True)


def _numeric_outcome(fn, cells):
    try:
        out = fn(cells)
    except (ValueError, TypeError) as e:
        return type(e)
    return out.dtype, repr(out.tolist())  # repr: -0.0, NaN and the integer/float kind, bit for bit


@pytest.mark.parametrize("seed", range(6))
def test_each_distinct_text_parsed_once_equals_to_numeric(seed, monkeypatch):
    """pd.to_numeric of the distinct texts, spread back over the cells == pd.to_numeric of every cell:
    the same dtype (int64, uint64, float64, object) and numbers, or the same kind of refusal."""
    monkeypatch.setattr(tables, "_DISTINCT_SHARE", 1.0)  # always through the distinct texts
    rng = np.random.default_rng(seed)
    pools = [["1", "-0", "007", "+5", "22"], ["1", "2.5", "-0.0", "1e3", "0.30000000000000004", "2.5E-3"],
             ["9007199254740993", "9007199254740995", "-1"], ["18446744073709551615", "1"],
             ["18446744073709551616", "-9223372036854775809", "3"], ["1", "inf", "-inf", "1e400", "nan", "0.1"],
             ["1", "x", "NA", "", "1,5", "TRUE", "0x10"], ["0.1000000000000000055511151231257827", "1e-320", "5"]]
    for _ in range(60):
        pool = pools[rng.integers(len(pools))] + (pools[rng.integers(len(pools))] if rng.random() < 0.3 else [])
        cells = np.array(list(rng.choice(pool, size=rng.integers(1, 40))), dtype=object)
        assert _numeric_outcome(tables._to_numeric_distinct, cells) == _numeric_outcome(pd.to_numeric, cells)


def test_a_design_with_repeated_draws_equals_the_checked_reader(tmp_path, monkeypatch):
    """COINr's designs stacked from a shorter one repeat their draws: parsed once each, the same table."""
    from analysis.schemas.uncertainty import load_design
    from analysis.uncertainty.spec import load_ua_spec

    rng = np.random.default_rng(5)
    draws = [f"{rng.random()!r}" for _ in range(20)] + ["1", "0", "-0.0", "1e-3"]
    rows = [f'{i},"UA",{draws[i % 24]},{i % 3 + 1},"n_minmax","a_amean",{draws[(7 * i) % 24]},FALSE'
            for i in range(1, 241)]
    p = write(tmp_path / "d.csv", DESIGN.splitlines()[0] + "\n" + "\n".join(rows) + "\n")
    seen = []
    real = tables._to_numeric_distinct
    monkeypatch.setattr(tables, "_to_numeric_distinct", lambda c: seen.append(len(set(c.tolist()))) or real(c))
    fast, general = _fast_and_general(monkeypatch, lambda: load_design(p, load_ua_spec(DESIGN_UA)))
    assert seen and seen[0] < 50  # the draws were parsed once each
    _same_design(fast, general)


@pytest.mark.parametrize("seed", range(3))
def test_a_cell_with_a_character_no_number_holds_is_not_parsed(seed):
    """tables._parses answers as pd.to_numeric itself on texts of digits, signs, points, exponents, the
    letters of inf/infinity/nan, blanks, other letters, Unicode digits and spaces, and known words."""
    rng = np.random.default_rng(seed)
    alphabet = list("0123456789+-.eEinfINFtyTYaA \t_xXdDLS,#") + ["٣", "０", "\u00a0", "\u2028", "é"]
    words = ["True", "FALSE", "Infinity", "-inf", "+INF", "iNf", "nan", "NaN", "1.#IND", "1_000", "0x10",
             " 1 ", "1e5", "٣", "Austria", "UA", "L", "XL", "S", "None", "1,5", "\u00a01", "infinity "]
    cells = words + ["".join(rng.choice(alphabet, size=rng.integers(1, 7))) for _ in range(3000)]

    def to_numeric_reads(cell):
        try:
            pd.to_numeric(np.array([cell], dtype=object))
        except (ValueError, TypeError):
            return False
        return True

    assert [tables._parses(c) for c in cells] == [to_numeric_reads(c) for c in cells]


def test_lines_of_a_clean_weight_set_made_when_asked_equal_row_by_row(tmp_path, monkeypatch):
    """A set read from a clean table makes its lines when a refusal asks for them: the same lines (and
    where_in_set answer) as row by row, also after a deep copy, a pickle round trip and a new assignment."""
    import copy
    import pickle

    p = write(tmp_path / "sets.csv", SETS)
    fast, slow = read_weight_sets(p), _row_by_row(p, monkeypatch)
    assert fast["s1"]._lines is None  # not made yet
    for name in slow:
        for ws in (copy.deepcopy(fast[name]), pickle.loads(pickle.dumps(fast[name])), fast[name]):
            assert list(ws.lines.items()) == list(slow[name].lines.items())
            for code in slow[name]:
                assert spec_schema.where_in_set(ws, code) == spec_schema.where_in_set(slow[name], code)
    fast["s2"].lines = {"a": 99}
    assert fast["s2"].lines == {"a": 99} and spec_schema.where_in_set(fast["s2"], "a")["row"] == 99
