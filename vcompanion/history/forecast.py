"""Forecasts: days until a datastore is full, until a cluster's CPU or memory
demand reaches its capacity.

A method that survives real data rather than one falsely precise number:

1. **Daily peaks.**  Each day counts once, with its highest demand (a
   datastore: its highest use, capacity minus the day's lowest free space; a
   cluster: its highest CPU or memory use) against its lowest capacity,
   over the last ``history.forecast_window_days`` (90).
2. **The window restarts after a step change**: a capacity that changed by
   more than 1 % (a datastore grown, hosts added) or a day-to-day jump in use
   far outside the usual day-to-day changes (more than 6 robust standard
   deviations and 5 % of the capacity: a datastore emptied, a big migration).
   Only the days since the last step describe the present trend.
3. **Too little data is said so**: fewer than ``history.forecast_min_days``
   (7) days since the window start give the status ``insufficient data``.
4. **A range, from a robust trend.**  The Theil-Sen slope (the median of the
   slopes between every pair of days) ignores outliers; its 90 % confidence
   interval (Sen, 1968) gives a lowest and a highest growth per day, hence
   ``days_high`` and ``days_low``: the room left divided by each.
5. **A status**: ``full`` (less than 1 % left), ``growing`` (growth is
   significant: even the lowest slope is above zero), ``stable`` (no
   significant growth; ``days_low`` is then the worst case, if any growth at
   all is plausible) or ``insufficient data``.  Beyond ten years nothing is
   forecast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

FULL, GROWING, STABLE, INSUFFICIENT = "full", "growing", "stable", "insufficient data"
STATUSES = (FULL, GROWING, STABLE, INSUFFICIENT)
HORIZON_DAYS = 3650
Z90 = 1.645  # two-sided 90 %

# kind -> (metric, demand series, capacity series, unit)
METRICS = {
    "datastore": (("space", ("capacity_bytes", "high", "free_bytes", "low"),
                   "capacity_bytes", "bytes"),),
    "cluster": (("cpu", ("cpu_usage_mhz", "high", None, None), "cpu_capacity_mhz", "MHz"),
                ("memory", ("memory_usage_gb", "high", None, None), "memory_capacity_gb",
                 "GiB")),
}
COLUMNS = ["vcenter", "kind", "name", "metric", "days_low", "days_high", "status", "moid",
           "used", "capacity", "unit", "growth_per_day", "days_of_data", "window_start"]


@dataclass
class Forecast:
    status: str
    days_low: float | None = None
    days_high: float | None = None
    growth_per_day: float | None = None
    used: float | None = None
    capacity: float | None = None
    window_start: int = 0  # index of the first day used
    days_of_data: int = 0


def window_start(used: np.ndarray, capacity: np.ndarray) -> int:
    """Index of the first day after the last step change (0: none)."""
    start = 0
    for i in range(1, len(capacity)):
        if abs(capacity[i] - capacity[i - 1]) > 0.01 * max(abs(capacity[i - 1]), 1e-9):
            start = i
    diffs = np.diff(used)
    if len(diffs) >= 3:
        median = float(np.median(diffs))
        spread = 1.4826 * float(np.median(np.abs(diffs - median)))
        limit = max(6 * spread, 0.05 * float(np.median(capacity)))
        for i, d in enumerate(diffs):
            if abs(d - median) > limit:
                start = max(start, i + 1)
    return start


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(lowest, median, highest) slope: Theil-Sen with Sen's 90 % interval."""
    i, j = np.triu_indices(len(x), 1)
    keep = x[j] != x[i]
    slopes = np.sort((y[j][keep] - y[i][keep]) / (x[j][keep] - x[i][keep]))
    n, count = len(x), len(slopes)
    spread = Z90 * math.sqrt(n * (n - 1) * (2 * n + 5) / 18)
    low = int(max(0, math.floor((count - spread) / 2)))
    high = int(min(count - 1, math.ceil((count + spread) / 2)))
    return float(slopes[low]), float(np.median(slopes)), float(slopes[high])


def forecast(days: np.ndarray, used: np.ndarray, capacity: np.ndarray,
             min_days: int = 7) -> Forecast:
    """The forecast of one series of daily peaks (``days``: day numbers)."""
    order = np.argsort(days)
    days, used, capacity = (np.asarray(a, dtype=float)[order] for a in (days, used, capacity))
    keep = ~(np.isnan(used) | np.isnan(capacity))
    days, used, capacity = days[keep], used[keep], capacity[keep]
    if len(days) == 0:
        return Forecast(INSUFFICIENT)
    start = window_start(used, capacity)
    days, used, capacity = days[start:], used[start:], capacity[start:]
    result = Forecast(INSUFFICIENT, used=float(used[-1]), capacity=float(capacity[-1]),
                      window_start=start, days_of_data=len(days))
    remaining = result.capacity - result.used
    if result.capacity > 0 and remaining <= 0.01 * result.capacity:
        result.status, result.days_low, result.days_high = FULL, 0.0, 0.0
        return result
    if len(days) < min_days:
        return result
    low, mid, high = theil_sen(days, used)
    result.growth_per_day = mid
    result.status = GROWING if low > 0 else STABLE
    if high > 0:
        result.days_low = remaining / high
    if low > 0:
        result.days_high = remaining / low
    if result.days_low is None or result.days_low > HORIZON_DAYS:
        result.status, result.days_low, result.days_high = STABLE, None, None
    elif result.days_high is not None and result.days_high > HORIZON_DAYS:
        result.days_high = None
    return result


def forecasts_frame(daily: pd.DataFrame, min_days: int = 7) -> pd.DataFrame:
    """One row per datastore (space) and cluster (cpu, memory).

    ``daily``: daily buckets with columns vcenter, kind, name, moid, metric,
    time (microseconds), low, high (``queries.buckets`` joined with the series).
    """
    rows = []
    if len(daily):
        wide = daily.pivot_table(index=["vcenter", "kind", "moid", "time"],
                                 columns="metric", values=["low", "high"], aggfunc="first")
        names = daily.sort_values("time").groupby(["vcenter", "kind", "moid"])["name"].last()
    else:
        wide, names = pd.DataFrame(), pd.Series(dtype=object)
    for (vcenter, kind, moid), group in (wide.groupby(level=[0, 1, 2], sort=True)
                                         if len(wide) else ()):
        if kind not in METRICS:
            continue
        group = group.droplevel([0, 1, 2])
        for metric, (base, base_side, minus, minus_side), cap_metric, unit in METRICS[kind]:
            needed = [(base_side, base), ("low", cap_metric)] + (
                [(minus_side, minus)] if minus else [])
            if any(column not in group.columns for column in needed):
                continue
            demand = group[(base_side, base)]
            if minus:
                demand = demand - group[(minus_side, minus)]
            frame = pd.DataFrame({"demand": demand, "capacity": group[("low", cap_metric)]}
                                 ).dropna().sort_index()
            day_numbers = (frame.index.to_numpy(dtype=np.int64) // 86_400_000_000).astype(float)
            result = forecast(day_numbers, frame["demand"].to_numpy(dtype=float),
                              frame["capacity"].to_numpy(dtype=float), min_days)
            start = frame.index[result.window_start] if len(frame) else None
            rows.append({"vcenter": vcenter, "kind": kind, "name": names.get(
                (vcenter, kind, moid)), "metric": metric,
                         "days_low": result.days_low, "days_high": result.days_high,
                         "status": result.status, "moid": moid, "used": result.used,
                         "capacity": result.capacity, "unit": unit,
                         "growth_per_day": result.growth_per_day,
                         "days_of_data": result.days_of_data, "window_start": start})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    from .times import stamps
    frame["window_start"] = stamps([None if pd.isna(v) else int(v)
                                    for v in frame["window_start"]])
    return frame.astype({"vcenter": "string", "kind": "string", "name": "string",
                         "metric": "string", "days_low": "Float64", "days_high": "Float64",
                         "status": "string", "moid": "string", "used": "Float64",
                         "capacity": "Float64", "unit": "string",
                         "growth_per_day": "Float64", "days_of_data": "Int64"})


__all__ = ["COLUMNS", "FULL", "GROWING", "INSUFFICIENT", "METRICS", "STABLE", "STATUSES",
           "Forecast", "forecast", "forecasts_frame", "theil_sen", "window_start"]
