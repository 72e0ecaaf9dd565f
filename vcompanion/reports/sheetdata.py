"""The rows of large sheets, written as SpreadsheetML directly.

openpyxl builds everything else (package, workbook, styles, Summary, each
sheet's settings and header row), but its per-cell path costs about 10 µs a
cell: a 20,000-VM vInfo has nearly a million cells.  Here the data rows are
formatted as the very XML openpyxl writes for the same cells (``<c r s t>``,
inline strings, ``%.16g`` numbers, Excel serial dates) at about 1 µs a cell,
into a temporary file; ``splice`` then puts them into openpyxl's saved
workbook, just before each sheet's ``</sheetData>``.  A test compares the
XML with openpyxl's own output for the same values.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO, Callable

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

END = b"</sheetData>"
CHUNK_ROWS = 500


def cell_tail(value, style: int | None) -> str:
    """Everything of a ``<c>`` element after its ``r`` attribute (value not None)."""
    s = f' s="{style}"' if style else ""
    if isinstance(value, str):
        # As lxml escapes text (str.replace is much faster than str.translate).
        text = value.replace("&", "&amp;").replace("<", "&lt;").replace(
            ">", "&gt;").replace("\r", "&#13;")
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, datetime):
        value = to_excel(value)
    return f'{s} t="n"><v>{"%.16g" % value}</v></c>'


def write_rows(out: IO[str], columns: list[list], styles: list[Callable],
               first_row: int = 2) -> int:
    """Write ``<row>`` elements, one per position in ``columns`` (lists of str,
    int, float, datetime or None); ``styles[i](value)`` is the style id of a
    value of column i (0 for none).  Returns the number of rows."""
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    plan = list(zip(letters, styles))
    chunk = []
    count = 0
    for r, row in enumerate(zip(*columns), start=first_row):
        cells = "".join([f'<c r="{letter}{r}"{cell_tail(value, style(value))}'
                         for (letter, style), value in zip(plan, row)
                         if value is not None])
        chunk.append(f'<row r="{r}">{cells}</row>')
        count += 1
        if len(chunk) >= CHUNK_ROWS:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))
    return count


def splice(source: Path, target: Path, rows: dict[str, tuple[Path, str]]) -> None:
    """Copy workbook ``source`` to ``target``, adding to each sheet part named in
    ``rows`` (e.g. ``xl/worksheets/sheet2.xml``) the rows in that file, and the
    sheet's ``<dimension ref>`` (e.g. ``A1:AS20001``: openpyxl's read-only mode
    and other readers size the sheet from it)."""
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename not in rows:
                dst.writestr(info, data)
                continue
            extra, ref = rows[info.filename]
            views = data.find(b"<sheetViews")
            if b"<dimension" not in data and views > 0:
                data = data[:views] + f'<dimension ref="{ref}"/>'.encode() + data[views:]
            at = data.rindex(END)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w", force_zip64=True) as part, \
                    open(extra, "rb") as more:
                part.write(data[:at])
                shutil.copyfileobj(more, part, 1 << 20)
                part.write(data[at:])


def part_name(ws) -> str:
    """The zip entry of a worksheet (``xl/worksheets/sheetN.xml``)."""
    return ws.path.lstrip("/")


__all__ = ["cell_tail", "part_name", "splice", "write_rows"]

