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


__all__ = ["STRUCTURE", "Inventory", "as_list", "get", "kind", "moid", "utc",
           "vm_devices"]
