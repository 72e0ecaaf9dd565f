"""Time in one place: "now" in UTC and the ISO text it is stored as.

Every time vCompanion stores, compares or shows is an aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now(seconds: bool = False) -> datetime:
    """Now, in UTC (whole seconds with ``seconds``: what workbooks show)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=0) if seconds else now


def iso(value: datetime | None) -> str | None:
    """``value`` as ISO 8601 text in UTC, to the second (naive counts as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(value: str | None) -> datetime | None:
    """The datetime of ``iso``'s text (None stays None)."""
    return datetime.fromisoformat(value) if value else None


__all__ = ["iso", "parse_iso", "utc_now"]
