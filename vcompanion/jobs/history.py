"""The scheduler's history job: record every vCenter every ``history.interval_minutes``.

Each run loads the config afresh (edits apply without a restart), reads every
vCenter, records what changed (``Companion.record``), stores the performance
statistics since the last run (``Companion.record_metrics``, unless
``history.metrics.enabled`` is false: vCenter's 5-minute samples, so the
history keeps 5-minute resolution whatever the interval) and applies the
retention settings.  The ``History`` is kept between runs (per config file
and database) so a recording compares with the previous one in memory
instead of reading the last state back from the database.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger

from ..companion import Companion
from ..config import load_config
from ..history import History
from .scheduler import JobSpec

log = logging.getLogger(__name__)

FIRST_RUN_DELAY_SECONDS = 5
_HISTORIES: dict[tuple, History] = {}
_LOCK = threading.Lock()


def jobs(config) -> list[JobSpec]:
    """The recording job, unless the history is off or interval_minutes is 0."""
    if not config.get("history.enabled"):
        log.info("history: history.enabled is false: no scheduled recordings")
        return []
    minutes = config.get("history.interval_minutes")
    if not minutes:
        log.info("history: interval_minutes is 0: no scheduled recordings")
        return []
    seconds = float(minutes) * 60
    start = datetime.now(UTC) + timedelta(seconds=min(FIRST_RUN_DELAY_SECONDS, seconds))
    return [JobSpec(id="history", func=run_recording,
                    trigger=IntervalTrigger(seconds=seconds, start_date=start),
                    kwargs={"config_path": str(config.path) if config.path else None},
                    name=f"history recording every {minutes:g} min")]


def _history(config) -> History:
    key = (str(config.path), config.get("history.database_url"), str(config.data_dir))
    with _LOCK:
        history = _HISTORIES.get(key)
        if history is None:
            history = _HISTORIES[key] = History(config)
        history.config = config  # retention and intervals as now configured
        return history


def run_recording(config_path: str | None):
    """Job: read every vCenter, record what changed, prune by the retention settings."""
    config = load_config(config_path)
    with Companion(config, history=_history(config)) as companion:
        result = companion.record()
        if config.get("history.metrics.enabled"):
            try:  # statistics must not cost the change log its recording
                companion.record_metrics()
            except Exception:  # noqa: BLE001 - logged; the next run reads the gap
                log.exception("history: statistics not recorded")
        companion.history.purge()
    for outcome in result.incomplete:
        log.warning("history: vCenter '%s' not recorded: %s", outcome.vcenter,
                    outcome.message)
    log.info("history: recording %d: %d change(s) in %.2f s", result.recording,
             result.changes, result.seconds)
    return result


__all__ = ["jobs", "run_recording"]
