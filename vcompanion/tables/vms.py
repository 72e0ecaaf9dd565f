"""vms: one row per virtual machine (and template), RVTools' vInfo.

The ``tags`` column comes from the vSphere Automation API, read apart from
the inventory (``PARTS``); custom attributes come with the inventory
(``customValue``).
"""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, attribute_labels, get, own_alarm_count, tag_labels, utc
from . import enums
from .schema import BOOL, FLOAT, IDENTITY, INT, LABELS, LIST, STRING, TIME, TRACKED, Column, Table

GIB = 1024 ** 3
PARTS = ("tags",)  # built with Inventory.tags as well (see tables.PARTS)

# "summary.config.*" and "summary.guest.*" travel as two whole elements rather
# than seventeen propSets (see collection.COARSE).
PATHS = {vim.VirtualMachine: [
    "name", "parent", "resourcePool", "datastore", "network", "configStatus",
    "snapshot", "triggeredAlarmState", "customValue", "guest.net", "guest.guestState",
    "guest.toolsRunningStatus",
    "config.version",
    "summary.overallStatus",
    "summary.runtime.powerState", "summary.runtime.connectionState",
    "summary.runtime.host", "summary.runtime.consolidationNeeded",
    "summary.runtime.bootTime",
    "summary.guest.ipAddress", "summary.guest.hostName", "summary.guest.guestFullName",
    "summary.guest.toolsStatus", "summary.guest.toolsRunningStatus",
    "summary.guest.toolsVersionStatus2",
    "summary.config.numCpu", "summary.config.memorySizeMB",
    "summary.config.numEthernetCards", "summary.config.numVirtualDisks",
    "summary.config.guestFullName", "summary.config.guestId",
    "summary.config.template", "summary.config.vmPathName",
    "summary.config.instanceUuid", "summary.config.uuid", "summary.config.annotation",
    "summary.storage.committed", "summary.storage.uncommitted",
    "summary.quickStats.overallCpuUsage", "summary.quickStats.guestMemoryUsage",
    "summary.quickStats.uptimeSeconds",
]}

TABLE = Table("vms", "virtual machine or template", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server",
           history=IDENTITY),
    Column("name", STRING, "VM name.", rvtools="VM", history=TRACKED),
    Column("power_state", STRING, "Power state.", rvtools="Powerstate",
           values=enums.VM_POWER, history=TRACKED),
    Column("connection_state", STRING, "Whether vCenter can reach the VM's files and "
           "host.", rvtools="Connection state", values=enums.VM_CONNECTION),
    Column("ip_addresses", LIST, "Every IP address the guest reports on any NIC, "
           "IPv4 and IPv6 (needs VMware Tools).", history=TRACKED),
    Column("primary_ip", STRING, "The guest's primary IP address.",
           rvtools="Primary IP Address"),
    Column("mac_addresses", LIST, "MAC addresses the guest reports (needs VMware "
           "Tools); every adapter's MAC, powered on or not, is in nics."),
    Column("guest_hostname", STRING, "Host name reported by the guest.",
           rvtools="DNS Name"),
    Column("guest_os", STRING, "Guest OS as the guest reports it, else as configured.",
           rvtools="OS according to the VMware Tools", history=TRACKED),
    Column("configured_os", STRING, "Guest OS as configured in the VM.",
           rvtools="OS according to the configuration file"),
    Column("guest_id", STRING, "Configured guest OS identifier (e.g. windows2019srv_64Guest)."),
    Column("guest_state", STRING, "Guest OS state (VMware Tools).",
           rvtools="Guest state", values=enums.GUEST_STATE),
    Column("num_cpu", INT, "Virtual CPUs.", rvtools="CPUs", history=TRACKED),
    Column("memory_mb", INT, "Configured memory.", "MiB", rvtools="Memory", history=TRACKED),
    Column("num_nics", INT, "Virtual network adapters.", rvtools="NICs"),
    Column("num_disks", INT, "Virtual disks.", rvtools="Disks"),
    Column("host", STRING, "ESXi host the VM runs on.", rvtools="Host", history=TRACKED),
    Column("cluster", STRING, "Cluster of that host (empty for a standalone host).",
           rvtools="Cluster", history=TRACKED),
    Column("datacenter", STRING, "Datacenter.", rvtools="Datacenter"),
    Column("folder", STRING, "VM folder path below the datacenter.", rvtools="Folder",
           history=TRACKED),
    Column("resource_pool", STRING, "Resource pool (or vApp).", rvtools="Resource pool",
           history=TRACKED),
    Column("datastores", LIST, "Datastores holding the VM's files.", history=TRACKED),
    Column("networks", LIST, "Networks the VM is attached to.", history=TRACKED),
    Column("provisioned_gb", FLOAT, "Storage provisioned (committed + uncommitted).",
           "GiB", rvtools="Provisioned MiB", history=TRACKED),
    Column("used_gb", FLOAT, "Storage in use (committed).", "GiB", rvtools="In Use MiB"),
    Column("snapshot_count", INT, "Number of snapshots.", rvtools="# Snapshots", history=TRACKED),
    Column("tools_status", STRING, "VMware Tools status.", rvtools="Tools",
           values=enums.TOOLS_STATUS, history=TRACKED),
    Column("tools_running_status", STRING, "Whether VMware Tools run in the guest "
           "(from the guest info where the summary leaves it out, as for powered-off "
           "VMs on some vCenters).", values=enums.TOOLS_RUNNING),
    Column("tools_version_status", STRING, "VMware Tools version compared with the "
           "host's.", values=enums.TOOLS_VERSION),
    Column("overall_status", STRING, "vCenter's health colour.", values=enums.STATUS),
    Column("config_status", STRING, "Configuration health colour.",
           rvtools="Config status", values=enums.STATUS),
    Column("alarm_count", INT, "Triggered alarms on the VM."),
    Column("instance_uuid", STRING, "vCenter instance UUID.", rvtools="VM UUID", history=IDENTITY),
    Column("bios_uuid", STRING, "BIOS UUID (SMBIOS).", history=IDENTITY),
    Column("moid", STRING, "Managed object id, unique within the vCenter.",
           rvtools="VM ID", history=IDENTITY),
    Column("annotation", STRING, "Notes.", rvtools="Annotation", history=TRACKED),
    *LABELS,
    Column("is_template", BOOL, "True for a template.", rvtools="Template", history=TRACKED),
    Column("consolidation_needed", BOOL, "Disks need consolidation.",
           rvtools="Consolidation Needed"),
    Column("hw_version", STRING, "Virtual hardware version (vmx-19 ...).",
           rvtools="HW version"),
    Column("boot_time", TIME, "Last power-on.", rvtools="PowerOn"),
    Column("uptime_hours", FLOAT, "Hours since the guest started.", "h"),
    Column("cpu_usage_mhz", INT, "CPU usage.", "MHz"),
    Column("guest_memory_usage_mb", INT, "Guest memory actively used.", "MiB"),
    Column("vm_path", STRING, "Path of the .vmx file.", rvtools="Path"),
), brief=("vcenter", "name", "power_state", "primary_ip", "guest_hostname", "host",
          "cluster", "num_cpu", "memory_mb", "snapshot_count", "tools_status"),
   history="vm")


def build(inv: Inventory) -> list[dict]:
    rows = []
    for oid, p in inv.of("VirtualMachine").items():
        if "name" not in p:
            continue
        host = p.get("summary.runtime.host")
        nics = as_list(p.get("guest.net"))
        ips = []
        for nic in nics:
            for ip in as_list(get(nic, "ipAddress")):
                if ip not in ips:
                    ips.append(ip)
        macs = list(dict.fromkeys(m.lower() for m in
                                  (get(nic, "macAddress") for nic in nics) if m))
        primary = p.get("summary.guest.ipAddress")
        if primary and primary not in ips:
            ips.insert(0, primary)
        committed = p.get("summary.storage.committed")
        uncommitted = p.get("summary.storage.uncommitted") or 0
        snapshot = p.get("snapshot")
        uptime = p.get("summary.quickStats.uptimeSeconds")
        rows.append({
            "vcenter": inv.vcenter,
            "name": p["name"],
            "power_state": p.get("summary.runtime.powerState"),
            "connection_state": p.get("summary.runtime.connectionState"),
            "ip_addresses": ips,
            "primary_ip": primary,
            "mac_addresses": macs,
            "guest_hostname": p.get("summary.guest.hostName") or None,
            "guest_os": (p.get("summary.guest.guestFullName")
                         or p.get("summary.config.guestFullName")),
            "configured_os": p.get("summary.config.guestFullName"),
            "guest_id": p.get("summary.config.guestId"),
            "guest_state": p.get("guest.guestState"),
            "num_cpu": p.get("summary.config.numCpu"),
            "memory_mb": p.get("summary.config.memorySizeMB"),
            "num_nics": p.get("summary.config.numEthernetCards"),
            "num_disks": p.get("summary.config.numVirtualDisks"),
            "host": inv.name(host),
            "cluster": inv.cluster_of_host(host) if host is not None else None,
            "datacenter": inv.datacenter(oid),
            "folder": inv.folder_path(oid),
            "resource_pool": inv.name(p.get("resourcePool")),
            "datastores": sorted(filter(None, (inv.name(d) for d in
                                               as_list(p.get("datastore"))))),
            "networks": sorted(filter(None, (inv.name(n) for n in
                                             as_list(p.get("network"))))),
            "provisioned_gb": ((committed + uncommitted) / GIB
                               if committed is not None else None),
            "used_gb": committed / GIB if committed is not None else None,
            "snapshot_count": count_snapshots(get(snapshot, "rootSnapshotList")),
            "tools_status": p.get("summary.guest.toolsStatus"),
            "tools_running_status": (p.get("summary.guest.toolsRunningStatus")
                                     or p.get("guest.toolsRunningStatus") or None),
            "tools_version_status": p.get("summary.guest.toolsVersionStatus2"),
            "overall_status": p.get("summary.overallStatus"),
            "config_status": p.get("configStatus"),
            "alarm_count": own_alarm_count(p, oid),
            "instance_uuid": p.get("summary.config.instanceUuid"),
            "bios_uuid": p.get("summary.config.uuid"),
            "moid": oid,
            "annotation": p.get("summary.config.annotation") or None,
            "tags": tag_labels(inv, oid),
            "attributes": attribute_labels(inv, p),
            "is_template": p.get("summary.config.template"),
            "consolidation_needed": p.get("summary.runtime.consolidationNeeded"),
            "hw_version": p.get("config.version"),
            "boot_time": utc(p.get("summary.runtime.bootTime")),
            "uptime_hours": uptime / 3600 if uptime is not None else None,
            "cpu_usage_mhz": p.get("summary.quickStats.overallCpuUsage"),
            "guest_memory_usage_mb": p.get("summary.quickStats.guestMemoryUsage"),
            "vm_path": p.get("summary.config.vmPathName"),
        })
    return rows


def count_snapshots(trees) -> int:
    total = 0
    stack = list(as_list(trees))
    while stack:
        node = stack.pop()
        total += 1
        stack.extend(as_list(get(node, "childSnapshotList")))
    return total

