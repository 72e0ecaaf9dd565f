"""datastores: one row per datastore, RVTools' vDatastore."""

from __future__ import annotations

from pyVmomi import vim

from . import enums
from .context import Inventory, as_list, attribute_labels, get, own_alarm_count, tag_labels
from .schema import (BOOL, CAPACITY, FLOAT, IDENTITY, INT, LABELS, LIST, MOID, STRING, TRACKED,
                     TRACKED_CAPACITY, Column, Table)

PARTS = ("tags",)  # the tags column (see tables.PARTS)
PATHS = {vim.Datastore: [
    "name", "customValue", "parent", "host", "vm", "overallStatus", "triggeredAlarmState",
    "summary.type", "summary.capacity", "summary.freeSpace", "summary.uncommitted",
    "summary.accessible", "summary.maintenanceMode", "summary.url",
]}

TABLE = Table("datastores", "datastore", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server",
           history=IDENTITY),
    Column("name", STRING, "Datastore name.", rvtools="Name", history=TRACKED),
    Column("datacenter", STRING, "Datacenter.", rvtools="Datacenter"),
    Column("type", STRING, "VMFS, NFS, NFS41, vsan, VVOL, ...", rvtools="Type", history=TRACKED),
    Column("capacity_bytes", INT, "Capacity.", "bytes", rvtools="Capacity MiB",
           history=TRACKED_CAPACITY),
    Column("free_bytes", INT, "Free space.", "bytes", rvtools="Free MiB", history=CAPACITY),
    Column("used_bytes", INT, "Space in use (capacity - free).", "bytes",
           rvtools="In Use MiB"),
    Column("provisioned_bytes", INT, "Space promised to VMs (used + uncommitted).",
           "bytes", rvtools="Provisioned MiB", history=CAPACITY),
    Column("free_pct", FLOAT, "Free space as a share of capacity.", "%", rvtools="Free %"),
    Column("provisioned_pct", FLOAT, "Provisioned space as a share of capacity "
           "(over 100 means overcommitted).", "%"),
    Column("accessible", BOOL, "Reachable from vCenter.", rvtools="Accessible", history=TRACKED),
    Column("maintenance_mode", STRING, "Datastore maintenance mode.",
           values=enums.DATASTORE_MAINTENANCE),
    Column("url", STRING, "Datastore URL.", rvtools="URL"),
    Column("host_count", INT, "Hosts that mount it.", rvtools="# Hosts"),
    Column("hosts", LIST, "Names of those hosts."),
    Column("vm_count", INT, "VMs with files on it.", rvtools="# VMs"),
    Column("overall_status", STRING, "vCenter's health colour.", values=enums.STATUS),
    Column("alarm_count", INT, "Triggered alarms on the datastore."),
    *LABELS,
    MOID,
), brief=("vcenter", "name", "type", "capacity_bytes", "free_bytes", "free_pct",
          "accessible", "host_count", "vm_count"),
   history="datastore")


def build(inv: Inventory) -> list[dict]:
    rows = []
    for oid, p in inv.of("Datastore").items():
        if "name" not in p:
            continue
        capacity = p.get("summary.capacity")
        free = p.get("summary.freeSpace")
        used = capacity - free if capacity is not None and free is not None else None
        provisioned = (used + (p.get("summary.uncommitted") or 0)
                       if used is not None else None)
        rows.append({
            "vcenter": inv.vcenter,
            "name": p["name"],
            "datacenter": inv.datacenter(oid),
            "type": p.get("summary.type"),
            "capacity_bytes": capacity,
            "free_bytes": free,
            "used_bytes": used,
            "provisioned_bytes": provisioned,
            "free_pct": 100 * free / capacity if capacity and free is not None else None,
            "provisioned_pct": (100 * provisioned / capacity
                                if capacity and provisioned is not None else None),
            "accessible": p.get("summary.accessible"),
            "maintenance_mode": p.get("summary.maintenanceMode"),
            "url": p.get("summary.url"),
            "host_count": len(as_list(p.get("host"))),
            "hosts": sorted(filter(None, (inv.name(get(m, "key"))
                                          for m in as_list(p.get("host"))))),
            "vm_count": len(as_list(p.get("vm"))),
            "overall_status": p.get("overallStatus"),
            "alarm_count": own_alarm_count(p, oid),
            "tags": tag_labels(inv, oid),
            "attributes": attribute_labels(inv, p),
            "moid": oid,
        })
    return rows
