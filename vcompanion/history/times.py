"""Times in the history: microseconds in the database, aware UTC datetimes outside.

``parse_when`` reads what users type for ``since``, ``until`` and ``as_of``:
``"90m"``, ``"24h"``, ``"7d"``, ``"2w"`` (that long before now), an ISO 8601
date or timestamp (without a zone: UTC), a ``datetime`` or a pandas
``Timestamp``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pandas as pd

from ..clock import utc_now
from ..errors import ConfigError

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
US = 1_000_000


def to_us(value: datetime) -> int:
    """An aware (or naive UTC) datetime as whole microseconds since the epoch."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


def from_us(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(value))


def stamps(values) -> pd.Series:
    """Microsecond times (None for none) as a column of pandas UTC timestamps."""
    floats = pd.Series([float("nan") if v is None else float(v) for v in values],
                       dtype="float64")  # exact: microseconds stay below 2**53 until 2255
    return pd.to_datetime(floats, unit="us", utc=True).astype("datetime64[ns, UTC]")


def parse_when(value, now: datetime | None = None, what: str = "time") -> datetime:
    """``value`` as an aware UTC datetime (see the module docstring)."""
    now = now or utc_now()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, timedelta):
        return now - value
    if isinstance(value, str):
        ago = _AGO.match(value)
        if ago:
            return now - timedelta(seconds=float(ago.group(1)) * _UNITS[ago.group(2).lower()])
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None \
                else parsed.astimezone(UTC)
    raise ConfigError(f"{what} {value!r} is not understood: give a duration before now "
                      "(90m, 24h, 7d, 2w) or an ISO date or time (2025-03-01, "
                      "2025-03-01T06:00, 2025-03-01T06:00:00+01:00)")


__all__ = ["US", "from_us", "parse_when", "stamps", "to_us"]
