"""One VM, host, datastore, cluster or network: /object?vcenter=NAME&moid=ID.

Served at /object by `vcompanion serve`, or with Panel itself:

    VCOMPANION_CONFIG=config.json panel serve dashboards/*.py --oauth-provider vcompanion
"""

from vcompanion.ui.app import servable

servable("object")
