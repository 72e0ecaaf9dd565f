"""Who made a change: the vCenter event that explains it.

A recording sees *that* something changed between two recordings; the
vCenter's events say *who* and *when*.  Each change is matched with the
latest event in its window (the previous recording of that vCenter to this
one, a few minutes of clock skew either side) that is about the same object
(its managed object id) and of a type that makes that kind of change
(``FAMILIES``).  The change row gets the event's ``user``, type, time and key.

Guest-driven values (IP addresses, tools status, the guest's OS) change
because the VM was powered on or off: the power events explain them too.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..tables.context import get, moid, utc
from ..tables.events import event_type

log = logging.getLogger(__name__)

SKEW = timedelta(minutes=5)

_POWER = ("VmPoweredOnEvent", "VmPoweredOffEvent", "VmSuspendedEvent",
          "VmGuestShutdownEvent", "VmResettingEvent", "DrsVmPoweredOnEvent",
          "VmGuestRebootEvent", "VmGuestStandbyEvent")
_RECONFIGURED = ("VmReconfiguredEvent",)
_MOVED = ("VmMigratedEvent", "DrsVmMigratedEvent", "VmRelocatedEvent",
          "VmResourcePoolMovedEvent", "VmEmigratingEvent")
_SNAPSHOT = ("Task:*snapshot*", "com.vmware.vc.vm.*Snapshot*", "VmSnapshot*")

# (kind, change or property) -> event types (fnmatch patterns; "Task:PATTERN"
# matches a TaskEvent whose task description id matches PATTERN).
FAMILIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("vm", "created"): ("VmCreatedEvent", "VmClonedEvent", "VmDeployedEvent",
                        "VmRegisteredEvent", "VmDiscoveredEvent", "VmAutoRenameEvent"),
    ("vm", "removed"): ("VmRemovedEvent", "Task:*unregister*", "Task:*destroy*"),
    ("vm", "name"): ("VmRenamedEvent", *_RECONFIGURED, "Task:*rename*"),
    ("vm", "power_state"): _POWER,
    ("vm", "num_cpu"): _RECONFIGURED,
    ("vm", "memory_mb"): _RECONFIGURED,
    ("vm", "annotation"): _RECONFIGURED,
    ("vm", "networks"): (*_RECONFIGURED, *_MOVED),
    ("vm", "provisioned_gb"): (*_RECONFIGURED, *_SNAPSHOT, *_MOVED),
    ("vm", "datastores"): (*_MOVED, *_RECONFIGURED),
    ("vm", "host"): (*_MOVED, *_POWER),
    ("vm", "cluster"): (*_MOVED, *_POWER),
    ("vm", "resource_pool"): _MOVED,
    ("vm", "folder"): ("Task:*moveInto*", *_MOVED),
    ("vm", "snapshot_count"): _SNAPSHOT,
    ("vm", "is_template"): ("Task:*markAs*", *_RECONFIGURED),
    ("vm", "guest_os"): (*_RECONFIGURED, *_POWER),
    ("vm", "ip_addresses"): _POWER,
    ("vm", "tools_status"): (*_POWER, "VmToolsUpgrade*", "Task:*upgradeTools*"),
    ("host", "created"): ("HostAddedEvent", "HostConnectedEvent"),
    ("host", "removed"): ("HostRemovedEvent",),
    ("host", "connection_state"): ("HostConnectedEvent", "HostDisconnectedEvent",
                                   "HostConnectionLostEvent", "HostReconnectionFailedEvent",
                                   "HostShutdownEvent", "HostNotRespondingEvent"),
    ("host", "in_maintenance"): ("EnteredMaintenanceModeEvent", "ExitMaintenanceModeEvent",
                                 "EnteringMaintenanceModeEvent"),
    ("host", "cluster"): ("HostAddedEvent", "Task:*moveInto*", "Task:*moveHostInto*"),
    ("host", "version"): ("HostUpgradeFailedEvent", "Task:*upgrade*", "Task:*install*"),
    ("host", "build"): ("HostUpgradeFailedEvent", "Task:*upgrade*", "Task:*install*"),
    ("datastore", "created"): ("VMFSDatastoreCreatedEvent", "NASDatastoreCreatedEvent",
                               "LocalDatastoreCreatedEvent", "DatastoreDiscoveredEvent"),
    ("datastore", "removed"): ("DatastoreDestroyedEvent", "DatastoreRemovedOnHostEvent"),
    ("datastore", "name"): ("DatastoreRenamedEvent", "DatastoreRenamedOnHostEvent"),
    ("datastore", "capacity_bytes"): ("DatastoreCapacityIncreasedEvent",
                                      "VMFSDatastoreExpandedEvent",
                                      "VMFSDatastoreExtendedEvent"),
    ("cluster", "created"): ("ClusterCreatedEvent",),
    ("cluster", "removed"): ("ClusterDestroyedEvent",),
    ("cluster", "ha_enabled"): ("ClusterReconfiguredEvent",),
    ("cluster", "drs_enabled"): ("ClusterReconfiguredEvent",),
    ("cluster", "host_count"): ("HostAddedEvent", "HostRemovedEvent", "Task:*moveInto*"),
    ("network", "created"): ("DVPortgroupCreatedEvent",),
    ("network", "removed"): ("DVPortgroupDestroyedEvent",),
    ("network", "name"): ("DVPortgroupRenamedEvent",),
    ("network", "vlan"): ("DVPortgroupReconfiguredEvent",),
}

# Where an event names the object of each kind.
_ARGUMENT = {"vm": "vm.vm", "host": "host.host", "datastore": "ds.datastore",
             "cluster": "computeResource.computeResource", "network": "net.network"}
_OBJECT_TYPES = {"vm": ("VirtualMachine",), "host": ("HostSystem",),
                 "datastore": ("Datastore",),
                 "cluster": ("ClusterComputeResource", "ComputeResource"),
                 "network": ("Network", "DistributedVirtualPortgroup", "OpaqueNetwork")}


@dataclass(frozen=True)
class Event:
    """What attribution needs of one vCenter event."""

    type: str          # VmPoweredOffEvent, or Task:<description id> for a TaskEvent
    time: datetime | None
    user: str | None
    key: int | None
    objects: dict      # kind -> moid the event is about


def compact(events: list) -> list[Event]:
    """The raw event objects (``Source.read_events``) as ``Event``s."""
    out = []
    for ev in events:
        kind = event_type(ev)
        objects = {k: moid(get(ev, path)) for k, path in _ARGUMENT.items()}
        if kind == "TaskEvent":
            entity = get(ev, "info.entity")
            kind = f"Task:{get(ev, 'info.descriptionId') or get(ev, 'info.name') or ''}"
            for k, types in _OBJECT_TYPES.items():
                if getattr(entity, "_wsdlName", None) in types:
                    objects[k] = moid(entity)
        elif getattr(ev, "objectId", None):  # EventEx / ExtendedEvent
            for k, types in _OBJECT_TYPES.items():
                if getattr(ev, "objectType", None) in types:
                    objects[k] = ev.objectId
        out.append(Event(kind, utc(getattr(ev, "createdTime", None)),
                         getattr(ev, "userName", None) or None, getattr(ev, "key", None),
                         {k: v for k, v in objects.items() if v}))
    return out


def _matches(event_kind: str, patterns: tuple[str, ...]) -> bool:
    lower = event_kind.lower()
    return any(fnmatch.fnmatchcase(lower, p.lower()) for p in patterns)


def attribute(changes: list[dict], events: list[Event], start: datetime | None,
              end: datetime) -> int:
    """Fill ``username``, ``event``, ``event_time`` and ``event_key`` of the change
    rows (dicts with kind, moid, change, property) from ``events`` in the window
    ``start``..``end``; returns how many were explained."""
    if not changes or not events:
        return 0
    low = (start - SKEW) if start else None
    high = end + SKEW
    by_object: dict[tuple[str, str], list[Event]] = {}
    for ev in events:
        if ev.time is None or ev.time > high or (low is not None and ev.time <= low):
            continue
        for kind, oid in ev.objects.items():
            by_object.setdefault((kind, oid), []).append(ev)
    explained = 0
    for row in changes:
        candidates = by_object.get((row["kind"], row["moid"]))
        if not candidates:
            continue
        key = row["change"] if row["change"] != "modified" else row["property"]
        patterns = FAMILIES.get((row["kind"], key))
        if not patterns:
            continue
        found = [ev for ev in candidates if _matches(ev.type, patterns)]
        if not found:
            continue
        best = max(found, key=lambda ev: (ev.time, ev.key or 0))
        row.update(username=best.user, event=best.type, event_time=best.time,
                   event_key=best.key)
        explained += 1
    return explained


__all__ = ["FAMILIES", "SKEW", "Event", "attribute", "compact"]
