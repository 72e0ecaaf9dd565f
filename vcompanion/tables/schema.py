"""Column declarations: name, type, description, unit, RVTools header, history.

Each table module declares its columns next to the code that fills them.  The
same declarations give the DataFrame its columns and dtypes, generate
``docs/tables.md``, feed Excel headers and dashboard tooltips, and tell the
history (``vcompanion/history``) what to remember: a column marked
``history=TRACKED`` is kept in the change log (each change of its value is a
change row, and ``as_of`` shows it), one marked ``CAPACITY`` is sampled as a
capacity series at every recording, ``IDENTITY`` is kept with every object
without being a change of its own.  A table whose ``Table.history`` names a
kind (``vm``, ``host`` ...) is recorded; a new marked column is remembered
without touching the recorder.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

log = logging.getLogger(__name__)

# The pandas dtypes used by vCompanion tables.  Nullable types everywhere, so
# "unknown" stays distinguishable from 0 / False / "".
STRING = "string"
INT = "Int64"
FLOAT = "Float64"
BOOL = "boolean"
TIME = "datetime64[ns, UTC]"
LIST = "object"  # a Python list of str in every row (empty list when none)
# Text repeated over many rows (the long metrics frame): pandas categories.
CATEGORY = "category"

# What the history does with a column (``Column.history``).
IDENTITY = "identity"            # kept with every object (vcenter, moid, UUIDs)
TRACKED = "tracked"              # in the change log and in as_of()
CAPACITY = "capacity"            # sampled as a capacity series at every recording
TRACKED_CAPACITY = "tracked+capacity"  # both
_HISTORY = (None, IDENTITY, TRACKED, CAPACITY, TRACKED_CAPACITY)

_TYPE_DOC = {STRING: "text", INT: "integer", FLOAT: "number", BOOL: "true/false",
             TIME: "UTC timestamp", LIST: "list of text", CATEGORY: "text (category)"}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    description: str
    unit: str = ""
    rvtools: str | None = None  # the RVTools column header, where RVTools has one
    # An enumeration's values (tables/enums.py): anything else is kept as text
    # and logged once (Table.frame).
    values: tuple[str, ...] = ()
    history: str | None = None  # IDENTITY, TRACKED, CAPACITY or TRACKED_CAPACITY

    def __post_init__(self):
        if self.history not in _HISTORY:
            raise ValueError(f"column {self.name}: history must be one of {_HISTORY}")

    @property
    def type_doc(self) -> str:
        return _TYPE_DOC[self.dtype]

    @property
    def tracked(self) -> bool:
        """Kept in the change log (and shown by ``as_of``)."""
        return self.history in (TRACKED, TRACKED_CAPACITY)

    @property
    def sampled(self) -> bool:
        """Sampled as a capacity series."""
        return self.history in (CAPACITY, TRACKED_CAPACITY)



# Columns every inventory object table ends with (in this order where it has all three).
LABELS = (
    Column("tags", LIST, "Tags as Category:Tag (vSphere Automation API; empty where "
           "tags are unavailable: see status())."),
    Column("attributes", LIST, "Custom attributes as Name=value (one column each in "
           "the workbook)."),
)
MOID = Column("moid", STRING, "Managed object id, unique within the vCenter.", history=IDENTITY)


@dataclass(frozen=True)
class Table:
    """A table: its columns and what each row is."""

    name: str
    row: str  # "one row per ..."
    columns: tuple[Column, ...]
    sort: tuple[str, ...] = ("vcenter", "name")
    brief: tuple[str, ...] = ()  # columns shown by default in `--format table`
    doc: str = ""  # where the table comes from, for docs/tables.md
    history: str | None = None  # the kind the history records rows as (vm, host ...)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def brief_names(self) -> list[str]:
        return list(self.brief) or self.names[:8]

    @property
    def kept(self) -> list[Column]:
        """The columns the history keeps per object: identity and tracked."""
        return [c for c in self.columns if c.tracked or c.history == IDENTITY]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        """A DataFrame of ``rows`` with exactly the declared columns and dtypes."""
        data = {}
        for c in self.columns:
            values = [row.get(c.name) for row in rows]
            if c.values:
                _check_values(self.name, c, values, rows)
            if c.dtype == LIST:
                values = [v if v is not None else [] for v in values]
                data[c.name] = pd.Series(values, dtype=object)
            elif c.dtype == TIME:
                data[c.name] = pd.to_datetime(pd.Series(values, dtype=object),
                                              utc=True).astype(TIME)
            elif c.dtype == CATEGORY:
                data[c.name] = pd.Series(values, dtype=object).astype(
                    pd.CategoricalDtype([str(v) for v in dict.fromkeys(values)
                                         if v is not None]))
            else:
                data[c.name] = pd.Series(values, dtype=c.dtype if rows else c.dtype)
        frame = pd.DataFrame(data, columns=self.names)
        sort = [k for k in self.sort if k in frame.columns]
        if sort and len(frame):
            frame = frame.sort_values(sort, kind="stable", key=_sort_key)
        return frame.reset_index(drop=True)

    def empty(self) -> pd.DataFrame:
        return self.frame([])

    def columns_frame(self, columns: dict[str, Any], length: int) -> pd.DataFrame:
        """A DataFrame from whole columns (arrays, Categoricals), in the order given.

        For frames of millions of rows, where ``frame`` (a dict per row) is too
        slow: every declared column must be given, already of its dtype or
        convertible to it; rows are not sorted.
        """
        data = {}
        for c in self.columns:
            values = columns[c.name]
            if c.dtype == CATEGORY and not isinstance(values, pd.Categorical):
                values = pd.Categorical(values)
            series = values if isinstance(values, pd.Series) else pd.Series(values,
                                                                              copy=False)
            if len(series) != length:
                raise ValueError(f"{self.name}.{c.name}: {len(series)} values, "
                                 f"{length} rows")
            if c.dtype != CATEGORY and str(series.dtype) != c.dtype:
                series = series.astype(c.dtype)
            data[c.name] = series
        return pd.DataFrame(data, columns=self.names, copy=False)


# Values outside a column's enumeration already logged, per "table.column";
# a column logs at most this many different ones (a hostile vCenter could send
# a new one in every row).
_UNEXPECTED: dict[str, set] = {}
_UNEXPECTED_LOGGED = 20
_OVERFLOWED: set[str] = set()
_unexpected_lock = threading.Lock()


def _check_values(table: str, column: Column, values: list, rows: list[dict]) -> None:
    """Log, once per value, what a vCenter sent outside ``column``'s enumeration."""
    allowed = column.values
    odd = {v if isinstance(v, str) else repr(v) for v in values
           if v is not None and v not in allowed}
    if not odd:
        return
    key = f"{table}.{column.name}"
    with _unexpected_lock:
        seen = _UNEXPECTED.setdefault(key, set())
        unseen = sorted((v for v in odd if v not in seen), key=str)
        new = unseen[:max(0, _UNEXPECTED_LOGGED - len(seen))]
        seen.update(new)
        overflow = len(unseen) > len(new) and key not in _OVERFLOWED
        if overflow:
            _OVERFLOWED.add(key)
    for value in new:
        vcenter = next((r.get("vcenter") for r in rows if r.get(column.name) == value),
                       None)
        log.warning("vCenter %r sent %s = %.200r, not one of %s: kept as text",
                    vcenter, key, value, ", ".join(allowed))
    if overflow:
        log.warning("%s: more values outside its enumeration; not logged", key)


# How column names read as titles: one rule for the dashboards, the workbooks
# and the docs.  "{size}" stands for the unit sizes are shown in: GiB on the
# pages, MiB in the workbooks (as RVTools).
_WORDS = {"ip": "IP", "ips": "IPs", "mac": "MAC", "cpu": "CPU", "vm": "VM", "vms": "VMs",
          "os": "OS", "mhz": "MHz", "uuid": "UUID", "moid": "MoRef", "id": "ID",
          "ha": "HA", "drs": "DRS", "hw": "HW", "dns": "DNS", "url": "URL",
          "vlan": "VLAN", "bios": "BIOS", "pct": "%", "mb": "MiB", "gb": "{size}",
          "bytes": "{size}", "vcenter": "vCenter", "nics": "NICs", "iso": "ISO",
          "kbps": "KB/s", "costop": "co-stop", "swapin": "swap-in",
          "ms": "ms"}
# Titles the word rule would word badly: by column name, or "table.column".
_TITLES = {
    "vcenter": "vCenter", "num_cpu": "vCPUs", "num_nics": "NICs", "num_disks": "Disks",
    "primary_ip": "Primary IP", "guest_hostname": "Guest host name",
    "cpu_usage_mhz": "CPU MHz used", "cpu_capacity_mhz": "CPU MHz total",
    "memory_usage_gb": "Memory {size} used", "memory_capacity_gb": "Memory {size} total",
    "ha_enabled": "HA", "drs_enabled": "DRS", "drs_behavior": "DRS automation",
    "in_maintenance": "Maintenance", "config_issue_messages": "Config issue text",
    "is_template": "Template", "is_current": "Current",
    "vms.vm_path": "Path", "snapshots.vm_power_state": "VM powerstate now",
    "performance_vms.num_cpu": "CPUs", "net_usage_kbps": "Network KB/s",
    "interval": "Interval seconds",
}


def title(name: str, table: str = "", sizes: str = "MiB") -> str:
    """The title people read for column ``name`` of ``table``.

    The dashboards, the workbooks (where RVTools has no header of its own:
    ``Column.rvtools`` comes first there) and the docs all use it.  ``sizes``:
    the unit byte and GiB columns are shown in.
    """
    text = _TITLES.get(f"{table}.{name}") or _TITLES.get(name)
    if text is None and name.endswith("_max"):  # a window's maximum
        return title(name.removesuffix("_max"), table, sizes) + " max"
    if text is None:
        words = name.split("_")
        if len(words) > 1 and words[-1] == "count":
            text = " ".join(_WORDS.get(w, w) for w in words[:-1])
            text = "# " + text[0].upper() + text[1:] + ("" if text.endswith("s") else "s")
        else:
            text = " ".join(_WORDS.get(w, w) for w in words)
            text = text[0].upper() + text[1:]
    return text.replace("{size}", sizes)


def _sort_key(series: pd.Series) -> pd.Series:
    if series.dtype == STRING:
        return series.str.lower()
    return series


def docs_markdown(tables: list[Table]) -> str:
    """docs/tables.md: every table's columns, generated from the declarations."""
    lines = ["# Table reference", "",
             "<!-- Generated from the column declarations in vcompanion/tables/ by "
             "`vcompanion docs tables`; do not edit by hand. -->", "",
             "Every library method (`vc.vms()`, `vc.hosts()`, ...) and every "
             "`vcompanion inventory KIND` returns one of these tables. Every table "
             "has a `vcenter` column holding the configured vCenter name. "
             "Enumerations keep vSphere's own values (`poweredOn`, `connected`, "
             "`guestToolsRunning`, `red`, ...), as in the vSphere API reference; "
             "a value a vCenter sends outside the list shown is kept as text and "
             "logged once.", "",
             "`vms` and the other inventory tables come from one bulk read per "
             "vCenter, custom attributes (`attributes`, and the `attributes` column) "
             "included. `nics`, `cdroms` and `disks` come from every VM's device "
             "list, the bulkiest part of a VM: it is read in one more bulk request "
             "the first time one of them (or a search for a MAC address, or the "
             "problems) is asked for. Tags (`tags`, and the `tags` column of `vms`, "
             "`hosts`, `datastores`, `clusters` and `networks`) come from the vSphere "
             "Automation REST API, read once per collection when first asked for; a "
             "vCenter whose tagging service fails keeps its other data and says "
             "\"tags unavailable: ...\" in `status()`. Snapshot sizes come from the "
             "file layout of the VMs that have snapshots, read in one call when "
             "`snapshots` is first asked for.", "",
             "`metrics` and the `performance_*` tables come from vCenter's performance "
             "statistics, read when asked for (`vc.metrics()`, `vc.performance()`; "
             "see docs/metrics.md).", ""]
    for table in tables:
        lines += [f"## `{table.name}`", "", f"One row per {table.row}."
                  + (f" {table.doc}" if table.doc else ""), "",
                  "| Column | Type | Unit | RVTools | Description |",
                  "|---|---|---|---|---|"]
        for c in table.columns:
            values = (" One of: " + ", ".join(f"`{v}`" for v in c.values) + "."
                      if c.values else "")
            lines.append(f"| `{c.name}` | {c.type_doc} | {c.unit} | {c.rvtools or ''} "
                         f"| {c.description}{values} |")
        lines.append("")
        if table.history:
            tracked = ", ".join(f"`{c.name}`" for c in table.columns if c.tracked)
            sampled = ", ".join(f"`{c.name}`" for c in table.columns if c.sampled)
            lines += [f"History (docs/history.md): every change of {tracked} is kept "
                      f"in the change log (kind `{table.history}`)"
                      + (f"; {sampled} are sampled as capacity series" if sampled else "")
                      + ".", ""]
    return "\n".join(lines).rstrip() + "\n"


Builder = Callable[..., list[dict[str, Any]]]
