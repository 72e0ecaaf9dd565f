"""Virtual disks and snapshot file layouts of the generated VMs.

``disk_devices(builder, vm)`` gives a VM's SCSI controllers and virtual
disks as vCenter lists them among its devices (the disks table, RVTools
vDisk); ``layouts(builder)`` the file layout (``layoutEx``) of every VM
with snapshots, as ``collection.read_layouts`` reads it: the base disks,
one state file and one delta disk per disk for each snapshot, the disk
chain each snapshot points at and the chain the VM runs on now.  The delta
disks grow with the time the VM ran on them, so old snapshots are big.
Deterministic, without the builder's random generator.
"""

from __future__ import annotations

import uuid

from pyVmomi import VmomiSupport, vim

from .catalog import GIB, VM, WINDOWS

_FILES = VmomiSupport.GetVmodlType("vim.vm.FileLayoutEx.FileInfo[]")
_SNAPSHOTS = VmomiSupport.GetVmodlType("vim.vm.FileLayoutEx.SnapshotLayout[]")
_DISKS = VmomiSupport.GetVmodlType("vim.vm.FileLayoutEx.DiskLayout[]")
MIB = 1024 ** 2


def _label(text: str) -> vim.Description:
    return vim.Description(label=text, summary=text)


def _disk_file(builder, vm: VM, i: int) -> tuple[str, object]:
    """(file name, datastore ref) of the VM's disk ``i``."""
    stores = vm.datastores
    ds = stores[i % len(stores)] if len(vm.disks_gb) > 2 else stores[0]
    suffix = "" if i == 0 else f"_{i}"
    return f"[{builder.names[ds._moId]}] {vm.name}/{vm.name}{suffix}.vmdk", ds


def disk_devices(builder, vm: VM) -> list:
    """The VM's controllers and disks: SCSI controller 0 (LSI Logic SAS for
    Windows, paravirtual otherwise) and, for thick-provisioned VMs with three
    or more disks (databases), the data disks on a paravirtual controller 1."""
    if not vm.disks_gb:
        return []
    first = (vim.vm.device.VirtualLsiLogicSASController if vm.os in WINDOWS
             else vim.vm.device.ParaVirtualSCSIController)
    thin = vm.role.thin if vm.role is not None else True
    split = not thin and len(vm.disks_gb) >= 3
    controllers = [first(key=1000, busNumber=0, sharedBus="noSharing",
                         deviceInfo=_label("SCSI controller 0"), device=[])]
    if split:
        controllers.append(vim.vm.device.ParaVirtualSCSIController(
            key=1001, busNumber=1, sharedBus="noSharing",
            deviceInfo=_label("SCSI controller 1"), device=[]))
    disks, units = [], {1000: 0, 1001: 0}
    for i, size_gb in enumerate(vm.disks_gb):
        controller = 1001 if split and i > 0 else 1000
        unit = units[controller]
        units[controller] = unit + (2 if unit == 6 else 1)  # unit 7 is the controller's
        name, ds = _disk_file(builder, vm, i)
        disks.append(vim.vm.device.VirtualDisk(
            key=2000 + i, controllerKey=controller, unitNumber=unit,
            capacityInKB=size_gb * GIB // 1024, capacityInBytes=size_gb * GIB,
            deviceInfo=vim.Description(label=f"Hard disk {i + 1}",
                                       summary=f"{size_gb * 1024 * 1024:,} KB"),
            backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                fileName=name, datastore=ds, diskMode="persistent",
                thinProvisioned=thin, eagerlyScrub=not thin and vm.name.startswith(
                    ("sql-", "ora-")), split=False, writeThrough=False,
                uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{builder.name}/{vm.name}/{i}")),
                sharing="sharingNone")))
        controllers[controller - 1000].device.append(2000 + i)
    return [*controllers, *disks]


def layouts(builder) -> dict[str, dict]:
    """VM moid -> layoutEx.file/.snapshot/.disk of every VM with snapshots."""
    found = {}
    for vm in builder.vms:
        if vm.snapshot is not None and vm.disks_gb:
            found[vm.ref._moId] = layout(builder, vm)
    return found


def layout(builder, vm: VM) -> dict:
    files: list = []

    def add(name: str, kind: str, size: int) -> int:
        key = len(files)
        files.append(vim.vm.FileLayoutEx.FileInfo(
            key=key, name=name, type=kind, size=size, uniqueSize=size, accessible=True))
        return key

    folder = f"[{builder.names[vm.datastores[0]._moId]}] {vm.name}/"
    add(folder + f"{vm.name}.vmx", "config", 3_902)
    add(folder + f"{vm.name}.nvram", "nvram", 270_840)
    add(folder + f"{vm.name}.vmsd", "snapshotList", 1_214)
    add(folder + "vmware.log", "log", 1_843_211)
    chain = []  # per disk: the file keys of its base disk, then of each delta
    used = vm.committed / max(1, sum(vm.disks_gb) * GIB)
    for i, size_gb in enumerate(vm.disks_gb):
        name, _ = _disk_file(builder, vm, i)
        chain.append([[add(name, "diskDescriptor", 640),
                       add(name.replace(".vmdk", "-flat.vmdk"), "diskExtent",
                           int(size_gb * GIB * min(1.0, used)))]])
    nodes = []
    node = (vm.snapshot.rootSnapshotList or [None])[0]
    while node is not None:
        nodes.append(node)
        node = (node.childSnapshotList or [None])[0]
    snapshots = []
    for j, node in enumerate(nodes, start=1):
        state = add(folder + f"{vm.name}-Snapshot{j}.vmsn", "snapshotData",
                    24 * MIB + vm.cpu * 512 * 1024)
        snapshots.append(vim.vm.FileLayoutEx.SnapshotLayout(
            key=node.snapshot, dataKey=state, memoryKey=-1,
            disk=_DISKS([vim.vm.FileLayoutEx.DiskLayout(
                key=2000 + i, chain=[vim.vm.FileLayoutEx.DiskUnit(fileKey=keys)
                                     for keys in units])
                for i, units in enumerate(chain)])))
        # The delta written after this snapshot, until the next one (or now).
        until = nodes[j].createTime if j < len(nodes) else builder.now
        days = max(0.0, (until - node.createTime).total_seconds() / 86400)
        for i, size_gb in enumerate(vm.disks_gb):
            name, _ = _disk_file(builder, vm, i)
            delta = name.replace(".vmdk", f"-{j:06d}.vmdk")
            grown = int(size_gb * GIB * min(0.35, 0.001 + 0.002 * days))
            chain[i].append([add(delta, "diskDescriptor", 410),
                             add(delta.replace(".vmdk", "-sesparse.vmdk"), "diskExtent",
                                 grown)])
    return {"layoutEx.file": _FILES(files), "layoutEx.snapshot": _SNAPSHOTS(snapshots),
            "layoutEx.disk": _DISKS([vim.vm.FileLayoutEx.DiskLayout(
                key=2000 + i, chain=[vim.vm.FileLayoutEx.DiskUnit(fileKey=keys)
                                     for keys in units])
                for i, units in enumerate(chain)])}


__all__ = ["disk_devices", "layout", "layouts"]
