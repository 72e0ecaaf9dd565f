"""What changed in every vCenter, when and who did it: /changes (?vcenter=&kind=&moid=&since=).

Served at /changes by `vcompanion serve`, or with Panel itself:

    VCOMPANION_CONFIG=config.json panel serve dashboards/*.py --oauth-provider vcompanion
"""

from vcompanion.ui.app import servable

servable("changes")
