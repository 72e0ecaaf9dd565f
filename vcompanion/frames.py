"""DataFrame rows as plain Python dicts, and as CSV: the one conversion of each.

``records(frame)`` gives JSON-ready rows (the CLI's json output, the alert
engine); ``records(frame, json_ready=False)`` keeps the Python values as they
are and only turns missing values into None (the problem rules, the search
index).  ``csv_text(frame)`` is the CSV of the dashboards' downloads and of
``--format csv``.  Depends on pandas only, so any layer may use it.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd


def plain(value: Any) -> Any:
    """A JSON-ready Python value: None for missing ones (NA, NaT, NaN, inf),
    ISO 8601 text for timestamps, lists for tuples, Python scalars for numpy's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def records(frame: pd.DataFrame, columns: Iterable[str] | None = None, *,
            json_ready: bool = True) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts, column name -> value.

    ``columns``: only those of these columns that ``frame`` has, in this order
    (default: all of its columns).

    ``json_ready`` (default): every value through ``plain`` (timestamps as ISO
    8601 text, missing values and infinities as None, ...).  False: the values
    as pandas holds them (``pd.Timestamp``, the very list objects, Python
    scalars); only missing values (NA, NaT, NaN, None) become None.  Converted
    a column at a time, which keeps large tables fast (the search index).
    """
    if columns is None:
        positions = list(range(frame.shape[1]))
    else:
        where = {name: i for i, name in enumerate(frame.columns)}
        positions = [where[name] for name in columns if name in where]
    if not positions:
        return [{} for _ in range(len(frame))]
    names = [frame.columns[i] for i in positions]
    data = []
    for i in positions:
        series = frame.iloc[:, i]
        values = series.tolist()
        if json_ready:
            values = [plain(v) for v in values]
        else:
            missing = series.isna().to_numpy()
            if missing.any():
                for row in missing.nonzero()[0]:
                    values[row] = None
        data.append(values)
    return [dict(zip(names, row)) for row in zip(*data)]


# --- CSV ---------------------------------------------------------------------------

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it as text, never a formula: a leading
    ``'`` before text starting with = + - @ tab or CR (OWASP); other text as is."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(frame: pd.DataFrame, safe: bool = True, list_separator: str = "; ") -> str:
    """``frame`` as CSV text (header row, no index, ``\n`` line ends).

    Lists are joined with ``list_separator``, zoned timestamps written in ISO
    8601 with their offset, missing values left empty.  ``safe`` (for files
    people open in a spreadsheet): every text cell that starts like a formula
    is ``neutralise``d and every text field is quoted, as OWASP recommends;
    numbers stay numbers.  ``safe=False``: every value exactly as it is.
    """
    flat = frame.copy()
    for column in flat.columns:
        series = flat[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            flat[column] = series.map(lambda v: v.isoformat() if pd.notna(v) else None)
        elif series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            values = series.astype(object).map(
                lambda v: list_separator.join(map(str, v))
                if isinstance(v, (list, tuple)) else v)
            if safe:
                values = values.map(lambda v: neutralise(v) if isinstance(v, str) else v)
            flat[column] = values
    return flat.to_csv(index=False, lineterminator="\n",
                       quoting=csv.QUOTE_NONNUMERIC if safe else csv.QUOTE_MINIMAL)
