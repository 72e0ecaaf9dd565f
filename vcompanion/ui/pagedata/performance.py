"""The Performance page's data: statistics read from the login's Companion.

Unlike the inventory, statistics are not in the ``FrameSet``: the page reads
them itself, in a thread of its own, after every refresh (``read_figures``:
the VMs', hosts' and datastores' figures of the health rules' window, which
the problems read too: the Companion keeps one answer for
``metrics.cache_seconds``) and when a chart changes (``read_series``).  Only
vCenters of the FrameSet it was handed are read, so a user never reads a
vCenter their view leaves out.  The rest is pure shaping: the top VMs by a
figure (``top``), why a figure is missing per vCenter (``unavailable``), the
heat map's rows (``heat_rows``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from ...errors import VCompanionError
from ..links import object_url

log = logging.getLogger(__name__)

# The top tables: key, title, column of vc.performance("vms"), unit, only above 0.
TOPS = (
    ("ready", "CPU ready", "cpu_ready_pct", "%", False),
    ("costop", "Co-stop", "cpu_costop_pct", "%", True),
    ("balloon", "Balloon", "mem_balloon_mb", "MiB", True),
    ("swap", "Swapped", "mem_swapped_mb", "MiB", True),
    ("latency", "Disk latency", "disk_latency_ms", "ms", False),
)
WINDOWS = {"1h": "1h", "24h": "1d", "7d": "7d", "30d": "30d"}
# Charts per kind: (key, title, unit, [(counter, label)]).
CHARTS = {
    "hosts": (("usage", "CPU and memory", "%", [("cpu.usage.average", "CPU"),
                                                ("mem.usage.average", "Memory")]),
              ("latency", "Highest disk latency", "ms",
               [("disk.maxTotalLatency.latest", "Disk latency")])),
    "clusters": (("usage", "CPU and memory", "%", [("cpu.usage.average", "CPU"),
                                                   ("mem.usage.average", "Memory")]),),
    "datastores": (("latency", "Read and write latency", "ms",
                    [("datastore.totalReadLatency.average", "Read"),
                     ("datastore.totalWriteLatency.average", "Write")]),),
}


@dataclass
class Figures:
    """One read of the page's figures."""

    frames: dict[str, pd.DataFrame]          # vms, hosts, datastores (vc.performance)
    failures: dict[str, str] = field(default_factory=dict)  # vCenter -> why
    read_at: datetime | None = None


def visible_vcenters(frames) -> list[str]:
    """The FrameSet's vCenters that could be read (the only ones asked)."""
    status = frames.status
    if not len(status):
        return []
    return [str(v) for v in status.loc[status["status"] == "ok", "vcenter"]]


def read_figures(companion, vcenters: list[str], minutes: float) -> Figures:
    """The VMs', hosts' and datastores' figures of the last ``minutes``, quietly (a
    vCenter whose statistics fail is named in ``failures``, never as zeros)."""
    out, failures = {}, {}
    for kind in ("vms", "hosts", "datastores"):
        try:
            frame = companion.performance(kind, since=f"{minutes:g}m", quiet=True,
                                          vcenter=vcenters)
        except VCompanionError as exc:  # e.g. a vCenter removed from the config since
            log.warning("performance page: %s unavailable: %s", kind, exc)
            frame = pd.DataFrame()
            failures.update({v: str(exc) for v in vcenters})
        failures.update(frame.attrs.get("failures", {}))
        out[kind] = frame
    return Figures(out, failures, datetime.now(timezone.utc))


def read_series(companion, kind: str, vcenter: str, moid: str, window: str) -> pd.DataFrame:
    """One object's chart counters over ``window`` (1h, 24h, 7d, 30d)."""
    counters = [c for chart in CHARTS[kind] for c, _ in chart[3]]
    return companion.metrics(kind, counters=counters, since=WINDOWS[window], quiet=True,
                             vcenter=vcenter, moids=[moid])


def top(frame: pd.DataFrame, column: str, n: int, positive: bool) -> pd.DataFrame:
    """The ``n`` VMs with the highest ``column`` (only those above 0 if ``positive``)."""
    if frame.empty or column not in frame.columns:
        return frame.iloc[0:0]
    values = pd.to_numeric(frame[column], errors="coerce")
    keep = values.notna() & ((values > 0) if positive else True)
    return frame[keep].assign(_v=values[keep]).sort_values(
        "_v", ascending=False, kind="stable").head(n).drop(columns="_v")


_COLUMNS = re.compile(r"^[a-z][a-z0-9_]*(, [a-z][a-z0-9_]*)*$")


def _reason(missing, column: str) -> str | None:
    """Why ``column`` is empty, from a row's ``missing`` text (frames.summary: one
    reason for every figure, or "col, col: reason; col: reason")."""
    if not isinstance(missing, str) or not missing:
        return None
    columns, sep, reason = missing.partition(": ")
    if not (sep and _COLUMNS.match(columns) and "_" in columns):
        return missing  # one reason for every figure
    for part in missing.split("; "):
        columns, _, reason = part.partition(": ")
        if column in columns.split(", "):
            return reason
    return None


def unavailable(frame: pd.DataFrame, column: str, failures: dict[str, str],
                vcenters: list[str]) -> dict[str, str]:
    """vCenter -> why it has no ``column`` for any of its VMs (failed reads, a
    counter it lacks or does not collect); vCenters with some values are left out."""
    out = {v: "statistics could not be read" for v in vcenters if v in failures}
    if frame.empty or column not in frame.columns:
        return out
    for vcenter, rows in frame.groupby("vcenter", sort=False):
        if vcenter in out or rows[column].notna().any():
            continue
        reasons = [r for r in (_reason(m, column) for m in rows["missing"]) if r]
        common = max(set(reasons), key=reasons.count) if reasons else "no samples"
        out[str(vcenter)] = common
    return out


def heat_rows(hosts: pd.DataFrame, inventory: pd.DataFrame,
              vcenters: list[str]) -> list[dict]:
    """The heat map's hosts: every host of the inventory of ``vcenters`` (in their
    order, then by cluster and name), its CPU and memory use from ``hosts``
    (vc.performance) or why not."""
    inventory = inventory[inventory["vcenter"].isin(vcenters)]
    if inventory.empty:
        return []
    figures = {}
    if not hosts.empty:
        for r in hosts.to_dict("records"):
            figures[(r["vcenter"], r["moid"])] = r
    rank = {v: i for i, v in enumerate(vcenters)}
    ordered = inventory.assign(_r=inventory["vcenter"].map(rank),
                               _c=inventory["cluster"].fillna("~")).sort_values(
        ["_r", "_c", "name"], kind="stable")
    rows = []
    for r in ordered.to_dict("records"):
        f = figures.get((r["vcenter"], r["moid"]), {})
        why = f.get("missing") if isinstance(f.get("missing"), str) else None
        rows.append({"host": r["name"], "vcenter": r["vcenter"], "cluster": r["cluster"],
                     "cpu": f.get("cpu_usage_pct"), "memory": f.get("mem_usage_pct"),
                     "why": why or ("statistics not read" if not f else None),
                     "url": object_url(r["vcenter"], r["moid"])})
    return rows


__all__ = ["CHARTS", "TOPS", "WINDOWS", "Figures", "heat_rows", "read_figures",
           "read_series", "top", "unavailable", "visible_vcenters"]
