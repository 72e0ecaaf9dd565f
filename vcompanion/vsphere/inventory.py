"""One vCenter's objects as read: ``Inventory`` and the helpers to read its values.

``Inventory`` holds the properties read in one bulk retrieval (see
``collection.py``) or kept current by live updates (``live.py``), and answers
the questions tables ask about the inventory tree: an object's name, its
datacenter, a host's cluster, a VM's folder path.  The small helpers read
property values that may be missing at any step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# In a change notification: every table may be affected (names or the tree changed).
EVERYTHING = "*"

def get(obj: Any, path: str, default: Any = None) -> Any:
    """``obj.a.b.c`` where any step may be None or missing."""
    for part in path.split("."):
        if obj is None:
            return default
        obj = getattr(obj, part, None)
    return default if obj is None else obj


def moid(ref: Any) -> str | None:
    return getattr(ref, "_moId", None) if ref is not None else None


def kind(ref: Any) -> str | None:
    return getattr(ref, "_wsdlName", None) if ref is not None else None


def utc(value: Any) -> datetime | None:
    """A vSphere dateTime as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def as_list(value: Any) -> list:
    return list(value) if value else []


@dataclass(frozen=True)
class About:
    """What the vCenter says about itself."""

    product: str
    version: str
    build: str
    api_version: str
    instance_uuid: str


@dataclass
class Stats:
    """What one read cost: logged, and shown by ``status()``."""

    round_trips: int = 0
    objects: int = 0
    skipped: int = 0
    seconds: float = 0.0


@dataclass
class Inventory:
    """One vCenter's objects, as read at ``collected_at``."""

    vcenter: str
    objects: dict[str, dict[str, dict[str, Any]]]  # type name -> moid -> path -> value
    collected_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    alarm_names: dict[str, str] = field(default_factory=dict)  # alarm moid -> name
    # VM moid -> config.hardware.device, once the device tables were asked for
    # (read apart from the rest: see tables.DEVICE_SPECS)
    devices: dict[str, list] | None = None

    def __post_init__(self):
        self._names: dict[str, str] = {}
        self._parents: dict[str, Any] = {}
        self._kinds: dict[str, str] = {}
        for kind_name, objs in self.objects.items():
            for oid, props in objs.items():
                if "name" in props:
                    self._names[oid] = props["name"]
                self._parents[oid] = props.get("parent") or props.get("owner")
                self._kinds[oid] = kind_name

    def with_devices(self, devices: dict[str, list]) -> Inventory:
        """This inventory with VM device lists: a shallow copy, lookups shared."""
        other = copy.copy(self)
        other.devices = devices
        return other

    def of(self, kind_name: str) -> dict[str, dict[str, Any]]:
        return self.objects.get(kind_name, {})

    def name(self, ref_or_moid: Any) -> str | None:
        key = ref_or_moid if isinstance(ref_or_moid, str) else moid(ref_or_moid)
        return self._names.get(key) if key else None

    def kind_of(self, oid: str) -> str | None:
        return self._kinds.get(oid)

    def ancestors(self, ref_or_moid: Any):
        """moids of the parents of an object, nearest first."""
        key = ref_or_moid if isinstance(ref_or_moid, str) else moid(ref_or_moid)
        seen = set()
        while key and key not in seen:
            seen.add(key)
            parent = moid(self._parents.get(key))
            if not parent:
                return
            yield parent
            key = parent

    def ancestor_of_kind(self, ref_or_moid: Any, *kinds: str) -> str | None:
        for parent in self.ancestors(ref_or_moid):
            if self._kinds.get(parent) in kinds:
                return parent
        return None

    def datacenter(self, ref_or_moid: Any) -> str | None:
        return self.name(self.ancestor_of_kind(ref_or_moid, "Datacenter"))

    def cluster_of_host(self, host_ref: Any) -> str | None:
        """The cluster name of a host; None for a standalone host."""
        parent = moid(self._parents.get(moid(host_ref) if not isinstance(host_ref, str)
                                        else host_ref))
        if parent and self._kinds.get(parent) == "ClusterComputeResource":
            return self._names.get(parent)
        return None

    def folder_path(self, ref_or_moid: Any) -> str | None:
        """'/Prod/Web' style path of folders below the datacenter's root folder."""
        names = []
        for parent in self.ancestors(ref_or_moid):
            kind_name = self._kinds.get(parent)
            if kind_name != "Folder":
                break
            names.append(self._names.get(parent, parent))
        # The last folder before the datacenter is its hidden root ("vm", "host" ...).
        if not names:
            return None
        return "/" + "/".join(reversed(names[:-1]))


def alarm_states(inv: Inventory):
    """Each distinct triggered alarm state of the inventory, once.

    The states of descendants also show on their parents: de-duplicated by
    the state's key.
    """
    seen = set()
    for objs in inv.objects.values():
        for p in objs.values():
            for state in as_list(p.get("triggeredAlarmState")):
                key = get(state, "key") or (moid(get(state, "entity")),
                                            moid(get(state, "alarm")))
                if key in seen:
                    continue
                seen.add(key)
                yield state


def alarm_refs(inv: Inventory) -> list:
    """Every distinct Alarm reference in the triggered states (to name them)."""
    refs = {}
    for state in alarm_states(inv):
        ref = get(state, "alarm")
        if ref is not None:
            refs[moid(ref)] = ref
    return list(refs.values())


__all__ = ["EVERYTHING", "About", "Inventory", "Stats", "alarm_refs", "alarm_states",
           "as_list", "get", "kind", "moid", "utc"]
