"""nics: one row per virtual network adapter, RVTools' vNetwork.

Device lists are the bulkiest part of a VM (over half of the bytes of a full
inventory read), so they are not read with the other tables: the first call
to a device table (nics, cdroms) reads every VM's ``config.hardware.device``
in one more bulk request (``Inventory.devices``; see ``Companion.table``).
"""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, get, vm_devices
from .schema import BOOL, LIST, STRING, Column, Table
from . import enums

PARTS = ("devices",)  # built from Inventory.devices as well (see tables.PARTS)
PATHS = {vim.VirtualMachine: ["name", "guest.net", "summary.runtime.powerState",
                              "summary.config.template"]}

TABLE = Table("nics", "virtual network adapter of a VM or template", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("vm", STRING, "VM the adapter belongs to.", rvtools="VM"),
    Column("power_state", STRING, "The VM's power state.", rvtools="Powerstate",
           values=enums.VM_POWER),
    Column("label", STRING, "Adapter label (Network adapter 1 ...).", rvtools="NIC label"),
    Column("adapter", STRING, "Adapter type: vmxnet3, e1000e, e1000, ...",
           rvtools="Adapter"),
    Column("network", STRING, "Network or distributed portgroup the adapter is on.",
           rvtools="Network"),
    Column("connected", BOOL, "The adapter is connected now.", rvtools="Connected"),
    Column("start_connected", BOOL, "The adapter connects at power-on.",
           rvtools="Starts Connected"),
    Column("mac_address", STRING, "MAC address (lower case).", rvtools="Mac Address"),
    Column("mac_type", STRING, "How the MAC was set: assigned, generated or manual.",
           rvtools="Type"),
    Column("ip_addresses", LIST, "IP addresses the guest reports on this adapter "
           "(needs VMware Tools)."),
    Column("is_template", BOOL, "The VM is a template.", rvtools="Template"),
    Column("vm_moid", STRING, "Managed object id of the VM."),
), sort=("vcenter", "vm", "label"),
   brief=("vcenter", "vm", "label", "adapter", "network", "connected", "mac_address"))

# VirtualVmxnet3 -> vmxnet3, as vSphere Client and RVTools show adapter types.
_ADAPTERS = {"VirtualVmxnet3": "vmxnet3", "VirtualVmxnet3Vrdma": "vrdma",
             "VirtualVmxnet2": "vmxnet2", "VirtualVmxnet": "vmxnet",
             "VirtualE1000e": "e1000e", "VirtualE1000": "e1000",
             "VirtualPCNet32": "pcnet32", "VirtualSriovEthernetCard": "sriov"}


def is_nic(device) -> bool:
    """True for a virtual Ethernet card (every kind has a MAC address field)."""
    return hasattr(device, "macAddress")


def network_name(inv: Inventory, backing) -> str | None:
    """The network a NIC backing points at: standard, distributed or opaque."""
    if backing is None:
        return None
    key = get(backing, "port.portgroupKey")  # distributed portgroup
    if key:
        return inv.name(key) or key
    network = get(backing, "network")
    return inv.name(network) or get(backing, "deviceName") or get(backing, "opaqueNetworkId")


def build(inv: Inventory) -> list[dict]:
    rows = []
    guest: dict[str, dict] = {}  # VM moid -> MAC -> the guest's IPs on it
    for oid, p, device, row in vm_devices(inv, is_nic):
        if oid not in guest:
            guest[oid] = {(get(n, "macAddress") or "").lower(): as_list(get(n, "ipAddress"))
                          for n in as_list(p.get("guest.net"))}
        mac = (get(device, "macAddress") or "").lower() or None
        row.update({
            "adapter": _ADAPTERS.get(device._wsdlName, device._wsdlName),
            "network": network_name(inv, get(device, "backing")),
            "mac_address": mac,
            "mac_type": get(device, "addressType"),
            "ip_addresses": list(guest[oid].get(mac, [])) if mac else [],
        })
        rows.append(row)
    return rows
