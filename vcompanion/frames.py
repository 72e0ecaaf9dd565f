"""DataFrame rows as plain Python dicts: the one conversion of the library.

``records(frame)`` gives JSON-ready rows (the CLI's json output, the alert
engine); ``records(frame, json_ready=False)`` keeps the Python values as they
are and only turns missing values into None (the problem rules, the search
index).  Depends on pandas only, so any layer may use it.
"""

from __future__ import annotations

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
