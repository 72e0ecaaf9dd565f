"""What every table builder needs: one vCenter's collected objects and lookups.

``Inventory`` (``vsphere/inventory.py``) holds the properties read from one
vCenter; this module re-exports it with the small helpers the builders use
to read property values, and adds the structural property paths every table
may need and the walk over VM devices the device tables share.
"""

from __future__ import annotations

from typing import Any, Iterator

from pyVmomi import vim

from ..vsphere.inventory import Inventory, as_list, get, kind, moid, utc

# Structural types every table may need to name things (datacenter, cluster,
# folder, resource pool).  Each table module adds the paths of its own type.
STRUCTURE: dict[type, list[str]] = {
    vim.Folder: ["name", "parent"],
    vim.Datacenter: ["name", "parent"],
    vim.ComputeResource: ["name", "parent"],
    vim.ResourcePool: ["name", "parent", "owner"],
}


# vSphere type -> the kind tables and search show (tags, attributes, search).
KINDS = {"VirtualMachine": "vm", "HostSystem": "host", "Datastore": "datastore",
         "ClusterComputeResource": "cluster", "Network": "network",
         "DistributedVirtualPortgroup": "network", "OpaqueNetwork": "network"}
# Types holding custom attributes, and the property they are in.
CUSTOM_VALUE = "customValue"


def own_alarm_count(props: dict, oid: str) -> int:
    """Triggered alarms on the object itself (not inherited from its children)."""
    return sum(1 for s in as_list(props.get("triggeredAlarmState"))
               if moid(get(s, "entity")) == oid)


def tag_labels(inv: Inventory, oid: str) -> list[str]:
    """An object's tags as "Category:Tag", sorted (empty until tags are read)."""
    if inv.tags is None:
        return []
    return [f"{category}:{tag}" for category, tag in inv.tags.labels(oid)]


def attribute_labels(inv: Inventory, props: dict) -> list[str]:
    """An object's custom attributes as "Name=value", sorted by name."""
    if not props.get(CUSTOM_VALUE):
        return []
    return [f"{name}={value}" for name, value in inv.custom_values(props)]


def labelled_objects(inv: Inventory) -> Iterator[tuple[str, str, str, dict]]:
    """(kind, moid, name, properties) of every object that may carry tags and
    custom attributes, as the tables list them (uplink portgroups left out)."""
    for type_name, kind_name in KINDS.items():
        for oid, p in inv.of(type_name).items():
            if "name" not in p or p.get("config.uplink"):
                continue
            yield kind_name, oid, p["name"], p


def vm_devices(inv: Inventory, keep) -> Iterator[tuple[str, dict, Any, dict]]:
    """(VM moid, VM properties, device, the row fields every device table shows)
    for each device of each VM that ``keep(device)`` accepts (Inventory.devices)."""
    devices = inv.devices or {}
    for oid, p in inv.of("VirtualMachine").items():
        if "name" not in p:
            continue
        for device in as_list(devices.get(oid)):
            if keep(device):
                yield oid, p, device, {
                    "vcenter": inv.vcenter, "vm": p["name"],
                    "power_state": p.get("summary.runtime.powerState"),
                    "label": get(device, "deviceInfo.label"),
                    "connected": get(device, "connectable.connected"),
                    "start_connected": get(device, "connectable.startConnected"),
                    "is_template": p.get("summary.config.template"),
                    "vm_moid": oid}


__all__ = ["CUSTOM_VALUE", "KINDS", "STRUCTURE", "Inventory", "as_list",
           "attribute_labels", "get", "kind", "labelled_objects", "moid", "tag_labels",
           "utc", "vm_devices"]
