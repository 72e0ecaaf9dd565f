"""Capacity series: sampled at every recording, rolled up hourly and daily.

What is sampled is declared with the columns (``history=CAPACITY``): per
datastore its capacity, free and provisioned bytes, per cluster its CPU and
memory capacity and usage and its host and VM counts, per host its CPU and
memory usage.  Per vCenter the recorder adds the VMs by power state, the
templates and the snapshots (``VCENTER_METRICS``).

Samples go to ``history_samples`` at resolution RAW; ``rollup`` turns every
complete hour of raw samples into one HOUR row per series (average, lowest,
highest, count) and every complete day of hourly rows into one DAY row.
``retention.py`` prunes each resolution after its own retention, so a year
of history stays small while forecasts keep their daily peaks.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd
from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .schema import DAY, HOUR, RAW, meta, samples, series
from .times import US
from .tracked import TRACKED

HOUR_US = 3600 * US
DAY_US = 24 * HOUR_US
# Per vCenter, from its vms table: metric -> rows counted.
VCENTER_METRICS = ("vms", "vms_powered_on", "vms_powered_off", "vms_suspended",
                   "templates", "snapshots")
SAMPLED = {t.table.name: [c.name for c in t.table.columns if c.sampled]
           for t in TRACKED.values()}

Sample = tuple[str, str, str, str, float]  # kind, moid, name, metric, value


def samples_of(table: Callable[[str], pd.DataFrame]) -> list[Sample]:
    """Every capacity value of one vCenter's tables (``table(name)``)."""
    out: list[Sample] = []
    for name, metrics in SAMPLED.items():
        if not metrics:
            continue
        kind = TRACKED[name].kind
        frame = table(name)
        if frame.empty:
            continue
        moids, names = frame["moid"].tolist(), frame["name"].tolist()
        for metric in metrics:
            for moid, obj, value in zip(moids, names, frame[metric].tolist()):
                if isinstance(moid, str) and value is not None and value is not pd.NA \
                        and value == value:
                    out.append((kind, moid, obj if isinstance(obj, str) else "", metric,
                                float(value)))
    vms = table("vms")
    if not vms.empty:
        template = vms["is_template"].fillna(False).astype(bool)
        power = vms["power_state"][~template]
        counts = {"vms": int((~template).sum()),
                  "vms_powered_on": int((power == "poweredOn").sum()),
                  "vms_powered_off": int((power == "poweredOff").sum()),
                  "vms_suspended": int((power == "suspended").sum()),
                  "templates": int(template.sum()),
                  "snapshots": int(vms["snapshot_count"].fillna(0).sum())}
        out.extend(("vcenter", "", "", metric, float(counts[metric]))
                   for metric in VCENTER_METRICS)
    return out


def insert_ignoring(dialect: str, table):
    """INSERT ... ON CONFLICT DO NOTHING for either database."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


class SeriesIds:
    """(vCenter id, kind, moid, metric) -> series id, kept in memory."""

    def __init__(self) -> None:
        self._ids: dict[tuple, tuple[int, str | None]] = {}

    def forget(self) -> None:
        self._ids.clear()

    def ids(self, conn: Connection, dialect: str, vcenter_id: int,
            wanted: list[Sample]) -> list[int]:
        keys = [(vcenter_id, kind, moid, metric) for kind, moid, _, metric, _ in wanted]
        missing = {k: s[2] for k, s in zip(keys, wanted) if k not in self._ids}
        if missing:
            conn.execute(insert_ignoring(dialect, series), [
                {"vcenter_id": v, "kind": k, "moid": m, "metric": metric, "name": name}
                for (v, k, m, metric), name in missing.items()])
            for row in conn.execute(select(series.c.id, series.c.kind, series.c.moid,
                                           series.c.metric, series.c.name)
                                    .where(series.c.vcenter_id == vcenter_id)):
                self._ids[(vcenter_id, row.kind, row.moid, row.metric)] = (row.id, row.name)
        renamed = {}
        for key, sample in zip(keys, wanted):
            known = self._ids[key]
            if sample[2] and known[1] != sample[2]:
                renamed[known[0]] = sample[2]
                self._ids[key] = (known[0], sample[2])
        if renamed:
            conn.execute(update(series).where(series.c.id == _bind("sid")).values(
                name=_bind("new_name")), [{"sid": k, "new_name": v}
                                          for k, v in renamed.items()])
        return [self._ids[k][0] for k in keys]


def _bind(name: str):
    from sqlalchemy import bindparam
    return bindparam(name)


def write(conn: Connection, dialect: str, ids: SeriesIds, vcenter_id: int, time: int,
          wanted: list[Sample]) -> int:
    """Store one vCenter's samples of one recording at ``time``; returns how many."""
    if not wanted:
        return 0
    series_ids = ids.ids(conn, dialect, vcenter_id, wanted)
    rows = [{"series_id": sid, "resolution": RAW, "time": time, "value": s[4],
             "low": s[4], "high": s[4], "count": 1}
            for sid, s in zip(series_ids, wanted)]
    conn.execute(insert_ignoring(dialect, samples), rows)
    return len(rows)


def _mark(conn: Connection, dialect: str, key: str) -> int | None:
    conn.execute(insert_ignoring(dialect, meta), [{"key": key, "value": None}])
    query = select(meta.c.value).where(meta.c.key == key)
    if dialect == "postgresql":
        query = query.with_for_update()
    value = conn.execute(query).scalar()
    return int(value) if value is not None else None


def rollup(conn: Connection, dialect: str, now: int) -> None:
    """Roll every complete hour of raw samples up into hourly rows, and every
    complete day of hourly rows into daily rows (marks in history_meta)."""
    _roll(conn, dialect, "rolled_hour", RAW, HOUR, HOUR_US, now // HOUR_US * HOUR_US)
    _roll(conn, dialect, "rolled_day", HOUR, DAY, DAY_US, now // DAY_US * DAY_US)


def _roll(conn: Connection, dialect: str, key: str, source: int, target: int,
          width: int, until: int) -> None:
    mark = _mark(conn, dialect, key)
    if mark is not None and mark >= until:
        return
    bucket = (samples.c.time // width) * width
    where = [samples.c.resolution == source, samples.c.time < until]
    if mark is not None:
        where.append(samples.c.time >= mark)
    weighted = func.sum(samples.c.value * samples.c.count) / func.sum(samples.c.count)
    query = (select(samples.c.series_id, bucket, weighted, func.min(samples.c.low),
                    func.max(samples.c.high), func.sum(samples.c.count))
             .where(and_(*where)).group_by(samples.c.series_id, bucket))
    columns = ["series_id", "time", "value", "low", "high", "count"]
    rows = [dict(zip(columns, row)) for row in conn.execute(query)]
    if rows:
        conn.execute(insert_ignoring(dialect, samples),
                     [{**r, "resolution": target} for r in rows])
    conn.execute(update(meta).where(meta.c.key == key).values(value=str(until)))


def marks(conn: Connection) -> dict[str, int | None]:
    """The rollup marks: raw samples before ``rolled_hour`` are in hourly rows,
    hourly rows before ``rolled_day`` in daily rows."""
    found = dict(conn.execute(select(meta.c.key, meta.c.value).where(
        meta.c.key.in_(("rolled_hour", "rolled_day")))).all())
    return {k: int(found[k]) if found.get(k) else None
            for k in ("rolled_hour", "rolled_day")}


__all__ = ["DAY_US", "HOUR_US", "SAMPLED", "SeriesIds", "VCENTER_METRICS", "insert_ignoring",
           "marks", "rollup", "samples_of", "write"]
