"""alarms: one row per triggered alarm, on any kind of entity.

Each entity's ``triggeredAlarmState`` is read with the entity; the states of
descendants also show on their parents, so rows are de-duplicated by the
alarm state's key and attributed to ``state.entity``.  Alarm names are
resolved in one extra call for all alarms (``collect.alarm_names``).
"""

from __future__ import annotations

from pyVmomi import vim

from ..vsphere.inventory import alarm_states
from .context import Inventory, get, kind, moid, utc
from .schema import BOOL, STRING, TIME, Column, Table
from . import enums

# Entity types whose triggered alarms are read (all of them carry the property).
ENTITY_TYPES = (vim.VirtualMachine, vim.HostSystem, vim.Datastore,
                vim.ClusterComputeResource, vim.Datacenter, vim.Network,
                vim.Folder, vim.ResourcePool, vim.DistributedVirtualSwitch)
PATHS = {t: ["name", "triggeredAlarmState"] for t in ENTITY_TYPES}

TABLE = Table("alarms", "triggered alarm", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("entity", STRING, "Name of the object the alarm fired on.",
           rvtools="Entity"),
    Column("entity_type", STRING, "vSphere type of that object (VirtualMachine, "
           "HostSystem, Datastore, ...).", rvtools="Entity type"),
    Column("alarm", STRING, "Alarm name.", rvtools="Alarm"),
    Column("status", STRING, "red (critical) or yellow (warning).", rvtools="Status",
           values=enums.STATUS),
    Column("time", TIME, "When it was triggered.", rvtools="Time"),
    Column("acknowledged", BOOL, "Someone acknowledged it.", rvtools="Acknowledged"),
    Column("acknowledged_by", STRING, "Who acknowledged it."),
    Column("entity_moid", STRING, "Managed object id of the object."),
    Column("alarm_moid", STRING, "Managed object id of the alarm definition."),
    Column("key", STRING, "Key of the triggered alarm state."),
), sort=("vcenter", "entity", "alarm"),
   brief=("vcenter", "entity", "entity_type", "alarm", "status", "time", "acknowledged"))


def build(inv: Inventory) -> list[dict]:
    rows = []
    for state in alarm_states(inv):
        entity = get(state, "entity")
        alarm = get(state, "alarm")
        rows.append({
            "vcenter": inv.vcenter,
            "entity": inv.name(entity) or moid(entity),
            "entity_type": kind(entity),
            "alarm": inv.alarm_names.get(moid(alarm)) or moid(alarm),
            "status": get(state, "overallStatus"),
            "time": utc(get(state, "time")),
            "acknowledged": bool(get(state, "acknowledged", False)),
            "acknowledged_by": get(state, "acknowledgedByUser"),
            "entity_moid": moid(entity),
            "alarm_moid": moid(alarm),
            "key": get(state, "key"),
        })
    return rows
