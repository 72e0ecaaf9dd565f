"""Every vCenter's source and what was last read from it, each kept apart.

``Fleet`` reads its sources in parallel and records, per vCenter, the latest
inventory, the parts read apart from it (device lists, tags, snapshot file
layouts: ``tables.PARTS``) and error (``VCenterState``): a vCenter that is
down, slow or misconfigured gets its error and no data; the others are
complete.  A failed vCenter is tried again by the next full read only, so a
dead one does not cost a timeout on every table call.  A vCenter whose
tagging service fails keeps its inventory: its tags say why they are
missing (``TagData.error``).  ``Companion`` builds the tables from what the
fleet holds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from . import tables
from .errors import CollectionError, CredentialsError, VCenterError, VCompanionError
from .sources import Inventory, LiveUnsupported, OnChange, Source, Stats, TagData
from .sources.vcenter import decode_pool
from .tables.snapshots import layout_key

log = logging.getLogger(__name__)

STATUS_DTYPES = {"vcenter": "string", "address": "string", "status": "string",
                 "message": "string", "product": "string", "version": "string",
                 "build": "string", "api_version": "string", "user": "string",
                 "round_trip_ms": "Float64", "last_collection": "datetime64[ns, UTC]",
                 "collect_seconds": "Float64", "round_trips": "Int64", "objects": "Int64"}
STATUS_COLUMNS = list(STATUS_DTYPES)

PARTS = ("devices", "tags", "layouts")  # see tables.PARTS


@dataclass
class VCenterState:
    """What we know about one vCenter."""

    source: Source
    inventory: Inventory | None = None
    error: VCompanionError | None = None
    stats: Stats | None = None
    # Parts read apart from the inventory (tables.PARTS), each with the
    # time.monotonic() of its read:
    devices: dict | None = None     # VM moid -> device list (tables.DEVICE_SPECS)
    devices_read: float = 0.0
    tags: TagData | None = None     # the REST tags, or why they are missing
    tags_read: float = 0.0
    layouts: dict | None = None     # VM moid -> layoutEx of the VMs with snapshots
    layouts_read: float = 0.0
    layouts_key: Any = None         # the snapshots they were read for
    _views: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def connection(self):
        """The vCenter session of a ``VCenterSource`` (None for others)."""
        return getattr(self.source, "connection", None)

    @property
    def readable(self) -> bool:
        """Read, and not failed since."""
        return self.inventory is not None and self.error is None

    def view(self, parts: tuple[str, ...]) -> Inventory:
        """The inventory carrying ``parts`` (made once per inventory and parts)."""
        inventory = self.inventory
        if not parts:
            return inventory
        values = tuple(getattr(self, part) for part in parts)
        cached = self._views.get(parts)
        if cached is not None and cached[0] is inventory \
                and all(a is b for a, b in zip(cached[1], values)):
            return cached[2]
        view = inventory.with_parts(**dict(zip(parts, values)))
        self._views[parts] = (inventory, values, view)
        return view

    def with_devices(self) -> Inventory:
        """The inventory carrying its device lists."""
        return self.view(("devices",))

    def due(self, part: str, reread_seconds: float | None) -> bool:
        """Should ``part`` be read (again)?  When never read, when older than
        ``reread_seconds`` (live mode: parts are not in the live filter), and
        layouts when the VMs' snapshots changed since."""
        if getattr(self, part) is None:
            return True
        if reread_seconds is not None and \
                time.monotonic() - getattr(self, f"{part}_read") > reread_seconds:
            return True
        return part == "layouts" and self.layouts_key != layout_key(self.inventory)


class Fleet:
    """The sources of one Companion, read in parallel (see the module docstring)."""

    def __init__(self, sources: list[Source], decode_processes: int | None = None,
                 keepalive_seconds: float = 600.0):
        self.states = {s.name: VCenterState(s) for s in sources}
        self.lock = threading.RLock()
        self.decode_processes = decode_processes
        self.keepalive_seconds = keepalive_seconds
        self._part_locks = {part: threading.Lock() for part in PARTS}  # one read each
        self._keepalive: threading.Thread | None = None
        self._closed = threading.Event()

    def __iter__(self):
        return iter(list(self.states.values()))

    @property
    def failures(self) -> dict[str, VCompanionError]:
        return {n: s.error for n, s in self.states.items() if s.error is not None}

    # --- running work per vCenter ----------------------------------------------------

    def each(self, fn: Callable[[VCenterState], None],
             states: list[VCenterState] | None = None,
             record: bool = True) -> dict[str, VCompanionError]:
        """``fn(state)`` for every (or the given) vCenter in parallel, guarded.

        Returns the failures by vCenter name; ``record``: also keep them as the
        vCenters' errors (``failures``, ``status()``).
        """
        states = list(self) if states is None else states
        if not states:
            return {}
        with ThreadPoolExecutor(max_workers=len(states),
                                thread_name_prefix="vcenter") as pool:
            errors = list(pool.map(lambda s: self.guarded(s, lambda: fn(s), record),
                                   states))
        return {s.name: e for s, e in zip(states, errors) if e is not None}

    def guarded(self, state: VCenterState, work: Callable[[], None],
                record: bool = True) -> VCompanionError | None:
        """Run ``work`` for one vCenter, recording (not raising) its failure.

        ``record=False``: the failure is returned but the vCenter's state (its
        error, its session, its live updates) is left as it was: a side read
        must not take its inventory away.
        """
        error: VCompanionError | None = None
        try:
            work()
        except VCompanionError as exc:
            error = exc
            log.warning("%s", exc)
            if record and isinstance(exc, VCenterError) and not isinstance(
                    exc, CollectionError):
                state.source.close()  # the next attempt starts a new session
        except Exception as exc:  # noqa: BLE001 - one vCenter must not break the rest
            error = CollectionError(state.name, state.source.address, state.source.user,
                                    f"{type(exc).__name__}: {exc}")
            log.exception("vCenter '%s': unexpected failure", state.name)
        if record:
            state.error = error
        return error

    def each_with_pool(self, fn: Callable[[VCenterState, object], None],
                       states: list[VCenterState]) -> None:
        """``each`` for big reads: answers may decode in worker processes."""
        with decode_pool([s.source for s in states], self.decode_processes) as pool:
            self.each(lambda state: fn(state, pool), states)

    # --- connecting and reading ------------------------------------------------------

    def connect(self) -> None:
        self.each(lambda s: s.source.connect(),
                  [s for s in self if not s.source.connected])
        self.start_keepalive()

    def collect(self, states: list[VCenterState] | None = None,
                live: OnChange | None = None,
                on_read: Callable[[Inventory], None] | None = None) -> None:
        """Read the inventory of ``states`` (default: all); ``live``: keep them
        current with live updates, calling ``live`` on every change.
        ``on_read(inventory)`` runs per vCenter as soon as it is read."""
        states = list(self) if states is None else states

        def read(state: VCenterState, pool) -> None:
            source = state.source
            if live is not None:
                started = time.perf_counter()
                try:
                    state.inventory = source.start_live(live, pool)
                except LiveUnsupported:
                    pass
                else:
                    if state.stats is None:
                        state.stats = Stats(objects=sum(
                            len(v) for v in state.inventory.objects.values()),
                            seconds=time.perf_counter() - started)
                    return
            inventory, stats = source.read_inventory(pool)
            state.inventory, state.stats = inventory, stats
            if on_read is not None:
                on_read(inventory)
            log.info("vCenter '%s': collected %d objects in %.2f s, %d round trips "
                     "(%s)", state.name, stats.objects, stats.seconds,
                     stats.round_trips, ", ".join(
                         f"{len(v)} {k}" for k, v in sorted(inventory.objects.items())
                         if v))

        self.each_with_pool(read, states)
        self.start_keepalive()

    def never_read(self) -> list[VCenterState]:
        """vCenters never tried yet (one that failed is tried again by a full read)."""
        return [s for s in self if s.inventory is None and s.error is None]

    def ensure(self, part: str, reread_seconds: float | None = None) -> bool:
        """Read ``part`` (devices, tags, layouts) of every readable vCenter
        where it is due (``VCenterState.due``), in parallel; True if any was read."""
        with self._part_locks[part]:
            states = [s for s in self if s.readable and s.due(part, reread_seconds)]
            if not states:
                return False
            if part == "devices":
                self.each_with_pool(self._read_devices, states)
            elif part == "tags":
                self.each(self._read_tags, states)
            else:
                self.each(self._read_layouts, states)
            return True

    def ensure_devices(self, due: Callable[[VCenterState], bool]) -> None:
        """Read the device lists of the vCenters for which ``due(state)``."""
        with self._part_locks["devices"]:
            states = [s for s in self if s.readable and due(s)]
            if states:
                self.each_with_pool(self._read_devices, states)

    def _read_devices(self, state: VCenterState, pool) -> None:
        started = time.perf_counter()
        devices = state.source.read_devices(pool)
        with self.lock:
            state.devices, state.devices_read = devices, time.monotonic()
        log.info("vCenter '%s': device lists of %d VMs in %.2f s",
                 state.name, len(devices), time.perf_counter() - started)

    def _read_tags(self, state: VCenterState) -> None:
        """Tags never fail the vCenter: their error stays with them."""
        try:
            tags = state.source.read_tags(state.inventory)
        except Exception as exc:  # noqa: BLE001 - the inventory stays good
            why = exc.detail if isinstance(exc, VCenterError) else \
                f"{type(exc).__name__}: {exc}"
            log.warning("vCenter '%s': tags unavailable: %s", state.name, why)
            tags = TagData.unavailable(why)
        with self.lock:
            state.tags, state.tags_read = tags, time.monotonic()

    def _read_layouts(self, state: VCenterState) -> None:
        """Snapshot sizes are missing (None) when their layouts cannot be read."""
        inventory = state.inventory
        try:
            layouts = state.source.read_layouts(inventory)
        except Exception as exc:  # noqa: BLE001 - the inventory stays good
            log.warning("vCenter '%s': snapshot file layouts unavailable: %s",
                        state.name, exc)
            layouts = {}
        with self.lock:
            state.layouts, state.layouts_read = layouts, time.monotonic()
            state.layouts_key = layout_key(inventory)

    def forget_parts(self) -> None:
        """Read every part again when next asked for (after a new collection)."""
        with self.lock:
            for state in self:
                state.devices = state.tags = state.layouts = None

    def forget_devices(self) -> None:
        with self.lock:
            for state in self:
                state.devices = None

    # --- events ---------------------------------------------------------------------

    def events(self, since: datetime, vcenters: list[str] | None = None) -> pd.DataFrame:
        """Events since ``since`` of every (or the named) vCenter, newest first."""
        results: dict[str, list[dict]] = {}

        def read(state: VCenterState) -> None:
            events, categories = state.source.read_events(since)
            rows = tables.events.build(state.name, events, categories)
            # The server filters by time; filter again in case it did not
            # (govmomi's simulator ignores the filter) so the window means
            # what it says.
            results[state.name] = [r for r in rows
                                   if r["time"] is None or r["time"] >= since]

        self.each(read, [s for s in self if vcenters is None or s.name in vcenters])
        rows = [row for name in self.states for row in results.get(name, [])]
        frame = tables.events.TABLE.frame(rows)
        return frame.sort_values("time", ascending=False, kind="stable").reset_index(
            drop=True)

    # --- status ---------------------------------------------------------------------

    def status(self) -> pd.DataFrame:
        """One row per vCenter: status, message, version, last collection, cost."""
        rows = []
        for name, s in self.states.items():
            source = s.source
            about, error = source.about, s.error
            if error is not None:
                status = getattr(error, "status", None) or (
                    "no credentials" if isinstance(error, CredentialsError) else "error")
                message = str(error)
            elif source.connected:
                status, message = "ok", "connected"
            else:
                status, message = "not connected", "not read yet"
            if error is None and s.tags is not None and s.tags.error:
                message += f"; tags unavailable: {s.tags.error}"
            rows.append({
                "vcenter": name, "address": source.address, "status": status,
                "message": message,
                "product": about.product if about else None,
                "version": about.version if about else None,
                "build": about.build if about else None,
                "api_version": about.api_version if about else None,
                "user": source.user,
                "round_trip_ms": source.round_trip_ms if source.connected else None,
                "last_collection": s.inventory.collected_at if s.inventory else None,
                "collect_seconds": s.stats.seconds if s.stats else None,
                "round_trips": s.stats.round_trips if s.stats else None,
                "objects": s.stats.objects if s.stats else None,
            })
        return pd.DataFrame(rows, columns=STATUS_COLUMNS).astype(STATUS_DTYPES)

    # --- live updates, sessions ------------------------------------------------------

    def stop_live(self) -> None:
        for state in self:
            state.source.stop_live()

    def start_keepalive(self) -> None:
        if self._keepalive is not None and self._keepalive.is_alive():
            return
        self._keepalive = threading.Thread(target=self._keepalive_loop,
                                           name="vcompanion-keepalive", daemon=True)
        self._keepalive.start()

    def _keepalive_loop(self) -> None:
        interval = max(1.0, min(60.0, self.keepalive_seconds / 4))
        while not self._closed.wait(interval):
            for state in self:
                try:
                    state.source.keepalive()
                except Exception as exc:  # noqa: BLE001
                    log.warning("vCenter '%s': keep-alive failed: %s", state.name, exc)

    def close(self) -> None:
        """Stop live updates and end every session."""
        self._closed.set()
        for state in self:
            state.source.close()


__all__ = ["Fleet", "VCenterState"]
