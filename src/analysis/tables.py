"""The one reader of user tables (CSV, XLSX, Parquet) and the one cell-to-number conversion.

Every table a user hands the kit — indicator data, iMeta framework tables, weight sets, budgets,
AHP matrices, costs, design tables, scenarios — goes through :func:`read_table`, so every kind
of table gets the same checks and the same one-line errors:

- the path must be a readable, non-empty file with a known extension;
- text is UTF-8 (a byte-order mark is fine), or UTF-16/UTF-32 with a byte-order mark; anything
  else is refused with the encoding it looks like;
- CSV is comma-separated; every row has as many fields as the header (a row with more or fewer
  is refused naming its line); a semicolon- or tab-separated file is refused with advice;
- Excel error cells (``#DIV/0!``, ``#N/A`` …) and formulas without a saved value are refused
  naming the cell; a formula's saved value is read;
- code columns (``uCode``, ``iCode``, ``Parent``, any column whose name ends in ``code`` or
  ``kode``) are text: ``35.10`` stays ``35.10``. An Excel code typed as a number is rebuilt
  from the cell's number format (``00.00`` shows 35.1 as ``35.10``); a non-integer code without
  such a format is refused;
- in other columns, an empty cell or an NA marker (``NA``, ``N/A``, ``#N/A``, ``NaN``, ``-`` …)
  is missing, and a column whose cells are all finite numbers becomes numeric.

:func:`to_numbers` turns chosen columns into finite floats: ``inf``, ``-Infinity``, ``1e400``,
booleans, dates and text are refused naming file, row (the line in the file, header = line 1,
or the Excel row) and column; with ``required=True`` a missing value is refused too.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError

__all__ = ["read_table", "read_text", "read_bytes", "to_numbers", "parse_number", "row_number", "is_code_column",
           "sheet_names", "NA_MARKERS", "CODE_COLUMNS"]

#: Cell texts that mean "missing" outside code columns (compared after stripping spaces).
NA_MARKERS = frozenset({"", "NA", "N/A", "n/a", "na", "#N/A", "#NA", "NaN", "nan", "NAN", "-nan", "-NaN",
                        "NULL", "null", "None", "<NA>", "-", "—"})
#: Column names that always hold codes (text), besides names ending in ``code``/``kode``.
CODE_COLUMNS = frozenset({"ucode", "icode", "parent", "code", "kode", "expert"})

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_WHOLE_COLUMN = re.compile(r"[+-]?[0-9]+(?:\n[+-]?[0-9]+)*")
_WHOLE_15 = re.compile(r"[+-]?[0-9]{1,15}(?:\n[+-]?[0-9]{1,15})*")
_NONFINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_BOOL_TEXT = frozenset({"true", "false"})
_EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                           "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!"})
_SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
             ".parquet": "parquet", ".pq": "parquet"}

ROWS_ATTR = "source_rows"
CELLS_ATTR = "source_cells"


# --- files and text ------------------------------------------------------------------------------

def _check_file(path: Path, what: str) -> bytes:
    """The bytes of ``path``; a missing, folder, unreadable or empty file is an InputError."""
    noun = what if what.endswith("file") else f"{what} file"
    if not path.exists():
        raise InputError(f"{noun} not found", file=path)
    if path.is_dir():
        raise InputError(f"is a folder, not a {noun}", file=path)
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise InputError(f"cannot read the {noun} (permission denied)", file=path) from None
    except OSError as e:
        raise InputError(f"cannot read the {noun} ({e.strerror or e})", file=path) from None
    if not raw:
        raise InputError(f"the {noun} is empty (0 bytes)", file=path)
    return raw


def _decode(raw: bytes, path: Path, table: bool = True) -> str:
    """Text of a file: UTF-8 (BOM optional) or UTF-16/32 with a BOM; otherwise one clear error.

    ``table`` adds the Excel advice ("CSV UTF-8") for tables; other text files (YAML) get plain advice.
    """
    save = "save the file as UTF-8" + (" (in Excel: 'CSV UTF-8')" if table else "")
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                name = enc.upper().replace("-SIG", "")
                raise InputError(f"starts with a {name} byte-order mark but is not valid {name}; {save}",
                                 file=path) from None
    if raw.startswith(b"PK\x03\x04"):
        raise InputError("is an Excel workbook or another zip file, not text"
                         + ("; give it the .xlsx extension or save it as CSV UTF-8" if table else ""), file=path)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("is an old-style Excel (.xls) or protected Office file, not text"
                         + ("; save it as CSV UTF-8 or .xlsx" if table else ""), file=path)
    if raw.startswith(b"PAR1"):
        raise InputError("is a Parquet file, not text"
                         + ("; give it the .parquet extension" if table else ""), file=path)
    head = raw[:4000]
    if head.count(b"\x00") > len(head) // 4:
        raise InputError(f"not UTF-8 text (looks like UTF-16 without a byte-order mark); {save}", file=path)
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw[:nul].count(b"\n") + 1
        raise InputError(f"line {line}: holds a NUL byte, so this is not a text file; {save}", file=path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise InputError(f"line {line}: not UTF-8 text (looks like Windows-1252/Latin-1); {save}",
                         file=path) from None


def read_bytes(path: str | Path, what: str = "input") -> bytes:
    """Bytes of a user file; a missing, folder, unreadable or 0-byte file is one :class:`InputError`."""
    return _check_file(Path(path), what)


def read_text(path: str | Path, what: str = "input", *, table: bool = False) -> str:
    """Text of a user file (YAML …) with the checks of :func:`read_table`: folder, permission, empty, encoding.

    ``table=True`` words the encoding advice for a CSV table.
    """
    path = Path(path)
    return _decode(_check_file(path, what), path, table=table)


# --- codes ---------------------------------------------------------------------------------------

def is_code_column(name: object) -> bool:
    """True for columns that hold codes and are therefore always read as text."""
    n = str(name).strip().lower()
    return n in CODE_COLUMNS or n.endswith("code") or n.endswith("kode") or n.startswith("kode")


def _number_format_digits(fmt: str | None) -> tuple[int, int] | None:
    """(integer zeros, decimals) of a fixed number format like ``0.00`` or ``00.00``; None otherwise."""
    if not fmt:
        return None
    f = fmt.split(";")[0]
    f = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", f).strip()
    m = re.fullmatch(r"[#,]*(0*)(?:\.(0+))?", f)
    if not m or not (m.group(1) or m.group(2)):
        return None
    return len(m.group(1)), len(m.group(2) or "")


def _code_text(value: object, number_format: str | None = None) -> str:
    """A code cell as text; raises ValueError with the reason when a number cannot be read back."""
    if isinstance(value, bool):
        raise ValueError(f"unit code is a boolean ({value})")
    if isinstance(value, (int, np.integer)):
        digits = _number_format_digits(number_format)
        if digits and digits[1] == 0:
            return f"{int(value):0{digits[0]}d}"
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"code is not a finite number ({v})")
        digits = _number_format_digits(number_format)
        if digits:
            whole, dec = digits
            width = whole + (dec + 1 if dec else 0)
            text = f"{v:0{width}.{dec}f}"
            if float(text) == v:
                return text
        if v.is_integer():
            return str(int(v))
        raise ValueError(f"code typed as a number ({v:g}); format the column as Text and type the code "
                         "again (e.g. '35.10')")
    if isinstance(value, (datetime, date, time, timedelta)):
        raise ValueError(f"code is a date ({value}); format the column as Text")
    return str(value).strip()


# --- CSV -----------------------------------------------------------------------------------------

def _csv_rows(text: str, path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and the line each row starts on; refuses ragged and non-comma files."""
    first_no, first = next(((i + 1, ln) for i, ln in enumerate(io.StringIO(text)) if ln.strip()), (1, ""))
    if "," not in first:
        for sep, name in ((";", "semicolon"), ("\t", "tab")):
            if sep in first:
                raise InputError(f"line {first_no}: the file is {name}-separated; save it as comma-separated CSV "
                                 "(in Excel: 'CSV UTF-8 (Comma delimited)')", file=path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    start = 1
    try:
        for rec in reader:
            line, start = start, reader.line_num + 1
            if not rec or all(not c.strip() for c in rec):
                continue
            if header is None:
                header = rec
                header_line = line
                continue
            rows.append(rec)
            lines.append(line)
    except csv.Error as e:
        hint = "; a quote that is never closed?" if "end of data" in str(e) else ""
        raise InputError(f"line {start}: not valid CSV ({e}{hint})", file=path) from None
    if header is None:
        raise InputError("has no header row (the file holds only blank lines)", file=path)
    if header_line != 1:
        lines_note = f" (header found on line {header_line})"
    else:
        lines_note = ""
    n = len(header)
    while n > 1 and not header[n - 1].strip() and all(len(r) < n or not r[n - 1].strip() for r in rows):
        n -= 1
    for rec, line in zip(rows, lines):
        if len(rec) > n and any(c.strip() for c in rec[n:]):
            raise InputError(f"line {line} has {len(rec)} fields but the header has {n}{lines_note} "
                             "(an extra comma, or a value with a comma that is not quoted?)", file=path)
        if len(rec) < n:
            raise InputError(f"line {line} has {len(rec)} fields but the header has {n}{lines_note} "
                             "(a missing comma or a cut line?)", file=path)
    return header[:n], [r[:n] for r in rows], lines


class SourceRows(list):
    """The line (or Excel row) of each row of a table, kept in ``attrs["source_rows"]``.

    pandas deep-copies ``attrs`` on every column access (``df[col]``); the numbers never change after
    reading, so a copy shares them instead of copying one number per row each time.
    """

    def __deepcopy__(self, memo) -> SourceRows:
        return self


def _read_csv(path: Path, raw: bytes, text_columns: set[str]) -> pd.DataFrame:
    text = _decode(raw, path)
    fast = _read_clean_csv(text, text_columns)
    if fast is not None:
        return fast
    return _read_csv_checked(path, text, text_columns)


def _read_csv_checked(path: Path, text: str, text_columns: set[str]) -> pd.DataFrame:
    """The cell-by-cell reader: every refusal of :func:`read_table` for CSV is worded here."""
    header, rows, lines = _csv_rows(text, path)
    names = _header_names(header, path, [f"column {i + 1}" for i in range(len(header))])
    cols = {}
    for j, name in enumerate(names):
        cells = [r[j].strip() for r in rows]
        cols[name] = _typed_column(cells, is_code_column(name) or name in text_columns)
    df = pd.DataFrame(cols, index=pd.RangeIndex(len(rows)))
    df.attrs[ROWS_ATTR] = SourceRows(lines)
    return df


def _read_clean_csv(text: str, text_columns: set[str]) -> pd.DataFrame | None:
    """A clean CSV read column-wise; None when anything is off, and the checked reader takes over.

    The common case, fast: the records come from the same ``csv.reader(strict=True)`` as in
    :func:`_csv_rows`, taken in one go; the file is clean when the header is on line 1 with distinct
    non-blank names, it is comma-separated, every record has exactly as many fields as the header
    and sits on one line (so row ``i`` is line ``i + 2``), no row is blank, and no lone ``\\r`` ends
    a line. The cells are then typed as :func:`_read_csv_checked` types them: the same
    :func:`_typed_column` for text, the same ``pd.to_numeric`` for numbers, kept only when every
    number is finite (see :func:`_clean_columns`). Anything else — including every file the checked
    reader refuses — returns None, so the checked reader reads the file and words the error.
    ``tests/test_reader_fastpath.py`` checks that both give identical tables.
    """
    table = _clean_columns(text, text_columns)
    if table is None:
        return None
    names, cols = table
    rows = len(cols[0])
    # the typed columns' arrays (a Series would be aligned on its index, which is the table's own)
    df = pd.DataFrame(dict(zip(names, column_arrays(cols))), index=pd.RangeIndex(rows))
    df.attrs[ROWS_ATTR] = SourceRows(range(2, rows + 2))
    return df


def column_array(col: np.ndarray | list | pd.Series) -> object:
    """The array of a column of :func:`_clean_columns` as :func:`_read_clean_csv` puts it in its table:
    a text column (a list) as :func:`_typed_column` makes it (pandas' string dtype; object when every
    cell is missing), a Series as its array, numbers as they are."""
    if isinstance(col, list):
        if all(v is np.nan for v in col):
            return pd.Series(col, dtype=object).array
        return pd.Series(col).array
    return col.array if isinstance(col, pd.Series) else col


#: text columns at least this long are handed to pyarrow directly (see :func:`column_arrays`)
_ARROW_TEXT_ROWS = 64


def column_arrays(cols: list) -> list:
    """:func:`column_array` of each column of :func:`_clean_columns`.

    A text column without a missing cell becomes the array ``pd.Series(cells).array`` makes — pandas'
    string dtype holding the same texts — and when that dtype is pyarrow's (pandas' default: asked once
    per call, of a one-cell Series), a long column's array is built as pandas builds it, from one
    ``pyarrow.array`` of the texts, without the cell-by-cell type inference and text checks of a
    Series (every cell is a ``str`` already).
    """
    long_text = [isinstance(c, list) and len(c) >= _ARROW_TEXT_ROWS and set(map(type, c)) == {str}
                 for c in cols]
    dtype = pd.Series(["x"]).dtype if any(long_text) else None
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and dtype.na_value is np.nan):
        return [column_array(c) for c in cols]
    import pyarrow as pa

    array = dtype.construct_array_type()
    return [array(pa.array(c, type=pa.large_string()), dtype=dtype) if arrow else column_array(c)
            for c, arrow in zip(cols, long_text)]


def _clean_columns(text: str, text_columns: set[str]) -> tuple[list[str], list] | None:
    """The header names and typed columns of a clean CSV (see :func:`_read_clean_csv`), or None.

    A column is a numpy array (int64 or float64: numbers), a list (text: ``str`` cells, NaN where
    missing — as ``_typed_column(...).tolist()`` gives them) or, rarely, the Series
    :func:`_typed_column` makes. Readers that need no table (a framework's rows, a design's label
    columns) read these without building one; :func:`column_array` gives each column's array.
    """
    table = _clean_cells(text)
    if table is None:
        return None
    header, raw = table
    names = [h.strip() for h in header]
    rows = len(raw[0])
    if _strip_free(text):
        cells = [list(col) for col in raw]
    else:
        cells = [list(map(str.strip, col)) for col in raw]
    if not _no_blank_row(cells, rows):
        return None
    cols: dict[str, object] = {}
    block: list[tuple[str, list[str], np.ndarray | None]] = []  # number columns, parsed together below
    for name, col in zip(names, cells):
        text = is_code_column(name) or name in text_columns
        if not text:
            na = None if NA_MARKERS.isdisjoint(col) else np.fromiter((c in NA_MARKERS for c in col), dtype=bool,
                                                                     count=rows)
            first = col[0] if na is None else next((c for c, m in zip(col, na) if not m), "")
            if _NUMBER.fullmatch(first):
                cols[name] = None
                block.append((name, col, na))
                continue
        typed = _typed_clean_column(col, text)
        if typed is None:
            return None
        cols[name] = typed
    if block:
        typed_block = _number_block([(col, na) for _, col, na in block])
        for (name, col, _), typed in zip(block, typed_block or [None] * len(block)):
            if typed is None:  # parsed alone, as _typed_clean_column types it
                typed = _typed_clean_column(col, False)
                if typed is None:
                    return None
            cols[name] = typed
    return names, [cols[name] for name in names]


def _read_clean_columns(path: Path, what: str, text_columns: Iterable[str] = ()) -> tuple[list[str], list] | None:
    """:func:`_clean_columns` of a CSV file read with the checks of :func:`read_table` (its refusals of a
    missing, folder, empty or wrongly encoded file are its own); None for another kind of file or a file
    that is not clean — :func:`read_table` then reads it and words every refusal."""
    if _SUFFIXES.get(path.suffix.lower()) != "csv":
        return None
    text = _decode(_check_file(path, what), path)
    return _clean_columns(text, {str(c) for c in text_columns})


def _clean_records(text: str) -> list[list[str]] | None:
    """The CSV records of a clean file (see :func:`_read_clean_csv`), header first; None otherwise.

    Clean: no lone ``\r`` ends a line, the first line holds a comma and is not blank, the
    ``csv.reader(strict=True)`` of :func:`_csv_rows` takes the text in one go with one record per
    line, every record has as many fields as the header, the header names (stripped) are distinct
    and non-blank, and there is at least one row. The caller checks that no row is blank.
    """
    if not text or "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    nl = text.find("\n")
    first = text if nl < 0 else text[:nl]
    if "," not in first or not first.strip():
        return None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(records) != lines:  # a value across lines, or a blank line: the checked reader counts lines
        return None
    header = records[0]
    n = len(header)
    if set(map(len, records)) != {n}:
        return None
    names = [h.strip() for h in header]
    if any(not h for h in names) or len(set(names)) != n:
        return None
    if len(records) < 2:  # a header without rows: nothing to gain
        return None
    return records


def _clean_cells(text: str) -> tuple[list[str], list] | None:
    """The header fields and the columns of cells (as in the file, not stripped) of a clean CSV text (see
    :func:`_clean_records`), or None.

    What ``csv.reader`` makes of a text whose quotes only enclose whole fields, found on the text's bytes
    at once (UTF-8: the bytes of ``"``, ``,`` and ``\\n`` are never part of another character): every
    quote that opens a field (the 1st, 3rd … quote) follows a comma, a line end or the start; the
    next quote closes it and is followed by a comma, a line end or the end; no comma or line end lies
    between them. Then every comma separates fields, every line end (``\\n`` or ``\\r\\n``; a lone
    ``\\r`` is not clean) ends a record, and a field's text is the file's without its two quotes. The
    text is clean under the conditions of :func:`_clean_records`: every line holds as many fields as
    the header (so no blank line), at least two, with distinct non-blank names, at least one row, and
    no field longer than ``csv.field_size_limit()`` (the reader refuses those). A text with a NUL, or
    with another quote, goes through ``csv.reader`` (:func:`_clean_records`).
    """
    original = text
    if "\x00" in text:
        return _clean_records_cells(text)
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    body = text[:-1] if text.endswith("\n") else text
    # the bytes between two line ends: the start follows one and the end is one
    b = np.frombuffer(b"\n" + body.encode("utf-8") + b"\n", dtype=np.uint8)
    seps = np.flatnonzero((b == 44) | (b == 10))  # commas and line ends, the two added ones first and last
    if '"' in body:
        quotes = np.flatnonzero(b == 34)
        if len(quotes) % 2:
            return _clean_records_cells(original)
        before, after = b[quotes[0::2] - 1], b[quotes[1::2] + 1]  # before an opening, after a closing quote
        between = np.searchsorted(seps, quotes)  # separators before each quote: none between a pair
        if not (((before == 44) | (before == 10)).all() and ((after == 44) | (after == 10)).all()
                and (between[0::2] == between[1::2]).all()):
            return _clean_records_cells(original)
        body = body.replace('"', "")
    kinds = b[seps[1:]]  # the separators of the text, then its end
    lines = int(np.count_nonzero(kinds == 10))
    n, rest = divmod(len(kinds), lines)
    if rest or n < 2 or lines < 2:
        return None
    grid = kinds.reshape(lines, n)  # each line: n - 1 commas, then its end
    if not ((grid[:, :-1] == 44).all() and (grid[:, -1] == 10).all()):
        return None
    flat = body.replace("\n", ",").split(",")
    names = [h.strip() for h in flat[:n]]
    if not all(names) or len(set(names)) != n:
        return None
    limit = csv.field_size_limit()
    if len(body) > limit and max(map(len, flat)) > limit:
        return None
    return flat[:n], [flat[n + j::n] for j in range(n)]


def _clean_records_cells(text: str) -> tuple[list[str], list] | None:
    """:func:`_clean_cells` through ``csv.reader`` (:func:`_clean_records`)."""
    records = _clean_records(text)
    return None if records is None else (records[0], list(zip(*records[1:])))


def _number_block(columns: list[tuple[list[str], np.ndarray | None]]) -> list[np.ndarray | None] | None:
    """Columns of number cells typed as :func:`_typed_clean_column` types each alone, or None for a
    column to type alone.

    Each column comes with the mask of its NA-marker cells (None: none). A column whose present cells
    are all whole numbers of at most 15 digits (``[+-]?[0-9]+``, exact as floats) is read with ``int``:
    int64 without missing cells, else float64 with NaN there, as ``pd.to_numeric`` makes it. The
    other columns are parsed by one ``pd.to_numeric`` call: it parses each cell on its own, so a
    cell's number is the same in the block as alone; a column of whole numbers (more digits) is int64
    alone, so its floats become int64 when exact (below 2**53), else it is typed alone. When the block
    does not parse to finite float64/int64 (text, ``inf``, an overflowing number), its columns are
    typed alone.
    """
    out: list[np.ndarray | None] = [None] * len(columns)
    block: list[int] = []
    for k, (col, na) in enumerate(columns):
        present = col if na is None else [c for c, m in zip(col, na) if not m]
        # (a first cell that is no whole number settles it without joining the column)
        if not present or not _WHOLE_15.fullmatch(present[0]) or not _WHOLE_15.fullmatch("\n".join(present)):
            block.append(k)
            continue
        ints = np.array(list(map(int, present)), dtype=np.int64)
        if na is None:
            out[k] = ints
        else:
            seg = np.full(len(col), np.nan)
            seg[~na] = ints
            out[k] = seg
    if not block:
        return out
    rows = len(columns[0][0])
    flat = np.empty(rows * len(block), dtype=object)
    for b, k in enumerate(block):
        col, na = columns[k]
        flat[b * rows:(b + 1) * rows] = col
        if na is not None:
            flat[b * rows:(b + 1) * rows][na] = "0"  # a placeholder, set to NaN below
    try:
        num = _to_numeric_distinct(flat)
    except (ValueError, TypeError):
        return out
    if num.dtype not in (np.dtype("int64"), np.dtype("float64")):
        return out
    if num.dtype.kind == "f" and not np.isfinite(num).all():
        return out
    for b, k in enumerate(block):
        col, na = columns[k]
        seg = num[b * rows:(b + 1) * rows]
        present = col if na is None else [c for c, m in zip(col, na) if not m]
        if num.dtype.kind == "i" or (present and _WHOLE_COLUMN.fullmatch(present[0])
                                     and _WHOLE_COLUMN.fullmatch("\n".join(present))):
            # whole numbers [+-]digits (the block parsed, so a cell without '.', 'e' or 'E' is one)
            if not np.abs(seg).max() < 2.0 ** 53:
                continue
            if na is None:
                out[k] = seg.astype(np.int64)
                continue
        seg = seg.astype(np.float64)
        if na is not None:
            seg[na] = np.nan
        out[k] = seg
    return out


#: parse each distinct cell once when at most this share of the cells are distinct
_DISTINCT_SHARE = 0.5


def _to_numeric_distinct(cells: np.ndarray) -> np.ndarray:
    """``pd.to_numeric(cells)`` of an object array of texts, each distinct text parsed once when texts
    repeat (a design stacked from a shorter one, weights kept at 1): ``pd.to_numeric`` reads every cell
    on its own, and the dtype it gives (and the error it raises) depends only on which texts occur, in
    the order of their first occurrence, not on repeats."""
    texts = cells.tolist()
    head = texts[:256]  # a first look: texts that do not repeat early are not counted through
    if len(set(head)) > _DISTINCT_SHARE * len(head):
        return pd.to_numeric(cells)
    distinct = dict.fromkeys(texts)
    if len(distinct) > _DISTINCT_SHARE * len(texts):
        return pd.to_numeric(cells)
    keys = list(distinct)
    parsed = pd.to_numeric(np.array(keys, dtype=object))
    where = dict(zip(keys, range(len(keys))))
    return parsed[np.fromiter(map(where.__getitem__, texts), dtype=np.intp, count=len(texts))]


#: the ASCII characters ``str.strip()`` removes, but the line ends: a cell of a clean file (one record per
#: line, no lone ``\r``) holds no ``\r`` or ``\n``
_STRIPPED = (" ", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def _strip_free(text: str) -> bool:
    """True when no cell of a clean CSV text (see :func:`_clean_records`) can change under ``str.strip()``:
    the text is ASCII and holds none of the blank characters ``str.strip()`` removes (``str.isspace``)."""
    return text.isascii() and not any(c in text for c in _STRIPPED)


def _no_blank_row(cells: list[list[str]], rows: int) -> bool:
    """True when every row has at least one non-empty cell."""
    if any(all(col) for col in cells):  # a column without an empty cell
        return True
    filled = np.zeros(rows, dtype=bool)
    for col in cells:
        filled |= np.fromiter((c != "" for c in col), dtype=bool, count=rows)
    return bool(filled.all())


def _typed_clean_column(cells: list[str], text: bool) -> pd.Series | list | np.ndarray | None:
    """:func:`_typed_column` of stripped CSV cells, with the all-number case vectorised; a text column as
    the list of its values (see :func:`_clean_columns`)."""
    if text:  # as _typed_column(cells, True).tolist(): cells of text, an empty one missing
        return cells if "" not in cells else [np.nan if c == "" else c for c in cells]
    n = len(cells)
    first = next((c for c in cells if c not in NA_MARKERS), None)
    if first is not None and not _NUMBER.fullmatch(first) and not _parses(first):
        # a cell that is no number makes the column text, NA markers missing (as _typed_column does)
        return [np.nan if c in NA_MARKERS else c for c in cells]
    arr = np.array(cells, dtype=object)
    try:  # no NA marker parses to a finite number: a column of finite numbers has no missing cell
        num = pd.to_numeric(arr)
        if num.dtype == np.dtype("int64"):
            return num
        if num.dtype == np.dtype("float64") and np.isfinite(num).all():
            return num
    except (ValueError, TypeError):
        pass
    na = np.fromiter((c in NA_MARKERS for c in cells), dtype=bool, count=n)
    if na.all():
        return _typed_column(cells, False)
    present = arr[~na] if na.any() else arr
    try:
        num = pd.to_numeric(present)  # the call _typed_column makes, on the same strings
    except (ValueError, TypeError):
        return _typed_column(cells, False)  # text
    if num.dtype not in (np.dtype("int64"), np.dtype("float64")):
        return None
    if num.dtype.kind == "i" and not na.any():
        return num
    num = num.astype("float64")
    if not np.isfinite(num).all():
        return None  # inf / 1e400: the checked reader keeps them as written
    if not na.any():
        return num
    out = np.full(n, np.nan)
    out[~na] = num
    return out


#: a character that no text ``pd.to_numeric`` reads holds (digits, signs, point, exponent, the letters of
#: inf/infinity/nan, ASCII blanks): a cell with one is no number, without asking
_NOT_NUMBER_CHAR = re.compile(r"[^0-9+\-.eEiInNfFtTyYaA \t\n\r\x0b\x0c]")


def _parses(cell: str) -> bool:
    """Does ``pd.to_numeric`` read this one cell (as it reads it in a column)?"""
    if _NOT_NUMBER_CHAR.search(cell):
        return False
    try:
        pd.to_numeric(np.array([cell], dtype=object))
    except (ValueError, TypeError):
        return False
    return True


def _header_names(header: list, path: Path, where: list[str]) -> list[str]:
    names = []
    for h, w in zip(header, where):
        name = _header_text(h)
        if not name:
            raise InputError(f"{w} has no name in the header row", file=path)
        if name in names:
            raise InputError(f"duplicated column name '{name}' in the header row", file=path, column=name)
        names.append(name)
    return names


def _header_text(h: object) -> str:
    if h is None:
        return ""
    if isinstance(h, float) and h.is_integer():
        return str(int(h))
    return str(h).strip()


def _typed_column(cells: list, text: bool) -> pd.Series:
    """Code columns stay text; others: NA markers are missing; all-number columns become numeric."""
    if text:
        if cells and "" not in cells and set(map(type, cells)) == {str}:  # text, no empty cell: as it is
            return pd.Series(cells)
        vals = [np.nan if c == "" else c for c in cells]
        return pd.Series(vals, dtype=object) if all(v is np.nan for v in vals) else pd.Series(vals)
    s = pd.Series(cells, dtype=object)
    na = s.isna().to_numpy() | s.isin(NA_MARKERS).to_numpy()
    s = s.mask(na, np.nan)
    present = s[~na]
    if present.empty:
        return pd.Series(np.nan, index=s.index, dtype="float64")
    kinds = {type(v) for v in present}
    if kinds <= {str}:
        try:
            num = pd.to_numeric(present)  # the same number syntax as parse_number
        except (ValueError, TypeError):
            return pd.Series(s.tolist(), index=s.index)  # text: pandas' own string dtype
    elif all(issubclass(k, (int, float, np.integer, np.floating)) and not issubclass(k, (bool, np.bool_))
             for k in kinds):
        num = pd.Series(present.tolist(), index=present.index)
    else:
        return s
    if not pd.api.types.is_numeric_dtype(num) or not np.isfinite(num.to_numpy(dtype=float)).all():
        return s  # inf / 1e400 stay as written so that to_numbers names them
    if num.dtype.kind in "iu" and not na.any():
        return num.astype("int64")
    return num.astype("float64").reindex(s.index)


# --- Excel ---------------------------------------------------------------------------------------

def _open_workbook(path: Path, raw: bytes, data_only: bool):
    import openpyxl

    if not raw.startswith(b"PK\x03\x04"):
        if raw.startswith(b"\xd0\xcf\x11\xe0"):
            raise InputError("is an old-style Excel 97-2003 (.xls) or password-protected workbook; "
                             "save it as .xlsx without a password", file=path)
        head = raw[:2000]
        if b"\x00" not in head and (b"," in head or b";" in head or b"\t" in head):
            raise InputError("is a text (CSV) file saved under an Excel name; rename it to .csv "
                             "or save it from Excel as a workbook (.xlsx)", file=path)
        raise InputError("is not an Excel workbook (.xlsx is a zip file; this one is not)", file=path)
    try:
        with warnings.catch_warnings():  # openpyxl warns about Excel features it drops (styles, validation)
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(io.BytesIO(raw), data_only=data_only, read_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"is not a readable Excel workbook (damaged or not .xlsx: {reason})", file=path) from None
    except Exception as e:  # openpyxl raises many kinds on a damaged workbook
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"is not a readable Excel workbook ({type(e).__name__}: {reason})", file=path) from None


def _pick_sheet(wb, sheet, path: Path):
    sheets = wb.worksheets
    if not sheets:
        raise InputError("the workbook has no worksheet", file=path)
    if sheet is None:
        return sheets[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise InputError(f"the workbook has no sheet number {sheet + 1}", file=path)
        return sheets[sheet]
    if sheet not in wb.sheetnames:
        raise InputError(f"no sheet '{sheet}' (sheets: {', '.join(wb.sheetnames)})", file=path)
    return wb[sheet]


def sheet_names(path: str | Path, what: str = "input") -> list[str]:
    """Names of the worksheets of an ``.xlsx`` file (with the checks of :func:`read_table`)."""
    path = Path(path)
    wb = _open_workbook(path, _check_file(path, what), data_only=False)
    try:
        return [ws.title for ws in wb.worksheets]
    finally:
        wb.close()


def _excel_value(cell, cached, ref: str, path: Path, row: int, column: str):
    """The value of one cell: a formula's saved value; error cells and unsaved formulas refused."""
    if cell.data_type == "f":
        formula = getattr(cell.value, "text", cell.value)
        if cached is None or cached.value is None:
            raise InputError(f"cell {ref}: formula {formula} has no saved value; open and save the file in "
                             "Excel, or type the value", file=path, row=row, column=column)
        cell = cached
    if cell.data_type == "e" or (isinstance(cell.value, str) and cell.value.strip() in _EXCEL_ERRORS
                                 and cell.data_type != "s"):
        raise InputError(f"cell {ref} holds the Excel error {cell.value}", file=path, row=row, column=column)
    return cell.value, cell.number_format


_CONST_FORMULA = re.compile(r"^=\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


def _change_cell_value(c, cached, ref: str, path: Path, column: str):
    """A cell of a *change* column as the text the planner meant (see ``read_table(change_columns=)``)."""
    if c.data_type == "f":
        formula = str(getattr(c.value, "text", c.value)).strip()
        if cached is not None and cached.value is not None and not isinstance(cached.value, bool) \
                and isinstance(cached.value, (int, float)):
            return f"={cached.value!r}"
        if _CONST_FORMULA.match(formula):
            return "=" + formula[1:].strip()
        value, _ = _excel_value(c, cached, ref, path, c.row, column)   # refuses unsaved/erroneous formulas
        return value
    value, fmt = _excel_value(c, None, ref, path, c.row, column)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (fmt or ""):
        pct = float(value) * 100
        return f"{pct:+.12g}%"
    return value


def _read_xlsx(path: Path, raw: bytes, sheet, text_columns: set[str],
               change_columns: set[str] = frozenset()) -> pd.DataFrame:
    from openpyxl.utils import get_column_letter

    wb = _open_workbook(path, raw, data_only=False)
    try:
        ws = _pick_sheet(wb, sheet, path)
        grid = [list(r) for r in ws.iter_rows()]
        cached_ws = None
        if any(c.data_type == "f" for r in grid for c in r):
            wb_v = _open_workbook(path, raw, data_only=True)
            cached_ws = wb_v[ws.title]
    finally:
        wb.close()
    title = ws.title

    def blank(c) -> bool:
        return c.value is None or (isinstance(c.value, str) and not c.value.strip())

    grid = [r for r in grid if not all(blank(c) for c in r)]
    if not grid:
        raise InputError(f"sheet '{title}' is empty", file=path)
    header_cells = grid[0]
    body = grid[1:]
    n = len(header_cells)
    while n > 1 and blank(header_cells[n - 1]) and all(len(r) < n or blank(r[n - 1]) for r in body):
        n -= 1
    header_vals = []
    for c in header_cells[:n]:
        if c.data_type in ("f", "e"):
            raise InputError(f"cell {title}!{c.coordinate}: the header row must hold plain column names",
                             file=path)
        header_vals.append(c.value)
    names = _header_names(header_vals, path,
                          [f"column {get_column_letter(c.column)} ({title}!{c.coordinate})"
                           for c in header_cells[:n]])
    letters = {name: get_column_letter(c.column) for name, c in zip(names, header_cells[:n])}
    rows = [r[0].row for r in body]
    cols: dict[str, list] = {name: [] for name in names}
    for r in body:
        for j, name in enumerate(names):
            c = r[j] if j < len(r) else None
            if c is None or c.value is None:
                cols[name].append("")
                continue
            ref = f"{title}!{c.coordinate}"
            cached = cached_ws[c.coordinate] if cached_ws is not None and c.data_type == "f" else None
            if name in change_columns:
                cols[name].append(_change_cell_value(c, cached, ref, path, name))
                continue
            value, fmt = _excel_value(c, cached, ref, path, c.row, name)
            if is_code_column(name) or name in text_columns:
                try:
                    value = _code_text(value, fmt) if value is not None else ""
                except ValueError as e:
                    raise InputError(f"cell {ref}: {e}", file=path, row=c.row, column=name) from None
            elif isinstance(value, str):
                value = value.strip()
            cols[name].append(value)
    df = pd.DataFrame({name: _typed_column(vals, is_code_column(name) or name in text_columns)
                       for name, vals in cols.items()}, index=pd.RangeIndex(len(rows)))
    df.attrs[ROWS_ATTR] = SourceRows(rows)
    df.attrs[CELLS_ATTR] = {"sheet": title, "letters": letters}
    return df


# --- Parquet -------------------------------------------------------------------------------------

def _read_parquet(path: Path, raw: bytes, text_columns: set[str]) -> pd.DataFrame:
    if not raw.startswith(b"PAR1"):
        raise InputError("is not a Parquet file (it does not start with 'PAR1')", file=path)
    try:
        df = pd.read_parquet(io.BytesIO(raw))
    except Exception as e:  # pyarrow raises its own error types on a damaged file
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"is not a readable Parquet file ({reason})", file=path) from None
    df = df.reset_index(drop=df.index.name is None and isinstance(df.index, pd.RangeIndex))
    df.columns = _header_names(list(df.columns), path, [f"column {i + 1}" for i in range(df.shape[1])])
    for name in df.columns:
        if is_code_column(name) or name in text_columns:
            out = []
            for i, v in enumerate(df[name].tolist()):
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    out.append(np.nan)
                    continue
                try:
                    out.append(_code_text(v))
                except ValueError as e:
                    raise InputError(str(e), file=path, row=i + 2, column=name) from None
            df[name] = pd.Series(out, index=df.index, dtype=object)
    df.index = pd.RangeIndex(len(df))
    df.attrs[ROWS_ATTR] = SourceRows(range(2, len(df) + 2))
    return df


# --- the reader ----------------------------------------------------------------------------------

def read_table(path: str | Path, *, what: str = "data", sheet: str | int | None = None,
               text_columns: Iterable[str] = (), change_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Read a user table (CSV, XLSX or Parquet) with one clear error for every bad file or cell.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (also ``.txt``), ``.xlsx`` (also ``.xlsm``) or ``.parquet``.
    what : str
        What the file is meant to be ("data", "weights", "budget" …), used in messages.
    sheet : str or int, optional
        Worksheet of an Excel file (name or 0-based number); the first sheet by default.
    text_columns : iterable of str
        Further columns to keep as text, besides the code columns (see :func:`is_code_column`).
    change_columns : iterable of str
        Columns of an Excel sheet where a planner types changes (``+5``, ``=80``, ``+20%``) and Excel
        may have altered the input: a formula is read as a value to set, ``"=<saved result>"`` (a
        constant formula such as ``=80`` also without a saved result), and a number formatted as a
        percentage (0.2 shown as 20%) as the relative change ``"+20%"``.

    Returns
    -------
    DataFrame
        One row per non-empty row of the file, a ``RangeIndex``, and in ``attrs["source_rows"]``
        the line (CSV; header = line 1) or Excel row of each row, used by :func:`row_number`.

    Raises
    ------
    InputError
        A missing, folder, unreadable, empty, wrongly encoded, ragged, semicolon-separated or
        damaged file; an Excel error cell or a formula without a saved value; a code that cannot
        be read back as text. The message names the file and, where it applies, line/row/cell.
    """
    path = Path(path)
    kind = _SUFFIXES.get(path.suffix.lower())
    if path.suffix.lower() == ".xls":
        _check_file(path, what)
        raise InputError("old-style Excel 97-2003 (.xls) is not read; save it as .xlsx or CSV UTF-8", file=path)
    if kind is None:
        _check_file(path, what)
        raise InputError(f"unknown file type '{path.suffix}' for a {what} table (use .csv, .xlsx or .parquet)",
                         file=path)
    raw = _check_file(path, what)
    text = {str(c) for c in text_columns}
    if kind == "csv":
        return _read_csv(path, raw, text)
    if kind == "xlsx":
        return _read_xlsx(path, raw, sheet, text, {str(c) for c in change_columns})
    return _read_parquet(path, raw, text)


def row_number(df: pd.DataFrame, i: int, rows: list[int] | None = None) -> int:
    """Line (CSV) or Excel row of positional row ``i`` of a table from :func:`read_table`."""
    rows = df.attrs.get(ROWS_ATTR) if rows is None else rows
    if rows is not None and 0 <= i < len(rows):
        return int(rows[i])
    return i + 2


def _cell_ref(df: pd.DataFrame, column: str, row: int) -> str:
    cells = df.attrs.get(CELLS_ATTR)
    if not cells or column not in cells.get("letters", {}):
        return ""
    return f" (cell {cells['sheet']}!{cells['letters'][column]}{row})"


def _cell_number(v: object, required: bool) -> float | str:
    """A finite float, NaN for missing (when allowed), or the reason (str) the cell is refused."""
    if v is None or v is pd.NA or v is pd.NaT:
        return "a number is required here (the cell is empty)" if required else math.nan
    if isinstance(v, (bool, np.bool_)):
        return f"a boolean ({v}) where a number is required"
    if isinstance(v, (int, np.integer)):
        return float(v)
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if math.isnan(x):
            return "a number is required here (the cell is empty or NA/NaN)" if required else math.nan
        if math.isinf(x):
            return f"'{x}' is not a finite number"
        return x
    if isinstance(v, (datetime, date, time, timedelta, pd.Timestamp)):
        return f"a date/time ({v}) where a number is required"
    s = str(v).strip()
    if s in NA_MARKERS:
        return f"a number is required here (the cell holds {s!r})" if required else math.nan
    if _NONFINITE.fullmatch(s):
        return f"{s!r} is not a finite number"
    if _NUMBER.fullmatch(s):
        x = float(s)
        if not math.isfinite(x):
            return f"{s!r} is too large (not a finite number)"
        return x
    if s.lower() in _BOOL_TEXT:
        return f"a boolean ({s}) where a number is required"
    if _DECIMAL_COMMA.fullmatch(s):
        return f"non-numeric value {s!r} (decimal comma? write {s.replace(',', '.')})"
    return f"non-numeric value {s!r}"


def parse_number(value: object, *, required: bool = False) -> float:
    """One cell as a finite float (NaN when missing and not ``required``).

    Raises
    ------
    ValueError
        With the reason in plain words: text, a boolean, a date, ``inf``, an overflowing number,
        or (when ``required``) a missing value.
    """
    x = _cell_number(value, required)
    if isinstance(x, str):
        raise ValueError(x)
    return x


def to_numbers(df: pd.DataFrame, columns: Iterable[str], *, file=None, required: bool = False,
               rows: list[int] | None = None) -> pd.DataFrame:
    """Columns of ``df`` as finite floats; anything else is an error naming file, row and column.

    Parameters
    ----------
    df : DataFrame
        A table, ideally from :func:`read_table` (its ``attrs`` give the line of each row).
    columns : iterable of str
        Columns to convert.
    file : str or Path, optional
        File named in errors.
    required : bool
        If True a missing cell (empty, NA, NaN) is refused; otherwise it becomes NaN.
    rows : list of int, optional
        Line/row number of each row (defaults to ``df.attrs['source_rows']``, else position + 2).

    Returns
    -------
    DataFrame
        Float columns, same index as ``df``.
    """
    columns = list(columns)
    fast = _numeric_block(df, columns, required)
    if fast is not None:
        return fast
    out = {}
    for c in columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            bad = np.isinf(arr) | (np.isnan(arr) if required else False)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                _refuse(df, c, i, _cell_number(arr[i], required), file, rows)
            out[c] = pd.Series(arr, index=df.index)
            continue
        vals = []
        for i, v in enumerate(s.tolist()):
            x = _cell_number(v, required)
            if isinstance(x, str):
                _refuse(df, c, i, x, file, rows)
            vals.append(x)
        out[c] = pd.Series(vals, index=df.index, dtype=float)
    return pd.DataFrame(out, index=df.index)


def _numeric_block(df: pd.DataFrame, columns: list, required: bool) -> pd.DataFrame | None:
    """:func:`to_numbers` of numeric (not boolean) columns with nothing to refuse, as one float block;
    None otherwise (each column is then converted and checked on its own, naming the first bad cell)."""
    if not columns or len(set(df.columns.tolist())) != df.shape[1] or len(set(columns)) != len(columns):
        return None
    sub = df[columns]
    if not all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in sub.dtypes):
        return None
    arr = sub.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(arr).any() or (required and np.isnan(arr).any()):
        return None
    return pd.DataFrame(arr, index=df.index, columns=pd.Index(columns))


def _refuse(df: pd.DataFrame, column: str, i: int, reason: str, file, rows) -> None:
    row = row_number(df, i, rows)
    raise InputError(reason + _cell_ref(df, column, row), file=file, row=row, column=column)
