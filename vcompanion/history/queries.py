"""Reading the history back: changes, the inventory as of a time, capacity
series, gaps in the coverage and the status of each vCenter.

Every function takes an open connection and returns a DataFrame with fixed
columns (empty, with the same columns, when there is nothing).
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from ..errors import ConfigError
from . import capacity as capacity_module
from .schema import (DAY, HOUR, RAW, changes, coverage, objects, recordings, samples, series,
                     vcenters)
from .times import US, stamps
from .tracked import KINDS, tracked

__all__ = ["CAPACITY_COLUMNS", "CHANGE_COLUMNS", "DAY", "GAP_COLUMNS", "HOUR", "KINDS", "RAW",
           "RESOLUTIONS", "STATUS_COLUMNS", "as_of_frame", "buckets", "capacity_frame",
           "capacity_frame_empty", "capacity_kind", "changes_frame", "changes_frame_empty",
           "coverage_rows", "daily_peaks", "gaps_frame", "gaps_frame_empty", "kind_of",
           "status_frame", "status_frame_empty", "tracked"]

CHANGE_COLUMNS = ["time", "vcenter", "kind", "name", "moid", "change", "property", "old",
                  "new", "user", "event", "event_time", "id"]
CAPACITY_COLUMNS = ["time", "vcenter", "kind", "name", "moid", "metric", "value", "low",
                    "high"]
GAP_COLUMNS = ["vcenter", "start", "end", "reason", "recordings"]
RESOLUTIONS = {"raw": RAW, "hour": HOUR, "day": DAY}
_WIDTH = {HOUR: capacity_module.HOUR_US, DAY: capacity_module.DAY_US}
_CAPACITY_KINDS = {"datastores": "datastore", "clusters": "cluster", "hosts": "host",
                   "vcenters": "vcenter"}


def _vcenter_filter(column, vcenter):
    if vcenter is None:
        return True
    names = [vcenter] if isinstance(vcenter, str) else list(vcenter)
    return column.in_(names)


def kind_of(kind: str | None) -> str | None:
    """``vm`` for ``vm`` or ``vms`` (None stays None)."""
    return None if kind is None else tracked(kind).kind


# --- changes -----------------------------------------------------------------------------

def changes_frame(conn: Connection, since: int | None, until: int | None,
                  vcenter=None, kind: str | None = None, after_id: int | None = None
                  ) -> pd.DataFrame:
    """The change log between ``since`` and ``until`` (microseconds, inclusive),
    oldest first; ``after_id``: only changes with a larger id."""
    c = changes.c
    query = (select(c.time, vcenters.c.name.label("vcenter"), c.kind, c.name, c.moid,
                    c.change, c.property, c.old, c.new, c.username, c.event,
                    c.event_time, c.id)
             .join(vcenters, vcenters.c.id == c.vcenter_id)
             .where(_vcenter_filter(vcenters.c.name, vcenter))
             .order_by(c.time, c.id))
    if since is not None:
        query = query.where(c.time >= since)
    if until is not None:
        query = query.where(c.time <= until)
    if kind is not None:
        query = query.where(c.kind == kind_of(kind))
    if after_id is not None:
        query = query.where(c.id > after_id)
    return _changes(conn.execute(query).all())


def changes_frame_empty() -> pd.DataFrame:
    return _changes([])


def _changes(rows) -> pd.DataFrame:
    data = list(zip(*rows)) if rows else [[] for _ in CHANGE_COLUMNS]
    frame = pd.DataFrame({
        "time": stamps(data[0]),
        "vcenter": pd.array(data[1], dtype="string"),
        "kind": pd.array(data[2], dtype="string"),
        "name": pd.array(data[3], dtype="string"),
        "moid": pd.array(data[4], dtype="string"),
        "change": pd.array(data[5], dtype="string"),
        "property": pd.array(data[6], dtype="string"),
        "old": pd.Series([_json(v) for v in data[7]], dtype=object),
        "new": pd.Series([_json(v) for v in data[8]], dtype=object),
        "user": pd.array(data[9], dtype="string"),
        "event": pd.array(data[10], dtype="string"),
        "event_time": stamps(data[11]),
        "id": pd.array(data[12], dtype="Int64"),
    }, columns=CHANGE_COLUMNS)
    return frame


def _json(value):
    return None if value is None else json.loads(value)


# --- as of ------------------------------------------------------------------------------

def as_of_frame(conn: Connection, when: int, table: str, vcenter=None) -> pd.DataFrame:
    """Table ``table`` (vms, hosts, ...) as it was at ``when``: the tracked and
    identity columns, named and typed as in today's table."""
    kept = tracked(table)
    o = objects.c
    query = (select(vcenters.c.name, o.moid, o.state)
             .join(vcenters, vcenters.c.id == o.vcenter_id)
             .where(o.kind == kept.kind, o.valid_from <= when,
                    or_(o.valid_to.is_(None), o.valid_to > when),
                    _vcenter_filter(vcenters.c.name, vcenter)))
    rows = [{**json.loads(state), "vcenter": name, "moid": moid}
            for name, moid, state in conn.execute(query)]
    return kept.shown.frame(rows)


# --- capacity ---------------------------------------------------------------------------

def capacity_kind(kind: str) -> str:
    found = _CAPACITY_KINDS.get(kind) or (kind if kind in _CAPACITY_KINDS.values() else None)
    if found is None:
        raise ConfigError(f"no capacity series for '{kind}' (there are: "
                          f"{', '.join(_CAPACITY_KINDS)})")
    return found


def buckets(conn: Connection, series_ids: list[int] | None, since: int, until: int,
            resolution: int) -> pd.DataFrame:
    """series_id, time, value, low, high, count at ``resolution`` from ``since`` to
    ``until``: the stored rows of that resolution plus the finer rows not yet
    rolled up into them."""
    s = samples.c
    marks = capacity_module.marks(conn)
    parts = [(resolution, None)]
    if resolution >= HOUR:
        parts.append((RAW, marks["rolled_hour"]))
    if resolution == DAY:
        parts.append((HOUR, marks["rolled_day"]))
    frames = []
    for level, after in parts:
        start = since // _WIDTH[level] * _WIDTH[level] if level != RAW else since
        where = [s.resolution == level, s.time >= start, s.time <= until]
        if after is not None:
            where.append(s.time >= after)
        if series_ids is not None:
            where.append(s.series_id.in_(series_ids))
        query = select(s.series_id, s.time, s.value, s.low, s.high, s.count).where(
            and_(*where))
        rows = conn.execute(query).all()
        if rows:
            columns = list(zip(*rows))
            frames.append(pd.DataFrame({name: columns[i] for i, name in enumerate(
                ("series_id", "time", "value", "low", "high", "count"))}))
    if not frames:
        return pd.DataFrame(columns=["series_id", "time", "value", "low", "high", "count"])
    frame = pd.concat(frames, ignore_index=True)
    if resolution == RAW:
        return frame
    width = _WIDTH[resolution]
    frame["time"] = frame["time"] // width * width
    frame["weighted"] = frame["value"] * frame["count"]
    grouped = frame.groupby(["series_id", "time"], sort=True).agg(
        weighted=("weighted", "sum"), low=("low", "min"), high=("high", "max"),
        count=("count", "sum")).reset_index()
    grouped["value"] = grouped["weighted"] / grouped["count"]
    return grouped[["series_id", "time", "value", "low", "high", "count"]]


def capacity_frame(conn: Connection, kind: str, since: int, until: int, resolution: int,
                   vcenter=None, metric: str | None = None) -> pd.DataFrame:
    """Tidy capacity series of ``kind`` (datastores, clusters, hosts, vcenters)."""
    kind = capacity_kind(kind)
    sc = series.c
    query = (select(sc.id, vcenters.c.name.label("vcenter"), sc.kind, sc.name, sc.moid,
                    sc.metric)
             .join(vcenters, vcenters.c.id == sc.vcenter_id)
             .where(sc.kind == kind, _vcenter_filter(vcenters.c.name, vcenter)))
    if metric is not None:
        query = query.where(sc.metric == metric)
    known = pd.DataFrame(conn.execute(query).all(),
                         columns=["series_id", "vcenter", "kind", "name", "moid", "metric"])
    empty = capacity_frame_empty()
    if known.empty:
        return empty
    values = buckets(conn, [int(i) for i in known["series_id"]], since, until, resolution)
    if values.empty:
        return empty
    frame = values.merge(known, on="series_id")
    frame.loc[frame["kind"] == "vcenter", "name"] = frame["vcenter"]
    frame = frame.sort_values(["vcenter", "name", "metric", "time"], kind="stable")
    out = pd.DataFrame({
        "time": stamps(frame["time"].tolist()),
        "vcenter": pd.array(frame["vcenter"].tolist(), dtype="string"),
        "kind": pd.array(frame["kind"].tolist(), dtype="string"),
        "name": pd.array(frame["name"].tolist(), dtype="string"),
        "moid": pd.array(frame["moid"].tolist(), dtype="string"),
        "metric": pd.array(frame["metric"].tolist(), dtype="string"),
        "value": pd.array(frame["value"].tolist(), dtype="Float64"),
        "low": pd.array(frame["low"].tolist(), dtype="Float64"),
        "high": pd.array(frame["high"].tolist(), dtype="Float64"),
    })
    return out.reset_index(drop=True)


def capacity_frame_empty() -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in CAPACITY_COLUMNS})
    return empty.astype({"time": "datetime64[ns, UTC]", "value": "Float64",
                         "low": "Float64", "high": "Float64"})


def daily_peaks(conn: Connection, since: int, until: int) -> pd.DataFrame:
    """Daily buckets of every datastore and cluster series: vcenter, kind, name,
    moid, metric, time, low, high (what forecasts read)."""
    sc = series.c
    known = pd.DataFrame(conn.execute(
        select(sc.id, vcenters.c.name, sc.kind, sc.name, sc.moid, sc.metric)
        .join(vcenters, vcenters.c.id == sc.vcenter_id)
        .where(sc.kind.in_(("datastore", "cluster")))).all(),
        columns=["series_id", "vcenter", "kind", "name", "moid", "metric"])
    columns = ["vcenter", "kind", "name", "moid", "metric", "time", "low", "high"]
    if known.empty:
        return pd.DataFrame(columns=columns)
    values = buckets(conn, [int(i) for i in known["series_id"]], since, until, DAY)
    if values.empty:
        return pd.DataFrame(columns=columns)
    return values.merge(known, on="series_id")[columns]


# --- coverage -----------------------------------------------------------------------------

def coverage_rows(conn: Connection, since: int | None, until: int | None,
                  vcenter=None) -> pd.DataFrame:
    """One row per recording and vCenter: time, vcenter, status, message."""
    query = (select(recordings.c.time, vcenters.c.name, coverage.c.status,
                    coverage.c.message, coverage.c.recording_id)
             .join(recordings, recordings.c.id == coverage.c.recording_id)
             .join(vcenters, vcenters.c.id == coverage.c.vcenter_id)
             .where(_vcenter_filter(vcenters.c.name, vcenter))
             .order_by(vcenters.c.name, recordings.c.time, recordings.c.id))
    if since is not None:
        query = query.where(recordings.c.time >= since)
    if until is not None:
        query = query.where(recordings.c.time <= until)
    return pd.DataFrame(conn.execute(query).all(),
                        columns=["time", "vcenter", "status", "message", "recording"])


def gaps_frame(conn: Connection, since: int | None, until: int | None, vcenter=None,
               interval_minutes: float = 15) -> pd.DataFrame:
    """Periods without data per vCenter: from its last complete recording before
    recordings that failed (or were skipped), to its next complete one (end
    empty: not over yet); and pauses of the recording itself, longer than three
    intervals."""
    rows = coverage_rows(conn, None, until, vcenter)
    gaps = []
    pause = 3 * interval_minutes * 60 * US if interval_minutes else None
    for name, group in rows.groupby("vcenter", sort=True):
        last_ok, failed, message = None, 0, None
        first_failed = None
        for time, status, text in zip(group["time"], group["status"], group["message"]):
            if status in ("complete", "baseline"):
                if failed:
                    gaps.append((name, last_ok or first_failed, time,
                                 f"could not be read: {message}", failed))
                elif pause and last_ok is not None and time - last_ok > pause:
                    gaps.append((name, last_ok, time, "no recording", 0))
                last_ok, failed, first_failed = time, 0, None
            elif status == "failed":
                failed += 1
                message = text
                first_failed = first_failed or time
        if failed:
            gaps.append((name, last_ok or first_failed, None,
                         f"could not be read: {message}", failed))
    frame = pd.DataFrame(gaps, columns=GAP_COLUMNS)
    if since is not None and not frame.empty:
        ends = frame["end"].astype("Float64").fillna(float("inf"))
        frame = frame[(ends >= since).to_numpy(dtype=bool)]
    return _gaps(frame)


def gaps_frame_empty() -> pd.DataFrame:
    return _gaps(pd.DataFrame(columns=GAP_COLUMNS))


def _gaps(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "vcenter": pd.array(frame["vcenter"].tolist(), dtype="string"),
        "start": stamps(frame["start"].tolist()),
        "end": stamps(frame["end"].tolist()),
        "reason": pd.array(frame["reason"].tolist(), dtype="string"),
        "recordings": pd.array(frame["recordings"].tolist(), dtype="Int64"),
    }, columns=GAP_COLUMNS)


STATUS_COLUMNS = ["vcenter", "instance_uuid", "first_recording", "last_complete",
                  "last_recording", "last_status", "last_message", "objects", "changes",
                  "failed_recordings"]


def status_frame_empty() -> pd.DataFrame:
    return _status([])


def status_frame(conn: Connection) -> pd.DataFrame:
    """One row per vCenter the history knows."""
    v = vcenters.c
    counts_objects = dict(conn.execute(
        select(objects.c.vcenter_id, func.count()).where(objects.c.valid_to.is_(None))
        .group_by(objects.c.vcenter_id)).all())
    counts_changes = dict(conn.execute(
        select(changes.c.vcenter_id, func.count()).group_by(changes.c.vcenter_id)).all())
    counts_failed = dict(conn.execute(
        select(coverage.c.vcenter_id, func.count()).where(coverage.c.status == "failed")
        .group_by(coverage.c.vcenter_id)).all())
    latest = {}
    last_ids = (select(coverage.c.vcenter_id, func.max(coverage.c.recording_id).label("rid"))
                .group_by(coverage.c.vcenter_id).subquery())
    for vid, status, message, time in conn.execute(
            select(coverage.c.vcenter_id, coverage.c.status, coverage.c.message,
                   recordings.c.time)
            .join(last_ids, and_(last_ids.c.vcenter_id == coverage.c.vcenter_id,
                                 last_ids.c.rid == coverage.c.recording_id))
            .join(recordings, recordings.c.id == coverage.c.recording_id)):
        latest[vid] = (status, message, time)
    rows = []
    for r in conn.execute(select(v.id, v.name, v.instance_uuid, v.baseline, v.last_time)
                          .order_by(v.name)):
        status, message, time = latest.get(r.id, (None, None, None))
        rows.append({"vcenter": r.name, "instance_uuid": r.instance_uuid,
                     "first_recording": r.baseline, "last_complete": r.last_time,
                     "last_recording": time, "last_status": status,
                     "last_message": message, "objects": counts_objects.get(r.id, 0),
                     "changes": counts_changes.get(r.id, 0),
                     "failed_recordings": counts_failed.get(r.id, 0)})
    return _status(rows)


def _status(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=STATUS_COLUMNS)
    for column in ("first_recording", "last_complete", "last_recording"):
        frame[column] = stamps(frame[column].tolist())
    return frame.astype({"vcenter": "string", "instance_uuid": "string",
                         "last_status": "string", "last_message": "string",
                         "objects": "Int64", "changes": "Int64",
                         "failed_recordings": "Int64"})


