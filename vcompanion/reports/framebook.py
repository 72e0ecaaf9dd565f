"""Any DataFrame as a formatted workbook: the dashboards' Excel downloads and
``vcompanion.write_workbook`` (the notebooks' exports).

The same writer as the reports (``writer.SheetWriter``): a bold frozen header,
an AutoFilter, fitted widths; text is always text (a name a vCenter sends as
``=HYPERLINK(...)`` is never a formula), dates real Excel dates, numbers
numbers, lists joined with ", ".
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from .layout import (BOOLEAN, DATETIME, DECIMAL, INTEGER, TEXT, TEXTLIST, Sheet,
                     SheetColumn)
from .writer import Book, SheetWriter, new_workbook


def _frame_kind(series: pd.Series) -> str:
    """A workbook column kind from a frame column's dtype, else from its values."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return DATETIME
    if pd.api.types.is_bool_dtype(series):
        return BOOLEAN
    values = [v for v in series if _present(v)]
    if pd.api.types.is_numeric_dtype(series) or (values and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
        return INTEGER if all(float(v).is_integer() for v in values) else DECIMAL
    if values and all(isinstance(v, datetime) for v in values):
        return DATETIME
    if values and all(isinstance(v, (list, tuple, set)) for v in values):
        return TEXTLIST
    return TEXT


def _present(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, (str, float)):
        return value == value and value != ""  # NaN, empty text
    return True


def sheet_name(name: str, taken: set[str] = frozenset()) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters,
    unique (case-insensitively) among ``taken``."""
    base = "".join("-" if c in "[]:*?/\\" else c for c in str(name))[:31] or "Sheet1"
    found, n = base, 2
    while found.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        found, n = base[:31 - len(suffix)] + suffix, n + 1
    return found


def frames_book(sheets: dict[str, pd.DataFrame],
                titles: dict[str, str] | None = None) -> Book:
    """A Book with one formatted sheet per frame (sheet name -> frame);
    ``titles``: column name -> header (else the column name)."""
    book = new_workbook()
    taken: set[str] = set()
    for name, frame in sheets.items():
        name = sheet_name(name, taken)
        taken.add(name)
        columns = tuple(SheetColumn((titles or {}).get(c, str(c)), c,
                                    _frame_kind(frame[c])) for c in frame.columns)
        SheetWriter(book, Sheet(name, name, columns)).write(frame)
    return book


def write_workbook(path: str | os.PathLike, sheets: dict[str, pd.DataFrame],
                   titles: dict[str, str] | None = None) -> Path:
    """Write each DataFrame of ``sheets`` (sheet name -> frame) on a sheet of its
    own in the .xlsx ``path``, formatted like vCompanion's reports, text always
    text; returns the path.  Missing folders are created (private, like
    data_dir); the file is written atomically, readable by its owner only."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        from ..errors import ConfigError
        raise ConfigError(f"workbook file must end in .xlsx: {path}")
    return frames_book(sheets, titles).save(path)


def frame_workbook(frame: pd.DataFrame, sheet: str = "vCompanion",
                   titles: dict[str, str] | None = None) -> bytes:
    """An .xlsx of ``frame`` on one sheet (see ``frames_book``), as bytes."""
    book = frames_book({sheet: frame}, titles)
    with tempfile.TemporaryDirectory(prefix="vcompanion-xlsx-") as folder:
        return book.save(Path(folder) / "frame.xlsx").read_bytes()


__all__ = ["frame_workbook", "frames_book", "sheet_name", "write_workbook"]
