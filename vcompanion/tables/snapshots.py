"""snapshots: one row per VM snapshot, RVTools' vSnapshot.

Snapshot trees come with the VM's ``snapshot`` property, read together with
the VMs: no extra call.
"""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, get, moid, utc
from .schema import BOOL, FLOAT, INT, STRING, TIME, Column, Table
from . import enums

PATHS = {vim.VirtualMachine: ["name", "snapshot", "summary.runtime.powerState"]}

TABLE = Table("snapshots", "snapshot", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("vm", STRING, "VM the snapshot belongs to.", rvtools="VM"),
    Column("name", STRING, "Snapshot name.", rvtools="Name"),
    Column("description", STRING, "Snapshot description.", rvtools="Description"),
    Column("created", TIME, "When it was taken.", rvtools="Date / time"),
    Column("age_days", FLOAT, "Days since it was taken, at collection time.", "days"),
    Column("parent", STRING, "Name of the parent snapshot (empty for a root)."),
    Column("depth", INT, "Level in the tree (0 for a root)."),
    Column("is_current", BOOL, "The VM runs from this snapshot."),
    Column("quiesced", BOOL, "Taken with the guest file system quiesced.",
           rvtools="Quiesced"),
    Column("state", STRING, "VM power state when taken.", rvtools="Powerstate",
           values=enums.VM_POWER),
    Column("vm_power_state", STRING, "VM power state now.", values=enums.VM_POWER),
    Column("vm_moid", STRING, "Managed object id of the VM."),
    Column("moid", STRING, "Managed object id of the snapshot."),
), sort=("vcenter", "vm", "created"),
   brief=("vcenter", "vm", "name", "created", "age_days", "parent", "is_current", "quiesced"))


def build(inv: Inventory) -> list[dict]:
    now = inv.collected_at
    rows = []
    for oid, p in inv.of("VirtualMachine").items():
        info = p.get("snapshot")
        if info is None or "name" not in p:
            continue
        current = moid(get(info, "currentSnapshot"))
        stack = [(tree, None, 0) for tree in reversed(as_list(get(info, "rootSnapshotList")))]
        while stack:
            node, parent, depth = stack.pop()
            created = utc(get(node, "createTime"))
            snap_id = moid(get(node, "snapshot"))
            rows.append({
                "vcenter": inv.vcenter,
                "vm": p["name"],
                "name": get(node, "name"),
                "description": get(node, "description") or None,
                "created": created,
                "age_days": ((now - created).total_seconds() / 86400
                             if created else None),
                "parent": parent,
                "depth": depth,
                "is_current": snap_id is not None and snap_id == current,
                "quiesced": get(node, "quiesced"),
                "state": get(node, "state"),
                "vm_power_state": p.get("summary.runtime.powerState"),
                "vm_moid": oid,
                "moid": snap_id,
            })
            for child in reversed(as_list(get(node, "childSnapshotList"))):
                stack.append((child, get(node, "name"), depth + 1))
    return rows
