"""Time in one place: "now" in UTC and the ISO text it is stored as.

Every time vCompanion stores, compares or shows is an aware UTC datetime.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta


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


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", re.IGNORECASE)


def parse_duration(value: str | float | timedelta) -> int:
    """Seconds in ``value``: ``"90s"``, ``"15m"``, ``"1h"``, ``"7d"``, ``"2w"``, a
    number of seconds or a timedelta; raises ValueError for anything else."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.fullmatch(str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (e.g. 15m, 1h, 7d, 30d)")
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"not a positive duration: {value!r}")
    return int(round(seconds))


__all__ = ["iso", "parse_duration", "parse_iso", "utc_now"]
