"""The source seam: where one vCenter's data comes from.

A ``Source`` stands for one configured vCenter and answers a few questions
in raw vSphere terms (property values and event objects, not tables)::

    connect() / close() / keepalive()      the session, if there is one
    probe()                                one round trip, read access checked
    read_inventory(pool)                   every object the tables need
    read_devices(pool)                     every VM's device list
    read_tags(inventory)                   tags of the inventory's objects, catalog
    read_layouts(inventory)                file layouts of the VMs with snapshots
    read_events(since)                     events since a time, with categories
    read_perf(query)                       performance counters of some entities
    start_live(on_change, pool) / stop_live()
                                           an inventory kept current

``VCenterSource`` (``sources/vcenter.py``) reads a real vCenter through
``vcompanion.vsphere``; ``DemoSource`` (``vcompanion/demo/``) generates
the same raw values.  ``Companion`` takes a list of sources and knows
nothing of where the data comes from: it caches, builds the tables and keeps
one vCenter's failure away from the others.  A source raises
``VCenterError`` subclasses naming the vCenter, its host:port and the user.

Later capabilities (history, and the ones to come) add a method here and one
to each source, never a branch in ``Companion``: tags, snapshot layouts and
performance statistics did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Protocol, runtime_checkable

from ..config import VCenterConfig
from ..vsphere.inventory import (EVERYTHING, About, CustomField, Inventory, Stats, Tag,
                                 TagCategory, TagData)
from ..vsphere.perfdata import (DEFAULT_INTERVALS, REALTIME, CounterInfo, Interval,
                                Missing, PerfAnswer, PerfData, PerfQuery, PerfStats,
                                choose_interval, find_interval)

# on_change(source name, the new inventory, the object types that changed;
# {EVERYTHING} when names or the tree changed)
OnChange = Callable[[str, Inventory, set[str]], None]


class LiveUnsupported(Exception):
    """This source has no live updates: read it again instead."""


@runtime_checkable
class Source(Protocol):
    """One vCenter's raw data (see the module docstring)."""

    config: VCenterConfig
    # True when big answers are worth decoding in worker processes.
    wants_decode_pool: bool

    @property
    def name(self) -> str:
        """The vCenter's configured name."""

    @property
    def address(self) -> str:
        """host:port, for messages."""

    @property
    def user(self) -> str | None:
        """The user the source reads as (None before the first connect)."""

    @property
    def about(self) -> About | None:
        """What the vCenter says about itself (None until connected)."""

    @property
    def round_trip_ms(self) -> float | None:
        """The latest measured round trip."""

    @property
    def connected(self) -> bool:
        """A session is open."""

    def connect(self) -> None:
        """Open the session if there is none; raises a VCenterError."""

    def probe(self) -> float:
        """One API round trip in ms; raises NoPermissionError without read access."""

    def read_inventory(self, pool: Any = None) -> tuple[Inventory, Stats]:
        """Everything the inventory tables read (``tables.inventory_specs()``)."""

    def read_devices(self, pool: Any = None) -> dict[str, list]:
        """VM moid -> its device list (``config.hardware.device``)."""

    def read_tags(self, inventory: Inventory) -> TagData:
        """The catalog and the tags of the inventory's VMs, hosts, datastores,
        clusters and networks; raises (a ``VCenterError``) when the tagging
        service fails or refuses: the caller keeps the inventory."""

    def read_layouts(self, inventory: Inventory) -> dict[str, dict]:
        """VM moid -> ``layoutEx.file``/``.snapshot``/``.disk`` of the VMs that
        have snapshots (the snapshot sizes)."""

    def read_events(self, since: datetime) -> tuple[list, dict[str, str]]:
        """(event objects created since ``since``, event type -> category)."""

    def read_perf(self, query: PerfQuery) -> PerfAnswer:
        """Raw samples of ``query``'s counters, the window ending on the vCenter's
        clock; counters it lacks or does not collect are ``Missing`` with the
        reason (``vsphere/perfdata.py``, ``vsphere/perf.py``)."""

    def start_live(self, on_change: OnChange, pool: Any = None) -> Inventory:
        """Keep the inventory current; returns it after the first full sync.

        Raises ``LiveUnsupported`` when the source cannot.
        """

    def stop_live(self) -> None:
        """Stop live updates (nothing when none run)."""

    def keepalive(self) -> None:
        """Keep an idle session from timing out."""

    def close(self) -> None:
        """Stop live updates and end the session; the next call connects again."""


__all__ = ["DEFAULT_INTERVALS", "EVERYTHING", "REALTIME", "About", "CounterInfo",
           "CustomField", "Interval", "Inventory", "LiveUnsupported", "Missing", "OnChange",
           "PerfAnswer", "PerfData", "PerfQuery", "PerfStats", "Source", "Stats", "Tag",
           "TagCategory", "TagData", "choose_interval", "find_interval"]
