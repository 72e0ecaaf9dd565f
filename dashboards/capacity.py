"""Capacity trends and forecasts of datastores and clusters: /capacity (?vcenter=&name=).

Served at /capacity by `vcompanion serve`, or with Panel itself:

    VCOMPANION_CONFIG=config.json panel serve dashboards/*.py --oauth-provider vcompanion
"""

from vcompanion.ui.app import servable

servable("capacity")
