"""Overview: KPIs, vCenter status and charts.

Served at /overview by `vcompanion serve`, or with Panel itself:

    VCOMPANION_CONFIG=config.json panel serve dashboards/*.py --oauth-provider vcompanion
"""

from vcompanion.ui.app import servable

servable("overview")
