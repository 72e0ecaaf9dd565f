"""The built-in demo: three synthetic vCenters, no config file, no network.

``Companion.demo()`` (and ``vcompanion serve --demo``) read these vCenters
through the same ``Source`` seam as real ones (``vcompanion.sources``)::

    catalog.py    vSphere facts (alarms, OSes, hardware) and the declarations
    sites.py      what Prod, DR, Lab and the unreachable Branch contain
    builder.py    how vSphere shapes it: VCenterBuilder (+ state.py, activity.py)
    perf.py       performance statistics, raw, with planted noisy neighbours,
                  a ballooning host, a slow datastore and idle VMs
    source.py     DemoSource, the shared DemoWorld, demo_config()

The demo reaches the library only through ``vcompanion.sources`` (and the
config and errors it shares with every layer); docs/architecture.md.
"""

from .sites import SITES
from .source import (DEMO_PASSWORD, DEMO_USERNAME, SERVICE_ACCOUNT, DemoSource,
                     DemoWorld, Environment, demo_config, demo_sources, generate)

__all__ = ["DEMO_PASSWORD", "DEMO_USERNAME", "SERVICE_ACCOUNT", "SITES", "DemoSource",
           "DemoWorld", "Environment", "demo_config", "demo_sources", "generate"]
