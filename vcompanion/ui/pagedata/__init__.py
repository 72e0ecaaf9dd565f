"""The dashboards' data: what the pages show, collected away from them.

Modules::

    feed.py     DashboardData: a Companion's tables, refreshed on a timer
    frames.py   FrameSet: every table of one collection, never changed once made
    summary.py  summarize(): the overview's KPIs and chart data
    alerts.py   alert_history(): what the alerting has sent (its database);
                audit_rows(): the newest rows of the audit trail
    objects.py  one object's page data from a FrameSet (find), name -> moid
                (object_ids, resolve, with_moids)
    access.py   LoginView: the data as a login sees it (the vCenters that
                accepted it, nothing of the others)

Views never fetch: a page reads the ``FrameSet`` it is given
(``DashboardData.latest``), never a vCenter.
"""

from __future__ import annotations

from .access import LoginView, VCenterSubset, not_available, restrict
from .alerts import AlertHistory, alert_history, audit_rows
from .feed import DashboardData
from .frames import FRAMES, INVENTORY, FrameSet, empty_frame, empty_frame_set
from .summary import AGE_BINS, summarize

__all__ = ["AGE_BINS", "AlertHistory", "DashboardData", "FRAMES", "FrameSet", "INVENTORY",
           "LoginView", "VCenterSubset", "alert_history", "audit_rows", "empty_frame",
           "empty_frame_set", "not_available", "restrict", "summarize"]
