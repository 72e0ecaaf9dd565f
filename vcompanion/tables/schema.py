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

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

# The pandas dtypes used by vCompanion tables.  Nullable types everywhere, so
# "unknown" stays distinguishable from 0 / False / "".
STRING = "string"
INT = "Int64"
FLOAT = "Float64"
BOOL = "boolean"
TIME = "datetime64[ns, UTC]"
LIST = "object"  # a Python list of str in every row (empty list when none)

# What the history does with a column (``Column.history``).
IDENTITY = "identity"            # kept with every object (vcenter, moid, UUIDs)
TRACKED = "tracked"              # in the change log and in as_of()
CAPACITY = "capacity"            # sampled as a capacity series at every recording
TRACKED_CAPACITY = "tracked+capacity"  # both
_HISTORY = (None, IDENTITY, TRACKED, CAPACITY, TRACKED_CAPACITY)

_TYPE_DOC = {STRING: "text", INT: "integer", FLOAT: "number", BOOL: "true/false",
             TIME: "UTC timestamp", LIST: "list of text"}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    description: str
    unit: str = ""
    rvtools: str | None = None  # the RVTools column header, where RVTools has one
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


@dataclass(frozen=True)
class Table:
    """A table: its columns and what each row is."""

    name: str
    row: str  # "one row per ..."
    columns: tuple[Column, ...]
    sort: tuple[str, ...] = ("vcenter", "name")
    brief: tuple[str, ...] = ()  # columns shown by default in `--format table`
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
            if c.dtype == LIST:
                values = [v if v is not None else [] for v in values]
                data[c.name] = pd.Series(values, dtype=object)
            elif c.dtype == TIME:
                data[c.name] = pd.to_datetime(pd.Series(values, dtype=object),
                                              utc=True).astype(TIME)
            else:
                data[c.name] = pd.Series(values, dtype=c.dtype if rows else c.dtype)
        frame = pd.DataFrame(data, columns=self.names)
        sort = [k for k in self.sort if k in frame.columns]
        if sort and len(frame):
            frame = frame.sort_values(sort, kind="stable", key=_sort_key)
        return frame.reset_index(drop=True)

    def empty(self) -> pd.DataFrame:
        return self.frame([])


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
             "`guestToolsRunning`, `red`, ...), as in the vSphere API reference.", "",
             "`vms` and the other inventory tables come from one bulk read per "
             "vCenter. `nics` and `cdroms` come from every VM's device list, the "
             "bulkiest part of a VM: it is read in one more bulk request the first "
             "time one of them (or a search for a MAC address, or the problems) is "
             "asked for.", ""]
    for table in tables:
        lines += [f"## `{table.name}`", "", f"One row per {table.row}.", "",
                  "| Column | Type | Unit | RVTools | Description |",
                  "|---|---|---|---|---|"]
        for c in table.columns:
            lines.append(f"| `{c.name}` | {c.type_doc} | {c.unit} | {c.rvtools or ''} "
                         f"| {c.description} |")
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
