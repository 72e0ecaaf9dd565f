"""Pruning by the retention settings (``history.retention``).

Raw capacity samples go after ``raw_samples_days`` (only once they are rolled
up into hourly rows), hourly ones after ``hourly_samples_days`` (once in
daily rows), daily ones after ``daily_samples_days``.  Changes, recordings
(with their coverage) and object versions that ended before
``changes_days`` go together: ``as_of`` further back than that shows
nothing, and says so in the docs.  The current versions always stay.
Audit rows (``history_audit``) go after ``audit_days``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select
from sqlalchemy.engine import Connection

from . import capacity
from .schema import DAY, HOUR, RAW, audit, changes, objects, recordings, samples
from .times import to_us


def cutoffs(settings: dict, now: datetime) -> dict[str, int]:
    """Microsecond times before which each kind of row goes."""
    def before(days: float) -> int:
        return to_us(now - timedelta(days=float(days)))
    return {"raw": before(settings["raw_samples_days"]),
            "hour": before(settings["hourly_samples_days"]),
            "day": before(settings["daily_samples_days"]),
            "changes": before(settings["changes_days"]),
            "audit": before(settings.get("audit_days") or 36500)}


def purge(conn: Connection, settings: dict, now: datetime) -> dict[str, int]:
    """Delete what the retention settings no longer keep; returns rows deleted
    per table (``settings``: the config's ``history.retention`` section)."""
    limit = cutoffs(settings, now)
    marks = capacity.marks(conn)
    s = samples.c
    counts = {}
    raw_until = min(limit["raw"], marks["rolled_hour"] or 0)
    hour_until = min(limit["hour"], marks["rolled_day"] or 0)
    counts["raw samples"] = conn.execute(delete(samples).where(
        and_(s.resolution == RAW, s.time < raw_until))).rowcount
    counts["hourly samples"] = conn.execute(delete(samples).where(
        and_(s.resolution == HOUR, s.time < hour_until))).rowcount
    counts["daily samples"] = conn.execute(delete(samples).where(
        and_(s.resolution == DAY, s.time < limit["day"]))).rowcount
    counts["changes"] = conn.execute(delete(changes).where(
        changes.c.time < limit["changes"])).rowcount
    counts["object versions"] = conn.execute(delete(objects).where(
        and_(objects.c.valid_to.is_not(None), objects.c.valid_to < limit["changes"]))
    ).rowcount
    counts["recordings"] = conn.execute(delete(recordings).where(
        and_(recordings.c.time < limit["changes"],
             ~select(changes.c.id).where(changes.c.recording_id == recordings.c.id)
             .exists()))).rowcount
    counts["audit rows"] = conn.execute(delete(audit).where(
        audit.c.time < limit["audit"])).rowcount
    return counts


__all__ = ["cutoffs", "purge"]
