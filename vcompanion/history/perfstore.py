"""Performance statistics in the history database: writing, rolling up, pruning, reading.

What is kept (tables in schema.py, the recording step in perfrecord.py):

* hosts, clusters and datastores: one series per object and counter
  (``history_metric_series``), its values in ``history_metric_samples`` at
  three resolutions: ``SAMPLE`` (vCenter's 5-minute samples; after downtime
  the 30-minute or 2-hour ones it kept), ``HOUR`` and ``DAY`` (average,
  lowest, highest).  A datastore's sample is the average of the hosts that
  measured it, ``low`` and ``high`` their lowest and highest;
* VMs: a daily summary per counter (``history_vm_days``: average, 95th
  percentile and maximum of the day's samples) and the latest window
  (``history_vm_latest``, replaced at every recording).

Times are microseconds since 1970 UTC and, as vCenter stamps its samples,
the END of the period a row covers; ``count`` is how many 5-minute periods
it stands for.  Rollups and pruning go per vCenter, by its marks
(``history_metric_marks``): a vCenter that was down is rolled up once its
gap is backfilled, never before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ..tables.performance import METRICS
from .capacity import DAY_US, HOUR_US, insert_ignoring
from .schema import (DAY, HOUR, SAMPLE, metric_marks, metric_samples, metric_series,
                     vcenters, vm_days, vm_latest)
from .times import US

FIVE_US = 300 * US
# kind of vc.metrics() -> kind in the history, and back
KINDS = {"hosts": "host", "clusters": "cluster", "datastores": "datastore", "vms": "vm"}
PLURAL = {v: k for k, v in KINDS.items()}
SECONDS = {SAMPLE: 300, HOUR: 3600, DAY: 86400}  # seconds per row of a resolution
MARKS = ("read_until", "rolled_hour", "rolled_day", "vm_day")
CHUNK = 5000  # rows per INSERT

VM_DAY_COLUMNS = ["vcenter", "name", "moid", "counter", "unit", "day", "average", "p95",
                  "maximum", "samples", "interval"]
VM_LATEST_COLUMNS = ["vcenter", "name", "moid", "counter", "unit", "start", "end",
                     "average", "maximum", "samples"]


def us_of(column) -> np.ndarray:
    """A column of UTC timestamps as int64 microseconds."""
    values = pd.DatetimeIndex(column)
    return (values.asi8 // 1000) if values.unit == "ns" else values.as_unit("us").asi8


def _stamps(us: np.ndarray) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(np.asarray(us, dtype="int64").astype(
        "datetime64[us]").astype("datetime64[ns]")).tz_localize("UTC"))


def _insert(conn: Connection, statement, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(statement, rows[i:i + CHUNK])


# --- series -----------------------------------------------------------------------------

class SeriesIds:
    """(vCenter id, kind, moid, counter) -> series id, kept in memory."""

    def __init__(self) -> None:
        self._ids: dict[tuple, tuple[int, str | None]] = {}

    def forget(self) -> None:
        self._ids.clear()

    def ids(self, conn: Connection, dialect: str, vcenter_id: int, kind: str,
            frame: pd.DataFrame) -> np.ndarray:
        """The ids of ``frame``'s series (columns moid, counter, name, unit), made
        when new; names updated when an object was renamed."""
        if frame.empty:
            return np.zeros(0, dtype=np.int64)
        keys = list(zip(frame["moid"].astype(str), frame["counter"].astype(str)))
        names = frame["name"].astype(str).tolist()
        units = frame["unit"].astype(str).tolist()
        missing = {}
        for key, name, unit in zip(keys, names, units):
            if (vcenter_id, kind, *key) not in self._ids and key not in missing:
                missing[key] = (name, unit)
        if missing:
            _insert(conn, insert_ignoring(dialect, metric_series), [
                {"vcenter_id": vcenter_id, "kind": kind, "moid": m, "counter": c,
                 "name": n, "unit": u} for (m, c), (n, u) in missing.items()])
            s = metric_series.c
            for row in conn.execute(select(s.id, s.moid, s.counter, s.name).where(
                    s.vcenter_id == vcenter_id, s.kind == kind)):
                self._ids[(vcenter_id, kind, row.moid, row.counter)] = (row.id, row.name)
        renamed, out = {}, np.empty(len(keys), dtype=np.int64)
        for i, (key, name) in enumerate(zip(keys, names)):
            sid, known = self._ids[(vcenter_id, kind, *key)]
            if name and known != name:
                renamed[sid] = name
                self._ids[(vcenter_id, kind, *key)] = (sid, name)
            out[i] = sid
        if renamed:
            conn.execute(update(metric_series).where(metric_series.c.id == bindparam("sid"))
                         .values(name=bindparam("new_name")),
                         [{"sid": k, "new_name": v} for k, v in renamed.items()])
        return out


# --- marks ------------------------------------------------------------------------------

def marks(conn: Connection, vcenter_id: int, lock: str | None = None) -> dict:
    """The vCenter's marks (None where not set); ``lock`` = the dialect to lock the
    row in (PostgreSQL: FOR UPDATE) after creating it."""
    if lock is not None:
        conn.execute(insert_ignoring(lock, metric_marks), [{"vcenter_id": vcenter_id}])
    query = select(*(metric_marks.c[m] for m in MARKS)).where(
        metric_marks.c.vcenter_id == vcenter_id)
    if lock == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return dict(zip(MARKS, row)) if row is not None else dict.fromkeys(MARKS)


def advance(conn: Connection, vcenter_id: int, current: dict, **values) -> None:
    """Move marks forward (never back: another recorder may be ahead)."""
    changed = {k: v for k, v in values.items()
               if v is not None and (current.get(k) is None or v > current[k])}
    if changed:
        conn.execute(update(metric_marks).where(metric_marks.c.vcenter_id == vcenter_id)
                     .values(**changed))
        current.update(changed)


# --- writing ----------------------------------------------------------------------------

def write_samples(conn: Connection, dialect: str, ids: SeriesIds, vcenter_id: int,
                  kind: str, frame: pd.DataFrame) -> int:
    """Store SAMPLE rows: ``frame`` has moid, name, counter, unit, time (µs), value,
    low, high (NaN: none), count.  Rows already stored are left as they are."""
    if frame.empty:
        return 0
    sids = ids.ids(conn, dialect, vcenter_id, kind, frame)
    low, high = frame["low"].to_numpy(float), frame["high"].to_numpy(float)
    rows = [{"series_id": int(s), "resolution": SAMPLE, "time": int(t), "value": float(v),
             "low": None if lo != lo else float(lo), "high": None if hi != hi else float(hi),
             "count": int(c)}
            for s, t, v, lo, hi, c in zip(sids, frame["time"], frame["value"], low, high,
                                          frame["count"])]
    _insert(conn, insert_ignoring(dialect, metric_samples), rows)
    return len(rows)


def write_vm_days(conn: Connection, dialect: str, ids: SeriesIds, vcenter_id: int,
                  frame: pd.DataFrame) -> int:
    """Store VM daily summaries: moid, name, counter, unit, day (µs), average, p95,
    maximum, count, interval; a day summarised already stays as it is."""
    if frame.empty:
        return 0
    sids = ids.ids(conn, dialect, vcenter_id, "vm", frame)
    rows = [{"series_id": int(s), "day": int(d), "average": float(a), "p95": float(p),
             "maximum": float(m), "count": int(c), "interval": int(i)}
            for s, d, a, p, m, c, i in zip(sids, frame["day"], frame["average"],
                                           frame["p95"], frame["maximum"], frame["count"],
                                           frame["interval"])]
    _insert(conn, insert_ignoring(dialect, vm_days), rows)
    return len(rows)


def replace_vm_latest(conn: Connection, dialect: str, ids: SeriesIds, vcenter_id: int,
                      frame: pd.DataFrame) -> int:
    """The vCenter's VMs' latest window: moid, name, counter, unit, start, time (µs),
    average, maximum, count; replaces the one stored before."""
    mine = select(metric_series.c.id).where(metric_series.c.vcenter_id == vcenter_id,
                                            metric_series.c.kind == "vm")
    conn.execute(delete(vm_latest).where(vm_latest.c.series_id.in_(mine)))
    if frame.empty:
        return 0
    sids = ids.ids(conn, dialect, vcenter_id, "vm", frame)
    rows = [{"series_id": int(s), "start": int(a), "time": int(t), "average": float(v),
             "maximum": float(m), "count": int(c)}
            for s, a, t, v, m, c in zip(sids, frame["start"], frame["time"],
                                        frame["average"], frame["maximum"], frame["count"])]
    _insert(conn, insert(vm_latest), rows)
    return len(rows)


# --- rolling up -------------------------------------------------------------------------

def rollup(conn: Connection, dialect: str, vcenter_id: int, current: dict,
           until: int) -> int:
    """Roll the vCenter's samples of every complete hour up to ``until`` into HOUR
    rows, and every complete day of those into DAY rows; returns rows made."""
    hour = until // HOUR_US * HOUR_US
    made = _roll(conn, dialect, vcenter_id, SAMPLE, HOUR, HOUR_US, current["rolled_hour"],
                 hour)
    day = hour // DAY_US * DAY_US
    made += _roll(conn, dialect, vcenter_id, HOUR, DAY, DAY_US, current["rolled_day"], day)
    advance(conn, vcenter_id, current, rolled_hour=hour, rolled_day=day)
    return made


def _roll(conn: Connection, dialect: str, vcenter_id: int, source: int, target: int,
          width: int, mark: int | None, until: int) -> int:
    if mark is not None and mark >= until:
        return 0
    s = metric_samples.c
    end = ((s.time - 1) // width + 1) * width  # rows are stamped with their period's end
    where = [s.resolution == source, s.time <= until, s.series_id.in_(
        select(metric_series.c.id).where(metric_series.c.vcenter_id == vcenter_id))]
    if mark is not None:
        where.append(s.time > mark)
    weighted = func.sum(s.value * s.count) / func.sum(s.count)
    query = (select(s.series_id, end, weighted, func.min(func.coalesce(s.low, s.value)),
                    func.max(func.coalesce(s.high, s.value)), func.sum(s.count))
             .where(and_(*where)).group_by(s.series_id, end))
    columns = ["series_id", "time", "value", "low", "high", "count"]
    rows = [{**dict(zip(columns, row)), "resolution": target}
            for row in conn.execute(query)]
    for row in rows:
        row["time"], row["count"] = int(row["time"]), int(row["count"])
    _insert(conn, insert_ignoring(dialect, metric_samples), rows)
    return len(rows)


# --- pruning ----------------------------------------------------------------------------

def purge(conn: Connection, settings: dict, now_us: int) -> dict[str, int]:
    """Delete what ``history.metrics`` no longer keeps; rows per kind.  Samples go
    only once rolled up (per vCenter, by its marks)."""
    def before(days: float) -> int:
        return now_us - int(float(days) * 86400 * US)

    s = metric_samples.c
    counts = {"metric samples": 0, "metric hourly rows": 0}
    for row in conn.execute(select(metric_marks)).all():
        mine = select(metric_series.c.id).where(metric_series.c.vcenter_id == row.vcenter_id)
        for key, resolution, keep, mark in (
                ("metric samples", SAMPLE, settings["samples_days"], row.rolled_hour),
                ("metric hourly rows", HOUR, settings["hourly_days"], row.rolled_day)):
            if mark is None:
                continue
            counts[key] += conn.execute(delete(metric_samples).where(
                s.resolution == resolution, s.time <= min(before(keep), mark),
                s.series_id.in_(mine))).rowcount
    counts["metric daily rows"] = conn.execute(delete(metric_samples).where(
        s.resolution == DAY, s.time <= before(settings["daily_days"]))).rowcount
    counts["VM days"] = conn.execute(delete(vm_days).where(
        vm_days.c.day < before(settings["vm_days"]))).rowcount
    counts["VM latest windows"] = conn.execute(delete(vm_latest).where(
        vm_latest.c.time < before(settings["vm_days"]))).rowcount
    return counts


# --- reading ----------------------------------------------------------------------------

def vcenter_ids(conn: Connection, names) -> dict[str, int]:
    """Configured name -> the history's vCenter id (as last recorded)."""
    rows = conn.execute(select(vcenters.c.name, vcenters.c.id).where(
        vcenters.c.name.in_(list(names)))).all()
    return {name: vid for name, vid in rows}


def first_time(conn: Connection, vcenter_id: int, kind: str, resolution: int) -> int | None:
    """The oldest row of the vCenter's ``kind`` at ``resolution`` (µs), or None."""
    s = metric_samples.c
    return conn.execute(select(func.min(s.time)).where(
        s.resolution == resolution, s.series_id.in_(select(metric_series.c.id).where(
            metric_series.c.vcenter_id == vcenter_id, metric_series.c.kind == kind)))
    ).scalar()


def series_frame(conn: Connection, vcenter: str, vcenter_id: int, kind: str,
                 resolution: int, start: int, end: int, moids=None,
                 counters=None) -> pd.DataFrame:
    """Rows of ``resolution`` in (start, end] of one vCenter's ``kind`` (plural, as
    vc.metrics names them), as raw columns: vcenter, name, moid, counter, unit,
    time (µs), value, seconds."""
    ms, s = metric_series.c, metric_samples.c
    query = (select(ms.name, ms.moid, ms.counter, ms.unit, s.time, s.value, s.count)
             .join(metric_series, ms.id == s.series_id)
             .where(s.resolution == resolution, s.time > start, s.time <= end,
                    ms.vcenter_id == vcenter_id, ms.kind == KINDS[kind]))
    if moids is not None:
        query = query.where(ms.moid.in_(list(moids)))
    if counters is not None:
        query = query.where(ms.counter.in_(list(counters)))
    frame = pd.DataFrame(conn.execute(query).all(),
                         columns=["name", "moid", "counter", "unit", "time", "value",
                                  "count"])
    frame.insert(0, "vcenter", vcenter)
    frame["seconds"] = frame["count"] * 300 if resolution == SAMPLE else SECONDS[resolution]
    return frame.drop(columns="count")


def tidy(kind: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """``series_frame`` parts as ``vc.metrics()`` rows (tables.performance.METRICS):
    instance empty, raw NA (the history keeps values in their unit)."""
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["vcenter", "name", "moid", "counter", "unit", "time", "value", "seconds"])
    frame = frame.sort_values(["vcenter", "name", "counter", "time"], kind="stable",
                              key=lambda c: c.str.lower() if c.name == "name" else c)
    n = len(frame)
    return METRICS.columns_frame({
        "vcenter": frame["vcenter"].astype(str).tolist(),
        "kind": [kind] * n,
        "name": frame["name"].fillna("").astype(str).tolist(),
        "moid": frame["moid"].astype(str).tolist(),
        "counter": frame["counter"].astype(str).tolist(),
        "instance": [""] * n,
        "time": _stamps(frame["time"].to_numpy(dtype="int64")),
        "value": pd.array(frame["value"].to_numpy(dtype=float), dtype="Float64"),
        "unit": frame["unit"].fillna("").astype(str).tolist(),
        "interval": pd.array(frame["seconds"].to_numpy(dtype="int64"), dtype="Int64"),
        "raw": pd.array([None] * n, dtype="Int64"),
    }, n)


def vm_days_frame(conn: Connection, start: int, end: int, vcenter=None,
                  moids=None) -> pd.DataFrame:
    """VM daily summaries of the days starting in [start, end)."""
    ms, d = metric_series.c, vm_days.c
    query = (select(vcenters.c.name, ms.name, ms.moid, ms.counter, ms.unit, d.day,
                    d.average, d.p95, d.maximum, d.count, d.interval)
             .join(metric_series, ms.id == d.series_id)
             .join(vcenters, vcenters.c.id == ms.vcenter_id)
             .where(d.day >= start, d.day < end)
             .order_by(vcenters.c.name, ms.name, ms.counter, d.day))
    if vcenter is not None:
        query = query.where(vcenters.c.name.in_(
            [vcenter] if isinstance(vcenter, str) else list(vcenter)))
    if moids is not None:
        query = query.where(ms.moid.in_(list(moids)))
    frame = pd.DataFrame(conn.execute(query).all(), columns=VM_DAY_COLUMNS)
    frame["day"] = _stamps(frame["day"].to_numpy(dtype="int64"))
    return frame.astype({"average": float, "p95": float, "maximum": float,
                         "samples": "Int64", "interval": "Int64"})


def vm_latest_frame(conn: Connection, vcenter=None) -> pd.DataFrame:
    """Every VM's latest window per counter."""
    ms, v = metric_series.c, vm_latest.c
    query = (select(vcenters.c.name, ms.name, ms.moid, ms.counter, ms.unit, v.start,
                    v.time, v.average, v.maximum, v.count)
             .join(metric_series, ms.id == v.series_id)
             .join(vcenters, vcenters.c.id == ms.vcenter_id)
             .order_by(vcenters.c.name, ms.name, ms.counter))
    if vcenter is not None:
        query = query.where(vcenters.c.name.in_(
            [vcenter] if isinstance(vcenter, str) else list(vcenter)))
    frame = pd.DataFrame(conn.execute(query).all(), columns=VM_LATEST_COLUMNS)
    for column in ("start", "end"):
        frame[column] = _stamps(frame[column].to_numpy(dtype="int64"))
    return frame.astype({"average": float, "maximum": float, "samples": "Int64"})


__all__ = ["FIVE_US", "KINDS", "MARKS", "PLURAL", "SECONDS", "VM_DAY_COLUMNS",
           "VM_LATEST_COLUMNS", "SeriesIds", "advance", "first_time", "marks", "purge",
           "us_of",
           "replace_vm_latest", "rollup", "series_frame", "tidy", "vcenter_ids",
           "vm_days_frame", "vm_latest_frame", "write_samples", "write_vm_days"]
