"""One object's page data, from the FrameSet the pages read.

The object page shows ``vcompanion.objects`` (the same ``SECTIONS`` as
``Companion.object``, so sections registered later -- history, metrics --
appear with no change here), but reads them through ``FrameSetReader``:

- the facts and the sections whose rows are in the FrameSet (tags,
  attributes, alarms, problems, NICs, CD drives, disks, snapshots, related
  VMs, hosts, datastores and networks: ``FAST``) come from the FrameSet the
  page was handed -- the same collection, and the same per-user view, as
  every other page; they are made at once;
- the others (``events``, and any section registered later) may read
  vCenter or a database: the reader passes what the FrameSet does not hold
  to the login's Companion (``DashboardData.companion``), and the page reads
  them in a background thread.  Only objects of vCenters in the FrameSet get
  this far (``find``), so a user never reads a vCenter their view leaves out.

Also here: ``object_ids`` (vCenter, kind, name -> moid, to link names such as
a problem's object, a VM's host or cluster to their pages) and ``with_moids``
(the problems with the moid of their object).
"""

from __future__ import annotations

import threading

import pandas as pd

from ...objects import TABLE_OF, ObjectView
from ...tables.context import KINDS

# Sections made from the FrameSet alone: shown at once.  Every other section
# is read in the background (events, and whatever is registered later).
FAST = frozenset({"tags", "attributes", "alarms", "problems", "nics", "cdroms", "disks",
                  "snapshots", "vms", "hosts", "datastores", "networks"})

_ids_lock = threading.Lock()


class FrameSetReader:
    """What a section's ``build(companion, view)`` reads, answered from a FrameSet.

    ``table(name)``, ``vms()``, ``problems()`` ... are the FrameSet's frames;
    ``events()`` and anything the FrameSet does not hold go to ``companion``.
    """

    def __init__(self, frames, companion):
        self._frames = frames
        self._companion = companion

    @property
    def config(self):
        return self._companion.config

    @property
    def failures(self) -> dict:
        return {}  # the FrameSet's status says which vCenters could not be read

    def table(self, name: str) -> pd.DataFrame:
        tables = self._frames.tables
        return tables[name] if name in tables else self._companion.table(name)

    def problems(self) -> pd.DataFrame:
        return self._frames.tables["problems"]

    def events(self, hours: float | None = None, vcenters: list[str] | None = None):
        return self._companion.events(hours=hours, vcenters=vcenters)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in TABLE_OF.values() or name in self._frames.tables:
            return lambda: self.table(name)
        return getattr(self._companion, name)


def find(frames, companion, vcenter: str, moid: str,
         hours: float | None = None) -> ObjectView | None:
    """The ObjectView of ``moid`` in ``vcenter`` as the FrameSet has it (None: the
    FrameSet has no such object)."""
    for kind, name in TABLE_OF.items():
        table = frames.tables.get(name)
        if table is None or not len(table):
            continue
        rows = table[(table["vcenter"] == vcenter) & (table["moid"] == moid)]
        if len(rows):
            facts = rows.iloc[0]
            return ObjectView(vcenter, moid, kind, str(facts["name"]), facts, hours,
                              _companion=FrameSetReader(frames, companion))
    return None


def object_ids(frames) -> dict[tuple[str, str], dict[str, str]]:
    """(vCenter, kind) -> object name -> moid, made once per FrameSet.

    Names are unique per kind in a vCenter nearly always (VMs in different
    folders may share one): the first object of a name wins.
    """
    with _ids_lock:
        found = frames.cache.get("object-ids")
        if found is None:
            found = {}
            for kind, name in TABLE_OF.items():
                table = frames.tables.get(name)
                if table is None or not len(table):
                    continue
                for vcenter, part in table[["vcenter", "name", "moid"]].groupby(
                        "vcenter", sort=False):
                    ids = found.setdefault((vcenter, kind), {})
                    for obj_name, obj_id in zip(part["name"], part["moid"]):
                        ids.setdefault(obj_name, obj_id)
            frames.cache["object-ids"] = found
        return found


def resolve(frames, vcenter, kind: str, name) -> str | None:
    """The moid of the ``kind`` named ``name`` in ``vcenter`` (None: unknown)."""
    if name is None or vcenter is None:
        return None
    return object_ids(frames).get((vcenter, kind), {}).get(name)


def with_moids(frames, frame: pd.DataFrame, kind_column: str = "object_type",
               name_column: str = "object", out: str = "object_moid") -> pd.DataFrame:
    """``frame`` (e.g. the problems) with the moid of the object each row names,
    by its vSphere type and name (empty where there is none: a vCenter)."""
    ids = object_ids(frames)
    moids = [ids.get((vc, KINDS.get(kind, "")), {}).get(name, "")
             for vc, kind, name in zip(frame["vcenter"], frame[kind_column],
                                       frame[name_column])]
    return frame.assign(**{out: pd.Series(moids, index=frame.index, dtype=object)})


__all__ = ["FAST", "FrameSetReader", "find", "object_ids", "resolve", "with_moids"]
