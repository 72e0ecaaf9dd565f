"""The metrics recording: vCenter's samples since the last recording, into the history.

``MetricsRecorder.record(readings)`` takes one ``MetricReading`` per vCenter
(its name, instance UUID, a ``read(request, moids)`` that answers a
``metrics.Request`` from that vCenter alone, and its VMs) and, per vCenter:

1. **hosts, clusters, datastores**: reads vCenter's 5-minute samples (interval
   300) since the last sample stored, with a 15-minute overlap (a sample
   vCenter rolls up late is still caught; what is stored already is left
   alone).  After downtime longer than vCenter keeps 5-minute samples (a
   day), the older part of the gap comes from its 30-minute samples (kept a
   week) or 2-hour samples (a month), back to ``backfill_days`` at most; the
   first recording reads that far back too.  One QueryPerf per batch of
   objects per interval.
2. **VMs** (``vm_summaries``): each complete UTC day not summarised yet gets
   a summary per counter (average, 95th percentile, maximum) of vCenter's
   5-minute samples of that day (30-minute or 2-hour ones for days further
   back than a day), read in chunks of ``VM_CHUNK`` VMs; and the latest
   window (the realtime samples of the last recording interval, every
   counter) replaces the one stored before.
3. writes it all in one transaction, advances the vCenter's marks and rolls
   up every complete hour and day (perfstore.py).

A vCenter whose statistics fail keeps its marks: the next recording reads
its gap again.  One vCenter's failure never stops the others.
"""

from __future__ import annotations

import logging
import time as _time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import numpy as np
import pandas as pd

from .. import metrics
from ..clock import utc_now
from ..errors import HistoryError
from ..sources import DEFAULT_INTERVALS
from ..tables.performance import KINDS as PERF_KINDS
from . import perfstore
from .capacity import DAY_US, HOUR_US
from .perfstore import SeriesIds
from .recorder import Recorder
from .store import Store
from .times import US, to_us

log = logging.getLogger(__name__)

OVERLAP_US = 15 * 60 * US  # each read starts this long before the last one ended
LAG_US = 15 * 60 * US      # a day is summarised this long after it ended
VM_CHUNK = 1000            # VMs per read of the daily summaries
STORED = ("hosts", "clusters", "datastores")
SAMPLE_COLUMNS = ["moid", "name", "counter", "unit", "time", "value", "low", "high", "count"]
FINE = 300


@dataclass
class MetricReading:
    """One vCenter for a metrics recording (see the module docstring)."""

    vcenter: str
    instance_uuid: str | None = None
    read: Callable[[metrics.Request, list[str] | None], metrics.Results] | None = None
    vms: list[str] = field(default_factory=list)  # VM moids (no templates)
    error: str | None = None


@dataclass
class MetricOutcome:
    vcenter: str
    status: str  # recorded | failed
    message: str | None = None
    samples: int = 0
    vm_days: int = 0
    vm_latest: int = 0
    seconds: float = 0.0


@dataclass
class MetricsResult:
    outcomes: list[MetricOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[MetricOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([o.__dict__ for o in self.outcomes],
                            columns=list(MetricOutcome.__dataclass_fields__))


class _Failed(Exception):
    pass


def _kept(seconds: int) -> int:
    """How long vCenter keeps samples of ``seconds`` (its default intervals)."""
    return next(i.length for i in DEFAULT_INTERVALS if i.seconds == seconds)


def coarse_interval(span_us: int) -> int:
    """The finest interval vCenter keeps for a span back from now: 300, 1800, 7200."""
    for seconds in (300, 1800, 7200):
        if span_us <= _kept(seconds) * US:
            return seconds
    return 7200


class MetricsRecorder:
    """Records readings' statistics into a store (see the module docstring)."""

    def __init__(self, store: Store):
        self.store = store
        self.ids = SeriesIds()
        self._vcenters = Recorder(store)  # the change log's vCenter rows and identities

    def record(self, readings: list[MetricReading], settings: dict,
               latest_minutes: float = 15, now: datetime | None = None) -> MetricsResult:
        """Record every reading (``settings``: the config's ``history.metrics``)."""
        now_us = to_us(now or utc_now())
        result = MetricsResult()
        for reading in readings:
            started = _time.perf_counter()
            outcome = MetricOutcome(reading.vcenter, "recorded")
            try:
                if reading.error is not None or reading.read is None:
                    raise _Failed(reading.error or "not read")
                self._record_one(reading, readings, settings, latest_minutes, now_us,
                                 outcome)
            except _Failed as exc:
                outcome.status, outcome.message = "failed", str(exc)
            except HistoryError:
                raise  # the database: every vCenter would fail the same way
            except Exception as exc:  # noqa: BLE001 - one vCenter must not stop the rest
                log.exception("history: vCenter '%s': statistics not recorded",
                              reading.vcenter)
                outcome.status = "failed"
                outcome.message = f"{type(exc).__name__}: {exc}"
            outcome.seconds = _time.perf_counter() - started
            result.outcomes.append(outcome)
        log.info("history: statistics: %s", "; ".join(
            f"{o.vcenter} {o.status}" + (f" ({o.message})" if o.message else
                                         f" {o.samples} samples, {o.vm_days} VM days")
            for o in result.outcomes) or "no vCenters")
        return result

    # --- one vCenter -------------------------------------------------------------------

    def _vcenter(self, conn, readings, reading) -> int:
        return self._vcenters._lock_vcenters(conn, readings)[reading.vcenter]["id"]

    def _record_one(self, reading: MetricReading, readings: list[MetricReading],
                    settings: dict, latest_minutes: float, now_us: int,
                    outcome: MetricOutcome) -> None:
        with self.store.write("recording statistics") as conn:
            vid = self._vcenter(conn, readings, reading)
            known = perfstore.marks(conn, vid, lock=self.store.dialect)
        samples, read_until = self._samples(reading, known, settings, now_us)
        days, day_until = pd.DataFrame(), None
        latest = pd.DataFrame()
        if settings["vm_summaries"] and reading.vms:
            days, day_until = self._vm_days(reading, known, settings, now_us)
            latest = self._latest(reading, latest_minutes)
        dialect = self.store.dialect
        with self.store.write("recording statistics") as conn:
            vid = self._vcenter(conn, readings, reading)
            current = perfstore.marks(conn, vid, lock=dialect)
            for kind, frame in samples.items():
                outcome.samples += perfstore.write_samples(conn, dialect, self.ids, vid,
                                                           perfstore.KINDS[kind], frame)
            outcome.vm_days = perfstore.write_vm_days(conn, dialect, self.ids, vid, days)
            if settings["vm_summaries"]:
                outcome.vm_latest = perfstore.replace_vm_latest(conn, dialect, self.ids,
                                                                vid, latest)
            perfstore.advance(conn, vid, current, read_until=read_until, vm_day=day_until)
            if current["read_until"] is not None:
                perfstore.rollup(conn, dialect, vid, current,
                                 current["read_until"] - OVERLAP_US)

    def _read(self, reading: MetricReading, kind: str, seconds: int, interval: int,
              moids: list[str] | None = None, counters=None) -> metrics.Results:
        request = metrics.Request.make(kind, counters, max(seconds, 600), interval)
        results = reading.read(request, moids)
        failure = results.failures.get(reading.vcenter)
        if failure is not None:
            raise _Failed(f"statistics could not be read: {failure}")
        return results

    # --- hosts, clusters, datastores ----------------------------------------------------

    def _samples(self, reading: MetricReading, known: dict, settings: dict,
                 now_us: int) -> tuple[dict[str, pd.DataFrame], int | None]:
        """kind -> SAMPLE rows to store; and how far they reach (vCenter's clock)."""
        oldest = now_us - int(float(settings["backfill_days"]) * 86400 * US)
        mark = known["read_until"]
        start = oldest if mark is None else max(oldest, mark - OVERLAP_US)
        span = now_us - start
        # vCenter's 5-minute samples for the last day, its 30-minute ones for the
        # rest of the week, its 2-hour ones before: each tier up to the first
        # boundary of the next after the finer one begins (no period missing or
        # stored twice).
        tiers = [FINE] + [c for c, finer in ((1800, FINE), (7200, 1800))
                          if span > _kept(finer) * US]
        begin = mark if mark is not None else start
        out: dict[str, pd.DataFrame] = {}
        ends = []
        for kind in STORED:
            pieces: list[pd.DataFrame] = []
            finer_start = None
            for interval in tiers:
                results = self._read(reading, kind, -(-span // US), interval)
                answer = results.answers.get(reading.vcenter)
                if answer is None:  # no objects of the kind: nothing was asked
                    break
                frame = _samples_of(results, interval)
                if interval == FINE:
                    ends.append(to_us(answer.end))
                else:
                    edge = -(-finer_start // (interval * US)) * interval * US
                    pieces[-1] = pieces[-1][pieces[-1]["time"] > edge]
                    frame = frame[frame["time"] <= edge]
                pieces.append(frame)
                finer_start = to_us(answer.start)
            if len(pieces) > 1:  # the oldest tier: whole periods after what is stored
                oldest = pieces[-1]
                pieces[-1] = oldest[oldest["time"] - tiers[len(pieces) - 1] * US >= begin]
            out[kind] = pd.concat(pieces, ignore_index=True) if pieces else \
                pd.DataFrame(columns=SAMPLE_COLUMNS)
        return out, (min(ends) if ends else None)

    # --- VMs ---------------------------------------------------------------------------

    def _vm_days(self, reading: MetricReading, known: dict, settings: dict,
                 now_us: int) -> tuple[pd.DataFrame, int | None]:
        """Summaries of the complete days not summarised yet; the end of the last."""
        today = now_us // DAY_US * DAY_US
        back = min(float(settings["backfill_days"]), 30)
        first = today - int(back) * DAY_US
        if known["vm_day"] is not None:
            first = max(first, known["vm_day"])
        days = [d for d in range(first, today, DAY_US) if d + DAY_US <= now_us - LAG_US]
        if not days:
            return pd.DataFrame(), None
        groups: dict[int, list[int]] = {}
        for day in days:
            span = now_us - day
            interval = FINE if span <= _kept(FINE) * US + HOUR_US else coarse_interval(span)
            groups.setdefault(interval, []).append(day)
        parts = []
        for interval, wanted in groups.items():
            seconds = -(-(now_us - min(wanted)) // US)
            for i in range(0, len(reading.vms), VM_CHUNK):
                chunk = reading.vms[i:i + VM_CHUNK]
                frame = metrics.tidy(self._read(reading, "vms", seconds, interval, chunk))
                parts.append(summarise_days(frame, set(wanted), interval))
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return frame, max(days) + DAY_US

    def _latest(self, reading: MetricReading, minutes: float) -> pd.DataFrame:
        """Every VM's figures over the last ``minutes`` (realtime samples)."""
        seconds = int(max(5, min(60, minutes)) * 60)
        request = metrics.Request.make("vms", None, seconds, None)
        results = reading.read(request, None)
        if reading.vcenter in results.failures:
            raise _Failed(f"statistics could not be read: "
                          f"{results.failures[reading.vcenter]}")
        summary = metrics.summary(results)
        rows = []
        for row in summary.to_dict("records"):
            samples = row.get("samples")
            for figure in PERF_KINDS["vms"].figures:
                average, maximum = row.get(figure.column), row.get(figure.column + "_max")
                if average is None or pd.isna(average):
                    continue
                rows.append({"moid": row["moid"], "name": row["name"],
                             "counter": figure.counter, "unit": figure.unit,
                             "start": to_us(row["start"]), "time": to_us(row["end"]),
                             "average": float(average), "maximum": float(maximum),
                             "count": 0 if pd.isna(samples) else int(samples)})
        return pd.DataFrame(rows)


def _samples_of(results: metrics.Results, interval: int) -> pd.DataFrame:
    """SAMPLE rows of a read: one per object, counter and time; a datastore's
    hosts averaged (low and high their extremes)."""
    frame = metrics.tidy(results)
    columns = SAMPLE_COLUMNS
    frame = frame[frame["value"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    data = pd.DataFrame({
        "moid": frame["moid"].astype(str).to_numpy(),
        "name": frame["name"].astype(str).to_numpy(),
        "counter": frame["counter"].astype(str).to_numpy(),
        "unit": frame["unit"].astype(str).to_numpy(),
        "time": perfstore.us_of(frame["time"]),
        "value": frame["value"].to_numpy(dtype=float)})
    grouped = data.groupby(["moid", "counter", "time"], sort=False)
    out = grouped.agg(name=("name", "first"), unit=("unit", "first"),
                      value=("value", "mean"), low=("value", "min"), high=("value", "max"),
                      hosts=("value", "size")).reset_index()
    single = out["hosts"] == 1  # one value: no extremes to keep
    out.loc[single, ["low", "high"]] = np.nan
    out["count"] = interval // FINE
    return out[columns]


def summarise_days(frame: pd.DataFrame, days: set[int], interval: int) -> pd.DataFrame:
    """Per VM, counter and UTC day of ``days`` (µs, day starts): average, p95, maximum
    and count of the day's samples (a sample belongs to the day its period ends in)."""
    columns = ["moid", "name", "counter", "unit", "day", "average", "p95", "maximum",
               "count", "interval"]
    frame = frame[frame["value"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    data = pd.DataFrame({
        "moid": frame["moid"].astype(str).to_numpy(),
        "name": frame["name"].astype(str).to_numpy(),
        "counter": frame["counter"].astype(str).to_numpy(),
        "unit": frame["unit"].astype(str).to_numpy(),
        "day": (perfstore.us_of(frame["time"]) - 1) // DAY_US * DAY_US,
        "value": frame["value"].to_numpy(dtype=float)})
    data = data[data["day"].isin(days)]
    if data.empty:
        return pd.DataFrame(columns=columns)
    grouped = data.groupby(["moid", "counter", "day"], sort=False)
    out = grouped.agg(name=("name", "first"), unit=("unit", "first"),
                      average=("value", "mean"), maximum=("value", "max"),
                      count=("value", "size")).reset_index()
    p95 = grouped["value"].quantile(0.95).rename("p95").reset_index()
    out = out.merge(p95, on=["moid", "counter", "day"])
    out["interval"] = interval
    return out[columns]


def readings_of(states, read, vms: pd.DataFrame) -> list[MetricReading]:
    """One ``MetricReading`` per vCenter of a ``Fleet``: ``read(name, request,
    moids)`` reads one vCenter's statistics; ``vms``: the VMs table."""
    readings = []
    if len(vms):
        real = vms[~vms["is_template"].fillna(False).astype(bool)]
        by_vcenter = {str(k): list(g["moid"]) for k, g in real.groupby(
            "vcenter", sort=False, observed=True)}
    else:
        by_vcenter = {}
    for state in states:
        about = state.source.about
        uuid = about.instance_uuid if about is not None else None
        if state.readable:
            readings.append(MetricReading(
                state.name, uuid, lambda request, moids, name=state.name: read(
                    name, request, moids), by_vcenter.get(state.name, [])))
        else:
            readings.append(MetricReading(state.name, uuid,
                                          error=str(state.error or "not read")))
    return readings


__all__ = ["MetricOutcome", "MetricReading", "MetricsRecorder", "MetricsResult",
           "coarse_interval", "readings_of", "summarise_days"]
