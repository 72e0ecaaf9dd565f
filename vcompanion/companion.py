"""``Companion``: every configured vCenter as one set of pandas DataFrames.

This is the library's front door, used by the CLI, the dashboards, the
notebooks, alerts and reports alike::

    from vcompanion import Companion
    vc = Companion.from_config("config.json")
    vc.vms(); vc.hosts(); vc.search("10.1.2.3"); vc.status()

vCenters are connected and read in parallel.  One that is down, slow or
misconfigured yields a status row (see ``status()``) and no data; the others
are complete.  Inventory is read once and kept until ``refresh()``.

Live mode (``Companion(..., live=True)``, the setting ``collection.live``, or
``start_live()`` on a Companion already read) keeps every vCenter's inventory
current in the background with vCenter's change notifications
(``updates.LiveInventory``); each table is rebuilt only for the vCenters
whose objects of the types it reads changed.  ``stop_live()`` ends it.
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

from . import collection, credentials, tables, updates
from .config import Config, VCenterConfig, load_config
from .connection import Timeouts, VCenterConnection
from .errors import (CollectionError, ConfigError, CredentialsError,
                     NoPermissionError, VCenterError, VCompanionError)
from .fast import workers as decode_workers
from .fast.memory import trim_memory
from .search import SearchIndex
from .tables.context import Inventory

log = logging.getLogger(__name__)


def _same(a: tuple, b: tuple) -> bool:
    """The same inventory objects (identity: Inventory equality is deep)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


STATUS_DTYPES = {"vcenter": "string", "address": "string", "status": "string",
                 "message": "string", "product": "string", "version": "string",
                 "build": "string", "api_version": "string", "user": "string",
                 "round_trip_ms": "Float64", "last_collection": "datetime64[ns, UTC]",
                 "collect_seconds": "Float64", "round_trips": "Int64", "objects": "Int64"}
STATUS_COLUMNS = list(STATUS_DTYPES)


@dataclass
class _State:
    """What we know about one vCenter."""

    config: VCenterConfig
    connection: VCenterConnection | None = None
    inventory: Inventory | None = None
    error: VCompanionError | None = None
    stats: collection.Stats | None = None
    user: str | None = None
    devices: dict | None = None     # VM moid -> device list (tables.DEVICE_SPECS)
    devices_read: float = 0.0       # time.monotonic() of that read
    device_view: tuple | None = None  # (inventory, devices, inventory with devices)


class Companion:
    """All configured vCenters, read in parallel, as DataFrames."""

    def __init__(self, config: Config, username: str | None = None,
                 password: str | None = None, vcenters: list[str] | None = None,
                 live: bool | None = None):
        self.config = config
        self._username, self._password = username, password
        selected = list(config.vcenters)
        if vcenters:
            for name in vcenters:
                config.vcenter(name)  # raises ConfigError naming the unknown one
            selected = [vc for vc in selected if vc.name in vcenters]
        self._states = {vc.name: _State(vc) for vc in selected}
        self._lock = threading.RLock()
        self._devices_lock = threading.Lock()  # one device read at a time
        # table -> (the inventories it was built from, frame)
        self._frames: dict[str, tuple[tuple, pd.DataFrame]] = {}
        # (table, vCenter) -> (inventory, that vCenter's rows): a change in one
        # vCenter rebuilds only its rows; a part is valid for its inventory only
        self._vc_frames: dict[tuple[str, str], tuple[Inventory, pd.DataFrame]] = {}
        self._live_enabled = config.get("collection.live") if live is None else live
        self._live: dict[str, updates.LiveInventory] = {}
        self._table_kinds: dict[str, set[str]] | None = None
        self._decode_pool = None
        self._index: SearchIndex | None = None
        self._index_gen = 0  # +1 whenever the tables change under the index
        self._keepalive: threading.Thread | None = None
        self._closed = threading.Event()
        self.timeouts = Timeouts(connect=config.get("collection.connect_timeout_seconds"),
                                 read=config.get("collection.read_timeout_seconds"),
                                 keepalive=config.get("collection.keepalive_minutes") * 60)

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

        Same tables, columns and types as real vCenters (see ``demo.py``).
        """
        from .demo import demo_companion
        return demo_companion()

    # --- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> Companion:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop live updates and log out of every vCenter."""
        self._closed.set()
        self.stop_live()
        for state in self._states.values():
            if state.connection is not None:
                state.connection.close()
                state.connection = None

    @property
    def vcenter_names(self) -> list[str]:
        return list(self._states)

    # --- connecting and collecting ----------------------------------------------

    def connect(self) -> dict[str, VCompanionError | None]:
        """Connect to every vCenter not yet connected, in parallel.

        Returns each vCenter's error (None when connected).  Never raises for a
        vCenter's failure: it shows in ``status()`` and ``failures``.
        """
        self._parallel(self._connect_one,
                       [s for s in self._states.values() if s.connection is None])
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
        abouts = {name: s.connection.about if s.connection else None
                  for name, s in self._states.items()}

        def probe(state: _State) -> None:
            conn = state.connection
            if conn is None or state.error is not None:
                return

            def work():
                started = time.perf_counter()
                conn.call(conn.si.CurrentTime)
                rtt[state.config.name] = round((time.perf_counter() - started) * 1000, 1)
                if not conn.has_privilege("System.View"):
                    raise conn.error(NoPermissionError,
                                     "lacks System.View on the root folder")
            self._guarded(state, work)

        self._parallel(probe, list(self._states.values()))
        rows = []
        for name, state in self._states.items():
            about = abouts[name]
            rows.append({
                "vcenter": name, "address": state.config.address,
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
            if not self._live_enabled:  # live: re-read by age (see _devices_due)
                for state in self._states.values():
                    state.devices = None  # read again when a device table is asked for
            self._frames.clear()
            self._index, self._index_gen = None, self._index_gen + 1
        self._start_keepalive()
        return self

    def _ensure_collected(self) -> None:
        # vCenters never tried yet; one that failed is tried again by refresh()
        # only, so a dead vCenter does not cost a timeout on every table call.
        missing = [s for s in self._states.values()
                   if s.inventory is None and s.error is None]
        if missing:
            self._collect(missing)
            with self._lock:
                self._frames.clear()
                self._index, self._index_gen = None, self._index_gen + 1
            self._start_keepalive()

    def _collect(self, states: list[_State], read=None) -> None:
        """Collect ``states`` in parallel; big answers decode in worker processes.

        ``read``: what to do per vCenter (default: read its inventory).  The
        first large answer starts the worker processes (in the background,
        see fast/answers.py); small inventories never start them.  They stop
        when the collection is done.
        """
        read = read or self._collect_one
        processes = self.config.get("collection.decode_processes")
        use_pool = (processes != 0 and self.config.get("collection.decoder") == "fast"
                    and type(self)._collect_one is Companion._collect_one)
        self._decode_pool = decode_workers.acquire(processes) if use_pool else None
        try:
            self._parallel(read, states)
        finally:
            if self._decode_pool is not None:
                self._decode_pool = None
                decode_workers.release()
            trim_memory()  # the answers' bytes and parse trees are gone now

    def _parallel(self, fn, states: list[_State]) -> None:
        if not states:
            return
        with ThreadPoolExecutor(max_workers=len(states),
                                thread_name_prefix="vcenter") as pool:
            list(pool.map(fn, states))

    def _connection(self, state: _State) -> VCenterConnection:
        if state.connection is not None:
            return state.connection
        creds = credentials.resolve(state.config.name, self._username, self._password,
                                    config_username=state.config.username)
        state.user = creds.username
        conn = VCenterConnection(state.config, creds, self.timeouts)
        conn.connect()
        state.connection = conn
        return conn

    def _connect_one(self, state: _State) -> None:
        self._guarded(state, lambda: self._connection(state))

    def _collect_one(self, state: _State) -> None:
        def work():
            conn = self._connection(state)
            if self._live_enabled:
                self._collect_live(state, conn)
                return
            inventory, stats = tables.collect(
                conn, page_size=self.config.get("collection.page_size"),
                decoder=self.config.get("collection.decoder"), pool=self._decode_pool)
            state.inventory, state.stats = inventory, stats
            # Build this vCenter's VM rows now, while other vCenters still answer.
            self._part("vms", inventory)
            log.info("vCenter '%s': collected %d objects in %.2f s, %d round trips "
                     "(%s)", state.config.name, stats.objects, stats.seconds,
                     stats.round_trips, ", ".join(
                         f"{len(v)} {k}" for k, v in sorted(inventory.objects.items())
                         if v))
        self._guarded(state, work)

    def _devices_due(self, state: _State) -> bool:
        if state.inventory is None or state.error is not None:
            return False
        if state.devices is None:
            return True
        # Live mode: device lists are not in the live filter (their bulk would
        # make every change notification cost as much); re-read them as often
        # as the other properties vCenter does not notify.
        age = time.monotonic() - state.devices_read
        return self._live_enabled and age > self.config.get(
            "collection.live_reread_minutes") * 60

    def _ensure_devices(self) -> None:
        with self._devices_lock:
            due = [s for s in self._states.values() if self._devices_due(s)]
            if due:
                self._collect(due, read=self._read_devices_one)

    def _read_devices_one(self, state: _State) -> None:
        def work():
            started = time.perf_counter()
            devices = self._device_lists(state)
            with self._lock:
                state.devices, state.devices_read = devices, time.monotonic()
            log.info("vCenter '%s': device lists of %d VMs in %.2f s",
                     state.config.name, len(devices), time.perf_counter() - started)
        self._guarded(state, work)

    def _device_lists(self, state: _State) -> dict:
        """One vCenter's VM device lists (the demo overrides this)."""
        devices, _ = tables.collect_devices(
            self._connection(state), page_size=self.config.get("collection.page_size"),
            decoder=self.config.get("collection.decoder"), pool=self._decode_pool)
        return devices

    def _with_devices(self, state: _State):
        """The vCenter's inventory carrying its device lists (made once per pair)."""
        inventory, devices = state.inventory, state.devices
        view = state.device_view
        if view is not None and view[0] is inventory and view[1] is devices:
            return view[2]
        wrapped = inventory.with_devices(devices)
        state.device_view = (inventory, devices, wrapped)
        return wrapped

    # --- live updates ------------------------------------------------------------

    @property
    def live(self) -> bool:
        """True while live updates are on (see ``start_live``)."""
        return self._live_enabled

    def start_live(self) -> Companion:
        """Keep every vCenter's tables current from now on (WaitForUpdatesEx).

        Each vCenter gets a background thread with its own PropertyCollector
        (``updates.LiveInventory``); returns once every reachable vCenter has
        finished its first full sync.
        """
        self._live_enabled = True
        self._collect(list(self._states.values()))
        with self._lock:
            self._frames.clear()
            self._index, self._index_gen = None, self._index_gen + 1
        self._start_keepalive()
        return self

    def stop_live(self) -> None:
        """Stop live updates; the tables keep their last state until ``refresh()``."""
        self._live_enabled = False
        live, self._live = self._live, {}
        for updater in live.values():
            updater.stop()

    def _collect_live(self, state: _State, conn: VCenterConnection) -> None:
        name = state.config.name
        updater = self._live.get(name)
        if updater is None or not updater.running or updater.conn is not conn:
            if updater is not None:
                updater.stop()
            updater = updates.LiveInventory(
                conn, on_change=self._on_live_change,
                max_wait=10, pool=self._decode_pool,
                reread_seconds=self.config.get("collection.live_reread_minutes") * 60)
            self._live[name] = updater
            updater.start()
        started = time.perf_counter()
        try:
            state.inventory = updater.wait_ready(self.timeouts.read * 4)
        except TimeoutError as exc:
            raise CollectionError(name, state.config.address, state.user,
                                  str(exc)) from None
        if state.stats is None:
            state.stats = collection.Stats(objects=sum(
                len(v) for v in state.inventory.objects.values()),
                seconds=time.perf_counter() - started)
        updater.pool = None  # the shared pool is released after the first sync

    def _on_live_change(self, updater: updates.LiveInventory, kinds: set[str]) -> None:
        """A vCenter's inventory changed: drop the frames that read those kinds."""
        state = self._states.get(updater.name)
        if state is None or self._live.get(updater.name) is not updater:
            return
        inventory = updater.inventory
        if self._table_kinds is None and inventory is not None:
            try:
                self._table_kinds = updates.table_kinds(inventory)
            except Exception:  # noqa: BLE001 - then every change rebuilds all
                log.exception("could not trace which types the tables read")
                self._table_kinds = {}
        with self._lock:
            previous, state.inventory = state.inventory, inventory
            state.error = None
            self._index, self._index_gen = None, self._index_gen + 1
            for table in tables.INVENTORY:
                read = (self._table_kinds or {}).get(table, {updates.EVERYTHING})
                key = (table, updater.name)
                cached = self._vc_frames.get(key)
                if updates.EVERYTHING in kinds or updates.EVERYTHING in read \
                        or read & kinds:
                    self._vc_frames.pop(key, None)
                elif cached is not None and cached[0] is previous:
                    # Nothing this table reads changed: its rows stand as they are.
                    self._vc_frames[key] = (inventory, cached[1])

    def _guarded(self, state: _State, work) -> None:
        """Run ``work`` for one vCenter, recording (not raising) its failure."""
        try:
            work()
            state.error = None
        except VCompanionError as exc:
            state.error = exc
            log.warning("%s", exc)
            if isinstance(exc, VCenterError) and state.connection is not None \
                    and not isinstance(exc, CollectionError):
                state.connection.close()
                state.connection = None
        except Exception as exc:  # noqa: BLE001 - one vCenter must not break the rest
            state.error = CollectionError(state.config.name, state.config.address,
                                          state.user, f"{type(exc).__name__}: {exc}")
            log.exception("vCenter '%s': unexpected failure", state.config.name)

    def _start_keepalive(self) -> None:
        if self._keepalive is not None and self._keepalive.is_alive():
            return
        self._keepalive = threading.Thread(target=self._keepalive_loop,
                                           name="vcompanion-keepalive", daemon=True)
        self._keepalive.start()

    def _keepalive_loop(self) -> None:
        interval = max(1.0, min(60.0, self.timeouts.keepalive / 4))
        while not self._closed.wait(interval):
            for state in list(self._states.values()):
                conn = state.connection
                if conn is None:
                    continue
                try:
                    conn.keepalive()
                except Exception as exc:  # noqa: BLE001
                    log.warning("vCenter '%s': keep-alive failed: %s",
                                state.config.name, exc)

    # --- status --------------------------------------------------------------------

    @property
    def failures(self) -> dict[str, VCompanionError]:
        """vCenter name -> the error that stopped it, for those that failed."""
        return {n: s.error for n, s in self._states.items() if s.error is not None}

    def status(self) -> pd.DataFrame:
        """One row per vCenter: status, message, version, last collection, cost."""
        rows = []
        for name, s in self._states.items():
            conn, about = s.connection, s.connection.about if s.connection else None
            error = s.error
            if error is not None:
                status = getattr(error, "status", None) or (
                    "no credentials" if isinstance(error, CredentialsError) else "error")
                message = str(error)
            elif conn is not None:
                status, message = "ok", "connected"
            else:
                status, message = "not connected", "not read yet"
            rows.append({
                "vcenter": name, "address": s.config.address, "status": status,
                "message": message,
                "product": about.product if about else None,
                "version": about.version if about else None,
                "build": about.build if about else None,
                "api_version": about.api_version if about else None,
                "user": s.user,
                "round_trip_ms": conn.round_trip_ms if conn else None,
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
                (self._with_devices(s) if devices else s.inventory)
                for s in self._states.values()
                if s.inventory is not None and s.error is None
                and (s.devices is not None or not devices))
            cached = self._frames.get(name)
        if cached is not None and _same(cached[0], inventories):
            frame = cached[1]
        else:
            frame = tables.combine(name, [self._part(name, inv) for inv in inventories])
            with self._lock:
                self._frames[name] = (inventories, frame)
        # Copy-on-write (pandas 3): callers may change theirs, ours stays intact.
        return frame.copy(deep=False)

    def _part(self, name: str, inventory: Inventory) -> pd.DataFrame:
        """Table ``name`` for one vCenter's inventory (cached with it)."""
        key = (name, inventory.vcenter)
        with self._lock:
            cached = self._vc_frames.get(key)
        if cached is not None and cached[0] is inventory:
            return cached[1]
        frame = tables.build(name, [inventory])
        with self._lock:
            self._vc_frames[key] = (inventory, frame)
        return frame

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
                results[state.config.name] = self._event_rows(state, since, hours)
            self._guarded(state, work)

        self._parallel(read, list(self._states.values()))
        rows = [row for name in self._states for row in results.get(name, [])]
        frame = tables.events.TABLE.frame(rows)
        return frame.sort_values("time", ascending=False, kind="stable").reset_index(
            drop=True)

    def _event_rows(self, state: _State, since: datetime, hours: float) -> list[dict]:
        """One vCenter's event rows since ``since`` (the demo overrides this)."""
        conn = self._connection(state)
        stats = collection.Stats()
        started = time.perf_counter()
        categories = collection.event_categories(conn, stats)
        events = collection.read_events(conn, since, stats)
        log.info("vCenter '%s': %d events of the last %g h in %.2f s, %d round "
                 "trips", state.config.name, len(events), hours,
                 time.perf_counter() - started, stats.round_trips)
        rows = tables.events.build(state.config.name, events, categories)
        # The server filters by time; filter again in case it did not (govmomi's
        # simulator ignores the filter) so the window means what it says.
        return [r for r in rows if r["time"] is None or r["time"] >= since]

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
        index = self._index
        if index is not None:
            return index
        # Not under self._lock: reading the tables may collect, and the
        # collecting threads take that lock.
        self.inventories()
        generation = self._index_gen
        index = SearchIndex.from_tables(
            vms=self.table("vms"), hosts=self.table("hosts"),
            datastores=self.table("datastores"), clusters=self.table("clusters"),
            networks=self.table("networks"))
        with self._lock:
            if self._index_gen == generation:  # else the tables changed meanwhile
                self._index = index
        return index
