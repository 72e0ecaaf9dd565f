"""cdroms: one row per virtual CD/DVD drive, RVTools' vCD.

Read with the other device table (see nics.py): the first call to either
reads every VM's device list in one bulk request.
"""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, get
from .schema import BOOL, STRING, Column, Table

PART = "devices"
PATHS = {vim.VirtualMachine: ["name", "summary.runtime.powerState",
                              "summary.config.template"]}

TABLE = Table("cdroms", "virtual CD/DVD drive of a VM or template", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("vm", STRING, "VM the drive belongs to.", rvtools="VM"),
    Column("power_state", STRING, "The VM's power state.", rvtools="Powerstate"),
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


def build(inv: Inventory) -> list[dict]:
    devices = inv.devices or {}
    rows = []
    for oid, p in inv.of("VirtualMachine").items():
        if "name" not in p:
            continue
        for device in as_list(devices.get(oid)):
            if getattr(device, "_wsdlName", "") != "VirtualCdrom":
                continue
            backing = get(device, "backing")
            kind = getattr(backing, "_wsdlName", None) if backing is not None else None
            rows.append({
                "vcenter": inv.vcenter,
                "vm": p["name"],
                "power_state": p.get("summary.runtime.powerState"),
                "label": get(device, "deviceInfo.label"),
                "connected": get(device, "connectable.connected"),
                "start_connected": get(device, "connectable.startConnected"),
                "device_type": _BACKINGS.get(kind, kind),
                "backing": (get(backing, "fileName") or get(backing, "deviceName")
                            or None) if backing is not None else None,
                "is_template": p.get("summary.config.template"),
                "vm_moid": oid,
            })
    return rows
