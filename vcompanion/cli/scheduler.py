"""``vcompanion scheduler [--list]``: run the alerts, the report exports and
the history recordings on their schedules (``jobs/``), in the foreground,
until Ctrl+C or a service manager stops it."""

from __future__ import annotations

import logging
import sys

from .common import EXIT_OK, EXIT_USAGE, Fail, console_logging, open_config
from .output import render

# Besides warnings, the console shows the progress lines of these loggers.
PROGRESS_LOGGERS = ("vcompanion.jobs.scheduler", "vcompanion.jobs.alerts",
                    "vcompanion.jobs.history")


def register(subparsers) -> None:
    sched = subparsers.add_parser(
        "scheduler", help="run alerts, report exports and history recordings on "
                          "their schedules (keeps running; Ctrl+C stops)")
    sched.add_argument("--list", action="store_true",
                       help="print the jobs and their next run, then exit")
    sched.set_defaults(handler=cmd_scheduler)


def _on_console(record: logging.LogRecord) -> bool:
    """Warnings, plus the scheduler's, alert and history jobs' progress lines."""
    return record.levelno >= logging.WARNING or record.name in PROGRESS_LOGGERS


def cmd_scheduler(args) -> int:
    from ..jobs import PROVIDERS, scheduler
    config = open_config(args)
    if args.list:
        import pandas as pd
        built = scheduler.build_scheduler(config, PROVIDERS)
        frame = pd.DataFrame(scheduler.describe(built),
                             columns=["id", "name", "trigger", "next_run"])
        sys.stdout.write(render(frame, "table"))
        return EXIT_OK
    if not scheduler.job_specs(config, PROVIDERS):
        raise Fail("nothing to schedule: set alerts.interval_minutes and a "
                   "notifier (alerts.email or alerts.webhooks), or report "
                   f"schedules, in {config.where}", EXIT_USAGE)
    # What reaches it: the "vcompanion" logger's level, logging.level in the config.
    console = console_logging(_on_console, "%Y-%m-%d %H:%M:%S")
    print(f"vcompanion scheduler: running (logs in {config.logs_dir}); Ctrl+C stops",
          file=sys.stderr)
    try:
        scheduler.run(config, PROVIDERS)
    finally:
        logging.getLogger("vcompanion").removeHandler(console)
    return EXIT_OK
