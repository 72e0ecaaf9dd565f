"""The inventory workbook: one RVTools-style workbook for every vCenter.

Sheets, in this order: Summary, vInfo, vHost, vCluster, vDatastore,
vSnapshot, vNetwork (virtual NICs), vCD, vPortgroup, vAlarms, vHealth,
vSource.  See layout.py for the
columns and writer.py for the formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import problems as problems_module
from ..clock import utc_now
from ..tables import TABLES
from . import layout, writer

SUMMARY = "Summary"
SHEET_NAMES = (SUMMARY, *(s.name for s in layout.INVENTORY_SHEETS))
_SOURCES = {"vInfo": "vms", "vHost": "hosts", "vCluster": "clusters",
            "vDatastore": "datastores", "vSnapshot": "snapshots", "vNetwork": "nics",
            "vCD": "cdroms", "vPortgroup": "networks", "vAlarms": "alarms",
            "vHealth": "problems", "vSource": "status"}
# The tables the history keeps, and their sheets (the as_of workbook).
HISTORY_SOURCES = ("vms", "hosts", "clusters", "datastores", "networks")


@dataclass
class InventoryData:
    """Everything the workbook shows: the tables over all vCenters and their status."""

    vms: pd.DataFrame
    hosts: pd.DataFrame
    clusters: pd.DataFrame
    datastores: pd.DataFrame
    snapshots: pd.DataFrame
    networks: pd.DataFrame
    alarms: pd.DataFrame
    problems: pd.DataFrame
    nics: pd.DataFrame
    cdroms: pd.DataFrame
    status: pd.DataFrame
    generated_at: datetime = field(default_factory=lambda: utc_now(seconds=True))
    as_of: datetime | None = None  # from the history: only the tables it tracks

    @classmethod
    def from_history(cls, vc, when) -> InventoryData:
        """The inventory as the history says it was at ``when``."""
        from ..history.times import parse_when
        moment = parse_when(when, what="as_of time")
        tables = {name: vc.as_of(moment, name) for name in HISTORY_SOURCES}
        empty = {name: TABLES[name].empty() for name in ("snapshots", "alarms", "nics",
                                                         "cdroms")}
        status = vc.history_status()
        rows = [{"vcenter": r["vcenter"],
                 "status": "ok" if pd.notna(r["first_recording"])
                 and r["first_recording"] <= moment else "no data",
                 "message": "from the history", "last_collection": r["last_complete"]}
                for r in status.to_dict("records")]
        return cls(**tables, **empty, problems=problems_module.TABLE.empty(),
                   status=pd.DataFrame(rows, columns=["vcenter", "status", "message",
                                                      "last_collection"]),
                   as_of=moment)

    @classmethod
    def from_companion(cls, vc) -> InventoryData:
        """Read (or reuse) the Companion's collected tables."""
        return cls(vms=vc.vms(), hosts=vc.hosts(), clusters=vc.clusters(),
                   datastores=vc.datastores(), snapshots=vc.snapshots(),
                   networks=vc.networks(), alarms=vc.alarms(), problems=vc.problems(),
                   nics=vc.nics(), cdroms=vc.cdroms(), status=vc.status())

    def frame(self, sheet: str) -> pd.DataFrame:
        return getattr(self, _SOURCES[sheet])


def write(data: InventoryData, path: str | Path) -> Path:
    """Write the inventory workbook to ``path`` (atomically); returns the path."""
    book = writer.new_workbook()
    try:
        summary = writer.BlockSheet(book, SUMMARY)  # first sheet; filled in last
        counts = {}
        for sheet in sheets_of(data):
            colour = None
            if sheet is layout.VHEALTH:
                colour = {"severity": writer.SEVERITY_STYLES}
            elif sheet is layout.VSOURCE:
                colour = {"status": status_styles(data.status["status"])}
            counts[sheet.name] = writer.SheetWriter(book, sheet, colour).write(
                data.frame(sheet.name))
        _summary(summary, data, counts)
        summary.write()
        return book.save(path)
    finally:
        book.close()


def sheets_of(data: InventoryData) -> list:
    """Every sheet; as of a past time, the history's sheets with its columns."""
    if data.as_of is None:
        return list(layout.INVENTORY_SHEETS)
    sheets = []
    for sheet in layout.INVENTORY_SHEETS:
        source = _SOURCES[sheet.name]
        if source not in HISTORY_SOURCES and sheet is not layout.VSOURCE:
            continue
        frame = data.frame(sheet.name)
        sheets.append(layout.Sheet(sheet.name, sheet.table, tuple(
            c for c in sheet.columns if c.source in frame.columns), sheet.row))
    return sheets


def status_styles(values) -> dict:
    """Green for "ok", red for any other vCenter status."""
    return {v: writer.SEVERITY_STYLES["ok" if v == "ok" else "critical"]
            for v in values if isinstance(v, str)}


def _per_vcenter(frame: pd.DataFrame, names: list[str], mask=None) -> dict[str, int]:
    if frame.empty:
        return {n: 0 for n in names}
    frame = frame if mask is None else frame[mask.fillna(False).astype(bool)]
    counted = frame.groupby("vcenter", sort=False).size()
    return {n: int(counted.get(n, 0)) for n in names}


def _summary(block: writer.BlockSheet, data: InventoryData, counts: dict) -> None:
    status = data.status
    names = list(status["vcenter"]) if not status.empty else []
    for frame in (data.vms, data.hosts, data.datastores):
        for name in frame["vcenter"].dropna().unique() if not frame.empty else ():
            if name not in names:
                names.append(name)
    vms = data.vms
    template = vms["is_template"].fillna(False).astype(bool)
    columns = {
        "VMs": _per_vcenter(vms, names, ~template),
        "Powered on": _per_vcenter(vms, names, vms["power_state"] == "poweredOn"),
        "Templates": _per_vcenter(vms, names, template),
        "Hosts": _per_vcenter(data.hosts, names),
        "Clusters": _per_vcenter(data.clusters, names),
        "Datastores": _per_vcenter(data.datastores, names),
        "Networks": _per_vcenter(data.networks, names),
        "Snapshots": _per_vcenter(data.snapshots, names),
        "Triggered alarms": _per_vcenter(data.alarms, names),
    }
    probs = data.problems
    for severity in problems_module.SEVERITIES:
        columns[f"{severity.capitalize()} problems"] = _per_vcenter(
            probs, names, probs["severity"] == severity)
    if data.as_of is not None:  # the history keeps none of these
        for key in ["Snapshots", "Triggered alarms",
                    *(f"{s.capitalize()} problems" for s in problems_module.SEVERITIES)]:
            columns.pop(key)
    info = {row["vcenter"]: row for row in status.to_dict("records")}

    block.title("vCompanion inventory report")
    block.pair("Generated at (UTC)", data.generated_at)
    if data.as_of is not None:
        block.pair("Inventory as of (UTC)", data.as_of.replace(microsecond=0))
        block.pair("Source", "The history: the tables and columns it tracks, as last "
                   "recorded before that time.")
    block.pair("Times", "All dates and times in this workbook are UTC.")
    ok = sum(1 for n in names if (info.get(n) or {}).get("status") == "ok")
    block.pair("vCenters", f"{len(names)} in this report, {ok} read successfully")
    block.blank()
    # Address and build are in vSource: the overview stays narrow enough to print.
    headers = ["VI SDK Server", "Status", "Version", *columns, "Last collection (UTC)",
               "Message"]
    rows = []
    for name in names:
        s = info.get(name) or {}
        rows.append([name, s.get("status"), s.get("version"),
                     *(c[name] for c in columns.values()), s.get("last_collection"),
                     None if s.get("status") == "ok" else s.get("message")])
    total = ["Total", None, None, *(sum(c.values()) for c in columns.values()), None,
             None]
    block.table(headers, rows, styles={1: status_styles(r[1] for r in rows)},
                total=total)
    block.blank()
    block.table(["Sheet", "Rows", "One row per"],
                [[sheet.name, counts[sheet.name], sheet.row] for sheet in sheets_of(data)])
