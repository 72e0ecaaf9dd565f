"""A recording: what changed in every vCenter since its previous recording.

``Recorder.record(readings)`` takes one ``Reading`` per vCenter (its tables,
or why it could not be read) and writes, in ONE transaction:

* a ``history_recordings`` row, and per vCenter a coverage row saying
  whether it was read completely (``complete``; ``baseline`` for its first
  complete recording), ``failed`` (with the error) or ``skipped``;
* for a complete vCenter, only what changed since its previous complete
  recording: object versions (``history_objects``) and change rows
  (``history_changes``), each change joined with the vCenter event that
  explains it (``attribution.py``).  A failed vCenter changes nothing: an
  outage never reads as "everything removed";
* capacity samples (``capacity.py``) and their rollups.

Interrupted, the transaction leaves nothing half-written.  Cost grows with
the changes, not with the inventory: each object's kept values are hashed
(``tracked.py``) and compared with the hashes of the last recording, kept in
memory and checked against the database's ``last_recording`` of that
vCenter (another process that recorded in between makes this one reload).
Two recorders at once queue up on the vCenter rows (SQLite: ``BEGIN
IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE``) and the second diffs
against what the first wrote, so no change is written twice; a reading older
than the one already recorded is skipped.  A clock that went back is refused.
"""

from __future__ import annotations

import json
import logging
import socket
import time as _time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import pandas as pd
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from ..clock import utc_now
from ..errors import HistoryError
from . import attribution, capacity
from .schema import changes, coverage, objects, recordings, vcenters
from .store import Store
from .times import from_us, to_us
from .tracked import TRACKED, Tracked, dumps

log = logging.getLogger(__name__)


@dataclass
class Reading:
    """One vCenter as read for a recording.

    ``table(name)``: this vCenter's rows of table ``name``; ``events(since)``:
    its raw vCenter events since a time (``Source.read_events``), read only
    when something changed.  Without ``table`` (or with ``error``) the vCenter
    could not be read.
    """

    vcenter: str
    instance_uuid: str | None = None
    read_at: datetime | None = None
    error: str | None = None
    table: Callable[[str], pd.DataFrame] | None = None
    events: Callable[[datetime], list] | None = None

    @property
    def complete(self) -> bool:
        return self.error is None and self.table is not None


@dataclass
class Outcome:
    """What a recording did with one vCenter."""

    vcenter: str
    status: str  # complete | baseline | failed | skipped
    message: str | None = None
    objects: int = 0
    changes: int = 0


@dataclass
class RecordResult:
    """What ``record`` wrote."""

    recording: int
    time: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changes(self) -> int:
        return sum(o.changes for o in self.outcomes)

    @property
    def incomplete(self) -> list[Outcome]:
        """vCenters not recorded completely (failed or skipped)."""
        return [o for o in self.outcomes if o.status in ("failed", "skipped")]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([o.__dict__ for o in self.outcomes],
                            columns=["vcenter", "status", "message", "objects", "changes"])


@dataclass
class _Kind:
    fingerprints: dict[str, int]  # moid -> hash
    states: dict[str, dict]  # moid -> kept values
    versions: dict[str, int]  # moid -> id of its current history_objects row
    frame: pd.DataFrame | None = None  # the frame recorded last (same object: unchanged)


@dataclass
class _Known:
    recording: int | None
    kinds: dict[str, _Kind]


@dataclass
class _Prepared:
    reading: Reading
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    fingerprints: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: list = field(default_factory=list)
    error: str | None = None


class Recorder:
    """Records readings into a store; keeps the last recorded state in memory."""

    def __init__(self, store: Store):
        self.store = store
        self._known: dict[int, _Known] = {}
        self._series = capacity.SeriesIds()
        self._hashed: dict[tuple[str, str], tuple[pd.DataFrame, dict]] = {}
        self.machine = socket.gethostname()

    # --- preparing (no database) -------------------------------------------------------

    def _prepare(self, reading: Reading) -> _Prepared:
        prepared = _Prepared(reading)
        if not reading.complete:
            prepared.error = reading.error or "not read"
            return prepared
        try:
            for name, tracked in TRACKED.items():
                frame = reading.table(name)
                prepared.frames[name] = frame
                hashed = self._hashed.get((reading.vcenter, name))
                if hashed is None or hashed[0] is not frame:  # else: hashed already
                    hashed = (frame, tracked.fingerprints(frame))
                    self._hashed[(reading.vcenter, name)] = hashed
                prepared.fingerprints[name] = hashed[1]
            prepared.samples = capacity.samples_of(reading.table)
        except Exception as exc:  # noqa: BLE001 - one vCenter must not stop the others
            log.exception("history: vCenter '%s': its tables could not be built",
                          reading.vcenter)
            prepared.error = f"its tables could not be built: {type(exc).__name__}: {exc}"
        return prepared

    # --- recording --------------------------------------------------------------------

    def record(self, readings: list[Reading], now: datetime | None = None) -> RecordResult:
        """Record every reading in one transaction (see the module docstring)."""
        started = _time.perf_counter()
        prepared = [self._prepare(r) for r in readings]
        try:
            with self.store.write("recording") as conn:
                rows = self._lock_vcenters(conn, readings)
                when = now or utc_now()
                t = to_us(when)
                for reading in readings:
                    last = rows[reading.vcenter]["last_time"]
                    if last is not None and t < last:
                        raise HistoryError(
                            f"history: the clock went back: it is {when:%Y-%m-%d %H:%M:%S} "
                            f"UTC here, but vCenter '{reading.vcenter}' was recorded at "
                            f"{from_us(last):%Y-%m-%d %H:%M:%S} UTC; nothing was recorded "
                            "(check this machine's clock, or another recorder's)")
                rec = conn.execute(insert(recordings).values(
                    time=t, machine=self.machine)).inserted_primary_key[0]
                result = RecordResult(rec, when)
                for p in prepared:
                    result.outcomes.append(self._record_one(conn, rec, t, when,
                                                            rows[p.reading.vcenter], p))
                capacity.rollup(conn, self.store.dialect, t)
                result.seconds = _time.perf_counter() - started
                conn.execute(update(recordings).where(recordings.c.id == rec).values(
                    seconds=result.seconds))
        except BaseException:
            # Nothing was written: what is in memory may be ahead of the database.
            self._known.clear()
            self._series.forget()
            self._hashed.clear()
            raise
        log.info("history: recording %d: %s (%.2f s)", result.recording, "; ".join(
            f"{o.vcenter} {o.status}" + (f" {o.changes} change(s)" if o.changes else "")
            + (f" ({o.message})" if o.message else "") for o in result.outcomes),
            result.seconds)
        return result

    def _lock_vcenters(self, conn: Connection, readings: list[Reading]) -> dict[str, dict]:
        """The vCenters' rows (created when new), locked for this transaction."""
        existing = [dict(r._mapping) for r in conn.execute(select(vcenters))]
        by_key = {r["key"]: r for r in existing}
        chosen: dict[str, dict] = {}
        for reading in readings:
            uuid = self._identity(reading, readings)
            row = by_key.get(uuid) if uuid else None
            if row is None:  # known by name only (never read, or before UUIDs)
                row = next((r for r in existing if r["name"] == reading.vcenter and (
                    r["instance_uuid"] is None or uuid is None)), None)
            if row is None:
                key = uuid or f"name:{reading.vcenter}"
                conn.execute(capacity.insert_ignoring(self.store.dialect, vcenters),
                             [{"key": key, "name": reading.vcenter,
                               "instance_uuid": reading.instance_uuid}])
                row = dict(conn.execute(select(vcenters).where(vcenters.c.key == key))
                           .one()._mapping)
            chosen[reading.vcenter] = row
        ids = sorted({r["id"] for r in chosen.values()})
        query = select(vcenters).where(vcenters.c.id.in_(ids)).order_by(vcenters.c.id)
        if self.store.dialect == "postgresql":
            query = query.with_for_update()
        fresh = {r.id: dict(r._mapping) for r in conn.execute(query)}
        return {r.vcenter: {**fresh[chosen[r.vcenter]["id"]],
                            "identity": self._identity(r, readings)} for r in readings}

    @staticmethod
    def _identity(reading: Reading, readings: list[Reading]) -> str | None:
        """The key of a vCenter: its instance UUID; with the configured name added
        when several configured vCenters report the same one (cloned appliances,
        simulators), so that they stay apart."""
        uuid = reading.instance_uuid
        if uuid and sum(1 for r in readings if r.instance_uuid == uuid) > 1:
            log.warning("history: vCenters %s report the same instance UUID %s: each is "
                        "told apart by its configured name", ", ".join(
                            r.vcenter for r in readings if r.instance_uuid == uuid), uuid)
            return f"{uuid}|{reading.vcenter}"
        return uuid

    def _record_one(self, conn: Connection, rec: int, t: int, when: datetime, row: dict,
                    p: _Prepared) -> Outcome:
        reading = p.reading
        vid = row["id"]
        if p.error is not None:
            return self._cover(conn, rec, vid, Outcome(reading.vcenter, "failed", p.error))
        read_us = to_us(reading.read_at or when)
        if row["last_read"] is not None and read_us <= row["last_read"]:
            return self._cover(conn, rec, vid, Outcome(
                reading.vcenter, "skipped", "a newer reading of this vCenter is recorded "
                f"already (at {from_us(row['last_time']):%H:%M:%S} UTC, by another recorder)"))
        known = self._known.get(vid)
        if known is None or known.recording != row["last_recording"]:
            known = self._load(conn, vid, row["last_recording"])
        baseline = row["baseline"] is None
        rows, closed, opened = [], [], []
        count = 0
        for name, tracked in TRACKED.items():
            kind = known.kinds.setdefault(tracked.kind, _Kind({}, {}, {}))
            count += len(p.fingerprints[name])
            if kind.frame is p.frames[name]:
                continue  # the very frame recorded last: nothing changed
            self._diff(tracked, kind, p, name, t, rows, closed, opened)
        if not baseline and rows and reading.events is not None:
            self._attribute(reading, rows, from_us(row["last_time"]), when)
        self._write(conn, rec, t, vid, known, rows, closed, opened, baseline)
        for name, tracked in TRACKED.items():
            known.kinds[tracked.kind].frame = p.frames[name]
            known.kinds[tracked.kind].fingerprints = p.fingerprints[name]
        capacity.write(conn, self.store.dialect, self._series, vid, t, p.samples)
        values = {"name": reading.vcenter, "last_recording": rec, "last_time": t,
                  "last_read": read_us}
        if row["identity"] and row["key"] != row["identity"]:  # a UUID learnt now
            values.update(instance_uuid=reading.instance_uuid, key=row["identity"])
        if baseline:
            values["baseline"] = t
        conn.execute(update(vcenters).where(vcenters.c.id == vid).values(**values))
        known.recording = rec
        self._known[vid] = known
        outcome = Outcome(reading.vcenter, "baseline" if baseline else "complete",
                          objects=count, changes=0 if baseline else len(rows))
        return self._cover(conn, rec, vid, outcome)

    def _cover(self, conn: Connection, rec: int, vid: int, outcome: Outcome) -> Outcome:
        conn.execute(insert(coverage).values(
            recording_id=rec, vcenter_id=vid, status=outcome.status,
            message=outcome.message, objects=outcome.objects, changes=outcome.changes))
        return outcome

    # --- diffing ----------------------------------------------------------------------

    def _diff(self, tracked: Tracked, kind: _Kind, p: _Prepared, name: str, t: int,
              rows: list, closed: list, opened: list) -> None:
        current = p.fingerprints[name]
        previous = kind.fingerprints
        new = [m for m in current if m not in previous]
        gone = [m for m in previous if m not in current]
        differs = [m for m, h in current.items() if m in previous and previous[m] != h]
        states = tracked.states(p.frames[name], new + differs)
        base = {"time": t, "kind": tracked.kind, "username": None, "event": None,
                "event_time": None, "event_key": None}
        for moid in new:
            state = states[moid]
            rows.append({**base, "moid": moid, "name": state.get("name"),
                         "change": "created", "property": None, "old": None,
                         "new": None})
            opened.append((tracked.kind, moid, state))
        for moid in gone:
            state = kind.states[moid]
            rows.append({**base, "moid": moid, "name": state.get("name"),
                         "change": "removed", "property": None, "old": None,
                         "new": None})
            closed.append((tracked.kind, moid))
        for moid in differs:
            old, state = kind.states[moid], states[moid]
            for prop, value in state.items():
                if prop in old and old[prop] != value:
                    rows.append({**base, "moid": moid, "name": state.get("name"),
                                 "change": "modified", "property": prop,
                                 "old": dumps(old[prop]), "new": dumps(value)})
            # A column tracked only since this version is adopted, not a change.
            closed.append((tracked.kind, moid))
            opened.append((tracked.kind, moid, state))

    def _attribute(self, reading: Reading, rows: list, start: datetime | None,
                   end: datetime) -> None:
        since = (start or end) - attribution.SKEW
        try:
            events = attribution.compact(reading.events(since))
        except Exception as exc:  # noqa: BLE001 - changes are kept without their users
            log.warning("history: vCenter '%s': its events could not be read, changes "
                        "are recorded without their users: %s", reading.vcenter, exc)
            return
        attribution.attribute(rows, events, start, end)
        for row in rows:
            if row["event_time"] is not None:
                row["event_time"] = to_us(row["event_time"])

    # --- writing ----------------------------------------------------------------------

    def _write(self, conn: Connection, rec: int, t: int, vid: int, known: _Known,
               rows: list, closed: list, opened: list, baseline: bool) -> None:
        if closed:
            ids = [known.kinds[k].versions.pop(moid) for k, moid in closed]
            conn.execute(update(objects).where(objects.c.id == bindparam("vid")).values(
                valid_to=t), [{"vid": i} for i in ids])
            for k, moid in closed:
                known.kinds[k].states.pop(moid, None)
        if opened:
            result = conn.execute(
                insert(objects).returning(objects.c.id, sort_by_parameter_order=True),
                [{"vcenter_id": vid, "kind": k, "moid": moid, "name": state.get("name"),
                  "state": dumps(state), "valid_from": t, "valid_to": None}
                 for k, moid, state in opened])
            for (k, moid, state), new_id in zip(opened, result.scalars()):
                known.kinds[k].versions[moid] = new_id
                known.kinds[k].states[moid] = state
        if rows and not baseline:
            conn.execute(insert(changes), [{**r, "recording_id": rec, "vcenter_id": vid}
                                           for r in rows])

    def _load(self, conn: Connection, vid: int, recording: int | None) -> _Known:
        """What the database holds for vCenter ``vid`` now (another process may have
        recorded since this one last did)."""
        known = _Known(recording, {})
        found: dict[str, tuple[dict, dict]] = {}
        for row in conn.execute(select(objects.c.id, objects.c.kind, objects.c.moid,
                                       objects.c.state).where(
                objects.c.vcenter_id == vid, objects.c.valid_to.is_(None))):
            states, versions = found.setdefault(row.kind, ({}, {}))
            states[row.moid] = json.loads(row.state)
            versions[row.moid] = row.id
        for tracked in TRACKED.values():
            states, versions = found.get(tracked.kind, ({}, {}))
            fingerprints = tracked.fingerprints(tracked.frame_of_states(states))
            known.kinds[tracked.kind] = _Kind(fingerprints, states, versions)
        return known


__all__ = ["Outcome", "Reading", "RecordResult", "Recorder"]
