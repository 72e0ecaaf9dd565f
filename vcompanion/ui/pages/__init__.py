"""One small module per dashboard page, and the one list of them.

``PAGES`` lists the Page classes in navigation order; each declares its
``slug`` (URL), ``title`` and ``icon``; pages with ``in_nav = False`` (the
object page) are served but not listed.  ``page_class(slug)`` finds one.
"""

from __future__ import annotations

from .alerts import AlertsPage
from .base import Page
from .datastores import DatastoresPage
from .hosts import HostsPage
from .inventory import InventoryPage
from .object import ObjectPage
from .overview import OverviewPage
from .performance import PerformancePage
from .problems import ProblemsPage
from .reports import ReportsPage
from .search import SearchPage
from .snapshots import SnapshotsPage

PAGES: tuple[type[Page], ...] = (
    OverviewPage, InventoryPage, SearchPage, ProblemsPage, PerformancePage, HostsPage,
    DatastoresPage, SnapshotsPage, AlertsPage, ReportsPage, ObjectPage)
SLUGS: tuple[str, ...] = tuple(page.slug for page in PAGES)

_BY_SLUG = {page.slug: page for page in PAGES}


def page_class(slug: str) -> type[Page]:
    """The Page class served at ``/slug`` (KeyError for an unknown slug)."""
    return _BY_SLUG[slug]


__all__ = ["PAGES", "SLUGS", "Page", "page_class"]
