"""The inventory workbook: one RVTools-style workbook for every vCenter.

Sheets, in this order: Summary, vInfo, vHost, vCluster, vDatastore,
vSnapshot, vDisk, vNetwork (virtual NICs), vCD, vPortgroup, vTags, vAlarms,
vPerformance (the averages and maxima of every VM and host over
``metrics.report_since``), vHealth, vSource.  Custom attributes are columns
of their own on vInfo (after Annotation), vHost, vCluster, vDatastore and
vPortgroup, one per attribute that has a value on that kind of object.  See
layout.py for the columns and writer.py for the formatting.
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
            "vDatastore": "datastores", "vSnapshot": "snapshots", "vDisk": "disks",
            "vNetwork": "nics", "vCD": "cdroms", "vPortgroup": "networks",
            "vTags": "tags", "vAlarms": "alarms", "vPerformance": "performance",
            "vHealth": "problems", "vSource": "status"}
# The tables the history keeps, and their sheets (the as_of workbook).
HISTORY_SOURCES = ("vms", "hosts", "clusters", "datastores", "networks")


def performance_frame(vms: pd.DataFrame | None = None,
                      hosts: pd.DataFrame | None = None) -> pd.DataFrame:
    """vPerformance's rows: ``vc.performance("vms")`` and ``("hosts")`` in one frame."""
    from ..tables import TABLES
    parts = []
    for frame, label, table in ((vms, "VM", "performance_vms"),
                                (hosts, "Host", "performance_hosts")):
        frame = TABLES[table].empty() if frame is None else frame
        parts.append(frame.assign(object_type=pd.Series([label] * len(frame),
                                                         index=frame.index, dtype="string")))
    names = [c.source for c in layout.VPERFORMANCE.columns]
    return pd.concat([p.reindex(columns=names) for p in parts], ignore_index=True)


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
    disks: pd.DataFrame = field(default_factory=lambda: TABLES["disks"].empty())
    tags: pd.DataFrame = field(default_factory=lambda: TABLES["tags"].empty())
    attributes: pd.DataFrame = field(default_factory=lambda: TABLES["attributes"].empty())
    performance: pd.DataFrame = field(default_factory=performance_frame)
    # the window of vPerformance, and the vCenters whose statistics failed
    performance_since: str = ""
    performance_failures: dict = field(default_factory=dict)
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
        """Read (or reuse) the Companion's collected tables.

        Performance statistics are read quietly: a vCenter whose statistics
        fail has no vPerformance rows, and the Summary says why.
        """
        data = cls(vms=vc.vms(), hosts=vc.hosts(), clusters=vc.clusters(),
                   datastores=vc.datastores(), snapshots=vc.snapshots(),
                   networks=vc.networks(), alarms=vc.alarms(), problems=vc.problems(),
                   nics=vc.nics(), cdroms=vc.cdroms(), status=vc.status(),
                   disks=vc.disks(), tags=vc.tags(), attributes=vc.attributes())
        since = vc.config.get("metrics.report_since")
        vms = vc.performance("vms", since=since, quiet=True)
        hosts = vc.performance("hosts", since=since, quiet=True)
        data.performance = performance_frame(vms, hosts)
        data.performance_since = since
        data.performance_failures = {**vms.attrs.get("failures", {}),
                                     **hosts.attrs.get("failures", {})}
        return data

    def frame(self, sheet: str) -> pd.DataFrame:
        return getattr(self, _SOURCES[sheet])

    def sheet(self, sheet: layout.Sheet) -> tuple[layout.Sheet, pd.DataFrame]:
        """A sheet as this workbook writes it, with its rows: custom attributes
        as columns of their own where the sheet shows them."""
        frame = self.frame(sheet.name)
        if sheet.name not in layout.ATTRIBUTE_SHEETS or self.attributes.empty:
            return sheet, frame
        kind, after = layout.ATTRIBUTE_SHEETS[sheet.name]
        values = self.attributes[self.attributes["kind"] == kind]
        names = sorted(set(values["attribute"].dropna()), key=str.lower)
        if not names:
            return sheet, frame
        frame = frame.copy()
        keys = list(zip(frame["vcenter"], frame["moid"]))
        for name, rows in values.groupby("attribute", sort=False):
            lookup = dict(zip(zip(rows["vcenter"], rows["moid"]), rows["value"]))
            frame[layout.ATTRIBUTE + name] = pd.array([lookup.get(k) for k in keys],
                                                      dtype="string")
        return layout.with_attributes(sheet, names, after), frame

    def sheets(self) -> list[layout.Sheet]:
        """The data sheets as written (custom attribute columns included)."""
        return [self.sheet(s)[0] for s in layout.INVENTORY_SHEETS]


def write(data: InventoryData, path: str | Path) -> Path:
    """Write the inventory workbook to ``path`` (atomically); returns the path."""
    book = writer.new_workbook()
    try:
        summary = writer.BlockSheet(book, SUMMARY)  # first sheet; filled in last
        counts = {}
        for declared in sheets_of(data):
            colour = None
            if declared.name == layout.VHEALTH.name:
                colour = {"severity": writer.SEVERITY_STYLES}
            elif declared.name == layout.VSOURCE.name:
                colour = {"status": status_styles(data.status["status"])}
            sheet, frame = data.sheet(declared)
            counts[sheet.name] = writer.SheetWriter(book, sheet, colour).write(frame)
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
        "Tagged objects": _per_vcenter(
            data.tags.drop_duplicates(["vcenter", "moid"]), names),
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
    if data.performance_since:
        block.pair("Performance", f"vPerformance: averages and maxima of the last "
                                  f"{data.performance_since}, on each vCenter's clock")
    for name, message in data.performance_failures.items():
        block.pair(f"No statistics from {name}", message)
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
