"""The history's schema, built and upgraded by numbered steps, in order.

``MIGRATIONS`` is a linear list: step N takes a database at version N-1 to
version N.  ``migrate`` runs the missing steps when a store is opened, in
one transaction that holds the database (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: an advisory lock), so two processes starting at once upgrade it
once, and an interrupted upgrade leaves the old version intact.  A database
newer than this code is refused with a clear message: an older vCompanion
must not write into a schema it does not know.

Each step declares the tables as they were at its version (never imports
``schema.py``, which describes the newest version): a step's meaning must not
change when later steps change the tables.  tests/test_history_store.py builds
the newest schema from empty and from every older version, on SQLite and
PostgreSQL, and compares it with ``schema.py``.
"""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import (BigInteger, Column, Float, ForeignKey, Index, Integer, MetaData,
                        PrimaryKeyConstraint, SmallInteger, String, Table, Text,
                        UniqueConstraint, inspect, select, text)
from sqlalchemy.engine import Connection

from ..errors import HistoryError
from .store import Store, open_store

log = logging.getLogger(__name__)

_ID = BigInteger().with_variant(Integer, "sqlite")
_LOCK = 0x76632D68  # PostgreSQL advisory lock key: "vc-h"


def _v1_change_log(conn: Connection) -> None:
    """The change log: vCenters, recordings, coverage, object versions, changes."""
    md = MetaData()
    Table("history_meta", md,
          Column("key", String(64), primary_key=True), Column("value", Text))
    Table("history_vcenters", md,
          Column("id", _ID, primary_key=True, autoincrement=True),
          Column("key", String(200), nullable=False, unique=True),
          Column("name", String(200), nullable=False),
          Column("instance_uuid", String(64)),
          Column("baseline", BigInteger), Column("last_recording", BigInteger),
          Column("last_time", BigInteger), Column("last_read", BigInteger))
    Table("history_recordings", md,
          Column("id", _ID, primary_key=True, autoincrement=True),
          Column("time", BigInteger, nullable=False),
          Column("machine", String(200)), Column("seconds", Float),
          Index("history_recordings_time", "time"))
    Table("history_coverage", md,
          Column("recording_id", ForeignKey("history_recordings.id", ondelete="CASCADE"),
                 nullable=False),
          Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
          Column("status", String(16), nullable=False), Column("message", Text),
          Column("objects", Integer), Column("changes", Integer),
          PrimaryKeyConstraint("recording_id", "vcenter_id"),
          Index("history_coverage_vcenter", "vcenter_id", "recording_id"))
    Table("history_objects", md,
          Column("id", _ID, primary_key=True, autoincrement=True),
          Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
          Column("kind", String(16), nullable=False),
          Column("moid", String(100), nullable=False),
          Column("name", String(400)), Column("state", Text, nullable=False),
          Column("valid_from", BigInteger, nullable=False),
          Column("valid_to", BigInteger),
          Index("history_objects_current", "vcenter_id", "kind", "valid_to"),
          Index("history_objects_time", "kind", "valid_from"))
    Table("history_changes", md,
          Column("id", _ID, primary_key=True, autoincrement=True),
          Column("recording_id", ForeignKey("history_recordings.id", ondelete="CASCADE"),
                 nullable=False),
          Column("time", BigInteger, nullable=False),
          Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
          Column("kind", String(16), nullable=False),
          Column("moid", String(100), nullable=False),
          Column("name", String(400)), Column("change", String(10), nullable=False),
          Column("property", String(64)), Column("old", Text), Column("new", Text),
          Column("username", String(200)), Column("event", String(200)),
          Column("event_time", BigInteger), Column("event_key", BigInteger),
          Index("history_changes_time", "time"),
          Index("history_changes_object", "vcenter_id", "kind", "moid"))
    md.create_all(conn)


def _v2_capacity(conn: Connection) -> None:
    """Capacity series and their raw, hourly and daily samples."""
    md = MetaData()
    Table("history_vcenters", md, Column("id", _ID, primary_key=True))  # referenced
    Table("history_series", md,
          Column("id", _ID, primary_key=True, autoincrement=True),
          Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
          Column("kind", String(16), nullable=False),
          Column("moid", String(100), nullable=False),
          Column("metric", String(64), nullable=False),
          Column("name", String(400)),
          UniqueConstraint("vcenter_id", "kind", "moid", "metric",
                           name="history_series_identity"))
    Table("history_samples", md,
          Column("series_id", ForeignKey("history_series.id", ondelete="CASCADE"),
                 nullable=False),
          Column("resolution", SmallInteger, nullable=False),
          Column("time", BigInteger, nullable=False),
          Column("value", Float), Column("low", Float), Column("high", Float),
          Column("count", Integer, nullable=False),
          PrimaryKeyConstraint("resolution", "time", "series_id"),
          sqlite_with_rowid=False)
    md.tables["history_series"].create(conn)
    md.tables["history_samples"].create(conn)


def _v3_metrics(conn: Connection) -> None:
    """Performance statistics: series, samples and rollups, marks, VM daily
    summaries and latest windows."""
    md = MetaData()
    Table("history_vcenters", md, Column("id", _ID, primary_key=True))  # referenced
    Table("history_metric_series", md,
          Column("id", _ID, primary_key=True, autoincrement=True),
          Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
          Column("kind", String(16), nullable=False),
          Column("moid", String(100), nullable=False),
          Column("counter", String(100), nullable=False),
          Column("name", String(400)), Column("unit", String(16)),
          UniqueConstraint("vcenter_id", "kind", "moid", "counter",
                           name="history_metric_series_identity"))
    Table("history_metric_samples", md,
          Column("series_id", ForeignKey("history_metric_series.id", ondelete="CASCADE"),
                 nullable=False),
          Column("resolution", SmallInteger, nullable=False),
          Column("time", BigInteger, nullable=False),
          Column("value", Float), Column("low", Float), Column("high", Float),
          Column("count", Integer, nullable=False),
          PrimaryKeyConstraint("resolution", "time", "series_id"),
          sqlite_with_rowid=False)
    Table("history_metric_marks", md,
          Column("vcenter_id", ForeignKey("history_vcenters.id"), primary_key=True,
                 autoincrement=False),
          Column("read_until", BigInteger), Column("rolled_hour", BigInteger),
          Column("rolled_day", BigInteger), Column("vm_day", BigInteger))
    Table("history_vm_days", md,
          Column("series_id", ForeignKey("history_metric_series.id", ondelete="CASCADE"),
                 nullable=False),
          Column("day", BigInteger, nullable=False),
          Column("average", Float), Column("p95", Float), Column("maximum", Float),
          Column("count", Integer, nullable=False),
          Column("interval", Integer, nullable=False),
          PrimaryKeyConstraint("day", "series_id"),
          sqlite_with_rowid=False)
    Table("history_vm_latest", md,
          Column("series_id", ForeignKey("history_metric_series.id", ondelete="CASCADE"),
                 primary_key=True, autoincrement=False),
          Column("start", BigInteger, nullable=False),
          Column("time", BigInteger, nullable=False),
          Column("average", Float), Column("maximum", Float),
          Column("count", Integer, nullable=False))
    for name in ("history_metric_series", "history_metric_samples", "history_metric_marks",
                 "history_vm_days", "history_vm_latest"):
        md.tables[name].create(conn)


def _v4_audit(conn: Connection) -> None:
    """The audit trail: one append-only row per sign-in, sign-out, workbook, ..."""
    md = MetaData()
    Table("history_audit", md,
          Column("id", _ID, primary_key=True, autoincrement=True),
          Column("time", BigInteger, nullable=False),
          Column("event", String(32), nullable=False),
          Column("username", String(200)), Column("client", String(200)),
          Column("outcome", String(64)), Column("vcenters", Text),
          Column("detail", Text), Column("machine", String(200)),
          Column("process", String(200)),
          Index("history_audit_time", "time"),
          Index("history_audit_event", "event", "time"))
    md.create_all(conn)


# (version, what it adds, step): never edit a released step, append a new one.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "change log", _v1_change_log),
    (2, "capacity series", _v2_capacity),
    (3, "performance statistics", _v3_metrics),
    (4, "audit trail", _v4_audit),
]
LATEST = MIGRATIONS[-1][0]


def version(conn: Connection) -> int:
    """The schema version of the database (0: empty)."""
    if not inspect(conn).has_table("history_meta"):
        return 0
    meta = Table("history_meta", MetaData(), Column("key", String(64)),
                 Column("value", Text))
    value = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")
                         ).scalar()
    return int(value) if value is not None else 0


def _set_version(conn: Connection, number: int) -> None:
    conn.execute(text("DELETE FROM history_meta WHERE key = 'schema_version'"))
    conn.execute(text("INSERT INTO history_meta (key, value) VALUES "
                      "('schema_version', :v)"), {"v": str(number)})


def migrate(store: Store, target: int | None = None) -> int:
    """Bring the database to ``target`` (default: the newest version); returns it.

    Raises HistoryError when the database is newer than this code.
    """
    target = LATEST if target is None else target
    with store.write("upgrading its schema") as conn:
        if store.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        found = version(conn)
        if found > LATEST:
            raise HistoryError(
                f"history database ({store.where}) has schema version {found}, newer "
                f"than this vCompanion knows ({LATEST}): update vCompanion (update.sh / "
                "update.ps1) or point history.database_url at another database")
        for number, what, step in MIGRATIONS:
            if found < number <= target:
                log.info("history: upgrading %s to schema version %d (%s)", store.where,
                         number, what)
                step(conn)
                _set_version(conn, number)
                found = number
    return found


def open_current(url, create: bool = True) -> Store | None:
    """The database at ``url``, open and upgraded to the newest schema (None: there
    is none yet and ``create`` is False).  History and the audit trail open it so."""
    store = open_store(url, create=create)
    if store is None:
        return None
    try:
        migrate(store)
    except BaseException:
        store.close()
        raise
    return store


__all__ = ["LATEST", "MIGRATIONS", "migrate", "open_current", "version"]
