"""The scheduler's alert job: ``alerts.engine.run`` every ``alerts.interval_minutes``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger

from ..alerts import engine
from ..companion import Companion
from ..config import load_config
from .scheduler import JobSpec

log = logging.getLogger(__name__)

FIRST_RUN_DELAY_SECONDS = 10  # the first run comes soon after start-up


def jobs(config) -> list:
    """The alert job, unless interval_minutes is 0 or no notifier is set up."""
    minutes = config.get("alerts.interval_minutes")
    if not minutes:
        log.info("alerts: interval_minutes is 0: no scheduled alert runs")
        return []
    if not engine.notifiers(config):
        log.warning("alerts: no notifier is set up (alerts.email, alerts.webhooks): "
                    "no scheduled alert runs")
        return []
    seconds = float(minutes) * 60
    start = datetime.now(UTC) + timedelta(
        seconds=min(FIRST_RUN_DELAY_SECONDS, seconds))
    trigger = IntervalTrigger(seconds=seconds, start_date=start)
    return [JobSpec(id="alerts", func=run_alerts, trigger=trigger,
                    kwargs={"config_path": str(config.path) if config.path else None},
                    name=f"alerts every {minutes:g} min")]


def run_alerts(config_path: str | None) -> None:
    """Job: load the config afresh (edits apply without a restart) and run alerts."""
    config = load_config(config_path)
    with Companion(config) as companion:
        result = engine.run(config, companion)
    for name, error in result.failures.items():
        log.warning("alerts: vCenter '%s' could not be read: %s", name, error)
    log.info("alerts: run done: %d change(s), %s", len(result.items), "; ".join(
        f"{d.notifier} {d.sent} sent" + (f", {d.pending} pending" if d.pending else "")
        for d in result.deliveries) or "no notifiers")
