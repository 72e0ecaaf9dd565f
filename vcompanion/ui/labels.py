"""Friendly words for vSphere's enumeration values and numbers, for the UI only.

The library and its exports keep vSphere's own values (``poweredOn``,
``guestToolsRunning``, ``red``); people reading a dashboard get "Powered on",
"Running" and "Critical".  ``friendly(column, value)`` translates one value,
``display_frame`` a whole table for a Tabulator.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pandas as pd

from ..tables.schema import BOOL, FLOAT, INT, LIST, STRING, TIME, Table
from ..tables.schema import title as schema_title

POWER = {"poweredOn": "Powered on", "poweredOff": "Powered off",
         "suspended": "Suspended", "standBy": "Standby", "unknown": "Unknown"}
CONNECTION = {"connected": "Connected", "disconnected": "Disconnected",
              "notResponding": "Not responding", "orphaned": "Orphaned",
              "inaccessible": "Inaccessible", "invalid": "Invalid"}
HEALTH = {"green": "Normal", "yellow": "Warning", "red": "Critical", "gray": "Unknown"}
TOOLS = {"toolsOk": "OK", "toolsOld": "Out of date", "toolsNotRunning": "Not running",
         "toolsNotInstalled": "Not installed"}
TOOLS_RUNNING = {"guestToolsRunning": "Running", "guestToolsNotRunning": "Not running",
                 "guestToolsExecutingScripts": "Executing scripts"}
TOOLS_VERSION = {"guestToolsCurrent": "Current", "guestToolsNeedUpgrade": "Upgrade available",
                 "guestToolsNotInstalled": "Not installed",
                 "guestToolsUnmanaged": "Guest managed (open-vm-tools)",
                 "guestToolsSupportedOld": "Supported, old",
                 "guestToolsSupportedNew": "Supported, newer",
                 "guestToolsTooOld": "Too old", "guestToolsTooNew": "Too new",
                 "guestToolsBlacklisted": "Blocked"}
GUEST_STATE = {"running": "Running", "notRunning": "Not running",
               "shuttingDown": "Shutting down", "resetting": "Resetting",
               "standby": "Standby", "unknown": "Unknown"}
MAINTENANCE = {"normal": "Normal", "enteringMaintenance": "Entering maintenance",
               "inMaintenance": "In maintenance"}
DRS = {"manual": "Manual", "partiallyAutomated": "Partially automated",
       "fullyAutomated": "Fully automated"}
SEVERITY = {"critical": "Critical", "warning": "Warning", "info": "Info"}
NETWORK_KIND = {"standard": "Standard", "distributed": "Distributed", "opaque": "Opaque"}
SEARCH_KIND = {"vm": "VM", "host": "Host", "datastore": "Datastore", "cluster": "Cluster",
               "network": "Network"}
VCENTER_STATUS = {"ok": "OK", "unreachable": "Unreachable", "tls error": "TLS error",
                  "authentication failed": "Login refused",
                  "no permission": "No permission", "collection failed": "Read failed",
                  "no credentials": "No credentials", "not connected": "Connecting",
                  "error": "Error"}

# Column name -> value map, as they appear in the library's tables.
BY_COLUMN: dict[str, dict[str, str]] = {
    "power_state": POWER, "vm_power_state": POWER, "state": POWER,
    "connection_state": CONNECTION, "overall_status": HEALTH, "config_status": HEALTH,
    "tools_status": TOOLS, "tools_running_status": TOOLS_RUNNING,
    "tools_version_status": TOOLS_VERSION, "guest_state": GUEST_STATE,
    "maintenance_mode": MAINTENANCE, "drs_behavior": DRS, "severity": SEVERITY,
}
# Same column name, different meaning per table.
BY_TABLE: dict[tuple[str, str], dict[str, str]] = {
    ("alarms", "status"): {"red": "Critical", "yellow": "Warning", "green": "Normal",
                           "gray": "Unknown"},
    ("networks", "kind"): NETWORK_KIND,
    ("search", "kind"): SEARCH_KIND,
    ("status", "status"): VCENTER_STATUS,
}


def title(column: str, table: str = "") -> str:
    """A column's header text on the pages (sizes in GiB, as they are shown)."""
    return schema_title(column, table, sizes="GiB")


def friendly(column: str, value, table: str = "") -> str:
    """One enumeration value in words (unknown values pass through)."""
    mapping = BY_TABLE.get((table, column)) or BY_COLUMN.get(column)
    if value is None or (isinstance(value, float) and math.isnan(value)) \
            or value is pd.NA:
        return ""
    if mapping is None:
        return str(value)
    return mapping.get(str(value), str(value))


def display_frame(frame: pd.DataFrame, table: Table | None = None,
                  name: str = "") -> pd.DataFrame:
    """A copy of ``frame`` ready for a Tabulator and a download.

    Lists become comma-separated text, enumerations friendly words,
    nullable integers plain floats (blank when unknown), times naive UTC,
    byte counts GiB.
    """
    name = name or (table.name if table else "")
    dtypes = {c.name: c.dtype for c in table.columns} if table else {}
    units = {c.name: c.unit for c in table.columns} if table else {}
    out = {}
    for column in frame.columns:
        series = frame[column]
        kind = dtypes.get(column)
        mapping = BY_TABLE.get((name, column)) or BY_COLUMN.get(column)
        if kind == LIST or (kind is None and series.dtype == object
                            and len(series) and isinstance(series.iloc[0], list)):
            out[column] = series.map(lambda v: ", ".join(map(str, v))
                                     if isinstance(v, (list, tuple)) else
                                     ("" if v is None else str(v))).astype(object)
        elif mapping is not None:
            out[column] = series.map(lambda v, m=mapping: _lookup(m, v)).astype(object)
        elif kind == TIME or str(series.dtype).startswith("datetime64"):
            out[column] = _naive_utc(series)
        elif units.get(column) == "bytes":
            out[column] = series.astype("float64") / 1024 ** 3
        elif kind in (INT, FLOAT) or str(series.dtype) in ("Int64", "Float64"):
            values = series.astype("float64")
            if column.endswith("_pct") or column in ("age_days", "uptime_hours"):
                values = values.round(1)
            out[column] = values
        elif kind == BOOL or str(series.dtype) == "boolean":
            out[column] = series.map(lambda v: "" if v is pd.NA or v is None
                                     else ("Yes" if v else "No")).astype(object)
        elif kind == STRING or str(series.dtype) == "string":
            out[column] = series.astype(object).where(series.notna(), "")
        else:
            out[column] = series
    return pd.DataFrame(out, index=frame.index)


def _lookup(mapping: dict, value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return mapping.get(str(value), str(value))


def _naive_utc(series: pd.Series) -> pd.Series:
    series = pd.to_datetime(series, utc=True)
    return series.dt.tz_convert("UTC").dt.tz_localize(None)


# --- numbers and times -------------------------------------------------------------

def size(num_bytes) -> str:
    """Bytes as the largest fitting binary unit: 1.2 TiB, 640 GiB."""
    if num_bytes is None or num_bytes is pd.NA or (isinstance(num_bytes, float)
                                                    and math.isnan(num_bytes)):
        return "–"
    value = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:,.0f} {unit}" if unit == "B" or value >= 100 \
                else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} PiB"


def count(value) -> str:
    if value is None or value is pd.NA:
        return "–"
    return f"{int(value):,}"


def age(days) -> str:
    """An age in days as '3 h', '5 d', '7 mo', '2.1 y'."""
    if days is None or days is pd.NA or (isinstance(days, float) and math.isnan(days)):
        return "–"
    days = float(days)
    if days < 1:
        return f"{max(days * 24, 0):.0f} h"
    if days < 60:
        return f"{days:.0f} d"
    if days < 730:
        return f"{days / 30.4:.0f} mo"
    return f"{days / 365.25:.1f} y"


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """How long ago: 'just now', '4 min ago', '2 h ago'."""
    if when is None or when is pd.NaT or (isinstance(when, float) and math.isnan(when)):
        return "never"
    now = now or datetime.now(timezone.utc)
    when = pd.Timestamp(when)
    if when.tzinfo is None:
        when = when.tz_localize("UTC")
    seconds = (pd.Timestamp(now) - when).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} d ago"


def utc_text(when) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM UTC' (empty when unknown)."""
    if when is None or when is pd.NaT:
        return ""
    when = pd.Timestamp(when)
    if when.tzinfo is None:
        when = when.tz_localize("UTC")
    return when.tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
