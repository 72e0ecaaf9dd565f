"""``Companion``: every configured vCenter as one set of pandas DataFrames.

This is the library's front door, used by the CLI, the dashboards, the
notebooks, alerts and reports alike::

    from vcompanion import Companion
    vc = Companion.from_config("config.json")
    vc.vms(); vc.hosts(); vc.search("10.1.2.3"); vc.status()

Each vCenter is a ``Source`` (``sources/``): a real vCenter
(``VCenterSource``) or the built-in demo's (``Companion.demo()``).  The
Companion knows nothing of where the data comes from: it reads every source
in parallel, keeps one vCenter's failure away from the others (a status row,
see ``status()``, and no data), and builds the tables (cached in
``cache.TableCache``).  Inventory is read once and kept until ``refresh()``.

Live mode (``Companion(..., live=True)``, the setting ``collection.live``, or
``start_live()`` on a Companion already read) keeps every vCenter's inventory
current in the background with vCenter's change notifications; each table is
rebuilt only for the vCenters whose objects of the types it reads changed.
``stop_live()`` ends it.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from . import tables
from .cache import TableCache
from .config import Config, load_config
from .errors import (CollectionError, ConfigError, CredentialsError, VCenterError,
                     VCompanionError)
from .search import SearchIndex
from .sources import Inventory, LiveUnsupported, Source, Stats
from .sources.vcenter import ReadSettings, VCenterSource, decode_pool

log = logging.getLogger(__name__)

STATUS_DTYPES = {"vcenter": "string", "address": "string", "status": "string",
                 "message": "string", "product": "string", "version": "string",
                 "build": "string", "api_version": "string", "user": "string",
                 "round_trip_ms": "Float64", "last_collection": "datetime64[ns, UTC]",
                 "collect_seconds": "Float64", "round_trips": "Int64", "objects": "Int64"}
STATUS_COLUMNS = list(STATUS_DTYPES)


@dataclass
class _State:
    """What we know about one vCenter."""

    source: Source
    inventory: Inventory | None = None
    error: VCompanionError | None = None
    stats: Stats | None = None
    devices: dict | None = None     # VM moid -> device list (tables.DEVICE_SPECS)
    devices_read: float = 0.0       # time.monotonic() of that read
    device_view: tuple | None = None  # (inventory, devices, inventory with devices)

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def connection(self):
        """The vCenter session of a ``VCenterSource`` (None for others)."""
        return getattr(self.source, "connection", None)

    def with_devices(self) -> Inventory:
        """The inventory carrying its device lists (made once per pair)."""
        inventory, devices, view = self.inventory, self.devices, self.device_view
        if view is not None and view[0] is inventory and view[1] is devices:
            return view[2]
        wrapped = inventory.with_devices(devices)
        self.device_view = (inventory, devices, wrapped)
        return wrapped


class Companion:
    """All configured vCenters, read in parallel, as DataFrames."""

    def __init__(self, config: Config, username: str | None = None,
                 password: str | None = None, vcenters: list[str] | None = None,
                 live: bool | None = None, sources: list[Source] | None = None):
        """``sources``: where each vCenter's data comes from (default: a
        ``VCenterSource`` per configured vCenter, with ``username`` and
        ``password`` when given, else the credentials found for it)."""
        self.config = config
        selected = list(config.vcenters)
        if vcenters:
            for name in vcenters:
                config.vcenter(name)  # raises ConfigError naming the unknown one
            selected = [vc for vc in selected if vc.name in vcenters]
        if sources is None:
            settings = ReadSettings.from_config(config)
            sources = [VCenterSource(vc, settings, username, password) for vc in selected]
        else:
            wanted = {vc.name for vc in selected}
            sources = [s for s in sources if s.name in wanted]
        self._states = {s.name: _State(s) for s in sources}
        self._lock = threading.RLock()
        self._devices_lock = threading.Lock()  # one device read at a time
        self._cache = TableCache()
        self._live_enabled = config.get("collection.live") if live is None else live
        self._live_capable = True
        self._keepalive: threading.Thread | None = None
        self._closed = threading.Event()
        self.keepalive_seconds = config.get("collection.keepalive_minutes") * 60

    @classmethod
    def from_config(cls, path: str | Path | None = None, username: str | None = None,
                    password: str | None = None,
                    vcenters: list[str] | None = None,
                    live: bool | None = None) -> Companion:
        """Load the config file (``path``, else $VCOMPANION_CONFIG, else ./config.json).

        ``live``: keep the tables current in the background (see the module
        docstring); None takes the setting ``collection.live``.
        """
        return cls(load_config(path), username=username, password=password,
                   vcenters=vcenters, live=live)

    @classmethod
    def demo(cls) -> Companion:
        """The built-in demo: three synthetic vCenters, no config file, no network.

        Same tables, columns and types as real vCenters (see ``vcompanion/demo``).
        """
        from .demo import demo_config, demo_sources
        return cls(demo_config(), sources=demo_sources())

    # --- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> Companion:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop live updates and log out of every vCenter."""
        self._closed.set()
        self._live_enabled = False
        for state in self._states.values():
            state.source.close()

    @property
    def vcenter_names(self) -> list[str]:
        return list(self._states)

    @property
    def sources(self) -> dict[str, Source]:
        """vCenter name -> where its data comes from."""
        return {name: s.source for name, s in self._states.items()}

    # --- connecting and collecting ----------------------------------------------

    def connect(self) -> dict[str, VCompanionError | None]:
        """Connect to every vCenter not yet connected, in parallel.

        Returns each vCenter's error (None when connected).  Never raises for a
        vCenter's failure: it shows in ``status()`` and ``failures``.
        """
        self._parallel(lambda s: self._guarded(s, s.source.connect),
                       [s for s in self._states.values() if not s.source.connected])
        self._start_keepalive()
        return {name: s.error for name, s in self._states.items()}

    def check(self) -> pd.DataFrame:
        """Connect, time one API round trip and confirm read access, per vCenter.

        One row per vCenter: vcenter, address, version, build, api, status,
        rtt_ms.  A login without System.View on the root folder counts as a
        failure (``no permission``), like a refused password.
        """
        self.connect()
        rtt: dict[str, float] = {}
        # kept before probing: a failed probe closes the connection
        abouts = {name: s.source.about for name, s in self._states.items()}

        def probe(state: _State) -> None:
            if state.source.connected and state.error is None:
                self._guarded(state, lambda: rtt.__setitem__(state.name,
                                                             state.source.probe()))

        self._parallel(probe, list(self._states.values()))
        rows = []
        for name, state in self._states.items():
            about = abouts[name]
            rows.append({
                "vcenter": name, "address": state.source.address,
                "version": about.version if about else None,
                "build": about.build if about else None,
                "api": about.api_version if about else None,
                "status": "ok" if state.error is None
                else getattr(state.error, "status", "error"),
                "rtt_ms": rtt.get(name)})
        return pd.DataFrame(rows, columns=["vcenter", "address", "version", "build",
                                           "api", "status", "rtt_ms"])

    def refresh(self) -> Companion:
        """Read every vCenter's inventory again, in parallel.

        In live mode the inventories are already current: only vCenters
        without running live updates are read (and their updates started).
        """
        self._collect(list(self._states.values()))
        with self._lock:
            if not self.live:  # live: re-read by age (see _devices_due)
                for state in self._states.values():
                    state.devices = None  # read again when a device table is asked for
        self._cache.invalidate()
        self._start_keepalive()
        return self

    def _ensure_collected(self) -> None:
        # vCenters never tried yet; one that failed is tried again by refresh()
        # only, so a dead vCenter does not cost a timeout on every table call.
        missing = [s for s in self._states.values()
                   if s.inventory is None and s.error is None]
        if missing:
            self._collect(missing)
            self._cache.invalidate()
            self._start_keepalive()

    def _collect(self, states: list[_State], read=None) -> None:
        """Read ``states`` in parallel; big answers decode in worker processes."""
        read = read or self._collect_one
        with decode_pool([s.source for s in states],
                         self.config.get("collection.decode_processes")) as pool:
            self._parallel(lambda state: read(state, pool), states)

    def _parallel(self, fn, states: list[_State]) -> None:
        if not states:
            return
        with ThreadPoolExecutor(max_workers=len(states),
                                thread_name_prefix="vcenter") as pool:
            list(pool.map(fn, states))

    def _collect_one(self, state: _State, pool) -> None:
        def work():
            source = state.source
            if self.live:
                started = time.perf_counter()
                try:
                    state.inventory = source.start_live(self._on_live_change, pool)
                except LiveUnsupported:
                    self._live_capable = False
                else:
                    if state.stats is None:
                        state.stats = Stats(objects=sum(
                            len(v) for v in state.inventory.objects.values()),
                            seconds=time.perf_counter() - started)
                    return
            inventory, stats = source.read_inventory(pool)
            state.inventory, state.stats = inventory, stats
            # Build this vCenter's VM rows now, while other vCenters still answer.
            self._cache.part("vms", inventory)
            log.info("vCenter '%s': collected %d objects in %.2f s, %d round trips "
                     "(%s)", state.name, stats.objects, stats.seconds,
                     stats.round_trips, ", ".join(
                         f"{len(v)} {k}" for k, v in sorted(inventory.objects.items())
                         if v))
        self._guarded(state, work)

    # --- device lists --------------------------------------------------------------

    def _devices_due(self, state: _State) -> bool:
        if state.inventory is None or state.error is not None:
            return False
        if state.devices is None:
            return True
        # Live mode: device lists are not in the live filter (their bulk would
        # make every change notification cost as much); re-read them as often
        # as the other properties vCenter does not notify.
        age = time.monotonic() - state.devices_read
        return self.live and age > self.config.get(
            "collection.live_reread_minutes") * 60

    def _ensure_devices(self) -> None:
        with self._devices_lock:
            due = [s for s in self._states.values() if self._devices_due(s)]
            if due:
                self._collect(due, read=self._read_devices_one)

    def _read_devices_one(self, state: _State, pool) -> None:
        def work():
            started = time.perf_counter()
            devices = state.source.read_devices(pool)
            with self._lock:
                state.devices, state.devices_read = devices, time.monotonic()
            log.info("vCenter '%s': device lists of %d VMs in %.2f s",
                     state.name, len(devices), time.perf_counter() - started)
        self._guarded(state, work)

    # --- live updates ------------------------------------------------------------

    @property
    def live(self) -> bool:
        """True while live updates are on (see ``start_live``)."""
        return self._live_enabled and self._live_capable

    def start_live(self) -> Companion:
        """Keep every vCenter's tables current from now on (WaitForUpdatesEx).

        Each vCenter gets a background thread with its own PropertyCollector;
        returns once every reachable vCenter has finished its first full sync.
        """
        self._live_enabled = True
        self._collect(list(self._states.values()))
        self._cache.invalidate()
        self._start_keepalive()
        return self

    def stop_live(self) -> None:
        """Stop live updates; the tables keep their last state until ``refresh()``."""
        self._live_enabled = False
        for state in self._states.values():
            state.source.stop_live()

    def _on_live_change(self, name: str, inventory: Inventory, kinds: set[str]) -> None:
        """A vCenter's inventory changed: drop the frames that read those kinds."""
        state = self._states.get(name)
        if state is None:
            return
        with self._lock:
            previous, state.inventory = state.inventory, inventory
            state.error = None
        self._cache.invalidate(name, kinds, previous, inventory)

    # --- failures ------------------------------------------------------------------

    def _guarded(self, state: _State, work) -> None:
        """Run ``work`` for one vCenter, recording (not raising) its failure."""
        try:
            work()
            state.error = None
        except VCompanionError as exc:
            state.error = exc
            log.warning("%s", exc)
            if isinstance(exc, VCenterError) and not isinstance(exc, CollectionError):
                state.source.close()  # the next attempt starts a new session
        except Exception as exc:  # noqa: BLE001 - one vCenter must not break the rest
            state.error = CollectionError(state.name, state.source.address,
                                          state.source.user,
                                          f"{type(exc).__name__}: {exc}")
            log.exception("vCenter '%s': unexpected failure", state.name)

    def _start_keepalive(self) -> None:
        if self._keepalive is not None and self._keepalive.is_alive():
            return
        self._keepalive = threading.Thread(target=self._keepalive_loop,
                                           name="vcompanion-keepalive", daemon=True)
        self._keepalive.start()

    def _keepalive_loop(self) -> None:
        interval = max(1.0, min(60.0, self.keepalive_seconds / 4))
        while not self._closed.wait(interval):
            for state in list(self._states.values()):
                try:
                    state.source.keepalive()
                except Exception as exc:  # noqa: BLE001
                    log.warning("vCenter '%s': keep-alive failed: %s", state.name, exc)

    # --- status --------------------------------------------------------------------

    @property
    def failures(self) -> dict[str, VCompanionError]:
        """vCenter name -> the error that stopped it, for those that failed."""
        return {n: s.error for n, s in self._states.items() if s.error is not None}

    def status(self) -> pd.DataFrame:
        """One row per vCenter: status, message, version, last collection, cost."""
        rows = []
        for name, s in self._states.items():
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
        frame = pd.DataFrame(rows, columns=STATUS_COLUMNS)
        return frame.astype(STATUS_DTYPES)

    # --- tables --------------------------------------------------------------------

    def inventories(self) -> list[Inventory]:
        """The collected inventory of every vCenter that could be read."""
        self._ensure_collected()
        return [s.inventory for s in self._states.values()
                if s.inventory is not None and s.error is None]

    def table(self, name: str) -> pd.DataFrame:
        """Inventory table ``name`` (vms, hosts, ...) over all vCenters."""
        if name == "events":
            return self.events()
        if name not in tables.INVENTORY:
            raise ConfigError(f"unknown table '{name}' (one of "
                              f"{', '.join(tables.TABLES)})")
        self.inventories()  # collects what was never read
        devices = name in tables.DEVICE_TABLES
        if devices:
            self._ensure_devices()
        with self._lock:
            inventories = tuple(
                (s.with_devices() if devices else s.inventory)
                for s in self._states.values()
                if s.inventory is not None and s.error is None
                and (s.devices is not None or not devices))
        return self._cache.frame(name, inventories)

    def vms(self) -> pd.DataFrame:
        """Virtual machines and templates; columns in docs/tables.md."""
        return self.table("vms")

    def hosts(self) -> pd.DataFrame:
        """ESXi hosts."""
        return self.table("hosts")

    def clusters(self) -> pd.DataFrame:
        """Clusters."""
        return self.table("clusters")

    def datastores(self) -> pd.DataFrame:
        """Datastores."""
        return self.table("datastores")

    def networks(self) -> pd.DataFrame:
        """Standard and distributed portgroups."""
        return self.table("networks")

    def snapshots(self) -> pd.DataFrame:
        """VM snapshots."""
        return self.table("snapshots")

    def alarms(self) -> pd.DataFrame:
        """Triggered alarms on every kind of object."""
        return self.table("alarms")

    def nics(self) -> pd.DataFrame:
        """Virtual network adapters, with MAC, network and connection state.

        The first call reads every VM's device list (see tables/nics.py).
        """
        return self.table("nics")

    def cdroms(self) -> pd.DataFrame:
        """Virtual CD/DVD drives, with what is mounted and whether connected."""
        return self.table("cdroms")

    def events(self, hours: float | None = None) -> pd.DataFrame:
        """Events of the last ``hours`` (default from the config), newest first."""
        hours = self.config.get("collection.event_hours") if hours is None else hours
        since = datetime.now(timezone.utc) - timedelta(hours=hours)
        results: dict[str, list[dict]] = {}

        def read(state: _State) -> None:
            def work():
                events, categories = state.source.read_events(since)
                rows = tables.events.build(state.name, events, categories)
                # The server filters by time; filter again in case it did not
                # (govmomi's simulator ignores the filter) so the window means
                # what it says.
                results[state.name] = [r for r in rows
                                       if r["time"] is None or r["time"] >= since]
            self._guarded(state, work)

        self._parallel(read, list(self._states.values()))
        rows = [row for name in self._states for row in results.get(name, [])]
        frame = tables.events.TABLE.frame(rows)
        return frame.sort_values("time", ascending=False, kind="stable").reset_index(
            drop=True)

    # --- health -------------------------------------------------------------------

    def problems(self) -> pd.DataFrame:
        """Health problems in every vCenter, worst first (see problems.py)."""
        from . import problems
        return problems.evaluate(problems.Facts.from_companion(self))

    # --- reports ------------------------------------------------------------------

    def report(self, path: str | Path | None = None, kind: str = "inventory",
               hours: float | None = None) -> Path:
        """Write an Excel workbook: ``inventory`` (RVTools-style, every vCenter) or
        ``events`` (critical events of the last ``hours`` and the problems).

        ``path`` defaults to a timestamped file in ``data_dir/reports``; returns
        the path written.  See vcompanion/reports/.
        """
        from .reports import write_report
        return write_report(self, path, kind=kind, hours=hours)

    # --- search --------------------------------------------------------------------

    def search(self, query: str) -> pd.DataFrame:
        """VMs, hosts, datastores, clusters and networks matching ``query``.

        Names (exact, substring, ``*``/``?`` wildcards), IPv4/IPv6 addresses
        (exact, CIDR ``10.1.0.0/16``, prefix ``10.1.2.``), guest host names,
        MAC addresses and UUIDs, case-insensitive, across every vCenter.
        """
        index = self.search_index()
        if index.needs_adapters(query):
            # A MAC: powered-off VMs' MACs are only in their device lists,
            # read now (once per collection) rather than for every search.
            nics = self.table("nics")
            with self._lock:
                if not index.has_adapters:
                    index.add_adapters(nics)
        return index.search(query)

    def search_index(self) -> SearchIndex:
        """The index over the current tables (built once per collection)."""
        index = self._cache.index
        if index is not None:
            return index
        # Not under self._lock: reading the tables may collect, and the
        # collecting threads take that lock.
        self.inventories()
        generation = self._cache.generation
        index = SearchIndex.from_tables(
            vms=self.table("vms"), hosts=self.table("hosts"),
            datastores=self.table("datastores"), clusters=self.table("clusters"),
            networks=self.table("networks"))
        return self._cache.keep_index(index, generation)
