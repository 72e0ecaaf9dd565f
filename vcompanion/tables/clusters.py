"""clusters: one row per cluster, RVTools' vCluster."""

from __future__ import annotations

from pyVmomi import vim

from . import enums
from .context import Inventory, as_list, attribute_labels, get, moid, own_alarm_count, tag_labels
from .schema import (BOOL, CAPACITY, FLOAT, IDENTITY, INT, LABELS, MOID, STRING, TRACKED,
                     TRACKED_CAPACITY, Column, Table)

GIB = 1024 ** 3

PARTS = ("tags",)  # the tags column (see tables.PARTS)
PATHS = {vim.ClusterComputeResource: [
    "name", "customValue", "parent", "host", "overallStatus", "triggeredAlarmState",
    "summary.numHosts", "summary.numEffectiveHosts", "summary.totalCpu",
    "summary.totalMemory", "summary.effectiveCpu", "summary.effectiveMemory",
    "configurationEx",
]}

TABLE = Table("clusters", "cluster", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server",
           history=IDENTITY),
    Column("name", STRING, "Cluster name.", rvtools="Name", history=TRACKED),
    Column("datacenter", STRING, "Datacenter.", rvtools="Datacenter"),
    Column("host_count", INT, "Hosts in the cluster.", rvtools="NumHosts",
           history=TRACKED_CAPACITY),
    Column("effective_host_count", INT, "Hosts available to run VMs.",
           rvtools="numEffectiveHosts"),
    Column("vm_count", INT, "VMs running on the cluster's hosts.", history=CAPACITY),
    Column("cpu_capacity_mhz", INT, "Total CPU of the hosts.", "MHz", rvtools="TotalCpu",
           history=CAPACITY),
    Column("cpu_usage_mhz", INT, "CPU in use on the connected hosts.", "MHz", history=CAPACITY),
    Column("cpu_usage_pct", FLOAT, "CPU in use.", "%"),
    Column("memory_capacity_gb", FLOAT, "Total memory of the hosts.", "GiB",
           rvtools="TotalMemory", history=CAPACITY),
    Column("memory_usage_gb", FLOAT, "Memory in use on the connected hosts.", "GiB",
           history=CAPACITY),
    Column("memory_usage_pct", FLOAT, "Memory in use.", "%"),
    Column("ha_enabled", BOOL, "vSphere HA turned on.", rvtools="HA enabled", history=TRACKED),
    Column("drs_enabled", BOOL, "DRS turned on.", rvtools="DRS enabled", history=TRACKED),
    Column("drs_behavior", STRING, "DRS automation level for VMs.",
           rvtools="DRS default VM behavior", values=enums.DRS_BEHAVIOR),
    Column("overall_status", STRING, "vCenter's health colour.",
           rvtools="OverallStatus", values=enums.STATUS),
    Column("alarm_count", INT, "Triggered alarms on the cluster."),
    *LABELS,
    MOID,
), brief=("vcenter", "name", "datacenter", "host_count", "vm_count", "cpu_usage_pct",
          "memory_usage_pct", "ha_enabled", "drs_enabled", "overall_status"),
   history="cluster")


def build(inv: Inventory) -> list[dict]:
    hosts = inv.of("HostSystem")
    rows = []
    for oid, p in inv.of("ClusterComputeResource").items():
        if "name" not in p:
            continue
        members = [hosts.get(moid(h), {}) for h in as_list(p.get("host"))]
        connected = [h for h in members
                     if h.get("runtime.connectionState") == "connected"]
        cpu_used = sum(h.get("summary.quickStats.overallCpuUsage") or 0 for h in connected)
        mem_used_mb = sum(h.get("summary.quickStats.overallMemoryUsage") or 0
                          for h in connected)
        cpu_total = p.get("summary.totalCpu")
        mem_total = p.get("summary.totalMemory")
        config = p.get("configurationEx")
        rows.append({
            "vcenter": inv.vcenter,
            "name": p["name"],
            "datacenter": inv.datacenter(oid),
            "host_count": p.get("summary.numHosts", len(members)),
            "effective_host_count": p.get("summary.numEffectiveHosts"),
            "vm_count": sum(len(as_list(h.get("vm"))) for h in members),
            "cpu_capacity_mhz": cpu_total,
            "cpu_usage_mhz": cpu_used,
            "cpu_usage_pct": 100 * cpu_used / cpu_total if cpu_total else None,
            "memory_capacity_gb": mem_total / GIB if mem_total else None,
            "memory_usage_gb": mem_used_mb / 1024,
            "memory_usage_pct": (100 * mem_used_mb * 1024 * 1024 / mem_total
                                 if mem_total else None),
            "ha_enabled": get(config, "dasConfig.enabled"),
            "drs_enabled": get(config, "drsConfig.enabled"),
            "drs_behavior": get(config, "drsConfig.defaultVmBehavior"),
            "overall_status": p.get("overallStatus"),
            "alarm_count": own_alarm_count(p, oid),
            "tags": tag_labels(inv, oid),
            "attributes": attribute_labels(inv, p),
            "moid": oid,
        })
    return rows
