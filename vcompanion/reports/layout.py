"""Which table goes to which sheet, under which headers, in which unit.

Headers come from the column declarations next to each collector
(``Column.rvtools`` in ``vcompanion/tables/``): where RVTools has the column,
the workbook uses RVTools' header, so scripts written for RVTools exports
read ours.  Other columns get a readable header derived from the column name.
RVTools gives sizes in MiB: our byte and GiB columns are converted to MiB.
Every sheet carries ``VI SDK Server`` (the vCenter's configured name) as its
last column, as RVTools does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import problems
from ..tables import TABLES
from ..tables.schema import BOOL, FLOAT, INT, LIST, STRING, TIME, Column, Table

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

# Words written differently in headers than in column names.
_WORDS = {"ip": "IP", "ips": "IPs", "mac": "MAC", "cpu": "CPU", "vm": "VM", "vms": "VMs",
          "os": "OS", "mhz": "MHz", "uuid": "UUID", "moid": "MoRef", "id": "ID",
          "ha": "HA", "drs": "DRS", "hw": "HW", "dns": "DNS", "url": "URL",
          "vlan": "VLAN", "bios": "BIOS", "pct": "%", "mb": "MiB", "gb": "MiB",
          "bytes": "MiB", "vcenter": "vCenter"}
# Headers that the rule above would word badly.
_HEADERS = {
    "vms.uptime_hours": "Uptime hours",
    "vms.guest_memory_usage_mb": "Guest memory usage MiB",
    "vms.vm_path": "Path",
    "hosts.uptime_hours": "Uptime hours",
    "snapshots.age_days": "Age days",
    "snapshots.vm_moid": "VM MoRef",
    "snapshots.vm_power_state": "VM powerstate now",
    "alarms.entity_moid": "Entity MoRef",
    "alarms.alarm_moid": "Alarm MoRef",
    "events.chain_id": "Chain ID",
    "problems.object_type": "Object type",
    "performance_vms.num_cpu": "CPUs",
    "performance_vms.cpu_costop_pct": "CPU co-stop %",
    "performance_vms.cpu_costop_pct_max": "CPU co-stop % max",
    "performance_vms.mem_swapin_kbps": "Swap-in KB/s",
    "performance_vms.mem_swapin_kbps_max": "Swap-in KB/s max",
    "performance_vms.net_usage_kbps": "Network KB/s",
    "performance_vms.net_usage_kbps_max": "Network KB/s max",
    "performance_vms.interval": "Interval seconds",
}


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
    """The workbook header of ``column``: RVTools' where it has one."""
    if column.rvtools:
        return column.rvtools
    key = f"{table}.{column.name}"
    if key in _HEADERS:
        return _HEADERS[key]
    words = column.name.split("_")
    if len(words) > 1 and words[-1] == "count":
        return "# " + _plural(" ".join(_WORDS.get(w, w) for w in words[:-1]))
    text = " ".join(_WORDS.get(w, w) for w in words)
    if column.dtype == TIME:
        text += " (UTC)"
    return text[0].upper() + text[1:]


def _plural(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text.endswith("s") else text + "s"


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


# The inventory workbook's data sheets, in their fixed order (Summary comes first).
VINFO = sheet_for("vInfo", TABLES["vms"])
VHOST = sheet_for("vHost", TABLES["hosts"])
VCLUSTER = sheet_for("vCluster", TABLES["clusters"])
VDATASTORE = sheet_for("vDatastore", TABLES["datastores"])
VSNAPSHOT = sheet_for("vSnapshot", TABLES["snapshots"])
VNETWORK = sheet_for("vNetwork", TABLES["nics"])
VCD = sheet_for("vCD", TABLES["cdroms"])
VPORTGROUP = sheet_for("vPortgroup", TABLES["networks"])
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
                                       VNETWORK, VCD, VPORTGROUP, VALARMS, VPERFORMANCE,
                                       VHEALTH, VSOURCE)
