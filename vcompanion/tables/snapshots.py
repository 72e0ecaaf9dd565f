"""snapshots: one row per VM snapshot, RVTools' vSnapshot.

Snapshot trees come with the VM's ``snapshot`` property, read together with
the VMs: no extra call.  Their sizes come from the file layout
(``layoutEx``) of the VMs that have snapshots, read in one call of its own
when this table is first asked for (``PARTS``): the file list of every VM
would make the inventory read much bigger.
"""

from __future__ import annotations

from pyVmomi import vim

from .context import Inventory, as_list, get, moid, utc
from .schema import BOOL, FLOAT, INT, STRING, TIME, Column, Table
from . import enums

PARTS = ("layouts",)  # Inventory.layouts: layoutEx of the VMs with snapshots
PATHS = {vim.VirtualMachine: ["name", "snapshot", "summary.runtime.powerState"]}
# The layoutEx parts the sizes come from (read by collection.read_layouts).
LAYOUT_PATHS = ("layoutEx.file", "layoutEx.snapshot", "layoutEx.disk")
_DISK_FILES = ("diskDescriptor", "diskExtent")

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
    Column("size_bytes", INT, "Disk space the snapshot takes: its state (.vmsn) and "
           "memory (.vmem) files and the delta disks written since it was taken.",
           "bytes", rvtools="Size MiB (total)"),
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
        sizes = snapshot_sizes(info, (inv.layouts or {}).get(oid))
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
                "size_bytes": sizes.get(snap_id),
                "state": get(node, "state"),
                "vm_power_state": p.get("summary.runtime.powerState"),
                "vm_moid": oid,
                "moid": snap_id,
            })
            for child in reversed(as_list(get(node, "childSnapshotList"))):
                stack.append((child, get(node, "name"), depth + 1))
    return rows


def snapshot_sizes(info, layout: dict | None) -> dict[str, int]:
    """Snapshot moid -> bytes, from a VM's snapshot tree and file layout.

    A snapshot's size is its state and memory files plus the disk files
    written after it: those in the disk chains of its children (or, for the
    snapshot the VM runs from, of the VM's disks now) that its own chains do
    not hold, as RVTools' "Size MiB (total)" counts it.  Empty without a layout.
    """
    if not layout:
        return {}
    sizes = {get(f, "key"): get(f, "size") or 0 for f in as_list(layout.get("layoutEx.file"))}
    disk_files = {get(f, "key") for f in as_list(layout.get("layoutEx.file"))
                  if get(f, "type") in _DISK_FILES}

    def chain(disks) -> set:
        return {key for disk in as_list(disks) for unit in as_list(get(disk, "chain"))
                for key in as_list(get(unit, "fileKey"))}

    snapshots = {moid(get(s, "key")): s for s in as_list(layout.get("layoutEx.snapshot"))}
    chains = {oid: chain(get(s, "disk")) for oid, s in snapshots.items()}
    children: dict[str, list[str]] = {}
    stack = list(as_list(get(info, "rootSnapshotList")))
    while stack:
        node = stack.pop()
        below = as_list(get(node, "childSnapshotList"))
        children[moid(get(node, "snapshot"))] = [moid(get(c, "snapshot")) for c in below]
        stack.extend(below)
    current = moid(get(info, "currentSnapshot"))
    now = chain(layout.get("layoutEx.disk"))
    result = {}
    for oid, snapshot in snapshots.items():
        after = set()
        for child in children.get(oid, ()):
            after |= chains.get(child, set())
        if oid == current:
            after |= now
        written = (after - chains[oid]) & disk_files
        own = [get(snapshot, "dataKey"), get(snapshot, "memoryKey")]
        result[oid] = sum(sizes.get(key, 0) for key in (*own, *written)
                          if key is not None and key >= 0)
    return result


def layout_key(inv: Inventory | None) -> frozenset:
    """Which snapshots the VMs have: layouts read for another set are stale."""
    if inv is None:
        return frozenset()
    key = set()
    for oid, p in inv.of("VirtualMachine").items():
        info = p.get("snapshot")
        if info is None:
            continue
        stack = list(as_list(get(info, "rootSnapshotList")))
        while stack:
            node = stack.pop()
            key.add((oid, moid(get(node, "snapshot"))))
            stack.extend(as_list(get(node, "childSnapshotList")))
        key.add((oid, "current", moid(get(info, "currentSnapshot"))))
    return frozenset(key)
