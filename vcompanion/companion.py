"""``Companion``: every configured vCenter as one set of pandas DataFrames.

This is the library's front door, used by the CLI, the dashboards, the
notebooks, alerts and reports alike::

    from vcompanion import Companion
    vc = Companion.from_config("config.json")
    vc.vms(); vc.hosts(); vc.search("10.1.2.3"); vc.status()
    vc.performance("vms", since="15m"); vc.metrics("hosts", since="7d")

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

Performance statistics (``metrics()``, ``performance()``) are read when
asked for, from every vCenter in parallel, and kept for a short time
(``metrics.cache_seconds``); ``vcompanion.metrics`` turns them into frames.
History (``record()``, ``changes()``, ``as_of()``, ``capacity()``,
``forecasts()``, ``history_status()``) delegates to ``vcompanion.history``,
opened on first use from the ``history`` settings.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from . import metrics, objects, tables
from .cache import TableCache
from .config import Config, load_config
from .errors import ConfigError, VCompanionError
from .fleet import STATUS_COLUMNS, Fleet, VCenterState
from .history import History, MetricsResult, RecordResult, perfrecord, readings_of
from .objects import ObjectView
from .search import SearchIndex
from .sources import Inventory, Source
from .sources.vcenter import ReadSettings, VCenterSource

log = logging.getLogger(__name__)


def _table(name: str, doc: str):
    """A Companion method returning table ``name`` (``Companion.table``)."""
    def method(self) -> pd.DataFrame:
        return self.table(name)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


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
        self._answers = metrics.AnswerCache()  # performance statistics, kept briefly
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
        Device lists, tags and snapshot layouts are read again when a table
        needs them (in live mode: when older than ``live_reread_minutes``).
        """
        self._collect()
        if not self.live:  # live: re-read by age (see _reread_seconds)
            self._fleet.forget_parts()
        self._cache.invalidate()
        self._answers.clear()
        return self

    def _collect(self, states: list[VCenterState] | None = None) -> None:
        self._fleet.collect(states, live=self._on_live_change if self.live else None,
                            on_read=lambda inv: self._cache.part("vms", inv))

    def _ensure_collected(self) -> None:
        missing = self._fleet.never_read()
        if missing:
            self._collect(missing)
            self._cache.invalidate()

    def _ensure_parts(self, parts: tuple[str, ...]) -> None:
        """Read the parts not read yet (or due again).  New tags make the search
        index stale (MACs from device lists are added to it, see ``search``)."""
        for part in parts:
            if self._fleet.ensure(part, self._reread_seconds()) and part == "tags":
                self._cache.invalidate_index()

    def _reread_seconds(self) -> float | None:
        """Live mode: parts read apart (device lists, tags, layouts) are not in
        the live filter (device lists would make every notification cost as
        much; tags are another API); re-read them as often as the properties
        vCenter does not notify."""
        return self.config.get("collection.live_reread_minutes") * 60 \
            if self.live else None

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
        return self._fleet.status()

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
                              f"{', '.join([*tables.INVENTORY, 'events'])})")
        self.inventories()  # collects what was never read
        parts = tables.PARTS[name]
        self._ensure_parts(parts)
        with self._lock:
            inventories = tuple(
                s.view(parts) for s in self._fleet
                if s.readable and all(getattr(s, p) is not None for p in parts))
        return self._cache.frame(name, inventories)

    vms = _table("vms", "Virtual machines and templates; columns in docs/tables.md.")
    hosts = _table("hosts", "ESXi hosts.")
    clusters = _table("clusters", "Clusters.")
    datastores = _table("datastores", "Datastores.")
    networks = _table("networks", "Standard and distributed portgroups.")
    snapshots = _table("snapshots", "VM snapshots, with their size (read with the VMs' "
                                    "file layout the first time).")
    alarms = _table("alarms", "Triggered alarms on every kind of object.")
    nics = _table("nics", "Virtual network adapters, with MAC, network and connection "
                          "state.  The first call reads every VM's device list.")
    cdroms = _table("cdroms", "Virtual CD/DVD drives, with what is mounted and whether "
                              "connected.")
    disks = _table("disks", "Virtual disks (RVTools vDisk): capacity, thin or thick, file, "
                            "controller.")
    tags = _table("tags", "Tags on VMs, hosts, datastores, clusters and networks: one row "
                          "per tag and object.  The first call per collection reads them "
                          "through the vSphere Automation API; a vCenter whose tagging "
                          "service fails has no rows and says why in ``status()``.")
    attributes = _table("attributes", "Custom attribute values: one row per attribute and "
                                      "object.")

    def events(self, hours: float | None = None,
               vcenters: list[str] | None = None) -> pd.DataFrame:
        """Events of the last ``hours`` (default from the config), newest first;
        ``vcenters``: of these vCenters only (default: all)."""
        hours = self.config.get("collection.event_hours") if hours is None else hours
        since = datetime.now(timezone.utc) - timedelta(hours=hours)
        return self._fleet.events(since, vcenters)

    # --- one object ---------------------------------------------------------------

    def object(self, vcenter: str, moid: str, hours: float | None = None) -> ObjectView:
        """A VM, host, datastore, cluster or network with everything related to it:
        ``facts`` and sections (tags, attributes, alarms, problems, events of the
        last ``hours``, a VM's nics, cdroms, disks and snapshots, a host's or
        cluster's VMs, ...), each read when first asked for; see objects.py.

        Raises ``NotFoundError`` when the object is not (or no longer) in the
        inventory, ``ConfigError`` for an unknown vCenter name.
        """
        return objects.gather(self, vcenter, moid, hours)

    # --- performance statistics ----------------------------------------------------

    def metrics(self, kind: str, counters: list[str] | None = None,
                since: str | float | timedelta = "1h", interval: int | None = None, *,
                quiet: bool = False, vcenter: str | list[str] | None = None,
                moids: list[str] | None = None) -> pd.DataFrame:
        """Every sample of ``counters`` of every object of ``kind`` (vms, hosts,
        clusters, datastores) over the last ``since`` ("15m", "1h", "7d", "30d",
        seconds), one row each: vcenter, kind, name, moid, counter, instance,
        time, value, unit, interval, raw (docs/tables.md, docs/metrics.md).

        ``counters``: vCenter counter names (default: those of
        ``performance(kind)``); ``interval``: the sample period (default: the
        finest vCenter keeps for the window, or the history's when finer:
        ``frame.attrs["history"]`` names the vCenters it answered for);
        ``vcenter``, ``moids``: only these.  A vCenter whose statistics fail
        is in ``failures`` and ``status()`` and has no rows, unless ``quiet``:
        then only ``frame.attrs["failures"]`` names it.
        """
        request = metrics.Request.make(kind, counters, since, interval)
        names = metrics.vcenters(self.config, self._states, vcenter)
        stored = None if self._history_seed is not None or not self.config.get(
            "history.enabled") else self.history.stored_metrics(request, names, moids)
        done = stored.attrs["history"] if stored is not None else []
        frame = metrics.tidy(self._read_metrics(
            request, quiet, [n for n in names if n not in done], moids))
        return metrics.combine([frame, stored], names) if done else frame

    def performance(self, kind: str, since: str | float | timedelta = "1h",
                    interval: int | None = None, *, quiet: bool = False,
                    vcenter: str | list[str] | None = None,
                    moids: list[str] | None = None) -> pd.DataFrame:
        """One row per object of ``kind`` with the figures people sort by, each as
        the window's average and maximum (``cpu_ready_pct``, ``cpu_ready_pct_max``
        ...); a figure without samples is NA and ``missing`` says why.  Arguments
        as for ``metrics`` (always read from vCenter)."""
        names = metrics.vcenters(self.config, self._states, vcenter)
        request = metrics.Request.make(kind, None, since, interval)
        return metrics.summary(self._read_metrics(request, quiet, names, moids))

    def _read_metrics(self, request: metrics.Request, quiet: bool,
                      vcenters: list[str] | None = None, moids=None) -> metrics.Results:
        frames = {name: self.table(name) for name in request.tables}
        main = request.tables[0]
        frames[main] = metrics.select(frames[main], vcenters, moids)
        return metrics.read(request, frames, self._fleet, self._answers,
                            self.config.get("metrics.cache_seconds"), quiet)

    def record_metrics(self) -> MetricsResult:
        """Store the hosts', clusters' and datastores' 5-minute samples since the last
        time (backfilled after a gap), the VMs' daily summaries and latest window
        (docs/metrics.md).  Reads the inventory only if never read."""
        self._ensure_collected()
        return self.history.record_metrics(perfrecord.readings_of(
            list(self._fleet), lambda name, request, moids: self._read_metrics(
                request, True, [name], moids), self.table("vms")))

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

    def changes(self, since="24h", until=None, vcenter=None, kind=None,
                moid=None) -> pd.DataFrame:
        """What changed: time, vcenter, kind, name, moid, change, property, old, new,
        user, event ... ``since``/``until``: "90m", "24h", "7d" or an ISO time
        (``since=None``: from the first recording); ``moid``: one object's changes."""
        return self.history.changes(since, until, vcenter, kind, moid=moid)

    def as_of(self, when, table: str = "vms", vcenter=None) -> pd.DataFrame:
        """Table ``table`` (vms, hosts, datastores, clusters, networks) as it was at
        ``when``: today's column names for the columns the history tracks;
        ``vcenter``: of this vCenter (or these) only."""
        return self.history.as_of(when, table, vcenter)

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

        Free text: names (exact, substring, ``*``/``?`` wildcards), IPv4/IPv6
        addresses (exact, CIDR ``10.1.0.0/16``, prefix ``10.1.2.``), guest host
        names, MAC addresses and UUIDs, case-insensitive, across every vCenter.
        Field filters, combinable with each other and with free text (all must
        match): ``tag:Backup:Gold`` (or ``tag:Gold``), ``attr:Owner=finance``,
        ``power:off``, ``os:windows*``, ``host:esx-01*``, ``cluster:Prod*``,
        ``vcenter:dr``, ``net:VLAN-120``, ``ds:SAN-01``, ``kind:vm``, e.g.
        ``10.20.0.0/16 power:on tag:Env:Prod`` (see vcompanion/search/).  An
        unknown field raises ``ConfigError`` naming the known ones.
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
        self._ensure_parts(("tags",))  # the index's tables show them
        generation = self._cache.generation
        index = SearchIndex.from_tables(
            vms=self.table("vms"), hosts=self.table("hosts"),
            datastores=self.table("datastores"), clusters=self.table("clusters"),
            networks=self.table("networks"))
        return self._cache.keep_index(index, generation)


__all__ = ["STATUS_COLUMNS", "Companion"]
