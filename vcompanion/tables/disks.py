"""disks: one row per virtual disk, RVTools' vDisk.

Built from every VM's device list, like nics and cdroms (one walk over the
devices, read in a second bulk request the first time a device table is
asked for; see nics.py): the disk, its backing (file, datastore, thin or
thick, mode, sharing) and the controller it hangs on.
"""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, get, vm_devices
from .schema import BOOL, INT, STRING, Column, Table

PARTS = ("devices",)
PATHS = {vim.VirtualMachine: ["name", "summary.runtime.powerState",
                              "summary.config.template"]}

TABLE = Table("disks", "virtual disk of a VM or template", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("vm", STRING, "VM the disk belongs to.", rvtools="VM"),
    Column("power_state", STRING, "The VM's power state.", rvtools="Powerstate"),
    Column("label", STRING, "Disk label (Hard disk 1 ...).", rvtools="Disk"),
    Column("capacity_bytes", INT, "Capacity.", "bytes", rvtools="Capacity MiB"),
    Column("thin", BOOL, "Thin provisioned (False: thick).", rvtools="Thin"),
    Column("eagerly_scrub", BOOL, "Thick, eager zeroed.", rvtools="Eagerly Scrub"),
    Column("disk_mode", STRING, "persistent, independent_persistent, "
           "independent_nonpersistent, ...", rvtools="Disk Mode"),
    Column("sharing", STRING, "sharingNone or sharingMultiWriter.",
           rvtools="Sharing mode"),
    Column("raw", BOOL, "A raw device mapping (RDM).", rvtools="Raw"),
    Column("datastore", STRING, "Datastore holding the disk file."),
    Column("file_name", STRING, "Disk file: [datastore] folder/name.vmdk.",
           rvtools="Path"),
    Column("controller", STRING, "Controller the disk is on (SCSI controller 0 ...).",
           rvtools="Controller"),
    Column("controller_type", STRING, "pvscsi, lsilogic-sas, lsilogic, buslogic, nvme, "
           "sata or ide."),
    Column("bus_number", INT, "Bus number of the controller."),
    Column("unit_number", INT, "Unit number on the controller.", rvtools="Unit #"),
    Column("disk_uuid", STRING, "UUID of the disk.", rvtools="Disk UUID"),
    Column("key", INT, "Device key, unique within the VM.", rvtools="Disk Key"),
    Column("is_template", BOOL, "The VM is a template.", rvtools="Template"),
    Column("vm_moid", STRING, "Managed object id of the VM."),
), sort=("vcenter", "vm", "key"),
   brief=("vcenter", "vm", "label", "capacity_bytes", "thin", "datastore", "controller",
          "unit_number"))

# Controller classes as vSphere Client and RVTools name them.
_CONTROLLERS = {"ParaVirtualSCSIController": ("pvscsi", "SCSI"),
                "VirtualLsiLogicSASController": ("lsilogic-sas", "SCSI"),
                "VirtualLsiLogicController": ("lsilogic", "SCSI"),
                "VirtualBusLogicController": ("buslogic", "SCSI"),
                "VirtualNVMEController": ("nvme", "NVME"),
                "VirtualAHCIController": ("sata", "SATA"),
                "VirtualSATAController": ("sata", "SATA"),
                "VirtualIDEController": ("ide", "IDE")}


def is_disk(device) -> bool:
    return getattr(device, "_wsdlName", "") == "VirtualDisk"


def _controller(device) -> tuple[str | None, str | None, int | None]:
    """(label, type, bus number) of a controller device."""
    if device is None:
        return None, None, None
    kind, family = _CONTROLLERS.get(getattr(device, "_wsdlName", ""), (None, None))
    bus = get(device, "busNumber")
    label = get(device, "deviceInfo.label")
    if not label and family:
        label = f"{family} controller {bus if bus is not None else '?'}"
    return label or None, kind, bus


def _datastore(inv: Inventory, backing) -> str | None:
    name = inv.name(get(backing, "datastore"))
    if name:
        return name
    path = get(backing, "fileName") or ""
    if path.startswith("[") and "]" in path:
        return path[1:path.index("]")] or None
    return None


def build(inv: Inventory) -> list[dict]:
    rows = []
    controllers: dict[str, dict] = {}  # VM moid -> device key -> controller
    for oid, _, device, row in vm_devices(inv, is_disk):
        if oid not in controllers:
            controllers[oid] = {get(d, "key"): d for d in as_list(inv.devices.get(oid))
                                if hasattr(d, "busNumber")}
        backing = get(device, "backing")
        label, kind, bus = _controller(controllers[oid].get(get(device, "controllerKey")))
        capacity = get(device, "capacityInBytes") or (
            get(device, "capacityInKB") * 1024 if get(device, "capacityInKB") else None)
        raw = "RawDiskMapping" in (getattr(backing, "_wsdlName", "") or "")
        row.update({
            "capacity_bytes": capacity,
            "thin": get(backing, "thinProvisioned", False) if not raw else None,
            "eagerly_scrub": get(backing, "eagerlyScrub", False) if not raw else None,
            "disk_mode": get(backing, "diskMode"),
            "sharing": get(backing, "sharing") or None,
            "raw": raw,
            "datastore": _datastore(inv, backing),
            "file_name": get(backing, "fileName") or None,
            "controller": label,
            "controller_type": kind,
            "bus_number": bus,
            "unit_number": get(device, "unitNumber"),
            "disk_uuid": get(backing, "uuid") or None,
            "key": get(device, "key"),
        })
        rows.append(row)
    return rows
