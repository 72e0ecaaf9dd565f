"""Writing DataFrames for people (table) and for programs (csv, json).

JSON: one array of objects; timestamps in ISO 8601 with a UTC offset, lists
as arrays, missing values as null.  CSV: lists joined with "; "; by default
(``--csv-safe``) text cells that a spreadsheet would read as a formula get a
leading ' and text fields are quoted; ``--csv-raw`` writes every value as it
is (see ``frames.csv_text``).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from ..frames import csv_text, plain, records

FORMATS = ("table", "csv", "json")


def to_json(frame: pd.DataFrame) -> str:
    return json.dumps(records(frame), indent=1, ensure_ascii=False) + "\n"


def to_csv(frame: pd.DataFrame, safe: bool = True) -> str:
    return csv_text(frame, safe=safe)


def _cell(value: Any, width: int) -> str:
    value = plain(value)
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = f"{value:,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, list):
        text = ", ".join(map(str, value))
    elif isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" \
            and value[10:11] == "T":
        text = value[:16].replace("T", " ") + " UTC"  # a timestamp
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def to_table(frame: pd.DataFrame, max_width: int = 40) -> str:
    """Aligned columns for a terminal; long values cut with an ellipsis."""
    if frame.empty:
        return "(no rows)\n"
    header = list(frame.columns)
    wide = [2 * max_width + 20 if c in ("message", "description", "detail") else max_width
            for c in frame.columns]  # messages may run longer
    rows = [[_cell(v, wide[i]) for i, v in enumerate(row)]
            for row in frame.itertuples(index=False, name=None)]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and
               not pd.api.types.is_bool_dtype(frame[c]) for c in header]

    def line(cells):
        return "  ".join(c.rjust(w) if num else c.ljust(w)
                         for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out) + "\n"


def render(frame: pd.DataFrame, fmt: str, csv_safe: bool = True) -> str:
    if fmt == "json":
        return to_json(frame)
    if fmt == "csv":
        return to_csv(frame, safe=csv_safe)
    return to_table(frame)
