"""The scheduler of ``vcompanion scheduler``: every job in one process.

Jobs come from *job providers*: functions that take the ``Config`` and return
a list of ``JobSpec``.  ``jobs.PROVIDERS`` lists them: alerts (every
``alerts.interval_minutes``) and report exports (cron schedules).

APScheduler 3.11, in memory (jobs are rebuilt from the config at start-up):
missed runs are coalesced into one, a job never runs twice at once, a run up
to an hour late still happens, and a job that raises is logged and scheduled
again as usual.  Ctrl+C, SIGTERM (systemd) or Ctrl+Break stop it cleanly:
running jobs are allowed to finish.

Run only ONE scheduler per config: APScheduler 3 cannot share jobs between
processes, and two would send every alert twice.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from ..errors import ConfigError

log = logging.getLogger(__name__)

JOB_DEFAULTS = {
    "coalesce": True,            # several missed runs become one
    "max_instances": 1,          # never two runs of a job at once
    "misfire_grace_time": 3600,  # a run up to an hour late (sleep, busy) still happens
}


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job.

    ``func`` must be a module-level function; keep ``kwargs`` simple (strings,
    numbers: e.g. the config file's path), as a job store would pickle them.
    """

    id: str
    func: Callable[..., Any]
    trigger: BaseTrigger
    kwargs: dict = field(default_factory=dict)
    name: str = ""


Provider = Callable[[Any], list[JobSpec]]


def job_specs(config, providers: Sequence[Provider]) -> list[JobSpec]:
    """Every provider's jobs.  A provider that fails is logged and skipped;
    a ConfigError (a wrong schedule in the config) is raised."""
    specs: list[JobSpec] = []
    for provider in providers:
        try:
            provided = provider(config)
        except ConfigError:
            raise
        except Exception:
            log.exception("scheduler: job provider %s.%s failed; its jobs are not "
                          "scheduled", provider.__module__, provider.__qualname__)
            continue
        specs.extend(provided)
    ids = [s.id for s in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"scheduler: job id(s) {', '.join(duplicates)} defined twice")
    return specs


def _on_event(event) -> None:
    if event.code == EVENT_JOB_ERROR:
        log.error("scheduler: job '%s' failed: %s: %s (it runs again at its next "
                  "time)", event.job_id, type(event.exception).__name__, event.exception)
    elif event.code == EVENT_JOB_MISSED:
        log.warning("scheduler: job '%s' missed its run at %s (more than the grace "
                    "time late)", event.job_id, event.scheduled_run_time)
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        log.warning("scheduler: job '%s' is still running; this run is skipped",
                    event.job_id)
    elif event.code == EVENT_JOB_EXECUTED:
        log.info("scheduler: job '%s' done", event.job_id)


def build_scheduler(config, providers: Sequence[Provider], blocking: bool = False,
                    max_workers: int = 4):
    """A scheduler (not started) holding every provider's jobs.

    ``BackgroundScheduler`` by default, ``BlockingScheduler`` with ``blocking``.
    """
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(executors={"default": ThreadPoolExecutor(max_workers)},
                    job_defaults=dict(JOB_DEFAULTS))
    scheduler.add_listener(_on_event, EVENT_JOB_ERROR | EVENT_JOB_EXECUTED
                           | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    for spec in job_specs(config, providers):
        scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=spec.name or spec.id,
                          kwargs=dict(spec.kwargs), replace_existing=True)
    return scheduler


def describe(scheduler) -> list[dict]:
    """id, name, trigger and next run of each job (for ``--list`` and logs)."""
    rows = []
    for job in scheduler.get_jobs():
        next_run = getattr(job, "next_run_time", None)
        if next_run is None:  # not started yet: ask the trigger
            from datetime import datetime
            next_run = job.trigger.get_next_fire_time(
                None, datetime.now(scheduler.timezone))
        rows.append({"id": job.id, "name": job.name, "trigger": str(job.trigger),
                     "next_run": next_run})
    return rows


def run(config, providers: Sequence[Provider],
        stop: threading.Event | None = None) -> None:
    """Run the scheduler until Ctrl+C / SIGTERM / Ctrl+Break (or ``stop`` is set)."""
    scheduler = build_scheduler(config, providers)
    stop = stop or threading.Event()
    signals = [signal.SIGINT, signal.SIGTERM] + (
        [signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else [])
    previous = {}

    def handle(signum, frame):
        if stop.is_set():  # second Ctrl+C: do not wait for running jobs
            log.warning("scheduler: stopped at once (signal %s)", signum)
            import os
            os._exit(130)
        log.info("scheduler: signal %s received, stopping", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for sig in signals:
            previous[sig] = signal.signal(sig, handle)
    scheduler.start()
    jobs = describe(scheduler)
    log.info("scheduler: started with %d job(s): %s", len(jobs), "; ".join(
        f"{j['id']} ({j['trigger']}, next {j['next_run']:%Y-%m-%d %H:%M:%S})"
        for j in jobs) or "none")
    try:
        while not stop.wait(1.0):  # a timeout keeps Ctrl+C working on Windows
            pass
    except KeyboardInterrupt:
        stop.set()
    finally:
        started = time.monotonic()
        log.info("scheduler: stopping; waiting for running jobs to finish")
        scheduler.shutdown(wait=True)
        log.info("scheduler: stopped (%.1f s)", time.monotonic() - started)
        for sig, old in previous.items():
            signal.signal(sig, old)
    sys.stdout.flush()
