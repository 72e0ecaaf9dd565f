"""Where each vCenter's data comes from: the ``Source`` seam (see base.py).

``VCenterSource`` reads a real vCenter; the demo's ``DemoSource`` lives in
``vcompanion/demo/`` and reaches the library only through this package.
"""

from .base import (DEFAULT_INTERVALS, EVERYTHING, REALTIME, About, CounterInfo, CustomField,
                   Interval, Inventory, LiveUnsupported, Missing, OnChange, PerfAnswer,
                   PerfData, PerfQuery, PerfStats, Source, Stats, Tag, TagCategory, TagData,
                   choose_interval, find_interval)

__all__ = ["DEFAULT_INTERVALS", "EVERYTHING", "REALTIME", "About", "CounterInfo",
           "CustomField", "Interval", "Inventory", "LiveUnsupported", "Missing", "OnChange",
           "PerfAnswer", "PerfData", "PerfQuery", "PerfStats", "Source", "Stats", "Tag",
           "TagCategory", "TagData", "choose_interval", "find_interval"]
