"""What every table builder needs: one vCenter's collected objects and lookups.

``Inventory`` holds the properties read in one bulk retrieval (see
``collection.py``) and answers the questions tables ask about the inventory
tree: an object's name, its datacenter, a host's cluster, a VM's folder path.
It also carries the small helpers the builders use to read property values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from pyVmomi import vim

# Structural types every table may need to name things (datacenter, cluster,
# folder, resource pool).  Each table module adds the paths of its own type.
STRUCTURE: dict[type, list[str]] = {
    vim.Folder: ["name", "parent"],
    vim.Datacenter: ["name", "parent"],
    vim.ComputeResource: ["name", "parent"],
    vim.ResourcePool: ["name", "parent", "owner"],
}


def get(obj: Any, path: str, default: Any = None) -> Any:
    """``obj.a.b.c`` where any step may be None or missing."""
    for part in path.split("."):
        if obj is None:
            return default
        obj = getattr(obj, part, None)
    return default if obj is None else obj


def moid(ref: Any) -> str | None:
    return getattr(ref, "_moId", None) if ref is not None else None


def kind(ref: Any) -> str | None:
    return getattr(ref, "_wsdlName", None) if ref is not None else None


def utc(value: Any) -> datetime | None:
    """A vSphere dateTime as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def as_list(value: Any) -> list:
    return list(value) if value else []


@dataclass
class Inventory:
    """One vCenter's objects, as read at ``collected_at``."""

    vcenter: str
    objects: dict[str, dict[str, dict[str, Any]]]  # type name -> moid -> path -> value
    collected_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    alarm_names: dict[str, str] = field(default_factory=dict)  # alarm moid -> name
    # VM moid -> config.hardware.device, once the device tables were asked for
    # (read apart from the rest: see tables.DEVICE_SPECS)
    devices: dict[str, list] | None = None

    def __post_init__(self):
        self._names: dict[str, str] = {}
        self._parents: dict[str, Any] = {}
        self._kinds: dict[str, str] = {}
        for kind_name, objs in self.objects.items():
            for oid, props in objs.items():
                if "name" in props:
                    self._names[oid] = props["name"]
                self._parents[oid] = props.get("parent") or props.get("owner")
                self._kinds[oid] = kind_name

    def with_devices(self, devices: dict[str, list]) -> Inventory:
        """This inventory with VM device lists: a shallow copy, lookups shared."""
        import copy
        other = copy.copy(self)
        other.devices = devices
        return other

    def of(self, kind_name: str) -> dict[str, dict[str, Any]]:
        return self.objects.get(kind_name, {})

    def name(self, ref_or_moid: Any) -> str | None:
        key = ref_or_moid if isinstance(ref_or_moid, str) else moid(ref_or_moid)
        return self._names.get(key) if key else None

    def kind_of(self, oid: str) -> str | None:
        return self._kinds.get(oid)

    def ancestors(self, ref_or_moid: Any):
        """moids of the parents of an object, nearest first."""
        key = ref_or_moid if isinstance(ref_or_moid, str) else moid(ref_or_moid)
        seen = set()
        while key and key not in seen:
            seen.add(key)
            parent = moid(self._parents.get(key))
            if not parent:
                return
            yield parent
            key = parent

    def ancestor_of_kind(self, ref_or_moid: Any, *kinds: str) -> str | None:
        for parent in self.ancestors(ref_or_moid):
            if self._kinds.get(parent) in kinds:
                return parent
        return None

    def datacenter(self, ref_or_moid: Any) -> str | None:
        return self.name(self.ancestor_of_kind(ref_or_moid, "Datacenter"))

    def cluster_of_host(self, host_ref: Any) -> str | None:
        """The cluster name of a host; None for a standalone host."""
        parent = moid(self._parents.get(moid(host_ref) if not isinstance(host_ref, str)
                                        else host_ref))
        if parent and self._kinds.get(parent) == "ClusterComputeResource":
            return self._names.get(parent)
        return None

    def folder_path(self, ref_or_moid: Any) -> str | None:
        """'/Prod/Web' style path of folders below the datacenter's root folder."""
        names = []
        for parent in self.ancestors(ref_or_moid):
            kind_name = self._kinds.get(parent)
            if kind_name != "Folder":
                break
            names.append(self._names.get(parent, parent))
        # The last folder before the datacenter is its hidden root ("vm", "host" ...).
        if not names:
            return None
        return "/" + "/".join(reversed(names[:-1]))


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

