"""Performance statistics as frames: vCenter's counters, read by name, in units.

The layer between the sources (which answer a ``PerfQuery`` with vCenter's
raw samples, ``vsphere/perf.py``) and ``Companion`` (``vc.metrics()``,
``vc.performance()``)::

    request.py   Request: the kind, counters and window asked for, checked;
                 targets(): per vCenter, the objects and the PerfQuery for them
    units.py     raw samples -> %, MiB, KB/s, ms (CPU ready per vCPU, -1 -> NA)
    frames.py    tidy(): one row per sample; summary(): one row per object
    cache.py     AnswerCache: each vCenter's answer kept for a short time
    reading.py   read(): every vCenter of a fleet in parallel, through the cache

The columns are declared in ``tables/performance.py`` (docs/tables.md).
"""

from .cache import AnswerCache
from .frames import Results, combine, summary, tidy
from .reading import read
from .request import REALTIME_SECONDS, Request, Target, select, targets, vcenters
from .units import NO_SAMPLE, scale

__all__ = ["NO_SAMPLE", "REALTIME_SECONDS", "AnswerCache", "Request", "Results", "Target",
           "combine", "read", "scale", "select", "summary", "targets", "tidy", "vcenters"]
