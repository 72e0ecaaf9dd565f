"""The tables ``Companion`` has built, kept until what they were built from changes.

A table over all vCenters is combined from one part per vCenter; a part is
valid for exactly the ``Inventory`` object it was built from and the parts
read apart from it that the table needs (devices, tags, layouts; inventories
are never modified: a new collection or a live change makes a new one), so
a change in one vCenter rebuilds only that vCenter's rows.  The search index
is built once per set of tables.  ``invalidate`` is the one place that
decides what a change makes stale.
"""

from __future__ import annotations

import logging
import threading

import pandas as pd

from . import tables
from .search import SearchIndex
from .sources import EVERYTHING, Inventory

log = logging.getLogger(__name__)


def _same(a: tuple, b: tuple) -> bool:
    """The same inventory objects (identity: Inventory equality is deep)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


class TableCache:
    """Frames per table and per (table, vCenter), and the search index."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        # table -> (the inventories it was built from, frame)
        self._frames: dict[str, tuple[tuple, pd.DataFrame]] = {}
        # (table, vCenter) -> ((inventory as read, parts the table needs...), its rows)
        self._parts: dict[tuple[str, str], tuple[tuple, pd.DataFrame]] = {}
        self._table_kinds: dict[str, set[str]] | None = None
        self._index: SearchIndex | None = None
        self._generation = 0  # +1 whenever the tables change under the index

    # --- frames ----------------------------------------------------------------------

    def frame(self, name: str, inventories: tuple[Inventory, ...]) -> pd.DataFrame:
        """Table ``name`` over ``inventories`` (built from cached parts)."""
        with self.lock:
            cached = self._frames.get(name)
        if cached is not None and _same(cached[0], inventories):
            frame = cached[1]
        else:
            frame = tables.combine(name, [self.part(name, inv) for inv in inventories])
            with self.lock:
                self._frames[name] = (inventories, frame)
        # Copy-on-write (pandas 3): callers may change theirs, ours stays intact.
        return frame.copy(deep=False)

    def part(self, name: str, inventory: Inventory) -> pd.DataFrame:
        """Table ``name`` for one vCenter's inventory (cached with it)."""
        key = (name, inventory.vcenter)
        stamp = (inventory.base, *(getattr(inventory, p) for p in tables.PARTS[name]))
        with self.lock:
            cached = self._parts.get(key)
        if cached is not None and _same(cached[0], stamp):
            return cached[1]
        frame = tables.build(name, [inventory])
        with self.lock:
            self._parts[key] = (stamp, frame)
        return frame

    # --- the search index ------------------------------------------------------------

    @property
    def index(self) -> SearchIndex | None:
        return self._index

    @property
    def generation(self) -> int:
        return self._generation

    def keep_index(self, index: SearchIndex, generation: int) -> SearchIndex:
        """Keep ``index`` unless the tables changed since ``generation``."""
        with self.lock:
            if self._generation == generation:
                self._index = index
        return index

    # --- invalidation ----------------------------------------------------------------

    def invalidate_index(self) -> None:
        """A part (tags, device lists) was read again: the index must see it."""
        with self.lock:
            self._index, self._generation = None, self._generation + 1

    def invalidate(self, vcenter: str | None = None, kinds: set[str] | None = None,
                   previous: Inventory | None = None,
                   current: Inventory | None = None) -> None:
        """Forget what a change makes stale.

        Without ``vcenter``: a new collection (or new device lists) anywhere:
        every combined table and the index go; parts stay, valid only for
        the inventory they were built from.  With ``vcenter`` and ``kinds``
        (a live change from ``previous`` to ``current``): that vCenter's
        parts of the tables reading those object types go, and its other
        parts carry over to ``current`` as they are.
        """
        if vcenter is not None and kinds is not None and current is not None \
                and self._table_kinds is None:
            try:
                self._table_kinds = tables.kinds_read(current)
            except Exception:  # noqa: BLE001 - then every change rebuilds all
                log.exception("could not trace which types the tables read")
                self._table_kinds = {}
        with self.lock:
            self._index, self._generation = None, self._generation + 1
            if vcenter is None or kinds is None:
                self._frames.clear()
                return
            for table in tables.INVENTORY:
                read = (self._table_kinds or {}).get(table, {EVERYTHING})
                key = (table, vcenter)
                cached = self._parts.get(key)
                if EVERYTHING in kinds or EVERYTHING in read or read & kinds:
                    self._parts.pop(key, None)
                elif cached is not None and cached[0][0] is previous:
                    # Nothing this table reads changed: its rows stand as they are.
                    self._parts[key] = ((current, *cached[0][1:]), cached[1])


__all__ = ["TableCache"]
