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

History (``record()``, ``changes()``, ``as_of()``, ``capacity()``,
``forecasts()``, ``history_status()``) delegates to ``vcompanion.history``,
opened on first use from the ``history`` settings.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from . import tables
from .cache import TableCache
from .config import Config, load_config
from .errors import ConfigError, CredentialsError, VCompanionError
from .fleet import Fleet, VCenterState
from .history import History, RecordResult, readings_of
from .search import SearchIndex
from .sources import Inventory, Source
from .sources.vcenter import ReadSettings, VCenterSource

log = logging.getLogger(__name__)

STATUS_DTYPES = {"vcenter": "string", "address": "string", "status": "string",
                 "message": "string", "product": "string", "version": "string",
                 "build": "string", "api_version": "string", "user": "string",
                 "round_trip_ms": "Float64", "last_collection": "datetime64[ns, UTC]",
                 "collect_seconds": "Float64", "round_trips": "Int64", "objects": "Int64"}
STATUS_COLUMNS = list(STATUS_DTYPES)


class Companion:
    """All configured vCenters, read in parallel, as DataFrames."""

    def __init__(self, config: Config, username: str | None = None,
                 password: str | None = None, vcenters: list[str] | None = None,
                 live: bool | None = None, sources: list[Source] | None = None,
                 history: History | None = None):
        """``sources``: where each vCenter's data comes from (default: a
        ``VCenterSource`` per configured vCenter, with ``username`` and
        ``password`` when given, else the credentials found for it).
        ``history``: one to share (default: opened on first use from the config)."""
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
        self._fleet = Fleet(sources, config.get("collection.decode_processes"),
                            config.get("collection.keepalive_minutes") * 60)
        self._states = self._fleet.states  # vCenter name -> VCenterState
        self._lock = self._fleet.lock
        self._cache = TableCache()
        self._live_enabled = config.get("collection.live") if live is None else live
        self._history = history
        self._own_history = history is None  # closed with the Companion
        self._history_seed = None  # the demo's: fills an empty history

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
        from .history.demo import seed
        companion = cls(demo_config(), sources=demo_sources())
        companion._history_seed = seed  # 60 days of synthetic history
        return companion

    # --- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> Companion:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop live updates and log out of every vCenter."""
        self._live_enabled = False
        self._fleet.close()
        if self._history is not None and self._own_history:
            self._history.close()

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
        self._fleet.connect()
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

        self._fleet.each(lambda s: rtt.__setitem__(s.name, s.source.probe()),
                         [s for s in self._fleet if s.source.connected and s.error is None])
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
        self._collect()
        if not self.live:  # live: re-read by age (see _devices_due)
            self._fleet.forget_devices()  # read again when a device table is asked for
        self._cache.invalidate()
        return self

    def _collect(self, states: list[VCenterState] | None = None) -> None:
        self._fleet.collect(states, live=self._on_live_change if self.live else None,
                            on_read=lambda inv: self._cache.part("vms", inv))

    def _ensure_collected(self) -> None:
        missing = self._fleet.never_read()
        if missing:
            self._collect(missing)
            self._cache.invalidate()

    def _devices_due(self, state: VCenterState) -> bool:
        if state.devices is None:
            return True
        # Live mode: device lists are not in the live filter (their bulk would
        # make every change notification cost as much); re-read them as often
        # as the other properties vCenter does not notify.
        age = time.monotonic() - state.devices_read
        return self.live and age > self.config.get(
            "collection.live_reread_minutes") * 60

    # --- live updates ------------------------------------------------------------

    @property
    def live(self) -> bool:
        """True while live updates are on (see ``start_live``)."""
        return self._live_enabled

    def start_live(self) -> Companion:
        """Keep every vCenter's tables current from now on (WaitForUpdatesEx).

        Each vCenter gets a background thread with its own PropertyCollector;
        returns once every reachable vCenter has finished its first full sync.
        """
        self._live_enabled = True
        self._collect()
        self._cache.invalidate()
        return self

    def stop_live(self) -> None:
        """Stop live updates; the tables keep their last state until ``refresh()``."""
        self._live_enabled = False
        self._fleet.stop_live()

    def _on_live_change(self, name: str, inventory: Inventory, kinds: set[str]) -> None:
        """A vCenter's inventory changed: drop the frames that read those kinds."""
        state = self._states.get(name)
        if state is None:
            return
        with self._lock:
            previous, state.inventory = state.inventory, inventory
            state.error = None
        self._cache.invalidate(name, kinds, previous, inventory)

    @property
    def failures(self) -> dict[str, VCompanionError]:
        """vCenter name -> the error that stopped it, for those that failed."""
        return self._fleet.failures

    # --- status --------------------------------------------------------------------

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
        return [s.inventory for s in self._fleet if s.readable]

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
            self._fleet.ensure_devices(self._devices_due)
        with self._lock:
            inventories = tuple(
                (s.with_devices() if devices else s.inventory) for s in self._fleet
                if s.readable and (s.devices is not None or not devices))
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

        def read(state: VCenterState) -> None:
            events, categories = state.source.read_events(since)
            rows = tables.events.build(state.name, events, categories)
            # The server filters by time; filter again in case it did not
            # (govmomi's simulator ignores the filter) so the window means
            # what it says.
            results[state.name] = [r for r in rows
                                   if r["time"] is None or r["time"] >= since]

        self._fleet.each(read)
        rows = [row for name in self._states for row in results.get(name, [])]
        frame = tables.events.TABLE.frame(rows)
        return frame.sort_values("time", ascending=False, kind="stable").reset_index(
            drop=True)

    # --- health -------------------------------------------------------------------

    def problems(self) -> pd.DataFrame:
        """Health problems in every vCenter, worst first (see problems.py)."""
        from . import problems
        return problems.evaluate(problems.Facts.from_companion(self))

    # --- history (docs/history.md) -------------------------------------------------

    @property
    def history(self) -> History:
        """The history of these vCenters; ConfigError when history.enabled is false."""
        if self._history is None:
            self._history = History(self.config, seed=self._history_seed)
        return self._history

    def record(self, refresh: bool = True) -> RecordResult:
        """Record every vCenter's inventory in the history: what changed since the
        previous recording, who changed it, capacity samples.  ``refresh``: read
        the vCenters first (live mode: they are current already).  A vCenter that
        cannot be read is recorded as such (``result.incomplete``), never as empty.
        """
        if refresh and not self.live:
            self.refresh()
        else:
            self._ensure_collected()
        return self.history.record(readings_of(list(self._fleet), self._cache.part))

    def changes(self, since="24h", until=None, vcenter=None, kind=None) -> pd.DataFrame:
        """What changed: time, vcenter, kind, name, moid, change, property, old, new,
        user, event ... ``since``/``until``: "90m", "24h", "7d" or an ISO time."""
        return self.history.changes(since, until, vcenter, kind)

    def as_of(self, when, table: str = "vms") -> pd.DataFrame:
        """Table ``table`` (vms, hosts, datastores, clusters, networks) as it was at
        ``when``: today's column names for the columns the history tracks."""
        return self.history.as_of(when, table)

    def capacity(self, kind: str = "datastores", since="30d", until=None,
                 vcenter=None) -> pd.DataFrame:
        """Capacity series (datastores, clusters, hosts, vcenters), tidy: time,
        vcenter, kind, name, moid, metric, value, low, high."""
        return self.history.capacity(kind, since, until, vcenter)

    def forecasts(self) -> pd.DataFrame:
        """Per datastore and cluster: days until full (days_low..days_high), status."""
        return self.history.forecasts()

    def history_status(self) -> pd.DataFrame:
        """Per vCenter: first and last recordings, gaps, row counts, the database
        (password masked) and its schema version."""
        return self.history.status()

    # --- reports ------------------------------------------------------------------

    def report(self, path: str | Path | None = None, kind: str = "inventory",
               hours: float | None = None, as_of=None) -> Path:
        """Write an Excel workbook: ``inventory`` (RVTools-style, every vCenter;
        ``as_of``: as the history says it was then), ``events`` (critical events of
        the last ``hours`` and the problems) or ``changes`` (the history's changes
        of the last ``hours``).

        ``path`` defaults to a timestamped file in ``data_dir/reports``; returns
        the path written.  See vcompanion/reports/.
        """
        from .reports import write_report
        return write_report(self, path, kind=kind, hours=hours, as_of=as_of)

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
