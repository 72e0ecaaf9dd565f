"""Scheduled work: the scheduler and the jobs it runs.

    scheduler.py   APScheduler in one process: JobSpec, build_scheduler, run
    alerts.py      the alert run, every alerts.interval_minutes
    reports.py     one export per reports.schedules entry
    history.py     a recording every history.interval_minutes

Jobs are the one place below the front ends that opens its own ``Companion``
(each run loads the config afresh, reads every vCenter, then closes it);
the features they run (``alerts.engine``, ``reports``) take an open one.
"""

from . import alerts, history, reports

# Every job provider, in the order ``vcompanion scheduler --list`` shows them.
PROVIDERS = (alerts.jobs, reports.jobs, history.jobs)

__all__ = ["PROVIDERS"]
