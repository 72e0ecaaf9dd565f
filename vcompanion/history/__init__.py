"""History: every change across all vCenters, the inventory as of any date,
capacity trends and forecasts (docs/history.md).

::

    store.py        the database: engine from the settings, errors in one place
    schema.py       the tables (SQLAlchemy Core); migrations.py builds them
    tracked.py      what each table keeps (from the column declarations)
    recorder.py     a recording: what changed since the previous one
    attribution.py  who made a change: the vCenter event that explains it
    capacity.py     capacity samples and their hourly and daily rollups
    perfstore.py    performance statistics: samples, rollups, VM daily summaries
    perfrecord.py   the metrics recording: vCenter's samples since the last one
    perfread.py     when vc.metrics() answers from the history
    queries.py      changes, as_of, capacity series, gaps, status
    forecast.py     days until full, as a range and a status
    retention.py    pruning by the retention settings
    demo.py         60 days of synthetic history for the demo

``History`` is the front door ``Companion`` delegates to (``vc.record()``,
``vc.changes()``, ``vc.as_of()`` ...).  It opens the database lazily; readers
of a history that does not exist yet get empty answers and create nothing.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import pandas as pd

from ..clock import utc_now
from ..errors import ConfigError, HistoryError
from . import forecast as forecast_module
from . import migrations, perfread, perfstore, queries, retention
from .perfrecord import MetricReading, MetricsRecorder, MetricsResult
from .recorder import Outcome, Reading, Recorder, RecordResult
from .store import Store, database_url, describe
from .times import from_us, parse_when, to_us

log = logging.getLogger(__name__)

__all__ = ["History", "MetricReading", "MetricsResult", "Outcome", "Reading", "RecordResult",
           "readings_of"]


class History:
    """The history of one configuration (see the module docstring)."""

    def __init__(self, config, seed=None):
        """``seed(store)``: fills an empty database (the demo's synthetic history)."""
        if not config.get("history.enabled"):
            raise ConfigError("the history is turned off (history.enabled is false)",
                              config.where)
        self.config = config
        self.url = database_url(config)
        self._seed = seed
        self._store: Store | None = None
        self._recorder: Recorder | None = None
        self._metrics: MetricsRecorder | None = None
        self._lock = threading.RLock()
        self._metrics_lock = threading.Lock()  # one metrics recording at a time

    # --- the database ---------------------------------------------------------------

    @property
    def database(self) -> str:
        """The database URL, password masked."""
        return self.url.render_as_string(hide_password=True)

    @property
    def where(self) -> str:
        return describe(self.url)

    def store(self, create: bool = True) -> Store | None:
        """The open, upgraded database (None: none yet and ``create`` is False)."""
        with self._lock:
            if self._store is None:
                if self._seed is not None:
                    self.url = self._seed(self.url)
                store = migrations.open_current(self.url, create=create)
                if store is None:
                    return None
                self._store = store
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
            self._store, self._recorder, self._metrics = None, None, None

    # --- recording --------------------------------------------------------------------

    def record(self, readings: list[Reading], now: datetime | None = None,
               purge: bool = False) -> RecordResult:
        """Record every vCenter's reading in one transaction (recorder.py);
        ``purge``: then apply the retention settings."""
        with self._lock:
            store = self.store()
            if self._recorder is None:
                self._recorder = Recorder(store)
            result = self._recorder.record(readings, now)
        if purge:
            self.purge(now)
        return result

    def record_metrics(self, readings: list[MetricReading],
                       now: datetime | None = None) -> MetricsResult:
        """Store every vCenter's statistics since the last time (perfrecord.py)."""
        store = self.store()
        with self._metrics_lock:
            if self._metrics is None or self._metrics.store is not store:
                self._metrics = MetricsRecorder(store)
            return self._metrics.record(readings, self.config.get("history.metrics"),
                                        self.config.get("history.interval_minutes") or 15,
                                        now)

    def purge(self, now: datetime | None = None) -> dict[str, int]:
        """Delete what the retention settings no longer keep; rows per table."""
        store = self.store()
        now = now or utc_now()
        with store.write("pruning by the retention settings") as conn:
            counts = retention.purge(conn, self.config.get("history.retention"), now)
            counts.update(perfstore.purge(conn, self.config.get("history.metrics"),
                                          to_us(now)))
        log.info("history: pruned %s", ", ".join(f"{n} {k}" for k, n in counts.items()
                                                 if n) or "nothing")
        return counts

    # --- reading ---------------------------------------------------------------------

    def _read(self, what: str, answer, empty):
        store = self.store(create=False)
        if store is None:
            return empty()
        with store.read(what) as conn:
            return answer(conn)

    def changes(self, since="24h", until=None, vcenter=None, kind=None,
                after_id: int | None = None, moid: str | None = None) -> pd.DataFrame:
        """The change log (queries.CHANGE_COLUMNS), oldest first; ``moid``: of one
        object (with ``vcenter``, its history)."""
        now = utc_now()
        start = to_us(parse_when(since, now, "since")) if since is not None else None
        end = to_us(parse_when(until, now, "until")) if until is not None else None
        queries.kind_of(kind)  # an unknown kind is an error even without history
        return self._read("reading the changes", lambda c: queries.changes_frame(
            c, start, end, vcenter, kind, after_id, moid),
            lambda: queries.changes_frame_empty())

    def as_of(self, when, table: str = "vms", vcenter=None) -> pd.DataFrame:
        """Table ``table`` as it was at ``when``: its tracked and identity columns."""
        moment = to_us(parse_when(when, what="as_of time"))
        shown = queries.tracked(table).shown
        return self._read(f"reading {table} as of {from_us(moment):%Y-%m-%d %H:%M:%S}",
                          lambda c: queries.as_of_frame(c, moment, table, vcenter),
                          shown.empty)

    def capacity(self, kind: str = "datastores", since="30d", until=None, vcenter=None,
                 resolution: str = "auto", metric: str | None = None) -> pd.DataFrame:
        """Tidy capacity series (queries.CAPACITY_COLUMNS)."""
        now = utc_now()
        start = parse_when(since, now, "since")
        end = parse_when(until, now, "until") if until is not None else now
        queries.capacity_kind(kind)
        level = self._resolution(resolution, end - start)
        return self._read("reading capacity series", lambda c: queries.capacity_frame(
            c, kind, to_us(start), to_us(end), level, vcenter, metric),
            lambda: queries.capacity_frame_empty())

    def _resolution(self, resolution: str, span: timedelta) -> int:
        if resolution != "auto":
            if resolution not in queries.RESOLUTIONS:
                raise ConfigError(f"resolution must be auto, "
                                  f"{', '.join(queries.RESOLUTIONS)}, not {resolution!r}")
            return queries.RESOLUTIONS[resolution]
        keep = self.config.get("history.retention")
        if span <= timedelta(days=min(2, keep["raw_samples_days"])):
            return queries.RAW
        if span <= timedelta(days=min(60, keep["hourly_samples_days"])):
            return queries.HOUR
        return queries.DAY

    def stored_metrics(self, request, vcenters: list[str], moids=None,
                       now: datetime | None = None) -> pd.DataFrame | None:
        """``vc.metrics()`` rows of the vCenters the history answers ``request``
        (a ``metrics.Request``) for, or None (perfread.py)."""
        settings = self.config.get("history.metrics")
        resolution = perfread.resolution_for(request, settings) \
            if settings["enabled"] else None
        try:
            if resolution is None or self.store(create=False) is None:
                return None
        except HistoryError as exc:
            log.warning("statistics from the history unavailable: %s", exc)
            return None
        minutes = max(60.0, 2 * float(self.config.get("history.interval_minutes") or 0))
        now_us = to_us(now or utc_now())
        try:
            return self._read("reading stored statistics", lambda c: perfread.stored_frame(
                c, request, resolution, vcenters, moids, now_us, int(minutes * 60e6)),
                lambda: None)
        except HistoryError as exc:  # vCenter still answers
            log.warning("statistics from the history unavailable (read from vCenter "
                        "instead): %s", exc)
            return None

    def vm_days(self, since="30d", until=None, vcenter=None, moids=None) -> pd.DataFrame:
        """VM daily summaries (perfstore.VM_DAY_COLUMNS) of the days from ``since``."""
        now = utc_now()
        start = to_us(parse_when(since, now, "since"))
        end = to_us(parse_when(until, now, "until")) if until is not None else to_us(now)
        start = start // perfstore.DAY_US * perfstore.DAY_US
        return self._read("reading VM daily summaries", lambda c: perfstore.vm_days_frame(
            c, start, end, vcenter, moids), lambda: pd.DataFrame(
            columns=perfstore.VM_DAY_COLUMNS))

    def vm_latest(self, vcenter=None) -> pd.DataFrame:
        """Every VM's latest window per counter (perfstore.VM_LATEST_COLUMNS)."""
        return self._read("reading the VMs' latest windows", lambda c: perfstore.
                          vm_latest_frame(c, vcenter), lambda: pd.DataFrame(
                              columns=perfstore.VM_LATEST_COLUMNS))

    def forecasts(self, now: datetime | None = None) -> pd.DataFrame:
        """One row per datastore and cluster metric (forecast.py)."""
        now = now or utc_now()
        window = float(self.config.get("history.forecast_window_days"))
        minimum = int(self.config.get("history.forecast_min_days"))
        start = to_us(now - timedelta(days=window))

        def answer(conn):
            daily = queries.daily_peaks(conn, start, to_us(now))
            return forecast_module.forecasts_frame(daily, minimum)

        return self._read("reading the forecasts", answer,
                          lambda: forecast_module.forecasts_frame(pd.DataFrame(
                              columns=["vcenter", "kind", "name", "moid", "metric", "time",
                                       "low", "high"])))

    def gaps(self, since="30d", until=None, vcenter=None) -> pd.DataFrame:
        """Periods without data per vCenter (queries.GAP_COLUMNS)."""
        now = utc_now()
        start = to_us(parse_when(since, now, "since")) if since is not None else None
        end = to_us(parse_when(until, now, "until")) if until is not None else None
        minutes = self.config.get("history.interval_minutes")
        return self._read("reading the gaps", lambda c: queries.gaps_frame(
            c, start, end, vcenter, minutes), lambda: queries.gaps_frame_empty())

    def last_recordings(self) -> dict[str, datetime]:
        """vCenter name -> its newest recording, whatever its outcome (one cheap
        query: ``vcompanion serve`` asks it at every refresh)."""
        return self._read("reading the last recordings", lambda c: {
            name: from_us(time) for name, time in queries.last_recordings(c).items()},
            dict)

    def status(self) -> pd.DataFrame:
        """Per vCenter: first and last recordings, row counts; with the database
        (password masked) and the schema version in every row."""
        def answer(conn):
            frame = queries.status_frame(conn)
            frame["gaps"] = pd.array([0] * len(frame), dtype="Int64")
            gaps = queries.gaps_frame(conn, None, None, None,
                                      self.config.get("history.interval_minutes"))
            counted = gaps.groupby("vcenter").size()
            frame["gaps"] = pd.array([int(counted.get(n, 0)) for n in frame["vcenter"]],
                                     dtype="Int64")
            frame["schema_version"] = pd.array([migrations.version(conn)] * len(frame),
                                               dtype="Int64")
            return frame

        def nothing():
            frame = queries.status_frame_empty()
            frame["gaps"] = pd.array([], dtype="Int64")
            frame["schema_version"] = pd.array([], dtype="Int64")
            return frame

        frame = self._read("reading its status", answer, nothing)
        frame["database"] = pd.array([self.database] * len(frame), dtype="string")
        return frame


def readings_of(states, part) -> list[Reading]:
    """One ``Reading`` per vCenter of a ``Fleet`` (``fleet.VCenterState``s):
    ``part(table, inventory)`` builds one vCenter's table (``TableCache.part``)."""
    readings = []
    for state in states:
        source = state.source
        about = source.about
        uuid = about.instance_uuid if about is not None else None
        if state.readable:
            inventory = state.inventory
            readings.append(Reading(
                state.name, uuid, inventory.collected_at,
                table=lambda name, inv=inventory: part(name, inv),
                events=lambda since, src=source: src.read_events(since)[0]))
        else:
            readings.append(Reading(state.name, uuid, error=str(state.error or "not read")))
    return readings
