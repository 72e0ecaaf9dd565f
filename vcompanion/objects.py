"""One object's page: its facts and every related row, across the tables.

``Companion.object(vcenter, moid)`` returns an ``ObjectView`` of a VM, host,
datastore, cluster or network: ``facts`` (its row of its table) and
sections (DataFrames) made when first read, from the same tables as every
other view::

    page = vc.object("prod", "vm-42")
    page.kind, page.name, page.facts["power_state"]
    page.disks            # or page["disks"]; page.sections lists what a kind has
    page.frames()         # every section at once

``SECTIONS`` declares each section once: its name, the kinds that have it
and how its rows are found.  Later capabilities add theirs with
``register(Section(...))`` (history of a VM, ...) and every page shows them,
with no change here.  ``performance`` (VMs, hosts, clusters, datastores) is
the object's statistics, one row per sample (``vc.metrics``).  A section that cannot be read (a
device read that failed, events of a vCenter that stopped answering) is an
empty frame plus a note in ``errors``; an object no longer in the inventory
raises ``NotFoundError``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

from .errors import NotFoundError, VCompanionError
from .tables.context import KINDS

log = logging.getLogger(__name__)

# kind -> its table, and the vSphere types that kind covers (alarms, problems)
TABLE_OF = {"vm": "vms", "host": "hosts", "datastore": "datastores",
            "cluster": "clusters", "network": "networks"}
TYPES = {kind: {t for t, k in KINDS.items() if k == kind} for kind in TABLE_OF}


@dataclass(frozen=True)
class Section:
    """A part of an object's page: ``build(companion, view)`` gives its rows.

    ``columns``: the ones worth showing first (default: the brief columns of
    the table named like the section, else all); see ``shown_columns``.
    """

    name: str
    kinds: tuple[str, ...]
    build: Callable[[Any, ObjectView], pd.DataFrame]
    description: str = ""
    columns: tuple[str, ...] = ()


SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add a section to every page of its kinds (after those already there)."""
    SECTIONS[section.name] = section
    return section


@dataclass
class ObjectView:
    """A VM, host, datastore, cluster or network with everything related to it."""

    vcenter: str
    moid: str
    kind: str  # vm, host, datastore, cluster or network
    name: str
    facts: pd.Series  # its row of its table (vms, hosts, ...)
    hours: float | None = None  # the events' look-back (None: the configured one)
    errors: dict[str, str] = field(default_factory=dict)  # section -> why it is empty
    _companion: Any = field(default=None, repr=False)
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def sections(self) -> list[str]:
        """The sections of this kind of object, in page order."""
        return [s.name for s in SECTIONS.values() if self.kind in s.kinds]

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.sections:
            raise KeyError(f"{self.kind} pages have no section '{name}' (they have: "
                           f"{', '.join(self.sections)})")
        if name not in self._frames:
            section = SECTIONS[name]
            try:
                frame = section.build(self._companion, self)
            except VCompanionError as exc:  # one section's failure, not the page's
                log.warning("%s %s/%s: section %s unavailable: %s", self.kind,
                            self.vcenter, self.moid, name, exc)
                self.errors[name] = str(exc)
                frame = pd.DataFrame()
            self._frames[name] = frame.reset_index(drop=True)
        return self._frames[name]

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name not in SECTIONS:
            raise AttributeError(name)
        return self[name]

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every section of this object, read now where not read yet."""
        return {name: self[name] for name in self.sections}


def gather(companion, vcenter: str, moid: str, hours: float | None = None) -> ObjectView:
    """The ObjectView of ``moid`` in ``vcenter`` (see ``Companion.object``)."""
    companion.config.vcenter(vcenter)  # ConfigError naming the configured ones
    for kind, table in TABLE_OF.items():
        frame = companion.table(table)
        rows = frame[(frame["vcenter"] == vcenter) & (frame["moid"] == moid)]
        if len(rows):
            facts = rows.iloc[0]
            return ObjectView(vcenter, moid, kind, facts["name"], facts, hours,
                              _companion=companion)
    error = companion.failures.get(vcenter)
    if error is not None:
        raise error  # that vCenter could not be read: say why
    raise NotFoundError(f"vCenter '{vcenter}' has no VM, host, datastore, cluster or "
                        f"network '{moid}' (any more)")


# Columns naming the object itself in the rows of its own sections.
_SELF = {"vcenter", "vm", "vm_moid", "entity", "entity_type", "entity_moid", "moid", "kind"}
# Sections listing other objects: their names and states are theirs, not the object's.
RELATED = ("vms", "hosts", "datastores", "networks")


def section_table(name: str):
    """The table declaration of a section's rows (titles, types, units), if any."""
    from .problems import TABLE as PROBLEMS
    from .tables import TABLES
    return PROBLEMS if name == "problems" else TABLES.get(name)


def shown_columns(view: ObjectView, name: str, frame: pd.DataFrame) -> list[str]:
    """The columns of section ``name`` worth showing on ``view``'s page: the
    section's ``columns`` (else its table's brief ones) without those that only
    repeat the object (its vCenter, its name, a VM's power state on each disk)."""
    section = SECTIONS.get(name)
    decl = section_table(name)
    columns = list(section.columns) if section is not None and section.columns else \
        list(decl.brief_names) if decl is not None else list(frame.columns)
    related = name in RELATED

    def repeats(column: str) -> bool:
        if column == "name" and related:
            return False
        if column in _SELF and not related:
            return True
        text = frame[column].astype(str)
        if column == "vcenter" or (len(frame) and (text == view.name).all()):
            return True
        return (not related and len(frame) > 0 and column in view.facts.index
                and bool((text == str(view.facts[column])).all()))

    kept = [c for c in columns if c in frame.columns and not repeats(c)]
    return kept or list(frame.columns)


# --- the sections ---------------------------------------------------------------------

def _of(frame: pd.DataFrame, view: ObjectView, column: str = "moid",
        value: Any = None) -> pd.DataFrame:
    """The rows of ``frame`` in the object's vCenter whose ``column`` is the
    object's moid (or ``value``)."""
    if frame.empty:
        return frame
    wanted = view.moid if value is None else value
    return frame[(frame["vcenter"] == view.vcenter) & (frame[column] == wanted)]


def _listing(frame: pd.DataFrame, view: ObjectView, column: str,
             value: str) -> pd.DataFrame:
    """Rows in the object's vCenter whose list ``column`` holds ``value``."""
    if frame.empty:
        return frame
    mine = frame[frame["vcenter"] == view.vcenter]
    return mine[mine[column].map(lambda items: value in items)]


def _named(frame: pd.DataFrame, view: ObjectView, names) -> pd.DataFrame:
    """Rows in the object's vCenter named in ``names``."""
    names = list(names) if names is not None else []
    if frame.empty:
        return frame
    return frame[(frame["vcenter"] == view.vcenter) & frame["name"].isin(names)]


def _by_table(table: str, column: str = "moid"):
    return lambda vc, view: _of(vc.table(table), view, column)


def _problems(vc, view: ObjectView) -> pd.DataFrame:
    frame = vc.problems()
    return frame[(frame["vcenter"] == view.vcenter) & (frame["object"] == view.name)
                 & frame["object_type"].isin(TYPES[view.kind])]


def _events(vc, view: ObjectView) -> pd.DataFrame:
    return _of(vc.events(hours=view.hours, vcenters=[view.vcenter]), view, "entity_moid")


def _vms(vc, view: ObjectView) -> pd.DataFrame:
    vms = vc.vms()
    if view.kind in ("host", "cluster"):
        return _of(vms, view, view.kind, view.name)
    return _listing(vms, view, "datastores" if view.kind == "datastore" else "networks",
                    view.name)


def _hosts(vc, view: ObjectView) -> pd.DataFrame:
    hosts = vc.hosts()
    if view.kind == "cluster":
        return _of(hosts, view, "cluster", view.name)
    if view.kind == "datastore":
        return _named(hosts, view, view.facts["hosts"])
    return _named(hosts, view, [view.facts["host"]])  # a VM's host


ALL = tuple(TABLE_OF)
for _section in (
    Section("tags", ALL, _by_table("tags"), "Its tags (category, tag)."),
    Section("attributes", ALL, _by_table("attributes"), "Its custom attributes."),
    Section("alarms", ALL, _by_table("alarms", "entity_moid"), "Alarms triggered on it."),
    Section("problems", ALL, _problems, "Its health problems."),
    Section("events", ALL, _events, "Its recent vCenter events, newest first."),
    Section("nics", ("vm",), _by_table("nics", "vm_moid"), "Network adapters."),
    Section("cdroms", ("vm",), _by_table("cdroms", "vm_moid"), "CD/DVD drives."),
    Section("disks", ("vm",), _by_table("disks", "vm_moid"),
            "Virtual disks: capacity, thin or thick, datastore, controller."),
    Section("snapshots", ("vm",), _by_table("snapshots", "vm_moid"),
            "Snapshots with their size.",
            ("name", "created", "age_days", "size_bytes", "parent", "is_current",
             "quiesced", "description")),
    Section("vms", ("host", "cluster", "datastore", "network"), _vms,
            "VMs on the host or cluster, with files on the datastore, on the network."),
    Section("hosts", ("vm", "cluster", "datastore"), _hosts,
            "The VM's host, the cluster's hosts, the hosts mounting the datastore."),
    Section("datastores", ("vm",), lambda vc, v: _named(vc.datastores(), v,
                                                        v.facts["datastores"]),
            "Datastores holding the VM's files."),
    Section("networks", ("vm",), lambda vc, v: _named(vc.networks(), v,
                                                      v.facts["networks"]),
            "Networks the VM is on."),
):
    register(_section)


# --- performance statistics -------------------------------------------------------------

# kind -> (vc.metrics kind, window): a VM's last hour is read from vCenter (20 s
# samples, every counter); the others' last week comes from the history's 5-minute
# samples where it has them, else from vCenter's 30-minute ones.
PERFORMANCE = {"vm": ("vms", "1h"), "host": ("hosts", "7d"),
               "cluster": ("clusters", "7d"), "datastore": ("datastores", "7d")}


def _performance(vc, view: ObjectView) -> pd.DataFrame:
    kind, since = PERFORMANCE[view.kind]
    frame = vc.metrics(kind, since=since, quiet=True, vcenter=view.vcenter,
                       moids=[view.moid])
    failure = frame.attrs.get("failures", {}).get(view.vcenter)
    if failure:
        raise VCompanionError(failure)
    return frame


register(Section("performance", tuple(PERFORMANCE), _performance,
                 "Its performance statistics: a VM's last hour (20-second samples, from "
                 "vCenter), a host's, cluster's or datastore's last 7 days (5-minute "
                 "samples from the history where it has them, else vCenter's 30-minute "
                 "ones).", ("counter", "instance", "time", "value", "unit", "interval")))


__all__ = ["PERFORMANCE", "RELATED", "SECTIONS", "TABLE_OF", "ObjectView", "Section",
           "gather", "register", "section_table", "shown_columns"]
