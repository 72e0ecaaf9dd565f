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
# Parts of an inventory read apart from the rest (see Inventory).
PARTS = ("devices", "tags", "layouts")

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


@dataclass(frozen=True)
class CustomField:
    """A custom attribute definition (``CustomFieldsManager.field``)."""

    key: int
    name: str
    managed_type: str | None = None  # VirtualMachine, HostSystem, ...; None: every type


@dataclass(frozen=True)
class TagCategory:
    """A tag category of the vSphere Automation API."""

    id: str
    name: str
    description: str = ""
    cardinality: str = ""  # SINGLE or MULTIPLE
    types: tuple[str, ...] = ()  # associable types; empty: every type


@dataclass(frozen=True)
class Tag:
    """A tag of the vSphere Automation API."""

    id: str
    name: str
    category_id: str
    description: str = ""


@dataclass
class TagData:
    """One vCenter's tags: the catalog and which objects carry which tags.

    Read through the vSphere Automation REST API (``vsphere/rest.py``), once
    per collection.  ``error`` says why tags are unavailable (then everything
    else is empty): a vCenter whose tagging service fails keeps its inventory.
    """

    categories: dict[str, TagCategory] = field(default_factory=dict)  # id -> category
    tags: dict[str, Tag] = field(default_factory=dict)  # id -> tag
    attached: dict[str, list[str]] = field(default_factory=dict)  # object moid -> tag ids
    error: str | None = None
    api: str | None = None  # "api" (vCenter 7.0 U2+) or "rest" (the older paths)
    calls: int = 0
    seconds: float = 0.0
    read_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def unavailable(cls, why: str) -> TagData:
        return cls(error=why)

    def label(self, tag_id: str) -> tuple[str, str] | None:
        """(category name, tag name) of a tag id; None for a tag gone meanwhile."""
        tag = self.tags.get(tag_id)
        if tag is None:
            return None
        category = self.categories.get(tag.category_id)
        return (category.name if category else tag.category_id), tag.name

    def labels(self, moid: str) -> list[tuple[str, str]]:
        """The (category, tag) pairs on an object, sorted."""
        cache = self.__dict__.setdefault("_labels", {})
        found = cache.get(moid)
        if found is None:
            found = sorted(filter(None, (self.label(t) for t in self.attached.get(moid, ()))),
                           key=lambda pair: (pair[0].lower(), pair[1].lower()))
            cache[moid] = found
        return found


@dataclass
class Inventory:
    """One vCenter's objects, as read at ``collected_at``.

    ``devices``, ``tags`` and ``layouts`` are parts read apart from the rest,
    when a table that needs them is first asked for (``tables.PARTS``): a view
    with them is a shallow copy (``with_parts``) whose ``base`` is the
    inventory as read.
    """

    vcenter: str
    objects: dict[str, dict[str, dict[str, Any]]]  # type name -> moid -> path -> value
    collected_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    alarm_names: dict[str, str] = field(default_factory=dict)  # alarm moid -> name
    custom_fields: dict[int, CustomField] = field(default_factory=dict)  # key -> definition
    # VM moid -> config.hardware.device (see tables.DEVICE_SPECS)
    devices: dict[str, list] | None = None
    # the REST tags (see TagData)
    tags: TagData | None = None
    # VM moid -> {"layoutEx.file": [...], "layoutEx.snapshot": [...]} of VMs with snapshots
    layouts: dict[str, dict[str, Any]] | None = None

    def __post_init__(self):
        self._base = self
        self._names: dict[str, str] = {}
        self._parents: dict[str, Any] = {}
        self._kinds: dict[str, str] = {}
        for kind_name, objs in self.objects.items():
            for oid, props in objs.items():
                if "name" in props:
                    self._names[oid] = props["name"]
                self._parents[oid] = props.get("parent") or props.get("owner")
                self._kinds[oid] = kind_name

    @property
    def base(self) -> Inventory:
        """The inventory as read, without parts (itself, unless a view)."""
        return self._base

    def with_parts(self, **parts: Any) -> Inventory:
        """This inventory with parts (devices=, tags=, layouts=): a shallow copy,
        lookups shared."""
        other = copy.copy(self)
        for name, value in parts.items():
            if name not in PARTS:
                raise TypeError(f"unknown inventory part {name!r}")
            setattr(other, name, value)
        return other

    def with_devices(self, devices: dict[str, list]) -> Inventory:
        """This inventory with VM device lists (``with_parts(devices=...)``)."""
        return self.with_parts(devices=devices)

    def custom_values(self, props: dict[str, Any]) -> list[tuple[str, str]]:
        """(attribute name, value) of an object's custom attributes, by name.

        Values of one field given twice count once (the last); empty values
        and values of fields defined for other types are left out.
        """
        values: dict[int, str] = {}
        for item in as_list(props.get("customValue")):
            key, value = getattr(item, "key", None), getattr(item, "value", None)
            if key is None:
                continue
            if value:
                values[key] = value
            else:
                values.pop(key, None)
        named = []
        for key, value in values.items():
            definition = self.custom_fields.get(key)
            named.append((definition.name if definition else str(key), value))
        return sorted(named, key=lambda pair: pair[0].lower())

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


def custom_value_keys(inv: Inventory) -> set[int]:
    """The custom field keys that have a value somewhere in the inventory."""
    keys = set()
    for objs in inv.objects.values():
        for p in objs.values():
            for item in as_list(p.get("customValue")):
                key = getattr(item, "key", None)
                if key is not None:
                    keys.add(key)
    return keys


def alarm_refs(inv: Inventory) -> list:
    """Every distinct Alarm reference in the triggered states (to name them)."""
    refs = {}
    for state in alarm_states(inv):
        ref = get(state, "alarm")
        if ref is not None:
            refs[moid(ref)] = ref
    return list(refs.values())


__all__ = ["EVERYTHING", "PARTS", "About", "CustomField", "Inventory", "Stats", "Tag",
           "TagCategory", "TagData", "alarm_refs", "alarm_states", "as_list",
           "custom_value_keys", "get", "kind", "moid", "utc"]
