"""events: one row per vCenter event in a time window (newest first).

Events are not part of the inventory snapshot: ``collection.read_events``
pages through an EventHistoryCollector for the window asked for.
"""

from __future__ import annotations

from .context import get, utc
from .schema import INT, STRING, TIME, Column, Table
from . import enums

TABLE = Table("events", "event", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("time", TIME, "When it happened.", rvtools="Date / time"),
    Column("type", STRING, "Event type: the vSphere class (VmPoweredOffEvent, "
           "HostConnectionLostEvent, ...) or, for extended events, the event type "
           "id (com.vmware.vc.HA.ClusterFailoverActionCompletedEvent, ...)."),
    Column("severity", STRING, "vCenter's category of the event.",
           values=enums.EVENT_SEVERITY),
    Column("message", STRING, "The message vCenter shows.", rvtools="Message"),
    Column("entity", STRING, "Object the event is about (VM, host, datastore, ...)."),
    Column("entity_type", STRING, "vm, host, datastore, network, dvs, cluster or "
           "datacenter."),
    Column("entity_moid", STRING, "Managed object id of that object."),
    Column("datacenter", STRING, "Datacenter."),
    Column("user", STRING, "User who caused it, when known.", rvtools="User"),
    Column("key", INT, "Event key, unique within the vCenter."),
    Column("chain_id", INT, "Key of the first event of the same chain (task)."),
), sort=("vcenter", "time"),
   brief=("vcenter", "time", "type", "severity", "entity", "user", "message"))

# Most specific first: a VM event also names its host and datacenter.
# (event argument, kind, the argument's reference)
_ENTITIES = (("vm", "vm", "vm"), ("host", "host", "host"), ("ds", "datastore", "datastore"),
             ("net", "network", "network"), ("dvs", "dvs", "dvs"),
             ("computeResource", "cluster", "computeResource"),
             ("datacenter", "datacenter", "datacenter"))


def event_type(event) -> str:
    type_id = getattr(event, "eventTypeId", None)
    if type_id:
        return type_id
    return getattr(event, "_wsdlName", type(event).__name__)


def build(vcenter: str, events: list, categories: dict[str, str]) -> list[dict]:
    rows = []
    for ev in events:
        entity = entity_type = entity_moid = None
        for attr, label, ref in _ENTITIES:
            arg = getattr(ev, attr, None)
            if arg is not None and get(arg, "name"):
                entity, entity_type = arg.name, label
                entity_moid = getattr(getattr(arg, ref, None), "_moId", None)
                break
        kind = event_type(ev)
        severity = getattr(ev, "severity", None) or categories.get(
            getattr(ev, "_wsdlName", ""), None) or categories.get(kind) or "info"
        rows.append({
            "vcenter": vcenter,
            "time": utc(getattr(ev, "createdTime", None)),
            "type": kind,
            "severity": severity,
            "message": (getattr(ev, "fullFormattedMessage", None) or "").strip() or None,
            "entity": entity,
            "entity_type": entity_type,
            "entity_moid": entity_moid,
            "datacenter": get(ev, "datacenter.name"),
            "user": getattr(ev, "userName", None) or None,
            "key": getattr(ev, "key", None),
            "chain_id": getattr(ev, "chainId", None),
        })
    return rows
