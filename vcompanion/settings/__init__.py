"""Every configuration setting, declared once.

This declaration is the single source of truth: ``config.py`` validates the
JSON file against it, ``vcompanion config example`` writes
``config.example.json`` from it and ``vcompanion config docs`` writes
``docs/configuration.md`` from it.  A test keeps both files in step.

To add a setting, add one ``Field`` to the right ``Section``::

    fields.py     Field, Section and the checks they share (host names, URLs)
    vcenters.py   the vCenters, logging, collection, statistics, problem rules
    alerting.py   e-mail, webhook, critical events, the alert job
    web.py        logins and sessions, the dashboards' server
    keeping.py    the history (retention, metrics), scheduled reports
    ROOT (here)   the file: every section, data_dir and logs_dir
"""

from __future__ import annotations

from .alerting import ALERTS, CRITICAL_EVENTS, EMAIL, WEBHOOK
from .fields import REQUIRED, Field, Section, host_problem, url_problem
from .keeping import (HISTORY, HISTORY_KINDS, METRICS_HISTORY, REPORT_SCHEDULE, REPORTS,
                      RETENTION)
from .vcenters import COLLECTION, LOGGING, METRICS, PROBLEMS, VCENTER
from .web import DASHBOARD, SESSION


ROOT = Section(
    "",
    "vCompanion configuration file (JSON).",
    fields=(
        VCENTER,
        Field("data_dir", str, "Folder for data vCompanion keeps (alert state, "
              "reports, session secret). Relative to the config file.",
              default="data", is_path=True),
        Field("logs_dir", str, "Folder for log files. Relative to the config file.",
              default="logs", is_path=True),
        LOGGING,
        COLLECTION,
        METRICS,
        PROBLEMS,
        ALERTS,
        SESSION,
        DASHBOARD,
        REPORTS,
        HISTORY,
    ),
)

__all__ = ["ALERTS", "COLLECTION", "CRITICAL_EVENTS", "DASHBOARD", "EMAIL", "Field", "HISTORY",
           "HISTORY_KINDS", "LOGGING", "METRICS", "METRICS_HISTORY", "PROBLEMS",
           "REPORTS", "REPORT_SCHEDULE", "REQUIRED", "RETENTION", "ROOT", "SESSION",
           "Section", "VCENTER", "WEBHOOK", "host_problem", "url_problem"]
