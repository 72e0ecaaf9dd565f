"""One small module per dashboard page; ``PAGE_CLASSES`` maps URL slug -> Page."""

from __future__ import annotations

from .alerts import AlertsPage
from .datastores import DatastoresPage
from .hosts import HostsPage
from .inventory import InventoryPage
from .overview import OverviewPage
from .problems import ProblemsPage
from .reports import ReportsPage
from .search import SearchPage
from .snapshots import SnapshotsPage

PAGE_CLASSES = {cls.slug: cls for cls in (
    OverviewPage, InventoryPage, SearchPage, ProblemsPage, HostsPage, DatastoresPage,
    SnapshotsPage, AlertsPage, ReportsPage)}

__all__ = ["PAGE_CLASSES"]
