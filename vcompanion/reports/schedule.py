"""Scheduled exports: ``reports.schedules`` run by ``vcompanion scheduler``.

Each schedule (name, kind, cron, keep, email_to, hours) becomes one job
(``jobs/reports.py``).  A run reads every vCenter afresh, writes
``data_dir/reports/NAME_<UTC time>Z.xlsx``, deletes that schedule's oldest files
beyond ``keep`` and, when ``email_to`` lists recipients, mails the workbook
through the ``alerts.email`` settings.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ConfigError, NotifyError
from . import default_path, report_dir, write_report

log = logging.getLogger(__name__)


def cron_trigger(expression: str, timezone_=None):
    """APScheduler's trigger for a five-field crontab line; ValueError if invalid."""
    from apscheduler.triggers.cron import CronTrigger
    return CronTrigger.from_crontab(expression, timezone=timezone_)


def schedules(config) -> list[dict]:
    """The configured schedules, each cron line checked (ConfigError naming it)."""
    items = config.get("reports.schedules")
    for i, item in enumerate(items):
        try:
            cron_trigger(item["cron"])
        except ValueError as exc:
            raise ConfigError(f"'reports.schedules[{i}].cron' is not a valid crontab "
                              f"line ({exc}): {item['cron']!r}; expected five fields: "
                              "minute hour day month weekday, e.g. '0 6 * * 1-5'",
                              config.where) from None
    return items


def export(config, schedule: str, companion) -> Path:
    """Write schedule ``schedule``'s workbook, prune old files, mail it if asked.

    ``companion``: an open Companion to read from (the scheduler's job,
    ``jobs/reports.py``, opens one per run).  Returns the workbook's path.
    """
    item = next((s for s in schedules(config) if s["name"] == schedule), None)
    if item is None:
        raise ConfigError(f"no report schedule named '{schedule}' in reports.schedules",
                          config.where)
    path = default_path(config, item["kind"], prefix=item["name"])
    written, failures = _write(companion, path, item)
    for name, error in failures.items():
        log.warning("report '%s': vCenter '%s' could not be read: %s", schedule, name,
                    error)
    removed = prune(report_dir(config), schedule, item["keep"])
    log.info("report '%s': wrote %s%s", schedule, written,
             f"; removed {len(removed)} old file(s)" if removed else "")
    if item["email_to"]:
        mail(config, item, written, failures)
    return written


def _write(vc, path: Path, item: dict):
    written = write_report(vc, path, kind=item["kind"], hours=item["hours"])
    return written, dict(vc.failures)


def mail(config, item: dict, path: Path, failures: dict) -> None:
    """Send the workbook as an attachment; a failure is logged, the file stays."""
    from ..alerts.notify_email import send_mail
    kind = {"inventory": "Inventory", "changes": "Changes"}.get(item["kind"],
                                                                "Critical events")
    subject = (f"vCompanion: {kind} report '{item['name']}' "
               f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)")
    lines = [f"{kind} report '{item['name']}' is attached ({path.name}).",
             "All vCenters were read." if not failures else
             f"{len(failures)} vCenter(s) could not be read: "
             + "; ".join(f"{n}: {e}" for n, e in failures.items()), "",
             "Times in the workbook are UTC."]
    try:
        send_mail(config, list(item["email_to"]), subject, "\n".join(lines),
                  attachments=[path])
        log.info("report '%s': mailed to %s", item["name"], ", ".join(item["email_to"]))
    except NotifyError as exc:
        log.error("report '%s': could not mail %s: %s", item["name"], path.name, exc)


def _pattern(name: str) -> re.Pattern:
    return re.compile(re.escape(name) + r"_\d{4}-\d{2}-\d{2}_\d{6}Z(-\d+)?\.xlsx")


def exports(folder: Path, name: str) -> list[Path]:
    """Schedule ``name``'s workbooks in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    pattern = _pattern(name)
    found = [p for p in folder.iterdir() if p.is_file() and pattern.fullmatch(p.name)]
    return sorted(found, key=lambda p: (p.name[len(name):len(name) + 19],
                                        p.stat().st_mtime, p.name))


def prune(folder: Path, name: str, keep: int) -> list[Path]:
    """Delete schedule ``name``'s oldest workbooks beyond ``keep``; returns them."""
    files = exports(folder, name)
    removed = []
    for old in files[:max(0, len(files) - keep)]:
        try:
            old.unlink()
            removed.append(old)
        except OSError as exc:  # e.g. open in Excel on Windows: try again next run
            log.warning("report '%s': cannot remove %s: %s", name, old, exc.strerror)
    return removed


__all__ = ["cron_trigger", "export", "exports", "prune", "schedules"]
