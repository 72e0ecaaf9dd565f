"""``VCenterSource``: one real vCenter, read through ``vcompanion.vsphere``.

The session is opened on first use with the credentials found by
``credentials.resolve`` (arguments, the per-vCenter OS store entry, the
environment, the default entry).  Every read goes through the one bulk path
(``tables.collect``: one ContainerView, one RetrievePropertiesEx); live
updates run a ``vsphere.live.LiveInventory`` of the source's own.  Tags come
from the vSphere Automation REST API (``vsphere.rest``), in a session of
their own opened with the same credentials, TLS settings and timeouts;
performance statistics from ``vsphere.perf``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from .. import credentials, tables
from ..config import Config, VCenterConfig
from ..errors import CollectionError, NoPermissionError
from ..vsphere import collection
from ..vsphere import live as live_updates
from ..vsphere import perf as perf_reader
from ..vsphere import rest
from ..vsphere.connection import Timeouts, VCenterConnection
from ..vsphere.fast import workers as decode_workers
from ..vsphere.fast.memory import trim_memory
from .base import About, Inventory, OnChange, PerfAnswer, PerfQuery, Source, Stats, TagData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadSettings:
    """How every vCenter is read (the ``collection`` settings)."""

    timeouts: Timeouts = Timeouts()
    page_size: int = 1000
    decoder: str = "fast"
    decode_processes: int | None = None
    reread_seconds: float = 300.0
    live_wait_seconds: int = 10
    perf: perf_reader.PerfSettings = perf_reader.PerfSettings()

    @classmethod
    def from_config(cls, config: Config) -> ReadSettings:
        return cls(
            perf=perf_reader.PerfSettings(
                decoder=config.get("collection.decoder"),
                concurrency=config.get("metrics.query_concurrency"),
                max_values=config.get("metrics.max_answer_samples"),
                max_query_metrics=config.get("metrics.max_query_metrics")),
            timeouts=Timeouts(connect=config.get("collection.connect_timeout_seconds"),
                              read=config.get("collection.read_timeout_seconds"),
                              keepalive=config.get("collection.keepalive_minutes") * 60),
            page_size=config.get("collection.page_size"),
            decoder=config.get("collection.decoder"),
            decode_processes=config.get("collection.decode_processes"),
            reread_seconds=config.get("collection.live_reread_minutes") * 60)


class VCenterSource:
    """One configured vCenter (see ``sources.base.Source``)."""

    def __init__(self, config: VCenterConfig, settings: ReadSettings = ReadSettings(),
                 username: str | None = None, password: str | None = None):
        self.config = config
        self.settings = settings
        self.wants_decode_pool = settings.decoder == "fast" \
            and settings.decode_processes != 0
        self._username, self._password = username, password
        self._user: str | None = None
        self.connection: VCenterConnection | None = None
        self.live: live_updates.LiveInventory | None = None
        self.rest: rest.RestSession | None = None  # tags: opened on first use

    # --- identity --------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def address(self) -> str:
        return self.config.address

    @property
    def user(self) -> str | None:
        return self._user

    @property
    def about(self) -> About | None:
        return self.connection.about if self.connection is not None else None

    @property
    def round_trip_ms(self) -> float | None:
        return self.connection.round_trip_ms if self.connection is not None else None

    @property
    def connected(self) -> bool:
        return self.connection is not None

    # --- the session -----------------------------------------------------------------

    def connect(self) -> None:
        self._connection()

    def _connection(self) -> VCenterConnection:
        if self.connection is not None:
            return self.connection
        creds = credentials.resolve(self.name, self._username, self._password,
                                    config_username=self.config.username)
        self._user = creds.username
        conn = VCenterConnection(self.config, creds, self.settings.timeouts)
        conn.connect()
        self.connection = conn
        return conn

    def keepalive(self) -> None:
        if self.connection is not None:
            self.connection.keepalive()

    def close(self) -> None:
        self.stop_live()
        session, self.rest = self.rest, None
        if session is not None:
            session.close()
        conn, self.connection = self.connection, None
        if conn is not None:
            conn.close()

    def probe(self) -> float:
        conn = self._connection()
        started = time.perf_counter()
        conn.call(conn.si.CurrentTime)
        ms = round((time.perf_counter() - started) * 1000, 1)
        if not conn.has_privilege("System.View"):
            raise conn.error(NoPermissionError, "lacks System.View on the root folder")
        return ms

    # --- reading ---------------------------------------------------------------------

    def read_inventory(self, pool: Any = None) -> tuple[Inventory, Stats]:
        return tables.collect(self._connection(), page_size=self.settings.page_size,
                              decoder=self.settings.decoder, pool=pool)

    def read_devices(self, pool: Any = None) -> dict[str, list]:
        devices, _ = tables.collect_devices(
            self._connection(), page_size=self.settings.page_size,
            decoder=self.settings.decoder, pool=pool)
        return devices

    def read_tags(self, inventory: Inventory) -> TagData:
        conn = self._connection()
        session = self.rest
        if session is None or session.credentials is not conn.credentials:
            if session is not None:
                session.close()
            timeouts = self.settings.timeouts
            session = self.rest = rest.RestSession(
                self.config, conn.credentials, timeouts.connect, timeouts.read,
                conn.ssl_context())
        return rest.read_tags(session, ((kind, oid) for kind in rest.OBJECT_TYPES
                                        for oid in inventory.of(kind)))

    def read_layouts(self, inventory: Inventory) -> dict[str, dict]:
        return tables.collect_layouts(self._connection(), inventory)

    def read_events(self, since: datetime) -> tuple[list, dict[str, str]]:
        conn = self._connection()
        stats = Stats()
        started = time.perf_counter()
        categories = collection.event_categories(conn, stats)
        events = collection.read_events(conn, since, stats)
        log.info("vCenter '%s': %d events since %s in %.2f s, %d round trips",
                 self.name, len(events), f"{since:%Y-%m-%d %H:%M:%S}",
                 time.perf_counter() - started, stats.round_trips)
        return events, categories

    def read_perf(self, query: PerfQuery) -> PerfAnswer:
        return perf_reader.read(self._connection(), query, self.settings.perf)

    # --- live updates ----------------------------------------------------------------

    def start_live(self, on_change: OnChange, pool: Any = None) -> Inventory:
        conn = self._connection()
        updater = self.live
        if updater is None or not updater.running or updater.conn is not conn:
            if updater is not None:
                updater.stop()

            def changed(live: live_updates.LiveInventory, kinds: set[str]) -> None:
                if self.live is live and live.inventory is not None:
                    on_change(self.name, live.inventory, kinds)

            updater = live_updates.LiveInventory(
                conn, tables.inventory_specs(), on_change=changed,
                max_wait=self.settings.live_wait_seconds, pool=pool,
                reread_seconds=self.settings.reread_seconds)
            self.live = updater
            updater.start()
        try:
            inventory = updater.wait_ready(self.settings.timeouts.read * 4)
        except TimeoutError as exc:
            raise CollectionError(self.name, self.address, self.user, str(exc)) from None
        updater.pool = None  # a shared pool is released after the first sync
        return inventory

    def stop_live(self) -> None:
        updater, self.live = self.live, None
        if updater is not None:
            updater.stop()


def check_login(config: VCenterConfig, username: str, password: str,
                connect_timeout: float, read_timeout: float) -> None:
    """Log in to one vCenter as a person and log out again (the dashboards' sign-in).

    Returns when the vCenter accepts the user and the user holds System.View
    on the root folder; raises ``AuthenticationError`` (user or password
    rejected), ``NoPermissionError`` (no read access) or another
    ``VCenterError`` (unreachable, TLS ...).  The password is used for this
    login only.
    """
    creds = credentials.Credentials(username, password, "login form")
    conn = VCenterConnection(config, creds, Timeouts(connect=connect_timeout,
                                                     read=read_timeout))
    try:
        conn.connect()
        if not conn.has_privilege("System.View"):
            raise conn.error(NoPermissionError, "no read access (System.View on the "
                                                "root folder)")
    finally:
        conn.close()


@contextlib.contextmanager
def decode_pool(sources: list[Source], processes: int) -> Iterator[Any]:
    """Worker processes for one round of reads, when a source can use them.

    The first large answer starts the workers (in the background, see
    vsphere/fast/answers.py); small inventories never start them.  They stop
    when the round is done, and the answers' memory is given back.
    """
    use = processes != 0 and any(getattr(s, "wants_decode_pool", False)
                                 for s in sources)
    pool = decode_workers.acquire(processes) if use else None
    try:
        yield pool
    finally:
        if pool is not None:
            decode_workers.release()
        trim_memory()  # the answers' bytes and parse trees are gone now


__all__ = ["ReadSettings", "VCenterSource", "check_login", "decode_pool"]
