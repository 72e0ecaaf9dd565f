"""Settings of what is kept: the history (retention, metrics), scheduled reports."""

from __future__ import annotations

import re

from .fields import Field, Section


HISTORY_KINDS = ("vm", "host", "datastore", "cluster", "network")


def _kinds_problem(value: list) -> str | None:
    wrong = [v for v in value if v not in HISTORY_KINDS]
    if wrong:
        return (f"lists unknown kind(s) {', '.join(map(repr, wrong))}; kinds: "
                f"{', '.join(HISTORY_KINDS)}")
    return None


def _url_problem(value: str | None) -> str | None:
    """What is wrong with a history database URL, or None."""
    if value is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        url = make_url(value)
    except ArgumentError:
        return ("is not a database URL; expected e.g. "
                "'postgresql+psycopg://user@host:5432/vcompanion' or "
                "'sqlite:///C:/vcompanion/history.sqlite'")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        return (f"names the database '{url.get_backend_name()}'; the history runs on "
                "sqlite or postgresql")
    if url.get_backend_name() == "postgresql" and "+" in url.drivername \
            and url.get_driver_name() != "psycopg":
        return "uses a PostgreSQL driver vCompanion does not ship; use postgresql+psycopg://"
    return None


def _cron_problem(value: str) -> str | None:
    """What is wrong with a crontab line, or None (APScheduler parses it)."""
    from apscheduler.triggers.cron import CronTrigger
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        return (f"is not a valid crontab line ({exc}): {value!r}; expected five fields "
                "'minute hour day month weekday', e.g. '0 6 * * 1-5'")
    return None


REPORT_SCHEDULE = Section(
    "schedules",
    "Scheduled Excel exports, run by `vcompanion scheduler`. Each run writes "
    "data_dir/reports/NAME_<UTC time>Z.xlsx, deletes that schedule's oldest files "
    "beyond keep and, when email_to lists recipients, mails the workbook with the "
    "alerts.email settings.",
    many=True,
    unique="name",
    example=(
        {"name": "daily-inventory", "kind": "inventory", "cron": "0 6 * * *",
         "keep": 30, "email_to": []},
    ),
    fields=(
        Field("name", str, "Short unique name; starts the file names (letters, digits, "
              ". _ -).", check=lambda v: None if re.fullmatch(r"[A-Za-z0-9][\w.-]*", v)
              else f"must be letters, digits, '.', '_' or '-' (it names files), "
              f"not {v!r}"),
        Field("kind", str, "inventory (the RVTools-style workbook), events (the "
              "critical events and problems of the last hours) or changes (the "
              "history's change log of the last hours).", default="inventory",
              choices=("inventory", "events", "changes")),
        Field("cron", str, "When to run, as a crontab line 'minute hour day month "
              "weekday' in the scheduler's local time, e.g. '0 6 * * *' (06:00 daily) "
              "or '30 7 * * 1-5' (07:30 on weekdays).", check=_cron_problem),
        Field("keep", int, "Workbooks of this schedule kept in data_dir/reports; older "
              "ones are deleted.", default=30, minimum=1, maximum=100_000),
        Field("email_to", list, "Mail the workbook to these addresses (through "
              "alerts.email); empty: no mail.", default=[], items=str),
        Field("hours", (int, float, type(None)), "events and changes: the period "
              "covered; null: collection.event_hours.", default=None, minimum=0,
              maximum=8760, in_example=False),
    ),
)


RETENTION = Section(
    "retention",
    "How long the history keeps what it recorded; `vcompanion history purge` and "
    "every scheduled recording apply it. Raw capacity samples are rolled up into "
    "hourly and daily ones before they go.",
    fields=(
        Field("raw_samples_days", (int, float), "Capacity samples of every recording.",
              default=7, minimum=1, maximum=3650),
        Field("hourly_samples_days", (int, float), "Hourly rollups (average, lowest, "
              "highest).", default=90, minimum=1, maximum=3650),
        Field("daily_samples_days", (int, float), "Daily rollups (what forecasts "
              "read).", default=1825, minimum=1, maximum=36500),
        Field("changes_days", (int, float), "The change log, the recordings and the "
              "object versions older than it (as_of further back shows nothing).",
              default=730, minimum=1, maximum=36500),
        Field("audit_days", (int, float), "The audit trail: sign-ins, sign-outs, "
              "workbooks, alert tests (`vcompanion audit`).", default=365, minimum=1,
              maximum=36500),
    ),
)


METRICS_HISTORY = Section(
    "metrics",
    "Performance statistics in the history (docs/metrics.md): every scheduled "
    "recording stores the hosts', clusters' and datastores' 5-minute samples since the "
    "last one (after a gap, from vCenter's 30-minute or 2-hour rollups), the VMs' daily "
    "summaries and their latest window; rolled up hourly and daily, pruned by these.",
    fields=(
        Field("enabled", bool, "Store performance statistics with each recording.",
              default=True),
        Field("samples_days", (int, float), "5-minute samples of hosts, clusters and "
              "datastores.", default=30, minimum=1, maximum=3650),
        Field("hourly_days", (int, float), "Their hourly rollups (average, lowest, "
              "highest).", default=365, minimum=1, maximum=3650),
        Field("daily_days", (int, float), "Their daily rollups.", default=1825,
              minimum=1, maximum=36500),
        Field("vm_summaries", bool, "Keep each VM's daily summary per counter (average, "
              "95th percentile, maximum) and its latest window.", default=True),
        Field("vm_days", (int, float), "VM daily summaries.", default=365, minimum=1,
              maximum=36500),
        Field("backfill_days", (int, float), "How far back the first recording, or one "
              "after downtime, reads vCenter's rollups (vCenter keeps 2-hour samples for "
              "30 days).", default=7, minimum=1, maximum=30),
    ),
)


HISTORY = Section(
    "history",
    "The history (docs/history.md): every change of the inventory across all "
    "vCenters, the inventory as of any date, capacity trends and forecasts.",
    fields=(
        Field("enabled", bool, "Record and answer history questions (vc.record(), "
              "vc.changes(), vc.as_of(), ...).", default=True),
        Field("database_url", (str, type(None)), "Where the history lives: null for "
              "the SQLite file data_dir/history.sqlite (nothing to install), or a "
              "SQLAlchemy URL such as postgresql+psycopg://vcompanion@db.corp:5432/"
              "vcompanion to share one history between machines. Leave the password "
              "out: it comes from the environment variable VCOMPANION_HISTORY_PASSWORD "
              "(or PGPASSWORD, ~/.pgpass).", default=None, check=_url_problem),
        Field("interval_minutes", (int, float), "How often `vcompanion scheduler` "
              "records every vCenter; 0 turns the scheduled recording off.",
              default=15, minimum=0, maximum=10080),
        Field("forecast_window_days", (int, float), "Days of daily peaks a forecast "
              "reads (it restarts after a step change).", default=90, minimum=7,
              maximum=3650),
        Field("forecast_min_days", (int, float), "Fewer days of data than this give "
              "the status 'insufficient data'.", default=7, minimum=2, maximum=365),
        RETENTION,
        METRICS_HISTORY,
    ),
)


REPORTS = Section(
    "reports",
    "Excel reports (`vcompanion report`, `vc.report()`); files land in "
    "data_dir/reports.",
    fields=(REPORT_SCHEDULE,),
)
