"""hosts: one row per ESXi host, RVTools' vHost."""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, attribute_labels, get, own_alarm_count, tag_labels, utc
from . import enums
from .schema import (BOOL, CAPACITY, FLOAT, IDENTITY, INT, LABELS, LIST, MOID, STRING, TIME,
                     TRACKED, Column, Table)

GIB = 1024 ** 3

PARTS = ("tags",)  # the tags column (see tables.PARTS)
PATHS = {vim.HostSystem: [
    "name", "customValue", "parent", "vm", "datastore", "overallStatus", "configIssue",
    "triggeredAlarmState",
    "runtime.connectionState", "runtime.inMaintenanceMode", "runtime.powerState",
    "runtime.bootTime",
    "summary.config.product.version", "summary.config.product.build",
    "summary.config.product.fullName",
    "summary.hardware.vendor", "summary.hardware.model", "summary.hardware.cpuModel",
    "summary.hardware.cpuMhz", "summary.hardware.numCpuPkgs",
    "summary.hardware.numCpuCores", "summary.hardware.numCpuThreads",
    "summary.hardware.memorySize",
    "summary.quickStats.overallCpuUsage", "summary.quickStats.overallMemoryUsage",
    "summary.quickStats.uptime",
    "config.network.portgroup",
]}

TABLE = Table("hosts", "ESXi host", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server",
           history=IDENTITY),
    Column("name", STRING, "Host name as registered in vCenter.", rvtools="Host", history=TRACKED),
    Column("connection_state", STRING, "Connection between vCenter and the host.",
           values=enums.HOST_CONNECTION, history=TRACKED),
    Column("in_maintenance", BOOL, "In maintenance mode.", rvtools="in Maintenance Mode",
           history=TRACKED),
    Column("power_state", STRING, "Power state.", values=enums.HOST_POWER),
    Column("cluster", STRING, "Cluster (empty for a standalone host).", rvtools="Cluster",
           history=TRACKED),
    Column("datacenter", STRING, "Datacenter.", rvtools="Datacenter"),
    Column("version", STRING, "ESXi version.", rvtools="ESX Version", history=TRACKED),
    Column("build", STRING, "ESXi build number.", history=TRACKED),
    Column("product", STRING, "Full product name and build."),
    Column("vendor", STRING, "Hardware vendor.", rvtools="Vendor"),
    Column("model", STRING, "Hardware model.", rvtools="Model"),
    Column("cpu_model", STRING, "CPU model.", rvtools="CPU Model"),
    Column("cpu_sockets", INT, "CPU packages.", rvtools="# CPU"),
    Column("cpu_cores", INT, "Physical CPU cores.", rvtools="# Cores"),
    Column("cpu_threads", INT, "CPU threads."),
    Column("cpu_mhz", INT, "Speed of one core.", "MHz", rvtools="Speed"),
    Column("cpu_capacity_mhz", INT, "cores x speed.", "MHz"),
    Column("cpu_usage_mhz", INT, "CPU in use.", "MHz", history=CAPACITY),
    Column("cpu_usage_pct", FLOAT, "CPU in use.", "%", rvtools="CPU usage %"),
    Column("memory_gb", FLOAT, "Physical memory.", "GiB", rvtools="# Memory"),
    Column("memory_usage_gb", FLOAT, "Memory in use.", "GiB", history=CAPACITY),
    Column("memory_usage_pct", FLOAT, "Memory in use.", "%", rvtools="Memory usage %"),
    Column("vm_count", INT, "VMs registered on the host.", rvtools="# VMs"),
    Column("datastore_count", INT, "Datastores mounted."),
    Column("boot_time", TIME, "Last boot.", rvtools="Boot time"),
    Column("uptime_hours", FLOAT, "Hours since the last boot.", "h"),
    Column("overall_status", STRING, "vCenter's health colour.", values=enums.STATUS),
    Column("config_issues", INT, "Configuration issues vCenter reports for the host."),
    Column("config_issue_messages", LIST, "Those issues, as vCenter words them."),
    Column("alarm_count", INT, "Triggered alarms on the host."),
    *LABELS,
    MOID,
), brief=("vcenter", "name", "connection_state", "in_maintenance", "cluster", "version",
          "cpu_usage_pct", "memory_usage_pct", "vm_count", "overall_status"),
   history="host")


def build(inv: Inventory) -> list[dict]:
    now = inv.collected_at
    rows = []
    for oid, p in inv.of("HostSystem").items():
        if "name" not in p:
            continue
        cores = p.get("summary.hardware.numCpuCores")
        mhz = p.get("summary.hardware.cpuMhz")
        capacity = cores * mhz if cores and mhz else None
        cpu_used = p.get("summary.quickStats.overallCpuUsage")
        memory = p.get("summary.hardware.memorySize")
        mem_used_mb = p.get("summary.quickStats.overallMemoryUsage")
        connected = p.get("runtime.connectionState") == "connected"
        boot = utc(p.get("runtime.bootTime"))
        uptime = p.get("summary.quickStats.uptime")
        if uptime is not None and connected:
            uptime_hours = uptime / 3600
        elif boot is not None and connected:
            uptime_hours = (now - boot).total_seconds() / 3600
        else:
            uptime_hours = None
        rows.append({
            "vcenter": inv.vcenter,
            "name": p["name"],
            "connection_state": p.get("runtime.connectionState"),
            "in_maintenance": p.get("runtime.inMaintenanceMode"),
            "power_state": p.get("runtime.powerState"),
            "cluster": inv.cluster_of_host(oid),
            "datacenter": inv.datacenter(oid),
            "version": p.get("summary.config.product.version"),
            "build": p.get("summary.config.product.build"),
            "product": p.get("summary.config.product.fullName"),
            "vendor": p.get("summary.hardware.vendor"),
            "model": p.get("summary.hardware.model"),
            "cpu_model": p.get("summary.hardware.cpuModel"),
            "cpu_sockets": p.get("summary.hardware.numCpuPkgs"),
            "cpu_cores": cores,
            "cpu_threads": p.get("summary.hardware.numCpuThreads"),
            "cpu_mhz": mhz,
            "cpu_capacity_mhz": capacity,
            "cpu_usage_mhz": cpu_used if connected else None,
            "cpu_usage_pct": (100 * cpu_used / capacity
                              if connected and capacity and cpu_used is not None
                              else None),
            "memory_gb": memory / GIB if memory else None,
            "memory_usage_gb": mem_used_mb / 1024 if connected and mem_used_mb
            is not None else None,
            "memory_usage_pct": (100 * mem_used_mb * 1024 * 1024 / memory
                                 if connected and memory and mem_used_mb is not None
                                 else None),
            "vm_count": len(as_list(p.get("vm"))),
            "datastore_count": len(as_list(p.get("datastore"))),
            "boot_time": boot,
            "uptime_hours": uptime_hours,
            "overall_status": p.get("overallStatus"),
            "config_issues": len(as_list(p.get("configIssue"))),
            "config_issue_messages": [
                (get(i, "fullFormattedMessage") or getattr(i, "_wsdlName", "issue")).strip()
                for i in as_list(p.get("configIssue"))],
            "alarm_count": own_alarm_count(p, oid),
            "tags": tag_labels(inv, oid),
            "attributes": attribute_labels(inv, p),
            "moid": oid,
        })
    return rows


def portgroup_vlans(inv: Inventory) -> dict[str, set[int]]:
    """Standard portgroup name -> VLAN ids seen on the hosts."""
    vlans: dict[str, set[int]] = {}
    for p in inv.of("HostSystem").values():
        for pg in as_list(p.get("config.network.portgroup")):
            name = get(pg, "spec.name")
            vlan = get(pg, "spec.vlanId")
            if name is not None and vlan is not None:
                vlans.setdefault(name, set()).add(vlan)
    return vlans


