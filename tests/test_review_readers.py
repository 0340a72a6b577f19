"""Review of the replay readers' fast paths (issue 18): discrepancies with the checked cell-by-cell reader.

The contract of the fast paths: for every file, exactly what the checked reader gives (values, dtypes,
labels, index, attrs), and for every bad file the same one-line refusal. The checked reader is forced as
``benchmarks/bench_replay.py`` forces it (``tables._read_clean_csv``, ``tables._clean_columns`` and
``schemas.spec._read_clean_sets`` return None). Each test here failed when it was written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import tables
from analysis._errors import InputError
from analysis.data import load_data
from analysis.framework import load_framework
from analysis.schemas import spec as spec_schema
from analysis.schemas.uncertainty import load_design
from analysis.uncertainty.spec import load_ua_spec

from .fixtures import write

IMETA = """\
Level,iCode,iName,Direction,Weight,Parent,Type
1,a,Indicator a,1,1,IDX,Indicator
1,b,Indicator b,-1,1,IDX,Indicator
2,IDX,Index,NA,NA,NA,Aggregate
"""

UA = {"factors": [
    {"name": "Normalisation", "type": "choice", "step": "normalise", "column": "norm_f_n",
     "alternatives": {"n_minmax": {"method": "minmax", "range": [1, 100]}, "n_zscore": {"method": "zscore"}}},
    {"name": "Aggregation", "type": "choice", "step": "aggregate", "column": "f_ag",
     "alternatives": {"a_amean": "arithmetic", "a_gmean": "geometric"}}]}


def _both(monkeypatch, fn):
    """``fn()`` with the CSV reader's fast paths, and with the checked cell-by-cell reader alone."""
    fast = fn()
    with monkeypatch.context() as m:
        m.setattr(tables, "_read_clean_csv", lambda text, text_columns: None)
        m.setattr(tables, "_clean_columns", lambda text, text_columns: None)
        m.setattr(spec_schema, "_read_clean_sets", lambda path: None)
        checked = fn()
    return fast, checked


def test_design_run_numbers_give_the_checked_reader_index(tmp_path, monkeypatch):
    """COINr's design numbers its runs 1..N in ``rep``: the checked path (``set_index``) makes that a
    RangeIndex(1, N + 1, name='rep'); the fast path builds ``pd.Index(int64)`` — same values, another
    index type (``assert_frame_equal``'s default 'equiv' does not see it)."""
    p = write(tmp_path / "design.csv", """\
        rep,norm_f_n,f_ag
        1,n_zscore,a_gmean
        2,n_minmax,a_gmean
        3,n_minmax,a_amean
        """)
    ua = load_ua_spec(UA)
    fast, checked = _both(monkeypatch, lambda: load_design(p, ua))
    pd.testing.assert_index_equal(fast.index, checked.index, exact=True)


def test_data_without_unit_columns_gives_the_checked_reader_units(tmp_path, monkeypatch):
    """A wide CSV with only uCode and indicator columns: the fast path's ``units`` has an empty
    RangeIndex (int64) of columns, the checked path's an empty Index of text (str); it is carried into
    ``Result.units`` of a build."""
    fw = load_framework(write(tmp_path / "iMeta.csv", IMETA))
    p = write(tmp_path / "data.csv", """\
        uCode,a,b
        AAA,1,2
        BBB,3,5
        CCC,4,4
        """)
    fast, checked = _both(monkeypatch, lambda: load_data(p, fw))
    pd.testing.assert_index_equal(fast.units.columns, checked.units.columns, exact=True)


@pytest.mark.parametrize("year", ["1e20", "18446744073709551617"])
def test_a_year_beyond_int64_is_one_input_error(tmp_path, year):
    """A panel whose year cell is a whole number beyond int64 (a typo, a timestamp): both readers
    end in an OverflowError traceback (``maturasi build``: exit 1, 39 lines) instead of one InputError
    naming the file, the line and the column (``analysis.data._years``)."""
    fw = load_framework(write(tmp_path / "iMeta.csv", IMETA))
    p = write(tmp_path / "data.csv", f"""\
        uCode,a,b,Year
        AAA,1,2,2020
        AAA,3,5,{year}
        BBB,4,4,2020
        BBB,5,1,2021
        """)
    with pytest.raises(InputError) as e:
        load_data(p, fw)
    assert (e.value.row, e.value.column) == (3, "Year")
    assert Path(e.value.file).name == "data.csv"


@pytest.mark.parametrize("runs", [[1, 2, 3], [1, 3, 5], [3, 2, 1], [5], [1, 1], [1, 2, 4], [], [0, 10, 20, 30],
                                  [2 ** 40, 2 ** 40 + 7]])
def test_run_index_equals_set_index(runs):
    """The design reader's run index (made without a table) is the one ``set_index`` makes."""
    from analysis.schemas.uncertainty import _run_index

    arr = np.array(runs, dtype=np.int64)
    want = pd.DataFrame({"rep": arr}).set_index("rep").index
    pd.testing.assert_index_equal(_run_index(arr, "rep"), want, exact=True)
    floats = arr.astype(float)
    pd.testing.assert_index_equal(_run_index(floats, "rep"), pd.DataFrame({"rep": floats}).set_index("rep").index,
                                  exact=True)
