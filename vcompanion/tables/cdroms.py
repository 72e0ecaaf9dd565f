"""cdroms: one row per virtual CD/DVD drive, RVTools' vCD.

Read with the other device table (see nics.py): the first call to either
reads every VM's device list in one bulk request.
"""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, get, vm_devices
from .schema import BOOL, STRING, Column, Table
from . import enums

PARTS = ("devices",)
PATHS = {vim.VirtualMachine: ["name", "summary.runtime.powerState",
                              "summary.config.template"]}

TABLE = Table("cdroms", "virtual CD/DVD drive of a VM or template", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("vm", STRING, "VM the drive belongs to.", rvtools="VM"),
    Column("power_state", STRING, "The VM's power state.", rvtools="Powerstate",
           values=enums.VM_POWER),
    Column("label", STRING, "Drive label (CD/DVD drive 1 ...).", rvtools="Device Node"),
    Column("connected", BOOL, "Connected now: a connected drive blocks vMotion and DRS.",
           rvtools="Connected"),
    Column("start_connected", BOOL, "Connects at power-on.", rvtools="Starts Connected"),
    Column("device_type", STRING, "What backs it: iso, client device, host device, "
           "passthrough.", rvtools="Device Type"),
    Column("backing", STRING, "ISO path ([datastore] path) or device name."),
    Column("is_template", BOOL, "The VM is a template.", rvtools="Template"),
    Column("vm_moid", STRING, "Managed object id of the VM."),
), sort=("vcenter", "vm", "label"),
   brief=("vcenter", "vm", "power_state", "label", "connected", "device_type", "backing"))

_BACKINGS = {"VirtualCdromIsoBackingInfo": "iso",
             "VirtualCdromRemotePassthroughBackingInfo": "client device",
             "VirtualCdromRemoteAtapiBackingInfo": "client device",
             "VirtualCdromAtapiBackingInfo": "host device",
             "VirtualCdromPassthroughBackingInfo": "passthrough"}


def is_cdrom(device) -> bool:
    return getattr(device, "_wsdlName", "") == "VirtualCdrom"


def build(inv: Inventory) -> list[dict]:
    rows = []
    for _, _, device, row in vm_devices(inv, is_cdrom):
        backing = get(device, "backing")
        kind = getattr(backing, "_wsdlName", None) if backing is not None else None
        row.update({
            "device_type": _BACKINGS.get(kind, kind),
            "backing": (get(backing, "fileName") or get(backing, "deviceName")
                        or None) if backing is not None else None,
        })
        rows.append(row)
    return rows
