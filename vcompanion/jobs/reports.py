"""The scheduler's report jobs: one per ``reports.schedules`` entry (cron)."""

from __future__ import annotations

from pathlib import Path

from ..audit import LOCAL, local_user, trail
from ..companion import Companion
from ..config import load_config
from ..reports.schedule import cron_trigger, export, schedules
from .scheduler import JobSpec


def jobs(config) -> list[JobSpec]:
    """One scheduler job per configured schedule."""
    specs = []
    for item in schedules(config):
        specs.append(JobSpec(
            id=f"report:{item['name']}", func=run_export,
            trigger=cron_trigger(item["cron"]),
            kwargs={"config_path": str(config.path) if config.path else None,
                    "schedule": item["name"]},
            name=f"{item['kind']} report '{item['name']}' ({item['cron']})"))
    return specs


def run_export(config_path: str | None, schedule: str) -> Path:
    """Job: load the config afresh (edits apply without a restart), read every
    vCenter and export schedule ``schedule``."""
    config = load_config(config_path)
    with Companion(config) as companion:
        companion.refresh()
        path = export(config, schedule, companion)
    trail(config, "vcompanion scheduler").workbook_generated(
        local_user(), LOCAL, f"schedule {schedule}", str(path))
    return path


__all__ = ["jobs", "run_export"]
