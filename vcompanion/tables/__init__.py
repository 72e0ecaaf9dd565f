"""The tables vCompanion builds, and how one vCenter's inventory is read.

``collect(conn)`` reads everything the inventory tables need from one
vCenter in a single bulk retrieval (plus one call naming the triggered
alarms and one naming the custom attributes) and returns an ``Inventory``;
each table module's ``build`` turns an Inventory into rows, and its
``TABLE`` declaration turns rows into a DataFrame with fixed columns and
dtypes.  ``performance.py`` declares the performance tables, which
``vcompanion.metrics`` fills from vCenter's statistics.

Some tables also need a part read apart from the inventory, when such a
table is first asked for (``PARTS``): ``devices`` (every VM's device list,
a second bulk read: ``collect_devices``), ``tags`` (the vSphere Automation
REST API) and ``layouts`` (the file layout of the VMs with snapshots).
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timezone

from pyVmomi import vim

from ..vsphere.collection import (Stats, read_custom_fields, read_layouts, retrieve,
                                 retrieve_objects)
from ..vsphere.connection import VCenterConnection
from ..vsphere.inventory import EVERYTHING, alarm_refs, custom_value_keys
from . import (alarms, attributes, cdroms, clusters, datastores, disks, events, hosts,
               networks, nics, performance, snapshots, tags, vms)
from .context import STRUCTURE, Inventory
from .schema import Table, _sort_key

log = logging.getLogger(__name__)

# Inventory tables, in the order docs and reports list them.
INVENTORY = {m.TABLE.name: m for m in (vms, hosts, clusters, datastores, networks,
                                        snapshots, alarms, nics, cdroms, disks, tags,
                                        attributes)}
# table -> the parts of an inventory it needs besides the inventory itself
# (Inventory.devices, .tags, .layouts), read when such a table is asked for:
# devices are over half of a full read's bytes and rarely change; tags are
# another API; layouts (file lists) would double a VM's bytes.
PARTS: dict[str, tuple[str, ...]] = {n: tuple(getattr(m, "PARTS", ()))
                                     for n, m in INVENTORY.items()}
# Tables that also need VM device lists (Inventory.devices).
DEVICE_TABLES = tuple(n for n, parts in PARTS.items() if "devices" in parts)
DEVICE_SPECS = {vim.VirtualMachine: ["config.hardware.device"]}
# Every table: inventory, events, performance statistics.
TABLES: dict[str, Table] = {**{n: m.TABLE for n, m in INVENTORY.items()},
                            "events": events.TABLE,
                            "metrics": performance.METRICS,
                            **{t.name: t for t in performance.PERFORMANCE.values()}}


def inventory_specs() -> dict[type, list[str]]:
    """type -> property paths: the union of what every inventory table reads."""
    merged: dict[type, set[str]] = {}
    for source in [STRUCTURE, *(m.PATHS for m in INVENTORY.values())]:
        for kind, paths in source.items():
            merged.setdefault(kind, set()).update(paths)
    return {kind: sorted(paths) for kind, paths in merged.items()}


def collect_devices(conn: VCenterConnection, page_size: int = 1000,
                    decoder: str = "fast", pool=None) -> tuple[dict[str, list], Stats]:
    """Every VM's device list (VM moid -> devices), in one bulk read."""
    result = retrieve(conn, DEVICE_SPECS, page_size=page_size, decoder=decoder,
                      pool=pool)
    return ({oid: p.get("config.hardware.device") or []
             for oid, p in result.of("VirtualMachine").items()}, result.stats)


def collect(conn: VCenterConnection, page_size: int = 1000, decoder: str = "fast",
            pool=None) -> tuple[Inventory, Stats]:
    """Read one vCenter's whole inventory; returns it with what it cost.

    ``decoder`` and ``pool``: see ``collection.retrieve``.
    """
    started = datetime.now(timezone.utc)
    result = retrieve(conn, inventory_specs(), page_size=page_size, decoder=decoder,
                      pool=pool)
    inv = Inventory(conn.name, result.objects, collected_at=started)
    refs = alarm_refs(inv)
    if refs:
        named = retrieve_objects(conn, refs, vim.alarm.Alarm, ["info.name"],
                                 result.stats)
        inv.alarm_names = {oid: p.get("info.name") for oid, p in named.items()
                           if p.get("info.name")}
    if custom_value_keys(inv):  # names of the custom attributes in use
        inv.custom_fields = read_custom_fields(conn, result.stats)
    return inv, result.stats


def collect_layouts(conn: VCenterConnection, inventory: Inventory) -> dict[str, dict]:
    """The file layout of every VM of ``inventory`` that has snapshots (VM moid ->
    layoutEx parts), in one call: what the snapshot sizes come from."""
    refs = [p["_ref"] for p in inventory.of("VirtualMachine").values()
            if p.get("snapshot") is not None and "_ref" in p]
    if not refs:
        return {}
    return read_layouts(conn, refs, list(snapshots.LAYOUT_PATHS), Stats())


def build(name: str, inventories: list[Inventory]):
    """The DataFrame of inventory table ``name`` over several vCenters."""
    module = INVENTORY[name]
    rows = []
    for inv in inventories:
        rows.extend(module.build(inv))
    return module.TABLE.frame(rows)


def combine(name: str, frames: list):
    """``build(name, [a, b, ...])`` from ``build(name, [a])``, ``build(name, [b])``...

    Same rows, order and dtypes: each part is already sorted, and the stable
    sort of the parts in order keeps equal keys in vCenter order.
    """
    import pandas as pd

    table = INVENTORY[name].TABLE
    frames = [f for f in frames if len(f)]
    if not frames:
        return table.empty()
    if len(frames) == 1:
        return frames[0]
    frame = pd.concat(frames, ignore_index=True)
    sort = [k for k in table.sort if k in frame.columns]
    if sort:
        frame = frame.sort_values(sort, kind="stable", key=_sort_key)
    return frame.reset_index(drop=True)


def kinds_read(inventory: Inventory) -> dict[str, set[str]]:
    """Which object types each inventory table reads (``{"*"}``: all of them).

    Found by building every table once on ``inventory`` while watching
    which types it asks for, so it stays right when tables change.
    """
    found: dict[str, set[str]] = {}
    for name, module in INVENTORY.items():
        watched = _WatchedObjects(inventory.objects)
        probe = copy.copy(inventory)
        probe.objects = watched
        module.build(probe)
        found[name] = watched.read
    return found


class _WatchedObjects(dict):
    """The type -> objects map, noting which types a table reads."""

    def __init__(self, data: dict):
        super().__init__(data)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def values(self):
        self.read.add(EVERYTHING)
        return super().values()

    def items(self):
        self.read.add(EVERYTHING)
        return super().items()

    def __iter__(self):
        self.read.add(EVERYTHING)
        return super().__iter__()


__all__ = ["DEVICE_SPECS", "DEVICE_TABLES", "INVENTORY", "PARTS", "TABLES", "Inventory",
           "Table", "build", "collect", "collect_devices", "collect_layouts", "combine",
           "inventory_specs", "kinds_read"]
