"""When ``vc.metrics()`` answers from the history instead of vCenter, and how.

For hosts, clusters and datastores the history keeps 5-minute samples for
``samples_days`` (30), hourly rows for ``hourly_days`` (365) and daily rows
for ``daily_days`` (1825), while vCenter keeps 5-minute samples for a day,
30-minute ones for a week, 2-hour ones for a month and daily ones for a year.
A window for which vCenter's finest interval is coarser than a resolution
the history keeps for the whole window is answered from the history, at the
coarsest such resolution (``resolution_for``):

==========  ===================  ==========================
window      vCenter              history (default settings)
==========  ===================  ==========================
up to 1 d   5-minute (or 20 s)   - (vCenter answers)
7 d         30-minute            5-minute samples
30 d        2-hour               hourly rows
90 d, 1 y   daily                hourly rows
==========  ===================  ==========================

per vCenter, only when the history holds that vCenter's samples from the
window's start and is current (its last samples at most ``fresh`` old);
the other vCenters are read from vCenter as usual.  VMs, and any read with
an explicit ``interval``, always come from vCenter.  The newest part, not
rolled up yet, comes as the finer rows (each row's ``interval`` says which).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from ..sources import choose_interval
from . import perfstore
from .schema import DAY, HOUR, SAMPLE
from .times import US

DAYS_SETTING = {SAMPLE: "samples_days", HOUR: "hourly_days", DAY: "daily_days"}


def resolution_for(request, settings: dict) -> int | None:
    """The history's resolution for ``request`` (a ``metrics.Request``), or None
    when vCenter's own samples are as fine (see the module docstring)."""
    if request.interval is not None or request.kind.name not in ("hosts", "clusters",
                                                                 "datastores"):
        return None
    finest = choose_interval(request.seconds, request.kind.realtime).seconds
    chosen = None
    for resolution in (SAMPLE, HOUR, DAY):  # the coarsest that still fits wins
        kept = float(settings[DAYS_SETTING[resolution]]) * 86400
        if perfstore.SECONDS[resolution] < finest and kept >= request.seconds:
            chosen = resolution
    return chosen


def stored_frame(conn: Connection, request, resolution: int, names: list[str],
                 moids, now_us: int, fresh_us: int) -> pd.DataFrame:
    """The vCenters of ``names`` the history can answer for, as ``vc.metrics()``
    rows; ``frame.attrs["history"]`` lists them."""
    kind = request.kind.name
    start = now_us - request.seconds * US
    ids = perfstore.vcenter_ids(conn, names)
    parts, answered = [], []
    for name in names:
        vid = ids.get(name)
        if vid is None:
            continue
        marks = perfstore.marks(conn, vid)
        if marks["read_until"] is None or marks["read_until"] < now_us - fresh_us:
            continue
        first = perfstore.first_time(conn, vid, perfstore.KINDS[kind], resolution)
        if first is None or first > start + perfstore.SECONDS[resolution] * US:
            continue
        levels = [(resolution, start)]
        if resolution == DAY:
            levels.append((HOUR, max(start, marks["rolled_day"] or start)))
        if resolution in (HOUR, DAY):
            levels.append((SAMPLE, max(start, marks["rolled_hour"] or start)))
        for level, since in levels:
            parts.append(perfstore.series_frame(conn, name, vid, kind, level, since,
                                                now_us, moids, request.counters))
        answered.append(name)
    frame = perfstore.tidy(kind, parts)
    frame.attrs["history"] = answered
    return frame


__all__ = ["DAYS_SETTING", "resolution_for", "stored_frame"]
