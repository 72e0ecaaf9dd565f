"""Where each vCenter's data comes from: the ``Source`` seam (see base.py).

``VCenterSource`` reads a real vCenter; the demo's ``DemoSource`` lives in
``vcompanion/demo/`` and reaches the library only through this package.
"""

from .base import (EVERYTHING, About, CustomField, Inventory, LiveUnsupported, OnChange,
                   Source, Stats, Tag, TagCategory, TagData)

__all__ = ["EVERYTHING", "About", "CustomField", "Inventory", "LiveUnsupported", "OnChange",
           "Source", "Stats", "Tag", "TagCategory", "TagData"]
