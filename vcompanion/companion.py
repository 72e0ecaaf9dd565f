"""``Companion``: every configured vCenter as one set of pandas DataFrames.

This is the library's front door, used by the CLI, the dashboards, the
notebooks, alerts and reports alike::

    from vcompanion import Companion
    vc = Companion.from_config("config.json")
    vc.vms(); vc.hosts(); vc.search("10.1.2.3"); vc.status()

vCenters are connected and read in parallel.  One that is down, slow or
misconfigured yields a status row (see ``status()``) and no data; the others
are complete.  Inventory is read once and kept until ``refresh()``.
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

from . import collection, credentials, tables
from .config import Config, VCenterConfig, load_config
from .connection import Timeouts, VCenterConnection
from .errors import (CollectionError, ConfigError, CredentialsError,
                     VCenterError, VCompanionError)
from .search import SearchIndex
from .tables.context import Inventory

log = logging.getLogger(__name__)

STATUS_COLUMNS = ["vcenter", "address", "status", "message", "product", "version",
                  "build", "api_version", "user", "round_trip_ms", "last_collection",
                  "collect_seconds", "round_trips", "objects"]


@dataclass
class _State:
    """What we know about one vCenter."""

    config: VCenterConfig
    connection: VCenterConnection | None = None
    inventory: Inventory | None = None
    error: VCompanionError | None = None
    stats: collection.Stats | None = None
    user: str | None = None


class Companion:
    """All configured vCenters, read in parallel, as DataFrames."""

    def __init__(self, config: Config, username: str | None = None,
                 password: str | None = None, vcenters: list[str] | None = None):
        self.config = config
        self._username, self._password = username, password
        selected = list(config.vcenters)
        if vcenters:
            for name in vcenters:
                config.vcenter(name)  # raises ConfigError naming the unknown one
            selected = [vc for vc in selected if vc.name in vcenters]
        self._states = {vc.name: _State(vc) for vc in selected}
        self._lock = threading.RLock()
        self._frames: dict[str, pd.DataFrame] = {}
        self._index: SearchIndex | None = None
        self._keepalive: threading.Thread | None = None
        self._closed = threading.Event()
        self.timeouts = Timeouts(connect=config.get("collection.connect_timeout_seconds"),
                                 read=config.get("collection.read_timeout_seconds"),
                                 keepalive=config.get("collection.keepalive_minutes") * 60)

    @classmethod
    def from_config(cls, path: str | Path | None = None, username: str | None = None,
                    password: str | None = None,
                    vcenters: list[str] | None = None) -> Companion:
        """Load the config file (``path``, else $VCOMPANION_CONFIG, else ./config.json)."""
        return cls(load_config(path), username=username, password=password,
                   vcenters=vcenters)

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
        """Log out of every vCenter."""
        self._closed.set()
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

    def refresh(self) -> Companion:
        """Read every vCenter's inventory again, in parallel."""
        self._parallel(self._collect_one, list(self._states.values()))
        with self._lock:
            self._frames.clear()
            self._index = None
        self._start_keepalive()
        return self

    def _ensure_collected(self) -> None:
        missing = [s for s in self._states.values() if s.inventory is None]
        if missing:
            self._parallel(self._collect_one, missing)
            with self._lock:
                self._frames.clear()
                self._index = None
            self._start_keepalive()

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
            inventory, stats = tables.collect(
                conn, page_size=self.config.get("collection.page_size"))
            state.inventory, state.stats = inventory, stats
            log.info("vCenter '%s': collected %d objects in %.2f s, %d round trips "
                     "(%s)", state.config.name, stats.objects, stats.seconds,
                     stats.round_trips, ", ".join(
                         f"{len(v)} {k}" for k, v in sorted(inventory.objects.items())
                         if v))
        self._guarded(state, work)

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
        frame["last_collection"] = pd.to_datetime(frame["last_collection"], utc=True)
        return frame

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
        inventories = self.inventories()
        with self._lock:
            frame = self._frames.get(name)
            if frame is None:
                frame = tables.build(name, inventories)
                self._frames[name] = frame
        return frame.copy()

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
        return self.search_index().search(query)

    def search_index(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                self._index = SearchIndex.from_tables(
                    vms=self.table("vms"), hosts=self.table("hosts"),
                    datastores=self.table("datastores"),
                    clusters=self.table("clusters"), networks=self.table("networks"))
            return self._index
