"""``FrameSet``: every table of one collection, consistent with each other.

What the pages read: a ``FrameSet`` never changes once made (a refresh makes
a new one), so a page can read it at any time without locks, and every
browser session of a server shares it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from ...companion import STATUS_COLUMNS
from ...problems import TABLE as PROBLEMS_TABLE
from ...search import RESULT, SearchIndex
from ...tables import TABLES
from ..labels import display_frame
from .alerts import AlertHistory
from .summary import summarize

# The inventory tables a collection reads, then the problems and one row per vCenter.
# (Tags, attributes and disks cost no read of their own here: the tags come with
# the VMs' tags column, attributes with the inventory, disks with the NICs'
# device lists; the object pages show them.)
INVENTORY = ("vms", "hosts", "clusters", "datastores", "networks", "snapshots", "alarms",
             "nics", "cdroms", "disks", "tags", "attributes")
FRAMES = (*INVENTORY, "problems", "status")

_display_lock = threading.Lock()


def empty_frame(name: str) -> pd.DataFrame:
    """Table ``name`` without rows (its columns and dtypes)."""
    if name == "problems":
        return PROBLEMS_TABLE.empty()
    if name == "status":
        return pd.DataFrame(columns=STATUS_COLUMNS)
    return TABLES[name].empty()


@dataclass(frozen=True)
class FrameSet:
    """Every table of one collection, plus the overview figures made from them.

    ``frames.vms`` is ``frames.tables["vms"]``; ``version`` is 0 before the
    first collection.
    """

    version: int
    refreshed_at: datetime | None
    tables: dict[str, pd.DataFrame]
    summary: dict
    index: SearchIndex | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. vCenters this user cannot use
    alerts: AlertHistory | None = None  # None: the alerts database is not readable
    audit: pd.DataFrame | None = None  # the newest audit rows (None: not readable)
    # Derived frames made once and shared by every session (see display()).
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = object.__getattribute__(self, "tables")
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def loaded(self) -> bool:
        return self.version > 0

    def display(self, name: str) -> pd.DataFrame:
        """Table ``name`` ready for a Tabulator (friendly words; see labels.py).

        Made once per frame set and shared by every browser session: treat it
        as read-only.
        """
        with _display_lock:
            frame = self.cache.get(name)
            if frame is None:
                decl = PROBLEMS_TABLE if name == "problems" else TABLES.get(name)
                frame = display_frame(self.tables[name], decl, name)
                self.cache[name] = frame
            return frame

    def search(self, query: str, limit: int | None = 500) -> pd.DataFrame:
        """Objects matching ``query`` across every vCenter (see SearchIndex)."""
        if self.index is None or not query.strip():
            return RESULT.empty()
        return self.index.search(query.strip(), limit=limit)


def empty_frame_set(notes: tuple[str, ...] = ()) -> FrameSet:
    """Version 0: what pages see before the first collection."""
    tables = {name: empty_frame(name) for name in FRAMES}
    return FrameSet(0, None, tables, summarize(tables), None, tuple(notes))
