"""The changes workbook: what changed in every vCenter during a period, and who.

From the history's change log (vcompanion/history).  Sheets: Summary (the
period, per vCenter the changes by kind, objects created and removed, and
the time without data), Changes (every change, oldest first, with old and
new values, the vCenter user and event), Gaps (periods a vCenter could not
be read: a change seen after a gap happened somewhere in it) and History
(per vCenter: its recordings and the database).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from ..clock import utc_now
from . import writer
from .layout import DATETIME, INTEGER, TEXT, Sheet, SheetColumn

SUMMARY = "Summary"


def _col(source, header, kind=TEXT, text=""):
    return SheetColumn(header, source, kind, description=text)


CHANGES = Sheet("Changes", "changes", (
    _col("time", "Recorded (UTC)", DATETIME, "The recording that saw the change."),
    _col("kind", "Kind", text="vm, host, datastore, cluster or network."),
    _col("name", "Name"), _col("change", "Change", text="created, removed or modified."),
    _col("property", "Property"), _col("old", "Old value"), _col("new", "New value"),
    _col("user", "User", text="The vCenter user of the event that explains it."),
    _col("event", "Event"), _col("event_time", "Event time (UTC)", DATETIME),
    _col("moid", "MoRef"), _col("vcenter", "VI SDK Server")), row="change")
GAPS = Sheet("Gaps", "gaps", (
    _col("vcenter", "VI SDK Server"), _col("start", "No data from (UTC)", DATETIME),
    _col("end", "Until (UTC)", DATETIME), _col("reason", "Why"),
    _col("recordings", "# Failed recordings", INTEGER)), row="period without data")
HISTORY = Sheet("History", "status", (
    _col("vcenter", "VI SDK Server"), _col("first_recording", "First recording (UTC)",
                                           DATETIME),
    _col("last_complete", "Last complete recording (UTC)", DATETIME),
    _col("last_status", "Last status"), _col("last_message", "Message"),
    _col("objects", "# Objects", INTEGER), _col("changes", "# Changes", INTEGER),
    _col("database", "Database")), row="vCenter")
SHEET_NAMES = (SUMMARY, CHANGES.name, GAPS.name, HISTORY.name)


@dataclass
class ChangesData:
    changes: pd.DataFrame
    gaps: pd.DataFrame
    status: pd.DataFrame
    since: datetime
    until: datetime
    generated_at: datetime = field(default_factory=lambda: utc_now(seconds=True))

    @classmethod
    def from_companion(cls, vc, hours: float | None = None) -> ChangesData:
        hours = vc.config.get("collection.event_hours") if hours is None else hours
        until = utc_now()
        since = until - timedelta(hours=float(hours))
        return cls(changes=vc.changes(since=since, until=until),
                   gaps=vc.history.gaps(since=since, until=until),
                   status=vc.history_status(), since=since, until=until)


def _text(value) -> str | None:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def write(data: ChangesData, path: str | Path) -> Path:
    book = writer.new_workbook()
    try:
        summary = writer.BlockSheet(book, SUMMARY)
        changes = data.changes.copy()
        changes["old"] = [_text(v) for v in changes["old"]]
        changes["new"] = [_text(v) for v in changes["new"]]
        counts = {CHANGES.name: writer.SheetWriter(book, CHANGES).write(changes),
                  GAPS.name: writer.SheetWriter(book, GAPS).write(data.gaps),
                  HISTORY.name: writer.SheetWriter(book, HISTORY).write(data.status)}
        _summary(summary, data, counts)
        summary.write()
        return book.save(path)
    finally:
        book.close()


def _summary(block: writer.BlockSheet, data: ChangesData, counts: dict) -> None:
    block.title("vCompanion changes report")
    block.pair("Generated at (UTC)", data.generated_at)
    block.pair("Period (UTC)", f"{data.since:%Y-%m-%d %H:%M} to {data.until:%Y-%m-%d %H:%M}")
    block.pair("Times", "All dates and times in this workbook are UTC.")
    block.pair("Changes", len(data.changes))
    block.blank()
    names = list(data.status["vcenter"]) if not data.status.empty else []
    ch = data.changes
    rows = []
    for name in names:
        mine = ch[ch["vcenter"] == name]
        gaps = data.gaps[data.gaps["vcenter"] == name]
        rows.append([name, int((mine["change"] == "created").sum()),
                     int((mine["change"] == "removed").sum()),
                     int(mine[mine["change"] == "modified"][["kind", "moid"]]
                         .drop_duplicates().shape[0]),
                     len(mine), len(gaps),
                     "; ".join(f"{r.reason}" for r in gaps.itertuples()) or None])
    block.table(["VI SDK Server", "Created", "Removed", "Objects modified", "Changes",
                 "Gaps", "Note"], rows)
    block.blank()
    block.table(["Sheet", "Rows", "One row per"],
                [[sheet.name, counts[sheet.name], sheet.row]
                 for sheet in (CHANGES, GAPS, HISTORY)])


__all__ = ["ChangesData", "SHEET_NAMES", "write"]
