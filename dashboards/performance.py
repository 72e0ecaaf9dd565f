"""Which VMs wait for CPU, balloon, swap or see slow disks, across every vCenter:
/performance (top VMs, hosts' heat map, charts of a host, cluster or datastore).

Served at /performance by `vcompanion serve`, or with Panel itself:

    VCOMPANION_CONFIG=config.json panel serve dashboards/*.py --oauth-provider vcompanion
"""

from vcompanion.ui.app import servable

servable("performance")
