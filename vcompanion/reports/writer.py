"""Formatted sheets in streaming (write-only) workbooks.

openpyxl's write-only mode builds the workbook: package, styles, the Summary
sheet, each data sheet's settings and header row.  Data rows, a million cells
for 20,000 VMs, are formatted by ``sheetdata`` as the same XML openpyxl would
write, ten times faster, and spliced in when the ``Book`` is saved.  Memory
stays flat: rows go to a temporary file, not into cell objects.

Everything about a sheet's layout (column widths, frozen panes, AutoFilter)
must be known before its first row, so values are converted and measured
first, then streamed.  Every data sheet gets: a bold header row, frozen; an
AutoFilter over the whole table; column widths fitted to the content;
``#,##0`` for whole numbers and ``#,##0.00`` for decimals; real Excel
datetimes (UTC, written tz-naive as Excel requires); booleans as the text
True / False (as RVTools writes them); lists joined with ", ".
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .. import files
from . import sheetdata
from .layout import (BOOLEAN, DATETIME, DECIMAL, INTEGER, TEXT, TEXTLIST, Sheet,
                     SheetColumn)

log = logging.getLogger(__name__)

INT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MAX_WIDTH = 60
MAX_TEXT = 32_767  # Excel's limit for one cell
MAX_ROWS = 1_048_575  # Excel's limit, less the header row
TRUE, FALSE = "True", "False"
FIT_WIDTH = 220  # columns up to this total width print one page wide
INDENT = Alignment(indent=1)
WRAPPED = Alignment(wrap_text=True, vertical="bottom")
WRAPPED_RIGHT = Alignment(wrap_text=True, vertical="bottom", horizontal="right")
HEADER_LEFT = Alignment(vertical="center")
HEADER_RIGHT = Alignment(vertical="center", horizontal="right", indent=1)
# Numbers and dates keep a little room from the text column on their right.
NUMBER_ALIGN = Alignment(horizontal="right", indent=1)


def font(**kwargs) -> Font:
    """The workbook's font (Calibri 11, Excel's default) with ``kwargs`` changed."""
    return Font(**{"name": "Calibri", "size": 11, **kwargs})


HEADER_FONT = font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
TITLE_FONT = font(bold=True, size=14)
BOLD = font(bold=True)

# Excel's own "Bad", "Neutral" and "Good" colours, plus a calm blue for info.
SEVERITY_STYLES = {
    "critical": (font(color="9C0006", bold=True), PatternFill("solid", fgColor="FFC7CE")),
    "error": (font(color="9C0006", bold=True), PatternFill("solid", fgColor="FFC7CE")),
    "warning": (font(color="9C5700"), PatternFill("solid", fgColor="FFEB9C")),
    "info": (font(color="1F4E78"), PatternFill("solid", fgColor="DDEBF7")),
    "ok": (font(color="006100"), PatternFill("solid", fgColor="C6EFCE")),
}
_FORMATS = {INTEGER: INT_FORMAT, DECIMAL: DECIMAL_FORMAT, DATETIME: DATETIME_FORMAT}


class Book:
    """A workbook being written: openpyxl's write-only ``Workbook`` (``.wb``)
    plus the data rows of each sheet, kept in temporary files until ``save``."""

    def __init__(self):
        self.wb = Workbook(write_only=True)
        self._tmp = Path(tempfile.mkdtemp(prefix="vcompanion-xlsx-"))
        self._rows: list[tuple[Any, Path, str]] = []  # sheet, rows file, dimension

    def create_sheet(self, name: str):
        return self.wb.create_sheet(name)

    def add_rows(self, ws, columns: list[list], styles: list) -> int:
        """Stream rows 2.. of ``ws``: ``columns`` of values, ``styles`` one
        ``value -> style id`` function per column."""
        path = self._tmp / f"rows-{len(self._rows) + 1}.xml"
        with open(path, "w", encoding="utf-8", newline="") as out:
            count = sheetdata.write_rows(out, columns, styles)
        self._rows.append((ws, path, f"A1:{get_column_letter(len(columns))}{count + 1}"))
        return count

    def save(self, path: str | os.PathLike) -> Path:
        """Write the workbook to ``path`` atomically: a reader never sees half a
        file; readable by its owner only (0600 on POSIX), missing folders made
        0700.  Frees the temporary files; the Book cannot be saved twice."""
        path = Path(path)
        files.make_dirs(path.parent)
        # Next to the target (same file system for the rename), and like every
        # workbook readable by its owner only (it holds the inventory).
        tmp = path.with_name(f".{path.stem}-{secrets.token_hex(4)}.xlsx.tmp")
        try:
            os.close(files.create_private(tmp, os.O_WRONLY | os.O_EXCL))
            plain = self._tmp / "book.xlsx"
            self.wb.save(plain)  # numbers the sheets: their part names are known now
            sheetdata.splice(plain, tmp, {sheetdata.part_name(ws): (rows, ref)
                                          for ws, rows, ref in self._rows})
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        finally:
            self.close()
        return path

    def close(self) -> None:
        """Remove the temporary files."""
        shutil.rmtree(self._tmp, ignore_errors=True)


def new_workbook() -> Book:
    """A streaming workbook (no default sheet)."""
    return Book()


def naive_utc(value: Any) -> datetime | None:
    """A datetime as Excel wants it: UTC, without tzinfo.  None for missing."""
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def yes_no(value) -> str:
    """A boolean as RVTools writes it: the text True or False.

    Text rather than an Excel boolean: it reads the same in Excel and
    LibreOffice whatever the cell's style, and scripts written for RVTools
    exports expect these strings.
    """
    return TRUE if value else FALSE


def clean_text(value: str) -> str:
    """Text Excel accepts: no control characters, at most 32,767 characters."""
    if not value.isprintable():  # cheap test first: most text has no control chars
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value[:MAX_TEXT]


def column_values(frame: pd.DataFrame, col: SheetColumn) -> list:
    """The cell values of one workbook column, converted, None where missing."""
    if col.source not in frame.columns:
        return [None] * len(frame)
    series = frame[col.source]
    if col.kind == TEXTLIST:
        return [clean_text(", ".join(str(v) for v in items))
                if _is_list(items) and len(items) else None for items in series]
    if col.kind == DATETIME:
        stamps = pd.to_datetime(series, utc=True).dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in stamps]
    if col.kind in (INTEGER, DECIMAL):
        numbers = pd.to_numeric(series, errors="coerce").astype("Float64")
        if col.scale is not None:
            numbers = numbers * col.scale
        numbers = numbers.mask(numbers.isin([float("inf"), float("-inf")]))  # not in xlsx
        if col.kind == INTEGER:
            numbers = numbers.round().astype("Int64")
            return [None if v is pd.NA else int(v) for v in numbers.astype(object)]
        return [None if v is pd.NA else float(v) for v in numbers.astype(object)]
    if col.kind == BOOLEAN:
        return [None if v is None or pd.isna(v) else yes_no(v)
                for v in series.astype(object)]
    values = series.astype(object).where(series.notna(), None).tolist()
    return [None if v is None else clean_text(str(v)) for v in values]


def _is_list(value) -> bool:
    return isinstance(value, (list, tuple, set))


def fitted_width(header: str, kind: str, values: list) -> float:
    """Column width (in characters) that shows the header and typical content."""
    longest = 0
    if kind in (TEXT, TEXTLIST):
        longest = max((len(v) for v in values if v is not None), default=0)
    elif kind == DATETIME:
        longest = 21 if any(v is not None for v in values) else 0
    elif kind == BOOLEAN:
        longest = 5
    elif kind in (INTEGER, DECIMAL):
        present = [abs(v) for v in values if v is not None]
        if present:
            longest = len(f"{max(present):,.0f}") + (3 if kind == DECIMAL else 0) + 2
    # Bold header plus the AutoFilter drop-down button.
    head = len(header) * 1.1 + 3
    return round(min(MAX_WIDTH, max(head, longest + 2, 6)), 1)


class SheetWriter:
    """Writes one table to a sheet of a ``Book`` with the standard formatting.

    ``colour``: frame column -> {value: (Font, PatternFill)}, e.g. severities.
    """

    def __init__(self, book: Book, sheet: Sheet,
                 colour: dict[str, dict[Any, tuple[Font, PatternFill]]] | None = None):
        self.book, self.sheet = book, sheet
        self.colour = colour or {}

    def write(self, frame: pd.DataFrame) -> int:
        """Write ``frame`` under the sheet's headers; returns the rows written."""
        if len(frame) > MAX_ROWS:
            log.warning("sheet %s: %d rows, Excel holds %d: the rest are left out",
                        self.sheet.name, len(frame), MAX_ROWS)
            frame = frame.iloc[:MAX_ROWS]
        ws = self.book.create_sheet(self.sheet.name)
        columns = self.sheet.columns
        values = [column_values(frame, c) for c in columns]
        widths = [fitted_width(c.header, c.kind, v) for c, v in zip(columns, values)]
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        page_setup(ws, sum(widths), title_row=True)
        last = get_column_letter(len(columns))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
        ws.append([header_cell(ws, c.header, c.right_aligned) for c in columns])
        if len(frame):
            self.book.add_rows(ws, values, [self._style_of(ws, c) for c in columns])
        return len(frame)

    def _style_of(self, ws, col: SheetColumn):
        """value -> style id (0: none) for the cells of ``col``."""
        fmt = _FORMATS.get(col.kind)
        base = 0
        align = NUMBER_ALIGN if col.right_aligned else None
        if fmt is not None:
            base = styled_cell(ws, number_format=fmt, alignment=align).style_id
        coloured = {value: styled_cell(ws, number_format=fmt, font=font, fill=fill,
                                       alignment=align).style_id
                    for value, (font, fill) in self.colour.get(col.source, {}).items()}
        if coloured:
            return lambda value: coloured.get(value, base)
        return lambda value: base


def styled_cell(ws, number_format: str | None = None, font: Font | None = None,
                fill: PatternFill | None = None,
                alignment: Alignment | None = None) -> WriteOnlyCell:
    """An empty cell with a style; its ``style_id`` registers the style."""
    cell = WriteOnlyCell(ws)
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def page_setup(ws, total_width: float, title_row: bool = False,
               fit: bool = False) -> None:
    """Print landscape; one page wide when that stays legible (or ``fit``);
    the header row on every page."""
    ws.page_setup.orientation = "landscape"
    if fit or total_width <= FIT_WIDTH:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    if title_row:
        ws.print_title_rows = "1:1"


def header_cell(ws, text: str, numeric: bool = False) -> WriteOnlyCell:
    """A header: bold on a light fill; right-aligned above numbers."""
    cell = text_cell(ws, text)
    cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
    cell.alignment = HEADER_RIGHT if numeric else HEADER_LEFT
    return cell


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def text_cell(ws, value: str, font: Font | None = None,
              fill: PatternFill | None = None) -> WriteOnlyCell:
    """A cell that always holds text (a leading '=' is not a formula)."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def value_cell(ws, value: Any, kind: str | None = None, font: Font | None = None,
               fill: PatternFill | None = None) -> WriteOnlyCell | None:
    """One formatted cell for the small, hand-laid-out sheets (Summary)."""
    if isinstance(value, (datetime, pd.Timestamp)):
        value, kind = naive_utc(value), DATETIME
    elif isinstance(value, bool):
        value = yes_no(value)
    elif value is not None and not isinstance(value, str) and pd.isna(value):
        value = None
    if isinstance(value, str):
        cell = text_cell(ws, clean_text(value))
    else:
        cell = WriteOnlyCell(ws, value=value)
        if kind is None and isinstance(value, int):
            kind = INTEGER
        elif kind is None and isinstance(value, float):
            kind = DECIMAL
        if kind in _FORMATS:
            cell.number_format = _FORMATS[kind]
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


class BlockSheet:
    """A small sheet laid out by hand (Summary): rows are kept, then written.

    Rows are lists of cell values or ready cells; widths are fitted over
    everything at the end, since write-only sheets need them up front.  Free
    text (a pair's value, a table's last column) is not measured: it flows
    into the empty cells on its right, as in any hand-made sheet.
    """

    def __init__(self, book: Book, name: str):
        self.ws = book.create_sheet(name)
        self.rows: list[list] = []
        self.widths: dict[int, float] = {}

    def title(self, text: str) -> None:
        self.add([value_cell(self.ws, text, font=TITLE_FONT)], measure=[False])

    def note(self, text: str) -> None:
        """A bold line of text, e.g. above a table."""
        self.add([value_cell(self.ws, text, font=BOLD)], measure=[False])

    def blank(self) -> None:
        self.rows.append([])

    def pair(self, label: str, value: Any, kind: str | None = None) -> None:
        """A "label: value" line."""
        self.add([value_cell(self.ws, label, font=BOLD), value_cell(self.ws, value, kind)],
                 measure=[True, not isinstance(value, str)])

    def table(self, headers: list[str], rows: Iterable[list],
              styles: dict[int, dict[Any, tuple[Font, PatternFill]]] | None = None,
              total: list | None = None) -> None:
        """A small table: header row, body rows (styled by value per column), total.

        The last column is free text (e.g. a message): only its header is measured.
        """
        rows = list(rows)
        numeric = [bool(values) and all(_is_number(v) for v in values)
                   for values in ([r[i] for r in rows if r[i] is not None]
                                  for i in range(len(headers)))]
        cells = [header_cell(self.ws, h, numeric[i]) for i, h in enumerate(headers)]
        for cell in cells[:-1]:  # headers wrap at spaces: narrow columns for numbers
            cell.alignment = WRAPPED_RIGHT if cell.alignment.horizontal == "right" \
                else WRAPPED
        self.add(cells, widths=[max(map(len, h.split())) * 1.1 + 1 for h in headers[:-1]]
                 + [len(headers[-1]) * 1.1 + 1])
        body = [True] * (len(headers) - 1) + [False]
        for row in rows:
            cells = []
            for i, value in enumerate(row):
                font = fill = None
                if styles and i in styles and _hashable(value) and value in styles[i]:
                    font, fill = styles[i][value]
                cells.append(value_cell(self.ws, value, font=font, fill=fill))
            if cells and isinstance(row[-1], str):
                cells[-1].alignment = INDENT  # a gap after the numbers on its left
            self.add(cells, measure=body)
        if total is not None:
            self.add([value_cell(self.ws, v, font=BOLD) for v in total], measure=body)

    def add(self, cells: list, measure: list[bool] | None = None,
            widths: list[float] | None = None) -> None:
        for i, cell in enumerate(cells, start=1):
            if measure is not None and not measure[i - 1]:
                continue
            width = widths[i - 1] if widths else _display_width(cell)
            self.widths[i] = max(self.widths.get(i, 0), width)
        self.rows.append(cells)

    def write(self) -> None:
        widths = {i: round(min(MAX_WIDTH, max(w + 3, 8)), 1)
                  for i, w in self.widths.items()}
        for i, width in widths.items():
            self.ws.column_dimensions[get_column_letter(i)].width = width
        page_setup(self.ws, sum(widths.values()), fit=True)  # the overview page
        for row in self.rows:
            self.ws.append(row)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _display_width(cell) -> float:
    value = getattr(cell, "value", cell)
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float)):
        return len(f"{value:,.2f}")
    return len(str(value))


def save(book: Book, path: str | os.PathLike) -> Path:
    """Save ``book`` to ``path`` atomically; returns the path."""
    return book.save(path)
