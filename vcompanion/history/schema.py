"""The history's tables (SQLAlchemy Core), as the newest migration leaves them.

::

    history_meta         key -> value: schema_version, rollup marks
    history_vcenters     one row per vCenter, identified by its instance UUID
                         (a vCenter renamed in the config stays the same row)
    history_recordings   one row per recording: when, on which machine
    history_coverage     per recording and vCenter: complete, failed or skipped
    history_objects      object versions: the tracked values of one object
                         (JSON) from valid_from until valid_to (null: current)
    history_changes      the change log: created, removed, modified (one row
                         per property), with the vCenter user and event
    history_series       one capacity series: vCenter, kind, object, metric
    history_samples      its values: raw (every recording), hourly, daily
    history_metric_series   one performance series: vCenter, kind, object, counter
    history_metric_samples  its values: vCenter's 5-minute samples, hourly, daily
    history_metric_marks    per vCenter: read up to, rolled up to, VM days summarised
    history_vm_days         a VM's daily summary per counter: average, p95, maximum
    history_vm_latest       a VM's latest window per counter (replaced each time)
    history_audit           the audit trail: sign-ins, sign-outs, workbooks, ...
                            (append-only; ``vcompanion/audit.py``)

Times are whole microseconds since 1970-01-01 UTC in BIGINT columns: exact,
compact and compared the same way by SQLite and PostgreSQL (``times.py``).
``migrations.py`` builds these tables step by step; a test checks that the
steps and this declaration agree.
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Column, Float, ForeignKey, Index, Integer, MetaData,
                        PrimaryKeyConstraint, SmallInteger, String, Table, Text,
                        UniqueConstraint)

ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite: the rowid

metadata = MetaData()

meta = Table(
    "history_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text),
)

vcenters = Table(
    "history_vcenters", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),  # instance UUID, or name:NAME
    Column("name", String(200), nullable=False),  # the configured name, last seen
    Column("instance_uuid", String(64)),
    Column("baseline", BigInteger),        # time of its first complete recording
    Column("last_recording", BigInteger),  # id of the last recording that wrote it
    Column("last_time", BigInteger),       # time of its last complete recording
    Column("last_read", BigInteger),       # when that recording's inventory was read
)

recordings = Table(
    "history_recordings", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("time", BigInteger, nullable=False),
    Column("machine", String(200)),
    Column("seconds", Float),
    Index("history_recordings_time", "time"),
)

coverage = Table(
    "history_coverage", metadata,
    Column("recording_id", ForeignKey("history_recordings.id", ondelete="CASCADE"),
           nullable=False),
    Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
    Column("status", String(16), nullable=False),  # complete | baseline | failed | skipped
    Column("message", Text),
    Column("objects", Integer),
    Column("changes", Integer),
    PrimaryKeyConstraint("recording_id", "vcenter_id"),
    Index("history_coverage_vcenter", "vcenter_id", "recording_id"),
)

objects = Table(
    "history_objects", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("moid", String(100), nullable=False),
    Column("name", String(400)),
    Column("state", Text, nullable=False),  # JSON: tracked and identity columns
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_to", BigInteger),  # null: the current version
    Index("history_objects_current", "vcenter_id", "kind", "valid_to"),
    Index("history_objects_time", "kind", "valid_from"),
)

changes = Table(
    "history_changes", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("recording_id", ForeignKey("history_recordings.id", ondelete="CASCADE"),
           nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("moid", String(100), nullable=False),
    Column("name", String(400)),
    Column("change", String(10), nullable=False),  # created | removed | modified
    Column("property", String(64)),
    Column("old", Text),  # JSON
    Column("new", Text),  # JSON
    Column("username", String(200)),
    Column("event", String(200)),
    Column("event_time", BigInteger),
    Column("event_key", BigInteger),
    Index("history_changes_time", "time"),
    Index("history_changes_object", "vcenter_id", "kind", "moid"),
)

series = Table(
    "history_series", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("moid", String(100), nullable=False),
    Column("metric", String(64), nullable=False),
    Column("name", String(400)),  # the object's name, last seen
    UniqueConstraint("vcenter_id", "kind", "moid", "metric",
                     name="history_series_identity"),
)

# resolution: RAW (every recording), HOUR, DAY.  low/high: the extremes of the
# bucket (raw: the value itself); count: how many raw samples it summarises.
RAW, HOUR, DAY = 0, 1, 2
samples = Table(
    "history_samples", metadata,
    Column("series_id", ForeignKey("history_series.id", ondelete="CASCADE"),
           nullable=False),
    Column("resolution", SmallInteger, nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("value", Float),
    Column("low", Float),
    Column("high", Float),
    Column("count", Integer, nullable=False),
    # One b-tree in time order: what rollups, pruning and reads scan (SQLite: the
    # rows live in the primary key itself, WITHOUT ROWID).
    PrimaryKeyConstraint("resolution", "time", "series_id"),
    sqlite_with_rowid=False,
)

# Performance statistics (perfstore.py).  One series per object and counter
# (``kind``: host, cluster, datastore, vm); values in the unit of ``unit``.
metric_series = Table(
    "history_metric_series", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("vcenter_id", ForeignKey("history_vcenters.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("moid", String(100), nullable=False),
    Column("counter", String(100), nullable=False),  # group.name.rollup
    Column("name", String(400)),  # the object's name, last seen
    Column("unit", String(16)),
    UniqueConstraint("vcenter_id", "kind", "moid", "counter",
                     name="history_metric_series_identity"),
)

# resolution: SAMPLE (vCenter's samples: 5-minute, or coarser when backfilled), HOUR,
# DAY.  time: the END of the period (as vCenter stamps samples).  count: the
# 5-minute periods it stands for (a backfilled 30-minute sample: 6).  low/high:
# null for a sample that is one value (a datastore's: its hosts' lowest and highest).
SAMPLE = 0
metric_samples = Table(
    "history_metric_samples", metadata,
    Column("series_id", ForeignKey("history_metric_series.id", ondelete="CASCADE"),
           nullable=False),
    Column("resolution", SmallInteger, nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("value", Float),
    Column("low", Float),
    Column("high", Float),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("resolution", "time", "series_id"),
    sqlite_with_rowid=False,
)

metric_marks = Table(
    "history_metric_marks", metadata,
    Column("vcenter_id", ForeignKey("history_vcenters.id"), primary_key=True,
           autoincrement=False),
    Column("read_until", BigInteger),   # samples stored up to here (vCenter's clock)
    Column("rolled_hour", BigInteger),  # samples up to here are in hourly rows
    Column("rolled_day", BigInteger),   # hourly rows up to here are in daily rows
    Column("vm_day", BigInteger),       # VM days summarised up to here (a day's end)
)

# day: the START of the UTC day.  interval: seconds per sample summarised (300,
# or 1800 / 7200 for a day backfilled after downtime); count: how many.
vm_days = Table(
    "history_vm_days", metadata,
    Column("series_id", ForeignKey("history_metric_series.id", ondelete="CASCADE"),
           nullable=False),
    Column("day", BigInteger, nullable=False),
    Column("average", Float),
    Column("p95", Float),
    Column("maximum", Float),
    Column("count", Integer, nullable=False),
    Column("interval", Integer, nullable=False),
    PrimaryKeyConstraint("day", "series_id"),
    sqlite_with_rowid=False,
)

vm_latest = Table(
    "history_vm_latest", metadata,
    Column("series_id", ForeignKey("history_metric_series.id", ondelete="CASCADE"),
           primary_key=True, autoincrement=False),
    Column("start", BigInteger, nullable=False),
    Column("time", BigInteger, nullable=False),  # the window's end
    Column("average", Float),
    Column("maximum", Float),
    Column("count", Integer, nullable=False),
)

# The audit trail (vcompanion/audit.py): one row per event, never updated; only
# the retention (history.retention.audit_days) deletes rows.
audit = Table(
    "history_audit", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("time", BigInteger, nullable=False),
    Column("event", String(32), nullable=False),  # sign_in, sign_in_failed, lockout, ...
    Column("username", String(200)),  # the user name as typed (control chars escaped)
    Column("client", String(200)),    # the client address, or "local"
    Column("outcome", String(64)),    # accepted, invalid, sent, failed, ...
    Column("vcenters", Text),         # JSON list: the vCenters that accepted
    Column("detail", Text),           # one line
    Column("machine", String(200)),
    Column("process", String(200)),
    Index("history_audit_time", "time"),
    Index("history_audit_event", "event", "time"),
)

__all__ = ["DAY", "HOUR", "RAW", "SAMPLE", "audit", "changes", "coverage", "meta", "metadata",
           "metric_marks", "metric_samples", "metric_series", "objects", "recordings",
           "samples", "series", "vcenters", "vm_days", "vm_latest"]
