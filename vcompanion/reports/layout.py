"""Which table goes to which sheet, under which headers, in which unit.

Headers come from the column declarations next to each collector
(``Column.rvtools`` in ``vcompanion/tables/``): where RVTools has the column,
the workbook uses RVTools' header, so scripts written for RVTools exports
read ours.  Other columns get a readable header derived from the column name.
RVTools gives sizes in MiB: our byte and GiB columns are converted to MiB.
Every sheet carries ``VI SDK Server`` (the vCenter's configured name) as its
last column, as RVTools does.  Custom attributes become one column each
(``with_attributes``): on vInfo right after Annotation, elsewhere before
VI SDK Server; tags stay one column ("Category:Tag, ...").
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import problems
from ..tables import TABLES
from ..tables.schema import BOOL, FLOAT, INT, LIST, STRING, TIME, Column, Table, title

# Value kinds of a workbook column (how writer.py renders them).
TEXT, INTEGER, DECIMAL, BOOLEAN, DATETIME, TEXTLIST = (
    "text", "integer", "decimal", "boolean", "datetime", "list")
_KIND_OF_DTYPE = {STRING: TEXT, INT: INTEGER, FLOAT: DECIMAL, BOOL: BOOLEAN,
                  TIME: DATETIME, LIST: TEXTLIST}

SOURCE_HEADER = "VI SDK Server"
MIB = 1024 ** 2
# Factor from a declared unit to MiB.
_TO_MIB = {"bytes": 1 / MIB, "GiB": 1024.0, "MiB": 1.0}

# RVTools headers whose unit is not in the header text.
_RVTOOLS_MIB = {"Memory", "# Memory", "TotalMemory"}

# The source of a custom attribute's column: this prefix and the attribute name.
ATTRIBUTE = "attribute:"


@dataclass(frozen=True)
class SheetColumn:
    """One workbook column: its header, the frame column it shows, how."""

    header: str
    source: str
    kind: str
    scale: float | None = None  # multiply by this (unit conversion)
    description: str = ""

    @property
    def is_number(self) -> bool:
        return self.kind in (INTEGER, DECIMAL)

    @property
    def right_aligned(self) -> bool:
        """Numbers and dates: shown right-aligned, as Excel does."""
        return self.kind in (INTEGER, DECIMAL, DATETIME)


@dataclass(frozen=True)
class Sheet:
    """A data sheet: its name, what each row is and its columns."""

    name: str
    table: str  # the table name the rows come from
    columns: tuple[SheetColumn, ...]
    row: str = ""  # "one row per ..."

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def header_for(table: str, column: Column) -> str:
    """The workbook header of ``column``: RVTools' where it has one, else its
    title (``tables.schema.title``, the same as on the dashboards, sizes in MiB)."""
    if column.rvtools:
        return column.rvtools
    text = title(column.name, table, sizes="MiB")
    return text + " (UTC)" if column.dtype == TIME else text


def sheet_column(table: str, column: Column) -> SheetColumn:
    """The workbook column for a declared table column, with its unit conversion."""
    header = header_for(table, column)
    kind = _KIND_OF_DTYPE[column.dtype]
    scale = None
    wants_mib = header.endswith(("MiB", "MiB (total)")) or header in _RVTOOLS_MIB
    if column.unit in _TO_MIB and (wants_mib or column.unit != "MiB"):
        scale = _TO_MIB[column.unit]
        if scale == 1.0:
            scale = None
        kind = INTEGER  # RVTools shows whole MiB
        if not wants_mib:
            header = header.removesuffix(" MiB") + " MiB"
    return SheetColumn(header, column.name, kind, scale,
                       description=(column.description
                                    + (f" ({column.unit})" if column.unit else "")))


def sheet_for(name: str, table: Table, skip: tuple[str, ...] = (), row: str = "") -> Sheet:
    """A sheet showing every column of ``table`` except ``skip``; vCenter last."""
    cols = [sheet_column(table.name, c) for c in table.columns
            if c.name not in skip and c.name != "vcenter"]
    cols.append(SheetColumn(SOURCE_HEADER, "vcenter", TEXT,
                            description="Configured name of the vCenter."))
    headers = [c.header for c in cols]
    duplicates = {h for h in headers if headers.count(h) > 1}
    if duplicates:  # a declaration mistake: fail loudly in tests, not in Excel
        raise ValueError(f"sheet {name}: duplicate headers {sorted(duplicates)}")
    return Sheet(name, table.name, tuple(cols), row or table.row)


def with_attributes(sheet: Sheet, names: list[str], after: str | None = None) -> Sheet:
    """``sheet`` with one text column per custom attribute in ``names`` (source
    ``ATTRIBUTE + name``), right after the column headed ``after`` (RVTools:
    Annotation), else just before VI SDK Server."""
    if not names:
        return sheet
    columns = list(sheet.columns)
    taken = set(sheet.headers)
    extra = []
    for name in names:
        header = name if name not in taken else f"{name} (attribute)"
        taken.add(header)
        extra.append(SheetColumn(header, ATTRIBUTE + name, TEXT,
                                 description=f"Custom attribute {name}."))
    at = next((i + 1 for i, c in enumerate(columns) if c.header == after),
              len(columns) - 1)
    return Sheet(sheet.name, sheet.table, tuple(columns[:at] + extra + columns[at:]),
                 sheet.row)


# The inventory workbook's data sheets, in their fixed order (Summary comes first).
# Custom attributes are added per workbook (with_attributes): the list column is left out.
VINFO = sheet_for("vInfo", TABLES["vms"], skip=("attributes",))
VHOST = sheet_for("vHost", TABLES["hosts"], skip=("attributes",))
VCLUSTER = sheet_for("vCluster", TABLES["clusters"], skip=("attributes",))
VDATASTORE = sheet_for("vDatastore", TABLES["datastores"], skip=("attributes",))
VSNAPSHOT = sheet_for("vSnapshot", TABLES["snapshots"])
VDISK = sheet_for("vDisk", TABLES["disks"])
VNETWORK = sheet_for("vNetwork", TABLES["nics"])
VCD = sheet_for("vCD", TABLES["cdroms"])
VPORTGROUP = sheet_for("vPortgroup", TABLES["networks"], skip=("attributes",))
VTAGS = sheet_for("vTags", TABLES["tags"])
VALARMS = sheet_for("vAlarms", TABLES["alarms"])
VHEALTH = sheet_for("vHealth", problems.TABLE, skip=("key",))
_events = sheet_for("Events", TABLES["events"])
# The report marks the events alerts send (alerts.critical_events).
EVENTS = Sheet("Events", "events", (_events.columns[0], SheetColumn(
    "Critical", "critical", BOOLEAN, description="An event type alerts send "
    "(alerts.critical_events).")) + _events.columns[1:], _events.row)
PROBLEMS = sheet_for("Problems", problems.TABLE, skip=("key",))


def _performance_sheet() -> Sheet:
    """vPerformance: VMs and hosts, one row each, with the window's averages and
    maxima (the columns of performance_vms, then those only hosts have)."""
    columns = [SheetColumn("Type", "object_type", TEXT, description="VM or Host.")]
    seen = {"vcenter"}
    for table in (TABLES["performance_vms"], TABLES["performance_hosts"]):
        for column in table.columns:
            if column.name not in seen:
                seen.add(column.name)
                columns.append(sheet_column(table.name, column))
    columns.append(SheetColumn(SOURCE_HEADER, "vcenter", TEXT,
                               description="Configured name of the vCenter."))
    return Sheet("vPerformance", "performance", tuple(columns), "VM or host")


VPERFORMANCE = _performance_sheet()

# vSource: the vCenters, from Companion.status().
_STATUS_COLUMNS = (
    ("vcenter", "VI SDK Server", TEXT, "Configured name of the vCenter."),
    ("address", "Address", TEXT, "host:port of the vCenter API."),
    ("status", "Status", TEXT, "ok, or why it could not be read."),
    ("message", "Message", TEXT, "Details of the status."),
    ("product", "Fullname", TEXT, "Product name and build."),
    ("version", "Version", TEXT, "vCenter version."),
    ("build", "Build", TEXT, "vCenter build number."),
    ("api_version", "API version", TEXT, "vSphere API version."),
    ("user", "User", TEXT, "User vCompanion logged in as."),
    ("round_trip_ms", "Round trip ms", DECIMAL, "Last measured API round trip."),
    ("last_collection", "Last collection (UTC)", DATETIME, "When the data was read."),
    ("collect_seconds", "Collect seconds", DECIMAL, "Time the collection took."),
    ("round_trips", "# Round trips", INTEGER, "API calls the collection took."),
    ("objects", "# Objects", INTEGER, "Objects read."),
)
VSOURCE = Sheet("vSource", "status", tuple(
    SheetColumn(header, source, kind, description=text)
    for source, header, kind, text in _STATUS_COLUMNS), row="vCenter")

INVENTORY_SHEETS: tuple[Sheet, ...] = (VINFO, VHOST, VCLUSTER, VDATASTORE, VSNAPSHOT,
                                       VDISK, VNETWORK, VCD, VPORTGROUP, VTAGS, VALARMS,
                                       VPERFORMANCE, VHEALTH, VSOURCE)
# sheet -> (the kind of object whose custom attributes it shows, the column they follow)
ATTRIBUTE_SHEETS = {"vInfo": ("vm", "Annotation"), "vHost": ("host", None),
                    "vCluster": ("cluster", None), "vDatastore": ("datastore", None),
                    "vPortgroup": ("network", None)}
