"""networks: one row per network (standard portgroup or distributed portgroup)."""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, attribute_labels, get, tag_labels
from .hosts import portgroup_vlans
from . import enums
from .schema import IDENTITY, INT, LABELS, MOID, STRING, TRACKED, Column, Table

PARTS = ("tags",)  # the tags column (see tables.PARTS)
PATHS = {
    vim.Network: ["name", "parent", "vm", "host", "overallStatus", "customValue"],
    vim.dvs.DistributedVirtualPortgroup: [
        "config.distributedVirtualSwitch", "config.defaultPortConfig",
        "config.uplink"],
    vim.DistributedVirtualSwitch: ["name", "parent"],
}

TABLE = Table("networks", "network: standard portgroup, distributed portgroup or "
              "opaque network", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server",
           history=IDENTITY),
    Column("name", STRING, "Network name.", rvtools="Network", history=TRACKED),
    Column("kind", STRING, "standard, distributed or opaque.", history=TRACKED),
    Column("switch", STRING, "Distributed switch of a distributed portgroup.",
           rvtools="Switch", history=TRACKED),
    Column("vlan", STRING, "VLAN id, or a range for trunks; empty where unknown.",
           rvtools="VLAN", history=TRACKED),
    Column("datacenter", STRING, "Datacenter.", rvtools="Datacenter"),
    Column("host_count", INT, "Hosts with this network."),
    Column("vm_count", INT, "VMs attached."),
    Column("overall_status", STRING, "vCenter's health colour.", values=enums.STATUS),
    *LABELS,
    MOID,
), brief=("vcenter", "name", "kind", "switch", "vlan", "datacenter", "host_count", "vm_count"),
   history="network")

_KINDS = {"Network": "standard", "DistributedVirtualPortgroup": "distributed",
          "OpaqueNetwork": "opaque"}


def build(inv: Inventory) -> list[dict]:
    std_vlans = portgroup_vlans(inv)
    rows = []
    for kind_name, kind in _KINDS.items():
        for oid, p in inv.of(kind_name).items():
            if "name" not in p:
                continue
            if kind == "distributed" and p.get("config.uplink"):
                continue  # uplink portgroups carry no VM traffic
            if kind == "distributed":
                vlan = _dvs_vlan(get(p.get("config.defaultPortConfig"), "vlan"))
            else:
                ids = std_vlans.get(p["name"], set())
                vlan = ",".join(str(v) for v in sorted(ids)) or None
            rows.append({
                "vcenter": inv.vcenter,
                "name": p["name"],
                "kind": kind,
                "switch": inv.name(p.get("config.distributedVirtualSwitch")),
                "vlan": vlan,
                "datacenter": inv.datacenter(oid),
                "host_count": len(as_list(p.get("host"))),
                "vm_count": len(as_list(p.get("vm"))),
                "overall_status": p.get("overallStatus"),
                "tags": tag_labels(inv, oid),
                "attributes": attribute_labels(inv, p),
                "moid": oid,
            })
    return rows


def _dvs_vlan(spec) -> str | None:
    if spec is None:
        return None
    vlan_id = getattr(spec, "vlanId", None)
    if isinstance(vlan_id, int):
        return str(vlan_id)
    if vlan_id:  # trunk: a list of NumericRange
        return ",".join(f"{r.start}-{r.end}" if r.start != r.end else str(r.start)
                        for r in vlan_id)
    pvlan = getattr(spec, "pvlanId", None)
    return f"pvlan {pvlan}" if pvlan is not None else None


